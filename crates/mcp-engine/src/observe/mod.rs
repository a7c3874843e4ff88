//! What operators watch: Prometheus metrics, and the server that exposes them.

pub(crate) mod metrics;
pub(crate) mod metrics_server;
pub(crate) mod trace;

pub(crate) use metrics::Metrics;
