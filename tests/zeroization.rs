//! Secret material is zeroized before its memory is freed (security review finding 7), checked
//! with a global allocator that scans every freed block for a marker. One test function runs
//! the scenarios one after another (other tests' allocations would blur the count), each
//! compared to a baseline taken just before it.
//!
//! Covered: the secret members of a failed request's body collected for redaction (they were
//! parsed into a `serde_json::Value` whose strings were freed as they were), the forms built for
//! redaction, a reply's secret value and an issuer's password with JSON escapes (serde_json
//! unescaped them in a scratch buffer it freed as it was), a PEM private key's base64 body, and
//! the Azure CLI's output (read with a growing buffer whose old copies were freed as they were).
//! Copies made by rustls while sending and receiving are outside kv's reach and not tested.

#[path = "support/scanning.rs"]
mod scanning;

use scanning::{leaks, Scanning};
use std::time::Duration;

const MARKER: &[u8] = b"Zq7MARKERsecretVALUE";

#[global_allocator]
static GLOBAL: Scanning = Scanning(MARKER);

#[test]
fn secret_material_is_zeroized_before_it_is_freed() {
    let marker = std::str::from_utf8(MARKER).unwrap();
    // The scanner itself sees a freed marker when a plain String holding it is dropped.
    assert_eq!(leaks(|| drop(marker.to_owned())), 1, "the scanner works");

    // The secret members of a request body, as collected when a request fails.
    let body = serde_json::to_vec(&serde_json::json!({"value": format!("{marker}-v"), "contentType": "text", "key": {"kty": "RSA", "d": format!("{marker}-d"), "n": "AQAB"}, "tags": {"a": "b"}})).unwrap();
    let body = zeroize::Zeroizing::new(body);
    assert_eq!(leaks(|| drop(kv::error::Redactions::of_json_body(Some(&body)))), 0, "request secrets");
    let awkward = zeroize::Zeroizing::new(format!("{marker} <&'\"~\n\u{1b} é>"));
    assert_eq!(leaks(|| drop(kv::error::Redactions::of(&[awkward.as_str()]))), 0, "redaction forms");

    // A reply's secret value with escapes (a PEM value always has `\n`), parsed as every reply is
    // (`Response::json`), and an issuer's password. The body is built in place, like the PEM below.
    let mut body = zeroize::Zeroizing::new(Vec::with_capacity(64 * 1024));
    body.extend_from_slice(br#"{"value":""#);
    for _ in 0..200 {
        body.extend_from_slice(MARKER);
        body.extend_from_slice(br#"\n\"quoted\" \u00e9 \ud83d\ude00 \/ \\ tail "#);
    }
    body.extend_from_slice(br#"","id":"https://v.vault.azure.net/secrets/s/0123456789abcdef0123456789abcdef","#);
    body.extend_from_slice(br#""attributes":{"enabled":true},"tags":{"a":"\n"}}"#);
    let reply = kv::http::request::Response { status: 200, body, request_id: String::new() };
    let found = leaks(|| {
        let bundle: kv::model::secret::SecretBundle = reply.json().expect("the reply parses");
        let value = bundle.value.as_ref().expect("a value");
        assert!(value.starts_with(marker) && value.contains("\n\"quoted\" é 😀 / \\ tail"));
    });
    assert_eq!(found, 0, "a reply's secret value with escapes");
    let mut issuer = zeroize::Zeroizing::new(Vec::with_capacity(1024));
    issuer.extend_from_slice(br#"{"account_id":"a","pwd":""#);
    issuer.extend_from_slice(MARKER);
    issuer.extend_from_slice(br#"\u0041\n"}"#);
    let found = leaks(|| {
        let credentials: kv::model::certificate::IssuerCredentials =
            serde_json::from_slice(&issuer).expect("the credentials parse");
        assert_eq!(credentials.pwd.as_deref().map(|p| p.ends_with("A\n")), Some(true));
    });
    assert_eq!(found, 0, "an issuer's password with escapes");

    // A PEM private key's base64 body, gathered line by line.
    // (built in place: the test's own freed copies would show up in reused blocks)
    let mut pem = zeroize::Zeroizing::new(Vec::with_capacity(16 * 1024));
    pem.extend_from_slice(b"-----BEGIN RSA PRIVATE KEY-----\n");
    for _ in 0..200 {
        pem.extend_from_slice(MARKER);
        pem.extend_from_slice(&[b'A'; 44]);
        pem.push(b'\n');
    }
    pem.extend_from_slice(b"-----END RSA PRIVATE KEY-----\n");
    assert_eq!(leaks(|| drop(kv::auth::client_certificate::load_certificate(&pem, None))), 0, "PEM key body");

    // The Azure CLI's output, read from its pipe.
    let dir = std::env::temp_dir().join(format!("kv-zeroization-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let az = dir.join("az");
    let padding = "p".repeat(200_000); // output larger than one pipe read: the buffer grows
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\nprintf '{{\"accessToken\":\"{marker}tok\",\"expires_on\":4102444800,\"pad\":\"{padding}\"}}'\n"
        ),
    )
    .unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&az).status().unwrap();
    let old_path = std::env::var_os("PATH");
    std::env::set_var("PATH", &dir);
    let options = kv::auth::options::CredentialOptions { timeout: Duration::from_secs(20), ..Default::default() };
    let cli = kv::auth::azure_cli::AzureCliCredential::new(&options).unwrap();
    let request =
        kv::auth::TokenRequest { scope: "https://vault.azure.net/.default".into(), tenant_id: None, claims: None };
    let found = leaks(|| {
        use kv::auth::TokenSource;
        let token = cli.fetch_token(&request).expect("the stand-in az gives a token");
        assert!(token.token.starts_with(marker));
    });
    match old_path {
        Some(p) => std::env::set_var("PATH", p),
        None => std::env::remove_var("PATH"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found, 0, "Azure CLI output");
}
