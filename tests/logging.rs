//! Log records through the C ABI (`kv_set_log_handler`) and the last-call diagnostics of a call
//! context, against the scripted HTTPS server: a retried call's records carry its method, path
//! without query, status, attempt and client request id; no record of a set/get ever holds the
//! secret value or the token; a successful call under a context tells its id, attempts and time.

mod support;

use kv::ffi::call_context::*;
use kv::ffi::log::*;
use std::ffi::{c_void, CStr};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use support::capi::*;
use support::scripted_server::*;

/// A record as the handler received it, copied.
#[derive(Debug, Clone)]
struct Owned {
    level: kv_log_level,
    message: String,
    client_request_id: String,
    method: String,
    path: String,
    status: u16,
    attempt: u32,
    elapsed_ms: u64,
}

static RECORDS: Mutex<Vec<Owned>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();
const MARK: usize = 0x6b76;

extern "C" fn collect(user_data: *mut c_void, r: *const kv_log_record) {
    assert_eq!(user_data as usize, MARK, "the user data comes back");
    let r = unsafe { &*r };
    let s = |p| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    RECORDS.lock().unwrap().push(Owned {
        level: r.level,
        message: s(r.message),
        client_request_id: s(r.client_request_id),
        method: s(r.method),
        path: s(r.path),
        status: r.http_status,
        attempt: r.attempt,
        elapsed_ms: r.elapsed_ms,
    });
}

/// Every test of this file shares one handler at the most verbose level (the handler is global).
fn install() {
    INSTALL.call_once(|| kv_set_log_handler(KV_LOG_LEVEL_DEBUG, Some(collect), MARK as *mut c_void));
}

fn records_for(path: &str) -> Vec<Owned> {
    RECORDS.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect()
}

fn challenge() -> Reply {
    Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"Request is missing a Bearer or PoP token."}}"#)
        .with_header(
            "WWW-Authenticate",
            r#"Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://localhost""#,
        )
}

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

fn secret_json(req: &RecordedRequest, name: &str, value: &str) -> String {
    let host = req.header("host").unwrap_or_default();
    format!(
        r#"{{"value":"{value}","id":"https://{host}/secrets/{name}/0123456789abcdef0123456789abcdef","attributes":{{"enabled":true}}}}"#
    )
}

fn client(server: &ScriptedServer, token: &str) -> Client {
    let options = Options::new().ca_file(server.ca_file().to_str().unwrap()).retries(2, 10, 100);
    Client::new(&server.url(), token, &options).unwrap()
}

#[test]
fn a_retried_call_logs_each_attempt_with_method_path_status_attempt_and_request_id() {
    install();
    let server = vault(|i, req| match i {
        0 => Reply::json(503, r#"{"error":{"code":"ServiceUnavailable","message":"busy"}}"#)
            .with_header("retry-after-ms", "20"),
        _ => Reply::json(200, &secret_json(req, "retried", "v")),
    });
    let c = client(&server, "tok");
    assert_eq!(c.get("retried", None).unwrap().value(), b"v");
    let sent = server.requests();
    let id = sent[0].header("x-ms-client-request-id").unwrap().to_owned();
    assert!(sent.iter().all(|r| r.header("x-ms-client-request-id") == Some(id.as_str())));
    assert!(sent[0].target.contains('?'), "the request had a query: {:?}", sent[0].target);

    let records = records_for("/secrets/retried/");
    let exchanges: Vec<_> = records.iter().filter(|r| r.attempt > 0).collect();
    // The challenge probe (401), the 503 that is retried, the 200 of the retry.
    let summary: Vec<_> = exchanges.iter().map(|r| (r.level, r.status, r.attempt)).collect();
    assert_eq!(
        summary,
        [(KV_LOG_LEVEL_INFO, 401, 1), (KV_LOG_LEVEL_WARN, 503, 1), (KV_LOG_LEVEL_INFO, 200, 2)],
        "{records:#?}"
    );
    for r in &records {
        assert_eq!(r.method, "GET", "{r:?}");
        assert_eq!(r.client_request_id, id, "{r:?}");
        assert!(!r.message.contains("api-version"), "no query in the message: {r:?}");
    }
    assert!(exchanges[2].elapsed_ms >= 20, "the retry pause is part of the call: {:?}", exchanges[2]);
    assert!(records.iter().any(|r| r.level == KV_LOG_LEVEL_DEBUG && r.message.contains("challenge")), "{records:#?}");
}

#[test]
fn no_record_holds_the_secret_value_or_the_token() {
    install();
    const VALUE: &str = "S3cr3t-VaLuE-4f1e9c";
    const TOKEN: &str = "TokEn-7b2d-not-for-logs";
    let server = vault(|i, req| match i {
        // The get's first reply fails with a body echoing the secret, as a broken gateway might.
        1 => Reply::json(500, &format!(r#"{{"error":{{"code":"E","message":"{VALUE} {TOKEN}"}}}}"#)),
        _ => Reply::json(200, &secret_json(req, "audited", VALUE)),
    });
    let c = client(&server, TOKEN);
    c.set("audited", VALUE.as_bytes()).unwrap();
    assert_eq!(c.get("audited", None).unwrap().value(), VALUE.as_bytes());
    let all = RECORDS.lock().unwrap().clone();
    // PUT: probe, challenge, reply; GET: the 500 retried, the reply.
    let about = all.iter().filter(|r| r.path.starts_with("/secrets/audited")).count();
    assert!(about >= 5, "{all:#?}");
    for r in &all {
        let text = format!("{r:?}");
        assert!(!text.contains(VALUE) && !text.contains(TOKEN), "a record holds a secret: {r:?}");
    }
}

#[test]
fn a_successful_call_under_a_context_reports_its_request_id_attempts_and_time() {
    install();
    let server = vault(|_, req| {
        if req.target.starts_with("/secrets/missing") {
            Reply::json(404, r#"{"error":{"code":"SecretNotFound","message":"no"}}"#)
        } else {
            Reply::json(200, &secret_json(req, "diag", "v"))
        }
    });
    let c = client(&server, "tok");
    // The first call learns the challenge (two requests); the one under the context sends one.
    c.get("diag", None).unwrap();
    let mut ctx = null_mut();
    call(|e| kv_call_context_new(&mut ctx, e)).unwrap();
    let mut buf = [0 as std::ffi::c_char; 64];
    assert_eq!(kv_call_context_last_client_request_id(ctx, buf.as_mut_ptr(), buf.len()), 0, "no call yet");
    assert_eq!((kv_call_context_last_attempts(ctx), kv_call_context_last_elapsed_ms(ctx)), (0, 0));
    let mut with = null_mut();
    call(|e| kv_client_with_context(c.0, ctx, &mut with, e)).unwrap();
    let under = Client(with);
    assert_eq!(under.get("diag", None).unwrap().value(), b"v");
    let len = kv_call_context_last_client_request_id(ctx, buf.as_mut_ptr(), buf.len());
    let id = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_owned();
    assert_eq!((len, id.len()), (36, 36), "{id}");
    let last = server.requests().pop().unwrap();
    assert_eq!(last.header("x-ms-client-request-id"), Some(id.as_str()));
    assert_eq!(kv_call_context_last_attempts(ctx), 1);
    assert!(kv_call_context_last_elapsed_ms(ctx) > 0);
    // A buffer too small gets nothing but the length.
    let mut small = [7 as std::ffi::c_char; 8];
    assert_eq!(kv_call_context_last_client_request_id(ctx, small.as_mut_ptr(), small.len()), 36);
    assert!(small.iter().all(|&b| b == 7));
    // A failed call updates it too.
    assert!(under.get("missing", None).is_err());
    kv_call_context_last_client_request_id(ctx, buf.as_mut_ptr(), buf.len());
    let failed = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_owned();
    assert_ne!(failed, id);
    assert_eq!(server.requests().pop().unwrap().header("x-ms-client-request-id"), Some(failed.as_str()));
    drop(under);
    kv_call_context_free(ctx);
}
