//! Values leaving the secret cache are zeroized before their memory is freed: on eviction, on
//! invalidation (one name, all) and when the cache is freed. Same technique as
//! tests/zeroization.rs: a global allocator scans every freed block for a marker while armed. The
//! values come from the stand-in vault (another process, so no server thread frees a copy while
//! the scanner is armed). One test function, the scenarios one after another.

mod support;

use kv::ffi::cache::*;
use kv::ffi::secrets::kv_secret_free;
use std::ptr::null_mut;
use support::capi::*;
use support::scanning::{leaks, Scanning};

const MARKER: &str = "Zq7CACHEmarkerVALUE";

#[global_allocator]
static GLOBAL: Scanning = Scanning(MARKER.as_bytes());

fn cache_of(client: &Client, max_entries: u64) -> *mut kv_secret_cache {
    let o = kv_secret_cache_options_new();
    call(|e| kv_secret_cache_options_set_max_entries(o, max_entries, e)).unwrap();
    let mut cache = null_mut();
    call(|e| kv_secret_cache_new(client.0, o, &mut cache, e)).unwrap();
    kv_secret_cache_options_free(o);
    cache
}

/// Reads `name` through the cache, freeing the returned handle (kv_secret_free zeroizes it).
fn read(cache: *mut kv_secret_cache, name: &str) {
    let mut out = null_mut();
    call(|e| kv_secret_cache_get(cache, c(name).as_ptr(), std::ptr::null(), &mut out, e)).unwrap();
    kv_secret_free(out);
}

#[test]
fn cached_values_are_zeroized_when_they_leave_the_cache() {
    assert_eq!(leaks(|| drop(MARKER.to_owned())), 1, "the scanner works");
    let vault = support::local_vault::vault();
    let client = vault.client();
    let names: Vec<String> = (0..4).map(|_| support::local_vault::unique("zeroized")).collect();
    for name in &names {
        client.set(name, format!("{MARKER}-{name}").as_bytes()).unwrap();
    }

    // Invalidation of one name, then of everything.
    let cache = cache_of(&client, 16);
    read(cache, &names[0]);
    read(cache, &names[1]);
    read(cache, &names[2]);
    let mut freed = 0;
    assert_eq!(leaks(|| freed = kv_secret_cache_invalidate(cache, c(&names[0]).as_ptr())), 0, "invalidate one");
    assert_eq!(freed, 1);
    assert_eq!(leaks(|| freed = kv_secret_cache_invalidate(cache, std::ptr::null())), 0, "invalidate all");
    assert_eq!(freed, 2);

    // Freeing the cache.
    read(cache, &names[3]);
    assert_eq!(leaks(|| kv_secret_cache_free(cache)), 0, "free");

    // Eviction: the get of a second name evicts the first. The second value has no marker (its
    // copies on the way in are freed as they are, outside the cache's reach), so only the evicted
    // value could show up.
    let plain = support::local_vault::unique("plain");
    client.set(&plain, b"no marker here").unwrap();
    let cache = cache_of(&client, 1);
    read(cache, &names[0]);
    let mut stats = kv_secret_cache_counters::default();
    assert_eq!(leaks(|| read(cache, &plain)), 0, "evict");
    assert!(kv_secret_cache_stats(cache, &mut stats));
    assert_eq!((stats.evictions, stats.entries), (1, 1));
    kv_secret_cache_free(cache);
}
