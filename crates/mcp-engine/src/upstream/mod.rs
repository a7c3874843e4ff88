//! The upstream API: its settings from `_server.yaml` (`config`, with `env()` and
//! `secret()` resolved), and sending rendered requests to it (`client`: one shared HTTP
//! client, a bound on calls in flight, one deadline per call, bounded retries for idempotent
//! calls, and a cap on the body read).

mod client;
mod config;

pub(crate) use client::{HttpClient, UpstreamResponse};
pub(crate) use config::{EnvOverrides, Upstream, resolve};
