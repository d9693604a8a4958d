//! The request and reply of one vault call as the HTTP layer carries them: the verb, the target
//! relative to the vault, the JSON body (zeroized storage of exactly its size) and the secret
//! strings it carries, and the 2xx reply. The vault pipeline ([`crate::vault::pipeline`]) sends
//! them; the service modules build them.

use crate::error::{Error, Result};
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
}
