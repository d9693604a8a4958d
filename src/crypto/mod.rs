//! Cryptography with Key Vault keys: algorithms and their wire names, operations the vault runs
//! (sign, verify, encrypt, decrypt, wrap, unwrap), local public-key operations (verify, encrypt,
//! wrap) with a fetched or supplied key, and PEM/JWK conversion.

pub mod pem;
