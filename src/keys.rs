//! Keys: every key-management operation of api-version 2025-07-01 (create, import, get, list,
//! update, delete, recover, purge, backup, restore, rotate, rotation policy, release, random
//! bytes, attestation) and waiting for soft-delete and recovery to finish.
//! Cryptography with keys is in [`crate::crypto`].

use crate::model::key::KeyBundle;
use crate::names::split_id;

/// A key, a key version, a list item or a deleted key.
#[derive(Debug, Clone, Default)]
pub struct Key {
    /// The wire fields.
    pub bundle: KeyBundle,
    /// Name, from the key id.
    pub name: String,
    /// Version, from the key id (empty for list items of `list_keys` and deleted items).
    pub version: String,
}

impl Key {
    /// Wraps a bundle, deriving name and version from its id.
    pub fn from_bundle(bundle: KeyBundle) -> Key {
        let (name, version) = split_id(bundle.id().unwrap_or_default());
        Key { bundle, name, version }
    }
}
