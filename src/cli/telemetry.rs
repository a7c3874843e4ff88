//! OpenTelemetry traces over OTLP/HTTP, opt-in (`--otlp-endpoint`): the engine's spans (one
//! per MCP request, one per upstream call) go to a collector. The provider is flushed when
//! the returned guard drops, at the end of `main`. The exporter is built only with the
//! `otlp` feature; without it, asking for traces says how to get a build that sends them.

#[cfg(feature = "otlp")]
use opentelemetry::trace::TracerProvider as _;
#[cfg(feature = "otlp")]
use opentelemetry_otlp::{Protocol, WithExportConfig};

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

/// Where the spans go: an OTLP exporter's provider.
#[cfg(feature = "otlp")]
pub type Provider = opentelemetry_sdk::trace::SdkTracerProvider;

/// A build without the `otlp` feature has no exporter, so there is no provider to make.
#[cfg(not(feature = "otlp"))]
pub enum Provider {}

/// Why a build without the `otlp` feature sends no traces, and what to do.
pub const NOT_BUILT_IN: &str = "this build has no OpenTelemetry exporter (it was built without the `otlp` feature); build with `cargo build --release --features otlp` (or `--features full`), or use the container image, which has it";

/// Flushes and stops the exporter when dropped.
pub struct Telemetry(Option<Provider>);

impl Drop for Telemetry {
    fn drop(&mut self) {
        #[cfg(feature = "otlp")]
        if let Some(provider) = self.0.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("layerops-mcp: traces not all sent: {e}");
        }
    }
}

/// The tracer provider for `endpoint` (a collector's base URL, such as
/// `http://127.0.0.1:4318`, or its full `/v1/traces` URL).
#[cfg(feature = "otlp")]
pub fn provider(endpoint: &str, protocol: OtlpProtocol) -> anyhow::Result<Provider> {
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
    Ok(Provider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(env!("CARGO_PKG_NAME"))
                .build(),
        )
        .build())
}

/// Refuses: this build has no exporter.
#[cfg(not(feature = "otlp"))]
pub fn provider(_endpoint: &str, _protocol: OtlpProtocol) -> anyhow::Result<Provider> {
    anyhow::bail!(NOT_BUILT_IN)
}

/// The `tracing` layer that records spans into `provider`, and the guard that flushes it.
pub fn layer<S>(
    provider: Option<Provider>,
) -> (
    Option<Box<dyn tracing_subscriber::Layer<S> + Send + Sync>>,
    Telemetry,
)
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync,
{
    #[cfg(feature = "otlp")]
    let layer = provider.as_ref().map(|p| {
        Box::new(tracing_opentelemetry::layer().with_tracer(p.tracer(env!("CARGO_PKG_NAME"))))
            as Box<dyn tracing_subscriber::Layer<S> + Send + Sync>
    });
    #[cfg(not(feature = "otlp"))]
    let layer = None;
    (layer, Telemetry(provider))
}
