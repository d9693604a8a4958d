//! Authentication: credentials that produce tokens and the shared token cache. Which tenant and
//! scope to ask for comes from the vault's challenge, which the layer above handles
//! ([`crate::vault::challenge`]).

pub mod azure_cli;
pub mod callback;
pub mod client_certificate;
pub mod client_secret;
pub mod credential;
pub mod deadline;
pub mod default_chain;
pub mod environment;
pub mod identity_platform;
pub mod managed_identity;
pub mod options;
pub mod static_token;
pub mod token;
pub mod token_cache;
pub mod token_text;
pub mod workload_identity;

pub use credential::{AccessToken, Credential, TokenRequest, TokenSource};
