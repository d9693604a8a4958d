//! Parsing and verification of Key Vault `WWW-Authenticate` challenges.
//!
//! Key Vault answers an unauthenticated request with `401` and a header such as
//! `Bearer authorization="https://login.windows.net/<tenant>", resource="https://vault.azure.net"`.
//! [`parse`] turns that header into a [`Challenge`] (authority, tenant, token scope and
//! optional CAE claims); [`verify_resource`] checks that the scope really belongs to the
//! vault being called, so that a spoofed vault URL cannot obtain tokens for another service.

use std::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Maximum number of characters of untrusted input echoed in an error message.
const MAX_ECHO_CHARS: usize = 200;

/// Suffix that turns a resource URL into a scope.
const DEFAULT_SUFFIX: &str = "/.default";

/// What a 401 challenge tells the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The authorization server URL (`authorization` or `authorization_uri`), if given.
    pub authority: Option<String>,
    /// The tenant: the first path segment of `authority`, if any.
    pub tenant: Option<String>,
    /// The token scope: `scope`, else `resource` + "/.default". None for a pure claims challenge.
    pub scope: Option<String>,
    /// Decoded claims JSON from a claims (CAE) challenge.
    pub claims: Option<String>,
    /// The `error` parameter, e.g. `"insufficient_claims"`.
    pub error: Option<String>,
}

/// Why a challenge could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeError {
    /// Header is not a Bearer challenge or is malformed; the String says what is wrong
    /// (it never echoes more than 200 characters of the header).
    Malformed(String),
    /// The challenge names a resource whose host does not match the vault host.
    ResourceMismatch {
        /// Host of the vault URL the request was sent to.
        vault_host: String,
        /// Host of the challenge's scope/resource (or the raw scope text, truncated, if it has no host).
        resource_host: String,
    },
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChallengeError::Malformed(what) => {
                write!(f, "unusable WWW-Authenticate challenge: {what}")
            }
            ChallengeError::ResourceMismatch { vault_host, resource_host } => write!(
                f,
                "the authentication challenge's resource {resource_host:?} does not match the \
                 vault host {vault_host:?}, so no token was sent; check the vault URL. If the \
                 vault is legitimately served under a different domain, the check can be turned \
                 off with the verify-challenge-resource option. \
                 See https://aka.ms/azsdk/blog/vault-uri for details"
            ),
        }
    }
}

impl std::error::Error for ChallengeError {}

/// All `WWW-Authenticate` header values of a reply as one value (joined with `, `, as HTTP allows
/// for this header), so that [`parse`] sees every challenge: a proxy or gateway may put its own
/// (`Basic`, `Negotiate`) in front of the vault's `Bearer` one. None when there is no such header.
pub fn join_headers<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let values: Vec<&str> = values.into_iter().map(str::trim).filter(|v| !v.is_empty()).collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Parses a `WWW-Authenticate` header value.
/// A challenge must carry an authority or claims, and a scope/resource unless it is a claims challenge.
///
/// If the header holds several challenges, the `Bearer` one is used (else a `PoP` one).
/// Parameter names are case-insensitive; values may be quoted or bare. A parameter this
/// function uses that appears twice in the chosen challenge is rejected as ambiguous.
///
/// # Errors
///
/// [`ChallengeError::Malformed`] if the header has no Bearer/PoP challenge, cannot be
/// tokenized, lacks the required parameters, has an authority that is not an absolute URL,
/// carries claims that are not base64 of UTF-8 JSON, or has a scope or resource holding white
/// space or control characters (more than one scope).
pub fn parse(header: &str) -> Result<Challenge, ChallengeError> {
    if header.trim().is_empty() {
        return Err(ChallengeError::Malformed("the WWW-Authenticate header is empty".to_owned()));
    }
    let challenges = split_challenges(header)?;
    let chosen = challenges
        .iter()
        .find(|c| c.scheme.eq_ignore_ascii_case("Bearer"))
        .or_else(|| challenges.iter().find(|c| c.scheme.eq_ignore_ascii_case("PoP")))
        .ok_or_else(|| malformed("no Bearer challenge", header))?;

    let authority = match chosen.param("authorization_uri", header)? {
        Some(a) => Some(a),
        None => chosen.param("authorization", header)?,
    };
    let tenant = match authority {
        Some(a) => tenant_of(a, header)?,
        None => None,
    };
    let scope = match chosen.param("scope", header)? {
        Some(s) => Some(s.to_owned()),
        None => chosen.param("resource", header)?.map(resource_to_scope),
    };
    if let Some(scope) = &scope {
        // One scope only: white space would make it a list of scopes for another resource too.
        if scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(malformed(
                "the challenge's scope or resource holds white space or control characters (only one scope is allowed)",
                header,
            ));
        }
    }
    let claims = match chosen.param("claims", header)? {
        Some(c) => Some(decode_claims(c, header)?),
        None => None,
    };
    let error = chosen.param("error", header)?.map(str::to_owned);

    if authority.is_none() && claims.is_none() {
        return Err(malformed("challenge has neither an authorization URL nor claims", header));
    }
    if scope.is_none() && claims.is_none() {
        return Err(malformed("challenge has no scope or resource (and is not a claims challenge)", header));
    }

    Ok(Challenge { authority: authority.map(str::to_owned), tenant, scope, claims, error })
}

/// Checks that `vault_host` (the host of the vault URL, no port) equals the host of the
/// scope/resource URL or ends with "." followed by it.
///
/// Host names are compared case-insensitively, ignoring ports (a port accidentally left on
/// `vault_host` is ignored too) and a trailing root dot.
///
/// # Errors
///
/// [`ChallengeError::ResourceMismatch`] if the hosts do not match. A scope that is not an
/// absolute URL with a host is a mismatch, reported with `resource_host` set to the raw
/// scope text (truncated to 200 characters).
pub fn verify_resource(vault_host: &str, scope: &str) -> Result<(), ChallengeError> {
    let mismatch = |resource_host: String| ChallengeError::ResourceMismatch {
        vault_host: truncate(vault_host, MAX_ECHO_CHARS),
        resource_host,
    };
    let resource_host = url::Url::parse(scope.trim())
        .ok()
        .and_then(|u| u.host_str().map(normalize_host))
        .filter(|h| !h.is_empty())
        .ok_or_else(|| mismatch(truncate(scope, MAX_ECHO_CHARS)))?;

    let vault = normalize_host(strip_port(vault_host.trim()));
    let matches = !vault.is_empty()
        && (vault == resource_host
            || vault
                .strip_suffix(resource_host.as_str())
                .is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.')));
    if matches {
        Ok(())
    } else {
        Err(mismatch(truncate(&resource_host, MAX_ECHO_CHARS)))
    }
}

/// One challenge of a `WWW-Authenticate` header: its scheme and its parameters
/// (names lower-cased, values unquoted), in header order.
struct RawChallenge<'a> {
    scheme: &'a str,
    params: Vec<(String, String)>,
}

impl RawChallenge<'_> {
    /// The trimmed value of parameter `key` (lower-case), `None` if absent or empty.
    /// Errors if the parameter appears more than once.
    fn param<'s>(&'s self, key: &str, header: &str) -> Result<Option<&'s str>, ChallengeError> {
        let mut found = self.params.iter().filter(|(k, _)| k == key);
        let first = found.next();
        if found.next().is_some() {
            return Err(malformed(&format!("parameter `{key}` appears more than once"), header));
        }
        Ok(first.map(|(_, v)| v.trim()).filter(|v| !v.is_empty()))
    }
}

/// Whitespace allowed between elements of the header.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Bytes that end a token.
fn ends_token(b: u8) -> bool {
    is_ws(b) || matches!(b, b',' | b'=' | b'"')
}

/// Splits a header into challenges (RFC 7235 `1#challenge`, leniently):
/// a token not followed by `=` starts a new challenge, `token = value` is a parameter of
/// the current one. Separators are commas and/or whitespace.
fn split_challenges(header: &str) -> Result<Vec<RawChallenge<'_>>, ChallengeError> {
    let bytes = header.as_bytes();
    let len = bytes.len();
    let mut out: Vec<RawChallenge<'_>> = Vec::new();
    let mut i = 0;
    loop {
        while i < len && (is_ws(bytes[i]) || bytes[i] == b',') {
            i += 1;
        }
        if i >= len {
            break;
        }
        if ends_token(bytes[i]) {
            // Only `=` or `"` can get here: a value with no name.
            return Err(malformed(&format!("unexpected `{}` at byte {i}", char::from(bytes[i])), header));
        }
        let start = i;
        while i < len && !ends_token(bytes[i]) {
            i += 1;
        }
        // Token boundaries are ASCII bytes, so this slice is on char boundaries.
        let token = &header[start..i];
        let mut j = i;
        while j < len && is_ws(bytes[j]) {
            j += 1;
        }
        if j < len && bytes[j] == b'=' {
            i = j + 1;
            while i < len && is_ws(bytes[i]) {
                i += 1;
            }
            let value = if i < len && bytes[i] == b'"' {
                let (value, next) = read_quoted(header, i)?;
                i = next;
                if i < len && !(is_ws(bytes[i]) || bytes[i] == b',') {
                    return Err(malformed(&format!("unexpected character after quoted value at byte {i}"), header));
                }
                value
            } else {
                let value_start = i;
                while i < len && !(is_ws(bytes[i]) || bytes[i] == b',') {
                    if bytes[i] == b'"' {
                        return Err(malformed(&format!("unexpected quote inside unquoted value at byte {i}"), header));
                    }
                    i += 1;
                }
                header[value_start..i].to_owned()
            };
            let Some(current) = out.last_mut() else {
                return Err(malformed("parameter found before any authentication scheme", header));
            };
            current.params.push((token.to_ascii_lowercase(), value));
        } else {
            out.push(RawChallenge { scheme: token, params: Vec::new() });
            i = j;
        }
    }
    Ok(out)
}

/// Reads a quoted string starting at the `"` at byte `open`; handles `\` escapes.
/// Returns the unescaped text and the index just past the closing quote.
fn read_quoted(header: &str, open: usize) -> Result<(String, usize), ChallengeError> {
    let bytes = header.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // Only ASCII backslashes were removed, so the bytes are still UTF-8.
                let text = String::from_utf8(out).map_err(|_| malformed("quoted value is not valid UTF-8", header))?;
                return Ok((text, i + 1));
            }
            b'\\' if i + 1 < bytes.len() => {
                out.push(bytes[i + 1]);
                i += 2;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Err(malformed(&format!("unterminated quoted string starting at byte {open}"), header))
}

/// The first path segment of an authorization URL, if non-empty.
fn tenant_of(authority: &str, header: &str) -> Result<Option<String>, ChallengeError> {
    let url = url::Url::parse(authority)
        .ok()
        .filter(|u| u.host_str().is_some_and(|h| !h.is_empty()))
        .ok_or_else(|| malformed("authorization is not an absolute URL with a host", header))?;
    Ok(url
        .path_segments()
        .and_then(|mut segments| segments.next())
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned))
}

/// `resource` + "/.default", without doubling the suffix or the slash.
fn resource_to_scope(resource: &str) -> String {
    if resource.ends_with(DEFAULT_SUFFIX) {
        resource.to_owned()
    } else if resource.ends_with('/') {
        format!("{resource}.default")
    } else {
        format!("{resource}{DEFAULT_SUFFIX}")
    }
}

/// Decodes a base64 (standard or URL-safe, padding optional) claims value to its JSON text.
fn decode_claims(value: &str, header: &str) -> Result<String, ChallengeError> {
    let config = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&alphabet::STANDARD, config);
    let url_safe = GeneralPurpose::new(&alphabet::URL_SAFE, config);
    let bytes = standard
        .decode(value)
        .or_else(|_| url_safe.decode(value))
        .map_err(|_| malformed("claims value is not valid base64", header))?;
    let json = String::from_utf8(bytes).map_err(|_| malformed("decoded claims are not valid UTF-8", header))?;
    serde_json::from_str::<serde_json::Value>(&json)
        .map_err(|_| malformed("decoded claims are not valid JSON", header))?;
    Ok(json)
}

/// Removes a `:port` suffix from a host (bracketed IPv6 literals keep their colons).
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.split_once(':') {
        Some((name, port)) if !port.contains(':') => name,
        _ => host,
    }
}

/// Lower-cases a host name and drops a trailing root dot.
fn normalize_host(host: &str) -> String {
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

/// At most `max` characters of `s`, with "…" appended if something was cut.
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// A `Malformed` error naming the problem and quoting (a bounded part of) the header.
fn malformed(what: &str, header: &str) -> ChallengeError {
    ChallengeError::Malformed(format!("{what} in WWW-Authenticate header {:?}", truncate(header, MAX_ECHO_CHARS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const VAULT_SCOPE: &str = "https://vault.azure.net/.default";
    const CLAIMS_JSON: &str = r#"{"access_token":{"nbf":{"essential":true,"value":"1726077595"}}}"#;
    const CLAIMS_B64: &str = "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzI2MDc3NTk1In19fQ==";
    // JSON whose standard base64 contains '/' and ends in '=' padding.
    const CLAIMS2_JSON: &str =
        r#"{"access_token":{"nbf":{"essential":true,"value":"1726077595"}},"xms_cc":["cp1"],"n":"?"}"#;
    const CLAIMS2_B64URL_NOPAD: &str = "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzI2MDc3NTk1In19LCJ4bXNfY2MiOlsiY3AxIl0sIm4iOiI_In0";
    const CLAIMS2_B64: &str = "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzI2MDc3NTk1In19LCJ4bXNfY2MiOlsiY3AxIl0sIm4iOiI/In0=";

    fn ok(header: &str) -> Challenge {
        match parse(header) {
            Ok(c) => c,
            Err(e) => panic!("expected {header:?} to parse, got {e}"),
        }
    }

    fn assert_malformed(header: &str) -> String {
        match parse(header) {
            Err(ChallengeError::Malformed(msg)) => msg,
            other => panic!("expected Malformed for {header:?}, got {other:?}"),
        }
    }

    #[test]
    fn classic_form() {
        let h =
            format!(r#"Bearer authorization="https://login.windows.net/{TENANT}", resource="https://vault.azure.net""#);
        let c = ok(&h);
        assert_eq!(
            c,
            Challenge {
                authority: Some(format!("https://login.windows.net/{TENANT}")),
                tenant: Some(TENANT.to_owned()),
                scope: Some(VAULT_SCOPE.to_owned()),
                claims: None,
                error: None,
            }
        );
    }

    #[test]
    fn scope_form() {
        let c = ok(
            r#"Bearer authorization="https://login.microsoftonline.com/contoso.onmicrosoft.com", scope="https://managedhsm.azure.net/.default""#,
        );
        assert_eq!(c.authority.as_deref(), Some("https://login.microsoftonline.com/contoso.onmicrosoft.com"));
        assert_eq!(c.tenant.as_deref(), Some("contoso.onmicrosoft.com"));
        assert_eq!(c.scope.as_deref(), Some("https://managedhsm.azure.net/.default"));
        assert_eq!(c.claims, None);
    }

    #[test]
    fn scope_wins_over_resource() {
        for h in [
            r#"Bearer authorization="https://login.microsoftonline.com/t1", resource="https://other.example", scope="https://vault.azure.net/.default""#,
            r#"Bearer authorization="https://login.microsoftonline.com/t1", scope="https://vault.azure.net/.default", resource="https://other.example""#,
        ] {
            let c = ok(h);
            assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
            assert_eq!(c.tenant.as_deref(), Some("t1"));
        }
    }

    #[test]
    fn authorization_uri_form() {
        let c = ok(
            r#"Bearer authorization_uri="https://login.microsoftonline.com/organizations/oauth2/authorize", resource="https://vault.azure.net""#,
        );
        assert_eq!(c.authority.as_deref(), Some("https://login.microsoftonline.com/organizations/oauth2/authorize"));
        assert_eq!(c.tenant.as_deref(), Some("organizations"));
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
    }

    #[test]
    fn unquoted_values() {
        let c =
            ok(&format!("Bearer authorization=https://login.windows.net/{TENANT}, resource=https://vault.azure.net"));
        assert_eq!(c.tenant.as_deref(), Some(TENANT));
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
        assert_eq!(c.authority, Some(format!("https://login.windows.net/{TENANT}")));
    }

    #[test]
    fn spacing_variants() {
        let expected = ok(&format!(
            r#"Bearer authorization="https://login.windows.net/{TENANT}", resource="https://vault.azure.net""#
        ));
        for h in [
            format!(r#"Bearer authorization="https://login.windows.net/{TENANT}",resource="https://vault.azure.net""#),
            format!(r#"Bearer authorization="https://login.windows.net/{TENANT}" resource="https://vault.azure.net""#),
            format!("  Bearer   authorization = \"https://login.windows.net/{TENANT}\" ,  ,\tresource=\"https://vault.azure.net\"  "),
            format!(r#"Bearer authorization="https://login.windows.net/{TENANT}",  resource="https://vault.azure.net","#),
        ] {
            assert_eq!(ok(&h), expected, "header {h:?}");
        }
    }

    #[test]
    fn mixed_case_keys_and_scheme() {
        let c = ok(&format!(
            r#"bEARER Authorization="https://login.windows.net/{TENANT}", RESOURCE="https://vault.azure.net""#
        ));
        assert_eq!(c.tenant.as_deref(), Some(TENANT));
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
        let c = ok(
            r#"pop Authorization_URI="https://login.microsoftonline.com/common", Scope="https://vault.azure.net/.default""#,
        );
        assert_eq!(c.tenant.as_deref(), Some("common"));
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
    }

    #[test]
    fn quoted_value_with_commas_spaces_and_escapes() {
        let c = ok(
            r#"Bearer realm="a, b c", authorization="https://login.microsoftonline.com/t", scope="https://vault.azure.net/.default", error_description="say \"hi\", ok""#,
        );
        assert_eq!(c.tenant.as_deref(), Some("t"));
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
    }

    #[test]
    fn claims_challenge() {
        let h = format!(
            r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="{CLAIMS_B64}""#
        );
        let c = ok(&h);
        assert_eq!(
            c,
            Challenge {
                authority: Some("https://login.microsoftonline.com/common/oauth2/authorize".to_owned()),
                tenant: Some("common".to_owned()),
                scope: None,
                claims: Some(CLAIMS_JSON.to_owned()),
                error: Some("insufficient_claims".to_owned()),
            }
        );
    }

    #[test]
    fn claims_standard_with_slash_and_padding() {
        let c = ok(&format!(
            r#"Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="{CLAIMS2_B64}""#
        ));
        assert_eq!(c.claims.as_deref(), Some(CLAIMS2_JSON));
    }

    #[test]
    fn claims_url_safe_without_padding() {
        assert!(CLAIMS2_B64URL_NOPAD.contains('_') && !CLAIMS2_B64URL_NOPAD.ends_with('='));
        let c = ok(&format!(
            r#"Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="{CLAIMS2_B64URL_NOPAD}""#
        ));
        assert_eq!(c.claims.as_deref(), Some(CLAIMS2_JSON));
        // Standard alphabet without padding, unquoted.
        let unpadded = CLAIMS_B64.trim_end_matches('=');
        let c = ok(&format!("Bearer claims={unpadded}"));
        assert_eq!(c.claims.as_deref(), Some(CLAIMS_JSON));
        assert_eq!(c.authority, None);
        assert_eq!(c.scope, None);
    }

    #[test]
    fn claims_with_scope_keeps_both() {
        let c = ok(&format!(
            r#"Bearer authorization="https://login.microsoftonline.com/t", scope="https://vault.azure.net/.default", claims={CLAIMS_B64}"#
        ));
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
        assert_eq!(c.claims.as_deref(), Some(CLAIMS_JSON));
    }

    #[test]
    fn multiple_challenges_bearer_second() {
        let h = format!(
            r#"PoP nonce="abc", authorization="https://login.microsoftonline.com/other", scope="https://pop.example/.default", Bearer authorization="https://login.windows.net/{TENANT}", resource="https://vault.azure.net""#
        );
        let c = ok(&h);
        assert_eq!(c.tenant.as_deref(), Some(TENANT));
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));

        let h = format!(
            r#"Basic realm="x", Negotiate, Bearer authorization="https://login.windows.net/{TENANT}", resource="https://vault.azure.net""#
        );
        assert_eq!(ok(&h).tenant.as_deref(), Some(TENANT));
    }

    #[test]
    fn pop_used_when_no_bearer() {
        let c = ok(r#"PoP authorization="https://login.microsoftonline.com/t2", resource="https://vault.azure.net""#);
        assert_eq!(c.tenant.as_deref(), Some("t2"));
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
    }

    #[test]
    fn resource_default_suffix_not_doubled() {
        let c = ok(
            r#"Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net/.default""#,
        );
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
        let c =
            ok(r#"Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net/""#);
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
    }

    #[test]
    fn authority_without_tenant_segment() {
        let c = ok(r#"Bearer authorization="https://login.microsoftonline.com/", resource="https://vault.azure.net""#);
        assert_eq!(c.tenant, None);
        assert_eq!(c.authority.as_deref(), Some("https://login.microsoftonline.com/"));
    }

    #[test]
    fn malformed_inputs() {
        let long_garbage = format!("Bearer x=\"{}", "a".repeat(1000));
        let cases: Vec<(&str, &str)> = vec![
            ("", "empty"),
            ("   ", "empty"),
            ("Basic realm=x", "no Bearer challenge"),
            ("Bearer", "neither an authorization URL nor claims"),
            ("Bearer    ,  ", "neither an authorization URL nor claims"),
            (
                r#"Bearer authorization="https://login.microsoftonline.com/t, resource=https://vault.azure.net"#,
                "unterminated quoted string",
            ),
            (
                r#"Bearer authorization="https://login.microsoftonline.com/t", scope="https://vault.azure.net"#,
                "unterminated quoted string",
            ),
            (r#"Bearer authorization="https://login.microsoftonline.com/t""#, "no scope or resource"),
            (
                r#"Bearer authorization="https://login.microsoftonline.com/t", realm="", error="invalid_token""#,
                "no scope or resource",
            ),
            (
                r#"Bearer authorization="https://login.microsoftonline.com/t", error="insufficient_claims", claims="not base64!!""#,
                "not valid base64",
            ),
            (
                // "//79" is base64 of bytes ff fe fd: not UTF-8.
                r#"Bearer authorization="https://login.microsoftonline.com/t", claims="//79""#,
                "not valid UTF-8",
            ),
            (
                // "aGVsbG8=" is base64 of "hello": UTF-8 but not JSON.
                r#"Bearer authorization="https://login.microsoftonline.com/t", claims="aGVsbG8=""#,
                "not valid JSON",
            ),
            (r#"Bearer scope="https://vault.azure.net/.default""#, "neither an authorization URL nor claims"),
            (r#"Bearer authorization="not a url", scope="https://vault.azure.net/.default""#, "not an absolute URL"),
            (r#"authorization="https://login.microsoftonline.com/t", scope="s""#, "before any authentication scheme"),
            (r#"Bearer realm="r", ="x""#, "unexpected `=`"),
            (r#"Bearer ="x""#, "before any authentication scheme"),
            (r#"Bearer "x""#, "unexpected `\"`"),
            (r#"Bearer authorization="https://login.microsoftonline.com/t"x, scope="s""#, "after quoted value"),
            (r#"Bearer authorization=abc"def", scope="s""#, "unexpected quote inside unquoted value"),
            (
                r#"Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net", resource="https://evil.example""#,
                "`resource` appears more than once",
            ),
            (&long_garbage, "unterminated quoted string"),
        ];
        for (header, needle) in cases {
            let msg = assert_malformed(header);
            assert!(msg.contains(needle), "message for {header:?} should mention {needle:?}: {msg}");
            assert!(msg.chars().count() < 400, "message too long: {msg}");
        }
    }

    #[test]
    fn malformed_message_truncates_header() {
        let header = format!("Basic realm=\"{}\"", "z".repeat(5000));
        let msg = assert_malformed(&header);
        assert!(msg.contains('…'));
        assert_eq!(msg.matches('z').count(), 200 - "Basic realm=\"".len());
    }

    #[test]
    fn verify_resource_accepts_vault_subdomain() {
        assert_eq!(verify_resource("myvault.vault.azure.net", VAULT_SCOPE), Ok(()));
        assert_eq!(verify_resource("myvault.vault.azure.net", "https://vault.azure.net"), Ok(()));
        assert_eq!(verify_resource("myhsm.managedhsm.azure.net", "https://managedhsm.azure.net/.default"), Ok(()));
    }

    #[test]
    fn verify_resource_rejects_other_cloud() {
        assert_eq!(
            verify_resource("myvault.vault.azure.net", "https://vault.azure.cn"),
            Err(ChallengeError::ResourceMismatch {
                vault_host: "myvault.vault.azure.net".to_owned(),
                resource_host: "vault.azure.cn".to_owned(),
            })
        );
    }

    #[test]
    fn verify_resource_rejects_parent_domain_vault() {
        assert_eq!(
            verify_resource("myvault.azure.net", "https://vault.azure.net"),
            Err(ChallengeError::ResourceMismatch {
                vault_host: "myvault.azure.net".to_owned(),
                resource_host: "vault.azure.net".to_owned(),
            })
        );
    }

    #[test]
    fn verify_resource_requires_dot_boundary() {
        assert_eq!(
            verify_resource("evilvault.azure.net", "https://vault.azure.net"),
            Err(ChallengeError::ResourceMismatch {
                vault_host: "evilvault.azure.net".to_owned(),
                resource_host: "vault.azure.net".to_owned(),
            })
        );
        // A bare leading dot is not a label.
        assert!(verify_resource(".vault.azure.net", "https://vault.azure.net").is_err());
        assert!(verify_resource("", "https://vault.azure.net").is_err());
    }

    #[test]
    fn verify_resource_equal_host() {
        assert_eq!(verify_resource("localhost", "https://localhost"), Ok(()));
        assert_eq!(verify_resource("vault.azure.net", VAULT_SCOPE), Ok(()));
    }

    #[test]
    fn verify_resource_case_insensitive() {
        assert_eq!(verify_resource("MyVault.Vault.Azure.NET", "https://VAULT.azure.net/.default"), Ok(()));
        assert_eq!(verify_resource("LOCALHOST", "https://localhost"), Ok(()));
    }

    #[test]
    fn verify_resource_ignores_ports() {
        assert_eq!(verify_resource("myvault.vault.azure.net", "https://vault.azure.net:443/.default"), Ok(()));
        assert_eq!(verify_resource("localhost", "https://localhost:8443/.default"), Ok(()));
        assert_eq!(verify_resource("myvault.vault.azure.net:8443", VAULT_SCOPE), Ok(()));
        assert_eq!(verify_resource("[::1]:8443", "https://[::1]:9000"), Ok(()));
    }

    #[test]
    fn verify_resource_non_url_scope_is_mismatch() {
        assert_eq!(
            verify_resource("myvault.vault.azure.net", "vault.azure.net/.default"),
            Err(ChallengeError::ResourceMismatch {
                vault_host: "myvault.vault.azure.net".to_owned(),
                resource_host: "vault.azure.net/.default".to_owned(),
            })
        );
        assert!(matches!(
            verify_resource("myvault.vault.azure.net", "urn:vault.azure.net"),
            Err(ChallengeError::ResourceMismatch { .. })
        ));
        let long = "x".repeat(1000);
        match verify_resource("myvault.vault.azure.net", &long) {
            Err(ChallengeError::ResourceMismatch { resource_host, .. }) => {
                assert_eq!(resource_host, format!("{}…", "x".repeat(200)));
            }
            other => panic!("expected mismatch, got {other:?}"),
        }
    }

    #[test]
    fn display_messages() {
        let e = ChallengeError::ResourceMismatch {
            vault_host: "myvault.azure.net".to_owned(),
            resource_host: "vault.azure.net".to_owned(),
        };
        let s = e.to_string();
        assert!(s.contains("myvault.azure.net"));
        assert!(s.contains("\"vault.azure.net\""));
        assert!(s.contains("verify-challenge-resource"));
        assert!(s.contains("https://aka.ms/azsdk/blog/vault-uri"));

        let s = ChallengeError::Malformed("no Bearer challenge".to_owned()).to_string();
        assert_eq!(s, "unusable WWW-Authenticate challenge: no Bearer challenge");
    }

    #[test]
    fn several_headers_are_joined_so_the_bearer_one_is_found() {
        let joined = join_headers([r#"Basic realm="proxy""#, " ", "Negotiate", &format!(r#"Bearer authorization="https://login.microsoftonline.com/{TENANT}", resource="https://vault.azure.net""#)]).unwrap();
        let c = ok(&joined);
        assert_eq!(c.tenant.as_deref(), Some(TENANT));
        assert_eq!(c.scope.as_deref(), Some(VAULT_SCOPE));
        assert_eq!(join_headers([]), None);
        assert_eq!(join_headers(["", " "]), None);
    }

    #[test]
    fn a_scope_or_resource_with_white_space_is_malformed() {
        for param in ["scope", "resource"] {
            let header = format!(
                r#"Bearer authorization="https://login.microsoftonline.com/{TENANT}", {param}="https://vault.azure.net/.default https://graph.microsoft.com/.default""#
            );
            assert!(
                matches!(parse(&header), Err(ChallengeError::Malformed(m)) if m.contains("white space")),
                "{param}"
            );
        }
        let tab = format!("Bearer authorization=\"https://login.microsoftonline.com/{TENANT}\", scope=\"https://vault.azure.net/.default\tx\"");
        assert!(parse(&tab).is_err());
    }
}
