//! The log line format: tracing's own, except for rmcp's debug and trace events, whose
//! fields are whole protocol messages (tool arguments and answers, which may hold secrets
//! that only a tool's schema marks): those events show their message and not their fields.

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Json, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

#[derive(Default)]
pub struct WithoutProtocolFields {
    inner: Format<Full>,
    /// One JSON object per line instead of text (`--log-format json`).
    json: Option<Format<Json>>,
}

impl WithoutProtocolFields {
    pub fn json() -> Self {
        Self {
            inner: Format::default(),
            json: Some(Format::default().json().flatten_event(true)),
        }
    }
}

fn carries_protocol_messages(target: &str, level: &Level) -> bool {
    (target == "rmcp" || target.starts_with("rmcp::")) && *level >= Level::DEBUG
}

/// Keeps only the `message` field of an event.
#[derive(Default)]
struct MessageOnly(String);

impl tracing::field::Visit for MessageOnly {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S, N> FormatEvent<S, N> for WithoutProtocolFields
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let meta = event.metadata();
        if !carries_protocol_messages(meta.target(), meta.level()) {
            return match &self.json {
                Some(json) => json.format_event(ctx, writer, event),
                None => self.inner.format_event(ctx, writer, event),
            };
        }
        let mut message = MessageOnly::default();
        event.record(&mut message);
        let omitted = meta
            .fields()
            .iter()
            .filter(|f| f.name() != "message")
            .count();
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        if self.json.is_some() {
            let line = serde_json::json!({
                "timestamp": now,
                "level": meta.level().as_str(),
                "target": meta.target(),
                "message": message.0,
                "fields_not_logged": omitted,
            });
            return writeln!(writer, "{line}");
        }
        writeln!(
            writer,
            "{} {:>5} {}: {}{}",
            now,
            meta.level(),
            meta.target(),
            message.0,
            if omitted > 0 {
                " (fields not logged: they may hold secrets)"
            } else {
                ""
            }
        )
    }
}
