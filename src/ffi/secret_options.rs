//! `kv_secret_options`: properties to set on a secret.

use crate::ffi::boundary::{handle_mut, into_handle, string};
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::secrets::SecretProperties;
use std::ffi::c_char;

/// Properties for `kv_client_set_secret_with_options` and `kv_client_update_secret_properties`:
/// only what is set is sent. Not thread-safe: one thread at a time.
#[derive(Default)]
pub struct kv_secret_options {
    pub(crate) inner: SecretProperties,
}

/// New, empty secret options. Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn kv_secret_options_new() -> *mut kv_secret_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_secret_options::default()) })
}

/// Sets the content type (at most 255 characters), e.g. "text/plain".
#[no_mangle]
pub extern "C" fn kv_secret_options_set_content_type(
    o: *mut kv_secret_options,
    content_type: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.inner.content_type = Some(string(content_type, "content_type")?.to_owned());
        Ok(())
    })
}

/// Sets the enabled flag (a disabled secret's value cannot be read).
#[no_mangle]
pub extern "C" fn kv_secret_options_set_enabled(
    o: *mut kv_secret_options,
    enabled: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.enabled = Some(enabled);
        Ok(())
    })
}

/// Sets the not-before time (Unix seconds).
#[no_mangle]
pub extern "C" fn kv_secret_options_set_not_before(
    o: *mut kv_secret_options,
    unix_seconds: i64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.not_before = Some(unix_seconds);
        Ok(())
    })
}

/// Sets the expiry time (Unix seconds).
#[no_mangle]
pub extern "C" fn kv_secret_options_set_expires(
    o: *mut kv_secret_options,
    unix_seconds: i64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.expires = Some(unix_seconds);
        Ok(())
    })
}

/// Adds or replaces a tag. Once any tag is set, the call replaces all of the secret's tags with
/// the options' tags (at most 15).
#[no_mangle]
pub extern "C" fn kv_secret_options_set_tag(
    o: *mut kv_secret_options,
    key: *const c_char,
    value: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let key = string(key, "key")?;
        let value = string(value, "value")?;
        o.inner.set_tag(key, value);
        Ok(())
    })
}

/// Marks the tags as set and empty, so an update removes all tags.
#[no_mangle]
pub extern "C" fn kv_secret_options_clear_tags(o: *mut kv_secret_options, err_out: *mut *mut kv_error) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.tags = Some(Default::default());
        Ok(())
    })
}

/// Frees secret options. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_secret_options_free(o: *mut kv_secret_options) {
    ffi_free!(o)
}
