//! `kv_certificate_options`: enabled flag and tags for create, import, merge and update.

use crate::certificates::CertificateProperties;
use crate::ffi::boundary::{handle_mut, into_handle, string};
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use std::ffi::c_char;

/// Properties for create, import, merge and update: enabled and tags; only what is set is sent.
#[derive(Default)]
pub struct kv_certificate_options(pub(crate) CertificateProperties);

/// New, empty certificate options.
#[no_mangle]
pub extern "C" fn kv_certificate_options_new() -> *mut kv_certificate_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_certificate_options::default()) })
}

/// Sets the enabled flag.
#[no_mangle]
pub extern "C" fn kv_certificate_options_set_enabled(
    o: *mut kv_certificate_options,
    enabled: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.0.enabled = Some(enabled);
        Ok(())
    })
}

/// Adds or replaces a tag; once any tag is set, the call replaces all tags (at most 15).
#[no_mangle]
pub extern "C" fn kv_certificate_options_set_tag(
    o: *mut kv_certificate_options,
    key: *const c_char,
    value: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let key = string(key, "key")?;
        let value = string(value, "value")?;
        o.0.tags.get_or_insert_with(Default::default).insert(key.into(), value.into());
        Ok(())
    })
}

/// Frees certificate options. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_options_free(o: *mut kv_certificate_options) {
    ffi_free!(o)
}
