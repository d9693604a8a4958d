//! Status codes: the `kv_status` values every fallible C call returns, and the one table that
//! maps each Rust [`ErrorKind`] to its value (the core itself never sees a `kv_status`).
//!
//! Values are grouped and append-only: 0 success, 1–99 caller errors, 100–199 transport,
//! 200–299 authentication, 300–499 service errors, 900–999 internal. A value is never reused.

use crate::error::{Error, ErrorKind};

/// Result of every fallible kv call: `KV_STATUS_OK` (0) on success, else one of the `KV_STATUS_*`
/// values. Statuses are grouped (1–99 caller errors, 100–199 transport, 200–299 authentication,
/// 300–499 errors reported by the service, 900–999 internal) and never renumbered.
#[allow(non_camel_case_types)]
pub type kv_status = u32;

/// Success.
pub const KV_STATUS_OK: kv_status = 0;

// --- caller errors (1–99): detected locally, before any request is sent -----------------------

/// A pointer argument that must not be NULL was NULL.
pub const KV_STATUS_NULL_ARGUMENT: kv_status = 1;
/// A string argument was not valid UTF-8.
pub const KV_STATUS_INVALID_UTF8: kv_status = 2;
/// An argument had a value the call cannot use (the message says which and why).
pub const KV_STATUS_INVALID_ARGUMENT: kv_status = 3;
/// An object name or version is not 1–127 characters of `0-9 a-z A-Z -`.
pub const KV_STATUS_INVALID_NAME: kv_status = 4;
/// The vault URL is not an absolute `https://host[:port]` URL.
pub const KV_STATUS_INVALID_URL: kv_status = 5;
/// A plain `http://` URL was refused because insecure transport was not explicitly allowed.
pub const KV_STATUS_INSECURE_TRANSPORT: kv_status = 6;
/// A file named by the caller (such as a CA file) could not be read or parsed.
pub const KV_STATUS_FILE_ERROR: kv_status = 7;
/// A local key operation was refused: the key's permitted operations (`key_ops`) exclude it.
pub const KV_STATUS_OPERATION_NOT_PERMITTED: kv_status = 8;
/// A local key operation was refused: the key has expired (`exp` is past).
pub const KV_STATUS_KEY_EXPIRED: kv_status = 9;
/// A local key operation was refused: the key is not valid yet (`nbf` is in the future).
pub const KV_STATUS_KEY_NOT_YET_VALID: kv_status = 10;
/// The algorithm does not fit the key (type, size or curve), or kv cannot run it locally.
pub const KV_STATUS_UNSUPPORTED_ALGORITHM: kv_status = 11;

// --- transport (100–199): the request did not get a usable HTTP reply ---------------------------

/// The connection failed or broke (refused, reset, closed early, proxy failure).
pub const KV_STATUS_TRANSPORT: kv_status = 100;
/// A connect, read or whole-call timeout expired.
pub const KV_STATUS_TIMEOUT: kv_status = 101;
/// The TLS handshake failed, for example because the server certificate is not trusted.
pub const KV_STATUS_TLS: kv_status = 102;
/// The vault host name could not be resolved.
pub const KV_STATUS_DNS: kv_status = 103;
/// The reply could not be understood (malformed JSON or a shape the API does not define).
pub const KV_STATUS_UNPARSEABLE_RESPONSE: kv_status = 104;
/// The reply body was larger than the client accepts.
pub const KV_STATUS_RESPONSE_TOO_LARGE: kv_status = 105;
/// A paging `nextLink` pointed at another scheme, host or port than the vault; it was not followed.
pub const KV_STATUS_FOREIGN_NEXT_LINK: kv_status = 106;
/// An operation whose effect can repeat (set secret, create, import, rotate, delete, purge,
/// recover, restore) failed after its request may have reached the vault (a lost or cut reply,
/// a 500/502/504): it was not resent, and whether it took effect is unknown. Look before
/// repeating it. `http_status` is the reply's status, 0 when there was no reply.
pub const KV_STATUS_OUTCOME_UNKNOWN: kv_status = 110;
/// Redirects went on for more hops than allowed (5), or back to a URL already visited.
pub const KV_STATUS_TOO_MANY_REDIRECTS: kv_status = 111;
/// A redirect to another origin was not followed: its host did not prove to be a vault of the
/// same resource (an unauthenticated probe's challenge), so the token was never sent there. The
/// message names the target.
pub const KV_STATUS_REDIRECT_REFUSED: kv_status = 112;
/// The call was cancelled through its call context (`kv_call_context_cancel`) before it
/// completed. A request already sent may have taken effect; a connection interrupted by the
/// cancellation is closed, never reused.
pub const KV_STATUS_CANCELLED: kv_status = 120;

// --- authentication (200–299): getting or presenting a token failed locally ---------------------

/// The credential could not produce a token.
pub const KV_STATUS_AUTHENTICATION_FAILED: kv_status = 200;
/// The vault's 401 challenge named a resource whose host does not match the vault host; no token
/// was sent. Turn verification off only for emulators and private domains.
pub const KV_STATUS_CHALLENGE_RESOURCE_MISMATCH: kv_status = 201;
/// The vault's `WWW-Authenticate` challenge was missing or could not be parsed.
pub const KV_STATUS_INVALID_CHALLENGE: kv_status = 202;

// --- service (300–499): the vault answered with an error ----------------------------------------

/// The service answered with an error whose code kv does not know (see the service code).
pub const KV_STATUS_SERVICE_ERROR: kv_status = 300;
/// HTTP 400 with an unknown code.
pub const KV_STATUS_BAD_REQUEST: kv_status = 301;
/// HTTP 404 with an unknown code.
pub const KV_STATUS_NOT_FOUND: kv_status = 302;
/// HTTP 5xx with an unknown code.
pub const KV_STATUS_SERVER_ERROR: kv_status = 303;
/// Service code `BadParameter`: the request had an invalid parameter.
pub const KV_STATUS_BAD_PARAMETER: kv_status = 310;
/// Service code `Unauthorized` (or HTTP 401): the token was missing, invalid or rejected.
pub const KV_STATUS_UNAUTHORIZED: kv_status = 311;
/// Service code `Forbidden` (or HTTP 403): the caller lacks permission.
pub const KV_STATUS_FORBIDDEN: kv_status = 312;
/// Inner code `AccessDenied`: the access policy lacks the permission.
pub const KV_STATUS_ACCESS_DENIED: kv_status = 313;
/// Inner code `ForbiddenByPolicy`.
pub const KV_STATUS_FORBIDDEN_BY_POLICY: kv_status = 314;
/// Inner code `ForbiddenByRbac`: Azure RBAC denies the action.
pub const KV_STATUS_FORBIDDEN_BY_RBAC: kv_status = 315;
/// Inner code `ForbiddenByFirewall`: the vault's network rules refuse the caller's address.
pub const KV_STATUS_FORBIDDEN_BY_FIREWALL: kv_status = 316;
/// Service code `KeyNotFound`.
pub const KV_STATUS_KEY_NOT_FOUND: kv_status = 320;
/// Service code `SecretNotFound`.
pub const KV_STATUS_SECRET_NOT_FOUND: kv_status = 321;
/// Service code `CertificateNotFound`.
pub const KV_STATUS_CERTIFICATE_NOT_FOUND: kv_status = 322;
/// Service code `Conflict` (or HTTP 409).
pub const KV_STATUS_CONFLICT: kv_status = 330;
/// Inner code `ObjectIsBeingDeleted`: the object is still being deleted; try again shortly.
pub const KV_STATUS_OBJECT_IS_BEING_DELETED: kv_status = 331;
/// Inner code `ObjectIsDeletedButRecoverable`: the name is soft-deleted; recover or purge it.
pub const KV_STATUS_OBJECT_IS_DELETED_BUT_RECOVERABLE: kv_status = 332;
/// Service code `Throttled` (or HTTP 429) after all retries were used.
pub const KV_STATUS_THROTTLED: kv_status = 340;
/// Inner code `KeyTypeNotSupported`.
pub const KV_STATUS_KEY_TYPE_NOT_SUPPORTED: kv_status = 350;
/// Inner code `SecretDisabled`: the secret version is disabled.
pub const KV_STATUS_SECRET_DISABLED: kv_status = 351;
/// Inner code `KeyDisabled`: the key is disabled for this operation.
pub const KV_STATUS_KEY_DISABLED: kv_status = 352;

// --- internal (900–999) --------------------------------------------------------------------------

/// kv caught a panic at the C boundary; the message holds its text. Please report it.
pub const KV_STATUS_PANIC: kv_status = 900;
/// An internal invariant failed. Please report it.
pub const KV_STATUS_INTERNAL: kv_status = 901;

/// One row of the status table.
#[derive(Debug, Clone, Copy)]
pub struct StatusInfo {
    /// The status value.
    pub status: kv_status,
    /// The Rust error kind it stands for; `None` only for `KV_STATUS_OK`.
    pub kind: Option<ErrorKind>,
    /// Its constant name without the `KV_STATUS_` prefix, e.g. `SECRET_NOT_FOUND`.
    pub name: &'static str,
    /// A short description (what `kv_status_str` returns), NUL-terminated.
    pub text: &'static str,
}

macro_rules! row {
    ($status:ident, $kind:expr, $name:literal, $text:literal) => {
        StatusInfo { status: $status, kind: $kind, name: $name, text: concat!($text, "\0") }
    };
}

/// Every status with the error kind it stands for: the one mapping between [`ErrorKind`] and
/// `kv_status`.
pub static STATUS_TABLE: &[StatusInfo] = &[
    row!(KV_STATUS_OK, None, "OK", "ok"),
    row!(
        KV_STATUS_NULL_ARGUMENT,
        Some(ErrorKind::NullArgument),
        "NULL_ARGUMENT",
        "a required pointer argument was NULL"
    ),
    row!(KV_STATUS_INVALID_UTF8, Some(ErrorKind::InvalidUtf8), "INVALID_UTF8", "a string argument was not valid UTF-8"),
    row!(KV_STATUS_INVALID_ARGUMENT, Some(ErrorKind::InvalidArgument), "INVALID_ARGUMENT", "invalid argument"),
    row!(KV_STATUS_INVALID_NAME, Some(ErrorKind::InvalidName), "INVALID_NAME", "invalid object name or version"),
    row!(KV_STATUS_INVALID_URL, Some(ErrorKind::InvalidUrl), "INVALID_URL", "invalid vault URL"),
    row!(KV_STATUS_INSECURE_TRANSPORT, Some(ErrorKind::InsecureTransport), "INSECURE_TRANSPORT", "plain HTTP refused"),
    row!(KV_STATUS_FILE_ERROR, Some(ErrorKind::FileError), "FILE_ERROR", "a file could not be read or parsed"),
    row!(
        KV_STATUS_OPERATION_NOT_PERMITTED,
        Some(ErrorKind::OperationNotPermitted),
        "OPERATION_NOT_PERMITTED",
        "the key does not permit this operation"
    ),
    row!(KV_STATUS_KEY_EXPIRED, Some(ErrorKind::KeyExpired), "KEY_EXPIRED", "the key has expired"),
    row!(KV_STATUS_KEY_NOT_YET_VALID, Some(ErrorKind::KeyNotYetValid), "KEY_NOT_YET_VALID", "the key is not valid yet"),
    row!(
        KV_STATUS_UNSUPPORTED_ALGORITHM,
        Some(ErrorKind::UnsupportedAlgorithm),
        "UNSUPPORTED_ALGORITHM",
        "unsupported algorithm for this key"
    ),
    row!(KV_STATUS_TRANSPORT, Some(ErrorKind::Transport), "TRANSPORT", "connection failed"),
    row!(KV_STATUS_TIMEOUT, Some(ErrorKind::Timeout), "TIMEOUT", "timed out"),
    row!(KV_STATUS_TLS, Some(ErrorKind::Tls), "TLS", "TLS handshake failed"),
    row!(KV_STATUS_DNS, Some(ErrorKind::Dns), "DNS", "host name could not be resolved"),
    row!(
        KV_STATUS_UNPARSEABLE_RESPONSE,
        Some(ErrorKind::UnparseableResponse),
        "UNPARSEABLE_RESPONSE",
        "the response could not be parsed"
    ),
    row!(
        KV_STATUS_RESPONSE_TOO_LARGE,
        Some(ErrorKind::ResponseTooLarge),
        "RESPONSE_TOO_LARGE",
        "the response was too large"
    ),
    row!(
        KV_STATUS_FOREIGN_NEXT_LINK,
        Some(ErrorKind::ForeignNextLink),
        "FOREIGN_NEXT_LINK",
        "a paging link pointed outside the vault"
    ),
    row!(
        KV_STATUS_OUTCOME_UNKNOWN,
        Some(ErrorKind::OutcomeUnknown),
        "OUTCOME_UNKNOWN",
        "the request may have taken effect; it was not resent"
    ),
    row!(
        KV_STATUS_TOO_MANY_REDIRECTS,
        Some(ErrorKind::TooManyRedirects),
        "TOO_MANY_REDIRECTS",
        "too many redirects, or a redirect loop"
    ),
    row!(
        KV_STATUS_REDIRECT_REFUSED,
        Some(ErrorKind::RedirectRefused),
        "REDIRECT_REFUSED",
        "a redirect to another origin was not followed"
    ),
    row!(KV_STATUS_CANCELLED, Some(ErrorKind::Cancelled), "CANCELLED", "the call was cancelled"),
    row!(
        KV_STATUS_AUTHENTICATION_FAILED,
        Some(ErrorKind::AuthenticationFailed),
        "AUTHENTICATION_FAILED",
        "the credential could not get a token"
    ),
    row!(
        KV_STATUS_CHALLENGE_RESOURCE_MISMATCH,
        Some(ErrorKind::ChallengeResourceMismatch),
        "CHALLENGE_RESOURCE_MISMATCH",
        "the challenge resource does not match the vault host"
    ),
    row!(
        KV_STATUS_INVALID_CHALLENGE,
        Some(ErrorKind::InvalidChallenge),
        "INVALID_CHALLENGE",
        "missing or malformed authentication challenge"
    ),
    row!(KV_STATUS_SERVICE_ERROR, Some(ErrorKind::ServiceError), "SERVICE_ERROR", "the service returned an error"),
    row!(KV_STATUS_BAD_REQUEST, Some(ErrorKind::BadRequest), "BAD_REQUEST", "bad request"),
    row!(KV_STATUS_NOT_FOUND, Some(ErrorKind::NotFound), "NOT_FOUND", "not found"),
    row!(KV_STATUS_SERVER_ERROR, Some(ErrorKind::ServerError), "SERVER_ERROR", "server error"),
    row!(KV_STATUS_BAD_PARAMETER, Some(ErrorKind::BadParameter), "BAD_PARAMETER", "bad parameter"),
    row!(KV_STATUS_UNAUTHORIZED, Some(ErrorKind::Unauthorized), "UNAUTHORIZED", "unauthorized"),
    row!(KV_STATUS_FORBIDDEN, Some(ErrorKind::Forbidden), "FORBIDDEN", "forbidden"),
    row!(KV_STATUS_ACCESS_DENIED, Some(ErrorKind::AccessDenied), "ACCESS_DENIED", "access denied by the access policy"),
    row!(
        KV_STATUS_FORBIDDEN_BY_POLICY,
        Some(ErrorKind::ForbiddenByPolicy),
        "FORBIDDEN_BY_POLICY",
        "forbidden by policy"
    ),
    row!(KV_STATUS_FORBIDDEN_BY_RBAC, Some(ErrorKind::ForbiddenByRbac), "FORBIDDEN_BY_RBAC", "forbidden by RBAC"),
    row!(
        KV_STATUS_FORBIDDEN_BY_FIREWALL,
        Some(ErrorKind::ForbiddenByFirewall),
        "FORBIDDEN_BY_FIREWALL",
        "forbidden by the vault firewall"
    ),
    row!(KV_STATUS_KEY_NOT_FOUND, Some(ErrorKind::KeyNotFound), "KEY_NOT_FOUND", "key not found"),
    row!(KV_STATUS_SECRET_NOT_FOUND, Some(ErrorKind::SecretNotFound), "SECRET_NOT_FOUND", "secret not found"),
    row!(
        KV_STATUS_CERTIFICATE_NOT_FOUND,
        Some(ErrorKind::CertificateNotFound),
        "CERTIFICATE_NOT_FOUND",
        "certificate not found"
    ),
    row!(KV_STATUS_CONFLICT, Some(ErrorKind::Conflict), "CONFLICT", "conflict"),
    row!(
        KV_STATUS_OBJECT_IS_BEING_DELETED,
        Some(ErrorKind::ObjectIsBeingDeleted),
        "OBJECT_IS_BEING_DELETED",
        "the object is being deleted"
    ),
    row!(
        KV_STATUS_OBJECT_IS_DELETED_BUT_RECOVERABLE,
        Some(ErrorKind::ObjectIsDeletedButRecoverable),
        "OBJECT_IS_DELETED_BUT_RECOVERABLE",
        "the object is deleted but recoverable"
    ),
    row!(KV_STATUS_THROTTLED, Some(ErrorKind::Throttled), "THROTTLED", "throttled"),
    row!(
        KV_STATUS_KEY_TYPE_NOT_SUPPORTED,
        Some(ErrorKind::KeyTypeNotSupported),
        "KEY_TYPE_NOT_SUPPORTED",
        "key type not supported"
    ),
    row!(KV_STATUS_SECRET_DISABLED, Some(ErrorKind::SecretDisabled), "SECRET_DISABLED", "the secret is disabled"),
    row!(KV_STATUS_KEY_DISABLED, Some(ErrorKind::KeyDisabled), "KEY_DISABLED", "the key is disabled"),
    row!(KV_STATUS_PANIC, Some(ErrorKind::Panic), "PANIC", "internal panic caught at the C boundary"),
    row!(KV_STATUS_INTERNAL, Some(ErrorKind::Internal), "INTERNAL", "internal error"),
];

/// The table row of `status`, if it is a known value.
pub fn info(status: kv_status) -> Option<&'static StatusInfo> {
    STATUS_TABLE.iter().find(|row| row.status == status)
}

/// The `kv_status` value of an error kind.
pub fn status_of_kind(kind: ErrorKind) -> kv_status {
    // Every kind has a row (a test checks it); INTERNAL is only a guard.
    STATUS_TABLE.iter().find(|row| row.kind == Some(kind)).map_or(KV_STATUS_INTERNAL, |row| row.status)
}

/// The `kv_status` value a C caller gets for `err`.
pub fn status_of(err: &Error) -> kv_status {
    status_of_kind(err.kind)
}

/// The error kind a (non-OK) status value stands for; `None` for OK and unknown values.
pub fn kind_of(status: kv_status) -> Option<ErrorKind> {
    info(status).and_then(|row| row.kind)
}

/// Static NUL-terminated description of a status ("unknown status" for values kv never issued).
pub fn description(status: kv_status) -> &'static str {
    info(status).map(|row| row.text).unwrap_or("unknown status\0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_values_and_names_are_unique() {
        for (i, a) in STATUS_TABLE.iter().enumerate() {
            for b in &STATUS_TABLE[i + 1..] {
                assert_ne!(a.status, b.status, "{} and {} share a value", a.name, b.name);
                assert_ne!(a.name, b.name);
            }
            assert!(a.text.ends_with('\0'));
        }
    }

    #[test]
    fn every_constant_in_this_file_has_a_row() {
        let src = include_str!("status.rs");
        let mut seen = 0;
        for line in src.lines() {
            if let Some(rest) = line.strip_prefix("pub const KV_STATUS_") {
                let name = rest.split(':').next().unwrap_or("");
                assert!(STATUS_TABLE.iter().any(|r| r.name == name), "no table row for KV_STATUS_{name}");
                seen += 1;
            }
        }
        assert_eq!(seen, STATUS_TABLE.len());
    }

    #[test]
    fn every_kind_maps_to_a_distinct_documented_status_and_back() {
        let header = include_str!("../../include/kv.h");
        let mut seen = std::collections::HashSet::new();
        for &kind in ErrorKind::ALL {
            let status = status_of_kind(kind);
            assert_ne!(status, KV_STATUS_OK, "{kind:?}");
            assert!(seen.insert(status), "{kind:?} shares status {status} with another kind");
            assert_eq!(kind_of(status), Some(kind), "round trip of {kind:?}");
            let row = info(status).expect("a row");
            assert_ne!(description(status), "unknown status\0", "{kind:?}");
            // Documented in kv.h: a doc comment right above its #define.
            let define = format!("#define KV_STATUS_{} {}\n", row.name, status);
            let at = header.find(&define).unwrap_or_else(|| panic!("kv.h lacks {define}"));
            assert!(header[..at].trim_end().ends_with("*/"), "KV_STATUS_{} has no doc comment in kv.h", row.name);
        }
        // And every non-OK row stands for a kind.
        assert_eq!(seen.len(), STATUS_TABLE.len() - 1);
        assert_eq!(kind_of(KV_STATUS_OK), None);
        assert_eq!(kind_of(12345), None);
        let e = Error::new(ErrorKind::SecretNotFound, "x");
        assert_eq!(status_of(&e), KV_STATUS_SECRET_NOT_FOUND);
    }

    #[test]
    fn descriptions() {
        assert_eq!(description(KV_STATUS_TIMEOUT), "timed out\0");
        assert_eq!(description(KV_STATUS_OK), "ok\0");
        assert_eq!(description(12345), "unknown status\0");
    }
}
