//! The vault the integration tests run against.
//!
//! With `KV_TEST_VAULT_URL` (and `KV_TEST_VAULT_CA`, a PEM file to trust) set, tests use that
//! vault, e.g. a Lowkey Vault or a real one. Otherwise each test binary starts the repository's
//! local stand-in vault (`tools/testvault/testvault.py`) on free loopback ports; it exits when the
//! test process ends (its stdin closes). The stand-in accepts only tokens it issued or was seeded
//! with: each test binary seeds a random token with subject `rust-tests`, and [`auth_log`] tells
//! which subject each request on a path authenticated as. An external vault gets the token in
//! `KV_TOKEN` (default "local-test-token", which emulators that accept any token take).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

pub struct LocalVault {
    pub url: String,
    pub ca_file: String,
    /// The bearer token [`LocalVault::client`] presents.
    pub token: String,
    /// The stand-in's plain HTTP port (token endpoints, auth log); `None` for an external vault.
    pub http_port: Option<u16>,
    /// Held open for the life of the test process; the server exits when it closes.
    _stdin: Mutex<Option<ChildStdin>>,
    _child: Mutex<Option<Child>>,
    /// True when this is the stand-in started here with a non-zero delete delay (its default;
    /// `TESTVAULT_DELETE_DELAY_MS=0` turns it off): deletes and recovers are then certainly still in
    /// progress right after they return.
    pub delays_deletes: bool,
}

static VAULT: OnceLock<LocalVault> = OnceLock::new();

/// The shared vault of this test binary.
pub fn vault() -> &'static LocalVault {
    VAULT.get_or_init(|| {
        if let (Ok(url), Ok(ca)) = (std::env::var("KV_TEST_VAULT_URL"), std::env::var("KV_TEST_VAULT_CA")) {
            let token = std::env::var("KV_TOKEN").unwrap_or_else(|_| "local-test-token".to_owned());
            return LocalVault {
                url,
                ca_file: ca,
                token,
                http_port: None,
                _stdin: Mutex::new(None),
                _child: Mutex::new(None),
                delays_deletes: false,
            };
        }
        start_testvault()
    })
}

fn start_testvault() -> LocalVault {
    let root = env!("CARGO_MANIFEST_DIR");
    let state = std::env::temp_dir().join(format!("kv-testvault-{}", std::process::id()));
    let token = random_token();
    let mut child = Command::new("python3")
        .arg(format!("{root}/tools/testvault/testvault.py"))
        .args(["--port", "0", "--http-port", "0", "--page-size", "3", "--exit-on-stdin-eof", "--state-dir"])
        .arg(&state)
        .arg("--seed-token")
        .arg(format!("{SEEDED_SUBJECT}={token}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs tools/testvault/testvault.py");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("testvault prints its ready line");
    let url = line
        .trim()
        .strip_prefix("testvault ready ")
        .unwrap_or_else(|| panic!("unexpected testvault output: {line:?}"))
        .to_owned();
    let stdin = child.stdin.take();
    let http_port = std::fs::read_to_string(state.join("testvault.http-port"))
        .expect("testvault.http-port")
        .trim()
        .parse()
        .expect("a port number");
    LocalVault {
        url,
        ca_file: state.join("ca.pem").to_string_lossy().into_owned(),
        token,
        http_port: Some(http_port),
        _stdin: Mutex::new(stdin),
        _child: Mutex::new(Some(child)),
        delays_deletes: std::env::var("TESTVAULT_DELETE_DELAY_MS").map(|v| v.trim() != "0").unwrap_or(true),
    }
}

impl LocalVault {
    /// Client options for this vault: its CA, and challenge-resource verification unless
    /// `KV_VERIFY_CHALLENGE_RESOURCE=0` (emulators such as Lowkey Vault name themselves).
    pub fn options(&self) -> super::capi::Options {
        let verify = std::env::var("KV_VERIFY_CHALLENGE_RESOURCE").map(|v| v != "0").unwrap_or(true);
        super::capi::Options::new().ca_file(&self.ca_file).verify_resource(verify)
    }

    /// A client of this vault.
    pub fn client(&self) -> super::capi::Client {
        super::capi::Client::new(&self.url, &self.token, &self.options()).expect("client for the test vault")
    }

    /// The stand-in's auth log for paths containing `path_part` (see [`auth_log`]); `None` for an
    /// external vault, which has none.
    pub fn auth_log(&self, path_part: &str) -> Option<Vec<AuthEntry>> {
        self.http_port.map(|port| auth_log(port, path_part))
    }
}

/// The subject of the token each test binary seeds into its stand-in vault.
pub const SEEDED_SUBJECT: &str = "rust-tests";

/// A random token, so that no test can pass with a constant the vault was not given.
pub fn random_token() -> String {
    format!("seeded-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// One request the stand-in vault checked the token of: method (`POST[PATCH]` for an override),
/// path, status, and the subject of the accepted token (`None` when it was refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthEntry {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub subject: Option<String>,
}

/// GET over plain HTTP on 127.0.0.1:`port`; (status, body).
pub fn plain_get(port: u16, path_and_query: &str, headers: &[(&str, &str)]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to the stand-in's plain HTTP port");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let mut req = format!("GET {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").expect("an HTTP reply");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    (status, body.to_owned())
}

/// The stand-in vault's auth log (`GET /testvault/auth-log`) for paths containing `path_part`.
pub fn auth_log(http_port: u16, path_part: &str) -> Vec<AuthEntry> {
    let q: String = percent_encoding::utf8_percent_encode(path_part, percent_encoding::NON_ALPHANUMERIC).to_string();
    let (status, body) = plain_get(http_port, &format!("/testvault/auth-log?path={q}"), &[]);
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("auth log JSON");
    v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| AuthEntry {
            method: e["method"].as_str().unwrap().to_owned(),
            path: e["path"].as_str().unwrap().to_owned(),
            status: e["status"].as_u64().unwrap() as u16,
            subject: e["subject"].as_str().map(str::to_owned),
        })
        .collect()
}

/// A token from the stand-in's IMDS endpoint for the user-assigned identity `client_id`
/// (subject `mi:imds:client_id=<client_id>`), as a host's managed identity would get it.
pub fn imds_token(http_port: u16, client_id: &str) -> String {
    let (status, body) = plain_get(
        http_port,
        &format!("/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Flocalhost&client_id={client_id}"),
        &[("Metadata", "true")],
    );
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

/// A name unique to this process and call, so tests sharing a vault never collide.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}-{}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst), fastrand_suffix())
}

fn fastrand_suffix() -> u32 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    nanos % 100_000
}
