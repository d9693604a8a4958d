//! Fault injection through the C ABI against the scripted HTTPS server: the challenge flow, real
//! Key Vault error bodies, retries and Retry-After, verb override, timeouts, wire rules, paging
//! links, TLS/transport rules, concurrency and secret hygiene in error messages.
//!
//! Every call goes through `support::capi` (the exported `extern "C"` functions).

mod support;

use kv::ffi::status::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::capi::*;
use support::scripted_server::*;

const TOKEN: &str = "tok-1";
const TENANT_AUTHORITY: &str = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47";
const VERSION: &str = "0123456789abcdef0123456789abcdef";

/// The challenge of a vault whose resource host (localhost) equals the scripted vault's host.
fn challenge_header() -> String {
    format!(r#"Bearer authorization="{TENANT_AUTHORITY}", resource="https://localhost""#)
}

/// A 401 as Key Vault sends it to a request without a token.
fn challenge_with(www_authenticate: &str) -> Reply {
    Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"Request is missing a Bearer or PoP token."}}"#)
        .with_header("WWW-Authenticate", www_authenticate)
}

fn challenge() -> Reply {
    challenge_with(&challenge_header())
}

/// A vault: answers the challenge to unauthenticated requests and hands authorized ones to `f`
/// with the number of authorized requests seen before (0 for the first).
fn vault<F>(f: F) -> ScriptedServer
where
    F: Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
{
    let authorized = AtomicUsize::new(0);
    ScriptedServer::start(move |_, req| {
        if req.header("authorization").is_none() {
            return challenge();
        }
        let i = authorized.fetch_add(1, Ordering::SeqCst);
        f(i, req)
    })
}

/// The vault origin as the client addressed it (from the Host header: `localhost:PORT`).
fn origin_of(req: &RecordedRequest) -> String {
    format!("https://{}", req.header("host").expect("the client sends Host"))
}

fn secret_json(origin: &str, name: &str, value: &str) -> String {
    format!(
        r#"{{"value":"{value}","id":"{origin}/secrets/{name}/{VERSION}","attributes":{{"enabled":true,"created":1,"updated":1}}}}"#
    )
}

fn secret_reply(req: &RecordedRequest, name: &str, value: &str) -> Reply {
    Reply::json(200, &secret_json(&origin_of(req), name, value))
}

fn item_json(origin: &str, name: &str) -> String {
    format!(r#"{{"id":"{origin}/secrets/{name}","attributes":{{"enabled":true,"created":1,"updated":1}}}}"#)
}

/// Options trusting the server's certificate, with fast retries.
fn options(server: &ScriptedServer, retries: u32) -> Options {
    Options::new().ca_file(&server.ca_file().to_string_lossy()).retries(retries, 10, 50)
}

fn new_client(server: &ScriptedServer, opts: &Options) -> Client {
    Client::new(&server.url(), TOKEN, opts).expect("client")
}

fn authorized(server: &ScriptedServer) -> Vec<RecordedRequest> {
    server.requests().into_iter().filter(|r| r.header("authorization").is_some()).collect()
}

fn probes(server: &ScriptedServer) -> usize {
    server.requests().iter().filter(|r| r.header("authorization").is_none()).count()
}

fn ok<T>(r: Result<T, CallError>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("call failed with {} ({}): {}", status_name(e.status), e.status, e.message),
    }
}

fn err<T>(r: Result<T, CallError>) -> Result<(), CallError> {
    r.map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// 1. Challenge flow
// ---------------------------------------------------------------------------------------------

#[test]
fn challenge_flow_probes_without_token_and_body_then_authorizes() {
    let server = vault(|_, req| secret_reply(req, "name", "hello"));
    let client = new_client(&server, &options(&server, 0));

    let secret = ok(client.set("name", b"hello"));
    assert_eq!(secret.value(), b"hello");
    assert_eq!(secret.name(), "name");
    assert_eq!(secret.version(), VERSION);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "one probe and one authorized PUT: {reqs:#?}");
    let probe = &reqs[0];
    assert_eq!(probe.method, "PUT");
    assert_eq!(probe.path(), "/secrets/name");
    assert!(probe.header("authorization").is_none(), "the probe carries no token");
    assert!(probe.body.is_empty(), "the probe carries no body, got {:?}", String::from_utf8_lossy(&probe.body));

    let real = &reqs[1];
    assert_eq!(real.method, "PUT");
    assert_eq!(real.path(), "/secrets/name");
    assert_eq!(real.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    let body: serde_json::Value = serde_json::from_slice(&real.body).expect("JSON body");
    assert_eq!(body["value"], "hello", "body: {body}");
    assert_eq!(
        real.header("x-ms-client-request-id"),
        probe.header("x-ms-client-request-id"),
        "one call, one client request id"
    );

    // The challenge is learned: the next call goes straight out with the token.
    let got = ok(client.get("name", None));
    assert_eq!(got.value(), b"hello");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3, "no second probe: {reqs:#?}");
    assert_eq!(reqs[2].method, "GET");
    assert_eq!(reqs[2].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
}

// ---------------------------------------------------------------------------------------------
// 2. Challenge resource verification
// ---------------------------------------------------------------------------------------------

fn foreign_vault(www: &'static str) -> ScriptedServer {
    ScriptedServer::start(move |_, req| {
        if req.header("authorization").is_none() {
            challenge_with(www)
        } else {
            secret_reply(req, "name", "v")
        }
    })
}

#[test]
fn foreign_challenge_resource_is_refused_without_sending_the_token() {
    for www in [
        r#"Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net""#,
        r#"Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", scope="https://vault.azure.net/.default""#,
    ] {
        let server = foreign_vault(www);
        let client = new_client(&server, &options(&server, 3));
        let e = expect_status(err(client.get("name", None)), KV_STATUS_CHALLENGE_RESOURCE_MISMATCH);
        assert!(!e.message.contains(TOKEN), "{}", e.message);
        let reqs = server.requests();
        assert_eq!(reqs.len(), 1, "a mismatch is not retried: {reqs:#?}");
        assert!(reqs.iter().all(|r| r.header("authorization").is_none()), "no request may carry the token: {reqs:#?}");
        // Same client again: still refused, still no token sent.
        expect_status(err(client.get("name", None)), KV_STATUS_CHALLENGE_RESOURCE_MISMATCH);
        assert!(server.requests().iter().all(|r| r.header("authorization").is_none()));

        // With verification off the same server works.
        let lax = Client::new(&server.url(), TOKEN, &options(&server, 0).verify_resource(false)).expect("client");
        let before = server.request_count();
        let got = ok(lax.get("name", None));
        assert_eq!(got.value(), b"v");
        let reqs = server.requests();
        assert_eq!(reqs.len(), before + 2, "probe + authorized GET");
        assert_eq!(reqs.last().unwrap().header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    }
}

// ---------------------------------------------------------------------------------------------
// 3. A refused token is not looped on
// ---------------------------------------------------------------------------------------------

#[test]
fn a_401_for_the_token_itself_is_reported_not_looped() {
    let server = ScriptedServer::start(|_, _| challenge().with_header("x-ms-request-id", "rid-401"));
    let client = new_client(&server, &options(&server, 3));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_UNAUTHORIZED);
    assert_eq!(e.http_status, 401);
    assert_eq!(e.service_code, "Unauthorized");
    assert_eq!(e.request_id, "rid-401");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "probe + one authorized attempt, nothing more: {reqs:#?}");
    assert!(reqs[0].header("authorization").is_none());
    assert!(reqs[1].header("authorization").is_some());
}

#[test]
fn a_401_probe_without_a_challenge_is_an_invalid_challenge() {
    let server =
        ScriptedServer::start(|_, _| Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"no challenge"}}"#));
    let client = new_client(&server, &options(&server, 3));
    expect_status(err(client.get("name", None)), KV_STATUS_INVALID_CHALLENGE);
    assert_eq!(server.request_count(), 1);
    assert!(server.requests()[0].header("authorization").is_none());
}

// ---------------------------------------------------------------------------------------------
// 4. Real error bodies
// ---------------------------------------------------------------------------------------------

struct Row {
    http: u16,
    body: &'static str,
    status: kv_status,
    code: &'static str,
    inner: &'static str,
    message_part: &'static str,
}

fn error_reply(http: u16, body: &str, rid: &str) -> Reply {
    Reply::json(http, body).with_header("x-ms-request-id", rid)
}

fn one_error(reply: Reply) -> (CallError, ScriptedServer) {
    let server = vault(move |_, _| reply.clone());
    let client = new_client(&server, &options(&server, 0));
    let e = err(client.get("name", None)).expect_err("the call must fail");
    drop(client);
    (e, server)
}

#[test]
fn real_error_bodies_map_to_exact_statuses_with_codes_and_request_id() {
    let rows = [
        Row {
            http: 400,
            body: r#"{"error":{"code":"BadParameter","message":"The property \"key\" must be a valid JsonWebKey object."}}"#,
            status: KV_STATUS_BAD_PARAMETER,
            code: "BadParameter",
            inner: "",
            message_part: "JsonWebKey",
        },
        Row {
            http: 400,
            body: r#"{"error":{"code":"BadParameter","message":"Invalid kty value: oct","innererror":{"code":"KeyTypeNotSupported"}}}"#,
            status: KV_STATUS_KEY_TYPE_NOT_SUPPORTED,
            code: "BadParameter",
            inner: "KeyTypeNotSupported",
            message_part: "Invalid kty",
        },
        Row {
            http: 401,
            body: r#"{"error":{"code":"Unauthorized","message":"AKV10032: Invalid issuer."}}"#,
            status: KV_STATUS_UNAUTHORIZED,
            code: "Unauthorized",
            inner: "",
            message_part: "Invalid issuer",
        },
        Row {
            http: 403,
            body: r#"{"error":{"code":"Forbidden","message":"The user, group or application does not have secrets get permission on key vault 'v;location=westeurope'.","innererror":{"code":"AccessDenied"}}}"#,
            status: KV_STATUS_ACCESS_DENIED,
            code: "Forbidden",
            inner: "AccessDenied",
            message_part: "does not have secrets get permission",
        },
        Row {
            http: 403,
            body: r#"{"error":{"code":"Forbidden","message":"Caller is not authorized to perform action on resource. DecisionReason: 'DeniedWithNoValidRBAC'","innererror":{"code":"ForbiddenByRbac"}}}"#,
            status: KV_STATUS_FORBIDDEN_BY_RBAC,
            code: "Forbidden",
            inner: "ForbiddenByRbac",
            message_part: "DeniedWithNoValidRBAC",
        },
        Row {
            http: 403,
            body: r#"{"error":{"code":"Forbidden","message":"Client address is not authorized and caller is not a trusted service.","innererror":{"code":"ForbiddenByFirewall"}}}"#,
            status: KV_STATUS_FORBIDDEN_BY_FIREWALL,
            code: "Forbidden",
            inner: "ForbiddenByFirewall",
            message_part: "Client address",
        },
        Row {
            http: 403,
            body: r#"{"error":{"code":"Forbidden","message":"The user does not have keys purge permission.","innererror":{"code":"ForbiddenByPolicy"}}}"#,
            status: KV_STATUS_FORBIDDEN_BY_POLICY,
            code: "Forbidden",
            inner: "ForbiddenByPolicy",
            message_part: "purge permission",
        },
        Row {
            http: 403,
            body: r#"{"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}}"#,
            status: KV_STATUS_SECRET_DISABLED,
            code: "Forbidden",
            inner: "SecretDisabled",
            message_part: "disabled secret",
        },
        Row {
            http: 403,
            body: r#"{"error":{"code":"Forbidden","message":"Operation \"purge\" is not allowed because purge protection is enabled."}}"#,
            status: KV_STATUS_FORBIDDEN,
            code: "Forbidden",
            inner: "",
            message_part: "purge protection",
        },
        Row {
            http: 404,
            body: r#"{"error":{"code":"SecretNotFound","message":"A secret with (name/id) name was not found in this key vault."}}"#,
            status: KV_STATUS_SECRET_NOT_FOUND,
            code: "SecretNotFound",
            inner: "",
            message_part: "was not found",
        },
        Row {
            http: 409,
            body: r#"{"error":{"code":"Conflict","message":"Secret is currently being deleted.","innererror":{"code":"ObjectIsBeingDeleted"}}}"#,
            status: KV_STATUS_OBJECT_IS_BEING_DELETED,
            code: "Conflict",
            inner: "ObjectIsBeingDeleted",
            message_part: "being deleted",
        },
        Row {
            http: 409,
            body: r#"{"error":{"code":"Conflict","message":"Secret name is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.","innererror":{"code":"ObjectIsDeletedButRecoverable"}}}"#,
            status: KV_STATUS_OBJECT_IS_DELETED_BUT_RECOVERABLE,
            code: "Conflict",
            inner: "ObjectIsDeletedButRecoverable",
            message_part: "recoverable",
        },
        Row {
            http: 429,
            body: r#"{"error":{"code":"Throttled","message":"Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"}}"#,
            status: KV_STATUS_THROTTLED,
            code: "Throttled",
            inner: "",
            message_part: "VaultRequestTypeLimitReached",
        },
        // Unknown codes fall back by HTTP status and keep the raw code.
        Row {
            http: 418,
            body: r#"{"error":{"code":"ImATeapot","message":"short and stout"}}"#,
            status: KV_STATUS_SERVICE_ERROR,
            code: "ImATeapot",
            inner: "",
            message_part: "short and stout",
        },
        Row {
            http: 400,
            body: r#"{"error":{"code":"BrandNewCode","message":"something new"}}"#,
            status: KV_STATUS_BAD_REQUEST,
            code: "BrandNewCode",
            inner: "",
            message_part: "something new",
        },
        Row {
            http: 404,
            body: r#"{"error":{"code":"VaultGone","message":"nothing here"}}"#,
            status: KV_STATUS_NOT_FOUND,
            code: "VaultGone",
            inner: "",
            message_part: "nothing here",
        },
        Row {
            http: 409,
            body: r#"{"error":{"code":"ConflictError","message":"clash"}}"#,
            status: KV_STATUS_CONFLICT,
            code: "ConflictError",
            inner: "",
            message_part: "clash",
        },
        Row {
            http: 500,
            body: r#"{"error":{"code":"InternalError","message":"oops"}}"#,
            status: KV_STATUS_SERVER_ERROR,
            code: "InternalError",
            inner: "",
            message_part: "oops",
        },
        Row {
            http: 403,
            body: r#"{"error":{"code":"Forbidden","message":"m","innererror":{"code":"AccessDenied","innererror":{"code":"SomethingUnknown"}}}}"#,
            status: KV_STATUS_ACCESS_DENIED,
            code: "Forbidden",
            inner: "SomethingUnknown",
            message_part: "",
        },
    ];
    for (i, row) in rows.iter().enumerate() {
        let rid = format!("rid-{i}-{}", row.http);
        let (e, server) = one_error(error_reply(row.http, row.body, &rid));
        let ctx = format!("row {i} (HTTP {} {}): {e:?}", row.http, row.code);
        assert_eq!(e.status, row.status, "{ctx}: expected {} got {}", status_name(row.status), status_name(e.status));
        assert_eq!(e.service_code, row.code, "{ctx}");
        assert_eq!(e.inner_code, row.inner, "{ctx}");
        assert_eq!(e.http_status, row.http, "{ctx}");
        assert_eq!(e.request_id, rid, "{ctx}");
        assert!(e.message.contains(row.message_part), "{ctx}");
        assert_eq!(authorized(&server).len(), 1, "{ctx}: retries are off, one authorized attempt");
    }
}

#[test]
fn html_502_body_is_a_server_error_naming_the_status() {
    let mut reply =
        Reply::empty(502).with_header("Content-Type", "text/html").with_header("x-ms-request-id", "rid-502");
    reply.body = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>".to_vec();
    let (e, _server) = one_error(reply);
    assert_eq!(e.status, KV_STATUS_SERVER_ERROR, "{e:?}");
    assert!(e.message.contains("502"), "{e:?}");
    assert_eq!(e.http_status, 502);
    assert_eq!(e.service_code, "");
    assert_eq!(e.request_id, "rid-502");
}

#[test]
fn empty_404_is_not_found() {
    let (e, _server) = one_error(Reply::empty(404).with_header("x-ms-request-id", "rid-404"));
    assert_eq!(e.status, KV_STATUS_NOT_FOUND, "{e:?}");
    assert_eq!(e.http_status, 404);
    assert_eq!(e.service_code, "");
    assert_eq!(e.inner_code, "");
    assert_eq!(e.request_id, "rid-404");
}

// ---------------------------------------------------------------------------------------------
// 5. Retries
// ---------------------------------------------------------------------------------------------

const THROTTLED: &str = r#"{"error":{"code":"Throttled","message":"Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"}}"#;
const UNAVAILABLE: &str = r#"{"error":{"code":"ServiceUnavailable","message":"try later"}}"#;

#[test]
fn throttled_without_retry_after_is_retried() {
    let server = vault(|i, req| if i == 0 { Reply::json(429, THROTTLED) } else { secret_reply(req, "name", "v") });
    let client = new_client(&server, &options(&server, 3));
    let got = ok(client.get("name", None));
    assert_eq!(got.value(), b"v");
    assert_eq!(authorized(&server).len(), 2);
    assert_eq!(probes(&server), 1);
}

#[test]
fn retry_after_ms_is_honoured() {
    let server = vault(|i, req| {
        if i == 0 {
            Reply::json(429, THROTTLED).with_header("retry-after-ms", "300")
        } else {
            secret_reply(req, "name", "v")
        }
    });
    let client = new_client(&server, &options(&server, 3));
    ok(client.get("name", None));
    // The pause between the throttled request and its retry, where they arrive (kv's own backoff
    // here is 10-50 ms, so only the header can make it 300 ms).
    let reqs = authorized(&server);
    assert_eq!(reqs.len(), 2);
    let pause = reqs[1].received_at - reqs[0].received_at;
    assert!(pause >= Duration::from_millis(300), "retry-after-ms 300 not honoured: retried after {pause:?}");
    assert!(pause < Duration::from_secs(5), "{pause:?}");
}

#[test]
fn retry_after_seconds_is_honoured() {
    let server = vault(|i, req| {
        if i == 0 {
            Reply::json(503, UNAVAILABLE).with_header("Retry-After", "1")
        } else {
            secret_reply(req, "name", "v")
        }
    });
    let client = new_client(&server, &options(&server, 3));
    ok(client.get("name", None));
    let reqs = authorized(&server);
    assert_eq!(reqs.len(), 2);
    let pause = reqs[1].received_at - reqs[0].received_at;
    assert!(pause >= Duration::from_millis(1000), "Retry-After 1 not honoured: retried after {pause:?}");
    assert!(pause < Duration::from_secs(5), "{pause:?}");
}

#[test]
fn two_503_then_success_takes_exactly_three_attempts() {
    let server = vault(|i, req| if i < 2 { Reply::json(503, UNAVAILABLE) } else { secret_reply(req, "name", "v") });
    let client = new_client(&server, &options(&server, 5));
    ok(client.get("name", None));
    let attempts = authorized(&server);
    assert_eq!(attempts.len(), 3);
    // Retries of one call keep its client request id.
    let ids: Vec<_> = attempts.iter().map(|r| r.header("x-ms-client-request-id").unwrap().to_owned()).collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
}

#[test]
fn endless_throttling_gives_up_after_max_retries() {
    let server = vault(|_, _| Reply::json(429, THROTTLED).with_header("x-ms-request-id", "rid-429"));
    let client = new_client(&server, &options(&server, 2));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_THROTTLED);
    assert_eq!(e.http_status, 429);
    assert_eq!(e.service_code, "Throttled");
    assert_eq!(e.request_id, "rid-429");
    assert_eq!(authorized(&server).len(), 3, "1 attempt + 2 retries");
}

#[test]
fn every_retriable_status_is_retried_and_others_are_not() {
    for http in [408u16, 429, 500, 502, 503, 504] {
        let server = vault(move |i, req| {
            if i == 0 {
                Reply::json(http, r#"{"error":{"code":"Transient","message":"again"}}"#)
            } else {
                secret_reply(req, "name", "v")
            }
        });
        let client = new_client(&server, &options(&server, 2));
        ok(client.get("name", None));
        assert_eq!(authorized(&server).len(), 2, "HTTP {http} is retried once");
    }
    for http in [400u16, 403, 404, 409, 501, 505] {
        let server = vault(move |_, _| Reply::json(http, r#"{"error":{"code":"Final","message":"no"}}"#));
        let client = new_client(&server, &options(&server, 2));
        let e = err(client.get("name", None)).expect_err("must fail");
        assert_eq!(e.http_status, http);
        assert_eq!(authorized(&server).len(), 1, "HTTP {http} is not retried");
    }
}

/// A failed call tells how it went: the client request id every one of its requests carried,
/// how many requests it sent (the challenge probe, the 503 and the retried 500) and how long
/// it took (at least the retry pause the server asked for).
#[test]
fn a_failed_call_reports_its_client_request_id_attempts_and_elapsed_time() {
    let server = vault(|i, _| match i {
        0 => Reply::json(503, UNAVAILABLE).with_header("retry-after-ms", "200"),
        _ => Reply::json(500, r#"{"error":{"code":"InternalError","message":"broken"}}"#),
    });
    let client = new_client(&server, &options(&server, 1));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_SERVER_ERROR);
    let d = &e.diagnostics;
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3, "probe, 503, 500: {reqs:#?}");
    assert_eq!(d.attempts, 3, "{e:?}");
    assert_eq!(e.http_status, 500);
    assert_eq!(d.client_request_id.len(), 36, "a UUID: {e:?}");
    for r in &reqs {
        assert_eq!(r.header("x-ms-client-request-id"), Some(d.client_request_id.as_str()), "{r:#?}");
    }
    assert!(d.elapsed_ms >= 200, "the 200 ms retry pause is part of the call: {e:?}");
    assert!(d.elapsed_ms < 30_000, "{e:?}");
    // A second failing call has its own id and its own count (no probe: the challenge is known).
    let again = expect_status(err(client.get("name", None)), KV_STATUS_SERVER_ERROR);
    assert_eq!(again.diagnostics.attempts, 2, "{again:?}");
    assert_ne!(again.diagnostics.client_request_id, d.client_request_id);
    // A caller error sends nothing: no id, no attempts.
    let local = expect_status(err(client.get("bad name!", None)), KV_STATUS_INVALID_NAME);
    let l = &local.diagnostics;
    assert_eq!((l.attempts, l.client_request_id.as_str(), l.elapsed_ms), (0, "", 0));
}

#[test]
fn x_ms_retry_after_ms_is_honoured() {
    let server = vault(|i, req| {
        if i == 0 {
            Reply::json(503, UNAVAILABLE).with_header("x-ms-retry-after-ms", "300")
        } else {
            secret_reply(req, "name", "v")
        }
    });
    let client = new_client(&server, &options(&server, 3));
    ok(client.get("name", None));
    let reqs = authorized(&server);
    assert_eq!(reqs.len(), 2);
    let pause = reqs[1].received_at - reqs[0].received_at;
    assert!(pause >= Duration::from_millis(300), "x-ms-retry-after-ms 300 not honoured: retried after {pause:?}");
}

#[test]
fn a_400_is_not_retried() {
    let server = vault(|_, _| Reply::json(400, r#"{"error":{"code":"BadParameter","message":"bad"}}"#));
    let client = new_client(&server, &options(&server, 5));
    expect_status(err(client.get("name", None)), KV_STATUS_BAD_PARAMETER);
    assert_eq!(authorized(&server).len(), 1);
}

#[test]
fn a_dropped_connection_is_retried() {
    let server = vault(|i, req| if i == 0 { Reply::hang_up() } else { secret_reply(req, "name", "v") });
    let client = new_client(&server, &options(&server, 3));
    let got = ok(client.get("name", None));
    assert_eq!(got.value(), b"v");
    assert_eq!(authorized(&server).len(), 2);
}

#[test]
fn a_dropped_connection_without_retries_is_a_transport_error() {
    let server = vault(|_, _| Reply::hang_up());
    let client = new_client(&server, &options(&server, 0));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_TRANSPORT);
    assert_eq!(e.http_status, 0);
    assert_eq!(authorized(&server).len(), 1);
}

// ---------------------------------------------------------------------------------------------
// 6. Verb override
// ---------------------------------------------------------------------------------------------

#[test]
fn method_override_sends_patch_and_delete_as_post() {
    let server = vault(|_, req| secret_reply(req, "name", "v"));
    let client = new_client(&server, &options(&server, 0).method_override(true));

    ok(client.update("name", None, &SecretOptions::new().enabled(false)));
    let last = server.requests().pop().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.header("x-http-method"), Some("PATCH"));
    assert!(last.path().starts_with("/secrets/name"), "{}", last.target);
    let body: serde_json::Value = serde_json::from_slice(&last.body).expect("JSON body");
    assert_eq!(body["attributes"]["enabled"], false, "{body}");
    // The probe was overridden the same way.
    let probe = &server.requests()[0];
    assert!(probe.header("authorization").is_none());
    assert_eq!(probe.method, "POST");
    assert_eq!(probe.header("x-http-method"), Some("PATCH"));

    ok(client.delete("name"));
    let last = server.requests().pop().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.header("x-http-method"), Some("DELETE"));
    assert_eq!(last.path(), "/secrets/name");

    ok(client.get("name", None));
    let last = server.requests().pop().unwrap();
    assert_eq!(last.method, "GET");
    assert_eq!(last.header("x-http-method"), None);

    // Without the option, verbs go as they are.
    let server = vault(|_, req| secret_reply(req, "name", "v"));
    let client = new_client(&server, &options(&server, 0));
    ok(client.update("name", None, &SecretOptions::new().enabled(false)));
    let last = server.requests().pop().unwrap();
    assert_eq!(last.method, "PATCH");
    assert_eq!(last.header("x-http-method"), None);
    ok(client.delete("name"));
    let last = server.requests().pop().unwrap();
    assert_eq!(last.method, "DELETE");
    assert_eq!(last.header("x-http-method"), None);
}

// ---------------------------------------------------------------------------------------------
// 7. Timeouts
// ---------------------------------------------------------------------------------------------

#[test]
fn read_timeout_expires() {
    let server = vault(|_, req| secret_reply(req, "name", "v").with_delay(Duration::from_secs(3)));
    let client = new_client(&server, &options(&server, 0).read_timeout_ms(300));
    let started = Instant::now();
    let e = expect_status(err(client.get("name", None)), KV_STATUS_TIMEOUT);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(2500), "read timeout not applied: {elapsed:?} ({})", e.message);
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
}

#[test]
fn call_timeout_bounds_the_retries() {
    let server = vault(|_, _| Reply::json(503, UNAVAILABLE));
    let opts = Options::new().ca_file(&server.ca_file().to_string_lossy()).retries(50, 100, 400).call_timeout_ms(500);
    let client = new_client(&server, &opts);
    let started = Instant::now();
    let e = err(client.get("name", None)).expect_err("always 503");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(2), "call timeout not applied: {elapsed:?}");
    assert!(
        e.status == KV_STATUS_SERVER_ERROR || e.status == KV_STATUS_TIMEOUT,
        "expected SERVER_ERROR or TIMEOUT, got {}: {}",
        status_name(e.status),
        e.message
    );
    assert!(!authorized(&server).is_empty());
}

// ---------------------------------------------------------------------------------------------
// 8. Wire rules
// ---------------------------------------------------------------------------------------------

fn wire_vault() -> ScriptedServer {
    vault(|_, req| {
        let origin = origin_of(req);
        match (req.method.as_str(), req.path()) {
            ("GET", "/secrets") if req.query_param("$skiptoken").is_none() => Reply::json(
                200,
                &format!(
                    r#"{{"value":[{}],"nextLink":"{origin}/secrets?$skiptoken=page2&maxresults=1"}}"#,
                    item_json(&origin, "a")
                ),
            ),
            ("GET", "/secrets") => {
                Reply::json(200, &format!(r#"{{"value":[{}],"nextLink":null}}"#, item_json(&origin, "b")))
            }
            _ => secret_reply(req, "name", "v"),
        }
    })
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

fn check_wire(server: &ScriptedServer, api_version: &str) {
    let reqs = server.requests();
    assert!(reqs.iter().any(|r| r.query_param("$skiptoken").as_deref() == Some("page2")), "the nextLink was followed");
    for r in &reqs {
        let ctx = format!("{} {}", r.method, r.target);
        assert_eq!(r.query_param("api-version").as_deref(), Some(api_version), "{ctx}");
        let id = r.header("x-ms-client-request-id").unwrap_or_else(|| panic!("{ctx}: no x-ms-client-request-id"));
        assert!(is_uuid(id), "{ctx}: client request id {id:?}");
        let ua = r.header("user-agent").unwrap_or_else(|| panic!("{ctx}: no User-Agent"));
        assert!(ua.starts_with("kv/"), "{ctx}: User-Agent {ua:?}");
        assert_eq!(r.header("accept"), Some("application/json"), "{ctx}");
        if r.method == "PUT" && r.header("authorization").is_some() {
            let ct = r.header("content-type").unwrap_or_else(|| panic!("{ctx}: no Content-Type"));
            assert!(ct.starts_with("application/json"), "{ctx}: Content-Type {ct:?}");
        }
    }
    // Each call has its own client request id.
    let put = reqs.iter().find(|r| r.method == "PUT").unwrap();
    let get = reqs.iter().find(|r| r.method == "GET" && r.path() == "/secrets/name/").unwrap();
    assert_ne!(put.header("x-ms-client-request-id"), get.header("x-ms-client-request-id"));
}

#[test]
fn every_request_carries_the_wire_headers_and_default_api_version() {
    let server = wire_vault();
    let client = new_client(&server, &options(&server, 0));
    ok(client.set("name", b"v"));
    ok(client.get("name", None));
    let items = ok(client.list());
    assert_eq!(items.iter().map(|s| s.name()).collect::<Vec<_>>(), ["a", "b"]);
    check_wire(&server, "2025-07-01");
}

#[test]
fn a_configured_api_version_is_sent_everywhere() {
    let server = wire_vault();
    let client = new_client(&server, &options(&server, 0).api_version("7.5"));
    ok(client.set("name", b"v"));
    ok(client.get("name", None));
    let items = ok(client.list());
    assert_eq!(items.len(), 2);
    check_wire(&server, "7.5");
}

// ---------------------------------------------------------------------------------------------
// 9. Paging links
// ---------------------------------------------------------------------------------------------

#[test]
fn a_foreign_next_link_is_refused_and_not_requested() {
    for foreign in [
        "https://evil.example/secrets?$skiptoken=abc",
        "http://localhost:{port}/secrets?$skiptoken=abc",
        "https://localhost:1/secrets?$skiptoken=abc",
    ] {
        let server = vault(move |_, req| {
            let origin = origin_of(req);
            let port = req.header("host").unwrap().rsplit(':').next().unwrap().to_owned();
            let link = foreign.replace("{port}", &port);
            Reply::json(200, &format!(r#"{{"value":[{}],"nextLink":"{link}"}}"#, item_json(&origin, "a")))
        });
        let client = new_client(&server, &options(&server, 0));
        let e = expect_status(err(client.list()), KV_STATUS_FOREIGN_NEXT_LINK);
        assert!(!e.message.contains("skiptoken=abc"), "the link's query is redacted: {}", e.message);
        let reqs = server.requests();
        assert_eq!(reqs.len(), 2, "{foreign}: probe + first page only: {reqs:#?}");
        assert!(reqs.iter().all(|r| r.path() == "/secrets" && r.query_param("$skiptoken").is_none()));
    }
}

#[test]
fn a_same_origin_next_link_is_followed_exactly_as_given() {
    const TAIL: &str = "/secrets?api-version=2025-07-01&$skiptoken=eyJOZXh0TWFya2VyIjoiMiE4OCFNREF3TURJeUlYTmxZM0psZEM5QlFVRkJRU0V3TURBd01qZ2hPVGs1T1MweE1pMHpNVlF5TXpvMU9UbzFPUzQ1T1RrNU9UazVXaUUt%2Fw%3D%3D&maxresults=1";
    let server = vault(|_, req| {
        let origin = origin_of(req);
        if req.query_param("$skiptoken").is_none() {
            Reply::json(200, &format!(r#"{{"value":[{}],"nextLink":"{origin}{TAIL}"}}"#, item_json(&origin, "a")))
        } else {
            Reply::json(200, &format!(r#"{{"value":[{}]}}"#, item_json(&origin, "b")))
        }
    });
    let client = new_client(&server, &options(&server, 0));
    let items = ok(client.list());
    assert_eq!(items.iter().map(|s| s.name()).collect::<Vec<_>>(), ["a", "b"]);
    let auth = authorized(&server);
    assert_eq!(auth.len(), 2);
    assert_eq!(auth[1].target, TAIL, "the nextLink's path and query are sent unchanged");
}

#[test]
fn an_empty_page_with_a_next_link_is_followed() {
    let server = vault(|_, req| {
        let origin = origin_of(req);
        match req.query_param("$skiptoken").as_deref() {
            None => Reply::json(200, &format!(r#"{{"value":[],"nextLink":"{origin}/secrets?$skiptoken=p2"}}"#)),
            Some("p2") => Reply::json(200, &format!(r#"{{"value":[],"nextLink":"{origin}/secrets?$skiptoken=p3"}}"#)),
            Some(_) => Reply::json(200, &format!(r#"{{"value":[{}],"nextLink":null}}"#, item_json(&origin, "last"))),
        }
    });
    let client = new_client(&server, &options(&server, 0));
    let items = ok(client.list());
    assert_eq!(items.iter().map(|s| s.name()).collect::<Vec<_>>(), ["last"]);
    let auth = authorized(&server);
    assert_eq!(auth.len(), 3);
    assert_eq!(auth[1].query_param("$skiptoken").as_deref(), Some("p2"));
    assert_eq!(auth[2].query_param("$skiptoken").as_deref(), Some("p3"));
}

// ---------------------------------------------------------------------------------------------
// 10. TLS and transport
// ---------------------------------------------------------------------------------------------

#[test]
fn an_untrusted_certificate_is_a_tls_error() {
    let server = vault(|_, req| secret_reply(req, "name", "v"));
    let client = Client::new(&server.url(), TOKEN, &Options::new().retries(2, 10, 50)).expect("client");
    let e = expect_status(err(client.get("name", None)), KV_STATUS_TLS);
    assert_eq!(e.http_status, 0);
    assert_eq!(server.request_count(), 0, "no request got through the handshake");
}

#[test]
fn plain_http_needs_explicit_permission() {
    let server = ScriptedServer::start_plain(|_, req| {
        if req.header("authorization").is_none() {
            challenge()
        } else {
            secret_reply(req, "name", "v")
        }
    });
    assert!(server.url().starts_with("http://"));
    let refused = Client::new(&server.url(), TOKEN, &Options::new().retries(0, 10, 50));
    match refused {
        Ok(client) => {
            let e = expect_status(err(client.get("name", None)), KV_STATUS_INSECURE_TRANSPORT);
            assert!(!e.message.is_empty());
        }
        Err(e) => assert_eq!(e.status, KV_STATUS_INSECURE_TRANSPORT, "{e:?}"),
    }
    assert_eq!(server.request_count(), 0, "nothing is sent over plain HTTP without permission");

    let client =
        Client::new(&server.url(), TOKEN, &Options::new().retries(0, 10, 50).insecure_http(true)).expect("client");
    let got = ok(client.get("name", None));
    assert_eq!(got.value(), b"v");
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_2xx_body_that_is_not_json_is_unparseable() {
    let server = vault(|_, _| {
        let mut r =
            Reply::empty(200).with_header("Content-Type", "text/plain").with_header("x-ms-request-id", "rid-junk");
        r.body = b"this is not json".to_vec();
        r
    });
    let client = new_client(&server, &options(&server, 3));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_UNPARSEABLE_RESPONSE);
    assert_eq!(e.http_status, 200);
    assert_eq!(e.request_id, "rid-junk");
    assert_eq!(authorized(&server).len(), 1, "an unparseable 200 is not retried");
}

// ---------------------------------------------------------------------------------------------
// 11. One client, many threads
// ---------------------------------------------------------------------------------------------

#[test]
fn sixteen_threads_share_one_client() {
    let server = vault(|_, req| secret_reply(req, "name", "shared"));
    let client = Arc::new(new_client(&server, &options(&server, 2)));

    let run = |client: &Arc<Client>| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let client = Arc::clone(client);
                std::thread::spawn(move || {
                    for _ in 0..10 {
                        let got = ok(client.get("name", None));
                        assert_eq!(got.value(), b"shared");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("worker thread");
        }
    };

    run(&client);
    let cold_probes = probes(&server);
    assert!((1..=16).contains(&cold_probes), "unauthenticated probes from cold: {cold_probes}");
    assert_eq!(authorized(&server).len(), 160);

    // Warm: no more probes.
    run(&client);
    assert_eq!(probes(&server), cold_probes, "a warm client sends no more probes");
    assert_eq!(authorized(&server).len(), 320);
    assert!(authorized(&server).iter().all(|r| r.header("authorization") == Some("Bearer tok-1")));
}

// ---------------------------------------------------------------------------------------------
// 12. Secrets never leak into error messages
// ---------------------------------------------------------------------------------------------

#[test]
fn secret_values_and_tokens_never_appear_in_errors() {
    const VALUE: &str = "s3cr3t-VALUE";
    const SECRET_TOKEN: &str = "tok-SECRET";
    let check = |e: &CallError| {
        for field in [&e.message, &e.service_code, &e.inner_code, &e.request_id] {
            assert!(!field.contains(VALUE), "secret value leaked: {e:?}");
            assert!(!field.contains(SECRET_TOKEN), "token leaked: {e:?}");
        }
    };

    // 500 (a set secret is not resent after it: its outcome is unknown).
    let server =
        vault(|_, _| Reply::json(500, r#"{"error":{"code":"InternalServerError","message":"something went wrong"}}"#));
    let client = Client::new(&server.url(), SECRET_TOKEN, &options(&server, 1)).expect("client");
    let e = expect_status(err(client.set("name", VALUE.as_bytes())), KV_STATUS_OUTCOME_UNKNOWN);
    check(&e);
    let auth = authorized(&server);
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0].header("authorization"), Some("Bearer tok-SECRET"), "the token was sent");
    assert!(String::from_utf8_lossy(&auth[0].body).contains(VALUE), "the value was sent");

    // Dropped connections.
    let server = vault(|_, _| Reply::hang_up());
    let client = Client::new(&server.url(), SECRET_TOKEN, &options(&server, 1)).expect("client");
    check(&expect_status(err(client.set("name", VALUE.as_bytes())), KV_STATUS_OUTCOME_UNKNOWN));

    // A garbled 2xx reply that echoes the value.
    let server = vault(|_, _| Reply::json(200, r#"{"value":"s3cr3t-VALUE","attributes":{"enabled":"#));
    let client = Client::new(&server.url(), SECRET_TOKEN, &options(&server, 0)).expect("client");
    check(&expect_status(err(client.set("name", VALUE.as_bytes())), KV_STATUS_UNPARSEABLE_RESPONSE));

    // A gateway whose error page echoes the request body (not the service's error shape).
    let server = vault(|_, req| {
        let page = format!("<html>400 Bad Request: {}</html>", String::from_utf8_lossy(&req.body));
        Reply {
            status: 400,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: page.into_bytes(),
            delay: std::time::Duration::ZERO,
            hang_up: false,
        }
    });
    let client = Client::new(&server.url(), SECRET_TOKEN, &options(&server, 0)).expect("client");
    let e = expect_status(err(client.set("name", VALUE.as_bytes())), KV_STATUS_BAD_REQUEST);
    check(&e);
    assert!(
        e.message.contains("<redacted>") && e.message.contains("400 Bad Request"),
        "the page is still quoted: {}",
        e.message
    );

    // A refused token.
    let server = ScriptedServer::start(|_, _| challenge());
    let client = Client::new(&server.url(), SECRET_TOKEN, &options(&server, 0)).expect("client");
    check(&expect_status(err(client.set("name", VALUE.as_bytes())), KV_STATUS_UNAUTHORIZED));
}

/// One client keeps its connections: sequential calls share one TLS connection, and threads
/// sharing the client open at most one each.
#[test]
fn connections_are_reused_across_calls_and_threads() {
    let server = vault(|_, req| secret_reply(req, "pooled", "v"));
    let client = std::sync::Arc::new(new_client(&server, &options(&server, 0)));
    for _ in 0..20 {
        ok(client.get("pooled", None));
    }
    assert_eq!(server.connection_count(), 1, "20 sequential calls (and the challenge) used one connection");
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    ok(c.get("pooled", None));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(server.connection_count() <= 5, "at most one new connection per thread, got {}", server.connection_count());
    assert_eq!(server.request_count(), 1 + 20 + 40);
}

// ---------------------------------------------------------------------------------------------
// 13. Token acquisition within the call timeout (one deadline for the whole call)
// ---------------------------------------------------------------------------------------------

use kv::ffi::client::kv_client_new;
use kv::ffi::credential::{
    kv_credential, kv_credential_client_secret_new, kv_credential_options_free, kv_credential_options_new,
    kv_credential_options_set_authority_host, kv_credential_options_set_ca_file,
};
use kv::ffi::credential_host::{kv_credential_callback_new, kv_token_sink, kv_token_sink_set};
use std::ffi::{c_char, c_void};

fn client_with(server: &ScriptedServer, cred: *mut kv_credential, opts: &Options) -> Client {
    let mut out = std::ptr::null_mut();
    ok(call(|e| kv_client_new(c(&server.url()).as_ptr(), cred, opts.0, &mut out, e)));
    kv::ffi::credential::kv_credential_free(cred);
    Client(out)
}

static SLOW_CALLBACK_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A host token callback that takes `user_data` milliseconds, then delivers TOKEN.
unsafe extern "C" fn slow_token_callback(
    user_data: *mut c_void,
    _: *const c_char,
    _: *const c_char,
    _: *const c_char,
    sink: *mut kv_token_sink,
) -> i32 {
    SLOW_CALLBACK_CALLS.fetch_add(1, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(user_data as u64));
    let expires = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 + 3600;
    if kv_token_sink_set(sink, c(TOKEN).as_ptr(), expires, std::ptr::null_mut()) == KV_STATUS_OK {
        0
    } else {
        1
    }
}

/// kv.h: calls are bounded by the client's timeouts. A 0.5 s call timeout behind a token
/// callback that takes 3 s returns at the deadline with KV_STATUS_TIMEOUT (the callback,
/// which kv cannot interrupt, finishes on its own thread and its token serves the next call).
#[test]
fn a_slow_token_callback_is_bounded_by_the_call_timeout() {
    let server = vault(|_, req| secret_reply(req, "name", "v"));
    let mut cred = std::ptr::null_mut();
    ok(call(|e| kv_credential_callback_new(Some(slow_token_callback), 3000 as *mut c_void, None, &mut cred, e)));
    let client = client_with(&server, cred, &options(&server, 0).call_timeout_ms(500));
    let started = Instant::now();
    let e = expect_status(err(client.get("name", None)), KV_STATUS_TIMEOUT);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(2), "the call outlived its 0.5 s timeout: {elapsed:?} ({})", e.message);
    assert!(e.message.contains("token"), "{}", e.message);
    assert!(authorized(&server).is_empty(), "no token, no authorized request");
    // The late token lands in the cache: a later call uses it without calling back again.
    std::thread::sleep(Duration::from_millis(3200));
    let calls = SLOW_CALLBACK_CALLS.load(Ordering::SeqCst);
    assert_eq!(ok(client.get("name", None)).value(), b"v");
    assert_eq!(SLOW_CALLBACK_CALLS.load(Ordering::SeqCst), calls, "the cached token was used");
    assert_eq!(authorized(&server).len(), 1);
}

/// The call timeout also bounds a client-secret credential's token request: a 0.5 s call
/// against an identity platform that answers after 3 s ends in about 0.5 s with a timeout.
#[test]
fn a_slow_identity_platform_is_bounded_by_the_call_timeout() {
    let entra = ScriptedServer::start(|_, _| {
        Reply::json(200, r#"{"token_type":"Bearer","expires_in":3600,"access_token":"tok-1"}"#)
            .with_delay(Duration::from_secs(3))
    });
    let server = vault(|_, req| secret_reply(req, "name", "v"));
    let copts = kv_credential_options_new();
    ok(call(|e| kv_credential_options_set_authority_host(copts, c(&entra.url()).as_ptr(), e)));
    ok(call(|e| kv_credential_options_set_ca_file(copts, c(&entra.ca_file().to_string_lossy()).as_ptr(), e)));
    let mut cred = std::ptr::null_mut();
    ok(call(|e| {
        kv_credential_client_secret_new(
            c("72f988bf-86f1-41af-91ab-2d7cd011db47").as_ptr(),
            c("app").as_ptr(),
            c("pw").as_ptr(),
            copts,
            &mut cred,
            e,
        )
    }));
    kv_credential_options_free(copts);
    let client = client_with(&server, cred, &options(&server, 0).call_timeout_ms(500));
    let started = Instant::now();
    let e = expect_status(err(client.get("name", None)), KV_STATUS_TIMEOUT);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(2), "the call outlived its 0.5 s timeout: {elapsed:?} ({})", e.message);
    assert_eq!(entra.request_count(), 1, "one token request, cut short at the deadline");
}

// ---------------------------------------------------------------------------------------------
// 14. No thread per request
// ---------------------------------------------------------------------------------------------

thread_local! {
    /// Threads started by this thread (counted by the `pthread_create` below).
    static THREADS_STARTED_HERE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Every thread this test binary starts goes through here (the executable's own definition
/// takes precedence over libc's): it counts, per creating thread, then calls libc's.
///
/// # Safety
/// The arguments are those of `pthread_create(3)`, passed on unchanged.
#[no_mangle]
pub unsafe extern "C" fn pthread_create(
    thread: *mut libc::pthread_t,
    attr: *const libc::pthread_attr_t,
    start: extern "C" fn(*mut c_void) -> *mut c_void,
    arg: *mut c_void,
) -> libc::c_int {
    type Create = unsafe extern "C" fn(
        *mut libc::pthread_t,
        *const libc::pthread_attr_t,
        extern "C" fn(*mut c_void) -> *mut c_void,
        *mut c_void,
    ) -> libc::c_int;
    static REAL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let real = *REAL.get_or_init(|| libc::dlsym(libc::RTLD_NEXT, c"pthread_create".as_ptr()) as usize);
    assert_ne!(real, 0, "libc's pthread_create not found");
    let _ = THREADS_STARTED_HERE.try_with(|n| n.set(n.get() + 1));
    std::mem::transmute::<usize, Create>(real)(thread, attr, start, arg)
}

fn threads_started_here() -> usize {
    THREADS_STARTED_HERE.with(|n| n.get())
}

/// kv.h: kv starts no thread per request. With a call timeout in force (always), ureq's own
/// resolver looked every host name up on a new thread, even for a request on a pooled
/// connection; kv resolves on the calling thread, once per new connection.
#[test]
fn no_thread_is_started_per_request() {
    let server = vault(|_, req| secret_reply(req, "name", "v"));
    let client = new_client(&server, &options(&server, 0));
    assert!(server.url().contains("://localhost:"), "a host name, so something must be resolved");
    let before = threads_started_here();
    for _ in 0..50 {
        assert_eq!(ok(client.get("name", None)).value(), b"v");
    }
    assert_eq!(server.connection_count(), 1, "one pooled connection served every call");
    assert_eq!(threads_started_here() - before, 0, "threads started by 50 calls (one new connection, 49 pooled)");
    // A new connection (the server closes the pooled one) is resolved without a thread too.
    let closing = vault(|_, req| secret_reply(req, "name", "v").with_header("Connection", "close"));
    let before = threads_started_here(); // the server's accept thread was started here
    let client = new_client(&closing, &options(&closing, 0));
    for _ in 0..5 {
        ok(client.get("name", None));
    }
    assert_eq!(closing.connection_count(), 5, "each call opened a connection (the probe shared the first)");
    assert_eq!(threads_started_here() - before, 0, "threads started by 5 new connections");
    // The counter does see the threads this thread starts.
    std::thread::spawn(|| ()).join().unwrap();
    assert_eq!(threads_started_here() - before, 1);
}

// ---------------------------------------------------------------------------------------------
// 15. Resend policy: an effect that can repeat is never resent after it may have happened
// ---------------------------------------------------------------------------------------------

const SECRET_NOT_FOUND: &str =
    r#"{"error":{"code":"SecretNotFound","message":"A secret with (name/id) name was not found in this key vault."}}"#;

#[test]
fn a_set_secret_whose_reply_is_lost_is_sent_once_and_its_outcome_is_unknown() {
    let server = vault(|i, req| if i == 0 { Reply::hang_up() } else { secret_reply(req, "name", "v") });
    let client = new_client(&server, &options(&server, 3));
    let e = expect_status(err(client.set("name", b"v")), KV_STATUS_OUTCOME_UNKNOWN);
    assert!(e.message.contains("outcome is unknown") && e.message.contains("set secret 'name'"), "{}", e.message);
    assert_eq!(e.http_status, 0, "no reply");
    let auth = authorized(&server);
    assert_eq!(auth.len(), 1, "one PUT only: a second would add a second version: {auth:#?}");
    // A read on the same client is still resent after a lost reply.
    let server = vault(|i, req| if i == 0 { Reply::hang_up() } else { secret_reply(req, "name", "v") });
    let client = new_client(&server, &options(&server, 3));
    ok(client.get("name", None));
    assert_eq!(authorized(&server).len(), 2);
}

#[test]
fn a_delete_whose_reply_is_lost_is_never_reported_as_not_found() {
    // The vault deletes on the first DELETE and loses the reply; a resent DELETE would get 404.
    let server = vault(|i, _| if i == 0 { Reply::hang_up() } else { Reply::json(404, SECRET_NOT_FOUND) });
    let client = new_client(&server, &options(&server, 3));
    let e = expect_status(err(client.delete("name")), KV_STATUS_OUTCOME_UNKNOWN);
    assert!(e.message.contains("delete secret 'name'"), "{}", e.message);
    assert_eq!(authorized(&server).len(), 1);
    // Purge the same way.
    let server = vault(|i, _| if i == 0 { Reply::hang_up() } else { Reply::json(404, SECRET_NOT_FOUND) });
    let client = new_client(&server, &options(&server, 3));
    expect_status(err(client.purge("name")), KV_STATUS_OUTCOME_UNKNOWN);
    assert_eq!(authorized(&server).len(), 1);
}

#[test]
fn a_set_secret_answered_500_502_504_or_a_bare_503_is_not_resent() {
    for http in [500u16, 502, 503, 504] {
        let server = vault(move |i, req| {
            if i == 0 {
                Reply::json(http, r#"{"error":{"code":"Transient","message":"again"}}"#)
                    .with_header("x-ms-request-id", "rid-5xx")
            } else {
                secret_reply(req, "name", "v")
            }
        });
        let client = new_client(&server, &options(&server, 3));
        let e = expect_status(err(client.set("name", b"v")), KV_STATUS_OUTCOME_UNKNOWN);
        assert_eq!(
            (e.http_status, e.service_code.as_str(), e.request_id.as_str()),
            (http, "Transient", "rid-5xx"),
            "HTTP {http}: {e:?}"
        );
        assert_eq!(authorized(&server).len(), 1, "HTTP {http}: not resent");
    }
}

#[test]
fn a_set_secret_the_vault_did_not_act_on_is_resent() {
    // 429 (throttled before processing), 408 and 503 with Retry-After prove nothing happened.
    for first in [
        Reply::json(429, THROTTLED),
        Reply::json(408, r#"{"error":{"code":"RequestTimeout","message":"too slow"}}"#),
        Reply::json(503, UNAVAILABLE).with_header("Retry-After", "0"),
    ] {
        let status = first.status;
        let server = vault(move |i, req| if i == 0 { first.clone() } else { secret_reply(req, "name", "v") });
        let client = new_client(&server, &options(&server, 3));
        ok(client.set("name", b"v"));
        let auth = authorized(&server);
        assert_eq!(auth.len(), 2, "HTTP {status} is resent");
        assert_eq!(auth[0].body, auth[1].body, "HTTP {status}: the same body");
    }
    // A delete resent after a 429 that then finds nothing is a real 404.
    let server = vault(|i, _| if i == 0 { Reply::json(429, THROTTLED) } else { Reply::json(404, SECRET_NOT_FOUND) });
    let client = new_client(&server, &options(&server, 3));
    expect_status(err(client.delete("name")), KV_STATUS_SECRET_NOT_FOUND);
    assert_eq!(authorized(&server).len(), 2);
}

// ---------------------------------------------------------------------------------------------
// 16. Redirects
// ---------------------------------------------------------------------------------------------

#[test]
fn a_same_origin_307_or_308_is_followed_with_method_body_and_token() {
    for code in [307u16, 308] {
        let server = vault(move |_, req| {
            if req.path() == "/secrets/name" {
                Reply::empty(code).with_header("Location", "/moved/secrets/name?api-version=2025-07-01")
            } else {
                secret_reply(req, "name", "v")
            }
        });
        let client = new_client(&server, &options(&server, 0));
        ok(client.set("name", b"moved-value"));
        let auth = authorized(&server);
        assert_eq!(auth.len(), 2, "HTTP {code}: {auth:#?}");
        assert_eq!((auth[1].method.as_str(), auth[1].path()), ("PUT", "/moved/secrets/name"));
        assert_eq!(auth[1].body, auth[0].body, "HTTP {code} keeps the body");
        assert_eq!(auth[1].header("authorization"), Some("Bearer tok-1"));
    }
}

#[test]
fn a_303_continues_with_a_get_without_body() {
    let server = vault(|_, req| {
        if req.method == "PUT" {
            Reply::empty(303).with_header("Location", "/result/name")
        } else {
            secret_reply(req, "name", "v")
        }
    });
    let client = new_client(&server, &options(&server, 0));
    ok(client.set("name", b"v"));
    let last = authorized(&server).pop().unwrap();
    assert_eq!((last.method.as_str(), last.path(), last.body.len()), ("GET", "/result/name", 0));
}

#[test]
fn a_redirect_loop_is_its_own_error() {
    let server = vault(|_, req| {
        let next = if req.path().starts_with("/a") { "/b" } else { "/a" };
        Reply::empty(302).with_header("Location", next)
    });
    let client = new_client(&server, &options(&server, 3));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_TOO_MANY_REDIRECTS);
    assert!(e.message.contains("redirect loop"), "{}", e.message);
    assert_eq!(e.http_status, 302);
    assert_eq!(authorized(&server).len(), 3, "/secrets/name, /b, /a, then /b again is refused");
    // An endless chain of new URLs stops after MAX_REDIRECTS (5) hops.
    let server = vault(|i, _| Reply::empty(301).with_header("Location", &format!("/hop{i}")));
    let client = new_client(&server, &options(&server, 3));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_TOO_MANY_REDIRECTS);
    assert!(e.message.contains("too many redirects"), "{}", e.message);
    assert_eq!(authorized(&server).len(), 6);
}

/// Another origin that answers every request with `reply` (it is reached as 127.0.0.1, so its
/// host differs from the vault's `localhost`).
fn other_origin(reply: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> (ScriptedServer, String) {
    let server = ScriptedServer::start(move |_, req| reply(req));
    let url = format!("https://127.0.0.1:{}", server.addr().port());
    (server, url)
}

fn redirecting_vault(to: String) -> ScriptedServer {
    vault(move |_, _| Reply::empty(307).with_header("Location", &format!("{to}/secrets/name/?api-version=2025-07-01")))
}

/// Options trusting both servers' certificates (one CA file holding both).
fn trusting_both(vault: &ScriptedServer, other: &ScriptedServer) -> (Options, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("kv-two-cas-{}-{}.pem", std::process::id(), other.addr().port()));
    let both =
        [std::fs::read_to_string(vault.ca_file()).unwrap(), std::fs::read_to_string(other.ca_file()).unwrap()].concat();
    std::fs::write(&path, both).unwrap();
    (Options::new().ca_file(&path.to_string_lossy()).retries(3, 10, 50), path)
}

#[test]
fn a_cross_origin_redirect_never_carries_the_token_unless_the_host_proves_itself() {
    // A host that answers without a challenge, and one whose challenge names the first vault's
    // resource (a token thief): both refused, and neither ever sees the token.
    for challenge_of_other in [None, Some(challenge_header())] {
        let (other, other_url) = other_origin(move |req| match &challenge_of_other {
            Some(www) if req.header("authorization").is_none() => challenge_with(www),
            _ => secret_reply(req, "name", "stolen"),
        });
        let server = redirecting_vault(other_url.clone());
        let (opts, ca) = trusting_both(&server, &other);
        let client = new_client(&server, &opts);
        let _ = std::fs::remove_file(ca);
        let e = expect_status(err(client.get("name", None)), KV_STATUS_REDIRECT_REFUSED);
        assert!(e.message.contains(&other_url), "the target is named: {}", e.message);
        assert_eq!(e.http_status, 307);
        let seen = other.requests();
        assert_eq!(seen.len(), 1, "one probe: {seen:#?}");
        assert!(seen.iter().all(|r| r.header("authorization").is_none()), "the token never left for another origin");
    }
    // A vault whose own challenge passes the resource check for its host gets the request.
    let (other, other_url) = other_origin(|req| {
        if req.header("authorization").is_none() {
            challenge_with(&format!(r#"Bearer authorization="{TENANT_AUTHORITY}", resource="https://127.0.0.1""#))
        } else {
            secret_reply(req, "name", "moved")
        }
    });
    let server = redirecting_vault(other_url);
    let (opts, ca) = trusting_both(&server, &other);
    let client = new_client(&server, &opts);
    let _ = std::fs::remove_file(ca);
    assert_eq!(ok(client.get("name", None)).value(), b"moved");
    let seen = other.requests();
    assert_eq!(seen.len(), 2, "probe, then the request: {seen:#?}");
    assert!(seen[0].header("authorization").is_none());
    assert_eq!(seen[1].header("authorization"), Some("Bearer tok-1"));
}

#[test]
fn a_304_is_understood() {
    let server = vault(|_, _| Reply::empty(304).with_header("x-ms-request-id", "rid-304"));
    let client = new_client(&server, &options(&server, 3));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_SERVICE_ERROR);
    assert!(e.message.contains("304 Not Modified") && e.message.contains("not conditional"), "{}", e.message);
    assert_eq!((e.http_status, e.request_id.as_str()), (304, "rid-304"));
    assert_eq!(authorized(&server).len(), 1, "not retried");
}

// ---------------------------------------------------------------------------------------------
// 17. Verb override, on the wire
// ---------------------------------------------------------------------------------------------

#[test]
fn method_override_names_the_verb_both_ways_and_sends_no_body_for_delete() {
    let server = vault(|_, req| secret_reply(req, "name", "v"));
    let client = new_client(&server, &options(&server, 0).method_override(true));
    ok(client.delete("name"));
    let last = server.requests().pop().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.header("x-http-method"), Some("DELETE"));
    assert_eq!(last.header("x-http-request"), Some("DELETE"));
    assert_eq!(last.header("content-length"), Some("0"), "an empty body for a verb without one");
    assert!(last.body.is_empty(), "{:?}", String::from_utf8_lossy(&last.body));
    assert_eq!(last.header("content-type"), None);
    ok(client.purge("name"));
    let last = server.requests().pop().unwrap();
    assert_eq!((last.header("x-http-request"), last.header("content-length")), (Some("DELETE"), Some("0")));
    ok(client.update("name", None, &SecretOptions::new().enabled(false)));
    let last = server.requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.header("x-http-method"), last.header("x-http-request")),
        ("POST", Some("PATCH"), Some("PATCH"))
    );
    let body: serde_json::Value = serde_json::from_slice(&last.body).expect("the PATCH body");
    assert_eq!(body["attributes"]["enabled"], false);
}

// ---------------------------------------------------------------------------------------------
// 18. The fault matrix of docs/reliability.md (rows not covered by the tests above)
// ---------------------------------------------------------------------------------------------

#[test]
fn fault_refused_connection_is_a_transport_error_after_the_retries() {
    let server = vault(|_, req| secret_reply(req, "name", "v"));
    let url = server.url();
    drop(server); // nothing listens on the port any more
    let client = Client::new(&url, TOKEN, &Options::new().retries(2, 10, 20)).expect("client");
    let started = Instant::now();
    let e = expect_status(err(client.set("name", b"v")), KV_STATUS_TRANSPORT);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(e.http_status, 0);
    assert!(
        !e.message.contains("outcome"),
        "nothing was sent, so the set was retried, not left unknown: {}",
        e.message
    );
}

#[test]
fn fault_reset_mid_body_is_retried_for_reads_and_unknown_for_writes() {
    // The reply declares 1000 bytes, sends 20, and the connection ends.
    let cut = || {
        Reply::json(200, r#"{"value":"v","id":"h"#)
            .with_header("Content-Length", "1000")
            .with_header("Connection", "close")
    };
    let server = vault(move |i, req| if i == 0 { cut() } else { secret_reply(req, "name", "v") });
    let client = new_client(&server, &options(&server, 2));
    ok(client.get("name", None));
    assert_eq!(authorized(&server).len(), 2, "a read is resent");
    let server = vault(move |_, _| cut());
    let client = new_client(&server, &options(&server, 0));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_TRANSPORT);
    assert_eq!(e.http_status, 0);
    let server = vault(move |_, _| cut());
    let client = new_client(&server, &options(&server, 2));
    expect_status(err(client.set("name", b"v")), KV_STATUS_OUTCOME_UNKNOWN);
    assert_eq!(authorized(&server).len(), 1);
}

#[test]
fn fault_tls_name_mismatch_is_a_tls_error_and_not_retried() {
    let server =
        ScriptedServer::start_with_certificate_names(&["vault.example"], |_, req| secret_reply(req, "name", "v"));
    let client = Client::new(
        &server.url(),
        TOKEN,
        &Options::new().ca_file(&server.ca_file().to_string_lossy()).retries(3, 10, 20),
    )
    .expect("client");
    let e = expect_status(err(client.get("name", None)), KV_STATUS_TLS);
    assert!(e.message.to_lowercase().contains("name") || e.message.contains("NotValidForName"), "{}", e.message);
    assert_eq!(server.request_count(), 0, "no request got through the handshake");
    assert_eq!(server.connection_count(), 1, "a TLS failure is not retried");
}

#[test]
fn fault_slow_body_is_a_timeout_at_the_read_timeout() {
    // The head arrives at once; the body stalls after 10 of its 100 bytes.
    let server = vault(|_, _| Reply::json(200, r#"{"value":"#).with_header("Content-Length", "100"));
    let client = new_client(&server, &options(&server, 0).read_timeout_ms(300));
    let started = Instant::now();
    expect_status(err(client.get("name", None)), KV_STATUS_TIMEOUT);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(250) && elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

#[test]
fn fault_429_whose_retry_after_passes_the_deadline_gives_up_at_once() {
    let server = vault(|_, _| Reply::json(429, THROTTLED).with_header("Retry-After", "30"));
    let client = new_client(&server, &options(&server, 3).call_timeout_ms(2000));
    let started = Instant::now();
    let e = expect_status(err(client.get("name", None)), KV_STATUS_THROTTLED);
    assert_eq!(e.http_status, 429);
    assert!(started.elapsed() < Duration::from_secs(1), "no sleep past the deadline: {:?}", started.elapsed());
    assert_eq!(authorized(&server).len(), 1);
}

#[test]
fn fault_truncated_json_is_unparseable() {
    let server = vault(|_, _| {
        Reply::json(200, r#"{"value":"v","id":"https://localhost/secrets/name/0123"#)
            .with_header("x-ms-request-id", "rid-cut")
    });
    let client = new_client(&server, &options(&server, 3));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_UNPARSEABLE_RESPONSE);
    assert_eq!((e.http_status, e.request_id.as_str()), (200, "rid-cut"));
    assert_eq!(authorized(&server).len(), 1, "a complete reply with a cut JSON body is not resent");
}

#[test]
fn fault_oversized_body_is_refused_at_16_mib() {
    let big = format!(r#"{{"value":"{}"}}"#, "x".repeat(16 * 1024 * 1024 + 1));
    let server = vault(move |_, _| Reply::json(200, &big));
    let client = new_client(&server, &options(&server, 3));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_RESPONSE_TOO_LARGE);
    assert!(e.message.contains("16777216"), "{}", e.message);
    assert_eq!(authorized(&server).len(), 1, "not resent");
}

#[test]
fn bodies_larger_than_the_connection_buffers_go_through_whole_both_ways() {
    // The connection's buffers are 32 kB in and 16 kB out (http::transport): bodies stream
    // through them, whatever their size.
    let long = |n: usize| -> String { (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect() };
    let (request_value, reply_value) = (long(25_000), long(1_000_000));
    let (expected, reply) = (request_value.clone(), reply_value.clone());
    let server = vault(move |_, req| {
        if req.method == "PUT" {
            let body: serde_json::Value = serde_json::from_slice(&req.body).expect("the request body arrives whole");
            assert_eq!(body["value"].as_str(), Some(expected.as_str()));
        }
        secret_reply(req, "name", &reply)
    });
    let client = new_client(&server, &options(&server, 0));
    let secret = ok(client.set("name", request_value.as_bytes()));
    assert!(secret.value() == reply_value.as_bytes(), "the 1 MB reply body is read whole");
    assert_eq!(authorized(&server).len(), 1);
}

#[test]
fn fault_reply_head_over_16_kib_is_refused_clearly() {
    let server = vault(|_, req| secret_reply(req, "name", "v").with_header("x-padding", &"p".repeat(20 * 1024)));
    let client = new_client(&server, &options(&server, 0));
    let e = expect_status(err(client.get("name", None)), KV_STATUS_RESPONSE_TOO_LARGE);
    assert!(e.message.contains("head") && e.message.contains("16384"), "{}", e.message);
}

#[test]
fn fault_dns_failure_is_a_dns_error() {
    // A 64-character label: the system resolver refuses the name itself, with no query sent.
    let host = format!("{}.example", "a".repeat(64));
    let client = match Client::new(&format!("https://{host}"), TOKEN, &Options::new().retries(2, 10, 20)) {
        Ok(client) => client,
        Err(e) => panic!("the URL should be accepted, its lookup fail: {e:?}"),
    };
    let started = Instant::now();
    let e = expect_status(err(client.get("name", None)), KV_STATUS_DNS);
    assert!(e.message.contains("host name not found"), "{}", e.message);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// 19. A vault cannot grow the token cache without bound (security review #11)
// ---------------------------------------------------------------------------------------------

/// A vault that answers every token with a challenge naming a new scope (any path under its host
/// passes the resource check): each call makes kv learn a new cache key. The cache stays bounded.
#[test]
fn a_vault_varying_its_challenge_scope_cannot_grow_the_token_cache() {
    let authorized_seen = Arc::new(AtomicUsize::new(0));
    let seen = authorized_seen.clone();
    let server = ScriptedServer::start(move |_, req| {
        let scope_of =
            |i: usize| format!(r#"Bearer authorization="{TENANT_AUTHORITY}", scope="https://localhost/{i}/.default""#);
        if req.header("authorization").is_none() {
            return challenge_with(&scope_of(0));
        }
        // Every other authorized request is refused with a challenge naming a new scope.
        let a = seen.fetch_add(1, Ordering::SeqCst);
        if a % 2 == 0 {
            challenge_with(&scope_of(a / 2 + 1))
        } else {
            secret_reply(req, "name", "v")
        }
    });
    let credential = kv::auth::Credential::new(kv::auth::static_token::StaticToken::new(TOKEN, None).unwrap());
    let mut options = kv::client::ClientOptions::default();
    options.set_ca_file(&server.ca_file().to_string_lossy()).unwrap();
    options.pipeline.retry.max_retries = 0;
    let client = kv::client::Client::new(&server.url(), credential.clone(), &options).unwrap();
    for _ in 0..100 {
        client.get_secret("name", "").expect("each call learns the new scope and succeeds");
    }
    assert_eq!(authorized_seen.load(Ordering::SeqCst), 200, "each call: a new scope, then success");
    assert!(credential.cached_keys() <= 32, "{} keys cached for 101 scopes", credential.cached_keys());
}
