//! kv against an independent vault: the open-source Key Vault emulator and identity-platform
//! emulator of `../shared/vault-emulators/` (neither written for kv). The vault validates every
//! token (RS256 signature against the identity platform's keys, issuer, audience, expiry), so
//! these tests prove which token arrived, not only that one did.
//!
//! The tests are compiled only with the cargo feature `emulator-tests`, so `cargo test
//! --all-targets` neither runs nor counts them. `scripts/test.sh` (stage "independent vault
//! (emulator)") runs them with the feature and the emulators' `KV_EMU_*` variables:
//!
//! ```sh
//! eval "$(bash ../shared/vault-emulators/start.sh)"
//! cargo test --features emulator-tests --test emulator
//! ```
//!
//! Without the `KV_EMU_*` variables each test fails, naming what is missing.
//!
//! Where the emulator departs from the service (its README), the tests adapt, not kv: crypto
//! and updates name an explicit version (the emulator answers the empty-version forms 307/405),
//! a disabled secret may answer `Forbidden` without the `SecretDisabled` inner code, a name in
//! the deleted state may answer plain `Conflict`, and deletion is instant (the tests still wait
//! where the service requires it).

#![cfg(feature = "emulator-tests")]

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use kv::ffi::crypto::*;
use kv::ffi::keys::*;
use kv::ffi::status::*;
use serde_json::{json, Value};
use sha2::Digest;
use std::ptr::null_mut;
use std::sync::Once;
use support::capi::crypto::*;
use support::capi::identity::{client_secret, client_with, CredOptions};
use support::capi::keys::{KeyApi, KeyOptions};
use support::capi::*;
use support::local_vault::unique;

const VAULT_SCOPE: &str = "https://vault.azure.net/.default";

/// The emulators' settings, from the `KV_EMU_*` variables `start.sh` prints.
struct Emu {
    vault_url: String,
    ca_file: String,
    authority_host: String,
    tenant_id: String,
    client_id: String,
    client_secret: String,
    identity_endpoint: String,
    identity_header: String,
}

fn emu() -> Emu {
    let get = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: start the emulators (eval \"$(bash ../shared/vault-emulators/start.sh)\") and run with --features emulator-tests"))
    };
    Emu {
        vault_url: get("KV_EMU_VAULT_URL"),
        ca_file: get("KV_EMU_CA_FILE"),
        authority_host: get("KV_EMU_AUTHORITY_HOST"),
        tenant_id: get("KV_EMU_TENANT_ID"),
        client_id: get("KV_EMU_CLIENT_ID"),
        client_secret: get("KV_EMU_CLIENT_SECRET"),
        identity_endpoint: get("KV_EMU_IDENTITY_ENDPOINT"),
        identity_header: get("KV_EMU_IDENTITY_HEADER"),
    }
}

/// Client options: trust the emulators' CA; the challenge-resource check stays on (the vault's
/// host is `*.vault.azure.net` and its challenge names `https://vault.azure.net`).
fn options(e: &Emu) -> Options {
    Options::new().ca_file(&e.ca_file)
}

fn cred_options(e: &Emu) -> CredOptions {
    CredOptions::new().authority_host(&e.authority_host).ca_file(&e.ca_file)
}

/// A client authenticating with the client-secret credential through the identity platform.
fn client() -> Client {
    let e = emu();
    let cred = client_secret(&e.tenant_id, &e.client_id, &e.client_secret, Some(&cred_options(&e)))
        .expect("client secret credential");
    client_with(&e.vault_url, &cred, &options(&e)).expect("client")
}

/// A client presenting exactly `token`.
fn client_with_token(token: &str) -> Client {
    let e = emu();
    Client::new(&e.vault_url, token, &options(&e)).expect("client")
}

/// A raw token from the identity platform for `scope` (client credentials grant, via curl: an
/// HTTP client other than kv's).
fn raw_token(scope: &str) -> String {
    let e = emu();
    let out = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "20", "--cacert", &e.ca_file])
        .args(["-d", "grant_type=client_credentials", "-d", &format!("client_id={}", e.client_id)])
        .args(["-d", &format!("client_secret={}", e.client_secret), "-d", &format!("scope={scope}")])
        .arg(format!("{}/{}/oauth2/v2.0/token", e.authority_host, e.tenant_id))
        .output()
        .expect("curl runs");
    assert!(out.status.success(), "curl: {}", String::from_utf8_lossy(&out.stderr));
    let reply: Value = serde_json::from_slice(&out.stdout).expect("a JSON token reply");
    reply["access_token"].as_str().unwrap_or_else(|| panic!("no access_token in {reply}")).to_owned()
}

fn jwt_part(token: &str, i: usize) -> Value {
    serde_json::from_slice(&B64URL.decode(token.split('.').nth(i).expect("a JWT")).expect("base64url")).expect("JSON")
}

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

#[test]
fn client_secret_credential_gets_a_token_the_vault_accepts() {
    let c = client();
    let name = unique("emu-cs");
    let s = c.set(&name, b"via client secret").unwrap();
    assert_eq!(c.get(&name, Some(&s.version())).unwrap().value(), b"via client secret");
    c.delete(&name).unwrap();
    c.purge(&name).unwrap();
}

/// App Service managed identity (`IDENTITY_ENDPOINT` / `IDENTITY_HEADER`, as Azure sets them).
/// The C ABI reads them from the process environment: they are set once here, before any
/// managed identity credential of this test binary is built (nothing else here reads them).
#[test]
fn managed_identity_through_the_app_service_endpoint() {
    static ENV: Once = Once::new();
    let e = emu();
    ENV.call_once(|| {
        std::env::set_var("IDENTITY_ENDPOINT", &e.identity_endpoint);
        std::env::set_var("IDENTITY_HEADER", &e.identity_header);
    });
    let opts = CredOptions::new().ca_file(&e.ca_file);
    let mut raw = null_mut();
    call(|err| kv::ffi::credential_host::kv_credential_managed_identity_new(opts.0, &mut raw, err))
        .expect("managed identity credential");
    let cred = Credential(raw);
    let c = client_with(&e.vault_url, &cred, &options(&e)).unwrap();
    let name = unique("emu-mi");
    let s = c.set(&name, b"via managed identity").unwrap();
    assert_eq!(c.get(&name, None).unwrap().value(), b"via managed identity");
    assert_eq!(c.get(&name, Some(&s.version())).unwrap().version(), s.version());
    c.delete(&name).unwrap();
    c.purge(&name).unwrap();
}

#[test]
fn a_wrong_client_secret_is_a_clear_authentication_failure() {
    let e = emu();
    let wrong = "not-the-secret~Zq8";
    let cred = client_secret(&e.tenant_id, &e.client_id, wrong, Some(&cred_options(&e))).unwrap();
    let c = client_with(&e.vault_url, &cred, &options(&e)).unwrap();
    let err = expect_status(c.get(&unique("emu-wrong"), None).map(|_| ()), KV_STATUS_AUTHENTICATION_FAILED);
    assert_eq!(err.http_status, 401, "the identity platform's status: {err:?}");
    assert!(
        err.message.contains("invalid_client") || err.message.contains("AADSTS7000215"),
        "names the identity platform's reason: {}",
        err.message
    );
    assert!(!err.message.contains(wrong), "the secret never appears in an error: {}", err.message);
}

#[test]
fn a_self_signed_token_is_refused_by_the_vault() {
    // Same header (kid) and claims as a real token, signed with a key of our own.
    let real = raw_token(VAULT_SCOPE);
    let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
    let head = B64URL.encode(jwt_part(&real, 0).to_string());
    let claims = B64URL.encode(jwt_part(&real, 1).to_string());
    let signing_input = format!("{head}.{claims}");
    use signature::{SignatureEncoding, Signer};
    let sig = signer.sign(signing_input.as_bytes()).to_vec();
    let forged = format!("{signing_input}.{}", B64URL.encode(sig));
    let err =
        expect_status(client_with_token(&forged).get(&unique("emu-forged"), None).map(|_| ()), KV_STATUS_UNAUTHORIZED);
    assert_eq!(err.http_status, 401);
    assert_eq!(err.service_code, "Unauthorized");

    // A real token whose claims were changed after signing.
    let mut changed = jwt_part(&real, 1);
    changed["sub"] = json!("someone-else");
    let parts: Vec<&str> = real.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], B64URL.encode(changed.to_string()), parts[2]);
    let err = expect_status(
        client_with_token(&tampered).get(&unique("emu-tampered"), None).map(|_| ()),
        KV_STATUS_UNAUTHORIZED,
    );
    assert_eq!(err.http_status, 401);

    // The real token itself is accepted: the refusals above are about the forgery.
    let c = client_with_token(&real);
    expect_status(c.get(&unique("emu-real"), None).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);
}

#[test]
fn a_token_for_another_audience_is_refused_by_the_vault() {
    let storage = raw_token("https://storage.azure.com/.default");
    assert_eq!(jwt_part(&storage, 1)["aud"], "https://storage.azure.com", "a genuine token, for another resource");
    let err =
        expect_status(client_with_token(&storage).get(&unique("emu-aud"), None).map(|_| ()), KV_STATUS_UNAUTHORIZED);
    assert_eq!(err.http_status, 401);
    assert!(!err.message.contains(&storage), "the token never appears in an error");
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

#[test]
fn secrets_versions_properties_and_lists() {
    let c = client();
    let name = unique("emu-sec");
    let v1: &[u8] = b"first";
    let v2: &[u8] = b"second\0with NUL, \xc3\xa9 and \"quotes\"\n";
    let s1 = c.set(&name, v1).unwrap();
    let s2 = c.set_with(&name, v2, &SecretOptions::new().content_type("text/plain").tag("env", "emu")).unwrap();
    assert_ne!(s1.version(), s2.version());
    assert_eq!(c.get(&name, None).unwrap().value(), v2, "latest, byte for byte");
    assert_eq!(c.get(&name, Some(&s1.version())).unwrap().value(), v1);
    let latest = c.get(&name, None).unwrap();
    assert_eq!(latest.content_type(), "text/plain");
    assert_eq!(latest.tag("env").as_deref(), Some("emu"));

    // Update by explicit version (the emulator answers PATCH /secrets/{name}/ with 405).
    let u = c
        .update(&name, Some(&s2.version()), &SecretOptions::new().content_type("application/json").tag("env", "prod"))
        .unwrap();
    assert_eq!(u.content_type(), "application/json");
    assert_eq!(u.tags(), vec![("env".into(), "prod".into())]);
    assert_eq!(c.get(&name, None).unwrap().value(), v2, "an update keeps the value");

    let versions = c.list_versions(&name).unwrap();
    let mut got: Vec<String> = versions.iter().map(|s| s.version()).collect();
    got.sort();
    let mut want = vec![s1.version(), s2.version()];
    want.sort();
    assert_eq!(got, want);
    assert!(c.list().unwrap().iter().any(|s| s.name() == name), "listed");

    expect_status(c.get(&unique("emu-missing"), None).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);
    c.delete(&name).unwrap();
    c.purge(&name).unwrap();
}

#[test]
fn disabled_secret_cannot_be_read() {
    let c = client();
    let name = unique("emu-dis");
    let s = c.set(&name, b"hidden").unwrap();
    c.update(&name, Some(&s.version()), &SecretOptions::new().enabled(false)).unwrap();
    let err = c.get(&name, None).map(|_| ()).expect_err("a disabled secret is not readable");
    // The service says Forbidden/SecretDisabled; the emulator only Forbidden (its README).
    assert!(err.status == KV_STATUS_SECRET_DISABLED || err.status == KV_STATUS_FORBIDDEN, "{err:?}");
    assert_eq!(err.http_status, 403);
    c.update(&name, Some(&s.version()), &SecretOptions::new().enabled(true)).unwrap();
    assert_eq!(c.get(&name, None).unwrap().value(), b"hidden");
    c.delete(&name).unwrap();
    c.purge(&name).unwrap();
}

/// Polls `f` until it succeeds: the service finishes deletes and recoveries asynchronously (the
/// emulator at once), so a test that is right for both waits.
fn eventually<T>(what: &str, mut f: impl FnMut() -> Result<T, CallError>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match f() {
            Ok(v) => return v,
            Err(e) if std::time::Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            Err(e) => panic!("{what}: {e:?}"),
        }
    }
}

#[test]
fn secret_soft_delete_recover_purge_backup_restore() {
    let c = client();
    let name = unique("emu-del");
    c.set(&name, b"keep me").unwrap();
    c.delete(&name).unwrap();
    let deleted = eventually("get deleted secret", || c.get_deleted(&name));
    assert_eq!(deleted.name(), name);
    expect_status(c.get(&name, None).map(|_| ()), KV_STATUS_SECRET_NOT_FOUND);
    let err = c.set(&name, b"again").map(|_| ()).expect_err("a deleted name cannot be set");
    // The service: 409 ObjectIsDeletedButRecoverable; the emulator: 409 Conflict.
    assert!(err.status == KV_STATUS_OBJECT_IS_DELETED_BUT_RECOVERABLE || err.status == KV_STATUS_CONFLICT, "{err:?}");
    assert_eq!(err.http_status, 409);
    assert!(c.list_deleted().unwrap().iter().any(|s| s.name() == name));

    c.recover(&name).unwrap();
    let back = eventually("get recovered secret", || c.get(&name, None));
    assert_eq!(back.value(), b"keep me");

    let blob = c.backup(&name).unwrap();
    assert!(!blob.is_empty());
    c.delete(&name).unwrap();
    eventually("get deleted secret", || c.get_deleted(&name));
    c.purge(&name).unwrap();
    let restored = eventually("restore after purge", || c.restore(&blob));
    assert_eq!(restored.name(), name);
    assert_eq!(c.get(&name, None).unwrap().value(), b"keep me");
    c.delete(&name).unwrap();
    eventually("get deleted secret", || c.get_deleted(&name));
    c.purge(&name).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Keys and cryptography
// ---------------------------------------------------------------------------------------------

#[test]
fn keys_create_update_rotate_list_delete_recover_backup_restore() {
    let c = client();
    let keys = KeyApi(&c);
    let name = unique("emu-key");
    let k1 = keys.create(&name, KV_KEY_TYPE_RSA, Some(&KeyOptions::new().key_size(2048).tag("env", "emu"))).unwrap();
    assert_eq!(k1.kty(), "RSA");
    assert_eq!(k1.n().len(), 256);
    assert_eq!(k1.e(), vec![1, 0, 1]);
    assert_eq!(k1.tag("env").as_deref(), Some("emu"));
    let k2 = keys.rotate(&name).unwrap();
    assert_ne!(k1.version(), k2.version());
    assert_eq!(keys.get(&name, None).unwrap().version(), k2.version());
    assert_eq!(keys.get(&name, Some(&k1.version())).unwrap().n(), k1.n());
    assert_eq!(keys.list_versions(&name).unwrap().len(), 2);
    assert!(keys.list().unwrap().iter().any(|k| k.name() == name));

    let u = keys.update(&name, Some(&k2.version()), &KeyOptions::new().enabled(false).tag("env", "prod")).unwrap();
    assert!(!u.enabled());
    assert_eq!(u.tags(), vec![("env".into(), "prod".into())]);
    keys.update(&name, Some(&k2.version()), &KeyOptions::new().enabled(true)).unwrap();

    let ec = keys.create(&unique("emu-ec"), KV_KEY_TYPE_EC, Some(&KeyOptions::new().curve(KV_KEY_CURVE_P384))).unwrap();
    assert_eq!((ec.kty().as_str(), ec.crv().as_str(), ec.x().len()), ("EC", "P-384", 48));
    expect_status(keys.get(&unique("emu-nokey"), None).map(|_| ()), KV_STATUS_KEY_NOT_FOUND);

    let blob = keys.backup(&name).unwrap();
    keys.delete(&name).unwrap();
    keys.wait_deleted(&name, 60_000).unwrap();
    assert_eq!(keys.get_deleted(&name).unwrap().name(), name);
    keys.recover(&name).unwrap();
    keys.wait_recovered(&name, 60_000).unwrap();
    assert_eq!(keys.get(&name, None).unwrap().version(), k2.version());
    keys.delete(&name).unwrap();
    keys.wait_deleted(&name, 60_000).unwrap();
    keys.purge(&name).unwrap();
    let restored = eventually("restore after purge", || keys.restore(&blob));
    assert_eq!(restored.name(), name);
    assert_eq!(keys.list_versions(&name).unwrap().len(), 2, "a restore brings back every version");
    for n in [name, ec.name()] {
        keys.delete(&n).unwrap();
        keys.wait_deleted(&n, 60_000).unwrap();
        keys.purge(&n).unwrap();
    }
}

#[test]
fn rsa_and_ec_sign_verify_in_the_vault_and_locally() {
    let c = client();
    let (keys, crypto) = (KeyApi(&c), CryptoApi(&c));
    let cases: [(kv_key_type, Option<kv_key_curve>, kv_signature_algorithm, u32, usize); 5] = [
        (KV_KEY_TYPE_RSA, None, KV_SIGNATURE_ALGORITHM_RS256, 256, 256),
        (KV_KEY_TYPE_RSA, None, KV_SIGNATURE_ALGORITHM_PS384, 384, 256),
        (KV_KEY_TYPE_EC, Some(KV_KEY_CURVE_P256), KV_SIGNATURE_ALGORITHM_ES256, 256, 64),
        (KV_KEY_TYPE_EC, Some(KV_KEY_CURVE_P384), KV_SIGNATURE_ALGORITHM_ES384, 384, 96),
        (KV_KEY_TYPE_EC, Some(KV_KEY_CURVE_P521), KV_SIGNATURE_ALGORITHM_ES512, 512, 132),
    ];
    for (kty, curve, alg, bits, sig_len) in cases {
        let name = unique("emu-sign");
        let opts = curve.map(|crv| KeyOptions::new().curve(crv));
        let key = keys.create(&name, kty, opts.as_ref()).unwrap();
        let version = key.version();
        let data = format!("signed in the emulator with algorithm {alg}");
        let d = openssl_digest(bits, data.as_bytes());
        // Explicit version: the emulator answers POST /keys/{name}//sign with 307 (its README).
        let signed = crypto.sign(&name, Some(&version), alg, &d).unwrap_or_else(|e| panic!("{alg}: {e:?}"));
        assert_eq!(signed.value.len(), sig_len, "{alg}");
        assert_eq!(signed.kid, key.id(), "{alg}: the result names the key version");
        assert!(crypto.verify(&name, Some(&version), alg, &d, &signed.value).unwrap(), "{alg}: the vault verifies");
        assert!(
            local_verify(&key, alg, &d, &signed.value).unwrap(),
            "{alg}: kv verifies the vault's signature locally"
        );
        let mut tampered = signed.value.clone();
        tampered[sig_len / 2] ^= 1;
        assert!(
            !crypto.verify(&name, Some(&version), alg, &d, &tampered).unwrap(),
            "{alg}: the vault rejects a tampered signature"
        );
        assert!(!local_verify(&key, alg, &d, &tampered).unwrap(), "{alg}: locally too");
        let by_data = crypto.sign_data(&name, Some(&version), alg, data.as_bytes()).unwrap();
        assert!(
            local_verify_data(&key, alg, data.as_bytes(), &by_data.value).unwrap(),
            "{alg}: sign_data hashed as the algorithm says"
        );
        assert!(crypto.verify_data(&name, Some(&version), alg, data.as_bytes(), &by_data.value).unwrap());
        keys.delete(&name).unwrap();
        keys.wait_deleted(&name, 60_000).unwrap();
        keys.purge(&name).unwrap();
    }
}

#[test]
fn rsa_encrypt_decrypt_wrap_unwrap_in_the_vault_and_locally() {
    let c = client();
    let (keys, crypto) = (KeyApi(&c), CryptoApi(&c));
    let name = unique("emu-enc");
    let key = keys.create(&name, KV_KEY_TYPE_RSA, Some(&KeyOptions::new().key_size(2048))).unwrap();
    let version = key.version();
    let secret = b"a 32-byte data encryption key!!!";
    for alg in [KV_ENCRYPTION_ALGORITHM_RSA_OAEP, KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256, KV_ENCRYPTION_ALGORITHM_RSA1_5]
    {
        let enc = crypto.encrypt(&name, Some(&version), alg, secret, None).unwrap_or_else(|e| panic!("{alg}: {e:?}"));
        assert_eq!(enc.value.len(), 256);
        assert_ne!(&enc.value[..secret.len()], secret);
        assert_eq!(crypto.decrypt(&name, Some(&version), alg, &enc.value, None).unwrap().value, secret, "{alg}");
        let local = local_encrypt(&key, alg, secret).unwrap();
        assert_eq!(
            crypto.decrypt(&name, Some(&version), alg, &local.value, None).unwrap().value,
            secret,
            "{alg}: the vault decrypts kv's local encryption"
        );
        let wrapped = crypto.wrap(&name, Some(&version), alg, secret, None).unwrap();
        assert_eq!(crypto.unwrap(&name, Some(&version), alg, &wrapped.value, None).unwrap().value, secret, "{alg}");
        let local_wrapped = local_wrap(&key, alg, secret).unwrap();
        assert_eq!(
            crypto.unwrap(&name, Some(&version), alg, &local_wrapped.value, None).unwrap().value,
            secret,
            "{alg}: the vault unwraps kv's local wrap"
        );
    }
    let mut bad =
        crypto.encrypt(&name, Some(&version), KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256, secret, None).unwrap().value;
    bad[10] ^= 0x40;
    let err = crypto
        .decrypt(&name, Some(&version), KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256, &bad, None)
        .map(|_| ())
        .expect_err("a damaged ciphertext does not decrypt");
    assert!(err.http_status >= 400, "{err:?}");
    keys.delete(&name).unwrap();
    keys.wait_deleted(&name, 60_000).unwrap();
    keys.purge(&name).unwrap();
}

#[test]
fn imported_key_signs_what_an_independent_verifier_accepts() {
    // A key made here (rsa crate), imported as JWK; the vault's signature is checked with the
    // public half outside kv.
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let c = client();
    let (keys, crypto) = (KeyApi(&c), CryptoApi(&c));
    let private = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
    let public = private.to_public_key();
    let b = |n: &rsa::BigUint| B64URL.encode(n.to_bytes_be());
    let primes = private.primes();
    let jwk = json!({
        "kty": "RSA", "n": b(public.n()), "e": b(public.e()), "d": b(private.d()),
        "p": b(&primes[0]), "q": b(&primes[1]),
        "dp": b(private.dp().unwrap()), "dq": b(private.dq().unwrap()),
        "qi": B64URL.encode(private.crt_coefficient().unwrap().to_bytes_be()),
    });
    let name = unique("emu-imp");
    let key = keys.import_jwk(&name, &jwk.to_string(), None).unwrap();
    assert_eq!(key.n(), public.n().to_bytes_be());
    let d = sha2::Sha256::digest(b"independently verified").to_vec();
    let sig = crypto.sign(&name, Some(&key.version()), KV_SIGNATURE_ALGORITHM_RS256, &d).unwrap();
    let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
    use signature::Verifier;
    let parsed = rsa::pkcs1v15::Signature::try_from(sig.value.as_slice()).unwrap();
    verifier.verify(b"independently verified", &parsed).expect("the rsa crate accepts the vault's signature");
    keys.delete(&name).unwrap();
    keys.wait_deleted(&name, 60_000).unwrap();
    keys.purge(&name).unwrap();
}
