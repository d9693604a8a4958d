//! Shared test support: the scripted HTTPS server, a thin safe layer over the C ABI, and the
//! local vault fixture.
#![allow(dead_code)]

pub mod capi;
pub mod local_vault;
pub mod scripted_server;
