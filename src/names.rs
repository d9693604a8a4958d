//! Object names and versions: validated locally, before any request, so a bad name never reaches
//! the wire. Names are 1–127 characters of `0-9 a-z A-Z -`; versions use the same alphabet.

use crate::error::{Error, ErrorKind, Result};

/// Longest object name Key Vault accepts.
pub const MAX_NAME_LEN: usize = 127;

/// Checks an object name (secret, key, certificate).
pub fn check_name(what: &str, name: &str) -> Result<()> {
    check(what, "name", name)
}

/// Checks a version; an empty string is accepted and means "latest".
pub fn check_version(what: &str, version: &str) -> Result<()> {
    if version.is_empty() {
        return Ok(());
    }
    check(what, "version", version)
}

fn check(what: &str, part: &str, text: &str) -> Result<()> {
    if text.is_empty() {
        return Err(Error::new(ErrorKind::InvalidName, format!("{what} {part} is empty")));
    }
    if text.len() > MAX_NAME_LEN {
        return Err(Error::new(
            ErrorKind::InvalidName,
            format!("{what} {part} is {} characters long; at most {MAX_NAME_LEN} are allowed", text.len()),
        ));
    }
    if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
        let shown: String = text.chars().take(40).collect();
        return Err(Error::new(
            ErrorKind::InvalidName,
            format!("{what} {part} '{shown}' contains {bad:?}; only 0-9, a-z, A-Z and '-' are allowed"),
        ));
    }
    Ok(())
}

/// Characters escaped in a path segment: everything but `0-9 a-z A-Z -` (names and versions are
/// validated to that alphabet first, so in practice nothing is escaped; this is a second guard).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-');

/// A validated name or version as a URL path segment.
pub fn path_segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, SEGMENT).to_string()
}

/// The last path segments of an object identifier `https://{vault}/{collection}/{name}[/{version}]`:
/// returns (name, version), version empty when absent (both empty when `id` is not a URL).
pub fn split_id(id: &str) -> (String, String) {
    let Ok(url) = url::Url::parse(id) else {
        return (String::new(), String::new());
    };
    let mut segments = url.path_segments().into_iter().flatten().filter(|s| !s.is_empty());
    let _collection = segments.next();
    let name = segments.next().unwrap_or("").to_owned();
    let version = segments.next().unwrap_or("").to_owned();
    (name, version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_service_rules() {
        assert!(check_name("secret", "db-password-2").is_ok());
        assert!(check_name("secret", &"a".repeat(127)).is_ok());
        for bad in ["", "has space", "under_score", "dot.ted", "slash/x", "ünï", "a?b"] {
            assert_eq!(check_name("secret", bad).unwrap_err().kind, ErrorKind::InvalidName, "{bad}");
        }
        assert!(check_name("secret", &"a".repeat(128)).is_err());
        assert!(check_version("secret", "").is_ok());
        assert!(check_version("secret", "4387e9f3d6e14c459867679a90fd0f79").is_ok());
        assert!(check_version("secret", "../x").is_err());
    }

    #[test]
    fn path_segments_keep_names_readable() {
        assert_eq!(path_segment("db-password-2"), "db-password-2");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn ids_split_into_name_and_version() {
        assert_eq!(split_id("https://v.vault.azure.net/secrets/db/4387e9f3"), ("db".into(), "4387e9f3".into()));
        assert_eq!(split_id("https://v.vault.azure.net:443/secrets/db"), ("db".into(), "".into()));
        assert_eq!(split_id("https://v.vault.azure.net/deletedsecrets/db"), ("db".into(), "".into()));
        assert_eq!(split_id("garbage"), ("".into(), "".into()));
        assert_eq!(split_id("https://v.vault.azure.net/keys/k/v1?api-version=7.4#x"), ("k".into(), "v1".into()));
        assert_eq!(split_id("https://v.vault.azure.net/secrets/db/v1?api-version=1#x"), ("db".into(), "v1".into()));
        assert_eq!(split_id("https://v.vault.azure.net/secrets/db#x/y"), ("db".into(), "".into()));
    }
}
