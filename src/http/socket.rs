//! The TCP layer under TLS, with the fewest system calls a pooled request allows.
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
//! - sets `SO_RCVTIMEO`/`SO_SNDTIMEO` only when the time wanted is longer than the one in force,
//!   or shorter by more than [`timeout_slack`] (1 %, at most 250 ms), and then to the time wanted
//!   plus half that slack ([`with_headroom`]): a read may wait up to the slack past its deadline,
//!   never less than the time it was given, and the next requests' waits (longer or shorter by
//!   microseconds) keep the setting.
//!
//! A warm request on a pooled connection thus makes three system calls: the probe, one `send`
//! and one `recv` (a reply longer than one read takes more reads).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle, Transport,
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
        })))
    }
}

/// Connects to the first address that answers. The time budget is shared among the addresses
/// in halves (1/2, 1/4, ... of it, at least 10 ms each), as ureq does; an address refusing or
/// unreachable moves on to the next one at once.
fn connect_any(addrs: &[SocketAddr], timeout: NextTimeout) -> Result<TcpStream, ureq::Error> {
    let total = timeout.not_zero().map(|t| *t);
    let began = Instant::now();
    let weights = 2.0 * (1.0 - 0.5_f64.powi(addrs.len() as i32));
    let mut weight = 1.0_f64;
    let mut last: Option<ureq::Error> = None;
    for addr in addrs {
        let attempt = match total {
            Some(total) => {
                let share = Duration::from_secs_f64(total.as_secs_f64() * weight / weights);
                TcpStream::connect_timeout(addr, share.max(Duration::from_millis(10)))
            }
            None => TcpStream::connect(addr),
        };
        weight /= 2.0;
        match attempt {
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
        self.set_write_timeout(wanted(timeout))?;
        let output = &self.buffers.output()[..amount];
        (&*self.stream).write_all(output).map_err(|e| as_ureq_error(e, timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = timeout.for_read();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
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
