//! The `layerops-mcp` binary tested from outside, as clients and users meet it: one test
//! crate (one link) with a module per subject.

mod common;

mod catalogue;
mod cli;
mod day_one;
mod destructive;
mod doctor;
mod hostile;
mod hot_reload;
mod http_transport;
mod link_order;
mod new_users;
mod oauth;
mod observability;
mod openapi;
mod protocol;
mod replicas;
mod sandbox_chain;
mod secrets;
mod startup;
mod stateless_http;
mod tool_calls;
