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
    call(|e| {
        kv_credential_client_secret_new(
            c(TENANT).as_ptr(),
            c(CLIENT_ID).as_ptr(),
            c("secret").as_ptr(),
            opts.0,
            &mut out,
            e,
        )
    })
    .unwrap();
    Credential(out)
}

/// Review finding 6: `expires_in: 1e300` panicked ("overflow when adding duration to instant").
/// A lifetime too large for the clock is capped: the token is used, and no call panics.
#[test]
fn huge_token_lifetimes_from_the_identity_platform_are_capped_not_a_panic() {
    for expiry in [
        r#""expires_in":1e300"#,
        r#""expires_in":"9223372036854775807""#,
        r#""expires_in":18446744073709551615"#,
        r#""expires_on":1e300,"expires_in":60"#,
        r#""expires_on":"9223372036854775807""#,
    ] {
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
        let body =
            format!(r#"{{"access_token":"mi-big",{expiry},"resource":"https://localhost","token_type":"Bearer"}}"#);
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

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kv-cred-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn mkfifo(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success());
}

/// Review finding 17: the federated token file was read whole, so `/dev/zero` exhausted memory
/// and a FIFO hung. Now: a regular file of at most 64 KiB, else a clear error at once.
#[test]
fn the_federated_token_file_is_read_capped_and_only_if_regular() {
    let _lock = ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let authority = ScriptedServer::start(|_, _| {
        Reply::json(200, r#"{"token_type":"Bearer","expires_in":3600,"access_token":"wi-token"}"#)
    });
    let big = temp_path("big-token");
    std::fs::write(&big, "a".repeat(2 * 1024 * 1024)).unwrap();
    let fifo = temp_path("token-fifo");
    mkfifo(&fifo);
    let cases = [
        (big.to_string_lossy().into_owned(), "larger than"),
        (fifo.to_string_lossy().into_owned(), "not a regular file"),
        ("/dev/zero".to_owned(), "not a regular file"),
    ];
    for (file, expected) in cases {
        std::env::set_var("AZURE_TENANT_ID", TENANT);
        std::env::set_var("AZURE_CLIENT_ID", CLIENT_ID);
        std::env::set_var("AZURE_FEDERATED_TOKEN_FILE", &file);
        let opts = entra_options(&authority);
        let mut out = null_mut();
        let built = call(|e| kv_credential_workload_identity_new(opts.0, &mut out, e));
        for k in ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"] {
            std::env::remove_var(k);
        }
        built.unwrap();
        let started = std::time::Instant::now();
        let e = get_with(&vault_accepting("wi-token"), &Credential(out)).expect_err(&file);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{file}: {:?}", started.elapsed());
        assert!(e.message.contains("federated token file") && e.message.contains(expected), "{file}: {}", e.message);
    }
    assert_eq!(authority.request_count(), 0, "nothing was sent");
    let _ = std::fs::remove_file(&big);
    let _ = std::fs::remove_file(&fifo);
}

/// The certificate file named by `AZURE_CLIENT_CERTIFICATE_PATH`: `/dev/zero` and a FIFO are
/// refused at once with KV_STATUS_FILE_ERROR, a huge file without reading it all.
#[test]
fn the_certificate_file_is_read_capped_and_only_if_regular() {
    let _lock = ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let fifo = temp_path("cert-fifo");
    mkfifo(&fifo);
    let big = temp_path("big-cert.pem");
    std::fs::write(&big, vec![b'-'; 3 * 1024 * 1024]).unwrap();
    for (file, expected) in [
        (big.to_string_lossy().into_owned(), "larger than"),
        (fifo.to_string_lossy().into_owned(), "not a regular file"),
        ("/dev/zero".to_owned(), "not a regular file"),
    ] {
        std::env::set_var("AZURE_TENANT_ID", TENANT);
        std::env::set_var("AZURE_CLIENT_ID", CLIENT_ID);
        std::env::set_var("AZURE_CLIENT_CERTIFICATE_PATH", &file);
        let started = std::time::Instant::now();
        let mut out = null_mut();
        let built = call(|e| kv_credential_environment_new(std::ptr::null(), &mut out, e));
        for k in ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_CERTIFICATE_PATH"] {
            std::env::remove_var(k);
        }
        let e = expect_status(built, kv::ffi::status::KV_STATUS_FILE_ERROR);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{file}: {:?}", started.elapsed());
        assert!(e.message.contains(expected) && e.message.contains(&file), "{file}: {}", e.message);
    }
    let _ = std::fs::remove_file(&big);
    let _ = std::fs::remove_file(&fifo);
}

/// Review finding 1 on token requests: an identity-platform gateway page quoting the form body
/// (where `~` is `%7E`) was cut to 1,000 characters before the raw secret was looked for, so the
/// encoded secret (or its first part) stayed in the error.
#[test]
fn a_long_client_secret_echoed_form_encoded_by_a_gateway_leaves_no_slice_in_the_error() {
    let secret = format!("Q~{}", "aB3~xY9.zK_-".repeat(35));
    let authority = ScriptedServer::start(|_, req| {
        let page = format!(
            "<html><body><h1>502 Bad Gateway</h1>upstream rejected: {}</body></html>",
            String::from_utf8_lossy(&req.body)
        );
        Reply {
            status: 502,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: page.into_bytes(),
            delay: std::time::Duration::ZERO,
            hang_up: false,
        }
    });
    let opts = entra_options(&authority);
    let mut out = null_mut();
    call(|e| {
        kv_credential_client_secret_new(
            c(TENANT).as_ptr(),
            c(CLIENT_ID).as_ptr(),
            c(&secret).as_ptr(),
            opts.0,
            &mut out,
            e,
        )
    })
    .unwrap();
    let e = get_with(&vault_accepting("never"), &Credential(out)).expect_err("the token request fails");
    assert!(String::from_utf8_lossy(&authority.requests()[0].body).contains("%7E"), "the secret was sent form-encoded");
    assert!(e.message.contains("502 Bad Gateway"), "{}", e.message);
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    for form in [secret.as_str(), encoded.as_str()] {
        let chars: Vec<char> = form.chars().collect();
        for window in chars.windows(20) {
            let slice: String = window.iter().collect();
            assert!(!e.message.contains(&slice), "slice {slice:?} in {}", e.message);
        }
    }
}

/// The CA file (client and credential options) is read capped too: `/dev/zero` used to be read
/// until memory ran out ("cannot read CA file '/dev/zero': out of memory" under a memory limit).
#[test]
fn the_ca_file_is_read_capped_and_only_if_regular() {
    let started = std::time::Instant::now();
    let opts = Options::new();
    let e = call(|e| kv::ffi::client::kv_client_options_set_ca_file(opts.0, c("/dev/zero").as_ptr(), e))
        .expect_err("refused");
    assert_eq!(e.status, kv::ffi::status::KV_STATUS_FILE_ERROR);
    assert!(e.message.contains("not a regular file") && e.message.contains("/dev/zero"), "{}", e.message);
    let cred_opts = CredOptions(kv_credential_options_new());
    let e = call(|e| kv_credential_options_set_ca_file(cred_opts.0, c("/dev/zero").as_ptr(), e)).expect_err("refused");
    assert_eq!(e.status, kv::ffi::status::KV_STATUS_FILE_ERROR);
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
}
