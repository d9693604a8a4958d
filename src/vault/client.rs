//! The vault client: one per vault URL, `Send + Sync`, every operation takes `&self`.
//! Service operations live in their own modules (`secrets`, ...) as `impl Client` blocks.

use crate::auth::Credential;
use crate::error::{Error, Result};
use crate::http::cancel::CallContext;
use crate::vault::pipeline::{Pipeline, PipelineOptions};
use std::sync::Arc;
use std::time::Duration;

/// Client settings. Start from `ClientOptions::default()`.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Pipeline settings (api-version, timeouts, retries, TLS, verb override, ...).
    pub pipeline: PipelineOptions,
}

impl ClientOptions {
    /// Sets the api-version; it must be non-empty and URL-safe.
    pub fn set_api_version(&mut self, version: &str) -> Result<()> {
        if version.is_empty() || !version.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
            return Err(Error::invalid_argument(format!(
                "api-version '{version}' must be non-empty and only letters, digits, '-' and '.'"
            )));
        }
        self.pipeline.api_version = version.to_owned();
        Ok(())
    }

    /// Sets a PEM file of extra trusted CA certificates; it is read when the client is built.
    pub fn set_ca_file(&mut self, path: &str) -> Result<()> {
        crate::http::transport::load_ca_file(std::path::Path::new(path))?;
        self.pipeline.transport.ca_file = Some(path.to_owned());
        Ok(())
    }

    /// Sets a timeout given in milliseconds; 0 is refused.
    pub fn set_timeout_ms(&mut self, which: Timeout, millis: u64) -> Result<()> {
        if millis == 0 {
            return Err(Error::invalid_argument("a timeout must be at least 1 ms"));
        }
        let d = Duration::from_millis(millis);
        match which {
            Timeout::Connect => self.pipeline.transport.connect_timeout = d,
            Timeout::Read => self.pipeline.transport.read_timeout = d,
            Timeout::Call => self.pipeline.call_timeout = d,
        }
        Ok(())
    }
}

/// Which timeout `ClientOptions::set_timeout_ms` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// Establishing a connection (TCP and TLS).
    Connect,
    /// Waiting for the reply head, then again for the whole body.
    Read,
    /// A whole call, all retries and waits included.
    Call,
}

/// A Key Vault client for one vault.
#[derive(Clone)]
pub struct Client {
    pub(crate) pipeline: Arc<Pipeline>,
}

impl Client {
    /// A client for `vault_url` (e.g. `https://myvault.vault.azure.net`) authenticating with
    /// `credential`.
    pub fn new(vault_url: &str, credential: Arc<Credential>, options: &ClientOptions) -> Result<Client> {
        let pipeline = Pipeline::new(vault_url, credential, options.pipeline.clone())?;
        Ok(Client { pipeline: Arc::new(pipeline) })
    }

    /// The vault URL's origin (`https://host[:port]`).
    pub fn vault_url(&self) -> String {
        self.pipeline.vault().origin().to_owned()
    }

    /// A client sharing this one's connection pool, credential, token cache and challenge
    /// state, whose every call (and every page a list fetches) runs under `context`: a
    /// [`CallContext::cancel`] from any thread ends the call with `ErrorKind::Cancelled` (within
    /// ~100 ms, whether it is connecting, waiting for a reply, sleeping before a retry or
    /// waiting for a token), and the context's deadline bounds the call like the call timeout
    /// (then `ErrorKind::Timeout`). Cheap: no connection or token is copied.
    pub fn with_context(&self, context: Arc<CallContext>) -> Client {
        Client { pipeline: Arc::new(self.pipeline.with_context(context)) }
    }
}
