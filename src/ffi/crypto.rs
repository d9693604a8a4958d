//! Cryptography over the C ABI: the vault's crypto calls (`kv_client_sign`, ...), and local
//! operations on a `kv_key` (verify, encrypt, wrap, export the public key). The handles live in
//! crypto_params.rs and crypto_result.rs, the algorithm values in enums.rs; all are re-exported
//! here.

pub use crate::ffi::crypto_params::*;
pub use crate::ffi::crypto_result::*;
pub use crate::ffi::enums::{kv_encryption_algorithm, kv_signature_algorithm};

use crate::crypto::algorithm::{EncryptionAlgorithm, SignatureAlgorithm};
use crate::crypto::pem;
use crate::crypto::remote::CipherOp;
use crate::error::Result;
use crate::ffi::blob::kv_blob;
use crate::ffi::boundary::{bytes, handle, into_handle, optional_string, out_slot, out_value, string};
use crate::ffi::calls::client;
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::key::kv_key;
use crate::ffi::status::kv_status;
use crate::keys::Key;
use std::ffi::c_char;
use zeroize::Zeroizing;

// --- operations in the vault ------------------------------------------------------------------

/// Signs a digest with a vault key (`version` NULL or "" = latest). `digest` must be exactly as
/// long as the algorithm's hash (else KV_STATUS_INVALID_ARGUMENT before any request); to sign data,
/// use `kv_client_sign_data`. The result's value is the signature.
#[no_mangle]
pub extern "C" fn kv_client_sign(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    alg: kv_signature_algorithm,
    digest: *const u8,
    digest_len: usize,
    out: *mut *mut kv_crypto_result,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let alg = SignatureAlgorithm::checked(alg)?;
        let digest = bytes(digest, digest_len, "digest")?;
        *out = into_handle(kv_crypto_result(client.sign(name, version, alg, digest)?));
        Ok(())
    })
}

/// Verifies a signature over a digest with a vault key (`version` NULL or "" = latest).
/// `*valid_out` receives true when the signature is valid, false when not (the call itself
/// succeeds either way). `kv_key_verify` does the same locally, without a request.
#[no_mangle]
pub extern "C" fn kv_client_verify(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    alg: kv_signature_algorithm,
    digest: *const u8,
    digest_len: usize,
    signature: *const u8,
    signature_len: usize,
    valid_out: *mut bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let valid_out = out_value(valid_out, "valid_out")?;
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let alg = SignatureAlgorithm::checked(alg)?;
        let digest = bytes(digest, digest_len, "digest")?;
        let signature = bytes(signature, signature_len, "signature")?;
        *valid_out = client.verify(name, version, alg, digest, signature)?;
        Ok(())
    })
}

/// Hashes `data` locally with the algorithm's hash (SHA-256, SHA-384 or SHA-512), then signs the
/// digest with a vault key, like `kv_client_sign`.
#[no_mangle]
pub extern "C" fn kv_client_sign_data(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    alg: kv_signature_algorithm,
    data: *const u8,
    data_len: usize,
    out: *mut *mut kv_crypto_result,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let alg = SignatureAlgorithm::checked(alg)?;
        let data = bytes(data, data_len, "data")?;
        *out = into_handle(kv_crypto_result(client.sign_data(name, version, alg, data)?));
        Ok(())
    })
}

/// Hashes `data` locally with the algorithm's hash, then verifies the signature over the digest
/// with a vault key, like `kv_client_verify`.
#[no_mangle]
pub extern "C" fn kv_client_verify_data(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    alg: kv_signature_algorithm,
    data: *const u8,
    data_len: usize,
    signature: *const u8,
    signature_len: usize,
    valid_out: *mut bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let valid_out = out_value(valid_out, "valid_out")?;
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let alg = SignatureAlgorithm::checked(alg)?;
        let data = bytes(data, data_len, "data")?;
        let signature = bytes(signature, signature_len, "signature")?;
        *valid_out = client.verify_data(name, version, alg, data, signature)?;
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
fn cipher_call(
    op: CipherOp,
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    alg: kv_encryption_algorithm,
    input: *const u8,
    input_len: usize,
    params: *const kv_crypto_params,
    out: *mut *mut kv_crypto_result,
    input_name: &str,
) -> Result<()> {
    let out = out_slot(out, "out")?;
    let client = client(c)?;
    let name = string(name, "name")?;
    let version = optional_string(version, "version")?.unwrap_or("");
    let alg = EncryptionAlgorithm::checked(alg)?;
    let input = bytes(input, input_len, input_name)?;
    let params = optional_params(params);
    *out = into_handle(kv_crypto_result(client.cipher(op, name, version, alg, input, params)?));
    Ok(())
}

/// Encrypts with a vault key (`version` NULL or "" = latest). `params` (NULL = none; not
/// consumed) gives the iv and aad for AES. The result's value is the ciphertext; for AES-GCM its
/// iv and tag are needed to decrypt. RSA encryption can also run locally (`kv_key_encrypt`).
#[no_mangle]
pub extern "C" fn kv_client_encrypt(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    alg: kv_encryption_algorithm,
    plaintext: *const u8,
    plaintext_len: usize,
    params: *const kv_crypto_params,
    out: *mut *mut kv_crypto_result,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        cipher_call(CipherOp::Encrypt, c, name, version, alg, plaintext, plaintext_len, params, out, "plaintext")
    })
}

/// Decrypts with a vault key (`version` NULL or "" = latest). AES-GCM needs the iv and tag (and
/// the aad, if one was used) in `params`; AES-CBC needs the iv. The result's value is the
/// plaintext, zeroized when the result is freed.
#[no_mangle]
pub extern "C" fn kv_client_decrypt(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    alg: kv_encryption_algorithm,
    ciphertext: *const u8,
    ciphertext_len: usize,
    params: *const kv_crypto_params,
    out: *mut *mut kv_crypto_result,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        cipher_call(CipherOp::Decrypt, c, name, version, alg, ciphertext, ciphertext_len, params, out, "ciphertext")
    })
}

/// Wraps (encrypts) a symmetric key with a vault key (`version` NULL or "" = latest), e.g.
/// RSA-OAEP-256 with an RSA key or A256KW with an oct key. `params` as for `kv_client_encrypt`.
/// RSA wrapping can also run locally (`kv_key_wrap_key`).
#[no_mangle]
pub extern "C" fn kv_client_wrap_key(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    alg: kv_encryption_algorithm,
    key: *const u8,
    key_len: usize,
    params: *const kv_crypto_params,
    out: *mut *mut kv_crypto_result,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { cipher_call(CipherOp::Wrap, c, name, version, alg, key, key_len, params, out, "key") })
}

/// Unwraps a wrapped key with a vault key (`version` NULL or "" = latest). `params` as for
/// `kv_client_decrypt`. The result's value is the unwrapped key, zeroized when the result is
/// freed.
#[no_mangle]
pub extern "C" fn kv_client_unwrap_key(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    alg: kv_encryption_algorithm,
    wrapped_key: *const u8,
    wrapped_key_len: usize,
    params: *const kv_crypto_params,
    out: *mut *mut kv_crypto_result,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        cipher_call(CipherOp::Unwrap, c, name, version, alg, wrapped_key, wrapped_key_len, params, out, "wrapped_key")
    })
}

// --- local operations on a kv_key -------------------------------------------------------------

/// Builds a key from JSON for local operations, without a request: a JSON Web Key
/// (`{"kty":"RSA","n":...,"e":...}` or `{"kty":"EC","crv":...,"x":...,"y":...}`, with optional
/// `kid` and `key_ops`), or a key bundle as the vault returns it (`{"key":{...},"attributes":
/// {...}}`, whose `nbf` and `exp` then limit local use). Private members are dropped. Free the
/// key with `kv_key_free`.
#[no_mangle]
pub extern "C" fn kv_key_from_jwk(
    jwk_json: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_key(Key::from_json(string(jwk_json, "jwk_json")?)?));
        Ok(())
    })
}

/// Verifies a signature over a digest locally with the key's public key (no request). Fails with
/// KV_STATUS_OPERATION_NOT_PERMITTED when the key's operations exclude "verify",
/// KV_STATUS_KEY_EXPIRED / KV_STATUS_KEY_NOT_YET_VALID outside its validity time, and
/// KV_STATUS_UNSUPPORTED_ALGORITHM when the algorithm does not fit the key (type or curve). A
/// disabled key still verifies, as in the vault. `*valid_out` receives whether the signature is
/// valid.
#[no_mangle]
pub extern "C" fn kv_key_verify(
    k: *const kv_key,
    alg: kv_signature_algorithm,
    digest: *const u8,
    digest_len: usize,
    signature: *const u8,
    signature_len: usize,
    valid_out: *mut bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let valid_out = out_value(valid_out, "valid_out")?;
        let key = handle(k, "key")?.0.local()?;
        let alg = SignatureAlgorithm::checked(alg)?;
        let digest = bytes(digest, digest_len, "digest")?;
        let signature = bytes(signature, signature_len, "signature")?;
        *valid_out = key.verify(alg, digest, signature)?;
        Ok(())
    })
}

/// Hashes `data` with the algorithm's hash, then verifies locally like `kv_key_verify`.
#[no_mangle]
pub extern "C" fn kv_key_verify_data(
    k: *const kv_key,
    alg: kv_signature_algorithm,
    data: *const u8,
    data_len: usize,
    signature: *const u8,
    signature_len: usize,
    valid_out: *mut bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let valid_out = out_value(valid_out, "valid_out")?;
        let key = handle(k, "key")?.0.local()?;
        let alg = SignatureAlgorithm::checked(alg)?;
        let data = bytes(data, data_len, "data")?;
        let signature = bytes(signature, signature_len, "signature")?;
        *valid_out = key.verify_data(alg, data, signature)?;
        Ok(())
    })
}

/// Encrypts locally with the key's RSA public key (RSA1_5, RSA-OAEP, RSA-OAEP-256; no request).
/// The vault decrypts the result with `kv_client_decrypt`. Refusals as for `kv_key_verify` (the
/// operation checked is "encrypt"); AES algorithms and EC keys give
/// KV_STATUS_UNSUPPORTED_ALGORITHM, plaintext too long for the key KV_STATUS_INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn kv_key_encrypt(
    k: *const kv_key,
    alg: kv_encryption_algorithm,
    plaintext: *const u8,
    plaintext_len: usize,
    out: *mut *mut kv_crypto_result,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let key = handle(k, "key")?.0.local()?;
        let alg = EncryptionAlgorithm::checked(alg)?;
        let plaintext = bytes(plaintext, plaintext_len, "plaintext")?;
        *out = into_handle(kv_crypto_result(key.encrypt(alg, plaintext)?));
        Ok(())
    })
}

/// Wraps a symmetric key locally with the key's RSA public key (RSA1_5, RSA-OAEP,
/// RSA-OAEP-256; no request); the vault unwraps it with `kv_client_unwrap_key`. Refusals as for
/// `kv_key_encrypt` (the operation checked is "wrapKey").
#[no_mangle]
pub extern "C" fn kv_key_wrap_key(
    k: *const kv_key,
    alg: kv_encryption_algorithm,
    key: *const u8,
    key_len: usize,
    out: *mut *mut kv_crypto_result,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let local = handle(k, "key")?.0.local()?;
        let alg = EncryptionAlgorithm::checked(alg)?;
        let key = bytes(key, key_len, "key")?;
        *out = into_handle(kv_crypto_result(local.wrap_key(alg, key)?));
        Ok(())
    })
}

/// The key's public key as SubjectPublicKeyInfo PEM text (`-----BEGIN PUBLIC KEY-----`, LF line
/// endings), for RSA and EC keys; the blob's bytes are NUL-terminated, so they can be used as a
/// C string. Symmetric keys have none (KV_STATUS_INVALID_ARGUMENT). Free with `kv_blob_free`.
#[no_mangle]
pub extern "C" fn kv_key_public_pem(
    k: *const kv_key,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let pem = pem::public_key_pem(handle(k, "key")?.0.require_jwk()?)?;
        *out = into_handle(kv_blob::new(Zeroizing::new(pem.into_bytes())));
        Ok(())
    })
}

/// The key as JSON Web Key text with public members only (`kid`, `kty`, `key_ops`, and `n`, `e`
/// or `crv`, `x`, `y`); NUL-terminated like every blob. Free with `kv_blob_free`.
#[no_mangle]
pub extern "C" fn kv_key_public_jwk(
    k: *const kv_key,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let json = pem::public_jwk_json(handle(k, "key")?.0.require_jwk()?);
        *out = into_handle(kv_blob::new(Zeroizing::new(json.into_bytes())));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwk_json_errors_never_quote_the_input() {
        let e = Key::from_json(r#"{"kty":"RSA","n":12345678901234,"e":"AQAB","d":"c2VjcmV0LWQ"}"#).unwrap_err();
        assert!(!e.message.contains("12345678901234") && !e.message.contains("c2VjcmV0"), "{}", e.message);
        let e = Key::from_json(r#"{"kty":"RSA","n":"c2VjcmV0LW4"#).unwrap_err();
        assert!(!e.message.contains("c2VjcmV0"), "{}", e.message);
        let e = Key::from_json(r#"{"kty":"RSA","n":"!!!c2VjcmV0!!!","e":"AQAB"}"#).unwrap_err();
        assert!(!e.message.contains("c2VjcmV0"), "{}", e.message);
    }
}
