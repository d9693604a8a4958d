//! Authentication: credentials that produce tokens, the shared token cache, and the Key Vault
//! challenge protocol (`WWW-Authenticate`) that tells a client which tenant and scope to ask for.

pub mod challenge;
pub mod challenge_auth;
pub mod credential;
pub mod options;
pub mod static_token;
pub mod token_cache;

pub use credential::{AccessToken, Credential, TokenRequest, TokenSource};
