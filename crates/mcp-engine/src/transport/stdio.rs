//! MCP over the standard streams: one JSON-RPC message per line. Unlike rmcp's own
//! transport, a line that is not JSON, or too long, gets an error answer (JSON-RPC's
//! `-32700 Parse error`, `-32600 Invalid Request`) instead of silence, so that whoever sent
//! it learns why nothing happened; the session goes on either way.

use std::collections::HashMap;
use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::{ClientNotification, ClientRequest, JsonRpcMessage, RequestId};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// The longest message accepted, as rmcp's own default: 16 MiB.
pub(crate) const MAX_LINE: usize = 16 * 1024 * 1024;

/// An answer this large is rare (tools/list of thousands of tools): its memory is given
/// back once written.
const HUGE: usize = 1024 * 1024;

pub(crate) struct StdioTransport<R, W> {
    reader: BufReader<R>,
    /// The output, with a buffer reused by every message written.
    writer: Arc<Mutex<(W, Vec<u8>)>>,
    /// The line read so far, and how much of an oversized one was skipped. Both live here,
    /// not in the reading future: rmcp may drop that future between two reads.
    line: Vec<u8>,
    skipped: usize,
    max_line: usize,
    in_flight: Arc<std::sync::Mutex<InFlight>>,
    release: super::memory::ReleaseSoon,
    /// While the content loads: false until it has. `initialize` and `ping` go on at once;
    /// the first other request waits here, with everything after it.
    loaded: Option<tokio::sync::watch::Receiver<bool>>,
    /// The request waiting for the content. Kept here, not in the reading future, which
    /// rmcp may drop.
    held: Option<RxJsonRpcMessage<RoleServer>>,
    /// Told once the first answer is written or a request is held, whichever comes first:
    /// the content's load can then start without slowing the `initialize` answer.
    wanted: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Requests received and not answered yet. A second request with the id of one of them
/// would make one of the two answers unreachable, so it is refused. Each request goes on
/// to the server under an id of its own, and its answer goes back under the client's: a
/// cancelled request (never answered, as MCP asks) frees its id at once, and a request
/// that reuses it can never be given the cancelled one's answer.
#[derive(Default)]
struct InFlight {
    own_id: HashMap<RequestId, i64>,
    client_id: HashMap<i64, RequestId>,
    next: i64,
}

enum LineRead {
    /// A whole line is in `self.line`, without its newline.
    Line,
    Oversized(usize),
    Eof,
}

impl<R, W> StdioTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub(crate) fn new(read: R, write: W, max_line: usize) -> Self {
        Self {
            reader: BufReader::with_capacity(64 * 1024, read),
            writer: Arc::new(Mutex::new((write, Vec::new()))),
            line: Vec::new(),
            skipped: 0,
            max_line,
            in_flight: Arc::default(),
            release: Default::default(),
            loaded: None,
            held: None,
            wanted: None,
        }
    }

    /// Holds every request but `initialize` and `ping` until `loaded` turns true; ends the
    /// session if it is dropped before (the content could not be served).
    /// `wanted` is told when the first answer has been written or a request is held.
    pub(crate) fn held_until(
        mut self,
        loaded: tokio::sync::watch::Receiver<bool>,
        wanted: tokio::sync::oneshot::Sender<()>,
    ) -> Self {
        self.loaded = Some(loaded);
        self.wanted = Some(wanted);
        self
    }

    /// Reads up to the next newline. Cancel-safe: `fill_buf` is, and nothing read is kept
    /// anywhere but in `self`.
    async fn read_line(&mut self) -> std::io::Result<LineRead> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                return Ok(if self.skipped > 0 {
                    LineRead::Oversized(std::mem::take(&mut self.skipped))
                } else if !self.line.is_empty() {
                    LineRead::Line
                } else {
                    LineRead::Eof
                });
            }
            let (chunk, found) = match available.iter().position(|b| *b == b'\n') {
                Some(at) => (&available[..at], Some(at + 1)),
                None => (available, None),
            };
            if self.skipped > 0 || self.line.len() + chunk.len() > self.max_line {
                self.skipped += self.line.len() + chunk.len();
                self.line.clear();
            } else {
                self.line.extend_from_slice(chunk);
            }
            let consumed = found.unwrap_or(available.len());
            self.reader.consume(consumed);
            if found.is_some() {
                return Ok(if self.skipped > 0 {
                    LineRead::Oversized(std::mem::take(&mut self.skipped))
                } else {
                    LineRead::Line
                });
            }
        }
    }

    /// Answers a malformed message. On its own task, so that a dropped `receive` can never
    /// leave half an answer on the wire.
    fn reply(&self, answer: Value) {
        let writer = self.writer.clone();
        tokio::spawn(async move {
            let mut bytes = answer.to_string().into_bytes();
            bytes.push(b'\n');
            let mut guard = writer.lock().await;
            let (writer, _) = &mut *guard;
            if let Err(e) = async {
                writer.write_all(&bytes).await?;
                writer.flush().await
            }
            .await
            {
                tracing::debug!("cannot answer a malformed message: {e}");
            }
        });
    }
}

/// Whether a message needs the content: all but `initialize`, `ping` and notifications.
fn waits_for_content(message: &RxJsonRpcMessage<RoleServer>) -> bool {
    match message {
        JsonRpcMessage::Request(request) => !matches!(
            request.request,
            ClientRequest::InitializeRequest(_) | ClientRequest::PingRequest(_)
        ),
        _ => false,
    }
}

fn error(id: Value, code: i64, message: String) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

impl<R, W> Transport<RoleServer> for StdioTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let writer = self.writer.clone();
        let release = self.release.clone();
        let wanted = self.wanted.take();
        let mut item = item;
        let answered = match &mut item {
            JsonRpcMessage::Response(r) => Some(&mut r.id),
            JsonRpcMessage::Error(e) => e.id.as_mut(),
            _ => None,
        };
        let mut unknown = false;
        if let Some(id) = answered
            && let RequestId::Number(own) = id
        {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            match in_flight.client_id.remove(own) {
                Some(client) => {
                    in_flight.own_id.remove(&client);
                    *id = client;
                }
                // Cancelled meanwhile: MCP sends no answer.
                None => unknown = true,
            }
        }
        async move {
            if unknown {
                return Ok(());
            }
            let mut guard = writer.lock().await;
            let (writer, bytes) = &mut *guard;
            bytes.clear();
            serde_json::to_writer(&mut *bytes, &item)?;
            bytes.push(b'\n');
            let written = async {
                writer.write_all(bytes).await?;
                writer.flush().await
            }
            .await;
            if let Some(wanted) = wanted {
                let _ = wanted.send(());
            }
            // A huge answer does not keep its memory for the rest of the session: neither
            // its text nor what was built to write it (tools/list of a large catalogue parses
            // every schema back, tens of megabytes the allocator would otherwise keep).
            if bytes.capacity() > HUGE {
                *bytes = Vec::new();
                drop(guard);
                drop(item);
                release.request();
            }
            written
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            if let Some(loaded) = &mut self.loaded {
                if self.held.is_some() {
                    // Cancel-safe: the request stays in `self.held` until it is returned.
                    loaded.wait_for(|done| *done).await.ok()?;
                    self.loaded = None;
                    return self.held.take();
                }
            } else if let Some(message) = self.held.take() {
                return Some(message);
            }
            match self.read_line().await {
                Err(e) => {
                    tracing::error!("cannot read standard input: {e}");
                    return None;
                }
                Ok(LineRead::Eof) => return None,
                Ok(LineRead::Oversized(length)) => {
                    let message = format!(
                        "Invalid Request: a message of {length} bytes is over the limit of {} bytes and was dropped; send smaller arguments.",
                        self.max_line
                    );
                    self.reply(error(Value::Null, -32600, message));
                    continue;
                }
                Ok(LineRead::Line) => {}
            }
            // The line buffer is kept for the next line; parsing does not await, so it is
            // emptied before `receive` can be dropped.
            let mut line = std::mem::take(&mut self.line);
            let parsed = self.parse(&line);
            line.clear();
            if line.capacity() <= 1024 * 1024 {
                self.line = line;
            }
            if let Some(mut message) = parsed
                && self.admit(&mut message)
            {
                if self.loaded.is_some() && waits_for_content(&message) {
                    self.held = Some(message);
                    if let Some(wanted) = self.wanted.take() {
                        let _ = wanted.send(());
                    }
                    continue;
                }
                return Some(message);
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        let mut guard = self.writer.lock().await;
        guard.0.flush().await
    }
}

impl<R, W> StdioTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// Whether a message may go on to the server: a request whose id is still in flight is
    /// answered with an error here instead.
    fn admit(&self, message: &mut RxJsonRpcMessage<RoleServer>) -> bool {
        let mut guard = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let in_flight = &mut *guard;
        match message {
            JsonRpcMessage::Request(request) => {
                if let std::collections::hash_map::Entry::Vacant(free) =
                    in_flight.own_id.entry(request.id.clone())
                {
                    let own = in_flight.next;
                    in_flight.next = in_flight.next.wrapping_add(1);
                    free.insert(own);
                    in_flight.client_id.insert(
                        own,
                        std::mem::replace(&mut request.id, RequestId::Number(own)),
                    );
                    return true;
                }
                drop(guard);
                let id = serde_json::to_value(&request.id).unwrap_or(Value::Null);
                self.reply(error(
                    id.clone(),
                    -32600,
                    format!(
                        "Invalid Request: the id {id} is already used by a request still in progress; give each request its own id."
                    ),
                ));
                false
            }
            JsonRpcMessage::Notification(n) => {
                // The server is told the cancelled request's own id; the client's is free.
                if let ClientNotification::CancelledNotification(c) = &mut n.notification
                    && let Some(id) = &mut c.params.request_id
                {
                    match in_flight.own_id.remove(id) {
                        Some(own) => {
                            in_flight.client_id.remove(&own);
                            *id = RequestId::Number(own);
                        }
                        // Nothing in flight has that id: nothing to cancel.
                        None => return false,
                    }
                }
                true
            }
            _ => true,
        }
    }

    /// One line to a message; a malformed one is answered and gives `None`.
    fn parse(&self, line: &[u8]) -> Option<RxJsonRpcMessage<RoleServer>> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        match serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(line) {
            Ok(message) => return Some(message),
            Err(e) if e.is_syntax() || e.is_eof() => {
                let message = format!(
                    "Parse error: the line is not JSON ({e}). Send one JSON-RPC 2.0 message per line, as UTF-8 JSON."
                );
                self.reply(error(Value::Null, -32700, message));
            }
            Err(e) => {
                // Valid JSON of the wrong shape: answer with its id when it has one.
                let id = serde_json::from_slice::<Value>(line)
                    .ok()
                    .and_then(|v| v.get("id").cloned())
                    .filter(|id| id.is_string() || id.is_number())
                    .unwrap_or(Value::Null);
                let message = format!(
                    "Invalid Request: the message is not a JSON-RPC 2.0 request, notification or response ({e})."
                );
                self.reply(error(id, -32600, message));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}"#;
    const LIST: &str = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}"#;
    const PING: &str = r#"{"jsonrpc":"2.0","id":3,"method":"ping","params":{}}"#;

    fn method(message: &RxJsonRpcMessage<RoleServer>) -> &'static str {
        match message {
            JsonRpcMessage::Request(r) => match r.request {
                ClientRequest::InitializeRequest(_) => "initialize",
                ClientRequest::ListToolsRequest(_) => "tools/list",
                ClientRequest::PingRequest(_) => "ping",
                _ => "other",
            },
            _ => "not a request",
        }
    }

    #[tokio::test]
    async fn requests_after_initialize_wait_for_the_content_even_when_a_read_is_dropped() {
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let (read, write) = tokio::io::split(server);
        let (loaded, loaded_now) = tokio::sync::watch::channel(false);
        let (wanted, mut wanted_now) = tokio::sync::oneshot::channel();
        let mut transport =
            StdioTransport::new(read, write, MAX_LINE).held_until(loaded_now, wanted);
        client
            .write_all(format!("{INITIALIZE}\n{LIST}\n{PING}\n").as_bytes())
            .await
            .expect("write");

        let first = transport.receive().await.expect("initialize");
        assert_eq!(method(&first), "initialize");
        assert!(
            wanted_now.try_recv().is_err(),
            "nothing needs the content yet"
        );
        // The list waits, and so does the ping behind it; rmcp may drop a read meanwhile.
        for _ in 0..2 {
            let waited = tokio::time::timeout(Duration::from_millis(50), transport.receive()).await;
            assert!(waited.is_err(), "answered before the content loaded");
        }
        assert!(
            wanted_now.try_recv().is_ok(),
            "a held request asks for the content"
        );
        loaded.send(true).expect("send");
        let second = transport.receive().await.expect("the held list");
        assert_eq!(method(&second), "tools/list");
        let third = transport.receive().await.expect("the ping");
        assert_eq!(method(&third), "ping");
    }

    #[tokio::test]
    async fn a_content_that_never_loads_ends_the_session() {
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let (read, write) = tokio::io::split(server);
        let (loaded, loaded_now) = tokio::sync::watch::channel(false);
        let (wanted, _wanted_now) = tokio::sync::oneshot::channel();
        let mut transport =
            StdioTransport::new(read, write, MAX_LINE).held_until(loaded_now, wanted);
        client
            .write_all(format!("{INITIALIZE}\n{LIST}\n").as_bytes())
            .await
            .expect("write");
        assert!(transport.receive().await.is_some());
        drop(loaded);
        assert!(
            transport.receive().await.is_none(),
            "the held list is never served"
        );
    }
}
