//! Replays the fuzz targets' seed corpora (`fuzz/corpus/<target>/`) and every input a fuzzer
//! ever failed on (`fuzz/regressions/<target>/`) through the same checks the fuzz targets run
//! (`kv::fuzzing`), plus named tests for each bug fuzzing found. The fuzzing itself is
//! `scripts/fuzz.sh` (not part of the test run).

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "fuzz input {} fails the {target} checks", path.display());
            count += 1;
        }
    }
    assert!(count > 0, "no inputs for the {target} target under {}", root.display());
}

#[test]
fn challenge_inputs_replay() {
    replay("challenge", kv::fuzzing::challenge);
}

#[test]
fn error_body_inputs_replay() {
    replay("error_body", kv::fuzzing::error_body);
}

#[test]
fn jwk_inputs_replay() {
    replay("jwk", kv::fuzzing::jwk);
}

#[test]
fn private_key_inputs_replay() {
    replay("private_key", kv::fuzzing::private_key);
}

#[test]
fn certificate_pem_inputs_replay() {
    replay("certificate_pem", kv::fuzzing::certificate_pem);
}

#[test]
fn page_inputs_replay() {
    replay("page", kv::fuzzing::page);
}

/// Found by the private_key target: a BEGIN line without its closing dashes made the "label" run
/// on to the next `-----`, through the key's base64, and the error quoted it all.
#[test]
fn a_broken_pem_begin_line_never_quotes_the_key() {
    let body = "MIIEowIBAAKCAQEAsecretsecretsecretsecretsecretsecretsecret0123456789\n".repeat(20);
    for broken in [
        format!("-----BEGIN RSA PRIVATE KEY--\n{body}-----END RSA PRIVATE KEY-----\n"),
        format!("-----BEGIN RSA PRIVATE KEY\n{body}-----END RSA PRIVATE KEY-----\n"),
        format!("-----BEGIN CERTIFICATE\n{body}-----END CERTIFICATE-----\n"),
    ] {
        let e = kv::crypto::pem::private_key_to_jwk(broken.as_bytes()).unwrap_err();
        assert_eq!(e.kind, kv::ErrorKind::InvalidArgument);
        assert!(!e.message.contains("secretsecret"), "key text quoted: {}", e.message);
        assert!(e.message.len() < 300, "{} characters", e.message.len());
    }
}
