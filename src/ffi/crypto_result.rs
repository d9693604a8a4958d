//! `kv_crypto_result`: the output of a crypto call.

use crate::crypto::CryptoResult;
use crate::ffi::boundary::view;
use crate::ffi::boundary::with;
use crate::ffi::text::{kv_bytes, kv_str};

/// The result of a crypto call: the output bytes (signature, ciphertext, plaintext, wrapped or
/// unwrapped key), the id of the key version that did the work, and for AES the iv, tag and aad.
/// Immutable; read it from any thread. Zeroized when freed with `kv_crypto_result_free`.
pub struct kv_crypto_result(pub(crate) CryptoResult);

/// The output bytes: the signature (sign), ciphertext (encrypt), plaintext (decrypt), wrapped key
/// (wrap) or unwrapped key (unwrap). Empty when `r` is NULL.
#[no_mangle]
pub extern "C" fn kv_crypto_result_value(r: *const kv_crypto_result) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { with(r, kv_bytes::of(&[]), |r| kv_bytes::of(&r.0.value)) })
}

/// The initialization vector the vault used (AES encrypt and wrap); empty when none.
#[no_mangle]
pub extern "C" fn kv_crypto_result_iv(r: *const kv_crypto_result) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { with(r, kv_bytes::of(&[]), |r| kv_bytes::of(&r.0.iv)) })
}

/// The authentication tag (AES-GCM encrypt and wrap); empty when none. Pass it to decrypt with
/// `kv_crypto_params_set_tag`.
#[no_mangle]
pub extern "C" fn kv_crypto_result_tag(r: *const kv_crypto_result) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { with(r, kv_bytes::of(&[]), |r| kv_bytes::of(&r.0.tag)) })
}

/// The additional authenticated data the vault echoed (AES-GCM); empty when none.
#[no_mangle]
pub extern "C" fn kv_crypto_result_aad(r: *const kv_crypto_result) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { with(r, kv_bytes::of(&[]), |r| kv_bytes::of(&r.0.aad)) })
}

/// The id of the key version that did the work, `https://{vault}/keys/{name}/{version}`
/// ("" when unknown, e.g. a local operation with a JWK that had no kid).
#[no_mangle]
pub extern "C" fn kv_crypto_result_key_id(r: *const kv_crypto_result) -> kv_str {
    ffi_value!(kv_str::empty(), { view(r, |r| Some(&r.0.kid)) })
}

/// Frees a crypto result, zeroizing its bytes. NULL is accepted. May be called from any thread.
#[no_mangle]
pub extern "C" fn kv_crypto_result_free(r: *mut kv_crypto_result) {
    ffi_free!(r)
}
