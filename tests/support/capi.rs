//! A thin layer over the exported `extern "C"` functions so tests read clearly. Every call here
//! goes through the same functions a C program links; nothing calls the Rust core directly.
#![allow(dead_code)]

use kv::ffi::client::*;
use kv::ffi::credential::*;
use kv::ffi::error::*;
use kv::ffi::secrets::*;
use kv::ffi::text::{kv_bytes, kv_str};
use kv::status::*;
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
            assert_eq!(e.status, expected, "expected {} got {}: {}", status_name(expected), status_name(e.status), e.message);
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
        call(|e| kv_client_set_secret_with_options(self.0, c(name).as_ptr(), value.as_ptr(), value.len(), opts.0, &mut out, e))?;
        Ok(Secret(out))
    }

    pub fn get(&self, name: &str, version: Option<&str>) -> Result<Secret, CallError> {
        let mut out = null_mut();
        let version = version.map(c);
        call(|e| kv_client_get_secret(self.0, c(name).as_ptr(), version.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()), &mut out, e))?;
        Ok(Secret(out))
    }

    pub fn update(&self, name: &str, version: Option<&str>, opts: &SecretOptions) -> Result<Secret, CallError> {
        let mut out = null_mut();
        let version = version.map(c);
        call(|e| kv_client_update_secret_properties(self.0, c(name).as_ptr(), version.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()), opts.0, &mut out, e))?;
        Ok(Secret(out))
    }

    pub fn delete(&self, name: &str) -> Result<(), CallError> {
        call(|e| kv_client_delete_secret(self.0, c(name).as_ptr(), e))
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
    pub fn drain(&self, start: impl FnOnce(*const kv_client, *mut *mut kv_secret_iter, *mut *mut kv_error) -> kv_status) -> Result<Vec<Secret>, CallError> {
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
        (0..kv_secret_tag_count(self.0)).map(|i| (text(kv_secret_tag_name(self.0, i)), text(kv_secret_tag_value(self.0, i)))).collect()
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
