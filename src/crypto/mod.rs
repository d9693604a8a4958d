//! Cryptography with Key Vault keys: algorithms and their wire names, operations the vault runs
//! (sign, verify, encrypt, decrypt, wrap, unwrap), local public-key operations (verify, encrypt,
//! wrap) with a fetched or supplied key, and PEM/JWK conversion.
//!
//! - [`algorithm`]: the signature and encryption algorithm tables.
//! - [`remote`]: `impl Client` for the vault's crypto operations.
//! - [`local`]: [`local::LocalKey`], public-key operations without a request.
//! - [`pem`]: public keys out as PEM or public JWK, private keys in (PKCS#1, PKCS#8, SEC1).
//!
//! All cryptography comes from the RustCrypto crates (`rsa`, `p256`, `p384`, `p521`, `k256`,
//! `sha1`, `sha2`), except local verify (ECDSA on P-256, P-384 and P-521; RSA of 2048 to 8192
//! bits), which AWS-LC (`aws-lc-rs`) does several to ten times faster; kv only checks
//! arguments, key permissions and validity times around them.

pub mod algorithm;
pub mod local;
pub mod pem;
pub mod remote;

pub use algorithm::{EncryptionAlgorithm, SignatureAlgorithm};
pub use local::LocalKey;

use crate::text::Text;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Optional inputs of encrypt, decrypt, wrap and unwrap for AES algorithms: initialization
/// vector (CBC, GCM), additional authenticated data (GCM) and authentication tag (GCM decrypt).
/// Zeroized when dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct CryptoParams {
    /// Initialization vector.
    pub iv: Option<Vec<u8>>,
    /// Additional authenticated data.
    pub aad: Option<Vec<u8>>,
    /// Authentication tag.
    pub tag: Option<Vec<u8>>,
}

/// No parameters (for callers that need a `&'static CryptoParams`).
pub static NO_PARAMS: CryptoParams = CryptoParams { iv: None, aad: None, tag: None };

/// The result of a crypto operation: the output bytes (signature, ciphertext, plaintext, wrapped
/// or unwrapped key), the key id that did the work, and for AES the iv, tag and aad the vault
/// returned. Every field is zeroized when dropped.
#[derive(Debug, Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct CryptoResult {
    /// Key id (`https://{vault}/keys/{name}/{version}`), "" when unknown.
    pub kid: Text,
    /// Output bytes.
    pub value: Zeroizing<Vec<u8>>,
    /// Initialization vector (AES encrypt), empty when none.
    pub iv: Vec<u8>,
    /// Authentication tag (AES-GCM encrypt), empty when none.
    pub tag: Vec<u8>,
    /// Additional authenticated data echoed back (AES-GCM), empty when none.
    pub aad: Vec<u8>,
}
