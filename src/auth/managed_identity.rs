//! Managed identity: tokens from the host's identity endpoint, for code running in Azure.
//!
//! Two endpoint forms are supported, chosen when the credential is built:
//!
//! - **App Service / Functions** (and Container Apps), when `IDENTITY_ENDPOINT` and
//!   `IDENTITY_HEADER` are both set: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=..`
//!   `[&client_id=|&principal_id=|&mi_res_id=]` with the header `X-IDENTITY-HEADER`.
//! - **IMDS** otherwise: `GET {host}/metadata/identity/oauth2/token?api-version=2018-02-01&`
//!   `resource=..[&client_id=|&object_id=|&msi_res_id=]` with `Metadata: true`, where `host` is
//!   `AZURE_POD_IDENTITY_AUTHORITY_HOST` when set, else `http://169.254.169.254`.
//!
//! Until IMDS has answered once, each token request is preceded by a probe: the same URL
//! without the `Metadata` header, allowed only `imds_probe_timeout` (default 1 s). Any HTTP
//! reply (IMDS answers 400) proves the endpoint exists; no reply means there is no IMDS here
//! and the request fails fast with "managed identity is unavailable", so a credential chain
//! moves on instead of waiting for a full timeout.
//!
//! These endpoints are plain HTTP on a link-local or loopback address by nature; they are the
//! one place kv sends a request over `http://`. They are contacted directly, never through a
//! proxy from the environment. The token's resource is the scope without `/.default`; the
//! tenant named by a vault's challenge is ignored (a managed identity belongs to one tenant).
//! Replies 404, 408, 410, 429 and 5xx are retried a few times within the request timeout.

use crate::auth::credential::{AccessToken, Attempt, TokenRequest, TokenSource};
use crate::auth::options::{CredentialOptions, ManagedIdentityId};
use crate::auth::token_text::{checked_token, expiry, Seconds};
use crate::error::{service_text, Error, Result};
use crate::http::retry::{self, RetryDecision, RetryOptions};
use crate::http::transport::{self, RawReply, TransportOptions};
use crate::status::{KV_STATUS_AUTHENTICATION_FAILED, KV_STATUS_INVALID_ARGUMENT};
use once_cell::sync::OnceCell;
use serde::Deserialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};
use zeroize::Zeroizing;

/// The IMDS address used when `AZURE_POD_IDENTITY_AUTHORITY_HOST` is not set.
pub const DEFAULT_IMDS_HOST: &str = "http://169.254.169.254";
/// Path of the IMDS token endpoint.
pub const IMDS_TOKEN_PATH: &str = "/metadata/identity/oauth2/token";
/// api-version sent to IMDS.
pub const IMDS_API_VERSION: &str = "2018-02-01";
/// api-version sent to the App Service endpoint.
pub const APP_SERVICE_API_VERSION: &str = "2019-08-01";

/// Largest token reply read.
const MAX_REPLY_BYTES: u64 = 64 * 1024;
/// Most characters of an error reply quoted in a message.
const EXCERPT_CHARS: usize = 300;

/// Where tokens come from.
#[derive(Clone)]
enum Endpoint {
    /// The instance metadata service (VMs, scale sets, AKS pod identity).
    Imds { token_url: String },
    /// App Service, Functions, Container Apps.
    AppService { url: String, header: Zeroizing<String> },
}

/// A token source for the host's managed identity (system-assigned, or user-assigned by client
/// id, object id or resource id).
pub struct ManagedIdentityCredential {
    endpoint: Endpoint,
    id: ManagedIdentityId,
    timeout: Duration,
    probe_timeout: Duration,
    ca_file: Option<String>,
    agent: OnceCell<ureq::Agent>,
    /// IMDS has answered once: no more probes.
    imds_answered: AtomicBool,
}

impl ManagedIdentityCredential {
    /// Builds the credential from `options` and the environment (`IDENTITY_ENDPOINT`,
    /// `IDENTITY_HEADER`, `AZURE_POD_IDENTITY_AUTHORITY_HOST`). Nothing is contacted yet.
    pub fn new(options: &CredentialOptions) -> Result<ManagedIdentityCredential> {
        Self::with_env(options, |name| std::env::var(name).ok())
    }

    /// Same as [`ManagedIdentityCredential::new`], with the environment read through `env`.
    pub fn with_env(
        options: &CredentialOptions,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ManagedIdentityCredential> {
        let get = |name: &str| env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        check_id(&options.managed_identity)?;
        let endpoint = match (get("IDENTITY_ENDPOINT"), get("IDENTITY_HEADER")) {
            (Some(url), Some(header)) => {
                check_url(&url, "IDENTITY_ENDPOINT")?;
                if header.chars().any(|c| c.is_control()) {
                    return Err(Error::new(KV_STATUS_INVALID_ARGUMENT, "IDENTITY_HEADER contains control characters"));
                }
                Endpoint::AppService { url, header: Zeroizing::new(header) }
            }
            _ => {
                let host = get("AZURE_POD_IDENTITY_AUTHORITY_HOST").unwrap_or_else(|| DEFAULT_IMDS_HOST.to_owned());
                check_url(&host, "AZURE_POD_IDENTITY_AUTHORITY_HOST")?;
                Endpoint::Imds { token_url: format!("{}{IMDS_TOKEN_PATH}", host.trim_end_matches('/')) }
            }
        };
        if options.imds_probe_timeout.is_zero() || options.timeout.is_zero() {
            return Err(Error::invalid_argument("managed identity timeouts must be greater than zero"));
        }
        Ok(ManagedIdentityCredential {
            endpoint,
            id: options.managed_identity.clone(),
            timeout: options.timeout,
            probe_timeout: options.imds_probe_timeout,
            ca_file: options.ca_file.clone(),
            agent: OnceCell::new(),
            imds_answered: AtomicBool::new(false),
        })
    }

    /// "IMDS" or "App Service": which endpoint form this credential uses.
    pub fn endpoint_kind(&self) -> &'static str {
        match self.endpoint {
            Endpoint::Imds { .. } => "IMDS",
            Endpoint::AppService { .. } => "App Service",
        }
    }

    fn agent(&self) -> Result<&ureq::Agent> {
        self.agent.get_or_try_init(|| {
            transport::build_agent(&TransportOptions {
                connect_timeout: self.timeout,
                read_timeout: self.timeout,
                ca_file: self.ca_file.clone(),
                user_agent: format!("kv/{} (rust; {})", env!("CARGO_PKG_VERSION"), std::env::consts::OS),
            })
        })
    }

    /// The token URL for `resource`, with the identity selector.
    fn url(&self, resource: &str) -> Result<String> {
        let (base, api_version, names) = match &self.endpoint {
            Endpoint::Imds { token_url } => {
                (token_url.as_str(), IMDS_API_VERSION, ["client_id", "object_id", "msi_res_id"])
            }
            Endpoint::AppService { url, .. } => {
                (url.as_str(), APP_SERVICE_API_VERSION, ["client_id", "principal_id", "mi_res_id"])
            }
        };
        let mut url = url::Url::parse(base)
            .map_err(|e| Error::invalid_argument(format!("bad managed identity endpoint: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("api-version", api_version).append_pair("resource", resource);
            match &self.id {
                ManagedIdentityId::SystemAssigned => {}
                ManagedIdentityId::ClientId(v) => {
                    q.append_pair(names[0], v);
                }
                ManagedIdentityId::ObjectId(v) => {
                    q.append_pair(names[1], v);
                }
                ManagedIdentityId::ResourceId(v) => {
                    q.append_pair(names[2], v);
                }
            }
        }
        Ok(url.to_string())
    }

    /// One GET. `probe` sends no identity headers and allows only the probe timeout.
    fn get(&self, url: &str, probe: bool, remaining: Duration) -> Result<RawReply> {
        let agent = self.agent()?;
        let mut request = agent.get(url);
        if !probe {
            request = match &self.endpoint {
                Endpoint::Imds { .. } => request.header("Metadata", "true"),
                Endpoint::AppService { header, .. } => request.header("X-IDENTITY-HEADER", header.as_str()),
            };
        }
        let limit = if probe { self.probe_timeout.min(remaining) } else { remaining };
        let configured = request.config().proxy(None).timeout_connect(Some(limit)).timeout_global(Some(limit)).build();
        transport::receive(configured.call(), url, MAX_REPLY_BYTES)
    }

    /// Probes IMDS once (until it has answered): fails fast when nothing answers.
    fn probe(&self, url: &str) -> Result<()> {
        if !matches!(self.endpoint, Endpoint::Imds { .. }) || self.imds_answered.load(Ordering::Acquire) {
            return Ok(());
        }
        match self.get(url, true, crate::auth::deadline::remaining(self.probe_timeout)) {
            Ok(_) => {
                self.imds_answered.store(true, Ordering::Release);
                Ok(())
            }
            Err(e) => Err(Error::new(
                KV_STATUS_AUTHENTICATION_FAILED,
                format!(
                    "managed identity is unavailable (no IMDS endpoint answered within {:?}): {}",
                    self.probe_timeout, e.message
                ),
            )),
        }
    }
}

impl ManagedIdentityCredential {
    /// A token, or why not: unavailable when no IMDS answers the probe or IMDS answers 400 (no
    /// identity assigned to this host, or not the one asked for), a failure otherwise.
    fn attempt_token(&self, request: &TokenRequest) -> Attempt {
        let resource = match scope_to_resource(&request.scope) {
            Ok(resource) => resource,
            Err(e) => return Attempt::Failed(e),
        };
        let url = match self.url(&resource) {
            Ok(url) => url,
            Err(e) => return Attempt::Failed(e),
        };
        let deadline = crate::auth::deadline::within_call(Instant::now() + self.timeout);
        if let Err(e) = self.probe(&url) {
            return Attempt::Unavailable(e);
        }
        let retry_options = RetryOptions {
            max_retries: 3,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(4),
        };
        let mut retries = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Attempt::Failed(auth_failed(format!(
                    "managed identity ({}): no token within {:?}",
                    self.endpoint_kind(),
                    self.timeout
                )));
            }
            let reply = match self.get(&url, false, remaining) {
                Ok(reply) => reply,
                Err(e) => {
                    return Attempt::Failed(auth_failed(format!(
                        "managed identity ({}): {}",
                        self.endpoint_kind(),
                        e.message
                    )))
                }
            };
            let (status, body) = (reply.status, &reply.body);
            if (200..300).contains(&status) {
                return match parse_token_reply(body, SystemTime::now()) {
                    Ok(token) => Attempt::Token(token),
                    Err(e) => Attempt::Failed(e),
                };
            }
            let retriable = retry::is_retriable_status(status) || matches!(status, 404 | 410);
            if retriable {
                let server_delay = retry::server_requested_delay(&|name: &str| reply.header(name), SystemTime::now());
                let remaining = deadline.saturating_duration_since(Instant::now());
                if let RetryDecision::RetryAfter(wait) =
                    retry::decide(&retry_options, retries, server_delay, Some(remaining), fastrand::f64())
                {
                    // A cancellation ends the sleep; the next request then fails as cancelled.
                    let _ = crate::http::cancel::sleep(wait, "token request");
                    retries += 1;
                    continue;
                }
            }
            let no_identity = status == 400 && matches!(self.endpoint, Endpoint::Imds { .. });
            let error = auth_failed(format!(
                "managed identity ({}) answered HTTP {status}{}: {}",
                self.endpoint_kind(),
                if no_identity { " (is an identity assigned to this host?)" } else { "" },
                error_text(body)
            ));
            return if no_identity { Attempt::Unavailable(error) } else { Attempt::Failed(error) };
        }
    }
}

impl TokenSource for ManagedIdentityCredential {
    fn fetch_token(&self, request: &TokenRequest) -> Result<AccessToken> {
        self.attempt_token(request).into_result()
    }

    fn attempt(&self, request: &TokenRequest) -> Attempt {
        self.attempt_token(request)
    }

    fn kind(&self) -> &'static str {
        "managed identity"
    }
}

fn auth_failed(message: String) -> Error {
    Error::new(KV_STATUS_AUTHENTICATION_FAILED, message)
}

fn check_url(value: &str, what: &str) -> Result<()> {
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(Error::new(KV_STATUS_INVALID_ARGUMENT, format!("{what} is not an http(s) URL: {value:?}"))),
    }
}

fn check_id(id: &ManagedIdentityId) -> Result<()> {
    let (what, value) = match id {
        ManagedIdentityId::SystemAssigned => return Ok(()),
        ManagedIdentityId::ClientId(v) => ("client id", v),
        ManagedIdentityId::ObjectId(v) => ("object id", v),
        ManagedIdentityId::ResourceId(v) => ("resource id", v),
    };
    if value.trim().is_empty() || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid_argument(format!(
            "the managed identity {what} is empty or contains spaces or control characters"
        )));
    }
    Ok(())
}

/// The resource a managed identity token is requested for: the scope without `/.default`.
pub fn scope_to_resource(scope: &str) -> Result<String> {
    let scope = scope.trim();
    let resource = scope.strip_suffix("/.default").unwrap_or(scope);
    if resource.is_empty() || resource.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_argument(format!("managed identity needs a single scope, got {scope:?}")));
    }
    Ok(resource.to_owned())
}

#[derive(Deserialize)]
struct TokenReply {
    #[serde(default, deserialize_with = "crate::model::encoding::deserialize_zeroizing")]
    access_token: Option<Zeroizing<String>>,
    expires_on: Option<Seconds>,
    expires_in: Option<Seconds>,
}

/// Parses a managed identity token reply: `access_token` plus `expires_on` (epoch seconds, as a
/// number or a string) or `expires_in` (seconds from `now`).
pub fn parse_token_reply(body: &[u8], now: SystemTime) -> Result<AccessToken> {
    let reply: TokenReply = serde_json::from_slice(body)
        .map_err(|e| auth_failed(format!("managed identity: the token reply is not the expected JSON ({e})")))?;
    let token = reply
        .access_token
        .ok_or_else(|| auth_failed("managed identity: the token reply has no access_token".to_owned()))?;
    let token = checked_token(&token, "managed identity")?;
    let expires_on = expiry(reply.expires_on.as_ref(), reply.expires_in.as_ref(), now).ok_or_else(|| {
        auth_failed("managed identity: the token reply has no usable expires_on or expires_in".to_owned())
    })?;
    Ok(AccessToken { token, expires_on })
}

/// A short description of an error reply: `error_description` / `error` / `message` of a JSON
/// body, else an excerpt of the text.
fn error_text(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let pick = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        let nested = v.get("error").and_then(|e| e.get("message")).and_then(|m| m.as_str()).map(str::to_owned);
        if let Some(text) = pick("error_description").or(nested).or_else(|| pick("message")).or_else(|| pick("error")) {
            return service_text(&text, EXCERPT_CHARS);
        }
    }
    let text = service_text(&String::from_utf8_lossy(body), EXCERPT_CHARS);
    if text.is_empty() {
        "(empty body)".to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::UNIX_EPOCH;

    fn build(env: &[(&str, &str)], id: ManagedIdentityId) -> Result<ManagedIdentityCredential> {
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let options = CredentialOptions { managed_identity: id, ..CredentialOptions::default() };
        ManagedIdentityCredential::with_env(&options, |n| env.get(n).cloned())
    }

    #[test]
    fn imds_urls_carry_the_resource_and_the_identity() {
        let c = build(&[], ManagedIdentityId::SystemAssigned).unwrap();
        assert_eq!(c.endpoint_kind(), "IMDS");
        assert_eq!(
            c.url("https://vault.azure.net").unwrap(),
            "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net"
        );
        let c = build(
            &[("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9/")],
            ManagedIdentityId::ClientId("c-1".into()),
        )
        .unwrap();
        assert!(c.url("r").unwrap().starts_with(
            "http://127.0.0.1:9/metadata/identity/oauth2/token?api-version=2018-02-01&resource=r&client_id=c-1"
        ));
        let c = build(&[], ManagedIdentityId::ObjectId("o-1".into())).unwrap();
        assert!(c.url("r").unwrap().ends_with("&object_id=o-1"));
        let c = build(&[], ManagedIdentityId::ResourceId("/subscriptions/s/rg/x".into())).unwrap();
        assert!(c.url("r").unwrap().ends_with("&msi_res_id=%2Fsubscriptions%2Fs%2Frg%2Fx"));
    }

    #[test]
    fn app_service_is_chosen_when_both_variables_are_set() {
        let env = [("IDENTITY_ENDPOINT", "http://127.0.0.1:41000/msi/token"), ("IDENTITY_HEADER", "h")];
        let c = build(&env, ManagedIdentityId::ObjectId("o".into())).unwrap();
        assert_eq!(c.endpoint_kind(), "App Service");
        assert_eq!(
            c.url("r").unwrap(),
            "http://127.0.0.1:41000/msi/token?api-version=2019-08-01&resource=r&principal_id=o"
        );
        let c = build(&env, ManagedIdentityId::ResourceId("id".into())).unwrap();
        assert!(c.url("r").unwrap().ends_with("&mi_res_id=id"));
        // Only one of the two: IMDS.
        let c = build(&env[..1], ManagedIdentityId::SystemAssigned).unwrap();
        assert_eq!(c.endpoint_kind(), "IMDS");
    }

    #[test]
    fn bad_configuration_is_refused_when_built() {
        assert_eq!(
            build(&[("AZURE_POD_IDENTITY_AUTHORITY_HOST", "not a url")], ManagedIdentityId::SystemAssigned)
                .err()
                .unwrap()
                .status,
            KV_STATUS_INVALID_ARGUMENT
        );
        assert!(build(
            &[("IDENTITY_ENDPOINT", "ftp://x"), ("IDENTITY_HEADER", "h")],
            ManagedIdentityId::SystemAssigned
        )
        .is_err());
        assert!(build(&[], ManagedIdentityId::ClientId(" ".into())).is_err());
        assert!(build(&[], ManagedIdentityId::ClientId("a\nb".into())).is_err());
    }

    #[test]
    fn scopes_become_resources() {
        assert_eq!(scope_to_resource("https://vault.azure.net/.default").unwrap(), "https://vault.azure.net");
        assert_eq!(scope_to_resource("https://vault.azure.net").unwrap(), "https://vault.azure.net");
        assert!(scope_to_resource("a b").is_err());
        assert!(scope_to_resource("/.default").is_err());
    }

    #[test]
    fn token_replies_in_every_expiry_form() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let t = parse_token_reply(br#"{"access_token":"abc","expires_on":"5000","token_type":"Bearer"}"#, now).unwrap();
        assert_eq!((t.token.as_str(), t.expires_on), ("abc", UNIX_EPOCH + Duration::from_secs(5000)));
        let t = parse_token_reply(br#"{"access_token":"abc","expires_on":6000}"#, now).unwrap();
        assert_eq!(t.expires_on, UNIX_EPOCH + Duration::from_secs(6000));
        let t = parse_token_reply(br#"{"access_token":"abc","expires_in":"3600"}"#, now).unwrap();
        assert_eq!(t.expires_on, now + Duration::from_secs(3600));
        let t = parse_token_reply(br#"{"access_token":"abc","expires_in":60}"#, now).unwrap();
        assert_eq!(t.expires_on, now + Duration::from_secs(60));
        for bad in [
            &br#"{"expires_in":60}"#[..],
            br#"{"access_token":"abc"}"#,
            br#"{"access_token":"","expires_in":1}"#,
            b"<html>",
            br#"{"access_token":"a b","expires_in":1}"#,
        ] {
            assert_eq!(parse_token_reply(bad, now).unwrap_err().status, KV_STATUS_AUTHENTICATION_FAILED);
        }
        let e = parse_token_reply(br#"{"access_token":"abc"}"#, now).unwrap_err();
        assert!(!e.message.contains("abc"), "the token never appears in messages");
    }

    #[test]
    fn error_replies_are_summarised() {
        assert_eq!(
            error_text(br#"{"error":"invalid_request","error_description":"Identity not found"}"#),
            "Identity not found"
        );
        assert_eq!(error_text(br#"{"error":{"code":"x","message":"m"}}"#), "m");
        assert_eq!(error_text(b""), "(empty body)");
        assert_eq!(error_text(b"plain"), "plain");
    }
}
