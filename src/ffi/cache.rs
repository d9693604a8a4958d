//! The secret cache over the C ABI: `kv_secret_cache_options`, `kv_secret_cache` and
//! `kv_secret_cache_counters`.

use crate::cache::{CacheOptions, CacheStats, SecretCache};
use crate::ffi::boundary::{handle, handle_mut, into_handle, optional_handle, optional_string, out_slot, string};
use crate::ffi::call_context::kv_call_context;
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::secret::kv_secret;
use crate::ffi::status::kv_status;
use crate::secrets::Secret;
use std::ffi::c_char;

/// Settings of a secret cache. Create with `kv_secret_cache_options_new`, set what you need, pass
/// to `kv_secret_cache_new` (which copies them), then free. Not thread-safe: one thread at a time.
pub struct kv_secret_cache_options {
    inner: CacheOptions,
}

/// A cache of secrets over one client: values read once and served from memory until they
/// expire, with one request per secret however many threads ask for it, refresh ahead of expiry,
/// stale values while the vault throttles or is down, a bound on entries, invalidation and
/// counters. Thread-safe: every call taking a `const kv_secret_cache *` may run concurrently from
/// any number of threads. Cached values are zeroized when they leave the cache.
pub struct kv_secret_cache {
    inner: SecretCache,
}

/// The counters of a secret cache since it was created, and its size (see
/// `kv_secret_cache_stats`). Every get counts once in exactly one of hits, misses, stale and errors.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct kv_secret_cache_counters {
    /// Gets answered from the cache with a fresh value, without waiting for a request.
    pub hits: u64,
    /// Gets that waited for a request (made by them or by another thread) and got its value.
    pub misses: u64,
    /// Gets answered with a stale value (past its expiry; the vault throttled, failed or could not
    /// be reached).
    pub stale: u64,
    /// Gets that returned an error.
    pub errors: u64,
    /// Requests sent to the vault.
    pub requests: u64,
    /// Requests sent for a secret that had a value (refresh ahead of or after expiry).
    pub refreshes: u64,
    /// Values evicted to stay within the bound (least recently used first).
    pub evictions: u64,
    /// Values removed by `kv_secret_cache_invalidate` or because the vault answered that the
    /// secret is gone or not readable (404, 403, ...).
    pub invalidations: u64,
    /// Values held now.
    pub entries: u64,
}

impl From<CacheStats> for kv_secret_cache_counters {
    fn from(s: CacheStats) -> Self {
        kv_secret_cache_counters {
            hits: s.hits,
            misses: s.misses,
            stale: s.stale,
            errors: s.errors,
            requests: s.requests,
            refreshes: s.refreshes,
            evictions: s.evictions,
            invalidations: s.invalidations,
            entries: s.entries,
        }
    }
}

// --- options ----------------------------------------------------------------------------------

/// New cache options with defaults: TTL 5 minutes, jitter 0.1, refresh ahead 30 s, stale for
/// 5 minutes, at most 1024 entries, error retry 1 s. Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn kv_secret_cache_options_new() -> *mut kv_secret_cache_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_secret_cache_options { inner: CacheOptions::default() }) })
}

/// How long a value of the latest version is served before it is fetched again, in milliseconds
/// (at least 1). Values of a pinned version (a get with a version) never expire.
#[no_mangle]
pub extern "C" fn kv_secret_cache_options_set_ttl_ms(
    o: *mut kv_secret_cache_options,
    ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { handle_mut(o, "options")?.inner.set_ttl_ms(ms) })
}

/// Jitter: each value's life is the TTL shortened by a random share of up to `share` × TTL
/// (0.0 to 1.0), so values fetched together do not expire together.
#[no_mangle]
pub extern "C" fn kv_secret_cache_options_set_jitter(
    o: *mut kv_secret_cache_options,
    share: f64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { handle_mut(o, "options")?.inner.set_jitter(share) })
}

/// Refresh ahead, in milliseconds (0 = off): in the last `ms` of a value's life (at most half of
/// it), the first caller fetches it again while every other caller keeps getting the current
/// value. The refresh runs on that caller's thread; the cache starts no thread.
#[no_mangle]
pub extern "C" fn kv_secret_cache_options_set_refresh_ahead_ms(
    o: *mut kv_secret_cache_options,
    ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.set_refresh_ahead_ms(ms);
        Ok(())
    })
}

/// Stale on error, in milliseconds (0 = off): when the vault throttles (429), fails (408, 5xx) or
/// cannot be reached, an expired value is served for up to `ms` past its expiry, flagged stale
/// (see `kv_secret_cache_get_ex`) and counted. Past that bound the get returns the error.
#[no_mangle]
pub extern "C" fn kv_secret_cache_options_set_stale_for_ms(
    o: *mut kv_secret_cache_options,
    ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.set_stale_for_ms(ms);
        Ok(())
    })
}

/// The most values held (at least 1); storing one more evicts the least recently used (and
/// zeroizes it).
#[no_mangle]
pub extern "C" fn kv_secret_cache_options_set_max_entries(
    o: *mut kv_secret_cache_options,
    max_entries: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { handle_mut(o, "options")?.inner.set_max_entries(max_entries) })
}

/// After a failed request for a secret, the least time in milliseconds before the cache asks the
/// vault for it again; meanwhile the value is served (flagged stale once expired) without a
/// request, so a throttled vault is not asked again by every caller.
#[no_mangle]
pub extern "C" fn kv_secret_cache_options_set_error_retry_ms(
    o: *mut kv_secret_cache_options,
    ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.set_error_retry_ms(ms);
        Ok(())
    })
}

/// Frees cache options. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_secret_cache_options_free(o: *mut kv_secret_cache_options) {
    ffi_free!(o)
}

// --- the cache --------------------------------------------------------------------------------

/// Creates a secret cache over `client`. The cache keeps its own reference to the client's
/// connections and tokens: `client` may be freed before the cache. `options` may be NULL for
/// defaults and is not consumed. Sends no request.
#[no_mangle]
pub extern "C" fn kv_secret_cache_new(
    client: *const kv_client,
    options: *const kv_secret_cache_options,
    out: *mut *mut kv_secret_cache,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = handle(client, "client")?;
        let options = optional_handle(options).map(|o| o.inner.clone()).unwrap_or_default();
        *out = into_handle(kv_secret_cache { inner: SecretCache::new(client.inner.clone(), options)? });
        Ok(())
    })
}

/// Gets a secret with its value through the cache: from memory when it holds a fresh value, else
/// from the vault (one request however many threads ask; the others wait for it). `version` NULL
/// or "" means the latest version, cached for the TTL; a version pins that version, which is
/// never fetched again. `*out` receives a new `kv_secret` (free it with `kv_secret_free`; it stays
/// valid after the value leaves the cache or the cache is freed). A stale value (see
/// `kv_secret_cache_options_set_stale_for_ms`) is returned with KV_STATUS_OK; use
/// `kv_secret_cache_get_ex` to learn that it was stale.
#[no_mangle]
pub extern "C" fn kv_secret_cache_get(
    cache: *const kv_secret_cache,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    kv_secret_cache_get_ex(cache, name, version, out, std::ptr::null_mut(), err_out)
}

/// Like `kv_secret_cache_get`; `*stale_out` (may be NULL) receives true when the value is past
/// its expiry and served because the vault throttled, failed or could not be reached.
#[no_mangle]
pub extern "C" fn kv_secret_cache_get_ex(
    cache: *const kv_secret_cache,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_secret,
    stale_out: *mut bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    kv_secret_cache_get_in_context(cache, std::ptr::null(), name, version, out, stale_out, err_out)
}

/// `kv_secret_cache_get_ex` under a call context (`ctx` NULL = none): a request the get makes,
/// or its wait for another thread's request of the same secret, ends with KV_STATUS_CANCELLED
/// within about 100 ms of `kv_call_context_cancel`, and with KV_STATUS_TIMEOUT at the context's
/// deadline (the other thread's request goes on). A hit answers from memory as usual.
#[no_mangle]
pub extern "C" fn kv_secret_cache_get_in_context(
    cache: *const kv_secret_cache,
    ctx: *const kv_call_context,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_secret,
    stale_out: *mut bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let cache = handle(cache, "cache")?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        // One kv_secret value per cached value (and CPU stripe), shared by the handles of hits.
        let context = optional_handle(ctx).map(|ctx| &ctx.inner);
        let (shared, stale) = cache.inner.get_shared(context, name, version, Secret::clone)?;
        *out = into_handle(kv_secret::shared(shared));
        // SAFETY: NULL or a pointer to writable storage for one bool (the caller's contract).
        if let Some(stale_out) = unsafe { stale_out.as_mut() } {
            *stale_out = stale;
        }
        Ok(())
    })
}

/// Removes every cached version of the secret `name` (latest and pinned), zeroizing them; NULL
/// removes everything. The next get fetches from the vault. A request already in flight still
/// answers its callers but its value is not kept. Returns the number of values removed (0 when
/// `cache` is NULL or `name` is not valid UTF-8).
#[no_mangle]
pub extern "C" fn kv_secret_cache_invalidate(cache: *const kv_secret_cache, name: *const c_char) -> u64 {
    ffi_value!(0, {
        let Ok(cache) = handle(cache, "cache") else { return 0 };
        let removed = match optional_string(name, "name") {
            Ok(Some(name)) => cache.inner.invalidate(name),
            Ok(None) => cache.inner.invalidate_all(),
            Err(_) => 0,
        };
        removed as u64
    })
}

/// Copies the cache's counters and size into `*out`. Returns false (and leaves `*out`
/// untouched) when an argument is NULL.
#[no_mangle]
pub extern "C" fn kv_secret_cache_stats(cache: *const kv_secret_cache, out: *mut kv_secret_cache_counters) -> bool {
    ffi_value!(false, {
        let Ok(cache) = handle(cache, "cache") else { return false };
        // SAFETY: NULL or a pointer to writable storage for one kv_secret_cache_counters.
        match unsafe { out.as_mut() } {
            Some(out) => {
                *out = cache.inner.stats().into();
                true
            }
            None => false,
        }
    })
}

/// Frees a cache, zeroizing every value it holds. NULL is accepted. May run on any thread, but
/// not while calls on this cache are still running. Secrets it returned stay valid.
#[no_mangle]
pub extern "C" fn kv_secret_cache_free(cache: *mut kv_secret_cache) {
    ffi_free!(cache)
}
