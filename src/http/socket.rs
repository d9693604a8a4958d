//! The TCP layer under TLS: one connector and transport for every connection, with the fewest
//! system calls a pooled request allows, and waits a call's cancellation interrupts.
//!
//! ureq's own TCP transport costs about ten system calls per request on a pooled connection:
//! the liveness probe of a pooled connection is `ioctl(FIONBIO)`, `recv`, `ioctl(FIONBIO)`, and
//! it runs twice (when the connection goes back to the pool and again when it is taken out);
//! and the socket's send and receive timeouts are set again on every request, since the time
//! left before a deadline differs by a few microseconds from one request to the next.
//! [`TcpConnector`] makes connections whose transport
//!
//! - probes with one `recv(MSG_PEEK | MSG_DONTWAIT)`, and only when the connection is taken
//!   from the pool (a connection that has just delivered a whole reply goes back unprobed: the
//!   probe at the next checkout sees whatever arrived in between, garbage or a close);
//! - waits in one of two ways, chosen per read or write by the calling thread:
//!   - **no call context** (`cancel::has_context()` false): blocking `send`/`recv` bounded by
//!     `SO_SNDTIMEO`/`SO_RCVTIMEO`, set only when the time wanted is longer than the one in
//!     force, or shorter by more than [`timeout_slack`] (1 %, at most 250 ms), and then to the
//!     time wanted plus half that slack ([`with_headroom`]): a read may wait up to the slack
//!     past its deadline, never less than the time it was given, and the next requests' waits
//!     (longer or shorter by microseconds) keep the setting. A warm request makes three system
//!     calls: the probe, one `send` and one `recv` (a reply longer than one read takes more);
//!   - **under a call context** ([`crate::http::cancel`]): `send`/`recv` with `MSG_DONTWAIT`
//!     and `poll()` on the socket together with the context's wake-up descriptor, so a
//!     cancellation wakes a connect, a TLS handshake, a read or a write at once. The socket
//!     stays in blocking mode (the flag is per call), so one pooled connection serves calls of
//!     both kinds without a mode switch, and the socket timeouts in force are left alone. A warm
//!     request makes four system calls: the probe, `send`, `poll`, `recv`. A wait that was
//!     cancelled shuts the socket down and marks the transport broken: it is never pooled, and
//!     a request whose writing was interrupted never reaches the vault whole.
//!
//! Connecting is the same for both (non-blocking `connect`, then `poll()` on the socket and, under
//! a context, its wake-up descriptor; then back to blocking mode), with ureq's rules: the
//! addresses share the time budget in halves and an address refusing or unreachable moves on.

use crate::http::cancel;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, RustlsConnector,
    ShutdownHandle, Transport,
};
use ureq::Timeout;

/// Process-wide counts of what kv's TCP layer did (tests and profiling read them).
#[doc(hidden)]
pub mod counters {
    use super::AtomicU64;
    /// TCP connections opened.
    pub static CONNECTIONS: AtomicU64 = AtomicU64::new(0);
    /// Liveness probes of pooled connections (system calls made for them).
    pub static PROBES: AtomicU64 = AtomicU64::new(0);
    /// Socket timeouts set (`SO_RCVTIMEO`/`SO_SNDTIMEO`, one system call each).
    pub static TIMEOUTS_SET: AtomicU64 = AtomicU64::new(0);
    /// `poll()` calls made by waits under a call context (connects of either kind included).
    pub static POLLS: AtomicU64 = AtomicU64::new(0);
}

/// The connector chain of every agent: an HTTP CONNECT proxy when configured, kv's TCP layer,
/// rustls for `https` (ureq's default order). ureq's SOCKS connector is not compiled in (no
/// `socks-proxy` feature): as with ureq's default chain, a SOCKS proxy from the environment is
/// ignored. `tls` is shared by the clients that trust the same roots (see
/// [`crate::http::transport::build_agent`]).
pub fn connector(tls: Arc<RustlsConnector>) -> impl Connector<()> {
    ().chain(ConnectProxyConnector::default()).chain(TcpConnector).chain(SharedTls(tls))
}

/// rustls for the chain, one connector (and so one parsed root store and client configuration)
/// shared by several agents.
#[derive(Debug)]
struct SharedTls(Arc<RustlsConnector>);

impl<In: Transport> Connector<In> for SharedTls {
    type Out = <RustlsConnector as Connector<In>>::Out;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        self.0.connect(details, chained)
    }
}

/// Opens plain TCP connections for the chain (after a CONNECT proxy, before TLS); a transport
/// already made by an earlier connector (the proxy tunnel) passes through.
#[derive(Debug, Default)]
pub struct TcpConnector;

impl<In: Transport> Connector<In> for TcpConnector {
    type Out = Either<In, TcpTransport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        if chained.is_some() {
            return Ok(chained.map(Either::A));
        }
        let stream = connect_any(&details.addrs, details.timeout)?;
        counters::CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        if details.config.no_delay() {
            stream.set_nodelay(true)?;
        }
        let stream = Arc::new(stream);
        // Lets `Agent::shutdown` interrupt I/O blocked on this socket in another thread.
        (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
        let buffers = LazyBuffers::new(details.config.input_buffer_size(), details.config.output_buffer_size());
        Ok(Some(Either::B(TcpTransport {
            stream,
            buffers,
            read_timeout: None,
            write_timeout: None,
            probe_skippable: false,
            broken: false,
        })))
    }
}

/// Connects to the first address that answers. The time budget is shared among the addresses
/// in halves (1/2, 1/4, ... of it, at least 10 ms each), as ureq does; an address refusing or
/// unreachable moves on to the next one at once; a cancellation ends it at once.
fn connect_any(addrs: &[SocketAddr], timeout: NextTimeout) -> Result<TcpStream, ureq::Error> {
    let total = timeout.not_zero().map(|t| *t);
    let began = Instant::now();
    let weights = 2.0 * (1.0 - 0.5_f64.powi(addrs.len() as i32));
    let mut weight = 1.0_f64;
    let mut last: Option<ureq::Error> = None;
    for addr in addrs {
        let until = total.map(|total| {
            let share = Duration::from_secs_f64(total.as_secs_f64() * weight / weights);
            Instant::now() + share.max(Duration::from_millis(10))
        });
        weight /= 2.0;
        match connect_one(*addr, until) {
            Ok(stream) => return Ok(stream),
            Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => {
                if total.is_some_and(|total| began.elapsed() > total) {
                    return Err(ureq::Error::Timeout(timeout.reason));
                }
                last = Some(ureq::Error::Timeout(Timeout::Connect));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused
                        | io::ErrorKind::HostUnreachable
                        | io::ErrorKind::NetworkUnreachable
                        | io::ErrorKind::NetworkDown
                        | io::ErrorKind::AddrNotAvailable
                ) =>
            {
                last = Some(ureq::Error::Io(e));
            }
            Err(e) => return Err(ureq::Error::Io(e)),
        }
    }
    Err(last.unwrap_or_else(|| ureq::Error::Io(io::Error::new(io::ErrorKind::ConnectionRefused, "Connection refused"))))
}

/// One connection attempt: a non-blocking `connect`, then a wait that the current context's
/// cancellation interrupts; the stream returned is in blocking mode.
#[cfg(unix)]
fn connect_one(addr: SocketAddr, until: Option<Instant>) -> io::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    use std::os::unix::io::AsRawFd;
    if cancel::is_cancelled() {
        return Err(cancelled());
    }
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    socket.set_nosigpipe(true)?;
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) || e.kind() == io::ErrorKind::WouldBlock => {
            wait(socket.as_raw_fd(), libc::POLLOUT, until, cancel::wake_fd())?;
            if let Some(e) = socket.take_error()? {
                return Err(e);
            }
        }
        Err(e) => return Err(e),
    }
    socket.set_nonblocking(false)?;
    Ok(socket.into())
}

/// One connection attempt (where `poll()` is not available: not interruptible).
#[cfg(not(unix))]
fn connect_one(addr: SocketAddr, until: Option<Instant>) -> io::Result<TcpStream> {
    match until {
        Some(until) => TcpStream::connect_timeout(
            &addr,
            until.saturating_duration_since(Instant::now()).max(Duration::from_millis(1)),
        ),
        None => TcpStream::connect(addr),
    }
}

/// Marker inside the I/O error of a wait a cancellation ended.
#[derive(Debug)]
struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for Cancelled {}

fn cancelled() -> io::Error {
    io::Error::other(Cancelled)
}

/// Waits until `fd` is ready for `events`, `wake` (the current context's wake-up descriptor)
/// becomes readable (an error carrying [`Cancelled`]) or `until` passes (`TimedOut`).
#[cfg(unix)]
fn wait(
    fd: std::os::unix::io::RawFd,
    events: libc::c_short,
    until: Option<Instant>,
    wake: Option<std::os::unix::io::RawFd>,
) -> io::Result<()> {
    loop {
        if wake.is_some() && cancel::is_cancelled() {
            return Err(cancelled());
        }
        let millis = match until {
            None => -1,
            Some(u) => {
                let left = u.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                // Rounded up, so the wait never ends just before the deadline.
                i32::try_from(left.as_micros().div_ceil(1000)).unwrap_or(i32::MAX)
            }
        };
        let mut fds = [
            libc::pollfd { fd, events, revents: 0 },
            libc::pollfd { fd: wake.unwrap_or(-1), events: libc::POLLIN, revents: 0 },
        ];
        let count = if wake.is_some() { 2 } else { 1 };
        counters::POLLS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `fds` is a valid array of `count` pollfd structures for the whole call.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), count as libc::nfds_t, millis) };
        if rc < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
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

/// A TCP connection (see the module documentation).
pub struct TcpTransport {
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// The `SO_RCVTIMEO` in force (None: none set).
    read_timeout: Option<Duration>,
    /// The `SO_SNDTIMEO` in force.
    write_timeout: Option<Duration>,
    /// Set when a read has just delivered input: the next liveness check (the connection going
    /// back to the pool right after its reply) needs no probe.
    probe_skippable: bool,
    /// Set when a cancellation interrupted a wait: the socket is shut down, never reused.
    broken: bool,
}

impl std::fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpTransport").field("peer", &self.stream.peer_addr().ok()).finish()
    }
}

/// How much longer than wanted a socket timeout already in force may be and still be kept.
pub fn timeout_slack(wanted: Duration) -> Duration {
    (wanted / 100).min(Duration::from_millis(250))
}

/// The socket timeout set for a wait of `wanted`: half the slack more, so that the next
/// requests' waits, a few microseconds longer or shorter, keep it.
pub fn with_headroom(wanted: Duration) -> Duration {
    wanted + timeout_slack(wanted) / 2
}

/// Whether a socket timeout must be set again to give a wait of `wanted` (None: no limit).
pub fn must_reset(in_force: Option<Duration>, wanted: Option<Duration>) -> bool {
    match (in_force, wanted) {
        (None, None) => false,
        (Some(set), Some(wanted)) => set < wanted || set - wanted > timeout_slack(wanted),
        _ => true,
    }
}

fn wanted(timeout: NextTimeout) -> Option<Duration> {
    timeout.not_zero().map(|t: UreqDuration| *t)
}

fn as_ureq_error(e: io::Error, timeout: NextTimeout) -> ureq::Error {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ureq::Error::Timeout(timeout.reason),
        _ => ureq::Error::Io(e),
    }
}

impl TcpTransport {
    fn set_read_timeout(&mut self, wanted: Option<Duration>) -> io::Result<()> {
        if must_reset(self.read_timeout, wanted) {
            counters::TIMEOUTS_SET.fetch_add(1, Ordering::Relaxed);
            let set = wanted.map(with_headroom);
            self.stream.set_read_timeout(set)?;
            self.read_timeout = set;
        }
        Ok(())
    }

    fn set_write_timeout(&mut self, wanted: Option<Duration>) -> io::Result<()> {
        if must_reset(self.write_timeout, wanted) {
            counters::TIMEOUTS_SET.fetch_add(1, Ordering::Relaxed);
            let set = wanted.map(with_headroom);
            self.stream.set_write_timeout(set)?;
            self.write_timeout = set;
        }
        Ok(())
    }

    /// Marks the connection broken (never pooled) and shuts it down after a cancellation:
    /// whatever was written of a request stays incomplete.
    fn interrupted(&mut self, e: io::Error) -> ureq::Error {
        if e.get_ref().is_some_and(|inner| inner.is::<Cancelled>()) {
            self.broken = true;
            let _ = self.stream.shutdown(std::net::Shutdown::Both);
        }
        ureq::Error::Io(e)
    }

    /// Writes under a call context: `send(MSG_DONTWAIT)`, and `poll()` with the wake-up
    /// descriptor while the socket's buffer is full.
    #[cfg(unix)]
    fn transmit_in_context(
        &mut self,
        amount: usize,
        timeout: NextTimeout,
        wake: std::os::unix::io::RawFd,
    ) -> Result<(), ureq::Error> {
        use std::os::unix::io::AsRawFd;
        let until = until(timeout);
        let mut written = 0;
        while written < amount {
            if cancel::is_cancelled() {
                return Err(self.interrupted(cancelled()));
            }
            let chunk = &self.buffers.output()[written..amount];
            // SAFETY: sends at most `chunk.len()` bytes from `chunk`, valid for the call.
            let n = unsafe {
                libc::send(self.stream.as_raw_fd(), chunk.as_ptr().cast(), chunk.len(), SEND_FLAGS | libc::MSG_DONTWAIT)
            };
            if n > 0 {
                written += n as usize;
                continue;
            }
            if n == 0 {
                return Err(io::Error::from(io::ErrorKind::WriteZero).into());
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::WouldBlock => {
                    if let Err(e) = wait(self.stream.as_raw_fd(), libc::POLLOUT, until, Some(wake)) {
                        return Err(self.in_context_error(e, timeout));
                    }
                }
                io::ErrorKind::Interrupted => {}
                _ => return Err(ureq::Error::Io(e)),
            }
        }
        Ok(())
    }

    /// Reads under a call context: `poll()` with the wake-up descriptor, then
    /// `recv(MSG_DONTWAIT)`.
    #[cfg(unix)]
    fn await_in_context(&mut self, timeout: NextTimeout, wake: std::os::unix::io::RawFd) -> Result<bool, ureq::Error> {
        use std::os::unix::io::AsRawFd;
        let until = until(timeout);
        loop {
            if cancel::is_cancelled() {
                return Err(self.interrupted(cancelled()));
            }
            if let Err(e) = wait(self.stream.as_raw_fd(), libc::POLLIN, until, Some(wake)) {
                return Err(self.in_context_error(e, timeout));
            }
            let fd = self.stream.as_raw_fd();
            let input = self.buffers.input_append_buf();
            // SAFETY: receives at most `input.len()` bytes into `input`, valid for the call.
            let n = unsafe { libc::recv(fd, input.as_mut_ptr().cast(), input.len(), libc::MSG_DONTWAIT) };
            if n >= 0 {
                let amount = n as usize;
                self.buffers.input_appended(amount);
                self.probe_skippable = amount > 0;
                return Ok(amount > 0);
            }
            let e = io::Error::last_os_error();
            if !matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) {
                return Err(ureq::Error::Io(e));
            }
        }
    }

    #[cfg(unix)]
    fn in_context_error(&mut self, e: io::Error, timeout: NextTimeout) -> ureq::Error {
        match e.kind() {
            io::ErrorKind::TimedOut => ureq::Error::Timeout(timeout.reason),
            _ => self.interrupted(e),
        }
    }
}

/// Flags of every `send`: no SIGPIPE when the peer has gone (Linux; macOS sets `SO_NOSIGPIPE`).
#[cfg(all(unix, any(target_os = "linux", target_os = "android")))]
const SEND_FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
const SEND_FLAGS: libc::c_int = 0;

/// When a timeout ends (`None`: never).
#[cfg(unix)]
fn until(timeout: NextTimeout) -> Option<Instant> {
    wanted(timeout).map(|d| Instant::now() + d)
}

impl Transport for TcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        self.probe_skippable = false;
        #[cfg(unix)]
        if let Some(wake) = cancel::wake_fd() {
            return self.transmit_in_context(amount, timeout, wake);
        }
        self.set_write_timeout(wanted(timeout))?;
        let output = &self.buffers.output()[..amount];
        (&*self.stream).write_all(output).map_err(|e| as_ureq_error(e, timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = timeout.for_read();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        #[cfg(unix)]
        if let Some(wake) = cancel::wake_fd() {
            return self.await_in_context(timeout, wake);
        }
        let limit = wanted(timeout);
        self.set_read_timeout(limit)?;
        let started = Instant::now();
        let amount = loop {
            let input = self.buffers.input_append_buf();
            match (&*self.stream).read(input) {
                // Linux does not restart a socket read with a timeout after a signal: read
                // again with the time left.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    let Some(limit) = limit else { return Err(ureq::Error::Io(e)) };
                    let left = limit.saturating_sub(started.elapsed());
                    if left.is_zero() {
                        return Err(ureq::Error::Timeout(timeout.reason));
                    }
                    counters::TIMEOUTS_SET.fetch_add(1, Ordering::Relaxed);
                    self.stream.set_read_timeout(Some(left))?;
                    self.read_timeout = Some(left);
                }
                other => break other.map_err(|e| as_ureq_error(e, timeout))?,
            }
        };
        self.buffers.input_appended(amount);
        self.probe_skippable = amount > 0;
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        if self.broken {
            return false;
        }
        if std::mem::take(&mut self.probe_skippable) {
            return true;
        }
        counters::PROBES.fetch_add(1, Ordering::Relaxed);
        probe(&self.stream)
    }
}

/// Whether an idle connection is still usable: nothing to read yet and not closed by the peer.
#[cfg(unix)]
fn probe(stream: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut byte = 0u8;
    loop {
        // SAFETY: reads at most one byte into `byte`, which outlives the call.
        let n = unsafe {
            libc::recv(stream.as_raw_fd(), (&mut byte as *mut u8).cast(), 1, libc::MSG_PEEK | libc::MSG_DONTWAIT)
        };
        if n >= 0 {
            // Bytes nobody asked for, or the peer closed: not reusable.
            return false;
        }
        match io::Error::last_os_error().kind() {
            io::ErrorKind::WouldBlock => return true,
            io::ErrorKind::Interrupted => continue,
            _ => return false,
        }
    }
}

/// Whether an idle connection is still usable (portable form: three calls).
#[cfg(not(unix))]
fn probe(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let mut byte = [0u8];
    let open = matches!((&*stream).peek(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
    stream.set_nonblocking(false).is_ok() && open
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn transport(stream: TcpStream) -> TcpTransport {
        TcpTransport {
            stream: Arc::new(stream),
            buffers: LazyBuffers::new(64 * 1024, 64 * 1024),
            read_timeout: None,
            write_timeout: None,
            probe_skippable: false,
            broken: false,
        }
    }

    fn pair() -> (TcpTransport, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        (transport(client), listener.accept().unwrap().0)
    }

    fn thirty_seconds(reason: Timeout) -> NextTimeout {
        NextTimeout { after: Duration::from_secs(30).into(), reason, per_read: None, per_write: None }
    }

    fn is_cancellation(e: &ureq::Error) -> bool {
        matches!(e, ureq::Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<Cancelled>()))
    }

    /// Runs `f` under a fresh context that another thread cancels after 50 ms; returns what
    /// `f` returned and the time from the cancel to the return.
    fn cancelled_after_50ms<R>(f: impl FnOnce() -> R) -> (R, Duration) {
        let ctx = cancel::CallContext::new().unwrap();
        let other = ctx.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.cancel();
            Instant::now()
        });
        let out = cancel::scoped(&ctx, f);
        let cancelled_at = canceller.join().unwrap();
        (out, cancelled_at.elapsed())
    }

    #[cfg(unix)]
    #[test]
    fn one_connection_serves_plain_and_context_calls_and_a_cancelled_read_breaks_it() {
        let (mut t, mut server) = pair();
        let timeout = thirty_seconds(Timeout::RecvResponse);
        // No context: a blocking read under SO_RCVTIMEO, set once.
        server.write_all(b"a").unwrap();
        assert!(t.await_input(timeout).unwrap());
        assert_eq!(t.read_timeout, Some(with_headroom(Duration::from_secs(30))));
        // Under a context, on the same connection: poll + recv(MSG_DONTWAIT), the socket
        // timeout in force left alone, the connection still poolable.
        let ctx = cancel::CallContext::new().unwrap();
        server.write_all(b"b").unwrap();
        assert!(cancel::scoped(&ctx, || t.await_input(timeout)).unwrap());
        assert_eq!(t.buffers.input(), b"ab");
        assert_eq!(t.read_timeout, Some(with_headroom(Duration::from_secs(30))));
        assert!(t.is_open() && t.is_open(), "delivered a reply, then probed: usable");
        // Back without a context: blocking again (a read that does not wait forever).
        server.write_all(b"c").unwrap();
        assert!(t.await_input(timeout).unwrap());
        // A read waiting for a reply that never comes wakes at once when cancelled.
        let (result, late) = cancelled_after_50ms(|| t.await_input(timeout));
        assert!(is_cancellation(&result.unwrap_err()));
        assert!(late < Duration::from_millis(100), "{late:?}");
        assert!(!t.is_open(), "an interrupted connection is never pooled");
        let mut byte = [0u8];
        assert_eq!(server.read(&mut byte).unwrap(), 0, "the server sees the connection closed");
    }

    #[cfg(unix)]
    #[test]
    fn a_write_blocked_on_a_full_socket_wakes_when_cancelled_and_the_request_stays_incomplete() {
        let (mut t, server) = pair();
        let timeout = thirty_seconds(Timeout::SendBody);
        let chunk = t.buffers.output().len();
        // The server reads nothing: the socket buffers fill, and a write waits in poll().
        let (result, late) = cancelled_after_50ms(|| loop {
            if let Err(e) = t.transmit_output(chunk, timeout) {
                break e;
            }
        });
        assert!(is_cancellation(&result));
        assert!(late < Duration::from_millis(100), "{late:?}");
        assert!(!t.is_open());
        // The server gets what was queued, then the end of the connection (not a stall: the
        // socket was shut down, so nothing more of that request can follow).
        server.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut sink = Vec::new();
        let got = (&server).read_to_end(&mut sink);
        assert!(matches!(got, Ok(n) if n > 0), "{got:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_connect_under_a_cancelled_context_is_not_attempted() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let ctx = cancel::CallContext::new().unwrap();
        ctx.cancel();
        let err = cancel::scoped(&ctx, || connect_one(listener.local_addr().unwrap(), None)).unwrap_err();
        assert!(err.get_ref().is_some_and(|inner| inner.is::<Cancelled>()), "{err}");
        // Without a context the same address connects, in blocking mode.
        let stream =
            connect_one(listener.local_addr().unwrap(), Some(Instant::now() + Duration::from_secs(5))).unwrap();
        stream.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut byte = [0u8];
        assert!(
            matches!((&stream).read(&mut byte), Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut))
        );
    }

    #[test]
    fn socket_timeouts_are_kept_while_within_the_slack() {
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        assert!(!must_reset(None, None));
        assert!(must_reset(None, Some(s(30))));
        assert!(must_reset(Some(s(30)), None));
        // A few microseconds less than the timeout in force: kept.
        assert!(!must_reset(Some(s(30)), Some(s(30) - Duration::from_micros(7))));
        // Longer than in force: always set (a read must never give up early).
        assert!(must_reset(Some(s(30)), Some(s(30) + Duration::from_micros(1))));
        // What is set leaves room both ways.
        let set = with_headroom(s(30));
        assert!(!must_reset(Some(set), Some(s(30) + ms(100))));
        assert!(!must_reset(Some(set), Some(s(30) - ms(100))));
        assert!(with_headroom(ms(100)) - ms(100) == Duration::from_micros(500));
        // Much shorter (a call deadline close by): set.
        assert!(must_reset(Some(s(30)), Some(s(29))));
        assert!(!must_reset(Some(ms(100)), Some(Duration::from_micros(99_500))));
        assert!(must_reset(Some(ms(100)), Some(ms(98))));
    }

    #[test]
    fn the_probe_sees_a_live_idle_connection_a_close_and_stray_bytes() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        assert!(probe(&client), "an idle open connection is usable");
        assert!(probe(&client), "probing consumes nothing");
        server.write_all(b"x").unwrap();
        let mut byte = [0u8];
        client.peek(&mut byte).unwrap(); // waits for the byte to arrive
        assert!(!probe(&client), "stray bytes make it unusable");
        (&client).read_exact(&mut byte).unwrap();
        assert_eq!(&byte, b"x", "the probe only peeked");
        drop(server);
        assert_eq!(client.peek(&mut byte).unwrap(), 0, "waits for the close to arrive");
        assert!(!probe(&client), "a connection the peer closed is unusable");
    }
}
