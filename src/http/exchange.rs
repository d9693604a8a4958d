//! kv's own HTTP/1.1 exchange for the vault pipeline: the request line and headers written
//! straight into the connection's output buffer, the reply head parsed with `httparse` from the
//! buffer it arrived in, the body (`Content-Length`, chunked, or up to the end of the connection)
//! read into zeroizing storage, and a small pool of idle connections per origin.
//!
//! Connections are made by the same connector chain ureq's agent uses (deferred name
//! resolution, an HTTP CONNECT proxy from the environment with `NO_PROXY`, kv's TCP layer with its
//! cancellable waits, rustls with the agent's roots: see [`crate::http::socket`] and
//! [`crate::http::resolve`]), and driven through ureq's public `Transport` interface, so timeouts,
//! cancellation and TLS behave as before; only the per-request work of ureq's state machine,
//! `http` request/response builders, `HeaderMap` and URI parsing is gone. Failures are reported as
//! the same `ureq::Error`s (`transport::classify` turns them into kv errors).

use crate::http::resolve::{DeferredResolver, ResolveOnConnect};
use crate::http::socket;
use crate::http::transport::{ConnectionSettings, Headers, RawReply};
use parking_lot::Mutex;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};
use ureq::config::Config;
use ureq::unversioned::resolver::Resolver;
use ureq::unversioned::transport::{ConnectionDetails, Connector, NextTimeout, Transport};
use ureq::Timeout;
use zeroize::{Zeroize, Zeroizing};

/// Most idle connections kept per origin (as the agent's `max_idle_connections_per_host`).
const MAX_IDLE_PER_ORIGIN: usize = 16;

/// Most headers a reply head may carry.
const MAX_HEADERS: usize = 96;

type BoxConnector = dyn Connector<(), Out = Box<dyn Transport>>;

/// The connections of one pipeline (shared by its clones bound to call contexts).
pub struct Connections {
    config: Config,
    connector: Arc<BoxConnector>,
    idle: Mutex<Vec<Idle>>,
    user_agent: String,
    connect_timeout: Duration,
    read_timeout: Duration,
}

/// A connection waiting for its next request.
struct Idle {
    /// `scheme://authority` of the requests it serves.
    origin: String,
    transport: Box<dyn Transport>,
    since: Instant,
}

/// One request: everything but the URL's origin is written as given.
pub struct Outgoing<'a> {
    /// The method sent on the wire.
    pub method: &'a str,
    /// The absolute URL (`http[s]://authority/path?query`).
    pub url: &'a str,
    /// Extra headers, `(name, value)`, written after `Host`, `User-Agent`.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The body; `Content-Length` is sent when it is not empty or when `sends_body` is set.
    pub body: &'a [u8],
    /// Whether the method carries a body (a `Content-Length: 0` is sent for an empty one).
    pub sends_body: bool,
}

/// The parts of an absolute URL a request needs.
struct Target<'a> {
    /// `scheme://authority`.
    origin: &'a str,
    /// The authority (`host[:port]`), sent as `Host`.
    authority: &'a str,
    /// Path and query (at least `/`).
    path: &'a str,
}

fn target(url: &str) -> Result<Target<'_>, ureq::Error> {
    let rest_at = if url.starts_with("https://") {
        8
    } else if url.starts_with("http://") {
        7
    } else {
        return Err(ureq::Error::BadUri(format!("not an http(s) URL: {}", crate::http::log::redact_url(url))));
    };
    let rest = &url[rest_at..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() {
        return Err(ureq::Error::BadUri(format!("no host in {}", crate::http::log::redact_url(url))));
    }
    let path = rest[end..].split('#').next().unwrap_or("");
    let path = if path.is_empty() { "/" } else { path };
    Ok(Target { origin: &url[..rest_at + end], authority, path })
}

/// When each phase of one exchange must end, and why.
struct Clock {
    /// The end of the whole exchange (the call's remaining time).
    global: Instant,
}

impl Clock {
    /// The timeout of a phase bounded by `limit` from now (and by the exchange's end).
    fn next(&self, limit: Duration, reason: Timeout) -> NextTimeout {
        let now = Instant::now();
        let phase = now + limit;
        let (at, reason) = if self.global <= phase { (self.global, Timeout::Global) } else { (phase, reason) };
        NextTimeout { after: at.saturating_duration_since(now).into(), reason, per_read: None, per_write: None }
    }
}

/// What an exchange gives back: the reply read whole or the failure, and whether the failure
/// certainly happened before any of the request was sent.
pub type Outcome = (Result<RawReply, ureq::Error>, bool);

impl Connections {
    /// The connections of a pipeline made with `settings` (TLS roots and connector, proxy),
    /// sending `user_agent` and bounding connects and reads as `connect_timeout` and
    /// `read_timeout` say (each read of the head, and again the whole body, as ureq does).
    pub fn new(
        settings: ConnectionSettings,
        user_agent: &str,
        connect_timeout: Duration,
        read_timeout: Duration,
    ) -> Connections {
        Connections {
            config: settings.config,
            connector: Arc::new(ResolveOnConnect::new(socket::connector(settings.tls))),
            idle: Mutex::new(Vec::new()),
            user_agent: user_agent.to_owned(),
            connect_timeout,
            read_timeout,
        }
    }

    /// Sends `request` and reads its reply whole (a body of at most `limit` bytes), within
    /// `remaining`.
    pub fn exchange(&self, request: &Outgoing<'_>, remaining: Duration, limit: u64) -> Outcome {
        let clock = Clock { global: Instant::now() + remaining };
        let target = match target(request.url) {
            Ok(t) => t,
            Err(e) => return (Err(e), true),
        };
        let mut transport = match self.checkout(target.origin) {
            Some(t) => t,
            None => match self.connect(&target, &clock) {
                Ok(t) => t,
                Err(e) => {
                    let unsent = crate::http::transport::failed_before_sending(&e);
                    return (Err(e), unsent);
                }
            },
        };
        if let Err(e) = self.send(&mut *transport, &target, request, &clock) {
            return (Err(e), false);
        }
        match self.receive(&mut *transport, limit, &clock) {
            Ok((reply, reusable)) => {
                if reusable {
                    self.checkin(target.origin, transport);
                }
                (Ok(reply), false)
            }
            Err(e) => (Err(e), false),
        }
    }

    /// An idle connection to `origin` that is still open (one probe), the most recent first.
    fn checkout(&self, origin: &str) -> Option<Box<dyn Transport>> {
        let max_age: Duration = self.config.max_idle_age();
        loop {
            let idle = {
                let mut idle = self.idle.lock();
                let now = Instant::now();
                idle.retain(|c| now.duration_since(c.since) < max_age);
                let at = idle.iter().rposition(|c| c.origin == origin)?;
                idle.remove(at)
            };
            let mut transport = idle.transport;
            if transport.is_open() {
                return Some(transport);
            }
        }
    }

    /// Keeps a connection that delivered a whole reply and nothing more.
    fn checkin(&self, origin: &str, mut transport: Box<dyn Transport>) {
        if !transport.buffers().input().is_empty() || !transport.is_open() {
            return;
        }
        let mut idle = self.idle.lock();
        if idle.iter().filter(|c| c.origin == origin).count() >= MAX_IDLE_PER_ORIGIN {
            let oldest = idle.iter().position(|c| c.origin == origin);
            if let Some(at) = oldest {
                idle.remove(at);
            }
        }
        idle.push(Idle { origin: origin.to_owned(), transport, since: Instant::now() });
    }

    /// A new connection through the connector chain (as ureq's agent makes one).
    fn connect(&self, target: &Target<'_>, clock: &Clock) -> Result<Box<dyn Transport>, ureq::Error> {
        let mut uri_text = String::with_capacity(target.origin.len() + 1);
        uri_text.push_str(target.origin);
        uri_text.push('/');
        let uri: ureq::http::Uri = uri_text.parse().map_err(|_| ureq::Error::BadUri(target.origin.to_owned()))?;
        let config = &self.config;
        let proxied = config.proxy().is_some_and(|p| !p.is_no_proxy(&uri) && !p.resolve_target());
        let timeout = clock.next(self.connect_timeout, Timeout::Connect);
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        let addrs = if proxied { DeferredResolver.empty() } else { DeferredResolver.resolve(&uri, config, timeout)? };
        let connector = self.connector.clone();
        let details = ConnectionDetails {
            uri: &uri,
            addrs,
            config,
            request_level: false,
            resolver: &DeferredResolver,
            now: ureq::unversioned::transport::time::Instant::now(),
            timeout,
            current_time: Arc::new(ureq::unversioned::transport::time::Instant::now),
            run_connector: Arc::new(move |details: &ConnectionDetails| {
                connector.connect(details, None)?.ok_or(ureq::Error::ConnectionFailed)
            }),
            register_shutdown: Arc::new(|_| Ok(())),
        };
        let transport = (details.run_connector)(&details)?;
        if details.needs_tls() && !transport.is_tls() {
            return Err(ureq::Error::TlsRequired);
        }
        Ok(transport)
    }

    /// Writes the request head and body through the connection's output buffer: in one piece
    /// when they fit (the usual case), else buffer by buffer.
    fn send(
        &self,
        transport: &mut dyn Transport,
        target: &Target<'_>,
        request: &Outgoing<'_>,
        clock: &Clock,
    ) -> Result<(), ureq::Error> {
        let mut size = 0;
        self.write_request(target, request, &mut |bytes| {
            size += bytes.len();
            Ok(())
        })?;
        let output = transport.buffers().output();
        if size <= output.len() {
            let mut at = 0;
            self.write_request(target, request, &mut |bytes| {
                output[at..at + bytes.len()].copy_from_slice(bytes);
                at += bytes.len();
                Ok(())
            })?;
            let mut w = Writer { transport, at, clock, read_timeout: self.read_timeout };
            return w.flush();
        }
        let mut w = Writer { transport, at: 0, clock, read_timeout: self.read_timeout };
        self.write_request(target, request, &mut |bytes| w.put(bytes))?;
        w.flush()
    }

    /// Hands the request's bytes to `put`, piece by piece: request line, headers, body.
    fn write_request(
        &self,
        target: &Target<'_>,
        request: &Outgoing<'_>,
        put: &mut dyn FnMut(&[u8]) -> Result<(), ureq::Error>,
    ) -> Result<(), ureq::Error> {
        put(request.method.as_bytes())?;
        // Origin form: a URL with a query but no path asks for `/`.
        put(if target.path.starts_with('/') { b" " } else { b" /" })?;
        put(target.path.as_bytes())?;
        put(b" HTTP/1.1\r\nHost: ")?;
        put(target.authority.as_bytes())?;
        put(b"\r\nUser-Agent: ")?;
        put(self.user_agent.as_bytes())?;
        put(b"\r\n")?;
        for (name, value) in request.headers {
            put(name.as_bytes())?;
            put(b": ")?;
            put(value)?;
            put(b"\r\n")?;
        }
        if request.sends_body || !request.body.is_empty() {
            put(b"Content-Length: ")?;
            let mut digits = [0u8; 20];
            put(decimal(request.body.len(), &mut digits))?;
            put(b"\r\n")?;
        }
        put(b"\r\n")?;
        put(request.body)
    }

    /// Reads the reply head and body; also tells whether the connection may serve another
    /// request.
    fn receive(
        &self,
        transport: &mut dyn Transport,
        limit: u64,
        clock: &Clock,
    ) -> Result<(RawReply, bool), ureq::Error> {
        let head_timeout = clock.next(self.read_timeout, Timeout::RecvResponse);
        let max_head = self.config.max_response_header_size();
        let (status, headers, framing, keep_alive) = loop {
            let input = transport.buffers().input();
            let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut parsed = httparse::Response::new(&mut slots);
            match parsed.parse(input) {
                Ok(httparse::Status::Complete(used)) if used > max_head => {
                    return Err(ureq::Error::LargeResponseHeader(used, max_head));
                }
                Ok(httparse::Status::Partial) if input.len() > max_head => {
                    return Err(ureq::Error::LargeResponseHeader(input.len(), max_head));
                }
                Ok(httparse::Status::Complete(used)) => {
                    let status = parsed.code.unwrap_or(0);
                    if (100..200).contains(&status) && status != 101 {
                        // An interim reply (100 Continue): the real one follows.
                        transport.buffers().input_consume(used);
                        continue;
                    }
                    let (framing, close) = framing(status, parsed.headers)?;
                    let keep_alive = parsed.version == Some(1) && !close;
                    let headers = Headers::from_parsed(parsed.headers);
                    transport.buffers().input_consume(used);
                    break (status, headers, framing, keep_alive);
                }
                Ok(httparse::Status::Partial) => {
                    if !transport.buffers().input_append_buf().is_empty() {
                        await_more(transport, head_timeout, "the reply's head")?;
                    } else {
                        return Err(protocol("the reply's head is larger than the input buffer"));
                    }
                }
                Err(e) => return Err(protocol(&format!("bad reply head: {e}"))),
            }
        };
        let body_timeout = clock.next(self.read_timeout, Timeout::RecvBody);
        let mut reader = BodyReader { transport, timeout: body_timeout, limit };
        let (body, delimited) = match framing {
            Framing::Empty => (Zeroizing::new(Vec::new()), true),
            Framing::Length(n) => (reader.exactly(n)?, true),
            Framing::Chunked => (reader.chunked()?, true),
            Framing::UntilClose => (reader.until_close()?, false),
        };
        Ok((RawReply { status, headers, body }, keep_alive && delimited))
    }
}

/// How a reply's body ends.
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

/// How the body of a reply with `status` and `headers` ends, and whether the reply closes the
/// connection (`Connection: close`); one pass over the headers.
fn framing(status: u16, headers: &[httparse::Header<'_>]) -> Result<(Framing, bool), ureq::Error> {
    let mut length: Option<u64> = None;
    let mut chunked = None;
    let mut close = false;
    for h in headers {
        let name = h.name.as_bytes();
        if name.eq_ignore_ascii_case(b"content-length") {
            let n = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or_else(|| protocol("bad Content-Length"))?;
            if length.is_some_and(|other| other != n) {
                return Err(protocol("conflicting Content-Length headers"));
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            // The last coding decides: chunked, or the body runs to the close.
            let last = h.value.rsplit(|&b| b == b',').next().unwrap_or_default().trim_ascii();
            chunked = Some(last.eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"connection") {
            close |= h.value.split(|&b| b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"));
        }
    }
    let framing = if status == 204 || status == 304 || (100..200).contains(&status) {
        Framing::Empty
    } else {
        match (chunked, length) {
            (Some(true), _) => Framing::Chunked,
            (Some(false), _) | (None, None) => Framing::UntilClose,
            (None, Some(n)) => Framing::Length(n),
        }
    };
    Ok((framing, close))
}

fn protocol(what: &str) -> ureq::Error {
    ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, what.to_owned()))
}

/// Waits for more input; the end of the connection is an error naming what was being read.
fn await_more(transport: &mut dyn Transport, timeout: NextTimeout, what: &str) -> Result<(), ureq::Error> {
    if timeout.after.is_zero() {
        return Err(ureq::Error::Timeout(timeout.reason));
    }
    if transport.await_input(timeout)? {
        Ok(())
    } else {
        Err(ureq::Error::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the connection closed before the end of {what}"),
        )))
    }
}

/// `n` in decimal, written into `digits`.
fn decimal(mut n: usize, digits: &mut [u8; 20]) -> &[u8] {
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &digits[at..];
        }
    }
}

/// Fills the connection's output buffer and sends it whenever it is full.
struct Writer<'t, 'c> {
    transport: &'t mut dyn Transport,
    at: usize,
    clock: &'c Clock,
    read_timeout: Duration,
}

impl Writer<'_, '_> {
    fn put(&mut self, mut bytes: &[u8]) -> Result<(), ureq::Error> {
        while !bytes.is_empty() {
            let output = self.transport.buffers().output();
            let n = bytes.len().min(output.len() - self.at);
            output[self.at..self.at + n].copy_from_slice(&bytes[..n]);
            self.at += n;
            bytes = &bytes[n..];
            if self.at == output.len() {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ureq::Error> {
        if self.at > 0 {
            let timeout = self.clock.next(self.read_timeout, Timeout::SendBody);
            if timeout.after.is_zero() {
                return Err(ureq::Error::Timeout(timeout.reason));
            }
            let amount = std::mem::take(&mut self.at);
            let sent = self.transport.transmit_output(amount, timeout);
            // The output buffer held the request (a token, maybe secret values): cleared at once.
            self.transport.buffers().output()[..amount].zeroize();
            sent?;
        }
        Ok(())
    }
}

/// Reads a body from a connection's input buffer into zeroizing storage.
struct BodyReader<'t> {
    transport: &'t mut dyn Transport,
    timeout: NextTimeout,
    limit: u64,
}

impl BodyReader<'_> {
    /// Exactly `n` bytes.
    fn exactly(&mut self, n: u64) -> Result<Zeroizing<Vec<u8>>, ureq::Error> {
        if n > self.limit {
            return Err(ureq::Error::BodyExceedsLimit(self.limit));
        }
        let n = n as usize;
        let mut body = Zeroizing::new(Vec::with_capacity(n));
        while body.len() < n {
            if self.transport.buffers().input().is_empty() {
                await_more(self.transport, self.timeout, "the reply's body")?;
            }
            let input = self.transport.buffers().input();
            let take = input.len().min(n - body.len());
            body.extend_from_slice(&input[..take]);
            self.transport.buffers().input_consume(take);
        }
        Ok(body)
    }

    /// Everything up to the end of the connection.
    fn until_close(&mut self) -> Result<Zeroizing<Vec<u8>>, ureq::Error> {
        let mut body = Zeroizing::new(Vec::new());
        loop {
            let input = self.transport.buffers().input();
            if !input.is_empty() {
                let take = input.len();
                self.append(&mut body, take)?;
                continue;
            }
            if self.timeout.after.is_zero() {
                return Err(ureq::Error::Timeout(self.timeout.reason));
            }
            match self.transport.await_input(self.timeout) {
                Ok(true) => {}
                Ok(false) => return Ok(body),
                // A TLS peer that closes without close_notify ends such a body too.
                Err(ureq::Error::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(body),
                Err(e) => return Err(e),
            }
        }
    }

    /// A chunked body (trailers read and ignored).
    fn chunked(&mut self) -> Result<Zeroizing<Vec<u8>>, ureq::Error> {
        let mut body = Zeroizing::new(Vec::new());
        loop {
            let size = loop {
                match httparse::parse_chunk_size(self.transport.buffers().input()) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        self.transport.buffers().input_consume(used);
                        break size;
                    }
                    Ok(httparse::Status::Partial) => self.more("a chunk size")?,
                    Err(_) => return Err(protocol("bad chunk size in a chunked body")),
                }
            };
            if size == 0 {
                break;
            }
            if body.len() as u64 + size > self.limit {
                return Err(ureq::Error::BodyExceedsLimit(self.limit));
            }
            let mut left = size as usize;
            while left > 0 {
                if self.transport.buffers().input().is_empty() {
                    self.more("a chunk")?;
                }
                let take = self.transport.buffers().input().len().min(left);
                self.append(&mut body, take)?;
                left -= take;
            }
            self.line_end()?;
        }
        // Trailers, up to the empty line.
        loop {
            let input = self.transport.buffers().input();
            match input.windows(2).position(|w| w == b"\r\n") {
                Some(0) => {
                    self.transport.buffers().input_consume(2);
                    return Ok(body);
                }
                Some(at) => self.transport.buffers().input_consume(at + 2),
                None => self.more("the trailers")?,
            }
        }
    }

    fn line_end(&mut self) -> Result<(), ureq::Error> {
        while self.transport.buffers().input().len() < 2 {
            self.more("a chunk's end")?;
        }
        if &self.transport.buffers().input()[..2] != b"\r\n" {
            return Err(protocol("a chunk does not end with CRLF"));
        }
        self.transport.buffers().input_consume(2);
        Ok(())
    }

    fn more(&mut self, what: &str) -> Result<(), ureq::Error> {
        if self.transport.buffers().input_append_buf().is_empty() {
            return Err(protocol("a line of a chunked body is larger than the input buffer"));
        }
        await_more(self.transport, self.timeout, what)
    }

    /// Moves `take` bytes of input into `body`, within the limit; growing the body moves it to
    /// new zeroizing storage (the old one is cleared when dropped).
    fn append(&mut self, body: &mut Zeroizing<Vec<u8>>, take: usize) -> Result<(), ureq::Error> {
        if (body.len() + take) as u64 > self.limit {
            return Err(ureq::Error::BodyExceedsLimit(self.limit));
        }
        if body.capacity() - body.len() < take {
            let mut bigger = Zeroizing::new(Vec::with_capacity((body.len() + take).max(body.capacity() * 2)));
            bigger.extend_from_slice(body);
            *body = bigger;
        }
        body.extend_from_slice(&self.transport.buffers().input()[..take]);
        self.transport.buffers().input_consume(take);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A plain HTTP/1.1 server on loopback answering the n-th request (counted over all
    /// connections) with `replies[n]`, as raw bytes; it records each request head and body and
    /// counts the connections it accepted. A reply ending in `!` closes the connection after it
    /// (the `!` is not sent).
    struct Server {
        url: String,
        accepted: Arc<AtomicUsize>,
        requests: Arc<Mutex<Vec<String>>>,
    }

    fn server(replies: Vec<&'static str>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (count, log) = (accepted.clone(), requests.clone());
        let replies = Arc::new(Mutex::new(replies.into_iter()));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { return };
                count.fetch_add(1, Ordering::SeqCst);
                let (log, replies) = (log.clone(), replies.clone());
                std::thread::spawn(move || loop {
                    let mut got = Vec::new();
                    let mut byte = [0u8];
                    while !got.ends_with(b"\r\n\r\n") {
                        if conn.read(&mut byte).unwrap_or(0) == 0 {
                            return;
                        }
                        got.push(byte[0]);
                    }
                    let head = String::from_utf8(got).unwrap();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .map_or(0, |n| n.trim().parse::<usize>().unwrap());
                    let mut body = vec![0u8; length];
                    conn.read_exact(&mut body).unwrap();
                    log.lock().push(head + std::str::from_utf8(&body).unwrap());
                    let Some(reply) = replies.lock().next() else { return };
                    let (reply, close) = match reply.strip_suffix('!') {
                        Some(r) => (r, true),
                        None => (reply, false),
                    };
                    // In two writes: a reader must wait for the rest.
                    let half = reply.len() / 2;
                    conn.write_all(&reply.as_bytes()[..half]).unwrap();
                    conn.flush().unwrap();
                    std::thread::sleep(Duration::from_millis(5));
                    conn.write_all(&reply.as_bytes()[half..]).unwrap();
                    if close {
                        return;
                    }
                });
            }
        });
        Server { url, accepted, requests }
    }

    fn connections() -> Connections {
        let config = ureq::Agent::config_builder().proxy(None).build();
        let settings = ConnectionSettings { config, tls: Default::default() };
        Connections::new(settings, "kv-test/1", Duration::from_secs(5), Duration::from_secs(5))
    }

    fn get(c: &Connections, url: &str, limit: u64) -> Result<RawReply, ureq::Error> {
        let request =
            Outgoing { method: "GET", url, headers: &[("Accept", b"application/json")], body: b"", sends_body: false };
        c.exchange(&request, Duration::from_secs(10), limit).0
    }

    #[test]
    fn requests_are_written_whole_and_a_kept_alive_connection_serves_the_next_one() {
        let s = server(vec![
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhello",
            "HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n",
        ]);
        let c = connections();
        let reply = get(&c, &format!("{}/secrets/a?api-version=1", s.url), 1024).unwrap();
        assert_eq!((reply.status, &reply.body[..]), (200, &b"hello"[..]));
        assert_eq!(reply.headers.get_all("x-a").collect::<Vec<_>>(), ["1", "2"]);
        let post = Outgoing { method: "POST", url: &s.url, headers: &[], body: b"{}", sends_body: true };
        let reply = c.exchange(&post, Duration::from_secs(10), 1024).0.unwrap();
        assert_eq!((reply.status, reply.body.len()), (201, 0));
        assert_eq!(s.accepted.load(Ordering::SeqCst), 1, "the second request reused the first connection");
        let requests = s.requests.lock();
        let authority = s.url.trim_start_matches("http://");
        assert_eq!(
            requests[0],
            format!("GET /secrets/a?api-version=1 HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: kv-test/1\r\nAccept: application/json\r\n\r\n")
        );
        assert_eq!(
            requests[1],
            format!("POST / HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: kv-test/1\r\nContent-Length: 2\r\n\r\n{{}}")
        );
    }

    #[test]
    fn chunked_bodies_interim_replies_and_bodies_up_to_the_close_are_read() {
        let s = server(vec![
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\n\r\nuntil the end!",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ]);
        let c = connections();
        let reply = get(&c, &s.url, 1024).unwrap();
        assert_eq!(&reply.body[..], b"hello, world");
        // The chunked reply left the connection reusable; the next reply ends with the connection.
        assert_eq!(&get(&c, &s.url, 1024).unwrap().body[..], b"until the end");
        assert_eq!(s.accepted.load(Ordering::SeqCst), 1);
        // A body delimited by the close is never followed on that connection: a new one is made.
        assert_eq!(&get(&c, &s.url, 1024).unwrap().body[..], b"ok");
        assert_eq!(s.accepted.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn connection_close_and_bytes_past_the_body_keep_a_connection_out_of_the_pool() {
        let s = server(vec![
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nbEXTRA",
            "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nc",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nd",
        ]);
        let c = connections();
        for (want, connections) in [(b"a", 1), (b"b", 2), (b"c", 3), (b"d", 4)] {
            assert_eq!(&get(&c, &s.url, 1024).unwrap().body[..], want);
            assert_eq!(s.accepted.load(Ordering::SeqCst), connections);
        }
    }

    #[test]
    fn bodies_over_the_limit_and_bad_heads_fail() {
        let s = server(vec![
            "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n678901\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 11\r\n\r\n0123456789",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort!",
            "garbage\r\n\r\n",
        ]);
        let c = connections();
        assert!(matches!(get(&c, &s.url, 10), Err(ureq::Error::BodyExceedsLimit(10))));
        assert!(matches!(get(&c, &s.url, 10), Err(ureq::Error::BodyExceedsLimit(10))));
        for _ in 0..4 {
            assert!(matches!(get(&c, &s.url, 10), Err(ureq::Error::Io(_))));
        }
    }

    #[test]
    fn urls_split_into_origin_host_and_path() {
        let t = target("https://v.example:8443/secrets/a?api-version=1#frag").unwrap();
        assert_eq!(
            (t.origin, t.authority, t.path),
            ("https://v.example:8443", "v.example:8443", "/secrets/a?api-version=1")
        );
        let t = target("http://127.0.0.1?x=1").unwrap();
        assert_eq!((t.origin, t.authority, t.path), ("http://127.0.0.1", "127.0.0.1", "?x=1"));
        let t = target("https://v.example").unwrap();
        assert_eq!(t.path, "/");
        assert!(target("ftp://v.example/x").is_err());
        assert!(target("https:///x").is_err());
    }

    #[test]
    fn lengths_are_written_in_decimal() {
        let mut d = [0u8; 20];
        assert_eq!(decimal(0, &mut d), b"0");
        assert_eq!(decimal(1234567, &mut d), b"1234567");
        assert_eq!(decimal(usize::MAX, &mut d), usize::MAX.to_string().as_bytes());
    }
}
