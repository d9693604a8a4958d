//! Certificates over the C ABI: `kv_certificate` (a certificate, version, list item or deleted
//! certificate, with its X.509 fields), `kv_certificate_policy` (a policy builder, also what
//! get/update policy return), `kv_certificate_operation` (the pending creation),
//! `kv_certificate_options` (enabled, tags), issuers (`kv_issuer`,
//! `kv_issuer_options`), contacts (`kv_certificate_contacts`) and the list iterators.

use crate::certificates::{
    certificate_from_item, Certificate, CertificateInfo, CertificateProperties, Issuer, IssuerOptions, PolicyBuilder,
};
use crate::error::{Error, Result};
use crate::ffi::boundary::{
    bytes, handle, handle_mut, into_handle, optional_handle, optional_out_slot, optional_string, out_slot, string,
};
use crate::ffi::client::kv_client;
use crate::ffi::enums::CERTIFICATE_FORMATS;
pub use crate::ffi::enums::{
    kv_certificate_format, KV_CERTIFICATE_FORMAT_CHAIN_PEM, KV_CERTIFICATE_FORMAT_KEY_PEM, KV_CERTIFICATE_FORMAT_PEM,
    KV_CERTIFICATE_FORMAT_PKCS12,
};
use crate::ffi::error::kv_error;
use crate::ffi::secrets::kv_blob;
use crate::ffi::text::{kv_bytes, kv_str, Text};
use crate::model::certificate::{
    AdministratorDetails, CertificateBundle, CertificateOperation, CertificatePolicy, Contact, IssuerBundle,
};
use crate::paging::Pager;
use crate::status::kv_status;
use std::ffi::c_char;
use std::time::Duration;
use zeroize::Zeroizing;

/// A certificate as returned by a call: identifiers, attributes, the DER certificate and its
/// X.509 fields (empty for list items, which carry no certificate). Immutable; read it from any
/// thread. Free with `kv_certificate_free`.
pub struct kv_certificate {
    id: Text,
    name: Text,
    version: Text,
    key_id: Text,
    secret_id: Text,
    recovery_id: Text,
    subject: Text,
    issuer: Text,
    serial: Text,
    thumbprint: Text,
    sans: Vec<Text>,
    tags: Vec<(Text, Text)>,
    info: CertificateInfo,
    cert: Certificate,
}

impl kv_certificate {
    fn new(cert: Certificate) -> kv_certificate {
        let b = &cert.bundle;
        let info = CertificateInfo::parse(cert.der()).unwrap_or_default();
        let mut sans: Vec<Text> = info.dns_names.iter().map(|d| Text::new(format!("DNS:{d}").as_bytes())).collect();
        sans.extend(info.emails.iter().map(|e| Text::new(format!("email:{e}").as_bytes())));
        sans.extend(info.uris.iter().map(|u| Text::new(format!("URI:{u}").as_bytes())));
        sans.extend(info.ip_addresses.iter().map(|i| Text::new(format!("IP:{i}").as_bytes())));
        kv_certificate {
            id: Text::from_opt(b.id.as_deref()),
            name: Text::new(cert.name.as_bytes()),
            version: Text::new(cert.version.as_bytes()),
            key_id: Text::from_opt(b.kid.as_deref()),
            secret_id: Text::from_opt(b.sid.as_deref()),
            recovery_id: Text::from_opt(b.recovery_id.as_deref()),
            subject: Text::new(info.subject.as_bytes()),
            issuer: Text::new(info.issuer.as_bytes()),
            serial: Text::new(info.serial.as_bytes()),
            thumbprint: Text::new(info.thumbprint.as_bytes()),
            sans,
            tags: b.tags.iter().flatten().map(|(k, v)| (Text::new(k.as_bytes()), Text::new(v.as_bytes()))).collect(),
            info,
            cert,
        }
    }
}

/// A certificate policy: build one with `kv_certificate_policy_new` and the setters, or read the
/// one `kv_client_get_certificate_policy` returns. Not thread-safe: one thread at a time.
pub struct kv_certificate_policy {
    builder: PolicyBuilder,
    subject: Text,
    issuer_name: Text,
    content_type: Text,
    key_type: Text,
}

impl kv_certificate_policy {
    fn from_builder(builder: PolicyBuilder) -> kv_certificate_policy {
        let p = builder.clone().build_unchecked();
        let x = p.x509_props.as_ref();
        kv_certificate_policy {
            subject: Text::from_opt(x.and_then(|x| x.subject.as_deref())),
            issuer_name: Text::from_opt(p.issuer.as_ref().and_then(|i| i.name.as_deref())),
            content_type: Text::from_opt(p.secret_props.as_ref().and_then(|s| s.content_type.as_deref())),
            key_type: Text::from_opt(p.key_props.as_ref().and_then(|k| k.kty.as_deref())),
            builder,
        }
    }

    fn from_policy(policy: CertificatePolicy) -> kv_certificate_policy {
        let json = serde_json::to_value(&policy).unwrap_or_default();
        let builder = serde_json::from_value::<CertificatePolicy>(json).map(policy_builder).unwrap_or_default();
        kv_certificate_policy::from_builder(builder)
    }

    fn policy(&self) -> CertificatePolicy {
        self.builder.clone().build_unchecked()
    }

    fn edit(&mut self, f: impl FnOnce(PolicyBuilder) -> PolicyBuilder) {
        let b = std::mem::take(&mut self.builder);
        *self = kv_certificate_policy::from_builder(f(b));
    }
}

fn policy_builder(policy: CertificatePolicy) -> PolicyBuilder {
    PolicyBuilder::from_policy(policy)
}

/// The pending (or finished) creation of a certificate. Immutable. Free with
/// `kv_certificate_operation_free`.
pub struct kv_certificate_operation {
    id: Text,
    status: Text,
    status_details: Text,
    target: Text,
    request_id: Text,
    issuer_name: Text,
    error_code: Text,
    error_message: Text,
    op: CertificateOperation,
}

impl kv_certificate_operation {
    fn new(op: CertificateOperation) -> kv_certificate_operation {
        let err = op.error.as_ref().filter(|e| !e.is_null());
        kv_certificate_operation {
            id: Text::from_opt(op.id.as_deref()),
            status: Text::from_opt(op.status.as_deref()),
            status_details: Text::from_opt(op.status_details.as_deref()),
            target: Text::from_opt(op.target.as_deref()),
            request_id: Text::from_opt(op.request_id.as_deref()),
            issuer_name: Text::from_opt(op.issuer.as_ref().and_then(|i| i.name.as_deref())),
            error_code: Text::from_opt(err.and_then(|e| e["code"].as_str())),
            error_message: Text::from_opt(err.and_then(|e| e["message"].as_str())),
            op,
        }
    }
}

/// Properties for create, import, merge and update: enabled and tags; only what is set is sent.
#[derive(Default)]
pub struct kv_certificate_options {
    inner: CertificateProperties,
}

/// Iterates a certificates list (items carry id, name, version for versions lists, attributes
/// and tags, no certificate). Use from one thread at a time.
pub struct kv_certificate_iter {
    pager: Pager<CertificateBundle>,
}

/// A certificate issuer (list items carry name and provider only).
pub struct kv_issuer {
    id: Text,
    name: Text,
    provider: Text,
    account_id: Text,
    organization_id: Text,
    issuer: Issuer,
}

impl kv_issuer {
    fn new(issuer: Issuer) -> kv_issuer {
        let b = &issuer.bundle;
        kv_issuer {
            id: Text::from_opt(b.id.as_deref()),
            name: Text::new(issuer.name.as_bytes()),
            provider: Text::from_opt(b.provider.as_deref()),
            account_id: Text::from_opt(b.credentials.as_ref().and_then(|c| c.account_id.as_deref())),
            organization_id: Text::from_opt(b.org_details.as_ref().and_then(|o| o.id.as_deref())),
            issuer,
        }
    }
}

/// Settings for `kv_client_set_certificate_issuer` / `kv_client_update_certificate_issuer`.
/// The password is zeroized when freed.
#[derive(Default)]
pub struct kv_issuer_options {
    inner: IssuerOptions,
}

/// Iterates certificate issuers.
pub struct kv_issuer_iter {
    pager: Pager<IssuerBundle>,
}

/// Certificate contacts: build a list with `kv_certificate_contacts_new` and
/// `kv_certificate_contacts_add`, or read what the vault returned.
#[derive(Default)]
pub struct kv_certificate_contacts {
    contacts: Vec<Contact>,
    texts: Vec<[Text; 3]>,
}

impl kv_certificate_contacts {
    fn from(contacts: Vec<Contact>) -> kv_certificate_contacts {
        let texts = contacts
            .iter()
            .map(|c| {
                [
                    Text::from_opt(c.email.as_deref()),
                    Text::from_opt(c.name.as_deref()),
                    Text::from_opt(c.phone.as_deref()),
                ]
            })
            .collect();
        kv_certificate_contacts { contacts, texts }
    }
}

fn client<'a>(c: *const kv_client) -> Result<&'a crate::client::Client> {
    handle(c, "client").map(|c| &c.inner)
}

fn write<T>(out: Option<&mut *mut T>, value: T) {
    if let Some(out) = out {
        *out = into_handle(value);
    }
}

fn props(opts: *const kv_certificate_options) -> CertificateProperties {
    optional_handle(opts).map(|o| o.inner.clone()).unwrap_or_default()
}

fn ms(timeout_ms: u32) -> Duration {
    Duration::from_millis(timeout_ms.into())
}

// --- policy -----------------------------------------------------------------------------------

/// New policy for a certificate with this subject (e.g. "CN=example.com"), issuer "Self"; the
/// service fills in what is not set (RSA 2048, exportable, PKCS#12, 12 months). NULL on a NULL or
/// non-UTF-8 subject.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_new(subject: *const c_char) -> *mut kv_certificate_policy {
    ffi_value!(std::ptr::null_mut(), {
        match string(subject, "subject") {
            Ok(s) => into_handle(kv_certificate_policy::from_builder(PolicyBuilder::new(s))),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

/// New empty policy: only what the setters set is sent (for `kv_client_update_certificate_policy`
/// and import).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_new_empty() -> *mut kv_certificate_policy {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_certificate_policy::from_builder(PolicyBuilder::empty())) })
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
        let value = string(subject, "subject")?.to_owned();
        p.edit(|b| b.subject(&value));
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
        let value = string(dns_name, "dns_name")?.to_owned();
        p.edit(|b| b.dns_name(&value));
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
        let value = string(email, "email")?.to_owned();
        p.edit(|b| b.email(&value));
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
        let value = string(upn, "upn")?.to_owned();
        p.edit(|b| b.upn(&value));
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
        let value = string(uri, "uri")?.to_owned();
        p.edit(|b| b.uri(&value));
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
        let value = string(ip_address, "ip_address")?.to_owned();
        p.edit(|b| b.ip_address(&value));
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
        let value = string(key_type, "key_type")?.to_owned();
        p.edit(|b| b.key_type(&value));
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
        let value = string(curve, "curve")?.to_owned();
        p.edit(|b| b.curve(&value));
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
        let value = string(content_type, "content_type")?.to_owned();
        p.edit(|b| b.content_type(&value));
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
        let value = string(key_usage, "key_usage")?.to_owned();
        p.edit(|b| b.key_usage(&value));
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
        let value = string(oid, "oid")?.to_owned();
        p.edit(|b| b.eku(&value));
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
        let value = string(issuer_name, "issuer_name")?.to_owned();
        p.edit(|b| b.issuer(&value));
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
        let value = string(certificate_type, "certificate_type")?.to_owned();
        p.edit(|b| b.certificate_type(&value));
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
        let action = string(action, "action")?.to_owned();
        match (lifetime_percentage, days_before_expiry) {
            (pct, 0) if pct > 0 => p.edit(|b| b.action_at_percentage(&action, pct)),
            (0, days) if days > 0 => p.edit(|b| b.action_days_before_expiry(&action, days)),
            _ => {
                return Err(Error::invalid_argument(
                    "give exactly one trigger: a lifetime percentage or days before expiry (the other 0)",
                ))
            }
        }
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
        let p = handle(p, "policy")?;
        let json = serde_json::to_vec(&p.policy())
            .map_err(|e| Error::new(crate::status::KV_STATUS_INTERNAL, e.to_string()))?;
        *out = into_handle(kv_blob::new(Zeroizing::new(json)));
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
        let policy: CertificatePolicy = serde_json::from_slice(bytes(json, json_len, "json")?)
            .map_err(|e| Error::invalid_argument(format!("the policy JSON is not valid: {e}")))?;
        *out = into_handle(kv_certificate_policy::from_policy(policy));
        Ok(())
    })
}

/// The subject ("" if not set).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_subject(p: *const kv_certificate_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { optional_handle(p).map(|p| p.subject.view()).unwrap_or_else(kv_str::empty) })
}

/// The issuer name ("" if not set).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_issuer_name(p: *const kv_certificate_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { optional_handle(p).map(|p| p.issuer_name.view()).unwrap_or_else(kv_str::empty) })
}

/// The secret content type ("" if not set).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_content_type(p: *const kv_certificate_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { optional_handle(p).map(|p| p.content_type.view()).unwrap_or_else(kv_str::empty) })
}

/// The key type ("" if not set).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_key_type(p: *const kv_certificate_policy) -> kv_str {
    ffi_value!(kv_str::empty(), { optional_handle(p).map(|p| p.key_type.view()).unwrap_or_else(kv_str::empty) })
}

/// The validity in months (0 if not set).
#[no_mangle]
pub extern "C" fn kv_certificate_policy_validity_months(p: *const kv_certificate_policy) -> u32 {
    ffi_value!(0, {
        optional_handle(p).and_then(|p| p.policy().x509_props.and_then(|x| x.validity_months)).unwrap_or(0)
    })
}

/// Frees a policy. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_policy_free(p: *mut kv_certificate_policy) {
    ffi_free!(p)
}

// --- options ----------------------------------------------------------------------------------

/// New, empty certificate options.
#[no_mangle]
pub extern "C" fn kv_certificate_options_new() -> *mut kv_certificate_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_certificate_options::default()) })
}

/// Sets the enabled flag.
#[no_mangle]
pub extern "C" fn kv_certificate_options_set_enabled(
    o: *mut kv_certificate_options,
    enabled: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.enabled = Some(enabled);
        Ok(())
    })
}

/// Adds or replaces a tag; once any tag is set, the call replaces all tags (at most 15).
#[no_mangle]
pub extern "C" fn kv_certificate_options_set_tag(
    o: *mut kv_certificate_options,
    key: *const c_char,
    value: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let key = string(key, "key")?.to_owned();
        let value = string(value, "value")?.to_owned();
        o.inner.tags.get_or_insert_with(Default::default).insert(key.into(), value.into());
        Ok(())
    })
}

/// Frees certificate options. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_options_free(o: *mut kv_certificate_options) {
    ffi_free!(o)
}

// --- operations -------------------------------------------------------------------------------

/// Starts creating a certificate (a new version) with `policy` (not consumed) and `opts` (NULL =
/// none). `out` may be NULL; it receives the pending operation. Wait with
/// `kv_client_wait_for_certificate`.
#[no_mangle]
pub extern "C" fn kv_client_create_certificate(
    c: *const kv_client,
    name: *const c_char,
    policy: *const kv_certificate_policy,
    opts: *const kv_certificate_options,
    out: *mut *mut kv_certificate_operation,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let policy = handle(policy, "policy")?.policy();
        let op = client.create_certificate(name, &policy, &props(opts))?;
        write(optional_out_slot(out), kv_certificate_operation::new(op));
        Ok(())
    })
}

/// Waits until the certificate's creation finishes (polling every 200 ms to 2 s): on success
/// `*out` (may be NULL) receives the new certificate; a failed operation gives its error mapped
/// like a service error; KV_STATUS_TIMEOUT after `timeout_ms`.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_certificate(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let cert = client(c)?.wait_for_certificate(string(name, "name")?, ms(timeout_ms))?;
        write(optional_out_slot(out), kv_certificate::new(cert));
        Ok(())
    })
}

/// Imports a certificate with its private key: `data` is PEM text (a PRIVATE KEY block and the
/// certificates) or PKCS#12 bytes with `password` (NULL = none). `policy` and `opts` may be NULL.
/// A PEM without a private key is refused with KV_STATUS_INVALID_ARGUMENT before anything is
/// sent; a wrong PKCS#12 password is the service's KV_STATUS_BAD_PARAMETER.
#[no_mangle]
pub extern "C" fn kv_client_import_certificate(
    c: *const kv_client,
    name: *const c_char,
    data: *const u8,
    data_len: usize,
    password: *const c_char,
    policy: *const kv_certificate_policy,
    opts: *const kv_certificate_options,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        let data = bytes(data, data_len, "data")?;
        let password = optional_string(password, "password")?;
        let policy = optional_handle(policy).map(|p| p.policy());
        let cert = client.import_certificate(name, data, password, policy.as_ref(), &props(opts))?;
        write(optional_out_slot(out), kv_certificate::new(cert));
        Ok(())
    })
}

/// Gets a certificate (public part); `version` NULL or "" = latest.
#[no_mangle]
pub extern "C" fn kv_client_get_certificate(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        let version = optional_string(version, "version")?.unwrap_or("");
        *out = into_handle(kv_certificate::new(client.get_certificate(string(name, "name")?, version)?));
        Ok(())
    })
}

/// Updates enabled and tags of a certificate version (`version` NULL or "" = latest). `out` may
/// be NULL.
#[no_mangle]
pub extern "C" fn kv_client_update_certificate_properties(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    opts: *const kv_certificate_options,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let opts = handle(opts, "opts")?;
        let cert = client.update_certificate_properties(string(name, "name")?, version, &opts.inner)?;
        write(optional_out_slot(out), kv_certificate::new(cert));
        Ok(())
    })
}

/// Gets a certificate's policy.
#[no_mangle]
pub extern "C" fn kv_client_get_certificate_policy(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate_policy,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let policy = client(c)?.get_certificate_policy(string(name, "name")?)?;
        *out = into_handle(kv_certificate_policy::from_policy(policy));
        Ok(())
    })
}

/// Updates a certificate's policy (only what `policy` sets changes). `out` may be NULL; it
/// receives the resulting policy.
#[no_mangle]
pub extern "C" fn kv_client_update_certificate_policy(
    c: *const kv_client,
    name: *const c_char,
    policy: *const kv_certificate_policy,
    out: *mut *mut kv_certificate_policy,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let policy = handle(policy, "policy")?.policy();
        let updated = client.update_certificate_policy(string(name, "name")?, &policy)?;
        write(optional_out_slot(out), kv_certificate_policy::from_policy(updated));
        Ok(())
    })
}

/// Gets the certificate's pending (or last) creation operation.
#[no_mangle]
pub extern "C" fn kv_client_get_certificate_operation(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate_operation,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_certificate_operation::new(client(c)?.get_certificate_operation(string(name, "name")?)?));
        Ok(())
    })
}

/// Requests cancellation of the pending operation. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_cancel_certificate_operation(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate_operation,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let op = client(c)?.cancel_certificate_operation(string(name, "name")?)?;
        write(optional_out_slot(out), kv_certificate_operation::new(op));
        Ok(())
    })
}

/// Deletes the pending operation. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_delete_certificate_operation(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate_operation,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let op = client(c)?.delete_certificate_operation(string(name, "name")?)?;
        write(optional_out_slot(out), kv_certificate_operation::new(op));
        Ok(())
    })
}

/// Merges a certificate signed outside the vault into the pending operation: `count` DER
/// certificates (`ders[i]`, `der_lens[i]` bytes), the signed one first. `opts` and `out` may be
/// NULL.
#[no_mangle]
pub extern "C" fn kv_client_merge_certificate(
    c: *const kv_client,
    name: *const c_char,
    ders: *const *const u8,
    der_lens: *const usize,
    count: usize,
    opts: *const kv_certificate_options,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let client = client(c)?;
        let name = string(name, "name")?;
        if count == 0 || ders.is_null() || der_lens.is_null() {
            return Err(Error::new(
                crate::status::KV_STATUS_NULL_ARGUMENT,
                "ders and der_lens must hold at least one certificate",
            ));
        }
        // SAFETY: the caller passes arrays of `count` elements (kv.h contract), checked non-NULL.
        let (ptrs, lens) =
            unsafe { (std::slice::from_raw_parts(ders, count), std::slice::from_raw_parts(der_lens, count)) };
        let chain = ptrs.iter().zip(lens).map(|(p, l)| bytes(*p, *l, "der")).collect::<Result<Vec<&[u8]>>>()?;
        let cert = client.merge_certificate(name, &chain, &props(opts))?;
        write(optional_out_slot(out), kv_certificate::new(cert));
        Ok(())
    })
}

/// Deletes a certificate and all its versions (soft delete). The move to the deleted collection
/// may finish later: see `kv_client_wait_for_deleted_certificate`. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_delete_certificate(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let cert = client(c)?.delete_certificate(string(name, "name")?)?;
        write(optional_out_slot(out), kv_certificate::new(cert));
        Ok(())
    })
}

/// Waits until a deleted certificate has reached the deleted collection (polling every 200 ms
/// to 2 s; a 403 counts as done); KV_STATUS_TIMEOUT after `timeout_ms`.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_deleted_certificate(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { client(c)?.wait_for_deleted_certificate(string(name, "name")?, ms(timeout_ms)) })
}

/// Waits until a recovered certificate is back, polling like
/// `kv_client_wait_for_deleted_certificate`.
#[no_mangle]
pub extern "C" fn kv_client_wait_for_recovered_certificate(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { client(c)?.wait_for_recovered_certificate(string(name, "name")?, ms(timeout_ms)) })
}

/// Gets a deleted certificate.
#[no_mangle]
pub extern "C" fn kv_client_get_deleted_certificate(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_certificate::new(client(c)?.get_deleted_certificate(string(name, "name")?)?));
        Ok(())
    })
}

/// Recovers a deleted certificate. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_recover_deleted_certificate(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let cert = client(c)?.recover_deleted_certificate(string(name, "name")?)?;
        write(optional_out_slot(out), kv_certificate::new(cert));
        Ok(())
    })
}

/// Purges a deleted certificate permanently.
#[no_mangle]
pub extern "C" fn kv_client_purge_deleted_certificate(
    c: *const kv_client,
    name: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { client(c)?.purge_deleted_certificate(string(name, "name")?) })
}

/// Backs up all versions of a certificate into an opaque blob.
#[no_mangle]
pub extern "C" fn kv_client_backup_certificate(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_blob::new(client(c)?.backup_certificate(string(name, "name")?)?));
        Ok(())
    })
}

/// Restores a certificate from a backup blob. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_restore_certificate(
    c: *const kv_client,
    backup: *const u8,
    backup_len: usize,
    out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let cert = client(c)?.restore_certificate(bytes(backup, backup_len, "backup")?)?;
        write(optional_out_slot(out), kv_certificate::new(cert));
        Ok(())
    })
}

/// Starts listing certificates; `include_pending` adds those whose creation has not finished.
#[no_mangle]
pub extern "C" fn kv_client_list_certificates(
    c: *const kv_client,
    include_pending: bool,
    out: *mut *mut kv_certificate_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_certificate_iter { pager: client(c)?.list_certificates(include_pending) });
        Ok(())
    })
}

/// Starts listing the versions of a certificate.
#[no_mangle]
pub extern "C" fn kv_client_list_certificate_versions(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_certificate_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_certificate_iter { pager: client(c)?.list_certificate_versions(string(name, "name")?)? });
        Ok(())
    })
}

/// Starts listing deleted certificates; `include_pending` adds those not yet fully deleted.
#[no_mangle]
pub extern "C" fn kv_client_list_deleted_certificates(
    c: *const kv_client,
    include_pending: bool,
    out: *mut *mut kv_certificate_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_certificate_iter { pager: client(c)?.list_deleted_certificates(include_pending) });
        Ok(())
    })
}

/// Next item of a certificates list, or NULL at the end.
#[no_mangle]
pub extern "C" fn kv_certificate_iter_next(
    it: *mut kv_certificate_iter,
    item_out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(item_out, "item_out")?;
        let next = handle_mut(it, "iterator")?.pager.next_item()?;
        *out = next.map(|b| into_handle(kv_certificate::new(certificate_from_item(b)))).unwrap_or(std::ptr::null_mut());
        Ok(())
    })
}

/// Frees a certificates iterator. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_iter_free(it: *mut kv_certificate_iter) {
    ffi_free!(it)
}

/// Downloads a certificate with its private key through its secret (`version` NULL or "" =
/// latest) in `format`; `password` (NULL = empty) protects KV_CERTIFICATE_FORMAT_PKCS12. The
/// blob is zeroized when freed. Needs an exportable key and permission to get secrets.
#[no_mangle]
pub extern "C" fn kv_client_download_certificate(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    format: kv_certificate_format,
    password: *const c_char,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let client = client(c)?;
        let version = optional_string(version, "version")?.unwrap_or("");
        let password = optional_string(password, "password")?.unwrap_or("");
        if !CERTIFICATE_FORMATS.contains(&format) {
            return Err(Error::invalid_argument(format!(
                "certificate format {format} is not one of KV_CERTIFICATE_FORMAT_*"
            )));
        }
        let with_key = client.download_certificate(string(name, "name")?, version)?;
        let data = match format {
            KV_CERTIFICATE_FORMAT_PEM => with_key.to_pem()?,
            KV_CERTIFICATE_FORMAT_PKCS12 => with_key.to_pkcs12(password)?,
            KV_CERTIFICATE_FORMAT_CHAIN_PEM => with_key.chain_pem()?,
            _ => with_key.key_pem()?,
        };
        *out = into_handle(kv_blob::new(data));
        Ok(())
    })
}

// --- certificate accessors --------------------------------------------------------------------

fn view(c: *const kv_certificate, get: impl FnOnce(&kv_certificate) -> kv_str) -> kv_str {
    optional_handle(c).map(get).unwrap_or_else(kv_str::empty)
}

fn number<T: Copy>(c: *const kv_certificate, default: T, get: impl FnOnce(&kv_certificate) -> Option<T>) -> T {
    optional_handle(c).and_then(get).unwrap_or(default)
}

/// The identifier `https://{vault}/certificates/{name}[/{version}]` ("" if absent).
#[no_mangle]
pub extern "C" fn kv_certificate_id(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.id.view()) })
}

/// The name.
#[no_mangle]
pub extern "C" fn kv_certificate_name(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.name.view()) })
}

/// The version ("" for items of `kv_client_list_certificates` and deleted certificates).
#[no_mangle]
pub extern "C" fn kv_certificate_version(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.version.view()) })
}

/// The id of the key backing the certificate ("" if absent).
#[no_mangle]
pub extern "C" fn kv_certificate_key_id(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.key_id.view()) })
}

/// The id of the secret holding the certificate with its key ("" if absent).
#[no_mangle]
pub extern "C" fn kv_certificate_secret_id(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.secret_id.view()) })
}

/// The certificate, DER (empty for list items).
#[no_mangle]
pub extern "C" fn kv_certificate_der(c: *const kv_certificate) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), {
        optional_handle(c).map(|c| kv_bytes::of(c.cert.der())).unwrap_or_else(|| kv_bytes::of(&[]))
    })
}

/// The certificate as PEM text (one CERTIFICATE block).
#[no_mangle]
pub extern "C" fn kv_certificate_pem(
    c: *const kv_certificate,
    out: *mut *mut kv_blob,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let pem = handle(c, "certificate")?.cert.pem()?;
        *out = into_handle(kv_blob::new(Zeroizing::new(pem.into_bytes())));
        Ok(())
    })
}

/// Subject distinguished name, e.g. "CN=example.com" ("" without a certificate).
#[no_mangle]
pub extern "C" fn kv_certificate_subject(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.subject.view()) })
}

/// Issuer distinguished name.
#[no_mangle]
pub extern "C" fn kv_certificate_issuer_name(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.issuer.view()) })
}

/// Serial number, lower-case hex.
#[no_mangle]
pub extern "C" fn kv_certificate_serial(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.serial.view()) })
}

/// SHA-1 thumbprint, upper-case hex.
#[no_mangle]
pub extern "C" fn kv_certificate_thumbprint(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.thumbprint.view()) })
}

/// Start of validity, Unix seconds (0 without a certificate).
#[no_mangle]
pub extern "C" fn kv_certificate_not_before(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { number(c, 0, |c| Some(c.info.not_before)) })
}

/// End of validity (expiry), Unix seconds (0 without a certificate).
#[no_mangle]
pub extern "C" fn kv_certificate_not_after(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { number(c, 0, |c| Some(c.info.not_after)) })
}

/// Number of subject alternative names.
#[no_mangle]
pub extern "C" fn kv_certificate_san_count(c: *const kv_certificate) -> usize {
    ffi_value!(0, { number(c, 0, |c| Some(c.sans.len())) })
}

/// Subject alternative name `index`, typed like openssl prints it: "DNS:example.com",
/// "email:a@b", "URI:https://x", "IP:127.0.0.1" ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_certificate_san(c: *const kv_certificate, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.sans.get(index).map(Text::view).unwrap_or_else(kv_str::empty)) })
}

/// Whether the certificate is enabled (true when the reply does not say).
#[no_mangle]
pub extern "C" fn kv_certificate_enabled(c: *const kv_certificate) -> bool {
    ffi_value!(false, { number(c, false, |c| Some(c.cert.bundle.attributes.enabled.unwrap_or(true))) })
}

/// Creation time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_certificate_created(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { number(c, 0, |c| c.cert.bundle.attributes.created) })
}

/// Last update time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_certificate_updated(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { number(c, 0, |c| c.cert.bundle.attributes.updated) })
}

/// For deleted certificates: the recovery id ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_certificate_recovery_id(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.recovery_id.view()) })
}

/// For deleted certificates: deletion time, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_certificate_deleted_date(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { number(c, 0, |c| c.cert.bundle.deleted_date) })
}

/// For deleted certificates: scheduled purge time, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_certificate_scheduled_purge_date(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { number(c, 0, |c| c.cert.bundle.scheduled_purge_date) })
}

/// Number of tags (ordered by name).
#[no_mangle]
pub extern "C" fn kv_certificate_tag_count(c: *const kv_certificate) -> usize {
    ffi_value!(0, { number(c, 0, |c| Some(c.tags.len())) })
}

/// Name of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_certificate_tag_name(c: *const kv_certificate, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.tags.get(index).map(|(k, _)| k.view()).unwrap_or_else(kv_str::empty)) })
}

/// Value of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_certificate_tag_value(c: *const kv_certificate, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.tags.get(index).map(|(_, v)| v.view()).unwrap_or_else(kv_str::empty)) })
}

/// Frees a certificate. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_free(c: *mut kv_certificate) {
    ffi_free!(c)
}

// --- operation accessors ----------------------------------------------------------------------

fn op_view(o: *const kv_certificate_operation, get: impl FnOnce(&kv_certificate_operation) -> kv_str) -> kv_str {
    optional_handle(o).map(get).unwrap_or_else(kv_str::empty)
}

/// The operation id `https://{vault}/certificates/{name}/pending`.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_id(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { op_view(o, |o| o.id.view()) })
}

/// Status: "inProgress", "completed", "cancelled" or "failed".
#[no_mangle]
pub extern "C" fn kv_certificate_operation_status(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { op_view(o, |o| o.status.view()) })
}

/// Status details ("" if none).
#[no_mangle]
pub extern "C" fn kv_certificate_operation_status_details(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { op_view(o, |o| o.status_details.view()) })
}

/// Id of the certificate the operation makes.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_target(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { op_view(o, |o| o.target.view()) })
}

/// The issuer's request id ("" if none).
#[no_mangle]
pub extern "C" fn kv_certificate_operation_request_id(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { op_view(o, |o| o.request_id.view()) })
}

/// The issuer name of the request.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_issuer_name(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { op_view(o, |o| o.issuer_name.view()) })
}

/// The certificate signing request, DER (empty when none): sign it and merge the result.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_csr(o: *const kv_certificate_operation) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), {
        optional_handle(o)
            .and_then(|o| o.op.csr.as_ref())
            .map(|c| kv_bytes::of(&c.0))
            .unwrap_or_else(|| kv_bytes::of(&[]))
    })
}

/// Whether cancellation was requested.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_cancellation_requested(o: *const kv_certificate_operation) -> bool {
    ffi_value!(false, { optional_handle(o).and_then(|o| o.op.cancellation_requested).unwrap_or(false) })
}

/// The error code of a failed operation ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_certificate_operation_error_code(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { op_view(o, |o| o.error_code.view()) })
}

/// The error message of a failed operation ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_certificate_operation_error_message(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { op_view(o, |o| o.error_message.view()) })
}

/// Frees an operation. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_free(o: *mut kv_certificate_operation) {
    ffi_free!(o)
}

// --- issuers ----------------------------------------------------------------------------------

/// New, empty issuer options.
#[no_mangle]
pub extern "C" fn kv_issuer_options_new() -> *mut kv_issuer_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_issuer_options::default()) })
}

/// Sets the provider, e.g. "DigiCert" (required by `kv_client_set_certificate_issuer`).
#[no_mangle]
pub extern "C" fn kv_issuer_options_set_provider(
    o: *mut kv_issuer_options,
    provider: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.inner.provider = Some(string(provider, "provider")?.to_owned());
        Ok(())
    })
}

/// Sets the account credentials at the provider (`password` NULL = none; zeroized on free).
#[no_mangle]
pub extern "C" fn kv_issuer_options_set_credentials(
    o: *mut kv_issuer_options,
    account_id: *const c_char,
    password: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.inner.account_id = Some(string(account_id, "account_id")?.to_owned());
        o.inner.password = optional_string(password, "password")?.map(|p| Zeroizing::new(p.to_owned()));
        Ok(())
    })
}

/// Sets the organization id.
#[no_mangle]
pub extern "C" fn kv_issuer_options_set_organization_id(
    o: *mut kv_issuer_options,
    organization_id: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        o.inner.organization_id = Some(string(organization_id, "organization_id")?.to_owned());
        Ok(())
    })
}

/// Adds an administrator of the organization (any argument may be NULL).
#[no_mangle]
pub extern "C" fn kv_issuer_options_add_admin(
    o: *mut kv_issuer_options,
    first_name: *const c_char,
    last_name: *const c_char,
    email: *const c_char,
    phone: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let text = |p, what| optional_string(p, what).map(|s| s.map(str::to_owned));
        o.inner.admins.push(AdministratorDetails {
            first_name: text(first_name, "first_name")?,
            last_name: text(last_name, "last_name")?,
            email: text(email, "email")?,
            phone: text(phone, "phone")?,
        });
        Ok(())
    })
}

/// Sets the enabled flag.
#[no_mangle]
pub extern "C" fn kv_issuer_options_set_enabled(
    o: *mut kv_issuer_options,
    enabled: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.enabled = Some(enabled);
        Ok(())
    })
}

/// Frees issuer options, zeroizing the password. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_issuer_options_free(o: *mut kv_issuer_options) {
    ffi_free!(o)
}

/// Creates or replaces a certificate issuer. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_set_certificate_issuer(
    c: *const kv_client,
    name: *const c_char,
    opts: *const kv_issuer_options,
    out: *mut *mut kv_issuer,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let issuer = client(c)?.set_certificate_issuer(string(name, "name")?, &handle(opts, "opts")?.inner)?;
        write(optional_out_slot(out), kv_issuer::new(issuer));
        Ok(())
    })
}

/// Updates a certificate issuer (only what `opts` sets changes). `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_update_certificate_issuer(
    c: *const kv_client,
    name: *const c_char,
    opts: *const kv_issuer_options,
    out: *mut *mut kv_issuer,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let issuer = client(c)?.update_certificate_issuer(string(name, "name")?, &handle(opts, "opts")?.inner)?;
        write(optional_out_slot(out), kv_issuer::new(issuer));
        Ok(())
    })
}

/// Gets a certificate issuer.
#[no_mangle]
pub extern "C" fn kv_client_get_certificate_issuer(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_issuer,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_issuer::new(client(c)?.get_certificate_issuer(string(name, "name")?)?));
        Ok(())
    })
}

/// Deletes a certificate issuer. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_delete_certificate_issuer(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut kv_issuer,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let issuer = client(c)?.delete_certificate_issuer(string(name, "name")?)?;
        write(optional_out_slot(out), kv_issuer::new(issuer));
        Ok(())
    })
}

/// Starts listing certificate issuers.
#[no_mangle]
pub extern "C" fn kv_client_list_certificate_issuers(
    c: *const kv_client,
    out: *mut *mut kv_issuer_iter,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_issuer_iter { pager: client(c)?.list_certificate_issuers() });
        Ok(())
    })
}

/// Next issuer of a list, or NULL at the end.
#[no_mangle]
pub extern "C" fn kv_issuer_iter_next(
    it: *mut kv_issuer_iter,
    item_out: *mut *mut kv_issuer,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(item_out, "item_out")?;
        let next = handle_mut(it, "iterator")?.pager.next_item()?;
        *out = next.map(|b| into_handle(kv_issuer::new(Issuer::from_bundle(b)))).unwrap_or(std::ptr::null_mut());
        Ok(())
    })
}

/// Frees an issuers iterator. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_issuer_iter_free(it: *mut kv_issuer_iter) {
    ffi_free!(it)
}

fn issuer_view(i: *const kv_issuer, get: impl FnOnce(&kv_issuer) -> kv_str) -> kv_str {
    optional_handle(i).map(get).unwrap_or_else(kv_str::empty)
}

/// The issuer id.
#[no_mangle]
pub extern "C" fn kv_issuer_id(i: *const kv_issuer) -> kv_str {
    ffi_value!(kv_str::empty(), { issuer_view(i, |i| i.id.view()) })
}

/// The issuer name.
#[no_mangle]
pub extern "C" fn kv_issuer_name(i: *const kv_issuer) -> kv_str {
    ffi_value!(kv_str::empty(), { issuer_view(i, |i| i.name.view()) })
}

/// The provider.
#[no_mangle]
pub extern "C" fn kv_issuer_provider(i: *const kv_issuer) -> kv_str {
    ffi_value!(kv_str::empty(), { issuer_view(i, |i| i.provider.view()) })
}

/// The account id ("" if none; the password is never returned).
#[no_mangle]
pub extern "C" fn kv_issuer_account_id(i: *const kv_issuer) -> kv_str {
    ffi_value!(kv_str::empty(), { issuer_view(i, |i| i.account_id.view()) })
}

/// The organization id ("" if none).
#[no_mangle]
pub extern "C" fn kv_issuer_organization_id(i: *const kv_issuer) -> kv_str {
    ffi_value!(kv_str::empty(), { issuer_view(i, |i| i.organization_id.view()) })
}

/// Whether the issuer is enabled (true when the reply does not say).
#[no_mangle]
pub extern "C" fn kv_issuer_enabled(i: *const kv_issuer) -> bool {
    ffi_value!(false, {
        optional_handle(i)
            .map(|i| i.issuer.bundle.attributes.as_ref().and_then(|a| a.enabled).unwrap_or(true))
            .unwrap_or(false)
    })
}

/// Frees an issuer. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_issuer_free(i: *mut kv_issuer) {
    ffi_free!(i)
}

// --- contacts ---------------------------------------------------------------------------------

/// New, empty contacts list (for `kv_client_set_certificate_contacts`).
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_new() -> *mut kv_certificate_contacts {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_certificate_contacts::default()) })
}

/// Adds a contact; any of `email`, `name`, `phone` may be NULL, not all.
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_add(
    l: *mut kv_certificate_contacts,
    email: *const c_char,
    name: *const c_char,
    phone: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let l = handle_mut(l, "contacts")?;
        let text = |p, what| optional_string(p, what).map(|s| s.map(str::to_owned));
        let contact = Contact { email: text(email, "email")?, name: text(name, "name")?, phone: text(phone, "phone")? };
        if contact.email.is_none() && contact.name.is_none() && contact.phone.is_none() {
            return Err(Error::invalid_argument("a contact needs an e-mail address, a name or a phone number"));
        }
        let mut contacts = std::mem::take(&mut l.contacts);
        contacts.push(contact);
        *l = kv_certificate_contacts::from(contacts);
        Ok(())
    })
}

/// Number of contacts.
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_count(l: *const kv_certificate_contacts) -> usize {
    ffi_value!(0, { optional_handle(l).map(|l| l.contacts.len()).unwrap_or(0) })
}

fn contact_field(l: *const kv_certificate_contacts, index: usize, field: usize) -> kv_str {
    optional_handle(l).and_then(|l| l.texts.get(index)).map(|t| t[field].view()).unwrap_or_else(kv_str::empty)
}

/// E-mail of contact `index` ("" when none or out of range).
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_email(l: *const kv_certificate_contacts, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { contact_field(l, index, 0) })
}

/// Name of contact `index`.
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_name(l: *const kv_certificate_contacts, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { contact_field(l, index, 1) })
}

/// Phone of contact `index`.
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_phone(l: *const kv_certificate_contacts, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { contact_field(l, index, 2) })
}

/// Frees a contacts list. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_free(l: *mut kv_certificate_contacts) {
    ffi_free!(l)
}

/// Sets (replaces) the vault's certificate contacts. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_set_certificate_contacts(
    c: *const kv_client,
    contacts: *const kv_certificate_contacts,
    out: *mut *mut kv_certificate_contacts,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let set = client(c)?.set_certificate_contacts(&handle(contacts, "contacts")?.contacts)?;
        write(optional_out_slot(out), kv_certificate_contacts::from(set));
        Ok(())
    })
}

/// Gets the vault's certificate contacts.
#[no_mangle]
pub extern "C" fn kv_client_get_certificate_contacts(
    c: *const kv_client,
    out: *mut *mut kv_certificate_contacts,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_certificate_contacts::from(client(c)?.get_certificate_contacts()?));
        Ok(())
    })
}

/// Deletes the vault's certificate contacts. `out` may be NULL; it receives the deleted ones.
#[no_mangle]
pub extern "C" fn kv_client_delete_certificate_contacts(
    c: *const kv_client,
    out: *mut *mut kv_certificate_contacts,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let deleted = client(c)?.delete_certificate_contacts()?;
        write(optional_out_slot(out), kv_certificate_contacts::from(deleted));
        Ok(())
    })
}
