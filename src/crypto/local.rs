//! Public-key operations run locally, without a request: verify (RSA PKCS#1 v1.5 and PSS,
//! ECDSA on P-256, P-384, P-521 and secp256k1), encrypt and wrap (RSA1_5, RSA-OAEP,
//! RSA-OAEP-256), with a key fetched from the vault or supplied as a JSON Web Key.
//!
//! Before each operation [`LocalKey`] checks, in this order: the key's permitted operations
//! (`key_ops`, when present, must list the operation: else `ErrorKind::OperationNotPermitted`),
//! its expiry (`exp` reached: `ErrorKind::KeyExpired`), its not-before time (`nbf` in the future:
//! `ErrorKind::KeyNotYetValid`), and that the algorithm fits the key and can run locally
//! (else `ErrorKind::UnsupportedAlgorithm`; symmetric keys and private-key operations never
//! run locally). The enabled flag is not checked: the service, too, allows verify, encrypt and
//! wrap with a disabled key.

use crate::crypto::algorithm::{EncryptionAlgorithm, EncryptionScheme, SignatureAlgorithm, SignatureScheme};
use crate::crypto::CryptoResult;
use crate::error::{Error, ErrorKind, Result};
use crate::model::key::{JsonWebKey, KeyAttributes};
use crate::text::Text;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss, RsaPublicKey};
use signature::hazmat::PrehashVerifier;
use std::time::{SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

/// A public key decoded from a JSON Web Key.
#[derive(Debug, Clone)]
pub(crate) enum PublicKey {
    /// RSA (`RSA`, `RSA-HSM`).
    Rsa(RsaPublicKey),
    /// EC on P-256.
    P256(p256::PublicKey),
    /// EC on secp256k1 (`P-256K`).
    P256k(k256::PublicKey),
    /// EC on P-384.
    P384(p384::PublicKey),
    /// EC on P-521.
    P521(p521::PublicKey),
    /// A symmetric key (`oct`, `oct-HSM`): nothing can run locally.
    Symmetric,
}

/// The JWK curve name of a `crv` value (accepting the older `SECP256K1` spelling).
fn curve_name(crv: &str) -> Option<&'static str> {
    match crv {
        "P-256" => Some("P-256"),
        "P-384" => Some("P-384"),
        "P-521" => Some("P-521"),
        "P-256K" | "SECP256K1" => Some("P-256K"),
        _ => None,
    }
}

/// Byte width of a curve's coordinates and scalars.
pub(crate) fn curve_width(crv: &str) -> usize {
    match crv {
        "P-384" => 48,
        "P-521" => 66,
        _ => 32,
    }
}

/// A big-endian coordinate at exactly `width` bytes (left-padded; leading zeros beyond the width
/// stripped).
fn fixed_width(bytes: &[u8], width: usize, what: &str) -> Result<Vec<u8>> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let significant = &bytes[start..];
    if significant.len() > width {
        return Err(Error::invalid_argument(format!(
            "the JWK member '{what}' is {} bytes; the curve takes {width}",
            bytes.len()
        )));
    }
    let mut out = vec![0u8; width - significant.len()];
    out.extend_from_slice(significant);
    Ok(out)
}

fn member<'a>(
    jwk: &'a JsonWebKey,
    get: impl FnOnce(&'a JsonWebKey) -> Option<&'a crate::model::key::B64>,
    what: &str,
    kty: &str,
) -> Result<&'a [u8]> {
    match get(jwk) {
        Some(b) if !b.0.is_empty() => Ok(&b.0),
        _ => Err(Error::invalid_argument(format!("the {kty} JSON Web Key has no '{what}'"))),
    }
}

impl PublicKey {
    /// Decodes the public part of a JWK. Missing or malformed members give
    /// `ErrorKind::InvalidArgument`; an unknown key type or curve `ErrorKind::UnsupportedAlgorithm`.
    pub(crate) fn from_jwk(jwk: &JsonWebKey) -> Result<PublicKey> {
        let kty = jwk.kty.as_deref().ok_or_else(|| Error::invalid_argument("the JSON Web Key has no 'kty'"))?;
        match kty {
            "RSA" | "RSA-HSM" => {
                let n = BigUint::from_bytes_be(member(jwk, |k| k.n.as_ref(), "n", "RSA")?);
                let e = BigUint::from_bytes_be(member(jwk, |k| k.e.as_ref(), "e", "RSA")?);
                RsaPublicKey::new(n, e)
                    .map(PublicKey::Rsa)
                    .map_err(|e| Error::invalid_argument(format!("the RSA public key is not usable: {e}")))
            }
            "EC" | "EC-HSM" => {
                let crv_text =
                    jwk.crv.as_deref().ok_or_else(|| Error::invalid_argument("the EC JSON Web Key has no 'crv'"))?;
                let crv = curve_name(crv_text).ok_or_else(|| {
                    Error::new(
                        ErrorKind::UnsupportedAlgorithm,
                        format!("the curve '{crv_text}' is not supported (P-256, P-384, P-521, P-256K)"),
                    )
                })?;
                let width = curve_width(crv);
                let mut point = Zeroizing::new(vec![0x04]);
                point.extend(fixed_width(member(jwk, |k| k.x.as_ref(), "x", "EC")?, width, "x")?);
                point.extend(fixed_width(member(jwk, |k| k.y.as_ref(), "y", "EC")?, width, "y")?);
                let bad =
                    |_| Error::invalid_argument(format!("the EC JSON Web Key's x and y are not a point on {crv}"));
                Ok(match crv {
                    "P-256" => PublicKey::P256(p256::PublicKey::from_sec1_bytes(&point).map_err(bad)?),
                    "P-384" => PublicKey::P384(p384::PublicKey::from_sec1_bytes(&point).map_err(bad)?),
                    "P-521" => PublicKey::P521(p521::PublicKey::from_sec1_bytes(&point).map_err(bad)?),
                    _ => PublicKey::P256k(k256::PublicKey::from_sec1_bytes(&point).map_err(bad)?),
                })
            }
            "oct" | "oct-HSM" => Ok(PublicKey::Symmetric),
            other => Err(Error::new(
                ErrorKind::UnsupportedAlgorithm,
                format!("the key type '{other}' is not supported (RSA, EC, oct)"),
            )),
        }
    }

    /// The JWK curve name of an EC key.
    fn curve(&self) -> Option<&'static str> {
        match self {
            PublicKey::P256(_) => Some("P-256"),
            PublicKey::P256k(_) => Some("P-256K"),
            PublicKey::P384(_) => Some("P-384"),
            PublicKey::P521(_) => Some("P-521"),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            PublicKey::Rsa(k) => format!("a {}-bit RSA key", k.n().bits()),
            PublicKey::Symmetric => "a symmetric (oct) key".to_owned(),
            ec => format!("an EC key on {}", ec.curve().unwrap_or("?")),
        }
    }
}

/// Verifies a raw `r || s` ECDSA signature over a prehashed digest. High-S signatures are
/// accepted (as OpenSSL and Key Vault accept them).
fn ecdsa_verify(key: &PublicKey, digest: &[u8], signature: &[u8]) -> bool {
    match key {
        PublicKey::P256(k) => p256::ecdsa::Signature::from_slice(signature)
            .is_ok_and(|s| p256::ecdsa::VerifyingKey::from(k).verify_prehash(digest, &s).is_ok()),
        PublicKey::P384(k) => p384::ecdsa::Signature::from_slice(signature)
            .is_ok_and(|s| p384::ecdsa::VerifyingKey::from(k).verify_prehash(digest, &s).is_ok()),
        PublicKey::P521(k) => p521::ecdsa::Signature::from_slice(signature).is_ok_and(|s| {
            p521::ecdsa::VerifyingKey::from_affine(*k.as_affine()).is_ok_and(|vk| vk.verify_prehash(digest, &s).is_ok())
        }),
        PublicKey::P256k(k) => k256::ecdsa::Signature::from_slice(signature).is_ok_and(|s| {
            let s = s.normalize_s().unwrap_or(s);
            k256::ecdsa::VerifyingKey::from(k).verify_prehash(digest, &s).is_ok()
        }),
        _ => false,
    }
}

fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A key for local public-key operations: the public material of a JSON Web Key plus what
/// limits its use (`key_ops`, `nbf`, `exp`). Private members of the JWK are never kept.
#[derive(Debug, Clone)]
pub struct LocalKey {
    kid: Text,
    key_ops: Option<Vec<Text>>,
    not_before: Option<i64>,
    expires: Option<i64>,
    public: PublicKey,
    /// The uncompressed SEC1 point of a P-256 or P-384 key, encoded once: `verify_data` hands
    /// it with the data to ring (which hashes the data itself), ~10x faster than the pure-Rust
    /// curve arithmetic `verify` needs for a digest.
    sec1: Option<Vec<u8>>,
}

impl LocalKey {
    /// Builds a local key from a JWK (only its public members are read) and, when known, the
    /// key's attributes (for `nbf` and `exp`).
    pub fn new(jwk: &JsonWebKey, attributes: Option<&KeyAttributes>) -> Result<LocalKey> {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let public = PublicKey::from_jwk(jwk)?;
        let sec1 = match &public {
            PublicKey::P256(k) => Some(k.to_encoded_point(false).as_bytes().to_vec()),
            PublicKey::P384(k) => Some(k.to_encoded_point(false).as_bytes().to_vec()),
            _ => None,
        };
        Ok(LocalKey {
            kid: jwk.kid.clone().unwrap_or_default(),
            key_ops: jwk.key_ops.clone(),
            not_before: attributes.and_then(|a| a.common.nbf),
            expires: attributes.and_then(|a| a.common.exp),
            public,
            sec1,
        })
    }

    /// The key id ("" when the JWK has none).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Checks permission and validity time for `op` (a JsonWebKeyOperation wire name) at `now`.
    fn permit(&self, op: &str, now: i64) -> Result<()> {
        if let Some(ops) = &self.key_ops {
            if !ops.iter().any(|o| o.eq_ignore_ascii_case(op)) {
                return Err(Error::new(
                    ErrorKind::OperationNotPermitted,
                    format!("the key's permitted operations ({}) do not include '{op}'", ops.join(", ")),
                ));
            }
        }
        if let Some(exp) = self.expires {
            if now >= exp {
                return Err(Error::new(
                    ErrorKind::KeyExpired,
                    format!("the key expired at {exp} (Unix seconds); it is now {now}"),
                ));
            }
        }
        if let Some(nbf) = self.not_before {
            if now < nbf {
                return Err(Error::new(
                    ErrorKind::KeyNotYetValid,
                    format!("the key is not valid before {nbf} (Unix seconds); it is now {now}"),
                ));
            }
        }
        Ok(())
    }

    fn unsupported(&self, alg: &str, why: &str) -> Error {
        Error::new(
            ErrorKind::UnsupportedAlgorithm,
            format!("{alg} cannot run locally with {}: {why}", self.public.describe()),
        )
    }

    /// Verifies a signature over a digest (`digest` as long as the algorithm's hash; ECDSA
    /// signatures as fixed-width raw `r || s`). `Ok(false)` when the signature does not verify,
    /// including when it is malformed or has the wrong length.
    pub fn verify(&self, alg: SignatureAlgorithm, digest: &[u8], signature: &[u8]) -> Result<bool> {
        self.permit("verify", now_unix())?;
        let info = alg.info();
        match (info.scheme, &self.public) {
            (SignatureScheme::RsaPkcs1 | SignatureScheme::RsaPss, PublicKey::Rsa(_)) => {}
            (SignatureScheme::Ecdsa(crv), key) if key.curve() == Some(crv) => {}
            (SignatureScheme::Ecdsa(crv), _) => {
                return Err(self.unsupported(info.wire, &format!("it needs an EC key on {crv}")))
            }
            _ => return Err(self.unsupported(info.wire, "it needs an RSA key")),
        }
        alg.check_digest(digest)?;
        Ok(match (&self.public, info.scheme) {
            (PublicKey::Rsa(k), SignatureScheme::RsaPkcs1) => {
                let scheme = match info.hash {
                    crate::crypto::algorithm::Hash::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                    crate::crypto::algorithm::Hash::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                    crate::crypto::algorithm::Hash::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                k.verify(scheme, digest, signature).is_ok()
            }
            (PublicKey::Rsa(k), _) => {
                let scheme = match info.hash {
                    crate::crypto::algorithm::Hash::Sha256 => Pss::new::<sha2::Sha256>(),
                    crate::crypto::algorithm::Hash::Sha384 => Pss::new::<sha2::Sha384>(),
                    crate::crypto::algorithm::Hash::Sha512 => Pss::new::<sha2::Sha512>(),
                };
                k.verify(scheme, digest, signature).is_ok()
            }
            (key, _) => ecdsa_verify(key, digest, signature),
        })
    }

    /// Hashes `data` with the algorithm's hash (SHA-256/384/512), then verifies.
    pub fn verify_data(&self, alg: SignatureAlgorithm, data: &[u8], signature: &[u8]) -> Result<bool> {
        let ring_alg: Option<&'static ring::signature::EcdsaVerificationAlgorithm> =
            match (alg, &self.public, &self.sec1) {
                (SignatureAlgorithm::Es256, PublicKey::P256(_), Some(_)) => {
                    Some(&ring::signature::ECDSA_P256_SHA256_FIXED)
                }
                (SignatureAlgorithm::Es384, PublicKey::P384(_), Some(_)) => {
                    Some(&ring::signature::ECDSA_P384_SHA384_FIXED)
                }
                _ => None,
            };
        if let (Some(ring_alg), Some(point)) = (ring_alg, &self.sec1) {
            self.permit("verify", now_unix())?;
            let key = ring::signature::UnparsedPublicKey::new(ring_alg, point.as_slice());
            return Ok(key.verify(data, signature).is_ok());
        }
        self.verify(alg, &alg.hash().digest(data), signature)
    }

    /// Encrypts with the public key (RSA1_5, RSA-OAEP, RSA-OAEP-256). The ciphertext can be
    /// decrypted by the vault with the same key and algorithm.
    pub fn encrypt(&self, alg: EncryptionAlgorithm, plaintext: &[u8]) -> Result<CryptoResult> {
        self.rsa_encrypt("encrypt", alg, plaintext, "plaintext")
    }

    /// Wraps a symmetric key with the public key (RSA1_5, RSA-OAEP, RSA-OAEP-256); the vault
    /// unwraps it with the same key and algorithm.
    pub fn wrap_key(&self, alg: EncryptionAlgorithm, key: &[u8]) -> Result<CryptoResult> {
        if key.is_empty() {
            return Err(Error::invalid_argument("the key to wrap is empty"));
        }
        self.rsa_encrypt("wrapKey", alg, key, "key to wrap")
    }

    fn rsa_encrypt(&self, op: &str, alg: EncryptionAlgorithm, input: &[u8], what: &str) -> Result<CryptoResult> {
        self.permit(op, now_unix())?;
        let scheme = alg.scheme();
        let key = match &self.public {
            PublicKey::Rsa(k) if scheme.is_rsa() => k,
            PublicKey::Rsa(_) => {
                return Err(
                    self.unsupported(alg.wire(), "AES algorithms need the symmetric key, which stays in the vault")
                )
            }
            PublicKey::Symmetric => {
                return Err(
                    self.unsupported(alg.wire(), "symmetric keys never leave the vault; use the vault's operation")
                )
            }
            _ => return Err(self.unsupported(alg.wire(), "it needs an RSA key")),
        };
        let size = key.size();
        let (overhead, result) = match scheme {
            EncryptionScheme::RsaPkcs1 => (11, key.encrypt(&mut rand_core::OsRng, Pkcs1v15Encrypt, input)),
            EncryptionScheme::RsaOaep => {
                (2 * 20 + 2, key.encrypt(&mut rand_core::OsRng, Oaep::new::<sha1::Sha1>(), input))
            }
            _ => (2 * 32 + 2, key.encrypt(&mut rand_core::OsRng, Oaep::new::<sha2::Sha256>(), input)),
        };
        let value = result.map_err(|e| match e {
            rsa::Error::MessageTooLong => Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "the {what} is {} bytes; {} with a {}-bit key takes at most {}",
                    input.len(),
                    alg.wire(),
                    size * 8,
                    size.saturating_sub(overhead)
                ),
            ),
            other => Error::new(ErrorKind::InvalidArgument, format!("{} failed: {other}", alg.wire())),
        })?;
        Ok(CryptoResult {
            kid: self.kid.clone(),
            value: Zeroizing::new(value),
            iv: Vec::new(),
            tag: Vec::new(),
            aad: Vec::new(),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::crypto::algorithm::{Hash, ENCRYPTION_TABLE, SIGNATURE_TABLE};
    use crate::model::key::B64;
    use crate::model::Attributes;
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use rsa::RsaPrivateKey;
    use signature::hazmat::{PrehashSigner, RandomizedPrehashSigner};

    /// Test keys: an RSA key and one key per curve, with their signers.
    pub(crate) struct Keys {
        pub rsa: RsaPrivateKey,
        pub p256: p256::SecretKey,
        pub k256: k256::SecretKey,
        pub p384: p384::SecretKey,
        pub p521: p521::SecretKey,
    }

    pub(crate) fn keys() -> &'static Keys {
        static KEYS: std::sync::OnceLock<Keys> = std::sync::OnceLock::new();
        KEYS.get_or_init(|| {
            let mut rng = rand_core::OsRng;
            Keys {
                rsa: RsaPrivateKey::new(&mut rng, 2048).unwrap(),
                p256: p256::SecretKey::random(&mut rng),
                k256: k256::SecretKey::random(&mut rng),
                p384: p384::SecretKey::random(&mut rng),
                p521: p521::SecretKey::random(&mut rng),
            }
        })
    }

    pub(crate) fn rsa_jwk(k: &RsaPrivateKey) -> JsonWebKey {
        JsonWebKey {
            kty: Some("RSA".into()),
            n: Some(B64(k.n().to_bytes_be())),
            e: Some(B64(k.e().to_bytes_be())),
            kid: Some("https://v/keys/r/1".into()),
            ..Default::default()
        }
    }

    pub(crate) fn ec_jwk(crv: &str, sec1_uncompressed: &[u8]) -> JsonWebKey {
        let w = (sec1_uncompressed.len() - 1) / 2;
        JsonWebKey {
            kty: Some("EC".into()),
            crv: Some(crv.into()),
            x: Some(B64(sec1_uncompressed[1..1 + w].to_vec())),
            y: Some(B64(sec1_uncompressed[1 + w..].to_vec())),
            ..Default::default()
        }
    }

    pub(crate) fn jwk_for(crv: &str) -> JsonWebKey {
        let k = keys();
        match crv {
            "RSA" => rsa_jwk(&k.rsa),
            "P-256" => ec_jwk(crv, k.p256.public_key().to_encoded_point(false).as_bytes()),
            "P-256K" => ec_jwk(crv, k.k256.public_key().to_encoded_point(false).as_bytes()),
            "P-384" => ec_jwk(crv, k.p384.public_key().to_encoded_point(false).as_bytes()),
            _ => ec_jwk(crv, k.p521.public_key().to_encoded_point(false).as_bytes()),
        }
    }

    /// A signature made by the RustCrypto signing side (raw r||s for ECDSA).
    pub(crate) fn sign(alg: SignatureAlgorithm, digest: &[u8]) -> Vec<u8> {
        let k = keys();
        let info = alg.info();
        match info.scheme {
            SignatureScheme::RsaPkcs1 => {
                let s = match info.hash {
                    Hash::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                    Hash::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                    Hash::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                k.rsa.sign(s, digest).unwrap()
            }
            SignatureScheme::RsaPss => {
                let s = match info.hash {
                    Hash::Sha256 => Pss::new::<sha2::Sha256>(),
                    Hash::Sha384 => Pss::new::<sha2::Sha384>(),
                    Hash::Sha512 => Pss::new::<sha2::Sha512>(),
                };
                k.rsa.sign_with_rng(&mut rand_core::OsRng, s, digest).unwrap()
            }
            SignatureScheme::Ecdsa("P-256") => {
                let s: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from(&k.p256).sign_prehash(digest).unwrap();
                s.to_vec()
            }
            SignatureScheme::Ecdsa("P-256K") => {
                let s: k256::ecdsa::Signature = k256::ecdsa::SigningKey::from(&k.k256).sign_prehash(digest).unwrap();
                s.to_vec()
            }
            SignatureScheme::Ecdsa("P-384") => {
                let s: p384::ecdsa::Signature = p384::ecdsa::SigningKey::from(&k.p384).sign_prehash(digest).unwrap();
                s.to_vec()
            }
            SignatureScheme::Ecdsa(_) => {
                let sk = p521::ecdsa::SigningKey::from_bytes(&k.p521.to_bytes()).unwrap();
                let s: p521::ecdsa::Signature = sk.sign_prehash_with_rng(&mut rand_core::OsRng, digest).unwrap();
                s.to_vec()
            }
        }
    }

    fn key_type_of(alg: SignatureAlgorithm) -> &'static str {
        match alg.info().scheme {
            SignatureScheme::Ecdsa(crv) => crv,
            _ => "RSA",
        }
    }

    fn local(jwk: &JsonWebKey) -> LocalKey {
        LocalKey::new(jwk, None).unwrap()
    }

    fn attrs(nbf: Option<i64>, exp: Option<i64>) -> KeyAttributes {
        KeyAttributes {
            common: Attributes { nbf, exp, enabled: Some(false), ..Default::default() },
            ..Default::default()
        }
    }

    #[test]
    fn verifies_signatures_of_every_algorithm_and_rejects_tampering() {
        for row in SIGNATURE_TABLE {
            let key = local(&jwk_for(key_type_of(row.alg)));
            let digest = row.hash.digest(b"the data");
            let sig = sign(row.alg, &digest);
            assert!(key.verify(row.alg, &digest, &sig).unwrap(), "{} verifies", row.wire);
            assert!(key.verify_data(row.alg, b"the data", &sig).unwrap(), "{} verify_data", row.wire);
            assert!(!key.verify_data(row.alg, b"other data", &sig).unwrap(), "{} other data", row.wire);
            let mut bad = sig.clone();
            bad[sig.len() / 2] ^= 1;
            assert!(!key.verify(row.alg, &digest, &bad).unwrap(), "{} tampered", row.wire);
            assert!(!key.verify(row.alg, &digest, &sig[1..]).unwrap(), "{} short", row.wire);
            assert!(!key.verify(row.alg, &digest, &[]).unwrap(), "{} empty", row.wire);
            let e = key.verify(row.alg, &digest[1..], &sig).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidArgument, "{} wrong digest length", row.wire);
        }
    }

    #[test]
    fn ecdsa_signatures_are_fixed_width_and_high_s_secp256k1_is_accepted() {
        let digest = Hash::Sha256.digest(b"x");
        for (alg, width) in [
            (SignatureAlgorithm::Es256, 64),
            (SignatureAlgorithm::Es256k, 64),
            (SignatureAlgorithm::Es384, 96),
            (SignatureAlgorithm::Es512, 132),
        ] {
            let d = alg.hash().digest(b"x");
            assert_eq!(sign(alg, &d).len(), width);
        }
        let key = local(&jwk_for("P-256K"));
        let sig = k256::ecdsa::Signature::from_slice(&sign(SignatureAlgorithm::Es256k, &digest)).unwrap();
        // Flip s to n - s: the other valid signature, which k256 alone would refuse when high.
        let (r, s) = sig.split_scalars();
        let flipped = k256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
        for candidate in [sig, flipped] {
            assert!(key.verify(SignatureAlgorithm::Es256k, &digest, &candidate.to_vec()).unwrap());
        }
    }

    #[test]
    fn verify_data_on_p256_and_p384_agrees_with_verify_of_the_digest() {
        for (alg, crv) in [(SignatureAlgorithm::Es256, "P-256"), (SignatureAlgorithm::Es384, "P-384")] {
            let key = local(&jwk_for(crv));
            assert!(key.sec1.is_some(), "{crv}: the point is encoded once, at construction");
            let digest = alg.hash().digest(b"the data");
            let sig = sign(alg, &digest);
            let half = sig.len() / 2;
            // The same signature with s flipped to n - s (high S): both sides accept it or not alike.
            let flipped = match crv {
                "P-256" => {
                    let s = p256::ecdsa::Signature::from_slice(&sig).unwrap();
                    let (r, s) = s.split_scalars();
                    p256::ecdsa::Signature::from_scalars(r, -*s).unwrap().to_vec()
                }
                _ => {
                    let s = p384::ecdsa::Signature::from_slice(&sig).unwrap();
                    let (r, s) = s.split_scalars();
                    p384::ecdsa::Signature::from_scalars(r, -*s).unwrap().to_vec()
                }
            };
            let mut tampered = sig.clone();
            tampered[half] ^= 1;
            for candidate in [sig.clone(), flipped, tampered, sig[1..].to_vec(), Vec::new(), vec![0; sig.len()]] {
                assert_eq!(
                    key.verify_data(alg, b"the data", &candidate).unwrap(),
                    key.verify(alg, &digest, &candidate).unwrap(),
                    "{crv}: {candidate:02x?}"
                );
            }
            assert!(key.verify_data(alg, b"the data", &sig).unwrap());
            assert!(!key.verify_data(alg, b"other data", &sig).unwrap());
            // The key's limits still apply on the fast path.
            let mut limited = jwk_for(crv);
            limited.key_ops = Some(vec!["sign".into()]);
            let e = local(&limited).verify_data(alg, b"the data", &sig).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::OperationNotPermitted);
            let expired = LocalKey::new(&jwk_for(crv), Some(&attrs(None, Some(1)))).unwrap();
            assert_eq!(
                expired.verify_data(alg, b"the data", &sig).unwrap_err().kind,
                crate::error::ErrorKind::KeyExpired
            );
        }
    }

    #[test]
    fn algorithms_must_fit_the_key() {
        let digest = Hash::Sha256.digest(b"x");
        let rsa = local(&jwk_for("RSA"));
        let p256 = local(&jwk_for("P-256"));
        let p384 = local(&jwk_for("P-384"));
        assert_eq!(
            rsa.verify(SignatureAlgorithm::Es256, &digest, b"s").unwrap_err().kind,
            ErrorKind::UnsupportedAlgorithm
        );
        assert_eq!(
            p256.verify(SignatureAlgorithm::Rs256, &digest, b"s").unwrap_err().kind,
            ErrorKind::UnsupportedAlgorithm
        );
        assert_eq!(
            p384.verify(SignatureAlgorithm::Es256, &digest, b"s").unwrap_err().kind,
            ErrorKind::UnsupportedAlgorithm
        );
        assert_eq!(
            p256.verify(SignatureAlgorithm::Es256k, &digest, b"s").unwrap_err().kind,
            ErrorKind::UnsupportedAlgorithm
        );
        for row in ENCRYPTION_TABLE {
            let e = p256.encrypt(row.alg, b"x").unwrap_err();
            assert_eq!(e.kind, ErrorKind::UnsupportedAlgorithm, "{}", row.wire);
            if !row.scheme.is_rsa() {
                let e = rsa.encrypt(row.alg, b"x").unwrap_err();
                assert_eq!(e.kind, ErrorKind::UnsupportedAlgorithm, "{}", row.wire);
                assert!(e.message.contains(row.wire));
            }
        }
        let oct = local(&JsonWebKey { kty: Some("oct-HSM".into()), k: Some(B64(vec![1; 32])), ..Default::default() });
        assert_eq!(oct.encrypt(EncryptionAlgorithm::A256Gcm, b"x").unwrap_err().kind, ErrorKind::UnsupportedAlgorithm);
        assert_eq!(oct.wrap_key(EncryptionAlgorithm::A256Kw, b"x").unwrap_err().kind, ErrorKind::UnsupportedAlgorithm);
        assert_eq!(
            oct.verify(SignatureAlgorithm::Rs256, &digest, b"s").unwrap_err().kind,
            ErrorKind::UnsupportedAlgorithm
        );
    }

    #[test]
    fn rsa_encryption_round_trips_with_the_private_key() {
        let k = &keys().rsa;
        let key = local(&jwk_for("RSA"));
        let secret = b"sixteen byte key";
        for (alg, expect) in [
            (EncryptionAlgorithm::Rsa1_5, None),
            (EncryptionAlgorithm::RsaOaep, Some("sha1")),
            (EncryptionAlgorithm::RsaOaep256, Some("sha256")),
        ] {
            for out in [key.encrypt(alg, secret).unwrap(), key.wrap_key(alg, secret).unwrap()] {
                assert_eq!(out.value.len(), 256);
                assert_eq!(out.kid, "https://v/keys/r/1");
                let plain = match expect {
                    None => k.decrypt(Pkcs1v15Encrypt, &out.value).unwrap(),
                    Some("sha1") => k.decrypt(Oaep::new::<sha1::Sha1>(), &out.value).unwrap(),
                    Some(_) => k.decrypt(Oaep::new::<sha2::Sha256>(), &out.value).unwrap(),
                };
                assert_eq!(plain, secret);
            }
        }
        // OAEP-256 is not OAEP-SHA1 in disguise.
        let c = key.encrypt(EncryptionAlgorithm::RsaOaep256, secret).unwrap();
        assert!(k.decrypt(Oaep::new::<sha1::Sha1>(), &c.value).is_err());
        // Limits: 2048-bit key, OAEP-256 takes 256 - 66 = 190 bytes.
        assert!(key.encrypt(EncryptionAlgorithm::RsaOaep256, &[7; 190]).is_ok());
        let e = key.encrypt(EncryptionAlgorithm::RsaOaep256, &[7; 191]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains("at most 190"), "{}", e.message);
        assert_eq!(key.wrap_key(EncryptionAlgorithm::RsaOaep, b"").unwrap_err().kind, ErrorKind::InvalidArgument);
    }

    #[test]
    fn key_ops_expiry_and_not_before_are_enforced_in_order() {
        let now = now_unix();
        let digest = Hash::Sha256.digest(b"x");
        let sig = sign(SignatureAlgorithm::Rs256, &digest);
        let mut jwk = jwk_for("RSA");
        jwk.key_ops = Some(vec!["sign".into(), "encrypt".into()]);
        let key = local(&jwk);
        let e = key.verify(SignatureAlgorithm::Rs256, &digest, &sig).unwrap_err();
        assert_eq!(e.kind, ErrorKind::OperationNotPermitted);
        assert!(e.message.contains("verify"));
        assert_eq!(
            key.wrap_key(EncryptionAlgorithm::RsaOaep, b"k").unwrap_err().kind,
            ErrorKind::OperationNotPermitted
        );
        assert!(key.encrypt(EncryptionAlgorithm::RsaOaep, b"k").is_ok());
        // key_ops is checked before the algorithm fits.
        assert_eq!(
            key.verify(SignatureAlgorithm::Es256, &digest, &sig).unwrap_err().kind,
            ErrorKind::OperationNotPermitted
        );

        jwk.key_ops = Some(vec!["verify".into(), "wrapKey".into()]);
        let expired = LocalKey::new(&jwk, Some(&attrs(None, Some(now - 10)))).unwrap();
        assert_eq!(expired.verify(SignatureAlgorithm::Rs256, &digest, &sig).unwrap_err().kind, ErrorKind::KeyExpired);
        assert_eq!(expired.wrap_key(EncryptionAlgorithm::RsaOaep, b"k").unwrap_err().kind, ErrorKind::KeyExpired);
        let early = LocalKey::new(&jwk, Some(&attrs(Some(now + 3600), None))).unwrap();
        assert_eq!(early.verify(SignatureAlgorithm::Rs256, &digest, &sig).unwrap_err().kind, ErrorKind::KeyNotYetValid);
        let both = LocalKey::new(&jwk, Some(&attrs(Some(now + 3600), Some(now - 10)))).unwrap();
        assert_eq!(both.verify(SignatureAlgorithm::Rs256, &digest, &sig).unwrap_err().kind, ErrorKind::KeyExpired);
        // Within the window, disabled (enabled: false) does not matter.
        let fine = LocalKey::new(&jwk, Some(&attrs(Some(now - 10), Some(now + 3600)))).unwrap();
        assert!(fine.verify(SignatureAlgorithm::Rs256, &digest, &sig).unwrap());
        assert!(fine.wrap_key(EncryptionAlgorithm::RsaOaep, b"k").is_ok());
        // No key_ops at all: everything public is allowed.
        jwk.key_ops = None;
        assert!(local(&jwk).verify(SignatureAlgorithm::Rs256, &digest, &sig).unwrap());
    }

    #[test]
    fn malformed_keys_are_refused_with_clear_errors() {
        let err = |jwk: JsonWebKey| LocalKey::new(&jwk, None).unwrap_err();
        assert!(err(JsonWebKey::default()).message.contains("kty"));
        let mut rsa = jwk_for("RSA");
        rsa.e = None;
        assert!(err(rsa).message.contains("'e'"));
        let mut ec = jwk_for("P-256");
        ec.crv = Some("P-999".into());
        assert_eq!(err(ec.clone()).kind, ErrorKind::UnsupportedAlgorithm);
        ec.crv = None;
        assert_eq!(err(ec).kind, ErrorKind::InvalidArgument);
        let mut off_curve = jwk_for("P-256");
        off_curve.y.as_mut().unwrap().0[5] ^= 1;
        let e = err(off_curve);
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains("not a point"));
        let mut too_long = jwk_for("P-384");
        too_long.x = Some(B64(vec![1; 49]));
        assert_eq!(err(too_long).kind, ErrorKind::InvalidArgument);
        assert_eq!(
            err(JsonWebKey { kty: Some("OKP".into()), ..Default::default() }).kind,
            ErrorKind::UnsupportedAlgorithm
        );
        // Coordinates with extra leading zeros are accepted (and shorter ones are left-padded).
        let mut short = jwk_for("P-256");
        let x = short.x.as_ref().unwrap().0.clone();
        short.x = Some(B64([vec![0u8; 3], x].concat()));
        assert!(LocalKey::new(&short, None).is_ok());
        // The older secp256k1 spelling works too.
        let mut k = jwk_for("P-256K");
        k.crv = Some("SECP256K1".into());
        assert!(LocalKey::new(&k, None).is_ok());
    }
}
