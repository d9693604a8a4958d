//! `kv_key`: a key, key version, list item or deleted key, and its accessors.

use crate::ffi::boundary::with;
use crate::ffi::boundary::{tag_get, view};
use crate::ffi::text::{kv_bytes, kv_str, tag_at};
use crate::keys::{AttestationPart, Key, PublicMember};
use std::ffi::c_char;

/// A key as returned by a call: identifiers, public key material, permitted operations and
/// properties. Immutable; read it from any thread. Free with `kv_key_free`. Every view its
/// accessors return stays valid until it is freed.
pub struct kv_key(pub(crate) Key);

impl From<Key> for kv_key {
    fn from(key: Key) -> kv_key {
        kv_key(key)
    }
}

/// A byte accessor's body: the bytes `get` picks ("" when the handle is NULL).
fn bytes_of(k: *const kv_key, get: impl FnOnce(&kv_key) -> &[u8]) -> kv_bytes {
    with(k, kv_bytes::of(&[]), |k| kv_bytes::of(get(k)))
}

/// The key identifier `https://{vault}/keys/{name}[/{version}]` ("" if absent; for deleted list
/// items, the recovery id).
#[no_mangle]
pub extern "C" fn kv_key_id(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.0.id()) })
}

/// The name.
#[no_mangle]
pub extern "C" fn kv_key_name(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| Some(k.0.name())) })
}

/// The version ("" for items of `kv_client_list_keys` and deleted list items).
#[no_mangle]
pub extern "C" fn kv_key_version(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| Some(k.0.version())) })
}

/// The key type's wire name: "RSA", "RSA-HSM", "EC", "EC-HSM", "oct" or "oct-HSM" ("" for list
/// items, which carry no key material).
#[no_mangle]
pub extern "C" fn kv_key_type_name(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.0.key_type_name()) })
}

/// The curve's wire name of an EC key: "P-256", "P-384", "P-521" or "P-256K" ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_key_curve_name(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.0.curve_name()) })
}

/// RSA modulus, big-endian (empty for other key types).
#[no_mangle]
pub extern "C" fn kv_key_n(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { bytes_of(k, |k| k.0.public_member(PublicMember::N)) })
}

/// RSA public exponent, big-endian (empty for other key types).
#[no_mangle]
pub extern "C" fn kv_key_e(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { bytes_of(k, |k| k.0.public_member(PublicMember::E)) })
}

/// EC public x coordinate, big-endian (empty for other key types).
#[no_mangle]
pub extern "C" fn kv_key_x(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { bytes_of(k, |k| k.0.public_member(PublicMember::X)) })
}

/// EC public y coordinate, big-endian (empty for other key types).
#[no_mangle]
pub extern "C" fn kv_key_y(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { bytes_of(k, |k| k.0.public_member(PublicMember::Y)) })
}

/// Number of permitted operations (`key_ops`).
#[no_mangle]
pub extern "C" fn kv_key_operation_count(k: *const kv_key) -> usize {
    ffi_value!(0, { with(k, 0, |k| k.0.operations().len()) })
}

/// Permitted operation `index`, e.g. "sign" ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_key_operation(k: *const kv_key, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.0.operations().get(index)) })
}

/// Whether the key is enabled (true when the reply does not say).
#[no_mangle]
pub extern "C" fn kv_key_enabled(k: *const kv_key) -> bool {
    ffi_value!(false, { with(k, false, |k| k.0.enabled()) })
}

/// Whether the private key may be exported by a release.
#[no_mangle]
pub extern "C" fn kv_key_exportable(k: *const kv_key) -> bool {
    ffi_value!(false, { with(k, false, |k| k.0.exportable()) })
}

/// Whether Key Vault manages the key's lifetime (it backs a certificate).
#[no_mangle]
pub extern "C" fn kv_key_managed(k: *const kv_key) -> bool {
    ffi_value!(false, { with(k, false, |k| k.0.managed()) })
}

/// Creation time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_key_created(k: *const kv_key) -> i64 {
    ffi_value!(0, { with(k, 0, |k| k.0.created().unwrap_or(0)) })
}

/// Last update time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_key_updated(k: *const kv_key) -> i64 {
    ffi_value!(0, { with(k, 0, |k| k.0.updated().unwrap_or(0)) })
}

/// Not-before time, Unix seconds (0 when not set).
#[no_mangle]
pub extern "C" fn kv_key_not_before(k: *const kv_key) -> i64 {
    ffi_value!(0, { with(k, 0, |k| k.0.not_before().unwrap_or(0)) })
}

/// Expiry time, Unix seconds (0 when not set).
#[no_mangle]
pub extern "C" fn kv_key_expires(k: *const kv_key) -> i64 {
    ffi_value!(0, { with(k, 0, |k| k.0.expires().unwrap_or(0)) })
}

/// The vault's recovery level for this key, e.g. "Recoverable+Purgeable" ("" if not given).
#[no_mangle]
pub extern "C" fn kv_key_recovery_level(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.0.recovery_level()) })
}

/// Soft-delete retention in days (0 when not given).
#[no_mangle]
pub extern "C" fn kv_key_recoverable_days(k: *const kv_key) -> i32 {
    ffi_value!(0, { with(k, 0, |k| k.0.recoverable_days().unwrap_or(0)) })
}

/// For deleted keys: the recovery id `https://{vault}/deletedkeys/{name}` ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_key_recovery_id(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.0.recovery_id()) })
}

/// For deleted keys: when it was deleted, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_key_deleted_date(k: *const kv_key) -> i64 {
    ffi_value!(0, { with(k, 0, |k| k.0.deleted_date().unwrap_or(0)) })
}

/// For deleted keys: when the vault will purge it, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_key_scheduled_purge_date(k: *const kv_key) -> i64 {
    ffi_value!(0, { with(k, 0, |k| k.0.scheduled_purge_date().unwrap_or(0)) })
}

/// Number of tags (they are ordered by name).
#[no_mangle]
pub extern "C" fn kv_key_tag_count(k: *const kv_key) -> usize {
    ffi_value!(0, { with(k, 0, |k| k.0.tags().len()) })
}

/// Name of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_key_tag_name(k: *const kv_key, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { with(k, kv_str::empty(), |k| tag_at(k.0.tags(), index).0) })
}

/// Value of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_key_tag_value(k: *const kv_key, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { with(k, kv_str::empty(), |k| tag_at(k.0.tags(), index).1) })
}

/// Looks up a tag by name: true and `*value_out` set when present; false (and `*value_out`
/// untouched) when absent or an argument is NULL.
#[no_mangle]
pub extern "C" fn kv_key_tag_get(k: *const kv_key, name: *const c_char, value_out: *mut kv_str) -> bool {
    ffi_value!(false, { tag_get(k, name, value_out, |k| k.0.tags()) })
}

/// The release policy document (empty when the key has no release policy).
#[no_mangle]
pub extern "C" fn kv_key_release_policy(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { bytes_of(k, |k| k.0.release_policy_data()) })
}

/// The release policy's content type ("" when absent).
#[no_mangle]
pub extern "C" fn kv_key_release_policy_content_type(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.0.release_policy_content_type()) })
}

/// Whether the release policy is immutable (false when absent).
#[no_mangle]
pub extern "C" fn kv_key_release_policy_immutable(k: *const kv_key) -> bool {
    ffi_value!(false, { with(k, false, |k| k.0.release_policy_immutable()) })
}

/// The HSM platform of an HSM key ("" when not given).
#[no_mangle]
pub extern "C" fn kv_key_hsm_platform(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.0.hsm_platform()) })
}

/// Attestation format version, from `kv_client_get_key_attestation` ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_key_attestation_version(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.0.attestation_version()) })
}

/// The private key attestation (empty when absent).
#[no_mangle]
pub extern "C" fn kv_key_attestation_private(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { bytes_of(k, |k| k.0.attestation(AttestationPart::PrivateKey)) })
}

/// The public key attestation (empty when absent).
#[no_mangle]
pub extern "C" fn kv_key_attestation_public(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { bytes_of(k, |k| k.0.attestation(AttestationPart::PublicKey)) })
}

/// The certificate chain (PEM) that validates the attestation (empty when absent).
#[no_mangle]
pub extern "C" fn kv_key_attestation_certificate(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { bytes_of(k, |k| k.0.attestation(AttestationPart::CertificatePem)) })
}

/// Frees a key. NULL is accepted. May be called from any thread.
#[no_mangle]
pub extern "C" fn kv_key_free(k: *mut kv_key) {
    ffi_free!(k)
}
