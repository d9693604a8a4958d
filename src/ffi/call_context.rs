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
