//! Borrowed views handed to C (`kv_str`, `kv_bytes`) and the owned NUL-terminated text behind
//! them.

use std::ffi::c_char;
use zeroize::Zeroizing;

/// A borrowed UTF-8 string: `data[len] == 0` always holds, and `data` is never NULL. It may
/// contain NUL bytes before `len` (secret values are binary-safe). Valid as long as the handle it
/// came from.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct kv_str {
    /// First byte; never NULL.
    pub data: *const c_char,
    /// Length in bytes, without the terminating NUL.
    pub len: usize,
}

/// A borrowed byte buffer. Valid as long as the handle it came from. `data` is never NULL.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct kv_bytes {
    /// First byte; never NULL (points at a static empty buffer when `len` is 0).
    pub data: *const u8,
    /// Length in bytes.
    pub len: usize,
}

static EMPTY: &[u8; 1] = b"\0";

impl kv_str {
    /// The empty string.
    pub fn empty() -> kv_str {
        kv_str { data: EMPTY.as_ptr().cast(), len: 0 }
    }

    /// A view of static NUL-terminated text (the NUL is not counted).
    pub fn from_static(text: &'static str) -> kv_str {
        debug_assert!(text.ends_with('\0'));
        kv_str { data: text.as_ptr().cast(), len: text.len().saturating_sub(1) }
    }
}

impl kv_bytes {
    /// A view of `bytes`, which must outlive the view.
    pub fn of(bytes: &[u8]) -> kv_bytes {
        if bytes.is_empty() {
            kv_bytes { data: EMPTY.as_ptr(), len: 0 }
        } else {
            kv_bytes { data: bytes.as_ptr(), len: bytes.len() }
        }
    }
}

/// Owned text with a terminating NUL, zeroized on drop (it may hold secret values).
#[derive(Default)]
pub struct Text(Zeroizing<Vec<u8>>);

impl Text {
    /// Copies `bytes` and appends the NUL.
    pub fn new(bytes: &[u8]) -> Text {
        let mut v = Vec::with_capacity(bytes.len() + 1);
        v.extend_from_slice(bytes);
        v.push(0);
        Text(Zeroizing::new(v))
    }

    /// From an optional string (None = empty).
    pub fn from_opt(text: Option<&str>) -> Text {
        Text::new(text.unwrap_or_default().as_bytes())
    }

    /// The borrowed view.
    pub fn view(&self) -> kv_str {
        if self.0.is_empty() {
            return kv_str::empty();
        }
        kv_str { data: self.0.as_ptr().cast(), len: self.0.len() - 1 }
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Text({} bytes)", self.0.len().saturating_sub(1))
    }
}
