//! Request logging: structured records ([`Record`]) for a host's log handler ([`set_handler`],
//! `kv_set_log_handler` in C), stderr lines when `KV_LOG` is set (`error`, `warn`, `info` or
//! `debug`) and no handler is, and an audit file of every record when `KV_LOG_AUDIT_FILE` names
//! one. Records carry method, URL path (never the query), status, attempt, timing and the client
//! request id; never headers or bodies, so tokens and secret values cannot appear.
//!
//! With nothing to log to, [`enabled`] costs one relaxed atomic load.

use parking_lot::RwLock;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Log levels, lowest is most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Failures returned to the caller.
    Error = 1,
    /// Retries and recoverable trouble.
    Warn = 2,
    /// One line per HTTP exchange.
    Info = 3,
    /// Extra detail (challenges, token refreshes).
    Debug = 4,
}

impl Level {
    /// The level of a number (1 error … 4 debug; above 4 is debug, 0 is none).
    pub fn from_number(n: u32) -> Option<Level> {
        match n {
            0 => None,
            1 => Some(Level::Error),
            2 => Some(Level::Warn),
            3 => Some(Level::Info),
            _ => Some(Level::Debug),
        }
    }
}

/// One log record. Every field is free of secrets: `path` is a URL path without its query,
/// `message` is built only from redacted text.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// How severe.
    pub level: Level,
    /// The text of the record (one line).
    pub message: &'a str,
    /// The `x-ms-client-request-id` of the call; empty when the record is not about a vault call.
    pub client_request_id: &'a str,
    /// HTTP method; empty when none.
    pub method: &'a str,
    /// URL path, without scheme, host or query; empty when none.
    pub path: &'a str,
    /// HTTP status of the reply; 0 when there was none.
    pub status: u16,
    /// Which attempt of the exchange (1 for the first send); 0 when not about one.
    pub attempt: u32,
    /// Time since the call started; zero when not about one.
    pub elapsed: Duration,
}

/// A host's receiver of records ([`set_handler`]).
pub type Handler = dyn Fn(&Record<'_>) + Send + Sync;

/// Not computed yet (the first [`enabled`] reads the environment).
const UNSET: u8 = u8::MAX;

/// The most verbose level any sink wants (0: none), or [`UNSET`].
static MAX_LEVEL: AtomicU8 = AtomicU8::new(UNSET);

struct Sinks {
    /// `KV_LOG`'s level for stderr (used only without a handler).
    env: Option<Level>,
    /// `KV_LOG_AUDIT_FILE`: every record is appended to it.
    audit: Option<std::sync::Mutex<std::fs::File>>,
    /// The host's handler and the most verbose level it wants.
    handler: Option<(Level, Arc<Handler>)>,
}

static SINKS: once_cell::sync::Lazy<RwLock<Sinks>> = once_cell::sync::Lazy::new(|| {
    let env = match std::env::var("KV_LOG").unwrap_or_default().to_ascii_lowercase().as_str() {
        "error" => Some(Level::Error),
        "warn" => Some(Level::Warn),
        "info" | "1" | "true" => Some(Level::Info),
        "debug" | "trace" => Some(Level::Debug),
        _ => None,
    };
    let audit = std::env::var_os("KV_LOG_AUDIT_FILE")
        .filter(|p| !p.is_empty())
        .and_then(|p| std::fs::OpenOptions::new().create(true).append(true).open(p).ok())
        .map(std::sync::Mutex::new);
    RwLock::new(Sinks { env, audit, handler: None })
});

impl Sinks {
    fn max_level(&self) -> u8 {
        let stderr = if self.handler.is_some() { None } else { self.env };
        let handler = self.handler.as_ref().map(|(level, _)| *level);
        let audit = self.audit.as_ref().map(|_| Level::Debug);
        [stderr, handler, audit].into_iter().flatten().max().map_or(0, |l| l as u8)
    }
}

/// Installs `handler` for records at `max_level` and more severe (`None` handler: back to the
/// `KV_LOG` stderr default). Replaces any handler before it; may be called from any thread.
/// While a handler is set, `KV_LOG` writes nothing to stderr.
pub fn set_handler(max_level: Level, handler: Option<Arc<Handler>>) {
    let mut sinks = SINKS.write();
    sinks.handler = handler.map(|h| (max_level, h));
    MAX_LEVEL.store(sinks.max_level(), Ordering::Relaxed);
}

/// True when records of `level` go somewhere.
#[inline]
pub fn enabled(level: Level) -> bool {
    let mut max = MAX_LEVEL.load(Ordering::Relaxed);
    if max == UNSET {
        max = SINKS.read().max_level();
        // A concurrent set_handler stores its own value under the write lock; never overwrite it.
        let _ = MAX_LEVEL.compare_exchange(UNSET, max, Ordering::Relaxed, Ordering::Relaxed);
    }
    (level as u8) <= max
}

/// Most characters of one log message.
const MAX_LINE_CHARS: usize = 2000;

/// What a record is about: one exchange of a call (method, URL, client request id, when the
/// call started). Displays as `METHOD https://host/path` (no query).
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// The request URL (the query is never logged).
    pub url: &'a str,
    /// The call's `x-ms-client-request-id`; empty when none.
    pub client_request_id: &'a str,
    /// When the call started.
    pub started: Instant,
}

impl std::fmt::Display for Exchange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, redact_url(self.url))
    }
}

/// Writes a record about `exchange` (status 0 when no reply; attempt 0 when not about one)
/// if `level` is enabled. Callers pass only redacted text.
pub fn exchange(level: Level, exchange: &Exchange<'_>, status: u16, attempt: u32, message: std::fmt::Arguments<'_>) {
    if enabled(level) {
        emit(level, Some(exchange), status, attempt, message);
    }
}

/// Writes a record with only a message if `level` is enabled. Callers pass only redacted text.
/// Whatever it holds, the message stays one line: control characters (line breaks, terminal
/// escapes) become spaces and it is cut to 2000 characters, so text from a server cannot forge
/// or hide log lines.
pub fn write(level: Level, line: std::fmt::Arguments<'_>) {
    if enabled(level) {
        emit(level, None, 0, 0, line);
    }
}

fn emit(level: Level, about: Option<&Exchange<'_>>, status: u16, attempt: u32, message: std::fmt::Arguments<'_>) {
    let message = crate::error::service_text(&message.to_string(), MAX_LINE_CHARS);
    let record = Record {
        level,
        message: &message,
        client_request_id: about.map_or("", |e| e.client_request_id),
        method: about.map_or("", |e| e.method),
        path: about.map_or("", |e| path_of(e.url)),
        status,
        attempt,
        elapsed: about.map_or(Duration::ZERO, |e| e.started.elapsed()),
    };
    let (handler, stderr) = {
        let sinks = SINKS.read();
        if let Some(audit) = &sinks.audit {
            if let Ok(mut file) = audit.lock() {
                let _ = writeln!(file, "{}", format_record(&record));
            }
        }
        match &sinks.handler {
            Some((max, h)) => ((level <= *max).then(|| h.clone()), false),
            None => (None, sinks.env.is_some_and(|max| level <= max)),
        }
    };
    // Called outside the lock: a handler may set another handler.
    if let Some(handler) = handler {
        handler(&record);
    }
    if stderr {
        eprintln!("kv[{:?}] {}", level, record.message);
    }
}

/// One line holding every field of a record (the audit file's format).
pub fn format_record(r: &Record<'_>) -> String {
    format!(
        "level={:?} client_request_id={} method={} path={} status={} attempt={} elapsed_ms={} message={}",
        r.level,
        r.client_request_id,
        r.method,
        r.path,
        r.status,
        r.attempt,
        r.elapsed.as_millis(),
        r.message
    )
}

/// The part of a URL that is safe to log: scheme, host, port and path (query dropped, since
/// paging tokens are opaque and long).
pub fn redact_url(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// The path of a URL, without scheme, host, port or query (`/` when it has none).
pub fn path_of(url: &str) -> &str {
    let url = redact_url(url).split('#').next().unwrap_or_default();
    match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or("/", |p| &url[i + 3 + p..]),
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_scheme_host_and_query() {
        assert_eq!(path_of("https://v.example:8443/secrets/a?api-version=1&$skiptoken=x"), "/secrets/a");
        assert_eq!(path_of("https://v.example"), "/");
        assert_eq!(path_of("/secrets/a?x=1"), "/secrets/a");
    }
}
