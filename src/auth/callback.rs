//! A credential whose tokens come from the host program: a function the host supplies is asked
//! for a token and its expiry. The C form (a function pointer plus user data) lives in
//! `ffi::credential_host`; this is the plain Rust side, with the checks every token passes.

use crate::auth::credential::{AccessToken, TokenRequest, TokenSource};
use crate::auth::token_text::checked_token;
use crate::error::{Error, ErrorKind, Result};
use std::time::SystemTime;

/// The function a [`CallbackCredential`] calls: a token for the request, or why there is none
/// (a message; the credential reports it as `ErrorKind::AuthenticationFailed`).
pub type TokenFn = dyn Fn(&TokenRequest) -> std::result::Result<AccessToken, String> + Send + Sync;

/// Tokens from a host-supplied function. The cache in front of it (see
/// [`crate::auth::Credential`]) calls it at most once at a time per (tenant, scope, claims).
pub struct CallbackCredential {
    callback: Box<TokenFn>,
}

impl CallbackCredential {
    /// Wraps `callback`. Its tokens are checked (non-empty, no spaces or control characters,
    /// expiry in the future) before use.
    pub fn new(
        callback: impl Fn(&TokenRequest) -> std::result::Result<AccessToken, String> + Send + Sync + 'static,
    ) -> CallbackCredential {
        CallbackCredential { callback: Box::new(callback) }
    }
}

impl TokenSource for CallbackCredential {
    fn fetch_token(&self, request: &TokenRequest) -> Result<AccessToken> {
        let token = (self.callback)(request).map_err(|why| Error::new(ErrorKind::AuthenticationFailed, why))?;
        let text = checked_token(&token.token, "the token callback")?;
        if token.expires_on <= SystemTime::now() {
            return Err(Error::new(
                ErrorKind::AuthenticationFailed,
                "the token callback returned a token that has already expired",
            ));
        }
        Ok(AccessToken { token: text, expires_on: token.expires_on })
    }

    fn kind(&self) -> &'static str {
        "callback"
    }

    fn is_uninterruptible(&self) -> bool {
        true
    }
}

/// Converts unix seconds to a time; values at or before the epoch are refused.
pub fn unix_time(seconds: i64) -> Result<SystemTime> {
    if seconds <= 0 {
        return Err(Error::new(ErrorKind::InvalidArgument, format!("expiry {seconds} is not a unix time in seconds")));
    }
    crate::auth::token_text::unix_time(seconds as u64).ok_or_else(|| {
        Error::new(ErrorKind::InvalidArgument, format!("expiry {seconds} is beyond what the clock can hold"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};
    use zeroize::Zeroizing;

    fn req() -> TokenRequest {
        TokenRequest { scope: "s".into(), tenant_id: None, claims: None }
    }

    #[test]
    fn tokens_are_checked_and_failures_become_authentication_failed() {
        let ok = CallbackCredential::new(|_| {
            Ok(AccessToken {
                token: Zeroizing::new(" t ".into()),
                expires_on: SystemTime::now() + Duration::from_secs(60),
            })
        });
        assert_eq!(ok.fetch_token(&req()).unwrap().token.as_str(), "t");
        let expired = CallbackCredential::new(|_| {
            Ok(AccessToken {
                token: Zeroizing::new("t".into()),
                expires_on: SystemTime::now() - Duration::from_secs(1),
            })
        });
        assert_eq!(expired.fetch_token(&req()).unwrap_err().kind, ErrorKind::AuthenticationFailed);
        let spaced = CallbackCredential::new(|_| {
            Ok(AccessToken {
                token: Zeroizing::new("a\r\nb".into()),
                expires_on: SystemTime::now() + Duration::from_secs(60),
            })
        });
        let e = spaced.fetch_token(&req()).unwrap_err();
        assert!(e.message.contains("control") && !e.message.contains("a\r\nb"));
        let failing = CallbackCredential::new(|_| Err("nope".to_owned()));
        let e = failing.fetch_token(&req()).unwrap_err();
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::AuthenticationFailed, "nope"));
        assert!(unix_time(0).is_err());
        assert_eq!(unix_time(10).unwrap(), UNIX_EPOCH + Duration::from_secs(10));
    }
}
