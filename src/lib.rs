//! kv: an Azure Key Vault client with a C ABI.
//!
//! One synchronous Rust core (this crate, usable as an `rlib`) behind `extern "C"` functions in
//! [`ffi`], whose declarations cbindgen writes to `include/kv.h`. Layers, top to bottom:
//! [`ffi`] (C boundary only) → [`client`] and the service modules ([`secrets`]) → [`auth`]
//! (credentials, token cache, challenge) and [`http`] (pipeline, retries, transport) →
//! [`model`] (wire types).
#![deny(missing_docs)]

pub mod auth;
pub mod backup;
pub mod certificates;
pub mod client;
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
pub mod paging;
pub mod rotation;
pub mod secrets;
pub mod status;
pub mod text;
pub mod wait;

pub use client::{Client, ClientOptions};
pub use error::{Error, Result};
