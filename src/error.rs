//! The error type of the Rust core, and how a Key Vault error reply becomes one.
//!
//! A service error body is `{"error":{"code","message","innererror":{...}}}` with `innererror`
//! nesting. The most specific known code in that chain decides the status; an unknown code falls
//! back to a generic status chosen by the HTTP status, and the raw codes are kept.

use crate::status::{self, kv_status};
use serde::Deserialize;
use std::fmt;

/// Most characters of a non-JSON error body quoted in an error message.
const BODY_EXCERPT_CHARS: usize = 300;

/// An error from any kv operation: what `kv_error` exposes to C.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The `KV_STATUS_*` value.
    pub status: kv_status,
    /// Human-readable message. Never contains secret values or tokens.
    pub message: String,
    /// Outermost service `error.code`, empty when the error did not come from the service.
    pub service_code: String,
    /// Innermost `innererror.code`, empty when there is none.
    pub inner_code: String,
    /// HTTP status of the reply, 0 when there was no reply.
    pub http_status: u16,
    /// `x-ms-request-id` of the reply, empty when there was none.
    pub request_id: String,
}

/// Result type of the Rust core.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error detected locally (no HTTP reply).
    pub fn new(status: kv_status, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
            service_code: String::new(),
            inner_code: String::new(),
            http_status: 0,
            request_id: String::new(),
        }
    }

    /// A caller error: an argument that cannot be used.
    pub fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(status::KV_STATUS_INVALID_ARGUMENT, message)
    }

    /// A reply that does not have the shape the API defines.
    pub fn unparseable(what: impl fmt::Display) -> Error {
        Error::new(status::KV_STATUS_UNPARSEABLE_RESPONSE, format!("could not parse the response: {what}"))
    }

    /// Builds the error for a non-2xx reply from its status, body and request id.
    pub fn from_reply(http_status: u16, body: &[u8], request_id: &str) -> Error {
        let mut err = match parse_error_body(body) {
            Some(chain) => from_chain(http_status, &chain),
            None => Error::new(
                status::from_http_status(http_status),
                format!("HTTP {http_status}: {}", body_excerpt(body)),
            ),
        };
        err.http_status = http_status;
        err.request_id = request_id.to_owned();
        err
    }

    /// Replaces every occurrence of each (non-empty) secret in the message and codes with
    /// `<redacted>`: for replies that may echo what was sent.
    pub fn redact(mut self, secrets: &[&str]) -> Error {
        self.message = scrub(&self.message, secrets);
        self.service_code = scrub(&self.service_code, secrets);
        self.inner_code = scrub(&self.inner_code, secrets);
        self
    }

    /// Adds context in front of the message ("get secret 'x': ...").
    pub fn context(mut self, what: impl fmt::Display) -> Error {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: Option<ErrorNode>,
}

#[derive(Deserialize)]
struct ErrorNode {
    code: Option<String>,
    message: Option<String>,
    #[serde(rename = "innererror", alias = "innerError")]
    inner: Option<Box<ErrorNode>>,
}

/// One level of the code/innererror chain, outermost first.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChainLink {
    code: String,
    message: String,
}

fn parse_error_body(body: &[u8]) -> Option<Vec<ChainLink>> {
    let envelope: ErrorEnvelope = serde_json::from_slice(body).ok()?;
    let mut node = envelope.error?;
    let mut chain = Vec::new();
    loop {
        chain.push(ChainLink { code: node.code.unwrap_or_default(), message: node.message.unwrap_or_default() });
        match node.inner {
            Some(inner) => node = *inner,
            None => break,
        }
    }
    Some(chain)
}

fn from_chain(http_status: u16, chain: &[ChainLink]) -> Error {
    let known = chain.iter().rev().find_map(|link| status::from_service_code(&link.code));
    let status = known.unwrap_or_else(|| status::from_http_status(http_status));
    let outer = &chain[0];
    let inner_code = chain[1..].iter().rev().find(|l| !l.code.is_empty()).map(|l| l.code.clone()).unwrap_or_default();
    let message = chain.iter().map(|l| l.message.as_str()).find(|m| !m.is_empty()).unwrap_or("");
    let codes = chain.iter().filter(|l| !l.code.is_empty()).map(|l| l.code.as_str()).collect::<Vec<_>>().join("/");
    let message = match (codes.is_empty(), message.is_empty()) {
        (true, true) => format!("HTTP {http_status}"),
        (true, false) => message.to_owned(),
        (false, true) => format!("{codes} (HTTP {http_status})"),
        (false, false) => format!("{codes}: {message}"),
    };
    let mut err = Error::new(status, message);
    err.service_code = outer.code.clone();
    err.inner_code = inner_code;
    err
}

/// `text` with every occurrence of each non-empty secret replaced by `<redacted>`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if out.contains(*secret) {
            out = out.replace(*secret, "<redacted>");
        }
    }
    out
}

fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut excerpt: String = trimmed.chars().take(BODY_EXCERPT_CHARS).collect();
    if trimmed.chars().count() > BODY_EXCERPT_CHARS {
        excerpt.push_str("...");
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::*;

    fn reply(http: u16, body: &str) -> Error {
        Error::from_reply(http, body.as_bytes(), "req-1")
    }

    #[test]
    fn plain_code_maps_to_its_status() {
        let e = reply(404, r#"{"error":{"code":"SecretNotFound","message":"A secret with (name/id) x was not found in this key vault."}}"#);
        assert_eq!(e.status, KV_STATUS_SECRET_NOT_FOUND);
        assert_eq!(e.service_code, "SecretNotFound");
        assert_eq!(e.inner_code, "");
        assert_eq!(e.http_status, 404);
        assert_eq!(e.request_id, "req-1");
        assert!(e.message.contains("was not found"));
    }

    #[test]
    fn inner_code_wins_over_outer() {
        let e = reply(409, r#"{"error":{"code":"Conflict","message":"Key is currently being deleted.","innererror":{"code":"ObjectIsBeingDeleted"}}}"#);
        assert_eq!(e.status, KV_STATUS_OBJECT_IS_BEING_DELETED);
        assert_eq!(e.service_code, "Conflict");
        assert_eq!(e.inner_code, "ObjectIsBeingDeleted");
        let e = reply(403, r#"{"error":{"code":"Forbidden","message":"Caller is not authorized","innererror":{"code":"ForbiddenByRbac"}}}"#);
        assert_eq!(e.status, KV_STATUS_FORBIDDEN_BY_RBAC);
        let e = reply(403, r#"{"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}}"#);
        assert_eq!(e.status, KV_STATUS_SECRET_DISABLED);
        let e = reply(400, r#"{"error":{"code":"BadParameter","message":"Invalid kty value: oct","innererror":{"code":"KeyTypeNotSupported"}}}"#);
        assert_eq!(e.status, KV_STATUS_KEY_TYPE_NOT_SUPPORTED);
    }

    #[test]
    fn innermost_known_code_in_a_deep_chain_decides() {
        let e = reply(403, r#"{"error":{"code":"Forbidden","message":"m","innererror":{"code":"AccessDenied","innererror":{"code":"SomethingUnknown"}}}}"#);
        assert_eq!(e.status, KV_STATUS_ACCESS_DENIED);
        assert_eq!(e.inner_code, "SomethingUnknown");
    }

    #[test]
    fn unknown_code_falls_back_to_http_status_and_keeps_raw_code() {
        let e = reply(400, r#"{"error":{"code":"BrandNewCode","message":"m"}}"#);
        assert_eq!(e.status, KV_STATUS_BAD_REQUEST);
        assert_eq!(e.service_code, "BrandNewCode");
        let e = reply(429, r#"{"error":{"code":"Throttled","message":"Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"}}"#);
        assert_eq!(e.status, KV_STATUS_THROTTLED);
        let e = reply(500, r#"{"error":{"code":"InternalError"}}"#);
        assert_eq!(e.status, KV_STATUS_SERVER_ERROR);
        assert!(e.message.contains("InternalError"));
    }

    #[test]
    fn bodies_that_are_not_the_error_shape_still_give_a_useful_error() {
        let e = reply(502, "<html>Bad Gateway</html>");
        assert_eq!(e.status, KV_STATUS_SERVER_ERROR);
        assert!(e.message.contains("HTTP 502") && e.message.contains("Bad Gateway"));
        let e = reply(404, "");
        assert_eq!(e.status, KV_STATUS_NOT_FOUND);
        assert!(e.message.contains("empty body"));
        let e = reply(400, r#"{"unexpected":true}"#);
        assert_eq!(e.status, KV_STATUS_BAD_REQUEST);
        let e = reply(401, r#"{"error":null}"#);
        assert_eq!(e.status, KV_STATUS_UNAUTHORIZED);
        let long = "x".repeat(5000);
        let e = reply(500, &long);
        assert!(e.message.len() < 400);
    }
}
