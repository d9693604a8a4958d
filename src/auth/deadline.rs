//! The deadline of the kv call a token is being fetched for.
//!
//! A client's call timeout bounds the whole call, getting its token included. The pipeline
//! runs token acquisition inside [`scoped`]; every credential that talks to a token endpoint
//! or runs a program bounds its own work with [`within_call`], so each of its HTTP requests
//! gets at most the time left of the call (and never more than its own timeout). The
//! deadline travels in a thread-local because credentials are called through the token cache
//! on the calling thread; a fetch running on another thread (a token callback) has none.

use std::cell::Cell;
use std::time::{Duration, Instant};

thread_local! {
    static CALL_DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Runs `f` with `deadline` as the call deadline of this thread (restored afterwards, also on
/// unwinding).
pub fn scoped<R>(deadline: Instant, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Instant>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CALL_DEADLINE.with(|d| d.set(self.0));
        }
    }
    let outer = CALL_DEADLINE.with(|d| d.replace(Some(current().map_or(deadline, |o| o.min(deadline)))));
    let _restore = Restore(outer);
    f()
}

/// The call deadline of this thread, if a call is fetching a token on it.
pub fn current() -> Option<Instant> {
    CALL_DEADLINE.with(Cell::get)
}

/// `own` (a credential's own deadline) or the call's deadline, whichever comes first.
pub fn within_call(own: Instant) -> Instant {
    current().map_or(own, |call| call.min(own))
}

/// The time left until [`within_call`]`(now + own)`.
pub fn remaining(own: Duration) -> Duration {
    within_call(Instant::now() + own).saturating_duration_since(Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_deadline_bounds_credentials_only_inside_the_scope() {
        let own = Instant::now() + Duration::from_secs(30);
        assert_eq!(within_call(own), own);
        let call = Instant::now() + Duration::from_millis(500);
        scoped(call, || {
            assert_eq!(within_call(own), call);
            assert!(remaining(Duration::from_secs(30)) <= Duration::from_millis(500));
            // A nested scope can only shorten it.
            scoped(own, || assert_eq!(current(), Some(call)));
        });
        assert_eq!(current(), None);
    }
}
