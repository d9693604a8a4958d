//! What every token source shares: checking a token's text before it goes into an
//! `Authorization` header, and reading token lifetimes from the replies of token endpoints and
//! tools (seconds as JSON numbers or as strings).

use crate::error::{Error, ErrorKind, Result};
use serde::Deserialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

/// Checks a token that `source` (a credential's token endpoint, tool or callback) produced:
/// non-empty after trimming, no whitespace or control characters (which would break the
/// header). A bad token is `ErrorKind::AuthenticationFailed`. The token never appears in the
/// error message.
pub fn checked_token(token: &str, source: &str) -> Result<Zeroizing<String>> {
    check_token(token, source, ErrorKind::AuthenticationFailed)
}

/// [`checked_token`] for a token the caller handed over directly (a static token, a host's
/// token sink): a bad one is the caller's argument, `ErrorKind::InvalidArgument`.
pub fn checked_caller_token(token: &str, source: &str) -> Result<Zeroizing<String>> {
    check_token(token, source, ErrorKind::InvalidArgument)
}

fn check_token(token: &str, source: &str, kind: ErrorKind) -> Result<Zeroizing<String>> {
    let trimmed = token.trim();
    if trimmed.is_empty() {
        return Err(Error::new(kind, format!("{source} returned an empty token")));
    }
    if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::new(kind, format!("{source} returned a token with spaces or control characters")));
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

/// Longest token lifetime believed: a reply's `expires_on` / `expires_in` further ahead than
/// this (up to values beyond the clock's range, such as `1e300`) is capped to it. Entra tokens
/// live about an hour (continuous access evaluation tokens up to about a day).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// `seconds` after the Unix epoch, or None when that is not a time the clock can hold.
pub fn unix_time(seconds: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// A token's expiry from a reply: `expires_on` (Unix seconds) when positive, else `expires_in`
/// (seconds from `now`) when positive; None when neither is usable. Never later than
/// `now + MAX_TOKEN_LIFETIME` (and never a panic, whatever the numbers).
pub fn expiry(expires_on: Option<&Seconds>, expires_in: Option<&Seconds>, now: SystemTime) -> Option<SystemTime> {
    let latest = now.checked_add(MAX_TOKEN_LIFETIME).unwrap_or(now);
    let at = match (expires_on.and_then(Seconds::whole), expires_in.and_then(Seconds::whole)) {
        (Some(on), _) if on > 0 => unix_time(on as u64).unwrap_or(latest),
        (_, Some(within)) if within > 0 => now.checked_add(Duration::from_secs(within as u64)).unwrap_or(latest),
        _ => return None,
    };
    Some(at.min(latest))
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
        assert_eq!(expiry(Some(&secs("\"5000\"")), None, now), Some(UNIX_EPOCH + Duration::from_secs(5_000)));
        assert_eq!(expiry(Some(&secs("5000.5")), Some(&secs("5")), now), Some(UNIX_EPOCH + Duration::from_secs(5_000)));
        assert_eq!(expiry(Some(&secs("0")), Some(&secs("60")), now), Some(now + Duration::from_secs(60)));
        assert_eq!(expiry(Some(&secs("\"soon\"")), Some(&secs("-1")), now), None);
        assert_eq!(expiry(None, None, now), None);
    }

    /// Review finding 6: `expires_in: 1e300` panicked ("overflow when adding duration to instant").
    #[test]
    fn lifetimes_beyond_the_clock_are_capped_not_a_panic() {
        let now = SystemTime::now();
        let cap = Some(now + MAX_TOKEN_LIFETIME);
        for huge in [
            "1e300",
            "\"1e300\"",
            "9223372036854775807",
            "18446744073709551615",
            "\"99999999999999999999\"",
            "4102444800",
        ] {
            assert_eq!(expiry(None, Some(&secs(huge)), now), cap, "expires_in {huge}");
            assert_eq!(expiry(Some(&secs(huge)), None, now), cap, "expires_on {huge}");
        }
        assert_eq!(expiry(None, Some(&secs("60")), now), Some(now + Duration::from_secs(60)));
        assert!(unix_time(u64::MAX).is_none());
    }

    #[test]
    fn token_text_is_checked_and_never_quoted() {
        assert_eq!(checked_token(" abc ", "x").unwrap().as_str(), "abc");
        for bad in ["", "  ", "a b", "a\r\nX-Evil: 1", "a\tb"] {
            let err = checked_token(bad, "the source").unwrap_err();
            assert_eq!(err.kind, ErrorKind::AuthenticationFailed);
            assert!(err.message.starts_with("the source returned"));
            // The caller's own token is the caller's argument, decided where it is checked.
            assert_eq!(checked_caller_token(bad, "the caller").unwrap_err().kind, ErrorKind::InvalidArgument);
            if !bad.trim().is_empty() {
                assert!(!err.message.contains(bad.trim()));
            }
        }
    }
}
