//! The identity-platform credentials (client secret, client certificate, workload identity,
//! environment) through the C ABI, against a local HTTPS endpoint that acts as Entra ID at
//! `/{tenant}/oauth2/v2.0/token` and checks every form field of every token request (and, for
//! certificates, verifies the client assertion's signature with the certificate's public key),
//! and a scripted vault that challenges, demands claims and records the bearer tokens it gets.
//!
//! Test certificates are made with the `openssl` command at test time. Tests that change
//! `AZURE_*` variables hold `ENV_LOCK` (the environment is process-wide) and restore them.

mod support;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use kv::ffi::credential::*;
use kv::ffi::status::*;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::Sha256;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};
use support::capi::identity::*;
use support::capi::*;
use support::scripted_server::{RecordedRequest, Reply, ScriptedServer};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT_ID: &str = "6f0ae1b4-1b9f-4c3d-9b1a-6a5c0c3d2e11";
const SECRET: &str = "s3cr3t&=+ %?value~from-the-portal";
const VAULT_SCOPE: &str = "https://vault.azure.net/.default";
const P12_PASSWORD: &str = "p12 pass&word";
/// Claims of a CAE challenge (as the service sends them, before base64).
const CAE_CLAIMS: &str =
    r#"{"access_token":{"nbf":{"essential":true,"value":"1726077595"},"xms_caeerror":{"value":"10012"}}}"#;

/// The environment is process-wide: tests that change `AZURE_*` variables hold it for writing
/// (one at a time, and alone); every other test holds it for reading, so that no variable
/// changes while it builds credentials or resolves host names.
static ENV_LOCK: RwLock<()> = RwLock::new(());

/// Holds the environment steady for a test that does not change it.
fn steady_env() -> RwLockReadGuard<'static, ()> {
    ENV_LOCK.read().unwrap_or_else(|p| p.into_inner())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ------------------------------------------------------------------------------------------------
// The fake Entra ID token endpoint
// ------------------------------------------------------------------------------------------------

/// How the endpoint expects the client to prove its identity.
#[derive(Clone)]
enum Proof {
    Secret(String),
    /// A client assertion signed by the certificate's key, naming it by thumbprints.
    Certificate {
        public_key: RsaPublicKey,
        x5t_s256: String,
        x5t: String,
        x5c: Option<Vec<String>>,
    },
    /// A federated (workload identity) assertion: exactly this text.
    Federated(String),
}

/// One token request as the endpoint saw it.
#[derive(Debug, Clone)]
struct Seen {
    tenant: String,
    fields: Vec<(String, String)>,
    problems: Vec<String>,
    issued: Option<String>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

struct EntraState {
    client_id: String,
    proof: Mutex<Proof>,
    /// `expires_in` as sent (a number or a string).
    expires_in: Mutex<serde_json::Value>,
    /// Replies used instead of a token for the next requests, in order.
    failures: Mutex<Vec<Reply>>,
    seen: Mutex<Vec<Seen>>,
    jtis: Mutex<HashSet<String>>,
    base_url: OnceLock<String>,
}

/// A local HTTPS endpoint acting as Entra ID.
struct Entra {
    server: ScriptedServer,
    state: Arc<EntraState>,
}

impl Entra {
    fn start(client_id: &str, proof: Proof) -> Entra {
        let state = Arc::new(EntraState {
            client_id: client_id.to_owned(),
            proof: Mutex::new(proof),
            expires_in: Mutex::new(serde_json::json!(3599)),
            failures: Mutex::new(Vec::new()),
            seen: Mutex::new(Vec::new()),
            jtis: Mutex::new(HashSet::new()),
            base_url: OnceLock::new(),
        });
        let handler_state = state.clone();
        let server = ScriptedServer::start(move |_, req| token_endpoint(&handler_state, req));
        state.base_url.set(server.url()).unwrap();
        Entra { server, state }
    }

    fn url(&self) -> String {
        self.server.url()
    }

    fn ca(&self) -> String {
        self.server.ca_file().to_string_lossy().into_owned()
    }

    /// Options pointing a credential at this endpoint.
    fn options(&self) -> CredOptions {
        CredOptions::new().authority_host(&self.url()).ca_file(&self.ca())
    }

    fn set_expires_in(&self, v: serde_json::Value) {
        *lock(&self.state.expires_in) = v;
    }

    fn set_proof(&self, proof: Proof) {
        *lock(&self.state.proof) = proof;
    }

    fn fail_next(&self, replies: Vec<Reply>) {
        *lock(&self.state.failures) = replies;
    }

    fn seen(&self) -> Vec<Seen> {
        lock(&self.state.seen).clone()
    }

    /// Asserts every token request so far passed every check.
    #[track_caller]
    fn assert_all_valid(&self) {
        for (i, s) in self.seen().iter().enumerate() {
            assert!(s.problems.is_empty(), "token request #{i} failed the endpoint's checks: {:?}", s.problems);
        }
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// The endpoint: checks the request completely, then issues a token (or a scripted failure).
fn token_endpoint(state: &EntraState, req: &RecordedRequest) -> Reply {
    let mut problems = Vec::new();
    let segments: Vec<&str> = req.path().split('/').collect();
    let tenant = match segments.as_slice() {
        ["", tenant, "oauth2", "v2.0", "token"] if !tenant.is_empty() => tenant.to_string(),
        _ => {
            problems.push(format!("unexpected path {}", req.target));
            String::new()
        }
    };
    if req.method != "POST" {
        problems.push(format!("method {} instead of POST", req.method));
    }
    if req.target.contains('?') {
        problems.push("the token request has a query string".into());
    }
    let content_type = req.header("content-type").unwrap_or("");
    if content_type.split(';').next().map(str::trim) != Some("application/x-www-form-urlencoded") {
        problems.push(format!("content-type {content_type:?}"));
    }
    let fields: Vec<(String, String)> =
        url::form_urlencoded::parse(&req.body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let get = |name: &str| -> Option<String> {
        let values: Vec<&String> = fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v).collect();
        values.first().map(|v| v.to_string())
    };
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    let unique: HashSet<&str> = names.iter().copied().collect();
    if unique.len() != names.len() {
        problems.push(format!("repeated form fields: {names:?}"));
    }
    if get("client_id").as_deref() != Some(state.client_id.as_str()) {
        problems.push(format!("client_id {:?}", get("client_id")));
    }
    if get("scope").as_deref() != Some(VAULT_SCOPE) {
        problems.push(format!("scope {:?}", get("scope")));
    }
    if get("grant_type").as_deref() != Some("client_credentials") {
        problems.push(format!("grant_type {:?}", get("grant_type")));
    }
    if let Some(claims) = get("claims") {
        if serde_json::from_str::<serde_json::Value>(&claims).is_err() {
            problems.push(format!("claims are not JSON: {claims}"));
        }
    }
    let proof = lock(&state.proof).clone();
    let mut expected: Vec<&str> = vec!["client_id", "scope", "grant_type"];
    match &proof {
        Proof::Secret(secret) => {
            expected.push("client_secret");
            if get("client_secret").as_deref() != Some(secret.as_str()) {
                problems.push("client_secret differs from the configured secret".into());
            }
        }
        Proof::Certificate { .. } | Proof::Federated(_) => {
            expected.extend(["client_assertion_type", "client_assertion"]);
            if get("client_assertion_type").as_deref() != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            {
                problems.push(format!("client_assertion_type {:?}", get("client_assertion_type")));
            }
            let assertion = get("client_assertion").unwrap_or_default();
            match &proof {
                Proof::Federated(want) if &assertion != want => {
                    problems.push(format!("client_assertion {assertion:?} instead of {want:?}"))
                }
                Proof::Certificate { public_key, x5t_s256, x5t, x5c } => {
                    let audience = format!("{}/{tenant}/oauth2/v2.0/token", state.base_url.get().unwrap());
                    check_certificate_assertion(
                        state,
                        &assertion,
                        &audience,
                        public_key,
                        x5t_s256,
                        x5t,
                        x5c.as_ref(),
                        &mut problems,
                    );
                }
                _ => {}
            }
        }
    }
    if get("claims").is_some() {
        expected.push("claims");
    }
    let mut sorted_names = names.clone();
    sorted_names.sort_unstable();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort_unstable();
    if sorted_names != sorted_expected {
        problems.push(format!("form fields {names:?}, expected exactly {expected:?}"));
    }

    let mut seen = lock(&state.seen);
    let n = seen.len() + 1;
    let mut record = Seen { tenant: tenant.clone(), fields: fields.clone(), problems: problems.clone(), issued: None };
    if !problems.is_empty() {
        seen.push(record);
        let body = serde_json::json!({"error": "invalid_request", "error_description": format!("test endpoint: {}", problems.join("; "))});
        return Reply::json(400, &body.to_string());
    }
    {
        let mut failures = lock(&state.failures);
        if !failures.is_empty() {
            seen.push(record);
            return failures.remove(0);
        }
    }
    let token = format!("tok-{tenant}-{n}");
    record.issued = Some(token.clone());
    seen.push(record);
    let body = serde_json::json!({
        "token_type": "Bearer",
        "expires_in": lock(&state.expires_in).clone(),
        "ext_expires_in": 3599,
        "access_token": token,
    });
    Reply::json(200, &body.to_string())
}

#[allow(clippy::too_many_arguments)]
fn check_certificate_assertion(
    state: &EntraState,
    assertion: &str,
    audience: &str,
    public_key: &RsaPublicKey,
    x5t_s256: &str,
    x5t: &str,
    x5c: Option<&Vec<String>>,
    problems: &mut Vec<String>,
) {
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 {
        problems.push(format!("the assertion has {} parts", parts.len()));
        return;
    }
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p).ok();
    let json =
        |p: &str| decode(p).and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok()).unwrap_or_default();
    let header = json(parts[0]);
    let claims = json(parts[1]);
    if header["alg"] != "RS256" || header["typ"] != "JWT" {
        problems.push(format!("header alg/typ {header}"));
    }
    if header["x5t#S256"] != x5t_s256 {
        problems.push(format!("x5t#S256 {} instead of {x5t_s256}", header["x5t#S256"]));
    }
    if header["x5t"] != x5t {
        problems.push(format!("x5t {} instead of {x5t}", header["x5t"]));
    }
    match (x5c, header.get("x5c")) {
        (None, None) => {}
        (Some(want), Some(got)) if got == &serde_json::json!(want) => {}
        (want, got) => problems.push(format!("x5c {got:?} instead of {want:?}")),
    }
    if claims["aud"] != audience {
        problems.push(format!("aud {} instead of {audience}", claims["aud"]));
    }
    if claims["iss"] != state.client_id.as_str() || claims["sub"] != state.client_id.as_str() {
        problems.push(format!("iss {} sub {}", claims["iss"], claims["sub"]));
    }
    let now = now_secs();
    let (exp, nbf, iat) = (
        claims["exp"].as_u64().unwrap_or(0),
        claims["nbf"].as_u64().unwrap_or(u64::MAX),
        claims["iat"].as_u64().unwrap_or(u64::MAX),
    );
    if exp <= now || exp > now + 610 {
        problems.push(format!("exp {exp} is not within 10 minutes from now ({now})"));
    }
    if nbf > now + 5 || iat > now + 5 || nbf + 60 < now {
        problems.push(format!("nbf {nbf} / iat {iat} are not now ({now})"));
    }
    match claims["jti"].as_str() {
        Some(jti) if !jti.is_empty() => {
            if !lock(&state.jtis).insert(jti.to_owned()) {
                problems.push(format!("jti {jti} was used before"));
            }
        }
        _ => problems.push("no jti".into()),
    }
    let verified = decode(parts[2]).and_then(|sig| Signature::try_from(sig.as_slice()).ok()).is_some_and(|sig| {
        VerifyingKey::<Sha256>::new(public_key.clone())
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .is_ok()
    });
    if !verified {
        problems.push("the assertion's signature does not verify with the certificate's public key".into());
    }
}

// ------------------------------------------------------------------------------------------------
// The scripted vault
// ------------------------------------------------------------------------------------------------

fn challenge_for(tenant: &str) -> Reply {
    Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"Request is missing a Bearer or PoP token."}}"#)
        .with_header("WWW-Authenticate", &format!(r#"Bearer authorization="https://login.microsoftonline.com/{tenant}", resource="https://vault.azure.net""#))
}

fn cae_challenge() -> Reply {
    let header = format!(
        r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="{}""#,
        STANDARD.encode(CAE_CLAIMS)
    );
    Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"Token has been revoked."}}"#)
        .with_header("WWW-Authenticate", &header)
}

/// A vault whose challenge names `tenant`; its first `cae` authorized requests get a CAE claims
/// challenge, the others the secret.
fn vault(tenant: &str, cae: usize) -> ScriptedServer {
    let tenant = tenant.to_owned();
    let authorized = AtomicUsize::new(0);
    ScriptedServer::start(move |_, req| {
        if req.header("authorization").is_none() {
            return challenge_for(&tenant);
        }
        if authorized.fetch_add(1, Ordering::SeqCst) < cae {
            return cae_challenge();
        }
        let origin = format!("https://{}", req.header("host").unwrap_or("localhost"));
        Reply::json(
            200,
            &format!(
                r#"{{"value":"the-value","id":"{origin}/secrets/name/0123456789abcdef","attributes":{{"enabled":true,"created":1,"updated":1}}}}"#
            ),
        )
    })
}

/// The `Authorization` headers the vault received, in order (None for unauthenticated requests).
fn bearers(vault: &ScriptedServer) -> Vec<Option<String>> {
    vault.requests().iter().map(|r| r.header("authorization").map(str::to_owned)).collect()
}

fn client_for(vault: &ScriptedServer, cred: &Credential) -> Client {
    let options = Options::new().ca_file(&vault.ca_file().to_string_lossy()).verify_resource(false).retries(0, 1, 1);
    client_with(&vault.url(), cred, &options).expect("client")
}

// ------------------------------------------------------------------------------------------------
// Test certificates (openssl)
// ------------------------------------------------------------------------------------------------

/// A certificate with its key in the forms the credential accepts, plus what the endpoint checks.
struct TestCert {
    /// Certificate then PKCS#8 key.
    pem: Vec<u8>,
    /// PKCS#1 key then certificate.
    pem_pkcs1_key_first: Vec<u8>,
    /// PKCS#12, AES-256-CBC, SHA-256 MAC, password `P12_PASSWORD`.
    p12: Vec<u8>,
    /// PKCS#12 of a leaf issued by `ca`, with the CA certificate.
    p12_chain: Vec<u8>,
    leaf_der: Vec<u8>,
    chained_leaf_der: Vec<u8>,
    ca_der: Vec<u8>,
    public_key: RsaPublicKey,
    chained_public_key: RsaPublicKey,
    /// base64url thumbprints from `openssl x509 -fingerprint`.
    x5t_s256: String,
    x5t: String,
    chained_x5t_s256: String,
    chained_x5t: String,
}

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl command runs");
    assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// base64url of the fingerprint openssl prints ("sha256 Fingerprint=AB:CD:...").
fn fingerprint(dir: &Path, cert: &str, digest: &str) -> String {
    let out = String::from_utf8(openssl(dir, &["x509", "-in", cert, "-noout", "-fingerprint", digest])).unwrap();
    let hex = out.trim().split('=').nth(1).unwrap().replace(':', "");
    let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn public_key_of(dir: &Path, cert: &str) -> RsaPublicKey {
    let pem = String::from_utf8(openssl(dir, &["x509", "-in", cert, "-noout", "-pubkey"])).unwrap();
    RsaPublicKey::from_public_key_pem(&pem).unwrap()
}

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir =
        std::env::temp_dir().join(format!("kv-cred-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn test_cert() -> &'static TestCert {
    static CERT: OnceLock<TestCert> = OnceLock::new();
    CERT.get_or_init(|| {
        let dir = temp_dir("certs");
        let d = dir.as_path();
        let pass = format!("pass:{P12_PASSWORD}");
        let p12_args = |inp: &str, key: &str, out: &str, extra: &[&str]| {
            let mut args = vec![
                "pkcs12",
                "-export",
                "-in",
                inp,
                "-inkey",
                key,
                "-out",
                out,
                "-passout",
                &pass,
                "-keypbe",
                "AES-256-CBC",
                "-certpbe",
                "AES-256-CBC",
                "-macalg",
                "sha256",
            ];
            args.extend_from_slice(extra);
            openssl(d, &args);
        };
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "key.pem",
                "-out",
                "cert.pem",
                "-days",
                "2",
                "-subj",
                "/CN=kv-test-app",
            ],
        );
        openssl(d, &["rsa", "-in", "key.pem", "-traditional", "-out", "key1.pem"]);
        p12_args("cert.pem", "key.pem", "cert.p12", &[]);
        openssl(d, &["x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der"]);
        // A CA and a leaf it issued.
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=kv-test-ca",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
                "-subj",
                "/CN=kv-test-leaf",
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "leaf.pem",
                "-days",
                "2",
            ],
        );
        p12_args("leaf.pem", "leaf.key", "chain.p12", &["-certfile", "ca.pem"]);
        openssl(d, &["x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der"]);
        openssl(d, &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"]);

        let key = read(d, "key.pem");
        let key1 = read(d, "key1.pem");
        assert!(
            String::from_utf8_lossy(&key).contains("BEGIN PRIVATE KEY")
                && String::from_utf8_lossy(&key1).contains("BEGIN RSA PRIVATE KEY")
        );
        let cert_pem = read(d, "cert.pem");
        let cert = TestCert {
            pem: [cert_pem.clone(), key].concat(),
            pem_pkcs1_key_first: [key1, cert_pem].concat(),
            p12: read(d, "cert.p12"),
            p12_chain: read(d, "chain.p12"),
            leaf_der: read(d, "cert.der"),
            chained_leaf_der: read(d, "leaf.der"),
            ca_der: read(d, "ca.der"),
            public_key: public_key_of(d, "cert.pem"),
            chained_public_key: public_key_of(d, "leaf.pem"),
            x5t_s256: fingerprint(d, "cert.pem", "-sha256"),
            x5t: fingerprint(d, "cert.pem", "-sha1"),
            chained_x5t_s256: fingerprint(d, "leaf.pem", "-sha256"),
            chained_x5t: fingerprint(d, "leaf.pem", "-sha1"),
        };
        let _ = std::fs::remove_dir_all(&dir);
        cert
    })
}

fn cert_proof(x5c: Option<Vec<String>>) -> Proof {
    let t = test_cert();
    Proof::Certificate { public_key: t.public_key.clone(), x5t_s256: t.x5t_s256.clone(), x5t: t.x5t.clone(), x5c }
}

fn chained_cert_proof(x5c: Option<Vec<String>>) -> Proof {
    let t = test_cert();
    Proof::Certificate {
        public_key: t.chained_public_key.clone(),
        x5t_s256: t.chained_x5t_s256.clone(),
        x5t: t.chained_x5t.clone(),
        x5c,
    }
}

// ------------------------------------------------------------------------------------------------
// Environment variables
// ------------------------------------------------------------------------------------------------

const AZURE_VARS: &[&str] = &[
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "AZURE_ADDITIONALLY_ALLOWED_TENANTS",
];

/// Holds `ENV_LOCK`, starts with every `AZURE_*` variable above unset, and restores them on drop.
struct EnvGuard {
    saved: Vec<(&'static str, Option<String>)>,
    _lock: RwLockWriteGuard<'static, ()>,
}

impl EnvGuard {
    fn new() -> EnvGuard {
        let lock = ENV_LOCK.write().unwrap_or_else(|p| p.into_inner());
        let saved = AZURE_VARS.iter().map(|&n| (n, std::env::var(n).ok())).collect();
        for n in AZURE_VARS {
            std::env::remove_var(n);
        }
        EnvGuard { saved, _lock: lock }
    }

    fn set(&self, name: &str, value: &str) {
        std::env::set_var(name, value);
    }

    fn unset(&self, name: &str) {
        std::env::remove_var(name);
    }
}

impl Drop for EnvGuard {
    fn drop(&mut self) {
        for (n, v) in &self.saved {
            match v {
                Some(v) => std::env::set_var(n, v),
                None => std::env::remove_var(n),
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Client secret
// ------------------------------------------------------------------------------------------------

#[test]
fn client_secret_token_reaches_the_vault_and_is_cached() {
    let _env = steady_env();
    let entra = Entra::start(CLIENT_ID, Proof::Secret(SECRET.into()));
    let vault = vault(TENANT, 0);
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options())).unwrap();
    let client = client_for(&vault, &cred);
    drop(cred); // the client keeps its own reference
    assert_eq!(client.get("name", None).unwrap().value(), b"the-value");
    assert_eq!(client.get("name", None).unwrap().value(), b"the-value");

    entra.assert_all_valid();
    let seen = entra.seen();
    assert_eq!(seen.len(), 1, "the token is cached (expires_in 3599)");
    assert_eq!(seen[0].tenant, TENANT);
    assert_eq!(seen[0].field("client_secret"), Some(SECRET));
    assert_eq!(seen[0].field("claims"), None);
    let token = seen[0].issued.clone().unwrap();
    assert_eq!(bearers(&vault), vec![None, Some(format!("Bearer {token}")), Some(format!("Bearer {token}"))]);
}

#[test]
fn expires_in_as_a_string_is_understood_and_short_lifetimes_are_refreshed() {
    let _env = steady_env();
    let entra = Entra::start(CLIENT_ID, Proof::Secret(SECRET.into()));
    entra.set_expires_in(serde_json::json!("3599"));
    let vault = vault(TENANT, 0);
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options())).unwrap();
    let client = client_for(&vault, &cred);
    client.get("name", None).unwrap();
    client.get("name", None).unwrap();
    assert_eq!(entra.seen().len(), 1, "\"3599\" is a long lifetime: the token is reused");

    // A lifetime inside the 5-minute refresh window: every call fetches a new token.
    entra.set_expires_in(serde_json::json!(120));
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options())).unwrap();
    let client = client_for(&vault, &cred);
    client.get("name", None).unwrap();
    client.get("name", None).unwrap();
    entra.assert_all_valid();
    let seen = entra.seen();
    assert_eq!(seen.len(), 3);
    let last = vault.requests().last().unwrap().header("authorization").unwrap().to_owned();
    assert_eq!(last, format!("Bearer {}", seen[2].issued.as_deref().unwrap()));
}

#[test]
fn many_threads_sharing_a_credential_make_one_token_request() {
    let _env = steady_env();
    let entra = Entra::start(CLIENT_ID, Proof::Secret(SECRET.into()));
    let vault = vault(TENANT, 0);
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options())).unwrap();
    let client = Arc::new(client_for(&vault, &cred));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || client.get("name", None).map(|s| s.value()))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), b"the-value");
    }
    entra.assert_all_valid();
    assert_eq!(entra.seen().len(), 1);
}

#[test]
fn tenant_discovery_uses_the_challenge_tenant_only_when_allowed() {
    let _env = steady_env();
    let entra = Entra::start(CLIENT_ID, Proof::Secret(SECRET.into()));
    let vault_b = vault(OTHER_TENANT, 0);

    // Allowed by name: the token comes from the challenge's tenant.
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options().allow_tenant(OTHER_TENANT))).unwrap();
    client_for(&vault_b, &cred).get("name", None).unwrap();
    // Allowed by "*".
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options().allow_tenant("*"))).unwrap();
    client_for(&vault_b, &cred).get("name", None).unwrap();
    // Not allowed: the configured tenant is used.
    let cred =
        client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options().allow_tenant("fabrikam.onmicrosoft.com")))
            .unwrap();
    client_for(&vault_b, &cred).get("name", None).unwrap();
    // The challenge names the configured tenant: no allow-list needed.
    let vault_a = vault(TENANT, 0);
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options())).unwrap();
    client_for(&vault_a, &cred).get("name", None).unwrap();

    entra.assert_all_valid();
    let tenants: Vec<String> = entra.seen().into_iter().map(|s| s.tenant).collect();
    assert_eq!(tenants, vec![OTHER_TENANT, OTHER_TENANT, TENANT, TENANT]);
    let last = bearers(&vault_b).pop().unwrap().unwrap();
    assert!(last.starts_with(&format!("Bearer tok-{TENANT}-")), "{last}");
}

#[test]
fn a_claims_challenge_gets_a_token_with_the_claims_and_one_retry_only() {
    let _env = steady_env();
    let entra = Entra::start(CLIENT_ID, Proof::Secret(SECRET.into()));

    // One CAE challenge: a new token carrying the claims, then success.
    let vault1 = vault(TENANT, 1);
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options())).unwrap();
    assert_eq!(client_for(&vault1, &cred).get("name", None).unwrap().value(), b"the-value");
    entra.assert_all_valid();
    let seen = entra.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].field("claims"), None);
    let claims: serde_json::Value =
        serde_json::from_str(seen[1].field("claims").expect("the second token request carries the claims")).unwrap();
    assert_eq!(claims, serde_json::from_str::<serde_json::Value>(CAE_CLAIMS).unwrap());
    let (first, second) = (seen[0].issued.clone().unwrap(), seen[1].issued.clone().unwrap());
    assert_eq!(bearers(&vault1), vec![None, Some(format!("Bearer {first}")), Some(format!("Bearer {second}"))]);

    // Claims challenges that keep coming: one retry with claims, then the 401 is returned.
    let vault2 = vault(TENANT, usize::MAX);
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options())).unwrap();
    let e = expect_status(client_for(&vault2, &cred).get("name", None).map(|_| ()), KV_STATUS_UNAUTHORIZED);
    assert_eq!(e.http_status, 401);
    entra.assert_all_valid();
    assert_eq!(entra.seen().len(), 4, "one token without and one with claims");
    assert_eq!(vault2.request_count(), 3, "challenge, token, token with claims: no loop");
}

/// Security review #12: after a CAE claims challenge revokes a token, later calls use the token
/// with the claims at once instead of first resending the revoked one (5 calls: the probe, the
/// revoked token, then one request per call).
#[test]
fn after_a_claims_challenge_the_revoked_token_is_not_sent_again() {
    let _env = steady_env();
    let entra = Entra::start(CLIENT_ID, Proof::Secret(SECRET.into()));
    let revoked = std::sync::Mutex::new(None::<String>);
    let vault = ScriptedServer::start(move |_, req| {
        let Some(bearer) = req.header("authorization") else {
            return challenge_for(TENANT);
        };
        let mut revoked = revoked.lock().unwrap();
        if revoked.get_or_insert_with(|| bearer.to_owned()) == bearer {
            return cae_challenge();
        }
        let origin = format!("https://{}", req.header("host").unwrap_or("localhost"));
        Reply::json(
            200,
            &format!(
                r#"{{"value":"the-value","id":"{origin}/secrets/name/0123456789abcdef","attributes":{{"enabled":true,"created":1,"updated":1}}}}"#
            ),
        )
    });
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options())).unwrap();
    let client = client_for(&vault, &cred);
    for _ in 0..5 {
        assert_eq!(client.get("name", None).unwrap().value(), b"the-value");
    }
    let seen = bearers(&vault);
    assert_eq!(seen.len(), 7, "probe + revoked + 5 with claims: {seen:?}");
    assert_eq!(entra.seen().len(), 2, "one token without claims, one with");
    let revoked_token = seen[1].clone();
    assert!(seen[2..].iter().all(|b| *b != revoked_token && b.is_some()), "{seen:?}");
}

#[test]
fn an_error_reply_fails_with_its_description_and_never_the_secret() {
    let _env = steady_env();
    let entra = Entra::start(CLIENT_ID, Proof::Secret(SECRET.into()));
    let description = format!(
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID (got {SECRET}).\r\nTrace ID: 0f1e2d3c\r\nCorrelation ID: 4b5a6978\r\nTimestamp: 2025-01-01 00:00:00Z"
    );
    let body = serde_json::json!({"error": "invalid_client", "error_description": description, "error_codes": [7000215], "trace_id": "0f1e2d3c"});
    entra.fail_next(vec![Reply::json(401, &body.to_string())]);
    let vault = vault(TENANT, 0);
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options())).unwrap();
    let client = client_for(&vault, &cred);
    let e = expect_status(client.get("name", None).map(|_| ()), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("AADSTS7000215: Invalid client secret provided"), "{}", e.message);
    assert!(e.message.contains("Trace ID: 0f1e2d3c"), "{}", e.message);
    assert!(!e.message.contains(SECRET) && !e.message.contains("s3cr3t"), "the secret leaked: {}", e.message);
    assert_eq!(
        (e.service_code.as_str(), e.inner_code.as_str(), e.http_status),
        ("invalid_client", "AADSTS7000215", 401)
    );
    assert_eq!(bearers(&vault), vec![None], "no token reached the vault");
    entra.assert_all_valid();
}

#[test]
fn transient_endpoint_failures_are_retried() {
    let _env = steady_env();
    let entra = Entra::start(CLIENT_ID, Proof::Secret(SECRET.into()));
    entra.fail_next(vec![Reply::json(503, r#"{"error":"temporarily_unavailable","error_description":"busy"}"#)
        .with_header("Retry-After", "0")]);
    let vault = vault(TENANT, 0);
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&entra.options())).unwrap();
    client_for(&vault, &cred).get("name", None).unwrap();
    entra.assert_all_valid();
    let seen = entra.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(bearers(&vault)[1], Some(format!("Bearer {}", seen[1].issued.as_deref().unwrap())));
}

#[test]
fn an_untrusted_endpoint_certificate_is_a_tls_failure() {
    let _env = steady_env();
    let entra = Entra::start(CLIENT_ID, Proof::Secret(SECRET.into()));
    let vault = vault(TENANT, 0);
    // Authority host set, but the endpoint's CA not trusted.
    let opts = CredOptions::new().authority_host(&entra.url()).timeout_ms(5000);
    let cred = client_secret(TENANT, CLIENT_ID, SECRET, Some(&opts)).unwrap();
    let e = expect_status(client_for(&vault, &cred).get("name", None).map(|_| ()), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(
        e.message.to_lowercase().contains("tls") || e.message.to_lowercase().contains("certificate"),
        "{}",
        e.message
    );
    assert!(!e.message.contains(SECRET));
    assert_eq!(entra.seen().len(), 0);
}

// ------------------------------------------------------------------------------------------------
// Client certificate
// ------------------------------------------------------------------------------------------------

#[test]
fn certificate_from_pem_signs_a_verifiable_assertion() {
    let _env = steady_env();
    let t = test_cert();
    let entra = Entra::start(CLIENT_ID, cert_proof(None));
    let vault = vault(TENANT, 0);
    for pem in [&t.pem, &t.pem_pkcs1_key_first] {
        let cred = client_certificate(TENANT, CLIENT_ID, pem, None, Some(&entra.options())).unwrap();
        client_for(&vault, &cred).get("name", None).unwrap();
    }
    entra.assert_all_valid();
    let seen = entra.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.field("client_secret").is_none()));
    assert_eq!(bearers(&vault)[3], Some(format!("Bearer {}", seen[1].issued.as_deref().unwrap())));
}

#[test]
fn certificate_from_pkcs12_with_password_and_chain() {
    let _env = steady_env();
    let t = test_cert();
    // Self-signed, chain sent: x5c is the certificate itself.
    let entra = Entra::start(CLIENT_ID, cert_proof(Some(vec![STANDARD.encode(&t.leaf_der)])));
    let vault = vault(OTHER_TENANT, 0);
    let opts = entra.options().send_chain(true).allow_tenant(OTHER_TENANT);
    let cred = client_certificate(TENANT, CLIENT_ID, &t.p12, Some(P12_PASSWORD), Some(&opts)).unwrap();
    client_for(&vault, &cred).get("name", None).unwrap();
    entra.assert_all_valid();
    assert_eq!(
        entra.seen()[0].tenant,
        OTHER_TENANT,
        "the audience follows the discovered tenant (checked by the endpoint)"
    );

    // A leaf issued by a CA: x5c is the leaf, then the CA; the thumbprints are the leaf's.
    entra.set_proof(chained_cert_proof(Some(vec![STANDARD.encode(&t.chained_leaf_der), STANDARD.encode(&t.ca_der)])));
    let cred = client_certificate(TENANT, CLIENT_ID, &t.p12_chain, Some(P12_PASSWORD), Some(&opts)).unwrap();
    client_for(&vault, &cred).get("name", None).unwrap();
    // Without send_chain: no x5c.
    entra.set_proof(chained_cert_proof(None));
    let cred = client_certificate(TENANT, CLIENT_ID, &t.p12_chain, Some(P12_PASSWORD), Some(&entra.options())).unwrap();
    client_for(&vault, &cred).get("name", None).unwrap();
    entra.assert_all_valid();
    assert_eq!(entra.seen().len(), 3);
}

#[test]
fn unusable_certificates_are_refused_without_leaking_the_password() {
    let _env = steady_env();
    let t = test_cert();
    let opts = CredOptions::new().authority_host("https://login.example");
    let e = expect_status(
        client_certificate(TENANT, CLIENT_ID, &t.p12, Some("wrong horse battery"), Some(&opts)).map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
    assert!(e.message.contains("password") && !e.message.contains("wrong horse"), "{}", e.message);
    expect_status(
        client_certificate(TENANT, CLIENT_ID, &t.p12, None, Some(&opts)).map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
    let cert_only = String::from_utf8_lossy(&t.pem).split("-----BEGIN PRIVATE KEY-----").next().unwrap().to_owned();
    let e = expect_status(
        client_certificate(TENANT, CLIENT_ID, cert_only.as_bytes(), None, Some(&opts)).map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
    assert!(e.message.contains("no private key"), "{}", e.message);
    expect_status(
        client_certificate(TENANT, CLIENT_ID, b"not a certificate", None, Some(&opts)).map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
    expect_status(
        client_certificate(TENANT, CLIENT_ID, b"", None, Some(&opts)).map(|_| ()),
        KV_STATUS_INVALID_ARGUMENT,
    );
    let mut out = null_mut();
    expect_status(
        call(|e| {
            kv_credential_client_certificate_new(
                c(TENANT).as_ptr(),
                c(CLIENT_ID).as_ptr(),
                null(),
                10,
                null(),
                null(),
                &mut out,
                e,
            )
        }),
        KV_STATUS_NULL_ARGUMENT,
    );
    assert!(out.is_null());
}

// ------------------------------------------------------------------------------------------------
// Workload identity
// ------------------------------------------------------------------------------------------------

#[test]
fn workload_identity_reads_the_token_file_for_every_request() {
    let env = EnvGuard::new();
    let dir = temp_dir("wi");
    let token_file = dir.join("token");
    std::fs::write(&token_file, "federated-assertion-one\n").unwrap();
    let entra = Entra::start(CLIENT_ID, Proof::Federated("federated-assertion-one".into()));
    entra.set_expires_in(serde_json::json!(300)); // inside the refresh window: refetched each call
    env.set("AZURE_TENANT_ID", TENANT);
    env.set("AZURE_CLIENT_ID", CLIENT_ID);
    env.set("AZURE_FEDERATED_TOKEN_FILE", token_file.to_str().unwrap());
    env.set("AZURE_AUTHORITY_HOST", &entra.url()); // the authority host comes from the environment
    let cred = workload_identity(Some(&CredOptions::new().ca_file(&entra.ca()))).unwrap();
    let vault = vault(TENANT, 0);
    let client = client_for(&vault, &cred);
    client.get("name", None).unwrap();

    std::fs::write(&token_file, "federated-assertion-two").unwrap();
    entra.set_proof(Proof::Federated("federated-assertion-two".into()));
    client.get("name", None).unwrap();

    entra.assert_all_valid();
    let seen = entra.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].field("client_assertion"), Some("federated-assertion-one"));
    assert_eq!(seen[1].field("client_assertion"), Some("federated-assertion-two"));
    assert_eq!(
        bearers(&vault).last().unwrap().as_deref(),
        Some(format!("Bearer {}", seen[1].issued.as_deref().unwrap()).as_str())
    );

    // A vanished token file fails the token request, naming the file but not its content. (A
    // credential still holding an unexpired token keeps using it: the cache prefers it to a failed
    // refresh; a fresh credential has nothing to fall back on.)
    std::fs::remove_file(&token_file).unwrap();
    client.get("name", None).unwrap();
    let cred = workload_identity(Some(&CredOptions::new().ca_file(&entra.ca()))).unwrap();
    let e = expect_status(client_for(&vault, &cred).get("name", None).map(|_| ()), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("federated token file"), "{}", e.message);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn workload_identity_names_the_missing_variables() {
    let env = EnvGuard::new();
    let e = expect_status(workload_identity(None).map(|_| ()), KV_STATUS_AUTHENTICATION_FAILED);
    for v in ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"] {
        assert!(e.message.contains(v), "{}", e.message);
    }
    env.set("AZURE_TENANT_ID", TENANT);
    env.set("AZURE_CLIENT_ID", CLIENT_ID);
    env.set("AZURE_FEDERATED_TOKEN_FILE", "");
    let e = expect_status(workload_identity(None).map(|_| ()), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(
        e.message.contains("AZURE_FEDERATED_TOKEN_FILE") && !e.message.contains("AZURE_TENANT_ID"),
        "{}",
        e.message
    );
    env.set("AZURE_FEDERATED_TOKEN_FILE", "/nonexistent/token");
    env.set("AZURE_TENANT_ID", "bad/tenant");
    let e = expect_status(workload_identity(None).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
    assert!(e.message.contains("AZURE_TENANT_ID"), "{}", e.message);
    env.set("AZURE_TENANT_ID", TENANT);
    env.set("AZURE_AUTHORITY_HOST", "http://login.example");
    let e = expect_status(workload_identity(None).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
    assert!(e.message.contains("AZURE_AUTHORITY_HOST") && e.message.contains("https"), "{}", e.message);
    // Options win over the environment's authority host.
    workload_identity(Some(&CredOptions::new().authority_host("https://login.example"))).unwrap();
}

// ------------------------------------------------------------------------------------------------
// Environment
// ------------------------------------------------------------------------------------------------

#[test]
fn environment_credential_picks_the_secret_or_the_certificate() {
    let t = test_cert();
    let env = EnvGuard::new();
    let dir = temp_dir("env");
    let p12_path = dir.join("cert.p12");
    let pem_path = dir.join("cert.pem");
    std::fs::write(&p12_path, &t.p12).unwrap();
    std::fs::write(&pem_path, &t.pem).unwrap();
    let vault_a = vault(TENANT, 0);
    env.set("AZURE_TENANT_ID", TENANT);
    env.set("AZURE_CLIENT_ID", CLIENT_ID);

    // Secret and certificate both set: the secret is used.
    let entra = Entra::start(CLIENT_ID, Proof::Secret(SECRET.into()));
    env.set("AZURE_CLIENT_SECRET", SECRET);
    env.set("AZURE_CLIENT_CERTIFICATE_PATH", p12_path.to_str().unwrap());
    env.set("AZURE_CLIENT_CERTIFICATE_PASSWORD", P12_PASSWORD);
    let cred = environment(Some(&entra.options())).unwrap();
    client_for(&vault_a, &cred).get("name", None).unwrap();
    entra.assert_all_valid();
    assert_eq!(entra.seen()[0].field("client_secret"), Some(SECRET));

    // Certificate only (PKCS#12 with password), chain asked for by the environment.
    env.unset("AZURE_CLIENT_SECRET");
    env.set("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true");
    entra.set_proof(cert_proof(Some(vec![STANDARD.encode(&t.leaf_der)])));
    let cred = environment(Some(&entra.options())).unwrap();
    client_for(&vault_a, &cred).get("name", None).unwrap();
    entra.assert_all_valid();

    // PEM certificate, no chain; the tenant allow-list comes from the environment.
    env.unset("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN");
    env.unset("AZURE_CLIENT_CERTIFICATE_PASSWORD");
    env.set("AZURE_CLIENT_CERTIFICATE_PATH", pem_path.to_str().unwrap());
    env.set("AZURE_ADDITIONALLY_ALLOWED_TENANTS", &format!("fabrikam.com;{OTHER_TENANT}"));
    entra.set_proof(cert_proof(None));
    let cred = environment(Some(&entra.options())).unwrap();
    client_for(&vault(OTHER_TENANT, 0), &cred).get("name", None).unwrap();
    entra.assert_all_valid();
    let seen = entra.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].tenant, OTHER_TENANT);
    assert!(seen[1].field("client_assertion").is_some() && seen[2].field("client_secret").is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn environment_credential_explains_what_is_missing_or_wrong() {
    let env = EnvGuard::new();
    let e = expect_status(environment(None).map(|_| ()), KV_STATUS_AUTHENTICATION_FAILED);
    for v in ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH"] {
        assert!(e.message.contains(v), "{}", e.message);
    }
    env.set("AZURE_TENANT_ID", TENANT);
    env.set("AZURE_CLIENT_ID", CLIENT_ID);
    let e = expect_status(environment(None).map(|_| ()), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(
        e.message.contains("AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH")
            && !e.message.contains("AZURE_TENANT_ID"),
        "{}",
        e.message
    );
    env.set("AZURE_CLIENT_CERTIFICATE_PATH", "/nonexistent/cert.pem");
    let e = expect_status(environment(None).map(|_| ()), KV_STATUS_FILE_ERROR);
    assert!(e.message.contains("/nonexistent/cert.pem"), "{}", e.message);
    let dir = temp_dir("env-bad");
    let p12_path = dir.join("cert.p12");
    std::fs::write(&p12_path, &test_cert().p12).unwrap();
    env.set("AZURE_CLIENT_CERTIFICATE_PATH", p12_path.to_str().unwrap());
    env.set("AZURE_CLIENT_CERTIFICATE_PASSWORD", "not-the-password");
    let e = expect_status(environment(None).map(|_| ()), KV_STATUS_FILE_ERROR);
    assert!(e.message.contains("password") && !e.message.contains("not-the-password"), "{}", e.message);
    env.unset("AZURE_CLIENT_CERTIFICATE_PATH");
    env.set("AZURE_CLIENT_SECRET", "a-secret-value");
    env.unset("AZURE_CLIENT_ID");
    let e = expect_status(environment(None).map(|_| ()), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("AZURE_CLIENT_ID") && !e.message.contains("a-secret-value"), "{}", e.message);
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------------------------------------
// Arguments and options
// ------------------------------------------------------------------------------------------------

#[test]
fn arguments_and_options_are_checked_before_any_request() {
    let _env = steady_env();
    let o = CredOptions::new();
    for bad in [
        "http://login.example",
        "login.microsoftonline.com",
        "https://user:pw@login.example",
        "https://login.example/?x=1",
        "",
    ] {
        expect_status(o.try_authority_host(bad), KV_STATUS_INVALID_ARGUMENT);
    }
    o.try_authority_host("https://login.microsoftonline.us/").unwrap();
    expect_status(o.try_ca_file("/nonexistent/ca.pem"), KV_STATUS_FILE_ERROR);
    expect_status(o.try_allow_tenant("a/b"), KV_STATUS_INVALID_ARGUMENT);
    expect_status(o.try_allow_tenant(""), KV_STATUS_INVALID_ARGUMENT);
    o.try_allow_tenant("*").unwrap();
    expect_status(o.try_timeout_ms(0), KV_STATUS_INVALID_ARGUMENT);
    o.try_timeout_ms(1500).unwrap();

    for tenant in ["", "tenant/../x", "a b", "tenant?x=1", "t\u{e9}nant"] {
        let e =
            expect_status(client_secret(tenant, CLIENT_ID, SECRET, Some(&o)).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
        assert!(e.message.contains("tenant"), "{}", e.message);
    }
    expect_status(client_secret(TENANT, "", SECRET, Some(&o)).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
    let e = expect_status(client_secret(TENANT, CLIENT_ID, "", Some(&o)).map(|_| ()), KV_STATUS_INVALID_ARGUMENT);
    assert!(e.message.contains("secret"));
    client_secret(OTHER_TENANT, CLIENT_ID, SECRET, Some(&o)).unwrap();

    let mut out: *mut kv_credential = null_mut();
    let (t, id, s) = (c(TENANT), c(CLIENT_ID), c(SECRET));
    expect_status(
        call(|e| kv_credential_client_secret_new(null(), id.as_ptr(), s.as_ptr(), null(), &mut out, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(
        call(|e| kv_credential_client_secret_new(t.as_ptr(), null(), s.as_ptr(), null(), &mut out, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    let e = expect_status(
        call(|e| kv_credential_client_secret_new(t.as_ptr(), id.as_ptr(), null(), null(), &mut out, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    assert!(e.message.contains("client_secret"));
    expect_status(
        call(|e| kv_credential_client_secret_new(t.as_ptr(), id.as_ptr(), s.as_ptr(), o.0, null_mut(), e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(call(|e| kv_credential_workload_identity_new(null(), null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_credential_environment_new(null(), null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(
        call(|e| kv_credential_options_set_authority_host(null_mut(), t.as_ptr(), e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(call(|e| kv_credential_options_set_timeout_ms(null_mut(), 5, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(
        call(|e| kv_credential_options_set_send_certificate_chain(null_mut(), true, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(call(|e| kv_credential_options_add_allowed_tenant(o.0, null(), e)), KV_STATUS_NULL_ARGUMENT);
    let bad_utf8 = [0x66u8, 0xff, 0x00];
    expect_status(
        call(|e| {
            kv_credential_client_secret_new(bad_utf8.as_ptr().cast(), id.as_ptr(), s.as_ptr(), null(), &mut out, e)
        }),
        KV_STATUS_INVALID_UTF8,
    );
    assert!(out.is_null(), "outputs are written only on success");
    kv_credential_options_free(null_mut());
}
