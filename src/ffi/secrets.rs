//! Secrets over the C ABI: `kv_secret` (a secret, version, list item or deleted secret),
//! `kv_secret_options` (properties to set), `kv_secret_iter` (lists), `kv_blob` (backups).

use crate::ffi::boundary::{
    bytes, handle, handle_mut, into_handle, optional_handle, optional_out_slot, optional_string, out_slot, string,
};
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::ffi::text::{kv_bytes, kv_str, Text};
use crate::model::secret::SecretBundle;
use crate::paging::Pager;
use crate::secrets::{secret_from_item, Secret, SecretProperties};
use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// A secret as returned by a call: its value (for get/set), identifiers and properties.
/// Immutable; read it from any thread. The value is zeroized when freed with `kv_secret_free`
/// (a value a secret cache still holds is zeroized when the cache lets it go).
pub struct kv_secret {
    shared: Arc<SecretFields>,
}

/// What a `kv_secret` shows. Shared (not copied) between the handles a secret cache hands out for
/// one cached value; zeroized when the last of them and the cache let go.
pub struct SecretFields {
    value: Text,
    id: Text,
    name: Text,
    version: Text,
    content_type: Text,
    key_id: Text,
    recovery_level: Text,
    recovery_id: Text,
    tags: Vec<(Text, Text)>,
    secret: Secret,
}

impl std::ops::Deref for kv_secret {
    type Target = SecretFields;
    fn deref(&self) -> &SecretFields {
        &self.shared
    }
}

impl kv_secret {
    pub(crate) fn new(secret: Secret) -> kv_secret {
        kv_secret::shared(Arc::new(SecretFields::new(secret)))
    }

    /// A handle on fields shared with other handles (the secret cache's hits).
    pub(crate) fn shared(fields: Arc<SecretFields>) -> kv_secret {
        kv_secret { shared: fields }
    }
}

impl SecretFields {
    pub(crate) fn new(secret: Secret) -> SecretFields {
        let b = &secret.bundle;
        SecretFields {
            value: Text::new(secret.value()),
            id: Text::from_opt(b.id.as_deref()),
            name: Text::new(secret.name.as_bytes()),
            version: Text::new(secret.version.as_bytes()),
            content_type: Text::from_opt(b.content_type.as_deref()),
            key_id: Text::from_opt(b.kid.as_deref()),
            recovery_level: Text::from_opt(b.attributes.recovery_level.as_deref()),
            recovery_id: Text::from_opt(b.recovery_id.as_deref()),
            tags: b.tags.iter().flatten().map(|(k, v)| (Text::new(k.as_bytes()), Text::new(v.as_bytes()))).collect(),
            secret,
        }
    }
}

/// Properties for `kv_client_set_secret_with_options` and `kv_client_update_secret_properties`:
/// only what is set is sent. Not thread-safe: one thread at a time.
#[derive(Default)]
pub struct kv_secret_options {
    inner: SecretProperties,
}

/// Iterates a secrets list, fetching further pages on demand. Use from one thread at a time.
/// Stays valid after the client that made it is freed.
pub struct kv_secret_iter {
    pager: Pager<SecretBundle>,
}

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

fn client<'a>(c: *const kv_client) -> crate::error::Result<&'a crate::client::Client> {
    handle(c, "client").map(|c| &c.inner)
}

fn write_secret(out: Option<&mut *mut kv_secret>, secret: Secret) {
    if let Some(out) = out {
        *out = into_handle(kv_secret::new(secret));
    }
}

// --- options ----------------------------------------------------------------------------------

/// New, empty secret options. Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn kv_secret_options_new() -> *mut kv_secret_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_secret_options::default()) })
}

/// Sets the content type (at most 255 characters), e.g. "text/plain".
#[no_mangle]
pub extern "C" fn kv_secret_options_set_content_type(
    o: *mut kv_secret_options,
    content_type: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.inner.content_type = Some(string(content_type, "content_type")?.to_owned());
        Ok(())
    })
}

/// Sets the enabled flag (a disabled secret's value cannot be read).
#[no_mangle]
pub extern "C" fn kv_secret_options_set_enabled(
    o: *mut kv_secret_options,
    enabled: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.enabled = Some(enabled);
        Ok(())
    })
}

/// Sets the not-before time (Unix seconds).
#[no_mangle]
pub extern "C" fn kv_secret_options_set_not_before(
    o: *mut kv_secret_options,
    unix_seconds: i64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.not_before = Some(unix_seconds);
        Ok(())
    })
}

/// Sets the expiry time (Unix seconds).
#[no_mangle]
pub extern "C" fn kv_secret_options_set_expires(
    o: *mut kv_secret_options,
    unix_seconds: i64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.expires = Some(unix_seconds);
        Ok(())
    })
}

/// Adds or replaces a tag. Once any tag is set, the call replaces all of the secret's tags with
/// the options' tags (at most 15).
#[no_mangle]
pub extern "C" fn kv_secret_options_set_tag(
    o: *mut kv_secret_options,
    key: *const c_char,
    value: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let key = string(key, "key")?;
        let value = string(value, "value")?;
        o.inner.tags.get_or_insert_with(Default::default).insert(key.to_owned(), value.to_owned());
        Ok(())
    })
}

/// Marks the tags as set and empty, so an update removes all tags.
#[no_mangle]
pub extern "C" fn kv_secret_options_clear_tags(o: *mut kv_secret_options, err_out: *mut *mut kv_error) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.tags = Some(Default::default());
        Ok(())
    })
}

/// Frees secret options. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_secret_options_free(o: *mut kv_secret_options) {
    ffi_free!(o)
}

// --- operations -------------------------------------------------------------------------------

/// Sets a secret, creating a new version. `value` is `value_len` bytes of UTF-8 (NUL bytes
/// allowed; at most 25 KiB). `out` may be NULL; on success it receives the new version.
#[no_mangle]
pub extern "C" fn kv_client_set_secret(
    c: *const kv_client,
    name: *const c_char,
    value: *const u8,
    value_len: usize,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    kv_client_set_secret_with_options(c, name, value, value_len, std::ptr::null(), out, err_out)
}

/// Like `kv_client_set_secret`, with properties (content type, enabled, not-before, expiry,
/// tags) from `opts` (NULL = none; not consumed).
#[no_mangle]
pub extern "C" fn kv_client_set_secret_with_options(
    c: *const kv_client,
    name: *const c_char,
    value: *const u8,
    value_len: usize,
    opts: *const kv_secret_options,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let value = bytes(value, value_len, "value")?;
        let defaults = SecretProperties::default();
        let props = optional_handle(opts).map(|o| &o.inner).unwrap_or(&defaults);
        let secret = client.set_secret(name, value, props)?;
        write_secret(optional_out_slot(out), secret);
        Ok(())
    })
}

/// Gets a secret with its value. `version` NULL or "" means the latest version.
#[no_mangle]
pub extern "C" fn kv_client_get_secret(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        *out = into_handle(kv_secret::new(client.get_secret(name, version)?));
        Ok(())
    })
}

/// Updates properties of a secret version (`version` NULL or "" = latest): only what `opts` sets
/// changes. `out` may be NULL; the returned secret carries no value.
#[no_mangle]
pub extern "C" fn kv_client_update_secret_properties(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    opts: *const kv_secret_options,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let opts = handle(opts, "opts")?;
        let secret = client.update_secret_properties(name, version, &opts.inner)?;
        write_secret(optional_out_slot(out), secret);
        Ok(())
    })
}

/// Deletes a secret and all its versions (soft delete: it can be recovered or purged while the
/// vault retains it). The move to the deleted collection finishes asynchronously: call
/// `kv_client_wait_for_deleted_secret` before `kv_client_get_deleted_secret`,
/// `kv_client_purge_deleted_secret` or `kv_client_recover_deleted_secret` (until then the service
/// answers 404 and 409 ObjectIsBeingDeleted). To get the deleted secret back, use
/// `kv_client_delete_secret_out`.
#[no_mangle]
pub extern "C" fn kv_client_delete_secret(
    c: *const kv_client,
    name: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        client.delete_secret(string(name, "name")?)?;
        Ok(())
    })
}

/// Deletes a secret like `kv_client_delete_secret` and hands back the deleted secret: no value;
/// recovery id, deleted date, scheduled purge date and the secret's properties set. `out` may be
/// NULL (then this is `kv_client_delete_secret`). The delete finishes asynchronously; see
/// `kv_client_wait_for_deleted_secret`.
#[no_mangle]
pub extern "C" fn kv_client_delete_secret_out(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let secret = client.delete_secret(string(name, "name")?)?;
        write_secret(optional_out_slot(out), secret);
        Ok(())
    })
}

/// Waits until a deleted secret has reached the deleted collection (the delete finished), polling
/// `GET /deletedsecrets/{name}` every 200 ms, doubling up to 2 s (404 = still in progress; a 403
/// counts as done). Polls at least once; gives KV_STATUS_TIMEOUT, with the deadline in the
/// message, when not done after `timeout_ms` milliseconds.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_deleted_secret(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        client(c)?.wait_for_deleted_secret(string(name, "name")?, Duration::from_millis(timeout_ms.into()))
    })
}

/// Waits until a recovered secret is back in the live collection (`GET /secrets/{name}` answers),
/// polling like `kv_client_wait_for_deleted_secret`.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_recovered_secret(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        client(c)?.wait_for_recovered_secret(string(name, "name")?, Duration::from_millis(timeout_ms.into()))
    })
}

/// Gets a deleted secret (no value; deleted date, scheduled purge date and recovery id set).
#[no_mangle]
pub extern "C" fn kv_client_get_deleted_secret(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        *out = into_handle(kv_secret::new(client.get_deleted_secret(string(name, "name")?)?));
        Ok(())
    })
}

/// Recovers a deleted secret. `out` may be NULL; the returned secret carries no value. The
/// recovery finishes asynchronously: call `kv_client_wait_for_recovered_secret` before using the
/// secret (until then the service answers 404).
#[no_mangle]
pub extern "C" fn kv_client_recover_deleted_secret(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let secret = client.recover_deleted_secret(string(name, "name")?)?;
        write_secret(optional_out_slot(out), secret);
        Ok(())
    })
}

/// Purges a deleted secret permanently (needs a vault whose recovery level allows purge).
#[no_mangle]
pub extern "C" fn kv_client_purge_deleted_secret(
    c: *const kv_client,
    name: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { client(c)?.purge_deleted_secret(string(name, "name")?) })
}

/// Backs up all versions of a secret into an opaque blob that only `kv_client_restore_secret`
/// (in a vault of the same subscription and geography) can read.
#[no_mangle]
pub extern "C" fn kv_client_backup_secret(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        *out = into_handle(kv_blob::new(client.backup_secret(string(name, "name")?)?));
        Ok(())
    })
}

/// Restores a secret (all versions) from a backup blob. `out` may be NULL; the returned secret
/// carries no value.
#[no_mangle]
pub extern "C" fn kv_client_restore_secret(
    c: *const kv_client,
    backup: *const u8,
    backup_len: usize,
    out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let blob = bytes(backup, backup_len, "backup")?;
        let secret = client.restore_secret(blob)?;
        write_secret(optional_out_slot(out), secret);
        Ok(())
    })
}

/// Starts listing the vault's secrets (items carry no value or version). No request is sent
/// until the first `kv_secret_iter_next`.
#[no_mangle]
pub extern "C" fn kv_client_list_secrets(
    c: *const kv_client,
    out: *mut *mut kv_secret_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_secret_iter { pager: client(c)?.list_secrets() });
        Ok(())
    })
}

/// Starts listing the versions of a secret (items carry no value).
#[no_mangle]
pub extern "C" fn kv_client_list_secret_versions(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_secret_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let pager = client(c)?.list_secret_versions(string(name, "name")?)?;
        *out = into_handle(kv_secret_iter { pager });
        Ok(())
    })
}

/// Starts listing deleted secrets.
#[no_mangle]
pub extern "C" fn kv_client_list_deleted_secrets(
    c: *const kv_client,
    out: *mut *mut kv_secret_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_secret_iter { pager: client(c)?.list_deleted_secrets() });
        Ok(())
    })
}

/// Next item of a list: `*item_out` receives a secret to free with `kv_secret_free`, or NULL at
/// the end of the list. Fetches the next page when needed; after an error the same page is tried
/// again on the next call.
#[no_mangle]
pub extern "C" fn kv_secret_iter_next(
    it: *mut kv_secret_iter,
    item_out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(item_out, "item_out")?;
        let it = handle_mut(it, "iterator")?;
        let next = it.pager.next_item()?;
        *out = next.map(|bundle| into_handle(kv_secret::new(secret_from_item(bundle)))).unwrap_or(std::ptr::null_mut());
        Ok(())
    })
}

/// Frees an iterator. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_secret_iter_free(it: *mut kv_secret_iter) {
    ffi_free!(it)
}

// --- secret accessors -------------------------------------------------------------------------

fn view(s: *const kv_secret, get: impl FnOnce(&kv_secret) -> kv_str) -> kv_str {
    // SAFETY: NULL or a live kv_secret from kv.
    unsafe { s.as_ref() }.map(get).unwrap_or_else(kv_str::empty)
}

fn number<T: Copy>(s: *const kv_secret, default: T, get: impl FnOnce(&kv_secret) -> Option<T>) -> T {
    // SAFETY: NULL or a live kv_secret from kv.
    unsafe { s.as_ref() }.and_then(get).unwrap_or(default)
}

/// The value, byte-exact (may contain NUL bytes; use `len`). Empty for list items, deleted
/// secrets and replies that carry no value, and when `s` is NULL.
#[no_mangle]
pub extern "C" fn kv_secret_value(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.value.view()) })
}

/// The identifier `https://{vault}/secrets/{name}[/{version}]` ("" if absent).
#[no_mangle]
pub extern "C" fn kv_secret_id(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.id.view()) })
}

/// The name.
#[no_mangle]
pub extern "C" fn kv_secret_name(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.name.view()) })
}

/// The version ("" for items of `kv_client_list_secrets` and for deleted secrets).
#[no_mangle]
pub extern "C" fn kv_secret_version(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.version.view()) })
}

/// The content type ("" if none).
#[no_mangle]
pub extern "C" fn kv_secret_content_type(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.content_type.view()) })
}

/// The key id when the secret backs a certificate ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_secret_key_id(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.key_id.view()) })
}

/// Whether the secret is enabled (true when the reply does not say).
#[no_mangle]
pub extern "C" fn kv_secret_enabled(s: *const kv_secret) -> bool {
    ffi_value!(false, { number(s, false, |s| Some(s.secret.bundle.attributes.enabled.unwrap_or(true))) })
}

/// Whether Key Vault manages the secret's lifetime (it backs a certificate).
#[no_mangle]
pub extern "C" fn kv_secret_managed(s: *const kv_secret) -> bool {
    ffi_value!(false, { number(s, false, |s| s.secret.bundle.managed) })
}

/// Creation time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_secret_created(s: *const kv_secret) -> i64 {
    ffi_value!(0, { number(s, 0, |s| s.secret.bundle.attributes.created) })
}

/// Last update time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_secret_updated(s: *const kv_secret) -> i64 {
    ffi_value!(0, { number(s, 0, |s| s.secret.bundle.attributes.updated) })
}

/// Not-before time, Unix seconds (0 when not set).
#[no_mangle]
pub extern "C" fn kv_secret_not_before(s: *const kv_secret) -> i64 {
    ffi_value!(0, { number(s, 0, |s| s.secret.bundle.attributes.nbf) })
}

/// Expiry time, Unix seconds (0 when not set).
#[no_mangle]
pub extern "C" fn kv_secret_expires(s: *const kv_secret) -> i64 {
    ffi_value!(0, { number(s, 0, |s| s.secret.bundle.attributes.exp) })
}

/// The vault's recovery level for this secret, e.g. "Recoverable+Purgeable" ("" if not given).
#[no_mangle]
pub extern "C" fn kv_secret_recovery_level(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.recovery_level.view()) })
}

/// Soft-delete retention in days (0 when not given).
#[no_mangle]
pub extern "C" fn kv_secret_recoverable_days(s: *const kv_secret) -> i32 {
    ffi_value!(0, { number(s, 0, |s| s.secret.bundle.attributes.recoverable_days) })
}

/// For deleted secrets: when it was deleted, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_secret_deleted_date(s: *const kv_secret) -> i64 {
    ffi_value!(0, { number(s, 0, |s| s.secret.bundle.deleted_date) })
}

/// For deleted secrets: when the vault will purge it, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_secret_scheduled_purge_date(s: *const kv_secret) -> i64 {
    ffi_value!(0, { number(s, 0, |s| s.secret.bundle.scheduled_purge_date) })
}

/// For deleted secrets: the recovery id ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_secret_recovery_id(s: *const kv_secret) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.recovery_id.view()) })
}

/// Number of tags (they are ordered by name).
#[no_mangle]
pub extern "C" fn kv_secret_tag_count(s: *const kv_secret) -> usize {
    ffi_value!(0, { number(s, 0, |s| Some(s.tags.len())) })
}

/// Name of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_secret_tag_name(s: *const kv_secret, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.tags.get(index).map(|(k, _)| k.view()).unwrap_or_else(kv_str::empty)) })
}

/// Value of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_secret_tag_value(s: *const kv_secret, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(s, |s| s.tags.get(index).map(|(_, v)| v.view()).unwrap_or_else(kv_str::empty)) })
}

/// Looks up a tag by name: true and `*value_out` set when present; false (and `*value_out`
/// untouched) when absent or an argument is NULL.
#[no_mangle]
pub extern "C" fn kv_secret_tag_get(s: *const kv_secret, name: *const c_char, value_out: *mut kv_str) -> bool {
    ffi_value!(false, {
        let found = (|| {
            let secret = handle(s, "secret").ok()?;
            let name = string(name, "name").ok()?;
            let (_, value) = secret
                .tags
                .iter()
                .zip(secret.secret.bundle.tags.iter().flatten())
                .find(|(_, (k, _))| k.as_str() == name)?
                .0;
            Some(value.view())
        })();
        match (found, value_out.is_null()) {
            (Some(v), false) => {
                // SAFETY: non-NULL pointer to writable kv_str storage from the caller.
                unsafe { *value_out = v };
                true
            }
            _ => false,
        }
    })
}

/// Frees a secret, zeroizing its value. NULL is accepted. May be called from any thread.
#[no_mangle]
pub extern "C" fn kv_secret_free(s: *mut kv_secret) {
    ffi_free!(s)
}

// --- blobs ------------------------------------------------------------------------------------

/// The bytes of a blob (valid until `kv_blob_free`; `data[len]` is a NUL byte); empty when `b`
/// is NULL.
#[no_mangle]
pub extern "C" fn kv_blob_bytes(b: *const kv_blob) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), {
        // SAFETY: NULL or a live kv_blob from kv.
        unsafe { b.as_ref() }.map(|b| kv_bytes::of(b.content())).unwrap_or_else(|| kv_bytes::of(&[]))
    })
}

/// Frees a blob, zeroizing it. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_blob_free(b: *mut kv_blob) {
    ffi_free!(b)
}
