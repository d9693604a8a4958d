//! `kv_certificate_operation`: the pending (or finished) creation of a certificate.

use crate::certificates::CertificateOperation;
use crate::ffi::boundary::view;
use crate::ffi::boundary::with;
use crate::ffi::text::{kv_bytes, kv_str, Text};

/// The pending (or finished) creation of a certificate. Immutable. Free with
/// `kv_certificate_operation_free`.
pub struct kv_certificate_operation {
    op: CertificateOperation,
    /// The error's code and message, read once from its JSON (they exist nowhere else as text).
    error_code: Text,
    error_message: Text,
}

impl From<CertificateOperation> for kv_certificate_operation {
    fn from(op: CertificateOperation) -> kv_certificate_operation {
        let error_code = Text::from_opt(op.error_code());
        let error_message = Text::from_opt(op.error_message());
        kv_certificate_operation { op, error_code, error_message }
    }
}

/// The operation id `https://{vault}/certificates/{name}/pending`.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_id(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { view(o, |o| o.op.id.as_ref()) })
}

/// Status: "inProgress", "completed", "cancelled" or "failed".
#[no_mangle]
pub extern "C" fn kv_certificate_operation_status(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { view(o, |o| o.op.status.as_ref()) })
}

/// Status details ("" if none).
#[no_mangle]
pub extern "C" fn kv_certificate_operation_status_details(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { view(o, |o| o.op.status_details.as_ref()) })
}

/// Id of the certificate the operation makes.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_target(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { view(o, |o| o.op.target.as_ref()) })
}

/// The issuer's request id ("" if none).
#[no_mangle]
pub extern "C" fn kv_certificate_operation_request_id(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { view(o, |o| o.op.request_id.as_ref()) })
}

/// The issuer name of the request.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_issuer_name(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { view(o, |o| o.op.issuer_name()) })
}

/// The certificate signing request, DER (empty when none): sign it and merge the result.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_csr(o: *const kv_certificate_operation) -> kv_bytes {
    ffi_value!(kv_bytes::of(&[]), { with(o, kv_bytes::of(&[]), |o| kv_bytes::of(o.op.csr_der())) })
}

/// Whether cancellation was requested.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_cancellation_requested(o: *const kv_certificate_operation) -> bool {
    ffi_value!(false, { with(o, false, |o| o.op.cancellation_requested.unwrap_or(false)) })
}

/// The error code of a failed operation ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_certificate_operation_error_code(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { view(o, |o| Some(&o.error_code)) })
}

/// The error message of a failed operation ("" otherwise).
#[no_mangle]
pub extern "C" fn kv_certificate_operation_error_message(o: *const kv_certificate_operation) -> kv_str {
    ffi_value!(kv_str::empty(), { view(o, |o| Some(&o.error_message)) })
}

/// Frees an operation. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_operation_free(o: *mut kv_certificate_operation) {
    ffi_free!(o)
}
