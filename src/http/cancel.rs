//! Per-call cancellation and deadlines.
//!
//! A [`CallContext`] is a handle any thread may cancel, with an optional deadline. A client made
//! with [`Client::with_context`](crate::Client::with_context) runs every call under its context:
//! the pipeline installs the context as the *current* context of the calling thread for the
//! duration of the call ([`scoped`]), and every blocking step looks at it:
//!
//! - sockets: kv's own TCP transport ([`CancellableTcp`], under rustls) waits with `poll()` on
//!   the socket together with the context's wake-up descriptor, for connecting, writing and
//!   reading. A cancellation wakes it at once; the transport is marked broken, so the
//!   connection is dropped and never returned to the pool. A cancellation that interrupts a
//!   write closes the connection before the request is complete, so the vault never receives a
//!   whole request from it;
//! - back-off sleeps before a retry ([`sleep`]) wait on the context's condition variable;
//! - waits for a token another thread is fetching look at the context every [`SLICE`];
//! - the call deadline is the earlier of the client's call timeout and the context's deadline.
//!
//! Host-name lookup (getaddrinfo) cannot be interrupted; the cancellation is seen right after it.
//! Without a current context nothing changes except that socket waits use `poll()` rather than
//! socket timeouts.

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
    wake: (std::os::unix::net::UnixStream, std::os::unix::net::UnixStream),
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
        let wake = {
            let pair = std::os::unix::net::UnixStream::pair()
                .map_err(|e| Error::new(ErrorKind::Internal, format!("could not create a call context: {e}")))?;
            // `cancel` must never block.
            let _ = pair.1.set_nonblocking(true);
            pair
        };
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
        {
            use std::io::Write;
            // One byte makes the descriptor readable for good (it is never drained).
            let _ = (&self.wake.1).write(&[1]);
        }
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
        use std::os::unix::io::AsRawFd;
        self.wake.0.as_raw_fd()
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

#[cfg(unix)]
pub use self::tcp::CancellableTcp;

#[cfg(unix)]
mod tcp {
    //! The TCP connector and transport whose waits a cancellation interrupts.

    use super::with_current;
    use std::io::{self, Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::os::unix::io::{AsRawFd, RawFd};
    use std::sync::{Arc, Weak};
    use std::time::Instant;
    use ureq::unversioned::transport::{
        Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle, Transport,
    };
    use ureq::Timeout;

    /// Marker inside the I/O error a cancelled wait returns.
    #[derive(Debug)]
    struct Cancelled;

    impl std::fmt::Display for Cancelled {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("cancelled")
        }
    }

    impl std::error::Error for Cancelled {}

    fn cancelled() -> ureq::Error {
        ureq::Error::Io(io::Error::other(Cancelled))
    }

    /// Opens plain TCP connections (replacing ureq's `TcpConnector` in the chain) whose
    /// connect, reads and writes wait in `poll()` together with the current context.
    #[derive(Debug, Default)]
    pub struct CancellableTcp;

    impl<In: Transport> Connector<In> for CancellableTcp {
        type Out = Either<In, CancellableTcpTransport>;

        fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
            if chained.is_some() {
                return Ok(chained.map(Either::A));
            }
            let until = until(details.timeout);
            let mut last = None;
            let count = details.addrs.len();
            for (i, addr) in details.addrs.iter().enumerate() {
                // Leave time for the other addresses: this one gets half of what is left
                // (all of it when it is the last).
                let per_addr = until.map(|u| {
                    let left = u.saturating_duration_since(Instant::now());
                    let share =
                        if i + 1 == count { left } else { (left / 2).max(std::time::Duration::from_millis(10)) };
                    Instant::now() + share
                });
                match connect_one(*addr, per_addr) {
                    Ok(stream) => {
                        if details.config.no_delay() {
                            stream.set_nodelay(true)?;
                        }
                        let stream = Arc::new(stream);
                        (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
                        let buffers =
                            LazyBuffers::new(details.config.input_buffer_size(), details.config.output_buffer_size());
                        return Ok(Some(Either::B(CancellableTcpTransport { stream, buffers, broken: false })));
                    }
                    Err(e @ ureq::Error::Io(_)) if is_cancelled_error(&e) => return Err(e),
                    Err(e) => {
                        if until.is_some_and(|u| Instant::now() >= u) {
                            return Err(ureq::Error::Timeout(Timeout::Connect));
                        }
                        last = Some(e);
                    }
                }
            }
            Err(last.unwrap_or(ureq::Error::ConnectionFailed))
        }
    }

    fn is_cancelled_error(e: &ureq::Error) -> bool {
        matches!(e, ureq::Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<Cancelled>()))
    }

    /// When a timeout ends (`None`: never).
    fn until(timeout: NextTimeout) -> Option<Instant> {
        if timeout.after.is_not_happening() {
            None
        } else {
            Some(Instant::now() + *timeout.after)
        }
    }

    fn connect_one(addr: SocketAddr, until: Option<Instant>) -> Result<TcpStream, ureq::Error> {
        use socket2::{Domain, Socket, Type};
        if super::is_cancelled() {
            return Err(cancelled());
        }
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        #[cfg(any(target_os = "macos", target_os = "ios"))]
        socket.set_nosigpipe(true)?;
        socket.set_nonblocking(true)?;
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) || e.kind() == io::ErrorKind::WouldBlock => {
                wait(socket.as_raw_fd(), libc::POLLOUT, until, Timeout::Connect)?;
                if let Some(e) = socket.take_error()? {
                    return Err(e.into());
                }
            }
            Err(e) => return Err(e.into()),
        }
        Ok(socket.into())
    }

    /// Waits until `fd` is ready for `events`, the current context is cancelled (an error
    /// carrying [`Cancelled`]) or `until` passes (`Timeout(reason)`).
    fn wait(fd: RawFd, events: libc::c_short, until: Option<Instant>, reason: Timeout) -> Result<(), ureq::Error> {
        loop {
            let wake = with_current(|c| c.map(|c| (c.is_cancelled(), c.wake_fd())));
            if wake.is_some_and(|(cancelled, _)| cancelled) {
                return Err(cancelled());
            }
            let millis = match until {
                None => -1,
                Some(u) => {
                    let left = u.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(ureq::Error::Timeout(reason));
                    }
                    // Rounded up, so the wait never ends just before the deadline.
                    i32::try_from(left.as_micros().div_ceil(1000)).unwrap_or(i32::MAX)
                }
            };
            let mut fds = [
                libc::pollfd { fd, events, revents: 0 },
                libc::pollfd { fd: wake.map_or(-1, |(_, w)| w), events: libc::POLLIN, revents: 0 },
            ];
            let count = if wake.is_some() { 2 } else { 1 };
            // SAFETY: `fds` is a valid array of `count` pollfd structures for the whole call.
            let rc = unsafe { libc::poll(fds.as_mut_ptr(), count as libc::nfds_t, millis) };
            if rc < 0 {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(err.into());
            }
            if count == 2 && fds[1].revents != 0 {
                return Err(cancelled());
            }
            if fds[0].revents != 0 {
                // Ready, or an error/hang-up the next read or write reports.
                return Ok(());
            }
        }
    }

    /// A non-blocking TCP connection whose waits `poll()` the current context too. Broken
    /// (never reused) once a wait was cancelled.
    pub struct CancellableTcpTransport {
        stream: Arc<TcpStream>,
        buffers: LazyBuffers,
        broken: bool,
    }

    impl std::fmt::Debug for CancellableTcpTransport {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("CancellableTcpTransport").field("peer", &self.stream.peer_addr().ok()).finish()
        }
    }

    impl CancellableTcpTransport {
        fn wait(&mut self, events: libc::c_short, until: Option<Instant>, reason: Timeout) -> Result<(), ureq::Error> {
            wait(self.stream.as_raw_fd(), events, until, reason).inspect_err(|e| {
                if is_cancelled_error(e) {
                    self.broken = true;
                    let _ = self.stream.shutdown(std::net::Shutdown::Both);
                }
            })
        }
    }

    impl Transport for CancellableTcpTransport {
        fn buffers(&mut self) -> &mut dyn Buffers {
            &mut self.buffers
        }

        fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
            if super::is_cancelled() {
                self.broken = true;
                return Err(cancelled());
            }
            let timeout = timeout.for_write();
            let until = until(timeout);
            let mut written = 0;
            while written < amount {
                let result = (&*self.stream).write(&self.buffers.output()[written..amount]);
                match result {
                    Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                    Ok(n) => written += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.wait(libc::POLLOUT, until, timeout.reason)?
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(())
        }

        fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
            let timeout = timeout.for_read();
            let until = until(timeout);
            loop {
                if super::is_cancelled() {
                    self.broken = true;
                    return Err(cancelled());
                }
                let result = (&*self.stream).read(self.buffers.input_append_buf());
                match result {
                    Ok(n) => {
                        self.buffers.input_appended(n);
                        return Ok(n > 0);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.wait(libc::POLLIN, until, timeout.reason)?
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }

        fn is_open(&mut self) -> bool {
            if self.broken {
                return false;
            }
            // Idle and still open: nothing to read, and reading would block.
            let mut byte = [0u8];
            matches!((&*self.stream).read(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
        }
    }
}

/// The connector chain of every agent: an HTTP CONNECT proxy when configured, TCP that a
/// cancellation interrupts, rustls for `https`.
#[cfg(unix)]
pub fn connector(
) -> impl ureq::unversioned::transport::Connector<(), Out = Box<dyn ureq::unversioned::transport::Transport>> {
    use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector};
    Boxed(().chain(ConnectProxyConnector::default()).chain(CancellableTcp).chain(RustlsConnector::default()))
}

/// The connector chain of every agent (ureq's default where `poll()` is not available).
#[cfg(not(unix))]
pub fn connector() -> ureq::unversioned::transport::DefaultConnector {
    ureq::unversioned::transport::DefaultConnector::default()
}

/// A connector whose transport is boxed.
#[cfg(unix)]
#[derive(Debug)]
struct Boxed<C>(C);

#[cfg(unix)]
impl<C> ureq::unversioned::transport::Connector<()> for Boxed<C>
where
    C: ureq::unversioned::transport::Connector<()>,
{
    type Out = Box<dyn ureq::unversioned::transport::Transport>;

    fn connect(
        &self,
        details: &ureq::unversioned::transport::ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(self.0.connect(details, chained)?.map(|t| Box::new(t) as Self::Out))
    }
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
