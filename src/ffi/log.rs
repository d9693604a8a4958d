//! `kv_set_log_handler`: kv's log records delivered to the host's logger.

use crate::http::log::{self, Level, Record};
use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

/// Log levels (one of `KV_LOG_LEVEL_*`), most severe first.
pub type kv_log_level = u32;
/// No records (as `min_level`: the handler receives nothing).
pub const KV_LOG_LEVEL_OFF: kv_log_level = 0;
/// Failures returned to the caller.
pub const KV_LOG_LEVEL_ERROR: kv_log_level = 1;
/// Retries and recoverable trouble.
pub const KV_LOG_LEVEL_WARN: kv_log_level = 2;
/// One record per HTTP exchange (the final reply of each request).
pub const KV_LOG_LEVEL_INFO: kv_log_level = 3;
/// Extra detail (challenges, token requests).
pub const KV_LOG_LEVEL_DEBUG: kv_log_level = 4;

/// One log record, valid only during the callback that receives it (copy what you keep). Every
/// string is NUL-terminated UTF-8, never NULL (empty when the field does not apply). No field
/// ever holds a secret value, a token or a request or reply body.
#[repr(C)]
pub struct kv_log_record {
    /// How severe (`KV_LOG_LEVEL_ERROR` … `KV_LOG_LEVEL_DEBUG`).
    pub level: kv_log_level,
    /// The text of the record, one line (it repeats method, URL without query and status).
    pub message: *const c_char,
    /// The `x-ms-client-request-id` of the vault call the record is about (the same id
    /// `kv_error_client_request_id` gives); empty when it is not about a vault call.
    pub client_request_id: *const c_char,
    /// HTTP method of the request (`GET`, `PUT`, ...); empty when none.
    pub method: *const c_char,
    /// URL path of the request, without scheme, host or query (`/secrets/name`); empty when none.
    pub path: *const c_char,
    /// HTTP status of the reply; 0 when there was none (a transport failure, or not about one).
    pub http_status: u16,
    /// Which attempt of the request (1 for the first send, 2 for the first retry, ...); 0 when
    /// the record is not about one attempt (challenges, redirects, a call's final error).
    pub attempt: u32,
    /// Milliseconds since the vault call started; 0 when not about a call.
    pub elapsed_ms: u64,
}

/// Receives kv's log records (see `kv_set_log_handler`). `record` is valid only during the call.
pub type kv_log_callback = Option<extern "C" fn(user_data: *mut c_void, record: *const kv_log_record)>;

/// The user data of a handler, handed back to it on whatever thread logs.
struct UserData(*mut c_void);
// SAFETY: kv only hands the pointer back to the host's callback, whose contract (kv.h) is that
// it may be called from any thread.
unsafe impl Send for UserData {}
// SAFETY: as above; kv never dereferences it.
unsafe impl Sync for UserData {}

impl UserData {
    fn get(&self) -> *mut c_void {
        self.0
    }
}

fn text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// Sends kv's log records at `min_level` and more severe (`KV_LOG_LEVEL_ERROR` is the least, `KV_LOG_LEVEL_DEBUG`
/// the most) to `callback`, with `user_data` handed back to it. Replaces any handler set before.
/// A NULL `callback` (or `KV_LOG_LEVEL_OFF`) removes the handler: kv goes back to its default,
/// lines on stderr when the `KV_LOG` environment variable is `error`, `warn`, `info` or `debug`
/// (while a handler is set, `KV_LOG` writes nothing). May be called from any thread at any time;
/// a record being delivered while the handler is replaced may still reach the old one, so keep
/// the old `user_data` valid until the calls that were running have returned.
///
/// The callback is called on the thread making the kv call, any thread, possibly from several at
/// once: it must be thread-safe, must return quickly, must not unwind (a C++ exception or a
/// longjmp) into kv, and must not call back into kv (no kv function at all). Records never hold a secret value, a token or a request or reply body.
///
/// Independently of handlers, `KV_LOG_AUDIT_FILE=path` in the environment (read once, at the
/// first record) appends every record at every level to that file, one line each (for checking
/// a test run's records for secrets).
#[no_mangle]
pub extern "C" fn kv_set_log_handler(min_level: kv_log_level, callback: kv_log_callback, user_data: *mut c_void) {
    ffi_value!((), {
        let (Some(callback), Some(level)) = (callback, Level::from_number(min_level)) else {
            log::set_handler(Level::Error, None);
            return;
        };
        let user_data = UserData(user_data);
        let handler = move |r: &Record<'_>| {
            let (message, id, method, path) =
                (text(r.message), text(r.client_request_id), text(r.method), text(r.path));
            let record = kv_log_record {
                level: r.level as kv_log_level,
                message: message.as_ptr(),
                client_request_id: id.as_ptr(),
                method: method.as_ptr(),
                path: path.as_ptr(),
                http_status: r.status,
                attempt: r.attempt,
                elapsed_ms: u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX),
            };
            callback(user_data.get(), &record);
        };
        log::set_handler(level, Some(Arc::new(handler)));
    })
}
