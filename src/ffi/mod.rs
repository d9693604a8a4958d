//! The C boundary. Only translation happens here: NULL and UTF-8 checks, handles, the panic
//! boundary, and mapping Rust results to `kv_status` + `kv_error`. No business logic.
//!
//! Every `extern "C"` function body is one `ffi_status!` / `ffi_value!` / `ffi_free!` macro call
//! (a test enforces it), so no panic can unwind into the host.
#![allow(non_camel_case_types)]
// Exported functions take raw pointers from C by design; each dereference is guarded by a NULL
// check in `boundary` and documented as the caller's contract in kv.h.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

// First, so that cbindgen writes the KV_STATUS_* values at the top of kv.h as before.
pub mod status;
#[macro_use]
pub mod boundary;
pub mod calls;
pub mod client;
pub mod credential;
pub mod credential_host;
pub mod enums;
pub mod certificate_policy;
pub mod certificate_options;
pub mod certificates;
pub mod certificate_pager;
pub mod certificate;
pub mod certificate_operation;
pub mod issuer_options;
pub mod issuers;
pub mod issuer_pager;
pub mod issuer;
pub mod certificate_contacts;
pub mod crypto_params;
pub mod crypto_result;
pub mod crypto;
pub mod error;
pub mod key_options;
pub mod keys;
pub mod key_pager;
pub mod rotation_policy;
pub mod key;
// The order of the modules is the order of kv.h (cbindgen reads them in this order).
pub mod secret_options;
pub mod secrets;
pub mod secret_pager;
pub mod secret;
pub mod blob;
pub mod call_context;
pub mod cache;
pub mod log;
pub mod text;

pub use status::{kind_of, status_of};
