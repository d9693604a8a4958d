//! Token cache of one credential: one slot per (tenant, scope, claims), refreshed ahead of
//! expiry, with single-flight refresh (one thread fetches, the others wait for its result).

use crate::auth::credential::{AccessToken, TokenRequest};
use crate::error::Result;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A cached token is refreshed when less than this much lifetime remains.
pub const REFRESH_AHEAD: Duration = Duration::from_secs(300);

type Slot = Arc<Mutex<Option<AccessToken>>>;

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
    /// that concurrent callers wait for the one fetch instead of each fetching). Failures are not
    /// cached.
    pub fn get_or_fetch(&self, request: &TokenRequest, fetch: impl FnOnce(&TokenRequest) -> Result<AccessToken>) -> Result<AccessToken> {
        let slot = self.slot(request);
        let mut guard = slot.lock();
        if let Some(token) = guard.as_ref() {
            if is_fresh(token, SystemTime::now()) {
                return Ok(token.clone());
            }
        }
        let token = fetch(request)?;
        *guard = Some(token.clone());
        Ok(token)
    }

    /// Drops the cached token of `request` if it is still the `rejected` one.
    pub fn invalidate(&self, request: &TokenRequest, rejected: &AccessToken) {
        let slot = self.slot(request);
        let mut guard = slot.lock();
        if guard.as_ref().is_some_and(|t| t.token == rejected.token) {
            *guard = None;
        }
    }

    fn slot(&self, request: &TokenRequest) -> Slot {
        self.slots.lock().entry(request.clone()).or_default().clone()
    }
}

fn is_fresh(token: &AccessToken, now: SystemTime) -> bool {
    token.expires_on.duration_since(now).map(|left| left > REFRESH_AHEAD).unwrap_or(false)
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
}
