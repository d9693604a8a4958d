//! Keys over the C ABI: `kv_key` (a key, version, list item or deleted key), `kv_key_options`
//! (create/import/update properties), `kv_key_iter` (lists), `kv_key_rotation_policy`, and every
//! key-management call. Enumerations arrive from C as `uint32_t` and are range-checked here.

use crate::error::{Error, Result};
use crate::ffi::boundary::{
    bytes, handle, handle_mut, into_handle, optional_handle, optional_out_slot, optional_string, out_slot, string,
};
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::secrets::kv_blob;
use crate::ffi::text::{kv_bytes, kv_str, Text};
use crate::keys::{
    check_duration, check_key_operation, key_from_item, CreateKeyOptions, Key, KeyCurve, KeyProperties,
    KeyReleaseAlgorithm, KeyType, RotationAction,
};
use crate::model::key::{
    JsonWebKey, KeyReleasePolicy, KeyRotationPolicy, LifetimeAction, LifetimeActionTrigger, LifetimeActionType, B64,
};
use crate::model::key::{KeyBundle, KeyRotationPolicyAttributes};
use crate::paging::Pager;
use crate::status::kv_status;
use std::ffi::c_char;
use std::time::Duration;
use zeroize::Zeroizing;

// --- enumerations (uint32_t values) -----------------------------------------------------------
//
// Declared like `kv_status`: a `uint32_t` typedef plus named values, so any integer C passes is a
// valid Rust value; values outside the list give KV_STATUS_INVALID_ARGUMENT.

/// Key types, for the `kty` argument of `kv_client_create_key` (one of `KV_KEY_TYPE_*`).
pub type kv_key_type = u32;
/// "RSA": software-protected RSA.
pub const KV_KEY_TYPE_RSA: kv_key_type = 1;
/// "RSA-HSM": HSM-protected RSA.
pub const KV_KEY_TYPE_RSA_HSM: kv_key_type = 2;
/// "EC": software-protected elliptic curve.
pub const KV_KEY_TYPE_EC: kv_key_type = 3;
/// "EC-HSM": HSM-protected elliptic curve.
pub const KV_KEY_TYPE_EC_HSM: kv_key_type = 4;
/// "oct": AES (Managed HSM only).
pub const KV_KEY_TYPE_OCT: kv_key_type = 5;
/// "oct-HSM": HSM-protected AES (Managed HSM only).
pub const KV_KEY_TYPE_OCT_HSM: kv_key_type = 6;

/// Elliptic curves, for `kv_key_options_set_curve` (one of `KV_KEY_CURVE_*`).
pub type kv_key_curve = u32;
/// The service default (P-256).
pub const KV_KEY_CURVE_DEFAULT: kv_key_curve = 0;
/// "P-256" (secp256r1).
pub const KV_KEY_CURVE_P256: kv_key_curve = 1;
/// "P-384" (secp384r1).
pub const KV_KEY_CURVE_P384: kv_key_curve = 2;
/// "P-521" (secp521r1).
pub const KV_KEY_CURVE_P521: kv_key_curve = 3;
/// "P-256K" (secp256k1).
pub const KV_KEY_CURVE_P256K: kv_key_curve = 4;

/// How `kv_client_release_key` protects the released key (one of `KV_KEY_RELEASE_ALGORITHM_*`).
pub type kv_key_release_algorithm = u32;
/// No `enc` is sent; the service chooses.
pub const KV_KEY_RELEASE_ALGORITHM_NONE: kv_key_release_algorithm = 0;
/// "CKM_RSA_AES_KEY_WRAP".
pub const KV_KEY_RELEASE_ALGORITHM_CKM_RSA_AES_KEY_WRAP: kv_key_release_algorithm = 1;
/// "RSA_AES_KEY_WRAP_256".
pub const KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_256: kv_key_release_algorithm = 2;
/// "RSA_AES_KEY_WRAP_384".
pub const KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_384: kv_key_release_algorithm = 3;

/// What a rotation policy action does (one of `KV_KEY_ROTATION_ACTION_*`; accessors return 0
/// for an action type kv does not know).
pub type kv_key_rotation_action = u32;
/// "Rotate": create a new key version.
pub const KV_KEY_ROTATION_ACTION_ROTATE: kv_key_rotation_action = 1;
/// "Notify": publish a near-expiry event.
pub const KV_KEY_ROTATION_ACTION_NOTIFY: kv_key_rotation_action = 2;

const KEY_TYPE_CODES: [(kv_key_type, KeyType); 6] = [
    (KV_KEY_TYPE_RSA, KeyType::Rsa),
    (KV_KEY_TYPE_RSA_HSM, KeyType::RsaHsm),
    (KV_KEY_TYPE_EC, KeyType::Ec),
    (KV_KEY_TYPE_EC_HSM, KeyType::EcHsm),
    (KV_KEY_TYPE_OCT, KeyType::Oct),
    (KV_KEY_TYPE_OCT_HSM, KeyType::OctHsm),
];

const CURVE_CODES: [(kv_key_curve, Option<KeyCurve>); 5] = [
    (KV_KEY_CURVE_DEFAULT, None),
    (KV_KEY_CURVE_P256, Some(KeyCurve::P256)),
    (KV_KEY_CURVE_P384, Some(KeyCurve::P384)),
    (KV_KEY_CURVE_P521, Some(KeyCurve::P521)),
    (KV_KEY_CURVE_P256K, Some(KeyCurve::P256K)),
];

const RELEASE_CODES: [(kv_key_release_algorithm, Option<KeyReleaseAlgorithm>); 4] = [
    (KV_KEY_RELEASE_ALGORITHM_NONE, None),
    (KV_KEY_RELEASE_ALGORITHM_CKM_RSA_AES_KEY_WRAP, Some(KeyReleaseAlgorithm::CkmRsaAesKeyWrap)),
    (KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_256, Some(KeyReleaseAlgorithm::RsaAesKeyWrap256)),
    (KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_384, Some(KeyReleaseAlgorithm::RsaAesKeyWrap384)),
];

const ACTION_CODES: [(kv_key_rotation_action, RotationAction); 2] =
    [(KV_KEY_ROTATION_ACTION_ROTATE, RotationAction::Rotate), (KV_KEY_ROTATION_ACTION_NOTIFY, RotationAction::Notify)];

/// Looks a raw C value up in a code table; anything else is an invalid argument (never UB).
fn decode<T: Copy>(table: &[(u32, T)], code: u32, what: &str, c_type: &str) -> Result<T> {
    table.iter().find(|(c, _)| *c == code).map(|(_, v)| *v).ok_or_else(|| {
        let valid: Vec<String> = table.iter().map(|(c, _)| c.to_string()).collect();
        Error::invalid_argument(format!("{what} {code} is not a {c_type} value (valid: {})", valid.join(", ")))
    })
}

// --- handles ----------------------------------------------------------------------------------

/// A key as returned by a call: identifiers, public key material, permitted operations and
/// properties. Immutable; read it from any thread. Free with `kv_key_free`.
pub struct kv_key {
    pub(crate) key: Key,
    pub(crate) id: Text,
    name: Text,
    version: Text,
    kty: Text,
    crv: Text,
    ops: Vec<Text>,
    recovery_level: Text,
    recovery_id: Text,
    tags: Vec<(Text, Text)>,
    release_content_type: Text,
    hsm_platform: Text,
    attestation_version: Text,
}

impl kv_key {
    /// Wraps a key for C, caching the NUL-terminated texts its accessors hand out.
    pub(crate) fn new(key: Key) -> kv_key {
        let b = &key.bundle;
        let jwk = b.key.as_ref();
        let attrs = &b.attributes;
        kv_key {
            id: Text::from_opt(b.id()),
            name: Text::new(key.name.as_bytes()),
            version: Text::new(key.version.as_bytes()),
            kty: Text::from_opt(jwk.and_then(|k| k.kty.as_deref())),
            crv: Text::from_opt(jwk.and_then(|k| k.crv.as_deref())),
            ops: jwk
                .and_then(|k| k.key_ops.as_ref())
                .into_iter()
                .flatten()
                .map(|op| Text::new(op.as_bytes()))
                .collect(),
            recovery_level: Text::from_opt(attrs.common.recovery_level.as_deref()),
            recovery_id: Text::from_opt(b.recovery_id.as_deref()),
            tags: b.tags.iter().flatten().map(|(k, v)| (Text::new(k.as_bytes()), Text::new(v.as_bytes()))).collect(),
            release_content_type: Text::from_opt(b.release_policy.as_ref().and_then(|p| p.content_type.as_deref())),
            hsm_platform: Text::from_opt(attrs.hsm_platform.as_deref()),
            attestation_version: Text::from_opt(attrs.attestation.as_ref().and_then(|a| a.version.as_deref())),
            key,
        }
    }
}

/// Properties and parameters for `kv_client_create_key`, `kv_client_import_key_jwk`,
/// `kv_client_import_key_pem` and `kv_client_update_key_properties`: only what is set is sent.
/// A setting that does not apply to the call it is passed to (a key size on import or update,
/// HSM protection on create, ...) gives KV_STATUS_INVALID_ARGUMENT. Not thread-safe: one thread
/// at a time.
#[derive(Default)]
pub struct kv_key_options {
    key_size: Option<u32>,
    public_exponent: Option<u32>,
    curve: Option<KeyCurve>,
    hsm: Option<bool>,
    properties: KeyProperties,
}

impl kv_key_options {
    fn refuse(&self, call: &str, settings: &[(&str, bool)]) -> Result<()> {
        match settings.iter().find(|(_, set)| *set) {
            Some((what, _)) => {
                Err(Error::invalid_argument(format!("the options set {what}, which does not apply to {call}")))
            }
            None => Ok(()),
        }
    }

    fn for_import(&self) -> Result<()> {
        self.refuse(
            "importing a key (the key material decides it)",
            &[
                ("a key size", self.key_size.is_some()),
                ("a public exponent", self.public_exponent.is_some()),
                ("a curve", self.curve.is_some()),
            ],
        )
    }

    fn for_update(&self) -> Result<()> {
        self.for_import()?;
        self.refuse("updating key properties", &[("HSM protection", self.hsm.is_some())])
    }
}

/// Iterates a keys list, fetching further pages on demand. Use from one thread at a time.
/// Stays valid after the client that made it is freed.
pub struct kv_key_iter {
    pager: Pager<KeyBundle>,
}

/// A key rotation policy: read one with `kv_client_get_key_rotation_policy`, or build one with
/// `kv_key_rotation_policy_new` for `kv_client_update_key_rotation_policy`. Not thread-safe
/// while being changed; views from its accessors stay valid until it is changed or freed.
pub struct kv_key_rotation_policy {
    policy: KeyRotationPolicy,
    id: Text,
    expiry_time: Text,
    actions: Vec<(Text, Text)>,
}

impl kv_key_rotation_policy {
    fn new(policy: KeyRotationPolicy) -> kv_key_rotation_policy {
        let mut p =
            kv_key_rotation_policy { policy, id: Text::default(), expiry_time: Text::default(), actions: Vec::new() };
        p.refresh();
        p
    }

    fn refresh(&mut self) {
        let p = &self.policy;
        self.id = Text::from_opt(p.id.as_deref());
        self.expiry_time = Text::from_opt(p.attributes.as_ref().and_then(|a| a.expiry_time.as_deref()));
        self.actions = p
            .lifetime_actions
            .iter()
            .map(|a| {
                (
                    Text::from_opt(a.trigger.time_after_create.as_deref()),
                    Text::from_opt(a.trigger.time_before_expiry.as_deref()),
                )
            })
            .collect();
    }
}

fn client<'a>(c: *const kv_client) -> Result<&'a crate::client::Client> {
    handle(c, "client").map(|c| &c.inner)
}

fn write_key(out: Option<&mut *mut kv_key>, key: Key) {
    if let Some(out) = out {
        *out = into_handle(kv_key::new(key));
    }
}

fn properties(opts: *const kv_key_options) -> KeyProperties {
    optional_handle(opts).map(|o| o.properties.clone()).unwrap_or_default()
}

// --- options ----------------------------------------------------------------------------------

/// New, empty key options. Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn kv_key_options_new() -> *mut kv_key_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_key_options::default()) })
}

/// Sets the key size in bits for `kv_client_create_key`: 2048, 3072 or 4096 for RSA, 128, 192
/// or 256 for oct (checked against the key type when the key is created).
#[no_mangle]
pub extern "C" fn kv_key_options_set_key_size(
    o: *mut kv_key_options,
    bits: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        if bits == 0 {
            return Err(Error::invalid_argument("a key size of 0 bits"));
        }
        o.key_size = Some(bits);
        Ok(())
    })
}

/// Sets the RSA public exponent for `kv_client_create_key` (odd, at least 3; default 65537).
#[no_mangle]
pub extern "C" fn kv_key_options_set_public_exponent(
    o: *mut kv_key_options,
    exponent: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        if exponent < 3 || exponent % 2 == 0 {
            return Err(Error::invalid_argument(format!("public exponent {exponent} must be odd and at least 3")));
        }
        o.public_exponent = Some(exponent);
        Ok(())
    })
}

/// Sets the curve of an EC key for `kv_client_create_key`: a `KV_KEY_CURVE_*` value
/// (KV_KEY_CURVE_DEFAULT leaves the choice to the service).
#[no_mangle]
pub extern "C" fn kv_key_options_set_curve(
    o: *mut kv_key_options,
    curve: kv_key_curve,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.curve = decode(&CURVE_CODES, curve, "curve", "kv_key_curve")?;
        Ok(())
    })
}

/// Asks for HSM protection of an imported key (`kv_client_import_key_jwk` / `_pem` only).
#[no_mangle]
pub extern "C" fn kv_key_options_set_hsm(o: *mut kv_key_options, hsm: bool, err_out: *mut *mut kv_error) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.hsm = Some(hsm);
        Ok(())
    })
}

/// Sets the enabled flag (a disabled key cannot be used for cryptography).
#[no_mangle]
pub extern "C" fn kv_key_options_set_enabled(
    o: *mut kv_key_options,
    enabled: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.properties.enabled = Some(enabled);
        Ok(())
    })
}

/// Sets the not-before time (Unix seconds).
#[no_mangle]
pub extern "C" fn kv_key_options_set_not_before(
    o: *mut kv_key_options,
    unix_seconds: i64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.properties.not_before = Some(unix_seconds);
        Ok(())
    })
}

/// Sets the expiry time (Unix seconds).
#[no_mangle]
pub extern "C" fn kv_key_options_set_expires(
    o: *mut kv_key_options,
    unix_seconds: i64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.properties.expires = Some(unix_seconds);
        Ok(())
    })
}

/// Sets whether the private key may be exported by `kv_client_release_key` (needs a release
/// policy, see `kv_key_options_set_release_policy`).
#[no_mangle]
pub extern "C" fn kv_key_options_set_exportable(
    o: *mut kv_key_options,
    exportable: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.properties.exportable = Some(exportable);
        Ok(())
    })
}

/// Adds a permitted operation: "encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey",
/// "import" or "export" (case-sensitive; others give KV_STATUS_INVALID_ARGUMENT). Once any is
/// added, the call sets exactly the added operations.
#[no_mangle]
pub extern "C" fn kv_key_options_add_operation(
    o: *mut kv_key_options,
    operation: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let op = string(operation, "operation")?;
        check_key_operation(op)?;
        let ops = o.properties.key_ops.get_or_insert_with(Vec::new);
        if !ops.iter().any(|known| known == op) {
            ops.push(op.to_owned());
        }
        Ok(())
    })
}

/// Adds or replaces a tag. Once any tag is set, the call replaces all of the key's tags with
/// the options' tags (at most 15).
#[no_mangle]
pub extern "C" fn kv_key_options_set_tag(
    o: *mut kv_key_options,
    key: *const c_char,
    value: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let key = string(key, "key")?;
        let value = string(value, "value")?;
        o.properties.tags.get_or_insert_with(Default::default).insert(key.into(), value.into());
        Ok(())
    })
}

/// Marks the tags as set and empty, so an update removes all tags.
#[no_mangle]
pub extern "C" fn kv_key_options_clear_tags(o: *mut kv_key_options, err_out: *mut *mut kv_error) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.properties.tags = Some(Default::default());
        Ok(())
    })
}

/// Sets the secure key release policy: `data` is the policy document (`data_len` bytes, not
/// empty; usually JSON), `content_type` its type (NULL = the service default,
/// "application/json; charset=utf-8"), `immutable` whether it can never change again.
#[no_mangle]
pub extern "C" fn kv_key_options_set_release_policy(
    o: *mut kv_key_options,
    data: *const u8,
    data_len: usize,
    content_type: *const c_char,
    immutable: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let data = bytes(data, data_len, "data")?;
        let content_type = optional_string(content_type, "content_type")?;
        if data.is_empty() {
            return Err(Error::invalid_argument("the release policy data is empty"));
        }
        o.properties.release_policy = Some(KeyReleasePolicy {
            content_type: content_type.map(str::to_owned),
            immutable: Some(immutable),
            data: Some(B64(data.to_vec())),
        });
        Ok(())
    })
}

/// Frees key options. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_key_options_free(o: *mut kv_key_options) {
    ffi_free!(o)
}

// --- operations -------------------------------------------------------------------------------

/// Creates a key, or a new version of an existing key. `kty` is a `KV_KEY_TYPE_*` value; `opts`
/// (NULL = defaults; not consumed) may set the size, public exponent, curve and properties.
/// `out` may be NULL; on success it receives the new key version.
#[no_mangle]
pub extern "C" fn kv_client_create_key(
    c: *const kv_client,
    name: *const c_char,
    kty: kv_key_type,
    opts: *const kv_key_options,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let kty = decode(&KEY_TYPE_CODES, kty, "kty", "kv_key_type")?;
        let mut options = CreateKeyOptions::new(kty);
        if let Some(o) = optional_handle(opts) {
            o.refuse("creating a key (choose an -HSM key type instead)", &[("HSM protection", o.hsm.is_some())])?;
            options.key_size = o.key_size;
            options.public_exponent = o.public_exponent;
            options.curve = o.curve;
            options.properties = o.properties.clone();
        }
        let key = client.create_key(name, &options)?;
        write_key(optional_out_slot(out), key);
        Ok(())
    })
}

/// Imports a key given as a JSON Web Key text (NUL-terminated UTF-8, with its private members,
/// e.g. `{"kty":"EC","crv":"P-256","x":...,"y":...,"d":...}`). `opts` (NULL = none) may set HSM
/// protection and properties; added operations replace the JWK's `key_ops`. `out` may be NULL.
/// The JSON is never quoted in error messages.
#[no_mangle]
pub extern "C" fn kv_client_import_key_jwk(
    c: *const kv_client,
    name: *const c_char,
    jwk_json: *const c_char,
    opts: *const kv_key_options,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let json = string(jwk_json, "jwk_json")?;
        let o = optional_handle(opts);
        if let Some(o) = o {
            o.for_import()?;
        }
        crate::names::check_name("key", name)?;
        let jwk: JsonWebKey = serde_json::from_str(json).map_err(|e| {
            // serde's message may quote the input; report only where and what kind of problem.
            Error::invalid_argument(format!(
                "jwk_json is not a JSON Web Key ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        let key = client.import_key(name, jwk, o.and_then(|o| o.hsm), &properties(opts))?;
        write_key(optional_out_slot(out), key);
        Ok(())
    })
}

/// Imports a private key given as PEM or DER (`len` bytes; PKCS#1, PKCS#8 or SEC1). `opts`
/// (NULL = none) may set HSM protection, operations and properties. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_import_key_pem(
    c: *const kv_client,
    name: *const c_char,
    pem_or_der: *const u8,
    len: usize,
    opts: *const kv_key_options,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let data = bytes(pem_or_der, len, "pem_or_der")?;
        let o = optional_handle(opts);
        if let Some(o) = o {
            o.for_import()?;
        }
        let key = client.import_key_pem(name, data, o.and_then(|o| o.hsm), &properties(opts))?;
        write_key(optional_out_slot(out), key);
        Ok(())
    })
}

/// Gets a key (public members only). `version` NULL or "" means the latest version.
#[no_mangle]
pub extern "C" fn kv_client_get_key(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        *out = into_handle(kv_key::new(client.get_key(name, version)?));
        Ok(())
    })
}

/// Updates properties of a key version (`version` NULL or "" = latest): only what `opts` sets
/// changes (enabled, times, exportable, operations, tags, release policy). `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_update_key_properties(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    opts: *const kv_key_options,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let opts = handle(opts, "opts")?;
        opts.for_update()?;
        let key = client.update_key_properties(name, version, &opts.properties)?;
        write_key(optional_out_slot(out), key);
        Ok(())
    })
}

/// Deletes a key and all its versions (soft delete: it can be recovered or purged while the
/// vault retains it). The move to the deleted collection finishes asynchronously: call
/// `kv_client_wait_for_deleted_key` before `kv_client_get_deleted_key`,
/// `kv_client_purge_deleted_key` or `kv_client_recover_deleted_key` (until then the service
/// answers 404 and 409 ObjectIsBeingDeleted). `out` may be NULL; it receives the deleted key.
#[no_mangle]
pub extern "C" fn kv_client_delete_key(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let key = client.delete_key(string(name, "name")?)?;
        write_key(optional_out_slot(out), key);
        Ok(())
    })
}

/// Gets a deleted key (deleted date, scheduled purge date and recovery id set).
#[no_mangle]
pub extern "C" fn kv_client_get_deleted_key(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        *out = into_handle(kv_key::new(client.get_deleted_key(string(name, "name")?)?));
        Ok(())
    })
}

/// Recovers a deleted key (finishes asynchronously; see `kv_client_wait_for_recovered_key`).
/// `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_recover_deleted_key(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let key = client.recover_deleted_key(string(name, "name")?)?;
        write_key(optional_out_slot(out), key);
        Ok(())
    })
}

/// Purges a deleted key permanently (needs a vault whose recovery level allows purge).
#[no_mangle]
pub extern "C" fn kv_client_purge_deleted_key(
    c: *const kv_client,
    name: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { client(c)?.purge_deleted_key(string(name, "name")?) })
}

/// Waits until a deleted key has reached the deleted collection (the delete finished), polling
/// `GET /deletedkeys/{name}` every 200 ms, doubling up to 2 s (404 = still in progress; a 403
/// counts as done). Polls at least once; gives KV_STATUS_TIMEOUT, with the deadline in the
/// message, when not done after `timeout_ms` milliseconds.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_deleted_key(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        client(c)?.wait_for_deleted_key(string(name, "name")?, Duration::from_millis(timeout_ms.into()))
    })
}

/// Waits until a recovered key is back in the live collection (`GET /keys/{name}` answers),
/// polling like `kv_client_wait_for_deleted_key`.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_recovered_key(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        client(c)?.wait_for_recovered_key(string(name, "name")?, Duration::from_millis(timeout_ms.into()))
    })
}

/// Backs up all versions of a key into an opaque blob that only `kv_client_restore_key` (in a
/// vault of the same subscription and geography) can read.
#[no_mangle]
pub extern "C" fn kv_client_backup_key(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        *out = into_handle(kv_blob::new(client.backup_key(string(name, "name")?)?));
        Ok(())
    })
}

/// Restores a key (all versions) from a backup blob. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_restore_key(
    c: *const kv_client,
    backup: *const u8,
    backup_len: usize,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let blob = bytes(backup, backup_len, "backup")?;
        let key = client.restore_key(blob)?;
        write_key(optional_out_slot(out), key);
        Ok(())
    })
}

/// Creates a new version of a key with the same type and parameters. `out` may be NULL; it
/// receives the new version.
#[no_mangle]
pub extern "C" fn kv_client_rotate_key(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let key = client.rotate_key(string(name, "name")?)?;
        write_key(optional_out_slot(out), key);
        Ok(())
    })
}

/// Gets `count` (1 to 128) random bytes from the vault's HSM into a new blob.
#[no_mangle]
pub extern "C" fn kv_client_get_random_bytes(
    c: *const kv_client,
    count: u32,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        *out = into_handle(kv_blob::new(client.get_random_bytes(count)?));
        Ok(())
    })
}

/// Releases an exportable key (`version` NULL or "" = latest) to the attested environment
/// named by `target` (its attestation token). `nonce` may be NULL; `enc` is a
/// `KV_KEY_RELEASE_ALGORITHM_*` value. `*out` receives the signed release value (a JWS text; the
/// blob is NUL-terminated, so it can be used as a C string).
#[no_mangle]
pub extern "C" fn kv_client_release_key(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    target: *const c_char,
    nonce: *const c_char,
    enc: kv_key_release_algorithm,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let target = string(target, "target")?;
        let nonce = optional_string(nonce, "nonce")?;
        let enc = decode(&RELEASE_CODES, enc, "enc", "kv_key_release_algorithm")?;
        let value = client.release_key(name, version, target, nonce, enc)?;
        *out = into_handle(kv_blob::new(Zeroizing::new(value.as_bytes().to_vec())));
        Ok(())
    })
}

/// Gets a key version (`version` NULL or "" = latest) with its HSM attestation (see
/// `kv_key_attestation_*`).
#[no_mangle]
pub extern "C" fn kv_client_get_key_attestation(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        let name = string(name, "name")?;
        let version = optional_string(version, "version")?.unwrap_or("");
        *out = into_handle(kv_key::new(client.get_key_attestation(name, version)?));
        Ok(())
    })
}

// --- lists ------------------------------------------------------------------------------------

/// Starts listing the vault's keys (items carry no key material or version). No request is
/// sent until the first `kv_key_iter_next`.
#[no_mangle]
pub extern "C" fn kv_client_list_keys(
    c: *const kv_client,
    out: *mut *mut kv_key_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_key_iter { pager: client(c)?.list_keys() });
        Ok(())
    })
}

/// Starts listing the versions of a key (items carry no key material).
#[no_mangle]
pub extern "C" fn kv_client_list_key_versions(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let pager = client(c)?.list_key_versions(string(name, "name")?)?;
        *out = into_handle(kv_key_iter { pager });
        Ok(())
    })
}

/// Starts listing deleted keys.
#[no_mangle]
pub extern "C" fn kv_client_list_deleted_keys(
    c: *const kv_client,
    out: *mut *mut kv_key_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_key_iter { pager: client(c)?.list_deleted_keys() });
        Ok(())
    })
}

/// Next item of a list: `*item_out` receives a key to free with `kv_key_free`, or NULL at the
/// end of the list. Fetches the next page when needed; after an error the same page is tried
/// again on the next call.
#[no_mangle]
pub extern "C" fn kv_key_iter_next(
    it: *mut kv_key_iter,
    item_out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(item_out, "item_out")?;
        let it = handle_mut(it, "iterator")?;
        let next = it.pager.next_item()?;
        *out = next.map(|bundle| into_handle(kv_key::new(key_from_item(bundle)))).unwrap_or(std::ptr::null_mut());
        Ok(())
    })
}

/// Frees an iterator. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_key_iter_free(it: *mut kv_key_iter) {
    ffi_free!(it)
}

// --- rotation policy --------------------------------------------------------------------------

/// Gets a key's rotation policy.
#[no_mangle]
pub extern "C" fn kv_client_get_key_rotation_policy(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_key_rotation_policy,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        *out = into_handle(kv_key_rotation_policy::new(client.get_key_rotation_policy(string(name, "name")?)?));
        Ok(())
    })
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
        let stored = client.update_key_rotation_policy(name, &policy.policy)?;
        if let Some(out) = optional_out_slot(out) {
            *out = into_handle(kv_key_rotation_policy::new(stored));
        }
        Ok(())
    })
}

/// A new, empty rotation policy (no actions, no expiry time). Returns NULL only if memory is
/// exhausted.
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_new() -> *mut kv_key_rotation_policy {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_key_rotation_policy::new(KeyRotationPolicy::default())) })
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
        let duration = optional_string(duration, "duration")?;
        if let Some(d) = duration {
            check_duration("expiry time", d)?;
        }
        p.policy.attributes.get_or_insert_with(KeyRotationPolicyAttributes::default).expiry_time =
            duration.map(str::to_owned);
        p.refresh();
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
        let kind = decode(&ACTION_CODES, action, "action", "kv_key_rotation_action")?;
        let after = optional_string(time_after_create, "time_after_create")?;
        let before = optional_string(time_before_expiry, "time_before_expiry")?;
        let action = LifetimeAction {
            trigger: LifetimeActionTrigger {
                time_after_create: after.map(str::to_owned),
                time_before_expiry: before.map(str::to_owned),
            },
            action: LifetimeActionType { kind: kind.wire().to_owned() },
        };
        let mut candidate = p.policy.clone();
        candidate.lifetime_actions.push(action);
        crate::keys::check_rotation_policy(&candidate)?;
        p.policy = candidate;
        p.refresh();
        Ok(())
    })
}

fn policy_view(
    p: *const kv_key_rotation_policy,
    get: impl FnOnce(&kv_key_rotation_policy) -> Option<kv_str>,
) -> kv_str {
    // SAFETY: NULL or a live kv_key_rotation_policy from kv.
    unsafe { p.as_ref() }.and_then(get).unwrap_or_else(kv_str::empty)
}

fn policy_number<T>(
    p: *const kv_key_rotation_policy,
    default: T,
    get: impl FnOnce(&kv_key_rotation_policy) -> Option<T>,
) -> T {
    // SAFETY: NULL or a live kv_key_rotation_policy from kv.
    unsafe { p.as_ref() }.and_then(get).unwrap_or(default)
}

/// The policy id ("" for a policy built with `kv_key_rotation_policy_new`).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_id(p: *const kv_key_rotation_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { policy_view(p, |p| Some(p.id.view())) })
}

/// The expiry of new key versions, an ISO-8601 duration ("" if not set).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_expiry_time(p: *const kv_key_rotation_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { policy_view(p, |p| Some(p.expiry_time.view())) })
}

/// Number of actions.
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_action_count(p: *const kv_key_rotation_policy) -> usize {
    ffi_value!(0, { policy_number(p, 0, |p| Some(p.policy.lifetime_actions.len())) })
}

/// The `KV_KEY_ROTATION_ACTION_*` value of action `index` (0 when out of range or of a type kv
/// does not know).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_action_type(
    p: *const kv_key_rotation_policy,
    index: usize,
) -> kv_key_rotation_action {
    ffi_value!(0, {
        policy_number(p, 0, |p| {
            let kind = RotationAction::from_wire(&p.policy.lifetime_actions.get(index)?.action.kind)?;
            ACTION_CODES.iter().find(|(_, a)| *a == kind).map(|(c, _)| *c)
        })
    })
}

/// The time-after-create trigger of action `index` ("" when not set or out of range).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_action_time_after_create(
    p: *const kv_key_rotation_policy,
    index: usize,
) -> kv_str {
    ffi_value!(kv_str::empty(), { policy_view(p, |p| p.actions.get(index).map(|(after, _)| after.view())) })
}

/// The time-before-expiry trigger of action `index` ("" when not set or out of range).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_action_time_before_expiry(
    p: *const kv_key_rotation_policy,
    index: usize,
) -> kv_str {
    ffi_value!(kv_str::empty(), { policy_view(p, |p| p.actions.get(index).map(|(_, before)| before.view())) })
}

/// Creation time of the policy, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_created(p: *const kv_key_rotation_policy) -> i64 {
    ffi_value!(0, { policy_number(p, 0, |p| p.policy.attributes.as_ref()?.created) })
}

/// Last update time of the policy, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_updated(p: *const kv_key_rotation_policy) -> i64 {
    ffi_value!(0, { policy_number(p, 0, |p| p.policy.attributes.as_ref()?.updated) })
}

/// Frees a rotation policy. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_key_rotation_policy_free(p: *mut kv_key_rotation_policy) {
    ffi_free!(p)
}

// --- key accessors ----------------------------------------------------------------------------

fn view(k: *const kv_key, get: impl FnOnce(&kv_key) -> kv_str) -> kv_str {
    // SAFETY: NULL or a live kv_key from kv.
    unsafe { k.as_ref() }.map(get).unwrap_or_else(kv_str::empty)
}

fn number<T>(k: *const kv_key, default: T, get: impl FnOnce(&kv_key) -> Option<T>) -> T {
    // SAFETY: NULL or a live kv_key from kv.
    unsafe { k.as_ref() }.and_then(get).unwrap_or(default)
}

fn member(k: *const kv_key, get: impl FnOnce(&kv_key) -> Option<&B64>) -> kv_bytes {
    // SAFETY: NULL or a live kv_key from kv.
    unsafe { k.as_ref() }.and_then(get).map(|b| kv_bytes::of(&b.0)).unwrap_or_else(|| kv_bytes::of(&[]))
}

fn jwk(k: &kv_key) -> Option<&JsonWebKey> {
    k.key.bundle.key.as_ref()
}

/// The key identifier `https://{vault}/keys/{name}[/{version}]` ("" if absent; for deleted list
/// items, the recovery id).
#[no_mangle]
pub extern "C" fn kv_key_id(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.id.view()) })
}

/// The name.
#[no_mangle]
pub extern "C" fn kv_key_name(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.name.view()) })
}

/// The version ("" for items of `kv_client_list_keys` and deleted list items).
#[no_mangle]
pub extern "C" fn kv_key_version(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.version.view()) })
}

/// The key type's wire name: "RSA", "RSA-HSM", "EC", "EC-HSM", "oct" or "oct-HSM" ("" for list
/// items, which carry no key material).
#[no_mangle]
pub extern "C" fn kv_key_type_name(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.kty.view()) })
}

/// The curve's wire name of an EC key: "P-256", "P-384", "P-521" or "P-256K" ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_key_curve_name(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.crv.view()) })
}

/// RSA modulus, big-endian (empty for other key types).
#[no_mangle]
pub extern "C" fn kv_key_n(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { member(k, |k| jwk(k)?.n.as_ref()) })
}

/// RSA public exponent, big-endian (empty for other key types).
#[no_mangle]
pub extern "C" fn kv_key_e(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { member(k, |k| jwk(k)?.e.as_ref()) })
}

/// EC public x coordinate, big-endian (empty for other key types).
#[no_mangle]
pub extern "C" fn kv_key_x(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { member(k, |k| jwk(k)?.x.as_ref()) })
}

/// EC public y coordinate, big-endian (empty for other key types).
#[no_mangle]
pub extern "C" fn kv_key_y(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { member(k, |k| jwk(k)?.y.as_ref()) })
}

/// Number of permitted operations (`key_ops`).
#[no_mangle]
pub extern "C" fn kv_key_operation_count(k: *const kv_key) -> usize {
    ffi_value!(0, { number(k, 0, |k| Some(k.ops.len())) })
}

/// Permitted operation `index`, e.g. "sign" ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_key_operation(k: *const kv_key, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.ops.get(index).map(Text::view).unwrap_or_else(kv_str::empty)) })
}

/// Whether the key is enabled (true when the reply does not say).
#[no_mangle]
pub extern "C" fn kv_key_enabled(k: *const kv_key) -> bool {
    ffi_value!(false, { number(k, false, |k| Some(k.key.bundle.attributes.common.enabled.unwrap_or(true))) })
}

/// Whether the private key may be exported by a release.
#[no_mangle]
pub extern "C" fn kv_key_exportable(k: *const kv_key) -> bool {
    ffi_value!(false, { number(k, false, |k| k.key.bundle.attributes.exportable) })
}

/// Whether Key Vault manages the key's lifetime (it backs a certificate).
#[no_mangle]
pub extern "C" fn kv_key_managed(k: *const kv_key) -> bool {
    ffi_value!(false, { number(k, false, |k| k.key.bundle.managed) })
}

/// Creation time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_key_created(k: *const kv_key) -> i64 {
    ffi_value!(0, { number(k, 0, |k| k.key.bundle.attributes.common.created) })
}

/// Last update time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_key_updated(k: *const kv_key) -> i64 {
    ffi_value!(0, { number(k, 0, |k| k.key.bundle.attributes.common.updated) })
}

/// Not-before time, Unix seconds (0 when not set).
#[no_mangle]
pub extern "C" fn kv_key_not_before(k: *const kv_key) -> i64 {
    ffi_value!(0, { number(k, 0, |k| k.key.bundle.attributes.common.nbf) })
}

/// Expiry time, Unix seconds (0 when not set).
#[no_mangle]
pub extern "C" fn kv_key_expires(k: *const kv_key) -> i64 {
    ffi_value!(0, { number(k, 0, |k| k.key.bundle.attributes.common.exp) })
}

/// The vault's recovery level for this key, e.g. "Recoverable+Purgeable" ("" if not given).
#[no_mangle]
pub extern "C" fn kv_key_recovery_level(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.recovery_level.view()) })
}

/// Soft-delete retention in days (0 when not given).
#[no_mangle]
pub extern "C" fn kv_key_recoverable_days(k: *const kv_key) -> i32 {
    ffi_value!(0, { number(k, 0, |k| k.key.bundle.attributes.common.recoverable_days) })
}

/// For deleted keys: the recovery id `https://{vault}/deletedkeys/{name}` ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_key_recovery_id(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.recovery_id.view()) })
}

/// For deleted keys: when it was deleted, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_key_deleted_date(k: *const kv_key) -> i64 {
    ffi_value!(0, { number(k, 0, |k| k.key.bundle.deleted_date) })
}

/// For deleted keys: when the vault will purge it, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_key_scheduled_purge_date(k: *const kv_key) -> i64 {
    ffi_value!(0, { number(k, 0, |k| k.key.bundle.scheduled_purge_date) })
}

/// Number of tags (they are ordered by name).
#[no_mangle]
pub extern "C" fn kv_key_tag_count(k: *const kv_key) -> usize {
    ffi_value!(0, { number(k, 0, |k| Some(k.tags.len())) })
}

/// Name of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_key_tag_name(k: *const kv_key, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), {
        view(k, |k| k.tags.get(index).map(|(name, _)| name.view()).unwrap_or_else(kv_str::empty))
    })
}

/// Value of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_key_tag_value(k: *const kv_key, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), {
        view(k, |k| k.tags.get(index).map(|(_, value)| value.view()).unwrap_or_else(kv_str::empty))
    })
}

/// Looks up a tag by name: true and `*value_out` set when present; false (and `*value_out`
/// untouched) when absent or an argument is NULL.
#[no_mangle]
pub extern "C" fn kv_key_tag_get(k: *const kv_key, name: *const c_char, value_out: *mut kv_str) -> bool {
    ffi_value!(false, {
        let found = (|| {
            let key = handle(k, "key").ok()?;
            let name = string(name, "name").ok()?;
            let index = key.key.bundle.tags.iter().flatten().position(|(tag, _)| tag == name)?;
            Some(key.tags.get(index)?.1.view())
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

/// The release policy document (empty when the key has no release policy).
#[no_mangle]
pub extern "C" fn kv_key_release_policy(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { member(k, |k| k.key.bundle.release_policy.as_ref()?.data.as_ref()) })
}

/// The release policy's content type ("" when absent).
#[no_mangle]
pub extern "C" fn kv_key_release_policy_content_type(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.release_content_type.view()) })
}

/// Whether the release policy is immutable (false when absent).
#[no_mangle]
pub extern "C" fn kv_key_release_policy_immutable(k: *const kv_key) -> bool {
    ffi_value!(false, { number(k, false, |k| k.key.bundle.release_policy.as_ref()?.immutable) })
}

/// The HSM platform of an HSM key ("" when not given).
#[no_mangle]
pub extern "C" fn kv_key_hsm_platform(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.hsm_platform.view()) })
}

/// Attestation format version, from `kv_client_get_key_attestation` ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_key_attestation_version(k: *const kv_key) -> kv_str {
    ffi_value!(kv_str::empty(), { view(k, |k| k.attestation_version.view()) })
}

/// The private key attestation (empty when absent).
#[no_mangle]
pub extern "C" fn kv_key_attestation_private(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), {
        member(k, |k| k.key.bundle.attributes.attestation.as_ref()?.private_key_attestation.as_ref())
    })
}

/// The public key attestation (empty when absent).
#[no_mangle]
pub extern "C" fn kv_key_attestation_public(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), {
        member(k, |k| k.key.bundle.attributes.attestation.as_ref()?.public_key_attestation.as_ref())
    })
}

/// The certificate chain (PEM) that validates the attestation (empty when absent).
#[no_mangle]
pub extern "C" fn kv_key_attestation_certificate(k: *const kv_key) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), {
        member(k, |k| k.key.bundle.attributes.attestation.as_ref()?.certificate_pem_file.as_ref())
    })
}

/// Frees a key. NULL is accepted. May be called from any thread.
#[no_mangle]
pub extern "C" fn kv_key_free(k: *mut kv_key) {
    ffi_free!(k)
}
