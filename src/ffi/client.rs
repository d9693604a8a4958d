//! `kv_client_options` and `kv_client`.

use crate::client::{Client, ClientOptions, Timeout};
use crate::ffi::boundary::{handle, handle_mut, into_handle, optional_handle, out_slot, string};
use crate::ffi::credential::kv_credential;
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use std::ffi::c_char;
use std::time::Duration;

/// Client settings. Create with `kv_client_options_new`, set what you need, pass to
/// `kv_client_new` (which copies them), then free. Not thread-safe: one thread at a time.
pub struct kv_client_options {
    inner: ClientOptions,
}

/// A Key Vault client for one vault. Thread-safe: every `kv_client_*` call taking a
/// `const kv_client *` may run concurrently from any number of threads. Calls block the calling
/// thread, bounded by the configured timeouts.
pub struct kv_client {
    pub(crate) inner: Client,
}

/// New options with defaults: api-version 2025-07-01, challenge resource verified, HTTPS only,
/// no verb override, connect timeout 10 s, read timeout 30 s, call timeout 120 s, 4 retries
/// with exponential backoff from 800 ms (max 60 s). Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn kv_client_options_new() -> *mut kv_client_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_client_options { inner: ClientOptions::default() }) })
}

/// Sets the `api-version` sent on every request (e.g. "7.5").
#[no_mangle]
pub extern "C" fn kv_client_options_set_api_version(
    o: *mut kv_client_options,
    v: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let v = string(v, "api_version")?;
        o.inner.set_api_version(v)
    })
}

/// Trusts the CA certificates in the PEM file `pem_path` in addition to the system's roots
/// (for test servers and private CAs). The file is read now; TLS verification is never off.
#[no_mangle]
pub extern "C" fn kv_client_options_set_ca_file(
    o: *mut kv_client_options,
    pem_path: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let path = string(pem_path, "pem_path")?;
        o.inner.set_ca_file(path)
    })
}

/// Whether the 401 challenge's resource must match the vault host (default on). Turn off only
/// for emulators and private domains; with it on, a mismatch fails with
/// `KV_STATUS_CHALLENGE_RESOURCE_MISMATCH` and no token is sent.
#[no_mangle]
pub extern "C" fn kv_client_options_set_verify_challenge_resource(
    o: *mut kv_client_options,
    on: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.pipeline.verify_challenge_resource = on;
        Ok(())
    })
}

/// Sends PUT, PATCH and DELETE as POST with `X-HTTP-METHOD` and `X-HTTP-REQUEST` headers naming
/// the real verb (default off), for networks that block verbs. A DELETE so sent has an empty
/// body (`Content-Length: 0`).
#[no_mangle]
pub extern "C" fn kv_client_options_set_method_override(
    o: *mut kv_client_options,
    on: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.pipeline.method_override = on;
        Ok(())
    })
}

/// Allows a plain `http://` vault URL (default off), and only to a loopback host: `localhost`,
/// `127.0.0.0/8` or `[::1]` (any other host gives KV_STATUS_INSECURE_TRANSPORT when the client is
/// created). For local test servers: tokens then travel unencrypted.
#[no_mangle]
pub extern "C" fn kv_client_options_set_allow_insecure_http(
    o: *mut kv_client_options,
    on: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.pipeline.allow_insecure_http = on;
        Ok(())
    })
}

/// Connect timeout (TCP + TLS) in milliseconds, at least 1.
#[no_mangle]
pub extern "C" fn kv_client_options_set_connect_timeout_ms(
    o: *mut kv_client_options,
    ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { handle_mut(o, "options")?.inner.set_timeout_ms(Timeout::Connect, ms) })
}

/// Read timeout in milliseconds (waiting for the reply head, then again for the whole body), at
/// least 1.
#[no_mangle]
pub extern "C" fn kv_client_options_set_read_timeout_ms(
    o: *mut kv_client_options,
    ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { handle_mut(o, "options")?.inner.set_timeout_ms(Timeout::Read, ms) })
}

/// Whole-call timeout in milliseconds, all retries and waits included (getting the token too:
/// a call behind a slow identity endpoint or token callback ends with KV_STATUS_TIMEOUT at this
/// deadline), at least 1.
#[no_mangle]
pub extern "C" fn kv_client_options_set_call_timeout_ms(
    o: *mut kv_client_options,
    ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { handle_mut(o, "options")?.inner.set_timeout_ms(Timeout::Call, ms) })
}

/// Retries after the first attempt for 408, 429, 500, 502, 503, 504 and transport failures
/// (0 disables retrying; at most 100).
#[no_mangle]
pub extern "C" fn kv_client_options_set_max_retries(
    o: *mut kv_client_options,
    retries: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { handle_mut(o, "options")?.inner.set_max_retries(retries) })
}

/// Backoff: the first retry waits about `initial_ms` (±20% jitter), doubling each retry, each
/// wait capped at `max_ms`. A server's `Retry-After` / `retry-after-ms` is honoured instead.
#[no_mangle]
pub extern "C" fn kv_client_options_set_retry_delay_ms(
    o: *mut kv_client_options,
    initial_ms: u64,
    max_ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.inner.set_retry_delay(Duration::from_millis(initial_ms), Duration::from_millis(max_ms))
    })
}

/// Frees options. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_client_options_free(o: *mut kv_client_options) {
    ffi_free!(o)
}

/// Creates a client for `vault_url` (e.g. "https://myvault.vault.azure.net").
/// `cred` is not consumed (the client keeps its own reference). `opts` may be NULL for defaults
/// and is not consumed. No request is sent until the first call.
#[no_mangle]
pub extern "C" fn kv_client_new(
    vault_url: *const c_char,
    cred: *const kv_credential,
    opts: *const kv_client_options,
    out: *mut *mut kv_client,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let url = string(vault_url, "vault_url")?;
        let cred = handle(cred, "cred")?;
        let defaults = ClientOptions::default();
        let opts = optional_handle(opts).map(|o| &o.inner).unwrap_or(&defaults);
        let client = Client::new(url, cred.inner.clone(), opts)?;
        *out = into_handle(kv_client { inner: client });
        Ok(())
    })
}

/// Frees a client. NULL is accepted. May run on any thread, but not while calls on this client
/// are still running. Iterators created from it stay valid.
#[no_mangle]
pub extern "C" fn kv_client_free(client: *mut kv_client) {
    ffi_free!(client)
}
