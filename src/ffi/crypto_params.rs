//! `kv_crypto_params`: the optional AES inputs of the encryption-family calls.

use crate::crypto::{CryptoParams, NO_PARAMS};
use crate::error::Result;
use crate::ffi::boundary::{bytes, handle_mut, into_handle, optional_handle};
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;

/// Optional AES inputs for encrypt, decrypt, wrap and unwrap: initialization vector (CBC, GCM),
/// additional authenticated data (GCM) and authentication tag (GCM decrypt/unwrap). Passing one
/// that the algorithm does not take gives KV_STATUS_INVALID_ARGUMENT. Zeroized when freed.
/// Not thread-safe: one thread at a time.
#[derive(Default)]
pub struct kv_crypto_params(CryptoParams);

/// The params argument (NULL = none).
pub(crate) fn optional_params<'a>(p: *const kv_crypto_params) -> &'a CryptoParams {
    optional_handle(p).map(|p| &p.0).unwrap_or(&NO_PARAMS)
}

fn set_param(
    p: *mut kv_crypto_params,
    data: *const u8,
    len: usize,
    what: &str,
    field: impl FnOnce(&mut CryptoParams) -> &mut Option<Vec<u8>>,
) -> Result<()> {
    let p = handle_mut(p, "params")?;
    let data = bytes(data, len, what)?;
    let slot = field(&mut p.0);
    if let Some(old) = slot.as_mut() {
        zeroize::Zeroize::zeroize(old);
    }
    *slot = (!data.is_empty()).then(|| data.to_vec());
    Ok(())
}

/// New, empty crypto parameters. Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn kv_crypto_params_new() -> *mut kv_crypto_params {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_crypto_params::default()) })
}

/// Sets the initialization vector (AES-CBC, AES-CBC-PAD: 16 bytes; AES-GCM: as the vault
/// returned it). Decrypting CBC or GCM needs the iv that encryption returned. Length 0 unsets it.
#[no_mangle]
pub extern "C" fn kv_crypto_params_set_iv(
    p: *mut kv_crypto_params,
    iv: *const u8,
    iv_len: usize,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { set_param(p, iv, iv_len, "iv", |p| &mut p.iv) })
}

/// Sets the additional authenticated data (AES-GCM only; decrypt needs the same aad as encrypt).
/// Length 0 unsets it.
#[no_mangle]
pub extern "C" fn kv_crypto_params_set_aad(
    p: *mut kv_crypto_params,
    aad: *const u8,
    aad_len: usize,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { set_param(p, aad, aad_len, "aad", |p| &mut p.aad) })
}

/// Sets the authentication tag that AES-GCM encryption returned (decrypt and unwrap only).
/// Length 0 unsets it.
#[no_mangle]
pub extern "C" fn kv_crypto_params_set_tag(
    p: *mut kv_crypto_params,
    tag: *const u8,
    tag_len: usize,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { set_param(p, tag, tag_len, "tag", |p| &mut p.tag) })
}

/// Frees crypto parameters, zeroizing them. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_crypto_params_free(p: *mut kv_crypto_params) {
    ffi_free!(p)
}
