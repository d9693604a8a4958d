//! Keys over the C ABI: the `kv_client_*` key operations. The handles live in their own files
//! (`kv_key` in key.rs, `kv_key_options`, `kv_key_iter`, `kv_key_rotation_policy`) and the C
//! enumerations in enums.rs; all are re-exported here.

pub use crate::ffi::enums::*;
pub use crate::ffi::key::*;
pub use crate::ffi::key_options::*;
pub use crate::ffi::key_pager::*;
pub use crate::ffi::rotation_policy::*;

use crate::client::Client;
use crate::ffi::blob::kv_blob;
use crate::ffi::boundary::{
    bytes, handle, into_handle, optional_handle, optional_string, out_slot, string, write_optional,
};
use crate::ffi::calls::{act_named, client, get_named, get_versioned, start_list, wait_named};
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::keys::KeyOptions;
use std::ffi::c_char;

/// The options argument (NULL = defaults).
fn options<'a>(opts: *const kv_key_options) -> &'a KeyOptions {
    static DEFAULTS: std::sync::OnceLock<KeyOptions> = std::sync::OnceLock::new();
    optional_handle(opts).map(|o| &o.0).unwrap_or_else(|| DEFAULTS.get_or_init(KeyOptions::default))
}

/// Creates a key, or a new version of an existing key. `kty` is a `KV_KEY_TYPE_*` value; `opts`
/// (NULL = defaults; not consumed) may set the size, public exponent, curve and properties.
/// `out` may be NULL; on success it receives the new key version.
#[no_mangle]
pub extern "C" fn kv_client_create_key(
    c: *const kv_client,
    name: *const c_char,
    kty: kv_key_type,
    opts: *const kv_key_options,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let kty = decode(&KEY_TYPE_CODES, kty, "kty", "kv_key_type")?;
        write_optional(out, client.create_key_with(name, kty, options(opts))?);
        Ok(())
    })
}

/// Imports a key given as a JSON Web Key text (NUL-terminated UTF-8, with its private members,
/// e.g. `{"kty":"EC","crv":"P-256","x":...,"y":...,"d":...}`). `opts` (NULL = none) may set HSM
/// protection and properties; added operations replace the JWK's `key_ops`. `out` may be NULL.
/// The JSON is never quoted in error messages.
#[no_mangle]
pub extern "C" fn kv_client_import_key_jwk(
    c: *const kv_client,
    name: *const c_char,
    jwk_json: *const c_char,
    opts: *const kv_key_options,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let json = string(jwk_json, "jwk_json")?;
        write_optional(out, client.import_key_json(name, json, options(opts))?);
        Ok(())
    })
}

/// Imports a private key given as PEM or DER (`len` bytes; PKCS#1, PKCS#8 or SEC1). `opts`
/// (NULL = none) may set HSM protection, operations and properties. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_import_key_pem(
    c: *const kv_client,
    name: *const c_char,
    pem_or_der: *const u8,
    len: usize,
    opts: *const kv_key_options,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let data = bytes(pem_or_der, len, "pem_or_der")?;
        write_optional(out, client.import_key_pem_with(name, data, options(opts))?);
        Ok(())
    })
}

/// Gets a key (public members only). `version` NULL or "" means the latest version.
#[no_mangle]
pub extern "C" fn kv_client_get_key(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_versioned(c, name, version, out, Client::get_key) })
}

/// Updates properties of a key version (`version` NULL or "" = latest): only what `opts` sets
/// changes (enabled, times, exportable, operations, tags, release policy). `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_update_key_properties(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    opts: *const kv_key_options,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let opts = handle(opts, "opts")?;
        write_optional(out, client.update_key_with(name, version, &opts.0)?);
        Ok(())
    })
}

/// Deletes a key and all its versions (soft delete: it can be recovered or purged while the
/// vault retains it). The move to the deleted collection finishes asynchronously: call
/// `kv_client_wait_for_deleted_key` before `kv_client_get_deleted_key`,
/// `kv_client_purge_deleted_key` or `kv_client_recover_deleted_key` (until then the service
/// answers 404 and 409 ObjectIsBeingDeleted). `out` may be NULL; it receives the deleted key.
#[no_mangle]
pub extern "C" fn kv_client_delete_key(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, out, Client::delete_key) })
}

/// Gets a deleted key (deleted date, scheduled purge date and recovery id set).
#[no_mangle]
pub extern "C" fn kv_client_get_deleted_key(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_named(c, name, out, Client::get_deleted_key) })
}

/// Recovers a deleted key (finishes asynchronously; see `kv_client_wait_for_recovered_key`).
/// `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_recover_deleted_key(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, out, Client::recover_deleted_key) })
}

/// Purges a deleted key permanently (needs a vault whose recovery level allows purge).
#[no_mangle]
pub extern "C" fn kv_client_purge_deleted_key(
    c: *const kv_client,
    name: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { client(c)?.purge_deleted_key(string(name, "name")?) })
}

/// Waits until a deleted key has reached the deleted collection (the delete finished), polling
/// `GET /deletedkeys/{name}` every 200 ms, doubling up to 2 s (404 = still in progress; a 403
/// counts as done). Polls at least once; gives KV_STATUS_TIMEOUT, with the deadline in the
/// message, when not done after `timeout_ms` milliseconds.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_deleted_key(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { wait_named(c, name, timeout_ms, Client::wait_for_deleted_key) })
}

/// Waits until a recovered key is back in the live collection (`GET /keys/{name}` answers),
/// polling like `kv_client_wait_for_deleted_key`.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_recovered_key(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { wait_named(c, name, timeout_ms, Client::wait_for_recovered_key) })
}

/// Backs up all versions of a key into an opaque blob that only `kv_client_restore_key` (in a
/// vault of the same subscription and geography) can read.
#[no_mangle]
pub extern "C" fn kv_client_backup_key(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_named(c, name, out, Client::backup_key) })
}

/// Restores a key (all versions) from a backup blob. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_restore_key(
    c: *const kv_client,
    backup: *const u8,
    backup_len: usize,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        write_optional(out, client.restore_key(bytes(backup, backup_len, "backup")?)?);
        Ok(())
    })
}

/// Creates a new version of a key with the same type and parameters. `out` may be NULL; it
/// receives the new version.
#[no_mangle]
pub extern "C" fn kv_client_rotate_key(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, out, Client::rotate_key) })
}

/// Gets `count` (1 to 128) random bytes from the vault's HSM into a new blob.
#[no_mangle]
pub extern "C" fn kv_client_get_random_bytes(
    c: *const kv_client,
    count: u32,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_blob::from(client(c)?.get_random_bytes(count)?));
        Ok(())
    })
}

/// Releases an exportable key (`version` NULL or "" = latest) to the attested environment
/// named by `target` (its attestation token). `nonce` may be NULL; `enc` is a
/// `KV_KEY_RELEASE_ALGORITHM_*` value. `*out` receives the signed release value (a JWS text; the
/// blob is NUL-terminated, so it can be used as a C string).
#[no_mangle]
pub extern "C" fn kv_client_release_key(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    target: *const c_char,
    nonce: *const c_char,
    enc: kv_key_release_algorithm,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let target = string(target, "target")?;
        let nonce = optional_string(nonce, "nonce")?;
        let enc = decode(&RELEASE_CODES, enc, "enc", "kv_key_release_algorithm")?;
        *out = into_handle(kv_blob::from(client.release_key(name, version, target, nonce, enc)?));
        Ok(())
    })
}

/// Gets a key version (`version` NULL or "" = latest) with its HSM attestation (see
/// `kv_key_attestation_*`).
#[no_mangle]
pub extern "C" fn kv_client_get_key_attestation(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_versioned(c, name, version, out, Client::get_key_attestation) })
}

/// Starts listing the vault's keys (items carry no key material or version). No request is
/// sent until the first `kv_key_iter_next`.
#[no_mangle]
pub extern "C" fn kv_client_list_keys(
    c: *const kv_client,
    out: *mut *mut kv_key_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { start_list(c, out, |client| Ok(client.list_keys())) })
}

/// Starts listing the versions of a key (items carry no key material).
#[no_mangle]
pub extern "C" fn kv_client_list_key_versions(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { start_list(c, out, |client| client.list_key_versions(string(name, "name")?)) })
}

/// Starts listing deleted keys.
#[no_mangle]
pub extern "C" fn kv_client_list_deleted_keys(
    c: *const kv_client,
    out: *mut *mut kv_key_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { start_list(c, out, |client| Ok(client.list_deleted_keys())) })
}
