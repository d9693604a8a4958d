//! Every C enumeration in one place: the `uint32_t` typedefs with their named values, and the
//! one table per enumeration that maps a value to the core's Rust enum (and back, for values the
//! accessors return). Declared like `kv_status`, so any integer C passes is a valid Rust value;
//! values outside a table give KV_STATUS_INVALID_ARGUMENT. The signature and encryption
//! algorithm values are the `code` column of the core's algorithm tables
//! (`crypto/algorithm.rs`); a test checks the two agree.

use crate::certificates::DownloadFormat;
use crate::error::{Error, Result};
use crate::keys::{KeyCurve, KeyReleaseAlgorithm, KeyType, RotationAction};

/// Formats for `kv_client_download_certificate` (one of `KV_CERTIFICATE_FORMAT_*`).
pub type kv_certificate_format = u32;
/// PEM text: the private key (`PRIVATE KEY`, PKCS#8) then the certificates, leaf first.
pub const KV_CERTIFICATE_FORMAT_PEM: kv_certificate_format = 1;
/// PKCS#12 bytes protected with the given password (NULL or "" = empty password).
pub const KV_CERTIFICATE_FORMAT_PKCS12: kv_certificate_format = 2;
/// PEM text of the certificates only (leaf first, then the chain).
pub const KV_CERTIFICATE_FORMAT_CHAIN_PEM: kv_certificate_format = 3;
/// PEM text of the private key only.
pub const KV_CERTIFICATE_FORMAT_KEY_PEM: kv_certificate_format = 4;

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

/// Key types, for the `kty` argument of `kv_client_create_key` (one of `KV_KEY_TYPE_*`).
pub type kv_key_type = u32;
/// "RSA": software-protected RSA.
pub const KV_KEY_TYPE_RSA: kv_key_type = 1;
/// "RSA-HSM": HSM-protected RSA.
pub const KV_KEY_TYPE_RSA_HSM: kv_key_type = 2;
/// "EC": software-protected elliptic curve.
pub const KV_KEY_TYPE_EC: kv_key_type = 3;
/// "EC-HSM": HSM-protected elliptic curve.
pub const KV_KEY_TYPE_EC_HSM: kv_key_type = 4;
/// "oct": AES (Managed HSM only).
pub const KV_KEY_TYPE_OCT: kv_key_type = 5;
/// "oct-HSM": HSM-protected AES (Managed HSM only).
pub const KV_KEY_TYPE_OCT_HSM: kv_key_type = 6;

/// Elliptic curves, for `kv_key_options_set_curve` (one of `KV_KEY_CURVE_*`).
pub type kv_key_curve = u32;
/// The service default (P-256).
pub const KV_KEY_CURVE_DEFAULT: kv_key_curve = 0;
/// "P-256" (secp256r1).
pub const KV_KEY_CURVE_P256: kv_key_curve = 1;
/// "P-384" (secp384r1).
pub const KV_KEY_CURVE_P384: kv_key_curve = 2;
/// "P-521" (secp521r1).
pub const KV_KEY_CURVE_P521: kv_key_curve = 3;
/// "P-256K" (secp256k1).
pub const KV_KEY_CURVE_P256K: kv_key_curve = 4;

/// How `kv_client_release_key` protects the released key (one of `KV_KEY_RELEASE_ALGORITHM_*`).
pub type kv_key_release_algorithm = u32;
/// No `enc` is sent; the service chooses.
pub const KV_KEY_RELEASE_ALGORITHM_NONE: kv_key_release_algorithm = 0;
/// "CKM_RSA_AES_KEY_WRAP".
pub const KV_KEY_RELEASE_ALGORITHM_CKM_RSA_AES_KEY_WRAP: kv_key_release_algorithm = 1;
/// "RSA_AES_KEY_WRAP_256".
pub const KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_256: kv_key_release_algorithm = 2;
/// "RSA_AES_KEY_WRAP_384".
pub const KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_384: kv_key_release_algorithm = 3;

/// What a rotation policy action does (one of `KV_KEY_ROTATION_ACTION_*`; accessors return 0
/// for an action type kv does not know).
pub type kv_key_rotation_action = u32;
/// "Rotate": create a new key version.
pub const KV_KEY_ROTATION_ACTION_ROTATE: kv_key_rotation_action = 1;
/// "Notify": publish a near-expiry event.
pub const KV_KEY_ROTATION_ACTION_NOTIFY: kv_key_rotation_action = 2;

/// `kv_key_type` values.
pub(crate) const KEY_TYPE_CODES: [(kv_key_type, KeyType); 6] = [
    (KV_KEY_TYPE_RSA, KeyType::Rsa),
    (KV_KEY_TYPE_RSA_HSM, KeyType::RsaHsm),
    (KV_KEY_TYPE_EC, KeyType::Ec),
    (KV_KEY_TYPE_EC_HSM, KeyType::EcHsm),
    (KV_KEY_TYPE_OCT, KeyType::Oct),
    (KV_KEY_TYPE_OCT_HSM, KeyType::OctHsm),
];

/// `kv_key_curve` values (DEFAULT = no curve sent).
pub(crate) const CURVE_CODES: [(kv_key_curve, Option<KeyCurve>); 5] = [
    (KV_KEY_CURVE_DEFAULT, None),
    (KV_KEY_CURVE_P256, Some(KeyCurve::P256)),
    (KV_KEY_CURVE_P384, Some(KeyCurve::P384)),
    (KV_KEY_CURVE_P521, Some(KeyCurve::P521)),
    (KV_KEY_CURVE_P256K, Some(KeyCurve::P256K)),
];

/// `kv_key_release_algorithm` values (NONE = no `enc` sent).
pub(crate) const RELEASE_CODES: [(kv_key_release_algorithm, Option<KeyReleaseAlgorithm>); 4] = [
    (KV_KEY_RELEASE_ALGORITHM_NONE, None),
    (KV_KEY_RELEASE_ALGORITHM_CKM_RSA_AES_KEY_WRAP, Some(KeyReleaseAlgorithm::CkmRsaAesKeyWrap)),
    (KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_256, Some(KeyReleaseAlgorithm::RsaAesKeyWrap256)),
    (KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_384, Some(KeyReleaseAlgorithm::RsaAesKeyWrap384)),
];

/// `kv_key_rotation_action` values.
pub(crate) const ACTION_CODES: [(kv_key_rotation_action, RotationAction); 2] =
    [(KV_KEY_ROTATION_ACTION_ROTATE, RotationAction::Rotate), (KV_KEY_ROTATION_ACTION_NOTIFY, RotationAction::Notify)];

/// `kv_certificate_format` values.
pub(crate) const CERTIFICATE_FORMATS: [(kv_certificate_format, DownloadFormat); 4] = [
    (KV_CERTIFICATE_FORMAT_PEM, DownloadFormat::Pem),
    (KV_CERTIFICATE_FORMAT_PKCS12, DownloadFormat::Pkcs12),
    (KV_CERTIFICATE_FORMAT_CHAIN_PEM, DownloadFormat::ChainPem),
    (KV_CERTIFICATE_FORMAT_KEY_PEM, DownloadFormat::KeyPem),
];

/// Looks a raw C value up in a table; anything else is an invalid argument (never UB).
pub(crate) fn decode<T: Copy>(table: &[(u32, T)], code: u32, what: &str, c_type: &str) -> Result<T> {
    table.iter().find(|(c, _)| *c == code).map(|(_, v)| *v).ok_or_else(|| {
        let valid: Vec<String> = table.iter().map(|(c, _)| c.to_string()).collect();
        Error::invalid_argument(format!("{what} {code} is not a {c_type} value (valid: {})", valid.join(", ")))
    })
}

/// The C value of a Rust value (0 when the table has none).
pub(crate) fn encode<T: PartialEq + Copy>(table: &[(u32, T)], value: Option<T>) -> u32 {
    value.and_then(|v| table.iter().find(|(_, t)| *t == v)).map(|(c, _)| *c).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use crate::crypto::algorithm::{ENCRYPTION_TABLE, SIGNATURE_TABLE};

    /// The C constants in this file, as (suffix, value) for `prefix`.
    fn constants(prefix: &str) -> Vec<(String, u32)> {
        include_str!("enums.rs")
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
}
