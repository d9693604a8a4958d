//! Azure CLI: tokens of the account signed in with `az login`, for developer machines.
//!
//! Each token request runs `az account get-access-token --output json --scope <scope>
//! [--tenant <tenant>]` (found on `PATH`, no shell involved) and reads `accessToken` and
//! `expires_on` (epoch seconds; older CLIs only give `expiresOn`, a local time). The run is
//! bounded by the credential timeout: kv waits in the calling thread (no helper thread), and on
//! timeout kills the CLI's whole process group before returning. The scope and tenant are
//! checked to be plain identifiers before they are passed as arguments.

use crate::auth::credential::{AccessToken, Attempt, TokenRequest, TokenSource};
use crate::auth::options::CredentialOptions;
use crate::auth::token_text::{checked_token, unix_time, Seconds, MAX_TOKEN_LIFETIME};
use crate::error::{service_text, Error, ErrorKind, Result};
use serde::Deserialize;
use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime};
use zeroize::Zeroizing;

/// The program run.
pub const AZ_PROGRAM: &str = "az";
/// Largest output accepted from the CLI (stdout and stderr each).
const MAX_OUTPUT: usize = 1024 * 1024;
/// Most characters of the CLI's error output quoted in a message.
const EXCERPT_CHARS: usize = 400;

/// Tokens from `az account get-access-token`.
pub struct AzureCliCredential {
    timeout: Duration,
}

impl AzureCliCredential {
    /// A credential that runs the Azure CLI, allowing it `options.timeout` per run.
    pub fn new(options: &CredentialOptions) -> Result<AzureCliCredential> {
        if options.timeout.is_zero() {
            return Err(Error::invalid_argument("the Azure CLI timeout must be greater than zero"));
        }
        Ok(AzureCliCredential { timeout: options.timeout })
    }
}

impl AzureCliCredential {
    /// A token, or why not: unavailable when `az` is not installed or not signed in, a failure
    /// otherwise.
    fn attempt_token(&self, request: &TokenRequest) -> Attempt {
        if request.claims.is_some() {
            return Attempt::Failed(failed(
                "Azure CLI cannot answer a claims challenge: sign in again with `az login --claims-challenge` (see the vault's error) or use another credential",
            ));
        }
        if let Err(e) = check_scope(&request.scope) {
            return Attempt::Failed(e);
        }
        let mut args: Vec<&str> =
            vec!["account", "get-access-token", "--output", "json", "--scope", request.scope.trim()];
        if let Some(tenant) = request.tenant_id.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            if let Err(e) = check_tenant(tenant) {
                return Attempt::Failed(e);
            }
            args.extend(["--tenant", tenant]);
        }
        // The CLI gets its own timeout, or the time left of the call when that ends first.
        let own = Instant::now() + self.timeout;
        let limit = match crate::auth::deadline::within_call(own) {
            until if until == own => self.timeout,
            until => until.saturating_duration_since(Instant::now()),
        };
        let output = match run(AZ_PROGRAM, &args, limit) {
            Ok(output) => output,
            Err(e) if e.message.starts_with(NOT_FOUND) => return Attempt::Unavailable(e),
            Err(e) => return Attempt::Failed(e),
        };
        if !output.status.success() {
            let e = classify_failure(output.status, &output.stderr);
            return if e.message.starts_with(NOT_FOUND) || e.message.starts_with(NOT_LOGGED_IN) {
                Attempt::Unavailable(e)
            } else {
                Attempt::Failed(e)
            };
        }
        match parse_output(&output.stdout, SystemTime::now()) {
            Ok(token) => Attempt::Token(token),
            Err(e) => Attempt::Failed(e),
        }
    }
}

impl TokenSource for AzureCliCredential {
    fn fetch_token(&self, request: &TokenRequest) -> Result<AccessToken> {
        self.attempt_token(request).into_result()
    }

    fn attempt(&self, request: &TokenRequest) -> Attempt {
        self.attempt_token(request)
    }

    fn kind(&self) -> &'static str {
        "Azure CLI"
    }
}

/// How the message of an "az is not installed" error starts.
const NOT_FOUND: &str = "Azure CLI not found on PATH";
/// How the message of an "az is not signed in" error starts.
const NOT_LOGGED_IN: &str = "Azure CLI: not logged in";

fn failed(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::AuthenticationFailed, message)
}

/// Scopes are URLs: `0-9 a-z A-Z - _ . : /`, not starting with `-`.
fn check_scope(scope: &str) -> Result<()> {
    let scope = scope.trim();
    let ok = !scope.is_empty()
        && !scope.starts_with('-')
        && scope.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c));
    if ok {
        Ok(())
    } else {
        Err(failed(format!(
            "Azure CLI: refusing to pass the scope {:?}: it has characters outside 0-9 a-z A-Z - _ . : /",
            scope.chars().take(200).collect::<String>()
        )))
    }
}

/// Tenants are ids or domain names: `0-9 a-z A-Z - .`, not starting with `-`.
fn check_tenant(tenant: &str) -> Result<()> {
    let ok = !tenant.starts_with('-') && tenant.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(failed(format!(
            "Azure CLI: refusing to pass the tenant {:?}: it has characters outside 0-9 a-z A-Z - .",
            tenant.chars().take(200).collect::<String>()
        )))
    }
}

/// What a finished CLI run produced.
struct Output {
    status: ExitStatus,
    stdout: Zeroizing<Vec<u8>>,
    stderr: Vec<u8>,
}

/// Runs `program args` with a deadline, in the calling thread.
fn run(program: &str, args: &[&str], timeout: Duration) -> Result<Output> {
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so a timeout can kill the CLI and everything it started.
        command.process_group(0);
    }
    let child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            failed(format!("{NOT_FOUND}: install it (https://aka.ms/azure-cli) and run az login"))
        }
        _ => failed(format!("Azure CLI could not be started: {e}")),
    })?;
    wait_with_deadline(child, timeout)
}

#[cfg(unix)]
fn wait_with_deadline(mut child: Child, timeout: Duration) -> Result<Output> {
    use std::os::fd::AsRawFd;
    let deadline = Instant::now() + timeout;
    let (Some(mut out), Some(mut err)) = (child.stdout.take(), child.stderr.take()) else {
        kill(&mut child);
        return Err(failed("Azure CLI: no output pipes"));
    };
    for fd in [out.as_raw_fd(), err.as_raw_fd()] {
        // SAFETY: fcntl on descriptors this function owns.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
    }
    // Room for the largest output accepted, and one byte more to tell that it was exceeded.
    let mut stdout = Zeroizing::new(Vec::with_capacity(MAX_OUTPUT + 1));
    let mut stderr = Vec::with_capacity(MAX_OUTPUT + 1);
    let (mut out_open, mut err_open) = (true, true);
    loop {
        if out_open {
            out_open = drain(&mut out, &mut stdout);
        }
        if err_open {
            err_open = drain(&mut err, &mut stderr);
        }
        if stdout.len() > MAX_OUTPUT || stderr.len() > MAX_OUTPUT {
            kill(&mut child);
            return Err(failed("Azure CLI: its output is larger than expected"));
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                // Whatever is still buffered in the pipes.
                if out_open {
                    drain(&mut out, &mut stdout);
                }
                if err_open {
                    drain(&mut err, &mut stderr);
                }
                return Ok(Output { status, stdout, stderr });
            }
            Ok(None) => {}
            Err(e) => {
                kill(&mut child);
                return Err(failed(format!("Azure CLI: waiting for it failed: {e}")));
            }
        }
        let now = Instant::now();
        if now >= deadline {
            kill(&mut child);
            return Err(failed(format!("Azure CLI did not finish within {timeout:?} and was stopped")));
        }
        // Sleep until output arrives or a short tick passes (exit is noticed on the next turn).
        let wait_ms = deadline.duration_since(now).min(Duration::from_millis(20)).as_millis().max(1) as libc::c_int;
        let mut fds = [
            libc::pollfd { fd: if out_open { out.as_raw_fd() } else { -1 }, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: if err_open { err.as_raw_fd() } else { -1 }, events: libc::POLLIN, revents: 0 },
        ];
        // SAFETY: `fds` is a valid array of two pollfd; negative fds are ignored by poll.
        unsafe { libc::poll(fds.as_mut_ptr(), 2, wait_ms) };
    }
}

/// Reads what is available without blocking; false once the pipe is closed.
#[cfg(unix)]
///
/// Reads straight into the spare capacity of `into`, never past it: the caller reserves room
/// for the whole output (and a read that fills it ends the run as too large), so a buffer holding
/// a token is never reallocated and no uncleared copy is left behind.
fn drain(pipe: &mut impl Read, into: &mut Vec<u8>) -> bool {
    loop {
        let filled = into.len();
        if filled == into.capacity() {
            return true;
        }
        into.resize(into.capacity().min(filled + 8192), 0);
        let result = pipe.read(&mut into[filled..]);
        let n = *result.as_ref().unwrap_or(&0);
        into.truncate(filled + n);
        match result {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return true,
            Err(_) => return false,
        }
    }
}

/// Kills the child's process group (the CLI is a script that starts an interpreter), then the
/// child itself, and reaps it.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    {
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: the child is not reaped yet, so its pid (and group id) cannot have been reused.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(not(unix))]
fn wait_with_deadline(mut child: Child, timeout: Duration) -> Result<Output> {
    // Without non-blocking pipes: poll for exit, then read (the CLI's output is small).
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut stdout = Zeroizing::new(Vec::new());
                let mut stderr = Vec::new();
                if let Some(mut out) = child.stdout.take() {
                    let _ = out.read_to_end(&mut stdout);
                }
                if let Some(mut err) = child.stderr.take() {
                    let _ = err.read_to_end(&mut stderr);
                }
                return Ok(Output { status, stdout, stderr });
            }
            Ok(None) if crate::http::cancel::is_cancelled() => {
                kill(&mut child);
                return Err(crate::http::cancel::error("Azure CLI"));
            }
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                kill(&mut child);
                return Err(failed(format!("Azure CLI did not finish within {timeout:?} and was stopped")));
            }
            Err(e) => {
                kill(&mut child);
                return Err(failed(format!("Azure CLI: waiting for it failed: {e}")));
            }
        }
    }
}

/// Turns a failed run into a clear error.
fn classify_failure(status: ExitStatus, stderr: &[u8]) -> Error {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    if status.code() == Some(127) || lower.contains("az: not found") || lower.contains("az: command not found") {
        return failed(format!("{NOT_FOUND}: install it (https://aka.ms/azure-cli) and run az login"));
    }
    if lower.contains("az login") || lower.contains("az account set") {
        return failed(format!("{NOT_LOGGED_IN}: run az login ({})", excerpt(text)));
    }
    let code = status.code().map(|c| format!("exit status {c}")).unwrap_or_else(|| "killed by a signal".to_owned());
    failed(format!("Azure CLI failed ({code}): {}", excerpt(text)))
}

fn excerpt(text: &str) -> String {
    if text.is_empty() {
        return "no error output".to_owned();
    }
    service_text(text, EXCERPT_CHARS)
}

#[derive(Deserialize)]
struct CliToken {
    #[serde(rename = "accessToken", default, deserialize_with = "crate::model::encoding::deserialize_zeroizing")]
    access_token: Option<Zeroizing<String>>,
    expires_on: Option<Seconds>,
    #[serde(rename = "expiresOn")]
    expires_on_local: Option<String>,
}

/// Parses the CLI's JSON output.
fn parse_output(stdout: &[u8], now: SystemTime) -> Result<AccessToken> {
    let parsed: CliToken = serde_json::from_slice(stdout)
        .map_err(|e| failed(format!("Azure CLI: its output is not the expected JSON ({e})")))?;
    let token = parsed.access_token.ok_or_else(|| failed("Azure CLI: its output has no accessToken"))?;
    let token = checked_token(&token, "Azure CLI")?;
    let epoch = parsed.expires_on.as_ref().and_then(Seconds::whole);
    let epoch = match epoch {
        Some(e) => Some(e),
        None => parsed.expires_on_local.as_deref().and_then(local_time_to_epoch),
    };
    match epoch {
        Some(e) if e > 0 => {
            let latest = now.checked_add(MAX_TOKEN_LIFETIME).unwrap_or(now);
            let expires_on = unix_time(e as u64).unwrap_or(latest);
            if expires_on <= now {
                return Err(failed("Azure CLI returned an expired token: run az login again"));
            }
            Ok(AccessToken { token, expires_on })
        }
        _ => Err(failed("Azure CLI: its output has no usable expires_on or expiresOn")),
    }
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]` in the system's local time zone to unix seconds.
fn local_time_to_epoch(text: &str) -> Option<i64> {
    local_time_in(text, &jiff::tz::TimeZone::system())
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]` in `zone` to unix seconds. A time that a daylight-saving change
/// repeats is read with the earlier offset, one it skips with the offset before the change.
fn local_time_in(text: &str, zone: &jiff::tz::TimeZone) -> Option<i64> {
    let civil: jiff::civil::DateTime = text.trim().parse().ok()?;
    Some(zone.to_timestamp(civil).ok()?.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn scopes_and_tenants_are_checked() {
        assert!(check_scope("https://vault.azure.net/.default").is_ok());
        assert!(check_scope("--help").is_err());
        assert!(check_scope("https://x/.default; rm -rf /").is_err());
        assert!(check_scope("").is_err());
        assert!(check_tenant("72f988bf-86f1-41af-91ab-2d7cd011db47").is_ok());
        assert!(check_tenant("contoso.onmicrosoft.com").is_ok());
        assert!(check_tenant("-x").is_err());
        assert!(check_tenant("a b").is_err());
    }

    #[test]
    fn output_with_epoch_or_local_expiry() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let t = parse_output(br#"{"accessToken":"tok","expiresOn":"2023-10-31 21:59:10.000000","expires_on":1698789550,"tokenType":"Bearer"}"#, now).unwrap();
        assert_eq!((t.token.as_str(), t.expires_on), ("tok", UNIX_EPOCH + Duration::from_secs(1_698_789_550)));
        let t = parse_output(br#"{"accessToken":"tok","expiresOn":"2030-01-02 03:04:05.123456"}"#, now).unwrap();
        let expected = local_time_in("2030-01-02 03:04:05", &jiff::tz::TimeZone::system()).unwrap();
        assert_eq!(t.expires_on, UNIX_EPOCH + Duration::from_secs(expected as u64));
        assert!(parse_output(br#"{"accessToken":"tok"}"#, now).is_err());
        assert!(parse_output(br#"{"expires_on":5000}"#, now).is_err());
        assert!(parse_output(b"not json", now).is_err());
        assert!(parse_output(br#"{"accessToken":"tok","expires_on":500}"#, now).is_err(), "expired");
        assert!(local_time_to_epoch("2030-13-02 03:04:05").is_none());
        assert!(local_time_to_epoch("yesterday").is_none());
    }

    /// The CLI's local `expiresOn` read in named zones agrees with GNU `date`, across both
    /// daylight-saving changes (what `mktime` computed before).
    #[test]
    fn local_expiry_matches_gnu_date_in_named_zones() {
        for zone in ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"] {
            let tz = jiff::tz::TimeZone::get(zone).unwrap();
            for text in ["2030-01-02 03:04:05.123456", "2030-07-02 23:59:59.000000", "2024-02-29 12:00:00"] {
                let out = std::process::Command::new("date")
                    .env("TZ", zone)
                    .args(["-d", text.split('.').next().unwrap(), "+%s"])
                    .output()
                    .expect("date runs");
                let expected: i64 = String::from_utf8(out.stdout).unwrap().trim().parse().unwrap();
                assert_eq!(local_time_in(text, &tz), Some(expected), "{zone} {text}");
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn failures_are_classified() {
        use std::os::unix::process::ExitStatusExt;
        let exit = |code: i32| ExitStatus::from_raw(code << 8);
        assert!(classify_failure(exit(1), b"ERROR: Please run 'az login' to setup account.")
            .message
            .contains("not logged in: run az login"));
        assert!(classify_failure(exit(127), b"").message.contains("not found on PATH"));
        let e = classify_failure(exit(2), b"ERROR: something\nelse");
        assert!(e.message.contains("exit status 2") && e.message.contains("ERROR: something else"), "{}", e.message);
        assert!(classify_failure(ExitStatus::from_raw(9), b"").message.contains("signal"));
    }

    #[cfg(unix)]
    #[test]
    fn runs_are_bounded_and_killed_with_their_children() {
        let started = Instant::now();
        let e = run("/bin/sh", &["-c", "sleep 30 & wait"], Duration::from_millis(300)).err().unwrap();
        assert!(e.message.contains("did not finish"), "{}", e.message);
        assert!(started.elapsed() < Duration::from_secs(5));
        let out = run("/bin/sh", &["-c", "printf out; printf err >&2; exit 3"], Duration::from_secs(10)).unwrap();
        assert_eq!(
            (out.stdout.as_slice(), out.stderr.as_slice(), out.status.code()),
            (&b"out"[..], &b"err"[..], Some(3))
        );
        // More output than one pipe buffer does not block the child.
        let out = run("/bin/sh", &["-c", "head -c 200000 /dev/zero"], Duration::from_secs(10)).unwrap();
        assert_eq!(out.stdout.len(), 200_000);
        assert!(run("/nonexistent/az", &[], Duration::from_secs(1))
            .err()
            .unwrap()
            .message
            .contains("not found on PATH"));
    }
}
