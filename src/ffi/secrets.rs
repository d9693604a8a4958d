//! Secrets over the C ABI: the `kv_client_*` secret operations. The handles live in their own
//! files (`kv_secret` in secret.rs, `kv_secret_options`, `kv_secret_iter`, `kv_blob`) and are
//! re-exported here.

pub use crate::ffi::blob::*;
pub use crate::ffi::secret::*;
pub use crate::ffi::secret_options::*;
pub use crate::ffi::secret_pager::*;

use crate::client::Client;
use crate::ffi::boundary::{bytes, handle, optional_handle, optional_string, string, write_optional};
use crate::ffi::calls::{act_named, client, get_named, get_versioned, start_list, wait_named};
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::secrets::SecretProperties;
use std::ffi::c_char;
use std::ptr::null_mut;

/// Sets a secret, creating a new version. `value` is `value_len` bytes of UTF-8 (NUL bytes
/// allowed; at most 25 KiB). `out` may be NULL; on success it receives the new version.
#[no_mangle]
pub extern "C" fn kv_client_set_secret(
    c: *const kv_client,
    name: *const c_char,
    value: *const u8,
    value_len: usize,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    kv_client_set_secret_with_options(c, name, value, value_len, std::ptr::null(), out, err_out)
}

/// Like `kv_client_set_secret`, with properties (content type, enabled, not-before, expiry,
/// tags) from `opts` (NULL = none; not consumed).
#[no_mangle]
pub extern "C" fn kv_client_set_secret_with_options(
    c: *const kv_client,
    name: *const c_char,
    value: *const u8,
    value_len: usize,
    opts: *const kv_secret_options,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let value = bytes(value, value_len, "value")?;
        let props = optional_handle(opts).map(|o| &o.inner);
        write_optional(out, client.set_secret(name, value, props.unwrap_or(&SecretProperties::default()))?);
        Ok(())
    })
}

/// Gets a secret with its value. `version` NULL or "" means the latest version.
#[no_mangle]
pub extern "C" fn kv_client_get_secret(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_versioned(c, name, version, out, Client::get_secret) })
}

/// Updates properties of a secret version (`version` NULL or "" = latest): only what `opts` sets
/// changes. `out` may be NULL; the returned secret carries no value.
#[no_mangle]
pub extern "C" fn kv_client_update_secret_properties(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    opts: *const kv_secret_options,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let opts = handle(opts, "opts")?;
        write_optional(out, client.update_secret_properties(name, version, &opts.inner)?);
        Ok(())
    })
}

/// Deletes a secret and all its versions (soft delete: it can be recovered or purged while the
/// vault retains it). The move to the deleted collection finishes asynchronously: call
/// `kv_client_wait_for_deleted_secret` before `kv_client_get_deleted_secret`,
/// `kv_client_purge_deleted_secret` or `kv_client_recover_deleted_secret` (until then the service
/// answers 404 and 409 ObjectIsBeingDeleted). To get the deleted secret back, use
/// `kv_client_delete_secret_out`.
#[no_mangle]
pub extern "C" fn kv_client_delete_secret(
    c: *const kv_client,
    name: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, null_mut::<*mut kv_secret>(), Client::delete_secret) })
}

/// Deletes a secret like `kv_client_delete_secret` and hands back the deleted secret: no value;
/// recovery id, deleted date, scheduled purge date and the secret's properties set. `out` may be
/// NULL (then this is `kv_client_delete_secret`). The delete finishes asynchronously; see
/// `kv_client_wait_for_deleted_secret`.
#[no_mangle]
pub extern "C" fn kv_client_delete_secret_out(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, out, Client::delete_secret) })
}

/// Waits until a deleted secret has reached the deleted collection (the delete finished), polling
/// `GET /deletedsecrets/{name}` every 200 ms, doubling up to 2 s (404 = still in progress; a 403
/// counts as done). Polls at least once; gives KV_STATUS_TIMEOUT, with the deadline in the
/// message, when not done after `timeout_ms` milliseconds.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_deleted_secret(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { wait_named(c, name, timeout_ms, Client::wait_for_deleted_secret) })
}

/// Waits until a recovered secret is back in the live collection (`GET /secrets/{name}` answers),
/// polling like `kv_client_wait_for_deleted_secret`.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_recovered_secret(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { wait_named(c, name, timeout_ms, Client::wait_for_recovered_secret) })
}

/// Gets a deleted secret (no value; deleted date, scheduled purge date and recovery id set).
#[no_mangle]
pub extern "C" fn kv_client_get_deleted_secret(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_named(c, name, out, Client::get_deleted_secret) })
}

/// Recovers a deleted secret. `out` may be NULL; the returned secret carries no value. The
/// recovery finishes asynchronously: call `kv_client_wait_for_recovered_secret` before using the
/// secret (until then the service answers 404).
#[no_mangle]
pub extern "C" fn kv_client_recover_deleted_secret(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, out, Client::recover_deleted_secret) })
}

/// Purges a deleted secret permanently (needs a vault whose recovery level allows purge).
#[no_mangle]
pub extern "C" fn kv_client_purge_deleted_secret(
    c: *const kv_client,
    name: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { client(c)?.purge_deleted_secret(string(name, "name")?) })
}

/// Backs up all versions of a secret into an opaque blob that only `kv_client_restore_secret`
/// (in a vault of the same subscription and geography) can read.
#[no_mangle]
pub extern "C" fn kv_client_backup_secret(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_named(c, name, out, Client::backup_secret) })
}

/// Restores a secret (all versions) from a backup blob. `out` may be NULL; the returned secret
/// carries no value.
#[no_mangle]
pub extern "C" fn kv_client_restore_secret(
    c: *const kv_client,
    backup: *const u8,
    backup_len: usize,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        write_optional(out, client.restore_secret(bytes(backup, backup_len, "backup")?)?);
        Ok(())
    })
}

/// Starts listing the vault's secrets (items carry no value or version). No request is sent
/// until the first `kv_secret_iter_next`.
#[no_mangle]
pub extern "C" fn kv_client_list_secrets(
    c: *const kv_client,
    out: *mut *mut kv_secret_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { start_list(c, out, |client| Ok(client.list_secrets())) })
}

/// Starts listing the versions of a secret (items carry no value).
#[no_mangle]
pub extern "C" fn kv_client_list_secret_versions(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_secret_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { start_list(c, out, |client| client.list_secret_versions(string(name, "name")?)) })
}

/// Starts listing deleted secrets.
#[no_mangle]
pub extern "C" fn kv_client_list_deleted_secrets(
    c: *const kv_client,
    out: *mut *mut kv_secret_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { start_list(c, out, |client| Ok(client.list_deleted_secrets())) })
}
