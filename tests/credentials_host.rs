//! Host credentials through the C ABI: managed identity (IMDS and App Service), Azure CLI,
//! the callback credential, the default chain, and the token cache under 16 threads.
//!
//! Managed identity is never pointed at 169.254.169.254 here: every test runs with
//! `AZURE_POD_IDENTITY_AUTHORITY_HOST` set to a loopback endpoint (a closed port unless the test
//! says otherwise), and with `PATH` holding no Azure CLI unless the test puts a stand-in there.
//! Tests that change the environment hold one lock and restore it afterwards; every test here
//! does, so they run one at a time.

mod support;

use kv::ffi::client::kv_client_new;
use kv::ffi::credential::*;
use kv::ffi::credential_host::*;
use kv::ffi::status::*;
use std::ffi::{c_char, c_void, CStr, OsString};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::capi::*;
use support::scripted_server::{RecordedRequest, Reply, ScriptedServer};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "00000000-0000-0000-0000-00000000c11e";

// ---------------------------------------------------------------------------------------------
// environment

static ENV_LOCK: Mutex<()> = Mutex::new(());

/// Every variable a credential reads; cleared for each test, restored afterwards.
const CREDENTIAL_VARS: &[&str] = &[
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
    "AZURE_USERNAME",
    "AZURE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "AZURE_ADDITIONALLY_ALLOWED_TENANTS",
    "AZURE_TOKEN_CREDENTIALS",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "PATH",
];

/// A clean credential environment for one test: no credential variables, managed identity
/// pointed at a closed loopback port, `PATH` an empty directory. Restored on drop.
struct Env {
    saved: Vec<(&'static str, Option<OsString>)>,
    dir: PathBuf,
    _lock: MutexGuard<'static, ()>,
}

fn env(vars: &[(&str, &str)]) -> Env {
    let lock = ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    vault(); // started with the real PATH, before this test changes it
    let saved = CREDENTIAL_VARS.iter().map(|&k| (k, std::env::var_os(k))).collect();
    let dir = temp_dir("env");
    for k in CREDENTIAL_VARS {
        std::env::remove_var(k);
    }
    std::env::set_var("PATH", dir.join("empty-path"));
    std::env::set_var("AZURE_POD_IDENTITY_AUTHORITY_HOST", format!("http://127.0.0.1:{}", closed_port()));
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
    Env { saved, dir, _lock: lock }
}

impl Env {
    fn set(&self, k: &str, v: &str) {
        std::env::set_var(k, v);
    }
    fn remove(&self, k: &str) {
        std::env::remove_var(k);
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        for (k, v) in &self.saved {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_dir(what: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "kv-cred-host-{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A loopback port nothing listens on (connections are refused at once).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

// ---------------------------------------------------------------------------------------------
// the local stand-in vault, with its plain-HTTP port known (managed identity token endpoints)

struct LocalVault {
    url: String,
    http_port: u16,
    ca_file: String,
    _stdin: Mutex<Option<ChildStdin>>,
    _child: Mutex<Child>,
}

fn vault() -> &'static LocalVault {
    static VAULT: OnceLock<LocalVault> = OnceLock::new();
    VAULT.get_or_init(|| {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut last = String::new();
        for attempt in 0..3 {
            let state = std::env::temp_dir().join(format!("kv-cred-host-vault-{}-{attempt}", std::process::id()));
            let (port, http_port) = (closed_port(), closed_port());
            if port == http_port {
                continue;
            }
            let mut child = Command::new("python3")
                .arg(format!("{root}/tools/testvault/testvault.py"))
                .args([
                    "--port",
                    &port.to_string(),
                    "--http-port",
                    &http_port.to_string(),
                    "--exit-on-stdin-eof",
                    "--state-dir",
                ])
                .arg(&state)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("python3 runs tools/testvault/testvault.py");
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
            if let Some(url) = line.trim().strip_prefix("testvault ready ") {
                return LocalVault {
                    url: url.to_owned(),
                    http_port,
                    ca_file: state.join("ca.pem").to_string_lossy().into_owned(),
                    _stdin: Mutex::new(child.stdin.take()),
                    _child: Mutex::new(child),
                };
            }
            last = line;
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("the local vault did not start: {last:?}");
    })
}

// ---------------------------------------------------------------------------------------------
// C ABI helpers

/// Owned `kv_credential_options`.
struct CredOptions(*mut kv_credential_options);

impl CredOptions {
    fn new() -> CredOptions {
        let o = kv_credential_options_new();
        assert!(!o.is_null());
        CredOptions(o)
    }
    fn with(
        self,
        f: impl FnOnce(*mut kv_credential_options, *mut *mut kv::ffi::error::kv_error) -> kv_status,
    ) -> CredOptions {
        call(|e| f(self.0, e)).expect("credential option");
        self
    }
}

impl Drop for CredOptions {
    fn drop(&mut self) {
        kv_credential_options_free(self.0);
    }
}

fn new_credential(
    f: impl FnOnce(*mut *mut kv_credential, *mut *mut kv::ffi::error::kv_error) -> kv_status,
) -> Result<Credential, CallError> {
    let mut out = null_mut();
    call(|e| f(&mut out, e))?;
    assert!(!out.is_null());
    Ok(Credential(out))
}

fn client(url: &str, cred: &Credential, opts: &Options) -> Client {
    let mut out = null_mut();
    call(|e| kv_client_new(c(url).as_ptr(), cred.0, opts.0, &mut out, e)).expect("client");
    Client(out)
}

fn local_client(cred: &Credential) -> Client {
    client(&vault().url, cred, &Options::new().ca_file(&vault().ca_file))
}

/// A set + get round trip against the local vault, on a fresh name; returns the name.
fn round_trip(c: &Client) -> Result<String, CallError> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name =
        format!("cred-host-{}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst), now_unix() % 100_000);
    c.set(&name, b"round-trip-value")?;
    assert_eq!(c.get(&name, None)?.value(), b"round-trip-value");
    Ok(name)
}

/// Which identity reached the vault: the subjects of the tokens the stand-in accepted for the
/// requests on secret `name`, with their statuses (the first request of a new client is the
/// unauthenticated challenge probe, recorded with no subject).
fn subjects_seen(name: &str) -> Vec<(u16, Option<String>)> {
    support::local_vault::auth_log(vault().http_port, &format!("/secrets/{name}"))
        .into_iter()
        .map(|e| (e.status, e.subject))
        .collect()
}

/// Asserts that every authenticated request on `name` carried a token the vault issued to `subject`.
fn assert_reached_as(name: &str, subject: &str) {
    let seen = subjects_seen(name);
    let authenticated: Vec<_> = seen.iter().filter(|(status, _)| *status != 401).collect();
    assert!(authenticated.len() >= 2, "set and get reached the vault: {seen:?}");
    for (status, who) in &authenticated {
        assert_eq!(
            (*status, who.as_deref()),
            (200, Some(subject)),
            "every request authenticated as {subject}: {seen:?}"
        );
    }
}

/// An HTTPS vault that accepts only `Bearer <token>`; anything else gets the 401 challenge
/// naming TENANT and resource https://localhost.
fn fake_vault(token: &str) -> ScriptedServer {
    fake_vault_for(token, TENANT)
}

/// [`fake_vault`] whose challenge names `tenant`.
fn fake_vault_for(token: &str, tenant: &str) -> ScriptedServer {
    let expected = format!("Bearer {token}");
    let tenant = tenant.to_owned();
    ScriptedServer::start(move |_, req| {
        if req.header("authorization") == Some(expected.as_str()) {
            Reply::json(
                200,
                r#"{"value":"s3cret","id":"https://localhost/secrets/name/0123456789abcdef0123456789abcdef","attributes":{"enabled":true}}"#,
            )
        } else {
            Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}"#).with_header(
                "WWW-Authenticate",
                &format!("Bearer authorization=\"https://login.microsoftonline.com/{tenant}\", resource=\"https://localhost\""),
            )
        }
    })
}

fn fake_client(server: &ScriptedServer, cred: &Credential) -> Client {
    client(&server.url(), cred, &Options::new().ca_file(&server.ca_file().to_string_lossy()).retries(0, 10, 50))
}

fn token_json(token: &str) -> String {
    format!(
        r#"{{"access_token":"{token}","expires_in":"3600","expires_on":"{}","resource":"https://localhost","token_type":"Bearer"}}"#,
        now_unix() + 3600
    )
}

/// A plain-HTTP IMDS stand-in: 400 without `Metadata: true`, else a token.
fn imds_server(token: &str) -> ScriptedServer {
    let body = token_json(token);
    ScriptedServer::start_plain(move |_, req| {
        if req.header("metadata") == Some("true") {
            Reply::json(200, &body)
        } else {
            Reply::json(
                400,
                r#"{"error":"invalid_request","error_description":"Required metadata header not specified"}"#,
            )
        }
    })
}

fn host_of(server: &ScriptedServer) -> String {
    format!("http://127.0.0.1:{}", server.addr().port())
}

fn token_requests(server: &ScriptedServer) -> Vec<RecordedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.header("metadata").is_some() || r.header("x-identity-header").is_some())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// managed identity

#[test]
fn managed_identity_imds_against_the_local_vault_end_to_end() {
    let _env = env(&[]);
    std::env::set_var("AZURE_POD_IDENTITY_AUTHORITY_HOST", format!("http://127.0.0.1:{}", vault().http_port));
    let cred = new_credential(|out, e| kv_credential_managed_identity_new(std::ptr::null(), out, e)).unwrap();
    let name = round_trip(&local_client(&cred)).expect("client -> challenge -> IMDS token -> vault");
    assert_reached_as(&name, "mi:imds:system");
    // A user-assigned identity by client id, through the options: the vault sees that identity.
    let opts = CredOptions::new()
        .with(|o, e| kv_credential_options_set_managed_identity_client_id(o, c(CLIENT_ID).as_ptr(), e));
    let cred = new_credential(|out, e| kv_credential_managed_identity_new(opts.0, out, e)).unwrap();
    let name = round_trip(&local_client(&cred)).unwrap();
    assert_reached_as(&name, &format!("mi:imds:client_id={CLIENT_ID}"));
}

/// The stand-in refuses a token it did not issue, like the service: 401 with the challenge, which
/// kv reports as KV_STATUS_UNAUTHORIZED with the service's message.
#[test]
fn the_local_vault_refuses_a_token_it_did_not_issue() {
    let _env = env(&[]);
    let cred = Credential::token("made-up-token");
    let c = local_client(&cred);
    let name = format!("cred-host-forged-{}", std::process::id());
    let e = expect_status(c.set(&name, b"value-of-the-forged-test").map(drop), KV_STATUS_UNAUTHORIZED);
    assert!(e.message.contains("AKV10032"), "{}", e.message);
    let seen = subjects_seen(&name);
    assert!(!seen.is_empty() && seen.iter().all(|(status, who)| *status == 401 && who.is_none()), "{seen:?}");
}

#[test]
fn managed_identity_app_service_against_the_local_vault_end_to_end() {
    let _env = env(&[("IDENTITY_HEADER", "test-identity-header")]);
    std::env::set_var("IDENTITY_ENDPOINT", format!("http://127.0.0.1:{}/msi/token", vault().http_port));
    let cred = new_credential(|out, e| kv_credential_managed_identity_new(std::ptr::null(), out, e)).unwrap();
    let name = round_trip(&local_client(&cred)).expect("client -> challenge -> App Service token -> vault");
    assert_reached_as(&name, "mi:appservice:system");
    // A wrong header is refused by the endpoint, and the error says so.
    std::env::set_var("IDENTITY_HEADER", "wrong");
    let cred = new_credential(|out, e| kv_credential_managed_identity_new(std::ptr::null(), out, e)).unwrap();
    let e = expect_status(round_trip(&local_client(&cred)).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("HTTP 401"), "{}", e.message);
}

#[test]
fn imds_is_probed_once_then_asked_with_metadata_and_the_identity() {
    let _env = env(&[]);
    let imds = imds_server("imds-token-1");
    std::env::set_var("AZURE_POD_IDENTITY_AUTHORITY_HOST", host_of(&imds));
    let vault = fake_vault("imds-token-1");
    let cred = new_credential(|out, e| kv_credential_managed_identity_new(std::ptr::null(), out, e)).unwrap();
    let client1 = fake_client(&vault, &cred);
    assert_eq!(client1.get("name", None).unwrap().value(), b"s3cret");
    let reqs = imds.requests();
    assert_eq!(reqs.len(), 2, "one probe, one token request: {reqs:?}");
    assert_eq!(reqs[0].header("metadata"), None, "the probe carries no Metadata header");
    let token_req = &reqs[1];
    assert_eq!(token_req.method, "GET");
    assert_eq!(token_req.path(), "/metadata/identity/oauth2/token");
    assert_eq!(token_req.header("metadata"), Some("true"));
    assert_eq!(token_req.query_param("api-version").as_deref(), Some("2018-02-01"));
    assert_eq!(token_req.query_param("resource").as_deref(), Some("https://localhost"), "the scope without /.default");
    assert_eq!(token_req.query_param("client_id"), None, "system-assigned");
    // Cached: no further request for the next call.
    client1.get("name", None).unwrap();
    assert_eq!(imds.request_count(), 2);

    // User-assigned identities: object id, resource id.
    for (setter, param, value) in [
        (kv_credential_options_set_managed_identity_object_id as extern "C" fn(_, _, _) -> _, "object_id", "0b1ec7-1d"),
        (
            kv_credential_options_set_managed_identity_resource_id,
            "msi_res_id",
            "/subscriptions/s/resourcegroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u",
        ),
        (kv_credential_options_set_managed_identity_client_id, "client_id", CLIENT_ID),
    ] {
        let imds = imds_server("imds-token-1");
        std::env::set_var("AZURE_POD_IDENTITY_AUTHORITY_HOST", host_of(&imds));
        let opts = CredOptions::new().with(|o, e| setter(o, c(value).as_ptr(), e));
        let cred = new_credential(|out, e| kv_credential_managed_identity_new(opts.0, out, e)).unwrap();
        fake_client(&vault, &cred).get("name", None).unwrap();
        let reqs = token_requests(&imds);
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].query_param(param).as_deref(), Some(value), "{param}");
    }
}

#[test]
fn app_service_form_sends_the_identity_header_and_no_probe() {
    let _env = env(&[("IDENTITY_HEADER", "the-header-value")]);
    let body = format!(
        r#"{{"access_token":"as-token","expires_on":"{}","resource":"https://localhost","token_type":"Bearer"}}"#,
        now_unix() + 3600
    );
    let endpoint = ScriptedServer::start_plain(move |_, req| {
        if req.header("x-identity-header") == Some("the-header-value") {
            Reply::json(200, &body)
        } else {
            Reply::json(401, r#"{"error":"unauthorized"}"#)
        }
    });
    std::env::set_var("IDENTITY_ENDPOINT", format!("{}/msi/token", host_of(&endpoint)));
    let vault = fake_vault("as-token");
    let variants: [(Option<extern "C" fn(_, _, _) -> _>, &str, &str); 4] = [
        (None, "", ""),
        (Some(kv_credential_options_set_managed_identity_client_id), "client_id", CLIENT_ID),
        (Some(kv_credential_options_set_managed_identity_object_id), "principal_id", "p-1"),
        (Some(kv_credential_options_set_managed_identity_resource_id), "mi_res_id", "/subscriptions/s/x"),
    ];
    for (i, (setter, param, value)) in variants.into_iter().enumerate() {
        let mut opts = CredOptions::new();
        if let Some(setter) = setter {
            opts = opts.with(|o, e| setter(o, c(value).as_ptr(), e));
        }
        let cred = new_credential(|out, e| kv_credential_managed_identity_new(opts.0, out, e)).unwrap();
        assert_eq!(fake_client(&vault, &cred).get("name", None).unwrap().value(), b"s3cret");
        let reqs = endpoint.requests();
        assert_eq!(reqs.len(), i + 1, "no probe for App Service");
        let r = &reqs[i];
        assert_eq!(r.path(), "/msi/token");
        assert_eq!(r.header("x-identity-header"), Some("the-header-value"));
        assert_eq!(r.header("metadata"), None);
        assert_eq!(r.query_param("api-version").as_deref(), Some("2019-08-01"));
        assert_eq!(r.query_param("resource").as_deref(), Some("https://localhost"));
        for other in ["client_id", "principal_id", "mi_res_id", "object_id", "msi_res_id"] {
            let expected = (other == param).then(|| value.to_owned());
            assert_eq!(r.query_param(other), expected, "{other} in variant {i}");
        }
    }
}

#[test]
fn imds_unreachable_fails_fast_within_the_probe_timeout() {
    let _env = env(&[]);
    let vault = fake_vault("never");
    // Refused connection: at once.
    let cred = new_credential(|out, e| kv_credential_managed_identity_new(std::ptr::null(), out, e)).unwrap();
    let started = Instant::now();
    let e = expect_status(fake_client(&vault, &cred).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("managed identity is unavailable (no IMDS endpoint answered within"), "{}", e.message);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    // A listener that never answers: bounded by the probe timeout, not the 30 s request timeout.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    std::env::set_var(
        "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        format!("http://127.0.0.1:{}", silent.local_addr().unwrap().port()),
    );
    let opts = CredOptions::new().with(|o, e| kv_credential_options_set_imds_probe_timeout_ms(o, 300, e));
    let cred = new_credential(|out, e| kv_credential_managed_identity_new(opts.0, out, e)).unwrap();
    let started = Instant::now();
    let e = expect_status(fake_client(&vault, &cred).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    let took = started.elapsed();
    assert!(e.message.contains("managed identity is unavailable") && e.message.contains("300ms"), "{}", e.message);
    assert!(took >= Duration::from_millis(250) && took < Duration::from_secs(5), "{took:?}");
    drop(silent);

    // Probe timeout setter validation.
    let opts = CredOptions::new();
    expect_status(call(|e| kv_credential_options_set_imds_probe_timeout_ms(opts.0, 0, e)), KV_STATUS_INVALID_ARGUMENT);
    expect_status(
        call(|e| kv_credential_options_set_imds_probe_timeout_ms(null_mut(), 10, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(
        call(|e| kv_credential_options_set_managed_identity_client_id(opts.0, c(" ").as_ptr(), e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
    expect_status(
        call(|e| kv_credential_options_set_managed_identity_client_id(opts.0, std::ptr::null(), e)),
        KV_STATUS_NULL_ARGUMENT,
    );
}

#[test]
fn imds_errors_are_retried_or_reported() {
    let _env = env(&[]);
    let vault = fake_vault("late-token");
    let body = token_json("late-token");
    // probe 400, then 503, then the token.
    let imds = ScriptedServer::start_plain(move |i, _| match i {
        0 => Reply::json(
            400,
            r#"{"error":"invalid_request","error_description":"Required metadata header not specified"}"#,
        ),
        1 => Reply::json(503, r#"{"error":"busy"}"#).with_header("Retry-After", "0"),
        _ => Reply::json(200, &body),
    });
    std::env::set_var("AZURE_POD_IDENTITY_AUTHORITY_HOST", host_of(&imds));
    let cred = new_credential(|out, e| kv_credential_managed_identity_new(std::ptr::null(), out, e)).unwrap();
    fake_client(&vault, &cred).get("name", None).unwrap();
    assert_eq!(imds.request_count(), 3);

    // 400 "Identity not found" is reported with the endpoint's description.
    let imds = ScriptedServer::start_plain(|_, _| {
        Reply::json(400, r#"{"error":"invalid_request","error_description":"Identity not found"}"#)
    });
    std::env::set_var("AZURE_POD_IDENTITY_AUTHORITY_HOST", host_of(&imds));
    let cred = new_credential(|out, e| kv_credential_managed_identity_new(std::ptr::null(), out, e)).unwrap();
    let e = expect_status(fake_client(&vault, &cred).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("HTTP 400") && e.message.contains("Identity not found"), "{}", e.message);

    // A bad endpoint variable is refused when the credential is built.
    std::env::set_var("AZURE_POD_IDENTITY_AUTHORITY_HOST", "not a url");
    expect_status(
        new_credential(|out, e| kv_credential_managed_identity_new(std::ptr::null(), out, e)).map(drop),
        KV_STATUS_INVALID_ARGUMENT,
    );
}

// ---------------------------------------------------------------------------------------------
// Azure CLI

/// Writes an executable `az` into `dir`.
fn stand_in_az(dir: &Path, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("az");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A stand-in az that records its arguments and prints a token.
fn working_az(dir: &Path, token: &str) {
    let json = format!(
        r#"{{"accessToken":"{token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":{},"subscription":"sub","tenant":"{TENANT}","tokenType":"Bearer"}}"#,
        now_unix() + 3600
    );
    stand_in_az(
        dir,
        &format!(
            "printf '%s\\n' \"$@\" > '{dir}/args'\necho run >> '{dir}/runs'\nprintf '%s\\n' '{json}'",
            dir = dir.display()
        ),
    );
}

fn runs(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("runs")).map(|s| s.lines().count()).unwrap_or(0)
}

fn use_path(env: &Env, bin: &Path) {
    env.set("PATH", &format!("{}:/usr/bin:/bin", bin.display()));
}

#[test]
fn azure_cli_with_a_stand_in_az() {
    let env = env(&[]);
    let bin = env.dir.join("bin");
    working_az(&bin, "cli-token-1");
    use_path(&env, &bin);
    let vault = fake_vault("cli-token-1");
    let cred = new_credential(|out, e| kv_credential_azure_cli_new(std::ptr::null(), out, e)).unwrap();
    let c = fake_client(&vault, &cred);
    assert_eq!(c.get("name", None).unwrap().value(), b"s3cret");
    let args: Vec<String> = std::fs::read_to_string(bin.join("args")).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(
        args,
        [
            "account",
            "get-access-token",
            "--output",
            "json",
            "--scope",
            "https://localhost/.default",
            "--tenant",
            TENANT
        ]
    );
    c.get("name", None).unwrap();
    assert_eq!(runs(&bin), 1, "the token is cached");

    // Not logged in.
    stand_in_az(&bin, "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1");
    let cred = new_credential(|out, e| kv_credential_azure_cli_new(std::ptr::null(), out, e)).unwrap();
    let e = expect_status(fake_client(&vault, &cred).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("not logged in: run az login"), "{}", e.message);

    // Missing az.
    env.set("PATH", &env.dir.join("nothing-here").to_string_lossy());
    let cred = new_credential(|out, e| kv_credential_azure_cli_new(std::ptr::null(), out, e)).unwrap();
    let e = expect_status(fake_client(&vault, &cred).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("Azure CLI not found on PATH"), "{}", e.message);

    // Unexpected output.
    use_path(&env, &bin);
    stand_in_az(&bin, "echo 'not json'");
    let cred = new_credential(|out, e| kv_credential_azure_cli_new(std::ptr::null(), out, e)).unwrap();
    let e = expect_status(fake_client(&vault, &cred).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("not the expected JSON"), "{}", e.message);
}

#[test]
fn azure_cli_that_hangs_is_stopped_at_the_timeout() {
    let env = env(&[]);
    let bin = env.dir.join("bin");
    stand_in_az(&bin, &format!("sleep 30 &\necho $! > '{}/sleep.pid'\nwait", bin.display()));
    use_path(&env, &bin);
    let vault = fake_vault("never");
    let opts = CredOptions::new().with(|o, e| kv_credential_options_set_timeout_ms(o, 500, e));
    let cred = new_credential(|out, e| kv_credential_azure_cli_new(opts.0, out, e)).unwrap();
    let started = Instant::now();
    let e = expect_status(fake_client(&vault, &cred).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    let took = started.elapsed();
    assert!(e.message.contains("did not finish within 500ms"), "{}", e.message);
    assert!(took >= Duration::from_millis(450) && took < Duration::from_secs(10), "{took:?}");
    // The CLI's own children were stopped too (gone, or a zombie waiting for its new parent).
    let pid = std::fs::read_to_string(bin.join("sleep.pid")).unwrap().trim().to_owned();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rsplit(')').next().map(|r| r.trim().chars().next().unwrap_or('?')));
        if matches!(state, None | Some('Z') | Some('X')) {
            break;
        }
        assert!(Instant::now() < deadline, "the az child {pid} still runs ({state:?})");
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------------------------
// callback credential

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Deliver,
    /// Deliver a fresh token from the local vault's IMDS endpoint (identity `client_id=<token>`).
    DeliverFromVault,
    Fail,
    ZeroWithoutToken,
}

/// One callback invocation: when, the expiry it gave, scope, tenant, claims.
type CallbackCall = (SystemTime, i64, String, Option<String>, Option<String>);

struct CallbackState {
    mode: Mode,
    token: String,
    lifetime_secs: i64,
    calls: AtomicUsize,
    frees: AtomicUsize,
    in_flight: AtomicUsize,
    overlapped: AtomicBool,
    log: Mutex<Vec<CallbackCall>>,
    /// Statuses kv_token_sink_set returned for bad input, tried inside the callback.
    bad_input_statuses: Mutex<Vec<kv_status>>,
}

impl CallbackState {
    fn new(mode: Mode, token: &str, lifetime_secs: i64) -> Arc<CallbackState> {
        Arc::new(CallbackState {
            mode,
            token: token.to_owned(),
            lifetime_secs,
            calls: AtomicUsize::new(0),
            frees: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            overlapped: AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
            bad_input_statuses: Mutex::new(Vec::new()),
        })
    }
}

fn opt_str(p: *const c_char) -> Option<String> {
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned())
}

unsafe extern "C" fn token_callback(
    user_data: *mut c_void,
    scope: *const c_char,
    tenant: *const c_char,
    claims: *const c_char,
    sink: *mut kv_token_sink,
) -> i32 {
    let state = &*(user_data as *const CallbackState);
    if state.in_flight.fetch_add(1, Ordering::SeqCst) > 0 {
        state.overlapped.store(true, Ordering::SeqCst);
    }
    state.calls.fetch_add(1, Ordering::SeqCst);
    let expires = now_unix() + state.lifetime_secs;
    state.log.lock().unwrap().push((
        SystemTime::now(),
        expires,
        opt_str(scope).unwrap(),
        opt_str(tenant),
        opt_str(claims),
    ));
    std::thread::sleep(Duration::from_millis(20)); // let other threads pile up behind the fetch
    let rc = match state.mode {
        Mode::Deliver | Mode::DeliverFromVault => {
            let token = match state.mode {
                Mode::DeliverFromVault => support::local_vault::imds_token(vault().http_port, &state.token),
                _ => state.token.clone(),
            };
            let token = std::ffi::CString::new(token).unwrap();
            if kv_token_sink_set(sink, token.as_ptr(), expires, null_mut()) == KV_STATUS_OK {
                0
            } else {
                -1
            }
        }
        Mode::Fail => {
            let mut bad = state.bad_input_statuses.lock().unwrap();
            bad.push(kv_token_sink_set(sink, c("has space").as_ptr(), expires, null_mut()));
            bad.push(kv_token_sink_set(sink, c("ok").as_ptr(), now_unix() - 10, null_mut()));
            bad.push(kv_token_sink_set(sink, std::ptr::null(), expires, null_mut()));
            kv_token_sink_set_error(sink, c("no token for you").as_ptr(), null_mut());
            7
        }
        Mode::ZeroWithoutToken => 0,
    };
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    rc
}

unsafe extern "C" fn free_state(user_data: *mut c_void) {
    let state = Arc::from_raw(user_data as *const CallbackState);
    state.frees.fetch_add(1, Ordering::SeqCst);
}

fn callback_credential(state: &Arc<CallbackState>) -> Credential {
    let user_data = Arc::into_raw(state.clone()) as *mut c_void;
    new_credential(|out, e| kv_credential_callback_new(Some(token_callback), user_data, Some(free_state), out, e))
        .expect("callback credential")
}

#[test]
fn callback_credential_delivers_tokens_and_frees_its_data_once() {
    let _env = env(&[]);
    let vault = fake_vault("cb-token");
    let state = CallbackState::new(Mode::Deliver, "cb-token", 3600);
    let cred = callback_credential(&state);
    let c1 = fake_client(&vault, &cred);
    let c2 = fake_client(&vault, &cred);
    drop(cred); // the clients keep it alive
    assert_eq!(c1.get("name", None).unwrap().value(), b"s3cret");
    assert_eq!(c2.get("name", None).unwrap().value(), b"s3cret");
    assert_eq!(state.calls.load(Ordering::SeqCst), 1, "one cache for both clients");
    {
        let log = state.log.lock().unwrap();
        assert_eq!(log[0].2, "https://localhost/.default");
        assert_eq!(log[0].3.as_deref(), Some(TENANT));
        assert_eq!(log[0].4, None, "no claims");
    }
    drop(c1);
    assert_eq!(state.frees.load(Ordering::SeqCst), 0, "still used by the second client");
    drop(c2);
    assert_eq!(state.frees.load(Ordering::SeqCst), 1, "free_user_data is called once, when the last user goes");
    assert_eq!(Arc::strong_count(&state), 1);
}

#[test]
fn callback_errors_are_propagated() {
    let _env = env(&[]);
    let vault = fake_vault("cb-token");
    let state = CallbackState::new(Mode::Fail, "unused", 3600);
    let cred = callback_credential(&state);
    let e = expect_status(fake_client(&vault, &cred).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("returned 7") && e.message.contains("no token for you"), "{}", e.message);
    assert_eq!(
        *state.bad_input_statuses.lock().unwrap(),
        [KV_STATUS_INVALID_ARGUMENT, KV_STATUS_INVALID_ARGUMENT, KV_STATUS_NULL_ARGUMENT]
    );

    let state = CallbackState::new(Mode::ZeroWithoutToken, "unused", 3600);
    let cred2 = callback_credential(&state);
    let e = expect_status(fake_client(&vault, &cred2).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("without calling kv_token_sink_set"), "{}", e.message);

    // NULL callback: refused, and free_user_data is not called (user_data stays the caller's).
    let state = CallbackState::new(Mode::Deliver, "t", 3600);
    let user_data = Arc::into_raw(state.clone()) as *mut c_void;
    let mut out = null_mut();
    expect_status(
        call(|e| kv_credential_callback_new(None, user_data, Some(free_state), &mut out, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    assert!(out.is_null());
    assert_eq!(state.frees.load(Ordering::SeqCst), 0);
    unsafe { drop(Arc::from_raw(user_data as *const CallbackState)) };
    // A NULL free_user_data is fine.
    let state = CallbackState::new(Mode::Deliver, "cb-token", 3600);
    let user_data = Arc::as_ptr(&state) as *mut c_void;
    let cred3 =
        new_credential(|out, e| kv_credential_callback_new(Some(token_callback), user_data, None, out, e)).unwrap();
    fake_client(&vault, &cred3).get("name", None).unwrap();
    drop(cred3);
    // Sink calls outside a callback: NULL sink.
    expect_status(
        call(|e| kv_token_sink_set(null_mut(), c("t").as_ptr(), now_unix() + 60, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(call(|e| kv_token_sink_set_error(null_mut(), c("m").as_ptr(), e)), KV_STATUS_NULL_ARGUMENT);
}

/// 16 threads share one client while the token expires mid-run: every call succeeds, the
/// callback is never run concurrently, and exactly one token request happens per expiry.
#[test]
fn sixteen_threads_share_one_client_across_token_expiries() {
    let _env = env(&[]);
    // Tokens valid for 302 s are fresh for ~2 s (they are refreshed 300 s before expiry). Each is
    // a new token the vault issued to identity client_id=rotating.
    let state = CallbackState::new(Mode::DeliverFromVault, "rotating", 302);
    let cred = callback_credential(&state);
    let c = local_client(&cred);
    let name = format!("threads-{}", std::process::id());
    c.set(&name, b"shared").unwrap();
    let run_for = Duration::from_millis(5500);
    let started = Instant::now();
    let failures = AtomicUsize::new(0);
    let calls_made = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..16 {
            s.spawn(|| {
                while started.elapsed() < run_for {
                    match c.get(&name, None) {
                        Ok(secret) => assert_eq!(secret.value(), b"shared"),
                        Err(e) => {
                            eprintln!("call failed: {e:?}");
                            failures.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    calls_made.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(failures.load(Ordering::SeqCst), 0, "no failed call");
    assert!(calls_made.load(Ordering::SeqCst) > 100, "the threads made many calls");
    assert!(!state.overlapped.load(Ordering::SeqCst), "the callback never ran concurrently");
    let log = state.log.lock().unwrap();
    assert!(log.len() >= 2, "the token expired at least once during the run: {} requests", log.len());
    // One request per expiry: no token is requested before the previous one was due for refresh
    // (this bounds the count by the expiries, whatever the machine's load).
    for pair in log.windows(2) {
        let (prev_at, prev_expires) = (pair[0].0, pair[0].1);
        let refresh_due = UNIX_EPOCH + Duration::from_secs(prev_expires as u64) - Duration::from_secs(300);
        assert!(pair[1].0 >= refresh_due, "a token was requested before the previous one was due for refresh");
        assert!(pair[1].0 >= prev_at);
    }
    // Every call reached the vault with a token the vault issued to the callback's identity.
    let seen = subjects_seen(&name);
    let authenticated: Vec<_> = seen.iter().filter(|(status, _)| *status != 401).collect();
    assert_eq!(authenticated.len(), calls_made.load(Ordering::SeqCst) + 1, "the set and every get reached the vault");
    assert!(authenticated
        .iter()
        .all(|(status, who)| *status == 200 && who.as_deref() == Some("mi:imds:client_id=rotating")));
}

// ---------------------------------------------------------------------------------------------
// default chain

fn default_credential() -> Result<Credential, CallError> {
    new_credential(|out, e| kv_credential_default_new(out, e))
}

#[test]
fn default_chain_all_failing_lists_every_reason() {
    let _env = env(&[]);
    let vault = fake_vault("never");
    let cred = default_credential().unwrap();
    let started = Instant::now();
    let e = expect_status(fake_client(&vault, &cred).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    for expected in [
        "EnvironmentCredential: not configured:",
        "AZURE_TENANT_ID",
        "WorkloadIdentityCredential: not configured:",
        "AZURE_FEDERATED_TOKEN_FILE",
        "ManagedIdentityCredential: managed identity is unavailable",
        "AzureCliCredential: Azure CLI not found on PATH",
    ] {
        assert!(e.message.contains(expected), "missing {expected:?} in:\n{}", e.message);
    }
}

#[test]
fn default_chain_uses_managed_identity_against_the_local_vault() {
    let _env = env(&[]);
    std::env::set_var("AZURE_POD_IDENTITY_AUTHORITY_HOST", format!("http://127.0.0.1:{}", vault().http_port));
    let cred = default_credential().unwrap();
    let name = round_trip(&local_client(&cred)).expect("default chain -> managed identity -> vault");
    assert_reached_as(&name, "mi:imds:system");
}

#[test]
fn default_chain_picks_the_first_configured_credential_and_keeps_it() {
    let env = env(&[]);
    let bin = env.dir.join("bin");
    working_az(&bin, "cli-token");
    use_path(&env, &bin);

    // Only the CLI works: it is used (managed identity was tried and is unavailable).
    let vault = fake_vault("cli-token");
    let cred = default_credential().unwrap();
    fake_client(&vault, &cred).get("name", None).unwrap();
    assert_eq!(runs(&bin), 1);

    // Managed identity before the CLI.
    let imds = imds_server("mi-token");
    env.set("AZURE_POD_IDENTITY_AUTHORITY_HOST", &host_of(&imds));
    let vault = fake_vault("mi-token");
    let cred = default_credential().unwrap();
    fake_client(&vault, &cred).get("name", None).unwrap();
    assert_eq!(runs(&bin), 1, "the CLI was not run");
    assert_eq!(token_requests(&imds).len(), 1);
    // The chosen credential is kept: with the IMDS stand-in gone, a token for another tenant
    // (a cache miss) fails with managed identity's error instead of falling back to the CLI.
    drop(imds);
    let other = fake_vault_for("cli-token", "11111111-2222-3333-4444-555555555555");
    let e = expect_status(fake_client(&other, &cred).get("name", None).map(drop), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(
        e.message.contains("ManagedIdentityCredential") && !e.message.contains("AzureCliCredential"),
        "{}",
        e.message
    );
    assert_eq!(runs(&bin), 1, "the CLI was not run");

    // Workload identity and environment, against a stand-in identity platform (HTTPS).
    let authority = ScriptedServer::start(|_, req| {
        let body = String::from_utf8_lossy(&req.body).into_owned();
        let token = if body.contains("client_assertion=federated-assertion") {
            "wi-token"
        } else if body.contains("client_secret=") {
            "env-token"
        } else {
            "unknown"
        };
        Reply::json(200, &format!(r#"{{"token_type":"Bearer","expires_in":3600,"access_token":"{token}"}}"#))
    });
    let opts = CredOptions::new()
        .with(|o, e| kv_credential_options_set_ca_file(o, c(&authority.ca_file().to_string_lossy()).as_ptr(), e));
    let token_file = env.dir.join("federated-token");
    std::fs::write(&token_file, "federated-assertion\n").unwrap();
    env.set("AZURE_AUTHORITY_HOST", &authority.url());
    env.set("AZURE_TENANT_ID", TENANT);
    env.set("AZURE_CLIENT_ID", CLIENT_ID);
    env.set("AZURE_FEDERATED_TOKEN_FILE", &token_file.to_string_lossy());
    let imds = imds_server("mi-token");
    env.set("AZURE_POD_IDENTITY_AUTHORITY_HOST", &host_of(&imds));
    let vault = fake_vault("wi-token");
    let cred = new_credential(|out, e| kv_credential_default_with_options_new(opts.0, out, e)).unwrap();
    fake_client(&vault, &cred).get("name", None).expect("workload identity");
    assert_eq!(imds.request_count(), 0, "managed identity was not tried");
    let reqs = authority.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path(), format!("/{TENANT}/oauth2/v2.0/token"));

    env.set("AZURE_CLIENT_SECRET", "hunter2-secret");
    let vault = fake_vault("env-token");
    let cred = new_credential(|out, e| kv_credential_default_with_options_new(opts.0, out, e)).unwrap();
    fake_client(&vault, &cred).get("name", None).expect("environment credential");
    assert_eq!(authority.request_count(), 2);
    assert_eq!(imds.request_count(), 0);
    assert_eq!(runs(&bin), 1);
}

#[test]
fn azure_token_credentials_selects_part_of_the_chain() {
    let env = env(&[]);
    let bin = env.dir.join("bin");
    working_az(&bin, "cli-token");
    use_path(&env, &bin);
    let imds = imds_server("mi-token");
    env.set("AZURE_POD_IDENTITY_AUTHORITY_HOST", &host_of(&imds));

    // dev: the CLI only, although managed identity would work.
    env.set("AZURE_TOKEN_CREDENTIALS", "dev");
    let cred = default_credential().unwrap();
    fake_client(&fake_vault("cli-token"), &cred).get("name", None).unwrap();
    assert_eq!((runs(&bin), imds.request_count()), (1, 0));

    // One exact name.
    env.set("AZURE_TOKEN_CREDENTIALS", "ManagedIdentityCredential");
    let cred = default_credential().unwrap();
    fake_client(&fake_vault("mi-token"), &cred).get("name", None).unwrap();
    assert_eq!(runs(&bin), 1);
    assert_eq!(token_requests(&imds).len(), 1);

    // prod: no CLI, so with managed identity unavailable everything fails, CLI unmentioned.
    env.set("AZURE_TOKEN_CREDENTIALS", "prod");
    env.set("AZURE_POD_IDENTITY_AUTHORITY_HOST", &format!("http://127.0.0.1:{}", closed_port()));
    let cred = default_credential().unwrap();
    let e = expect_status(
        fake_client(&fake_vault("cli-token"), &cred).get("name", None).map(drop),
        KV_STATUS_AUTHENTICATION_FAILED,
    );
    assert!(
        e.message.contains("EnvironmentCredential")
            && e.message.contains("WorkloadIdentityCredential")
            && e.message.contains("ManagedIdentityCredential"),
        "{}",
        e.message
    );
    assert!(!e.message.contains("AzureCliCredential"), "{}", e.message);
    assert_eq!(runs(&bin), 1);

    // AzureCliCredential alone, az missing: only it is listed.
    env.set("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential");
    env.remove("PATH");
    env.set("PATH", &env.dir.join("nothing-here").to_string_lossy());
    let cred = default_credential().unwrap();
    let e = expect_status(
        fake_client(&fake_vault("x"), &cred).get("name", None).map(drop),
        KV_STATUS_AUTHENTICATION_FAILED,
    );
    assert!(
        e.message.contains("AzureCliCredential: Azure CLI not found on PATH")
            && !e.message.contains("ManagedIdentityCredential"),
        "{}",
        e.message
    );

    // Unknown value: refused when the credential is created.
    env.set("AZURE_TOKEN_CREDENTIALS", "InteractiveBrowserCredential");
    let e = expect_status(default_credential().map(drop), KV_STATUS_INVALID_ARGUMENT);
    assert!(e.message.contains("AZURE_TOKEN_CREDENTIALS"), "{}", e.message);
    let mut out = null_mut();
    expect_status(
        call(|e| kv_credential_default_with_options_new(std::ptr::null(), &mut out, e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
    assert!(out.is_null());
    expect_status(call(|e| kv_credential_default_new(null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
}
