//! `kv_key_rotation_policy`: a key rotation policy (the core's `RotationPolicy`), read from the
//! vault or built with the setters, and the calls that get and replace it.

use crate::client::Client;
use crate::ffi::boundary::view;
use crate::ffi::boundary::{handle, handle_mut, into_handle, optional_string, string, with, write_optional};
use crate::ffi::calls::{client, get_named};
use crate::ffi::client::kv_client;
use crate::ffi::enums::{decode, encode, kv_key_rotation_action, ACTION_CODES};
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::ffi::text::{kv_str, Text};
use crate::rotation::RotationPolicy;
use std::ffi::c_char;

/// A key rotation policy: read one with `kv_client_get_key_rotation_policy`, or build one with
/// `kv_key_rotation_policy_new` for `kv_client_update_key_rotation_policy`. Not thread-safe
/// while being changed; views from its accessors stay valid until it is freed, also across
/// later changes.
pub struct kv_key_rotation_policy {
    policy: RotationPolicy,
    /// Texts a setter replaced: kept until the handle is freed, so views of them stay valid.
    retired: Vec<Text>,
}

impl From<RotationPolicy> for kv_key_rotation_policy {
    fn from(policy: RotationPolicy) -> kv_key_rotation_policy {
        kv_key_rotation_policy { policy, retired: Vec::new() }
    }
}

/// Gets a key's rotation policy.
#[no_mangle]
pub extern "C" fn kv_client_get_key_rotation_policy(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key_rotation_policy,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { get_named(c, name, out, Client::get_key_rotation_policy) })
}

/// Replaces a key's rotation policy with `policy` (not consumed; its id and times are
/// ignored). `out` may be NULL; it receives the policy as stored.
#[no_mangle]
pub extern "C" fn kv_client_update_key_rotation_policy(
    c: *const kv_client,
    name: *const c_char,
    policy: *const kv_key_rotation_policy,
    out: *mut *mut kv_key_rotation_policy,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let policy = handle(policy, "policy")?;
        write_optional(out, client.update_key_rotation_policy(name, &policy.policy)?);
        Ok(())
    })
}

/// A new, empty rotation policy (no actions, no expiry time). Returns NULL only if memory is
/// exhausted.
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_new() -> *mut kv_key_rotation_policy {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_key_rotation_policy::from(RotationPolicy::new())) })
}

/// Sets the expiry of new key versions as an ISO-8601 duration, e.g. "P2Y" or "P90D" (NULL
/// removes it).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_set_expiry_time(
    p: *mut kv_key_rotation_policy,
    duration: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let replaced = p.policy.set_expiry_time(optional_string(duration, "duration")?)?;
        p.retired.extend(replaced);
        Ok(())
    })
}

/// Appends an action: `action` is a `KV_KEY_ROTATION_ACTION_*` value, triggered either
/// `time_after_create` after creation or `time_before_expiry` before expiry (ISO-8601
/// durations such as "P90D"; exactly one of them non-NULL; Notify needs `time_before_expiry`).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_add_action(
    p: *mut kv_key_rotation_policy,
    action: kv_key_rotation_action,
    time_after_create: *const c_char,
    time_before_expiry: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let action = decode(&ACTION_CODES, action, "action", "kv_key_rotation_action")?;
        let after = optional_string(time_after_create, "time_after_create")?;
        let before = optional_string(time_before_expiry, "time_before_expiry")?;
        p.policy.add_action(action, after, before)
    })
}

/// The policy id ("" for a policy built with `kv_key_rotation_policy_new`).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_id(p: *const kv_key_rotation_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { view(p, |p| p.policy.id()) })
}

/// The expiry of new key versions, an ISO-8601 duration ("" if not set).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_expiry_time(p: *const kv_key_rotation_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { view(p, |p| p.policy.expiry_time()) })
}

/// Number of actions.
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_action_count(p: *const kv_key_rotation_policy) -> usize {
    ffi_value!(0, { with(p, 0, |p| p.policy.action_count()) })
}

/// The `KV_KEY_ROTATION_ACTION_*` value of action `index` (0 when out of range or of a type kv
/// does not know).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_action_type(
    p: *const kv_key_rotation_policy,
    index: usize,
) -> kv_key_rotation_action {
    ffi_value!(0, { with(p, 0, |p| encode(&ACTION_CODES, p.policy.action(index))) })
}

/// The time-after-create trigger of action `index` ("" when not set or out of range).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_action_time_after_create(
    p: *const kv_key_rotation_policy,
    index: usize,
) -> kv_str {
    ffi_value!(kv_str::empty(), { view(p, |p| p.policy.time_after_create(index)) })
}

/// The time-before-expiry trigger of action `index` ("" when not set or out of range).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_action_time_before_expiry(
    p: *const kv_key_rotation_policy,
    index: usize,
) -> kv_str {
    ffi_value!(kv_str::empty(), { view(p, |p| p.policy.time_before_expiry(index)) })
}

/// Creation time of the policy, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_created(p: *const kv_key_rotation_policy) -> i64 {
    ffi_value!(0, { with(p, 0, |p| p.policy.created().unwrap_or(0)) })
}

/// Last update time of the policy, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_updated(p: *const kv_key_rotation_policy) -> i64 {
    ffi_value!(0, { with(p, 0, |p| p.policy.updated().unwrap_or(0)) })
}

/// Frees a rotation policy. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_free(p: *mut kv_key_rotation_policy) {
    ffi_free!(p)
}
