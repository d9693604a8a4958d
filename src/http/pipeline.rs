//! One request through the pipeline: URL and headers, challenge authorization, retries within
//! the overall deadline, and turning a non-2xx reply into an [`Error`].

use crate::auth::challenge;
use crate::auth::challenge_auth::{Authorization, ChallengeAuth, ChallengeOutcome};
use crate::auth::Credential;
use crate::error::{Error, Redactions, Result};
use crate::http::log::{self, Level};
use crate::http::resend::{self, Effect};
use crate::http::retry::{self, RetryDecision, RetryOptions};
use crate::http::transport::{self, RawReply, TransportOptions, MAX_BODY_BYTES};
use crate::http::vault_url::VaultUrl;
use crate::status::{
    KV_STATUS_CHALLENGE_RESOURCE_MISMATCH, KV_STATUS_FOREIGN_NEXT_LINK, KV_STATUS_INVALID_CHALLENGE,
    KV_STATUS_OUTCOME_UNKNOWN, KV_STATUS_REDIRECT_REFUSED, KV_STATUS_SERVICE_ERROR, KV_STATUS_TIMEOUT,
    KV_STATUS_TOO_MANY_REDIRECTS,
};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use ureq::http;
use zeroize::Zeroizing;

/// The api-version sent when the caller sets none: the newest stable one.
pub const DEFAULT_API_VERSION: &str = "2025-07-01";

/// HTTP verbs Key Vault uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The verb as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Everything that configures a pipeline.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// Sent as `api-version` on every request.
    pub api_version: String,
    /// Send every verb other than GET and POST as POST with `X-HTTP-METHOD` and `X-HTTP-REQUEST`.
    pub method_override: bool,
    /// Check that the challenge's resource matches the vault host.
    pub verify_challenge_resource: bool,
    /// Allow `http://` vault URLs (loopback test servers only).
    pub allow_insecure_http: bool,
    /// Retry settings.
    pub retry: RetryOptions,
    /// Deadline for a whole call, retries and waits included.
    pub call_timeout: Duration,
    /// Connect timeout, CA file and user agent.
    pub transport: TransportOptions,
}

impl Default for PipelineOptions {
    fn default() -> PipelineOptions {
        PipelineOptions {
            api_version: DEFAULT_API_VERSION.to_owned(),
            method_override: false,
            verify_challenge_resource: true,
            allow_insecure_http: false,
            retry: RetryOptions::default(),
            call_timeout: Duration::from_secs(120),
            transport: TransportOptions {
                connect_timeout: Duration::from_secs(10),
                read_timeout: Duration::from_secs(30),
                ca_file: None,
                user_agent: format!("kv/{} (rust; {})", env!("CARGO_PKG_VERSION"), std::env::consts::OS),
            },
        }
    }
}

/// A request relative to the vault.
#[derive(Debug)]
pub struct Request {
    /// The verb.
    pub method: Method,
    /// Percent-encoded path starting with `/`, or an absolute same-origin URL (a `nextLink`).
    pub target: String,
    /// Query parameters besides `api-version` (unencoded).
    pub query: Vec<(&'static str, String)>,
    /// JSON body; may hold secret material, so it is zeroized when dropped.
    pub body: Option<Zeroizing<Vec<u8>>>,
}

impl Request {
    /// A request without a body.
    pub fn new(method: Method, target: impl Into<String>) -> Request {
        Request { method, target: target.into(), query: Vec::new(), body: None }
    }

    /// A request with a JSON body (serialized with [`zeroized_json`]).
    pub fn with_json(method: Method, target: impl Into<String>, body: &impl serde::Serialize) -> Result<Request> {
        Ok(Request { method, target: target.into(), query: Vec::new(), body: Some(zeroized_json(body)?) })
    }
}

/// Serializes a request body into zeroized storage of exactly the right size (measured first), so
/// no reallocation leaves an unzeroized copy of secret material (values, plaintexts, keys) behind.
pub fn zeroized_json(value: &impl serde::Serialize) -> Result<Zeroizing<Vec<u8>>> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let encode = |e: serde_json::Error| Error::invalid_argument(format!("could not encode the request: {e}"));
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).map_err(encode)?;
    let mut json = Zeroizing::new(Vec::with_capacity(count.0));
    serde_json::to_writer(&mut *json, value).map_err(encode)?;
    Ok(json)
}

/// A 2xx reply. The body may hold secret material and is zeroized when dropped.
#[derive(Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Zeroizing<Vec<u8>>,
    /// `x-ms-request-id` of the reply.
    pub request_id: String,
}

impl Response {
    /// Parses the body as JSON of type `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let mut err = Error::unparseable(e);
            err.http_status = self.status;
            err.request_id = self.request_id.clone();
            err
        })
    }
}

/// The pipeline of one client. `Send + Sync`; every method takes `&self`.
pub struct Pipeline {
    agent: ureq::Agent,
    vault: VaultUrl,
    options: PipelineOptions,
    auth: ChallengeAuth,
}

impl Pipeline {
    /// A pipeline for the vault at `vault_url` using `credential`.
    pub fn new(vault_url: &str, credential: Arc<Credential>, options: PipelineOptions) -> Result<Pipeline> {
        let vault = VaultUrl::parse(vault_url, options.allow_insecure_http)?;
        let agent = transport::build_agent(&options.transport)?;
        let auth = ChallengeAuth::new(credential, &vault.host(), options.verify_challenge_resource);
        Ok(Pipeline { agent, vault, options, auth })
    }

    /// The vault base URL.
    pub fn vault(&self) -> &VaultUrl {
        &self.vault
    }

    /// Sends `request` and returns its 2xx reply, or the error the reply or transport produced.
    /// Failures are resent as [`resend`](crate::http::resend) allows; redirects are followed
    /// as described at [`MAX_REDIRECTS`].
    pub fn send(&self, request: &Request) -> Result<Response> {
        let deadline = Instant::now() + self.options.call_timeout;
        let mut url = self.url_for(request)?;
        let client_request_id = new_request_id();
        let effect = resend::effect(request.method, &request.target);
        let mut authorization = self.within_deadline(deadline, &url, self.auth.current(deadline))?;
        let mut hop = Hop { method: request.method, body: request.body.as_deref().map(Vec::as_slice) };
        let mut visited = vec![url.clone()];
        let mut challenges = 0;
        loop {
            let reply =
                self.send_with_retries(&hop, effect, &url, authorization.as_ref(), &client_request_id, deadline)?;
            let on_vault = self.vault.is_same_origin(&url);
            if reply.status == 401 && challenges < 2 && on_vault {
                challenges += 1;
                let www = challenge::join_headers(
                    reply.headers.get_all("www-authenticate").iter().filter_map(|v| v.to_str().ok()),
                );
                log::write(Level::Debug, format_args!("401 challenge from {}", log::redact_url(&url)));
                match self.within_deadline(
                    deadline,
                    &url,
                    self.auth.on_unauthorized(www.as_deref(), authorization.as_ref(), deadline),
                )? {
                    ChallengeOutcome::Retry(next) => {
                        authorization = Some(next);
                        continue;
                    }
                    ChallengeOutcome::GiveUp => {}
                }
            }
            if matches!(reply.status, 301 | 302 | 303 | 307 | 308) {
                let target = self.redirect_target(&url, &reply, &visited)?;
                log::write(
                    Level::Info,
                    format_args!(
                        "{} {} -> {} redirect to {}",
                        hop.method.as_str(),
                        log::redact_url(&url),
                        reply.status,
                        log::redact_url(&target)
                    ),
                );
                if reply.status == 303 {
                    // "See Other": the answer is fetched with GET.
                    hop = Hop { method: Method::Get, body: None };
                }
                if !self.vault.is_same_origin(&target) {
                    authorization =
                        Some(self.authorize_redirect(&hop, &target, reply.status, &client_request_id, deadline)?);
                } else if !on_vault {
                    // Back on the vault from another origin: the vault's own token again.
                    authorization = self.within_deadline(deadline, &target, self.auth.current(deadline))?;
                }
                visited.push(target.clone());
                url = target;
                continue;
            }
            let request_id = reply.header("x-ms-request-id").unwrap_or_default();
            if (200..300).contains(&reply.status) {
                return Ok(Response { status: reply.status, body: reply.body, request_id });
            }
            // A gateway or proxy may echo the request in its error page: never quote what we sent.
            let sent = Redactions::of_request(
                request.body.as_deref().map(Vec::as_slice),
                authorization.as_ref().map(|a| a.token.token.as_str()),
            );
            let mut err = if reply.status == 304 {
                let mut e = Error::new(
                    KV_STATUS_SERVICE_ERROR,
                    "HTTP 304 Not Modified answered a request that was not conditional (kv sends no If-None-Match or If-Modified-Since): a cache between kv and the vault answered it",
                );
                e.http_status = 304;
                e.request_id = request_id.clone();
                e
            } else {
                Error::from_reply_redacted(reply.status, &reply.body, &request_id, &sent)
            };
            if authorization.is_some() && effect == Effect::Repeats && retry::is_retriable_status(reply.status) {
                let delay = retry::server_requested_delay(&|name: &str| reply.header(name), SystemTime::now());
                if !resend::vault_did_not_act(reply.status, delay.is_some()) {
                    err = outcome_unknown(err, &format!("HTTP {}", reply.status));
                }
            }
            log::write(
                Level::Error,
                format_args!(
                    "{} {} -> {} {}",
                    request.method.as_str(),
                    log::redact_url(&url),
                    reply.status,
                    err.service_code
                ),
            );
            return Err(err);
        }
    }

    /// The absolute URL a redirect reply points to, checked against the hop limit and the URLs
    /// already visited.
    fn redirect_target(&self, url: &str, reply: &RawReply, visited: &[String]) -> Result<String> {
        let with_status = |status, message: String| {
            let mut e = Error::new(status, message);
            e.http_status = reply.status;
            e.request_id = reply.header("x-ms-request-id").unwrap_or_default();
            e
        };
        let location = reply.header("location").unwrap_or_default();
        let target = url::Url::parse(url).and_then(|base| base.join(location.trim())).map_err(|_| {
            with_status(
                KV_STATUS_SERVICE_ERROR,
                format!("HTTP {} from {} without a usable Location header", reply.status, log::redact_url(url)),
            )
        })?;
        let target = target.to_string();
        if visited.len() > MAX_REDIRECTS || visited.contains(&target) {
            let why = if visited.contains(&target) { "a redirect loop" } else { "too many redirects" };
            return Err(with_status(
                KV_STATUS_TOO_MANY_REDIRECTS,
                format!(
                    "{why}: HTTP {} from {} back to {} after {} redirects (at most {MAX_REDIRECTS} are followed)",
                    reply.status,
                    log::redact_url(url),
                    log::redact_url(&target),
                    visited.len() - 1
                ),
            ));
        }
        Ok(target)
    }

    /// Authorizes a request redirected to another origin. The token is never sent there
    /// before the host proves to be a vault of the same resource: a token-less, body-less probe
    /// must draw a 401 challenge whose resource passes the resource check for the new host
    /// (always checked here, whatever `verify_challenge_resource` says). Otherwise the redirect
    /// is refused with `KV_STATUS_REDIRECT_REFUSED`, naming the target.
    fn authorize_redirect(
        &self,
        hop: &Hop,
        target: &str,
        status: u16,
        client_request_id: &str,
        deadline: Instant,
    ) -> Result<Authorization> {
        let refuse = |why: String| {
            let mut e = Error::new(
                KV_STATUS_REDIRECT_REFUSED,
                format!("the vault's HTTP {status} redirect to {} was not followed: {why}", log::redact_url(target)),
            );
            e.http_status = status;
            e
        };
        let parsed = url::Url::parse(target).map_err(|e| refuse(format!("bad URL ({e})")))?;
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        match parsed.scheme() {
            "https" => {}
            "http" if self.options.allow_insecure_http => {}
            other => return Err(refuse(format!("{other}:// is not allowed"))),
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Error::new(
                KV_STATUS_TIMEOUT,
                format!("the call timeout of {:?} expired ({})", self.options.call_timeout, log::redact_url(target)),
            ));
        }
        let probe = Hop { method: hop.method, body: None };
        let (reply, _) = self.send_once(&probe, target, None, client_request_id, remaining);
        let reply = reply.map_err(|e| refuse(format!("its probe failed: {}", e.message)))?;
        let www = match (reply.status, reply.header("www-authenticate")) {
            (401, Some(www)) => www,
            (other, _) => {
                return Err(refuse(format!(
                    "a probe without the token was answered HTTP {other}, not a vault's challenge"
                )))
            }
        };
        let authorization = self.auth.authorize_host(&host, &www, deadline).map_err(|e| {
            if e.status == KV_STATUS_CHALLENGE_RESOURCE_MISMATCH || e.status == KV_STATUS_INVALID_CHALLENGE {
                refuse(e.message)
            } else {
                e
            }
        });
        self.within_deadline(deadline, target, authorization)
    }

    /// Token acquisition that failed because the call's deadline passed (a credential's request
    /// cut short, a wait for another thread's fetch or for a token callback) is a timeout of
    /// the call, whatever the credential made of it.
    fn within_deadline<T>(&self, deadline: Instant, url: &str, outcome: Result<T>) -> Result<T> {
        outcome.map_err(|e| {
            if Instant::now() < deadline {
                return e;
            }
            Error::new(
                KV_STATUS_TIMEOUT,
                format!(
                    "the call timeout of {:?} expired while getting a token ({}): {}",
                    self.options.call_timeout,
                    log::redact_url(url),
                    e.message
                ),
            )
        })
    }

    /// The absolute URL of a request. A path gets the query parameters and `api-version`; an
    /// absolute `nextLink` is followed exactly as the service gave it (only on the vault's own
    /// origin), with `api-version` added only when the link lacks one.
    fn url_for(&self, request: &Request) -> Result<String> {
        if !request.target.starts_with('/') {
            if !self.vault.is_same_origin(&request.target) {
                return Err(Error::new(
                    KV_STATUS_FOREIGN_NEXT_LINK,
                    format!("refusing to follow a link outside the vault ({})", log::redact_url(&request.target)),
                ));
            }
            let has_api_version = request.target.split(['?', '&']).skip(1).any(|p| p.starts_with("api-version="));
            return Ok(match (has_api_version, request.target.contains('?')) {
                (true, _) => request.target.clone(),
                (false, true) => format!("{}&api-version={}", request.target, self.options.api_version),
                (false, false) => format!("{}?api-version={}", request.target, self.options.api_version),
            });
        }
        if let Some(url) = plain_url(self.vault.origin_str(), request, &self.options.api_version) {
            return Ok(url);
        }
        let mut url = url::Url::parse(&self.vault.join(&request.target))
            .map_err(|e| Error::invalid_argument(format!("bad request path: {e}")))?;
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &request.query {
                pairs.append_pair(k, v);
            }
            pairs.append_pair("api-version", &self.options.api_version);
        }
        Ok(url.to_string())
    }

    /// Sends one hop, resending failures as the retry settings and the resend policy allow.
    /// An operation whose effect can repeat is not resent once its request may have reached
    /// the vault: a transport failure then gives `KV_STATUS_OUTCOME_UNKNOWN`, and a retriable
    /// status is returned for [`Pipeline::send`] to report the same way.
    fn send_with_retries(
        &self,
        hop: &Hop,
        effect: Effect,
        url: &str,
        authorization: Option<&Authorization>,
        client_request_id: &str,
        deadline: Instant,
    ) -> Result<RawReply> {
        // The token-less probe carries no body and cannot act.
        let once = authorization.is_some() && effect == Effect::Repeats;
        let mut retries_done = 0;
        loop {
            let started = Instant::now();
            let remaining = deadline.saturating_duration_since(started);
            if remaining.is_zero() {
                return Err(Error::new(
                    KV_STATUS_TIMEOUT,
                    format!("the call timeout of {:?} expired ({})", self.options.call_timeout, log::redact_url(url)),
                ));
            }
            let (outcome, unsent) = self.send_once(hop, url, authorization, client_request_id, remaining);
            let (server_delay, failure, not_acted) = match &outcome {
                Ok(reply) if retry::is_retriable_status(reply.status) => {
                    let delay = retry::server_requested_delay(&|name: &str| reply.header(name), SystemTime::now());
                    (delay, format!("HTTP {}", reply.status), resend::vault_did_not_act(reply.status, delay.is_some()))
                }
                Err(err) if transport::is_retriable(err) => (None, err.message.clone(), unsent),
                _ => {
                    if let Ok(reply) = &outcome {
                        log::write(
                            Level::Info,
                            format_args!(
                                "{} {} -> {} in {:?}",
                                hop.method.as_str(),
                                log::redact_url(url),
                                reply.status,
                                started.elapsed()
                            ),
                        );
                    }
                    return outcome;
                }
            };
            if once && !not_acted {
                log::write(
                    Level::Warn,
                    format_args!(
                        "{} {} failed ({failure}); not resent: it may have taken effect",
                        hop.method.as_str(),
                        log::redact_url(url)
                    ),
                );
                return outcome.map_err(|e| outcome_unknown(e, &failure));
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            match retry::decide(&self.options.retry, retries_done, server_delay, Some(remaining), fastrand::f64()) {
                RetryDecision::RetryAfter(wait) => {
                    log::write(
                        Level::Warn,
                        format_args!(
                            "{} {} failed ({failure}); retry {} in {:?}",
                            hop.method.as_str(),
                            log::redact_url(url),
                            retries_done + 1,
                            wait
                        ),
                    );
                    std::thread::sleep(wait);
                    retries_done += 1;
                }
                RetryDecision::GiveUp => return outcome,
            }
        }
    }

    /// One exchange. Also tells whether a failure certainly happened before the request was
    /// sent (nothing reached the vault).
    fn send_once(
        &self,
        hop: &Hop,
        url: &str,
        authorization: Option<&Authorization>,
        client_request_id: &str,
        remaining: Duration,
    ) -> (Result<RawReply>, bool) {
        match self.build(hop, url, authorization, client_request_id) {
            Ok(http_request) => {
                let configured = self.agent.configure_request(http_request).timeout_global(Some(remaining)).build();
                let sent = self.agent.run(configured);
                let unsent = matches!(&sent, Err(e) if transport::failed_before_sending(e));
                (transport::receive(sent, url, MAX_BODY_BYTES), unsent)
            }
            Err(e) => (Err(e), true),
        }
    }

    /// The HTTP request of one hop. With the verb override on, every verb other than GET and
    /// POST goes as POST naming the verb in both `X-HTTP-METHOD` and `X-HTTP-REQUEST` (the two
    /// spellings the service's documentation uses); a verb without a body (DELETE) then goes
    /// with an empty body (`Content-Length: 0`), as the service asks.
    fn build<'b>(
        &self,
        hop: &Hop<'b>,
        url: &str,
        authorization: Option<&Authorization>,
        client_request_id: &str,
    ) -> Result<http::Request<&'b [u8]>> {
        let overridden = self.options.method_override && !matches!(hop.method, Method::Get | Method::Post);
        let wire_method = if overridden { Method::Post } else { hop.method };
        let mut builder = http::Request::builder()
            .method(wire_method.as_str())
            .uri(url)
            .header("accept", "application/json")
            .header("x-ms-client-request-id", client_request_id);
        if overridden {
            builder =
                builder.header("x-http-method", hop.method.as_str()).header("x-http-request", hop.method.as_str());
        }
        if let Some(authorization) = authorization {
            let header = authorization
                .header
                .clone()
                .map_err(|_| Error::invalid_argument("the token is not a valid header value"))?;
            builder = builder.header("authorization", header);
        }
        // Whether the verb (not the wire method) carries a body; the first, unauthenticated
        // request goes without its body: it will be refused anyway.
        let carries_body = matches!(hop.method, Method::Put | Method::Post | Method::Patch) && authorization.is_some();
        let body: &'b [u8] = match hop.body {
            Some(body) if carries_body => body,
            _ if carries_body => b"{}",
            _ => b"",
        };
        if carries_body {
            builder = builder.header("content-type", "application/json");
        }
        builder.body(body).map_err(|e| Error::invalid_argument(format!("cannot build request: {e}")))
    }
}

/// Most redirects followed in one call. A redirect to the vault's own origin is followed with
/// the token; `307`/`308` (and `301`/`302`, whose method kv never rewrites) keep method and
/// body, `303` continues with a GET. A redirect to another origin is followed only after its
/// host proves to be a vault of the same resource (see `Pipeline::authorize_redirect`). More
/// hops, or a URL visited twice, give `KV_STATUS_TOO_MANY_REDIRECTS`. kv sends no conditional
/// requests, so a `304` (from a cache on the way) is reported as a service error saying so.
pub const MAX_REDIRECTS: usize = 5;

/// The verb and body of one hop of a call (a `303` redirect turns them into a bodiless GET).
struct Hop<'a> {
    method: Method,
    body: Option<&'a [u8]>,
}

/// `err` restated as an outcome the caller must check: the request may have taken effect.
fn outcome_unknown(err: Error, failure: &str) -> Error {
    Error {
        status: KV_STATUS_OUTCOME_UNKNOWN,
        message: format!("the outcome is unknown: the request may have reached the vault and taken effect, so it was not resent ({failure}); check before repeating it: {}", err.message),
        ..err
    }
}

/// The URL of a request whose path needs no normalising (only unreserved characters, `/` and
/// percent escapes, no dot segments), written in one pass: what `url::Url` would make of it,
/// without parsing it back. None for any other path (the caller then lets `url` do it).
fn plain_url(origin: &str, request: &Request, api_version: &str) -> Option<String> {
    let plain = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'~' | b'/' | b'%');
    if !request.target.bytes().all(plain) {
        return None;
    }
    let mut url = String::with_capacity(origin.len() + request.target.len() + 32 + 24 * request.query.len());
    url.push_str(origin);
    url.push_str(&request.target);
    let mut separator = '?';
    let pairs = request.query.iter().map(|(k, v)| (*k, v.as_str())).chain([("api-version", api_version)]);
    for (key, value) in pairs {
        url.push(separator);
        url.extend(url::form_urlencoded::byte_serialize(key.as_bytes()));
        url.push('=');
        url.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        separator = '&';
    }
    Some(url)
}

/// A random UUID (version 4) for `x-ms-client-request-id`.
fn new_request_id() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes: [u8; 16] = fastrand::u128(..).to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut id = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(HEX[usize::from(b >> 4)] as char);
        id.push(HEX[usize::from(b & 0x0f)] as char);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::static_token::StaticToken;

    fn pipeline(api: &str) -> Pipeline {
        let cred = Credential::new(StaticToken::new("t", None).unwrap());
        let options = PipelineOptions { api_version: api.to_owned(), ..PipelineOptions::default() };
        Pipeline::new("https://myvault.vault.azure.net", cred, options).unwrap()
    }

    #[test]
    fn api_version_is_on_every_url_and_next_links_are_followed_as_given() {
        let p = pipeline("2025-07-01");
        let mut r = Request::new(Method::Get, "/secrets");
        r.query.push(("maxresults", "5".into()));
        assert_eq!(
            p.url_for(&r).unwrap(),
            "https://myvault.vault.azure.net/secrets?maxresults=5&api-version=2025-07-01"
        );
        let given = "https://myvault.vault.azure.net:443/secrets?api-version=7.2&$skiptoken=abc&maxresults=1";
        assert_eq!(p.url_for(&Request::new(Method::Get, given)).unwrap(), given);
        let bare = "https://myvault.vault.azure.net/secrets?$skiptoken=abc";
        assert_eq!(p.url_for(&Request::new(Method::Get, bare)).unwrap(), format!("{bare}&api-version=2025-07-01"));
    }

    #[test]
    fn plain_paths_are_written_as_url_would_write_them() {
        let p = pipeline("2025-07-01");
        let parsed = |r: &Request| {
            let mut url = url::Url::parse(&p.vault.join(&r.target)).unwrap();
            url.query_pairs_mut().extend_pairs(r.query.iter().map(|(k, v)| (*k, v.as_str())));
            url.query_pairs_mut().append_pair("api-version", "2025-07-01");
            url.to_string()
        };
        for target in ["/secrets/a-b/0123abcd", "/keys/k/%2F%41/sign", "/certificates/contacts", "/secrets"] {
            let mut r = Request::new(Method::Get, target);
            assert_eq!(plain_url(p.vault.origin_str(), &r, "2025-07-01").unwrap(), parsed(&r));
            r.query.push(("maxresults", "25".into()));
            r.query.push(("$skiptoken", "a b&c=d/é+%".into()));
            assert_eq!(plain_url(p.vault.origin_str(), &r, "2025-07-01").unwrap(), parsed(&r));
            assert_eq!(p.url_for(&r).unwrap(), parsed(&r));
        }
        // Paths url would normalise go through url.
        for target in ["/secrets/./a", "/secrets/a/../b", "/secrets/a b", "/secrets/a?x"] {
            assert!(plain_url(p.vault.origin_str(), &Request::new(Method::Get, target), "1").is_none(), "{target}");
        }
    }

    #[test]
    fn foreign_next_links_are_refused() {
        let p = pipeline("2025-07-01");
        let next = Request::new(Method::Get, "https://evil.example/secrets?$skiptoken=abc");
        assert_eq!(p.url_for(&next).unwrap_err().status, KV_STATUS_FOREIGN_NEXT_LINK);
    }

    #[test]
    fn secret_bodies_are_serialized_once_into_exact_capacity() {
        let body = crate::model::key::BackupBlob { value: crate::model::key::B64(vec![0xfb; 100]) };
        let json = zeroized_json(&body).unwrap();
        assert_eq!(json.capacity(), json.len());
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&json).unwrap()["value"].as_str().unwrap().len(), 134);
        let request = Request::with_json(Method::Put, "/secrets/a", &serde_json::json!({"value": "v"})).unwrap();
        assert_eq!(request.body.as_deref().map(Vec::as_slice), Some(&br#"{"value":"v"}"#[..]));
    }

    #[test]
    fn request_ids_are_uuid_v4() {
        let id = new_request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert!(id.chars().enumerate().all(|(i, c)| if [8, 13, 18, 23].contains(&i) {
            c == '-'
        } else {
            c.is_ascii_hexdigit() && !c.is_ascii_uppercase()
        }));
        assert_ne!(id, new_request_id());
    }
}
