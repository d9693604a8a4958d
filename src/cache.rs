//! A secret cache over a [`Client`]: secrets read once and served from memory until they expire.
//!
//! - **TTL with jitter**: each value lives `ttl` minus a random share of up to `jitter × ttl`, so
//!   values fetched together do not all expire together.
//! - **Refresh ahead**: in the last `refresh_ahead` of its life (at most half of it) the first caller
//!   refreshes the value while every other caller keeps getting the current one. No background
//!   thread: the refresh runs on the thread of the caller that found the value due.
//! - **Single flight**: however many threads ask for a key that has no usable value, one request is
//!   sent; the others wait for its outcome and share it (value, stale value or error).
//! - **Stale on error**: when the vault throttles (429), fails (408, 5xx) or cannot be reached, an
//!   expired value is served for up to `stale_for` past its expiry, flagged stale
//!   ([`CachedSecret::stale`]) and counted; a new attempt is made at most every `error_retry`. Past
//!   that bound the error is returned. Any other answer of the vault (404, 403, ...) drops the value
//!   and returns the error.
//! - **Pinned versions**: a get with a version caches that version, which never changes, so it is
//!   never refreshed (it still counts towards the bound and can be evicted or invalidated).
//! - **Bound**: at most `max_entries` values; inserting beyond evicts the least recently used.
//! - **Invalidation** of one name (all its versions) or of everything.
//! - **Counters** ([`CacheStats`]) for hits, misses, stale answers, errors, requests, refreshes,
//!   evictions and invalidations.
//! - Values are zeroized when they leave the cache (eviction, invalidation, replacement, drop) and
//!   nobody else holds them: a [`CachedSecret`] shares the cached [`Secret`], zeroized when the last
//!   holder lets go.
//!
//! The hit path writes no memory that threads on other CPUs write: it reads its shard's map
//! through an [`ArcSwap`] (a load marks a slot of the calling thread's own, instead of taking a
//! lock or a reference count), reads the clock, counts the hit in a counter of its CPU and clones
//! the value's handle of its CPU (`Held`). It allocates only on the first hit of a value on
//! each CPU. Writers (rare: a new value, an eviction, an invalidation) take turns under one lock
//! and replace a shard's map by a changed copy; see docs/decisions.md.

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::cancel::{self, CallContext};
use crate::names::{check_name, check_version, MAX_NAME_LEN};
use crate::secrets::Secret;
use arc_swap::ArcSwap;
use parking_lot::{Condvar, Mutex};
use std::any::Any;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Fewest shards of the map (a power of two); a cache of many entries has more, so that the copy
/// of a shard a writer makes stays small.
const MIN_SHARDS: usize = 16;
/// Entries per shard aimed at, at the bound.
const SHARD_ENTRIES: usize = 64;
/// Most shards.
const MAX_SHARDS: usize = 4096;
/// Most CPU stripes (hit counters and value handles); CPUs beyond share them.
const MAX_STRIPES: usize = 16;
/// Longest key: name, '/', version.
const MAX_KEY: usize = 2 * MAX_NAME_LEN + 1;
/// Never, on the cache's clock.
const NEVER: u64 = u64::MAX;

/// Cache settings. Start from `CacheOptions::default()` and change what you need through the
/// setters (they check their argument).
#[derive(Debug, Clone, PartialEq)]
pub struct CacheOptions {
    /// How long a value of the latest version is served before it is fetched again (default 5 min).
    pub ttl: Duration,
    /// Share of `ttl` (0.0–1.0) by which each value's life is shortened at random (default 0.1).
    pub jitter: f64,
    /// How long before expiry the first caller refreshes a value while others keep getting it
    /// (default 30 s; 0 turns refresh-ahead off; at most half of a value's life is used).
    pub refresh_ahead: Duration,
    /// How long past its expiry a value is served, flagged stale, while the vault throttles, fails
    /// or cannot be reached (default 5 min; 0 turns stale-on-error off).
    pub stale_for: Duration,
    /// Most values held (default 1024); beyond it the least recently used is evicted.
    pub max_entries: usize,
    /// After a failed request for a key, the least time before the next attempt for it; meanwhile
    /// the value is served (stale once expired) without a request (default 1 s).
    pub error_retry: Duration,
}

impl Default for CacheOptions {
    fn default() -> CacheOptions {
        CacheOptions {
            ttl: Duration::from_secs(300),
            jitter: 0.1,
            refresh_ahead: Duration::from_secs(30),
            stale_for: Duration::from_secs(300),
            max_entries: 1024,
            error_retry: Duration::from_secs(1),
        }
    }
}

impl CacheOptions {
    /// Sets the TTL in milliseconds (at least 1).
    pub fn set_ttl_ms(&mut self, ms: u64) -> Result<()> {
        if ms == 0 {
            return Err(Error::invalid_argument("the cache TTL must be at least 1 ms"));
        }
        self.ttl = Duration::from_millis(ms);
        Ok(())
    }

    /// Sets the jitter, a share of the TTL from 0.0 to 1.0.
    pub fn set_jitter(&mut self, share: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&share) {
            return Err(Error::invalid_argument("the cache jitter must be between 0.0 and 1.0"));
        }
        self.jitter = share;
        Ok(())
    }

    /// Sets the refresh-ahead time in milliseconds (0 = off).
    pub fn set_refresh_ahead_ms(&mut self, ms: u64) {
        self.refresh_ahead = Duration::from_millis(ms);
    }

    /// Sets how long past expiry a value may be served stale, in milliseconds (0 = never).
    pub fn set_stale_for_ms(&mut self, ms: u64) {
        self.stale_for = Duration::from_millis(ms);
    }

    /// Sets the most values held (at least 1).
    pub fn set_max_entries(&mut self, n: u64) -> Result<()> {
        if n == 0 {
            return Err(Error::invalid_argument("the cache must hold at least 1 entry"));
        }
        self.max_entries = usize::try_from(n).unwrap_or(usize::MAX);
        Ok(())
    }

    /// Sets the least time between attempts for a key after a failure, in milliseconds.
    pub fn set_error_retry_ms(&mut self, ms: u64) {
        self.error_retry = Duration::from_millis(ms);
    }
}

/// A secret served by the cache. Cheap to clone: it shares the cached value, which is zeroized when
/// the cache and every holder have let go of it.
#[derive(Clone)]
pub struct CachedSecret {
    held: Arc<Held>,
    /// True when the value is past its expiry and served because the vault throttled, failed or
    /// could not be reached.
    pub stale: bool,
}

impl CachedSecret {
    /// The secret.
    pub fn secret(&self) -> &Secret {
        &self.held.secret
    }

    /// A form of the secret made by `make` once per cached value and CPU stripe (so that threads
    /// on different CPUs do not count references on one cache line) and shared by every later
    /// call asking for the same type there (the C layer keeps its `kv_secret` fields here, so a
    /// hit does not copy the secret). It is dropped, and zeroized if it zeroizes, with the cached
    /// value.
    pub fn shared_view<T: Any + Send + Sync>(&self, make: impl FnOnce(&Secret) -> T) -> Arc<T> {
        self.held.view(make)
    }
}

impl std::fmt::Debug for CachedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedSecret").field("name", &self.held.secret.name()).field("stale", &self.stale).finish()
    }
}

/// The cache's counters (since it was made) and its size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Gets answered from the cache with a fresh value, without waiting for a request.
    pub hits: u64,
    /// Gets that waited for a request (made by them or by another thread) and got its value.
    pub misses: u64,
    /// Gets answered with a stale value (see [`CachedSecret::stale`]).
    pub stale: u64,
    /// Gets that returned an error.
    pub errors: u64,
    /// Requests sent to the vault.
    pub requests: u64,
    /// Requests sent for a key that had a value (refresh ahead of or after expiry).
    pub refreshes: u64,
    /// Values evicted to stay within the bound.
    pub evictions: u64,
    /// Values removed by invalidation or by a definite error answer of the vault.
    pub invalidations: u64,
    /// Values held now.
    pub entries: u64,
}

/// One cached value and its times (nanoseconds on the cache's clock). A hit only reads it (and
/// writes `last_used` about once a millisecond); it counts references on the [`Held`] of its
/// CPU stripe.
struct Value {
    secret: Arc<Secret>,
    /// One handle per CPU stripe, made on the first hit there.
    held: Box<[OnceLock<Arc<Held>>]>,
    /// Refresh ahead from here.
    refresh_at: u64,
    /// Stale from here.
    expires: u64,
    /// Not served at all from here.
    stale_until: u64,
    /// No new attempt before this (set after a failed request).
    retry_at: AtomicU64,
    /// Last use, in units of 2^20 ns (about 1 ms), for eviction.
    last_used: AtomicU64,
}

impl Value {
    fn touch(&self, now: u64) {
        let tick = now >> 20;
        if self.last_used.load(Ordering::Relaxed) != tick {
            self.last_used.store(tick, Ordering::Relaxed);
        }
    }

    fn new(secret: Secret, stripes: usize, refresh_at: u64, expires: u64, stale_until: u64, now: u64) -> Value {
        Value {
            secret: Arc::new(secret),
            held: (0..stripes).map(|_| OnceLock::new()).collect(),
            refresh_at,
            expires,
            stale_until,
            retry_at: AtomicU64::new(0),
            last_used: AtomicU64::new(now >> 20),
        }
    }

    /// The handle of CPU stripe `stripe`.
    fn held(&self, stripe: usize) -> &Arc<Held> {
        self.held[stripe & (self.held.len() - 1)]
            .get_or_init(|| Arc::new(Held { secret: self.secret.clone(), view: OnceLock::new() }))
    }

    /// The value for a caller on CPU stripe `stripe`.
    fn served(&self, stripe: usize, stale: bool) -> CachedSecret {
        CachedSecret { held: self.held(stripe).clone(), stale }
    }
}

/// A cached value as handed out on one CPU stripe: its reference count is written by the hits
/// of that stripe only. Aligned to a cache line, so that nothing else shares its line.
#[repr(align(64))]
struct Held {
    secret: Arc<Secret>,
    /// See [`CachedSecret::shared_view`].
    view: OnceLock<Arc<dyn Any + Send + Sync>>,
}

impl Held {
    /// See [`CachedSecret::shared_view`].
    fn view<T: Any + Send + Sync>(&self, make: impl FnOnce(&Secret) -> T) -> Arc<T> {
        let mut make = Some(make);
        let mut made = None;
        let view = self.view.get_or_init(|| {
            let view = Arc::new((make.take().expect("called once"))(&self.secret));
            made = Some(view.clone());
            view
        });
        if let Some(view) = made {
            return view;
        }
        match view.clone().downcast::<T>() {
            Ok(view) => view,
            // Another type was stored first: make this one each time.
            Err(_) => Arc::new((make.take().expect("not called yet"))(&self.secret)),
        }
    }
}

/// What a flight's request came to.
enum Fetched {
    /// A new value from the vault.
    Fresh(CachedSecret),
    /// The current value, still valid (no request was needed, or a refresh ahead failed).
    Current(CachedSecret),
    /// The expired value, served because the vault throttled, failed or could not be reached.
    Stale(CachedSecret),
}

/// A request in progress for one key; followers wait for its outcome.
struct Flight {
    outcome: Mutex<Option<Result<CachedSecret>>>,
    done: Condvar,
}

/// A shard's values by key. Readers load it; writers (admission lock held) replace it by a copy.
type Map = HashMap<Arc<[u8]>, Arc<Value>, FxBuild>;

struct Shard {
    map: ArcSwap<Map>,
    flights: Mutex<HashMap<Box<[u8]>, Arc<Flight>, FxBuild>>,
    /// Bumped by every invalidation, so a request started before it does not store its value.
    generation: AtomicU64,
}

#[repr(align(64))]
#[derive(Default)]
struct Padded(AtomicU64);

struct Counters {
    /// One per CPU stripe.
    hits: Box<[Padded]>,
    misses: AtomicU64,
    stale: AtomicU64,
    errors: AtomicU64,
    requests: AtomicU64,
    refreshes: AtomicU64,
    evictions: AtomicU64,
    invalidations: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Number of CPU stripes: the CPUs of the machine, rounded up to a power of two, at most
/// [`MAX_STRIPES`].
fn stripe_count() -> usize {
    #[cfg(target_os = "linux")]
    // SAFETY: sysconf has no preconditions.
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) };
    #[cfg(not(target_os = "linux"))]
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
    usize::try_from(cpus).unwrap_or(1).clamp(1, MAX_STRIPES).next_power_of_two()
}

/// The stripe of the CPU the caller runs on (any stripe is correct; the CPU's own keeps other
/// CPUs' cache lines out of the hit path). On Linux `sched_getcpu` reads it from the thread's
/// restartable-sequence area (glibc 2.35+) or the vDSO, without a system call.
#[cfg(target_os = "linux")]
fn current_stripe() -> usize {
    // SAFETY: sched_getcpu has no preconditions; it returns -1 on failure.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).unwrap_or(0)
}

/// Elsewhere: a stripe per thread, handed out in turn.
#[cfg(not(target_os = "linux"))]
fn current_stripe() -> usize {
    thread_local! {
        static STRIPE: usize = {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            NEXT.fetch_add(1, Ordering::Relaxed)
        };
    }
    STRIPE.try_with(|s| *s).unwrap_or(0)
}

/// A cache of secrets over one client. `Send + Sync`: share it between threads.
pub struct SecretCache {
    client: Client,
    options: CacheOptions,
    base: Instant,
    shards: Box<[Shard]>,
    /// Number of CPU stripes (a power of two) less one.
    stripe_mask: usize,
    entries: AtomicUsize,
    /// Held while a new key is inserted and the bound restored, so the bound is exact.
    admission: Mutex<()>,
    counters: Counters,
}

/// The key of a (name, version) pair without allocating: "name/version", ASCII lower-cased
/// (Key Vault names are case-insensitive).
struct Key {
    buf: [u8; MAX_KEY],
    len: usize,
    name_len: usize,
}

impl Key {
    /// The key of a valid name and version (empty = latest); `None` when either is not valid.
    fn checked(name: &str, version: &str) -> Option<Key> {
        let ok = |t: &str| t.len() <= MAX_NAME_LEN && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        (!name.is_empty() && ok(name) && ok(version)).then(|| Key::new(name, version))
    }

    fn new(name: &str, version: &str) -> Key {
        let mut buf = [0u8; MAX_KEY];
        let name_len = name.len().min(MAX_NAME_LEN);
        for (d, s) in buf.iter_mut().zip(&name.as_bytes()[..name_len]) {
            *d = s.to_ascii_lowercase();
        }
        buf[name_len] = b'/';
        let version = &version.as_bytes()[..version.len().min(MAX_NAME_LEN)];
        for (d, s) in buf[name_len + 1..].iter_mut().zip(version) {
            *d = s.to_ascii_lowercase();
        }
        Key { buf, len: name_len + 1 + version.len(), name_len }
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// "name/", the prefix of every key of this name.
    fn name_prefix(&self) -> &[u8] {
        &self.buf[..=self.name_len]
    }

    /// The shard of this key among `shards` (a power of two).
    fn shard(&self, shards: usize) -> usize {
        // The name only, so all versions of a name share a shard.
        let mut h = Fx::default();
        h.write(&self.buf[..self.name_len]);
        (h.finish() >> 32) as usize & (shards - 1)
    }
}

/// FxHash (as in rustc): keys are validated secret names and versions the application asks for.
#[derive(Default)]
struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let mut rest = [0u8; 8];
        let tail = chunks.remainder();
        rest[..tail.len()].copy_from_slice(tail);
        self.add(u64::from_le_bytes(rest) ^ tail.len() as u64);
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxBuild = BuildHasherDefault<Fx>;

/// How far ahead a follower under a call context looks for its context's deadline (a wait with
/// no deadline is bounded by the leader's call timeout anyway).
const FOLLOWER_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Whether an error means the vault throttled, failed or could not be reached (serve stale),
/// rather than answered definitely (drop the value).
fn is_outage(err: &Error) -> bool {
    match err.http_status {
        408 | 429 | 500..=599 => true,
        0 => !matches!(
            err.kind,
            ErrorKind::NullArgument
                | ErrorKind::InvalidUtf8
                | ErrorKind::InvalidArgument
                | ErrorKind::InvalidName
                | ErrorKind::Panic
                | ErrorKind::Internal
                | ErrorKind::Cancelled
        ),
        _ => false,
    }
}

/// Publishes a leader's outcome to the followers and retires the flight, also if the leader panics.
struct Lead<'a> {
    shard: &'a Shard,
    key: &'a [u8],
    flight: Arc<Flight>,
    outcome: Option<Result<CachedSecret>>,
}

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        let outcome = self
            .outcome
            .take()
            .unwrap_or_else(|| Err(Error::new(ErrorKind::Internal, "the cache request for this key failed")));
        *self.flight.outcome.lock() = Some(outcome);
        self.shard.flights.lock().remove(self.key);
        self.flight.done.notify_all();
    }
}

impl SecretCache {
    /// A cache over `client` (a cheap handle sharing the client's connections and tokens).
    pub fn new(client: Client, options: CacheOptions) -> Result<SecretCache> {
        if options.ttl.is_zero() {
            return Err(Error::invalid_argument("the cache TTL must be at least 1 ms"));
        }
        if !(0.0..=1.0).contains(&options.jitter) {
            return Err(Error::invalid_argument("the cache jitter must be between 0.0 and 1.0"));
        }
        if options.max_entries == 0 {
            return Err(Error::invalid_argument("the cache must hold at least 1 entry"));
        }
        let shard_count = (options.max_entries / SHARD_ENTRIES).clamp(MIN_SHARDS, MAX_SHARDS).next_power_of_two();
        let stripes = stripe_count();
        let shards = (0..shard_count)
            .map(|_| Shard {
                map: ArcSwap::from_pointee(Map::default()),
                flights: Mutex::new(HashMap::default()),
                generation: AtomicU64::new(0),
            })
            .collect();
        Ok(SecretCache {
            client,
            options,
            base: Instant::now(),
            shards,
            stripe_mask: stripes - 1,
            entries: AtomicUsize::new(0),
            admission: Mutex::new(()),
            counters: Counters {
                hits: (0..stripes).map(|_| Padded::default()).collect(),
                misses: AtomicU64::new(0),
                stale: AtomicU64::new(0),
                errors: AtomicU64::new(0),
                requests: AtomicU64::new(0),
                refreshes: AtomicU64::new(0),
                evictions: AtomicU64::new(0),
                invalidations: AtomicU64::new(0),
            },
        })
    }

    /// The settings.
    pub fn options(&self) -> &CacheOptions {
        &self.options
    }

    fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(NEVER - 1)
    }

    /// The CPU stripe of the caller.
    fn stripe(&self) -> usize {
        current_stripe() & self.stripe_mask
    }

    fn hit(&self, stripe: usize) {
        bump(&self.counters.hits[stripe].0);
    }

    fn shard_of(&self, key: &Key) -> &Shard {
        &self.shards[key.shard(self.shards.len())]
    }

    /// Replaces `shard`'s map by a copy changed by `change` (admission lock held, so writers take
    /// turns). Readers of the old map keep it until they let go; its values that the new map does
    /// not hold are dropped (and zeroized unless a caller holds them) with it.
    fn update<R>(&self, shard: &Shard, change: impl FnOnce(&mut Map) -> R) -> R {
        let mut map = Map::clone(&shard.map.load());
        let result = change(&mut map);
        shard.map.store(Arc::new(map));
        result
    }

    /// [`SecretCache::get`] under a call context: a request it makes, and a wait for another
    /// caller's request, end with `ErrorKind::Cancelled` when `context` is cancelled and with
    /// `ErrorKind::Timeout` at its deadline. A hit never waits, so it is served as usual.
    pub fn get_in(&self, context: &Arc<CallContext>, name: &str, version: &str) -> Result<CachedSecret> {
        cancel::scoped(context, || self.get(name, version))
    }

    /// Gets a secret (`version` empty = the latest) from the cache, or from the vault when it has
    /// no usable value. See the module documentation for refresh, single flight and stale values.
    pub fn get(&self, name: &str, version: &str) -> Result<CachedSecret> {
        self.get_with(name, version, |held, stale| CachedSecret { held: held.clone(), stale })
    }

    /// Like [`SecretCache::get`] (under `context` when given), giving the secret in the form
    /// `make` makes of it (see [`CachedSecret::shared_view`]) and whether it is stale. A hit
    /// only clones that form: the C layer's get.
    pub fn get_shared<T: Any + Send + Sync>(
        &self,
        context: Option<&Arc<CallContext>>,
        name: &str,
        version: &str,
        make: impl FnOnce(&Secret) -> T,
    ) -> Result<(Arc<T>, bool)> {
        let get = || self.get_with(name, version, |held, stale| (held.view(make), stale));
        match context {
            Some(context) => cancel::scoped(context, get),
            None => get(),
        }
    }

    /// A get answered by `serve` with the value's handle and whether it is stale.
    fn get_with<R>(&self, name: &str, version: &str, serve: impl FnOnce(&Arc<Held>, bool) -> R) -> Result<R> {
        let Some(key) = Key::checked(name, version) else {
            bump(&self.counters.errors);
            check_name("secret", name)?;
            check_version("secret", version)?;
            return Err(Error::new(ErrorKind::InvalidName, "invalid secret name or version"));
        };
        let shard = self.shard_of(&key);
        let now = self.now();
        let current = {
            let map = shard.map.load();
            match map.get(key.bytes()) {
                Some(v) if now < v.refresh_at => {
                    let stripe = self.stripe();
                    v.touch(now);
                    self.hit(stripe);
                    return Ok(serve(v.held(stripe), false));
                }
                other => other.cloned(),
            }
        };
        let cached = self.slow(shard, key.bytes(), name, version, current, now)?;
        Ok(serve(&cached.held, cached.stale))
    }

    /// A value that is due for refresh or expired, or no value.
    fn slow(
        &self,
        shard: &Shard,
        key: &[u8],
        name: &str,
        version: &str,
        current: Option<Arc<Value>>,
        now: u64,
    ) -> Result<CachedSecret> {
        if let Some(v) = &current {
            v.touch(now);
            let backing_off = now < v.retry_at.load(Ordering::Relaxed);
            if now < v.expires {
                // Refresh ahead: one caller refreshes, everyone else keeps the current value.
                if !backing_off {
                    if let Some(flight) = self.try_lead(shard, key) {
                        return self.lead(shard, key, name, version, flight);
                    }
                }
                let stripe = self.stripe();
                self.hit(stripe);
                return Ok(v.served(stripe, false));
            }
            if backing_off && now < v.stale_until {
                bump(&self.counters.stale);
                return Ok(v.served(self.stripe(), true));
            }
        }
        let (flight, leader) = {
            let mut flights = shard.flights.lock();
            match flights.get(key) {
                Some(f) => (f.clone(), false),
                None => {
                    let f = Arc::new(Flight { outcome: Mutex::new(None), done: Condvar::new() });
                    flights.insert(key.into(), f.clone());
                    (f, true)
                }
            }
        };
        if leader {
            return self.lead(shard, key, name, version, flight);
        }
        let mut outcome = flight.outcome.lock();
        while outcome.is_none() {
            if !cancel::has_context() {
                flight.done.wait(&mut outcome);
                continue;
            }
            // Under a call context the wait is sliced, so a cancellation or the context's
            // deadline ends it (the leader's request goes on for the other callers).
            let what = "waiting for another caller's request of this secret";
            if cancel::is_cancelled() {
                bump(&self.counters.errors);
                return Err(cancel::error(what));
            }
            let deadline = cancel::deadline_within(Instant::now() + FOLLOWER_WAIT);
            if Instant::now() >= deadline {
                bump(&self.counters.errors);
                return Err(Error::new(ErrorKind::Timeout, format!("the call context's deadline passed {what}")));
            }
            flight.done.wait_until(&mut outcome, cancel::wait_slice(deadline));
        }
        let outcome = outcome.clone().unwrap_or_else(|| Err(Error::new(ErrorKind::Internal, "no outcome")));
        match &outcome {
            Ok(s) if s.stale => bump(&self.counters.stale),
            Ok(_) => bump(&self.counters.misses),
            Err(_) => bump(&self.counters.errors),
        }
        outcome
    }

    /// Starts a flight for `key` unless one is running.
    fn try_lead(&self, shard: &Shard, key: &[u8]) -> Option<Arc<Flight>> {
        let mut flights = shard.flights.lock();
        if flights.contains_key(key) {
            return None;
        }
        let f = Arc::new(Flight { outcome: Mutex::new(None), done: Condvar::new() });
        flights.insert(key.into(), f.clone());
        Some(f)
    }

    /// Runs a flight: one request for `key`, its outcome shared with the followers.
    fn lead(&self, shard: &Shard, key: &[u8], name: &str, version: &str, flight: Arc<Flight>) -> Result<CachedSecret> {
        let mut lead = Lead { shard, key, flight, outcome: None };
        let outcome = match self.fetch(shard, key, name, version) {
            Ok(Fetched::Fresh(s)) => {
                bump(&self.counters.misses);
                Ok(s)
            }
            Ok(Fetched::Current(s)) => {
                self.hit(self.stripe());
                Ok(s)
            }
            Ok(Fetched::Stale(s)) => {
                bump(&self.counters.stale);
                Ok(s)
            }
            Err(e) => {
                bump(&self.counters.errors);
                Err(e)
            }
        };
        lead.outcome = Some(outcome.clone());
        outcome
    }

    /// The request of a flight, unless another flight stored a fresh value since the caller looked.
    fn fetch(&self, shard: &Shard, key: &[u8], name: &str, version: &str) -> Result<Fetched> {
        let generation = shard.generation.load(Ordering::Acquire);
        let now = self.now();
        let current = shard.map.load().get(key).cloned();
        if let Some(v) = &current {
            if now < v.refresh_at || (now < v.expires && now < v.retry_at.load(Ordering::Relaxed)) {
                return Ok(Fetched::Current(v.served(self.stripe(), false)));
            }
            bump(&self.counters.refreshes);
        }
        bump(&self.counters.requests);
        let err = match self.client.get_secret(name, version) {
            Ok(secret) => return Ok(Fetched::Fresh(self.store(shard, key, secret, !version.is_empty(), generation))),
            Err(err) => err,
        };
        let Some(v) = current else { return Err(err) };
        let now = self.now();
        if is_outage(&err) && now < v.stale_until {
            v.retry_at.store(now.saturating_add(nanos(self.options.error_retry)), Ordering::Relaxed);
            return Ok(if now < v.expires {
                Fetched::Current(v.served(self.stripe(), false))
            } else {
                Fetched::Stale(v.served(self.stripe(), true))
            });
        }
        // The vault answered definitely (not found, forbidden, ...) or the stale bound has passed.
        self.remove_value(shard, key, &v);
        Err(err)
    }

    /// Stores a fetched secret under `key` (unless invalidated meanwhile) and keeps the bound.
    fn store(&self, shard: &Shard, key: &[u8], secret: Secret, pinned: bool, generation: u64) -> CachedSecret {
        let now = self.now();
        let stripes = self.stripe_mask + 1;
        let value = Arc::new(if pinned {
            Value::new(secret, stripes, NEVER, NEVER, NEVER, now)
        } else {
            let ttl = nanos(self.options.ttl);
            let life = ttl - (ttl as f64 * self.options.jitter * fastrand::f64()) as u64;
            let life = life.max(1);
            let ahead = nanos(self.options.refresh_ahead).min(life / 2);
            let expires = now.saturating_add(life);
            let stale_until = expires.saturating_add(nanos(self.options.stale_for));
            Value::new(secret, stripes, expires - ahead, expires, stale_until, now)
        });
        let served = value.served(self.stripe(), false);
        let _admission = self.admission.lock();
        if shard.generation.load(Ordering::Acquire) != generation {
            return served; // invalidated while the request ran: hand it out, do not keep it
        }
        let old = self.update(shard, |map| map.insert(key.into(), value));
        if old.is_none() {
            let held = self.entries.fetch_add(1, Ordering::AcqRel) + 1;
            if held > self.options.max_entries {
                self.evict(held - self.options.max_entries, key);
            }
        }
        drop(old); // zeroized here unless a caller still holds it
        served
    }

    /// Evicts the `n` least recently used values other than `keep` (admission lock held).
    fn evict(&self, n: usize, keep: &[u8]) {
        for _ in 0..n {
            let mut oldest: Option<(usize, Arc<[u8]>, u64)> = None;
            for (i, shard) in self.shards.iter().enumerate() {
                let map = shard.map.load();
                for (k, v) in map.iter() {
                    let used = v.last_used.load(Ordering::Relaxed);
                    if &**k != keep && oldest.as_ref().is_none_or(|(_, _, u)| used < *u) {
                        oldest = Some((i, k.clone(), used));
                    }
                }
            }
            let Some((i, k, _)) = oldest else { return };
            let removed = self.update(&self.shards[i], |map| map.remove(&k));
            if removed.is_some() {
                self.entries.fetch_sub(1, Ordering::AcqRel);
                bump(&self.counters.evictions);
            }
        }
    }

    /// Removes `key` if it still holds `value`.
    fn remove_value(&self, shard: &Shard, key: &[u8], value: &Arc<Value>) {
        let _admission = self.admission.lock();
        if shard.map.load().get(key).is_some_and(|v| Arc::ptr_eq(v, value)) {
            let removed = self.update(shard, |map| map.remove(key));
            self.entries.fetch_sub(1, Ordering::AcqRel);
            bump(&self.counters.invalidations);
            drop(removed);
        }
    }

    /// Removes every cached version of `name` (the latest and pinned ones); the next get fetches it.
    /// A request in flight for it still answers its waiting callers but does not store its value.
    /// Returns the number of values removed.
    pub fn invalidate(&self, name: &str) -> usize {
        let key = Key::new(name, "");
        let prefix = key.name_prefix();
        let shard = self.shard_of(&key);
        let _admission = self.admission.lock();
        shard.generation.fetch_add(1, Ordering::AcqRel);
        if !shard.map.load().keys().any(|k| k.starts_with(prefix)) {
            return 0;
        }
        // The values are zeroized as the old map drops, unless a caller still holds them.
        let removed = self.update(shard, |map| {
            let before = map.len();
            map.retain(|k, _| !k.starts_with(prefix));
            before - map.len()
        });
        self.entries.fetch_sub(removed, Ordering::AcqRel);
        self.counters.invalidations.fetch_add(removed as u64, Ordering::Relaxed);
        removed
    }

    /// Removes every value; returns how many.
    pub fn invalidate_all(&self) -> usize {
        let _admission = self.admission.lock();
        let mut total = 0;
        for shard in self.shards.iter() {
            shard.generation.fetch_add(1, Ordering::AcqRel);
            let drained = shard.map.swap(Arc::new(Map::default()));
            self.entries.fetch_sub(drained.len(), Ordering::AcqRel);
            self.counters.invalidations.fetch_add(drained.len() as u64, Ordering::Relaxed);
            total += drained.len();
        }
        total
    }

    /// The counters and the number of values held.
    pub fn stats(&self) -> CacheStats {
        let c = &self.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CacheStats {
            hits: c.hits.iter().map(|p| load(&p.0)).sum(),
            misses: load(&c.misses),
            stale: load(&c.stale),
            errors: load(&c.errors),
            requests: load(&c.requests),
            refreshes: load(&c.refreshes),
            evictions: load(&c.evictions),
            invalidations: load(&c.invalidations),
            entries: self.entries.load(Ordering::Relaxed) as u64,
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(NEVER - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_versions_share_the_name_shard() {
        let a = Key::new("My-Secret", "");
        let b = Key::new("my-secret", "ABC");
        assert_eq!(a.bytes(), b"my-secret/");
        assert_eq!(b.bytes(), b"my-secret/abc");
        assert_eq!(a.shard(16), b.shard(16));
        assert_eq!(a.shard(1024), b.shard(1024));
        assert!(b.bytes().starts_with(a.name_prefix()));
        assert!(!Key::new("my-secret-2", "").bytes().starts_with(a.name_prefix()));
        let long = "a".repeat(MAX_NAME_LEN);
        assert_eq!(Key::new(&long, &long).bytes().len(), MAX_KEY);
        assert!(Key::checked(&long, "").is_some());
        assert!(Key::checked(&format!("{long}a"), "").is_none());
        assert!(Key::checked("", "").is_none());
        assert!(Key::checked("a_b", "").is_none());
        assert!(Key::checked("ab", "v.1").is_none());
    }

    #[test]
    fn outages_are_throttling_server_failures_and_no_reply() {
        let reply = |http| Error::from_reply(http, b"{}", "");
        assert!(is_outage(&reply(429)));
        assert!(is_outage(&reply(503)));
        assert!(is_outage(&reply(500)));
        assert!(!is_outage(&reply(404)));
        assert!(!is_outage(&reply(403)));
        assert!(is_outage(&Error::new(ErrorKind::Transport, "refused")));
        assert!(is_outage(&Error::new(ErrorKind::Timeout, "slow")));
        assert!(!is_outage(&Error::invalid_argument("bad")));
    }

    #[test]
    fn options_are_checked() {
        let mut o = CacheOptions::default();
        assert!(o.set_ttl_ms(0).is_err());
        assert!(o.set_jitter(1.5).is_err());
        assert!(o.set_jitter(f64::NAN).is_err());
        assert!(o.set_max_entries(0).is_err());
        o.set_ttl_ms(10).unwrap();
        o.set_jitter(0.5).unwrap();
        o.set_max_entries(3).unwrap();
        assert_eq!((o.ttl, o.jitter, o.max_entries), (Duration::from_millis(10), 0.5, 3));
    }
}
