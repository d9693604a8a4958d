//! `kv_issuer_options`: settings for setting and updating a certificate issuer.

use crate::certificates::IssuerOptions;
use crate::ffi::boundary::{handle_mut, into_handle, optional_string, string};
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use std::ffi::c_char;

/// Settings for `kv_client_set_certificate_issuer` / `kv_client_update_certificate_issuer`.
/// The password is zeroized when freed.
#[derive(Default)]
pub struct kv_issuer_options(pub(crate) IssuerOptions);

/// New, empty issuer options.
#[no_mangle]
pub extern "C" fn kv_issuer_options_new() -> *mut kv_issuer_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_issuer_options::default()) })
}

/// Sets the provider, e.g. "DigiCert" (required by `kv_client_set_certificate_issuer`).
#[no_mangle]
pub extern "C" fn kv_issuer_options_set_provider(
    o: *mut kv_issuer_options,
    provider: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.0.provider = Some(string(provider, "provider")?.to_owned());
        Ok(())
    })
}

/// Sets the account credentials at the provider (`password` NULL = none; zeroized on free).
#[no_mangle]
pub extern "C" fn kv_issuer_options_set_credentials(
    o: *mut kv_issuer_options,
    account_id: *const c_char,
    password: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.0.set_credentials(string(account_id, "account_id")?, optional_string(password, "password")?);
        Ok(())
    })
}

/// Sets the organization id.
#[no_mangle]
pub extern "C" fn kv_issuer_options_set_organization_id(
    o: *mut kv_issuer_options,
    organization_id: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.0.organization_id = Some(string(organization_id, "organization_id")?.to_owned());
        Ok(())
    })
}

/// Adds an administrator of the organization (any argument may be NULL).
#[no_mangle]
pub extern "C" fn kv_issuer_options_add_admin(
    o: *mut kv_issuer_options,
    first_name: *const c_char,
    last_name: *const c_char,
    email: *const c_char,
    phone: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let first_name = optional_string(first_name, "first_name")?;
        let last_name = optional_string(last_name, "last_name")?;
        let email = optional_string(email, "email")?;
        let phone = optional_string(phone, "phone")?;
        o.0.add_admin(first_name, last_name, email, phone);
        Ok(())
    })
}

/// Sets the enabled flag.
#[no_mangle]
pub extern "C" fn kv_issuer_options_set_enabled(
    o: *mut kv_issuer_options,
    enabled: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.0.enabled = Some(enabled);
        Ok(())
    })
}

/// Frees issuer options, zeroizing the password. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_issuer_options_free(o: *mut kv_issuer_options) {
    ffi_free!(o)
}
