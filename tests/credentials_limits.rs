//! Credentials at the edges of their inputs, through the C ABI: token lifetimes too large for the
//! clock (security review finding 6) and configured files that are huge or endless (finding 17).
//! Token endpoints are scripted servers on loopback. Tests that set environment variables hold
//! one lock (the environment is process-wide).

mod support;

use kv::ffi::credential::*;
use kv::ffi::credential_host::*;
use std::ptr::null_mut;
use std::sync::Mutex;
use support::capi::*;
use support::scripted_server::{Reply, ScriptedServer};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "00000000-0000-0000-0000-00000000c11e";

static ENV_LOCK: Mutex<()> = Mutex::new(());

/// A vault accepting only `Bearer <token>`.
fn vault_accepting(token: &str) -> ScriptedServer {
    let expected = format!("Bearer {token}");
    ScriptedServer::start(move |_, req| {
        if req.header("authorization") == Some(expected.as_str()) {
            Reply::json(200, r#"{"value":"v","id":"https://localhost/secrets/name/0123456789abcdef0123456789abcdef","attributes":{"enabled":true}}"#)
        } else {
            Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"no token"}}"#)
                .with_header("WWW-Authenticate", &format!("Bearer authorization=\"https://login.microsoftonline.com/{TENANT}\", resource=\"https://localhost\""))
        }
    })
}

fn get_with(vault: &ScriptedServer, cred: &Credential) -> Result<(), CallError> {
    let mut out = null_mut();
    let opts = Options::new().ca_file(&vault.ca_file().to_string_lossy()).retries(0, 10, 50);
    call(|e| kv::ffi::client::kv_client_new(c(&vault.url()).as_ptr(), cred.0, opts.0, &mut out, e))?;
    Client(out).get("name", None).map(drop)
}

struct CredOptions(*mut kv_credential_options);
impl Drop for CredOptions {
    fn drop(&mut self) {
        kv_credential_options_free(self.0);
    }
}

fn entra_options(authority: &ScriptedServer) -> CredOptions {
    let opts = CredOptions(kv_credential_options_new());
    call(|e| kv_credential_options_set_authority_host(opts.0, c(&authority.url()).as_ptr(), e)).unwrap();
    call(|e| kv_credential_options_set_ca_file(opts.0, c(&authority.ca_file().to_string_lossy()).as_ptr(), e)).unwrap();
    opts
}

fn client_secret(authority: &ScriptedServer) -> Credential {
    let opts = entra_options(authority);
    let mut out = null_mut();
    call(|e| kv_credential_client_secret_new(c(TENANT).as_ptr(), c(CLIENT_ID).as_ptr(), c("secret").as_ptr(), opts.0, &mut out, e)).unwrap();
    Credential(out)
}

/// Review finding 6: `expires_in: 1e300` panicked ("overflow when adding duration to instant").
/// A lifetime too large for the clock is capped: the token is used, and no call panics.
#[test]
fn huge_token_lifetimes_from_the_identity_platform_are_capped_not_a_panic() {
    for expiry in [r#""expires_in":1e300"#, r#""expires_in":"9223372036854775807""#, r#""expires_in":18446744073709551615"#, r#""expires_on":1e300,"expires_in":60"#, r#""expires_on":"9223372036854775807""#] {
        let body = format!(r#"{{"token_type":"Bearer",{expiry},"access_token":"big-lifetime"}}"#);
        let authority = ScriptedServer::start(move |_, _| Reply::json(200, &body));
        let cred = client_secret(&authority);
        let vault = vault_accepting("big-lifetime");
        get_with(&vault, &cred).unwrap_or_else(|e| panic!("{expiry}: {e:?}"));
        get_with(&vault, &cred).unwrap();
        assert_eq!(authority.request_count(), 1, "{expiry}: the capped token is cached");
    }
}

#[test]
fn huge_token_lifetimes_from_managed_identity_are_capped_not_a_panic() {
    let _lock = ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    for expiry in [r#""expires_on":"99999999999999999999""#, r#""expires_on":1e300"#, r#""expires_in":1e300"#] {
        let body = format!(r#"{{"access_token":"mi-big",{expiry},"resource":"https://localhost","token_type":"Bearer"}}"#);
        let endpoint = ScriptedServer::start_plain(move |_, _| Reply::json(200, &body));
        std::env::set_var("IDENTITY_ENDPOINT", format!("http://127.0.0.1:{}/msi/token", endpoint.addr().port()));
        std::env::set_var("IDENTITY_HEADER", "h");
        let mut out = null_mut();
        let built = call(|e| kv_credential_managed_identity_new(std::ptr::null(), &mut out, e));
        std::env::remove_var("IDENTITY_ENDPOINT");
        std::env::remove_var("IDENTITY_HEADER");
        built.unwrap();
        get_with(&vault_accepting("mi-big"), &Credential(out)).unwrap_or_else(|e| panic!("{expiry}: {e:?}"));
    }
}
