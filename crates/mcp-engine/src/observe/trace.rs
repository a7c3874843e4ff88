//! W3C trace context (SEP-414): each MCP request is a span that continues the client's
//! `traceparent` (from the request's `_meta`), and each upstream call a child span whose
//! context goes to the API in the `traceparent` header. Spans carry names, methods, route
//! templates and statuses, never argument values. They reach an OpenTelemetry collector
//! when the program installs a `tracing-opentelemetry` layer (`serve --otlp-endpoint`);
//! without one they cost a `tracing` span and nothing is sent upstream. A build without
//! the `otlp` feature cannot install that layer, so it neither reads nor sends a
//! `traceparent`.

#[cfg(feature = "otlp")]
use opentelemetry::Context;
#[cfg(feature = "otlp")]
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
#[cfg(feature = "otlp")]
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// A `traceparent` value: `00-<trace id>-<parent span id>-<flags>`.
#[cfg(feature = "otlp")]
fn parse(traceparent: &str, tracestate: Option<&str>) -> Option<SpanContext> {
    let mut parts = traceparent.trim().split('-');
    let (version, trace, span, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if version.len() != 2 || version == "ff" || trace.len() != 32 || span.len() != 16 {
        return None;
    }
    let trace = TraceId::from_hex(trace).ok()?;
    let span = SpanId::from_hex(span).ok()?;
    let flags = u8::from_str_radix(flags, 16).ok()?;
    let state = tracestate
        .and_then(|s| s.parse::<TraceState>().ok())
        .unwrap_or_default();
    let context = SpanContext::new(trace, span, TraceFlags::new(flags), true, state);
    context.is_valid().then_some(context)
}

/// The span of one MCP request (`method`, and the tool, prompt or resource it names).
pub(crate) fn request_span(
    method: &'static str,
    target: Option<&str>,
    meta: &rmcp::model::RequestMetaObject,
) -> tracing::Span {
    let name = match target {
        Some(target) => format!("{method} {target}"),
        None => method.to_owned(),
    };
    let span = tracing::info_span!(
        "mcp.request",
        otel.name = %name,
        otel.kind = "server",
        mcp.method.name = method,
        mcp.target = target,
    );
    #[cfg(feature = "otlp")]
    if let Some(parent) = meta
        .0
        .get_traceparent()
        .and_then(|t| parse(t, meta.0.get_tracestate()))
    {
        let _ = span.set_parent(Context::new().with_remote_span_context(parent));
    }
    #[cfg(not(feature = "otlp"))]
    let _ = meta;
    span
}

/// The span of one request to the upstream API: the route as written in the tool file.
pub(crate) fn upstream_span(method: &str, route: &str) -> tracing::Span {
    tracing::info_span!(
        "upstream",
        otel.name = %format!("{method} {route}"),
        otel.kind = "client",
        http.request.method = method,
        url.template = route,
        http.response.status_code = tracing::field::Empty,
    )
}

/// The `traceparent` (and `tracestate`) of the current span, to send upstream; none when no
/// OpenTelemetry layer records spans.
#[cfg(feature = "otlp")]
pub(crate) fn current_traceparent() -> Option<(String, Option<String>)> {
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    if !span_context.is_valid() {
        return None;
    }
    let parent = format!(
        "00-{}-{}-{:02x}",
        span_context.trace_id(),
        span_context.span_id(),
        span_context.trace_flags().to_u8()
    );
    let state = span_context.trace_state().header();
    Some((parent, (!state.is_empty()).then_some(state)))
}

/// Without the `otlp` feature no layer can record spans, so there is nothing to continue.
#[cfg(not(feature = "otlp"))]
pub(crate) fn current_traceparent() -> Option<(String, Option<String>)> {
    None
}

#[cfg(all(test, feature = "otlp"))]
mod tests {
    use super::*;

    #[test]
    fn traceparents_are_parsed_strictly() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let context = parse(good, Some("vendor=value")).expect("valid");
        assert_eq!(
            context.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert!(context.is_remote() && context.is_sampled());
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-zz-00f067aa0ba902b7-01",
        ] {
            assert!(parse(bad, None).is_none(), "{bad}");
        }
    }
}
