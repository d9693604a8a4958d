//! The resend policy: which requests are sent again after a failure.
//!
//! A failed attempt is resent (within the retry settings and the call deadline) when resending
//! cannot repeat an effect:
//!
//! - the operation has no effect that can repeat ([`Effect::Safe`]): reads, property updates
//!   (PATCH sets the same values again), rotation-policy updates (PUT replaces the policy with
//!   the same one), backups, the cryptographic operations, random bytes, key release; or
//! - the vault certainly did not act on the request: the connection was never made (refused,
//!   DNS, connect timeout, proxy refused the tunnel), the request was the body-less,
//!   token-less challenge probe, or the vault answered 429 (throttled before processing),
//!   408 (it gave up waiting for the request) or 503 with a Retry-After header.
//!
//! An operation whose effect can repeat ([`Effect::Repeats`]) — set secret, create, import and
//! rotate key (each adds a version), delete and purge (a second one answers 404), recover and
//! restore (a second one answers 409) — is never resent after its request may have reached the
//! vault: a reply lost or cut short, a read timeout, 500, 502, 504 or 503 without Retry-After.
//! The call then fails with `ErrorKind::OutcomeUnknown` (the reply's HTTP status and service
//! code kept when there was one): the caller must look (get the secret, list versions, get the
//! deleted object) before repeating it. So a resent delete or purge is one the vault did not
//! act on, and a 404 or 409 it gets is the truth, never a success reported as a failure.

use crate::http::request::Method;

/// Whether an operation's effect can repeat when its request is sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Sending it again changes nothing that the first one did not (or it changes nothing).
    Safe,
    /// A second send repeats the effect (a new version) or fails because the first one acted.
    Repeats,
}

/// POST operations known to leave the vault unchanged; any other POST counts as repeating.
const SAFE_POSTS: [&str; 9] =
    ["backup", "encrypt", "decrypt", "sign", "verify", "wrapkey", "unwrapkey", "release", "rng"];

/// The effect of `method` on `target` (a path, or an absolute `nextLink` URL).
pub fn effect(method: Method, target: &str) -> Effect {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    match method {
        Method::Get | Method::Patch => Effect::Safe,
        Method::Put if last.eq_ignore_ascii_case("rotationpolicy") => Effect::Safe,
        Method::Post if SAFE_POSTS.iter().any(|op| last.eq_ignore_ascii_case(op)) => Effect::Safe,
        Method::Put | Method::Post | Method::Delete => Effect::Repeats,
    }
}

/// Whether a reply with this status (retriable by status) proves the vault did not act.
/// `server_delay` tells whether it named a delay (Retry-After or its millisecond forms).
pub fn vault_did_not_act(status: u16, server_delay: bool) -> bool {
    matches!(status, 408 | 429) || (status == 503 && server_delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_its_effect() {
        let repeats = [
            (Method::Put, "/secrets/a"),
            (Method::Put, "/keys/a"),
            (Method::Post, "/keys/a/create"),
            (Method::Post, "/keys/a/rotate"),
            (Method::Post, "/keys/a/import"),
            (Method::Post, "/secrets/restore"),
            (Method::Post, "/keys/restore"),
            (Method::Post, "/deletedsecrets/a/recover"),
            (Method::Post, "/deletedkeys/a/recover"),
            (Method::Delete, "/secrets/a"),
            (Method::Delete, "/keys/a"),
            (Method::Delete, "/deletedsecrets/a"),
            (Method::Delete, "/deletedkeys/a"),
            (Method::Post, "/certificates/a/create"),
        ];
        for (m, path) in repeats {
            assert_eq!(effect(m, path), Effect::Repeats, "{m:?} {path}");
        }
        let safe = [
            (Method::Get, "/secrets/a/"),
            (Method::Get, "https://v.vault.azure.net/secrets?$skiptoken=x"),
            (Method::Patch, "/secrets/a/"),
            (Method::Patch, "/keys/a/v1"),
            (Method::Put, "/keys/a/rotationpolicy"),
            (Method::Post, "/secrets/a/backup"),
            (Method::Post, "/keys/a/v1/encrypt"),
            (Method::Post, "/keys/a/v1/decrypt"),
            (Method::Post, "/keys/a//sign"),
            (Method::Post, "/keys/a/v1/verify"),
            (Method::Post, "/keys/a/v1/wrapkey"),
            (Method::Post, "/keys/a/v1/unwrapkey"),
            (Method::Post, "/keys/a/v1/release"),
            (Method::Post, "/rng"),
        ];
        for (m, path) in safe {
            assert_eq!(effect(m, path), Effect::Safe, "{m:?} {path}");
        }
    }

    #[test]
    fn only_replies_that_prove_no_action_allow_a_resend() {
        assert!(vault_did_not_act(429, false) && vault_did_not_act(408, false) && vault_did_not_act(503, true));
        for status in [500, 502, 504] {
            assert!(!vault_did_not_act(status, true) && !vault_did_not_act(status, false), "{status}");
        }
        assert!(!vault_did_not_act(503, false));
    }
}
