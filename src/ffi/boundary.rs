//! The panic boundary and argument checks shared by every exported function.

use crate::error::{Error, ErrorKind, Result};
use crate::ffi::error::kv_error;
use crate::ffi::status::{kv_status, status_of, KV_STATUS_OK};
use crate::ffi::text::{kv_str, view_opt, Text};
use std::any::Any;
use std::collections::BTreeMap;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs a fallible body for a function returning `kv_status`: clears `*err_out`, catches panics,
/// and on failure stores a new `kv_error` in `*err_out` (when it is not NULL).
macro_rules! ffi_status {
    ($err_out:expr, $body:block) => {
        $crate::ffi::boundary::status_call($err_out, move || -> $crate::error::Result<()> { $body })
    };
}

/// Runs an infallible body (accessors) that returns a value, giving `$default` if it panics.
macro_rules! ffi_value {
    ($default:expr, $body:block) => {
        $crate::ffi::boundary::value_call(move || $body, || $default)
    };
}

/// Runs a `_free` body: NULL is accepted and ignored; panics are swallowed.
macro_rules! ffi_free {
    ($ptr:expr) => {
        $crate::ffi::boundary::free_call($ptr)
    };
}

/// See [`ffi_status!`].
pub(crate) fn status_call(err_out: *mut *mut kv_error, body: impl FnOnce() -> Result<()>) -> kv_status {
    if !err_out.is_null() {
        // SAFETY: the caller passes either NULL or a pointer to writable storage for one pointer.
        unsafe { *err_out = std::ptr::null_mut() };
    }
    let err = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return KV_STATUS_OK,
        Ok(Err(err)) => err,
        Err(payload) => Error::new(ErrorKind::Panic, format!("kv panicked: {}", panic_text(payload.as_ref()))),
    };
    let status = status_of(&err);
    if !err_out.is_null() {
        let boxed = catch_unwind(AssertUnwindSafe(|| kv_error::into_raw(err))).unwrap_or(std::ptr::null_mut());
        // SAFETY: as above.
        unsafe { *err_out = boxed };
    }
    status
}

/// See [`ffi_value!`].
pub(crate) fn value_call<T>(body: impl FnOnce() -> T, default: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| default())
}

/// See [`ffi_free!`]. Takes back ownership of a pointer made by `Box::into_raw` and drops it.
pub(crate) fn free_call<T>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: kv handed out `ptr` from `Box::into_raw` and the caller frees it once.
    let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(ptr) })));
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}

fn null(what: &str) -> Error {
    Error::new(ErrorKind::NullArgument, format!("argument '{what}' is NULL"))
}

/// A required handle argument.
pub(crate) fn handle<'a, T>(ptr: *const T, what: &str) -> Result<&'a T> {
    optional_handle(ptr).ok_or_else(|| null(what))
}

/// A required mutable handle argument (builders, iterators: one thread at a time).
pub(crate) fn handle_mut<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T> {
    // SAFETY: as for `handle`, plus exclusive use as documented in kv.h.
    unsafe { ptr.as_mut() }.ok_or_else(|| null(what))
}

/// An optional handle argument (NULL = None). The one place a handle pointer becomes a
/// reference: `handle`, `with` and every accessor go through it.
pub(crate) fn optional_handle<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: a non-NULL handle pointer came from kv and is still alive (the caller's contract).
    unsafe { ptr.as_ref() }
}

/// Reads a handle in an accessor: `get` on it, or `default` when the pointer is NULL.
pub(crate) fn with<T, R>(ptr: *const T, default: R, get: impl FnOnce(&T) -> R) -> R {
    optional_handle(ptr).map(get).unwrap_or(default)
}

/// Writes a new handle made from `value` to an optional output slot (NULL = not wanted).
pub(crate) fn write_optional<T, H: From<T>>(out: *mut *mut H, value: T) {
    if let Some(out) = optional_out_slot(out) {
        *out = into_handle(H::from(value));
    }
}

/// A required NUL-terminated UTF-8 string argument.
pub(crate) fn string<'a>(ptr: *const c_char, what: &str) -> Result<&'a str> {
    optional_string(ptr, what)?.ok_or_else(|| null(what))
}

/// An optional NUL-terminated UTF-8 string argument (NULL = None).
pub(crate) fn optional_string<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller passes a NUL-terminated string that lives for the call.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map(Some).map_err(|e| {
        Error::new(
            ErrorKind::InvalidUtf8,
            format!("argument '{what}' is not valid UTF-8 (at byte {})", e.valid_up_to()),
        )
    })
}

/// A `(pointer, length)` byte argument; NULL is allowed only with length 0.
pub(crate) fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(null(what)) };
    }
    if len > isize::MAX as usize {
        return Err(Error::invalid_argument(format!("argument '{what}' has an impossible length")));
    }
    // SAFETY: the caller passes `len` readable bytes at `ptr` that live for the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// An array argument of `count` byte buffers given as parallel pointer and length arrays (at
/// least one); each buffer is checked like [`bytes`].
pub(crate) fn byte_arrays<'a>(
    ptrs: *const *const u8,
    lens: *const usize,
    count: usize,
    what: &str,
) -> Result<Vec<&'a [u8]>> {
    if count == 0 || ptrs.is_null() || lens.is_null() {
        return Err(Error::new(
            ErrorKind::NullArgument,
            format!("{what}s and {what}_lens must hold at least one item"),
        ));
    }
    // SAFETY: the caller passes arrays of `count` elements (kv.h contract), checked non-NULL.
    let (ptrs, lens) = unsafe { (std::slice::from_raw_parts(ptrs, count), std::slice::from_raw_parts(lens, count)) };
    ptrs.iter().zip(lens).map(|(p, l)| bytes(*p, *l, what)).collect()
}

/// A required output slot. Check it before doing any work, write it only on success.
pub(crate) fn out_slot<'a, T>(ptr: *mut *mut T, what: &str) -> Result<&'a mut *mut T> {
    out_value(ptr, what)
}

/// A required output of any type (a handle pointer, a `bool`, a `kv_str`).
pub(crate) fn out_value<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T> {
    optional_out_value(ptr).ok_or_else(|| null(what))
}

/// An optional output slot (NULL = the caller does not want it).
pub(crate) fn optional_out_slot<'a, T>(ptr: *mut *mut T) -> Option<&'a mut *mut T> {
    optional_out_value(ptr)
}

/// An optional output of any type (NULL = the caller does not want it).
pub(crate) fn optional_out_value<'a, T>(ptr: *mut T) -> Option<&'a mut T> {
    // SAFETY: the caller passes NULL or a pointer to writable storage for one `T`.
    unsafe { ptr.as_mut() }
}

/// Moves `value` to the heap and hands its pointer to C.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// A text accessor's body: the view `get` picks from the handle ("" when the handle is NULL or
/// the text is absent). The view lives as long as the handle.
pub(crate) fn view<H>(h: *const H, get: impl FnOnce(&H) -> Option<&Text>) -> kv_str {
    with(h, kv_str::empty(), |h| view_opt(get(h)))
}

/// The body of the `*_tag_get` accessors: true and `*value_out` set when `name` is a tag of the
/// handle; false (and `*value_out` untouched) when absent or an argument is NULL.
pub(crate) fn tag_get<H>(
    h: *const H,
    name: *const c_char,
    value_out: *mut kv_str,
    tags: impl FnOnce(&H) -> &BTreeMap<Text, Text>,
) -> bool {
    let found = optional_handle(h).zip(string(name, "name").ok()).and_then(|(h, name)| tags(h).get(name));
    match (found, optional_out_value(value_out)) {
        (Some(value), Some(out)) => {
            *out = value.view();
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::error::{kv_error_free, kv_error_message, kv_error_status};
    use crate::ffi::status::KV_STATUS_PANIC;

    #[test]
    fn a_panic_becomes_kv_status_panic_with_its_message() {
        let mut err: *mut kv_error = std::ptr::null_mut();
        let status = status_call(&mut err, || panic!("boom at the boundary"));
        assert_eq!(status, KV_STATUS_PANIC);
        assert_eq!(kv_error_status(err), KV_STATUS_PANIC);
        let msg = kv_error_message(err);
        let text = unsafe { std::slice::from_raw_parts(msg.data.cast::<u8>(), msg.len) };
        assert!(String::from_utf8_lossy(text).contains("boom at the boundary"));
        kv_error_free(err);
        assert_eq!(value_call(|| -> u32 { panic!("x") }, || 7), 7);
        assert_eq!(status_call(std::ptr::null_mut(), || Ok(())), KV_STATUS_OK);
    }
}
