//! HTTP: the layer below credentials and the vault protocol. The transport (TLS agent, bounded
//! reply bodies), the vault pipeline's own HTTP/1.1 exchange and connection pool, the retry
//! policy and its one loop ([`retry::run`]), the resend policy, redacting logs, the vault's base
//! URL, and the request and reply types the vault pipeline carries.
//! Nothing here knows about tokens or challenges: `auth/` and `vault/` build on it.

pub mod cancel;
pub mod exchange;
pub mod log;
pub mod request;
pub mod resend;
pub mod resolve;
pub mod retry;
pub mod socket;
pub mod transport;
pub mod vault_url;

pub use request::{zeroized_json, Method, Request, Response};
pub use vault_url::VaultUrl;
