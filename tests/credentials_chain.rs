//! The default credential chain goes on only past credentials that are *unavailable* (not
//! configured, no managed identity endpoint answering, Azure CLI missing or signed out); a
//! credential that is configured and fails stops the chain with its error, as azure-identity's
//! `DefaultAzureCredential` does (security review finding 2).
//!
//! Through the C ABI, against a scripted identity platform (HTTPS), a scripted App Service or IMDS
//! endpoint (plain HTTP on loopback) and a scripted vault that accepts exactly one token. Every
//! test holds one lock: the environment is process-wide.

mod support;

use kv::ffi::credential::*;
use kv::ffi::credential_host::*;
use kv::ffi::status::*;
use std::ffi::OsString;
use std::net::TcpListener;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};
use support::capi::*;
use support::scripted_server::{Reply, ScriptedServer};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "00000000-0000-0000-0000-00000000c11e";

static ENV_LOCK: Mutex<()> = Mutex::new(());

const VARS: &[&str] = &[
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "AZURE_ADDITIONALLY_ALLOWED_TENANTS",
    "AZURE_TOKEN_CREDENTIALS",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "PATH",
];

/// A clean credential environment (no variables, IMDS on a closed port, no `az` on PATH) plus
/// `vars`; restored on drop.
struct Env {
    saved: Vec<(&'static str, Option<OsString>)>,
    _lock: MutexGuard<'static, ()>,
}

fn env(vars: &[(&str, String)]) -> Env {
    let lock = ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let saved = VARS.iter().map(|&k| (k, std::env::var_os(k))).collect();
    for k in VARS {
        std::env::remove_var(k);
    }
    std::env::set_var("PATH", std::env::temp_dir().join("kv-no-such-dir-for-az"));
    std::env::set_var("AZURE_POD_IDENTITY_AUTHORITY_HOST", format!("http://127.0.0.1:{}", closed_port()));
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
    Env { saved, _lock: lock }
}

impl Drop for Env {
    fn drop(&mut self) {
        for (k, v) in &self.saved {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
    }
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A vault accepting only `Bearer <token>`; anything else gets the challenge.
fn vault_accepting(token: &str) -> ScriptedServer {
    let expected = format!("Bearer {token}");
    ScriptedServer::start(move |_, req| {
        if req.header("authorization") == Some(expected.as_str()) {
            Reply::json(
                200,
                r#"{"value":"v","id":"https://localhost/secrets/name/0123456789abcdef0123456789abcdef","attributes":{"enabled":true}}"#,
            )
        } else {
            Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"no token"}}"#)
                .with_header("WWW-Authenticate", &format!("Bearer authorization=\"https://login.microsoftonline.com/{TENANT}\", resource=\"https://localhost\""))
        }
    })
}

/// A managed identity endpoint (App Service form or IMDS) that hands out `token`.
fn identity_endpoint(token: &'static str) -> ScriptedServer {
    ScriptedServer::start_plain(move |_, _| {
        Reply::json(
            200,
            &format!(
                r#"{{"access_token":"{token}","expires_on":"{}","resource":"https://localhost","token_type":"Bearer"}}"#,
                now_unix() + 3600
            ),
        )
    })
}

fn plain_url(server: &ScriptedServer) -> String {
    format!("http://127.0.0.1:{}", server.addr().port())
}

/// A scripted identity platform: `reply` for every token request.
fn entra(reply: impl Fn(usize) -> Reply + Send + Sync + 'static) -> ScriptedServer {
    let n = AtomicUsize::new(0);
    ScriptedServer::start(move |_, _| reply(n.fetch_add(1, Ordering::SeqCst)))
}

fn invalid_client() -> Reply {
    Reply::json(
        401,
        r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.","error_codes":[7000215]}"#,
    )
}

fn entra_token(token: &str) -> Reply {
    Reply::json(200, &format!(r#"{{"token_type":"Bearer","expires_in":3600,"access_token":"{token}"}}"#))
}

struct CredOptions(*mut kv_credential_options);
impl Drop for CredOptions {
    fn drop(&mut self) {
        kv_credential_options_free(self.0);
    }
}

/// The default chain with the identity platform's CA trusted.
fn default_chain(authority: &ScriptedServer) -> Credential {
    let opts = CredOptions(kv_credential_options_new());
    call(|e| kv_credential_options_set_ca_file(opts.0, c(&authority.ca_file().to_string_lossy()).as_ptr(), e)).unwrap();
    let mut out = null_mut();
    call(|e| kv_credential_default_with_options_new(opts.0, &mut out, e)).expect("default chain");
    Credential(out)
}

fn get_with(vault: &ScriptedServer, cred: &Credential) -> Result<(), CallError> {
    let mut out = null_mut();
    let opts = Options::new().ca_file(&vault.ca_file().to_string_lossy()).retries(0, 10, 50);
    call(|e| kv::ffi::client::kv_client_new(c(&vault.url()).as_ptr(), cred.0, opts.0, &mut out, e))?;
    let client = Client(out);
    client.get("name", None).map(drop)
}

fn service_principal(authority: &ScriptedServer, secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AZURE_TENANT_ID", TENANT.to_owned()),
        ("AZURE_CLIENT_ID", CLIENT_ID.to_owned()),
        ("AZURE_CLIENT_SECRET", secret.to_owned()),
        ("AZURE_AUTHORITY_HOST", authority.url()),
    ]
}

/// The review's reproduction: a wrong client secret with an App Service identity present. The
/// chain used to fall through to managed identity and succeed as that identity.
#[test]
fn a_wrong_client_secret_stops_the_chain_instead_of_falling_back_to_managed_identity() {
    let authority = entra(|_| invalid_client());
    let app_service = identity_endpoint("mi-token");
    let mut vars = service_principal(&authority, "wrong-secret");
    vars.push(("IDENTITY_ENDPOINT", format!("{}/msi/token", plain_url(&app_service))));
    vars.push(("IDENTITY_HEADER", "header".to_owned()));
    let _env = env(&vars);
    let vault = vault_accepting("mi-token");
    let cred = default_chain(&authority);
    let e = expect_status(get_with(&vault, &cred), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("EnvironmentCredential") && e.message.contains("invalid_client"), "{}", e.message);
    assert!(!e.message.contains("wrong-secret"), "{}", e.message);
    assert_eq!(app_service.request_count(), 0, "managed identity was not tried");
    assert!(vault.requests().iter().all(|r| r.header("authorization").is_none()), "no token reached the vault");
    // Still the environment credential next time (after the 1 s the cache remembers a failure):
    // nothing fell back and stuck.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    expect_status(get_with(&vault, &cred), KV_STATUS_AUTHENTICATION_FAILED);
    assert_eq!(app_service.request_count(), 0);
    assert_eq!(authority.request_count(), 2);
}

/// An identity-platform 5xx (retried, then reported) stops the chain too; when the platform
/// recovers, the same chain gets its token from the environment credential.
#[test]
fn an_identity_platform_outage_stops_the_chain_and_the_chain_recovers_with_it() {
    let authority = entra(|n| {
        if n < 3 {
            Reply::json(503, r#"{"error":"temporarily_unavailable"}"#)
        } else {
            entra_token("env-token")
        }
    });
    let imds = identity_endpoint("mi-token");
    let mut vars = service_principal(&authority, "right-secret");
    vars.push(("AZURE_POD_IDENTITY_AUTHORITY_HOST", plain_url(&imds)));
    let _env = env(&vars);
    let cred = default_chain(&authority);
    let vault = vault_accepting("env-token");
    let e = expect_status(get_with(&vault, &cred), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("EnvironmentCredential") && e.message.contains("503"), "{}", e.message);
    assert_eq!(imds.request_count(), 0, "managed identity was not tried");
    std::thread::sleep(std::time::Duration::from_millis(1100)); // the cache remembers a failure for 1 s
    get_with(&vault, &cred).expect("the environment credential, once the platform answers");
    assert_eq!(imds.request_count(), 0);
}

/// A certificate variable naming a file that cannot be read is a configuration error, not
/// "not configured": the chain stops there.
#[test]
fn a_set_but_unusable_certificate_variable_stops_the_chain() {
    let authority = entra(|_| entra_token("env-token"));
    let imds = identity_endpoint("mi-token");
    let _env = env(&[
        ("AZURE_TENANT_ID", TENANT.to_owned()),
        ("AZURE_CLIENT_ID", CLIENT_ID.to_owned()),
        ("AZURE_CLIENT_CERTIFICATE_PATH", "/nonexistent/kv-test-cert.pem".to_owned()),
        ("AZURE_AUTHORITY_HOST", authority.url()),
        ("AZURE_POD_IDENTITY_AUTHORITY_HOST", plain_url(&imds)),
    ]);
    let cred = default_chain(&authority);
    let e = expect_status(get_with(&vault_accepting("mi-token"), &cred), KV_STATUS_AUTHENTICATION_FAILED);
    assert!(e.message.contains("EnvironmentCredential") && e.message.contains("kv-test-cert.pem"), "{}", e.message);
    assert_eq!(imds.request_count(), 0, "managed identity was not tried");
}

/// Unavailable credentials are passed over: variables absent, workload identity absent, IMDS
/// not answering. The first available one is used.
#[test]
fn unavailable_credentials_are_passed_over() {
    let authority = entra(|_| entra_token("unused"));
    let imds = identity_endpoint("mi-token");
    let _env = env(&[("AZURE_POD_IDENTITY_AUTHORITY_HOST", plain_url(&imds))]);
    let cred = default_chain(&authority);
    get_with(&vault_accepting("mi-token"), &cred).expect("managed identity after two unconfigured credentials");
    assert_eq!(authority.request_count(), 0);
}

/// IMDS answering 400 (no identity assigned to this host) is "unavailable", as in the SDKs: the
/// chain goes on to the Azure CLI (absent here, so all are listed).
#[test]
fn imds_without_an_assigned_identity_is_unavailable() {
    let authority = entra(|_| entra_token("unused"));
    let imds = ScriptedServer::start_plain(|_, _| {
        Reply::json(400, r#"{"error":"invalid_request","error_description":"Identity not found"}"#)
    });
    let _env = env(&[("AZURE_POD_IDENTITY_AUTHORITY_HOST", plain_url(&imds))]);
    let cred = default_chain(&authority);
    let e = expect_status(get_with(&vault_accepting("x"), &cred), KV_STATUS_AUTHENTICATION_FAILED);
    for expected in [
        "EnvironmentCredential",
        "WorkloadIdentityCredential",
        "ManagedIdentityCredential",
        "Identity not found",
        "AzureCliCredential",
    ] {
        assert!(e.message.contains(expected), "missing {expected:?} in {}", e.message);
    }
}
