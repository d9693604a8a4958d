//! The `kv_client_*` certificate issuer operations.

use crate::client::Client;
use crate::ffi::boundary::{handle, string, write_optional};
use crate::ffi::calls::{act_named, client, get_named, start_list};
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::issuer::kv_issuer;
use crate::ffi::issuer_options::kv_issuer_options;
use crate::ffi::issuer_pager::kv_issuer_iter;
use crate::ffi::status::kv_status;
use std::ffi::c_char;

/// Creates or replaces a certificate issuer. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_set_certificate_issuer(
    c: *const kv_client,
    name: *const c_char,
    opts: *const kv_issuer_options,
    out: *mut *mut kv_issuer,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let issuer = client(c)?.set_certificate_issuer(string(name, "name")?, &handle(opts, "opts")?.0)?;
        write_optional(out, issuer);
        Ok(())
    })
}

/// Updates a certificate issuer (only what `opts` sets changes). `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_update_certificate_issuer(
    c: *const kv_client,
    name: *const c_char,
    opts: *const kv_issuer_options,
    out: *mut *mut kv_issuer,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let issuer = client(c)?.update_certificate_issuer(string(name, "name")?, &handle(opts, "opts")?.0)?;
        write_optional(out, issuer);
        Ok(())
    })
}

/// Gets a certificate issuer.
#[no_mangle]
pub extern "C" fn kv_client_get_certificate_issuer(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_issuer,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_named(c, name, out, Client::get_certificate_issuer) })
}

/// Deletes a certificate issuer. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_delete_certificate_issuer(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_issuer,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { act_named(c, name, out, Client::delete_certificate_issuer) })
}

/// Starts listing certificate issuers.
#[no_mangle]
pub extern "C" fn kv_client_list_certificate_issuers(
    c: *const kv_client,
    out: *mut *mut kv_issuer_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { start_list(c, out, |client| Ok(client.list_certificate_issuers())) })
}
