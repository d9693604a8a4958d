//! One request through the pipeline: URL and headers, challenge authorization, retries within
//! the overall deadline, and turning a non-2xx reply into an [`Error`].

use crate::auth::Credential;
use crate::error::{CallDiagnostics, Error, ErrorKind, Redactions, Result};
use crate::http::cancel;
use crate::http::exchange::{Connections, Outgoing};
use crate::http::log::{self, Level};
use crate::http::request::{Method, Request, Response};
use crate::http::resend::{self, Effect};
use crate::http::retry::{self, Attempted, RetryOptions};
use crate::http::transport::{self, RawReply, TransportOptions, MAX_BODY_BYTES};
use crate::http::vault_url::VaultUrl;
use crate::vault::challenge;
use crate::vault::challenge_auth::{Authorization, ChallengeAuth, ChallengeOutcome};
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The api-version sent when the caller sets none: the newest stable one.
pub const DEFAULT_API_VERSION: &str = "2025-07-01";

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

/// The pipeline of one client. `Send + Sync`; every method takes `&self`.
pub struct Pipeline {
    /// kv's own HTTP/1.1 exchange and its idle connections (see [`crate::http::exchange`]).
    connections: Arc<Connections>,
    vault: VaultUrl,
    options: PipelineOptions,
    auth: Arc<ChallengeAuth>,
    /// The call context every call of this pipeline runs under ([`Pipeline::with_context`]).
    context: Option<Arc<cancel::CallContext>>,
    /// `api-version=<options.api_version>`, form-encoded once.
    api_version_pair: Arc<str>,
}

impl Pipeline {
    /// A pipeline for the vault at `vault_url` using `credential`.
    pub fn new(vault_url: &str, credential: Arc<Credential>, options: PipelineOptions) -> Result<Pipeline> {
        let vault = VaultUrl::parse(vault_url, options.allow_insecure_http)?;
        // ureq's connector chain and settings (TLS roots, CA file, proxy from the environment)
        // make the connections; the requests on them are kv's own.
        let t = &options.transport;
        let settings = transport::connection_settings(t)?;
        let connections = Arc::new(Connections::new(settings, &t.user_agent, t.connect_timeout, t.read_timeout));
        let auth = ChallengeAuth::new(credential, vault.host(), options.verify_challenge_resource);
        let api_version_pair = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("api-version", &options.api_version)
            .finish();
        Ok(Pipeline {
            connections,
            vault,
            options,
            auth: Arc::new(auth),
            context: None,
            api_version_pair: api_version_pair.into(),
        })
    }

    /// The same pipeline (sharing its connection pool, credential, token cache and challenge
    /// state) running every call under `context`: cancellable from any thread, bounded by the
    /// context's deadline too (see [`cancel`]).
    pub fn with_context(&self, context: Arc<cancel::CallContext>) -> Pipeline {
        Pipeline {
            connections: self.connections.clone(),
            vault: self.vault.clone(),
            options: self.options.clone(),
            auth: self.auth.clone(),
            context: Some(context),
            api_version_pair: self.api_version_pair.clone(),
        }
    }

    /// The vault base URL.
    pub fn vault(&self) -> &VaultUrl {
        &self.vault
    }

    /// Sends `request` and returns its 2xx reply, or the error the reply or transport produced.
    /// Failures are resent as [`resend`](crate::http::resend) allows; redirects are followed
    /// as described at [`MAX_REDIRECTS`].
    /// A failure carries the call's diagnostics: the client request id its requests carried,
    /// how many it sent and the time taken.
    pub fn send(&self, request: &Request) -> Result<Response> {
        match &self.context {
            Some(context) => cancel::scoped(context, || self.send_in_context(request)),
            None => self.send_in_context(request),
        }
    }

    /// Sleeps for `d` between two calls of one operation (polling), under this pipeline's
    /// context: a cancellation ends the sleep with `ErrorKind::Cancelled`.
    pub fn sleep(&self, d: Duration, what: &str) -> Result<()> {
        match &self.context {
            Some(context) => cancel::scoped(context, || cancel::sleep(d, what)),
            None => cancel::sleep(d, what),
        }
    }

    /// [`Pipeline::send`] under the current call context; a failure carries the call's
    /// diagnostics (client request id, attempts, elapsed time).
    fn send_in_context(&self, request: &Request) -> Result<Response> {
        let started = Instant::now();
        let call = CallState { client_request_id: new_request_id(), attempts: Cell::new(0), started };
        let deadline = cancel::deadline_within(started + self.options.call_timeout);
        let result = self.send_call(request, deadline, &call);
        let attempts = call.attempts.get();
        let client_request_id = if attempts > 0 { call.client_request_id } else { String::new() };
        let diagnostics = CallDiagnostics { client_request_id, attempts, elapsed: started.elapsed() };
        // The last-call diagnostics of the context the call ran under, success or failure.
        cancel::record_last(&diagnostics);
        result.map_err(|mut e| {
            e.diagnostics = Some(Box::new(diagnostics));
            e
        })
    }

    /// [`Pipeline::send`] without the diagnostics.
    fn send_call(&self, request: &Request, deadline: Instant, call: &CallState) -> Result<Response> {
        let mut url = self.url_for(request)?;
        let effect = resend::effect(request.method, &request.target);
        let mut authorization = self.within_deadline(deadline, &url, self.auth.current(deadline))?;
        let mut hop = Hop { method: request.method, body: request.body.as_deref().map(Vec::as_slice) };
        // The URLs of the call so far, filled at the first redirect (none on the usual path).
        let mut visited: Vec<String> = Vec::new();
        // Whether `url` is on the vault's origin: true for every request URL (url_for refuses
        // foreign links), decided again only when a redirect names a new URL.
        let mut on_vault = true;
        let mut challenges = 0;
        loop {
            let reply = self.send_with_retries(&hop, effect, &url, authorization.as_ref(), call, deadline)?;
            if reply.status == 401 && challenges < 2 && on_vault {
                challenges += 1;
                let www = challenge::join_headers(reply.headers.get_all("www-authenticate"));
                log::exchange(
                    Level::Debug,
                    &call.exchange(hop.method, &url),
                    401,
                    0,
                    format_args!("401 challenge from {}", log::redact_url(&url)),
                );
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
                if visited.is_empty() {
                    visited.push(url.clone());
                }
                let target = self.redirect_target(&url, &reply, &visited)?;
                log::exchange(
                    Level::Info,
                    &call.exchange(hop.method, &url),
                    reply.status,
                    0,
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
                let target_on_vault = self.vault.is_same_origin(&target);
                if !target_on_vault {
                    authorization = Some(self.authorize_redirect(&hop, &target, reply.status, call, deadline)?);
                } else if !on_vault {
                    // Back on the vault from another origin: the vault's own token again.
                    authorization = self.within_deadline(deadline, &target, self.auth.current(deadline))?;
                }
                visited.push(target.clone());
                url = target;
                on_vault = target_on_vault;
                continue;
            }
            let request_id = reply.header("x-ms-request-id").unwrap_or_default();
            if (200..300).contains(&reply.status) {
                return Ok(Response { status: reply.status, body: reply.body, request_id });
            }
            // A gateway or proxy may echo the request in its error page: never quote what we sent.
            let sent = Redactions::of_sent(&request.secrets, authorization.as_ref().map(|a| a.token.token.as_str()));
            let mut err = if reply.status == 304 {
                let mut e = Error::new(
                    ErrorKind::ServiceError,
                    "HTTP 304 Not Modified answered a request that was not conditional (kv sends no If-None-Match or If-Modified-Since): a cache between kv and the vault answered it",
                );
                e.http_status = 304;
                e.request_id = request_id.clone();
                e
            } else {
                Error::from_reply_redacted(reply.status, &reply.body, &request_id, &sent)
            };
            if authorization.is_some()
                && effect == Effect::Repeats
                && retry::is_retriable_status(reply.status)
                && !resend::vault_did_not_act(reply.status, retry::reply_delay(&reply).is_some())
            {
                err = outcome_unknown(err, &format!("HTTP {}", reply.status));
            }
            log::exchange(
                Level::Error,
                &call.exchange(request.method, &url),
                reply.status,
                0,
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
                ErrorKind::ServiceError,
                format!("HTTP {} from {} without a usable Location header", reply.status, log::redact_url(url)),
            )
        })?;
        let target = target.to_string();
        if visited.len() > MAX_REDIRECTS || visited.contains(&target) {
            let why = if visited.contains(&target) { "a redirect loop" } else { "too many redirects" };
            return Err(with_status(
                ErrorKind::TooManyRedirects,
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
    /// is refused with `ErrorKind::RedirectRefused`, naming the target.
    fn authorize_redirect(
        &self,
        hop: &Hop,
        target: &str,
        status: u16,
        call: &CallState,
        deadline: Instant,
    ) -> Result<Authorization> {
        let refuse = |why: String| {
            let mut e = Error::new(
                ErrorKind::RedirectRefused,
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
                ErrorKind::Timeout,
                format!("the call timeout of {:?} expired ({})", self.options.call_timeout, log::redact_url(target)),
            ));
        }
        let probe = Hop { method: hop.method, body: None };
        let (reply, _) = self.send_once(&probe, target, None, call, remaining);
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
            if e.kind == ErrorKind::ChallengeResourceMismatch || e.kind == ErrorKind::InvalidChallenge {
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
            if cancel::is_cancelled() {
                return cancel::error(log::redact_url(url));
            }
            if Instant::now() < deadline {
                return e;
            }
            Error::new(
                ErrorKind::Timeout,
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
                    ErrorKind::ForeignNextLink,
                    format!("refusing to follow a link outside the vault ({})", log::redact_url(&request.target)),
                ));
            }
            let has_api_version =
                url::Url::parse(&request.target).is_ok_and(|u| u.query_pairs().any(|(name, _)| name == "api-version"));
            return Ok(match (has_api_version, request.target.contains('?')) {
                (true, _) => request.target.clone(),
                (false, true) => format!("{}&api-version={}", request.target, self.options.api_version),
                (false, false) => format!("{}?api-version={}", request.target, self.options.api_version),
            });
        }
        // Appended to the origin text the client parsed once: a path is percent-encoded by its
        // builder (names::path_segment), so it needs no second parse, only this check.
        if !request.target.bytes().all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#') {
            return Err(Error::invalid_argument(format!(
                "bad request path '{}': not a percent-encoded path",
                log::redact_url(&request.target)
            )));
        }
        let origin = self.vault.origin();
        let mut url = String::with_capacity(origin.len() + request.target.len() + 64);
        url.push_str(origin);
        url.push_str(&request.target);
        url.push('?');
        let query_start = url.len();
        let mut pairs = url::form_urlencoded::Serializer::for_suffix(&mut url, query_start);
        for (k, v) in &request.query {
            pairs.append_pair(k, v);
        }
        pairs.finish();
        if !request.query.is_empty() {
            url.push('&');
        }
        // `api-version=…`, encoded once per pipeline.
        url.push_str(&self.api_version_pair);
        Ok(url)
    }

    /// Sends one hop, resending failures as the retry settings and the resend policy allow.
    /// An operation whose effect can repeat is not resent once its request may have reached
    /// the vault: a transport failure then gives `ErrorKind::OutcomeUnknown`, and a retriable
    /// status is returned for [`Pipeline::send`] to report the same way.
    fn send_with_retries(
        &self,
        hop: &Hop,
        effect: Effect,
        url: &str,
        authorization: Option<&Authorization>,
        call: &CallState,
        deadline: Instant,
    ) -> Result<RawReply> {
        // The token-less probe carries no body and cannot act.
        let once = authorization.is_some() && effect == Effect::Repeats;
        let what = call.exchange(hop.method, url);
        let expired = || {
            Error::new(
                ErrorKind::Timeout,
                format!("the call timeout of {:?} expired ({})", self.options.call_timeout, log::redact_url(url)),
            )
        };
        retry::run_for(&self.options.retry, deadline, &what, expired, |remaining| {
            let (outcome, unsent) = self.send_once(hop, url, authorization, call, remaining);
            let not_acted = match &outcome {
                Ok(reply) if retry::is_retriable_status(reply.status) => {
                    resend::vault_did_not_act(reply.status, retry::reply_delay(reply).is_some())
                }
                _ => unsent,
            };
            match retry::classify(outcome) {
                Attempted::Retriable { outcome, failure, .. } if once && !not_acted => {
                    log::exchange(
                        Level::Warn,
                        &what,
                        0,
                        0,
                        format_args!("{what} failed ({failure}); not resent: it may have taken effect"),
                    );
                    Attempted::Done(outcome.map_err(|e| outcome_unknown(e, &failure)))
                }
                classified => classified,
            }
        })
    }

    /// One exchange. Also tells whether a failure certainly happened before the request was
    /// sent (nothing reached the vault).
    ///
    /// With the verb override on, every verb other than GET and POST goes as POST naming the
    /// verb in both `X-HTTP-METHOD` and `X-HTTP-REQUEST` (the two spellings the service's
    /// documentation uses); a verb without a body (DELETE) then goes with an empty body
    /// (`Content-Length: 0`), as the service asks.
    fn send_once(
        &self,
        hop: &Hop,
        url: &str,
        authorization: Option<&Authorization>,
        call: &CallState,
        remaining: Duration,
    ) -> (Result<RawReply>, bool) {
        let overridden = self.options.method_override && !matches!(hop.method, Method::Get | Method::Post);
        let wire_method = if overridden { Method::Post } else { hop.method };
        let method_name = hop.method.as_str().as_bytes();
        let mut headers: [(&str, &[u8]); 6] = [("", b""); 6];
        headers[0] = ("Accept", b"application/json");
        headers[1] = ("x-ms-client-request-id", call.client_request_id.as_bytes());
        let mut n = 2;
        if overridden {
            headers[n] = ("X-HTTP-METHOD", method_name);
            headers[n + 1] = ("X-HTTP-REQUEST", method_name);
            n += 2;
        }
        if let Some(authorization) = authorization {
            match &authorization.header {
                Ok(value) => {
                    headers[n] = ("Authorization", value.as_bytes());
                    n += 1;
                }
                Err(_) => return (Err(Error::invalid_argument("the token is not a valid header value")), true),
            }
        }
        // Whether the verb (not the wire method) carries a body; the first, unauthenticated
        // request goes without its body: it will be refused anyway.
        let carries_body = matches!(hop.method, Method::Put | Method::Post | Method::Patch) && authorization.is_some();
        let body: &[u8] = match hop.body {
            Some(body) if carries_body => body,
            _ if carries_body => b"{}",
            _ => b"",
        };
        if carries_body {
            headers[n] = ("Content-Type", b"application/json");
            n += 1;
        }
        let request = Outgoing {
            method: wire_method.as_str(),
            url,
            headers: &headers[..n],
            body,
            sends_body: matches!(wire_method, Method::Put | Method::Post | Method::Patch),
        };
        call.attempts.set(call.attempts.get() + 1);
        let (outcome, unsent) = self.connections.exchange(&request, remaining, MAX_BODY_BYTES);
        let received = outcome.map_err(|e| cancel::explain(transport::classify(&e, url), log::redact_url(url)));
        (received, unsent)
    }
}

/// Most redirects followed in one call. A redirect to the vault's own origin is followed with
/// the token; `307`/`308` (and `301`/`302`, whose method kv never rewrites) keep method and
/// body, `303` continues with a GET. A redirect to another origin is followed only after its
/// host proves to be a vault of the same resource (see `Pipeline::authorize_redirect`). More
/// hops, or a URL visited twice, give `ErrorKind::TooManyRedirects`. kv sends no conditional
/// requests, so a `304` (from a cache on the way) is reported as a service error saying so.
pub const MAX_REDIRECTS: usize = 5;

/// What the hops and attempts of one call share: the `x-ms-client-request-id` they all carry,
/// and how many requests were sent.
struct CallState {
    client_request_id: String,
    attempts: Cell<u32>,
    started: Instant,
}

impl CallState {
    /// What a log record about one exchange of this call names.
    fn exchange<'a>(&'a self, method: Method, url: &'a str) -> log::Exchange<'a> {
        log::Exchange {
            method: method.as_str(),
            url,
            client_request_id: &self.client_request_id,
            started: self.started,
        }
    }
}

/// The verb and body of one hop of a call (a `303` redirect turns them into a bodiless GET).
struct Hop<'a> {
    method: Method,
    body: Option<&'a [u8]>,
}

/// `err` restated as an outcome the caller must check: the request may have taken effect.
fn outcome_unknown(err: Error, failure: &str) -> Error {
    Error::caused_by(
        ErrorKind::OutcomeUnknown,
        format!("the outcome is unknown: the request may have reached the vault and taken effect, so it was not resent ({failure}); check before repeating it"),
        err,
    )
}

/// A random UUID (version 4) for `x-ms-client-request-id`.
fn new_request_id() -> String {
    // The uuid crate lays out the version and variant bits and writes the text without
    // `format!`; the bytes come from fastrand (not the OS generator: no system call per request,
    // and a request id is no secret).
    let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_be_bytes()).into_uuid();
    id.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::static_token::StaticToken;
    use crate::error::ErrorKind;

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
    fn request_urls_are_built_on_the_origin_parsed_once_and_only_from_encoded_paths() {
        let p = pipeline("7.6");
        let mut r = Request::new(Method::Get, "/secrets/a%20b/");
        r.query.push(("filter", "x y&z".into()));
        assert_eq!(
            p.url_for(&r).unwrap(),
            "https://myvault.vault.azure.net/secrets/a%20b/?filter=x+y%26z&api-version=7.6"
        );
        for bad in ["/secrets/a b", "/secrets/ü", "/secrets/a?x=1", "/secrets/a#f"] {
            assert_eq!(p.url_for(&Request::new(Method::Get, bad)).unwrap_err().kind, ErrorKind::InvalidArgument);
        }
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
            assert_eq!(p.url_for(&r).unwrap(), parsed(&r));
            r.query.push(("maxresults", "25".into()));
            r.query.push(("$skiptoken", "a b&c=d/é+%".into()));
            assert_eq!(p.url_for(&r).unwrap(), parsed(&r));
        }
    }

    #[test]
    fn foreign_next_links_are_refused() {
        let p = pipeline("2025-07-01");
        let next = Request::new(Method::Get, "https://evil.example/secrets?$skiptoken=abc");
        assert_eq!(p.url_for(&next).unwrap_err().kind, ErrorKind::ForeignNextLink);
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
