//! Every cryptography call through the C ABI.
//!
//! - Against a running vault (the local stand-in vault by default, or the one named by
//!   KV_TEST_VAULT_URL / KV_TEST_VAULT_CA): sign/verify with every RSA and EC algorithm, RSA and
//!   AES (oct-HSM) encrypt/decrypt and wrap/unwrap, sign_data/verify_data, and local <-> vault
//!   cross checks (vault sign -> local verify, local encrypt/wrap -> vault decrypt/unwrap).
//! - Against the scripted server, answering with the spec example bodies: request paths and
//!   bodies, reply parsing, and every argument check that must fail before any request.

mod support;

use kv::ffi::crypto::*;
use kv::ffi::keys::*;
use kv::ffi::status::*;
use sha2::Digest;
use support::capi::crypto::*;
use support::capi::keys::{Key, KeyApi, KeyOptions};
use support::capi::*;
use support::local_vault::{unique, vault};

fn client() -> Client {
    vault().client()
}

/// (algorithm, wire name, hash bits, key: "RSA" or the curve).
const SIGNATURES: [(kv_signature_algorithm, &str, u32, &str); 10] = [
    (KV_SIGNATURE_ALGORITHM_RS256, "RS256", 256, "RSA"),
    (KV_SIGNATURE_ALGORITHM_RS384, "RS384", 384, "RSA"),
    (KV_SIGNATURE_ALGORITHM_RS512, "RS512", 512, "RSA"),
    (KV_SIGNATURE_ALGORITHM_PS256, "PS256", 256, "RSA"),
    (KV_SIGNATURE_ALGORITHM_PS384, "PS384", 384, "RSA"),
    (KV_SIGNATURE_ALGORITHM_PS512, "PS512", 512, "RSA"),
    (KV_SIGNATURE_ALGORITHM_ES256, "ES256", 256, "P-256"),
    (KV_SIGNATURE_ALGORITHM_ES256K, "ES256K", 256, "P-256K"),
    (KV_SIGNATURE_ALGORITHM_ES384, "ES384", 384, "P-384"),
    (KV_SIGNATURE_ALGORITHM_ES512, "ES512", 512, "P-521"),
];

const RSA_CIPHERS: [(kv_encryption_algorithm, &str); 3] = [
    (KV_ENCRYPTION_ALGORITHM_RSA1_5, "RSA1_5"),
    (KV_ENCRYPTION_ALGORITHM_RSA_OAEP, "RSA-OAEP"),
    (KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256, "RSA-OAEP-256"),
];

fn digest(bits: u32, data: &[u8]) -> Vec<u8> {
    match bits {
        256 => sha2::Sha256::digest(data).to_vec(),
        384 => sha2::Sha384::digest(data).to_vec(),
        _ => sha2::Sha512::digest(data).to_vec(),
    }
}

fn curve_code(crv: &str) -> kv_key_curve {
    match crv {
        "P-256" => KV_KEY_CURVE_P256,
        "P-256K" => KV_KEY_CURVE_P256K,
        "P-384" => KV_KEY_CURVE_P384,
        _ => KV_KEY_CURVE_P521,
    }
}

fn ec_width(crv: &str) -> usize {
    match crv {
        "P-384" => 48,
        "P-521" => 66,
        _ => 32,
    }
}

fn create(c: &Client, prefix: &str, kty: kv_key_type, opts: Option<&KeyOptions>) -> (String, Key) {
    let name = unique(prefix);
    let key = KeyApi(c).create(&name, kty, opts).unwrap_or_else(|e| panic!("create {prefix}: {e:?}"));
    (name, key)
}

// --- against the vault ------------------------------------------------------------------------

#[test]
fn rsa_signs_and_verifies_with_every_algorithm_in_the_vault_and_locally() {
    let c = client();
    let api = CryptoApi(&c);
    let (name, key) = create(&c, "sig-rsa", KV_KEY_TYPE_RSA, None);
    let version = key.version();
    for (alg, wire, bits, kty) in SIGNATURES {
        if kty != "RSA" {
            continue;
        }
        let data = format!("data signed with {wire}");
        let d = digest(bits, data.as_bytes());
        let signed = api.sign(&name, Some(&version), alg, &d).unwrap_or_else(|e| panic!("{wire}: {e:?}"));
        assert_eq!(signed.value.len(), 256, "{wire}: a 2048-bit signature");
        assert_eq!(signed.kid, key.id(), "{wire}: the result names the key version");
        assert!(api.verify(&name, Some(&version), alg, &d, &signed.value).unwrap(), "{wire}: vault verifies");
        assert!(api.verify(&name, None, alg, &d, &signed.value).unwrap(), "{wire}: latest version verifies");
        assert!(
            local_verify(&key, alg, &d, &signed.value).unwrap(),
            "{wire}: local verify accepts the vault's signature"
        );
        let mut tampered = signed.value.clone();
        tampered[10] ^= 0x40;
        assert!(
            !api.verify(&name, Some(&version), alg, &d, &tampered).unwrap(),
            "{wire}: vault rejects a tampered signature"
        );
        assert!(!local_verify(&key, alg, &d, &tampered).unwrap(), "{wire}: local rejects it too");

        // sign_data / verify_data hash locally with the algorithm's hash.
        let by_data = api.sign_data(&name, None, alg, data.as_bytes()).unwrap();
        assert!(local_verify(&key, alg, &d, &by_data.value).unwrap(), "{wire}: sign_data signed the {bits}-bit digest");
        assert!(api.verify_data(&name, None, alg, data.as_bytes(), &by_data.value).unwrap());
        assert!(local_verify_data(&key, alg, data.as_bytes(), &signed.value).unwrap());
        assert!(!api.verify_data(&name, None, alg, b"other data", &by_data.value).unwrap());
    }
    // An EC algorithm on an RSA key: refused by the vault and locally.
    let d = digest(256, b"x");
    let e = expect_status(api.sign(&name, None, KV_SIGNATURE_ALGORITHM_ES256, &d).map(|_| ()), KV_STATUS_BAD_PARAMETER);
    assert!(e.http_status == 400, "{e:?}");
    expect_status(
        local_verify(&key, KV_SIGNATURE_ALGORITHM_ES256, &d, &[1; 64]).map(|_| ()),
        KV_STATUS_UNSUPPORTED_ALGORITHM,
    );
}

#[test]
fn ec_signs_and_verifies_on_every_curve() {
    let c = client();
    let api = CryptoApi(&c);
    for (alg, wire, bits, crv) in SIGNATURES {
        if crv == "RSA" {
            continue;
        }
        let (name, key) = create(&c, "sig-ec", KV_KEY_TYPE_EC, Some(&KeyOptions::new().curve(curve_code(crv))));
        assert_eq!(key.crv(), crv);
        let d = digest(bits, b"ecdsa data");
        let signed = api.sign(&name, Some(&key.version()), alg, &d).unwrap_or_else(|e| panic!("{wire}: {e:?}"));
        assert_eq!(signed.value.len(), 2 * ec_width(crv), "{wire}: raw r||s, fixed width");
        assert!(api.verify(&name, None, alg, &d, &signed.value).unwrap(), "{wire}");
        assert!(
            local_verify(&key, alg, &d, &signed.value).unwrap(),
            "{wire}: local verify accepts the vault's signature"
        );
        let mut tampered = signed.value.clone();
        tampered[3] ^= 1;
        assert!(!local_verify(&key, alg, &d, &tampered).unwrap(), "{wire}");
        assert!(!api.verify(&name, None, alg, &d, &tampered).unwrap(), "{wire}");
        let by_data = api.sign_data(&name, None, alg, b"ecdsa data").unwrap();
        assert!(local_verify_data(&key, alg, b"ecdsa data", &by_data.value).unwrap(), "{wire}");
        assert!(api.verify_data(&name, None, alg, b"ecdsa data", &by_data.value).unwrap(), "{wire}");
        // RSA algorithms, and another curve's algorithm, do not fit.
        expect_status(
            local_verify(&key, KV_SIGNATURE_ALGORITHM_PS256, &digest(256, b"x"), &signed.value).map(|_| ()),
            KV_STATUS_UNSUPPORTED_ALGORITHM,
        );
        let other = if crv == "P-384" { KV_SIGNATURE_ALGORITHM_ES512 } else { KV_SIGNATURE_ALGORITHM_ES384 };
        let other_bits = if crv == "P-384" { 512 } else { 384 };
        expect_status(
            local_verify(&key, other, &digest(other_bits, b"x"), &signed.value).map(|_| ()),
            KV_STATUS_UNSUPPORTED_ALGORITHM,
        );
        expect_status(api.sign(&name, None, other, &digest(other_bits, b"x")).map(|_| ()), KV_STATUS_BAD_PARAMETER);
        // EC keys cannot encrypt: their operations are sign and verify, and key_ops is checked
        // first (with "encrypt" permitted, the algorithm would not fit).
        expect_status(
            local_encrypt(&key, KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256, b"x").map(|_| ()),
            KV_STATUS_OPERATION_NOT_PERMITTED,
        );
        assert!(public_pem(&key).unwrap().starts_with("-----BEGIN PUBLIC KEY-----\n"));
    }
}

#[test]
fn rsa_encrypts_decrypts_wraps_and_unwraps_across_vault_and_local() {
    let c = client();
    let api = CryptoApi(&c);
    let (name, key) = create(&c, "enc-rsa", KV_KEY_TYPE_RSA, Some(&KeyOptions::new().key_size(3072)));
    let version = key.version();
    let secret = b"a 32-byte data encryption key!!!";
    for (alg, wire) in RSA_CIPHERS {
        let enc = api.encrypt(&name, Some(&version), alg, secret, None).unwrap_or_else(|e| panic!("{wire}: {e:?}"));
        assert_eq!(enc.value.len(), 384, "{wire}: 3072-bit ciphertext");
        assert_eq!(enc.kid, key.id());
        assert!(enc.iv.is_empty() && enc.tag.is_empty());
        assert_eq!(
            api.decrypt(&name, Some(&version), alg, &enc.value, None).unwrap().value,
            secret,
            "{wire}: vault round trip"
        );

        let local = local_encrypt(&key, alg, secret).unwrap();
        assert_eq!(local.kid, key.id());
        assert_ne!(local.value, enc.value, "{wire}: randomized padding");
        assert_eq!(
            api.decrypt(&name, None, alg, &local.value, None).unwrap().value,
            secret,
            "{wire}: the vault decrypts local encryption"
        );

        let wrapped = api.wrap(&name, None, alg, secret, None).unwrap();
        assert_eq!(
            api.unwrap(&name, None, alg, &wrapped.value, None).unwrap().value,
            secret,
            "{wire}: vault wrap round trip"
        );
        let local_wrapped = local_wrap(&key, alg, secret).unwrap();
        assert_eq!(
            api.unwrap(&name, Some(&version), alg, &local_wrapped.value, None).unwrap().value,
            secret,
            "{wire}: the vault unwraps local wrapping"
        );
    }
    // Decrypting with the wrong padding fails in the vault.
    let oaep = local_encrypt(&key, KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256, secret).unwrap();
    expect_status(
        api.decrypt(&name, None, KV_ENCRYPTION_ALGORITHM_RSA_OAEP, &oaep.value, None).map(|_| ()),
        KV_STATUS_BAD_PARAMETER,
    );
    // AES on an RSA key: the vault refuses, and kv refuses to run it locally.
    expect_status(
        api.encrypt(&name, None, KV_ENCRYPTION_ALGORITHM_A256GCM, secret, None).map(|_| ()),
        KV_STATUS_BAD_PARAMETER,
    );
    expect_status(
        local_encrypt(&key, KV_ENCRYPTION_ALGORITHM_A256GCM, secret).map(|_| ()),
        KV_STATUS_UNSUPPORTED_ALGORITHM,
    );
    // Too long for OAEP-256 with a 3072-bit key (384 - 66 = 318 bytes at most).
    assert!(local_encrypt(&key, KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256, &[1; 318]).is_ok());
    expect_status(
        local_encrypt(&key, KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256, &[1; 319]).map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
}

#[test]
fn oct_hsm_keys_run_every_aes_algorithm() {
    let c = client();
    let api = CryptoApi(&c);
    let sizes = [(128u32, 0usize), (192, 1), (256, 2)];
    let gcm = [KV_ENCRYPTION_ALGORITHM_A128GCM, KV_ENCRYPTION_ALGORITHM_A192GCM, KV_ENCRYPTION_ALGORITHM_A256GCM];
    let cbc = [KV_ENCRYPTION_ALGORITHM_A128CBC, KV_ENCRYPTION_ALGORITHM_A192CBC, KV_ENCRYPTION_ALGORITHM_A256CBC];
    let cbcpad =
        [KV_ENCRYPTION_ALGORITHM_A128CBCPAD, KV_ENCRYPTION_ALGORITHM_A192CBCPAD, KV_ENCRYPTION_ALGORITHM_A256CBCPAD];
    let kw = [KV_ENCRYPTION_ALGORITHM_A128KW, KV_ENCRYPTION_ALGORITHM_A192KW, KV_ENCRYPTION_ALGORITHM_A256KW];
    let plaintext = b"sixteen byte blk and then some more bytes";
    let block_aligned = &[0x5au8; 48];
    let cek = [0x11u8; 32];
    for (bits, i) in sizes {
        let (name, key) = create(&c, "oct", KV_KEY_TYPE_OCT_HSM, Some(&KeyOptions::new().key_size(bits)));
        let version = key.version();

        // GCM with aad: the vault picks the iv and returns the tag.
        let aad = b"header bytes";
        let enc = api
            .encrypt(&name, Some(&version), gcm[i], plaintext, Some(&Params::new().aad(aad)))
            .unwrap_or_else(|e| panic!("A{bits}GCM: {e:?}"));
        assert_eq!((enc.iv.len(), enc.tag.len()), (12, 16), "A{bits}GCM iv and tag");
        assert_eq!(enc.value.len(), plaintext.len());
        assert_eq!(enc.aad, aad, "the aad is echoed");
        let dec =
            api.decrypt(&name, Some(&version), gcm[i], &enc.value, Some(&Params::to_reverse(&enc, Some(aad)))).unwrap();
        assert_eq!(dec.value, plaintext);
        expect_status(
            api.decrypt(&name, None, gcm[i], &enc.value, Some(&Params::to_reverse(&enc, Some(b"other aad"))))
                .map(|_| ()),
            KV_STATUS_BAD_PARAMETER,
        );
        let mut bad_tag = enc.clone();
        bad_tag.tag[0] ^= 1;
        expect_status(
            api.decrypt(&name, None, gcm[i], &enc.value, Some(&Params::to_reverse(&bad_tag, Some(aad)))).map(|_| ()),
            KV_STATUS_BAD_PARAMETER,
        );
        // A caller-chosen GCM iv is used as given.
        let iv12 = [7u8; 12];
        let chosen = api.encrypt(&name, None, gcm[i], plaintext, Some(&Params::new().iv(&iv12))).unwrap();
        assert_eq!(chosen.iv, iv12);
        assert_eq!(
            api.decrypt(&name, None, gcm[i], &chosen.value, Some(&Params::to_reverse(&chosen, None))).unwrap().value,
            plaintext
        );

        // CBC (no padding: whole blocks) and CBCPAD, with a caller iv.
        let iv16 = [3u8; 16];
        let enc = api.encrypt(&name, None, cbc[i], block_aligned, Some(&Params::new().iv(&iv16))).unwrap();
        assert_eq!(enc.value.len(), 48);
        assert_eq!(
            api.decrypt(&name, None, cbc[i], &enc.value, Some(&Params::new().iv(&iv16))).unwrap().value,
            block_aligned
        );
        let enc = api.encrypt(&name, None, cbcpad[i], plaintext, Some(&Params::new().iv(&iv16))).unwrap();
        assert_eq!(enc.value.len(), 48, "padded to whole blocks");
        assert_eq!(
            api.decrypt(&name, None, cbcpad[i], &enc.value, Some(&Params::new().iv(&iv16))).unwrap().value,
            plaintext
        );

        // Key wrap: A*KW, and the PKCS#11 forms (any key size; PAD takes any length).
        let wrapped = api.wrap(&name, Some(&version), kw[i], &cek, None).unwrap();
        assert_eq!(wrapped.value.len(), 40);
        assert_eq!(api.unwrap(&name, None, kw[i], &wrapped.value, None).unwrap().value, cek);
        let wrapped = api.wrap(&name, None, KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP, &cek, None).unwrap();
        assert_eq!(
            api.unwrap(&name, None, KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP, &wrapped.value, None).unwrap().value,
            cek
        );
        let odd = [0x22u8; 20];
        let wrapped = api.wrap(&name, None, KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP_PAD, &odd, None).unwrap();
        assert_eq!(wrapped.value.len(), 32);
        assert_eq!(
            api.unwrap(&name, None, KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP_PAD, &wrapped.value, None).unwrap().value,
            odd
        );
        let mut corrupt = wrapped.value.clone();
        corrupt[5] ^= 1;
        expect_status(
            api.unwrap(&name, None, KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP_PAD, &corrupt, None).map(|_| ()),
            KV_STATUS_BAD_PARAMETER,
        );

        // A size that does not match the key is refused by the vault.
        let other = kw[(i + 1) % 3];
        expect_status(api.wrap(&name, None, other, &cek, None).map(|_| ()), KV_STATUS_BAD_PARAMETER);
        // Nothing symmetric runs locally; a symmetric key has no public key.
        expect_status(local_encrypt(&key, gcm[i], plaintext).map(|_| ()), KV_STATUS_UNSUPPORTED_ALGORITHM);
        expect_status(local_wrap(&key, kw[i], &cek).map(|_| ()), KV_STATUS_UNSUPPORTED_ALGORITHM);
        expect_status(public_pem(&key).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
        let jwk: serde_json::Value = serde_json::from_str(&public_jwk(&key).unwrap()).unwrap();
        assert!(jwk.get("k").is_none(), "the symmetric key never appears: {jwk}");
    }
}

#[test]
fn disabled_keys_and_key_ops_in_the_vault_and_locally() {
    let c = client();
    let api = CryptoApi(&c);
    let d = digest(256, b"x");
    // Disabled: the vault refuses private operations, allows public ones; local ops still run.
    let (name, key) = create(&c, "disabled", KV_KEY_TYPE_RSA, None);
    let sig = api.sign(&name, None, KV_SIGNATURE_ALGORITHM_RS256, &d).unwrap();
    let disabled = KeyApi(&c).update(&name, None, &KeyOptions::new().enabled(false)).unwrap();
    assert!(!disabled.enabled());
    expect_status(api.sign(&name, None, KV_SIGNATURE_ALGORITHM_RS256, &d).map(|_| ()), KV_STATUS_KEY_DISABLED);
    assert!(api.verify(&name, None, KV_SIGNATURE_ALGORITHM_RS256, &d, &sig.value).unwrap());
    let enc = api.encrypt(&name, None, KV_ENCRYPTION_ALGORITHM_RSA_OAEP, b"k", None).unwrap();
    expect_status(
        api.decrypt(&name, None, KV_ENCRYPTION_ALGORITHM_RSA_OAEP, &enc.value, None).map(|_| ()),
        KV_STATUS_KEY_DISABLED,
    );
    assert!(
        local_verify(&disabled, KV_SIGNATURE_ALGORITHM_RS256, &d, &sig.value).unwrap(),
        "disabled does not block local verify"
    );
    assert!(local_encrypt(&disabled, KV_ENCRYPTION_ALGORITHM_RSA_OAEP, b"k").is_ok());
    drop(key);

    // key_ops without verify/encrypt: refused by the vault and locally.
    let opts = KeyOptions::new().op("sign").op("decrypt");
    let (name, key) = create(&c, "signonly", KV_KEY_TYPE_RSA, Some(&opts));
    let sig = api.sign(&name, None, KV_SIGNATURE_ALGORITHM_PS256, &d).unwrap();
    assert!(api.verify(&name, None, KV_SIGNATURE_ALGORITHM_PS256, &d, &sig.value).is_err());
    expect_status(
        local_verify(&key, KV_SIGNATURE_ALGORITHM_PS256, &d, &sig.value).map(|_| ()),
        KV_STATUS_OPERATION_NOT_PERMITTED,
    );
    expect_status(
        local_encrypt(&key, KV_ENCRYPTION_ALGORITHM_RSA_OAEP, b"k").map(|_| ()),
        KV_STATUS_OPERATION_NOT_PERMITTED,
    );
    expect_status(
        local_wrap(&key, KV_ENCRYPTION_ALGORITHM_RSA_OAEP, b"k").map(|_| ()),
        KV_STATUS_OPERATION_NOT_PERMITTED,
    );
    // The public key can still be exported.
    assert!(public_pem(&key).unwrap().contains("BEGIN PUBLIC KEY"));
}

#[test]
fn wrong_digest_length_and_missing_keys() {
    let c = client();
    let api = CryptoApi(&c);
    let (name, _key) = create(&c, "digest", KV_KEY_TYPE_EC, Some(&KeyOptions::new().curve(KV_KEY_CURVE_P384)));
    for len in [0usize, 32, 47, 49, 64] {
        let e = expect_status(
            api.sign(&name, None, KV_SIGNATURE_ALGORITHM_ES384, &vec![1; len]).map(|_| ()),
            KV_STATUS_INVALID_ARGUMENT,
        );
        assert!(e.message.contains("48-byte digest"), "{}", e.message);
        assert_eq!(e.http_status, 0, "refused before any request");
    }
    expect_status(
        api.verify(&name, None, KV_SIGNATURE_ALGORITHM_ES384, &[1; 32], &[1; 96]).map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
    let missing = unique("nokey");
    let e = expect_status(
        api.sign(&missing, None, KV_SIGNATURE_ALGORITHM_ES384, &[1; 48]).map(|_| ()),
        KV_STATUS_KEY_NOT_FOUND,
    );
    assert_eq!(e.http_status, 404);
    expect_status(
        api.sign(&name, Some("00000000000000000000000000000000"), KV_SIGNATURE_ALGORITHM_ES384, &[1; 48]).map(|_| ()),
        KV_STATUS_KEY_NOT_FOUND,
    );
}

#[test]
fn concurrent_signing_from_many_threads() {
    let c = client();
    let (name, key) = create(&c, "threads", KV_KEY_TYPE_EC, None);
    let d = digest(256, b"threads");
    let sigs: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| CryptoApi(&c).sign(&name, None, KV_SIGNATURE_ALGORITHM_ES256, &d).unwrap().value))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for sig in sigs {
        assert!(local_verify(&key, KV_SIGNATURE_ALGORITHM_ES256, &d, &sig).unwrap());
    }
}

// --- against the scripted server ---------------------------------------------------------------

mod scripted {
    use super::*;
    use base64::Engine;
    use std::ptr::{null, null_mut};
    use support::scripted_server::{RecordedRequest, Reply, ScriptedServer};

    const SENTINEL: usize = 0x5e17;

    fn example(name: &str) -> serde_json::Value {
        let path = format!("{}/tests/fixtures/spec-examples/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn b64(text: &str) -> Vec<u8> {
        let t = text.trim_end_matches('=');
        if t.contains(['+', '/']) {
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(t).unwrap()
        } else {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t).unwrap()
        }
    }

    /// A vault that challenges unauthenticated requests and answers the others with `reply`.
    fn vault_replying(reply: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> (ScriptedServer, Client) {
        let server = ScriptedServer::start(move |_, req| {
            if req.header("authorization").is_none() {
                return Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"Request is missing a Bearer or PoP token."}}"#)
                    .with_header("WWW-Authenticate", r#"Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://localhost""#);
            }
            reply(req)
        });
        let client =
            Client::new(&server.url(), "tok", &Options::new().ca_file(&server.ca_file().to_string_lossy())).unwrap();
        (server, client)
    }

    fn answering(example_file: &str) -> (ScriptedServer, Client, serde_json::Value) {
        let ex = example(example_file);
        let body = ex["responses"]["200"]["body"].to_string();
        let (server, client) = vault_replying(move |_| Reply::json(200, &body));
        (server, client, ex)
    }

    fn authorized(server: &ScriptedServer) -> Vec<RecordedRequest> {
        server.requests().into_iter().filter(|r| r.header("authorization").is_some()).collect()
    }

    fn body_of(req: &RecordedRequest) -> serde_json::Value {
        serde_json::from_slice(&req.body).unwrap()
    }

    #[test]
    fn sign_and_verify_send_the_spec_bodies_and_read_the_spec_replies() {
        let (server, client, ex) = answering("sign-example.json");
        let p = &ex["parameters"];
        let (name, version) = (p["key-name"].as_str().unwrap(), p["key-version"].as_str().unwrap());
        let digest = b64(p["parameters"]["value"].as_str().unwrap());
        assert_eq!(digest.len(), 64, "the example signs a 64-byte (RS512) digest");
        let out = CryptoApi(&client).sign(name, Some(version), KV_SIGNATURE_ALGORITHM_RS512, &digest).unwrap();
        let reply = &ex["responses"]["200"]["body"];
        assert_eq!(out.value, b64(reply["value"].as_str().unwrap()));
        assert_eq!(out.kid, reply["kid"].as_str().unwrap());
        let reqs = authorized(&server);
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].method, "POST");
        assert_eq!(reqs[0].path(), format!("/keys/{name}/{version}/sign"));
        assert_eq!(reqs[0].query_param("api-version").as_deref(), Some("2025-07-01"));
        assert_eq!(body_of(&reqs[0]), serde_json::json!({"alg": "RS512", "value": p["parameters"]["value"]}));
        // No version: the latest, addressed as /keys/{name}//sign.
        CryptoApi(&client).sign(name, None, KV_SIGNATURE_ALGORITHM_RS512, &digest).unwrap();
        CryptoApi(&client).sign(name, Some(""), KV_SIGNATURE_ALGORITHM_RS512, &digest).unwrap();
        let reqs = authorized(&server);
        assert_eq!(reqs[1].path(), format!("/keys/{name}//sign"));
        assert_eq!(reqs[2].path(), format!("/keys/{name}//sign"));
        // sign_data hashes with SHA-512 for RS512.
        CryptoApi(&client).sign_data(name, None, KV_SIGNATURE_ALGORITHM_RS512, b"abc").unwrap();
        let sent = body_of(&authorized(&server)[3]);
        assert_eq!(b64(sent["value"].as_str().unwrap()), sha2::Sha512::digest(b"abc").to_vec());

        let (server, client, ex) = answering("verify-example.json");
        let p = &ex["parameters"]["parameters"];
        // The example carries the digest in "value" and the signature in "digest"; kv sends the
        // digest as "digest" and the signature as "value", as the model defines.
        let sig = b64(p["digest"].as_str().unwrap());
        let valid = CryptoApi(&client)
            .verify("testkey", Some("9885aa558e8d448789683188f8c194b0"), KV_SIGNATURE_ALGORITHM_RS512, &digest, &sig)
            .unwrap();
        assert!(valid);
        let sent = body_of(&authorized(&server)[0]);
        assert_eq!(b64(sent["digest"].as_str().unwrap()), digest);
        assert_eq!(b64(sent["value"].as_str().unwrap()), sig);
        assert_eq!(authorized(&server)[0].path(), "/keys/testkey/9885aa558e8d448789683188f8c194b0/verify");
    }

    #[test]
    fn cipher_calls_send_the_spec_bodies_and_read_the_spec_replies() {
        for (file, op, alg) in [
            ("encrypt-example.json", "encrypt", KV_ENCRYPTION_ALGORITHM_RSA1_5),
            ("decrypt-example.json", "decrypt", KV_ENCRYPTION_ALGORITHM_RSA_OAEP),
            ("wrapKey-example.json", "wrapkey", KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256),
            ("unwrapKey-example.json", "unwrapkey", KV_ENCRYPTION_ALGORITHM_RSA1_5),
        ] {
            let (server, client, ex) = answering(file);
            let p = &ex["parameters"];
            let (name, version) = (p["key-name"].as_str().unwrap(), p["key-version"].as_str().unwrap());
            let input = b64(p["parameters"]["value"].as_str().unwrap());
            let api = CryptoApi(&client);
            let out = match op {
                "encrypt" => api.encrypt(name, Some(version), alg, &input, None),
                "decrypt" => api.decrypt(name, Some(version), alg, &input, None),
                "wrapkey" => api.wrap(name, Some(version), alg, &input, None),
                _ => api.unwrap(name, Some(version), alg, &input, None),
            }
            .unwrap_or_else(|e| panic!("{file}: {e:?}"));
            let reply = &ex["responses"]["200"]["body"];
            assert_eq!(
                out.value,
                b64(reply["value"].as_str().unwrap()),
                "{file}: value (standard base64 in the wrapKey reply is accepted)"
            );
            assert_eq!(out.kid, reply["kid"].as_str().unwrap());
            let req = &authorized(&server)[0];
            assert_eq!(req.path(), format!("/keys/{name}/{version}/{op}"), "{file}");
            assert_eq!(
                body_of(req),
                serde_json::json!({"alg": p["parameters"]["alg"], "value": p["parameters"]["value"].as_str().unwrap().trim_end_matches('=')}),
                "{file}"
            );
        }
    }

    #[test]
    fn aes_parameters_go_out_and_come_back() {
        let (server, client) = vault_replying(|req| {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            let reply = if req.path().ends_with("/encrypt") {
                serde_json::json!({"kid": "https://localhost/keys/k/v1", "value": "AAEC", "iv": body["iv"], "tag": "EBESEw", "aad": body["aad"]})
            } else {
                serde_json::json!({"kid": "https://localhost/keys/k/v1", "value": "cGxhaW4"})
            };
            Reply::json(200, &reply.to_string())
        });
        let api = CryptoApi(&client);
        let iv = [9u8; 12];
        let out = api
            .encrypt(
                "k",
                Some("v1"),
                KV_ENCRYPTION_ALGORITHM_A256GCM,
                b"plain",
                Some(&Params::new().iv(&iv).aad(b"aad")),
            )
            .unwrap();
        assert_eq!(
            (out.value.as_slice(), out.iv.as_slice(), out.tag.as_slice(), out.aad.as_slice()),
            (&[0u8, 1, 2][..], &iv[..], &[16u8, 17, 18, 19][..], &b"aad"[..])
        );
        let sent = body_of(&authorized(&server)[0]);
        assert_eq!(
            sent,
            serde_json::json!({"alg": "A256GCM", "value": "cGxhaW4", "iv": "CQkJCQkJCQkJCQkJ", "aad": "YWFk"})
        );
        let dec = api
            .decrypt(
                "k",
                None,
                KV_ENCRYPTION_ALGORITHM_A256GCM,
                &out.value,
                Some(&Params::to_reverse(&out, Some(b"aad"))),
            )
            .unwrap();
        assert_eq!(dec.value, b"plain");
        assert!(dec.iv.is_empty() && dec.tag.is_empty() && dec.aad.is_empty());
        let sent = body_of(&authorized(&server)[1]);
        assert_eq!(
            sent,
            serde_json::json!({"alg": "A256GCM", "value": "AAEC", "iv": "CQkJCQkJCQkJCQkJ", "aad": "YWFk", "tag": "EBESEw"})
        );
        // Setting a parameter to length 0 unsets it.
        let p = Params::new().iv(&iv);
        call(|e| kv_crypto_params_set_iv(p.0, null(), 0, e)).unwrap();
        api.encrypt("k", None, KV_ENCRYPTION_ALGORITHM_A128GCM, b"plain", Some(&p)).unwrap();
        assert!(body_of(&authorized(&server)[2]).get("iv").is_none());
    }

    #[test]
    fn service_errors_and_malformed_replies_map_to_statuses() {
        let (_s, client) = vault_replying(|req| {
            if req.path().ends_with("/sign") {
                Reply::json(
                    403,
                    r#"{"error":{"code":"Forbidden","message":"Operation sign is not allowed on a disabled key.","innererror":{"code":"KeyDisabled"}}}"#,
                )
            } else if req.path().ends_with("/verify") {
                Reply::json(200, r#"{"kid":"x"}"#)
            } else {
                Reply::json(200, r#"{"value":17}"#)
            }
        });
        let api = CryptoApi(&client);
        let e = expect_status(
            api.sign("k", None, KV_SIGNATURE_ALGORITHM_ES256, &[0; 32]).map(|_| ()),
            KV_STATUS_KEY_DISABLED,
        );
        assert!(e.message.contains("sign with key 'k'"), "{}", e.message);
        expect_status(
            api.verify("k", None, KV_SIGNATURE_ALGORITHM_ES256, &[0; 32], &[1; 64]).map(|_| ()),
            KV_STATUS_UNPARSEABLE_RESPONSE,
        );
        expect_status(
            api.encrypt("k", None, KV_ENCRYPTION_ALGORITHM_RSA_OAEP, b"x", None).map(|_| ()),
            KV_STATUS_UNPARSEABLE_RESPONSE,
        );
    }

    #[test]
    fn bad_arguments_are_refused_before_any_request_and_outputs_stay_untouched() {
        let (server, client) = vault_replying(|_| {
            Reply::json(500, r#"{"error":{"code":"ShouldNotBeCalled","message":"no request expected"}}"#)
        });
        let api = CryptoApi(&client);
        let name = c("k");
        let mut out = SENTINEL as *mut kv_crypto_result;
        let mut valid = true;
        // Algorithm values outside the enumerations, including 0.
        for alg in [0u32, 11, 99, u32::MAX] {
            let e = expect_status(api.sign("k", None, alg, &[0; 32]).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
            assert!(e.message.contains("kv_signature_algorithm"), "{}", e.message);
            expect_status(api.verify("k", None, alg, &[0; 32], &[1]).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
        }
        for alg in [0u32, 18, 1000] {
            let e = expect_status(api.encrypt("k", None, alg, b"x", None).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
            assert!(e.message.contains("kv_encryption_algorithm"), "{}", e.message);
            expect_status(api.unwrap("k", None, alg, b"x", None).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
        }
        // Digest lengths per algorithm.
        for (alg, wire, bits, _) in SIGNATURES {
            let right = (bits / 8) as usize;
            for len in [right - 1, right + 1] {
                let e = expect_status(api.sign("k", None, alg, &vec![0; len]).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
                assert!(e.message.contains(wire) && e.message.contains(&format!("{right}-byte")), "{}", e.message);
            }
        }
        expect_status(
            api.verify("k", None, KV_SIGNATURE_ALGORITHM_RS256, &[0; 32], &[]).map(|_| ()),
            KV_STATUS_INVALID_ARGUMENT,
        );
        // Parameters the algorithm does not take, or that reversing needs.
        expect_status(
            api.encrypt("k", None, KV_ENCRYPTION_ALGORITHM_RSA_OAEP, b"x", Some(&Params::new().iv(&[1; 16])))
                .map(|_| ()),
            KV_STATUS_INVALID_ARGUMENT,
        );
        expect_status(
            api.encrypt("k", None, KV_ENCRYPTION_ALGORITHM_A128CBC, b"x", Some(&Params::new().aad(b"a"))).map(|_| ()),
            KV_STATUS_INVALID_ARGUMENT,
        );
        expect_status(
            api.encrypt("k", None, KV_ENCRYPTION_ALGORITHM_A128GCM, b"x", Some(&Params::new().tag(&[1; 16])))
                .map(|_| ()),
            KV_STATUS_INVALID_ARGUMENT,
        );
        expect_status(
            api.decrypt("k", None, KV_ENCRYPTION_ALGORITHM_A128GCM, b"x", Some(&Params::new().iv(&[1; 12])))
                .map(|_| ()),
            KV_STATUS_INVALID_ARGUMENT,
        );
        expect_status(
            api.decrypt("k", None, KV_ENCRYPTION_ALGORITHM_A128CBCPAD, b"x", None).map(|_| ()),
            KV_STATUS_INVALID_ARGUMENT,
        );
        expect_status(
            api.decrypt("k", None, KV_ENCRYPTION_ALGORITHM_RSA_OAEP, b"", None).map(|_| ()),
            KV_STATUS_INVALID_ARGUMENT,
        );
        expect_status(
            api.wrap("k", None, KV_ENCRYPTION_ALGORITHM_A256KW, b"", None).map(|_| ()),
            KV_STATUS_INVALID_ARGUMENT,
        );
        // Names and versions.
        expect_status(
            api.sign("bad name", None, KV_SIGNATURE_ALGORITHM_RS256, &[0; 32]).map(|_| ()),
            KV_STATUS_INVALID_NAME,
        );
        expect_status(
            api.encrypt("k", Some("v/1"), KV_ENCRYPTION_ALGORITHM_RSA_OAEP, b"x", None).map(|_| ()),
            KV_STATUS_INVALID_NAME,
        );
        expect_status(
            api.sign_data("k", Some("../x"), KV_SIGNATURE_ALGORITHM_RS256, b"x").map(|_| ()),
            KV_STATUS_INVALID_NAME,
        );
        // NULLs.
        let d = [0u8; 32];
        let raw = client.0;
        expect_status(
            call(|e| kv_client_sign(null(), name.as_ptr(), null(), 1, d.as_ptr(), 32, &mut out, e)),
            KV_STATUS_NULL_ARGUMENT,
        );
        expect_status(
            call(|e| kv_client_sign(raw, null(), null(), 1, d.as_ptr(), 32, &mut out, e)),
            KV_STATUS_NULL_ARGUMENT,
        );
        expect_status(
            call(|e| kv_client_sign(raw, name.as_ptr(), null(), 1, null(), 32, &mut out, e)),
            KV_STATUS_NULL_ARGUMENT,
        );
        expect_status(
            call(|e| kv_client_sign(raw, name.as_ptr(), null(), 1, d.as_ptr(), 32, null_mut(), e)),
            KV_STATUS_NULL_ARGUMENT,
        );
        let e = expect_status(
            call(|e| kv_client_verify(raw, name.as_ptr(), null(), 1, d.as_ptr(), 32, d.as_ptr(), 32, null_mut(), e)),
            KV_STATUS_NULL_ARGUMENT,
        );
        assert!(e.message.contains("valid_out"));
        expect_status(
            call(|e| kv_client_verify_data(raw, name.as_ptr(), null(), 1, d.as_ptr(), 32, null(), 5, &mut valid, e)),
            KV_STATUS_NULL_ARGUMENT,
        );
        expect_status(
            call(|e| kv_client_encrypt(raw, name.as_ptr(), null(), 2, null(), 4, null(), &mut out, e)),
            KV_STATUS_NULL_ARGUMENT,
        );
        expect_status(
            call(|e| kv_client_unwrap_key(raw, name.as_ptr(), null(), 2, d.as_ptr(), 32, null(), null_mut(), e)),
            KV_STATUS_NULL_ARGUMENT,
        );
        expect_status(call(|e| kv_crypto_params_set_iv(null_mut(), d.as_ptr(), 4, e)), KV_STATUS_NULL_ARGUMENT);
        let bad_utf8 = b"k\xff\0";
        expect_status(
            call(|e| kv_client_sign(raw, bad_utf8.as_ptr().cast(), null(), 1, d.as_ptr(), 32, &mut out, e)),
            KV_STATUS_INVALID_UTF8,
        );
        assert_eq!(
            kv_client_sign(null(), null(), null(), 0, null(), 0, null_mut(), null_mut()),
            KV_STATUS_NULL_ARGUMENT,
            "err_out may be NULL"
        );

        assert_eq!(out as usize, SENTINEL, "outputs are untouched on failure");
        assert!(valid, "valid_out is untouched on failure");
        assert_eq!(server.request_count(), 0, "nothing reached the wire");
    }

    #[test]
    fn local_calls_need_no_vault_and_check_their_arguments() {
        let rsa = key_from_jwk(RSA_JWK_WITH_PRIVATE).unwrap();
        assert_eq!(rsa.kty(), "RSA");
        assert_eq!(rsa.id(), "https://myvault.vault.azure.net/keys/imported/1");
        let jwk: serde_json::Value = serde_json::from_str(&public_jwk(&rsa).unwrap()).unwrap();
        assert!(jwk.get("d").is_none() && jwk.get("p").is_none(), "private members are dropped: {jwk}");
        assert_eq!(jwk["kid"], "https://myvault.vault.azure.net/keys/imported/1");
        let pem = public_pem(&rsa).unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n") && pem.ends_with("-----END PUBLIC KEY-----\n"));
        let out = local_encrypt(&rsa, KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256, b"local").unwrap();
        assert_eq!(out.value.len(), 256);
        assert_eq!(out.kid, "https://myvault.vault.azure.net/keys/imported/1");

        let mut k = null_mut();
        let mut out = SENTINEL as *mut kv_crypto_result;
        let mut valid = true;
        for bad in [
            "",
            "not json",
            "[1,2]",
            r#"{"kty":"RSA"}"#,
            r#"{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}"#,
            r#"{"kty":"RSA","n":5,"e":"AQAB"}"#,
        ] {
            expect_status(call(|e| kv_key_from_jwk(c(bad).as_ptr(), &mut k, e)), KV_STATUS_INVALID_ARGUMENT);
        }
        expect_status(
            call(|e| kv_key_from_jwk(c(r#"{"kty":"OKP","crv":"Ed25519","x":"AQ"}"#).as_ptr(), &mut k, e)),
            KV_STATUS_UNSUPPORTED_ALGORITHM,
        );
        expect_status(call(|e| kv_key_from_jwk(null(), &mut k, e)), KV_STATUS_NULL_ARGUMENT);
        expect_status(call(|e| kv_key_from_jwk(c("{}").as_ptr(), null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
        assert!(k.is_null());
        let d = [0u8; 32];
        expect_status(
            call(|e| kv_key_verify(null(), 1, d.as_ptr(), 32, d.as_ptr(), 32, &mut valid, e)),
            KV_STATUS_NULL_ARGUMENT,
        );
        expect_status(
            call(|e| kv_key_verify(rsa.0, 1, d.as_ptr(), 32, d.as_ptr(), 32, null_mut(), e)),
            KV_STATUS_NULL_ARGUMENT,
        );
        expect_status(
            call(|e| kv_key_verify(rsa.0, 0, d.as_ptr(), 32, d.as_ptr(), 32, &mut valid, e)),
            KV_STATUS_INVALID_ARGUMENT,
        );
        expect_status(
            call(|e| kv_key_verify(rsa.0, 1, d.as_ptr(), 31, d.as_ptr(), 32, &mut valid, e)),
            KV_STATUS_INVALID_ARGUMENT,
        );
        expect_status(call(|e| kv_key_encrypt(rsa.0, 77, d.as_ptr(), 32, &mut out, e)), KV_STATUS_INVALID_ARGUMENT);
        expect_status(call(|e| kv_key_wrap_key(rsa.0, 2, null(), 8, &mut out, e)), KV_STATUS_NULL_ARGUMENT);
        expect_status(call(|e| kv_key_wrap_key(rsa.0, 2, d.as_ptr(), 0, &mut out, e)), KV_STATUS_INVALID_ARGUMENT);
        expect_status(call(|e| kv_key_public_pem(null(), null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
        expect_status(call(|e| kv_key_public_jwk(rsa.0, null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
        assert_eq!(out as usize, SENTINEL);
        assert!(valid);
        assert!(
            !local_verify(&rsa, KV_SIGNATURE_ALGORITHM_RS256, &d, &[0; 256]).unwrap(),
            "a wrong signature verifies false"
        );

        // A key bundle's attributes limit local use.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let jwk: serde_json::Value = serde_json::from_str(RSA_JWK_WITH_PRIVATE).unwrap();
        let expired = key_from_jwk(
            &serde_json::json!({"key": jwk, "attributes": {"enabled": true, "exp": now - 60}}).to_string(),
        )
        .unwrap();
        assert_eq!(expired.expires(), now - 60);
        expect_status(local_encrypt(&expired, KV_ENCRYPTION_ALGORITHM_RSA1_5, b"x").map(|_| ()), KV_STATUS_KEY_EXPIRED);
        let early =
            key_from_jwk(&serde_json::json!({"key": jwk, "attributes": {"nbf": now + 3600}}).to_string()).unwrap();
        expect_status(
            local_verify(&early, KV_SIGNATURE_ALGORITHM_RS256, &d, &[0; 256]).map(|_| ()),
            KV_STATUS_KEY_NOT_YET_VALID,
        );
    }

    #[test]
    fn accessors_and_frees_accept_null() {
        assert_eq!(blob_bytes(kv_crypto_result_value(null())), Vec::<u8>::new());
        assert_eq!(blob_bytes(kv_crypto_result_iv(null())), Vec::<u8>::new());
        assert_eq!(blob_bytes(kv_crypto_result_tag(null())), Vec::<u8>::new());
        assert_eq!(blob_bytes(kv_crypto_result_aad(null())), Vec::<u8>::new());
        assert_eq!(text(kv_crypto_result_key_id(null())), "");
        kv_crypto_result_free(null_mut());
        kv_crypto_params_free(null_mut());
    }

    /// A 2048-bit RSA key with private members (they must be dropped by kv_key_from_jwk).
    const RSA_JWK_WITH_PRIVATE: &str = r#"{"kid":"https://myvault.vault.azure.net/keys/imported/1","kty":"RSA","key_ops":["encrypt","verify","wrapKey"],
        "n":"oPs5QeccwE32kDFzQaz5GN14jqqExoBxWRi8QWWiv-g8nZxah4jPQrWr84-RlFlhvi3vgwetQ-ErL78_VF1P0XpKfwF94bXLBnWl0b5G5KuEBwRJyIu5bJCBIDjfetNmV4344zh0eYzHg8WymPeL3DEsGSxiT91wAN_z2JhYl_Hu9NLbNKvDA0jI2cs1ZgNsojmJk1JzOEyhjsaXpqh1xKA0Um5a7thuHq9vDL6Q0zvTg9gGQlzP2a_z92BLJSt5pNt5OgW0FOdggSkICAjm-nld0InV1CYjrTNZIlddMUQwqgwUHBcHmW6auRSapk1sReSMTJw7wyvxIrYclfuE0Q",
        "e":"AQAB","d":"c2VjcmV0"}"#;
}
