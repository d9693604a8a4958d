//! Keys over the C ABI: `kv_key` (a key, version, list item or deleted key) and key management.

use crate::ffi::text::Text;
use crate::keys::Key;

/// A key as returned by a call: identifiers, public key material, permitted operations and
/// properties. Immutable; read it from any thread. Free with `kv_key_free`.
pub struct kv_key {
    pub(crate) key: Key,
    pub(crate) id: Text,
}
