//! Shared test support: the scripted HTTPS server, a thin safe layer over the C ABI, and the
//! local vault fixture.
#![allow(dead_code)]

/// The service's DeletionRecoveryLevel values (REST spec, 2025-07-01).
pub const RECOVERY_LEVELS: &[&str] = &[
    "Purgeable",
    "Recoverable+Purgeable",
    "Recoverable",
    "Recoverable+ProtectedSubscription",
    "CustomizedRecoverable+Purgeable",
    "CustomizedRecoverable",
    "CustomizedRecoverable+ProtectedSubscription",
];

pub mod capi;
pub mod local_vault;
pub mod scanning;
pub mod scripted_server;
