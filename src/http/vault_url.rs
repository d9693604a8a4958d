//! The vault's base URL: parsed once per client, keeping its origin text (`https://host[:port]`)
//! and lower-case host, so that request URLs are built by appending to that text, never by
//! parsing again; also checks that paging links and redirects stay on the vault's own scheme,
//! host and port.

use crate::error::{Error, ErrorKind, Result};
use url::Url;

/// A validated vault base URL such as `https://myvault.vault.azure.net`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultUrl {
    url: Url,
    /// `scheme://host[:port]` (default port omitted), as serialized once.
    origin: String,
    /// The host, lower-case, without port.
    host: String,
}

/// True when the URL's host is `localhost`, an address in `127.0.0.0/8` or `::1`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl VaultUrl {
    /// Parses `text`. Only `https` is accepted, or `http` to a loopback host (`localhost`,
    /// `127.0.0.0/8`, `[::1]`) when `allow_insecure_http` is set. A path other than `/`, a query,
    /// a fragment or user info is refused.
    pub fn parse(text: &str, allow_insecure_http: bool) -> Result<VaultUrl> {
        let url = Url::parse(text.trim())
            .map_err(|e| Error::new(ErrorKind::InvalidUrl, format!("invalid vault URL: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_insecure_http => {
                if !is_loopback(&url) {
                    return Err(Error::new(
                        ErrorKind::InsecureTransport,
                        format!(
                            "the vault URL uses plain http:// to '{}', which is not a loopback host; insecure HTTP is allowed only to localhost, 127.0.0.0/8 and [::1]",
                            crate::error::service_text(url.host_str().unwrap_or_default(), 100)
                        ),
                    ));
                }
            }
            "http" => {
                return Err(Error::new(
                    ErrorKind::InsecureTransport,
                    "the vault URL uses plain http://; tokens are only sent over HTTPS (allow insecure HTTP explicitly for a loopback test server)",
                ))
            }
            other => return Err(Error::new(ErrorKind::InvalidUrl, format!("invalid vault URL: scheme '{other}' is not https"))),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Error::new(ErrorKind::InvalidUrl, "invalid vault URL: no host"));
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
            return Err(Error::new(
                ErrorKind::InvalidUrl,
                "invalid vault URL: it must not carry user info, a query or a fragment",
            ));
        }
        if url.path() != "/" && !url.path().is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidUrl,
                format!("invalid vault URL: unexpected path '{}' (give only scheme, host and port)", url.path()),
            ));
        }
        let origin = url.origin().ascii_serialization();
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        Ok(VaultUrl { url, origin, host })
    }

    /// The host name, lower-case, without port.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `scheme://host[:port]` without a trailing slash.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The absolute URL for an already percent-encoded `path` (starting with `/`).
    pub fn join(&self, path: &str) -> String {
        let mut url = String::with_capacity(self.origin.len() + path.len());
        url.push_str(&self.origin);
        url.push_str(path);
        url
    }

    /// True when `link` has this vault's scheme, host and port (default ports normalised).
    pub fn is_same_origin(&self, link: &str) -> bool {
        // The URLs kv builds start with the origin exactly as serialized: no parse needed.
        if let Some(rest) = link.strip_prefix(self.origin.as_str()) {
            if rest.is_empty() || rest.starts_with(['/', '?', '#']) {
                return true;
            }
        }
        Url::parse(link).map(|other| other.origin() == self.url.origin()).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_vaults_and_normalises() {
        let v = VaultUrl::parse("https://MyVault.vault.azure.net/", false).unwrap();
        assert_eq!(v.host(), "myvault.vault.azure.net");
        assert_eq!(v.origin(), "https://myvault.vault.azure.net");
        assert_eq!(v.join("/secrets/a"), "https://myvault.vault.azure.net/secrets/a");
        assert!(v.is_same_origin("https://myvault.vault.azure.net:443/secrets?api-version=7.2&$skiptoken=x"));
        assert!(!v.is_same_origin("https://evil.example/secrets"));
        assert!(!v.is_same_origin("http://myvault.vault.azure.net/secrets"));
        assert!(!v.is_same_origin("https://myvault.vault.azure.net:8443/secrets"));
        assert!(v.is_same_origin("https://myvault.vault.azure.net/secrets/a?api-version=1"));
        assert!(v.is_same_origin("https://myvault.vault.azure.net"));
        assert!(!v.is_same_origin("https://myvault.vault.azure.net.evil.example/secrets"));
        assert!(!v.is_same_origin("https://myvault.vault.azure.net@evil.example/secrets"));
    }

    #[test]
    fn refuses_what_is_not_a_vault_base_url() {
        assert_eq!(VaultUrl::parse("http://localhost:8080", false).unwrap_err().kind, ErrorKind::InsecureTransport);
        assert!(VaultUrl::parse("http://localhost:8080", true).is_ok());
        for bad in
            ["", "vault.azure.net", "ftp://x", "https://u:p@x", "https://x/secrets", "https://x/?a=b", "https://"]
        {
            let err = VaultUrl::parse(bad, false).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidUrl, "{bad}");
        }
    }
}
