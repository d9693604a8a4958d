//! Request logging to stderr, off unless `KV_LOG` is set (`error`, `warn`, `info` or `debug`).
//! Lines carry method, URL path, status, attempt and timing; never headers or bodies, so tokens
//! and secret values cannot appear.

use once_cell::sync::Lazy;

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

static MAX_LEVEL: Lazy<Option<Level>> =
    Lazy::new(|| match std::env::var("KV_LOG").unwrap_or_default().to_ascii_lowercase().as_str() {
        "error" => Some(Level::Error),
        "warn" => Some(Level::Warn),
        "info" | "1" | "true" => Some(Level::Info),
        "debug" | "trace" => Some(Level::Debug),
        _ => None,
    });

/// True when lines of `level` are written.
pub fn enabled(level: Level) -> bool {
    MAX_LEVEL.is_some_and(|max| level <= max)
}

/// Most characters of one log line.
const MAX_LINE_CHARS: usize = 2000;

/// Writes one line if `level` is enabled. Callers pass only redacted text. Whatever it holds,
/// the line stays one line: control characters (line breaks, terminal escapes) become spaces and
/// it is cut to 2000 characters, so text from a server cannot forge or hide log lines.
pub fn write(level: Level, line: std::fmt::Arguments<'_>) {
    if enabled(level) {
        eprintln!("kv[{:?}] {}", level, crate::error::service_text(&line.to_string(), MAX_LINE_CHARS));
    }
}

/// The part of a URL that is safe to log: scheme, host, port and path (query dropped, since
/// paging tokens are opaque and long).
pub fn redact_url(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}
