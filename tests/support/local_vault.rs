//! The vault the integration tests run against.
//!
//! With `KV_TEST_VAULT_URL` (and `KV_TEST_VAULT_CA`, a PEM file to trust) set, tests use that
//! vault, e.g. a Lowkey Vault or a real one. Otherwise each test binary starts the repository's
//! local stand-in vault (`tools/testvault/testvault.py`) on free loopback ports; it exits when the
//! test process ends (its stdin closes).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

pub struct LocalVault {
    pub url: String,
    pub ca_file: String,
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
            return LocalVault { url, ca_file: ca, _stdin: Mutex::new(None), _child: Mutex::new(None), delays_deletes: false };
        }
        start_testvault()
    })
}

fn start_testvault() -> LocalVault {
    let root = env!("CARGO_MANIFEST_DIR");
    let state = std::env::temp_dir().join(format!("kv-testvault-{}", std::process::id()));
    let mut child = Command::new("python3")
        .arg(format!("{root}/tools/testvault/testvault.py"))
        .args(["--port", "0", "--http-port", "0", "--page-size", "3", "--exit-on-stdin-eof", "--state-dir"])
        .arg(&state)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs tools/testvault/testvault.py");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("testvault prints its ready line");
    let url = line.trim().strip_prefix("testvault ready ").unwrap_or_else(|| panic!("unexpected testvault output: {line:?}")).to_owned();
    let stdin = child.stdin.take();
    LocalVault {
        url,
        ca_file: state.join("ca.pem").to_string_lossy().into_owned(),
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
        super::capi::Client::new(&self.url, "local-test-token", &self.options()).expect("client for the test vault")
    }
}

/// A name unique to this process and call, so tests sharing a vault never collide.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}-{}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst), fastrand_suffix())
}

fn fastrand_suffix() -> u32 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    nanos % 100_000
}
