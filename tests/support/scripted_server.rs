//! A local HTTP(S) server that answers with scripted replies, for integration tests.
//!
//! It produces what no emulator can: real Key Vault error bodies, 429/503 throttling with
//! and without `Retry-After`, replies delayed past the client's read timeout, dropped
//! connections, challenge variants — and it records every request the client sent so a
//! test can assert on method, target, headers and body.
//!
//! Design: std threads only. One accept thread, one thread per connection, HTTP/1.1 with
//! keep-alive (many requests per connection, `Connection: close` honoured), request bodies
//! by `Content-Length` or `Transfer-Encoding: chunked`. TLS uses rustls with the ring
//! provider installed explicitly on the server config (no process-wide default is relied
//! on or installed), and a fresh self-signed certificate from rcgen for `localhost` and
//! `127.0.0.1`.
//!
//! Usage from an integration test (`tests/foo.rs`):
//!
//! ```ignore
//! mod support;
//! use support::scripted_server::{Reply, ScriptedServer};
//!
//! let server = ScriptedServer::sequence(vec![
//!     Reply::json(429, r#"{"error":{"code":"Throttled","message":"slow down"}}"#)
//!         .with_header("Retry-After", "1"),
//!     Reply::json(200, r#"{"value":"v"}"#),
//! ]);
//! // point the client at server.url() and trust server.ca_file() ...
//! assert_eq!(server.request_count(), 2);
//! assert!(server.requests()[0].header("authorization").is_none());
//! ```
#![allow(dead_code)]

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Largest request head (request line plus headers) the server accepts.
const MAX_HEAD: usize = 1024 * 1024;
/// Largest single line inside a chunked body (chunk-size line or trailer).
const MAX_LINE: usize = 64 * 1024;
/// How long `Drop` waits for connection threads before leaving them detached.
const JOIN_GRACE: Duration = Duration::from_secs(5);

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Request method as sent, e.g. `"GET"`.
    pub method: String,
    /// Path and query exactly as sent, e.g. `"/secrets/a?api-version=2025-07-01"`.
    pub target: String,
    /// Header names lower-cased, values trimmed, in the order received.
    pub headers: Vec<(String, String)>,
    /// The request body (de-chunked if it came with `Transfer-Encoding: chunked`).
    pub body: Vec<u8>,
    /// When the server had read the whole request (to assert pauses between requests instead of
    /// wall time from a test's start).
    pub received_at: Instant,
}

impl RecordedRequest {
    /// Value of the first header with this name (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The target without its query string (and without a fragment, if one was sent).
    pub fn path(&self) -> &str {
        let end = self.target.find(['?', '#']).unwrap_or(self.target.len());
        &self.target[..end]
    }

    /// Value of the first query parameter with this name, percent-decoded.
    ///
    /// Decoding follows `application/x-www-form-urlencoded` (as `url::Url::query_pairs`
    /// and the service do): `%XX` escapes are decoded and `+` means a space. Names are
    /// compared exactly after decoding. A parameter without `=` has the value `""`.
    /// Use [`RecordedRequest::target`] to assert on the raw bytes.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        let query = query.split('#').next().unwrap_or("");
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => (form_decode(k), form_decode(v)),
                None => (form_decode(pair), String::new()),
            })
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// A scripted reply.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Headers to send, in order, names as given. `Content-Length` is added automatically
    /// unless present here (it is never added for 1xx and 204 replies).
    pub headers: Vec<(String, String)>,
    /// Body to send (not sent for 1xx, 204 and 304 replies, nor to `HEAD` requests).
    pub body: Vec<u8>,
    /// Wait this long before writing the reply (to provoke client read timeouts).
    pub delay: Duration,
    /// Close the connection without replying (transport failure).
    pub hang_up: bool,
}

impl Reply {
    /// A reply with this status and a JSON body (`Content-Type: application/json; charset=utf-8`,
    /// as Key Vault sends it).
    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".to_string(), "application/json; charset=utf-8".to_string())],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    }

    /// A reply with this status, no extra headers and an empty body.
    pub fn empty(status: u16) -> Reply {
        Reply { status, headers: Vec::new(), body: Vec::new(), delay: Duration::ZERO, hang_up: false }
    }

    /// Adds a header (appends: a name may be repeated, e.g. several `WWW-Authenticate`).
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Waits `d` before replying (or before hanging up).
    pub fn with_delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }

    /// Closes the connection without sending anything back (the request is still recorded).
    pub fn hang_up() -> Reply {
        Reply { status: 0, headers: Vec::new(), body: Vec::new(), delay: Duration::ZERO, hang_up: true }
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    fn wants_close(&self) -> bool {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("connection")).any(|(_, v)| has_token(v, "close"))
    }
}

type Handler = dyn Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static;

struct Shared {
    handler: Box<Handler>,
    tls: Option<Arc<rustls::ServerConfig>>,
    requests: Mutex<Vec<RecordedRequest>>,
    stop: AtomicBool,
    connections: AtomicUsize,
    /// Clones of the open connections' sockets, so `Drop` can unblock their threads.
    open: Mutex<HashMap<u64, TcpStream>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// A local HTTP(S) server answering with scripted replies and recording every request.
///
/// Stopped on drop: the accept loop ends, open connections are shut down and their
/// threads joined (threads stuck in a handler that never returns are left detached after a
/// few seconds rather than hanging the test), and the CA file is removed.
pub struct ScriptedServer {
    addr: SocketAddr,
    scheme: &'static str,
    ca_path: PathBuf,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl ScriptedServer {
    /// HTTPS on 127.0.0.1:<ephemeral port> with a fresh self-signed cert (rcgen) valid for
    /// "localhost" and 127.0.0.1. The handler sees each request (and the 0-based index of
    /// that request over the server's life) and returns the reply.
    ///
    /// The request is recorded before the handler is called. A handler that panics makes
    /// the server answer 500 (`{"error":{"code":"ScriptedServerHandlerPanicked",..}}`) and
    /// close that connection; the server keeps running.
    pub fn start<F>(handler: F) -> ScriptedServer
    where
        F: Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
    {
        Self::launch(Box::new(handler), true, &["localhost", "127.0.0.1"])
    }

    /// HTTPS like [`ScriptedServer::start`], with a certificate valid only for `names` (to
    /// provoke a TLS name mismatch when the client addresses it as `localhost`).
    pub fn start_with_certificate_names<F>(names: &[&str], handler: F) -> ScriptedServer
    where
        F: Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
    {
        Self::launch(Box::new(handler), true, names)
    }

    /// Same, plain HTTP (for tests of the insecure-transport option).
    ///
    /// A certificate is still generated and [`ScriptedServer::ca_file`] still works, so a
    /// client configured with a CA file can be pointed at this server too.
    pub fn start_plain<F>(handler: F) -> ScriptedServer
    where
        F: Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
    {
        Self::launch(Box::new(handler), false, &["localhost", "127.0.0.1"])
    }

    /// Replies from a fixed list in order; after the list is used up, answers 500 with body
    /// `{"error":{"code":"ScriptExhausted","message":"..."}}`.
    pub fn sequence(replies: Vec<Reply>) -> ScriptedServer {
        Self::start(sequence_handler(replies))
    }

    /// [`ScriptedServer::sequence`] over plain HTTP.
    pub fn sequence_plain(replies: Vec<Reply>) -> ScriptedServer {
        Self::start_plain(sequence_handler(replies))
    }

    /// `"https://localhost:<port>"` (or `"http://localhost:<port>"` for plain).
    pub fn url(&self) -> String {
        format!("{}://localhost:{}", self.scheme, self.addr.port())
    }

    /// The socket address the server listens on (127.0.0.1 and an ephemeral port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Path of a PEM file holding the server's certificate (to be given to the client as
    /// its CA file). Temp file removed on drop.
    pub fn ca_file(&self) -> PathBuf {
        self.ca_path.clone()
    }

    /// Everything received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Number of requests received so far.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// Number of TCP connections accepted so far (to assert that a client reuses
    /// connections, or opens a fresh one after a hang-up).
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    fn launch(handler: Box<Handler>, use_tls: bool, names: &[&str]) -> ScriptedServer {
        let (cert_pem, tls_config) = make_tls_config(names);
        let ca_path = unique_temp_path("ca.pem");
        fs::write(&ca_path, cert_pem).expect("scripted server: write CA file");

        let listener = TcpListener::bind("127.0.0.1:0").expect("scripted server: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("scripted server: local_addr");

        let shared = Arc::new(Shared {
            handler,
            tls: if use_tls { Some(Arc::new(tls_config)) } else { None },
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            open: Mutex::new(HashMap::new()),
            workers: Mutex::new(Vec::new()),
        });

        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name(format!("scripted-server-accept-{}", addr.port()))
            .spawn(move || accept_loop(listener, accept_shared))
            .expect("scripted server: spawn accept thread");

        ScriptedServer { addr, scheme: if use_tls { "https" } else { "http" }, ca_path, shared, accept: Some(accept) }
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop, which is blocked in accept().
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        // The accept loop is gone, so no new connection can register. Unblock the others.
        let open: Vec<TcpStream> = lock(&self.shared.open).drain().map(|(_, s)| s).collect();
        for stream in &open {
            let _ = stream.shutdown(Shutdown::Both);
        }
        drop(open);
        let workers = std::mem::take(&mut *lock(&self.shared.workers));
        let deadline = Instant::now() + JOIN_GRACE;
        for worker in workers {
            while !worker.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            if worker.is_finished() {
                let _ = worker.join();
            } // else: stuck in a handler; leave it detached rather than hang the test.
        }
        let _ = fs::remove_file(&self.ca_path);
    }
}

// ---------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn sequence_handler(replies: Vec<Reply>) -> impl Fn(usize, &RecordedRequest) -> Reply + Send + Sync {
    move |index, req| {
        replies.get(index).cloned().unwrap_or_else(|| {
            let message = format!(
                "scripted server: no reply scripted for request #{index} ({} {}); the script had {} replies",
                req.method,
                req.target,
                replies.len()
            );
            Reply::json(
                500,
                &format!(r#"{{"error":{{"code":"ScriptExhausted","message":"{}"}}}}"#, json_escape(&message)),
            )
        })
    }
}

fn unique_temp_path(suffix: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    std::env::temp_dir().join(format!("kv-scripted-server-{}-{}-{}-{}", std::process::id(), n, nanos, suffix))
}

/// Generates a self-signed certificate for localhost/127.0.0.1 and a rustls server config
/// using it, with the ring provider set explicitly. Returns (certificate PEM, config).
fn make_tls_config(names: &[&str]) -> (String, rustls::ServerConfig) {
    let certified = rcgen::generate_simple_self_signed(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
        .expect("scripted server: generate self-signed certificate");
    let pem = certified.cert.pem();
    let cert_der = certified.cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.key_pair.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("scripted server: TLS protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .expect("scripted server: TLS certificate");
    (pem, config)
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut next_id: u64 = 0;
    loop {
        let accepted = listener.accept();
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // E.g. a connection reset before accept, or fd exhaustion: don't spin.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let _ = stream.set_nodelay(true);
        let id = next_id;
        next_id += 1;
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.open).insert(id, clone);
        }
        let worker_shared = Arc::clone(&shared);
        let spawned = thread::Builder::new().name(format!("scripted-server-conn-{id}")).spawn(move || {
            let tcp = match stream.try_clone() {
                Ok(t) => t,
                Err(_) => {
                    lock(&worker_shared.open).remove(&id);
                    return;
                }
            };
            let _ = catch_unwind(AssertUnwindSafe(|| serve_connection(&worker_shared, stream)));
            lock(&worker_shared.open).remove(&id);
            let _ = tcp.shutdown(Shutdown::Both);
        });
        match spawned {
            Ok(handle) => {
                let mut workers = lock(&shared.workers);
                workers.retain(|h| !h.is_finished());
                workers.push(handle);
            }
            Err(_) => {
                if let Some(s) = lock(&shared.open).remove(&id) {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
        }
    }
}

/// A server-side connection, plain or TLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

impl Conn {
    /// Ends the connection politely: TLS close_notify, then FIN.
    fn close_gracefully(&mut self) {
        match self {
            Conn::Plain(s) => {
                let _ = s.flush();
                let _ = s.shutdown(Shutdown::Write);
            }
            Conn::Tls(s) => {
                s.conn.send_close_notify();
                let _ = s.flush();
                let _ = s.sock.shutdown(Shutdown::Write);
            }
        }
    }
}

/// A connection plus the bytes read from it but not yet consumed (keep-alive/pipelining).
struct Wire {
    conn: Conn,
    buf: Vec<u8>,
}

impl Wire {
    /// Reads more bytes into the buffer. `Ok(false)` on end of stream.
    fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.conn.read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads a request head up to and including `\r\n\r\n`; returns it without the blank
    /// line. `Ok(None)` if the peer closed cleanly between requests.
    fn read_head(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut searched = 0;
        loop {
            // Leading empty lines before a request line are to be ignored (RFC 9112 2.2).
            while self.buf.starts_with(b"\r\n") {
                self.buf.drain(..2);
                searched = 0;
            }
            if let Some(pos) = find(&self.buf[searched..], b"\r\n\r\n") {
                let end = searched + pos;
                let head = self.buf[..end].to_vec();
                self.buf.drain(..end + 4);
                return Ok(Some(head));
            }
            searched = self.buf.len().saturating_sub(3);
            if self.buf.len() > MAX_HEAD {
                return Err(invalid("request head too large"));
            }
            if !self.fill()? {
                return if self.buf.is_empty() { Ok(None) } else { Err(io::ErrorKind::UnexpectedEof.into()) };
            }
        }
    }

    /// Reads one CRLF-terminated line (without the CRLF).
    fn read_line(&mut self) -> io::Result<Vec<u8>> {
        let mut searched = 0;
        loop {
            if let Some(pos) = find(&self.buf[searched..], b"\r\n") {
                let end = searched + pos;
                let line = self.buf[..end].to_vec();
                self.buf.drain(..end + 2);
                return Ok(line);
            }
            searched = self.buf.len().saturating_sub(1);
            if self.buf.len() > MAX_LINE {
                return Err(invalid("line too long in chunked body"));
            }
            if !self.fill()? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Reads exactly `n` bytes.
    fn read_exact_bytes(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill()? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    fn read_chunked(&mut self) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line()?;
            let line = String::from_utf8_lossy(&line);
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| invalid("bad chunk size"))?;
            if size == 0 {
                // Trailer section: header lines until an empty line.
                while !self.read_line()?.is_empty() {}
                return Ok(body);
            }
            body.extend_from_slice(&self.read_exact_bytes(size)?);
            if !self.read_exact_bytes(2)?.eq(b"\r\n") {
                return Err(invalid("chunk not followed by CRLF"));
            }
        }
    }
}

/// A request the server could not parse (answered with 400), as opposed to an I/O or TLS
/// failure (connection just dropped).
#[derive(Debug)]
struct Malformed(&'static str);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Malformed {}

fn invalid(msg: &'static str) -> io::Error {
    io::Error::other(Malformed(msg))
}

fn malformed(e: &io::Error) -> Option<&'static str> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Malformed>()).map(|m| m.0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

struct Head {
    method: String,
    target: String,
    http10: bool,
    headers: Vec<(String, String)>,
}

fn parse_head(raw: &[u8]) -> Option<Head> {
    let text = String::from_utf8_lossy(raw);
    let mut lines = text.split("\r\n");
    let request_line = lines.next()?;
    let mut parts = request_line.split(' ').filter(|p| !p.is_empty());
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let version = parts.next()?;
    if parts.next().is_some() || !version.starts_with("HTTP/1.") {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    Some(Head { method, target, http10: version == "HTTP/1.0", headers })
}

fn has_token(value: &str, token: &str) -> bool {
    value.split(',').any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn header_values<'a>(headers: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    headers.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn serve_connection(shared: &Shared, tcp: TcpStream) {
    let conn = match &shared.tls {
        Some(config) => match rustls::ServerConnection::new(Arc::clone(config)) {
            Ok(server_conn) => Conn::Tls(Box::new(rustls::StreamOwned::new(server_conn, tcp))),
            Err(_) => return,
        },
        None => Conn::Plain(tcp),
    };
    let mut wire = Wire { conn, buf: Vec::new() };

    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let raw_head = match wire.read_head() {
            Ok(Some(h)) => h,
            Ok(None) => return, // clean close between requests
            Err(e) => {
                if let Some(why) = malformed(&e) {
                    send_bad_request(&mut wire.conn, why);
                }
                return;
            }
        };
        let head = match parse_head(&raw_head) {
            Some(h) => h,
            None => {
                send_bad_request(&mut wire.conn, "malformed request head");
                return;
            }
        };

        let chunked = header_values(&head.headers, "transfer-encoding").any(|v| has_token(v, "chunked"));
        let content_length = match header_values(&head.headers, "content-length").next() {
            None => None,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) => Some(n),
                Err(_) => {
                    send_bad_request(&mut wire.conn, "bad Content-Length");
                    return;
                }
            },
        };
        let expects_body = chunked || content_length.unwrap_or(0) > 0;
        let send_continue = expects_body
            && !head.http10
            && header_values(&head.headers, "expect").any(|v| v.eq_ignore_ascii_case("100-continue"));
        if send_continue && write_continue(&mut wire.conn).is_err() {
            return;
        }
        let body = if chunked { wire.read_chunked() } else { wire.read_exact_bytes(content_length.unwrap_or(0)) };
        let body = match body {
            Ok(b) => b,
            Err(e) => {
                if let Some(why) = malformed(&e) {
                    send_bad_request(&mut wire.conn, why);
                }
                return;
            }
        };

        let client_close = {
            let mut values = header_values(&head.headers, "connection");
            if head.http10 {
                !values.any(|v| has_token(v, "keep-alive"))
            } else {
                values.any(|v| has_token(v, "close"))
            }
        };

        let request = RecordedRequest {
            method: head.method,
            target: head.target,
            headers: head.headers,
            body,
            received_at: Instant::now(),
        };
        let index = {
            let mut requests = lock(&shared.requests);
            requests.push(request.clone());
            requests.len() - 1
        };

        let (reply, panicked) = match catch_unwind(AssertUnwindSafe(|| (shared.handler)(index, &request))) {
            Ok(reply) => (reply, false),
            Err(payload) => {
                let what = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".to_string());
                let body = format!(
                    r#"{{"error":{{"code":"ScriptedServerHandlerPanicked","message":"handler panicked on request #{index}: {}"}}}}"#,
                    json_escape(&what)
                );
                (Reply::json(500, &body), true)
            }
        };

        if !sleep_unless_stopped(shared, reply.delay) {
            return;
        }
        if reply.hang_up {
            return; // the caller shuts the socket down without a reply
        }
        let close = client_close || panicked || reply.wants_close();
        if write_reply(&mut wire.conn, &request.method, &reply, close).is_err() {
            return;
        }
        if close {
            wire.conn.close_gracefully();
            return;
        }
    }
}

fn write_continue(conn: &mut Conn) -> io::Result<()> {
    conn.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    conn.flush()
}

/// Sleeps for `d`, waking early if the server is being stopped. `false` if stopped.
fn sleep_unless_stopped(shared: &Shared, d: Duration) -> bool {
    let deadline = Instant::now() + d;
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        thread::sleep((deadline - now).min(Duration::from_millis(10)));
    }
}

fn send_bad_request(conn: &mut Conn, why: &str) {
    let body = format!(r#"{{"error":{{"code":"BadRequest","message":"scripted server: {}"}}}}"#, json_escape(why));
    let _ = write_reply(conn, "GET", &Reply::json(400, &body), true);
    conn.close_gracefully();
}

fn write_reply(conn: &mut Conn, method: &str, reply: &Reply, close: bool) -> io::Result<()> {
    let status = reply.status;
    let no_length = (100..200).contains(&status) || status == 204;
    let no_body = no_length || status == 304 || method.eq_ignore_ascii_case("HEAD");

    let mut out = Vec::with_capacity(256 + reply.body.len());
    out.extend_from_slice(format!("HTTP/1.1 {} {}\r\n", status, reason(status)).as_bytes());
    for (name, value) in &reply.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !no_length && !reply.has_header("content-length") {
        out.extend_from_slice(format!("Content-Length: {}\r\n", reply.body.len()).as_bytes());
    }
    if close && !reply.has_header("connection") {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !no_body {
        out.extend_from_slice(&reply.body);
    }
    conn.write_all(&out)?;
    conn.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Decodes `application/x-www-form-urlencoded` text: `+` is a space, `%XX` a byte.
/// Malformed escapes are kept literally; invalid UTF-8 is replaced.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
