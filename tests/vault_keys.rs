//! Key management through the C ABI.
//!
//! The first part runs every key-management operation against a running vault (the local
//! stand-in vault by default, or the one named by KV_TEST_VAULT_URL / KV_TEST_VAULT_CA). The
//! second part uses the scripted HTTPS server for what a vault cannot show on demand: exact
//! request shapes, soft-delete polling (404 while in progress, 403, timeout), and that invalid
//! input (names, enum values, options, NULLs) is refused before anything is sent.

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kv::ffi::keys::*;
use kv::ffi::status::*;
use serde_json::{json, Value};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::capi::keys::*;
use support::capi::*;
use support::local_vault::{unique, vault};
use support::scripted_server::{RecordedRequest, Reply, ScriptedServer};

/// A P-256 test key (generated for these tests only), as a JWK and as PKCS#8 PEM.
const EC_JWK: &str = r#"{"kty": "EC", "crv": "P-256", "x": "UUFyUbcjLsNnrlxsw4-8Mn2LoD1GTV8DbN8NaLdoc10", "y": "dOkuQEMFa66akcrZjmZcjelzu_6oqq2oWv6DD223UKU", "d": "ADRDAmVb2EQUWw6fWqygVfs0RF3XBK_YUvq6K8CCyMI"}"#;
const EC_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgADRDAmVb2EQUWw6f
WqygVfs0RF3XBK/YUvq6K8CCyMKhRANCAARRQXJRtyMuw2euXGzDj7wyfYugPUZN
XwNs3w1ot2hzXXTpLkBDBWuumpHK2Y5mXI3pc7v+qKqtqFr+gw9tt1Cl
-----END PRIVATE KEY-----
";

/// An RSA-2048 test key (generated for these tests only), as a JWK and as PKCS#1 PEM.
const RSA_JWK: &str = r#"{"kty": "RSA", "n": "ksfs78QebLWoQy7sfQPjuSqkioPYUeoUu1iJ3H7NdF053M9GvENQLaQlP6vjwcJdSZ2WzqO8szkq89T4QRQPcp0ZLZqtCE6kEe1B3r0fude87PejuHOvK-wzb58eNJI-ExdsUAQbsodjUhvipbdO7C18gt2I56KEl1UKszhS3xriTnC51MAzoH9ptKUlFEdPjJfPBBU5jSSQRp_OCPUuHRDcAqX-Ack8Vyb1XTuRgfLzz16n3MVEX2Gu9qD4qdKXTZ0bbw_1pXC_km0SUWsJgEi_KcjSJ3anuIBNitMYqOuicgIUSwKS2wMKfqd2-vyZv1OfKKbbOPJoxUBU64LDzw", "e": "AQAB", "d": "A0G5hrK7wZzJ_gZxNvbFt6uz9UR5g4x6TQv3-5MNJ0E5V3GYgSIIgpFTr22B3z55PrUjPsNwdsIFfjCvRiRDVV1WCTV5I0JInALdStESuqoPs0ypcnieoej47CILrjsqzPR3JofSr9rpo5jAcXZClGJ5R1s7duC55R3t7tk9UE5kfAio11cj-mCpY3w6oXnfZ-Y-NWH7PXquaTSrUG5Rynkx1vnHzDT2nI42KLkaS7zK3TIOECbbCl2_NdoDNrhS8_4joAaJYOzSTAQ0yW1QWbifIXgRrHiPNCzEwwnZ2bmqB8TvzQIQFIAvkHDqtPBtFpv_o2budkgo6paLrOr6AQ", "p": "zt1sRsAd0JdBsxFvQWONaiA3IH4_XSESCALj38uAtdHBAPOyJdJmBXdQz2rUggtcstoAO4BrUII5UYDJ3I5VeBGinMuD3_NmHvsN-EbRp4DujQUyjPHto1pFVlLO8RWKWuCTGfxbtK6obazZhqri42pBs97HI4IKkq8LATa2-bE", "q": "taUNM55_FuFR7ZTM1qxJuwZPCW5wWHUjKaF5BbMPVfA7yvS3FZkss4ql8y7YhxJrK6XhVEca1yYsenyAWJ-BYlOleigjM13vtuVDdG5PQJ0sELfy1o203AQjWtYAucCosjCEgtRfIxtn-yfhrqkbgmQKMPx_STBazfshAOlPdX8", "dp": "m_n6tVIQaQJTqHhh4fT1YOrPhjGLB2ZzGRVMyqa_8tgoZdZaIgiFomN3zB1qBHAawkR73mGTCQ5Xt6ubCTFNIo5xhTYyxj7ZZky4GNcVJ-6gcDZWCk40d3IOS-t-W-t4-dLRN8u_PfpfxuqIzfC1yPGKftxgXNalsDpJ2u1tg9E", "dq": "iHmyKY50PmScgbzDCqf33aUnzRZFIrEf8i94FmgqpY8R3bNvu7KSe3M4rDYOSa31B55iZkfmSrBLytuwMuXk-FOQiO-PQxDZArnOrLQUp59vdEBBHCLsOEKDrcQMV4QBO6Bob0PRFzeIMJQOZIR6PsWbQqLzn7HNB-YfLegd41E", "qi": "QSxEZ8oH0g9MExxof5mdBy7WhLp0QgTbPapFZQMC8lzSsY8UeL2PZrIXec1klS30xoDPQFfoQhMyil8zCfTDb-HHgll3hy37WJdNrBEOcXcQSXBkgM0eLOkiI5sYObDMVE7jtkHy6MdEU8BpxFNKAD_8HCG3hsfYLxKJxHHHiZg"}"#;
const RSA_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAksfs78QebLWoQy7sfQPjuSqkioPYUeoUu1iJ3H7NdF053M9G
vENQLaQlP6vjwcJdSZ2WzqO8szkq89T4QRQPcp0ZLZqtCE6kEe1B3r0fude87Pej
uHOvK+wzb58eNJI+ExdsUAQbsodjUhvipbdO7C18gt2I56KEl1UKszhS3xriTnC5
1MAzoH9ptKUlFEdPjJfPBBU5jSSQRp/OCPUuHRDcAqX+Ack8Vyb1XTuRgfLzz16n
3MVEX2Gu9qD4qdKXTZ0bbw/1pXC/km0SUWsJgEi/KcjSJ3anuIBNitMYqOuicgIU
SwKS2wMKfqd2+vyZv1OfKKbbOPJoxUBU64LDzwIDAQABAoIBAANBuYayu8Gcyf4G
cTb2xbers/VEeYOMek0L9/uTDSdBOVdxmIEiCIKRU69tgd8+eT61Iz7DcHbCBX4w
r0YkQ1VdVgk1eSNCSJwC3UrRErqqD7NMqXJ4nqHo+OwiC647Ksz0dyaH0q/a6aOY
wHF2QpRieUdbO3bgueUd7e7ZPVBOZHwIqNdXI/pgqWN8OqF532fmPjVh+z16rmk0
q1BuUcp5Mdb5x8w09pyONii5Gku8yt0yDhAm2wpdvzXaAza4UvP+I6AGiWDs0kwE
NMltUFm4nyF4Eax4jzQsxMMJ2dm5qgfE780CEBSAL5Bw6rTwbRab/6Nm7nZIKOqW
i6zq+gECgYEAzt1sRsAd0JdBsxFvQWONaiA3IH4/XSESCALj38uAtdHBAPOyJdJm
BXdQz2rUggtcstoAO4BrUII5UYDJ3I5VeBGinMuD3/NmHvsN+EbRp4DujQUyjPHt
o1pFVlLO8RWKWuCTGfxbtK6obazZhqri42pBs97HI4IKkq8LATa2+bECgYEAtaUN
M55/FuFR7ZTM1qxJuwZPCW5wWHUjKaF5BbMPVfA7yvS3FZkss4ql8y7YhxJrK6Xh
VEca1yYsenyAWJ+BYlOleigjM13vtuVDdG5PQJ0sELfy1o203AQjWtYAucCosjCE
gtRfIxtn+yfhrqkbgmQKMPx/STBazfshAOlPdX8CgYEAm/n6tVIQaQJTqHhh4fT1
YOrPhjGLB2ZzGRVMyqa/8tgoZdZaIgiFomN3zB1qBHAawkR73mGTCQ5Xt6ubCTFN
Io5xhTYyxj7ZZky4GNcVJ+6gcDZWCk40d3IOS+t+W+t4+dLRN8u/PfpfxuqIzfC1
yPGKftxgXNalsDpJ2u1tg9ECgYEAiHmyKY50PmScgbzDCqf33aUnzRZFIrEf8i94
FmgqpY8R3bNvu7KSe3M4rDYOSa31B55iZkfmSrBLytuwMuXk+FOQiO+PQxDZArnO
rLQUp59vdEBBHCLsOEKDrcQMV4QBO6Bob0PRFzeIMJQOZIR6PsWbQqLzn7HNB+Yf
Legd41ECgYBBLERnygfSD0wTHGh/mZ0HLtaEunRCBNs9qkVlAwLyXNKxjxR4vY9m
shd5zWSVLfTGgM9AV+hCEzKKXzMJ9MNv4ceCWXeHLftYl02sEQ5xdxBJcGSAzR4s
6SIjmxg5sMxUTuO2QfLox0RTwGnEU0oAP/wcIbeGx9gvEonEcceJmA==
-----END RSA PRIVATE KEY-----
";

fn client() -> Client {
    vault().client()
}

#[track_caller]
fn ok<T>(r: Result<T, CallError>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("call failed with {} ({}): {}", status_name(e.status), e.status, e.message),
    }
}

fn b64url(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).expect("base64url")
}

fn jwk_member(jwk: &str, member: &str) -> Vec<u8> {
    let v: Value = serde_json::from_str(jwk).unwrap();
    b64url(v[member].as_str().unwrap())
}

// =================================================================================================
// Against the vault
// =================================================================================================

#[test]
fn rsa_keys_of_every_size_and_exponent() {
    let c = client();
    let keys = KeyApi(&c);
    for bits in [2048u32, 3072, 4096] {
        let name = unique(&format!("rsa{bits}"));
        let k = ok(keys.create(&name, KV_KEY_TYPE_RSA, Some(&KeyOptions::new().key_size(bits))));
        assert_eq!(k.kty(), "RSA");
        assert_eq!(k.name(), name);
        assert_eq!(k.version().len(), 32);
        assert!(k.id().ends_with(&format!("/keys/{name}/{}", k.version())), "{}", k.id());
        assert_eq!(k.n().len() * 8, bits as usize, "modulus of {bits} bits");
        assert_eq!(k.e(), vec![1, 0, 1], "default exponent 65537");
        assert!(k.x().is_empty() && k.y().is_empty() && k.crv().is_empty());
        assert!(k.enabled());
        assert!(k.created() > 1_600_000_000);
    }
    let name = unique("rsa-e3");
    let k = ok(keys.create(&name, KV_KEY_TYPE_RSA_HSM, Some(&KeyOptions::new().key_size(2048).public_exponent(3))));
    assert_eq!(k.kty(), "RSA-HSM");
    assert_eq!(k.e(), vec![3]);
    // Defaults: no options at all.
    let k = ok(keys.create(&unique("rsa-default"), KV_KEY_TYPE_RSA, None));
    assert_eq!(k.n().len(), 256);
    assert!(!k.ops().is_empty());
}

#[test]
fn ec_keys_on_every_curve() {
    let c = client();
    let keys = KeyApi(&c);
    for (curve, wire, coord) in [
        (KV_KEY_CURVE_P256, "P-256", 32),
        (KV_KEY_CURVE_P384, "P-384", 48),
        (KV_KEY_CURVE_P521, "P-521", 66),
        (KV_KEY_CURVE_P256K, "P-256K", 32),
    ] {
        for kty in [KV_KEY_TYPE_EC, KV_KEY_TYPE_EC_HSM] {
            let k = ok(keys.create(&unique("ec"), kty, Some(&KeyOptions::new().curve(curve))));
            assert_eq!(k.crv(), wire);
            assert_eq!(k.kty(), if kty == KV_KEY_TYPE_EC { "EC" } else { "EC-HSM" });
            assert_eq!((k.x().len(), k.y().len()), (coord, coord), "{wire}");
            assert!(k.n().is_empty() && k.e().is_empty());
        }
    }
    let k =
        ok(keys.create(&unique("ec-default"), KV_KEY_TYPE_EC, Some(&KeyOptions::new().curve(KV_KEY_CURVE_DEFAULT))));
    assert_eq!(k.crv(), "P-256", "the service default curve");
}

#[test]
fn oct_hsm_keys() {
    let c = client();
    let keys = KeyApi(&c);
    for bits in [128u32, 192, 256] {
        let k = ok(keys.create(&unique("oct"), KV_KEY_TYPE_OCT_HSM, Some(&KeyOptions::new().key_size(bits))));
        assert_eq!(k.kty(), "oct-HSM");
        assert!(k.n().is_empty() && k.x().is_empty(), "no public material for a symmetric key");
        assert!(k.ops().iter().any(|o| o == "wrapKey"), "{:?}", k.ops());
    }
}

#[test]
fn properties_round_trip_and_update() {
    let c = client();
    let keys = KeyApi(&c);
    let name = unique("props");
    let opts = KeyOptions::new()
        .op("sign")
        .op("verify")
        .op("sign")
        .not_before(1_700_000_000)
        .expires(4_100_000_000)
        .tag("env", "test")
        .tag("owner", "kv");
    let k = ok(keys.create(&name, KV_KEY_TYPE_EC, Some(&opts)));
    assert_eq!(k.ops(), vec!["sign", "verify"], "added once each, in order");
    assert_eq!((k.not_before(), k.expires()), (1_700_000_000, 4_100_000_000));
    assert!(k.updated() >= k.created());
    assert_eq!(k.tags(), vec![("env".into(), "test".into()), ("owner".into(), "kv".into())]);
    assert_eq!(k.tag("owner").as_deref(), Some("kv"));
    assert_eq!(k.tag("missing"), None);
    // What the vault chose (the stand-in's own values are asserted in tools/testvault); the exact
    // parsing is pinned by the scripted tests below.
    assert!(support::RECOVERY_LEVELS.contains(&k.recovery_level().as_str()), "{}", k.recovery_level());
    assert!((7..=90).contains(&k.recoverable_days()), "{}", k.recoverable_days());
    assert!(!k.exportable() && !k.managed());
    assert!(k.release_policy().is_empty());

    let u = ok(keys.update(&name, None, &KeyOptions::new().enabled(false).op("verify").tag("env", "prod")));
    assert!(!u.enabled());
    assert_eq!(u.ops(), vec!["verify"]);
    assert_eq!(u.tags(), vec![("env".into(), "prod".into())], "tags are replaced");
    assert_eq!(u.expires(), 4_100_000_000, "unset properties are unchanged");
    assert_eq!(u.version(), k.version());

    let got = ok(keys.get(&name, None));
    assert!(!got.enabled());
    assert_eq!(got.x(), k.x(), "the key material is unchanged");
    let by_version = ok(keys.update(&name, Some(&k.version()), &KeyOptions::new().enabled(true).clear_tags()));
    assert!(by_version.enabled());
    assert!(by_version.tags().is_empty(), "clear_tags removes every tag");
    assert!(ok(keys.get(&name, Some(""))).enabled());
}

#[test]
fn get_latest_and_by_version_and_missing_keys() {
    let c = client();
    let keys = KeyApi(&c);
    let name = unique("versions");
    let v1 = ok(keys.create(&name, KV_KEY_TYPE_EC, None));
    let v2 = ok(keys.create(&name, KV_KEY_TYPE_EC, None));
    assert_ne!(v1.version(), v2.version());
    assert_eq!(ok(keys.get(&name, None)).version(), v2.version());
    let first = ok(keys.get(&name, Some(&v1.version())));
    assert_eq!(first.x(), v1.x());
    assert_eq!(first.version(), v1.version());
    let err = expect_status(keys.get(&unique("missing"), None).map(|_| ()), KV_STATUS_KEY_NOT_FOUND);
    assert_eq!((err.service_code.as_str(), err.http_status), ("KeyNotFound", 404));
    expect_status(keys.get(&name, Some("00000000000000000000000000000000")).map(|_| ()), KV_STATUS_KEY_NOT_FOUND);
}

#[test]
fn import_jwk_rsa_and_ec() {
    let c = client();
    let keys = KeyApi(&c);
    let ec = ok(keys.import_jwk(&unique("imp-ec"), EC_JWK, None));
    assert_eq!((ec.kty().as_str(), ec.crv().as_str()), ("EC", "P-256"));
    assert_eq!(ec.x(), jwk_member(EC_JWK, "x"));
    assert_eq!(ec.y(), jwk_member(EC_JWK, "y"));

    let opts = KeyOptions::new().hsm(true).op("sign").op("verify").tag("imported", "yes").exportable(false);
    let rsa = ok(keys.import_jwk(&unique("imp-rsa"), RSA_JWK, Some(&opts)));
    assert_eq!(rsa.kty(), "RSA-HSM", "Hsm: true");
    assert_eq!(rsa.n(), jwk_member(RSA_JWK, "n"));
    assert_eq!(rsa.e(), jwk_member(RSA_JWK, "e"));
    assert_eq!(rsa.ops(), vec!["sign", "verify"], "the options' operations replace the JWK's");
    assert_eq!(rsa.tag("imported").as_deref(), Some("yes"));

    // A JWK without private members cannot be imported; the service says so.
    let public_only = r#"{"kty":"EC","crv":"P-256","x":"UUFyUbcjLsNnrlxsw4-8Mn2LoD1GTV8DbN8NaLdoc10","y":"dOkuQEMFa66akcrZjmZcjelzu_6oqq2oWv6DD223UKU"}"#;
    let err = keys.import_jwk(&unique("imp-pub"), public_only, None).map(|_| ()).unwrap_err();
    assert!(err.http_status == 400, "{err:?}");
}

#[test]
fn import_pem_matches_the_same_key_as_jwk() {
    let c = client();
    let keys = KeyApi(&c);
    let ec = ok(keys.import_pem(&unique("pem-ec"), EC_PEM.as_bytes(), None));
    assert_eq!(ec.crv(), "P-256");
    assert_eq!(ec.x(), jwk_member(EC_JWK, "x"));
    assert_eq!(ec.y(), jwk_member(EC_JWK, "y"));
    let rsa = ok(keys.import_pem(&unique("pem-rsa"), RSA_PEM.as_bytes(), Some(&KeyOptions::new().hsm(true))));
    assert_eq!(rsa.kty(), "RSA-HSM");
    assert_eq!(rsa.n(), jwk_member(RSA_JWK, "n"));
    let e = expect_status(
        keys.import_pem(
            &unique("pem-bad"),
            b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
            None,
        )
        .map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
    assert!(e.http_status == 0, "refused locally");
}

#[test]
fn list_pages_across_many_pages_and_versions() {
    // The local vault serves 3 items a page (and one empty page with a nextLink after the first).
    let c = client();
    let keys = KeyApi(&c);
    let prefix = unique("list");
    let names: Vec<String> = (0..8).map(|i| format!("{prefix}-{i}")).collect();
    for n in &names {
        ok(keys.create(n, KV_KEY_TYPE_EC, Some(&KeyOptions::new().tag("list", "yes"))));
    }
    let items = ok(keys.list());
    let mut listed: Vec<String> = items.iter().map(|k| k.name()).filter(|n| n.starts_with(&prefix)).collect();
    listed.sort();
    assert_eq!(listed, names, "every key appears exactly once across pages");
    for item in items.iter().filter(|k| k.name().starts_with(&prefix)) {
        assert_eq!(item.version(), "", "list items name no version");
        assert!(item.x().is_empty() && item.kty().is_empty(), "list items carry no key material");
        assert_eq!(item.tag("list").as_deref(), Some("yes"));
        assert!(item.enabled());
    }

    let name = unique("versions");
    let mut versions: Vec<String> = (0..5).map(|_| ok(keys.create(&name, KV_KEY_TYPE_EC, None)).version()).collect();
    let mut listed: Vec<String> = ok(keys.list_versions(&name)).iter().map(|k| k.version()).collect();
    versions.sort();
    listed.sort();
    assert_eq!(listed, versions);
}

#[test]
fn soft_delete_wait_recover_wait_delete_purge() {
    let c = client();
    let keys = KeyApi(&c);
    let name = unique("lifecycle");
    let created = ok(keys.create(&name, KV_KEY_TYPE_EC, Some(&KeyOptions::new().curve(KV_KEY_CURVE_P384))));

    let deleted = ok(keys.delete(&name));
    assert_eq!(deleted.name(), name);
    assert!(deleted.recovery_id().ends_with(&format!("/deletedkeys/{name}")), "{}", deleted.recovery_id());
    assert_eq!(deleted.x(), created.x(), "the deleted bundle carries the key");
    ok(keys.wait_deleted(&name, 30_000));
    expect_status(keys.get(&name, None).map(|_| ()), KV_STATUS_KEY_NOT_FOUND);

    let got = ok(keys.get_deleted(&name));
    assert_eq!(got.name(), name);
    assert!(got.deleted_date() > 1_600_000_000);
    assert!(got.scheduled_purge_date() > got.deleted_date());
    let listed = ok(keys.list_deleted());
    let item = listed.iter().find(|k| k.name() == name).expect("listed as deleted");
    assert!(item.recovery_id().ends_with(&format!("/deletedkeys/{name}")));
    assert!(item.deleted_date() > 0);

    let err = expect_status(
        keys.create(&name, KV_KEY_TYPE_EC, None).map(|_| ()),
        KV_STATUS_OBJECT_IS_DELETED_BUT_RECOVERABLE,
    );
    assert_eq!((err.service_code.as_str(), err.inner_code.as_str()), ("Conflict", "ObjectIsDeletedButRecoverable"));

    let recovered = ok(keys.recover(&name));
    assert_eq!(recovered.name(), name);
    ok(keys.wait_recovered(&name, 30_000));
    let back = ok(keys.get(&name, None));
    assert_eq!(back.version(), created.version());
    assert_eq!(back.x(), created.x());

    ok(keys.delete(&name));
    ok(keys.wait_deleted(&name, 30_000));
    ok(keys.purge(&name));
    expect_status(keys.get_deleted(&name).map(|_| ()), KV_STATUS_KEY_NOT_FOUND);
    assert!(!ok(keys.list_deleted()).iter().any(|k| k.name() == name));
    ok(keys.create(&name, KV_KEY_TYPE_EC, None));
}

/// What a client that does not wait meets: the stand-in (like the real service) is still moving
/// the key when delete and recover return. Only asserted against the stand-in started here, whose
/// delay is known to be non-zero.
#[test]
fn without_the_waits_the_vault_answers_404_and_409() {
    if !vault().delays_deletes {
        eprintln!("without_the_waits_the_vault_answers_404_and_409: not asserted (external vault or TESTVAULT_DELETE_DELAY_MS=0)");
        return;
    }
    let c = client();
    let keys = KeyApi(&c);
    let name = unique("nowait");
    ok(keys.import_jwk(&name, EC_JWK, None));
    ok(keys.delete(&name));
    let e = expect_status(keys.get_deleted(&name).map(|_| ()), KV_STATUS_KEY_NOT_FOUND);
    assert!(e.message.contains("Deleted Key not found"), "{}", e.message);
    let e = expect_status(keys.purge(&name), KV_STATUS_OBJECT_IS_BEING_DELETED);
    assert_eq!((e.http_status, e.inner_code.as_str()), (409, "ObjectIsBeingDeleted"));
    expect_status(keys.recover(&name).map(|_| ()), KV_STATUS_OBJECT_IS_BEING_DELETED);
    let e = expect_status(keys.wait_deleted(&name, 1), KV_STATUS_TIMEOUT);
    assert!(e.message.contains("deadline of 1 ms"), "{}", e.message);
    ok(keys.wait_deleted(&name, 30_000));
    ok(keys.recover(&name));
    expect_status(keys.get(&name, None).map(|_| ()), KV_STATUS_KEY_NOT_FOUND);
    ok(keys.wait_recovered(&name, 30_000));
    ok(keys.get(&name, None));
}

#[test]
fn backup_purge_restore_keeps_every_version() {
    let c = client();
    let keys = KeyApi(&c);
    let name = unique("backup");
    let v1 = ok(keys.create(&name, KV_KEY_TYPE_RSA, Some(&KeyOptions::new().key_size(2048))));
    let v2 = ok(keys.rotate(&name));
    let blob = ok(keys.backup(&name));
    assert!(blob.len() > 100);
    expect_status(keys.restore(&blob).map(|_| ()), KV_STATUS_CONFLICT);

    ok(keys.delete(&name));
    ok(keys.wait_deleted(&name, 30_000));
    ok(keys.purge(&name));
    let restored = ok(keys.restore(&blob));
    assert_eq!(restored.name(), name);
    assert_eq!(restored.version(), v2.version());
    assert_eq!(ok(keys.get(&name, Some(&v1.version()))).n(), v1.n());
    assert_eq!(ok(keys.get(&name, None)).n(), v2.n());
    let mut versions: Vec<String> = ok(keys.list_versions(&name)).iter().map(|k| k.version()).collect();
    versions.sort();
    let mut expected = vec![v1.version(), v2.version()];
    expected.sort();
    assert_eq!(versions, expected);
    expect_status(keys.restore(b"not a backup").map(|_| ()), KV_STATUS_BAD_PARAMETER);
}

#[test]
fn rotate_gives_a_new_version_of_the_same_kind() {
    let c = client();
    let keys = KeyApi(&c);
    let name = unique("rotate");
    let v1 =
        ok(keys.create(&name, KV_KEY_TYPE_RSA_HSM, Some(&KeyOptions::new().key_size(3072).op("sign").tag("t", "1"))));
    let v2 = ok(keys.rotate(&name));
    assert_ne!(v2.version(), v1.version());
    assert_ne!(v2.n(), v1.n(), "new key material");
    assert_eq!((v2.kty(), v2.n().len(), v2.ops(), v2.tags()), (v1.kty(), v1.n().len(), v1.ops(), v1.tags()));
    assert_eq!(ok(keys.get(&name, None)).version(), v2.version());
    assert_eq!(ok(keys.list_versions(&name)).len(), 2);
    expect_status(keys.rotate(&unique("missing")).map(|_| ()), KV_STATUS_KEY_NOT_FOUND);
}

#[test]
fn rotation_policy_round_trip() {
    let c = client();
    let keys = KeyApi(&c);
    let name = unique("policy");
    let original = ok(keys.create(&name, KV_KEY_TYPE_EC, None));
    let policy = RotationPolicy::new().expiry("P90D").action(KV_KEY_ROTATION_ACTION_ROTATE, Some("P30D"), None).action(
        KV_KEY_ROTATION_ACTION_NOTIFY,
        None,
        Some("P7D"),
    );
    assert_eq!(policy.id(), "", "a new policy has no id");
    assert_eq!(policy.actions().len(), 2);
    let stored = ok(keys.update_policy(&name, &policy));
    assert!(stored.id().ends_with(&format!("/keys/{name}/rotationpolicy")), "{}", stored.id());
    assert_eq!(stored.expiry_time(), "P90D");
    let expected = vec![
        (KV_KEY_ROTATION_ACTION_ROTATE, "P30D".to_owned(), String::new()),
        (KV_KEY_ROTATION_ACTION_NOTIFY, String::new(), "P7D".to_owned()),
    ];
    assert_eq!(stored.actions(), expected);
    assert!(stored.created() > 1_600_000_000 && stored.updated() >= stored.created());

    let got = ok(keys.get_policy(&name));
    assert_eq!((got.id(), got.expiry_time(), got.actions()), (stored.id(), stored.expiry_time(), expected));

    // Rotation makes a new version; kv reports the expiry the vault set for it (computing it
    // from the policy is the vault's job: tools/testvault/test_keys.py checks the stand-in's).
    let rotated = ok(keys.rotate(&name));
    assert_ne!(rotated.version(), original.version());
    assert!(rotated.expires() > 0, "the policy's expiry reached the new version");
    assert_eq!(ok(keys.get(&name, Some(&rotated.version()))).expires(), rotated.expires());

    // Replacing the policy with one without actions.
    let cleared = ok(keys.update_policy(&name, &RotationPolicy::new().expiry("P1Y")));
    assert!(cleared.actions().is_empty());
    assert_eq!(cleared.expiry_time(), "P1Y");
    expect_status(keys.get_policy(&unique("missing")).map(|_| ()), KV_STATUS_KEY_NOT_FOUND);
}

#[test]
fn random_bytes() {
    let c = client();
    let keys = KeyApi(&c);
    for n in [1u32, 32, 128] {
        assert_eq!(ok(keys.random(n)).len(), n as usize);
    }
    assert_ne!(ok(keys.random(32)), ok(keys.random(32)));
}

fn release_policy_json() -> Vec<u8> {
    serde_json::to_vec(&json!({"version": "1.0.0", "anyOf": [{"authority": "https://attest.example", "allOf": [{"claim": "x-ms-sevsnpvm-is-debuggable", "equals": "false"}]}]})).unwrap()
}

fn jws_payload(jws: &str) -> Value {
    let parts: Vec<&str> = jws.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS has three parts: {jws}");
    serde_json::from_slice(&b64url(parts[1])).expect("JSON payload")
}

#[test]
fn release_happy_path_and_refusals() {
    let c = client();
    let keys = KeyApi(&c);
    let name = unique("release");
    let policy = release_policy_json();
    let opts = KeyOptions::new().key_size(2048).exportable(true).release_policy(&policy, None, false);
    let k = ok(keys.create(&name, KV_KEY_TYPE_RSA_HSM, Some(&opts)));
    assert!(k.exportable());
    assert_eq!(k.release_policy(), policy);
    assert_eq!(k.release_policy_content_type(), "application/json; charset=utf-8");
    assert!(!k.release_policy_immutable());

    let value = ok(keys.release(
        &name,
        None,
        "attestation-token",
        Some("nonce-1"),
        KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_256,
    ));
    // The vault's JWS comes back as sent (three base64url parts); what kv sends (target, nonce,
    // enc, and no enc for NONE) is asserted on the wire by the scripted test of every operation.
    assert_eq!(value.split('.').count(), 3, "{value}");
    assert!(jws_payload(&value).is_object());
    let by_version =
        ok(keys.release(&name, Some(&k.version()), "attestation-token", None, KV_KEY_RELEASE_ALGORITHM_NONE));
    assert_eq!(by_version.split('.').count(), 3);

    // A key that is not exportable is refused by the vault.
    let plain = unique("no-release");
    ok(keys.create(&plain, KV_KEY_TYPE_RSA_HSM, None));
    let err = expect_status(
        keys.release(&plain, None, "attestation-token", None, KV_KEY_RELEASE_ALGORITHM_NONE).map(|_| ()),
        KV_STATUS_FORBIDDEN,
    );
    assert_eq!(err.http_status, 403);
    // An exportable key needs a release policy.
    expect_status(
        keys.create(&unique("no-policy"), KV_KEY_TYPE_RSA_HSM, Some(&KeyOptions::new().exportable(true))).map(|_| ()),
        KV_STATUS_BAD_PARAMETER,
    );
    // Immutable policies and custom content types round-trip.
    let k = ok(keys.create(
        &unique("immutable"),
        KV_KEY_TYPE_EC_HSM,
        Some(&KeyOptions::new().exportable(true).release_policy(&policy, Some("application/json"), true)),
    ));
    assert!(k.release_policy_immutable());
    assert_eq!(k.release_policy_content_type(), "application/json");
}

#[test]
fn attestation_of_hsm_and_software_keys() {
    let c = client();
    let keys = KeyApi(&c);
    let name = unique("attest");
    let k = ok(keys.create(&name, KV_KEY_TYPE_RSA_HSM, None));
    let a = ok(keys.attestation(&name, None));
    assert_eq!(a.version(), k.version());
    assert!(!a.attestation_version().is_empty(), "the vault's attestation version is surfaced");
    assert!(!a.attestation_private().is_empty() && !a.attestation_public().is_empty());
    assert!(a.attestation_certificate().starts_with(b"-----BEGIN CERTIFICATE-----"));
    assert_eq!(ok(keys.attestation(&name, Some(&k.version()))).attestation_private(), a.attestation_private());
    assert!(k.attestation_private().is_empty(), "a plain get carries no attestation");

    let soft = unique("attest-soft");
    ok(keys.create(&soft, KV_KEY_TYPE_EC, None));
    let a = ok(keys.attestation(&soft, None));
    assert_eq!(a.attestation_version(), "");
    assert!(a.attestation_private().is_empty() && a.attestation_certificate().is_empty());
}

#[test]
fn verb_override_works_for_keys() {
    let v = vault();
    let c = Client::new(&v.url, &v.token, &v.options().method_override(true)).unwrap();
    let keys = KeyApi(&c);
    let name = unique("override");
    ok(keys.import_jwk(&name, EC_JWK, None));
    ok(keys.update(&name, None, &KeyOptions::new().tag("over", "ridden")));
    assert_eq!(ok(keys.get(&name, None)).tag("over").as_deref(), Some("ridden"));
    ok(keys.update_policy(&name, &RotationPolicy::new().expiry("P60D")));
    ok(keys.delete(&name));
    expect_status(keys.get(&name, None).map(|_| ()), KV_STATUS_KEY_NOT_FOUND);
}

// =================================================================================================
// Against the scripted server
// =================================================================================================

const TOKEN: &str = "tok-keys";
const VERSION: &str = "0123456789abcdef0123456789abcdef";

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
    let client = Client::new(
        &server.url(),
        TOKEN,
        &Options::new().ca_file(&server.ca_file().to_string_lossy()).retries(0, 10, 50),
    )
    .expect("client");
    (server, client)
}

fn authorized(server: &ScriptedServer) -> Vec<RecordedRequest> {
    server.requests().into_iter().filter(|r| r.header("authorization").is_some()).collect()
}

fn origin(req: &RecordedRequest) -> String {
    format!("https://{}", req.header("host").expect("Host"))
}

fn body(req: &RecordedRequest) -> Value {
    serde_json::from_slice(&req.body)
        .unwrap_or_else(|e| panic!("request body is JSON ({e}): {:?}", String::from_utf8_lossy(&req.body)))
}

/// A KeyBundle reply for `name` with the given JWK members.
fn bundle(req: &RecordedRequest, name: &str, jwk: Value) -> Reply {
    let mut key = json!({"kid": format!("{}/keys/{name}/{VERSION}", origin(req))});
    key.as_object_mut().unwrap().extend(jwk.as_object().unwrap().clone());
    let b = json!({"key": key, "attributes": {"enabled": true, "created": 1_700_000_000, "updated": 1_700_000_001, "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90}});
    Reply::json(200, &b.to_string())
}

fn key_not_found(name: &str) -> Reply {
    Reply::json(
        404,
        &json!({"error": {"code": "KeyNotFound", "message": format!("Deleted Key not found: {name}")}}).to_string(),
    )
}

/// The path without the query.
fn path(req: &RecordedRequest) -> String {
    req.path().to_owned()
}

#[test]
fn create_sends_the_documented_body() {
    let (server, c) = scripted(|_, req| {
        bundle(req, "k1", json!({"kty": "RSA-HSM", "n": "AQID", "e": "AQAB", "key_ops": ["sign", "verify"]}))
    });
    let keys = KeyApi(&c);
    let opts = KeyOptions::new()
        .key_size(3072)
        .public_exponent(3)
        .op("sign")
        .op("verify")
        .enabled(true)
        .not_before(10)
        .expires(20)
        .exportable(true)
        .tag("a", "b")
        .release_policy(b"{\"anyOf\":[]}", Some("application/json"), true);
    let k = ok(keys.create("k1", KV_KEY_TYPE_RSA_HSM, Some(&opts)));
    let reqs = authorized(&server);
    assert_eq!(reqs.len(), 1);
    assert_eq!((reqs[0].method.as_str(), path(&reqs[0]).as_str()), ("POST", "/keys/k1/create"));
    assert_eq!(reqs[0].query_param("api-version").as_deref(), Some("2025-07-01"));
    assert_eq!(
        body(&reqs[0]),
        json!({
            "kty": "RSA-HSM", "key_size": 3072, "public_exponent": 3, "key_ops": ["sign", "verify"],
            "attributes": {"enabled": true, "nbf": 10, "exp": 20, "exportable": true},
            "tags": {"a": "b"},
            "release_policy": {"contentType": "application/json", "immutable": true, "data": URL_SAFE_NO_PAD.encode(b"{\"anyOf\":[]}")}
        })
    );
    // The reply's fields through the accessors.
    assert_eq!(
        (k.kty(), k.n(), k.e(), k.ops()),
        ("RSA-HSM".to_owned(), vec![1, 2, 3], vec![1, 0, 1], vec!["sign".to_owned(), "verify".to_owned()])
    );
    assert_eq!((k.name(), k.version()), ("k1".to_owned(), VERSION.to_owned()));
    assert_eq!((k.created(), k.updated(), k.recoverable_days()), (1_700_000_000, 1_700_000_001, 90));

    // EC: the curve's wire name, nothing else; no options: only kty.
    ok(keys.create("k1", KV_KEY_TYPE_EC_HSM, Some(&KeyOptions::new().curve(KV_KEY_CURVE_P256K))));
    ok(keys.create("k1", KV_KEY_TYPE_OCT, None));
    let reqs = authorized(&server);
    assert_eq!(body(&reqs[1]), json!({"kty": "EC-HSM", "crv": "P-256K"}));
    assert_eq!(body(&reqs[2]), json!({"kty": "oct"}));
    // `out` may be NULL.
    let name = c_str("k1");
    call(|e| kv_client_create_key(c.0, name.as_ptr(), KV_KEY_TYPE_EC, null(), null_mut(), e)).unwrap();
}

fn c_str(s: &str) -> std::ffi::CString {
    support::capi::c(s)
}

#[test]
fn import_update_and_other_calls_use_the_documented_paths() {
    let (server, c) = scripted(|_, req| {
        match (req.method.as_str(), req.path()) {
        ("POST", "/rng") => Reply::json(200, &json!({"value": URL_SAFE_NO_PAD.encode([7u8; 16])}).to_string()),
        ("POST", p) if p.ends_with("/backup") => Reply::json(200, &json!({"value": URL_SAFE_NO_PAD.encode(b"opaque-backup")}).to_string()),
        ("POST", p) if p.ends_with("/release") => Reply::json(200, r#"{"value":"aGVhZGVy.cGF5bG9hZA.c2ln"}"#),
        ("DELETE", p) if p.starts_with("/deletedkeys/") => Reply::empty(204),
        (_, p) if p.ends_with("/rotationpolicy") => Reply::json(200, &json!({"id": format!("{}/keys/k/rotationpolicy", origin(req)), "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "notify"}}], "attributes": {"expiryTime": "P2Y", "created": 5, "updated": 6}}).to_string()),
        (_, p) if p.starts_with("/deletedkeys/") || req.method == "DELETE" => {
            let mut b = json!({"key": {"kid": format!("{}/keys/k/{VERSION}", origin(req)), "kty": "EC", "crv": "P-256", "x": "AQ", "y": "Ag"}, "attributes": {"enabled": true}});
            b["recoveryId"] = json!(format!("{}/deletedkeys/k", origin(req)));
            b["deletedDate"] = json!(100);
            b["scheduledPurgeDate"] = json!(200);
            Reply::json(200, &b.to_string())
        }
        _ => bundle(req, "k", json!({"kty": "EC", "crv": "P-256", "x": "AQ", "y": "Ag"})),
    }
    });
    let keys = KeyApi(&c);
    let opts = KeyOptions::new().hsm(true).op("sign").tag("t", "v");
    ok(keys.import_jwk("k", EC_JWK, Some(&opts)));
    ok(keys.update("k", None, &KeyOptions::new().enabled(false)));
    ok(keys.update("k", Some(VERSION), &KeyOptions::new().exportable(true)));
    ok(keys.get("k", None));
    ok(keys.get("k", Some(VERSION)));
    let deleted = ok(keys.delete("k"));
    assert_eq!((deleted.deleted_date(), deleted.scheduled_purge_date()), (100, 200));
    assert!(deleted.recovery_id().ends_with("/deletedkeys/k"));
    assert_eq!(deleted.version(), VERSION, "name and version come from key.kid");
    ok(keys.get_deleted("k"));
    ok(keys.recover("k"));
    ok(keys.purge("k"));
    assert_eq!(ok(keys.backup("k")), b"opaque-backup");
    ok(keys.restore(b"opaque-backup"));
    ok(keys.rotate("k"));
    assert_eq!(ok(keys.random(16)), vec![7u8; 16]);
    assert_eq!(
        ok(keys.release("k", None, "tok", Some("n"), KV_KEY_RELEASE_ALGORITHM_CKM_RSA_AES_KEY_WRAP)),
        "aGVhZGVy.cGF5bG9hZA.c2ln"
    );
    ok(keys.attestation("k", Some(VERSION)));
    let policy = ok(keys.get_policy("k"));
    assert_eq!(
        policy.actions(),
        vec![(KV_KEY_ROTATION_ACTION_NOTIFY, String::new(), "P30D".to_owned())],
        "action types compare case-insensitively"
    );
    assert_eq!((policy.expiry_time(), policy.created(), policy.updated()), ("P2Y".to_owned(), 5, 6));
    ok(keys.update_policy(
        "k",
        &RotationPolicy::new().expiry("P2Y").action(KV_KEY_ROTATION_ACTION_ROTATE, Some("P1Y"), None),
    ));
    ok(keys.release("k", Some(VERSION), "tok2", None, KV_KEY_RELEASE_ALGORITHM_NONE));

    let reqs = authorized(&server);
    let seen: Vec<(String, String)> = reqs.iter().map(|r| (r.method.clone(), path(r))).collect();
    let expected: Vec<(&str, &str)> = vec![
        ("PUT", "/keys/k"),
        ("PATCH", "/keys/k/"),
        ("PATCH", "/keys/k/0123456789abcdef0123456789abcdef"),
        ("GET", "/keys/k/"),
        ("GET", "/keys/k/0123456789abcdef0123456789abcdef"),
        ("DELETE", "/keys/k"),
        ("GET", "/deletedkeys/k"),
        ("POST", "/deletedkeys/k/recover"),
        ("DELETE", "/deletedkeys/k"),
        ("POST", "/keys/k/backup"),
        ("POST", "/keys/restore"),
        ("POST", "/keys/k/rotate"),
        ("POST", "/rng"),
        ("POST", "/keys/k//release"),
        ("GET", "/keys/k/0123456789abcdef0123456789abcdef/attestation"),
        ("GET", "/keys/k/rotationpolicy"),
        ("PUT", "/keys/k/rotationpolicy"),
        ("POST", "/keys/k/0123456789abcdef0123456789abcdef/release"),
    ];
    assert_eq!(seen, expected.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect::<Vec<_>>());

    let import = body(&reqs[0]);
    let mut expected_key: Value = serde_json::from_str(EC_JWK).unwrap();
    expected_key["key_ops"] = json!(["sign"]);
    assert_eq!(
        import,
        json!({"Hsm": true, "key": expected_key, "tags": {"t": "v"}}),
        "the JWK goes out with its private members"
    );
    assert_eq!(body(&reqs[1]), json!({"attributes": {"enabled": false}}));
    assert_eq!(body(&reqs[2]), json!({"attributes": {"exportable": true}}));
    assert_eq!(body(&reqs[10]), json!({"value": URL_SAFE_NO_PAD.encode(b"opaque-backup")}));
    assert_eq!(body(&reqs[12]), json!({"count": 16}));
    assert_eq!(body(&reqs[13]), json!({"target": "tok", "nonce": "n", "enc": "CKM_RSA_AES_KEY_WRAP"}));
    assert_eq!(body(&reqs[17]), json!({"target": "tok2"}), "NONE sends no enc, and no nonce unless given");
    assert_eq!(
        body(&reqs[16]),
        json!({"lifetimeActions": [{"trigger": {"timeAfterCreate": "P1Y"}, "action": {"type": "Rotate"}}], "attributes": {"expiryTime": "P2Y"}})
    );
}

#[test]
fn paging_follows_next_links_for_keys() {
    let (server, c) = scripted(|_, req| {
        let o = origin(req);
        let item = |n: &str| json!({"kid": format!("{o}/keys/{n}"), "attributes": {"enabled": true}, "tags": {"p": n}});
        match req.query_param("$skiptoken").as_deref() {
            None => Reply::json(200, &json!({"value": [item("a"), item("b")], "nextLink": format!("{o}/keys?api-version=2025-07-01&$skiptoken=2")}).to_string()),
            Some("2") => Reply::json(200, &json!({"value": [], "nextLink": format!("{o}/keys?api-version=2025-07-01&$skiptoken=3")}).to_string()),
            _ => Reply::json(200, &json!({"value": [item("c")], "nextLink": null}).to_string()),
        }
    });
    let items = ok(KeyApi(&c).list());
    assert_eq!(items.iter().map(|k| k.name()).collect::<Vec<_>>(), vec!["a", "b", "c"]);
    assert_eq!(items[2].tag("p").as_deref(), Some("c"));
    assert_eq!(items[0].version(), "");
    assert_eq!(authorized(&server).len(), 3);
}

#[test]
fn wait_for_deleted_key_polls_through_404_and_treats_403_as_done() {
    // 404, 404, then 200: three polls with growing pauses.
    let (server, c) =
        scripted(|i, req| if i < 2 { key_not_found("gone") } else { bundle(req, "gone", json!({"kty": "EC"})) });
    let start = Instant::now();
    ok(KeyApi(&c).wait_deleted("gone", 30_000));
    let reqs = authorized(&server);
    assert_eq!(reqs.len(), 3);
    assert!(reqs.iter().all(|r| r.method == "GET" && r.path() == "/deletedkeys/gone"));
    assert!(start.elapsed() >= Duration::from_millis(550), "200 ms then 400 ms between polls: {:?}", start.elapsed());

    // 403 while polling means "no get permission": done.
    let (server, c) = scripted(|_, _| {
        Reply::json(
            403,
            r#"{"error":{"code":"Forbidden","message":"no get permission","innererror":{"code":"AccessDenied"}}}"#,
        )
    });
    ok(KeyApi(&c).wait_deleted("gone", 30_000));
    assert_eq!(authorized(&server).len(), 1);

    // Recovery polls the live collection.
    let (server, c) =
        scripted(|i, req| if i == 0 { key_not_found("back") } else { bundle(req, "back", json!({"kty": "EC"})) });
    ok(KeyApi(&c).wait_recovered("back", 30_000));
    let reqs = authorized(&server);
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|r| r.method == "GET" && r.path() == "/keys/back/"));
}

#[test]
fn wait_for_deleted_key_times_out_and_stops_on_other_errors() {
    let (server, c) = scripted(|_, _| key_not_found("slow"));
    let start = Instant::now();
    let e = expect_status(KeyApi(&c).wait_deleted("slow", 700), KV_STATUS_TIMEOUT);
    let took = start.elapsed();
    assert!(
        e.message.starts_with("wait for deletion of key 'slow': not finished by the deadline of 700 ms"),
        "{}",
        e.message
    );
    assert!(took >= Duration::from_millis(700), "the wait lasts until its deadline: {took:?}");
    // The pauses between polls, measured where the polls arrive (not from the start, which
    // includes the handshake and the challenge): 200 ms, then 400 ms, then what is left until
    // the deadline, where the last poll happens; never more polls than that.
    let polls = authorized(&server);
    assert!(polls.len() >= 2, "{} polls", polls.len());
    let gaps: Vec<Duration> = polls.windows(2).map(|w| w[1].received_at - w[0].received_at).collect();
    assert!(gaps.len() <= 3, "no poll after the deadline: pauses {gaps:?}");
    for (gap, min) in gaps.iter().zip([200, 400]).take(gaps.len() - 1) {
        assert!(*gap >= Duration::from_millis(min - 10), "pauses {gaps:?}");
    }

    // A timeout of 0 polls exactly once.
    let (server, c) = scripted(|_, _| key_not_found("slow"));
    expect_status(KeyApi(&c).wait_deleted("slow", 0), KV_STATUS_TIMEOUT);
    assert_eq!(authorized(&server).len(), 1);

    // Any other error ends the wait with that error.
    let (server, c) =
        scripted(|_, _| Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"token rejected"}}"#));
    expect_status(KeyApi(&c).wait_deleted("x", 30_000), KV_STATUS_UNAUTHORIZED);
    assert!(authorized(&server).len() <= 2);
    let (server, c) = scripted(|_, _| Reply::json(400, r#"{"error":{"code":"BadParameter","message":"no"}}"#));
    expect_status(KeyApi(&c).wait_recovered("x", 30_000), KV_STATUS_BAD_PARAMETER);
    assert_eq!(authorized(&server).len(), 1);
}

#[test]
fn replies_with_missing_or_wrong_values_are_unparseable() {
    let (_server, c) = scripted(|_, req| match req.path() {
        "/rng" => Reply::json(200, &json!({"value": URL_SAFE_NO_PAD.encode([1u8; 3])}).to_string()),
        _ => Reply::json(200, "{}"),
    });
    let keys = KeyApi(&c);
    expect_status(keys.random(4).map(|_| ()), KV_STATUS_UNPARSEABLE_RESPONSE);
    expect_status(
        keys.release("k", None, "t", None, KV_KEY_RELEASE_ALGORITHM_NONE).map(|_| ()),
        KV_STATUS_UNPARSEABLE_RESPONSE,
    );
    expect_status(keys.backup("k").map(|_| ()), KV_STATUS_UNPARSEABLE_RESPONSE);
}

#[test]
fn attestation_and_hsm_fields_are_exposed() {
    let (_server, c) = scripted(|_, req| {
        let b = json!({
            "key": {"kid": format!("{}/keys/h/{VERSION}", origin(req)), "kty": "RSA-HSM", "n": "AQAB", "e": "AQAB"},
            "attributes": {"enabled": true, "exportable": true, "hsmPlatform": "2", "attestation": {
                "certificatePemFile": URL_SAFE_NO_PAD.encode(b"-----BEGIN CERTIFICATE-----"),
                "privateKeyAttestation": URL_SAFE_NO_PAD.encode(b"priv"),
                "publicKeyAttestation": URL_SAFE_NO_PAD.encode(b"pub"),
                "version": "1.0.0"}},
            "managed": true,
            "release_policy": {"contentType": "application/json; charset=utf-8", "immutable": false, "data": URL_SAFE_NO_PAD.encode(b"{}")}
        });
        Reply::json(200, &b.to_string())
    });
    let k = ok(KeyApi(&c).attestation("h", None));
    assert_eq!(k.hsm_platform(), "2");
    assert_eq!(k.attestation_version(), "1.0.0");
    assert_eq!((k.attestation_private(), k.attestation_public()), (b"priv".to_vec(), b"pub".to_vec()));
    assert_eq!(k.attestation_certificate(), b"-----BEGIN CERTIFICATE-----");
    assert!(k.managed() && k.exportable());
    assert_eq!(k.release_policy(), b"{}");
    assert_eq!(k.release_policy_content_type(), "application/json; charset=utf-8");
}

/// A server that must never be reached.
fn untouchable() -> (ScriptedServer, Client) {
    let server = ScriptedServer::start(|_, _| {
        Reply::json(500, r#"{"error":{"code":"ShouldNotBeCalled","message":"no request expected"}}"#)
    });
    let client =
        Client::new(&server.url(), "tok", &Options::new().ca_file(&server.ca_file().to_string_lossy())).unwrap();
    (server, client)
}

const SENTINEL: usize = 0x5e17;

#[test]
fn invalid_names_are_refused_before_any_request() {
    let (server, c) = untouchable();
    let keys = KeyApi(&c);
    for bad in ["", "has space", "under_score", "dots.are.bad", "slash/inside", "../etc", &"a".repeat(128)] {
        expect_status(keys.create(bad, KV_KEY_TYPE_RSA, None).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.import_jwk(bad, EC_JWK, None).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.import_pem(bad, EC_PEM.as_bytes(), None).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.get(bad, None).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.update(bad, None, &KeyOptions::new()).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.delete(bad).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.get_deleted(bad).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.recover(bad).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.purge(bad), KV_STATUS_INVALID_NAME);
        expect_status(keys.backup(bad).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.rotate(bad).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.list_versions(bad).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.wait_deleted(bad, 1000), KV_STATUS_INVALID_NAME);
        expect_status(keys.wait_recovered(bad, 1000), KV_STATUS_INVALID_NAME);
        expect_status(keys.release(bad, None, "t", None, 0).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.attestation(bad, None).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.get_policy(bad).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.update_policy(bad, &RotationPolicy::new()).map(|_| ()), KV_STATUS_INVALID_NAME);
    }
    for bad_version in ["v/1", "a b", "..", "x?y"] {
        expect_status(keys.get("fine", Some(bad_version)).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.update("fine", Some(bad_version), &KeyOptions::new()).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.release("fine", Some(bad_version), "t", None, 0).map(|_| ()), KV_STATUS_INVALID_NAME);
        expect_status(keys.attestation("fine", Some(bad_version)).map(|_| ()), KV_STATUS_INVALID_NAME);
    }
    let bad_utf8 = b"caf\xe9\0";
    let mut out = SENTINEL as *mut kv_key;
    expect_status(
        call(|e| kv_client_get_key(c.0, bad_utf8.as_ptr().cast(), null(), &mut out, e)),
        KV_STATUS_INVALID_UTF8,
    );
    assert_eq!(out as usize, SENTINEL, "outputs are untouched on failure");
    assert_eq!(server.request_count(), 0, "nothing reached the wire");
}

#[test]
fn bad_enum_values_and_arguments_are_invalid_argument_before_any_request() {
    let (server, c) = untouchable();
    let keys = KeyApi(&c);
    let mut out = SENTINEL as *mut kv_key;
    let name = c_str("fine");
    for kty in [0u32, 7, 42, u32::MAX] {
        let e = expect_status(
            call(|e| kv_client_create_key(c.0, name.as_ptr(), kty, null(), &mut out, e)),
            KV_STATUS_INVALID_ARGUMENT,
        );
        assert!(e.message.contains("kv_key_type"), "{}", e.message);
    }
    let o = KeyOptions::new();
    for curve in [5u32, 99, u32::MAX] {
        expect_status(call(|e| kv_key_options_set_curve(o.0, curve, e)), KV_STATUS_INVALID_ARGUMENT);
    }
    let mut blob = SENTINEL as *mut kv::ffi::secrets::kv_blob;
    for enc in [4u32, 77, u32::MAX] {
        let target = c_str("t");
        expect_status(
            call(|e| kv_client_release_key(c.0, name.as_ptr(), null(), target.as_ptr(), null(), enc, &mut blob, e)),
            KV_STATUS_INVALID_ARGUMENT,
        );
    }
    let p = RotationPolicy::new();
    for action in [0u32, 3, u32::MAX] {
        expect_status(p.try_action(action, Some("P30D"), None), KV_STATUS_INVALID_ARGUMENT);
    }
    // Rotation policy contents.
    expect_status(p.try_action(KV_KEY_ROTATION_ACTION_ROTATE, None, None), KV_STATUS_INVALID_ARGUMENT);
    expect_status(p.try_action(KV_KEY_ROTATION_ACTION_ROTATE, Some("P1D"), Some("P2D")), KV_STATUS_INVALID_ARGUMENT);
    expect_status(p.try_action(KV_KEY_ROTATION_ACTION_ROTATE, Some("90 days"), None), KV_STATUS_INVALID_ARGUMENT);
    expect_status(p.try_action(KV_KEY_ROTATION_ACTION_NOTIFY, Some("P30D"), None), KV_STATUS_INVALID_ARGUMENT);
    expect_status(p.try_expiry(Some("2 years")), KV_STATUS_INVALID_ARGUMENT);
    assert_eq!(p.actions().len(), 0, "a refused action is not added");
    ok(p.try_expiry(Some("P2Y")));
    ok(p.try_expiry(None));
    assert_eq!(p.expiry_time(), "");
    // Random byte counts.
    for count in [0u32, 129, u32::MAX] {
        expect_status(call(|e| kv_client_get_random_bytes(c.0, count, &mut blob, e)), KV_STATUS_INVALID_ARGUMENT);
    }
    // Options.
    expect_status(call(|e| kv_key_options_set_key_size(o.0, 0, e)), KV_STATUS_INVALID_ARGUMENT);
    for exp in [0u32, 1, 2, 65536] {
        expect_status(call(|e| kv_key_options_set_public_exponent(o.0, exp, e)), KV_STATUS_INVALID_ARGUMENT);
    }
    for op in ["wrapkey", "Sign", "", "delete"] {
        let op = c_str(op);
        expect_status(call(|e| kv_key_options_add_operation(o.0, op.as_ptr(), e)), KV_STATUS_INVALID_ARGUMENT);
    }
    expect_status(
        call(|e| kv_key_options_set_release_policy(o.0, b"".as_ptr(), 0, null(), false, e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
    // Parameters that do not fit the key type.
    for (kty, opts) in [
        (KV_KEY_TYPE_RSA, KeyOptions::new().key_size(1024)),
        (KV_KEY_TYPE_RSA, KeyOptions::new().curve(KV_KEY_CURVE_P256)),
        (KV_KEY_TYPE_EC, KeyOptions::new().key_size(2048)),
        (KV_KEY_TYPE_EC, KeyOptions::new().public_exponent(65537)),
        (KV_KEY_TYPE_OCT_HSM, KeyOptions::new().key_size(512)),
        (KV_KEY_TYPE_RSA, KeyOptions::new().hsm(true)),
        (KV_KEY_TYPE_EC, KeyOptions::new().not_before(20).expires(10)),
    ] {
        expect_status(keys.create("fine", kty, Some(&opts)).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
    }
    let mut many = KeyOptions::new();
    for i in 0..16 {
        many = many.tag(&format!("t{i}"), "v");
    }
    expect_status(keys.create("fine", KV_KEY_TYPE_EC, Some(&many)).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
    // Options that do not apply to import or update.
    expect_status(
        keys.import_jwk("fine", EC_JWK, Some(&KeyOptions::new().key_size(2048))).map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
    expect_status(
        keys.import_pem("fine", EC_PEM.as_bytes(), Some(&KeyOptions::new().curve(KV_KEY_CURVE_P384))).map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
    expect_status(keys.update("fine", None, &KeyOptions::new().hsm(true)).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
    expect_status(
        keys.update("fine", None, &KeyOptions::new().public_exponent(3)).map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
    // JWK text that is not a usable JWK; the private key never appears in the message.
    let secret_d = "ADRDAmVb2EQUWw6fWqygVfs0RF3XBK_YUvq6K8CCyMI";
    for jwk in [
        "not json".to_owned(),
        format!(r#"{{"kty":"EC","crv":"P-256","d":"{secret_d}","key_ops":"{secret_d}"}}"#),
        format!(r#"{{"crv":"P-256","d":"{secret_d}"}}"#),
        format!(r#"{{"kty":"DSA","d":"{secret_d}"}}"#),
        format!(r#"{{"kty":"EC","d":"{secret_d}!!"}}"#),
        format!(r#"{{"kty":"EC","d":"{secret_d}","key_ops":["sign","bogus"]}}"#),
    ] {
        let e = expect_status(keys.import_jwk("fine", &jwk, None).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
        assert!(!e.message.contains(secret_d) && !e.message.contains("ADRDAmVb"), "{}", e.message);
    }
    expect_status(keys.import_pem("fine", b"", None).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
    expect_status(keys.restore(b"").map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
    expect_status(keys.release("fine", None, "", None, 0).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
    assert_eq!(out as usize, SENTINEL);
    assert_eq!(blob as usize, SENTINEL);
    assert_eq!(server.request_count(), 0, "nothing reached the wire");
}

#[test]
fn null_arguments_give_null_argument_and_send_nothing() {
    let (server, c) = untouchable();
    let name = c_str("name");
    let text = c_str("x");
    let o = KeyOptions::new();
    let mut key = SENTINEL as *mut kv_key;
    let mut blob = SENTINEL as *mut kv::ffi::secrets::kv_blob;
    let mut iter = SENTINEL as *mut kv_key_iter;
    let mut policy = SENTINEL as *mut kv_key_rotation_policy;
    let n = name.as_ptr();

    let e = expect_status(
        call(|e| kv_client_create_key(null(), n, KV_KEY_TYPE_RSA, null(), &mut key, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    assert!(e.message.contains("client"), "{}", e.message);
    let e = expect_status(
        call(|e| kv_client_create_key(c.0, null(), KV_KEY_TYPE_RSA, null(), &mut key, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    assert!(e.message.contains("name"), "{}", e.message);
    expect_status(call(|e| kv_client_import_key_jwk(c.0, n, null(), null(), &mut key, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_import_key_pem(c.0, n, null(), 10, null(), &mut key, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_get_key(c.0, n, null(), null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(
        call(|e| kv_client_update_key_properties(c.0, n, null(), null(), &mut key, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(call(|e| kv_client_delete_key(c.0, null(), &mut key, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_get_deleted_key(c.0, n, null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_recover_deleted_key(null(), n, &mut key, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_purge_deleted_key(c.0, null(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_backup_key(c.0, n, null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_restore_key(c.0, null(), 3, &mut key, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_rotate_key(c.0, null(), &mut key, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_list_keys(c.0, null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_list_key_versions(c.0, null(), &mut iter, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_list_deleted_keys(null(), &mut iter, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_key_iter_next(null_mut(), &mut key, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_wait_for_deleted_key(c.0, null(), 10, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_wait_for_recovered_key(null(), n, 10, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_get_random_bytes(c.0, 8, null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(
        call(|e| kv_client_release_key(c.0, n, null(), null(), null(), 0, &mut blob, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(
        call(|e| kv_client_release_key(c.0, n, null(), text.as_ptr(), null(), 0, null_mut(), e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(call(|e| kv_client_get_key_attestation(c.0, n, null(), null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_get_key_rotation_policy(c.0, n, null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(
        call(|e| kv_client_update_key_rotation_policy(c.0, n, null(), &mut policy, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    // Setters.
    expect_status(call(|e| kv_key_options_set_key_size(null_mut(), 2048, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_key_options_set_curve(null_mut(), 1, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_key_options_set_enabled(null_mut(), true, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_key_options_set_hsm(null_mut(), true, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_key_options_add_operation(o.0, null(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_key_options_set_tag(o.0, n, null(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_key_options_clear_tags(null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(
        call(|e| kv_key_options_set_release_policy(o.0, null(), 4, null(), false, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(
        call(|e| kv_key_rotation_policy_set_expiry_time(null_mut(), text.as_ptr(), e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(
        call(|e| {
            kv_key_rotation_policy_add_action(null_mut(), KV_KEY_ROTATION_ACTION_ROTATE, text.as_ptr(), null(), e)
        }),
        KV_STATUS_NULL_ARGUMENT,
    );
    // err_out itself may be NULL.
    assert_eq!(kv_client_get_key(null(), null(), null(), null_mut(), null_mut()), KV_STATUS_NULL_ARGUMENT);
    assert_eq!(
        (key as usize, blob as usize, iter as usize, policy as usize),
        (SENTINEL, SENTINEL, SENTINEL, SENTINEL),
        "outputs are untouched on failure"
    );
    assert_eq!(server.request_count(), 0);
}

#[test]
fn accessors_and_frees_accept_null() {
    let k: *const kv_key = null();
    for s in [
        kv_key_id(k),
        kv_key_name(k),
        kv_key_version(k),
        kv_key_type_name(k),
        kv_key_curve_name(k),
        kv_key_operation(k, 0),
        kv_key_recovery_level(k),
        kv_key_recovery_id(k),
        kv_key_tag_name(k, 0),
        kv_key_tag_value(k, 0),
        kv_key_release_policy_content_type(k),
        kv_key_hsm_platform(k),
        kv_key_attestation_version(k),
    ] {
        assert_eq!(text(s), "");
    }
    for b in [
        kv_key_n(k),
        kv_key_e(k),
        kv_key_x(k),
        kv_key_y(k),
        kv_key_release_policy(k),
        kv_key_attestation_private(k),
        kv_key_attestation_public(k),
        kv_key_attestation_certificate(k),
    ] {
        assert_eq!(blob_bytes(b), Vec::<u8>::new());
    }
    assert_eq!((kv_key_operation_count(k), kv_key_tag_count(k)), (0, 0));
    assert!(!kv_key_enabled(k) && !kv_key_exportable(k) && !kv_key_managed(k) && !kv_key_release_policy_immutable(k));
    assert_eq!(
        [
            kv_key_created(k),
            kv_key_updated(k),
            kv_key_not_before(k),
            kv_key_expires(k),
            kv_key_deleted_date(k),
            kv_key_scheduled_purge_date(k)
        ],
        [0; 6]
    );
    assert_eq!(kv_key_recoverable_days(k), 0);
    assert!(!kv_key_tag_get(k, null(), null_mut()));
    let p: *const kv_key_rotation_policy = null();
    assert_eq!(
        (text(kv_key_rotation_policy_id(p)), text(kv_key_rotation_policy_expiry_time(p))),
        (String::new(), String::new())
    );
    assert_eq!((kv_key_rotation_policy_action_count(p), kv_key_rotation_policy_action_type(p, 0)), (0, 0));
    assert_eq!(text(kv_key_rotation_policy_action_time_after_create(p, 0)), "");
    assert_eq!(text(kv_key_rotation_policy_action_time_before_expiry(p, 0)), "");
    assert_eq!((kv_key_rotation_policy_created(p), kv_key_rotation_policy_updated(p)), (0, 0));
    kv_key_free(null_mut());
    kv_key_iter_free(null_mut());
    kv_key_options_free(null_mut());
    kv_key_rotation_policy_free(null_mut());
    // Out-of-range indexes on a live policy.
    let policy = RotationPolicy::new().action(KV_KEY_ROTATION_ACTION_ROTATE, Some("P30D"), None);
    assert_eq!(kv_key_rotation_policy_action_type(policy.0, 1), 0);
    assert_eq!(text(kv_key_rotation_policy_action_time_after_create(policy.0, 5)), "");
    assert_eq!(policy.actions(), vec![(KV_KEY_ROTATION_ACTION_ROTATE, "P30D".to_owned(), String::new())]);
}
