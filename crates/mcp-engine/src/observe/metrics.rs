//! The server's Prometheus metrics. Labels are bounded: a tool label only ever names a tool
//! of the catalogue (calls of unknown tools are refused before any metric), a status label
//! an HTTP status, a method label an HTTP method.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    tool: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolLabel {
    tool: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabel {
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabel {
    version: String,
}

/// How a call ended, as counted.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CallOutcome {
    /// The API answered 1xx to 3xx.
    Ok,
    /// The API answered 4xx or 5xx.
    ApiError,
    /// No answer: connection failed, timed out, or the answer was too large.
    Failed,
    /// Not sent: the user declined, or could not be asked when it was required.
    Declined,
}

impl CallOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::ApiError => "api_error",
            Self::Failed => "failed",
            Self::Declined => "declined",
        }
    }
}

fn seconds() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

pub(crate) struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    call_seconds: Family<ToolLabel, Histogram, fn() -> Histogram>,
    upstream_seconds: Family<MethodLabel, Histogram, fn() -> Histogram>,
    upstream_responses: Family<StatusLabel, Counter>,
    retries: Counter,
    in_flight: Gauge,
    sessions: Gauge,
    reloads: Family<ResultLabel, Counter>,
    catalogue: Family<VersionLabel, Gauge>,
    tools: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("mcp");
        let metrics = Self {
            calls: Family::default(),
            call_seconds: Family::new_with_constructor(seconds),
            upstream_seconds: Family::new_with_constructor(seconds),
            upstream_responses: Family::default(),
            retries: Counter::default(),
            in_flight: Gauge::default(),
            sessions: Gauge::default(),
            reloads: Family::default(),
            catalogue: Family::default(),
            tools: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "tool_calls",
            "Tool calls by tool and outcome (ok, api_error, failed, declined)",
            metrics.calls.clone(),
        );
        registry.register(
            "tool_call_duration_seconds",
            "Time from a call's start in the server to its answer, by tool",
            metrics.call_seconds.clone(),
        );
        registry.register(
            "upstream_request_duration_seconds",
            "Time the upstream API took to answer, retries included, by HTTP method",
            metrics.upstream_seconds.clone(),
        );
        registry.register(
            "upstream_responses",
            "Answers of the upstream API by HTTP status",
            metrics.upstream_responses.clone(),
        );
        registry.register(
            "upstream_retries",
            "Requests to the upstream API sent again (connection errors, 429, 503)",
            metrics.retries.clone(),
        );
        registry.register(
            "tool_calls_in_flight",
            "Tool calls being answered now",
            metrics.in_flight.clone(),
        );
        registry.register(
            "sessions",
            "Client sessions open now (stdio, or HTTP of protocols before 2026-07-28)",
            metrics.sessions.clone(),
        );
        registry.register(
            "reloads",
            "Reloads of the content after file changes, by result (ok, with_errors)",
            metrics.reloads.clone(),
        );
        registry.register(
            "catalogue_info",
            "The content served now: 1, with its content hash as the version label",
            metrics.catalogue.clone(),
        );
        registry.register("tools", "Tools served now", metrics.tools.clone());
        Self {
            registry,
            ..metrics
        }
    }
}

/// Counts a call in flight until dropped (also when the call is cancelled).
pub(crate) struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Metrics {
    pub(crate) fn call_started(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    /// `took`: how long the call ran, when it was sent.
    pub(crate) fn call_ended(&self, tool: &str, outcome: CallOutcome, took: Option<Duration>) {
        self.calls
            .get_or_create(&CallLabels {
                tool: tool.to_owned(),
                outcome: outcome.label(),
            })
            .inc();
        if let Some(took) = took {
            self.call_seconds
                .get_or_create(&ToolLabel {
                    tool: tool.to_owned(),
                })
                .observe(took.as_secs_f64());
        }
    }

    pub(crate) fn upstream_answered(&self, method: &str, status: Option<u16>, took: Duration) {
        self.upstream_seconds
            .get_or_create(&MethodLabel {
                method: method.to_owned(),
            })
            .observe(took.as_secs_f64());
        if let Some(status) = status {
            self.upstream_responses
                .get_or_create(&StatusLabel {
                    status: status.to_string(),
                })
                .inc();
        }
    }

    pub(crate) fn retried(&self) {
        self.retries.inc();
    }

    pub(crate) fn reloaded(&self, with_errors: bool) {
        let result = if with_errors { "with_errors" } else { "ok" };
        self.reloads.get_or_create(&ResultLabel { result }).inc();
    }

    /// The text exposition, with the values read at scrape time.
    pub(crate) fn render(&self, sessions: usize, catalogue_version: &str, tools: usize) -> String {
        self.sessions.set(sessions as i64);
        self.tools.set(tools as i64);
        self.catalogue.clear();
        self.catalogue
            .get_or_create(&VersionLabel {
                version: catalogue_version.to_owned(),
            })
            .set(1);
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
