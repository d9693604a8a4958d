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
    let mut out = String::with_capacity(text.len());
    push_segment(&mut out, text);
    out
}

/// Appends `text` to `out` as a URL path segment ([`path_segment`] without a `String` of its
/// own): a validated name or version is copied as it is, without formatting.
pub fn push_segment(out: &mut String, text: &str) {
    if text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        out.push_str(text);
    } else {
        out.extend(percent_encoding::utf8_percent_encode(text, SEGMENT));
    }
}

/// The name and version of an object identifier of the vault's own shape,
/// `http[s]://{host}[:port]/{collection}/{name}[/{version}][/]`, optionally followed by a query
/// or fragment: returns (name, version), version empty when absent. Anything else (not that
/// shape, an empty or extra segment, a name or version outside `0-9 a-z A-Z -` or longer than
/// 127 characters) gives both empty. Parsed in place: no allocation, no URL parser.
pub fn split_id(id: &str) -> (&str, &str) {
    parse_id(id).unwrap_or(("", ""))
}

fn parse_id(id: &str) -> Option<(&str, &str)> {
    let rest = id.strip_prefix("https://").or_else(|| id.strip_prefix("http://"))?;
    let bytes = rest.as_bytes();
    // The authority: up to the first '/'.
    let host_ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']' | b'_');
    let slash = bytes.iter().position(|&b| !host_ok(b))?;
    if slash == 0 || bytes[slash] != b'/' {
        return None;
    }
    // At most four segments (the fourth only an empty one after a trailing '/'), up to the end,
    // a query or a fragment; one pass over the bytes.
    let mut segments = [(0usize, 0usize); 4];
    let mut count = 0;
    let mut start = slash + 1;
    let mut at = start;
    loop {
        let b = bytes.get(at).copied();
        match b {
            None | Some(b'/' | b'?' | b'#') => {
                if count == segments.len() {
                    return None;
                }
                segments[count] = (start, at);
                count += 1;
                if b != Some(b'/') {
                    break;
                }
                start = at + 1;
            }
            Some(b) if b.is_ascii_alphanumeric() || b == b'-' => {}
            Some(_) => return None,
        }
        at += 1;
    }
    // One trailing '/' is allowed.
    if count > 1 && segments[count - 1].0 == segments[count - 1].1 {
        count -= 1;
    }
    let text = |(from, to): (usize, usize)| &rest[from..to];
    let word = |s: &str| !s.is_empty() && s.len() <= MAX_NAME_LEN;
    let (collection, name) = (text(segments[0]), text(segments[1]));
    let version = if count == 3 { text(segments[2]) } else { "" };
    let valid = (count == 2 || (count == 3 && word(version)))
        && word(collection)
        && collection.bytes().all(|b| b.is_ascii_alphabetic())
        && word(name);
    valid.then_some((name, version))
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
        assert_eq!(split_id("https://v.vault.azure.net/secrets/db/4387e9f3"), ("db", "4387e9f3"));
        assert_eq!(split_id("https://v.vault.azure.net:443/secrets/db"), ("db", ""));
        assert_eq!(split_id("https://v.vault.azure.net/deletedsecrets/db"), ("db", ""));
        assert_eq!(split_id("https://v.vault.azure.net/secrets/db/"), ("db", ""));
        assert_eq!(split_id("https://v.vault.azure.net/secrets/db/v1/"), ("db", "v1"));
        assert_eq!(split_id("http://127.0.0.1:8080/keys/k-1/AbC09"), ("k-1", "AbC09"));
        assert_eq!(split_id("https://[::1]:8443/certificates/c/v"), ("c", "v"));
        assert_eq!(split_id("https://v.vault.azure.net/keys/k/v1?api-version=7.4#x"), ("k", "v1"));
        assert_eq!(split_id("https://v.vault.azure.net/secrets/db/v1?api-version=1#x"), ("db", "v1"));
        assert_eq!(split_id("https://v.vault.azure.net/secrets/db#x/y"), ("db", ""));
    }

    #[test]
    fn ids_not_of_the_vaults_shape_give_no_name() {
        let long = format!("https://v.vault.azure.net/secrets/{}", "a".repeat(128));
        for bad in [
            "",
            "garbage",
            "https://",
            "https://v.vault.azure.net",
            "https://v.vault.azure.net/",
            "https://v.vault.azure.net/secrets",
            "https://v.vault.azure.net/secrets/",
            "https://v.vault.azure.net//db",
            "https://v.vault.azure.net/secrets//v1",
            "https://v.vault.azure.net/secrets/db//",
            "https://v.vault.azure.net/secrets/db/v1/extra",
            "https://v.vault.azure.net/secrets/a%2Fb/v1",
            "https://v.vault.azure.net/secrets/a b",
            "https://v.vault.azure.net/secrets/db/v.1",
            "https://v.vault.azure.net/secrets/\u{fc}/v1",
            "https://u@v.vault.azure.net/secrets/db",
            "https:///secrets/db",
            "ftp://v.vault.azure.net/secrets/db",
            "/secrets/db/v1",
            "HTTPS//v/secrets/db",
            long.as_str(),
        ] {
            assert_eq!(split_id(bad), ("", ""), "{bad}");
        }
    }
}
