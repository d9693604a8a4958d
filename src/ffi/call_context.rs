//! `kv_call_context`: per-call cancellation and deadlines, and `kv_client_with_context`.

use crate::ffi::boundary::{handle, into_handle, optional_handle, out_slot};
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::http::cancel::CallContext;
use std::sync::Arc;
use std::time::Duration;

/// A cancellation handle with an optional deadline, for the calls of a client made with
/// `kv_client_with_context`. Thread-safe: `kv_call_context_cancel`,
/// `kv_call_context_set_deadline_ms` and `kv_call_context_is_cancelled` may be called from any
/// thread at any time, also while calls run under the context. A cancelled context stays
/// cancelled: use a new one for new work.
pub struct kv_call_context {
    pub(crate) inner: Arc<CallContext>,
}

/// Creates a call context: not cancelled, no deadline. Free it with `kv_call_context_free`.
#[no_mangle]
pub extern "C" fn kv_call_context_new(out: *mut *mut kv_call_context, err_out: *mut *mut kv_error) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_call_context { inner: CallContext::new()? });
        Ok(())
    })
}

/// Sets the context's deadline to `ms` milliseconds from now (0 removes the deadline). A call
/// under the context that has not finished by then fails with `KV_STATUS_TIMEOUT`; the client's
/// own call timeout still applies too (the earlier of the two ends the call).
#[no_mangle]
pub extern "C" fn kv_call_context_set_deadline_ms(
    ctx: *const kv_call_context,
    ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let ctx = handle(ctx, "ctx")?;
        ctx.inner.set_deadline_after((ms > 0).then(|| Duration::from_millis(ms)));
        Ok(())
    })
}

/// Cancels every call running under the context, and every later one: each returns
/// `KV_STATUS_CANCELLED` within about 100 ms, whether it is connecting, waiting for a reply,
/// sleeping before a retry or waiting for a token. A connection interrupted by it is closed,
/// never reused; a request already sent may have taken effect. May be called from any thread
/// (a signal handler excepted), any number of times. NULL is ignored.
#[no_mangle]
pub extern "C" fn kv_call_context_cancel(ctx: *const kv_call_context) {
    ffi_value!((), {
        if let Some(ctx) = optional_handle(ctx) {
            ctx.inner.cancel();
        }
    })
}

/// Whether `kv_call_context_cancel` was called on the context (false for NULL).
#[no_mangle]
pub extern "C" fn kv_call_context_is_cancelled(ctx: *const kv_call_context) -> bool {
    ffi_value!(false, { optional_handle(ctx).is_some_and(|c| c.inner.is_cancelled()) })
}

/// Frees a call context. NULL is accepted. Clients made with it keep their own reference, so
/// it may be freed while they are in use (they can then no longer be cancelled through it).
#[no_mangle]
pub extern "C" fn kv_call_context_free(ctx: *mut kv_call_context) {
    ffi_free!(ctx)
}

/// Writes to `*out` a client that shares `c`'s connection pool, credential, token cache and
/// settings, and runs every call (and every page an iterator made from it fetches) under `ctx`.
/// Cheap: make one per operation or request of the host. `c` and `ctx` are not consumed and may
/// be freed before the new client, which is freed with `kv_client_free`.
#[no_mangle]
pub extern "C" fn kv_client_with_context(
    c: *const kv_client,
    ctx: *const kv_call_context,
    out: *mut *mut kv_client,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = handle(c, "c")?;
        let ctx = handle(ctx, "ctx")?;
        *out = into_handle(kv_client { inner: client.inner.with_context(ctx.inner.clone()) });
        Ok(())
    })
}

/// Copies the `x-ms-client-request-id` of the last vault call that ended under `ctx` (success or
/// failure; the id the vault saw and `kv_error_client_request_id` would give) into `buf` as
/// NUL-terminated text when it fits in `buf_len` bytes (37 always suffice), and returns its
/// length without the NUL. Returns 0 (and writes nothing) before any call under `ctx` ended, when
/// that call sent no request, or for a NULL `ctx`; a `buf` too small (or NULL) gets nothing but
/// the length is still returned. With calls running concurrently under one context, "last" is
/// the one that ended last, and the three `kv_call_context_last_*` functions may each see a
/// different call.
#[no_mangle]
pub extern "C" fn kv_call_context_last_client_request_id(
    ctx: *const kv_call_context,
    buf: *mut std::ffi::c_char,
    buf_len: usize,
) -> usize {
    ffi_value!(0, {
        let Some(ctx) = optional_handle(ctx) else { return 0 };
        let id = ctx.inner.last_call().map(|d| d.client_request_id).unwrap_or_default();
        if !buf.is_null() && !id.is_empty() && buf_len > id.len() {
            // SAFETY: the caller gives `buf_len` writable bytes at `buf` (kv.h); id.len() + 1 fit.
            unsafe {
                std::ptr::copy_nonoverlapping(id.as_ptr(), buf.cast::<u8>(), id.len());
                *buf.add(id.len()) = 0;
            }
        }
        id.len()
    })
}

/// How many requests the last vault call that ended under `ctx` sent (retries, challenge rounds
/// and redirects each count one; 1 for a call answered at once). 0 before any call under `ctx`
/// ended, or for a NULL `ctx`.
#[no_mangle]
pub extern "C" fn kv_call_context_last_attempts(ctx: *const kv_call_context) -> u32 {
    ffi_value!(0, { optional_handle(ctx).and_then(|c| c.inner.last_call()).map_or(0, |d| d.attempts) })
}

/// Milliseconds (rounded up) the last vault call that ended under `ctx` took, from its start to
/// its end, token fetches and retry pauses included. 0 before any call under `ctx` ended, or
/// for a NULL `ctx`.
#[no_mangle]
pub extern "C" fn kv_call_context_last_elapsed_ms(ctx: *const kv_call_context) -> u64 {
    ffi_value!(0, {
        optional_handle(ctx)
            .and_then(|c| c.inner.last_call())
            .map_or(0, |d| u64::try_from(d.elapsed.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX))
    })
}
