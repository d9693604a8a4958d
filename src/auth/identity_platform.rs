//! The Microsoft identity platform (Entra ID) token request shared by the client secret, client
//! certificate, workload identity and environment credentials: a client-credentials grant POSTed
//! as a form to `{authority_host}/{tenant}/oauth2/v2.0/token`.
//!
//! Also here: the checks of tenant ids, client ids and authority hosts, and the choice of tenant
//! when a vault's challenge names one ([`resolve_tenant`]).
//!
//! Secrets (client secrets, client assertions, tokens) live in zeroizing buffers, are sent only in
//! the form body over HTTPS, and are scrubbed from any error text built from a reply.

use crate::auth::credential::{AccessToken, TokenRequest};
use crate::auth::options::CredentialOptions;
use crate::auth::token_text::{checked_token, expiry, Seconds};
use crate::error::{scrub, service_text, Error, ErrorKind, Redactions, Result};
use crate::http::log::{self, Level};
use crate::http::retry::{self, RetryOptions};
use crate::http::transport::{self, RawReply, TransportOptions, MAX_BODY_BYTES};
use serde::Deserialize;
use std::time::{Duration, Instant, SystemTime};
use ureq::http;
use zeroize::Zeroizing;

/// The public-cloud authority host, used when neither the options nor `AZURE_AUTHORITY_HOST`
/// name one.
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// Environment variable naming the authority host.
pub const AZURE_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";

/// `client_assertion_type` of a JWT client assertion.
pub const JWT_BEARER_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Longest tenant or client id accepted.
const MAX_ID_CHARS: usize = 256;
/// Most characters of an error description (or non-JSON error body) quoted in a message.
const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Retries of a token request after 408/429/5xx replies or transient transport failures.
const TOKEN_RETRIES: RetryOptions =
    RetryOptions { max_retries: 2, initial_delay: Duration::from_millis(500), max_delay: Duration::from_secs(4) };
/// Connect timeout cap for token requests (the overall timeout comes from the options).
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Tenants a challenge may name that are not a tenant a confidential client can use.
const NOT_A_TENANT: &[&str] = &["common", "organizations", "consumers"];

/// How the client proves its identity in a token request.
#[derive(Clone, Copy)]
pub enum ClientAuth<'a> {
    /// `client_secret`.
    Secret(&'a str),
    /// `client_assertion` (a signed JWT), with `client_assertion_type` jwt-bearer.
    Assertion(&'a str),
}

impl ClientAuth<'_> {
    fn secret_text(&self) -> &str {
        match self {
            ClientAuth::Secret(s) | ClientAuth::Assertion(s) => s,
        }
    }
}

impl std::fmt::Debug for ClientAuth<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientAuth::Secret(_) => f.write_str("Secret(<redacted>)"),
            ClientAuth::Assertion(_) => f.write_str("Assertion(<redacted>)"),
        }
    }
}

/// A token endpoint host with its HTTP agent (system roots plus the options' CA file).
pub struct IdentityPlatform {
    authority_host: String,
    agent: ureq::Agent,
    timeout: Duration,
}

impl std::fmt::Debug for IdentityPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityPlatform")
            .field("authority_host", &self.authority_host)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl IdentityPlatform {
    /// The identity platform the options name: `options.authority_host`, else the
    /// `AZURE_AUTHORITY_HOST` environment variable, else [`DEFAULT_AUTHORITY_HOST`]. The host
    /// must be an `https://` URL. `options.ca_file` is read now; `options.timeout` bounds each
    /// token request (retries included).
    pub fn new(options: &CredentialOptions) -> Result<IdentityPlatform> {
        let authority_host = match &options.authority_host {
            Some(host) => parse_authority_host(host)?,
            None => match std::env::var(AZURE_AUTHORITY_HOST).ok().filter(|v| !v.trim().is_empty()) {
                Some(host) => parse_authority_host(&host).map_err(|e| e.context(AZURE_AUTHORITY_HOST))?,
                None => DEFAULT_AUTHORITY_HOST.to_owned(),
            },
        };
        if options.timeout.is_zero() {
            return Err(Error::invalid_argument("the credential timeout must be at least 1 ms"));
        }
        let transport = TransportOptions {
            connect_timeout: options.timeout.min(MAX_CONNECT_TIMEOUT),
            read_timeout: options.timeout,
            ca_file: options.ca_file.clone(),
            user_agent: format!("kv/{} (rust; {})", env!("CARGO_PKG_VERSION"), std::env::consts::OS),
        };
        let agent = transport::build_agent(&transport)?;
        Ok(IdentityPlatform { authority_host, agent, timeout: options.timeout })
    }

    /// The authority host in use, e.g. `https://login.microsoftonline.com` (no trailing `/`).
    pub fn authority_host(&self) -> &str {
        &self.authority_host
    }

    /// The token endpoint of `tenant`: `{authority_host}/{tenant}/oauth2/v2.0/token`. Also the
    /// audience of client assertions.
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority_host, tenant)
    }

    /// Requests a token for `request.scope` (with `request.claims` when set) from `tenant`'s
    /// token endpoint with the client-credentials grant.
    ///
    /// An error reply (`{"error","error_description","error_codes"}`) gives
    /// `ErrorKind::AuthenticationFailed` with the description; the service's `error` becomes the
    /// error's service code and the first `error_codes` entry (`AADSTS<n>`) its inner code. 408,
    /// 429 and 5xx replies and transient transport failures are retried twice within the timeout.
    /// No message ever contains the client secret or assertion.
    pub fn request_token(
        &self,
        tenant: &str,
        client_id: &str,
        auth: ClientAuth<'_>,
        request: &TokenRequest,
    ) -> Result<AccessToken> {
        let url = self.token_url(tenant);
        let body = form_body(client_id, auth, request);
        let deadline = crate::auth::deadline::within_call(Instant::now() + self.timeout);
        let expired = || {
            Error::new(ErrorKind::Timeout, format!("the token request timeout of {:?} expired ({url})", self.timeout))
        };
        let reply = retry::run(&TOKEN_RETRIES, deadline, &format_args!("POST {url} (token)"), expired, |remaining| {
            retry::classify(self.post(&url, &body, remaining))
        })?;
        interpret(reply, &url, auth)
    }

    fn post(&self, url: &str, body: &[u8], remaining: Duration) -> Result<RawReply> {
        let request = http::Request::builder()
            .method("POST")
            .uri(url)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .map_err(|e| Error::invalid_argument(format!("cannot build the token request: {e}")))?;
        let configured = self.agent.configure_request(request).timeout_global(Some(remaining)).build();
        transport::receive(self.agent.run(configured), url, MAX_BODY_BYTES).map_err(|e| e.context("token request"))
    }
}

/// The urlencoded form of a client-credentials token request (zeroized when dropped).
fn form_body(client_id: &str, auth: ClientAuth<'_>, request: &TokenRequest) -> Zeroizing<Vec<u8>> {
    let estimate = 256
        + client_id.len()
        + request.scope.len()
        + 3 * (auth.secret_text().len() + request.claims.as_deref().map_or(0, str::len));
    let mut form = url::form_urlencoded::Serializer::new(String::with_capacity(estimate));
    form.append_pair("client_id", client_id);
    form.append_pair("scope", &request.scope);
    form.append_pair("grant_type", "client_credentials");
    match auth {
        ClientAuth::Secret(secret) => {
            form.append_pair("client_secret", secret);
        }
        ClientAuth::Assertion(assertion) => {
            form.append_pair("client_assertion_type", JWT_BEARER_ASSERTION_TYPE);
            form.append_pair("client_assertion", assertion);
        }
    }
    if let Some(claims) = request.claims.as_deref().filter(|c| !c.is_empty()) {
        form.append_pair("claims", claims);
    }
    Zeroizing::new(form.finish().into_bytes())
}

#[derive(Deserialize)]
struct TokenReply {
    #[serde(default, deserialize_with = "crate::model::encoding::deserialize_zeroizing")]
    access_token: Option<Zeroizing<String>>,
    token_type: Option<String>,
    expires_in: Option<Seconds>,
    expires_on: Option<Seconds>,
}

#[derive(Deserialize)]
struct ErrorReply {
    error: Option<String>,
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<serde_json::Value>,
    trace_id: Option<String>,
}

/// Turns a token endpoint reply into a token or an authentication error.
fn interpret(reply: RawReply, url: &str, auth: ClientAuth<'_>) -> Result<AccessToken> {
    let secret = auth.secret_text();
    if !(200..300).contains(&reply.status) {
        return Err(error_from_reply(&reply, url, secret));
    }
    let parsed: TokenReply = serde_json::from_slice(&reply.body).map_err(|e| {
        Error::new(
            ErrorKind::AuthenticationFailed,
            format!(
                "the token endpoint's reply is not a token (JSON error at line {} column {}) ({url})",
                e.line(),
                e.column()
            ),
        )
    })?;
    let token = checked_token(
        parsed.access_token.as_deref().map_or("", |t| t.as_str()),
        &format!("the token endpoint ({url})"),
    )?;
    if let Some(kind) = parsed.token_type.as_deref() {
        if !kind.eq_ignore_ascii_case("bearer") {
            let kind = scrub(&service_text(kind, 40), &[secret, &token]);
            return Err(Error::new(
                ErrorKind::AuthenticationFailed,
                format!("the token endpoint issued a '{kind}' token, not a Bearer token ({url})"),
            ));
        }
    }
    let expires_on =
        expiry(parsed.expires_on.as_ref(), parsed.expires_in.as_ref(), SystemTime::now()).ok_or_else(|| {
            Error::new(
                ErrorKind::AuthenticationFailed,
                format!("the token endpoint's reply has no usable expires_in ({url})"),
            )
        })?;
    Ok(AccessToken { token, expires_on })
}

fn error_from_reply(reply: &RawReply, url: &str, secret: &str) -> Error {
    let status = reply.status;
    // An endpoint or gateway may quote the form it got: the secret (in every form) is removed
    // from the full text before anything is cut to length.
    let secrets = Redactions::of(&[secret]);
    let parsed: Option<ErrorReply> = serde_json::from_slice(&reply.body).ok();
    let mut err = match parsed {
        Some(body) if body.error.is_some() || body.error_description.is_some() => {
            let code = secrets.redact_whole(&body.error.unwrap_or_default());
            let description = body.error_description.map(|d| one_line(&secrets.redact_whole(&d))).unwrap_or_default();
            let what = match (code.is_empty(), description.is_empty()) {
                (false, false) => format!("{}: {description}", service_text(&code, 100)),
                (false, true) => service_text(&code, 100),
                _ => description,
            };
            let mut err = Error::new(
                ErrorKind::AuthenticationFailed,
                format!("the token request was refused (HTTP {status}): {what} ({url})"),
            );
            err.service_code = service_text(&code, 100);
            err.inner_code = body
                .error_codes
                .first()
                .map(|c| match c {
                    serde_json::Value::Number(n) => format!("AADSTS{n}"),
                    serde_json::Value::String(s) => service_text(&secrets.redact_whole(s), 100),
                    _ => String::new(),
                })
                .unwrap_or_default();
            if let Some(trace) = body.trace_id {
                err.request_id = service_text(&secrets.redact_whole(&trace), 100);
            }
            err
        }
        _ => {
            let text = secrets.redact_whole(&String::from_utf8_lossy(&reply.body));
            let text = one_line(text.trim());
            let excerpt = if text.is_empty() { "(empty body)".to_owned() } else { text };
            Error::new(
                ErrorKind::AuthenticationFailed,
                format!("the token request failed (HTTP {status}): {excerpt} ({url})"),
            )
        }
    };
    if let Some(id) = reply.header("x-ms-request-id") {
        err.request_id = service_text(&id, 100);
    }
    err.http_status = status;
    err.redact_with(&secrets)
}

/// One clean line (Entra descriptions carry `\r\n` before the trace id; control characters
/// and terminal escapes are dropped), truncated.
fn one_line(text: &str) -> String {
    service_text(text, MAX_DESCRIPTION_CHARS)
}

fn truncate(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Checks a tenant id: a GUID or a domain name, 1–256 characters of `A-Z a-z 0-9 . -`, with
/// dots only between labels (so never `.` or `..`).
pub fn validate_tenant_id(tenant: &str) -> Result<()> {
    if tenant.is_empty() {
        return Err(Error::invalid_argument("the tenant id is empty"));
    }
    // Dots only between labels: "." and ".." would become path segments of the token URL.
    let dots_misplaced = tenant.starts_with('.') || tenant.ends_with('.') || tenant.contains("..");
    if tenant.chars().count() > MAX_ID_CHARS
        || dots_misplaced
        || !tenant.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err(Error::invalid_argument(format!(
            "tenant id '{}' must be a GUID or a domain name (letters, digits, '.' and '-')",
            truncate(&tenant.escape_default().to_string(), 100)
        )));
    }
    Ok(())
}

/// Checks a client (application) id: non-empty, at most 256 characters, no spaces or control
/// characters.
pub fn validate_client_id(client_id: &str) -> Result<()> {
    if client_id.is_empty() {
        return Err(Error::invalid_argument("the client id is empty"));
    }
    if client_id.chars().count() > MAX_ID_CHARS || client_id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_argument(
            "the client id must be at most 256 characters without spaces or control characters",
        ));
    }
    Ok(())
}

/// Checks a tenant that a challenge may name: a tenant id, or `*` for any tenant.
pub fn validate_allowed_tenant(tenant: &str) -> Result<()> {
    if tenant == "*" {
        return Ok(());
    }
    validate_tenant_id(tenant)
}

/// Checks and normalizes an authority host: an absolute `https://` URL with a host, no user
/// info, query or fragment. Returned without trailing `/`.
pub fn parse_authority_host(text: &str) -> Result<String> {
    let text = text.trim();
    let url = url::Url::parse(text).map_err(|e| {
        Error::invalid_argument(format!("authority host '{}' is not an absolute URL: {e}", truncate(text, 200)))
    })?;
    if url.scheme() != "https" {
        return Err(Error::invalid_argument(format!(
            "authority host '{}' must be an https:// URL (credentials are never sent over plain HTTP)",
            truncate(text, 200)
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_argument(format!("authority host '{}' has no host", truncate(text, 200))));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_argument(format!(
            "authority host '{}' must not carry user info, a query or a fragment",
            log::redact_url(truncate(text, 200))
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// The tenant to request a token from. The configured tenant, unless the vault's challenge names
/// another tenant that the credential allows: one equal to the configured tenant, listed in
/// `additionally_allowed`, or any tenant when `additionally_allowed` holds `*`. A challenge tenant
/// that is not allowed, is not a valid tenant id, or is `common` / `organizations` /
/// `consumers` is ignored and the configured tenant used (the vault then decides whether it
/// accepts that token).
pub fn resolve_tenant<'a>(configured: &'a str, challenge: Option<&'a str>, additionally_allowed: &[String]) -> &'a str {
    let Some(requested) = challenge else { return configured };
    if requested.eq_ignore_ascii_case(configured) {
        return configured;
    }
    if validate_tenant_id(requested).is_err() || NOT_A_TENANT.iter().any(|t| t.eq_ignore_ascii_case(requested)) {
        return configured;
    }
    if configured.eq_ignore_ascii_case("adfs") {
        return configured;
    }
    let allowed = additionally_allowed.iter().any(|t| t == "*" || t.eq_ignore_ascii_case(requested));
    if allowed {
        requested
    } else {
        log::write(
            Level::Debug,
            format_args!(
                "the challenge names tenant {requested}, which the credential does not allow; using {configured}"
            ),
        );
        configured
    }
}

/// Splits a `;`-separated tenant list (as in `AZURE_ADDITIONALLY_ALLOWED_TENANTS`), dropping
/// empty entries.
pub fn split_tenant_list(list: &str) -> Vec<String> {
    list.split(';').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(claims: Option<&str>) -> TokenRequest {
        TokenRequest {
            scope: "https://vault.azure.net/.default".into(),
            tenant_id: None,
            claims: claims.map(str::to_owned),
        }
    }

    fn pairs(body: &[u8]) -> Vec<(String, String)> {
        url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }

    #[test]
    fn form_has_exactly_the_grant_fields() {
        let body = form_body("cid", ClientAuth::Secret("s&=+ cret"), &req(None));
        assert_eq!(
            pairs(&body),
            vec![
                ("client_id".into(), "cid".into()),
                ("scope".into(), "https://vault.azure.net/.default".into()),
                ("grant_type".into(), "client_credentials".into()),
                ("client_secret".into(), "s&=+ cret".into()),
            ]
        );
        let body = form_body("cid", ClientAuth::Assertion("a.b.c"), &req(Some(r#"{"access_token":{}}"#)));
        let p = pairs(&body);
        assert_eq!(p[3], ("client_assertion_type".into(), JWT_BEARER_ASSERTION_TYPE.into()));
        assert_eq!(p[4], ("client_assertion".into(), "a.b.c".into()));
        assert_eq!(p[5], ("claims".into(), r#"{"access_token":{}}"#.into()));
        assert_eq!(p.len(), 6);
    }

    fn reply(status: u16, body: &str) -> RawReply {
        RawReply { status, headers: Default::default(), body: Zeroizing::new(body.as_bytes().to_vec()) }
    }

    #[test]
    fn replies_become_tokens_with_number_or_string_expiry() {
        let auth = ClientAuth::Secret("sec");
        let t = interpret(
            reply(200, r#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0"}"#),
            "u",
            auth,
        )
        .unwrap();
        assert_eq!(t.token.as_str(), "eyJ0");
        let left = t.expires_on.duration_since(SystemTime::now()).unwrap().as_secs();
        assert!((3590..=3599).contains(&left), "{left}");
        let t = interpret(reply(200, r#"{"token_type":"Bearer","expires_in":"120","access_token":"x"}"#), "u", auth)
            .unwrap();
        assert!(t.expires_on.duration_since(SystemTime::now()).unwrap().as_secs() <= 120);
        let t = interpret(reply(200, r#"{"access_token":"x","expires_on":"4102444800"}"#), "u", auth).unwrap();
        // Year 2100: capped to the longest lifetime believed.
        let left = t.expires_on.duration_since(SystemTime::now()).unwrap();
        assert!(
            left <= crate::auth::token_text::MAX_TOKEN_LIFETIME
                && left > crate::auth::token_text::MAX_TOKEN_LIFETIME - Duration::from_secs(60),
            "{left:?}"
        );
        for bad in [
            r#"{"access_token":"x"}"#,
            r#"{"expires_in":1}"#,
            r#"{"access_token":"a b","expires_in":1}"#,
            r#"{"access_token":"x","token_type":"pop","expires_in":1}"#,
            "nope",
        ] {
            assert_eq!(
                interpret(reply(200, bad), "u", auth).unwrap_err().kind,
                ErrorKind::AuthenticationFailed,
                "{bad}"
            );
        }
    }

    #[test]
    fn error_replies_carry_the_description_and_never_the_secret() {
        let body = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: hunter2hunter2.\r\nTrace ID: t1\r\nCorrelation ID: c1","error_codes":[7000215],"trace_id":"t1"}"#;
        let e = interpret(reply(401, body), "https://h/t/oauth2/v2.0/token", ClientAuth::Secret("hunter2hunter2"))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::AuthenticationFailed);
        assert!(
            e.message.contains("Invalid client secret provided") && e.message.contains("Trace ID: t1"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("hunter2") && !e.message.contains('\n'), "{}", e.message);
        assert_eq!(
            (e.service_code.as_str(), e.inner_code.as_str(), e.http_status, e.request_id.as_str()),
            ("invalid_client", "AADSTS7000215", 401, "t1")
        );
        let e = interpret(
            reply(502, "<html>bad gateway hunter2hunter2</html>"),
            "u",
            ClientAuth::Assertion("hunter2hunter2"),
        )
        .unwrap_err();
        assert!(
            e.message.contains("HTTP 502") && e.message.contains("bad gateway") && !e.message.contains("hunter2"),
            "{}",
            e.message
        );
    }

    /// Review finding 1: the 1,000-character cut came before redaction, and only the raw form of
    /// the secret was looked for, not its form-encoded one (`~` is `%7E` in the form body).
    #[test]
    fn echoed_forms_never_leave_a_slice_of_a_long_secret_or_assertion() {
        let secret = format!("Abc~{}~xyz", "q7R.s-8_T~".repeat(60));
        let assertion = format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.{}",
            "eyJhdWQiOiJodHRwczovL2xvZ2luIn0".repeat(20),
            "c2lnbmF0dXJl".repeat(30)
        );
        let slices = |text: &str, secret: &str| -> Option<String> {
            let forms =
                [secret.to_owned(), url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()];
            forms
                .iter()
                .flat_map(|f| (0..f.len().saturating_sub(20)).map(move |i| f[i..i + 20].to_owned()))
                .find(|s| text.contains(s.as_str()))
        };
        for (auth, text) in
            [(ClientAuth::Secret(&secret), secret.as_str()), (ClientAuth::Assertion(&assertion), assertion.as_str())]
        {
            let form = form_body("cid", auth, &req(None));
            let form = String::from_utf8_lossy(&form).into_owned();
            let pages = [
                format!("<html><body>502 Bad Gateway. Request: {form}</body></html>"),
                format!(
                    "<html><body>502 Bad Gateway. Request: {}</body></html>",
                    url::form_urlencoded::parse(form.as_bytes())
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("&")
                ),
                format!("bad gateway ... {}", &form[form.len() / 2..]),
            ];
            for page in pages {
                let e = interpret(reply(502, &page), "u", auth).unwrap_err();
                assert!(e.message.contains("502 Bad Gateway") || e.message.contains("bad gateway"), "{}", e.message);
                assert_eq!(slices(&e.message, text), None, "{}", e.message);
            }
            let body = serde_json::json!({"error": "invalid_client", "error_description": format!("AADSTS7000215: Invalid client secret provided: {text}"), "error_codes": [7000215]});
            let e = interpret(reply(401, &body.to_string()), "u", auth).unwrap_err();
            assert!(e.message.contains("Invalid client secret provided"), "{}", e.message);
            assert_eq!(slices(&e.message, text), None, "{}", e.message);
        }
    }

    /// Review finding 16: "." and ".." passed, making the token URL `{authority}/../oauth2/...`.
    #[test]
    fn dot_segments_are_not_tenant_ids() {
        for bad in [".", "..", "...", ".contoso.com", "contoso.com.", "contoso..com"] {
            assert!(validate_tenant_id(bad).is_err(), "{bad}");
            assert!(validate_allowed_tenant(bad).is_err(), "{bad}");
            assert_eq!(resolve_tenant("A", Some(bad), &["*".to_owned()]), "A", "{bad}");
        }
        assert!(validate_tenant_id("a.b-c.d").is_ok());
    }

    #[test]
    fn tenant_resolution_follows_the_allow_list() {
        let none: Vec<String> = vec![];
        let b = vec!["B".to_owned()];
        let any = vec!["*".to_owned()];
        assert_eq!(resolve_tenant("A", None, &any), "A");
        assert_eq!(resolve_tenant("A", Some("a"), &none), "A");
        assert_eq!(resolve_tenant("A", Some("B"), &none), "A");
        assert_eq!(resolve_tenant("A", Some("B"), &b), "B");
        assert_eq!(resolve_tenant("A", Some("C"), &b), "A");
        assert_eq!(resolve_tenant("A", Some("C"), &any), "C");
        assert_eq!(resolve_tenant("A", Some("common"), &any), "A");
        assert_eq!(resolve_tenant("A", Some("x/y"), &any), "A");
        assert_eq!(split_tenant_list(" a; ;b;"), vec!["a".to_owned(), "b".to_owned()]);
    }

    #[test]
    fn ids_and_hosts_are_checked() {
        assert!(validate_tenant_id("72f988bf-86f1-41af-91ab-2d7cd011db47").is_ok());
        assert!(validate_tenant_id("contoso.onmicrosoft.com").is_ok());
        for bad in ["", "a/b", "a b", "a?b", "ä"] {
            assert!(validate_tenant_id(bad).is_err(), "{bad}");
        }
        assert!(validate_allowed_tenant("*").is_ok());
        assert!(validate_client_id("0000-1111").is_ok());
        assert!(validate_client_id("").is_err() && validate_client_id("a b").is_err());
        assert_eq!(
            parse_authority_host("https://login.microsoftonline.com/").unwrap(),
            "https://login.microsoftonline.com"
        );
        assert_eq!(parse_authority_host("https://localhost:8443").unwrap(), "https://localhost:8443");
        for bad in ["http://localhost", "login.microsoftonline.com", "https://u:p@h", "https://h/?x=1", "ftp://h"] {
            assert!(parse_authority_host(bad).is_err(), "{bad}");
        }
    }
}
