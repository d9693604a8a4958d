//! Certificates over the C ABI: the `kv_client_*` certificate operations. The handles live in
//! their own files (`kv_certificate`, `kv_certificate_policy`, `kv_certificate_options`,
//! `kv_certificate_operation`, `kv_certificate_iter`, issuers and contacts) and the formats in
//! enums.rs; all are re-exported here.

pub use crate::ffi::certificate::*;
pub use crate::ffi::certificate_contacts::*;
pub use crate::ffi::certificate_operation::*;
pub use crate::ffi::certificate_options::*;
pub use crate::ffi::certificate_pager::*;
pub use crate::ffi::certificate_policy::*;
pub use crate::ffi::enums::{
    kv_certificate_format, KV_CERTIFICATE_FORMAT_CHAIN_PEM, KV_CERTIFICATE_FORMAT_KEY_PEM, KV_CERTIFICATE_FORMAT_PEM,
    KV_CERTIFICATE_FORMAT_PKCS12,
};
pub use crate::ffi::issuer::*;
pub use crate::ffi::issuer_options::*;
pub use crate::ffi::issuer_pager::*;
pub use crate::ffi::issuers::*;

use crate::certificates::CertificateProperties;
use crate::client::Client;
use crate::ffi::blob::kv_blob;
use crate::ffi::boundary::{
    byte_arrays, bytes, handle, into_handle, optional_handle, optional_string, out_slot, string, write_optional,
};
use crate::ffi::calls::{act_named, client, get_named, start_list, wait_named};
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use std::ffi::c_char;
use std::time::Duration;

/// The options argument (NULL = none).
fn props<'a>(opts: *const kv_certificate_options) -> &'a CertificateProperties {
    static NONE: std::sync::OnceLock<CertificateProperties> = std::sync::OnceLock::new();
    optional_handle(opts).map(|o| &o.0).unwrap_or_else(|| NONE.get_or_init(CertificateProperties::default))
}

fn ms(timeout_ms: u32) -> Duration {
    Duration::from_millis(timeout_ms.into())
}

/// Starts creating a certificate (a new version) with `policy` (not consumed) and `opts` (NULL =
/// none). `out` may be NULL; it receives the pending operation. Wait with
/// `kv_client_wait_for_certificate`.
#[no_mangle]
pub extern "C" fn kv_client_create_certificate(
    c: *const kv_client,
    name: *const c_char,
    policy: *const kv_certificate_policy,
    opts: *const kv_certificate_options,
    out: *mut *mut kv_certificate_operation,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let policy = handle(policy, "policy")?;
        write_optional(out, client.create_certificate(name, policy.0.policy(), props(opts))?);
        Ok(())
    })
}

/// Waits until the certificate's creation finishes (polling every 200 ms to 2 s): on success
/// `*out` (may be NULL) receives the new certificate; a failed operation gives its error mapped
/// like a service error; KV_STATUS_TIMEOUT after `timeout_ms`.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_certificate(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        write_optional(out, client(c)?.wait_for_certificate(string(name, "name")?, ms(timeout_ms))?);
        Ok(())
    })
}

/// Imports a certificate with its private key: `data` is PEM text (a PRIVATE KEY block and the
/// certificates) or PKCS#12 bytes with `password` (NULL = none). `policy` and `opts` may be NULL.
/// A PEM without a private key is refused with KV_STATUS_INVALID_ARGUMENT before anything is
/// sent; a wrong PKCS#12 password is the service's KV_STATUS_BAD_PARAMETER.
#[no_mangle]
pub extern "C" fn kv_client_import_certificate(
    c: *const kv_client,
    name: *const c_char,
    data: *const u8,
    data_len: usize,
    password: *const c_char,
    policy: *const kv_certificate_policy,
    opts: *const kv_certificate_options,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let data = bytes(data, data_len, "data")?;
        let password = optional_string(password, "password")?;
        let policy = optional_handle(policy).map(|p| p.0.policy());
        write_optional(out, client.import_certificate(name, data, password, policy, props(opts))?);
        Ok(())
    })
}

/// Gets a certificate (public part); `version` NULL or "" = latest.
#[no_mangle]
pub extern "C" fn kv_client_get_certificate(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        let version = optional_string(version, "version")?.unwrap_or("");
        *out = into_handle(kv_certificate::from(client.get_certificate(string(name, "name")?, version)?));
        Ok(())
    })
}

/// Updates enabled and tags of a certificate version (`version` NULL or "" = latest). `out` may
/// be NULL.
#[no_mangle]
pub extern "C" fn kv_client_update_certificate_properties(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    opts: *const kv_certificate_options,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let opts = handle(opts, "opts")?;
        write_optional(out, client.update_certificate_properties(string(name, "name")?, version, &opts.0)?);
        Ok(())
    })
}

/// Gets a certificate's policy.
#[no_mangle]
pub extern "C" fn kv_client_get_certificate_policy(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate_policy,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_named(c, name, out, Client::get_certificate_policy) })
}

/// Updates a certificate's policy (only what `policy` sets changes). `out` may be NULL; it
/// receives the resulting policy.
#[no_mangle]
pub extern "C" fn kv_client_update_certificate_policy(
    c: *const kv_client,
    name: *const c_char,
    policy: *const kv_certificate_policy,
    out: *mut *mut kv_certificate_policy,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let policy = handle(policy, "policy")?;
        write_optional(out, client.update_certificate_policy(string(name, "name")?, policy.0.policy())?);
        Ok(())
    })
}

/// Gets the certificate's pending (or last) creation operation.
#[no_mangle]
pub extern "C" fn kv_client_get_certificate_operation(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate_operation,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_named(c, name, out, Client::get_certificate_operation) })
}

/// Requests cancellation of the pending operation. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_cancel_certificate_operation(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate_operation,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, out, Client::cancel_certificate_operation) })
}

/// Deletes the pending operation. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_delete_certificate_operation(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate_operation,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, out, Client::delete_certificate_operation) })
}

/// Merges a certificate signed outside the vault into the pending operation: `count` DER
/// certificates (`ders[i]`, `der_lens[i]` bytes), the signed one first. `opts` and `out` may be
/// NULL.
#[no_mangle]
pub extern "C" fn kv_client_merge_certificate(
    c: *const kv_client,
    name: *const c_char,
    ders: *const *const u8,
    der_lens: *const usize,
    count: usize,
    opts: *const kv_certificate_options,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let chain = byte_arrays(ders, der_lens, count, "der")?;
        write_optional(out, client.merge_certificate(name, &chain, props(opts))?);
        Ok(())
    })
}

/// Deletes a certificate and all its versions (soft delete). The move to the deleted collection
/// may finish later: see `kv_client_wait_for_deleted_certificate`. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_delete_certificate(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, out, Client::delete_certificate) })
}

/// Waits until a deleted certificate has reached the deleted collection (polling every 200 ms
/// to 2 s; a 403 counts as done); KV_STATUS_TIMEOUT after `timeout_ms`.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_deleted_certificate(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { wait_named(c, name, timeout_ms, Client::wait_for_deleted_certificate) })
}

/// Waits until a recovered certificate is back, polling like
/// `kv_client_wait_for_deleted_certificate`.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_recovered_certificate(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { wait_named(c, name, timeout_ms, Client::wait_for_recovered_certificate) })
}

/// Gets a deleted certificate.
#[no_mangle]
pub extern "C" fn kv_client_get_deleted_certificate(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_named(c, name, out, Client::get_deleted_certificate) })
}

/// Recovers a deleted certificate. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_recover_deleted_certificate(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, out, Client::recover_deleted_certificate) })
}

/// Purges a deleted certificate permanently.
#[no_mangle]
pub extern "C" fn kv_client_purge_deleted_certificate(
    c: *const kv_client,
    name: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { client(c)?.purge_deleted_certificate(string(name, "name")?) })
}

/// Backs up all versions of a certificate into an opaque blob.
#[no_mangle]
pub extern "C" fn kv_client_backup_certificate(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_named(c, name, out, Client::backup_certificate) })
}

/// Restores a certificate from a backup blob. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_restore_certificate(
    c: *const kv_client,
    backup: *const u8,
    backup_len: usize,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        write_optional(out, client(c)?.restore_certificate(bytes(backup, backup_len, "backup")?)?);
        Ok(())
    })
}

/// Starts listing certificates; `include_pending` adds those whose creation has not finished.
#[no_mangle]
pub extern "C" fn kv_client_list_certificates(
    c: *const kv_client,
    include_pending: bool,
    out: *mut *mut kv_certificate_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { start_list(c, out, |client| Ok(client.list_certificates(include_pending))) })
}

/// Starts listing the versions of a certificate.
#[no_mangle]
pub extern "C" fn kv_client_list_certificate_versions(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { start_list(c, out, |client| client.list_certificate_versions(string(name, "name")?)) })
}

/// Starts listing deleted certificates; `include_pending` adds those not yet fully deleted.
#[no_mangle]
pub extern "C" fn kv_client_list_deleted_certificates(
    c: *const kv_client,
    include_pending: bool,
    out: *mut *mut kv_certificate_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { start_list(c, out, |client| Ok(client.list_deleted_certificates(include_pending))) })
}
