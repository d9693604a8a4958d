//! The error type of the Rust core, and how a Key Vault error reply becomes one.
//!
//! A service error body is `{"error":{"code","message","innererror":{...}}}` with `innererror`
//! nesting. The most specific known code in that chain decides the [`ErrorKind`]; an unknown code
//! falls back to a generic kind chosen by the HTTP status, and the raw codes are kept.
//!
//! The core knows nothing of C: `crate::ffi::status` maps each kind to its `kv_status` value.

use serde::Deserialize;
use std::fmt;
use std::time::Duration;
use zeroize::Zeroizing;

/// Most characters of a non-JSON error body quoted in an error message.
const BODY_EXCERPT_CHARS: usize = 300;
/// Most characters of a service's error message kept in an error.
pub const MAX_SERVICE_MESSAGE_CHARS: usize = 1000;
/// Most characters of a service error code (and of other short service text) kept.
pub const MAX_SERVICE_CODE_CHARS: usize = 100;

/// Declares [`ErrorKind`] and its list of every kind ([`ErrorKind::ALL`]) from one list, so the
/// two cannot drift apart.
macro_rules! error_kinds {
    ($($(#[doc = $doc:literal])* $kind:ident,)*) => {
        /// What went wrong, as a caller can act on it. New kinds may be added in any release, so a
        /// `match` needs a wildcard arm. The raw service codes stay in [`Error`]; the C boundary
        /// maps each kind to its `kv_status` value (`crate::ffi::status`).
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $($(#[doc = $doc])* $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind,)*];
        }
    };
}

error_kinds! {
    // caller errors: detected locally, before any request is sent.
    /// A pointer argument that must not be NULL was NULL.
    NullArgument,
    /// A string argument was not valid UTF-8.
    InvalidUtf8,
    /// An argument had a value the call cannot use (the message says which and why).
    InvalidArgument,
    /// An object name or version is not 1–127 characters of `0-9 a-z A-Z -`.
    InvalidName,
    /// The vault URL is not an absolute `https://host[:port]` URL.
    InvalidUrl,
    /// A plain `http://` URL was refused because insecure transport was not explicitly allowed.
    InsecureTransport,
    /// A file named by the caller (such as a CA file) could not be read or parsed.
    FileError,
    /// A local key operation was refused: the key's permitted operations (`key_ops`) exclude it.
    OperationNotPermitted,
    /// A local key operation was refused: the key has expired (`exp` is past).
    KeyExpired,
    /// A local key operation was refused: the key is not valid yet (`nbf` is in the future).
    KeyNotYetValid,
    /// The algorithm does not fit the key (type, size or curve), or kv cannot run it locally.
    UnsupportedAlgorithm,
    // transport: the request did not get a usable HTTP reply.
    /// The connection failed or broke (refused, reset, closed early, proxy failure).
    Transport,
    /// A connect, read or whole-call timeout expired.
    Timeout,
    /// The TLS handshake failed, for example because the server certificate is not trusted.
    Tls,
    /// The vault host name could not be resolved.
    Dns,
    /// The reply could not be understood (malformed JSON or a shape the API does not define).
    UnparseableResponse,
    /// The reply body was larger than the client accepts.
    ResponseTooLarge,
    /// A paging `nextLink` pointed at another scheme, host or port than the vault; it was not followed.
    ForeignNextLink,
    /// An operation whose effect can repeat (set secret, create, import, rotate, delete, purge,
    /// recover, restore) failed after its request may have reached the vault (a lost or cut reply,
    /// a 500/502/504): it was not resent, and whether it took effect is unknown. Look before
    /// repeating it. `http_status` is the reply's status, 0 when there was no reply.
    OutcomeUnknown,
    /// Redirects went on for more hops than allowed (5), or back to a URL already visited.
    TooManyRedirects,
    /// A redirect to another origin was not followed: its host did not prove to be a vault of the
    /// same resource (an unauthenticated probe's challenge), so the token was never sent there. The
    /// message names the target.
    RedirectRefused,
    /// The call was cancelled through its call context ([`crate::CallContext`]) before it
    /// completed. A request already sent may have taken effect; a connection interrupted by the
    /// cancellation is closed, never reused.
    Cancelled,
    // authentication: getting or presenting a token failed locally.
    /// The credential could not produce a token.
    AuthenticationFailed,
    /// The vault's 401 challenge named a resource whose host does not match the vault host; no token
    /// was sent. Turn verification off only for emulators and private domains.
    ChallengeResourceMismatch,
    /// The vault's `WWW-Authenticate` challenge was missing or could not be parsed.
    InvalidChallenge,
    // service: the vault answered with an error.
    /// The service answered with an error whose code kv does not know (see the service code).
    ServiceError,
    /// HTTP 400 with an unknown code.
    BadRequest,
    /// HTTP 404 with an unknown code.
    NotFound,
    /// HTTP 5xx with an unknown code.
    ServerError,
    /// Service code `BadParameter`: the request had an invalid parameter.
    BadParameter,
    /// Service code `Unauthorized` (or HTTP 401): the token was missing, invalid or rejected.
    Unauthorized,
    /// Service code `Forbidden` (or HTTP 403): the caller lacks permission.
    Forbidden,
    /// Inner code `AccessDenied`: the access policy lacks the permission.
    AccessDenied,
    /// Inner code `ForbiddenByPolicy`.
    ForbiddenByPolicy,
    /// Inner code `ForbiddenByRbac`: Azure RBAC denies the action.
    ForbiddenByRbac,
    /// Inner code `ForbiddenByFirewall`: the vault's network rules refuse the caller's address.
    ForbiddenByFirewall,
    /// Service code `KeyNotFound`.
    KeyNotFound,
    /// Service code `SecretNotFound`.
    SecretNotFound,
    /// Service code `CertificateNotFound`.
    CertificateNotFound,
    /// Service code `Conflict` (or HTTP 409).
    Conflict,
    /// Inner code `ObjectIsBeingDeleted`: the object is still being deleted; try again shortly.
    ObjectIsBeingDeleted,
    /// Inner code `ObjectIsDeletedButRecoverable`: the name is soft-deleted; recover or purge it.
    ObjectIsDeletedButRecoverable,
    /// Service code `Throttled` (or HTTP 429) after all retries were used.
    Throttled,
    /// Inner code `KeyTypeNotSupported`.
    KeyTypeNotSupported,
    /// Inner code `SecretDisabled`: the secret version is disabled.
    SecretDisabled,
    /// Inner code `KeyDisabled`: the key is disabled for this operation.
    KeyDisabled,
    // internal.
    /// kv caught a panic at the C boundary; the message holds its text. Please report it.
    Panic,
    /// An internal invariant failed. Please report it.
    Internal,

}

/// Service error codes (outer `error.code` or an `innererror.code`) that have a kind of their own.
/// The one table for this mapping; it matches the code exactly, else ignoring ASCII case.
pub const SERVICE_CODES: &[(&str, ErrorKind)] = &[
    ("BadParameter", ErrorKind::BadParameter),
    ("Unauthorized", ErrorKind::Unauthorized),
    ("Forbidden", ErrorKind::Forbidden),
    ("AccessDenied", ErrorKind::AccessDenied),
    ("ForbiddenByPolicy", ErrorKind::ForbiddenByPolicy),
    ("ForbiddenByRbac", ErrorKind::ForbiddenByRbac),
    ("ForbiddenByFirewall", ErrorKind::ForbiddenByFirewall),
    ("KeyNotFound", ErrorKind::KeyNotFound),
    ("SecretNotFound", ErrorKind::SecretNotFound),
    ("CertificateNotFound", ErrorKind::CertificateNotFound),
    ("Conflict", ErrorKind::Conflict),
    ("ObjectIsBeingDeleted", ErrorKind::ObjectIsBeingDeleted),
    ("ObjectIsDeletedButRecoverable", ErrorKind::ObjectIsDeletedButRecoverable),
    ("Throttled", ErrorKind::Throttled),
    ("KeyTypeNotSupported", ErrorKind::KeyTypeNotSupported),
    ("SecretDisabled", ErrorKind::SecretDisabled),
    ("KeyDisabled", ErrorKind::KeyDisabled),
];

impl ErrorKind {
    /// The kind mirroring a service error code (exact, case-sensitive as the service sends it;
    /// a case-insensitive match is accepted as a fallback).
    pub fn from_service_code(code: &str) -> Option<ErrorKind> {
        let exact = SERVICE_CODES.iter().find(|(c, _)| *c == code);
        exact.or_else(|| SERVICE_CODES.iter().find(|(c, _)| c.eq_ignore_ascii_case(code))).map(|(_, kind)| *kind)
    }

    /// The service code this kind mirrors, if any.
    pub fn service_code(self) -> Option<&'static str> {
        SERVICE_CODES.iter().find(|(_, kind)| *kind == self).map(|(code, _)| *code)
    }

    /// The generic kind for an HTTP error status whose service code is unknown.
    pub fn from_http_status(http_status: u16) -> ErrorKind {
        match http_status {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::Throttled,
            500..=599 => ErrorKind::ServerError,
            _ => ErrorKind::ServiceError,
        }
    }
}

/// An error from any kv operation (what `kv_error` exposes to C).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
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
    /// How the vault call went (client request id, attempts, time taken); `None` when the error
    /// did not come from a vault call (a caller error, a local key operation, a credential
    /// being built). Boxed to keep `Result<T>` small.
    pub diagnostics: Option<Box<CallDiagnostics>>,
    /// The lower-level error this one was decided from (see [`Error::caused_by`]), also given
    /// by [`std::error::Error::source`].
    pub cause: Option<Box<Error>>,
}

/// How one vault call went: what an [`Error`] from a vault call carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallDiagnostics {
    /// The `x-ms-client-request-id` every request of the call carried (one per call); empty
    /// when the call sent no request.
    pub client_request_id: String,
    /// Requests the call sent (retries, challenge probes and redirects each count one); 0 when
    /// it failed before sending any.
    pub attempts: u32,
    /// Time from the start of the call to its end, token fetches and retry pauses included.
    pub elapsed: Duration,
}

/// Result type of the Rust core.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error detected locally (no HTTP reply).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            service_code: String::new(),
            inner_code: String::new(),
            http_status: 0,
            request_id: String::new(),
            diagnostics: None,
            cause: None,
        }
    }

    /// A new error of `kind` for a failure that `cause` explains, for a layer that decides what
    /// a lower layer's failure means to its caller (a token endpoint's TLS failure is, to a vault
    /// call, a failed authentication). The message is `what: <cause's message>`; the reply
    /// details (service codes, HTTP status, request id, diagnostics) are the cause's; it keeps its
    /// own kind and is kept as [`Error::cause`].
    pub fn caused_by(kind: ErrorKind, what: impl fmt::Display, cause: Error) -> Error {
        Error {
            kind,
            message: format!("{what}: {}", cause.message),
            service_code: cause.service_code.clone(),
            inner_code: cause.inner_code.clone(),
            http_status: cause.http_status,
            request_id: cause.request_id.clone(),
            diagnostics: cause.diagnostics.clone(),
            cause: Some(Box::new(cause)),
        }
    }

    /// A caller error: an argument that cannot be used.
    pub fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// A reply that does not have the shape the API defines.
    pub fn unparseable(what: impl fmt::Display) -> Error {
        Error::new(ErrorKind::UnparseableResponse, format!("could not parse the response: {what}"))
    }

    /// Builds the error for a non-2xx reply from its status, body and request id.
    pub fn from_reply(http_status: u16, body: &[u8], request_id: &str) -> Error {
        Error::from_reply_redacted(http_status, body, request_id, &Redactions::none())
    }

    /// Builds the error for a non-2xx reply to a request that carried `secrets`: every form of
    /// every secret is removed from the reply's text *before* it is cut to length, so neither a
    /// whole secret nor a slice of one can reach the message or codes.
    pub fn from_reply_redacted(http_status: u16, body: &[u8], request_id: &str, secrets: &Redactions) -> Error {
        let mut err = match parse_error_body(body) {
            Some(mut chain) => {
                for link in &mut chain {
                    link.code = service_text(&secrets.redact_whole(&link.code), MAX_SERVICE_CODE_CHARS);
                    link.message = service_text(&secrets.redact_whole(&link.message), MAX_SERVICE_MESSAGE_CHARS);
                }
                from_chain(http_status, &chain)
            }
            None => Error::new(
                ErrorKind::from_http_status(http_status),
                format!("HTTP {http_status}: {}", body_excerpt(&secrets.redact_whole(&String::from_utf8_lossy(body)))),
            ),
        };
        err.http_status = http_status;
        err.request_id = service_text(request_id, MAX_SERVICE_CODE_CHARS);
        err.redact_with(secrets)
    }

    /// Replaces every occurrence of each (non-empty) secret in the message and codes with
    /// `<redacted>`, in each form a reply may echo it in (see [`Redactions`]): for replies that
    /// may echo what was sent.
    pub fn redact(self, secrets: &[&str]) -> Error {
        self.redact_with(&Redactions::of(secrets))
    }

    /// [`Error::redact`] with prepared [`Redactions`].
    pub fn redact_with(mut self, secrets: &Redactions) -> Error {
        if !secrets.is_empty() {
            self.message = secrets.apply(&self.message);
            self.service_code = secrets.apply(&self.service_code);
            self.inner_code = secrets.apply(&self.inner_code);
            self.request_id = secrets.apply(&self.request_id);
            self.cause = self.cause.map(|cause| Box::new(cause.redact_with(secrets)));
        }
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

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
    let known = chain.iter().rev().find_map(|link| ErrorKind::from_service_code(&link.code));
    let kind = known.unwrap_or_else(|| ErrorKind::from_http_status(http_status));
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
    let mut err = Error::new(kind, service_text(&message, 2 * MAX_SERVICE_MESSAGE_CHARS));
    err.service_code = outer.code.clone();
    err.inner_code = inner_code;
    err
}

/// `text` with every occurrence of each non-empty secret (in each form, see [`Redactions`])
/// replaced by `<redacted>`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    Redactions::of(secrets).apply(text)
}

/// What replaces a secret in a message.
const REDACTED: &str = "<redacted>";
/// Shortest run of a secret's text that counts as a slice of it: a reply that quotes part of a
/// secret (cut by the server, or by kv's length limits) is redacted from this length on.
const MIN_SLICE_BYTES: usize = 16;

/// Members of JSON request bodies that carry secret material: secret values, crypto inputs,
/// backups, private JWK members.
pub const SECRET_MEMBERS: [&str; 9] = ["value", "d", "dp", "dq", "qi", "p", "q", "k", "key_hsm"];

/// The secrets a request carried, each in every form a reply may echo it in: as sent (raw),
/// JSON-escaped (a quoted JSON request body: `\n`, `\"`, `\\`, `\u001b`), form-encoded
/// and percent-encoded (a quoted token request: `~` as `%7E`, space as `+` or `%20`, either
/// hex case) and HTML-escaped (an error page). Zeroized when dropped.
pub struct Redactions {
    forms: Vec<Zeroizing<String>>,
}

impl fmt::Debug for Redactions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactions({} forms)", self.forms.len())
    }
}

impl Redactions {
    /// Nothing to redact.
    pub fn none() -> Redactions {
        Redactions { forms: Vec::new() }
    }

    /// The given secrets (empty strings are ignored).
    pub fn of(secrets: &[&str]) -> Redactions {
        let mut forms: Vec<Zeroizing<String>> = Vec::new();
        let mut add = |form: Zeroizing<String>| {
            if !form.is_empty() && !forms.iter().any(|f| **f == *form) {
                forms.push(form);
            }
        };
        // Every form is built in zeroized storage of exactly its size: no copy of a secret is
        // freed without being cleared.
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            let json = encoded(secret, json_piece);
            add(encoded(secret, html_piece));
            add(encoded(&json, html_piece));
            add(encoded(secret, |c, out| url_piece(c, "+", HEX_LOWER, out)));
            add(encoded(secret, |c, out| url_piece(c, "%20", HEX_LOWER, out)));
            add(encoded(secret, |c, out| url_piece(c, "%20", HEX_UPPER, out)));
            add(encoded(secret, |c, out| url_piece(c, "+", HEX_UPPER, out)));
            add(json);
            add(encoded(secret, |c, out| out(c.encode_utf8(&mut [0; 4]))));
        }
        // Longest first, so a form that contains another is replaced whole.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        Redactions { forms }
    }

    /// The secret members ([`SECRET_MEMBERS`]) of a JSON request body.
    pub fn of_json_body(body: Option<&[u8]>) -> Redactions {
        Redactions::of_request(body, None)
    }

    /// The secret members of a JSON request body and the bearer token the request carried (a
    /// gateway's error page may quote the request's headers). Tokens shorter than 16 characters
    /// (test values; real tokens are JWTs of hundreds) are left alone, so that a token such as
    /// `token` does not blank out ordinary words of a message.
    pub fn of_request(body: Option<&[u8]>, token: Option<&str>) -> Redactions {
        Redactions::of_sent(&body.map(request_secrets).unwrap_or_default(), token)
    }

    /// [`Redactions::of_request`] for a request that carries its secret strings already (the
    /// vault pipeline's `Request::secrets`, kept as the body was serialized): no parsing.
    pub fn of_sent(body_secrets: &[Zeroizing<String>], token: Option<&str>) -> Redactions {
        let mut secrets: Vec<&str> = body_secrets.iter().map(|s| s.as_str()).collect();
        secrets.extend(token.filter(|t| t.len() >= MIN_SLICE_BYTES));
        Redactions::of(&secrets)
    }

    /// True when there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// `text` with every whole occurrence of every form replaced. Run on a reply's full text,
    /// before it is cut to length.
    pub fn redact_whole(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        out
    }

    /// `text` with every whole occurrence of every form replaced, and then every run of at
    /// least 16 bytes that is a slice of a form (a secret quoted only in part).
    pub fn apply(&self, text: &str) -> String {
        if self.forms.is_empty() {
            return text.to_owned();
        }
        self.redact_slices(&self.redact_whole(text))
    }

    fn redact_slices(&self, text: &str) -> String {
        let bytes = text.as_bytes();
        if bytes.len() < MIN_SLICE_BYTES {
            return text.to_owned();
        }
        // Where each window of the text starts (the text is short: it is a capped message).
        let mut starts: std::collections::HashMap<&[u8], Vec<usize>> = std::collections::HashMap::new();
        for (i, window) in bytes.windows(MIN_SLICE_BYTES).enumerate() {
            starts.entry(window).or_default().push(i);
        }
        let mut covered = vec![false; bytes.len()];
        for form in self.forms.iter().filter(|f| f.len() >= MIN_SLICE_BYTES) {
            for window in form.as_bytes().windows(MIN_SLICE_BYTES) {
                if let Some(found) = starts.get(window) {
                    for &i in found {
                        covered[i..i + MIN_SLICE_BYTES].fill(true);
                    }
                }
            }
        }
        if !covered.contains(&true) {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut in_secret = false;
        for (i, c) in text.char_indices() {
            if covered[i..i + c.len_utf8()].contains(&true) {
                if !in_secret {
                    out.push_str(REDACTED);
                    in_secret = true;
                }
            } else {
                out.push(c);
                in_secret = false;
            }
        }
        out
    }
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// `text` encoded piece by piece (`piece` hands each character's encoding to its sink), built in
/// zeroized storage measured first, so that it never reallocates.
fn encoded(text: &str, piece: impl Fn(char, &mut dyn FnMut(&str))) -> Zeroizing<String> {
    let mut len = 0;
    for c in text.chars() {
        piece(c, &mut |s| len += s.len());
    }
    let mut out = Zeroizing::new(String::with_capacity(len));
    for c in text.chars() {
        piece(c, &mut |s| out.push_str(s));
    }
    out
}

/// A character as serde_json writes it inside a string.
fn json_piece(c: char, out: &mut dyn FnMut(&str)) {
    match c {
        '"' => out("\\\""),
        '\\' => out("\\\\"),
        '\n' => out("\\n"),
        '\r' => out("\\r"),
        '\t' => out("\\t"),
        '\u{8}' => out("\\b"),
        '\u{c}' => out("\\f"),
        c if (c as u32) < 0x20 => {
            let b = c as u8;
            let escape = [b'\\', b'u', b'0', b'0', HEX_LOWER[usize::from(b >> 4)], HEX_LOWER[usize::from(b & 15)]];
            out(std::str::from_utf8(&escape).unwrap_or(""))
        }
        c => out(c.encode_utf8(&mut [0; 4])),
    }
}

/// A character as an HTML page quotes it.
fn html_piece(c: char, out: &mut dyn FnMut(&str)) {
    match c {
        '&' => out("&amp;"),
        '<' => out("&lt;"),
        '>' => out("&gt;"),
        '"' => out("&quot;"),
        '\'' => out("&#39;"),
        c => out(c.encode_utf8(&mut [0; 4])),
    }
}

/// A character as a form (`space` = "+") or a URL (`space` = "%20") encodes it, with `hex` digits.
fn url_piece(c: char, space: &str, hex: &[u8; 16], out: &mut dyn FnMut(&str)) {
    if c == ' ' {
        return out(space);
    }
    if c.is_ascii_alphanumeric() || matches!(c, '*' | '-' | '.' | '_') {
        return out(c.encode_utf8(&mut [0; 4]));
    }
    for &b in c.encode_utf8(&mut [0; 4]).as_bytes() {
        let escape = [b'%', hex[usize::from(b >> 4)], hex[usize::from(b & 15)]];
        out(std::str::from_utf8(&escape).unwrap_or(""));
    }
}

/// The secret strings of a JSON request body (see [`SECRET_MEMBERS`]), zeroized when dropped.
///
/// The body is walked without building a JSON tree: only the secret strings are copied, straight
/// into zeroized storage (a `serde_json::Value` would free its copies uncleared).
fn request_secrets(body: &[u8]) -> Vec<Zeroizing<String>> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    /// Visits one JSON value; `secret` when it is the value of a secret member.
    struct Collect<'a> {
        found: &'a mut Vec<Zeroizing<String>>,
        secret: bool,
    }

    impl<'de> DeserializeSeed<'de> for Collect<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Collect<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("JSON")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<(), E> {
            if self.secret {
                let mut text = Zeroizing::new(String::with_capacity(v.len()));
                text.push_str(v);
                self.found.push(text);
            }
            Ok(())
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<(), E> {
            let v = Zeroizing::new(v);
            self.visit_str(&v)
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_none<E: serde::de::Error>(self) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            while seq.next_element_seed(Collect { found: &mut *self.found, secret: false })?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                let secret = SECRET_MEMBERS.contains(&name.as_ref());
                map.next_value_seed(Collect { found: &mut *self.found, secret })?;
            }
            Ok(())
        }
    }

    let mut found = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let root = Collect { found: &mut found, secret: false };
    if root.deserialize(&mut deserializer).is_err() {
        return Vec::new();
    }
    found
}

fn body_excerpt(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "(empty body)".to_owned();
    }
    service_text(trimmed, BODY_EXCERPT_CHARS)
}

/// Text from a server made safe to show and log: every control character (line breaks,
/// terminal escapes, C1 controls), invisible formatting character (bidirectional overrides,
/// zero-width characters) and run of white space becomes one space, and the result is cut to
/// `max_chars` characters (then `...` is added). For error messages, codes and `KV_LOG` lines.
pub fn service_text(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(4 * max_chars + 3));
    let (mut count, mut pending_space) = (0, false);
    for c in text.chars() {
        if c.is_control() || c.is_whitespace() || is_invisible_format(c) {
            pending_space = count > 0;
            continue;
        }
        if count + 1 + usize::from(pending_space) > max_chars {
            out.push_str("...");
            return out;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// Bidirectional controls and zero-width characters: they reorder or hide what a reader sees.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(http: u16, body: &str) -> Error {
        Error::from_reply(http, body.as_bytes(), "req-1")
    }

    #[test]
    fn service_codes_map_exactly_and_http_statuses_fall_back() {
        assert_eq!(ErrorKind::from_service_code("SecretNotFound"), Some(ErrorKind::SecretNotFound));
        assert_eq!(ErrorKind::from_service_code("ForbiddenByRbac"), Some(ErrorKind::ForbiddenByRbac));
        assert_eq!(ErrorKind::from_service_code("throttled"), Some(ErrorKind::Throttled));
        assert_eq!(ErrorKind::from_service_code("SomethingNew"), None);
        assert_eq!(ErrorKind::from_http_status(404), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_http_status(503), ErrorKind::ServerError);
        assert_eq!(ErrorKind::from_http_status(418), ErrorKind::ServiceError);
        for (code, kind) in SERVICE_CODES {
            assert_eq!(ErrorKind::from_service_code(code), Some(*kind));
            assert_eq!(kind.service_code(), Some(*code));
            assert_eq!(SERVICE_CODES.iter().filter(|(_, k)| k == kind).count(), 1, "{kind:?} has one code");
        }
        assert_eq!(ErrorKind::Timeout.service_code(), None);
    }

    #[test]
    fn a_decided_error_keeps_its_cause_and_the_reply_details() {
        use std::error::Error as _;
        let mut cause = reply(400, r#"{"error":{"code":"invalid_client","message":"bad secret"}}"#);
        cause.diagnostics = Some(Box::new(CallDiagnostics { attempts: 2, ..CallDiagnostics::default() }));
        let e = Error::caused_by(ErrorKind::AuthenticationFailed, "client secret credential", cause.clone());
        assert_eq!(e.kind, ErrorKind::AuthenticationFailed);
        assert_eq!(e.message, format!("client secret credential: {}", cause.message));
        assert_eq!((e.http_status, e.service_code.as_str()), (400, "invalid_client"));
        assert_eq!(e.diagnostics.as_ref().map(|d| d.attempts), Some(2));
        assert_eq!(e.cause.as_deref(), Some(&cause));
        assert_eq!(e.source().map(|s| s.to_string()), Some(cause.message.clone()));
        assert_eq!(cause.kind, ErrorKind::BadRequest, "the cause keeps its own kind");
        let redacted =
            Error::caused_by(ErrorKind::Internal, "x", Error::new(ErrorKind::Tls, "pw-1234")).redact(&["pw-1234"]);
        assert!(!format!("{redacted:?}").contains("pw-1234"), "{redacted:?}");
    }

    #[test]
    fn plain_code_maps_to_its_status() {
        let e = reply(
            404,
            r#"{"error":{"code":"SecretNotFound","message":"A secret with (name/id) x was not found in this key vault."}}"#,
        );
        assert_eq!(e.kind, ErrorKind::SecretNotFound);
        assert_eq!(e.service_code, "SecretNotFound");
        assert_eq!(e.inner_code, "");
        assert_eq!(e.http_status, 404);
        assert_eq!(e.request_id, "req-1");
        assert!(e.message.contains("was not found"));
    }

    #[test]
    fn inner_code_wins_over_outer() {
        let e = reply(
            409,
            r#"{"error":{"code":"Conflict","message":"Key is currently being deleted.","innererror":{"code":"ObjectIsBeingDeleted"}}}"#,
        );
        assert_eq!(e.kind, ErrorKind::ObjectIsBeingDeleted);
        assert_eq!(e.service_code, "Conflict");
        assert_eq!(e.inner_code, "ObjectIsBeingDeleted");
        let e = reply(
            403,
            r#"{"error":{"code":"Forbidden","message":"Caller is not authorized","innererror":{"code":"ForbiddenByRbac"}}}"#,
        );
        assert_eq!(e.kind, ErrorKind::ForbiddenByRbac);
        let e = reply(
            403,
            r#"{"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}}"#,
        );
        assert_eq!(e.kind, ErrorKind::SecretDisabled);
        let e = reply(
            400,
            r#"{"error":{"code":"BadParameter","message":"Invalid kty value: oct","innererror":{"code":"KeyTypeNotSupported"}}}"#,
        );
        assert_eq!(e.kind, ErrorKind::KeyTypeNotSupported);
    }

    #[test]
    fn innermost_known_code_in_a_deep_chain_decides() {
        let e = reply(
            403,
            r#"{"error":{"code":"Forbidden","message":"m","innererror":{"code":"AccessDenied","innererror":{"code":"SomethingUnknown"}}}}"#,
        );
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert_eq!(e.inner_code, "SomethingUnknown");
    }

    #[test]
    fn unknown_code_falls_back_to_http_status_and_keeps_raw_code() {
        let e = reply(400, r#"{"error":{"code":"BrandNewCode","message":"m"}}"#);
        assert_eq!(e.kind, ErrorKind::BadRequest);
        assert_eq!(e.service_code, "BrandNewCode");
        let e = reply(
            429,
            r#"{"error":{"code":"Throttled","message":"Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::Throttled);
        let e = reply(500, r#"{"error":{"code":"InternalError"}}"#);
        assert_eq!(e.kind, ErrorKind::ServerError);
        assert!(e.message.contains("InternalError"));
    }

    #[test]
    fn bodies_that_are_not_the_error_shape_still_give_a_useful_error() {
        let e = reply(502, "<html>Bad Gateway</html>");
        assert_eq!(e.kind, ErrorKind::ServerError);
        assert!(e.message.contains("HTTP 502") && e.message.contains("Bad Gateway"));
        let e = reply(404, "");
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("empty body"));
        let e = reply(400, r#"{"unexpected":true}"#);
        assert_eq!(e.kind, ErrorKind::BadRequest);
        let e = reply(401, r#"{"error":null}"#);
        assert_eq!(e.kind, ErrorKind::Unauthorized);
        let long = "x".repeat(5000);
        let e = reply(500, &long);
        assert!(e.message.len() < 400);
    }

    #[test]
    fn redaction_covers_every_form_and_slices_of_long_secrets() {
        let secret = "päss~word \"with\" quotes\nand-a-second-line-that-is-long";
        let r = Redactions::of(&[secret, ""]);
        let json = serde_json::to_string(secret).unwrap().trim_matches('"').to_owned();
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        for text in [
            secret.to_owned(),
            json.clone(),
            form.clone(),
            form.replace('+', "%20").to_lowercase(),
            encoded(secret, html_piece).to_string(),
        ] {
            let out = r.apply(&format!("before {text} after"));
            assert_eq!(out, "before <redacted> after", "{text}");
        }
        // A slice of 16 bytes or more, cut anywhere (even inside a character), is removed.
        let cut = &json[5..40];
        let out = r.apply(&format!("x {cut}"));
        assert!(out.starts_with("x ") && out.contains("<redacted>") && !out.contains("second"), "{out}");
        assert_eq!(r.apply("nothing here at all, none"), "nothing here at all, none");
        assert_eq!(Redactions::none().apply("text"), "text");
    }

    #[test]
    fn service_text_is_one_clean_capped_line() {
        assert_eq!(service_text("  a\r\n\x1b[31mb\u{9b}c\u{202E}d\te  ", 100), "a [31mb c d e");
        assert_eq!(service_text(&"x".repeat(50), 10), format!("{}...", "x".repeat(10)));
        assert_eq!(service_text("ab cd", 4), "ab c...");
        assert_eq!(service_text("", 10), "");
        let long = format!("{}\n", "é".repeat(5000));
        assert_eq!(service_text(&long, 1000).chars().count(), 1003);
    }
}
