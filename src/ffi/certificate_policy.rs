//! `kv_certificate_policy`: a certificate policy being built or read (the core's
//! `PolicyBuilder`, which checks it and keeps any text a setter replaces, so views stay valid).

use crate::certificates::PolicyBuilder;
use crate::ffi::blob::kv_blob;
use crate::ffi::boundary::view;
use crate::ffi::boundary::{bytes, handle, handle_mut, into_handle, out_slot, string, with};
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::ffi::text::kv_str;
use std::ffi::c_char;
use zeroize::Zeroizing;

/// A certificate policy: build one with `kv_certificate_policy_new` and the setters, or read the
/// one `kv_client_get_certificate_policy` returns. Not thread-safe: one thread at a time.
/// Views from its accessors stay valid until it is freed, also across later changes.
pub struct kv_certificate_policy(pub(crate) PolicyBuilder);

impl From<crate::certificates::CertificatePolicy> for kv_certificate_policy {
    fn from(policy: crate::certificates::CertificatePolicy) -> kv_certificate_policy {
        kv_certificate_policy(PolicyBuilder::from_policy(policy))
    }
}

impl kv_certificate_policy {
    fn edit(&mut self, f: impl FnOnce(PolicyBuilder) -> PolicyBuilder) {
        self.0 = f(std::mem::take(&mut self.0));
    }
}

/// New policy for a certificate with this subject (e.g. "CN=example.com"), issuer "Self"; the
/// service fills in what is not set (RSA 2048, exportable, PKCS#12, 12 months). NULL on a NULL or
/// non-UTF-8 subject.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_new(subject: *const c_char) -> *mut kv_certificate_policy {
    ffi_value!(std::ptr::null_mut(), {
        match string(subject, "subject") {
            Ok(s) => into_handle(kv_certificate_policy(PolicyBuilder::new(s))),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

/// New empty policy: only what the setters set is sent (for `kv_client_update_certificate_policy`
/// and import).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_new_empty() -> *mut kv_certificate_policy {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_certificate_policy(PolicyBuilder::empty())) })
}

/// Sets the subject, e.g. "CN=example.com, O=Example".
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_subject(
    p: *mut kv_certificate_policy,
    subject: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(subject, "subject")?;
        p.edit(|b| b.subject(value));
        Ok(())
    })
}

/// Adds a DNS subject alternative name.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_add_dns_name(
    p: *mut kv_certificate_policy,
    dns_name: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(dns_name, "dns_name")?;
        p.edit(|b| b.dns_name(value));
        Ok(())
    })
}

/// Adds an e-mail subject alternative name.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_add_email(
    p: *mut kv_certificate_policy,
    email: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(email, "email")?;
        p.edit(|b| b.email(value));
        Ok(())
    })
}

/// Adds a user principal name subject alternative name.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_add_upn(
    p: *mut kv_certificate_policy,
    upn: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(upn, "upn")?;
        p.edit(|b| b.upn(value));
        Ok(())
    })
}

/// Adds a URI subject alternative name.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_add_uri(
    p: *mut kv_certificate_policy,
    uri: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(uri, "uri")?;
        p.edit(|b| b.uri(value));
        Ok(())
    })
}

/// Adds an IP address subject alternative name.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_add_ip_address(
    p: *mut kv_certificate_policy,
    ip_address: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(ip_address, "ip_address")?;
        p.edit(|b| b.ip_address(value));
        Ok(())
    })
}

/// Sets the key type: "RSA", "RSA-HSM", "EC" or "EC-HSM".
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_key_type(
    p: *mut kv_certificate_policy,
    key_type: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(key_type, "key_type")?;
        p.edit(|b| b.key_type(value));
        Ok(())
    })
}

/// Sets the EC curve: "P-256", "P-384", "P-521" or "P-256K".
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_curve(
    p: *mut kv_certificate_policy,
    curve: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(curve, "curve")?;
        p.edit(|b| b.curve(value));
        Ok(())
    })
}

/// Sets the secret's content type: "application/x-pem-file" or "application/x-pkcs12".
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_content_type(
    p: *mut kv_certificate_policy,
    content_type: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(content_type, "content_type")?;
        p.edit(|b| b.content_type(value));
        Ok(())
    })
}

/// Adds a key usage: "digitalSignature", "keyEncipherment", "keyCertSign", ...
#[no_mangle]
pub extern "C" fn kv_certificate_policy_add_key_usage(
    p: *mut kv_certificate_policy,
    key_usage: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(key_usage, "key_usage")?;
        p.edit(|b| b.key_usage(value));
        Ok(())
    })
}

/// Adds an extended key usage OID, e.g. "1.3.6.1.5.5.7.3.1" (TLS server).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_add_eku(
    p: *mut kv_certificate_policy,
    oid: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(oid, "oid")?;
        p.edit(|b| b.eku(value));
        Ok(())
    })
}

/// Sets the issuer: "Self" (self-signed), "Unknown" (a pending operation to merge) or the
/// name of a configured issuer.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_issuer(
    p: *mut kv_certificate_policy,
    issuer_name: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(issuer_name, "issuer_name")?;
        p.edit(|b| b.issuer(value));
        Ok(())
    })
}

/// Sets the certificate type the issuer makes, e.g. "OV-SSL".
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_certificate_type(
    p: *mut kv_certificate_policy,
    certificate_type: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let value = string(certificate_type, "certificate_type")?;
        p.edit(|b| b.certificate_type(value));
        Ok(())
    })
}

/// Sets the RSA key size in bits (2048, 3072 or 4096).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_key_size(
    p: *mut kv_certificate_policy,
    bits: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(p, "policy")?.edit(|b| b.key_size(bits));
        Ok(())
    })
}

/// Sets whether the private key can be exported (downloaded with `kv_client_download_certificate`).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_exportable(
    p: *mut kv_certificate_policy,
    exportable: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(p, "policy")?.edit(|b| b.exportable(exportable));
        Ok(())
    })
}

/// Sets whether renewals keep the same key.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_reuse_key(
    p: *mut kv_certificate_policy,
    reuse_key: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(p, "policy")?.edit(|b| b.reuse_key(reuse_key));
        Ok(())
    })
}

/// Sets the validity in months.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_validity_months(
    p: *mut kv_certificate_policy,
    months: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(p, "policy")?.edit(|b| b.validity_months(months));
        Ok(())
    })
}

/// Sets certificate transparency.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_set_certificate_transparency(
    p: *mut kv_certificate_policy,
    on: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(p, "policy")?.edit(|b| b.certificate_transparency(on));
        Ok(())
    })
}

/// Adds a lifetime action: `action` is "AutoRenew" or "EmailContacts"; give exactly one trigger:
/// `lifetime_percentage` (1-99) or `days_before_expiry` (the other 0).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_add_lifetime_action(
    p: *mut kv_certificate_policy,
    action: *const c_char,
    lifetime_percentage: u32,
    days_before_expiry: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let p = handle_mut(p, "policy")?;
        let action = string(action, "action")?;
        let builder = std::mem::take(&mut p.0);
        p.0 = builder.action(action, lifetime_percentage, days_before_expiry)?;
        Ok(())
    })
}

/// The policy as JSON text (wire form of the REST API), to read every member.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_to_json(
    p: *const kv_certificate_policy,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_blob::new(Zeroizing::new(handle(p, "policy")?.0.to_json()?)));
        Ok(())
    })
}

/// A policy from JSON text in the REST API's wire form (`json_len` bytes).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_from_json(
    json: *const u8,
    json_len: usize,
    out: *mut *mut kv_certificate_policy,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_certificate_policy(PolicyBuilder::from_json(bytes(json, json_len, "json")?)?));
        Ok(())
    })
}

/// The subject ("" if not set).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_subject(p: *const kv_certificate_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { view(p, |p| p.0.subject_text()) })
}

/// The issuer name ("" if not set).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_issuer_name(p: *const kv_certificate_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { view(p, |p| p.0.issuer_name()) })
}

/// The secret content type ("" if not set).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_content_type(p: *const kv_certificate_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { view(p, |p| p.0.content_type_text()) })
}

/// The key type ("" if not set).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_key_type(p: *const kv_certificate_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { view(p, |p| p.0.key_type_text()) })
}

/// The validity in months (0 if not set).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_validity_months(p: *const kv_certificate_policy) -> u32 {
    ffi_value!(0, { with(p, 0, |p| p.0.validity().unwrap_or(0)) })
}

/// Frees a policy. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_free(p: *mut kv_certificate_policy) {
    ffi_free!(p)
}
