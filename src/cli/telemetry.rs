//! OpenTelemetry traces over OTLP/HTTP, opt-in (`--otlp-endpoint`): the engine's spans (one
//! per MCP request, one per upstream call) go to a collector. The provider is flushed when
//! the returned guard drops, at the end of `main`.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;

/// `--otlp-protocol`.
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum OtlpProtocol {
    /// Protobuf over HTTP, the OTLP default.
    #[default]
    #[value(name = "http/protobuf")]
    HttpProtobuf,
    /// JSON over HTTP.
    #[value(name = "http/json")]
    HttpJson,
}

/// Flushes and stops the exporter when dropped.
pub struct Telemetry(Option<SdkTracerProvider>);

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.0.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("layerops-mcp: traces not all sent: {e}");
        }
    }
}

/// The tracer provider for `endpoint` (a collector's base URL, such as
/// `http://127.0.0.1:4318`, or its full `/v1/traces` URL).
pub fn provider(endpoint: &str, protocol: OtlpProtocol) -> anyhow::Result<SdkTracerProvider> {
    let endpoint = endpoint.trim_end_matches('/');
    let url = if endpoint.ends_with("/v1/traces") {
        endpoint.to_owned()
    } else {
        format!("{endpoint}/v1/traces")
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(match protocol {
            OtlpProtocol::HttpProtobuf => Protocol::HttpBinary,
            OtlpProtocol::HttpJson => Protocol::HttpJson,
        })
        .with_endpoint(url)
        .build()?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(env!("CARGO_PKG_NAME"))
                .build(),
        )
        .build())
}

/// The `tracing` layer that records spans into `provider`, and the guard that flushes it.
pub fn layer<S>(
    provider: Option<SdkTracerProvider>,
) -> (
    Option<tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>>,
    Telemetry,
)
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let layer = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer(env!("CARGO_PKG_NAME"))));
    (layer, Telemetry(provider))
}
