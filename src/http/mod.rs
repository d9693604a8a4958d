//! The HTTP pipeline: one per client, shared by all threads. Builds requests (api-version,
//! JSON headers, client request id, verb override), authorizes them through the vault's
//! challenge, retries what is retriable within an overall deadline, and logs with redaction.

pub mod log;
pub mod pipeline;
pub mod resend;
pub mod resolve;
pub mod retry;
pub mod socket;
pub mod transport;
pub mod vault_url;

pub use pipeline::{Method, Pipeline, PipelineOptions, Request, Response};
pub use vault_url::VaultUrl;
