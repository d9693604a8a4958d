//! Signature and encryption algorithms: one table each, holding the wire name, the C name and
//! numeric code of `kv_signature_algorithm` / `kv_encryption_algorithm`, and what the algorithm
//! needs (hash and digest length; key family).
//!
//! The numeric codes are the values C passes; they start at 1 (0 is never valid), are
//! append-only and never reused. `src/ffi/crypto.rs` declares the matching C enums, and a test
//! there checks them against these tables.

use crate::error::{Error, ErrorKind, Result};
use sha2::Digest;

/// A hash function used by a signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256 (32-byte digest).
    Sha256,
    /// SHA-384 (48-byte digest).
    Sha384,
    /// SHA-512 (64-byte digest).
    Sha512,
}

impl Hash {
    /// Length of the digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// The key family and padding a signature algorithm uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5.
    RsaPkcs1,
    /// RSASSA-PSS with MGF1 of the same hash and a salt as long as the digest (RFC 7518).
    RsaPss,
    /// ECDSA on the named curve (`crv` wire name), signature as fixed-width raw `r || s`.
    Ecdsa(&'static str),
}

/// A signature algorithm (JsonWebKeySignatureAlgorithm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on secp256k1 (P-256K) with SHA-256.
    Es256k,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// ECDSA on P-521 with SHA-512.
    Es512,
}

/// One row of the signature table.
#[derive(Debug, Clone, Copy)]
pub struct SignatureInfo {
    /// The algorithm.
    pub alg: SignatureAlgorithm,
    /// The `kv_signature_algorithm` value C passes.
    pub code: u32,
    /// The C constant's suffix: `KV_SIGNATURE_ALGORITHM_{c_name}`.
    pub c_name: &'static str,
    /// The wire name (`alg` in request bodies).
    pub wire: &'static str,
    /// The hash whose digest is signed.
    pub hash: Hash,
    /// Key family and padding.
    pub scheme: SignatureScheme,
}

macro_rules! sig {
    ($alg:ident, $code:literal, $c:literal, $wire:literal, $hash:ident, $scheme:expr) => {
        SignatureInfo {
            alg: SignatureAlgorithm::$alg,
            code: $code,
            c_name: $c,
            wire: $wire,
            hash: Hash::$hash,
            scheme: $scheme,
        }
    };
}

/// Every signature algorithm. The one table.
pub static SIGNATURE_TABLE: &[SignatureInfo] = &[
    sig!(Rs256, 1, "RS256", "RS256", Sha256, SignatureScheme::RsaPkcs1),
    sig!(Rs384, 2, "RS384", "RS384", Sha384, SignatureScheme::RsaPkcs1),
    sig!(Rs512, 3, "RS512", "RS512", Sha512, SignatureScheme::RsaPkcs1),
    sig!(Ps256, 4, "PS256", "PS256", Sha256, SignatureScheme::RsaPss),
    sig!(Ps384, 5, "PS384", "PS384", Sha384, SignatureScheme::RsaPss),
    sig!(Ps512, 6, "PS512", "PS512", Sha512, SignatureScheme::RsaPss),
    sig!(Es256, 7, "ES256", "ES256", Sha256, SignatureScheme::Ecdsa("P-256")),
    sig!(Es256k, 8, "ES256K", "ES256K", Sha256, SignatureScheme::Ecdsa("P-256K")),
    sig!(Es384, 9, "ES384", "ES384", Sha384, SignatureScheme::Ecdsa("P-384")),
    sig!(Es512, 10, "ES512", "ES512", Sha512, SignatureScheme::Ecdsa("P-521")),
];

impl SignatureAlgorithm {
    /// Its table row.
    pub fn info(self) -> &'static SignatureInfo {
        SIGNATURE_TABLE.iter().find(|row| row.alg == self).expect("every signature algorithm has a table row")
    }

    /// The wire name, e.g. `"PS256"`.
    pub fn wire(self) -> &'static str {
        self.info().wire
    }

    /// The hash whose digest this algorithm signs.
    pub fn hash(self) -> Hash {
        self.info().hash
    }

    /// The digest length in bytes that sign and verify take.
    pub fn digest_len(self) -> usize {
        self.info().hash.output_len()
    }

    /// The algorithm of a `kv_signature_algorithm` value; `None` for 0 and unknown values.
    pub fn from_code(code: u32) -> Option<SignatureAlgorithm> {
        SIGNATURE_TABLE.iter().find(|row| row.code == code).map(|row| row.alg)
    }

    /// The algorithm of a wire name (exact match).
    pub fn from_wire(wire: &str) -> Option<SignatureAlgorithm> {
        SIGNATURE_TABLE.iter().find(|row| row.wire == wire).map(|row| row.alg)
    }

    /// Like `from_code`, failing with `ErrorKind::InvalidArgument`.
    pub fn checked(code: u32) -> Result<SignatureAlgorithm> {
        SignatureAlgorithm::from_code(code).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("{code} is not a kv_signature_algorithm value (valid: 1-{})", SIGNATURE_TABLE.len()),
            )
        })
    }

    /// Checks that `digest` has the length this algorithm signs.
    pub fn check_digest(self, digest: &[u8]) -> Result<()> {
        if digest.len() != self.digest_len() {
            return Err(Error::invalid_argument(format!(
                "{} signs a {}-byte digest but {} bytes were given (hash the data first, or use the _data call)",
                self.wire(),
                self.digest_len(),
                digest.len()
            )));
        }
        Ok(())
    }
}

/// The family an encryption algorithm belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptionScheme {
    /// RSAES-PKCS1-v1_5.
    RsaPkcs1,
    /// RSAES-OAEP with SHA-1 and MGF1-SHA-1.
    RsaOaep,
    /// RSAES-OAEP with SHA-256 and MGF1-SHA-256.
    RsaOaep256,
    /// AES-GCM (iv, aad, tag).
    AesGcm,
    /// AES-CBC without padding (iv).
    AesCbc,
    /// AES-CBC with PKCS#7 padding (iv).
    AesCbcPad,
    /// AES key wrap (RFC 3394).
    AesKw,
    /// PKCS#11 AES key wrap (RFC 3394).
    CkmAesKeyWrap,
    /// PKCS#11 AES key wrap with padding (RFC 5649).
    CkmAesKeyWrapPad,
}

impl EncryptionScheme {
    /// RSA schemes (the ones kv can run locally with a public key).
    pub fn is_rsa(self) -> bool {
        matches!(self, EncryptionScheme::RsaPkcs1 | EncryptionScheme::RsaOaep | EncryptionScheme::RsaOaep256)
    }
}

/// An encryption or key-wrap algorithm (JsonWebKeyEncryptionAlgorithm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptionAlgorithm {
    /// RSAES-PKCS1-v1_5.
    Rsa1_5,
    /// RSAES-OAEP (SHA-1).
    RsaOaep,
    /// RSAES-OAEP (SHA-256).
    RsaOaep256,
    /// AES-GCM, 128-bit key.
    A128Gcm,
    /// AES-GCM, 192-bit key.
    A192Gcm,
    /// AES-GCM, 256-bit key.
    A256Gcm,
    /// AES-CBC, 128-bit key.
    A128Cbc,
    /// AES-CBC, 192-bit key.
    A192Cbc,
    /// AES-CBC, 256-bit key.
    A256Cbc,
    /// AES-CBC with PKCS#7 padding, 128-bit key.
    A128CbcPad,
    /// AES-CBC with PKCS#7 padding, 192-bit key.
    A192CbcPad,
    /// AES-CBC with PKCS#7 padding, 256-bit key.
    A256CbcPad,
    /// AES key wrap, 128-bit key.
    A128Kw,
    /// AES key wrap, 192-bit key.
    A192Kw,
    /// AES key wrap, 256-bit key.
    A256Kw,
    /// PKCS#11 AES key wrap.
    CkmAesKeyWrap,
    /// PKCS#11 AES key wrap with padding.
    CkmAesKeyWrapPad,
}

/// One row of the encryption table.
#[derive(Debug, Clone, Copy)]
pub struct EncryptionInfo {
    /// The algorithm.
    pub alg: EncryptionAlgorithm,
    /// The `kv_encryption_algorithm` value C passes.
    pub code: u32,
    /// The C constant's suffix: `KV_ENCRYPTION_ALGORITHM_{c_name}`.
    pub c_name: &'static str,
    /// The wire name (`alg` in request bodies).
    pub wire: &'static str,
    /// Family.
    pub scheme: EncryptionScheme,
    /// AES key size in bits the algorithm needs (0: any size the key has).
    pub aes_bits: u32,
}

macro_rules! enc {
    ($alg:ident, $code:literal, $c:literal, $wire:literal, $scheme:ident, $bits:literal) => {
        EncryptionInfo {
            alg: EncryptionAlgorithm::$alg,
            code: $code,
            c_name: $c,
            wire: $wire,
            scheme: EncryptionScheme::$scheme,
            aes_bits: $bits,
        }
    };
}

/// Every encryption algorithm. The one table.
pub static ENCRYPTION_TABLE: &[EncryptionInfo] = &[
    enc!(Rsa1_5, 1, "RSA1_5", "RSA1_5", RsaPkcs1, 0),
    enc!(RsaOaep, 2, "RSA_OAEP", "RSA-OAEP", RsaOaep, 0),
    enc!(RsaOaep256, 3, "RSA_OAEP_256", "RSA-OAEP-256", RsaOaep256, 0),
    enc!(A128Gcm, 4, "A128GCM", "A128GCM", AesGcm, 128),
    enc!(A192Gcm, 5, "A192GCM", "A192GCM", AesGcm, 192),
    enc!(A256Gcm, 6, "A256GCM", "A256GCM", AesGcm, 256),
    enc!(A128Cbc, 7, "A128CBC", "A128CBC", AesCbc, 128),
    enc!(A192Cbc, 8, "A192CBC", "A192CBC", AesCbc, 192),
    enc!(A256Cbc, 9, "A256CBC", "A256CBC", AesCbc, 256),
    enc!(A128CbcPad, 10, "A128CBCPAD", "A128CBCPAD", AesCbcPad, 128),
    enc!(A192CbcPad, 11, "A192CBCPAD", "A192CBCPAD", AesCbcPad, 192),
    enc!(A256CbcPad, 12, "A256CBCPAD", "A256CBCPAD", AesCbcPad, 256),
    enc!(A128Kw, 13, "A128KW", "A128KW", AesKw, 128),
    enc!(A192Kw, 14, "A192KW", "A192KW", AesKw, 192),
    enc!(A256Kw, 15, "A256KW", "A256KW", AesKw, 256),
    enc!(CkmAesKeyWrap, 16, "CKM_AES_KEY_WRAP", "CKM_AES_KEY_WRAP", CkmAesKeyWrap, 0),
    enc!(CkmAesKeyWrapPad, 17, "CKM_AES_KEY_WRAP_PAD", "CKM_AES_KEY_WRAP_PAD", CkmAesKeyWrapPad, 0),
];

impl EncryptionAlgorithm {
    /// Its table row.
    pub fn info(self) -> &'static EncryptionInfo {
        ENCRYPTION_TABLE.iter().find(|row| row.alg == self).expect("every encryption algorithm has a table row")
    }

    /// The wire name, e.g. `"RSA-OAEP-256"`.
    pub fn wire(self) -> &'static str {
        self.info().wire
    }

    /// The family.
    pub fn scheme(self) -> EncryptionScheme {
        self.info().scheme
    }

    /// The algorithm of a `kv_encryption_algorithm` value; `None` for 0 and unknown values.
    pub fn from_code(code: u32) -> Option<EncryptionAlgorithm> {
        ENCRYPTION_TABLE.iter().find(|row| row.code == code).map(|row| row.alg)
    }

    /// The algorithm of a wire name (exact match).
    pub fn from_wire(wire: &str) -> Option<EncryptionAlgorithm> {
        ENCRYPTION_TABLE.iter().find(|row| row.wire == wire).map(|row| row.alg)
    }

    /// Like `from_code`, failing with `ErrorKind::InvalidArgument`.
    pub fn checked(code: u32) -> Result<EncryptionAlgorithm> {
        EncryptionAlgorithm::from_code(code).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("{code} is not a kv_encryption_algorithm value (valid: 1-{})", ENCRYPTION_TABLE.len()),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_table_round_trips_and_is_unique() {
        for (i, row) in SIGNATURE_TABLE.iter().enumerate() {
            assert_eq!(row.code as usize, i + 1, "codes are 1.. in table order");
            assert_eq!(SignatureAlgorithm::from_code(row.code), Some(row.alg));
            assert_eq!(SignatureAlgorithm::from_wire(row.wire), Some(row.alg));
            assert_eq!(row.alg.info().wire, row.wire);
            assert_eq!(row.alg.digest_len(), row.hash.output_len());
            assert_eq!(row.hash.digest(b"abc").len(), row.hash.output_len());
            for other in &SIGNATURE_TABLE[i + 1..] {
                assert_ne!(row.alg, other.alg);
                assert_ne!(row.wire, other.wire);
                assert_ne!(row.c_name, other.c_name);
            }
        }
        assert_eq!(SignatureAlgorithm::from_code(0), None);
        assert_eq!(SignatureAlgorithm::from_code(SIGNATURE_TABLE.len() as u32 + 1), None);
        assert_eq!(SignatureAlgorithm::from_code(u32::MAX), None);
        assert_eq!(SignatureAlgorithm::checked(0).unwrap_err().kind, ErrorKind::InvalidArgument);
        assert_eq!(SignatureAlgorithm::from_wire("rs256"), None);
        assert_eq!(SignatureAlgorithm::Es512.digest_len(), 64);
        assert_eq!(SignatureAlgorithm::Es256k.hash(), Hash::Sha256);
        assert_eq!(SignatureAlgorithm::Ps384.wire(), "PS384");
    }

    #[test]
    fn encryption_table_round_trips_and_is_unique() {
        for (i, row) in ENCRYPTION_TABLE.iter().enumerate() {
            assert_eq!(row.code as usize, i + 1, "codes are 1.. in table order");
            assert_eq!(EncryptionAlgorithm::from_code(row.code), Some(row.alg));
            assert_eq!(EncryptionAlgorithm::from_wire(row.wire), Some(row.alg));
            assert_eq!(row.alg.wire(), row.wire);
            for other in &ENCRYPTION_TABLE[i + 1..] {
                assert_ne!(row.alg, other.alg);
                assert_ne!(row.wire, other.wire);
                assert_ne!(row.c_name, other.c_name);
            }
        }
        assert_eq!(EncryptionAlgorithm::from_code(0), None);
        assert_eq!(EncryptionAlgorithm::checked(18).unwrap_err().kind, ErrorKind::InvalidArgument);
        assert_eq!(EncryptionAlgorithm::from_wire("RSA-OAEP-256"), Some(EncryptionAlgorithm::RsaOaep256));
        assert!(EncryptionAlgorithm::RsaOaep.scheme().is_rsa());
        assert!(!EncryptionAlgorithm::A256Kw.scheme().is_rsa());
    }

    #[test]
    fn hashes_match_known_vectors() {
        let hex = |b: Vec<u8>| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(Hash::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(hex(Hash::Sha384.digest(b"abc")).starts_with("cb00753f45a35e8b"));
        assert!(hex(Hash::Sha512.digest(b"abc")).starts_with("ddaf35a193617aba"));
    }
}
