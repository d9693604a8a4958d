//! Host names resolved without a thread per request.
//!
//! ureq's default resolver runs every lookup made under a timeout on a new thread (and leaves
//! the thread behind when the lookup hangs), and it resolves before looking in the connection
//! pool, so even a request on a pooled connection starts a thread. kv installs instead:
//!
//! - [`DeferredResolver`]: an IP literal becomes its address at once; a host name becomes a
//!   marker meaning "resolve when a connection is really opened". A request that reuses a
//!   pooled connection therefore resolves nothing.
//! - [`ResolveOnConnect`]: in front of ureq's usual connector chain (proxy, TCP, rustls), it
//!   resolves the marker on the calling thread, once per new connection, then lets the chain
//!   connect to the addresses found. The system resolver (getaddrinfo) is bounded by its own
//!   settings (`timeout`/`attempts` in resolv.conf); a lookup that ends after the connect
//!   timeout is reported as a timeout, and the call deadline is checked before any further
//!   attempt.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::time::Instant;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{ConnectionDetails, Connector, NextTimeout, Transport};

/// Host names looked up so far, process-wide (tests and profiling read it).
#[doc(hidden)]
pub static LOOKUPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Most addresses ureq keeps per host.
const MAX_ADDRS: usize = 16;

/// The marker address standing for "not resolved yet" (never a real destination).
const DEFERRED: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);

/// A resolver that never looks anything up itself (see the module documentation).
#[derive(Debug, Default)]
pub struct DeferredResolver;

impl Resolver for DeferredResolver {
    fn resolve(&self, uri: &Uri, _: &Config, _: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let mut addrs = self.empty();
        // "127.0.0.1" and "[::1]" parse as addresses: no lookup for IP literals. Read from the
        // URI as it is (no text built per request).
        let (Some(host), Some(port)) = (uri.host(), uri.port_u16().or_else(|| default_port(uri))) else {
            host_and_port(uri)?;
            return Err(ureq::Error::BadUri(format!("{uri} names no host")));
        };
        let ip = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>();
        addrs.push(ip.map(|ip| SocketAddr::new(ip, port)).unwrap_or(DEFERRED));
        Ok(addrs)
    }
}

/// kv's connector chain ([`crate::http::socket::connector`]), preceded by the lookup of
/// deferred host names.
#[derive(Debug)]
pub struct ResolveOnConnect<C> {
    inner: C,
}

impl<C: Connector<()>> ResolveOnConnect<C> {
    /// Resolves deferred names, then runs `inner`.
    pub fn new(inner: C) -> ResolveOnConnect<C> {
        ResolveOnConnect { inner }
    }

    fn run(&self, details: &ConnectionDetails, chained: Option<()>) -> Result<Option<Box<dyn Transport>>, ureq::Error> {
        Ok(self.inner.connect(details, chained)?.map(|t| Box::new(t) as Box<dyn Transport>))
    }
}

impl<C: Connector<()>> Connector<()> for ResolveOnConnect<C> {
    type Out = Box<dyn Transport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<()>) -> Result<Option<Self::Out>, ureq::Error> {
        if !is_deferred(&details.addrs) {
            return self.run(details, chained);
        }
        let addrs = lookup(details.uri, details.config, details.timeout)?;
        if crate::http::cancel::is_cancelled() {
            return Err(ureq::Error::Io(std::io::Error::other("cancelled")));
        }
        let resolved = ConnectionDetails {
            uri: details.uri,
            addrs,
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        self.run(&resolved, chained)
    }
}

fn default_port(uri: &Uri) -> Option<u16> {
    match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    }
}

fn is_deferred(addrs: &ResolvedSocketAddrs) -> bool {
    addrs.len() == 1 && addrs[0] == DEFERRED
}

fn host_and_port(uri: &Uri) -> Result<String, ureq::Error> {
    let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
        return Err(ureq::Error::BadUri(format!("{uri} is not an absolute URL")));
    };
    DefaultResolver::host_and_port(scheme, authority)
        .ok_or_else(|| ureq::Error::BadUri(format!("{uri} has no port and an unknown scheme")))
}

/// Resolves `uri`'s host on this thread, keeping the address family the config wants.
fn lookup(uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
    let host_and_port = host_and_port(uri)?;
    LOOKUPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let started = Instant::now();
    let found = host_and_port.to_socket_addrs()?;
    if !timeout.after.is_not_happening() && started.elapsed() > *timeout.after {
        return Err(ureq::Error::Timeout(timeout.reason));
    }
    let mut addrs = DeferredResolver.empty();
    for addr in config.ip_family().keep_wanted(found).take(MAX_ADDRS) {
        addrs.push(addr);
    }
    if addrs.is_empty() {
        return Err(ureq::Error::HostNotFound);
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(url: &str) -> Result<ResolvedSocketAddrs, ureq::Error> {
        DeferredResolver.resolve(&url.parse().unwrap(), &Config::default(), NextTimeout::default())
    }

    #[test]
    fn ip_literals_are_addresses_and_names_are_deferred() {
        assert_eq!(resolve("https://127.0.0.1:8443/x").unwrap()[0], "127.0.0.1:8443".parse().unwrap());
        assert_eq!(resolve("http://169.254.169.254/metadata").unwrap()[0], "169.254.169.254:80".parse().unwrap());
        assert_eq!(resolve("https://[::1]/").unwrap()[0], "[::1]:443".parse().unwrap());
        assert!(is_deferred(&resolve("https://myvault.vault.azure.net/secrets").unwrap()));
        assert!(is_deferred(&resolve("https://localhost:1234").unwrap()));
    }

    #[test]
    fn deferred_names_are_looked_up_on_this_thread() {
        let uri: Uri = "https://localhost:1234/".parse().unwrap();
        let addrs = lookup(&uri, &Config::default(), NextTimeout::default()).unwrap();
        assert!(addrs.iter().all(|a| a.port() == 1234 && a.ip().is_loopback()), "{addrs:?}");
    }
}
