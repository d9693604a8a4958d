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
//! The hit path takes one shared (read) lock of one of 16 shards, reads the clock and clones an
//! `Arc`; it does not allocate.

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::cancel::{self, CallContext};
use crate::names::{check_name, check_version, MAX_NAME_LEN};
use crate::secrets::Secret;
use parking_lot::{Condvar, Mutex, RwLock};
use std::any::Any;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Number of shards of the map (a power of two).
const SHARDS: usize = 16;
/// Stripes of the hit counter (a power of two), so threads hitting at once do not share one line.
const STRIPES: usize = 8;
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
    value: Arc<Value>,
    /// True when the value is past its expiry and served because the vault throttled, failed or
    /// could not be reached.
    pub stale: bool,
}

impl CachedSecret {
    /// The secret.
    pub fn secret(&self) -> &Secret {
        &self.value.secret
    }

    /// A form of the secret made once per cached value by `make` and shared by every later call
    /// asking for the same type (the C layer keeps its `kv_secret` fields here, so a hit does not
    /// copy the secret). It is dropped, and zeroized if it zeroizes, with the cached value.
    pub fn shared_view<T: Any + Send + Sync>(&self, make: impl FnOnce(&Secret) -> T) -> Arc<T> {
        let mut make = Some(make);
        let mut made = None;
        let view = self.value.view.get_or_init(|| {
            let view = Arc::new((make.take().expect("called once"))(&self.value.secret));
            made = Some(view.clone());
            view
        });
        if let Some(view) = made {
            return view;
        }
        match view.clone().downcast::<T>() {
            Ok(view) => view,
            // Another type was stored first: make this one each time.
            Err(_) => Arc::new((make.take().expect("not called yet"))(&self.value.secret)),
        }
    }
}

impl std::fmt::Debug for CachedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedSecret").field("name", &self.value.secret.name()).field("stale", &self.stale).finish()
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

/// One cached value and its times (nanoseconds on the cache's clock).
struct Value {
    secret: Secret,
    /// See [`CachedSecret::shared_view`].
    view: OnceLock<Arc<dyn Any + Send + Sync>>,
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

    fn served(self: &Arc<Value>, stale: bool) -> CachedSecret {
        CachedSecret { value: self.clone(), stale }
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

struct Shard {
    map: RwLock<HashMap<Box<[u8]>, Arc<Value>, FxBuild>>,
    flights: Mutex<HashMap<Box<[u8]>, Arc<Flight>, FxBuild>>,
    /// Bumped by every invalidation, so a request started before it does not store its value.
    generation: AtomicU64,
}

#[repr(align(64))]
#[derive(Default)]
struct Padded(AtomicU64);

#[derive(Default)]
struct Counters {
    hits: [Padded; STRIPES],
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

thread_local! {
    static STRIPE: usize = {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES
    };
}

/// A cache of secrets over one client. `Send + Sync`: share it between threads.
pub struct SecretCache {
    client: Client,
    options: CacheOptions,
    base: Instant,
    shards: Box<[Shard]>,
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

    fn shard(&self) -> usize {
        // The name only, so all versions of a name share a shard.
        let mut h = Fx::default();
        h.write(&self.buf[..self.name_len]);
        (h.finish() >> 59) as usize & (SHARDS - 1)
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
        let shards = (0..SHARDS)
            .map(|_| Shard {
                map: RwLock::new(HashMap::default()),
                flights: Mutex::new(HashMap::default()),
                generation: AtomicU64::new(0),
            })
            .collect();
        Ok(SecretCache {
            client,
            options,
            base: Instant::now(),
            shards,
            entries: AtomicUsize::new(0),
            admission: Mutex::new(()),
            counters: Counters::default(),
        })
    }

    /// The settings.
    pub fn options(&self) -> &CacheOptions {
        &self.options
    }

    fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(NEVER - 1)
    }

    fn hit(&self) {
        let stripe = STRIPE.try_with(|s| *s).unwrap_or(0);
        bump(&self.counters.hits[stripe].0);
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
        let Some(key) = Key::checked(name, version) else {
            bump(&self.counters.errors);
            check_name("secret", name)?;
            check_version("secret", version)?;
            return Err(Error::new(ErrorKind::InvalidName, "invalid secret name or version"));
        };
        let shard = &self.shards[key.shard()];
        let now = self.now();
        let current = {
            let map = shard.map.read();
            match map.get(key.bytes()) {
                Some(v) if now < v.refresh_at => {
                    v.touch(now);
                    self.hit();
                    return Ok(v.served(false));
                }
                other => other.cloned(),
            }
        };
        self.slow(shard, key.bytes(), name, version, current, now)
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
                self.hit();
                return Ok(v.served(false));
            }
            if backing_off && now < v.stale_until {
                bump(&self.counters.stale);
                return Ok(v.served(true));
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
                self.hit();
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
        let current = shard.map.read().get(key).cloned();
        if let Some(v) = &current {
            if now < v.refresh_at || (now < v.expires && now < v.retry_at.load(Ordering::Relaxed)) {
                return Ok(Fetched::Current(v.served(false)));
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
                Fetched::Current(v.served(false))
            } else {
                Fetched::Stale(v.served(true))
            });
        }
        // The vault answered definitely (not found, forbidden, ...) or the stale bound has passed.
        self.remove_value(shard, key, &v);
        Err(err)
    }

    /// Stores a fetched secret under `key` (unless invalidated meanwhile) and keeps the bound.
    fn store(&self, shard: &Shard, key: &[u8], secret: Secret, pinned: bool, generation: u64) -> CachedSecret {
        let now = self.now();
        let value = Arc::new(if pinned {
            Value {
                secret,
                view: OnceLock::new(),
                refresh_at: NEVER,
                expires: NEVER,
                stale_until: NEVER,
                retry_at: AtomicU64::new(0),
                last_used: AtomicU64::new(now >> 20),
            }
        } else {
            let ttl = nanos(self.options.ttl);
            let life = ttl - (ttl as f64 * self.options.jitter * fastrand::f64()) as u64;
            let life = life.max(1);
            let ahead = nanos(self.options.refresh_ahead).min(life / 2);
            let expires = now.saturating_add(life);
            Value {
                secret,
                view: OnceLock::new(),
                refresh_at: expires - ahead,
                expires,
                stale_until: expires.saturating_add(nanos(self.options.stale_for)),
                retry_at: AtomicU64::new(0),
                last_used: AtomicU64::new(now >> 20),
            }
        });
        let _admission = self.admission.lock();
        if shard.generation.load(Ordering::Acquire) != generation {
            return value.served(false); // invalidated while the request ran: hand it out, do not keep it
        }
        let old = shard.map.write().insert(key.into(), value.clone());
        if old.is_none() {
            let held = self.entries.fetch_add(1, Ordering::AcqRel) + 1;
            if held > self.options.max_entries {
                self.evict(held - self.options.max_entries, key);
            }
        }
        drop(old); // zeroized here unless a caller still holds it
        value.served(false)
    }

    /// Evicts the `n` least recently used values other than `keep` (admission lock held).
    fn evict(&self, n: usize, keep: &[u8]) {
        for _ in 0..n {
            let mut oldest: Option<(usize, Box<[u8]>, u64)> = None;
            for (i, shard) in self.shards.iter().enumerate() {
                let map = shard.map.read();
                for (k, v) in map.iter() {
                    let used = v.last_used.load(Ordering::Relaxed);
                    if &**k != keep && oldest.as_ref().is_none_or(|(_, _, u)| used < *u) {
                        oldest = Some((i, k.clone(), used));
                    }
                }
            }
            let Some((i, k, _)) = oldest else { return };
            let removed = self.shards[i].map.write().remove(&k);
            if removed.is_some() {
                self.entries.fetch_sub(1, Ordering::AcqRel);
                bump(&self.counters.evictions);
            }
        }
    }

    /// Removes `key` if it still holds `value`.
    fn remove_value(&self, shard: &Shard, key: &[u8], value: &Arc<Value>) {
        let _admission = self.admission.lock();
        let mut map = shard.map.write();
        if map.get(key).is_some_and(|v| Arc::ptr_eq(v, value)) {
            let removed = map.remove(key);
            drop(map);
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
        let shard = &self.shards[key.shard()];
        let _admission = self.admission.lock();
        shard.generation.fetch_add(1, Ordering::AcqRel);
        let mut removed = Vec::new();
        shard.map.write().retain(|k, v| {
            let keep = !k.starts_with(prefix);
            if !keep {
                removed.push(v.clone());
            }
            keep
        });
        self.entries.fetch_sub(removed.len(), Ordering::AcqRel);
        self.counters.invalidations.fetch_add(removed.len() as u64, Ordering::Relaxed);
        removed.len() // the values are zeroized as `removed` drops, unless a caller still holds them
    }

    /// Removes every value; returns how many.
    pub fn invalidate_all(&self) -> usize {
        let _admission = self.admission.lock();
        let mut total = 0;
        for shard in self.shards.iter() {
            shard.generation.fetch_add(1, Ordering::AcqRel);
            let drained: Vec<_> = shard.map.write().drain().collect();
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
        assert_eq!(a.shard(), b.shard());
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
