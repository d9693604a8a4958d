//! Every secrets operation through the C ABI against a running vault (the local stand-in vault
//! by default, or the one named by KV_TEST_VAULT_URL / KV_TEST_VAULT_CA).

mod support;

use kv::ffi::secrets::*;
use kv::ffi::status::*;
use support::capi::*;
use support::local_vault::{unique, vault};

fn client() -> Client {
    vault().client()
}

#[test]
fn set_get_latest_and_by_version_byte_exact() {
    let c = client();
    let name = unique("getset");
    let v1: &[u8] = b"first value";
    let v2: &[u8] = b"second\0value with NUL, \xc3\xa9 and \"quotes\"\n";
    let s1 = c.set(&name, v1).unwrap();
    let s2 = c.set(&name, v2).unwrap();
    assert_eq!(s1.name(), name);
    assert_eq!(s1.version().len(), 32);
    assert_ne!(s1.version(), s2.version());
    assert!(s2.id().ends_with(&format!("/secrets/{name}/{}", s2.version())));

    let latest = c.get(&name, None).unwrap();
    assert_eq!(latest.value(), v2, "latest is the second version, byte for byte");
    assert_eq!(latest.version(), s2.version());
    let first = c.get(&name, Some(&s1.version())).unwrap();
    assert_eq!(first.value(), v1);
    let latest_empty_version = c.get(&name, Some("")).unwrap();
    assert_eq!(latest_empty_version.version(), s2.version());
}

#[test]
fn properties_round_trip_and_update() {
    let c = client();
    let name = unique("props");
    let opts = SecretOptions::new()
        .content_type("text/plain")
        .not_before(1_700_000_000)
        .expires(4_100_000_000)
        .tag("env", "test")
        .tag("owner", "kv");
    let s = c.set_with(&name, b"v", &opts).unwrap();
    assert_eq!(s.content_type(), "text/plain");
    assert!(s.enabled());
    assert_eq!(kv_secret_not_before(s.0), 1_700_000_000);
    assert_eq!(kv_secret_expires(s.0), 4_100_000_000);
    assert!(kv_secret_created(s.0) > 1_600_000_000);
    assert!(kv_secret_updated(s.0) >= kv_secret_created(s.0));
    assert_eq!(s.tags(), vec![("env".into(), "test".into()), ("owner".into(), "kv".into())]);
    assert_eq!(s.tag("owner").as_deref(), Some("kv"));
    assert_eq!(s.tag("missing"), None);
    // What the vault chose, within the service's values (the stand-in's own are asserted in
    // tools/testvault/test_testvault.py).
    assert!(
        support::RECOVERY_LEVELS.contains(&text(kv_secret_recovery_level(s.0)).as_str()),
        "{}",
        text(kv_secret_recovery_level(s.0))
    );
    assert!((7..=90).contains(&kv_secret_recoverable_days(s.0)));

    let update = SecretOptions::new().content_type("application/json").tag("env", "prod");
    let u = c.update(&name, None, &update).unwrap();
    assert_eq!(u.content_type(), "application/json");
    assert_eq!(u.tags(), vec![("env".into(), "prod".into())], "tags are replaced");
    assert!(u.value().is_empty(), "update replies carry no value");
    assert_eq!(kv_secret_expires(u.0), 4_100_000_000, "unset properties are unchanged");

    let got = c.get(&name, None).unwrap();
    assert_eq!(got.content_type(), "application/json");
    assert_eq!(got.value(), b"v");
}

#[test]
fn disabled_secrets_cannot_be_read() {
    let c = client();
    let name = unique("disabled");
    c.set(&name, b"hidden").unwrap();
    c.update(&name, None, &SecretOptions::new().enabled(false)).unwrap();
    let err = expect_status(c.get(&name, None).map(|_| ()), KV_STATUS_SECRET_DISABLED);
    assert_eq!(err.service_code, "Forbidden");
    assert_eq!(err.inner_code, "SecretDisabled");
    assert_eq!(err.http_status, 403);
    assert!(!err.request_id.is_empty());
    c.update(&name, None, &SecretOptions::new().enabled(true)).unwrap();
    assert_eq!(c.get(&name, None).unwrap().value(), b"hidden");
}

#[test]
fn missing_secrets_are_secret_not_found() {
    let c = client();
    let err = expect_status(c.get(&unique("missing"), None).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);
    assert_eq!(err.service_code, "SecretNotFound");
    assert_eq!(err.http_status, 404);
}

#[test]
fn list_pages_across_many_pages_and_versions() {
    // The local vault serves 3 items a page (and one empty page with a nextLink after the first).
    let c = client();
    let prefix = unique("list");
    let names: Vec<String> = (0..8).map(|i| format!("{prefix}-{i}")).collect();
    for n in &names {
        c.set(n, b"x").unwrap();
    }
    let listed: Vec<String> = c.list().unwrap().iter().map(|s| s.name()).filter(|n| n.starts_with(&prefix)).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, names, "every secret appears exactly once across pages");
    for item in c.list().unwrap() {
        assert!(item.value().is_empty(), "list items carry no value");
        assert_eq!(item.version(), "", "list items name no version");
    }

    let name = unique("versions");
    let mut versions: Vec<String> =
        (0..5).map(|i| c.set(&name, format!("v{i}").as_bytes()).unwrap().version()).collect();
    let mut listed: Vec<String> = c.list_versions(&name).unwrap().iter().map(|s| s.version()).collect();
    versions.sort();
    listed.sort();
    assert_eq!(listed, versions);
}

/// How long the tests wait for a delete or recover to finish (the stand-in takes 300 ms by
/// default; the real service seconds).
const WAIT_MS: u32 = 60_000;

#[test]
fn delete_get_deleted_recover_and_purge() {
    let c = client();
    let name = unique("lifecycle");
    let created =
        c.set_with(&name, b"keep me", &SecretOptions::new().content_type("text/plain").tag("env", "t")).unwrap();
    // The delete hands back the deleted secret: no value, recovery id, dates and properties.
    let gone = c.delete_out(&name).unwrap();
    assert_eq!(gone.name(), name);
    assert!(gone.value().is_empty(), "a deleted secret carries no value");
    assert_eq!(gone.id(), created.id());
    assert_eq!((gone.content_type().as_str(), gone.tag("env").as_deref()), ("text/plain", Some("t")));
    assert!(text(kv_secret_recovery_id(gone.0)).ends_with(&format!("/deletedsecrets/{name}")));
    assert!(kv_secret_deleted_date(gone.0) > 1_600_000_000);
    assert!(kv_secret_scheduled_purge_date(gone.0) > kv_secret_deleted_date(gone.0));
    c.wait_deleted(&name, WAIT_MS).unwrap();
    expect_status(c.get(&name, None).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);

    let deleted = c.get_deleted(&name).unwrap();
    assert_eq!(deleted.name(), name);
    assert!(text(kv_secret_recovery_id(deleted.0)).ends_with(&format!("/deletedsecrets/{name}")));
    let deleted_at = kv_secret_deleted_date(deleted.0);
    assert_eq!(deleted_at, kv_secret_deleted_date(gone.0));
    assert!(kv_secret_scheduled_purge_date(deleted.0) > deleted_at);
    assert!(c.list_deleted().unwrap().iter().any(|s| s.name() == name));

    let err = expect_status(c.set(&name, b"reuse").map(|_| ()), KV_STATUS_OBJECT_IS_DELETED_BUT_RECOVERABLE);
    assert_eq!((err.service_code.as_str(), err.inner_code.as_str()), ("Conflict", "ObjectIsDeletedButRecoverable"));

    let recovered = c.recover(&name).unwrap();
    assert_eq!(recovered.name(), name);
    c.wait_recovered(&name, WAIT_MS).unwrap();
    let back = c.get(&name, None).unwrap();
    assert_eq!(back.value(), b"keep me");
    assert_eq!(back.version(), created.version());

    c.delete(&name).unwrap();
    c.wait_deleted(&name, WAIT_MS).unwrap();
    c.purge(&name).unwrap();
    expect_status(c.get_deleted(&name).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);
    assert!(!c.list_deleted().unwrap().iter().any(|s| s.name() == name));
    c.set(&name, b"new life").unwrap();
}

/// What a client that does not wait meets: the vault (like the real service) is still moving the
/// secret when delete and recover return. Only asserted against the stand-in started here, whose
/// delay is known to be non-zero; against another vault the waits above still run.
#[test]
fn without_the_waits_the_vault_answers_404_and_409() {
    if !vault().delays_deletes {
        eprintln!("without_the_waits_the_vault_answers_404_and_409: not asserted (external vault or TESTVAULT_DELETE_DELAY_MS=0)");
        return;
    }
    let c = client();
    let name = unique("nowait");
    c.set(&name, b"v").unwrap();
    c.delete(&name).unwrap();
    let e = expect_status(c.get_deleted(&name).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);
    assert!(e.message.contains("Deleted Secret not found"), "{}", e.message);
    let e = expect_status(c.purge(&name), KV_STATUS_OBJECT_IS_BEING_DELETED);
    assert_eq!(
        (e.http_status, e.service_code.as_str(), e.inner_code.as_str()),
        (409, "Conflict", "ObjectIsBeingDeleted")
    );
    expect_status(c.recover(&name).map(|_| ()), KV_STATUS_OBJECT_IS_BEING_DELETED);
    expect_status(c.set(&name, b"again").map(|_| ()), KV_STATUS_OBJECT_IS_BEING_DELETED);
    c.wait_deleted(&name, WAIT_MS).unwrap();
    c.recover(&name).unwrap();
    expect_status(c.get(&name, None).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);
    c.wait_recovered(&name, WAIT_MS).unwrap();
    assert_eq!(c.get(&name, None).unwrap().value(), b"v");
}

/// A vault that has not finished the delete by the deadline: the wait ends with KV_STATUS_TIMEOUT
/// naming the secret and the deadline, within a bounded time.
#[test]
fn wait_for_deleted_secret_times_out_with_the_deadline_in_the_message() {
    if !vault().delays_deletes {
        eprintln!("wait_for_deleted_secret_times_out_with_the_deadline_in_the_message: not asserted (external vault or TESTVAULT_DELETE_DELAY_MS=0)");
        return;
    }
    let c = client();
    let name = unique("slowdel");
    c.set(&name, b"v").unwrap();
    c.delete(&name).unwrap();
    // The stand-in takes its delay (300 ms by default); a 1 ms deadline cannot be met.
    let start = std::time::Instant::now();
    let e = expect_status(c.wait_deleted(&name, 1), KV_STATUS_TIMEOUT);
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    assert!(e.message.contains(&format!("wait for deletion of secret '{name}'")), "{}", e.message);
    assert!(e.message.contains("deadline of 1 ms"), "{}", e.message);
    c.wait_deleted(&name, WAIT_MS).unwrap();
    c.purge(&name).unwrap();
}

#[test]
fn backup_and_restore_keep_every_version() {
    let c = client();
    let name = unique("backup");
    let v1 = c.set(&name, b"one").unwrap().version();
    let v2 = c.set(&name, b"two").unwrap().version();
    let blob = c.backup(&name).unwrap();
    assert!(blob.len() > 10);
    expect_status(c.restore(&blob).map(|_| ()), KV_STATUS_CONFLICT);

    c.delete(&name).unwrap();
    c.wait_deleted(&name, WAIT_MS).unwrap();
    c.purge(&name).unwrap();
    let restored = c.restore(&blob).unwrap();
    assert_eq!(restored.name(), name);
    assert_eq!(c.get(&name, Some(&v1)).unwrap().value(), b"one");
    assert_eq!(c.get(&name, None).unwrap().value(), b"two");
    assert_eq!(c.get(&name, None).unwrap().version(), v2);
    expect_status(c.restore(b"not a backup").map(|_| ()), KV_STATUS_BAD_PARAMETER);
}

#[test]
fn verb_override_works_against_the_vault() {
    let v = vault();
    let c = Client::new(&v.url, &v.token, &v.options().method_override(true)).unwrap();
    let name = unique("override");
    c.set(&name, b"x").unwrap();
    c.update(&name, None, &SecretOptions::new().content_type("over/ridden")).unwrap();
    assert_eq!(c.get(&name, None).unwrap().content_type(), "over/ridden");
    c.delete(&name).unwrap();
    expect_status(c.get(&name, None).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);
}

#[test]
fn many_threads_share_one_client() {
    let c = std::sync::Arc::new(client());
    let name = unique("threads");
    c.set(&name, b"shared").unwrap();
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let (c, name) = (c.clone(), name.clone());
            std::thread::spawn(move || {
                for _ in 0..5 {
                    assert_eq!(c.get(&name, None).unwrap().value(), b"shared");
                }
                c.set(&format!("{name}-{i}"), b"own").unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread succeeded");
    }
    let count = c.list().unwrap().iter().filter(|s| s.name().starts_with(&format!("{name}-"))).count();
    assert_eq!(count, 16);
}

// Against the scripted server: the exact polls of the secret waits.

mod scripted {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};
    use support::scripted_server::{RecordedRequest, Reply, ScriptedServer};

    /// A vault that answers the challenge to unauthenticated requests and hands authorized ones
    /// to `f` with the number of authorized requests seen before.
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
        let client = Client::new(
            &server.url(),
            "tok-secrets",
            &Options::new().ca_file(&server.ca_file().to_string_lossy()).retries(0, 10, 50),
        )
        .expect("client");
        (server, client)
    }

    fn authorized(server: &ScriptedServer) -> Vec<RecordedRequest> {
        server.requests().into_iter().filter(|r| r.header("authorization").is_some()).collect()
    }

    fn not_found(name: &str) -> Reply {
        Reply::json(
            404,
            &format!(r#"{{"error":{{"code":"SecretNotFound","message":"Deleted Secret not found: {name}"}}}}"#),
        )
    }

    fn deleted_bundle(req: &RecordedRequest, name: &str) -> Reply {
        let origin = format!("https://{}", req.header("host").expect("Host"));
        Reply::json(
            200,
            &format!(
                r#"{{"id":"{origin}/secrets/{name}/0123456789abcdef0123456789abcdef","recoveryId":"{origin}/deletedsecrets/{name}","deletedDate":100,"scheduledPurgeDate":200,"attributes":{{"enabled":true}}}}"#
            ),
        )
    }

    #[test]
    fn wait_for_deleted_secret_polls_through_404_until_200() {
        let (server, c) = scripted(|i, req| if i < 2 { not_found("gone") } else { deleted_bundle(req, "gone") });
        let start = Instant::now();
        c.wait_deleted("gone", 30_000).unwrap();
        let reqs = authorized(&server);
        assert_eq!(reqs.len(), 3);
        assert!(reqs.iter().all(|r| r.method == "GET" && r.path() == "/deletedsecrets/gone"));
        assert!(
            start.elapsed() >= Duration::from_millis(550),
            "200 ms then 400 ms between polls: {:?}",
            start.elapsed()
        );

        // 403 while polling means "no get permission": done.
        let (server, c) = scripted(|_, _| {
            Reply::json(
                403,
                r#"{"error":{"code":"Forbidden","message":"no get permission","innererror":{"code":"AccessDenied"}}}"#,
            )
        });
        c.wait_deleted("gone", 30_000).unwrap();
        assert_eq!(authorized(&server).len(), 1);

        // Recovery polls the live collection.
        let (server, c) = scripted(|i, req| if i == 0 { not_found("back") } else { deleted_bundle(req, "back") });
        c.wait_recovered("back", 30_000).unwrap();
        let reqs = authorized(&server);
        assert_eq!(reqs.len(), 2);
        assert!(reqs.iter().all(|r| r.method == "GET" && r.path() == "/secrets/back/"));
    }

    #[test]
    fn wait_for_secret_that_never_finishes_times_out_naming_the_deadline() {
        let (server, c) = scripted(|_, _| not_found("slow"));
        let start = Instant::now();
        let e = expect_status(c.wait_deleted("slow", 700), KV_STATUS_TIMEOUT);
        let took = start.elapsed();
        assert_eq!(e.message, format!("wait for deletion of secret 'slow': not finished by the deadline of 700 ms (polled {} times); wait longer or check the vault", authorized(&server).len()));
        assert!(took >= Duration::from_millis(700) && took < Duration::from_secs(5), "{took:?}");
        assert!((3..=5).contains(&authorized(&server).len()));

        let (_server, c) = scripted(|_, _| not_found("slow"));
        let e = expect_status(c.wait_recovered("slow", 300), KV_STATUS_TIMEOUT);
        assert!(
            e.message.starts_with("wait for recovery of secret 'slow': not finished by the deadline of 300 ms"),
            "{}",
            e.message
        );

        // Any other error ends the wait with that error, and names what was waited for.
        let (server, c) = scripted(|_, _| Reply::json(400, r#"{"error":{"code":"BadParameter","message":"no"}}"#));
        let e = expect_status(c.wait_recovered("x", 30_000), KV_STATUS_BAD_PARAMETER);
        assert!(e.message.contains("wait for recovery of secret 'x'"), "{}", e.message);
        assert_eq!(authorized(&server).len(), 1);
    }

    #[test]
    fn delete_out_hands_back_the_deleted_secret() {
        let (server, c) = scripted(|_, req| deleted_bundle(req, "d"));
        let s = c.delete_out("d").unwrap();
        assert_eq!(s.name(), "d");
        assert!(text(kv_secret_recovery_id(s.0)).ends_with("/deletedsecrets/d"));
        assert_eq!((kv_secret_deleted_date(s.0), kv_secret_scheduled_purge_date(s.0)), (100, 200));
        let reqs = authorized(&server);
        assert_eq!((reqs[0].method.as_str(), reqs[0].path()), ("DELETE", "/secrets/d"));
        // NULL out: the deleted secret is dropped, the delete still happens.
        let name = std::ffi::CString::new("d").unwrap();
        call(|e| kv_client_delete_secret_out(c.0, name.as_ptr(), std::ptr::null_mut(), e)).unwrap();
        assert_eq!(authorized(&server).len(), 2);
    }
}
