//! The request and reply of one vault call as the HTTP layer carries them: the verb, the target
//! relative to the vault, the JSON body (zeroized storage of exactly its size) and the secret
//! strings it carries, and the 2xx reply. The vault pipeline ([`crate::vault::pipeline`]) sends
//! them; the service modules build them.

use crate::error::{Error, Result, SECRET_MEMBERS};
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};
use zeroize::Zeroizing;

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
    /// The secret strings the body carries (the string values of its members named in
    /// [`SECRET_MEMBERS`], at any depth), kept as the body was serialized so that an error reply
    /// echoing them is redacted without parsing the body again. Zeroized when dropped.
    pub secrets: Vec<Zeroizing<String>>,
}

impl Request {
    /// A request without a body.
    pub fn new(method: Method, target: impl Into<String>) -> Request {
        Request { method, target: target.into(), query: Vec::new(), body: None, secrets: Vec::new() }
    }

    /// A request with a JSON body (serialized with [`zeroized_json`]), remembering the secret
    /// strings it carries ([`Request::secrets`]).
    pub fn with_json(method: Method, target: impl Into<String>, body: &impl serde::Serialize) -> Result<Request> {
        let (json, secrets) = serialize(body)?;
        Ok(Request { method, target: target.into(), query: Vec::new(), body: Some(json), secrets })
    }
}

/// Serializes a request body into zeroized storage of exactly the right size (measured first), so
/// no reallocation leaves an unzeroized copy of secret material (values, plaintexts, keys) behind.
pub fn zeroized_json(value: &impl serde::Serialize) -> Result<Zeroizing<Vec<u8>>> {
    serialize(value).map(|(json, _)| json)
}

/// [`zeroized_json`], also returning the secret strings of the body: the string values of
/// members named in [`SECRET_MEMBERS`]. The measuring pass also measures each of them, and the
/// writing pass copies each into zeroized storage of exactly its size (unescaped, as given).
fn serialize(value: &impl serde::Serialize) -> Result<(Zeroizing<Vec<u8>>, SecretStrings)> {
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
    let mut measure = SecretScan::default();
    value.serialize(&mut serde_json::Serializer::with_formatter(&mut count, &mut measure)).map_err(encode)?;
    let mut json = Zeroizing::new(Vec::with_capacity(count.0));
    let mut copy = SecretScan {
        found: measure.lengths.iter().map(|&n| Zeroizing::new(String::with_capacity(n))).collect(),
        ..SecretScan::default()
    };
    value.serialize(&mut serde_json::Serializer::with_formatter(&mut *json, &mut copy)).map_err(encode)?;
    Ok((json, copy.found))
}

/// The secret strings of a request body, each zeroized when dropped.
type SecretStrings = Vec<Zeroizing<String>>;

/// A compact JSON formatter (it writes exactly what `serde_json::to_writer` writes) that follows
/// the secret members' string values as they are written: it measures them (`lengths`), or,
/// given buffers of those lengths (`found`), copies them.
#[derive(Default)]
struct SecretScan {
    /// For each open array (`None`) or object (`Some(whether its current member is secret)`).
    stack: Vec<Option<bool>>,
    /// Inside a member name, and the name so far (names are not secret).
    in_key: bool,
    key: String,
    /// Inside a secret string: its index among the secrets, in order.
    current: Option<usize>,
    /// How many secret strings have begun.
    seen: usize,
    lengths: Vec<usize>,
    found: Vec<Zeroizing<String>>,
}

impl SecretScan {
    fn take(&mut self, text: &str) {
        if self.in_key {
            self.key.push_str(text);
        } else if let Some(i) = self.current {
            match self.found.get_mut(i) {
                // Never grows: the buffer has the length measured by the first pass.
                Some(buffer) if buffer.capacity() - buffer.len() >= text.len() => buffer.push_str(text),
                Some(_) => {}
                None => self.lengths[i] += text.len(),
            }
        }
    }
}

impl Formatter for &mut SecretScan {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.stack.push(None);
        CompactFormatter.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.stack.pop();
        CompactFormatter.end_array(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.stack.push(Some(false));
        CompactFormatter.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.stack.pop();
        CompactFormatter.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.in_key = true;
        self.key.clear();
        CompactFormatter.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.in_key = false;
        if let Some(Some(secret)) = self.stack.last_mut() {
            *secret = SECRET_MEMBERS.contains(&self.key.as_str());
        }
        CompactFormatter.end_object_key(w)
    }
    fn begin_string<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        // A string that is itself the value of a secret member (not one inside an array).
        if !self.in_key && self.stack.last() == Some(&Some(true)) {
            self.current = Some(self.seen);
            self.seen += 1;
            if self.found.is_empty() {
                self.lengths.push(0);
            }
        }
        CompactFormatter.begin_string(w)
    }
    fn end_string<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.current = None;
        CompactFormatter.end_string(w)
    }
    fn write_string_fragment<W: ?Sized + std::io::Write>(&mut self, w: &mut W, fragment: &str) -> std::io::Result<()> {
        self.take(fragment);
        CompactFormatter.write_string_fragment(w, fragment)
    }
    fn write_char_escape<W: ?Sized + std::io::Write>(&mut self, w: &mut W, escape: CharEscape) -> std::io::Result<()> {
        let c = match escape {
            CharEscape::Quote => '"',
            CharEscape::ReverseSolidus => '\\',
            CharEscape::Solidus => '/',
            CharEscape::Backspace => '\u{8}',
            CharEscape::FormFeed => '\u{c}',
            CharEscape::LineFeed => '\n',
            CharEscape::CarriageReturn => '\r',
            CharEscape::Tab => '\t',
            CharEscape::AsciiControl(b) => char::from(b),
        };
        self.take(c.encode_utf8(&mut [0; 4]));
        CompactFormatter.write_char_escape(w, escape)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_request_carries_the_secret_strings_of_its_body_as_the_body_was_written() {
        let body = serde_json::json!({
            "value": "line\nbreak \"quoted\" \u{1b}[31m ü/",
            "contentType": "text/plain",
            "tags": {"value": "tag-value-is-a-member-named-value", "other": "x"},
            "key": {"kty": "RSA", "n": "public", "d": "private-d", "p": "private-p", "key_ops": ["value"]},
            "list": [{"k": "octet"}, "not-secret"],
            "value2": "no",
            "d": 5
        });
        let request = Request::with_json(Method::Put, "/secrets/a", &body).unwrap();
        let mut got: Vec<&str> = request.secrets.iter().map(|s| s.as_str()).collect();
        got.sort_unstable();
        let mut want = vec![
            "line\nbreak \"quoted\" \u{1b}[31m ü/",
            "tag-value-is-a-member-named-value",
            "private-d",
            "private-p",
            "octet",
        ];
        want.sort_unstable();
        assert_eq!(got, want);
        // The same strings the error path used to find by parsing the body again.
        let reparsed = crate::error::Redactions::of_json_body(request.body.as_deref().map(Vec::as_slice));
        let carried = crate::error::Redactions::of(&got);
        let text = format!("echo: {}", String::from_utf8_lossy(request.body.as_deref().unwrap()));
        assert_eq!(carried.apply(&text), reparsed.apply(&text));
        assert!(!carried.apply(&text).contains("private-d"));
        // Each copy has exactly its size: no reallocation left a copy behind.
        assert!(request.secrets.iter().all(|s| s.capacity() == s.len()));
        assert!(Request::new(Method::Get, "/secrets").secrets.is_empty());
        assert_eq!(zeroized_json(&body).unwrap(), serde_json::to_vec(&body).unwrap().into());
    }
}
