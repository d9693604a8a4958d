//! The vault protocol, above the credentials: the client ([`Client`]), the request pipeline
//! (URL, api-version, headers, challenge authorization, retries through [`crate::http::retry`],
//! redirects, error replies), the `WWW-Authenticate` challenge protocol that tells the client
//! which tenant and scope to ask its credential for, paging of list results, and polling until
//! a long operation is done. Built on [`crate::auth`] (tokens) and [`crate::http`] (transport).

pub mod challenge;
pub mod challenge_auth;
pub mod client;
pub mod paging;
pub mod pipeline;
pub mod wait;

pub use client::{Client, ClientOptions};
pub use pipeline::{Pipeline, PipelineOptions};
