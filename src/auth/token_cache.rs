//! Token cache of one credential: one slot per (tenant, scope, claims), refreshed ahead of
//! expiry, with single-flight refresh (one thread fetches, the others wait for its result).
//!
//! A failed fetch is remembered for at most [`FAILURE_BACKOFF`] per key: callers arriving in
//! that window (typically the burst of threads that waited for the failing fetch) get the same
//! error at once instead of each trying the failing endpoint again. After the window the next
//! caller fetches again. When a refresh fails while the cached token has not expired yet (it
//! is only inside the refresh-ahead window), the cached token is returned instead of the error.

use crate::auth::credential::{AccessToken, TokenRequest};
use crate::error::{Error, Result};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// A cached token is refreshed when less than this much lifetime remains.
pub const REFRESH_AHEAD: Duration = Duration::from_secs(300);

/// How long a failed fetch is remembered for its key before the next caller tries again.
pub const FAILURE_BACKOFF: Duration = Duration::from_secs(1);

/// What one key's slot holds.
#[derive(Default)]
struct SlotState {
    token: Option<AccessToken>,
    /// The last failure and when it happened; cleared by the next success.
    failure: Option<(Error, Instant)>,
}

type Slot = Arc<Mutex<SlotState>>;

/// Cache of tokens keyed by the full token request.
#[derive(Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<TokenRequest, Slot>>,
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> TokenCache {
        TokenCache::default()
    }

    /// Returns the cached token if it is fresh, else calls `fetch` (holding this key's slot so
    /// that concurrent callers wait for the one fetch instead of each fetching). A failure is
    /// remembered for [`FAILURE_BACKOFF`] and returned to callers in that window without a new
    /// fetch; a cached token that has not expired yet is preferred to a failed refresh.
    pub fn get_or_fetch(&self, request: &TokenRequest, fetch: impl FnOnce(&TokenRequest) -> Result<AccessToken>) -> Result<AccessToken> {
        let slot = self.slot(request);
        let mut state = slot.lock();
        let now = SystemTime::now();
        if let Some(token) = state.token.as_ref() {
            if is_fresh(token, now) {
                return Ok(token.clone());
            }
        }
        if let Some((err, at)) = state.failure.as_ref() {
            if at.elapsed() < FAILURE_BACKOFF {
                return usable(state.token.as_ref(), now).ok_or_else(|| err.clone());
            }
        }
        match fetch(request) {
            Ok(token) => {
                state.token = Some(token.clone());
                state.failure = None;
                Ok(token)
            }
            Err(err) => {
                state.failure = Some((err.clone(), Instant::now()));
                usable(state.token.as_ref(), SystemTime::now()).ok_or(err)
            }
        }
    }

    /// Drops the cached token of `request` if it is still the `rejected` one.
    pub fn invalidate(&self, request: &TokenRequest, rejected: &AccessToken) {
        let slot = self.slot(request);
        let mut state = slot.lock();
        if state.token.as_ref().is_some_and(|t| t.token == rejected.token) {
            state.token = None;
        }
    }

    fn slot(&self, request: &TokenRequest) -> Slot {
        let mut slots = self.slots.lock();
        // Every request of a warm client hits an existing slot: look up before cloning the key.
        if let Some(slot) = slots.get(request) {
            return slot.clone();
        }
        slots.entry(request.clone()).or_default().clone()
    }
}

fn is_fresh(token: &AccessToken, now: SystemTime) -> bool {
    token.expires_on.duration_since(now).map(|left| left > REFRESH_AHEAD).unwrap_or(false)
}

/// The cached token if it has not expired yet (a stale-but-valid token beats an error).
fn usable(token: Option<&AccessToken>, now: SystemTime) -> Option<AccessToken> {
    token.filter(|t| t.expires_on > now).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use zeroize::Zeroizing;

    fn req(scope: &str) -> TokenRequest {
        TokenRequest { scope: scope.into(), tenant_id: None, claims: None }
    }

    fn token(text: &str, lifetime: Duration) -> AccessToken {
        AccessToken { token: Zeroizing::new(text.into()), expires_on: SystemTime::now() + lifetime }
    }

    #[test]
    fn fresh_tokens_are_reused_and_near_expiry_ones_refreshed() {
        let cache = TokenCache::new();
        let calls = AtomicUsize::new(0);
        let fetch_long = |_: &TokenRequest| {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(token("a", Duration::from_secs(3600)))
        };
        cache.get_or_fetch(&req("s"), fetch_long).unwrap();
        cache.get_or_fetch(&req("s"), fetch_long).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache.get_or_fetch(&req("other"), fetch_long).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        let short = |_: &TokenRequest| {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(token("b", Duration::from_secs(200)))
        };
        cache.get_or_fetch(&req("t"), short).unwrap();
        cache.get_or_fetch(&req("t"), short).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 4, "a token inside the refresh window is refetched");
    }

    #[test]
    fn one_fetch_for_many_threads() {
        let cache = Arc::new(TokenCache::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (cache, calls) = (cache.clone(), calls.clone());
                std::thread::spawn(move || {
                    cache
                        .get_or_fetch(&req("s"), |_| {
                            calls.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            Ok(token("a", Duration::from_secs(3600)))
                        })
                        .unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().token.as_str(), "a");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn invalidate_forgets_only_the_rejected_token() {
        let cache = TokenCache::new();
        let first = cache.get_or_fetch(&req("s"), |_| Ok(token("a", Duration::from_secs(3600)))).unwrap();
        cache.invalidate(&req("s"), &token("other", Duration::from_secs(1)));
        let again = cache.get_or_fetch(&req("s"), |_| Ok(token("b", Duration::from_secs(3600)))).unwrap();
        assert_eq!(again.token.as_str(), "a");
        cache.invalidate(&req("s"), &first);
        let refreshed = cache.get_or_fetch(&req("s"), |_| Ok(token("b", Duration::from_secs(3600)))).unwrap();
        assert_eq!(refreshed.token.as_str(), "b");
    }

    fn failing(calls: &AtomicUsize) -> impl Fn(&TokenRequest) -> Result<AccessToken> + '_ {
        move |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(crate::status::KV_STATUS_AUTHENTICATION_FAILED, "endpoint down"))
        }
    }

    #[test]
    fn a_failure_is_remembered_briefly_then_retried() {
        let cache = TokenCache::new();
        let calls = AtomicUsize::new(0);
        let e = cache.get_or_fetch(&req("s"), failing(&calls)).unwrap_err();
        assert_eq!(e.message, "endpoint down");
        let again = cache.get_or_fetch(&req("s"), failing(&calls)).unwrap_err();
        assert_eq!(again, e, "the remembered failure is returned as it was");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "no second fetch inside the back-off");
        // Another key is not affected.
        cache.get_or_fetch(&req("other"), failing(&calls)).unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        std::thread::sleep(FAILURE_BACKOFF + Duration::from_millis(50));
        let ok = cache.get_or_fetch(&req("s"), |_| Ok(token("a", Duration::from_secs(3600)))).unwrap();
        assert_eq!(ok.token.as_str(), "a", "after the back-off the next caller fetches again");
        // A success clears the failure: a later refresh is not blocked by it.
        assert!(cache.slot(&req("s")).lock().failure.is_none());
    }

    #[test]
    fn a_burst_after_a_failure_makes_one_fetch() {
        let cache = Arc::new(TokenCache::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (cache, calls) = (cache.clone(), calls.clone());
                std::thread::spawn(move || {
                    cache.get_or_fetch(&req("s"), |_| {
                        calls.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(50));
                        Err(Error::new(crate::status::KV_STATUS_AUTHENTICATION_FAILED, "down"))
                    })
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap_err().message, "down");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "the waiters got the remembered failure");
    }

    #[test]
    fn a_failed_refresh_keeps_serving_a_token_that_has_not_expired() {
        let cache = TokenCache::new();
        let calls = AtomicUsize::new(0);
        // Inside the refresh window but still valid for 200 s.
        cache.get_or_fetch(&req("s"), |_| Ok(token("old", Duration::from_secs(200)))).unwrap();
        let t = cache.get_or_fetch(&req("s"), failing(&calls)).unwrap();
        assert_eq!(t.token.as_str(), "old");
        let t = cache.get_or_fetch(&req("s"), failing(&calls)).unwrap();
        assert_eq!(t.token.as_str(), "old");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "the failed refresh is not retried inside the back-off");
        // An expired token is never served.
        let cache = TokenCache::new();
        cache.get_or_fetch(&req("s"), |_| Ok(AccessToken { token: Zeroizing::new("gone".into()), expires_on: SystemTime::now() - Duration::from_secs(1) })).unwrap();
        assert!(cache.get_or_fetch(&req("s"), failing(&calls)).is_err());
    }
}
