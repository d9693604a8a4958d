//! `Debug` of the crate's public types never prints secret material (security review finding 9):
//! secret values, plaintexts, released keys, request and reply bodies.

use kv::crypto::CryptoResult;
use kv::http::transport::RawReply;
use kv::http::{Method, Request, Response};
use kv::model::key::KeyReleaseResult;
use kv::model::secret::SecretBundle;
use kv::secrets::Secret;
use zeroize::Zeroizing;

const VALUE: &str = "hunter2-the-secret-value";

#[track_caller]
fn assert_hidden(debug: String) {
    assert!(!debug.contains(VALUE), "the secret is printed: {debug}");
    assert!(!debug.contains("hunter2"), "part of the secret is printed: {debug}");
    let bytes: Vec<String> = VALUE.bytes().take(6).map(|b| b.to_string()).collect();
    assert!(!debug.contains(&bytes.join(", ")), "the secret's bytes are printed: {debug}");
}

#[test]
fn debug_of_public_types_never_prints_secret_material() {
    let bundle = SecretBundle {
        value: Some(kv::text::SecretText(VALUE.into())),
        id: Some("https://v/secrets/name/1".into()),
        ..SecretBundle::default()
    };
    let debug = format!("{bundle:?}");
    assert!(debug.contains("https://v/secrets/name/1"), "the rest is still shown: {debug}");
    assert_hidden(debug);
    let secret = Secret::from(bundle);
    assert_hidden(format!("{secret:?}"));
    assert_hidden(format!("{secret:#?}"));

    let mut result = CryptoResult::default();
    result.kid = "https://v/keys/k/1".into();
    result.value = Zeroizing::new(VALUE.as_bytes().to_vec());
    assert_hidden(format!("{result:?}"));

    let jwk =
        kv::model::key::JsonWebKey { d: Some(kv::model::key::B64(VALUE.as_bytes().to_vec())), ..Default::default() };
    assert_hidden(format!("{jwk:?}"));

    let released = KeyReleaseResult { value: Some(VALUE.to_owned()) };
    assert_hidden(format!("{released:?}"));

    let request = Request::with_json(Method::Put, "/secrets/name", &serde_json::json!({ "value": VALUE })).unwrap();
    assert_hidden(format!("{request:?}"));
    let response = Response {
        status: 200,
        body: Zeroizing::new(format!(r#"{{"value":"{VALUE}"}}"#).into_bytes()),
        request_id: "r".into(),
    };
    assert_hidden(format!("{response:?}"));
    let raw = RawReply { status: 200, headers: Default::default(), body: Zeroizing::new(VALUE.as_bytes().to_vec()) };
    assert_hidden(format!("{raw:?}"));
}
