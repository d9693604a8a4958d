//! Local verify speed: prints microseconds per `kv_key_verify` (and `kv_key_verify_data`) for each
//! ECDSA curve and RSA, through the C ABI exactly as bench/c/kvbench.c's `verify` mode calls it
//! (a JWK parsed once by `kv_key_from_jwk`, then a digest and a raw `r || s` signature per call).
//! Prints figures, asserts only that every signature verifies. Needs no vault.
//!
//! `cargo run --release --example verify_speed` (KV_VERIFY_SECONDS per figure, default 1).
//!
//! Both CPU time of the thread (independent of other load on the machine) and wall time are shown.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kv::crypto::algorithm::SignatureAlgorithm;
use kv::ffi::crypto::{kv_key_from_jwk, kv_key_verify, kv_key_verify_data};
use kv::ffi::key::kv_key_free;
use rsa::traits::PublicKeyParts;
use signature::hazmat::{PrehashSigner, RandomizedPrehashSigner};
use std::ffi::CString;
use std::time::Instant;

fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: ts is a valid timespec for clock_gettime to write.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

fn ec_jwk(crv: &str, sec1: &[u8]) -> String {
    let w = (sec1.len() - 1) / 2;
    format!(
        r#"{{"kty":"EC","crv":"{crv}","x":"{}","y":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(&sec1[1..1 + w]),
        URL_SAFE_NO_PAD.encode(&sec1[1 + w..])
    )
}

/// A JWK, the algorithm, a digest, the message it is the digest of, and a valid signature.
fn case(name: &str) -> (String, SignatureAlgorithm, Vec<u8>, Vec<u8>) {
    let msg = b"local verify speed".to_vec();
    match name {
        "ES256" => {
            let k = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
            let d = SignatureAlgorithm::Es256.hash().digest(&msg);
            let s: p256::ecdsa::Signature = k.sign_prehash(&d).unwrap();
            let jwk = ec_jwk("P-256", k.verifying_key().to_encoded_point(false).as_bytes());
            (jwk, SignatureAlgorithm::Es256, msg, s.to_vec())
        }
        "ES256K" => {
            let k = k256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
            let d = SignatureAlgorithm::Es256k.hash().digest(&msg);
            let s: k256::ecdsa::Signature = k.sign_prehash(&d).unwrap();
            let jwk = ec_jwk("P-256K", k.verifying_key().to_encoded_point(false).as_bytes());
            (jwk, SignatureAlgorithm::Es256k, msg, s.to_vec())
        }
        "ES384" => {
            let k = p384::ecdsa::SigningKey::random(&mut rand_core::OsRng);
            let d = SignatureAlgorithm::Es384.hash().digest(&msg);
            let s: p384::ecdsa::Signature = k.sign_prehash(&d).unwrap();
            let jwk = ec_jwk("P-384", k.verifying_key().to_encoded_point(false).as_bytes());
            (jwk, SignatureAlgorithm::Es384, msg, s.to_vec())
        }
        "ES512" => {
            let k = p521::ecdsa::SigningKey::random(&mut rand_core::OsRng);
            let d = SignatureAlgorithm::Es512.hash().digest(&msg);
            let s: p521::ecdsa::Signature = k.sign_prehash_with_rng(&mut rand_core::OsRng, &d).unwrap();
            let point = p521::ecdsa::VerifyingKey::from(&k).to_encoded_point(false);
            let jwk = ec_jwk("P-521", point.as_bytes());
            (jwk, SignatureAlgorithm::Es512, msg, s.to_vec())
        }
        _ => {
            let k = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
            let d = SignatureAlgorithm::Rs256.hash().digest(&msg);
            let s = k.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &d).unwrap();
            let jwk = format!(
                r#"{{"kty":"RSA","n":"{}","e":"{}"}}"#,
                URL_SAFE_NO_PAD.encode(k.n().to_bytes_be()),
                URL_SAFE_NO_PAD.encode(k.e().to_bytes_be())
            );
            (jwk, SignatureAlgorithm::Rs256, msg, s)
        }
    }
}

fn main() {
    let seconds: f64 = std::env::var("KV_VERIFY_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1.0);
    println!("{:<8} {:<12} {:>10} {:>10} {:>9}", "alg", "call", "cpu µs", "wall µs", "calls");
    for name in ["ES256", "ES256K", "ES384", "ES512", "RS256"] {
        let (jwk, alg, msg, sig) = case(name);
        let digest = alg.hash().digest(&msg);
        let code = alg.info().code;
        let jwk = CString::new(jwk).unwrap();
        let mut key = std::ptr::null_mut();
        let status = kv_key_from_jwk(jwk.as_ptr(), &mut key, std::ptr::null_mut());
        assert_eq!(status, 0, "kv_key_from_jwk");
        for (call, input) in [("verify", &digest), ("verify_data", &msg)] {
            let run = |valid: &mut bool| {
                let f = if call == "verify" { kv_key_verify } else { kv_key_verify_data };
                f(key, code, input.as_ptr(), input.len(), sig.as_ptr(), sig.len(), valid, std::ptr::null_mut())
            };
            let (start, cpu) = (Instant::now(), thread_cpu_seconds());
            let mut calls = 0u64;
            while start.elapsed().as_secs_f64() < seconds {
                let mut valid = false;
                assert_eq!(run(&mut valid), 0, "{name} {call}");
                assert!(valid, "{name} {call}: the signature verifies");
                calls += 1;
            }
            let wall = start.elapsed().as_secs_f64() * 1e6 / calls as f64;
            let cpu = (thread_cpu_seconds() - cpu) * 1e6 / calls as f64;
            println!("{name:<8} {call:<12} {cpu:>10.1} {wall:>10.1} {calls:>9}");
        }
        kv_key_free(key);
    }
}
