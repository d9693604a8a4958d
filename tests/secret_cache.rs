//! The secret cache through the C ABI (`kv_secret_cache_*`): single flight, refresh ahead,
//! stale-on-error with 429 and 503, the stale bound, definite errors, pinned versions, the bound on
//! entries and invalidation, exact counters under 16 threads, readers racing eviction and
//! invalidation. Requests are counted at the scripted HTTPS server; the stand-in vault
//! serves the end-to-end test.

mod support;

use kv::ffi::cache::*;
use kv::ffi::secrets::{kv_secret, kv_secret_free};
use kv::ffi::status::*;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;
use support::capi::*;
use support::scripted_server::*;

const TOKEN: &str = "tok-cache";
const V1: &str = "0123456789abcdef0123456789abcdef";
const V2: &str = "fedcba9876543210fedcba9876543210";

fn challenge() -> Reply {
    Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"Request is missing a Bearer or PoP token."}}"#)
        .with_header(
            "WWW-Authenticate",
            r#"Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://localhost""#,
        )
}

/// A vault answering the challenge to unauthenticated requests and passing authorized ones to `f`
/// with the number of authorized requests before.
fn vault<F>(f: F) -> ScriptedServer
where
    F: Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
{
    let authorized = AtomicUsize::new(0);
    ScriptedServer::start(move |_, req| {
        if req.header("authorization").is_none() {
            return challenge();
        }
        f(authorized.fetch_add(1, Ordering::SeqCst), req)
    })
}

/// A secret reply whose name and version come from the request path (`/secrets/{name}[/{v}]`).
fn secret_reply(req: &RecordedRequest, value: &str, version: &str) -> Reply {
    let name = req.path().trim_start_matches("/secrets/").split('/').next().unwrap_or("");
    let host = req.header("host").unwrap_or("localhost");
    Reply::json(
        200,
        &format!(
            r#"{{"value":"{value}","id":"https://{host}/secrets/{name}/{version}","attributes":{{"enabled":true}}}}"#
        ),
    )
}

fn throttled() -> Reply {
    Reply::json(429, r#"{"error":{"code":"Throttled","message":"Request was not processed because too many requests were received."}}"#)
        .with_header("Retry-After", "1")
}

fn unavailable() -> Reply {
    Reply::json(503, r#"{"error":{"code":"ServiceUnavailable","message":"The service is unavailable."}}"#)
}

/// Authorized requests whose path starts with `/secrets/{name}`.
fn requests_for(server: &ScriptedServer, name: &str) -> usize {
    let prefix = format!("/secrets/{name}");
    server.requests().iter().filter(|r| r.header("authorization").is_some() && r.path().starts_with(&prefix)).count()
}

fn client(server: &ScriptedServer) -> Client {
    let opts = Options::new().ca_file(&server.ca_file().to_string_lossy()).retries(0, 10, 50);
    Client::new(&server.url(), TOKEN, &opts).expect("client")
}

/// Owned cache options.
struct CacheOpts(*mut kv_secret_cache_options);
impl CacheOpts {
    /// TTL `ttl_ms`, no jitter, no refresh ahead, stale for `stale_ms`, error retry 50 ms.
    fn new(ttl_ms: u64, stale_ms: u64) -> CacheOpts {
        let o = kv_secret_cache_options_new();
        assert!(!o.is_null());
        call(|e| kv_secret_cache_options_set_ttl_ms(o, ttl_ms, e)).unwrap();
        call(|e| kv_secret_cache_options_set_jitter(o, 0.0, e)).unwrap();
        call(|e| kv_secret_cache_options_set_refresh_ahead_ms(o, 0, e)).unwrap();
        call(|e| kv_secret_cache_options_set_stale_for_ms(o, stale_ms, e)).unwrap();
        call(|e| kv_secret_cache_options_set_error_retry_ms(o, 50, e)).unwrap();
        CacheOpts(o)
    }
    fn refresh_ahead(self, ms: u64) -> CacheOpts {
        call(|e| kv_secret_cache_options_set_refresh_ahead_ms(self.0, ms, e)).unwrap();
        self
    }
    fn max_entries(self, n: u64) -> CacheOpts {
        call(|e| kv_secret_cache_options_set_max_entries(self.0, n, e)).unwrap();
        self
    }
}
impl Drop for CacheOpts {
    fn drop(&mut self) {
        kv_secret_cache_options_free(self.0);
    }
}

/// Owned cache.
struct Cache(*mut kv_secret_cache);
unsafe impl Send for Cache {}
unsafe impl Sync for Cache {}
impl Cache {
    fn new(client: &Client, opts: &CacheOpts) -> Cache {
        let mut out = null_mut();
        call(|e| kv_secret_cache_new(client.0, opts.0, &mut out, e)).expect("cache");
        Cache(out)
    }
    /// (value, version, stale)
    fn get(&self, name: &str, version: Option<&str>) -> Result<(String, String, bool), CallError> {
        let mut out: *mut kv_secret = null_mut();
        let mut stale = false;
        let version = version.map(c);
        call(|e| {
            kv_secret_cache_get_ex(
                self.0,
                c(name).as_ptr(),
                version.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()),
                &mut out,
                &mut stale,
                e,
            )
        })?;
        let s = Secret(out);
        Ok((String::from_utf8(s.value()).unwrap(), s.version(), stale))
    }
    fn value(&self, name: &str) -> String {
        self.get(name, None).expect("cached get").0
    }
    fn stats(&self) -> kv_secret_cache_counters {
        let mut s = kv_secret_cache_counters::default();
        assert!(kv_secret_cache_stats(self.0, &mut s));
        s
    }
    fn invalidate(&self, name: Option<&str>) -> u64 {
        let name = name.map(c);
        kv_secret_cache_invalidate(self.0, name.as_ref().map_or(std::ptr::null(), |n| n.as_ptr()))
    }
}
impl Drop for Cache {
    fn drop(&mut self) {
        kv_secret_cache_free(self.0);
    }
}

/// Runs `f` on 16 threads sharing `cache`, started together (a barrier); each thread's result.
fn on_sixteen_threads_at_once<T: Send + 'static>(cache: &Arc<Cache>, f: fn(&Cache) -> T) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (cache, barrier) = (cache.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                f(&cache)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

#[test]
fn sixteen_threads_on_an_expired_entry_make_one_request() {
    let server = vault(|i, req| {
        let reply = secret_reply(req, &format!("value-{i}"), V1);
        // Later requests take a while, so every thread arrives while the first is in flight.
        if i == 0 {
            reply
        } else {
            reply.with_delay(Duration::from_millis(300))
        }
    });
    let client = client(&server);
    let cache = Arc::new(Cache::new(&client, &CacheOpts::new(100, 0)));
    assert_eq!(cache.value("single"), "value-0");
    assert_eq!(requests_for(&server, "single"), 1);
    thread::sleep(Duration::from_millis(150)); // expired

    let results = on_sixteen_threads_at_once(&cache, |cache| cache.get("single", None).expect("get"));
    for (value, _, stale) in results {
        assert_eq!(value, "value-1", "every thread gets the one new value");
        assert!(!stale);
    }
    assert_eq!(requests_for(&server, "single"), 2, "one request for sixteen threads");
    let s = cache.stats();
    // A thread the scheduler delays past the reply finds the new value: a hit instead of a miss.
    assert_eq!((s.requests, s.refreshes, s.misses + s.hits, s.entries), (2, 1, 17, 1), "{s:?}");
    assert!(s.misses >= 2, "{s:?}");
}

#[test]
fn sixteen_threads_on_a_cold_key_make_one_request() {
    let server = vault(|_, req| secret_reply(req, "cold-value", V1).with_delay(Duration::from_millis(300)));
    let client = client(&server);
    let cache = Arc::new(Cache::new(&client, &CacheOpts::new(60_000, 0)));
    let results = on_sixteen_threads_at_once(&cache, |cache| cache.value("cold"));
    for value in results {
        assert_eq!(value, "cold-value");
    }
    assert_eq!(requests_for(&server, "cold"), 1);
    // Hits from now on.
    for _ in 0..100 {
        assert_eq!(cache.value("Cold"), "cold-value", "names are case-insensitive");
    }
    assert_eq!(requests_for(&server, "cold"), 1);
    let s = cache.stats();
    assert_eq!((s.misses + s.hits, s.requests), (116, 1), "{s:?}");
    assert!(s.misses >= 1 && s.hits >= 100, "{s:?}");
}

#[test]
fn refresh_ahead_lets_one_caller_refresh_while_others_get_the_current_value() {
    let server = vault(|i, req| match i {
        0 => secret_reply(req, "old", V1),
        _ => secret_reply(req, "new", V2).with_delay(Duration::from_millis(1500)),
    });
    let client = client(&server);
    // Life 4 s, refresh from 2 s on (refresh ahead is capped at half the life).
    let cache = Arc::new(Cache::new(&client, &CacheOpts::new(4000, 0).refresh_ahead(3000)));
    assert_eq!(cache.value("ahead"), "old");
    thread::sleep(Duration::from_millis(2100));
    let refresher = {
        let cache = cache.clone();
        thread::spawn(move || cache.value("ahead"))
    };
    // Wait until the refresh is in flight (its reply takes 1.5 s).
    for _ in 0..100 {
        if requests_for(&server, "ahead") == 2 {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(requests_for(&server, "ahead"), 2);
    let (value, _, stale) = cache.get("ahead", None).unwrap();
    assert_eq!((value.as_str(), stale), ("old", false), "others keep the current value meanwhile");
    assert_eq!(refresher.join().unwrap(), "new", "the refreshing caller gets the new value");
    assert_eq!(cache.value("ahead"), "new");
    assert_eq!(requests_for(&server, "ahead"), 2);
    let s = cache.stats();
    assert_eq!((s.requests, s.refreshes), (2, 1));
}

/// Stale on error: after a value expires, the vault answers `failure`; the value is served, flagged
/// and counted until the stale bound passes, then the error is returned.
fn serves_stale_then_fails(failure: fn() -> Reply, expected: kv_status, http: u16) {
    let server = vault(move |i, req| if i == 0 { secret_reply(req, "last-good", V1) } else { failure() });
    let client = client(&server);
    let cache = Cache::new(&client, &CacheOpts::new(200, 3000));
    assert_eq!(cache.get("flaky", None).unwrap(), ("last-good".into(), V1.into(), false));
    thread::sleep(Duration::from_millis(250)); // expired; stale until 3200 ms

    assert_eq!(cache.get("flaky", None).unwrap(), ("last-good".into(), V1.into(), true), "served stale");
    assert_eq!(requests_for(&server, "flaky"), 2);
    // Within the error retry (50 ms) no new request: the vault is not asked by every caller.
    assert!(cache.get("flaky", None).unwrap().2);
    let s = cache.stats();
    assert!(s.stale >= 2 && s.errors == 0, "{s:?}");
    thread::sleep(Duration::from_millis(100));
    assert!(cache.get("flaky", None).unwrap().2, "still stale after another failed request");
    let asked = requests_for(&server, "flaky");
    assert!((2..=4).contains(&asked), "{asked} requests");

    thread::sleep(Duration::from_millis(3100)); // past the stale bound
    let err = expect_status(cache.get("flaky", None).map(|_| ()), expected);
    assert_eq!(err.http_status, http);
    let s = cache.stats();
    assert_eq!((s.errors, s.entries), (1, 0), "{s:?}");
    assert!(s.stale >= 3);
}

#[test]
fn throttling_serves_the_last_value_flagged_stale_until_the_bound() {
    serves_stale_then_fails(throttled, KV_STATUS_THROTTLED, 429);
}

#[test]
fn server_failure_serves_the_last_value_flagged_stale_until_the_bound() {
    serves_stale_then_fails(unavailable, KV_STATUS_SERVER_ERROR, 503);
}

#[test]
fn without_a_stale_bound_an_outage_is_an_error() {
    let server = vault(|i, req| if i == 0 { secret_reply(req, "v", V1) } else { unavailable() });
    let client = client(&server);
    let cache = Cache::new(&client, &CacheOpts::new(100, 0));
    cache.value("nostale");
    thread::sleep(Duration::from_millis(150));
    expect_status(cache.get("nostale", None).map(|_| ()), KV_STATUS_SERVER_ERROR);
    assert_eq!(cache.stats().stale, 0);
}

#[test]
fn an_unreachable_vault_serves_stale() {
    let server = vault(|_, req| secret_reply(req, "reachable", V1));
    let client = client(&server);
    let cache = Cache::new(&client, &CacheOpts::new(100, 5000));
    cache.value("gone");
    drop(server); // nothing listens any more
    thread::sleep(Duration::from_millis(150));
    let (value, _, stale) = cache.get("gone", None).expect("stale value");
    assert_eq!((value.as_str(), stale), ("reachable", true));
}

#[test]
fn a_definite_answer_drops_the_value() {
    let server = vault(|i, req| {
        if i == 0 {
            secret_reply(req, "soon-deleted", V1)
        } else {
            Reply::json(
                404,
                r#"{"error":{"code":"SecretNotFound","message":"A secret with (name/id) deleted was not found in this key vault."}}"#,
            )
        }
    });
    let client = client(&server);
    let cache = Cache::new(&client, &CacheOpts::new(100, 60_000));
    cache.value("deleted");
    thread::sleep(Duration::from_millis(150));
    expect_status(cache.get("deleted", None).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);
    let s = cache.stats();
    assert_eq!((s.entries, s.stale, s.invalidations), (0, 0, 1));
}

#[test]
fn a_pinned_version_is_never_fetched_again() {
    let server = vault(|_, req| {
        let version = req.path().rsplit('/').next().unwrap_or("").to_owned();
        secret_reply(req, &format!("value-of-{version}"), &version)
    });
    let client = client(&server);
    let cache = Cache::new(&client, &CacheOpts::new(50, 0));
    assert_eq!(cache.get("pinned", Some(V1)).unwrap(), (format!("value-of-{V1}"), V1.into(), false));
    thread::sleep(Duration::from_millis(120)); // three TTLs
    for _ in 0..3 {
        assert_eq!(cache.get("pinned", Some(V1)).unwrap().0, format!("value-of-{V1}"));
    }
    assert_eq!(requests_for(&server, "pinned"), 1, "a version's value never changes");
    // Another version is its own entry.
    assert_eq!(cache.get("pinned", Some(V2)).unwrap().0, format!("value-of-{V2}"));
    assert_eq!(requests_for(&server, "pinned"), 2);
    assert_eq!(cache.stats().entries, 2);
}

#[test]
fn the_bound_evicts_the_least_recently_used() {
    let server = vault(|_, req| {
        let name = req.path().trim_start_matches("/secrets/").trim_end_matches('/').to_owned();
        secret_reply(req, &format!("value-of-{name}"), V1)
    });
    let client = client(&server);
    let cache = Cache::new(&client, &CacheOpts::new(60_000, 0).max_entries(2));
    let pause = || thread::sleep(Duration::from_millis(5));
    cache.value("lru-a");
    pause();
    cache.value("lru-b");
    pause();
    cache.value("lru-a"); // a is now more recently used than b
    pause();
    cache.value("lru-c"); // evicts b
    let s = cache.stats();
    assert_eq!((s.entries, s.evictions), (2, 1));
    pause();
    cache.value("lru-a");
    cache.value("lru-c");
    assert_eq!((requests_for(&server, "lru-a"), requests_for(&server, "lru-c")), (1, 1), "a and c stayed");
    cache.value("lru-b");
    assert_eq!(requests_for(&server, "lru-b"), 2, "b was evicted");
    let s = cache.stats();
    assert_eq!((s.entries, s.evictions), (2, 2));
}

#[test]
fn invalidation_removes_one_name_or_everything() {
    let server = vault(|_, req| {
        let version = req.path().trim_start_matches("/secrets/").split('/').nth(1).unwrap_or("").to_owned();
        secret_reply(req, "v", if version.is_empty() { V1 } else { &version })
    });
    let client = client(&server);
    let cache = Cache::new(&client, &CacheOpts::new(60_000, 0));
    cache.value("inv-a");
    cache.get("inv-a", Some(V2)).unwrap();
    cache.value("inv-b");
    assert_eq!(cache.invalidate(Some("INV-A")), 2, "latest and pinned versions of the name");
    assert_eq!(cache.invalidate(Some("inv-a")), 0);
    assert_eq!(cache.stats().entries, 1);
    cache.value("inv-a");
    assert_eq!(requests_for(&server, "inv-a"), 3, "fetched again after invalidation");
    cache.value("inv-b");
    assert_eq!(requests_for(&server, "inv-b"), 1);
    assert_eq!(cache.invalidate(None), 2);
    cache.value("inv-b");
    assert_eq!(requests_for(&server, "inv-b"), 2);
    let s = cache.stats();
    assert_eq!((s.invalidations, s.entries), (4, 1));
}

#[test]
fn arguments_are_checked() {
    let server = vault(|_, req| secret_reply(req, "v", V1));
    let client = client(&server);
    let mut out = null_mut();
    expect_status(
        call(|e| kv_secret_cache_new(std::ptr::null(), std::ptr::null(), &mut out, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(call(|e| kv_secret_cache_new(client.0, std::ptr::null(), null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    let o = kv_secret_cache_options_new();
    expect_status(call(|e| kv_secret_cache_options_set_ttl_ms(o, 0, e)), KV_STATUS_INVALID_ARGUMENT);
    expect_status(call(|e| kv_secret_cache_options_set_jitter(o, -0.1, e)), KV_STATUS_INVALID_ARGUMENT);
    expect_status(call(|e| kv_secret_cache_options_set_max_entries(o, 0, e)), KV_STATUS_INVALID_ARGUMENT);
    expect_status(call(|e| kv_secret_cache_options_set_ttl_ms(null_mut(), 5, e)), KV_STATUS_NULL_ARGUMENT);
    kv_secret_cache_options_free(o);
    kv_secret_cache_options_free(null_mut());

    // Defaults when options are NULL.
    call(|e| kv_secret_cache_new(client.0, std::ptr::null(), &mut out, e)).unwrap();
    let cache = Cache(out);
    let mut secret: *mut kv_secret = null_mut();
    expect_status(
        call(|e| kv_secret_cache_get(cache.0, c("bad_name").as_ptr(), std::ptr::null(), &mut secret, e)),
        KV_STATUS_INVALID_NAME,
    );
    expect_status(
        call(|e| kv_secret_cache_get(cache.0, std::ptr::null(), std::ptr::null(), &mut secret, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(
        call(|e| kv_secret_cache_get(cache.0, c("ok").as_ptr(), std::ptr::null(), null_mut(), e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    assert!(secret.is_null(), "outputs are written only on success");
    assert_eq!(server.request_count(), 0, "nothing was sent");
    call(|e| kv_secret_cache_get(cache.0, c("ok").as_ptr(), std::ptr::null(), &mut secret, e)).unwrap();
    assert_eq!(Secret(secret).value(), b"v");
    assert!(!kv_secret_cache_stats(cache.0, null_mut()));
    assert!(!kv_secret_cache_stats(std::ptr::null(), &mut kv_secret_cache_counters::default()));
    assert_eq!(kv_secret_cache_invalidate(std::ptr::null(), std::ptr::null()), 0);
    let _ = kv_secret_free;
}

#[test]
fn the_cache_outlives_its_client_and_reads_the_stand_in_vault() {
    let vault = support::local_vault::vault();
    let name = support::local_vault::unique("cached");
    let client = vault.client();
    let first = client.set(&name, b"first value").unwrap().version();
    let cache = Cache::new(&client, &CacheOpts::new(60_000, 0));
    drop(client);
    assert_eq!(cache.get(&name, None).unwrap(), ("first value".into(), first.clone(), false));
    let writer = vault.client();
    writer.set(&name, b"second value").unwrap();
    assert_eq!(cache.value(&name), "first value", "served from the cache until invalidated");
    assert_eq!(cache.invalidate(Some(&name)), 1);
    assert_eq!(cache.value(&name), "second value");
    assert_eq!(cache.get(&name, Some(&first)).unwrap().0, "first value", "a pinned older version");
    let s = cache.stats();
    assert_eq!((s.requests, s.hits, s.entries), (3, 1, 2));
}

#[test]
fn hits_from_many_threads_are_counted_exactly() {
    let server = vault(|_, req| secret_reply(req, "many", V1));
    let client = client(&server);
    let cache = Arc::new(Cache::new(&client, &CacheOpts::new(600_000, 0)));
    assert_eq!(cache.value("many"), "many");
    let results = on_sixteen_threads_at_once(&cache, |cache| (0..500).all(|_| cache.value("many") == "many"));
    for all_hit in results {
        assert!(all_hit, "every hit gets the value");
    }
    let s = cache.stats();
    assert_eq!((s.hits, s.misses, s.requests, s.stale, s.errors), (16 * 500, 1, 1, 0, 0), "{s:?}");
}

/// Readers racing with writers: with room for one value, two names read in turn evict each
/// other, and a third thread invalidates; the shard maps are replaced under the readers all the
/// time. Every get gets its own name's whole value and is counted once.
#[test]
fn readers_racing_eviction_and_invalidation_get_whole_values() {
    let server = vault(|_, req| {
        let name = req.path().trim_start_matches("/secrets/").split('/').next().unwrap_or("").to_owned();
        secret_reply(req, &format!("value-of-{name}"), V1)
    });
    let client = client(&server);
    let cache = Arc::new(Cache::new(&client, &CacheOpts::new(600_000, 0).max_entries(1)));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let invalidator = {
        let (cache, done) = (cache.clone(), done.clone());
        thread::spawn(move || {
            let mut removed = 0;
            while !done.load(Ordering::Relaxed) {
                removed += cache.invalidate(Some("race-a"));
                thread::sleep(Duration::from_millis(1));
            }
            removed
        })
    };
    let readers: Vec<_> = (0..4)
        .map(|i| {
            let cache = cache.clone();
            thread::spawn(move || {
                for n in 0..150 {
                    let name = if (n + i) % 3 == 0 { "race-b" } else { "race-a" };
                    assert_eq!(cache.value(name), format!("value-of-{name}"));
                }
            })
        })
        .collect();
    for r in readers {
        r.join().unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let invalidated = invalidator.join().unwrap();
    let s = cache.stats();
    assert_eq!(s.hits + s.misses, 4 * 150, "{s:?}");
    assert_eq!((s.stale, s.errors), (0, 0), "{s:?}");
    assert!(s.entries <= 1 && s.evictions > 0, "{s:?}");
    assert_eq!(s.invalidations, invalidated, "{s:?}");
    assert_eq!(s.requests as usize, requests_for(&server, "race-"), "{s:?}");
}
