//! Cryptography over the C ABI: the algorithm enumerations, `kv_crypto_params` (iv, aad, tag),
//! `kv_crypto_result`, the vault's operations as `kv_client_*` calls, and local public-key
//! operations on a `kv_key` (no request is sent).
//!
//! Algorithms arrive from C as `uint32_t` and are looked up in the tables of
//! `crate::crypto::algorithm`; any other value gives KV_STATUS_INVALID_ARGUMENT.

use crate::crypto::algorithm::{EncryptionAlgorithm, SignatureAlgorithm};
use crate::crypto::{pem, CryptoParams, CryptoResult, LocalKey, NO_PARAMS};
use crate::error::{Error, ErrorKind, Result};
use crate::ffi::boundary::{
    bytes, handle, handle_mut, into_handle, optional_handle, optional_string, out_slot, string,
};
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::keys::kv_key;
use crate::ffi::secrets::kv_blob;
use crate::ffi::status::kv_status;
use crate::ffi::text::{kv_bytes, kv_str, Text};
use crate::keys::Key;
use crate::model::key::{JsonWebKey, KeyBundle};
use std::ffi::c_char;
use zeroize::Zeroizing;

// --- enumerations (uint32_t values) -----------------------------------------------------------

/// Signature algorithms (one of `KV_SIGNATURE_ALGORITHM_*`). Sign and verify take a digest of the
/// algorithm's hash: 32 bytes (SHA-256) for RS256, PS256, ES256, ES256K; 48 (SHA-384) for RS384,
/// PS384, ES384; 64 (SHA-512) for RS512, PS512, ES512. ECDSA signatures are raw `r || s`, r and
/// s each as wide as the curve (64 bytes in all for P-256 and P-256K, 96 for P-384, 132 for
/// P-521). 0 and values not listed give KV_STATUS_INVALID_ARGUMENT.
pub type kv_signature_algorithm = u32;
/// "RS256": RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys).
pub const KV_SIGNATURE_ALGORITHM_RS256: kv_signature_algorithm = 1;
/// "RS384": RSASSA-PKCS1-v1_5 with SHA-384 (RSA keys).
pub const KV_SIGNATURE_ALGORITHM_RS384: kv_signature_algorithm = 2;
/// "RS512": RSASSA-PKCS1-v1_5 with SHA-512 (RSA keys).
pub const KV_SIGNATURE_ALGORITHM_RS512: kv_signature_algorithm = 3;
/// "PS256": RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt (RSA keys).
pub const KV_SIGNATURE_ALGORITHM_PS256: kv_signature_algorithm = 4;
/// "PS384": RSASSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt (RSA keys).
pub const KV_SIGNATURE_ALGORITHM_PS384: kv_signature_algorithm = 5;
/// "PS512": RSASSA-PSS with SHA-512, MGF1-SHA-512, 64-byte salt (RSA keys).
pub const KV_SIGNATURE_ALGORITHM_PS512: kv_signature_algorithm = 6;
/// "ES256": ECDSA on P-256 with SHA-256.
pub const KV_SIGNATURE_ALGORITHM_ES256: kv_signature_algorithm = 7;
/// "ES256K": ECDSA on secp256k1 (P-256K) with SHA-256.
pub const KV_SIGNATURE_ALGORITHM_ES256K: kv_signature_algorithm = 8;
/// "ES384": ECDSA on P-384 with SHA-384.
pub const KV_SIGNATURE_ALGORITHM_ES384: kv_signature_algorithm = 9;
/// "ES512": ECDSA on P-521 with SHA-512.
pub const KV_SIGNATURE_ALGORITHM_ES512: kv_signature_algorithm = 10;

/// Encryption and key-wrap algorithms (one of `KV_ENCRYPTION_ALGORITHM_*`). RSA algorithms work
/// with RSA keys (and run locally with `kv_key_encrypt` / `kv_key_wrap_key`); AES algorithms need
/// an oct key of the matching size (Managed HSM) and always run in the vault. 0 and values not
/// listed give KV_STATUS_INVALID_ARGUMENT.
pub type kv_encryption_algorithm = u32;
/// "RSA1_5": RSAES-PKCS1-v1_5.
pub const KV_ENCRYPTION_ALGORITHM_RSA1_5: kv_encryption_algorithm = 1;
/// "RSA-OAEP": RSAES-OAEP with SHA-1 and MGF1-SHA-1.
pub const KV_ENCRYPTION_ALGORITHM_RSA_OAEP: kv_encryption_algorithm = 2;
/// "RSA-OAEP-256": RSAES-OAEP with SHA-256 and MGF1-SHA-256.
pub const KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256: kv_encryption_algorithm = 3;
/// "A128GCM": AES-GCM, 128-bit key (iv, aad; the result carries the tag).
pub const KV_ENCRYPTION_ALGORITHM_A128GCM: kv_encryption_algorithm = 4;
/// "A192GCM": AES-GCM, 192-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A192GCM: kv_encryption_algorithm = 5;
/// "A256GCM": AES-GCM, 256-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A256GCM: kv_encryption_algorithm = 6;
/// "A128CBC": AES-CBC without padding (input a multiple of 16 bytes), 128-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A128CBC: kv_encryption_algorithm = 7;
/// "A192CBC": AES-CBC without padding, 192-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A192CBC: kv_encryption_algorithm = 8;
/// "A256CBC": AES-CBC without padding, 256-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A256CBC: kv_encryption_algorithm = 9;
/// "A128CBCPAD": AES-CBC with PKCS#7 padding, 128-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A128CBCPAD: kv_encryption_algorithm = 10;
/// "A192CBCPAD": AES-CBC with PKCS#7 padding, 192-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A192CBCPAD: kv_encryption_algorithm = 11;
/// "A256CBCPAD": AES-CBC with PKCS#7 padding, 256-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A256CBCPAD: kv_encryption_algorithm = 12;
/// "A128KW": AES key wrap (RFC 3394), 128-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A128KW: kv_encryption_algorithm = 13;
/// "A192KW": AES key wrap, 192-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A192KW: kv_encryption_algorithm = 14;
/// "A256KW": AES key wrap, 256-bit key.
pub const KV_ENCRYPTION_ALGORITHM_A256KW: kv_encryption_algorithm = 15;
/// "CKM_AES_KEY_WRAP": PKCS#11 AES key wrap (RFC 3394).
pub const KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP: kv_encryption_algorithm = 16;
/// "CKM_AES_KEY_WRAP_PAD": PKCS#11 AES key wrap with padding (RFC 5649).
pub const KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP_PAD: kv_encryption_algorithm = 17;

// --- handles ----------------------------------------------------------------------------------

/// Optional AES inputs for encrypt, decrypt, wrap and unwrap: initialization vector (CBC, GCM),
/// additional authenticated data (GCM) and authentication tag (GCM decrypt/unwrap). Passing one
/// that the algorithm does not take gives KV_STATUS_INVALID_ARGUMENT. Zeroized when freed.
/// Not thread-safe: one thread at a time.
#[derive(Default)]
pub struct kv_crypto_params {
    inner: CryptoParams,
}

/// The result of a crypto call: the output bytes (signature, ciphertext, plaintext, wrapped or
/// unwrapped key), the id of the key version that did the work, and for AES the iv, tag and aad.
/// Immutable; read it from any thread. Zeroized when freed with `kv_crypto_result_free`.
pub struct kv_crypto_result {
    result: CryptoResult,
    key_id: Text,
}

impl kv_crypto_result {
    fn new(result: CryptoResult) -> kv_crypto_result {
        kv_crypto_result { key_id: Text::new(result.kid.as_bytes()), result }
    }
}

fn client<'a>(c: *const kv_client) -> Result<&'a crate::client::Client> {
    handle(c, "client").map(|c| &c.inner)
}

fn bool_slot<'a>(ptr: *mut bool, what: &str) -> Result<&'a mut bool> {
    // SAFETY: the caller passes NULL or a pointer to writable storage for one bool.
    unsafe { ptr.as_mut() }.ok_or_else(|| Error::new(ErrorKind::NullArgument, format!("argument '{what}' is NULL")))
}

fn optional_params<'a>(p: *const kv_crypto_params) -> &'a CryptoParams {
    optional_handle(p).map(|p| &p.inner).unwrap_or(&NO_PARAMS)
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
    let slot = field(&mut p.inner);
    if let Some(old) = slot.as_mut() {
        zeroize::Zeroize::zeroize(old);
    }
    *slot = (!data.is_empty()).then(|| data.to_vec());
    Ok(())
}

// --- params -----------------------------------------------------------------------------------

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

// --- results ----------------------------------------------------------------------------------

fn result_view(r: *const kv_crypto_result, get: impl FnOnce(&CryptoResult) -> &[u8]) -> kv_bytes {
    // SAFETY: NULL or a live kv_crypto_result from kv.
    unsafe { r.as_ref() }.map(|r| kv_bytes::of(get(&r.result))).unwrap_or_else(|| kv_bytes::of(&[]))
}

/// The output bytes: the signature (sign), ciphertext (encrypt), plaintext (decrypt), wrapped key
/// (wrap) or unwrapped key (unwrap). Empty when `r` is NULL.
#[no_mangle]
pub extern "C" fn kv_crypto_result_value(r: *const kv_crypto_result) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { result_view(r, |r| &r.value) })
}

/// The initialization vector the vault used (AES encrypt and wrap); empty when none.
#[no_mangle]
pub extern "C" fn kv_crypto_result_iv(r: *const kv_crypto_result) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { result_view(r, |r| &r.iv) })
}

/// The authentication tag (AES-GCM encrypt and wrap); empty when none. Pass it to decrypt with
/// `kv_crypto_params_set_tag`.
#[no_mangle]
pub extern "C" fn kv_crypto_result_tag(r: *const kv_crypto_result) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { result_view(r, |r| &r.tag) })
}

/// The additional authenticated data the vault echoed (AES-GCM); empty when none.
#[no_mangle]
pub extern "C" fn kv_crypto_result_aad(r: *const kv_crypto_result) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { result_view(r, |r| &r.aad) })
}

/// The id of the key version that did the work, `https://{vault}/keys/{name}/{version}`
/// ("" when unknown, e.g. a local operation with a JWK that had no kid).
#[no_mangle]
pub extern "C" fn kv_crypto_result_key_id(r: *const kv_crypto_result) -> kv_str {
    ffi_value!(kv_str::empty(), {
        // SAFETY: NULL or a live kv_crypto_result from kv.
        unsafe { r.as_ref() }.map(|r| r.key_id.view()).unwrap_or_else(kv_str::empty)
    })
}

/// Frees a crypto result, zeroizing its bytes. NULL is accepted. May be called from any thread.
#[no_mangle]
pub extern "C" fn kv_crypto_result_free(r: *mut kv_crypto_result) {
    ffi_free!(r)
}

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
        *out = into_handle(kv_crypto_result::new(client.sign(name, version, alg, digest)?));
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
        let valid_out = bool_slot(valid_out, "valid_out")?;
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
        *out = into_handle(kv_crypto_result::new(client.sign_data(name, version, alg, data)?));
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
        let valid_out = bool_slot(valid_out, "valid_out")?;
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

/// Which vault cipher call.
#[derive(Clone, Copy)]
enum Cipher {
    Encrypt,
    Decrypt,
    Wrap,
    Unwrap,
}

#[allow(clippy::too_many_arguments)]
fn cipher_call(
    which: Cipher,
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
    let result = match which {
        Cipher::Encrypt => client.encrypt(name, version, alg, input, params)?,
        Cipher::Decrypt => client.decrypt(name, version, alg, input, params)?,
        Cipher::Wrap => client.wrap_key(name, version, alg, input, params)?,
        Cipher::Unwrap => client.unwrap_key(name, version, alg, input, params)?,
    };
    *out = into_handle(kv_crypto_result::new(result));
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
        cipher_call(Cipher::Encrypt, c, name, version, alg, plaintext, plaintext_len, params, out, "plaintext")
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
        cipher_call(Cipher::Decrypt, c, name, version, alg, ciphertext, ciphertext_len, params, out, "ciphertext")
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
    ffi_status!(err_out, { cipher_call(Cipher::Wrap, c, name, version, alg, key, key_len, params, out, "key") })
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
        cipher_call(Cipher::Unwrap, c, name, version, alg, wrapped_key, wrapped_key_len, params, out, "wrapped_key")
    })
}

// --- local operations on a kv_key -------------------------------------------------------------

/// Parses a JWK (or a key bundle `{"key": {...}, "attributes": {...}}`) into a key with public
/// members only. JSON errors never quote the input.
fn key_from_json(text: &str) -> Result<Key> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::invalid_argument(format!("the JWK is not valid JSON (line {}, column {})", e.line(), e.column()))
    })?;
    let shape = |e: serde_json::Error| {
        // serde messages may quote values (key material): keep only the category and position.
        Error::invalid_argument(format!("the JSON is not a JSON Web Key or key bundle ({:?} error; check member types: binary members are base64url strings)", e.classify()))
    };
    let bundle: KeyBundle = if value.get("key").is_some_and(serde_json::Value::is_object) {
        serde_json::from_value(value).map_err(shape)?
    } else {
        KeyBundle { key: Some(serde_json::from_value::<JsonWebKey>(value).map_err(shape)?), ..KeyBundle::default() }
    };
    let mut bundle = bundle;
    let jwk = bundle.key.as_mut().ok_or_else(|| Error::invalid_argument("the key bundle has no key"))?;
    // Keep public members only: local operations never use private ones.
    for private in
        [&mut jwk.d, &mut jwk.dp, &mut jwk.dq, &mut jwk.qi, &mut jwk.p, &mut jwk.q, &mut jwk.k, &mut jwk.key_hsm]
    {
        *private = None;
    }
    LocalKey::new(jwk, Some(&bundle.attributes))?;
    Ok(Key::from_bundle(bundle))
}

fn local_key(k: *const kv_key) -> Result<LocalKey> {
    let k = handle(k, "key")?;
    let bundle = &k.key.bundle;
    let jwk = bundle.key.as_ref().ok_or_else(|| {
        Error::invalid_argument(
            "this kv_key carries no key material (list and deleted-list items do not); get the key first",
        )
    })?;
    LocalKey::new(jwk, Some(&bundle.attributes))
}

fn key_jwk<'a>(k: *const kv_key) -> Result<&'a JsonWebKey> {
    handle(k, "key")?.key.bundle.key.as_ref().ok_or_else(|| {
        Error::invalid_argument(
            "this kv_key carries no key material (list and deleted-list items do not); get the key first",
        )
    })
}

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
        let key = key_from_json(string(jwk_json, "jwk_json")?)?;
        *out = into_handle(kv_key::new(key));
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
        let valid_out = bool_slot(valid_out, "valid_out")?;
        let key = local_key(k)?;
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
        let valid_out = bool_slot(valid_out, "valid_out")?;
        let key = local_key(k)?;
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
        let key = local_key(k)?;
        let alg = EncryptionAlgorithm::checked(alg)?;
        let plaintext = bytes(plaintext, plaintext_len, "plaintext")?;
        *out = into_handle(kv_crypto_result::new(key.encrypt(alg, plaintext)?));
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
        let local = local_key(k)?;
        let alg = EncryptionAlgorithm::checked(alg)?;
        let key = bytes(key, key_len, "key")?;
        *out = into_handle(kv_crypto_result::new(local.wrap_key(alg, key)?));
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
        let pem = pem::public_key_pem(key_jwk(k)?)?;
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
        let json = pem::public_jwk_json(key_jwk(k)?);
        *out = into_handle(kv_blob::new(Zeroizing::new(json.into_bytes())));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::algorithm::{ENCRYPTION_TABLE, SIGNATURE_TABLE};

    /// The C constants in this file, as (suffix, value) for `prefix`.
    fn constants(prefix: &str) -> Vec<(String, u32)> {
        include_str!("crypto.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("pub const ")?.strip_prefix(prefix))
            .map(|rest| {
                let (name, value) = rest.split_once(':').unwrap();
                let value = value.rsplit('=').next().unwrap().trim().trim_end_matches(';');
                (name.to_owned(), value.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn c_constants_match_the_algorithm_tables() {
        let sig = constants("KV_SIGNATURE_ALGORITHM_");
        assert_eq!(sig.len(), SIGNATURE_TABLE.len());
        for (name, value) in sig {
            let row = SIGNATURE_TABLE.iter().find(|r| r.c_name == name).unwrap_or_else(|| panic!("no row for {name}"));
            assert_eq!(row.code, value, "{name}");
        }
        let enc = constants("KV_ENCRYPTION_ALGORITHM_");
        assert_eq!(enc.len(), ENCRYPTION_TABLE.len());
        for (name, value) in enc {
            let row = ENCRYPTION_TABLE.iter().find(|r| r.c_name == name).unwrap_or_else(|| panic!("no row for {name}"));
            assert_eq!(row.code, value, "{name}");
        }
    }

    #[test]
    fn jwk_json_errors_never_quote_the_input() {
        let e = key_from_json(r#"{"kty":"RSA","n":12345678901234,"e":"AQAB","d":"c2VjcmV0LWQ"}"#).unwrap_err();
        assert!(!e.message.contains("12345678901234") && !e.message.contains("c2VjcmV0"), "{}", e.message);
        let e = key_from_json(r#"{"kty":"RSA","n":"c2VjcmV0LW4"#).unwrap_err();
        assert!(!e.message.contains("c2VjcmV0"), "{}", e.message);
        let e = key_from_json(r#"{"kty":"RSA","n":"!!!c2VjcmV0!!!","e":"AQAB"}"#).unwrap_err();
        assert!(!e.message.contains("c2VjcmV0"), "{}", e.message);
    }
}
