//! Borrowed views handed to C (`kv_str`, `kv_bytes`) and the owned NUL-terminated text behind
//! them.

use std::collections::BTreeMap;
use std::ffi::c_char;

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

pub use crate::text::Text;

impl Text {
    /// The borrowed view (valid while this `Text` lives, i.e. until its handle is freed).
    pub fn view(&self) -> kv_str {
        let bytes = self.with_nul();
        kv_str { data: bytes.as_ptr().cast(), len: bytes.len() - 1 }
    }
}

/// The view of an optional text ("" when absent).
pub fn view_opt(text: Option<&Text>) -> kv_str {
    text.map(Text::view).unwrap_or_else(kv_str::empty)
}

/// Tag `index` of an ordered tag map, as (name, value) views ("" when out of range).
pub(crate) fn tag_at(tags: &BTreeMap<Text, Text>, index: usize) -> (kv_str, kv_str) {
    tags.iter().nth(index).map(|(k, v)| (k.view(), v.view())).unwrap_or((kv_str::empty(), kv_str::empty()))
}
