//! `kv_key_options`: settings for creating, importing and updating keys (the core's
//! `KeyOptions`, which checks each setting).

use crate::ffi::boundary::{bytes, handle_mut, into_handle, optional_string, string};
use crate::ffi::enums::{decode, kv_key_curve, CURVE_CODES};
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::keys::KeyOptions;
use std::ffi::c_char;

/// Properties and parameters for `kv_client_create_key`, `kv_client_import_key_jwk`,
/// `kv_client_import_key_pem` and `kv_client_update_key_properties`: only what is set is sent.
/// A setting that does not apply to the call it is passed to (a key size on import or update,
/// HSM protection on create, ...) gives KV_STATUS_INVALID_ARGUMENT. Not thread-safe: one thread
/// at a time.
#[derive(Default)]
pub struct kv_key_options(pub(crate) KeyOptions);

/// New, empty key options. Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn kv_key_options_new() -> *mut kv_key_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_key_options::default()) })
}

/// Sets the key size in bits for `kv_client_create_key`: 2048, 3072 or 4096 for RSA, 128, 192
/// or 256 for oct (checked against the key type when the key is created).
#[no_mangle]
pub extern "C" fn kv_key_options_set_key_size(
    o: *mut kv_key_options,
    bits: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { handle_mut(o, "options")?.0.set_key_size(bits) })
}

/// Sets the RSA public exponent for `kv_client_create_key` (odd, at least 3; default 65537).
#[no_mangle]
pub extern "C" fn kv_key_options_set_public_exponent(
    o: *mut kv_key_options,
    exponent: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { handle_mut(o, "options")?.0.set_public_exponent(exponent) })
}

/// Sets the curve of an EC key for `kv_client_create_key`: a `KV_KEY_CURVE_*` value
/// (KV_KEY_CURVE_DEFAULT leaves the choice to the service).
#[no_mangle]
pub extern "C" fn kv_key_options_set_curve(
    o: *mut kv_key_options,
    curve: kv_key_curve,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.0.set_curve(decode(&CURVE_CODES, curve, "curve", "kv_key_curve")?);
        Ok(())
    })
}

/// Asks for HSM protection of an imported key (`kv_client_import_key_jwk` / `_pem` only).
#[no_mangle]
pub extern "C" fn kv_key_options_set_hsm(o: *mut kv_key_options, hsm: bool, err_out: *mut *mut kv_error) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.0.set_hsm(hsm);
        Ok(())
    })
}

/// Sets the enabled flag (a disabled key cannot be used for cryptography).
#[no_mangle]
pub extern "C" fn kv_key_options_set_enabled(
    o: *mut kv_key_options,
    enabled: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.0.properties.enabled = Some(enabled);
        Ok(())
    })
}

/// Sets the not-before time (Unix seconds).
#[no_mangle]
pub extern "C" fn kv_key_options_set_not_before(
    o: *mut kv_key_options,
    unix_seconds: i64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.0.properties.not_before = Some(unix_seconds);
        Ok(())
    })
}

/// Sets the expiry time (Unix seconds).
#[no_mangle]
pub extern "C" fn kv_key_options_set_expires(
    o: *mut kv_key_options,
    unix_seconds: i64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.0.properties.expires = Some(unix_seconds);
        Ok(())
    })
}

/// Sets whether the private key may be exported by `kv_client_release_key` (needs a release
/// policy, see `kv_key_options_set_release_policy`).
#[no_mangle]
pub extern "C" fn kv_key_options_set_exportable(
    o: *mut kv_key_options,
    exportable: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.0.properties.exportable = Some(exportable);
        Ok(())
    })
}

/// Adds a permitted operation: "encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey",
/// "import" or "export" (case-sensitive; others give KV_STATUS_INVALID_ARGUMENT). Once any is
/// added, the call sets exactly the added operations.
#[no_mangle]
pub extern "C" fn kv_key_options_add_operation(
    o: *mut kv_key_options,
    operation: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.0.add_operation(string(operation, "operation")?)
    })
}

/// Adds or replaces a tag. Once any tag is set, the call replaces all of the key's tags with
/// the options' tags (at most 15).
#[no_mangle]
pub extern "C" fn kv_key_options_set_tag(
    o: *mut kv_key_options,
    key: *const c_char,
    value: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let key = string(key, "key")?;
        let value = string(value, "value")?;
        o.0.set_tag(key, value);
        Ok(())
    })
}

/// Marks the tags as set and empty, so an update removes all tags.
#[no_mangle]
pub extern "C" fn kv_key_options_clear_tags(o: *mut kv_key_options, err_out: *mut *mut kv_error) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.0.properties.tags = Some(Default::default());
        Ok(())
    })
}

/// Sets the secure key release policy: `data` is the policy document (`data_len` bytes, not
/// empty; usually JSON), `content_type` its type (NULL = the service default,
/// "application/json; charset=utf-8"), `immutable` whether it can never change again.
#[no_mangle]
pub extern "C" fn kv_key_options_set_release_policy(
    o: *mut kv_key_options,
    data: *const u8,
    data_len: usize,
    content_type: *const c_char,
    immutable: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let data = bytes(data, data_len, "data")?;
        let content_type = optional_string(content_type, "content_type")?;
        o.0.set_release_policy(data, content_type, immutable)
    })
}

/// Frees key options. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_key_options_free(o: *mut kv_key_options) {
    ffi_free!(o)
}
