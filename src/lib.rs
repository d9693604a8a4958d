//! kv: an Azure Key Vault client with a C ABI.
//!
//! One synchronous Rust core (this crate, usable as an `rlib`) behind `extern "C"` functions in
//! [`ffi`], whose declarations cbindgen writes to `include/kv.h`. Layers, top to bottom (no
//! module imports one above it; `scripts/check_layers.py` checks it, `docs/architecture.md`
//! draws it): [`ffi`] (C boundary) → the service modules ([`secrets`], [`keys`],
//! [`certificates`], [`backup`], `crypto::remote`) → [`vault`] (client, request pipeline,
//! challenge, paging, polling) → [`auth`] (credentials, token cache) → [`http`] (transport,
//! retry, resend policy, log, vault URL) → [`crypto`] (local primitives) → [`model`],
//! [`names`], [`files`] → [`error`].
#![deny(missing_docs)]

pub mod auth;
pub mod backup;
pub mod cache;
pub mod certificates;
pub mod crypto;
pub mod error;
pub mod ffi;
pub mod files;

#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod keys;
pub mod listing;
pub mod model;
pub mod names;
pub mod rotation;
pub mod secrets;
pub mod text;
pub mod vault;

pub use error::{Error, ErrorKind, Result};
pub use http::cancel::CallContext;
pub use vault::{client, paging, wait};
pub use vault::{Client, ClientOptions};
