//! Challenge-based authorization for one vault: learns the scope and tenant from the vault's 401
//! challenge, verifies the challenge names the vault's own host, and supplies the bearer header.
//!
//! The first request to a vault goes without a token and without its body; the 401 reply's
//! `WWW-Authenticate` names the authority and scope; the client then fetches a token and resends.
//! A second 401 for a token that was just fetched for the same challenge is returned to the
//! caller, never looped on.

use crate::auth::credential::{AccessToken, Credential, TokenRequest};
use crate::error::{Error, ErrorKind, Result};
use crate::vault::challenge::{self, ChallengeError};
use parking_lot::RwLock;
use std::sync::Arc;
use std::time::Instant;
use ureq::http::HeaderValue;

/// What the pipeline should do after a 401.
#[derive(Debug)]
pub enum ChallengeOutcome {
    /// The challenge taught something new (or demands claims): send again with this token.
    Retry(Authorization),
    /// Nothing new was learned; report the 401 to the caller.
    GiveUp,
}

/// A bearer token ready to send, with the request it was fetched for (to invalidate it if the
/// service rejects it).
#[derive(Debug, Clone)]
pub struct Authorization {
    /// The token request this token answers.
    pub request: TokenRequest,
    /// The token.
    pub token: AccessToken,
    /// The `Authorization` header value (`Bearer <token>`, marked sensitive), built once per
    /// token and shared by the requests that send it; `Err` when the token cannot be a header
    /// value.
    pub header: std::result::Result<HeaderValue, InvalidToken>,
}

/// The token holds bytes a header value cannot (control characters, non-ASCII).
#[derive(Debug, Clone, Copy)]
pub struct InvalidToken;

/// The header value of the token last sent, reused while the credential hands out that token.
type HeaderCache = Option<(zeroize::Zeroizing<String>, std::result::Result<HeaderValue, InvalidToken>)>;

/// Per-vault challenge state shared by all threads using one client.
pub struct ChallengeAuth {
    credential: Arc<Credential>,
    vault_host: String,
    verify_resource: bool,
    learned: RwLock<Option<TokenRequest>>,
    header: RwLock<HeaderCache>,
}

impl ChallengeAuth {
    /// State for the vault at `vault_host` (no port).
    pub fn new(credential: Arc<Credential>, vault_host: &str, verify_resource: bool) -> ChallengeAuth {
        ChallengeAuth {
            credential,
            vault_host: vault_host.to_ascii_lowercase(),
            verify_resource,
            learned: RwLock::new(None),
            header: RwLock::new(None),
        }
    }

    /// The token to send now, or None while no challenge has been seen (send unauthenticated).
    /// Getting it is bounded by the call's `deadline`.
    pub fn current(&self, deadline: Instant) -> Result<Option<Authorization>> {
        let learned = self.learned.read().clone();
        match learned {
            Some(request) => self.fetch(request, deadline).map(Some),
            None => Ok(None),
        }
    }

    /// Handles a 401 reply's `WWW-Authenticate` value. `sent` is the authorization that the
    /// rejected request carried, if any. A new token is fetched within the call's `deadline`.
    pub fn on_unauthorized(
        &self,
        www_authenticate: Option<&str>,
        sent: Option<&Authorization>,
        deadline: Instant,
    ) -> Result<ChallengeOutcome> {
        let Some(header) = www_authenticate else {
            return match sent {
                // The service refused a token without saying why: let the caller see the 401.
                Some(_) => Ok(ChallengeOutcome::GiveUp),
                None => Err(Error::new(
                    ErrorKind::InvalidChallenge,
                    "the vault answered 401 without a WWW-Authenticate challenge",
                )),
            };
        };
        let parsed = challenge::parse(header).map_err(|e| Error::new(ErrorKind::InvalidChallenge, e.to_string()))?;

        if let Some(claims) = parsed.claims.clone() {
            // A claims (CAE) challenge: one new token carrying the claims, for the scope we know.
            let Some(sent) = sent else {
                return Err(Error::new(
                    ErrorKind::InvalidChallenge,
                    "a claims challenge arrived before any token was sent",
                ));
            };
            if sent.request.claims.as_deref() == Some(claims.as_str()) {
                // A token that already carries these claims is refused: report the 401.
                return Ok(ChallengeOutcome::GiveUp);
            }
            // The rejected token is revoked: forget it, and let later calls use the token with
            // the claims (as learned) instead of sending the revoked one first each time.
            self.credential.invalidate(&sent.request, &sent.token);
            let request = TokenRequest { claims: Some(claims), ..sent.request.clone() };
            *self.learned.write() = Some(request.clone());
            return self.fetch(request, deadline).map(ChallengeOutcome::Retry);
        }

        let Some(scope) = parsed.scope else {
            return Err(Error::new(ErrorKind::InvalidChallenge, "the challenge names no scope or resource"));
        };
        if self.verify_resource {
            challenge::verify_resource(&self.vault_host, &scope).map_err(|e| match e {
                ChallengeError::ResourceMismatch { .. } => {
                    Error::new(ErrorKind::ChallengeResourceMismatch, e.to_string())
                }
                ChallengeError::Malformed(_) => Error::new(ErrorKind::InvalidChallenge, e.to_string()),
            })?;
        }
        let request = TokenRequest { scope, tenant_id: parsed.tenant, claims: None };
        if let Some(sent) = sent {
            if sent.request == request {
                // Same challenge for a token we just sent: the token itself is refused.
                self.credential.invalidate(&sent.request, &sent.token);
                return Ok(ChallengeOutcome::GiveUp);
            }
        }
        *self.learned.write() = Some(request.clone());
        self.fetch(request, deadline).map(ChallengeOutcome::Retry)
    }

    /// A token for another host (a redirect target) from that host's own challenge: its
    /// resource must pass the resource check for `host` (always checked here). The vault's
    /// learned challenge is left as it is.
    pub fn authorize_host(&self, host: &str, www_authenticate: &str, deadline: Instant) -> Result<Authorization> {
        let parsed =
            challenge::parse(www_authenticate).map_err(|e| Error::new(ErrorKind::InvalidChallenge, e.to_string()))?;
        let Some(scope) = parsed.scope else {
            return Err(Error::new(ErrorKind::InvalidChallenge, "the challenge names no scope or resource"));
        };
        challenge::verify_resource(&host.to_ascii_lowercase(), &scope).map_err(|e| match e {
            ChallengeError::ResourceMismatch { .. } => Error::new(ErrorKind::ChallengeResourceMismatch, e.to_string()),
            ChallengeError::Malformed(_) => Error::new(ErrorKind::InvalidChallenge, e.to_string()),
        })?;
        self.fetch(TokenRequest { scope, tenant_id: parsed.tenant, claims: None }, deadline)
    }

    fn fetch(&self, request: TokenRequest, deadline: Instant) -> Result<Authorization> {
        let token = self.credential.token(&request, deadline).map_err(|e| {
            if e.kind == ErrorKind::AuthenticationFailed {
                e
            } else {
                Error::caused_by(ErrorKind::AuthenticationFailed, format!("{} credential", self.credential.kind()), e)
            }
        })?;
        let header = self.header_for(&token);
        Ok(Authorization { request, token, header })
    }

    /// The header value for `token`: the cached one while the token is the same, else built
    /// (one `format!` and one copy per token, not per request) and cached.
    fn header_for(&self, token: &AccessToken) -> std::result::Result<HeaderValue, InvalidToken> {
        if let Some((text, value)) = &*self.header.read() {
            if text.as_str() == token.token.as_str() {
                return value.clone();
            }
        }
        let value = zeroize::Zeroizing::new(format!("Bearer {}", token.token.as_str()));
        let built = HeaderValue::from_str(&value).map_err(|_| InvalidToken).map(|mut v| {
            v.set_sensitive(true);
            v
        });
        *self.header.write() = Some((token.token.clone(), built.clone()));
        built
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::static_token::StaticToken;

    #[test]
    fn the_header_value_is_built_once_per_token_and_shared() {
        let auth = ChallengeAuth::new(
            Credential::new(StaticToken::new("tok-1", None).unwrap()),
            "myvault.vault.azure.net",
            true,
        );
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        let challenge = r#"Bearer authorization="https://login.example/tenant", resource="https://vault.azure.net""#;
        let ChallengeOutcome::Retry(first) = auth.on_unauthorized(Some(challenge), None, deadline).unwrap() else {
            panic!("a first challenge gives a token")
        };
        let second = auth.current(deadline).unwrap().unwrap();
        let (a, b) = (first.header.unwrap(), second.header.unwrap());
        assert_eq!(a.to_str().unwrap(), "Bearer tok-1");
        assert!(a.is_sensitive());
        assert_eq!(a.as_bytes().as_ptr(), b.as_bytes().as_ptr(), "the same bytes, not a second copy");
    }
}
