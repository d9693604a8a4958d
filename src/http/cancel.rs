//! Per-call cancellation and deadlines.
//!
//! A [`CallContext`] is a handle any thread may cancel, with an optional deadline. A client made
//! with [`Client::with_context`](crate::Client::with_context) runs every call under its context:
//! the pipeline installs the context as the *current* context of the calling thread for the
//! duration of the call ([`scoped`]), and every blocking step looks at it:
//!
//! - sockets: kv's TCP transport ([`crate::http::socket`], under rustls) waits with `poll()` on
//!   the socket together with the context's wake-up descriptor ([`wake_fd`]), for connecting,
//!   writing and reading. A cancellation wakes it at once; the transport is marked broken, so
//!   the connection is dropped and never returned to the pool. A cancellation that interrupts a
//!   write closes the connection before the request is complete, so the vault never receives a
//!   whole request from it;
//! - back-off sleeps before a retry ([`sleep`]) wait on the context's condition variable;
//! - waits for a token another thread is fetching look at the context every [`SLICE`];
//! - the call deadline is the earlier of the client's call timeout and the context's deadline.
//!
//! Host-name lookup (getaddrinfo) cannot be interrupted; the cancellation is seen right after it.
//! Without a current context nothing changes: socket waits use socket timeouts, with the fewest
//! system calls (see [`crate::http::socket`]).

use crate::error::ErrorKind;
use crate::error::{CallDiagnostics, Error};
use parking_lot::{Condvar, Mutex};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest a wait that cannot be woken directly (for another thread's token fetch) goes
/// without looking at the current context.
pub const SLICE: Duration = Duration::from_millis(10);

/// A cancellation handle with an optional deadline, shared by the calls that run under it.
/// `Send + Sync`: [`CallContext::cancel`] may be called from any thread, any number of times.
pub struct CallContext {
    cancelled: AtomicBool,
    deadline: Mutex<Option<Instant>>,
    sleepers: Mutex<()>,
    woken: Condvar,
    /// How the last call that ended under the context went.
    last: Mutex<Option<CallDiagnostics>>,
    #[cfg(unix)]
    wake: Wake,
}

/// The wake-up descriptor of a [`CallContext`]: readable once [`Wake::signal`] was called, for
/// good. On Linux an `eventfd` (one system call to make, one to close); elsewhere a socket pair
/// whose writing end is non-blocking (`signal` must never block).
#[cfg(target_os = "linux")]
struct Wake(std::os::fd::OwnedFd);

#[cfg(target_os = "linux")]
impl Wake {
    fn new() -> std::io::Result<Wake> {
        use std::os::fd::FromRawFd;
        // SAFETY: eventfd takes no pointers; a non-negative result is a new descriptor we own.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd is a valid descriptor that nothing else owns.
        Ok(Wake(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) }))
    }

    /// Makes the descriptor readable (its counter is never read back, so it stays readable).
    fn signal(&self) {
        use std::os::fd::AsRawFd;
        let one: u64 = 1;
        // SAFETY: writes the 8 bytes of `one` to our own descriptor. With EFD_NONBLOCK it cannot
        // block; it could only fail with EAGAIN on a counter near u64::MAX, and it is written once.
        let _ = unsafe { libc::write(self.0.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    fn fd(&self) -> std::os::unix::io::RawFd {
        use std::os::fd::AsRawFd;
        self.0.as_raw_fd()
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
struct Wake(std::os::unix::net::UnixStream, std::os::unix::net::UnixStream);

#[cfg(all(unix, not(target_os = "linux")))]
impl Wake {
    fn new() -> std::io::Result<Wake> {
        let pair = std::os::unix::net::UnixStream::pair()?;
        pair.1.set_nonblocking(true)?;
        Ok(Wake(pair.0, pair.1))
    }

    /// Makes the descriptor readable (one byte, never drained).
    fn signal(&self) {
        use std::io::Write;
        let _ = (&self.1).write(&[1]);
    }

    fn fd(&self) -> std::os::unix::io::RawFd {
        use std::os::unix::io::AsRawFd;
        self.0.as_raw_fd()
    }
}

impl std::fmt::Debug for CallContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallContext")
            .field("cancelled", &self.is_cancelled())
            .field("deadline", &self.deadline())
            .finish()
    }
}

impl CallContext {
    /// A context that is not cancelled and has no deadline.
    pub fn new() -> crate::error::Result<Arc<CallContext>> {
        #[cfg(unix)]
        let wake = Wake::new()
            .map_err(|e| Error::new(ErrorKind::Internal, format!("could not create a call context: {e}")))?;
        Ok(Arc::new(CallContext {
            cancelled: AtomicBool::new(false),
            deadline: Mutex::new(None),
            sleepers: Mutex::new(()),
            woken: Condvar::new(),
            last: Mutex::new(None),
            #[cfg(unix)]
            wake,
        }))
    }

    /// How the last vault call that ended under the context went (success or failure): its
    /// client request id, attempts and elapsed time. `None` before any call ended. With calls
    /// running concurrently under one context, the one that ended last.
    pub fn last_call(&self) -> Option<CallDiagnostics> {
        self.last.lock().clone()
    }

    /// Sets the deadline to `after` from now (`None`: no deadline). Calls already running see
    /// it at their next step; later calls start with it.
    pub fn set_deadline_after(&self, after: Option<Duration>) {
        *self.deadline.lock() = after.and_then(|d| Instant::now().checked_add(d));
    }

    /// The deadline, if one is set.
    pub fn deadline(&self) -> Option<Instant> {
        *self.deadline.lock()
    }

    /// Cancels every call running under this context, and every later one. Idempotent.
    pub fn cancel(&self) {
        if self.cancelled.swap(true, Ordering::SeqCst) {
            return;
        }
        #[cfg(unix)]
        self.wake.signal();
        let _guard = self.sleepers.lock();
        self.woken.notify_all();
    }

    /// Whether [`CallContext::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Sleeps for `d` unless cancelled first: `false` when cancelled.
    fn sleep(&self, d: Duration) -> bool {
        let Some(until) = Instant::now().checked_add(d) else {
            let mut guard = self.sleepers.lock();
            while !self.is_cancelled() {
                self.woken.wait(&mut guard);
            }
            return false;
        };
        let mut guard = self.sleepers.lock();
        while !self.is_cancelled() {
            if self.woken.wait_until(&mut guard, until).timed_out() {
                return !self.is_cancelled();
            }
        }
        false
    }

    #[cfg(unix)]
    fn wake_fd(&self) -> std::os::unix::io::RawFd {
        self.wake.fd()
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<CallContext>>> = const { RefCell::new(None) };
}

/// Runs `f` with `context` as this thread's current context (restored afterwards, also on
/// unwinding).
pub fn scoped<R>(context: &Arc<CallContext>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Arc<CallContext>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = outer);
        }
    }
    let outer = CURRENT.with(|c| c.borrow_mut().replace(context.clone()));
    let _restore = Restore(outer);
    f()
}

fn with_current<R>(f: impl FnOnce(Option<&CallContext>) -> R) -> R {
    CURRENT.with(|c| f(c.borrow().as_deref()))
}

/// Records `diagnostics` as the last call of the current context (if any).
pub fn record_last(diagnostics: &CallDiagnostics) {
    with_current(|c| {
        if let Some(c) = c {
            *c.last.lock() = Some(diagnostics.clone());
        }
    });
}

/// Whether the current context (if any) is cancelled.
pub fn is_cancelled() -> bool {
    with_current(|c| c.is_some_and(CallContext::is_cancelled))
}

/// Whether this thread runs a call under a context.
pub fn has_context() -> bool {
    with_current(|c| c.is_some())
}

/// The error of a cancelled call; `what` says where it was (a redacted URL or a step).
pub fn error(what: &str) -> Error {
    Error::new(
        ErrorKind::Cancelled,
        format!("the call was cancelled ({what}); a request already sent may have taken effect"),
    )
}

/// `Err(cancelled)` when the current context is cancelled.
pub fn check(what: &str) -> crate::error::Result<()> {
    if is_cancelled() {
        Err(error(what))
    } else {
        Ok(())
    }
}

/// `err`, or the cancelled error when the current context is cancelled (a failure caused by
/// the cancellation reports it as such).
pub fn explain(err: Error, what: &str) -> Error {
    if is_cancelled() {
        error(what)
    } else {
        err
    }
}

/// `deadline`, or the current context's deadline when that comes first.
pub fn deadline_within(deadline: Instant) -> Instant {
    with_current(|c| c.and_then(CallContext::deadline).map_or(deadline, |d| d.min(deadline)))
}

/// Sleeps for `d`; with a current context, returns early with the cancelled error when it is
/// cancelled.
pub fn sleep(d: Duration, what: &str) -> crate::error::Result<()> {
    let context = CURRENT.with(|c| c.borrow().clone());
    match context {
        Some(ctx) if !ctx.sleep(d) => Err(error(what)),
        Some(_) => Ok(()),
        None => {
            std::thread::sleep(d);
            Ok(())
        }
    }
}

/// The end of the next slice of a wait until `deadline` that can only be woken by someone
/// else: `deadline` without a current context, else at most [`SLICE`] from now.
pub fn wait_slice(deadline: Instant) -> Instant {
    if has_context() {
        deadline.min(Instant::now() + SLICE)
    } else {
        deadline
    }
}

/// The current context's wake-up descriptor (readable once the context is cancelled), or
/// `None` when this thread runs no call under a context. Valid while the call's scope lasts.
#[cfg(unix)]
pub(crate) fn wake_fd() -> Option<std::os::unix::io::RawFd> {
    with_current(|c| c.map(CallContext::wake_fd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_end_at_once_when_cancelled_from_another_thread() {
        let ctx = CallContext::new().unwrap();
        let other = ctx.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.cancel();
            Instant::now()
        });
        let err = scoped(&ctx, || sleep(Duration::from_secs(30), "retry")).unwrap_err();
        let cancelled_at = canceller.join().unwrap();
        assert_eq!(err.kind, ErrorKind::Cancelled);
        assert!(cancelled_at.elapsed() < Duration::from_millis(100), "{:?}", cancelled_at.elapsed());
        ctx.cancel();
        assert!(ctx.is_cancelled());
        assert!(!is_cancelled(), "the context is current only inside the scope");
    }

    #[cfg(unix)]
    fn readable(fd: std::os::unix::io::RawFd) -> bool {
        let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd, no wait.
        let n = unsafe { libc::poll(&mut p, 1, 0) };
        n == 1 && p.revents & libc::POLLIN != 0
    }

    #[cfg(unix)]
    #[test]
    fn the_wake_descriptor_becomes_readable_on_cancel_and_stays_so() {
        let ctx = CallContext::new().unwrap();
        let fd = ctx.wake_fd();
        assert!(!readable(fd), "readable before the cancel");
        ctx.cancel();
        assert!(readable(fd), "not readable after the cancel");
        ctx.cancel();
        assert!(readable(fd), "not readable after a second cancel");
        assert!(scoped(&ctx, wake_fd) == Some(fd));
    }

    #[test]
    fn the_context_deadline_shortens_the_call_deadline() {
        let ctx = CallContext::new().unwrap();
        let far = Instant::now() + Duration::from_secs(60);
        assert_eq!(scoped(&ctx, || deadline_within(far)), far);
        ctx.set_deadline_after(Some(Duration::from_millis(100)));
        assert!(scoped(&ctx, || deadline_within(far)) < far);
        assert!(scoped(&ctx, || sleep(Duration::from_millis(1), "x")).is_ok());
    }
}
