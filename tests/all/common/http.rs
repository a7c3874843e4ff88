//! A recording HTTP/1.1 server on 127.0.0.1 with scripted answers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query exactly as sent on the request line.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

#[derive(Clone)]
pub enum Reply {
    Json(u16, Value),
    Raw {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
        extra_headers: Vec<(String, String)>,
    },
    /// Answers after a delay.
    Delay(Duration, Box<Reply>),
    /// Answers once this many requests have arrived in all (or after 10 s): requests that
    /// are not sent side by side never get past it in time.
    AfterRequests(usize, Box<Reply>),
    /// Never answers; notifies when the client closes the connection.
    Hang,
    /// Closes the connection without answering.
    Close,
    /// Promises `declared` bytes of JSON, sends `sent` of them, and closes the connection.
    BrokenOff {
        declared: usize,
        sent: usize,
    },
    /// A chunked JSON body that never ends, until the client hangs up.
    Endless,
}

impl Reply {
    pub fn json(status: u16, value: Value) -> Self {
        Reply::Json(status, value)
    }

    pub fn text(status: u16, content_type: &'static str, body: &str) -> Self {
        Reply::Raw {
            status,
            content_type,
            body: body.as_bytes().to_vec(),
            extra_headers: Vec::new(),
        }
    }

    pub fn with_header(self, name: &str, value: &str) -> Self {
        match self {
            Reply::Raw {
                status,
                content_type,
                body,
                mut extra_headers,
            } => {
                extra_headers.push((name.into(), value.into()));
                Reply::Raw {
                    status,
                    content_type,
                    body,
                    extra_headers,
                }
            }
            Reply::Json(status, v) => Reply::Raw {
                status,
                content_type: "application/json",
                body: v.to_string().into_bytes(),
                extra_headers: vec![(name.into(), value.into())],
            },
            other => other,
        }
    }
}

type Handler = Arc<dyn Fn(&Recorded, usize) -> Reply + Send + Sync>;

pub struct MockApi {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Signalled when a hanging request's connection is closed by the client.
    pub hang_closed: Arc<Notify>,
}

impl MockApi {
    /// Answers every request with `handler(request, index)`; index counts from 0.
    pub async fn start(
        handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let hang_closed = Arc::new(Notify::new());
        let handler: Handler = Arc::new(handler);
        let (reqs, closed) = (requests.clone(), hang_closed.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (reqs, closed, handler) = (reqs.clone(), closed.clone(), handler.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, reqs, closed, handler).await;
                });
            }
        });
        Self {
            base_url,
            requests,
            hang_closed,
        }
    }

    /// Answers everything with one JSON value.
    pub async fn json(status: u16, value: Value) -> Self {
        Self::start(move |_, _| Reply::Json(status, value.clone())).await
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }

    pub fn only_request(&self) -> Recorded {
        let all = self.requests();
        assert_eq!(all.len(), 1, "expected exactly one request, got {all:#?}");
        all.into_iter().next().expect("one request")
    }
}

async fn serve(
    mut stream: TcpStream,
    requests: Arc<Mutex<Vec<Recorded>>>,
    closed: Arc<Notify>,
    handler: Handler,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buffer, b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let recorded = Recorded {
        method,
        target,
        headers,
        body,
    };
    let index = {
        let mut all = requests.lock().expect("lock");
        all.push(recorded.clone());
        all.len() - 1
    };
    let mut reply = handler(&recorded, index);
    loop {
        match reply {
            Reply::Delay(d, inner) => {
                tokio::time::sleep(d).await;
                reply = *inner;
            }
            Reply::AfterRequests(count, inner) => {
                let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
                while requests.lock().expect("lock").len() < count
                    && tokio::time::Instant::now() < deadline
                {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                if requests.lock().expect("lock").len() < count {
                    return write(
                        &mut stream,
                        504,
                        "text/plain",
                        b"the other request never came",
                        &[],
                    )
                    .await;
                }
                reply = *inner;
            }
            Reply::Hang => {
                // Wait until the client gives up and closes the connection.
                while stream
                    .read(&mut chunk)
                    .await
                    .map(|n| n > 0)
                    .unwrap_or(false)
                {}
                closed.notify_one();
                return Ok(());
            }
            Reply::Close => return Ok(()),
            Reply::BrokenOff { declared, sent } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\n\r\n"
                );
                stream.write_all(head.as_bytes()).await?;
                let mut body = b"[".to_vec();
                body.resize(sent.max(1), b' ');
                stream.write_all(&body).await?;
                stream.flush().await?;
                return Ok(());
            }
            Reply::Endless => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n1\r\n[\r\n")
                    .await?;
                let piece = format!("{:x}\r\n{}\r\n", 65536, "0,".repeat(32768));
                // Ends when the client closes the connection and the write fails.
                loop {
                    stream.write_all(piece.as_bytes()).await?;
                }
            }
            Reply::Json(status, value) => {
                return write(
                    &mut stream,
                    status,
                    "application/json",
                    value.to_string().as_bytes(),
                    &[],
                )
                .await;
            }
            Reply::Raw {
                status,
                content_type,
                body,
                extra_headers,
            } => {
                return write(&mut stream, status, content_type, &body, &extra_headers).await;
            }
        }
    }
}

async fn write(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    extra: &[(String, String)],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.flush().await?;
    let _ = stream.shutdown().await;
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
