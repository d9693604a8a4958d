//! Certificates over the C ABI, against the scripted HTTPS server: NULLs and bad input are refused
//! before any request with outputs untouched; the exact request shapes of create, import and
//! merge; a failed pending operation's `error` comes back from kv_client_wait_for_certificate as
//! a service error; the policy JSON round trip.

mod support;

use kv::ffi::certificates::*;
use kv::ffi::secrets::*;
use kv::ffi::status::*;
use serde_json::Value;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};
use support::capi::*;
use support::scripted_server::{RecordedRequest, Reply, ScriptedServer};

fn client_for(server: &ScriptedServer) -> Client {
    Client::new(&server.url(), "tok", &Options::new().ca_file(&server.ca_file().to_string_lossy())).unwrap()
}

const SENTINEL: usize = 0x5e17;

/// A vault that answers the challenge to unauthenticated requests and hands authorized ones to
/// `f` with the number of authorized requests seen before.
fn scripted<F>(f: F) -> (ScriptedServer, Client)
where
    F: Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
{
    let authorized = AtomicUsize::new(0);
    let server = ScriptedServer::start(move |_, req| {
        if req.header("authorization").is_none() {
            return Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"Request is missing a Bearer or PoP token."}}"#)
                .with_header("WWW-Authenticate", r#"Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://localhost""#);
        }
        f(authorized.fetch_add(1, Ordering::SeqCst), req)
    });
    let client = client_for(&server);
    (server, client)
}

fn authorized(server: &ScriptedServer) -> Vec<RecordedRequest> {
    server.requests().into_iter().filter(|r| r.header("authorization").is_some()).collect()
}

#[test]
fn nulls_and_bad_input_are_refused_before_any_request() {
    let server = ScriptedServer::start(|_, _| {
        Reply::json(500, r#"{"error":{"code":"ShouldNotBeCalled","message":"no request expected"}}"#)
    });
    let client = client_for(&server);
    let name = c("cert");
    let mut op: *mut kv_certificate_operation = SENTINEL as *mut _;
    let mut cert: *mut kv_certificate = SENTINEL as *mut _;
    let mut blob: *mut kv_blob = SENTINEL as *mut _;

    let e = expect_status(
        call(|e| kv_client_create_certificate(client.0, name.as_ptr(), null(), null(), &mut op, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    assert!(e.message.contains("policy"), "{}", e.message);
    expect_status(
        call(|e| kv_client_wait_for_certificate(null(), name.as_ptr(), 10, &mut cert, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(
        call(|e| kv_client_merge_certificate(client.0, name.as_ptr(), null(), null(), 0, null(), &mut cert, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    let e = expect_status(
        call(|e| kv_client_download_certificate(client.0, name.as_ptr(), null(), 9, null(), &mut blob, e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
    assert!(e.message.contains("KV_CERTIFICATE_FORMAT_"), "{}", e.message);

    // A PEM without a private key: refused locally with a clear message.
    let pem = b"-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n";
    let e = expect_status(
        call(|e| {
            kv_client_import_certificate(
                client.0,
                name.as_ptr(),
                pem.as_ptr(),
                pem.len(),
                null(),
                null(),
                null(),
                &mut cert,
                e,
            )
        }),
        KV_STATUS_INVALID_ARGUMENT,
    );
    assert!(e.message.contains("no private key"), "{}", e.message);

    // Policy builder checks.
    let policy = kv_certificate_policy_new(c("CN=x").as_ptr());
    assert!(!policy.is_null());
    assert!(kv_certificate_policy_new(null()).is_null());
    expect_status(
        call(|e| kv_certificate_policy_add_lifetime_action(policy, c("AutoRenew").as_ptr(), 80, 30, e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
    call(|e| kv_certificate_policy_set_key_size(policy, 1024, e)).unwrap();
    let e = expect_status(
        call(|e| kv_client_create_certificate(client.0, name.as_ptr(), policy, null(), &mut op, e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
    assert!(e.message.contains("1024"), "a policy kv knows the service refuses is refused locally: {}", e.message);
    kv_certificate_policy_free(policy);

    // Accessors and frees accept NULL.
    assert_eq!(text(kv_certificate_subject(null())), "");
    assert_eq!(kv_certificate_not_after(null()), 0);
    assert_eq!(kv_certificate_der(null()).len, 0);
    assert_eq!(text(kv_certificate_operation_status(null())), "");
    assert_eq!(kv_certificate_contacts_count(null()), 0);
    assert_eq!(text(kv_issuer_name(null())), "");
    kv_certificate_free(null_mut());
    kv_certificate_policy_free(null_mut());
    kv_certificate_operation_free(null_mut());
    kv_issuer_free(null_mut());
    kv_certificate_contacts_free(null_mut());

    assert_eq!(op as usize, SENTINEL, "outputs are untouched on failure");
    assert_eq!(cert as usize, SENTINEL);
    assert_eq!(blob as usize, SENTINEL);
    assert_eq!(server.request_count(), 0);
}

#[test]
fn create_sends_the_policy_and_a_failed_operation_is_a_service_error() {
    let (server, client) = scripted(|i, r| match (i, r.method.as_str()) {
        (0, "POST") => {
            Reply::json(202, r#"{"id":"https://v/certificates/c/pending","status":"inProgress","csr":"MIIB"}"#)
        }
        (1, "GET") => Reply::json(200, r#"{"id":"https://v/certificates/c/pending","status":"inProgress"}"#),
        _ => Reply::json(
            200,
            r#"{"id":"https://v/certificates/c/pending","status":"failed","status_details":"CA said no","request_id":"r-1","error":{"code":"BadParameter","message":"The subject is not allowed by the issuer."}}"#,
        ),
    });
    let policy = kv_certificate_policy_new(c("CN=svc").as_ptr());
    call(|e| kv_certificate_policy_add_dns_name(policy, c("svc.example").as_ptr(), e)).unwrap();
    call(|e| kv_certificate_policy_set_content_type(policy, c("application/x-pem-file").as_ptr(), e)).unwrap();
    call(|e| kv_certificate_policy_add_lifetime_action(policy, c("EmailContacts").as_ptr(), 0, 30, e)).unwrap();
    let mut op: *mut kv_certificate_operation = null_mut();
    call(|e| kv_client_create_certificate(client.0, c("c").as_ptr(), policy, null(), &mut op, e)).unwrap();
    assert_eq!(text(kv_certificate_operation_status(op)), "inProgress");
    assert_eq!(kv_certificate_operation_csr(op).len, 3, "standard base64 CSR decoded");
    kv_certificate_operation_free(op);
    kv_certificate_policy_free(policy);

    let sent = &authorized(&server)[0];
    assert!(sent.target.starts_with("/certificates/c/create?api-version="), "{}", sent.target);
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["policy"]["x509_props"]["subject"], "CN=svc");
    assert_eq!(body["policy"]["x509_props"]["sans"]["dns_names"][0], "svc.example");
    assert_eq!(body["policy"]["secret_props"]["contentType"], "application/x-pem-file");
    assert_eq!(body["policy"]["issuer"]["name"], "Self");
    assert_eq!(body["policy"]["lifetime_actions"][0]["trigger"]["days_before_expiry"], 30);
    assert_eq!(body["policy"]["lifetime_actions"][0]["action"]["action_type"], "EmailContacts");

    let mut cert: *mut kv_certificate = SENTINEL as *mut _;
    let e = expect_status(
        call(|e| kv_client_wait_for_certificate(client.0, c("c").as_ptr(), 20_000, &mut cert, e)),
        KV_STATUS_BAD_PARAMETER,
    );
    assert_eq!(e.service_code, "BadParameter");
    assert!(
        e.message.contains("The subject is not allowed by the issuer.") && e.message.contains("'c'"),
        "{}",
        e.message
    );
    assert_eq!(cert as usize, SENTINEL);
    assert_eq!(authorized(&server).len(), 3, "create, one poll in progress, one poll failed");
}

#[test]
fn merge_sends_standard_base64_and_policy_json_round_trips() {
    let (server, client) = scripted(|_, _| {
        Reply::json(201, r#"{"id":"https://v/certificates/m/0123456789abcdef0123456789abcdef","cer":"AQID"}"#)
    });
    let a: &[u8] = &[0xfb, 0xff, 0x01];
    let b: &[u8] = &[0x02];
    let ptrs = [a.as_ptr(), b.as_ptr()];
    let lens = [a.len(), b.len()];
    let mut cert: *mut kv_certificate = null_mut();
    call(|e| {
        kv_client_merge_certificate(client.0, c("m").as_ptr(), ptrs.as_ptr(), lens.as_ptr(), 2, null(), &mut cert, e)
    })
    .unwrap();
    assert_eq!(text(kv_certificate_version(cert)), "0123456789abcdef0123456789abcdef");
    assert_eq!(blob_bytes(kv_certificate_der(cert)), vec![1, 2, 3]);
    kv_certificate_free(cert);
    let sent = &authorized(&server)[0];
    assert!(sent.target.starts_with("/certificates/m/pending/merge?"), "{}", sent.target);
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["x5c"], serde_json::json!(["+/8B", "Ag=="]), "x5c is standard base64 with padding");

    let json = br#"{"key_props":{"kty":"EC","crv":"P-384"},"x509_props":{"subject":"CN=j","validity_months":7},"issuer":{"name":"Unknown"}}"#;
    let mut policy: *mut kv_certificate_policy = null_mut();
    call(|e| kv_certificate_policy_from_json(json.as_ptr(), json.len(), &mut policy, e)).unwrap();
    assert_eq!(text(kv_certificate_policy_subject(policy)), "CN=j");
    assert_eq!(text(kv_certificate_policy_issuer_name(policy)), "Unknown");
    assert_eq!(text(kv_certificate_policy_key_type(policy)), "EC");
    assert_eq!(kv_certificate_policy_validity_months(policy), 7);
    let mut out: *mut kv_blob = null_mut();
    call(|e| kv_certificate_policy_to_json(policy, &mut out, e)).unwrap();
    let back: Value = serde_json::from_slice(&blob_bytes(kv_blob_bytes(out))).unwrap();
    assert_eq!(back, serde_json::from_slice::<Value>(json).unwrap());
    kv_blob_free(out);
    kv_certificate_policy_free(policy);
    expect_status(
        call(|e| kv_certificate_policy_from_json(b"{".as_ptr(), 1, &mut policy, e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
}
