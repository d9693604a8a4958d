//! Public-key operations run locally, without a request: verify (RSA PKCS#1 v1.5 and PSS,
//! ECDSA on P-256, P-384, P-521 and secp256k1), encrypt and wrap (RSA1_5, RSA-OAEP,
//! RSA-OAEP-256), with a key fetched from the vault or supplied as a JSON Web Key.
//!
//! Verify runs in AWS-LC (`aws-lc-rs`) for ECDSA on P-256, P-384 and P-521 and for RSA keys of
//! 2048 to 8192 bits, in the RustCrypto crates otherwise (secp256k1, other RSA sizes), always
//! with key material decoded once per [`LocalKey`]. Encrypt and wrap use `rsa`.
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

/// An EC public key on P-256, P-384 or P-521 parsed once by AWS-LC for ECDSA verify (its P-256
/// is the assembly nistz256 implementation: ~5x faster than the pure-Rust arithmetic of `p256`,
/// and P-384/P-521 ~3-5x), with the hash of the algorithm it verifies for. The pure-Rust
/// `PublicKey` beside it still validates the JWK (with kv's own error messages) and exports PEM.
/// secp256k1 stays pure Rust: `k256` verifies it ~2x faster than AWS-LC's generic curve code.
#[derive(Clone)]
struct EcdsaKey {
    key: aws_lc_rs::signature::ParsedPublicKey,
    /// The hash of the only algorithm that fits the curve (SHA-256 for P-256, SHA-384 for P-384,
    /// SHA-512 for P-521), for importing a digest.
    hash: &'static aws_lc_rs::digest::Algorithm,
}

impl std::fmt::Debug for EcdsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcdsaKey").field("hash", &self.hash).finish_non_exhaustive()
    }
}

impl EcdsaKey {
    /// Parses the uncompressed SEC1 point of an EC key (already validated by the pure-Rust
    /// decoding); `None` for secp256k1, RSA and symmetric keys.
    fn new(public: &PublicKey) -> Result<Option<EcdsaKey>> {
        use aws_lc_rs::{digest, signature};
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let (alg, hash, point): (&'static signature::EcdsaVerificationAlgorithm, _, _) = match public {
            PublicKey::P256(k) => {
                (&signature::ECDSA_P256_SHA256_FIXED, &digest::SHA256, k.to_encoded_point(false).to_bytes())
            }
            PublicKey::P384(k) => {
                (&signature::ECDSA_P384_SHA384_FIXED, &digest::SHA384, k.to_encoded_point(false).to_bytes())
            }
            PublicKey::P521(k) => {
                (&signature::ECDSA_P521_SHA512_FIXED, &digest::SHA512, k.to_encoded_point(false).to_bytes())
            }
            PublicKey::P256k(_) | PublicKey::Rsa(_) | PublicKey::Symmetric => return Ok(None),
        };
        let key = signature::ParsedPublicKey::new(alg, &point)
            .map_err(|e| Error::invalid_argument(format!("the EC JSON Web Key's point was refused by AWS-LC: {e}")))?;
        Ok(Some(EcdsaKey { key, hash }))
    }

    /// Verifies a raw `r || s` signature over a prehashed digest (its length already checked).
    /// High-S signatures are accepted (as OpenSSL and Key Vault accept them); a signature of the
    /// wrong length, or with r or s zero or not below the group order, does not verify.
    fn verify_digest(&self, digest: &[u8], signature: &[u8]) -> bool {
        aws_lc_rs::digest::Digest::import_less_safe(digest, self.hash)
            .is_ok_and(|d| self.key.verify_digest_sig(&d, signature).is_ok())
    }

    /// Hashes `data` and verifies like [`EcdsaKey::verify_digest`].
    fn verify_data(&self, data: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(data, signature).is_ok()
    }
}

/// An RSA public key of 2048 to 8192 bits for AWS-LC's verify (~10x faster than `rsa`'s
/// arithmetic). AWS-LC binds a parsed key to one padding and hash, so each of the six signature
/// algorithms gets its own, parsed on its first use. Other sizes stay on `rsa`.
#[derive(Clone)]
struct RsaKey {
    n: Vec<u8>,
    e: Vec<u8>,
    /// Per algorithm, in the order of [`RsaKey::params`]; `None` in a cell when AWS-LC refused
    /// the key (the verify then falls back to `rsa`).
    parsed: [once_cell::sync::OnceCell<Option<aws_lc_rs::signature::ParsedPublicKey>>; 6],
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaKey").field("bits", &(self.n.len() * 8)).finish_non_exhaustive()
    }
}

impl RsaKey {
    fn new(public: &PublicKey) -> Option<RsaKey> {
        match public {
            PublicKey::Rsa(k) if (2048..=8192).contains(&k.n().bits()) => {
                Some(RsaKey { n: k.n().to_bytes_be(), e: k.e().to_bytes_be(), parsed: Default::default() })
            }
            _ => None,
        }
    }

    /// The slot, AWS-LC parameters and hash of an RSA signature algorithm.
    fn params(
        alg: SignatureAlgorithm,
    ) -> Option<(usize, &'static aws_lc_rs::signature::RsaParameters, &'static aws_lc_rs::digest::Algorithm)> {
        use aws_lc_rs::{digest, signature as s};
        Some(match alg {
            SignatureAlgorithm::Rs256 => (0, &s::RSA_PKCS1_2048_8192_SHA256, &digest::SHA256),
            SignatureAlgorithm::Rs384 => (1, &s::RSA_PKCS1_2048_8192_SHA384, &digest::SHA384),
            SignatureAlgorithm::Rs512 => (2, &s::RSA_PKCS1_2048_8192_SHA512, &digest::SHA512),
            SignatureAlgorithm::Ps256 => (3, &s::RSA_PSS_2048_8192_SHA256, &digest::SHA256),
            SignatureAlgorithm::Ps384 => (4, &s::RSA_PSS_2048_8192_SHA384, &digest::SHA384),
            SignatureAlgorithm::Ps512 => (5, &s::RSA_PSS_2048_8192_SHA512, &digest::SHA512),
            _ => return None,
        })
    }

    /// Verifies a signature over a digest (its length already checked); `None` when AWS-LC
    /// cannot take this key for `alg` and `rsa` must verify instead.
    fn verify_digest(&self, alg: SignatureAlgorithm, digest: &[u8], signature: &[u8]) -> Option<bool> {
        let (slot, params, hash) = RsaKey::params(alg)?;
        let key = self.parsed[slot]
            .get_or_init(|| {
                aws_lc_rs::signature::RsaPublicKeyComponents { n: self.n.as_slice(), e: self.e.as_slice() }
                    .to_parsed_public_key(params)
                    .ok()
            })
            .as_ref()?;
        let digest = aws_lc_rs::digest::Digest::import_less_safe(digest, hash).ok()?;
        Some(key.verify_digest_sig(&digest, signature).is_ok())
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
    /// A P-256, P-384 or P-521 key parsed once for AWS-LC's ECDSA verify.
    ecdsa: Option<EcdsaKey>,
    /// An RSA key of 2048 to 8192 bits for AWS-LC's verify.
    rsa: Option<RsaKey>,
}

impl LocalKey {
    /// Builds a local key from a JWK (only its public members are read) and, when known, the
    /// key's attributes (for `nbf` and `exp`).
    pub fn new(jwk: &JsonWebKey, attributes: Option<&KeyAttributes>) -> Result<LocalKey> {
        let public = PublicKey::from_jwk(jwk)?;
        let ecdsa = EcdsaKey::new(&public)?;
        let rsa = RsaKey::new(&public);
        Ok(LocalKey {
            kid: jwk.kid.clone().unwrap_or_default(),
            key_ops: jwk.key_ops.clone(),
            not_before: attributes.and_then(|a| a.common.nbf),
            expires: attributes.and_then(|a| a.common.exp),
            public,
            ecdsa,
            rsa,
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
        if let Some(valid) = self.rsa.as_ref().and_then(|k| k.verify_digest(alg, digest, signature)) {
            return Ok(valid);
        }
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
            (PublicKey::P256k(k), _) => k256::ecdsa::Signature::from_slice(signature).is_ok_and(|s| {
                // k256 refuses high S; OpenSSL and Key Vault accept it, so normalize first.
                let s = s.normalize_s().unwrap_or(s);
                k256::ecdsa::VerifyingKey::from(k).verify_prehash(digest, &s).is_ok()
            }),
            // Every other EC key has its AWS-LC key (built with it in `new`).
            _ => self.ecdsa.as_ref().is_some_and(|k| k.verify_digest(digest, signature)),
        })
    }

    /// Hashes `data` with the algorithm's hash (SHA-256/384/512), then verifies.
    pub fn verify_data(&self, alg: SignatureAlgorithm, data: &[u8], signature: &[u8]) -> Result<bool> {
        match (alg.info().scheme, &self.ecdsa) {
            // AWS-LC hashes the data itself; the same checks as `verify` first.
            (SignatureScheme::Ecdsa(crv), Some(k)) if self.public.curve() == Some(crv) => {
                self.permit("verify", now_unix())?;
                Ok(k.verify_data(data, signature))
            }
            _ => self.verify(alg, &alg.hash().digest(data), signature),
        }
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

    /// Every ECDSA algorithm with its curve and fixed signature width.
    const ECDSA: [(SignatureAlgorithm, &str, usize); 4] = [
        (SignatureAlgorithm::Es256, "P-256", 64),
        (SignatureAlgorithm::Es256k, "P-256K", 64),
        (SignatureAlgorithm::Es384, "P-384", 96),
        (SignatureAlgorithm::Es512, "P-521", 132),
    ];

    /// The pure-Rust verify kv used before AWS-LC (RustCrypto, high-S accepted), as a reference.
    fn reference_verify(crv: &str, digest: &[u8], sig: &[u8]) -> bool {
        let k = keys();
        match crv {
            "P-256" => p256::ecdsa::Signature::from_slice(sig)
                .is_ok_and(|s| p256::ecdsa::VerifyingKey::from(k.p256.public_key()).verify_prehash(digest, &s).is_ok()),
            "P-256K" => k256::ecdsa::Signature::from_slice(sig).is_ok_and(|s| {
                let s = s.normalize_s().unwrap_or(s);
                k256::ecdsa::VerifyingKey::from(k.k256.public_key()).verify_prehash(digest, &s).is_ok()
            }),
            "P-384" => p384::ecdsa::Signature::from_slice(sig)
                .is_ok_and(|s| p384::ecdsa::VerifyingKey::from(k.p384.public_key()).verify_prehash(digest, &s).is_ok()),
            _ => p521::ecdsa::Signature::from_slice(sig).is_ok_and(|s| {
                p521::ecdsa::VerifyingKey::from_affine(*k.p521.public_key().as_affine())
                    .is_ok_and(|vk| vk.verify_prehash(digest, &s).is_ok())
            }),
        }
    }

    /// The same signature with s replaced by n - s (the "high-S" twin when s was low).
    fn flip_s(crv: &str, sig: &[u8]) -> Vec<u8> {
        macro_rules! flip {
            ($c:ident) => {{
                let (r, s) = $c::ecdsa::Signature::from_slice(sig).unwrap().split_scalars();
                $c::ecdsa::Signature::from_scalars(r, -*s).unwrap().to_vec()
            }};
        }
        match crv {
            "P-256" => flip!(p256),
            "P-256K" => flip!(k256),
            "P-384" => flip!(p384),
            _ => flip!(p521),
        }
    }

    /// The curve's group order n, big-endian at the curve's width (n - 1 is the negated one).
    fn order(crv: &str) -> Vec<u8> {
        let mut n = match crv {
            "P-256" => (-p256::Scalar::ONE).to_bytes().to_vec(),
            "P-256K" => (-k256::Scalar::ONE).to_bytes().to_vec(),
            "P-384" => (-p384::Scalar::ONE).to_bytes().to_vec(),
            _ => (-p521::Scalar::ONE).to_bytes().to_vec(),
        };
        for byte in n.iter_mut().rev() {
            let (sum, carry) = byte.overflowing_add(1);
            *byte = sum;
            if !carry {
                break;
            }
        }
        n
    }

    #[test]
    fn ecdsa_verify_agrees_with_the_pure_rust_reference_on_every_curve() {
        for (alg, crv, width) in ECDSA {
            let key = local(&jwk_for(crv));
            assert_eq!(key.ecdsa.is_some(), crv != "P-256K", "{crv}: the AWS-LC key is parsed once, at construction");
            let digest = alg.hash().digest(b"the data");
            let sig = sign(alg, &digest);
            assert_eq!(sig.len(), width);
            let half = width / 2;
            let n = order(crv);
            let (r, s) = sig.split_at(half);
            let zero = vec![0u8; half];
            let cat = |a: &[u8], b: &[u8]| [a, b].concat();
            // (candidate, digest, expected): valid, high-S twin, and every way to be wrong.
            let mut cases: Vec<(&str, Vec<u8>, Vec<u8>, bool)> = vec![
                ("valid", sig.clone(), digest.clone(), true),
                ("high S", flip_s(crv, &sig), digest.clone(), true),
                ("other digest", sig.clone(), alg.hash().digest(b"other data"), false),
                ("r zero", cat(&zero, s), digest.clone(), false),
                ("s zero", cat(r, &zero), digest.clone(), false),
                ("both zero", vec![0; width], digest.clone(), false),
                ("r = n", cat(&n, s), digest.clone(), false),
                ("s = n", cat(r, &n), digest.clone(), false),
                ("all ones", vec![0xff; width], digest.clone(), false),
                ("r and s swapped", cat(s, r), digest.clone(), false),
                ("one byte short", sig[..width - 1].to_vec(), digest.clone(), false),
                ("one byte long", cat(&sig, &[0]), digest.clone(), false),
                ("leading zero", cat(&[0], &sig), digest.clone(), false),
                ("DER instead of raw", der_signature(r, s), digest.clone(), false),
                ("empty", Vec::new(), digest.clone(), false),
            ];
            for i in (0..width).step_by(7) {
                let mut bad = sig.clone();
                bad[i] ^= 0x80 >> (i % 8);
                cases.push(("bit flipped", bad, digest.clone(), false));
            }
            for (what, candidate, digest, expected) in cases {
                let got = key.verify(alg, &digest, &candidate).unwrap();
                assert_eq!(got, expected, "{crv}: {what}");
                assert_eq!(got, reference_verify(crv, &digest, &candidate), "{crv}: {what} (reference)");
                if digest == alg.hash().digest(b"the data") {
                    assert_eq!(
                        key.verify_data(alg, b"the data", &candidate).unwrap(),
                        expected,
                        "{crv}: {what} (data)"
                    );
                }
            }
        }
    }

    /// A DER `SEQUENCE { INTEGER r, INTEGER s }` (short lengths only), to check that only raw
    /// `r || s` is accepted.
    fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
        let int = |v: &[u8]| {
            let v = &v[v.iter().position(|b| *b != 0).unwrap_or(v.len() - 1)..];
            let pad = v[0] & 0x80 != 0;
            let mut out = vec![0x02, (v.len() + pad as usize) as u8];
            if pad {
                out.push(0);
            }
            out.extend_from_slice(v);
            out
        };
        let body = [int(r), int(s)].concat();
        let mut out = vec![0x30];
        if body.len() >= 0x80 {
            out.push(0x81);
        }
        out.push(body.len() as u8);
        out.extend(body);
        out
    }

    /// `rsa`'s verify (what kv used before AWS-LC for every RSA key), as a reference.
    fn rsa_reference_verify(key: &rsa::RsaPublicKey, alg: SignatureAlgorithm, digest: &[u8], sig: &[u8]) -> bool {
        let info = alg.info();
        match (info.scheme, info.hash) {
            (SignatureScheme::RsaPkcs1, Hash::Sha256) => key.verify(Pkcs1v15Sign::new::<sha2::Sha256>(), digest, sig),
            (SignatureScheme::RsaPkcs1, Hash::Sha384) => key.verify(Pkcs1v15Sign::new::<sha2::Sha384>(), digest, sig),
            (SignatureScheme::RsaPkcs1, Hash::Sha512) => key.verify(Pkcs1v15Sign::new::<sha2::Sha512>(), digest, sig),
            (_, Hash::Sha256) => key.verify(Pss::new::<sha2::Sha256>(), digest, sig),
            (_, Hash::Sha384) => key.verify(Pss::new::<sha2::Sha384>(), digest, sig),
            (_, Hash::Sha512) => key.verify(Pss::new::<sha2::Sha512>(), digest, sig),
        }
        .is_ok()
    }

    #[test]
    fn rsa_verify_agrees_with_the_pure_rust_reference_for_every_algorithm() {
        let public = rsa::RsaPublicKey::from(&keys().rsa);
        let key = local(&jwk_for("RSA"));
        assert!(key.rsa.is_some(), "a 2048-bit key verifies with AWS-LC");
        let rsa_algs: Vec<_> =
            SIGNATURE_TABLE.iter().filter(|r| !matches!(r.scheme, SignatureScheme::Ecdsa(_))).collect();
        for row in &rsa_algs {
            let digest = row.hash.digest(b"the data");
            let sig = sign(row.alg, &digest);
            let mut cases: Vec<(&str, Vec<u8>, Vec<u8>, bool)> = vec![
                ("valid", sig.clone(), digest.clone(), true),
                ("other digest", sig.clone(), row.hash.digest(b"other data"), false),
                ("zeros", vec![0; 256], digest.clone(), false),
                ("not below n", vec![0xff; 256], digest.clone(), false),
                ("one byte short", sig[1..].to_vec(), digest.clone(), false),
                ("leading zero", [&[0u8][..], &sig].concat(), digest.clone(), false),
                ("empty", Vec::new(), digest.clone(), false),
            ];
            if row.alg == SignatureAlgorithm::Ps256 {
                // PSS with a salt other than the digest's length (RFC 7518 fixes it to the digest's).
                let salt_20 = Pss::new_with_salt::<sha2::Sha256>(20);
                let short_salt = keys().rsa.sign_with_rng(&mut rand_core::OsRng, salt_20, &digest).unwrap();
                cases.push(("PSS salt of 20 bytes", short_salt, digest.clone(), false));
            }
            for i in (0..256).step_by(31) {
                let mut bad = sig.clone();
                bad[i] ^= 1;
                cases.push(("bit flipped", bad, digest.clone(), false));
            }
            // A signature of every other RSA algorithm over a digest of the same length.
            for other in rsa_algs.iter().filter(|o| o.alg != row.alg && o.hash == row.hash) {
                cases.push(("other algorithm's signature", sign(other.alg, &digest), digest.clone(), false));
            }
            for (what, candidate, digest, expected) in cases {
                let got = key.verify(row.alg, &digest, &candidate).unwrap();
                assert_eq!(got, expected, "{}: {what}", row.wire);
                assert_eq!(
                    got,
                    rsa_reference_verify(&public, row.alg, &digest, &candidate),
                    "{}: {what} (reference)",
                    row.wire
                );
            }
        }
    }

    #[test]
    fn rsa_keys_outside_aws_lc_range_still_verify_with_rsa() {
        let small = RsaPrivateKey::new(&mut rand_core::OsRng, 1024).unwrap();
        let key = local(&rsa_jwk(&small));
        assert!(key.rsa.is_none(), "AWS-LC takes 2048 to 8192 bits");
        let digest = Hash::Sha256.digest(b"x");
        let sig = small.sign(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest).unwrap();
        assert!(key.verify(SignatureAlgorithm::Rs256, &digest, &sig).unwrap());
        let mut bad = sig.clone();
        bad[10] ^= 1;
        assert!(!key.verify(SignatureAlgorithm::Rs256, &digest, &bad).unwrap());
        let sig = small.sign_with_rng(&mut rand_core::OsRng, Pss::new::<sha2::Sha256>(), &digest).unwrap();
        assert!(key.verify(SignatureAlgorithm::Ps256, &digest, &sig).unwrap());
    }

    #[test]
    fn a_digest_of_the_wrong_length_is_an_error_on_every_curve() {
        for (alg, crv, _) in ECDSA {
            let key = local(&jwk_for(crv));
            let digest = alg.hash().digest(b"x");
            let sig = sign(alg, &digest);
            let mut wrongs = vec![digest[1..].to_vec(), [digest.as_slice(), &[0]].concat(), Vec::new()];
            wrongs.extend([Hash::Sha256, Hash::Sha384, Hash::Sha512].map(|h| h.digest(b"x")));
            for wrong in wrongs.iter().filter(|w| w.len() != digest.len()) {
                let e = key.verify(alg, wrong, &sig).unwrap_err();
                assert_eq!(e.kind, ErrorKind::InvalidArgument, "{crv}: {} bytes", wrong.len());
                assert!(e.message.contains(&format!("{}-byte digest", digest.len())), "{}", e.message);
            }
        }
    }

    #[test]
    fn malformed_ec_points_are_refused_on_every_curve() {
        for (_, crv, width) in ECDSA {
            let w = curve_width(crv);
            assert_eq!(w * 2, width);
            let with = |x: Vec<u8>, y: Vec<u8>| {
                let mut jwk = jwk_for(crv);
                jwk.x = Some(B64(x));
                jwk.y = Some(B64(y));
                LocalKey::new(&jwk, None)
            };
            let good = jwk_for(crv);
            let (x, y) = (good.x.as_ref().unwrap().0.clone(), good.y.as_ref().unwrap().0.clone());
            let mut off = y.clone();
            off[w - 1] ^= 1;
            for (what, x, y) in [
                ("y off the curve", x.clone(), off),
                ("x and y swapped", y.clone(), x.clone()),
                ("the point at infinity as zeros", vec![0; w], vec![0; w]),
                ("coordinates not below the field prime", vec![0xff; w], vec![0xff; w]),
            ] {
                let e = with(x, y).unwrap_err();
                assert_eq!(e.kind, ErrorKind::InvalidArgument, "{crv}: {what}");
                assert!(e.message.contains("not a point"), "{crv}: {what}: {}", e.message);
            }
            let e = with([vec![1], x.clone()].concat(), y.clone()).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidArgument, "{crv}: x one byte too long");
            assert!(e.message.contains(&format!("takes {w}")), "{}", e.message);
            assert!(with(x, y).is_ok());
        }
    }

    #[test]
    fn a_key_decodes_its_local_key_once() {
        let jwk = jwk_for("P-256");
        let json = serde_json::to_string(&jwk).unwrap();
        let key = crate::keys::Key::from_json(&json).unwrap();
        let (a, b) = (key.local().unwrap(), key.local().unwrap());
        assert!(std::ptr::eq(a, b), "the second call reuses the first's key");
        let digest = Hash::Sha256.digest(b"x");
        assert!(a.verify(SignatureAlgorithm::Es256, &digest, &sign(SignatureAlgorithm::Es256, &digest)).unwrap());
        // A copy of the key keeps working on its own.
        let copy = key.clone();
        drop(key);
        assert!(copy
            .local()
            .unwrap()
            .verify(SignatureAlgorithm::Es256, &digest, &sign(SignatureAlgorithm::Es256, &digest))
            .unwrap());
        // A key without material still fails each time, with the same error.
        let empty = crate::keys::Key::default();
        assert_eq!(empty.local().unwrap_err().kind, ErrorKind::InvalidArgument);
        assert_eq!(empty.local().unwrap_err().kind, ErrorKind::InvalidArgument);
    }

    #[test]
    fn verify_data_agrees_with_verify_of_the_digest_and_keeps_the_key_limits() {
        for (alg, crv, _) in ECDSA {
            let digest = alg.hash().digest(b"the data");
            let sig = sign(alg, &digest);
            let mut tampered = sig.clone();
            tampered[sig.len() / 2] ^= 1;
            let key = local(&jwk_for(crv));
            for candidate in
                [sig.clone(), flip_s(crv, &sig), tampered, sig[1..].to_vec(), Vec::new(), vec![0; sig.len()]]
            {
                assert_eq!(
                    key.verify_data(alg, b"the data", &candidate).unwrap(),
                    key.verify(alg, &digest, &candidate).unwrap(),
                    "{crv}: {candidate:02x?}"
                );
            }
            assert!(key.verify_data(alg, b"the data", &sig).unwrap());
            assert!(!key.verify_data(alg, b"other data", &sig).unwrap());
            // The key's limits and the algorithm's fit still apply on the fast path.
            let mut limited = jwk_for(crv);
            limited.key_ops = Some(vec!["sign".into()]);
            let e = local(&limited).verify_data(alg, b"the data", &sig).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::OperationNotPermitted);
            let expired = LocalKey::new(&jwk_for(crv), Some(&attrs(None, Some(1)))).unwrap();
            assert_eq!(
                expired.verify_data(alg, b"the data", &sig).unwrap_err().kind,
                crate::error::ErrorKind::KeyExpired
            );
            for (other, other_crv, _) in ECDSA {
                if other_crv != crv {
                    let e = key.verify_data(other, b"the data", &sig).unwrap_err();
                    assert_eq!(e.kind, ErrorKind::UnsupportedAlgorithm, "{other_crv} algorithm on a {crv} key");
                }
            }
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
