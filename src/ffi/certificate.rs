//! `kv_certificate`: a certificate, version, list item or deleted certificate, its accessors,
//! and the download of a certificate with its key.

use crate::certificates::{Certificate, X509Texts};
use crate::ffi::blob::kv_blob;
use crate::ffi::boundary::view;
use crate::ffi::boundary::{handle, into_handle, optional_string, out_slot, string, with};
use crate::ffi::calls::client;
use crate::ffi::client::kv_client;
use crate::ffi::enums::{decode, kv_certificate_format, CERTIFICATE_FORMATS};
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::ffi::text::{kv_bytes, kv_str, tag_at};
use std::ffi::c_char;
use zeroize::Zeroizing;

/// A certificate as returned by a call: identifiers, attributes, the DER certificate and its
/// X.509 fields (empty for list items, which carry no certificate). Immutable; read it from any
/// thread. Free with `kv_certificate_free`. Every view its accessors return stays valid until it
/// is freed.
pub struct kv_certificate {
    cert: Certificate,
    /// The X.509 fields, read once from the DER (they exist nowhere else).
    x509: X509Texts,
}

impl From<Certificate> for kv_certificate {
    fn from(cert: Certificate) -> kv_certificate {
        kv_certificate { x509: X509Texts::of(&cert), cert }
    }
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
        let format = decode(&CERTIFICATE_FORMATS, format, "format", "kv_certificate_format (KV_CERTIFICATE_FORMAT_*)")?;
        let data = client.download_certificate_as(string(name, "name")?, version, format, password)?;
        *out = into_handle(kv_blob::new(data));
        Ok(())
    })
}

/// The identifier `https://{vault}/certificates/{name}[/{version}]` ("" if absent).
#[no_mangle]
pub extern "C" fn kv_certificate_id(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.cert.id()) })
}

/// The name.
#[no_mangle]
pub extern "C" fn kv_certificate_name(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| Some(&c.cert.name)) })
}

/// The version ("" for items of `kv_client_list_certificates` and deleted certificates).
#[no_mangle]
pub extern "C" fn kv_certificate_version(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| Some(&c.cert.version)) })
}

/// The id of the key backing the certificate ("" if absent).
#[no_mangle]
pub extern "C" fn kv_certificate_key_id(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.cert.key_id()) })
}

/// The id of the secret holding the certificate with its key ("" if absent).
#[no_mangle]
pub extern "C" fn kv_certificate_secret_id(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.cert.secret_id()) })
}

/// The certificate, DER (empty for list items).
#[no_mangle]
pub extern "C" fn kv_certificate_der(c: *const kv_certificate) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { with(c, kv_bytes::of(&[]), |c| kv_bytes::of(c.cert.der())) })
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
    ffi_value!(kv_str::empty(), { view(c, |c| Some(&c.x509.subject)) })
}

/// Issuer distinguished name.
#[no_mangle]
pub extern "C" fn kv_certificate_issuer_name(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| Some(&c.x509.issuer)) })
}

/// Serial number, lower-case hex.
#[no_mangle]
pub extern "C" fn kv_certificate_serial(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| Some(&c.x509.serial)) })
}

/// SHA-1 thumbprint, upper-case hex.
#[no_mangle]
pub extern "C" fn kv_certificate_thumbprint(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| Some(&c.x509.thumbprint)) })
}

/// Start of validity, Unix seconds (0 without a certificate).
#[no_mangle]
pub extern "C" fn kv_certificate_not_before(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { with(c, 0, |c| c.x509.not_before) })
}

/// End of validity (expiry), Unix seconds (0 without a certificate).
#[no_mangle]
pub extern "C" fn kv_certificate_not_after(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { with(c, 0, |c| c.x509.not_after) })
}

/// Number of subject alternative names.
#[no_mangle]
pub extern "C" fn kv_certificate_san_count(c: *const kv_certificate) -> usize {
    ffi_value!(0, { with(c, 0, |c| c.x509.sans.len()) })
}

/// Subject alternative name `index`, typed like openssl prints it: "DNS:example.com",
/// "email:a@b", "URI:https://x", "IP:127.0.0.1" ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_certificate_san(c: *const kv_certificate, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.x509.sans.get(index)) })
}

/// Whether the certificate is enabled (true when the reply does not say).
#[no_mangle]
pub extern "C" fn kv_certificate_enabled(c: *const kv_certificate) -> bool {
    ffi_value!(false, { with(c, false, |c| c.cert.enabled()) })
}

/// Creation time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_certificate_created(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { with(c, 0, |c| c.cert.created().unwrap_or(0)) })
}

/// Last update time, Unix seconds (0 when unknown).
#[no_mangle]
pub extern "C" fn kv_certificate_updated(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { with(c, 0, |c| c.cert.updated().unwrap_or(0)) })
}

/// For deleted certificates: the recovery id ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_certificate_recovery_id(c: *const kv_certificate) -> kv_str {
    ffi_value!(kv_str::empty(), { view(c, |c| c.cert.recovery_id()) })
}

/// For deleted certificates: deletion time, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_certificate_deleted_date(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { with(c, 0, |c| c.cert.deleted_date().unwrap_or(0)) })
}

/// For deleted certificates: scheduled purge time, Unix seconds (0 otherwise).
#[no_mangle]
pub extern "C" fn kv_certificate_scheduled_purge_date(c: *const kv_certificate) -> i64 {
    ffi_value!(0, { with(c, 0, |c| c.cert.scheduled_purge_date().unwrap_or(0)) })
}

/// Number of tags (ordered by name).
#[no_mangle]
pub extern "C" fn kv_certificate_tag_count(c: *const kv_certificate) -> usize {
    ffi_value!(0, { with(c, 0, |c| c.cert.tags().len()) })
}

/// Name of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_certificate_tag_name(c: *const kv_certificate, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { with(c, kv_str::empty(), |c| tag_at(c.cert.tags(), index).0) })
}

/// Value of tag `index` ("" when out of range).
#[no_mangle]
pub extern "C" fn kv_certificate_tag_value(c: *const kv_certificate, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { with(c, kv_str::empty(), |c| tag_at(c.cert.tags(), index).1) })
}

/// Frees a certificate. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_free(c: *mut kv_certificate) {
    ffi_free!(c)
}
