//! `kv_blob`: owned bytes handed to C (a backup, random bytes, a PEM or JSON text).

use crate::ffi::boundary::with;
use crate::ffi::text::kv_bytes;
use zeroize::Zeroizing;

/// Owned bytes (a backup, random bytes, a PEM or JSON text). The bytes are followed by a NUL
/// byte (not counted in the length), so text blobs can be used as C strings. Zeroized when freed
/// with `kv_blob_free`.
pub struct kv_blob {
    /// The bytes plus one trailing NUL.
    bytes: Zeroizing<Vec<u8>>,
}

impl kv_blob {
    /// Takes ownership of `bytes` (appending the trailing NUL).
    pub(crate) fn new(bytes: Zeroizing<Vec<u8>>) -> kv_blob {
        // Copy into an exact-size buffer rather than pushing, so no reallocation leaves an
        // unzeroized copy behind; `bytes` is zeroized when it drops here.
        let mut with_nul = Zeroizing::new(Vec::with_capacity(bytes.len() + 1));
        with_nul.extend_from_slice(&bytes);
        with_nul.push(0);
        kv_blob { bytes: with_nul }
    }

    fn content(&self) -> &[u8] {
        &self.bytes[..self.bytes.len().saturating_sub(1)]
    }
}

impl From<Zeroizing<String>> for kv_blob {
    fn from(text: Zeroizing<String>) -> kv_blob {
        kv_blob::new(Zeroizing::new(text.as_bytes().to_vec()))
    }
}

impl From<Zeroizing<Vec<u8>>> for kv_blob {
    fn from(bytes: Zeroizing<Vec<u8>>) -> kv_blob {
        kv_blob::new(bytes)
    }
}

/// The bytes of a blob (valid until `kv_blob_free`; `data[len]` is a NUL byte); empty when `b`
/// is NULL.
#[no_mangle]
pub extern "C" fn kv_blob_bytes(b: *const kv_blob) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { with(b, kv_bytes::of(&[]), |b| kv_bytes::of(b.content())) })
}

/// Frees a blob, zeroizing it. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_blob_free(b: *mut kv_blob) {
    ffi_free!(b)
}
