//! The transport: one ureq agent (rustls, connection pool, proxy from the environment, system
//! roots plus an optional CA file) and the classification of its failures into kv statuses.

use crate::error::{Error, ErrorKind, Result};
use crate::http::resolve::{DeferredResolver, ResolveOnConnect};
use once_cell::sync::Lazy;
use parking_lot::Mutex;
use std::ffi::OsString;
use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::Duration;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::transport::RustlsConnector;
use zeroize::Zeroizing;

/// Largest reply body read (Key Vault replies are small; list pages stay well below this).
pub const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// Input buffer of a connection, at the TCP and at the TLS level.
pub const INPUT_BUFFER_BYTES: usize = 32 * 1024;

/// Largest reply head (status line and headers) read; a longer one is refused as
/// `ResponseTooLarge`. Smaller than the input buffer, which must hold more than a head too long
/// for ureq to see that it is.
pub const MAX_REPLY_HEAD_BYTES: usize = 16 * 1024;

/// Output buffer of a connection, at the TCP and at the TLS level.
pub const OUTPUT_BUFFER_BYTES: usize = 16 * 1024;

/// Settings of the agent.
#[derive(Debug, Clone)]
pub struct TransportOptions {
    /// Time allowed to establish a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Time allowed waiting for the reply head, and again for the whole body (ureq counts the
    /// body time from the head, not per read).
    pub read_timeout: Duration,
    /// PEM file of extra CA certificates trusted besides the system roots.
    pub ca_file: Option<String>,
    /// `User-Agent` header value.
    pub user_agent: String,
}

/// What makes connections: the agent settings (TLS roots, proxy from the environment, timeouts,
/// buffer sizes) and the TLS connector, shared by the clients that trust the same roots.
pub struct ConnectionSettings {
    /// ureq's agent configuration.
    pub config: ureq::config::Config,
    /// rustls, with the root store and client configuration built once for these roots.
    pub tls: Arc<RustlsConnector>,
}

/// Builds an agent (the identity platform's and managed identity's requests go through one).
pub fn build_agent(options: &TransportOptions) -> Result<ureq::Agent> {
    let settings = connection_settings(options)?;
    // Host names are resolved on the calling thread when a connection is opened, never on a
    // thread of ureq's (see `resolve`). The chain: see `socket::connector`.
    Ok(ureq::Agent::with_parts(
        settings.config,
        ResolveOnConnect::new(crate::http::socket::connector(settings.tls)),
        DeferredResolver,
    ))
}

/// The settings of connections. Trusted roots are the system's CA certificates plus those in
/// `ca_file`; when the system has none, Mozilla's roots (webpki) plus `ca_file`. Verification is
/// never off.
pub fn connection_settings(options: &TransportOptions) -> Result<ConnectionSettings> {
    let extra = match &options.ca_file {
        Some(path) => load_ca_file(Path::new(path))?,
        None => Vec::new(),
    };
    let trust = shared_trust(extra);
    let tls = TlsConfig::builder().root_certs(trust.roots.clone()).build();
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .https_only(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .proxy(ureq::Proxy::try_from_env())
        .user_agent(options.user_agent.as_str())
        .timeout_connect(Some(options.connect_timeout))
        .timeout_recv_response(Some(options.read_timeout))
        .timeout_recv_body(Some(options.read_timeout))
        .timeout_send_body(Some(options.read_timeout))
        .max_idle_connections_per_host(16)
        // Buffers per connection (ureq's default is 128 kB each way, at both the TCP and the TLS
        // level: 512 kB a connection). A TLS record is at most 16 kB and a vault reply head about
        // 1 kB; bodies and request bodies stream through whatever the size.
        .input_buffer_size(INPUT_BUFFER_BYTES)
        .output_buffer_size(OUTPUT_BUFFER_BYTES)
        .max_response_header_size(MAX_REPLY_HEAD_BYTES)
        .tls_config(tls)
        .build();
    Ok(ConnectionSettings { config, tls: trust.tls })
}

/// What every client trusting the same roots shares: the root certificates and the TLS connector,
/// which parses them into rustls' root store and builds its client configuration once, at the
/// first connection of any of those clients (was: once per client, about 650 kB each).
struct Trust {
    roots: RootCerts,
    tls: Arc<RustlsConnector>,
}

/// The system's CA certificates with the `SSL_CERT_FILE`/`SSL_CERT_DIR` values they were read
/// under: read again only when those change (was: read and parsed for every client). A root added
/// to the system's store while the process runs is seen by clients made after a change of those
/// variables, or in a new process (as with Go's `x509.SystemCertPool`).
type SystemRoots = (Option<OsString>, Option<OsString>, Arc<Vec<Certificate<'static>>>);
static SYSTEM_ROOTS: Lazy<Mutex<Option<SystemRoots>>> = Lazy::new(|| Mutex::new(None));

fn system_roots() -> Arc<Vec<Certificate<'static>>> {
    let (file, dir) = (std::env::var_os("SSL_CERT_FILE"), std::env::var_os("SSL_CERT_DIR"));
    let mut cached = SYSTEM_ROOTS.lock();
    if let Some((f, d, roots)) = cached.as_ref() {
        if *f == file && *d == dir {
            return roots.clone();
        }
    }
    let native = rustls_native_certs::load_native_certs();
    let roots: Arc<Vec<Certificate<'static>>> =
        Arc::new(native.certs.iter().map(|der| Certificate::from_der(der.as_ref()).to_owned()).collect());
    *cached = Some((file, dir, roots.clone()));
    roots
}

/// A live trust: the system roots it was made from, its extra CA certificates (DER, in order),
/// and weak references to what its clients hold.
struct TrustEntry {
    system: Weak<Vec<Certificate<'static>>>,
    extra: Vec<Vec<u8>>,
    roots: Weak<Vec<Certificate<'static>>>,
    tls: Weak<RustlsConnector>,
}

/// The trust of live clients. Entries are weak: trust no client holds any more is freed, and its
/// entry dropped at the next lookup.
static SHARED_TRUST: Lazy<Mutex<Vec<TrustEntry>>> = Lazy::new(|| Mutex::new(Vec::new()));

/// The trust for these extra CA certificates: the system's roots plus them (Mozilla's roots,
/// webpki, when the system has none and there are no extras), shared with every live client that
/// trusts the same ones.
fn shared_trust(extra: Vec<Certificate<'static>>) -> Trust {
    let system = system_roots();
    if system.is_empty() && extra.is_empty() {
        return Trust { roots: RootCerts::WebPki, tls: Arc::new(RustlsConnector::default()) };
    }
    let key: Vec<Vec<u8>> = extra.iter().map(|c| c.der().to_vec()).collect();
    let mut shared = SHARED_TRUST.lock();
    shared.retain(|e| e.roots.strong_count() > 0 && e.tls.strong_count() > 0);
    let same = |e: &&TrustEntry| e.extra == key && std::ptr::eq(e.system.as_ptr(), Arc::as_ptr(&system));
    if let Some(entry) = shared.iter().find(same) {
        if let (Some(roots), Some(tls)) = (entry.roots.upgrade(), entry.tls.upgrade()) {
            return Trust { roots: RootCerts::Specific(roots), tls };
        }
    }
    let mut certs = system.as_ref().clone();
    certs.extend(extra);
    let roots = Arc::new(certs);
    let tls = Arc::new(RustlsConnector::default());
    shared.push(TrustEntry {
        system: Arc::downgrade(&system),
        extra: key,
        roots: Arc::downgrade(&roots),
        tls: Arc::downgrade(&tls),
    });
    Trust { roots: RootCerts::Specific(roots), tls }
}

/// Reads every certificate of a PEM file.
pub fn load_ca_file(path: &Path) -> Result<Vec<Certificate<'static>>> {
    // A regular file of at most 4 MiB: /dev/zero or a FIFO is refused at once (was: read until
    // memory ran out).
    let pem = crate::files::read_capped(path, 4 * 1024 * 1024, "the CA file")?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert.to_owned()),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::FileError,
                    format!("CA file '{}' is not valid PEM: {e}", path.display()),
                ))
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::new(ErrorKind::FileError, format!("CA file '{}' holds no PEM certificate", path.display())));
    }
    Ok(certs)
}

/// A reply before its status is interpreted. The body may hold secret values or tokens, so it is
/// zeroized when dropped.
#[derive(Debug)]
pub struct RawReply {
    /// HTTP status.
    pub status: u16,
    /// Reply headers.
    pub headers: Headers,
    /// The whole body.
    pub body: Zeroizing<Vec<u8>>,
}

impl RawReply {
    /// A header's value as text (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(str::to_owned)
    }
}

/// The headers of a reply, kept as they arrived: names and values in one buffer, looked up by
/// name (case-insensitive) without a hash map. A value that is not UTF-8 text is never returned.
#[derive(Debug, Default, Clone)]
pub struct Headers {
    bytes: Vec<u8>,
    /// For each header: where its name starts, where its value starts (the name's end) and ends.
    spans: Vec<(u32, u32, u32)>,
}

impl Headers {
    /// The headers `httparse` parsed.
    pub fn from_parsed(parsed: &[httparse::Header<'_>]) -> Headers {
        let size = parsed.iter().map(|h| h.name.len() + h.value.len()).sum();
        let mut headers = Headers { bytes: Vec::with_capacity(size), spans: Vec::with_capacity(parsed.len()) };
        for h in parsed {
            headers.push(h.name.as_bytes(), h.value);
        }
        headers
    }

    /// Adds a header.
    pub fn push(&mut self, name: &[u8], value: &[u8]) {
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(name);
        let value_start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(value);
        self.spans.push((start, value_start, self.bytes.len() as u32));
    }

    /// The first value of header `name` (case-insensitive).
    pub fn get<'a>(&'a self, name: &str) -> Option<&'a str> {
        self.get_all(name).next()
    }

    /// Every value of header `name` (case-insensitive), in order.
    pub fn get_all<'a: 'n, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + 'n {
        self.spans.iter().filter_map(move |&(start, value, end)| {
            let bytes = &self.bytes;
            if bytes[start as usize..value as usize].eq_ignore_ascii_case(name.as_bytes()) {
                std::str::from_utf8(&bytes[value as usize..end as usize]).ok()
            } else {
                None
            }
        })
    }

    /// Whether a value of header `name` lists `token` (comma-separated, case-insensitive).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name).any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }
}

impl From<&ureq::http::HeaderMap> for Headers {
    fn from(map: &ureq::http::HeaderMap) -> Headers {
        let mut headers = Headers::default();
        for (name, value) in map {
            headers.push(name.as_str().as_bytes(), value.as_bytes());
        }
        headers
    }
}

/// Completes an exchange: the outcome of `agent.run` / `call`, with its body read whole (at most
/// `limit` bytes). Failures are classified against `url`.
pub fn receive(
    sent: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    url: &str,
    limit: u64,
) -> Result<RawReply> {
    let mut reply = sent.map_err(|e| classify(&e, url))?;
    let status = reply.status().as_u16();
    let headers = Headers::from(reply.headers());
    // Sized from Content-Length up front: no regrowth on the way (each one a copy, and a copy
    // of secret material left unzeroized in freed memory).
    let expected =
        headers.get("content-length").and_then(|v| v.parse::<u64>().ok()).filter(|&n| n <= limit).unwrap_or(0);
    let mut body = Zeroizing::new(Vec::with_capacity(expected as usize));
    std::io::Read::read_to_end(&mut reply.body_mut().with_config().limit(limit).reader(), &mut body)
        .map_err(|e| classify(&ureq::Error::from(e), url))?;
    Ok(RawReply { status, headers, body })
}

/// Whether a transport failure may succeed when tried again.
pub fn is_retriable(err: &Error) -> bool {
    matches!(err.kind, ErrorKind::Transport | ErrorKind::Timeout)
}

/// Whether a failure certainly happened before the request left: no connection was made
/// (name not found, refused, unreachable, connect timeout, the proxy refused the tunnel).
pub fn failed_before_sending(err: &ureq::Error) -> bool {
    use std::io::ErrorKind;
    match err {
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed | ureq::Error::ConnectProxyFailed(_) => true,
        ureq::Error::Timeout(which) => matches!(which, ureq::Timeout::Resolve | ureq::Timeout::Connect),
        ureq::Error::Io(io) => {
            matches!(
                io.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::AddrNotAvailable
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::HostUnreachable
            ) || io.to_string().contains("failed to lookup address")
        }
        _ => false,
    }
}

/// Maps a ureq failure to a kv error naming what failed.
pub fn classify(err: &ureq::Error, url: &str) -> Error {
    let target = crate::http::log::redact_url(url);
    let (status, what) = match err {
        ureq::Error::Timeout(kind) => (ErrorKind::Timeout, format!("timed out ({kind})")),
        ureq::Error::HostNotFound => (ErrorKind::Dns, "host name not found".to_owned()),
        ureq::Error::Tls(msg) => (ErrorKind::Tls, format!("TLS failure: {msg}")),
        ureq::Error::Rustls(e) => (ErrorKind::Tls, format!("TLS failure: {e}")),
        ureq::Error::Pem(e) => (ErrorKind::Tls, format!("TLS certificate error: {e}")),
        ureq::Error::LargeResponseHeader(_, limit) => {
            (ErrorKind::ResponseTooLarge, format!("reply head larger than {limit} bytes"))
        }
        ureq::Error::BodyExceedsLimit(limit) => {
            (ErrorKind::ResponseTooLarge, format!("reply body larger than {limit} bytes"))
        }
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                (ErrorKind::Timeout, format!("timed out: {io}"))
            }
            _ if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) => {
                (ErrorKind::Tls, format!("TLS failure: {io}"))
            }
            // std's resolver reports lookup failures only through this message.
            _ if io.to_string().contains("failed to lookup address") => {
                (ErrorKind::Dns, format!("host name not found: {io}"))
            }
            _ => (ErrorKind::Transport, format!("I/O error: {io}")),
        },
        ureq::Error::ConnectionFailed => (ErrorKind::Transport, "connection failed".to_owned()),
        other => (ErrorKind::Transport, other.to_string()),
    };
    Error::new(status, format!("{what} ({target})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(err: ureq::Error) -> ErrorKind {
        classify(&err, "https://v.example/secrets?x=1").kind
    }

    fn test_ca(name: &str) -> Certificate<'static> {
        // Any DER will do: the store parses roots at the first connection, not here.
        Certificate::from_der(name.as_bytes()).to_owned()
    }

    fn specific(roots: &RootCerts) -> &Arc<Vec<Certificate<'static>>> {
        match roots {
            RootCerts::Specific(certs) => certs,
            other => panic!("expected specific roots, got {other:?}"),
        }
    }

    #[test]
    fn clients_trusting_the_same_roots_share_them_and_their_tls_connector() {
        let a = shared_trust(vec![test_ca("ca one")]);
        let b = shared_trust(vec![test_ca("ca one")]);
        assert!(Arc::ptr_eq(&a.tls, &b.tls), "same extra CA: one TLS connector (one parsed root store)");
        assert!(Arc::ptr_eq(specific(&a.roots), specific(&b.roots)));
        assert_eq!(specific(&a.roots).last().map(|c| c.der().to_vec()), Some(b"ca one".to_vec()));

        let other = shared_trust(vec![test_ca("ca two")]);
        assert!(!Arc::ptr_eq(&a.tls, &other.tls), "other roots: another connector");
        assert!(!Arc::ptr_eq(specific(&a.roots), specific(&other.roots)));
        assert_eq!(specific(&other.roots).last().map(|c| c.der().to_vec()), Some(b"ca two".to_vec()));

        // Trust no client holds any more is freed, not kept for ever.
        let weak = Arc::downgrade(&other.tls);
        drop(other);
        let _again = shared_trust(vec![test_ca("ca one")]);
        assert!(weak.upgrade().is_none());
    }

    #[test]
    fn failures_are_classified_by_what_failed() {
        use std::io::{Error as IoError, ErrorKind as IoKind};
        let lookup = IoError::other("failed to lookup address information: Name or service not known");
        assert_eq!(kind_of(ureq::Error::Io(lookup)), ErrorKind::Dns);
        assert_eq!(kind_of(ureq::Error::HostNotFound), ErrorKind::Dns);
        assert_eq!(kind_of(ureq::Error::Io(IoError::new(IoKind::TimedOut, "t"))), ErrorKind::Timeout);
        assert_eq!(kind_of(ureq::Error::Io(IoError::new(IoKind::ConnectionRefused, "refused"))), ErrorKind::Transport);
        let tls = IoError::new(IoKind::InvalidData, rustls::Error::General("bad cert".into()));
        assert_eq!(kind_of(ureq::Error::Io(tls)), ErrorKind::Tls);
        assert_eq!(kind_of(ureq::Error::BodyExceedsLimit(5)), ErrorKind::ResponseTooLarge);
        let msg = classify(&ureq::Error::ConnectionFailed, "https://v.example/secrets?$skiptoken=abc").message;
        assert!(msg.contains("https://v.example/secrets") && !msg.contains("skiptoken"), "{msg}");
    }
}
