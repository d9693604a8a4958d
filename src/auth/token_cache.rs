//! Token cache of one credential: one slot per (tenant, scope, claims), refreshed ahead of
//! expiry, with single-flight refresh (one fetch at a time per key; other callers wait for its
//! result, each at most until its own call's deadline).
//!
//! A failed fetch is remembered for at most [`FAILURE_BACKOFF`] per key: callers arriving in
//! that window (typically the burst of threads that waited for the failing fetch) get the same
//! error at once instead of each trying the failing endpoint again. After the window the next
//! caller fetches again. When a refresh fails while the cached token has not expired yet (it
//! is only inside the refresh-ahead window), the cached token is returned instead of the error.
//!
//! The cache holds at most [`MAX_SLOTS`] keys: the vault chooses scope and claims through its
//! challenges, so a misbehaving vault could otherwise grow it without bound. When full, the
//! least recently used key that is not being fetched is forgotten.
//!
//! A fetch that cannot be interrupted (a host's token callback) runs on a thread of its own
//! ([`TokenCache::get_or_fetch_detached`]): the call that needed the token waits for it only
//! until its deadline and then fails with `ErrorKind::Timeout`, while the fetch finishes and
//! leaves its token in the cache for the next call.

use crate::auth::deadline;
use crate::auth::token::{AccessToken, TokenRequest};
use crate::error::{Error, ErrorKind, Result};
use crate::http::cancel;
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// A cached token is refreshed when less than this much lifetime remains.
pub const REFRESH_AHEAD: Duration = Duration::from_secs(300);

/// How long a failed fetch is remembered for its key before the next caller tries again.
pub const FAILURE_BACKOFF: Duration = Duration::from_secs(1);

/// Most keys (tenant, scope, claims) one credential caches tokens for.
pub const MAX_SLOTS: usize = 32;

/// What one key's slot holds.
#[derive(Default)]
struct SlotState {
    token: Option<AccessToken>,
    /// The last failure and when it happened; cleared by the next success.
    failure: Option<(Error, Instant)>,
    /// A fetch for this key is under way (on some thread).
    fetching: bool,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    /// Signalled when a fetch ends.
    done: Condvar,
}

type SlotRef = Arc<Slot>;

#[derive(Default)]
struct Slots {
    /// Each key's slot and the tick of its last use.
    map: HashMap<TokenRequest, (SlotRef, u64)>,
    tick: u64,
}

/// Cache of tokens keyed by the full token request.
#[derive(Default)]
pub struct TokenCache {
    slots: Mutex<Slots>,
}

/// What a caller found in its slot.
enum Found {
    /// A token or a remembered failure (or a timeout while waiting for another fetch).
    Answer(Result<AccessToken>),
    /// Nothing usable and nobody fetching: this caller must fetch (the slot is marked).
    MustFetch(SlotRef),
}

/// Ends a fetch: stores its outcome, clears the mark and wakes the waiters; a fetch that
/// unwinds instead leaves the slot unmarked with nothing stored.
struct Fetching(Option<SlotRef>);

impl Fetching {
    fn finish(mut self, result: Result<AccessToken>, remember_failure: bool) -> Result<AccessToken> {
        let slot = self.0.take().expect("a fetch ends once");
        let mut state = slot.state.lock();
        state.fetching = false;
        let outcome = match result {
            Ok(token) => {
                state.token = Some(token.clone());
                state.failure = None;
                Ok(token)
            }
            Err(err) => {
                if remember_failure {
                    state.failure = Some((err.clone(), Instant::now()));
                }
                usable(state.token.as_ref(), SystemTime::now()).ok_or(err)
            }
        };
        slot.done.notify_all();
        outcome
    }
}

impl Drop for Fetching {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            slot.state.lock().fetching = false;
            slot.done.notify_all();
        }
    }
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> TokenCache {
        TokenCache::default()
    }

    /// Returns the cached token if it is fresh, else calls `fetch` on this thread (one fetch at
    /// a time per key: concurrent callers wait for it, each until its `deadline` at most). The
    /// fetch runs with `deadline` as its call deadline (see [`deadline`]). A failure is
    /// remembered for [`FAILURE_BACKOFF`] (unless it came from the deadline expiring) and
    /// returned to callers in that window without a new fetch; a cached token that has not
    /// expired yet is preferred to a failed refresh.
    pub fn get_or_fetch(
        &self,
        request: &TokenRequest,
        deadline: Instant,
        fetch: impl FnOnce(&TokenRequest) -> Result<AccessToken>,
    ) -> Result<AccessToken> {
        match self.find(request, deadline) {
            Found::Answer(answer) => answer,
            Found::MustFetch(slot) => {
                let fetching = Fetching(Some(slot));
                let result = deadline::scoped(deadline, || fetch(request));
                // A fetch cut short by the call's deadline or cancellation is not remembered.
                fetching.finish(result, Instant::now() < deadline && !cancel::is_cancelled())
            }
        }
    }

    /// Like [`TokenCache::get_or_fetch`] for a fetch that cannot be interrupted: it runs on a
    /// thread started for it, and this caller waits for its result only until `deadline`
    /// (then `ErrorKind::Timeout`). The fetch's outcome is cached whenever it ends.
    pub fn get_or_fetch_detached(
        &self,
        request: &TokenRequest,
        deadline: Instant,
        fetch: impl FnOnce(&TokenRequest) -> Result<AccessToken> + Send + 'static,
    ) -> Result<AccessToken> {
        let slot = match self.find(request, deadline) {
            Found::Answer(answer) => return answer,
            Found::MustFetch(slot) => slot,
        };
        let fetching = Fetching(Some(slot.clone()));
        let owned = request.clone();
        let started = std::thread::Builder::new().name("kv-token-fetch".into()).spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fetch(&owned)))
                .unwrap_or_else(|_| Err(Error::new(ErrorKind::Internal, "the token fetch panicked")));
            let _ = fetching.finish(result, true);
        });
        if let Err(e) = started {
            // The closure (and its `Fetching`) was dropped: the slot is free again.
            return Err(Error::new(ErrorKind::Internal, format!("could not start a thread for the token fetch: {e}")));
        }
        let mut state = slot.state.lock();
        while state.fetching {
            if cancel::is_cancelled() {
                return Err(cancel::error("waiting for a token"));
            }
            if Instant::now() >= deadline
                || (slot.done.wait_until(&mut state, cancel::wait_slice(deadline)).timed_out()
                    && state.fetching
                    && Instant::now() >= deadline)
            {
                return usable(state.token.as_ref(), SystemTime::now()).ok_or_else(waited_too_long);
            }
        }
        if let Some(token) = usable(state.token.as_ref(), SystemTime::now()) {
            return Ok(token);
        }
        Err(state
            .failure
            .as_ref()
            .map(|(e, _)| e.clone())
            .unwrap_or_else(|| Error::new(ErrorKind::Internal, "the token fetch ended without a result")))
    }

    /// Drops the cached token of `request` if it is still the `rejected` one.
    pub fn invalidate(&self, request: &TokenRequest, rejected: &AccessToken) {
        let slot = self.slot(request);
        let mut state = slot.state.lock();
        if state.token.as_ref().is_some_and(|t| t.token == rejected.token) {
            state.token = None;
        }
    }

    /// How many keys the cache holds now (at most [`MAX_SLOTS`], plus keys being fetched).
    pub fn len(&self) -> usize {
        self.slots.lock().map.len()
    }

    /// Whether the cache holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Looks at `request`'s slot, waiting (until `deadline`) while another fetch is under way.
    fn find(&self, request: &TokenRequest, deadline: Instant) -> Found {
        let slot = self.slot(request);
        let mut state = slot.state.lock();
        loop {
            let now = SystemTime::now();
            if let Some(token) = state.token.as_ref() {
                if is_fresh(token, now) {
                    return Found::Answer(Ok(token.clone()));
                }
            }
            if let Some((err, at)) = state.failure.as_ref() {
                if at.elapsed() < FAILURE_BACKOFF {
                    return Found::Answer(usable(state.token.as_ref(), now).ok_or_else(|| err.clone()));
                }
            }
            if !state.fetching {
                state.fetching = true;
                drop(state);
                return Found::MustFetch(slot);
            }
            if Instant::now() >= deadline {
                return Found::Answer(usable(state.token.as_ref(), now).ok_or_else(waited_too_long));
            }
            if cancel::is_cancelled() {
                return Found::Answer(Err(cancel::error("waiting for a token")));
            }
            // Sliced under a call context, so a cancellation is seen while waiting.
            slot.done.wait_until(&mut state, cancel::wait_slice(deadline));
        }
    }

    fn slot(&self, request: &TokenRequest) -> SlotRef {
        let mut slots = self.slots.lock();
        slots.tick += 1;
        let tick = slots.tick;
        // Every request of a warm client hits an existing slot: look up before cloning the key.
        if let Some((slot, used)) = slots.map.get_mut(request) {
            *used = tick;
            return slot.clone();
        }
        if slots.map.len() >= MAX_SLOTS {
            // Forget the least recently used key nobody is fetching (a waiter keeps its Arc).
            let idle = |slot: &SlotRef| slot.state.try_lock().is_some_and(|s| !s.fetching);
            let victim = slots
                .map
                .iter()
                .filter(|(_, (slot, _))| idle(slot))
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| key.clone());
            if let Some(victim) = victim {
                slots.map.remove(&victim);
            }
        }
        let slot = SlotRef::default();
        slots.map.insert(request.clone(), (slot.clone(), tick));
        slot
    }
}

fn waited_too_long() -> Error {
    Error::new(ErrorKind::Timeout, "the call's deadline passed while its token was still being fetched")
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

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
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
        cache.get_or_fetch(&req("s"), far(), fetch_long).unwrap();
        cache.get_or_fetch(&req("s"), far(), fetch_long).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache.get_or_fetch(&req("other"), far(), fetch_long).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        let short = |_: &TokenRequest| {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(token("b", Duration::from_secs(200)))
        };
        cache.get_or_fetch(&req("t"), far(), short).unwrap();
        cache.get_or_fetch(&req("t"), far(), short).unwrap();
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
                        .get_or_fetch(&req("s"), far(), |_| {
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
        let first = cache.get_or_fetch(&req("s"), far(), |_| Ok(token("a", Duration::from_secs(3600)))).unwrap();
        cache.invalidate(&req("s"), &token("other", Duration::from_secs(1)));
        let again = cache.get_or_fetch(&req("s"), far(), |_| Ok(token("b", Duration::from_secs(3600)))).unwrap();
        assert_eq!(again.token.as_str(), "a");
        cache.invalidate(&req("s"), &first);
        let refreshed = cache.get_or_fetch(&req("s"), far(), |_| Ok(token("b", Duration::from_secs(3600)))).unwrap();
        assert_eq!(refreshed.token.as_str(), "b");
    }

    fn failing(calls: &AtomicUsize) -> impl Fn(&TokenRequest) -> Result<AccessToken> + '_ {
        move |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(ErrorKind::AuthenticationFailed, "endpoint down"))
        }
    }

    #[test]
    fn a_failure_is_remembered_briefly_then_retried() {
        let cache = TokenCache::new();
        let calls = AtomicUsize::new(0);
        let e = cache.get_or_fetch(&req("s"), far(), failing(&calls)).unwrap_err();
        assert_eq!(e.message, "endpoint down");
        let again = cache.get_or_fetch(&req("s"), far(), failing(&calls)).unwrap_err();
        assert_eq!(again, e, "the remembered failure is returned as it was");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "no second fetch inside the back-off");
        // Another key is not affected.
        cache.get_or_fetch(&req("other"), far(), failing(&calls)).unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        std::thread::sleep(FAILURE_BACKOFF + Duration::from_millis(50));
        let ok = cache.get_or_fetch(&req("s"), far(), |_| Ok(token("a", Duration::from_secs(3600)))).unwrap();
        assert_eq!(ok.token.as_str(), "a", "after the back-off the next caller fetches again");
        // A success clears the failure: a later refresh is not blocked by it.
        assert!(cache.slot(&req("s")).state.lock().failure.is_none());
    }

    #[test]
    fn a_burst_after_a_failure_makes_one_fetch() {
        let cache = Arc::new(TokenCache::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (cache, calls) = (cache.clone(), calls.clone());
                std::thread::spawn(move || {
                    cache.get_or_fetch(&req("s"), far(), |_| {
                        calls.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(50));
                        Err(Error::new(ErrorKind::AuthenticationFailed, "down"))
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
        cache.get_or_fetch(&req("s"), far(), |_| Ok(token("old", Duration::from_secs(200)))).unwrap();
        let t = cache.get_or_fetch(&req("s"), far(), failing(&calls)).unwrap();
        assert_eq!(t.token.as_str(), "old");
        let t = cache.get_or_fetch(&req("s"), far(), failing(&calls)).unwrap();
        assert_eq!(t.token.as_str(), "old");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "the failed refresh is not retried inside the back-off");
        // An expired token is never served.
        let cache = TokenCache::new();
        cache
            .get_or_fetch(&req("s"), far(), |_| {
                Ok(AccessToken {
                    token: Zeroizing::new("gone".into()),
                    expires_on: SystemTime::now() - Duration::from_secs(1),
                })
            })
            .unwrap();
        assert!(cache.get_or_fetch(&req("s"), far(), failing(&calls)).is_err());
    }

    #[test]
    fn waiting_for_another_threads_fetch_ends_at_the_callers_deadline() {
        let cache = Arc::new(TokenCache::new());
        let fetcher = {
            let cache = cache.clone();
            std::thread::spawn(move || {
                cache.get_or_fetch(&req("s"), far(), |_| {
                    std::thread::sleep(Duration::from_millis(1500));
                    Ok(token("slow", Duration::from_secs(3600)))
                })
            })
        };
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        let e = cache
            .get_or_fetch(&req("s"), Instant::now() + Duration::from_millis(200), |_| {
                panic!("single flight: no second fetch")
            })
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert!(started.elapsed() < Duration::from_millis(1000), "waited {:?}", started.elapsed());
        assert_eq!(fetcher.join().unwrap().unwrap().token.as_str(), "slow");
    }

    #[test]
    fn a_detached_fetch_returns_at_the_deadline_and_caches_its_token_later() {
        let cache = TokenCache::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let slow = |calls: Arc<AtomicUsize>| {
            move |_: &TokenRequest| {
                calls.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(800));
                Ok(token("late", Duration::from_secs(3600)))
            }
        };
        let started = Instant::now();
        let e = cache
            .get_or_fetch_detached(&req("s"), Instant::now() + Duration::from_millis(100), slow(calls.clone()))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert!(started.elapsed() < Duration::from_millis(600), "returned after {:?}", started.elapsed());
        // A second caller waits for the same fetch (no second call) and gets its token.
        let t = cache.get_or_fetch_detached(&req("s"), far(), slow(calls.clone())).unwrap();
        assert_eq!(t.token.as_str(), "late");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Fast detached fetches return their result directly; failures are remembered.
        let t =
            cache.get_or_fetch_detached(&req("quick"), far(), |_| Ok(token("q", Duration::from_secs(3600)))).unwrap();
        assert_eq!(t.token.as_str(), "q");
        let e = cache
            .get_or_fetch_detached(&req("bad"), far(), |_| Err(Error::new(ErrorKind::AuthenticationFailed, "no")))
            .unwrap_err();
        assert_eq!(e.message, "no");
        let e = cache.get_or_fetch_detached(&req("panics"), far(), |_| panic!("host bug")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Internal);
    }

    #[test]
    fn the_cache_holds_a_bounded_number_of_keys() {
        let cache = TokenCache::new();
        for i in 0..10 * MAX_SLOTS {
            let scope = format!("https://localhost/{i}/.default");
            cache.get_or_fetch(&req(&scope), far(), |_| Ok(token("t", Duration::from_secs(3600)))).unwrap();
            assert!(cache.len() <= MAX_SLOTS, "{} keys after {i}", cache.len());
        }
        assert_eq!(cache.len(), MAX_SLOTS);
        // The most recently used keys stay cached.
        let calls = AtomicUsize::new(0);
        let counting = |_: &TokenRequest| {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(token("t", Duration::from_secs(3600)))
        };
        let last = format!("https://localhost/{}/.default", 10 * MAX_SLOTS - 1);
        cache.get_or_fetch(&req(&last), far(), counting).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 0, "a recent key is still cached");
    }
}
