//! `kv_error`: the owned error detail object, its accessors, `kv_status_str` and `kv_version`.

use crate::error::Error;
use crate::ffi::status::{self, kv_status, KV_STATUS_OK};
use crate::ffi::text::{kv_str, Text};
use std::ffi::c_char;

/// Details of a failed call: status, message, service codes, HTTP status, request ids, attempts
/// and elapsed time. Owned by the caller; free it with `kv_error_free`. Immutable, so it may be
/// read from any thread.
pub struct kv_error {
    status: kv_status,
    message: Text,
    service_code: Text,
    inner_code: Text,
    http_status: u16,
    request_id: Text,
    client_request_id: Text,
    attempts: u32,
    elapsed_ms: u64,
}

impl kv_error {
    /// Moves an error to the heap for C.
    pub fn into_raw(err: Error) -> *mut kv_error {
        // Interior NULs cannot cut a message short for C readers that stop at NUL.
        let message = err.message.replace('\0', "\\0");
        let diagnostics = err.diagnostics.as_deref().cloned().unwrap_or_default();
        Box::into_raw(Box::new(kv_error {
            status: status::status_of(&err),
            message: Text::new(message.as_bytes()),
            service_code: Text::new(err.service_code.as_bytes()),
            inner_code: Text::new(err.inner_code.as_bytes()),
            http_status: err.http_status,
            request_id: Text::new(err.request_id.as_bytes()),
            client_request_id: Text::new(diagnostics.client_request_id.as_bytes()),
            attempts: diagnostics.attempts,
            // Rounded up: a vault call never reports 0, which stays "not a vault call".
            elapsed_ms: u64::try_from(diagnostics.elapsed.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX),
        }))
    }
}

fn read<T>(err: *const kv_error, default: T, get: impl FnOnce(&kv_error) -> T) -> T {
    // SAFETY: NULL or a live kv_error from kv.
    match unsafe { err.as_ref() } {
        Some(e) => get(e),
        None => default,
    }
}

/// The status of `err`; `KV_STATUS_OK` when `err` is NULL.
#[no_mangle]
pub extern "C" fn kv_error_status(err: *const kv_error) -> kv_status {
    ffi_value!(KV_STATUS_OK, { read(err, KV_STATUS_OK, |e| e.status) })
}

/// Human-readable message (never contains secret values or tokens); empty when `err` is NULL.
#[no_mangle]
pub extern "C" fn kv_error_message(err: *const kv_error) -> kv_str {
    ffi_value!(kv_str::empty(), { read(err, kv_str::empty(), |e| e.message.view()) })
}

/// The service's outer `error.code` (e.g. "SecretNotFound", "Forbidden"); "" when the error did
/// not come from the service.
#[no_mangle]
pub extern "C" fn kv_error_service_code(err: *const kv_error) -> kv_str {
    ffi_value!(kv_str::empty(), { read(err, kv_str::empty(), |e| e.service_code.view()) })
}

/// The innermost `innererror.code` (e.g. "ForbiddenByRbac"), or "" when there is none.
#[no_mangle]
pub extern "C" fn kv_error_inner_code(err: *const kv_error) -> kv_str {
    ffi_value!(kv_str::empty(), { read(err, kv_str::empty(), |e| e.inner_code.view()) })
}

/// HTTP status of the reply, 0 when no HTTP reply was received.
#[no_mangle]
pub extern "C" fn kv_error_http_status(err: *const kv_error) -> u16 {
    ffi_value!(0, { read(err, 0, |e| e.http_status) })
}

/// The reply's `x-ms-request-id` (quote it to Azure support), or "".
#[no_mangle]
pub extern "C" fn kv_error_request_id(err: *const kv_error) -> kv_str {
    ffi_value!(kv_str::empty(), { read(err, kv_str::empty(), |e| e.request_id.view()) })
}

/// The `x-ms-client-request-id` kv sent with every request of the failed call (one id per call;
/// quote it with the request id: the service logs both), or "" when the call sent no request
/// (a caller error, a failure before the first request was sent).
#[no_mangle]
pub extern "C" fn kv_error_client_request_id(err: *const kv_error) -> kv_str {
    ffi_value!(kv_str::empty(), { read(err, kv_str::empty(), |e| e.client_request_id.view()) })
}

/// How many requests the failed call sent to the vault: retries, challenge rounds and
/// redirects each count one. 0 when it sent none (or `err` is NULL).
#[no_mangle]
pub extern "C" fn kv_error_attempts(err: *const kv_error) -> u32 {
    ffi_value!(0, { read(err, 0, |e| e.attempts) })
}

/// Milliseconds (rounded up) from the start of the failed vault call to its failure, token
/// fetches and retry pauses included. 0 when the error did not come from a vault call (or `err`
/// is NULL).
#[no_mangle]
pub extern "C" fn kv_error_elapsed_ms(err: *const kv_error) -> u64 {
    ffi_value!(0, { read(err, 0, |e| e.elapsed_ms) })
}

/// Frees an error. NULL is accepted. May be called from any thread.
#[no_mangle]
pub extern "C" fn kv_error_free(err: *mut kv_error) {
    ffi_free!(err)
}

/// Static description of a status (never NULL; "unknown status" for values kv never returns).
#[no_mangle]
pub extern "C" fn kv_status_str(status: kv_status) -> *const c_char {
    ffi_value!(c"unknown status".as_ptr(), { status::description(status).as_ptr().cast() })
}

/// The library version, e.g. "0.1.0" (static string).
#[no_mangle]
pub extern "C" fn kv_version() -> *const c_char {
    ffi_value!(c"unknown".as_ptr(), { concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast() })
}
