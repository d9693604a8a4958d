//! Crypto operations the vault runs with a key: sign, verify, encrypt, decrypt, wrapKey and
//! unwrapKey (`POST /keys/{name}/{version}/{op}`), plus sign/verify of data hashed locally.
//!
//! Arguments are checked before any request: the key name and version, the digest length for
//! the signature algorithm, and which of iv/aad/tag the encryption algorithm takes. An empty
//! version addresses the latest version (`/keys/{name}//{op}`, which the service accepts).
//! Request bodies are serialized into pre-sized buffers that are zeroized when dropped; results
//! are zeroized when dropped.

use crate::client::Client;
use crate::crypto::algorithm::{EncryptionAlgorithm, EncryptionScheme, SignatureAlgorithm};
use crate::crypto::{CryptoParams, CryptoResult};
use crate::error::{Error, Result};
use crate::http::{Method, Request};
use crate::model::key::{
    KeyOperationResult, KeyOperationsParameters, KeySignParameters, KeyVerifyParameters, KeyVerifyResult, B64,
};
use crate::names::{check_name, check_version, path_segment};
use zeroize::Zeroizing;

/// What an encryption-family call does (decides which parameters it takes): the one name for
/// the four operations, used by the core and the C boundary alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherOp {
    /// encrypt
    Encrypt,
    /// decrypt
    Decrypt,
    /// wrapKey
    Wrap,
    /// unwrapKey
    Unwrap,
}

impl CipherOp {
    fn path(self) -> &'static str {
        match self {
            CipherOp::Encrypt => "encrypt",
            CipherOp::Decrypt => "decrypt",
            CipherOp::Wrap => "wrapkey",
            CipherOp::Unwrap => "unwrapkey",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            CipherOp::Encrypt => "encrypt",
            CipherOp::Decrypt => "decrypt",
            CipherOp::Wrap => "wrap key",
            CipherOp::Unwrap => "unwrap key",
        }
    }

    fn input(self) -> &'static str {
        match self {
            CipherOp::Encrypt => "plaintext",
            CipherOp::Decrypt => "ciphertext",
            CipherOp::Wrap => "key to wrap",
            CipherOp::Unwrap => "wrapped key",
        }
    }

    fn reverses(self) -> bool {
        matches!(self, CipherOp::Decrypt | CipherOp::Unwrap)
    }
}

/// Checks the iv/aad/tag an algorithm takes for an operation.
pub(crate) fn check_params(alg: EncryptionAlgorithm, op: CipherOp, input: &[u8], params: &CryptoParams) -> Result<()> {
    let wire = alg.wire();
    if input.is_empty() && op != CipherOp::Encrypt {
        return Err(Error::invalid_argument(format!("the {} is empty", op.input())));
    }
    let scheme = alg.scheme();
    let takes_iv = matches!(scheme, EncryptionScheme::AesGcm | EncryptionScheme::AesCbc | EncryptionScheme::AesCbcPad);
    let gcm = scheme == EncryptionScheme::AesGcm;
    if params.iv.is_some() && !takes_iv {
        return Err(Error::invalid_argument(format!("{wire} takes no initialization vector")));
    }
    if params.aad.is_some() && !gcm {
        return Err(Error::invalid_argument(format!(
            "{wire} takes no additional authenticated data (only AES-GCM does)"
        )));
    }
    if params.tag.is_some() && !(gcm && op.reverses()) {
        return Err(Error::invalid_argument(format!(
            "{wire} takes no authentication tag here (only AES-GCM decrypt and unwrap do)"
        )));
    }
    if op.reverses() && takes_iv && params.iv.as_ref().is_none_or(|iv| iv.is_empty()) {
        return Err(Error::invalid_argument(format!(
            "{wire} {} needs the initialization vector that encryption returned",
            op.verb()
        )));
    }
    if op.reverses() && gcm && params.tag.as_ref().is_none_or(|t| t.is_empty()) {
        return Err(Error::invalid_argument(format!(
            "{wire} {} needs the authentication tag that encryption returned",
            op.verb()
        )));
    }
    Ok(())
}

fn result_of(mut reply: KeyOperationResult, what: &str) -> Result<CryptoResult> {
    let value = reply
        .value
        .as_mut()
        .map(|v| std::mem::take(&mut v.0))
        .ok_or_else(|| Error::unparseable("the reply has no value").context(what))?;
    let take = |b: &mut Option<B64>| b.as_mut().map(|b| std::mem::take(&mut b.0)).unwrap_or_default();
    Ok(CryptoResult {
        kid: reply.kid.take().unwrap_or_default(),
        value: Zeroizing::new(value),
        iv: take(&mut reply.iv),
        tag: take(&mut reply.tag),
        aad: take(&mut reply.aad),
    })
}

impl Client {
    /// Signs a digest with a key (`version` empty = latest). `digest` must have the length of
    /// the algorithm's hash (32 bytes for RS256/PS256/ES256/ES256K, 48 for *384, 64 for *512).
    /// The result's value is the signature (raw `r || s` for ECDSA).
    pub fn sign(&self, name: &str, version: &str, alg: SignatureAlgorithm, digest: &[u8]) -> Result<CryptoResult> {
        check_key(name, version)?;
        alg.check_digest(digest)?;
        let what = format!("sign with key '{name}'");
        let body = KeySignParameters { alg: alg.wire().to_owned(), value: B64(digest.to_vec()) };
        let reply: KeyOperationResult = self.key_op(name, version, "sign", &body, &what)?;
        result_of(reply, &what)
    }

    /// Verifies a signature over a digest with a key (`version` empty = latest): `Ok(true)` when
    /// valid, `Ok(false)` when not. Public-key verification can also run locally
    /// ([`crate::crypto::LocalKey::verify`]).
    pub fn verify(
        &self,
        name: &str,
        version: &str,
        alg: SignatureAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        check_key(name, version)?;
        alg.check_digest(digest)?;
        if signature.is_empty() {
            return Err(Error::invalid_argument("the signature is empty"));
        }
        let what = format!("verify with key '{name}'");
        let body = KeyVerifyParameters {
            alg: alg.wire().to_owned(),
            digest: B64(digest.to_vec()),
            value: B64(signature.to_vec()),
        };
        let reply: KeyVerifyResult = self.key_op(name, version, "verify", &body, &what)?;
        reply.value.ok_or_else(|| Error::unparseable("the verify reply has no value").context(&what))
    }

    /// Hashes `data` locally with the algorithm's hash (SHA-256/384/512), then signs the digest.
    pub fn sign_data(&self, name: &str, version: &str, alg: SignatureAlgorithm, data: &[u8]) -> Result<CryptoResult> {
        check_key(name, version)?;
        self.sign(name, version, alg, &alg.hash().digest(data))
    }

    /// Hashes `data` locally with the algorithm's hash, then verifies the signature over it.
    pub fn verify_data(
        &self,
        name: &str,
        version: &str,
        alg: SignatureAlgorithm,
        data: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        check_key(name, version)?;
        self.verify(name, version, alg, &alg.hash().digest(data), signature)
    }

    /// Encrypts with a key (`version` empty = latest). For AES-GCM the result carries the iv and
    /// tag (and echoes the aad); for AES-CBC the iv. `params` gives iv (CBC, GCM where the vault
    /// accepts one) and aad (GCM).
    pub fn encrypt(
        &self,
        name: &str,
        version: &str,
        alg: EncryptionAlgorithm,
        plaintext: &[u8],
        params: &CryptoParams,
    ) -> Result<CryptoResult> {
        self.cipher(CipherOp::Encrypt, name, version, alg, plaintext, params)
    }

    /// Decrypts with a key (`version` empty = latest). AES-GCM needs the iv and tag (and the aad
    /// if one was used); AES-CBC needs the iv.
    pub fn decrypt(
        &self,
        name: &str,
        version: &str,
        alg: EncryptionAlgorithm,
        ciphertext: &[u8],
        params: &CryptoParams,
    ) -> Result<CryptoResult> {
        self.cipher(CipherOp::Decrypt, name, version, alg, ciphertext, params)
    }

    /// Wraps (encrypts) a symmetric key with a key (`version` empty = latest).
    pub fn wrap_key(
        &self,
        name: &str,
        version: &str,
        alg: EncryptionAlgorithm,
        key: &[u8],
        params: &CryptoParams,
    ) -> Result<CryptoResult> {
        self.cipher(CipherOp::Wrap, name, version, alg, key, params)
    }

    /// Unwraps (decrypts) a wrapped key with a key (`version` empty = latest).
    pub fn unwrap_key(
        &self,
        name: &str,
        version: &str,
        alg: EncryptionAlgorithm,
        wrapped: &[u8],
        params: &CryptoParams,
    ) -> Result<CryptoResult> {
        self.cipher(CipherOp::Unwrap, name, version, alg, wrapped, params)
    }

    /// One of the four encryption-family calls (the methods above call it).
    pub fn cipher(
        &self,
        op: CipherOp,
        name: &str,
        version: &str,
        alg: EncryptionAlgorithm,
        input: &[u8],
        params: &CryptoParams,
    ) -> Result<CryptoResult> {
        check_key(name, version)?;
        check_params(alg, op, input, params)?;
        let what = format!("{} with key '{name}'", op.verb());
        let owned = |b: &Option<Vec<u8>>| b.as_ref().map(|v| B64(v.clone()));
        let body = KeyOperationsParameters {
            alg: alg.wire().to_owned(),
            value: B64(input.to_vec()),
            iv: owned(&params.iv),
            aad: owned(&params.aad),
            tag: owned(&params.tag),
        };
        let reply: KeyOperationResult = self.key_op(name, version, op.path(), &body, &what)?;
        result_of(reply, &what)
    }

    fn key_op<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        version: &str,
        op: &str,
        body: &impl serde::Serialize,
        what: &str,
    ) -> Result<T> {
        let target = format!("/keys/{}/{}/{op}", path_segment(name), path_segment(version));
        let request = Request::with_json(Method::Post, target, body).map_err(|e| e.context(what))?;
        let response = self.pipeline.send(&request).map_err(|e| e.context(what))?;
        response.json().map_err(|e| e.context(what))
    }
}

fn check_key(name: &str, version: &str) -> Result<()> {
    check_name("key", name)?;
    check_version("key", version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn p(iv: Option<&[u8]>, aad: Option<&[u8]>, tag: Option<&[u8]>) -> CryptoParams {
        CryptoParams { iv: iv.map(<[u8]>::to_vec), aad: aad.map(<[u8]>::to_vec), tag: tag.map(<[u8]>::to_vec) }
    }

    #[test]
    fn parameters_are_checked_per_algorithm_and_operation() {
        use EncryptionAlgorithm::*;
        let none = CryptoParams::default();
        assert!(check_params(RsaOaep256, CipherOp::Encrypt, b"x", &none).is_ok());
        assert!(check_params(RsaOaep256, CipherOp::Encrypt, b"", &none).is_ok());
        for op in [CipherOp::Decrypt, CipherOp::Wrap, CipherOp::Unwrap] {
            assert_eq!(check_params(RsaOaep256, op, b"", &none).unwrap_err().kind, ErrorKind::InvalidArgument);
        }
        assert!(check_params(RsaOaep, CipherOp::Encrypt, b"x", &p(Some(b"iv"), None, None)).is_err());
        assert!(check_params(A128Kw, CipherOp::Wrap, b"x", &p(None, Some(b"a"), None)).is_err());
        assert!(check_params(A256Gcm, CipherOp::Encrypt, b"x", &p(Some(b"iv"), Some(b"aad"), None)).is_ok());
        assert!(check_params(A256Gcm, CipherOp::Encrypt, b"x", &p(None, None, Some(b"t"))).is_err());
        assert!(check_params(A256Gcm, CipherOp::Decrypt, b"x", &p(Some(b"iv"), None, None))
            .unwrap_err()
            .message
            .contains("tag"));
        assert!(check_params(A256Gcm, CipherOp::Decrypt, b"x", &p(None, None, Some(b"t")))
            .unwrap_err()
            .message
            .contains("initialization vector"));
        assert!(check_params(A256Gcm, CipherOp::Decrypt, b"x", &p(Some(b"iv"), Some(b"aad"), Some(b"t"))).is_ok());
        assert!(check_params(A128Cbc, CipherOp::Decrypt, b"x", &none).is_err());
        assert!(check_params(A128CbcPad, CipherOp::Decrypt, b"x", &p(Some(b"iv"), None, None)).is_ok());
        assert!(check_params(A128Cbc, CipherOp::Decrypt, b"x", &p(Some(b"iv"), Some(b"a"), None)).is_err());
        assert!(check_params(CkmAesKeyWrapPad, CipherOp::Unwrap, b"x", &none).is_ok());
    }

    #[test]
    fn results_take_the_reply_fields() {
        let reply: KeyOperationResult =
            serde_json::from_str(r#"{"kid":"https://v/keys/k/1","value":"AQI","iv":"AwQ","tag":"BQ","aad":"Bg"}"#)
                .unwrap();
        let r = result_of(reply, "x").unwrap();
        assert_eq!(
            (r.kid.as_str(), &r.value[..], &r.iv[..], &r.tag[..], &r.aad[..]),
            ("https://v/keys/k/1", &[1u8, 2][..], &[3u8, 4][..], &[5u8][..], &[6u8][..])
        );
        let reply: KeyOperationResult = serde_json::from_str(r#"{"kid":"k"}"#).unwrap();
        assert_eq!(result_of(reply, "x").unwrap_err().kind, ErrorKind::UnparseableResponse);
    }
}
