//! `kv_secret`: a secret, version, list item or deleted secret, and its accessors.

use crate::ffi::boundary::with;
use crate::ffi::boundary::{tag_get, view};
use crate::ffi::text::{kv_str, tag_at};
use crate::secrets::Secret;
use std::ffi::c_char;
use std::sync::Arc;

/// A secret as returned by a call: its value (for get/set), identifiers and properties.
/// Immutable; read it from any thread. The value is zeroized when freed with `kv_secret_free`
/// (a value a secret cache still holds is zeroized when the cache lets it go). Every view its accessors return stays valid until it is freed.
pub struct kv_secret(pub(crate) Arc<Secret>);

impl From<Secret> for kv_secret {
    fn from(secret: Secret) -> kv_secret {
        kv_secret(Arc::new(secret))
    }
}

impl kv_secret {
    /// A handle on a secret shared with other handles (a secret cache's hits share one value;
    /// it is zeroized when the last of them and the cache let go).
    pub(crate) fn shared(secret: Arc<Secret>) -> kv_secret {
        kv_secret(secret)
    }
}

/// The value, byte-exact (may contain NUL bytes; use `len`). Empty for list items, deleted
/// secrets and replies that carry no value, and when `s` is NULL.
#[no_mangle]
pub extern "C" fn kv_secret_value(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.0.value_text()) })
}

/// The identifier `https://{vault}/secrets/{name}[/{version}]` ("" if absent).
#[no_mangle]
pub extern "C" fn kv_secret_id(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.0.id()) })
}

/// The name.
#[no_mangle]
pub extern "C" fn kv_secret_name(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| Some(s.0.name())) })
}

/// The version ("" for items of `kv_client_list_secrets` and for deleted secrets).
#[no_mangle]
pub extern "C" fn kv_secret_version(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| Some(s.0.version())) })
}

/// The content type ("" if none).
#[no_mangle]
pub extern "C" fn kv_secret_content_type(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.0.content_type()) })
}

/// The key id when the secret backs a certificate ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_secret_key_id(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.0.key_id()) })
}

/// Whether the secret is enabled (true when the reply does not say).
#[no_mangle]
pub extern "C" fn kv_secret_enabled(s: *const kv_secret) -> bool {
    ffi_value!(false, { with(s, false, |s| s.0.enabled()) })
}

/// Whether Key Vault manages the secret's lifetime (it backs a certificate).
#[no_mangle]
pub extern "C" fn kv_secret_managed(s: *const kv_secret) -> bool {
    ffi_value!(false, { with(s, false, |s| s.0.managed()) })
}

/// Creation time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_secret_created(s: *const kv_secret) -> i64 {
    ffi_value!(0, { with(s, 0, |s| s.0.attributes().created.unwrap_or(0)) })
}

/// Last update time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_secret_updated(s: *const kv_secret) -> i64 {
    ffi_value!(0, { with(s, 0, |s| s.0.attributes().updated.unwrap_or(0)) })
}

/// Not-before time, Unix seconds (0 when not set).
#[no_mangle]
pub extern "C" fn kv_secret_not_before(s: *const kv_secret) -> i64 {
    ffi_value!(0, { with(s, 0, |s| s.0.attributes().nbf.unwrap_or(0)) })
}

/// Expiry time, Unix seconds (0 when not set).
#[no_mangle]
pub extern "C" fn kv_secret_expires(s: *const kv_secret) -> i64 {
    ffi_value!(0, { with(s, 0, |s| s.0.attributes().exp.unwrap_or(0)) })
}

/// The vault's recovery level for this secret, e.g. "Recoverable+Purgeable" ("" if not given).
#[no_mangle]
pub extern "C" fn kv_secret_recovery_level(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.0.attributes().recovery_level.as_ref()) })
}

/// Soft-delete retention in days (0 when not given).
#[no_mangle]
pub extern "C" fn kv_secret_recoverable_days(s: *const kv_secret) -> i32 {
    ffi_value!(0, { with(s, 0, |s| s.0.attributes().recoverable_days.unwrap_or(0)) })
}

/// For deleted secrets: when it was deleted, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_secret_deleted_date(s: *const kv_secret) -> i64 {
    ffi_value!(0, { with(s, 0, |s| s.0.deleted_date().unwrap_or(0)) })
}

/// For deleted secrets: when the vault will purge it, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_secret_scheduled_purge_date(s: *const kv_secret) -> i64 {
    ffi_value!(0, { with(s, 0, |s| s.0.scheduled_purge_date().unwrap_or(0)) })
}

/// For deleted secrets: the recovery id ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_secret_recovery_id(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.0.recovery_id()) })
}

/// Number of tags (they are ordered by name).
#[no_mangle]
pub extern "C" fn kv_secret_tag_count(s: *const kv_secret) -> usize {
    ffi_value!(0, { with(s, 0, |s| s.0.tags().len()) })
}

/// Name of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_secret_tag_name(s: *const kv_secret, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { with(s, kv_str::empty(), |s| tag_at(s.0.tags(), index).0) })
}

/// Value of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_secret_tag_value(s: *const kv_secret, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { with(s, kv_str::empty(), |s| tag_at(s.0.tags(), index).1) })
}

/// Looks up a tag by name: true and `*value_out` set when present; false (and `*value_out`
/// untouched) when absent or an argument is NULL.
#[no_mangle]
pub extern "C" fn kv_secret_tag_get(s: *const kv_secret, name: *const c_char, value_out: *mut kv_str) -> bool {
    ffi_value!(false, { tag_get(s, name, value_out, |s| s.0.tags()) })
}

/// Frees a secret, zeroizing its value. NULL is accepted. May be called from any thread.
#[no_mangle]
pub extern "C" fn kv_secret_free(s: *mut kv_secret) {
    ffi_free!(s)
}
