//! What every token source shares: checking a token's text before it goes into an
//! `Authorization` header, and reading token lifetimes from the replies of token endpoints and
//! tools (seconds as JSON numbers or as strings).

use crate::error::{Error, Result};
use crate::status::KV_STATUS_AUTHENTICATION_FAILED;
use serde::Deserialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

/// Checks a token that `source` produced: non-empty after trimming, no whitespace or control
/// characters (which would break the header). The token never appears in the error message.
pub fn checked_token(token: &str, source: &str) -> Result<Zeroizing<String>> {
    let trimmed = token.trim();
    if trimmed.is_empty() {
        return Err(Error::new(KV_STATUS_AUTHENTICATION_FAILED, format!("{source} returned an empty token")));
    }
    if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::new(KV_STATUS_AUTHENTICATION_FAILED, format!("{source} returned a token with spaces or control characters")));
    }
    Ok(Zeroizing::new(trimmed.to_owned()))
}

/// A count of seconds that endpoints send as a JSON number or as a string ("3599", "1.7e9").
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Seconds {
    /// A JSON number.
    Number(serde_json::Number),
    /// A string holding a number.
    Text(String),
}

impl Seconds {
    /// The whole seconds, if the value is a finite number.
    pub fn whole(&self) -> Option<i64> {
        let float = |f: f64| f.is_finite().then_some(f as i64);
        match self {
            Seconds::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(float)),
            Seconds::Text(t) => t.trim().parse::<i64>().ok().or_else(|| t.trim().parse::<f64>().ok().and_then(float)),
        }
    }
}

/// A token's expiry from a reply: `expires_on` (Unix seconds) when positive, else `expires_in`
/// (seconds from `now`) when positive; None when neither is usable.
pub fn expiry(expires_on: Option<&Seconds>, expires_in: Option<&Seconds>, now: SystemTime) -> Option<SystemTime> {
    match (expires_on.and_then(Seconds::whole), expires_in.and_then(Seconds::whole)) {
        (Some(on), _) if on > 0 => Some(UNIX_EPOCH + Duration::from_secs(on as u64)),
        (_, Some(within)) if within > 0 => Some(now + Duration::from_secs(within as u64)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(json: &str) -> Seconds {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn lifetimes_in_every_form() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(expiry(None, Some(&secs("3599")), now), Some(now + Duration::from_secs(3599)));
        assert_eq!(expiry(None, Some(&secs("\"120\"")), now), Some(now + Duration::from_secs(120)));
        assert_eq!(expiry(Some(&secs("\"4102444800\"")), None, now), Some(UNIX_EPOCH + Duration::from_secs(4_102_444_800)));
        assert_eq!(expiry(Some(&secs("4102444800.5")), Some(&secs("5")), now), Some(UNIX_EPOCH + Duration::from_secs(4_102_444_800)));
        assert_eq!(expiry(Some(&secs("0")), Some(&secs("60")), now), Some(now + Duration::from_secs(60)));
        assert_eq!(expiry(Some(&secs("\"soon\"")), Some(&secs("-1")), now), None);
        assert_eq!(expiry(None, None, now), None);
    }

    #[test]
    fn token_text_is_checked_and_never_quoted() {
        assert_eq!(checked_token(" abc ", "x").unwrap().as_str(), "abc");
        for bad in ["", "  ", "a b", "a\r\nX-Evil: 1", "a\tb"] {
            let err = checked_token(bad, "the source").unwrap_err();
            assert_eq!(err.status, KV_STATUS_AUTHENTICATION_FAILED);
            assert!(err.message.starts_with("the source returned"));
            if !bad.trim().is_empty() {
                assert!(!err.message.contains(bad.trim()));
            }
        }
    }
}
