//! A thin layer over the exported `extern "C"` functions so tests read clearly. Every call here
//! goes through the same functions a C program links; nothing calls the Rust core directly.
#![allow(dead_code)]

use kv::ffi::client::*;
use kv::ffi::credential::*;
use kv::ffi::error::*;
use kv::ffi::secrets::*;
use kv::ffi::status::*;
use kv::ffi::text::{kv_bytes, kv_str};
use std::ffi::CString;
use std::ptr::null_mut;

/// A copied-out `kv_error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub status: kv_status,
    pub message: String,
    pub service_code: String,
    pub inner_code: String,
    pub http_status: u16,
    pub request_id: String,
    pub diagnostics: Box<CallDiagnostics>,
}

/// The call diagnostics of a copied-out `kv_error` (boxed to keep `Result<_, CallError>` small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallDiagnostics {
    pub client_request_id: String,
    pub attempts: u32,
    pub elapsed_ms: u64,
}

/// Runs a C call with an `err_out`, checks the status/err_out contract, and copies the error.
pub fn call(f: impl FnOnce(*mut *mut kv_error) -> kv_status) -> Result<(), CallError> {
    let mut err: *mut kv_error = std::ptr::dangling_mut::<kv_error>(); // must be overwritten by every call
    let status = f(&mut err);
    if status == KV_STATUS_OK {
        assert!(err.is_null(), "err_out must be NULL on success");
        return Ok(());
    }
    assert!(!err.is_null(), "err_out must be set on failure");
    let copied = CallError {
        status: kv_error_status(err),
        message: text(kv_error_message(err)),
        service_code: text(kv_error_service_code(err)),
        inner_code: text(kv_error_inner_code(err)),
        http_status: kv_error_http_status(err),
        request_id: text(kv_error_request_id(err)),
        diagnostics: Box::new(CallDiagnostics {
            client_request_id: text(kv_error_client_request_id(err)),
            attempts: kv_error_attempts(err),
            elapsed_ms: kv_error_elapsed_ms(err),
        }),
    };
    assert_eq!(copied.status, status, "kv_error_status matches the returned status");
    kv_error_free(err);
    Err(copied)
}

/// Status name for messages.
pub fn status_name(status: kv_status) -> &'static str {
    info(status).map(|r| r.name).unwrap_or("?")
}

/// Asserts a call failed with `expected`, returning the error.
#[track_caller]
pub fn expect_status(result: Result<(), CallError>, expected: kv_status) -> CallError {
    match result {
        Ok(()) => panic!("expected {} but the call succeeded", status_name(expected)),
        Err(e) => {
            assert_eq!(
                e.status,
                expected,
                "expected {} got {}: {}",
                status_name(expected),
                status_name(e.status),
                e.message
            );
            e
        }
    }
}

/// Copies a kv_str, checking its NUL terminator.
pub fn bytes_of(s: kv_str) -> Vec<u8> {
    assert!(!s.data.is_null(), "kv_str data is never NULL");
    let slice = unsafe { std::slice::from_raw_parts(s.data as *const u8, s.len + 1) };
    assert_eq!(slice[s.len], 0, "kv_str is NUL-terminated");
    slice[..s.len].to_vec()
}

pub fn text(s: kv_str) -> String {
    String::from_utf8(bytes_of(s)).expect("kv_str is UTF-8")
}

pub fn blob_bytes(b: kv_bytes) -> Vec<u8> {
    assert!(!b.data.is_null());
    unsafe { std::slice::from_raw_parts(b.data, b.len) }.to_vec()
}

pub fn c(s: &str) -> CString {
    CString::new(s).expect("no NUL in test string")
}

/// Owned credential.
pub struct Credential(pub *mut kv_credential);
impl Credential {
    pub fn token(token: &str) -> Credential {
        let mut out = null_mut();
        call(|e| kv_credential_static_token_new(c(token).as_ptr(), &mut out, e)).expect("credential");
        Credential(out)
    }
}
impl Drop for Credential {
    fn drop(&mut self) {
        kv_credential_free(self.0);
    }
}

/// Owned options.
pub struct Options(pub *mut kv_client_options);
impl Options {
    pub fn new() -> Options {
        let o = kv_client_options_new();
        assert!(!o.is_null());
        Options(o)
    }
    pub fn ca_file(self, path: &str) -> Options {
        call(|e| kv_client_options_set_ca_file(self.0, c(path).as_ptr(), e)).expect("ca file");
        self
    }
    pub fn verify_resource(self, on: bool) -> Options {
        call(|e| kv_client_options_set_verify_challenge_resource(self.0, on, e)).unwrap();
        self
    }
    pub fn method_override(self, on: bool) -> Options {
        call(|e| kv_client_options_set_method_override(self.0, on, e)).unwrap();
        self
    }
    pub fn insecure_http(self, on: bool) -> Options {
        call(|e| kv_client_options_set_allow_insecure_http(self.0, on, e)).unwrap();
        self
    }
    pub fn retries(self, max: u32, initial_ms: u64, max_ms: u64) -> Options {
        call(|e| kv_client_options_set_max_retries(self.0, max, e)).unwrap();
        call(|e| kv_client_options_set_retry_delay_ms(self.0, initial_ms, max_ms, e)).unwrap();
        self
    }
    pub fn read_timeout_ms(self, ms: u64) -> Options {
        call(|e| kv_client_options_set_read_timeout_ms(self.0, ms, e)).unwrap();
        self
    }
    pub fn call_timeout_ms(self, ms: u64) -> Options {
        call(|e| kv_client_options_set_call_timeout_ms(self.0, ms, e)).unwrap();
        self
    }
    pub fn api_version(self, v: &str) -> Options {
        call(|e| kv_client_options_set_api_version(self.0, c(v).as_ptr(), e)).unwrap();
        self
    }
}
impl Drop for Options {
    fn drop(&mut self) {
        kv_client_options_free(self.0);
    }
}

/// Owned client.
pub struct Client(pub *mut kv_client);
unsafe impl Send for Client {}
unsafe impl Sync for Client {}

impl Client {
    pub fn new(url: &str, token: &str, options: &Options) -> Result<Client, CallError> {
        let cred = Credential::token(token);
        let mut out = null_mut();
        call(|e| kv_client_new(c(url).as_ptr(), cred.0, options.0, &mut out, e))?;
        // The credential is freed here while the client lives on: the client keeps its own reference.
        Ok(Client(out))
    }

    pub fn set(&self, name: &str, value: &[u8]) -> Result<Secret, CallError> {
        let mut out = null_mut();
        call(|e| kv_client_set_secret(self.0, c(name).as_ptr(), value.as_ptr(), value.len(), &mut out, e))?;
        Ok(Secret(out))
    }

    pub fn set_with(&self, name: &str, value: &[u8], opts: &SecretOptions) -> Result<Secret, CallError> {
        let mut out = null_mut();
        call(|e| {
            kv_client_set_secret_with_options(
                self.0,
                c(name).as_ptr(),
                value.as_ptr(),
                value.len(),
                opts.0,
                &mut out,
                e,
            )
        })?;
        Ok(Secret(out))
    }

    pub fn get(&self, name: &str, version: Option<&str>) -> Result<Secret, CallError> {
        let mut out = null_mut();
        let version = version.map(c);
        call(|e| {
            kv_client_get_secret(
                self.0,
                c(name).as_ptr(),
                version.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()),
                &mut out,
                e,
            )
        })?;
        Ok(Secret(out))
    }

    pub fn update(&self, name: &str, version: Option<&str>, opts: &SecretOptions) -> Result<Secret, CallError> {
        let mut out = null_mut();
        let version = version.map(c);
        call(|e| {
            kv_client_update_secret_properties(
                self.0,
                c(name).as_ptr(),
                version.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()),
                opts.0,
                &mut out,
                e,
            )
        })?;
        Ok(Secret(out))
    }

    pub fn delete(&self, name: &str) -> Result<(), CallError> {
        call(|e| kv_client_delete_secret(self.0, c(name).as_ptr(), e))
    }

    /// Deletes through `kv_client_delete_secret_out`, handing back the deleted secret.
    pub fn delete_out(&self, name: &str) -> Result<Secret, CallError> {
        let mut out = null_mut();
        call(|e| kv_client_delete_secret_out(self.0, c(name).as_ptr(), &mut out, e))?;
        Ok(Secret(out))
    }

    pub fn wait_deleted(&self, name: &str, timeout_ms: u32) -> Result<(), CallError> {
        call(|e| kv_client_wait_for_deleted_secret(self.0, c(name).as_ptr(), timeout_ms, e))
    }

    pub fn wait_recovered(&self, name: &str, timeout_ms: u32) -> Result<(), CallError> {
        call(|e| kv_client_wait_for_recovered_secret(self.0, c(name).as_ptr(), timeout_ms, e))
    }

    pub fn get_deleted(&self, name: &str) -> Result<Secret, CallError> {
        let mut out = null_mut();
        call(|e| kv_client_get_deleted_secret(self.0, c(name).as_ptr(), &mut out, e))?;
        Ok(Secret(out))
    }

    pub fn recover(&self, name: &str) -> Result<Secret, CallError> {
        let mut out = null_mut();
        call(|e| kv_client_recover_deleted_secret(self.0, c(name).as_ptr(), &mut out, e))?;
        Ok(Secret(out))
    }

    pub fn purge(&self, name: &str) -> Result<(), CallError> {
        call(|e| kv_client_purge_deleted_secret(self.0, c(name).as_ptr(), e))
    }

    pub fn backup(&self, name: &str) -> Result<Vec<u8>, CallError> {
        let mut out = null_mut();
        call(|e| kv_client_backup_secret(self.0, c(name).as_ptr(), &mut out, e))?;
        let bytes = blob_bytes(kv_blob_bytes(out));
        kv_blob_free(out);
        Ok(bytes)
    }

    pub fn restore(&self, blob: &[u8]) -> Result<Secret, CallError> {
        let mut out = null_mut();
        call(|e| kv_client_restore_secret(self.0, blob.as_ptr(), blob.len(), &mut out, e))?;
        Ok(Secret(out))
    }

    /// Drains a list into secrets.
    pub fn drain(
        &self,
        start: impl FnOnce(*const kv_client, *mut *mut kv_secret_iter, *mut *mut kv_error) -> kv_status,
    ) -> Result<Vec<Secret>, CallError> {
        let mut it = null_mut();
        call(|e| start(self.0, &mut it, e))?;
        let mut items = Vec::new();
        loop {
            let mut item = null_mut();
            let r = call(|e| kv_secret_iter_next(it, &mut item, e));
            if let Err(err) = r {
                kv_secret_iter_free(it);
                return Err(err);
            }
            if item.is_null() {
                break;
            }
            items.push(Secret(item));
        }
        kv_secret_iter_free(it);
        Ok(items)
    }

    pub fn list(&self) -> Result<Vec<Secret>, CallError> {
        self.drain(|c, it, e| kv_client_list_secrets(c, it, e))
    }

    pub fn list_versions(&self, name: &str) -> Result<Vec<Secret>, CallError> {
        let name = c(name);
        self.drain(|c, it, e| kv_client_list_secret_versions(c, name.as_ptr(), it, e))
    }

    pub fn list_deleted(&self) -> Result<Vec<Secret>, CallError> {
        self.drain(|c, it, e| kv_client_list_deleted_secrets(c, it, e))
    }
}
impl Drop for Client {
    fn drop(&mut self) {
        kv_client_free(self.0);
    }
}

/// Owned secret handle with copying accessors.
pub struct Secret(pub *mut kv_secret);
impl Secret {
    pub fn value(&self) -> Vec<u8> {
        bytes_of(kv_secret_value(self.0))
    }
    pub fn id(&self) -> String {
        text(kv_secret_id(self.0))
    }
    pub fn name(&self) -> String {
        text(kv_secret_name(self.0))
    }
    pub fn version(&self) -> String {
        text(kv_secret_version(self.0))
    }
    pub fn content_type(&self) -> String {
        text(kv_secret_content_type(self.0))
    }
    pub fn enabled(&self) -> bool {
        kv_secret_enabled(self.0)
    }
    pub fn tags(&self) -> Vec<(String, String)> {
        (0..kv_secret_tag_count(self.0))
            .map(|i| (text(kv_secret_tag_name(self.0, i)), text(kv_secret_tag_value(self.0, i))))
            .collect()
    }
    pub fn tag(&self, name: &str) -> Option<String> {
        let mut v = kv_str { data: std::ptr::null(), len: 0 };
        kv_secret_tag_get(self.0, c(name).as_ptr(), &mut v).then(|| text(v))
    }
}
impl Drop for Secret {
    fn drop(&mut self) {
        kv_secret_free(self.0);
    }
}

/// Owned secret options.
pub struct SecretOptions(pub *mut kv_secret_options);
impl SecretOptions {
    pub fn new() -> SecretOptions {
        SecretOptions(kv_secret_options_new())
    }
    pub fn content_type(self, ct: &str) -> SecretOptions {
        call(|e| kv_secret_options_set_content_type(self.0, c(ct).as_ptr(), e)).unwrap();
        self
    }
    pub fn enabled(self, on: bool) -> SecretOptions {
        call(|e| kv_secret_options_set_enabled(self.0, on, e)).unwrap();
        self
    }
    pub fn not_before(self, t: i64) -> SecretOptions {
        call(|e| kv_secret_options_set_not_before(self.0, t, e)).unwrap();
        self
    }
    pub fn expires(self, t: i64) -> SecretOptions {
        call(|e| kv_secret_options_set_expires(self.0, t, e)).unwrap();
        self
    }
    pub fn tag(self, k: &str, v: &str) -> SecretOptions {
        call(|e| kv_secret_options_set_tag(self.0, c(k).as_ptr(), c(v).as_ptr(), e)).unwrap();
        self
    }
}
impl Drop for SecretOptions {
    fn drop(&mut self) {
        kv_secret_options_free(self.0);
    }
}

// =================================================================================================
// KEY MANAGEMENT helpers (tests/vault_keys.rs). Everything is inside `pub mod keys` so its names
// cannot collide with other sections; use it as `support::capi::keys::*`.
// =================================================================================================

pub mod keys {
    use super::{blob_bytes, bytes_of, c, call, text, CallError, Client};
    use kv::ffi::client::kv_client;
    use kv::ffi::error::kv_error;
    use kv::ffi::keys::*;
    use kv::ffi::secrets::{kv_blob_bytes, kv_blob_free};
    use kv::ffi::status::kv_status;
    use kv::ffi::text::kv_str;
    use std::ffi::CString;
    use std::ptr::{null, null_mut};

    fn opt_c(s: Option<&str>) -> Option<CString> {
        s.map(c)
    }

    fn ptr(s: &Option<CString>) -> *const std::ffi::c_char {
        s.as_ref().map_or(null(), |s| s.as_ptr())
    }

    fn take_blob(out: *mut kv::ffi::secrets::kv_blob) -> Vec<u8> {
        let bytes = blob_bytes(kv_blob_bytes(out));
        kv_blob_free(out);
        bytes
    }

    /// The key calls of a client: `KeyApi(&client).create(...)`.
    pub struct KeyApi<'a>(pub &'a Client);

    impl KeyApi<'_> {
        fn raw(&self) -> *const kv_client {
            self.0 .0
        }

        fn opts(o: Option<&KeyOptions>) -> *const kv_key_options {
            o.map_or(null(), |o| o.0)
        }

        pub fn create(&self, name: &str, kty: kv_key_type, opts: Option<&KeyOptions>) -> Result<Key, CallError> {
            let mut out = null_mut();
            call(|e| kv_client_create_key(self.raw(), c(name).as_ptr(), kty, Self::opts(opts), &mut out, e))?;
            Ok(Key(out))
        }

        pub fn import_jwk(&self, name: &str, jwk_json: &str, opts: Option<&KeyOptions>) -> Result<Key, CallError> {
            let mut out = null_mut();
            call(|e| {
                kv_client_import_key_jwk(
                    self.raw(),
                    c(name).as_ptr(),
                    c(jwk_json).as_ptr(),
                    Self::opts(opts),
                    &mut out,
                    e,
                )
            })?;
            Ok(Key(out))
        }

        pub fn import_pem(&self, name: &str, pem_or_der: &[u8], opts: Option<&KeyOptions>) -> Result<Key, CallError> {
            let mut out = null_mut();
            call(|e| {
                kv_client_import_key_pem(
                    self.raw(),
                    c(name).as_ptr(),
                    pem_or_der.as_ptr(),
                    pem_or_der.len(),
                    Self::opts(opts),
                    &mut out,
                    e,
                )
            })?;
            Ok(Key(out))
        }

        pub fn get(&self, name: &str, version: Option<&str>) -> Result<Key, CallError> {
            let mut out = null_mut();
            let version = opt_c(version);
            call(|e| kv_client_get_key(self.raw(), c(name).as_ptr(), ptr(&version), &mut out, e))?;
            Ok(Key(out))
        }

        pub fn update(&self, name: &str, version: Option<&str>, opts: &KeyOptions) -> Result<Key, CallError> {
            let mut out = null_mut();
            let version = opt_c(version);
            call(|e| {
                kv_client_update_key_properties(self.raw(), c(name).as_ptr(), ptr(&version), opts.0, &mut out, e)
            })?;
            Ok(Key(out))
        }

        pub fn delete(&self, name: &str) -> Result<Key, CallError> {
            let mut out = null_mut();
            call(|e| kv_client_delete_key(self.raw(), c(name).as_ptr(), &mut out, e))?;
            Ok(Key(out))
        }

        pub fn get_deleted(&self, name: &str) -> Result<Key, CallError> {
            let mut out = null_mut();
            call(|e| kv_client_get_deleted_key(self.raw(), c(name).as_ptr(), &mut out, e))?;
            Ok(Key(out))
        }

        pub fn recover(&self, name: &str) -> Result<Key, CallError> {
            let mut out = null_mut();
            call(|e| kv_client_recover_deleted_key(self.raw(), c(name).as_ptr(), &mut out, e))?;
            Ok(Key(out))
        }

        pub fn purge(&self, name: &str) -> Result<(), CallError> {
            call(|e| kv_client_purge_deleted_key(self.raw(), c(name).as_ptr(), e))
        }

        pub fn wait_deleted(&self, name: &str, timeout_ms: u32) -> Result<(), CallError> {
            call(|e| kv_client_wait_for_deleted_key(self.raw(), c(name).as_ptr(), timeout_ms, e))
        }

        pub fn wait_recovered(&self, name: &str, timeout_ms: u32) -> Result<(), CallError> {
            call(|e| kv_client_wait_for_recovered_key(self.raw(), c(name).as_ptr(), timeout_ms, e))
        }

        pub fn backup(&self, name: &str) -> Result<Vec<u8>, CallError> {
            let mut out = null_mut();
            call(|e| kv_client_backup_key(self.raw(), c(name).as_ptr(), &mut out, e))?;
            Ok(take_blob(out))
        }

        pub fn restore(&self, blob: &[u8]) -> Result<Key, CallError> {
            let mut out = null_mut();
            call(|e| kv_client_restore_key(self.raw(), blob.as_ptr(), blob.len(), &mut out, e))?;
            Ok(Key(out))
        }

        pub fn rotate(&self, name: &str) -> Result<Key, CallError> {
            let mut out = null_mut();
            call(|e| kv_client_rotate_key(self.raw(), c(name).as_ptr(), &mut out, e))?;
            Ok(Key(out))
        }

        pub fn random(&self, count: u32) -> Result<Vec<u8>, CallError> {
            let mut out = null_mut();
            call(|e| kv_client_get_random_bytes(self.raw(), count, &mut out, e))?;
            Ok(take_blob(out))
        }

        pub fn release(
            &self,
            name: &str,
            version: Option<&str>,
            target: &str,
            nonce: Option<&str>,
            enc: kv_key_release_algorithm,
        ) -> Result<String, CallError> {
            let mut out = null_mut();
            let (version, nonce) = (opt_c(version), opt_c(nonce));
            call(|e| {
                kv_client_release_key(
                    self.raw(),
                    c(name).as_ptr(),
                    ptr(&version),
                    c(target).as_ptr(),
                    ptr(&nonce),
                    enc,
                    &mut out,
                    e,
                )
            })?;
            let text = bytes_of(kv_str { data: kv_blob_bytes(out).data.cast(), len: kv_blob_bytes(out).len });
            kv_blob_free(out);
            Ok(String::from_utf8(text).expect("the release value is UTF-8"))
        }

        pub fn attestation(&self, name: &str, version: Option<&str>) -> Result<Key, CallError> {
            let mut out = null_mut();
            let version = opt_c(version);
            call(|e| kv_client_get_key_attestation(self.raw(), c(name).as_ptr(), ptr(&version), &mut out, e))?;
            Ok(Key(out))
        }

        pub fn get_policy(&self, name: &str) -> Result<RotationPolicy, CallError> {
            let mut out = null_mut();
            call(|e| kv_client_get_key_rotation_policy(self.raw(), c(name).as_ptr(), &mut out, e))?;
            Ok(RotationPolicy(out))
        }

        pub fn update_policy(&self, name: &str, policy: &RotationPolicy) -> Result<RotationPolicy, CallError> {
            let mut out = null_mut();
            call(|e| kv_client_update_key_rotation_policy(self.raw(), c(name).as_ptr(), policy.0, &mut out, e))?;
            Ok(RotationPolicy(out))
        }

        /// Drains a list into keys.
        pub fn drain(
            &self,
            start: impl FnOnce(*const kv_client, *mut *mut kv_key_iter, *mut *mut kv_error) -> kv_status,
        ) -> Result<Vec<Key>, CallError> {
            let mut it = null_mut();
            call(|e| start(self.raw(), &mut it, e))?;
            let mut items = Vec::new();
            loop {
                let mut item = null_mut();
                if let Err(err) = call(|e| kv_key_iter_next(it, &mut item, e)) {
                    kv_key_iter_free(it);
                    return Err(err);
                }
                if item.is_null() {
                    break;
                }
                items.push(Key(item));
            }
            kv_key_iter_free(it);
            Ok(items)
        }

        pub fn list(&self) -> Result<Vec<Key>, CallError> {
            self.drain(|c, it, e| kv_client_list_keys(c, it, e))
        }

        pub fn list_versions(&self, name: &str) -> Result<Vec<Key>, CallError> {
            let name = c(name);
            self.drain(|c, it, e| kv_client_list_key_versions(c, name.as_ptr(), it, e))
        }

        pub fn list_deleted(&self) -> Result<Vec<Key>, CallError> {
            self.drain(|c, it, e| kv_client_list_deleted_keys(c, it, e))
        }
    }

    /// Owned key handle with copying accessors.
    pub struct Key(pub *mut kv_key);
    unsafe impl Send for Key {}

    fn bytes(b: kv::ffi::text::kv_bytes) -> Vec<u8> {
        blob_bytes(b)
    }

    impl Key {
        pub fn id(&self) -> String {
            text(kv_key_id(self.0))
        }
        pub fn name(&self) -> String {
            text(kv_key_name(self.0))
        }
        pub fn version(&self) -> String {
            text(kv_key_version(self.0))
        }
        pub fn kty(&self) -> String {
            text(kv_key_type_name(self.0))
        }
        pub fn crv(&self) -> String {
            text(kv_key_curve_name(self.0))
        }
        pub fn n(&self) -> Vec<u8> {
            bytes(kv_key_n(self.0))
        }
        pub fn e(&self) -> Vec<u8> {
            bytes(kv_key_e(self.0))
        }
        pub fn x(&self) -> Vec<u8> {
            bytes(kv_key_x(self.0))
        }
        pub fn y(&self) -> Vec<u8> {
            bytes(kv_key_y(self.0))
        }
        pub fn ops(&self) -> Vec<String> {
            (0..kv_key_operation_count(self.0)).map(|i| text(kv_key_operation(self.0, i))).collect()
        }
        pub fn enabled(&self) -> bool {
            kv_key_enabled(self.0)
        }
        pub fn exportable(&self) -> bool {
            kv_key_exportable(self.0)
        }
        pub fn managed(&self) -> bool {
            kv_key_managed(self.0)
        }
        pub fn created(&self) -> i64 {
            kv_key_created(self.0)
        }
        pub fn updated(&self) -> i64 {
            kv_key_updated(self.0)
        }
        pub fn not_before(&self) -> i64 {
            kv_key_not_before(self.0)
        }
        pub fn expires(&self) -> i64 {
            kv_key_expires(self.0)
        }
        pub fn recovery_level(&self) -> String {
            text(kv_key_recovery_level(self.0))
        }
        pub fn recoverable_days(&self) -> i32 {
            kv_key_recoverable_days(self.0)
        }
        pub fn recovery_id(&self) -> String {
            text(kv_key_recovery_id(self.0))
        }
        pub fn deleted_date(&self) -> i64 {
            kv_key_deleted_date(self.0)
        }
        pub fn scheduled_purge_date(&self) -> i64 {
            kv_key_scheduled_purge_date(self.0)
        }
        pub fn tags(&self) -> Vec<(String, String)> {
            (0..kv_key_tag_count(self.0))
                .map(|i| (text(kv_key_tag_name(self.0, i)), text(kv_key_tag_value(self.0, i))))
                .collect()
        }
        pub fn tag(&self, name: &str) -> Option<String> {
            let mut v = kv_str { data: null(), len: 0 };
            kv_key_tag_get(self.0, c(name).as_ptr(), &mut v).then(|| text(v))
        }
        pub fn release_policy(&self) -> Vec<u8> {
            bytes(kv_key_release_policy(self.0))
        }
        pub fn release_policy_content_type(&self) -> String {
            text(kv_key_release_policy_content_type(self.0))
        }
        pub fn release_policy_immutable(&self) -> bool {
            kv_key_release_policy_immutable(self.0)
        }
        pub fn hsm_platform(&self) -> String {
            text(kv_key_hsm_platform(self.0))
        }
        pub fn attestation_version(&self) -> String {
            text(kv_key_attestation_version(self.0))
        }
        pub fn attestation_private(&self) -> Vec<u8> {
            bytes(kv_key_attestation_private(self.0))
        }
        pub fn attestation_public(&self) -> Vec<u8> {
            bytes(kv_key_attestation_public(self.0))
        }
        pub fn attestation_certificate(&self) -> Vec<u8> {
            bytes(kv_key_attestation_certificate(self.0))
        }
    }
    impl Drop for Key {
        fn drop(&mut self) {
            kv_key_free(self.0);
        }
    }

    /// Owned key options; the builder methods panic when a setter fails (use `try_*` or the raw
    /// pointer to test failures).
    pub struct KeyOptions(pub *mut kv_key_options);
    impl KeyOptions {
        pub fn new() -> KeyOptions {
            let o = kv_key_options_new();
            assert!(!o.is_null());
            KeyOptions(o)
        }
        pub fn key_size(self, bits: u32) -> KeyOptions {
            call(|e| kv_key_options_set_key_size(self.0, bits, e)).unwrap();
            self
        }
        pub fn public_exponent(self, exponent: u32) -> KeyOptions {
            call(|e| kv_key_options_set_public_exponent(self.0, exponent, e)).unwrap();
            self
        }
        pub fn curve(self, curve: kv_key_curve) -> KeyOptions {
            call(|e| kv_key_options_set_curve(self.0, curve, e)).unwrap();
            self
        }
        pub fn hsm(self, on: bool) -> KeyOptions {
            call(|e| kv_key_options_set_hsm(self.0, on, e)).unwrap();
            self
        }
        pub fn enabled(self, on: bool) -> KeyOptions {
            call(|e| kv_key_options_set_enabled(self.0, on, e)).unwrap();
            self
        }
        pub fn not_before(self, t: i64) -> KeyOptions {
            call(|e| kv_key_options_set_not_before(self.0, t, e)).unwrap();
            self
        }
        pub fn expires(self, t: i64) -> KeyOptions {
            call(|e| kv_key_options_set_expires(self.0, t, e)).unwrap();
            self
        }
        pub fn exportable(self, on: bool) -> KeyOptions {
            call(|e| kv_key_options_set_exportable(self.0, on, e)).unwrap();
            self
        }
        pub fn op(self, op: &str) -> KeyOptions {
            call(|e| kv_key_options_add_operation(self.0, c(op).as_ptr(), e)).unwrap();
            self
        }
        pub fn tag(self, k: &str, v: &str) -> KeyOptions {
            call(|e| kv_key_options_set_tag(self.0, c(k).as_ptr(), c(v).as_ptr(), e)).unwrap();
            self
        }
        pub fn clear_tags(self) -> KeyOptions {
            call(|e| kv_key_options_clear_tags(self.0, e)).unwrap();
            self
        }
        pub fn release_policy(self, data: &[u8], content_type: Option<&str>, immutable: bool) -> KeyOptions {
            let ct = opt_c(content_type);
            call(|e| kv_key_options_set_release_policy(self.0, data.as_ptr(), data.len(), ptr(&ct), immutable, e))
                .unwrap();
            self
        }
    }
    impl Drop for KeyOptions {
        fn drop(&mut self) {
            kv_key_options_free(self.0);
        }
    }

    /// Owned rotation policy.
    pub struct RotationPolicy(pub *mut kv_key_rotation_policy);
    impl RotationPolicy {
        pub fn new() -> RotationPolicy {
            let p = kv_key_rotation_policy_new();
            assert!(!p.is_null());
            RotationPolicy(p)
        }
        pub fn try_expiry(&self, duration: Option<&str>) -> Result<(), CallError> {
            let d = opt_c(duration);
            call(|e| kv_key_rotation_policy_set_expiry_time(self.0, ptr(&d), e))
        }
        pub fn expiry(self, duration: &str) -> RotationPolicy {
            self.try_expiry(Some(duration)).unwrap();
            self
        }
        pub fn try_action(
            &self,
            action: kv_key_rotation_action,
            after_create: Option<&str>,
            before_expiry: Option<&str>,
        ) -> Result<(), CallError> {
            let (a, b) = (opt_c(after_create), opt_c(before_expiry));
            call(|e| kv_key_rotation_policy_add_action(self.0, action, ptr(&a), ptr(&b), e))
        }
        pub fn action(
            self,
            action: kv_key_rotation_action,
            after_create: Option<&str>,
            before_expiry: Option<&str>,
        ) -> RotationPolicy {
            self.try_action(action, after_create, before_expiry).unwrap();
            self
        }
        pub fn id(&self) -> String {
            text(kv_key_rotation_policy_id(self.0))
        }
        pub fn expiry_time(&self) -> String {
            text(kv_key_rotation_policy_expiry_time(self.0))
        }
        /// (type, time after create, time before expiry) of every action.
        pub fn actions(&self) -> Vec<(u32, String, String)> {
            (0..kv_key_rotation_policy_action_count(self.0))
                .map(|i| {
                    (
                        kv_key_rotation_policy_action_type(self.0, i),
                        text(kv_key_rotation_policy_action_time_after_create(self.0, i)),
                        text(kv_key_rotation_policy_action_time_before_expiry(self.0, i)),
                    )
                })
                .collect()
        }
        pub fn created(&self) -> i64 {
            kv_key_rotation_policy_created(self.0)
        }
        pub fn updated(&self) -> i64 {
            kv_key_rotation_policy_updated(self.0)
        }
    }
    impl Drop for RotationPolicy {
        fn drop(&mut self) {
            kv_key_rotation_policy_free(self.0);
        }
    }
}

// =================================================================================================
// CRYPTOGRAPHY helpers (tests/vault_crypto.rs, tests/interop_crypto.rs). Everything is inside
// `pub mod crypto`; use it as `support::capi::crypto::*`. Keys are `keys::Key` handles.
// =================================================================================================

pub mod crypto {
    use super::keys::Key;
    use super::{blob_bytes, bytes_of, c, call, text, CallError, Client};
    use kv::ffi::crypto::*;
    use kv::ffi::secrets::{kv_blob, kv_blob_bytes, kv_blob_free};
    use kv::ffi::text::kv_str;
    use std::ffi::CString;
    use std::ptr::{null, null_mut};

    /// A `kv_crypto_result` copied out (the handle is freed at once).
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Output {
        pub value: Vec<u8>,
        pub iv: Vec<u8>,
        pub tag: Vec<u8>,
        pub aad: Vec<u8>,
        pub kid: String,
    }

    /// Copies and frees a result handle.
    pub fn take(r: *mut kv_crypto_result) -> Output {
        assert!(!r.is_null(), "a result was written");
        let out = Output {
            value: blob_bytes(kv_crypto_result_value(r)),
            iv: blob_bytes(kv_crypto_result_iv(r)),
            tag: blob_bytes(kv_crypto_result_tag(r)),
            aad: blob_bytes(kv_crypto_result_aad(r)),
            kid: text(kv_crypto_result_key_id(r)),
        };
        kv_crypto_result_free(r);
        out
    }

    /// Copies and frees a text blob, checking its trailing NUL.
    pub fn take_text_blob(b: *mut kv_blob) -> String {
        let view = kv_blob_bytes(b);
        let text = String::from_utf8(bytes_of(kv_str { data: view.data.cast(), len: view.len })).expect("UTF-8 blob");
        kv_blob_free(b);
        text
    }

    /// Owned crypto parameters.
    pub struct Params(pub *mut kv_crypto_params);
    impl Params {
        pub fn new() -> Params {
            let p = kv_crypto_params_new();
            assert!(!p.is_null());
            Params(p)
        }
        pub fn iv(self, iv: &[u8]) -> Params {
            call(|e| kv_crypto_params_set_iv(self.0, iv.as_ptr(), iv.len(), e)).unwrap();
            self
        }
        pub fn aad(self, aad: &[u8]) -> Params {
            call(|e| kv_crypto_params_set_aad(self.0, aad.as_ptr(), aad.len(), e)).unwrap();
            self
        }
        pub fn tag(self, tag: &[u8]) -> Params {
            call(|e| kv_crypto_params_set_tag(self.0, tag.as_ptr(), tag.len(), e)).unwrap();
            self
        }
        /// Parameters to reverse `out` (its iv and tag), plus `aad`.
        pub fn to_reverse(out: &Output, aad: Option<&[u8]>) -> Params {
            let mut p = Params::new();
            if !out.iv.is_empty() {
                p = p.iv(&out.iv);
            }
            if !out.tag.is_empty() {
                p = p.tag(&out.tag);
            }
            if let Some(aad) = aad {
                p = p.aad(aad);
            }
            p
        }
    }
    impl Drop for Params {
        fn drop(&mut self) {
            kv_crypto_params_free(self.0);
        }
    }

    fn version_ptr(v: &Option<CString>) -> *const std::ffi::c_char {
        v.as_ref().map_or(null(), |v| v.as_ptr())
    }

    fn params_ptr(p: Option<&Params>) -> *const kv_crypto_params {
        p.map_or(null(), |p| p.0)
    }

    /// The vault's crypto calls of a client: `CryptoApi(&client).sign(...)`.
    pub struct CryptoApi<'a>(pub &'a Client);

    type CipherFn = extern "C" fn(
        *const kv::ffi::client::kv_client,
        *const std::ffi::c_char,
        *const std::ffi::c_char,
        kv_encryption_algorithm,
        *const u8,
        usize,
        *const kv_crypto_params,
        *mut *mut kv_crypto_result,
        *mut *mut kv::ffi::error::kv_error,
    ) -> kv::ffi::status::kv_status;

    impl CryptoApi<'_> {
        pub fn sign(
            &self,
            name: &str,
            version: Option<&str>,
            alg: kv_signature_algorithm,
            digest: &[u8],
        ) -> Result<Output, CallError> {
            let mut out = null_mut();
            let v = version.map(c);
            call(|e| {
                kv_client_sign(
                    self.0 .0,
                    c(name).as_ptr(),
                    version_ptr(&v),
                    alg,
                    digest.as_ptr(),
                    digest.len(),
                    &mut out,
                    e,
                )
            })?;
            Ok(take(out))
        }

        pub fn verify(
            &self,
            name: &str,
            version: Option<&str>,
            alg: kv_signature_algorithm,
            digest: &[u8],
            sig: &[u8],
        ) -> Result<bool, CallError> {
            let mut valid = false;
            let v = version.map(c);
            call(|e| {
                kv_client_verify(
                    self.0 .0,
                    c(name).as_ptr(),
                    version_ptr(&v),
                    alg,
                    digest.as_ptr(),
                    digest.len(),
                    sig.as_ptr(),
                    sig.len(),
                    &mut valid,
                    e,
                )
            })?;
            Ok(valid)
        }

        pub fn sign_data(
            &self,
            name: &str,
            version: Option<&str>,
            alg: kv_signature_algorithm,
            data: &[u8],
        ) -> Result<Output, CallError> {
            let mut out = null_mut();
            let v = version.map(c);
            call(|e| {
                kv_client_sign_data(
                    self.0 .0,
                    c(name).as_ptr(),
                    version_ptr(&v),
                    alg,
                    data.as_ptr(),
                    data.len(),
                    &mut out,
                    e,
                )
            })?;
            Ok(take(out))
        }

        pub fn verify_data(
            &self,
            name: &str,
            version: Option<&str>,
            alg: kv_signature_algorithm,
            data: &[u8],
            sig: &[u8],
        ) -> Result<bool, CallError> {
            let mut valid = false;
            let v = version.map(c);
            call(|e| {
                kv_client_verify_data(
                    self.0 .0,
                    c(name).as_ptr(),
                    version_ptr(&v),
                    alg,
                    data.as_ptr(),
                    data.len(),
                    sig.as_ptr(),
                    sig.len(),
                    &mut valid,
                    e,
                )
            })?;
            Ok(valid)
        }

        fn cipher(
            &self,
            f: CipherFn,
            name: &str,
            version: Option<&str>,
            alg: kv_encryption_algorithm,
            input: &[u8],
            params: Option<&Params>,
        ) -> Result<Output, CallError> {
            let mut out = null_mut();
            let v = version.map(c);
            call(|e| {
                f(
                    self.0 .0,
                    c(name).as_ptr(),
                    version_ptr(&v),
                    alg,
                    input.as_ptr(),
                    input.len(),
                    params_ptr(params),
                    &mut out,
                    e,
                )
            })?;
            Ok(take(out))
        }

        pub fn encrypt(
            &self,
            name: &str,
            version: Option<&str>,
            alg: kv_encryption_algorithm,
            plaintext: &[u8],
            params: Option<&Params>,
        ) -> Result<Output, CallError> {
            self.cipher(kv_client_encrypt, name, version, alg, plaintext, params)
        }

        pub fn decrypt(
            &self,
            name: &str,
            version: Option<&str>,
            alg: kv_encryption_algorithm,
            ciphertext: &[u8],
            params: Option<&Params>,
        ) -> Result<Output, CallError> {
            self.cipher(kv_client_decrypt, name, version, alg, ciphertext, params)
        }

        pub fn wrap(
            &self,
            name: &str,
            version: Option<&str>,
            alg: kv_encryption_algorithm,
            key: &[u8],
            params: Option<&Params>,
        ) -> Result<Output, CallError> {
            self.cipher(kv_client_wrap_key, name, version, alg, key, params)
        }

        pub fn unwrap(
            &self,
            name: &str,
            version: Option<&str>,
            alg: kv_encryption_algorithm,
            wrapped: &[u8],
            params: Option<&Params>,
        ) -> Result<Output, CallError> {
            self.cipher(kv_client_unwrap_key, name, version, alg, wrapped, params)
        }
    }

    /// A key built locally from JWK (or key bundle) JSON.
    pub fn key_from_jwk(json: &str) -> Result<Key, CallError> {
        let mut out = null_mut();
        call(|e| kv_key_from_jwk(c(json).as_ptr(), &mut out, e))?;
        Ok(Key(out))
    }

    pub fn local_verify(k: &Key, alg: kv_signature_algorithm, digest: &[u8], sig: &[u8]) -> Result<bool, CallError> {
        let mut valid = false;
        call(|e| kv_key_verify(k.0, alg, digest.as_ptr(), digest.len(), sig.as_ptr(), sig.len(), &mut valid, e))?;
        Ok(valid)
    }

    pub fn local_verify_data(k: &Key, alg: kv_signature_algorithm, data: &[u8], sig: &[u8]) -> Result<bool, CallError> {
        let mut valid = false;
        call(|e| kv_key_verify_data(k.0, alg, data.as_ptr(), data.len(), sig.as_ptr(), sig.len(), &mut valid, e))?;
        Ok(valid)
    }

    pub fn local_encrypt(k: &Key, alg: kv_encryption_algorithm, plaintext: &[u8]) -> Result<Output, CallError> {
        let mut out = null_mut();
        call(|e| kv_key_encrypt(k.0, alg, plaintext.as_ptr(), plaintext.len(), &mut out, e))?;
        Ok(take(out))
    }

    pub fn local_wrap(k: &Key, alg: kv_encryption_algorithm, key: &[u8]) -> Result<Output, CallError> {
        let mut out = null_mut();
        call(|e| kv_key_wrap_key(k.0, alg, key.as_ptr(), key.len(), &mut out, e))?;
        Ok(take(out))
    }

    pub fn public_pem(k: &Key) -> Result<String, CallError> {
        let mut out = null_mut();
        call(|e| kv_key_public_pem(k.0, &mut out, e))?;
        Ok(take_text_blob(out))
    }

    pub fn public_jwk(k: &Key) -> Result<String, CallError> {
        let mut out = null_mut();
        call(|e| kv_key_public_jwk(k.0, &mut out, e))?;
        Ok(take_text_blob(out))
    }

    /// SHA-256/384/512 of `data` by the digest length `alg` needs (via openssl, an independent
    /// implementation).
    pub fn openssl_digest(bits: u32, data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut child = std::process::Command::new("openssl")
            .args(["dgst", &format!("-sha{bits}"), "-binary"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("openssl runs");
        child.stdin.take().unwrap().write_all(data).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        out.stdout
    }
}

// =================================================================================================
// IDENTITY CREDENTIAL helpers (tests/credentials_identity.rs): credential options, the client
// secret / client certificate / workload identity / environment credentials, and a client built
// on any credential. Everything is inside `pub mod identity`; use it as `support::capi::identity::*`.
// =================================================================================================

pub mod identity {
    use super::{c, call, CallError, Client, Credential, Options};
    use kv::ffi::client::kv_client_new;
    use kv::ffi::credential::*;
    use std::ptr::{null, null_mut};

    /// Owned credential options; the builder methods panic when a setter fails (use the `try_*`
    /// methods to test failures).
    pub struct CredOptions(pub *mut kv_credential_options);
    impl CredOptions {
        pub fn new() -> CredOptions {
            let o = kv_credential_options_new();
            assert!(!o.is_null());
            CredOptions(o)
        }
        pub fn try_authority_host(&self, url: &str) -> Result<(), CallError> {
            call(|e| kv_credential_options_set_authority_host(self.0, c(url).as_ptr(), e))
        }
        pub fn authority_host(self, url: &str) -> CredOptions {
            self.try_authority_host(url).unwrap();
            self
        }
        pub fn try_ca_file(&self, path: &str) -> Result<(), CallError> {
            call(|e| kv_credential_options_set_ca_file(self.0, c(path).as_ptr(), e))
        }
        pub fn ca_file(self, path: &str) -> CredOptions {
            self.try_ca_file(path).unwrap();
            self
        }
        pub fn try_allow_tenant(&self, tenant: &str) -> Result<(), CallError> {
            call(|e| kv_credential_options_add_allowed_tenant(self.0, c(tenant).as_ptr(), e))
        }
        pub fn allow_tenant(self, tenant: &str) -> CredOptions {
            self.try_allow_tenant(tenant).unwrap();
            self
        }
        pub fn try_timeout_ms(&self, ms: u64) -> Result<(), CallError> {
            call(|e| kv_credential_options_set_timeout_ms(self.0, ms, e))
        }
        pub fn timeout_ms(self, ms: u64) -> CredOptions {
            self.try_timeout_ms(ms).unwrap();
            self
        }
        pub fn send_chain(self, on: bool) -> CredOptions {
            call(|e| kv_credential_options_set_send_certificate_chain(self.0, on, e)).unwrap();
            self
        }
    }
    impl Drop for CredOptions {
        fn drop(&mut self) {
            kv_credential_options_free(self.0);
        }
    }

    fn opts_ptr(o: Option<&CredOptions>) -> *const kv_credential_options {
        o.map_or(null(), |o| o.0)
    }

    /// `kv_credential_client_secret_new`.
    pub fn client_secret(
        tenant: &str,
        client_id: &str,
        secret: &str,
        opts: Option<&CredOptions>,
    ) -> Result<Credential, CallError> {
        let mut out = null_mut();
        call(|e| {
            kv_credential_client_secret_new(
                c(tenant).as_ptr(),
                c(client_id).as_ptr(),
                c(secret).as_ptr(),
                opts_ptr(opts),
                &mut out,
                e,
            )
        })?;
        assert!(!out.is_null());
        Ok(Credential(out))
    }

    /// `kv_credential_client_certificate_new`.
    pub fn client_certificate(
        tenant: &str,
        client_id: &str,
        cert: &[u8],
        password: Option<&str>,
        opts: Option<&CredOptions>,
    ) -> Result<Credential, CallError> {
        let mut out = null_mut();
        let password = password.map(c);
        let password_ptr = password.as_ref().map_or(null(), |p| p.as_ptr());
        call(|e| {
            kv_credential_client_certificate_new(
                c(tenant).as_ptr(),
                c(client_id).as_ptr(),
                cert.as_ptr(),
                cert.len(),
                password_ptr,
                opts_ptr(opts),
                &mut out,
                e,
            )
        })?;
        assert!(!out.is_null());
        Ok(Credential(out))
    }

    /// `kv_credential_workload_identity_new`.
    pub fn workload_identity(opts: Option<&CredOptions>) -> Result<Credential, CallError> {
        let mut out = null_mut();
        call(|e| kv_credential_workload_identity_new(opts_ptr(opts), &mut out, e))?;
        assert!(!out.is_null());
        Ok(Credential(out))
    }

    /// `kv_credential_environment_new`.
    pub fn environment(opts: Option<&CredOptions>) -> Result<Credential, CallError> {
        let mut out = null_mut();
        call(|e| kv_credential_environment_new(opts_ptr(opts), &mut out, e))?;
        assert!(!out.is_null());
        Ok(Credential(out))
    }

    /// A client for `url` using `cred` (which the caller may drop afterwards).
    pub fn client_with(url: &str, cred: &Credential, options: &Options) -> Result<Client, CallError> {
        let mut out = null_mut();
        call(|e| kv_client_new(c(url).as_ptr(), cred.0, options.0, &mut out, e))?;
        Ok(Client(out))
    }
}
