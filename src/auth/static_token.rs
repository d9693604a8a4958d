//! A credential holding a bearer token the host already has.

use crate::auth::credential::{AccessToken, TokenRequest, TokenSource};
use crate::auth::token_text::checked_caller_token;
use crate::error::Result;
use std::time::{Duration, SystemTime};
use zeroize::Zeroizing;

/// How long a static token is treated as valid when its expiry is not known (the service is the
/// judge: a rejected token surfaces as `ErrorKind::Unauthorized`).
const UNKNOWN_EXPIRY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Always returns the same token, whatever scope or tenant is asked for.
pub struct StaticToken {
    token: Zeroizing<String>,
    expires_on: SystemTime,
}

impl StaticToken {
    /// A static token; `expires_on` None means "unknown, never refreshed".
    pub fn new(token: &str, expires_on: Option<SystemTime>) -> Result<StaticToken> {
        // The caller's own input, so a bad token is an invalid argument, not a failed sign-in.
        let token = checked_caller_token(token, "the caller")?;
        let expires_on = expires_on.unwrap_or_else(|| SystemTime::now() + UNKNOWN_EXPIRY);
        Ok(StaticToken { token, expires_on })
    }
}

impl TokenSource for StaticToken {
    fn fetch_token(&self, _request: &TokenRequest) -> Result<AccessToken> {
        Ok(AccessToken { token: self.token.clone(), expires_on: self.expires_on })
    }

    fn kind(&self) -> &'static str {
        "static token"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_and_header_breaking_tokens() {
        assert!(StaticToken::new("  ", None).is_err());
        assert!(StaticToken::new("abc\r\nX-Evil: 1", None).is_err());
        assert!(StaticToken::new("a b", None).is_err());
        let t = StaticToken::new(" abc ", None).unwrap();
        let req = TokenRequest { scope: "s".into(), tenant_id: None, claims: None };
        assert_eq!(t.fetch_token(&req).unwrap().token.as_str(), "abc");
    }
}
