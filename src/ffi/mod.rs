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
pub mod call_context;
pub mod client;
pub mod credential;
pub mod credential_host;
pub mod certificates;
pub mod crypto;
pub mod error;
pub mod keys;
pub mod log;
pub mod secrets;
pub mod text;

pub use status::{kind_of, status_of};
