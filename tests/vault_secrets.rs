//! Every secrets operation through the C ABI against a running vault (the local stand-in vault
//! by default, or the one named by KV_TEST_VAULT_URL / KV_TEST_VAULT_CA).

mod support;

use kv::ffi::secrets::*;
use kv::status::*;
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
    let opts = SecretOptions::new().content_type("text/plain").not_before(1_700_000_000).expires(4_100_000_000).tag("env", "test").tag("owner", "kv");
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
    assert!(support::RECOVERY_LEVELS.contains(&text(kv_secret_recovery_level(s.0)).as_str()), "{}", text(kv_secret_recovery_level(s.0)));
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
    let mut versions: Vec<String> = (0..5).map(|i| c.set(&name, format!("v{i}").as_bytes()).unwrap().version()).collect();
    let mut listed: Vec<String> = c.list_versions(&name).unwrap().iter().map(|s| s.version()).collect();
    versions.sort();
    listed.sort();
    assert_eq!(listed, versions);
}

#[test]
fn delete_get_deleted_recover_and_purge() {
    let c = client();
    let name = unique("lifecycle");
    let created = c.set(&name, b"keep me").unwrap();
    c.delete(&name).unwrap();
    expect_status(c.get(&name, None).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);

    let deleted = c.get_deleted(&name).unwrap();
    assert_eq!(deleted.name(), name);
    assert!(text(kv_secret_recovery_id(deleted.0)).ends_with(&format!("/deletedsecrets/{name}")));
    let deleted_at = kv_secret_deleted_date(deleted.0);
    assert!(deleted_at > 1_600_000_000);
    assert!(kv_secret_scheduled_purge_date(deleted.0) > deleted_at);
    assert!(c.list_deleted().unwrap().iter().any(|s| s.name() == name));

    let err = expect_status(c.set(&name, b"reuse").map(|_| ()), KV_STATUS_OBJECT_IS_DELETED_BUT_RECOVERABLE);
    assert_eq!((err.service_code.as_str(), err.inner_code.as_str()), ("Conflict", "ObjectIsDeletedButRecoverable"));

    let recovered = c.recover(&name).unwrap();
    assert_eq!(recovered.name(), name);
    let back = c.get(&name, None).unwrap();
    assert_eq!(back.value(), b"keep me");
    assert_eq!(back.version(), created.version());

    c.delete(&name).unwrap();
    c.purge(&name).unwrap();
    expect_status(c.get_deleted(&name).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);
    assert!(!c.list_deleted().unwrap().iter().any(|s| s.name() == name));
    c.set(&name, b"new life").unwrap();
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
