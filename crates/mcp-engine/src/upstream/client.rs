use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use tokio::sync::Semaphore;

use super::Upstream;
use crate::request::RenderedRequest;

/// Longest wait honoured from a `Retry-After` header; a longer one ends the retries.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
const MAX_REDIRECTS: usize = 5;
/// The most allocated for an answer before its bytes arrive.
const INITIAL_BODY: usize = 256 * 1024;

#[derive(Debug)]
pub(crate) struct UpstreamResponse {
    pub status: reqwest::StatusCode,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The body was longer than the limit and was cut there.
    pub truncated: bool,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    #[error(
        "the API did not answer within {0:?}; the request may or may not have been carried out, so check before repeating a change"
    )]
    Timeout(Duration),
    #[error("cannot connect to the API at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("the request to the API failed: {0}")]
    Other(String),
}

/// One HTTP client for the life of the process: connections are pooled across calls.
#[derive(Clone)]
pub(crate) struct HttpClient {
    /// Built on a thread of its own: reading the system's certificates is a quarter of a
    /// start's work, and no call is made before the answer to `initialize`. Over stdio the
    /// thread waits for that answer to be written, so as not to slow it
    /// (docs/performance.md).
    client: Arc<std::sync::OnceLock<Result<reqwest::Client, String>>>,
    in_flight: Arc<Semaphore>,
    metrics: Arc<crate::observe::Metrics>,
}

impl HttpClient {
    /// Counts retries in `metrics`.
    pub(crate) fn with_metrics(mut self, metrics: Arc<crate::observe::Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// `user_agent` names the embedding program to the API, e.g. `my-server/1.0`.
    /// With `start`, the thread waits until it is sent to or dropped before it builds.
    pub(crate) fn new(
        connect_timeout: Duration,
        max_in_flight: usize,
        user_agent: &str,
        start: Option<std::sync::mpsc::Receiver<()>>,
    ) -> Result<Self, reqwest::Error> {
        let client: Arc<std::sync::OnceLock<Result<reqwest::Client, String>>> = Arc::default();
        let builder = Self::builder(connect_timeout, user_agent);
        let slot = client.clone();
        let spawned = std::thread::Builder::new()
            .name("http-client".into())
            .spawn(move || {
                if let Some(start) = start {
                    let _ = start.recv();
                }
                slot.get_or_init(|| builder.build().map_err(|e| e.to_string()));
            });
        if spawned.is_err() {
            // No thread to spare: built here, as before.
            let built = Self::builder(connect_timeout, user_agent).build()?;
            let _ = client.set(Ok(built));
        }
        Ok(Self {
            metrics: Arc::default(),
            client,
            in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
        })
    }

    fn builder(connect_timeout: Duration, user_agent: &str) -> reqwest::ClientBuilder {
        crate::crypto::install();
        reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .user_agent(user_agent)
            // Never carry the API key to another host: follow redirects only on the same origin.
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let same_origin = attempt
                    .previous()
                    .first()
                    .is_some_and(|first| first.origin() == attempt.url().origin());
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error("too many redirects")
                } else if same_origin {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
    }

    /// The client, waiting for its thread if a call comes before it is ready.
    async fn client(&self) -> Result<&reqwest::Client, SendError> {
        let slot = &self.client;
        if slot.get().is_none() {
            let waiting = slot.clone();
            // `OnceLock::wait` blocks: off the runtime's threads.
            let _ = tokio::task::spawn_blocking(move || {
                waiting.wait();
            })
            .await;
        }
        match slot.wait() {
            Ok(client) => Ok(client),
            Err(e) => Err(SendError::Other(format!(
                "the HTTP client could not be set up: {e}"
            ))),
        }
    }

    /// Sends `request` with the upstream's headers. Retries (at most `upstream.retries`
    /// times) only when `idempotent`, and only on connection errors, 429 and 503.
    pub(crate) async fn send(
        &self,
        upstream: &Upstream,
        request: &RenderedRequest,
        timeout: Duration,
        idempotent: bool,
        read_limit: usize,
    ) -> Result<UpstreamResponse, SendError> {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| SendError::Other("the server is shutting down".into()))?;
        let headers = build_headers(upstream, request)?;
        let body = match &request.body {
            Some(v) => Some(serde_json::to_vec(v).map_err(|e| SendError::Other(e.to_string()))?),
            None => None,
        };
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|e| SendError::Other(e.to_string()))?;
        // One deadline for the whole call, retries and waits included.
        let deadline = tokio::time::Instant::now() + timeout;
        let remaining = || deadline.saturating_duration_since(tokio::time::Instant::now());
        let mut attempt = 0;
        loop {
            if remaining().is_zero() {
                return Err(SendError::Timeout(timeout));
            }
            let mut builder = self
                .client()
                .await?
                .request(method.clone(), request.url.clone())
                .headers(headers.clone())
                .timeout(remaining());
            if let Some(body) = &body {
                builder = builder
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let retryable = idempotent && attempt < upstream.retries;
            match builder.send().await {
                Ok(response) => {
                    let status = response.status();
                    if retryable
                        && (status == reqwest::StatusCode::TOO_MANY_REQUESTS
                            || status == reqwest::StatusCode::SERVICE_UNAVAILABLE)
                    {
                        let wait =
                            retry_after(response.headers()).unwrap_or_else(|| backoff(attempt));
                        if wait <= MAX_RETRY_AFTER && wait < remaining() {
                            tracing::debug!(%status, ?wait, attempt, "retrying");
                            self.metrics.retried();
                            tokio::time::sleep(wait).await;
                            attempt += 1;
                            continue;
                        }
                    }
                    return read_body(response, read_limit, timeout).await;
                }
                Err(e) if e.is_connect() && retryable && backoff(attempt) < remaining() => {
                    tracing::debug!(attempt, "connection failed, retrying");
                    self.metrics.retried();
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(classify(e, timeout, upstream)),
            }
        }
    }
}

fn build_headers(upstream: &Upstream, request: &RenderedRequest) -> Result<HeaderMap, SendError> {
    let mut headers = HeaderMap::new();
    let pairs = upstream
        .headers
        .iter()
        .map(|h| (h.name.as_str(), h.value.as_str(), true))
        .chain(
            request
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str(), false)),
        );
    for (name, value, secret) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| SendError::Other(format!("`{name}` is not a valid header name")))?;
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            SendError::Other(format!(
                "the value of header `{name}` holds characters HTTP does not allow"
            ))
        })?;
        value.set_sensitive(secret);
        headers.insert(name, value);
    }
    Ok(headers)
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(200u64 << attempt.min(5))
}

/// `Retry-After` in seconds or as an HTTP date (RFC 9110, 10.2.3).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(86_400.0)));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
    timeout: Duration,
) -> Result<UpstreamResponse, SendError> {
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // The declared length is the peer's word: it sizes the first allocation only up to a
    // modest bound, and the body grows as it really arrives.
    let mut body = Vec::with_capacity(
        response
            .content_length()
            .map(|l| {
                usize::try_from(l)
                    .unwrap_or(usize::MAX)
                    .min(limit)
                    .min(INITIAL_BODY)
            })
            .unwrap_or(1024),
    );
    let mut truncated = false;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) if e.is_timeout() => return Err(SendError::Timeout(timeout)),
            Err(e) => {
                return Err(SendError::Other(format!(
                    "the answer broke off after {} bytes: {}",
                    body.len(),
                    error_chain(e)
                )));
            }
        }
    }
    Ok(UpstreamResponse {
        status,
        content_type,
        body,
        truncated,
    })
}

fn classify(e: reqwest::Error, timeout: Duration, upstream: &Upstream) -> SendError {
    if e.is_timeout() {
        SendError::Timeout(timeout)
    } else if e.is_connect() {
        SendError::Connect {
            url: upstream.base_url.to_string(),
            reason: root_cause(&e),
        }
    } else {
        SendError::Other(error_chain(e))
    }
}

/// The innermost cause ("Connection refused (os error 111)"), without the URL reqwest adds.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

fn error_chain(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        let soon = chrono::Utc::now() + chrono::Duration::seconds(30);
        let date = soon.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        let wait = retry_after(&headers).expect("a date is understood");
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }
}
