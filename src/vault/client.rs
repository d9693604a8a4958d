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

/// Most retries after the first attempt a client may be configured for.
pub const MAX_RETRIES: u32 = 100;

impl ClientOptions {
    /// Sets the retries after the first attempt (0 disables retrying; at most [`MAX_RETRIES`]).
    pub fn set_max_retries(&mut self, retries: u32) -> Result<()> {
        check_retries(retries, self.pipeline.retry.initial_delay, self.pipeline.retry.max_delay)?;
        self.pipeline.retry.max_retries = retries;
        Ok(())
    }

    /// Sets the backoff: the first retry waits about `initial`, doubling, each wait capped at `max`.
    pub fn set_retry_delay(&mut self, initial: Duration, max: Duration) -> Result<()> {
        check_retries(self.pipeline.retry.max_retries, initial, max)?;
        self.pipeline.retry.initial_delay = initial;
        self.pipeline.retry.max_delay = max;
        Ok(())
    }
}

/// The retry settings' rules, checked by the setters and again by [`Client::new`] (options may be
/// built field by field).
fn check_retries(retries: u32, initial: Duration, max: Duration) -> Result<()> {
    if retries > MAX_RETRIES {
        return Err(Error::invalid_argument(format!("max_retries must be at most {MAX_RETRIES}")));
    }
    if max < initial {
        return Err(Error::invalid_argument("the maximum retry delay is below the initial delay"));
    }
    Ok(())
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
        let retry = &options.pipeline.retry;
        check_retries(retry.max_retries, retry.initial_delay, retry.max_delay)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::static_token::StaticToken;

    #[test]
    fn retry_limits_hold_for_rust_callers_too() {
        let mut options = ClientOptions::default();
        assert!(options.set_max_retries(101).is_err());
        assert!(options.set_retry_delay(Duration::from_millis(10), Duration::from_millis(5)).is_err());
        options.set_max_retries(100).unwrap();
        // Options built field by field are checked when the client is made.
        options.pipeline.retry.max_retries = 1000;
        let credential = Credential::new(StaticToken::new("tok", None).unwrap());
        let e = Client::new("https://v.vault.azure.net", credential.clone(), &options).err().unwrap();
        assert!(e.message.contains("at most 100"), "{}", e.message);
        options.pipeline.retry.max_retries = 3;
        assert!(Client::new("https://v.vault.azure.net", credential, &options).is_ok());
    }
}
