//! Promises of kv.h checked through the C ABI against the scripted HTTPS server, each one a
//! finding of the December security review (`../shared/reviews/security-review-2026-12.md`):
//! redaction of echoed requests, service text capped and cleaned, paging loops stopped,
//! insecure HTTP only to loopback, every `WWW-Authenticate` header read.

mod support;

use kv::ffi::status::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::capi::keys::KeyApi;
use support::capi::*;
use support::scripted_server::*;

const TOKEN: &str = "tok-1";
const VERSION: &str = "0123456789abcdef0123456789abcdef";

fn challenge_header() -> String {
    r#"Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://localhost""#.to_owned()
}

fn challenge() -> Reply {
    Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"Request is missing a Bearer or PoP token."}}"#)
        .with_header("WWW-Authenticate", &challenge_header())
}

/// A vault: the challenge to unauthenticated requests, `f` for authorized ones.
fn vault<F>(f: F) -> ScriptedServer
where
    F: Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
{
    let authorized = AtomicUsize::new(0);
    ScriptedServer::start(move |_, req| {
        if req.header("authorization").is_none() {
            return challenge();
        }
        f(authorized.fetch_add(1, Ordering::SeqCst), req)
    })
}

fn client(server: &ScriptedServer) -> Client {
    let opts = Options::new().ca_file(&server.ca_file().to_string_lossy()).retries(0, 10, 50);
    Client::new(&server.url(), TOKEN, &opts).expect("client")
}

/// An HTML error page of a gateway that quotes the request body it got.
fn echoing_gateway(status: u16) -> ScriptedServer {
    vault(move |_, req| {
        let page = format!(
            "<html><body><h1>{status} Bad Gateway</h1><pre>{}</pre></body></html>",
            String::from_utf8_lossy(&req.body)
        );
        Reply {
            status,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: page.into_bytes(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    })
}

/// The first slice of `secret` (at least `len` characters long) found in `text`.
fn leaked_slice(text: &str, secret: &str, len: usize) -> Option<String> {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < len {
        return text.contains(secret).then(|| secret.to_owned());
    }
    (0..=chars.len() - len)
        .map(|i| chars[i..i + len].iter().collect::<String>())
        .find(|slice| text.contains(slice.as_str()))
}

#[track_caller]
fn assert_no_slice(e: &CallError, secret: &str) {
    for field in [&e.message, &e.service_code, &e.inner_code, &e.request_id] {
        // The raw form and the JSON-escaped form (as the echoed request body has it).
        let escaped = serde_json::to_string(secret).unwrap();
        for form in [secret, &escaped[1..escaped.len() - 1]] {
            if let Some(slice) = leaked_slice(field, form, 20) {
                panic!("a slice of the secret ({slice:?}) is in the error: {e:?}");
            }
        }
    }
}

/// Review finding 1: a long value echoed by a gateway was cut to 300 characters before it was
/// redacted, so its first 300 characters stayed in the error.
#[test]
fn a_long_secret_echoed_by_a_gateway_page_leaves_no_slice_in_the_error() {
    let value: String = (0..400).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect::<String>() + "-END";
    assert!(value.len() > 400);
    let server = echoing_gateway(502);
    let e = expect_status(
        client(&server).set("name", value.as_bytes()).map(drop),
        KV_STATUS_OUTCOME_UNKNOWN, // a 502 after a set may have taken effect (resend policy),
    );
    assert!(
        String::from_utf8_lossy(&server.requests().last().unwrap().body).contains(&value),
        "the value was sent and echoed"
    );
    assert_no_slice(&e, &value);
    assert!(
        e.message.contains("HTTP 502") && e.message.contains("Bad Gateway"),
        "the page is still quoted: {}",
        e.message
    );
}

/// A multi-line value is echoed JSON-escaped (`\n`, `\"`): that form is redacted too.
#[test]
fn a_multi_line_pem_secret_echoed_escaped_leaves_no_slice_in_the_error() {
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n\"quoted\" \\ back\n-----END PRIVATE KEY-----\n";
    let server = echoing_gateway(400);
    let e = expect_status(client(&server).set("pem", pem.as_bytes()).map(drop), KV_STATUS_BAD_REQUEST);
    assert!(String::from_utf8_lossy(&server.requests().last().unwrap().body).contains("\\n"), "echoed escaped");
    assert_no_slice(&e, pem);
    // A short multi-line value as well (shorter than any fragment rule).
    let e = expect_status(client(&server).set("short", b"l1\nl2\"q").map(drop), KV_STATUS_BAD_REQUEST);
    assert!(!e.message.contains(r#"l1\nl2\"q"#) && !e.message.contains("l1\nl2"), "{}", e.message);
}

/// An imported private key's `d` (342 base64url characters) never appears, not even in part.
#[test]
fn an_imported_private_key_echoed_by_a_gateway_leaves_no_slice_of_d() {
    let jwk: serde_json::Value = serde_json::from_str(RSA_JWK).unwrap();
    // This gateway quotes the request from the member it objects to.
    let server = vault(|_, req| {
        let body = String::from_utf8_lossy(&req.body).into_owned();
        let from = body.find(r#""d":"#).unwrap_or(0);
        Reply {
            status: 502,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: format!("bad member: {}", &body[from..]).into_bytes(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    });
    let e = expect_status(
        KeyApi(&client(&server)).import_jwk("imported", RSA_JWK, None).map(drop),
        KV_STATUS_OUTCOME_UNKNOWN, // a 502 after an import may have taken effect,
    );
    for member in ["d", "p", "q", "dp", "dq", "qi"] {
        let text = jwk[member].as_str().unwrap();
        assert!(String::from_utf8_lossy(&server.requests().last().unwrap().body).contains(text), "{member} was sent");
        assert_no_slice(&e, text);
    }
}

/// A JSON error of the service's shape whose message quotes the value is redacted as well.
#[test]
fn a_service_message_quoting_a_long_value_is_redacted() {
    let value = "v".repeat(10) + &"0123456789".repeat(40);
    let server = vault(move |_, req| {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        let message = format!("The value '{}' is not allowed", body["value"].as_str().unwrap());
        Reply::json(400, &serde_json::json!({"error": {"code": "BadParameter", "message": message}}).to_string())
    });
    let e = expect_status(client(&server).set("name", value.as_bytes()).map(drop), KV_STATUS_BAD_PARAMETER);
    assert_no_slice(&e, &value);
    assert!(e.message.contains("is not allowed"), "{}", e.message);
}

const RSA_JWK: &str = r#"{"kty": "RSA", "n": "ksfs78QebLWoQy7sfQPjuSqkioPYUeoUu1iJ3H7NdF053M9GvENQLaQlP6vjwcJdSZ2WzqO8szkq89T4QRQPcp0ZLZqtCE6kEe1B3r0fude87PejuHOvK-wzb58eNJI-ExdsUAQbsodjUhvipbdO7C18gt2I56KEl1UKszhS3xriTnC51MAzoH9ptKUlFEdPjJfPBBU5jSSQRp_OCPUuHRDcAqX-Ack8Vyb1XTuRgfLzz16n3MVEX2Gu9qD4qdKXTZ0bbw_1pXC_km0SUWsJgEi_KcjSJ3anuIBNitMYqOuicgIUSwKS2wMKfqd2-vyZv1OfKKbbOPJoxUBU64LDzw", "e": "AQAB", "d": "A0G5hrK7wZzJ_gZxNvbFt6uz9UR5g4x6TQv3-5MNJ0E5V3GYgSIIgpFTr22B3z55PrUjPsNwdsIFfjCvRiRDVV1WCTV5I0JInALdStESuqoPs0ypcnieoej47CILrjsqzPR3JofSr9rpo5jAcXZClGJ5R1s7duC55R3t7tk9UE5kfAio11cj-mCpY3w6oXnfZ-Y-NWH7PXquaTSrUG5Rynkx1vnHzDT2nI42KLkaS7zK3TIOECbbCl2_NdoDNrhS8_4joAaJYOzSTAQ0yW1QWbifIXgRrHiPNCzEwwnZ2bmqB8TvzQIQFIAvkHDqtPBtFpv_o2budkgo6paLrOr6AQ", "p": "zt1sRsAd0JdBsxFvQWONaiA3IH4_XSESCALj38uAtdHBAPOyJdJmBXdQz2rUggtcstoAO4BrUII5UYDJ3I5VeBGinMuD3_NmHvsN-EbRp4DujQUyjPHto1pFVlLO8RWKWuCTGfxbtK6obazZhqri42pBs97HI4IKkq8LATa2-bE", "q": "taUNM55_FuFR7ZTM1qxJuwZPCW5wWHUjKaF5BbMPVfA7yvS3FZkss4ql8y7YhxJrK6XhVEca1yYsenyAWJ-BYlOleigjM13vtuVDdG5PQJ0sELfy1o203AQjWtYAucCosjCEgtRfIxtn-yfhrqkbgmQKMPx_STBazfshAOlPdX8", "dp": "m_n6tVIQaQJTqHhh4fT1YOrPhjGLB2ZzGRVMyqa_8tgoZdZaIgiFomN3zB1qBHAawkR73mGTCQ5Xt6ubCTFNIo5xhTYyxj7ZZky4GNcVJ-6gcDZWCk40d3IOS-t-W-t4-dLRN8u_PfpfxuqIzfC1yPGKftxgXNalsDpJ2u1tg9E", "dq": "iHmyKY50PmScgbzDCqf33aUnzRZFIrEf8i94FmgqpY8R3bNvu7KSe3M4rDYOSa31B55iZkfmSrBLytuwMuXk-FOQiO-PQxDZArnOrLQUp59vdEBBHCLsOEKDrcQMV4QBO6Bob0PRFzeIMJQOZIR6PsWbQqLzn7HNB-YfLegd41E", "qi": "QSxEZ8oH0g9MExxof5mdBy7WhLp0QgTbPapFZQMC8lzSsY8UeL2PZrIXec1klS30xoDPQFfoQhMyil8zCfTDb-HHgll3hy37WJdNrBEOcXcQSXBkgM0eLOkiI5sYObDMVE7jtkHy6MdEU8BpxFNKAD_8HCG3hsfYLxKJxHHHiZg"}"#;

fn list_item(origin: &str, name: &str) -> String {
    format!(r#"{{"id":"{origin}/secrets/{name}","attributes":{{"enabled":true,"created":1,"updated":1}}}}"#)
}

/// Review finding 8: only a link to the page just fetched was caught; A → B → A paged forever.
#[test]
fn a_next_link_cycle_of_two_pages_ends_with_a_clear_error() {
    let server = vault(|_, req| {
        let origin = format!("https://{}", req.header("host").unwrap());
        let (item, next) = if req.query_param("$skiptoken").as_deref() == Some("B") { ("b", "A") } else { ("a", "B") };
        Reply::json(
            200,
            &format!(r#"{{"value":[{}],"nextLink":"{origin}/secrets?$skiptoken={next}"}}"#, list_item(&origin, item)),
        )
    });
    let client = client(&server);
    let e = expect_status(client.list().map(drop), KV_STATUS_UNPARSEABLE_RESPONSE);
    assert!(e.message.contains("nextLink") && e.message.contains("cycle"), "{}", e.message);
    assert!(server.request_count() < 10, "stopped at once: {} requests", server.request_count());
}

#[track_caller]
fn assert_clean(text: &str, max_chars: usize) {
    assert!(
        text.chars().count() <= max_chars,
        "{} characters: {}...",
        text.chars().count(),
        text.chars().take(200).collect::<String>()
    );
    assert!(
        !text.chars().any(|c| c.is_control()),
        "control characters in {:?}",
        text.chars().take(300).collect::<String>()
    );
}

/// Review finding 10: a 100 KB service message with terminal escapes became 200,132 characters
/// of error text, escapes and line breaks included (and the raw code went to the KV_LOG line).
#[test]
fn service_text_is_capped_and_stripped_of_control_characters() {
    let message = format!("first line\n\x1b[31mFAKE: all good\x1b[0m\r\n{}\u{7}\u{9b}2J end", "A".repeat(100 * 1024));
    let code = format!("Bad\x1b[2J\nCode{}", "C".repeat(5000));
    let body = serde_json::json!({"error": {"code": code, "message": message, "innererror": {"code": "Inner\r\nX"}}})
        .to_string();
    let server = vault(move |_, _| Reply::json(400, &body));
    let e = expect_status(client(&server).get("name", None).map(drop), KV_STATUS_BAD_REQUEST);
    assert_clean(&e.message, 2048);
    assert_clean(&e.service_code, 128);
    assert_clean(&e.inner_code, 128);
    assert!(e.message.contains("first line") && e.message.contains("FAKE: all good"), "still readable: {}", e.message);
    assert!(e.service_code.starts_with("Bad"), "{:?}", e.service_code);

    // A page that is not the service's error shape.
    let page = format!("<html>\x1b]0;owned\x07gateway\nerror{}</html>", "x".repeat(100 * 1024));
    let server = vault(move |_, _| Reply {
        status: 502,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: page.clone().into_bytes(),
        delay: Duration::ZERO,
        hang_up: false,
    });
    let e = expect_status(client(&server).get("name", None).map(drop), KV_STATUS_SERVER_ERROR);
    assert_clean(&e.message, 2048);
    assert!(e.message.contains("gateway"), "{}", e.message);
}

/// The `KV_LOG` line of a failed call carries the service's code: it stays one clean line. Runs
/// itself again as a child process with `KV_LOG=error` (the level is read once per process).
#[test]
fn kv_log_lines_stay_one_clean_line_whatever_the_service_sends() {
    if std::env::var_os("KV_PROMISES_LOG_CHILD").is_some() {
        let code = format!("Evil\r\nkv[Error] GET /forged -> 200\x1b[2K{}", "C".repeat(10_000));
        let body = serde_json::json!({"error": {"code": code, "message": "m"}}).to_string();
        let server = vault(move |_, _| Reply::json(400, &body));
        expect_status(client(&server).get("name", None).map(drop), KV_STATUS_BAD_REQUEST);
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "kv_log_lines_stay_one_clean_line_whatever_the_service_sends",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("KV_PROMISES_LOG_CHILD", "1")
        .env("KV_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("kv[") || l.contains("forged")).collect();
    assert_eq!(lines.len(), 1, "one log line: {lines:?}");
    assert!(lines[0].starts_with("kv[Error]") && lines[0].contains("Evil"), "{}", lines[0]);
    assert!(
        !lines[0].contains('\x1b') && lines[0].chars().count() <= 2100,
        "{:?}",
        &lines[0][..200.min(lines[0].len())]
    );
}

/// Review finding 13: with insecure HTTP allowed, `http://vault.example.com` was accepted, so a
/// bearer token and secret values could cross a network in clear. Only loopback hosts are allowed.
#[test]
fn insecure_http_is_allowed_only_to_loopback_hosts() {
    let insecure = || Options::new().insecure_http(true);
    for url in [
        "http://vault.example.com",
        "http://10.0.0.1:8080",
        "http://localhost.example.com",
        "http://[2001:db8::1]",
        "http://169.254.169.254",
        "http://0.0.0.0:8080",
    ] {
        let e = expect_status(Client::new(url, TOKEN, &insecure()).map(drop), KV_STATUS_INSECURE_TRANSPORT);
        assert!(e.message.contains("loopback"), "{url}: {}", e.message);
    }
    for url in
        ["http://localhost:8080", "http://LOCALHOST", "http://127.0.0.1:1", "http://127.1.2.3", "http://[::1]:8443"]
    {
        Client::new(url, TOKEN, &insecure()).unwrap_or_else(|e| panic!("{url}: {e:?}"));
    }
    // Without the option plain HTTP is refused even to loopback.
    expect_status(Client::new("http://127.0.0.1:1", TOKEN, &Options::new()).map(drop), KV_STATUS_INSECURE_TRANSPORT);
}

/// Review finding 15: only the first `WWW-Authenticate` header was read, so a proxy's `Basic`
/// challenge in front of the vault's `Bearer` one gave KV_STATUS_INVALID_CHALLENGE.
#[test]
fn every_www_authenticate_header_is_read() {
    let server = ScriptedServer::start(|_, req| {
        if req.header("authorization").is_none() {
            return Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"no token"}}"#)
                .with_header("WWW-Authenticate", r#"Basic realm="corporate-proxy""#)
                .with_header("WWW-Authenticate", r#"Negotiate"#)
                .with_header("WWW-Authenticate", &challenge_header());
        }
        let origin = format!("https://{}", req.header("host").unwrap());
        Reply::json(
            200,
            &format!(r#"{{"value":"v","id":"{origin}/secrets/name/{VERSION}","attributes":{{"enabled":true}}}}"#),
        )
    });
    let secret = client(&server).get("name", None).expect("the Bearer challenge of the third header is used");
    assert_eq!(secret.value(), b"v");
    assert_eq!(server.requests().last().unwrap().header("authorization"), Some("Bearer tok-1"));
}

/// Review finding 18: a scope holding two scopes (`... https://graph.microsoft.com/.default`)
/// passed the resource check and went to the credential (a host callback might act on the
/// second). A challenge whose scope or resource holds white space or control characters is
/// refused, with verification on or off.
#[test]
fn a_challenge_scope_with_white_space_is_refused() {
    for (verify, param) in [(true, "scope"), (false, "scope"), (true, "resource")] {
        let header = format!(
            r#"Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", {param}="https://localhost/.default https://graph.microsoft.com/.default""#
        );
        let server = ScriptedServer::start(move |_, _| {
            Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"no"}}"#)
                .with_header("WWW-Authenticate", &header)
        });
        let opts =
            Options::new().ca_file(&server.ca_file().to_string_lossy()).retries(0, 10, 50).verify_resource(verify);
        let client = Client::new(&server.url(), TOKEN, &opts).unwrap();
        let e = expect_status(client.get("name", None).map(drop), KV_STATUS_INVALID_CHALLENGE);
        assert!(e.message.contains("scope"), "{}", e.message);
        assert!(server.requests().iter().all(|r| r.header("authorization").is_none()), "no token was sent");
    }
}

/// A gateway whose error page quotes the request's headers never gets the bearer token into the
/// error, whole or in part.
#[test]
fn a_bearer_token_echoed_by_a_gateway_page_leaves_no_slice_in_the_error() {
    let token = format!(
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}.c2lnbmF0dXJl",
        "eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCJ9".repeat(12)
    );
    let server = vault(|_, req| {
        let page = format!(
            "<html><h1>502 Bad Gateway</h1><pre>Authorization: {}</pre></html>",
            req.header("authorization").unwrap_or("")
        );
        Reply {
            status: 502,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: page.into_bytes(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    });
    let opts = Options::new().ca_file(&server.ca_file().to_string_lossy()).retries(0, 10, 50);
    let client = Client::new(&server.url(), &token, &opts).unwrap();
    let e = expect_status(client.get("name", None).map(drop), KV_STATUS_SERVER_ERROR);
    assert_no_slice(&e, &token);
    assert!(e.message.contains("Bad Gateway"), "{}", e.message);
}
