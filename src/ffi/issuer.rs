//! `kv_issuer`: a certificate issuer and its accessors.

use crate::certificates::Issuer;
use crate::ffi::boundary::view;
use crate::ffi::boundary::with;
use crate::ffi::text::kv_str;

/// A certificate issuer (list items carry name and provider only).
pub struct kv_issuer(Issuer);

impl From<Issuer> for kv_issuer {
    fn from(issuer: Issuer) -> kv_issuer {
        kv_issuer(issuer)
    }
}

/// The issuer id.
#[no_mangle]
pub extern "C" fn kv_issuer_id(i: *const kv_issuer) -> kv_str {
    ffi_value!(kv_str::empty(), { view(i, |i| i.0.id()) })
}

/// The issuer name.
#[no_mangle]
pub extern "C" fn kv_issuer_name(i: *const kv_issuer) -> kv_str {
    ffi_value!(kv_str::empty(), { view(i, |i| Some(&i.0.name)) })
}

/// The provider.
#[no_mangle]
pub extern "C" fn kv_issuer_provider(i: *const kv_issuer) -> kv_str {
    ffi_value!(kv_str::empty(), { view(i, |i| i.0.provider()) })
}

/// The account id ("" if none; the password is never returned).
#[no_mangle]
pub extern "C" fn kv_issuer_account_id(i: *const kv_issuer) -> kv_str {
    ffi_value!(kv_str::empty(), { view(i, |i| i.0.account_id()) })
}

/// The organization id ("" if none).
#[no_mangle]
pub extern "C" fn kv_issuer_organization_id(i: *const kv_issuer) -> kv_str {
    ffi_value!(kv_str::empty(), { view(i, |i| i.0.organization_id()) })
}

/// Whether the issuer is enabled (true when the reply does not say).
#[no_mangle]
pub extern "C" fn kv_issuer_enabled(i: *const kv_issuer) -> bool {
    ffi_value!(false, { with(i, false, |i| i.0.enabled()) })
}

/// Frees an issuer. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_issuer_free(i: *mut kv_issuer) {
    ffi_free!(i)
}
