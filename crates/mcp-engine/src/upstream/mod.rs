//! Sending rendered requests to the upstream API: one shared HTTP client, a bound on calls
//! in flight, timeouts, bounded retries for idempotent calls, and a cap on the body read.

mod client;

pub(crate) use client::{HttpClient, UpstreamResponse};
