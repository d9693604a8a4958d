//! Per-call cancellation and deadlines through the C ABI (`kv_call_context`,
//! `kv_client_with_context`) against the scripted HTTPS server: a call cancelled from another
//! thread while it waits for a slow reply, sleeps before a retry, connects, or waits for a token
//! returns `KV_STATUS_CANCELLED` within the 100 ms the issue names (measured from the cancel);
//! the interrupted connection is not reused; a context deadline gives `KV_STATUS_TIMEOUT`.

mod support;

use kv::ffi::call_context::*;
use kv::ffi::client::*;
use kv::ffi::credential::*;
use kv::ffi::credential_host::*;
use kv::ffi::status::*;
use std::ffi::{c_char, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::capi::*;
use support::scripted_server::*;

const BOUND: Duration = Duration::from_millis(100);

fn challenge() -> Reply {
    Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"Request is missing a Bearer or PoP token."}}"#)
        .with_header(
            "WWW-Authenticate",
            r#"Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://localhost""#,
        )
}

fn secret_json(req: &RecordedRequest) -> String {
    let host = req.header("host").unwrap_or_default();
    format!(
        r#"{{"value":"v","id":"https://{host}/secrets/s/0123456789abcdef0123456789abcdef","attributes":{{"enabled":true}}}}"#
    )
}

/// A vault answering the challenge, then handing authorized requests to `f` (with their count).
fn vault<F>(f: F) -> ScriptedServer
where
    F: Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
{
    let authorized = AtomicUsize::new(0);
    ScriptedServer::start(move |_, req| {
        if req.header("authorization").is_none() {
            return challenge();
        }
        f(authorized.fetch_add(1, Ordering::SeqCst), req)
    })
}

struct Context(*mut kv_call_context);
unsafe impl Send for Context {}
unsafe impl Sync for Context {}
impl Context {
    fn new() -> Context {
        let mut out = null_mut();
        call(|e| kv_call_context_new(&mut out, e)).expect("context");
        Context(out)
    }
}
impl Drop for Context {
    fn drop(&mut self) {
        kv_call_context_free(self.0);
    }
}

fn with_context(client: &Client, ctx: &Context) -> Client {
    let mut out = null_mut();
    call(|e| kv_client_with_context(client.0, ctx.0, &mut out, e)).expect("client with context");
    Client(out)
}

/// Runs `get_secret` on `client` while another thread cancels `ctx` once `ready()` holds;
/// returns the call's error and the time from the cancel to the call's return.
fn cancel_when(
    client: &Client,
    ctx: &Arc<Context>,
    ready: impl Fn() -> bool + Send + 'static,
) -> (CallError, Duration) {
    let other = ctx.clone();
    let canceller = std::thread::spawn(move || {
        let started = Instant::now();
        while !ready() {
            assert!(started.elapsed() < Duration::from_secs(10), "the call never reached the step to cancel");
            std::thread::sleep(Duration::from_millis(5));
        }
        // Let the call settle into its wait.
        std::thread::sleep(Duration::from_millis(100));
        kv_call_context_cancel(other.0);
        Instant::now()
    });
    let err = client.get("s", None).map(|_| ()).expect_err("the call must not succeed");
    let returned = Instant::now();
    let cancelled_at = canceller.join().unwrap();
    (err, returned.saturating_duration_since(cancelled_at))
}

#[test]
fn a_call_cancelled_while_waiting_for_a_slow_reply_returns_at_once_and_its_connection_is_dropped() {
    let server = vault(|i, req| match i {
        0 => Reply::json(200, &secret_json(req)).with_delay(Duration::from_secs(10)),
        _ => Reply::json(200, &secret_json(req)),
    });
    let client =
        Client::new(&server.url(), "tok", &Options::new().ca_file(server.ca_file().to_str().unwrap())).unwrap();
    let ctx = Arc::new(Context::new());
    let cancellable = with_context(&client, &ctx);
    // Cancel once the authorized request (the second) has reached the server.
    let seen = Arc::new(ServerProbe(&server as *const ScriptedServer));
    let (err, took) = cancel_when(&cancellable, &ctx, move || seen.requests() >= 2);
    assert_eq!(err.status, KV_STATUS_CANCELLED, "{}", err.message);
    assert!(took < BOUND, "returned {took:?} after the cancel");
    assert!(kv_call_context_is_cancelled(ctx.0));
    // A later call under the same (cancelled) context fails at once without sending anything.
    let before = server.request_count();
    assert_eq!(cancellable.get("s", None).map(|_| ()).unwrap_err().status, KV_STATUS_CANCELLED);
    assert_eq!(server.request_count(), before);
    // The interrupted connection is not reused: the next call opens a new one.
    let connections = server.connection_count();
    assert_eq!(client.get("s", None).unwrap().value(), b"v");
    assert_eq!(server.connection_count(), connections + 1);
}

/// Lets the canceller thread look at the server's request count (the server outlives it).
struct ServerProbe(*const ScriptedServer);
unsafe impl Send for ServerProbe {}
unsafe impl Sync for ServerProbe {}
impl ServerProbe {
    fn requests(&self) -> usize {
        // SAFETY: the test joins the canceller before the server is dropped.
        unsafe { &*self.0 }.request_count()
    }
}

#[test]
fn a_call_cancelled_while_sleeping_before_a_retry_returns_at_once() {
    let server = vault(|_, _| {
        Reply::json(503, r#"{"error":{"code":"ServiceUnavailable","message":"busy"}}"#).with_header("Retry-After", "10")
    });
    let client =
        Client::new(&server.url(), "tok", &Options::new().ca_file(server.ca_file().to_str().unwrap())).unwrap();
    let ctx = Arc::new(Context::new());
    let cancellable = with_context(&client, &ctx);
    let seen = Arc::new(ServerProbe(&server as *const ScriptedServer));
    let (err, took) = cancel_when(&cancellable, &ctx, move || seen.requests() >= 2);
    assert_eq!(err.status, KV_STATUS_CANCELLED, "{}", err.message);
    assert!(took < BOUND, "returned {took:?} after the cancel");
    assert_eq!(server.request_count(), 2, "no retry after the cancel");
}

#[test]
fn a_call_cancelled_while_connecting_returns_at_once() {
    // A listener whose accept queue is full and never served: the kernel drops further SYNs,
    // so a connect to it (or the TLS handshake after it) hangs (loopback only).
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into()).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        s.set_nonblocking(true).unwrap();
        let _ = s.connect(&addr.into());
        fillers.push(s);
    }
    std::thread::sleep(Duration::from_millis(50));
    let url = format!("https://127.0.0.1:{}", addr.port());
    let client = Client::new(&url, "tok", &Options::new()).unwrap();
    let ctx = Arc::new(Context::new());
    let cancellable = with_context(&client, &ctx);
    let started = Instant::now();
    let (err, took) = cancel_when(&cancellable, &ctx, || true);
    assert_eq!(err.status, KV_STATUS_CANCELLED, "{} (after {:?})", err.message, started.elapsed());
    assert!(took < BOUND, "returned {took:?} after the cancel");
}

unsafe extern "C" fn slow_token(
    _user_data: *mut c_void,
    _scope: *const c_char,
    _tenant: *const c_char,
    _claims: *const c_char,
    _sink: *mut kv_token_sink,
) -> i32 {
    std::thread::sleep(Duration::from_secs(2));
    1
}

#[test]
fn a_call_cancelled_while_waiting_for_a_token_returns_at_once() {
    let server = vault(|_, req| Reply::json(200, &secret_json(req)));
    let mut cred = null_mut();
    call(|e| kv_credential_callback_new(Some(slow_token), null_mut(), None, &mut cred, e)).unwrap();
    let opts = Options::new().ca_file(server.ca_file().to_str().unwrap());
    let mut client = null_mut();
    call(|e| kv_client_new(c(&server.url()).as_ptr(), cred, opts.0, &mut client, e)).unwrap();
    kv_credential_free(cred);
    let client = Client(client);
    let ctx = Arc::new(Context::new());
    let cancellable = with_context(&client, &ctx);
    // The challenge arrives at once; then the call waits for the callback's token.
    let seen = Arc::new(ServerProbe(&server as *const ScriptedServer));
    let (err, took) = cancel_when(&cancellable, &ctx, move || seen.requests() >= 1);
    assert_eq!(err.status, KV_STATUS_CANCELLED, "{}", err.message);
    assert!(took < BOUND, "returned {took:?} after the cancel");
    assert_eq!(server.request_count(), 1, "nothing authorized was sent");
}

#[test]
fn a_context_deadline_ends_the_call_with_the_timeout_status() {
    let server = vault(|_, req| Reply::json(200, &secret_json(req)).with_delay(Duration::from_secs(10)));
    let client =
        Client::new(&server.url(), "tok", &Options::new().ca_file(server.ca_file().to_str().unwrap())).unwrap();
    let ctx = Context::new();
    call(|e| kv_call_context_set_deadline_ms(ctx.0, 300, e)).unwrap();
    let limited = with_context(&client, &ctx);
    // The context may be freed while its client lives on.
    drop(ctx);
    let started = Instant::now();
    let err = limited.get("s", None).map(|_| ()).unwrap_err();
    assert_eq!(err.status, KV_STATUS_TIMEOUT, "{}", err.message);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn the_call_context_functions_check_their_arguments() {
    kv_call_context_cancel(null_mut());
    assert!(!kv_call_context_is_cancelled(null_mut()));
    kv_call_context_free(null_mut());
    expect_status(call(|e| kv_call_context_set_deadline_ms(null_mut(), 1, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_call_context_new(null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    let ctx = Context::new();
    let mut out = null_mut();
    expect_status(call(|e| kv_client_with_context(null_mut(), ctx.0, &mut out, e)), KV_STATUS_NULL_ARGUMENT);
    assert!(out.is_null());
    kv_call_context_cancel(ctx.0);
    kv_call_context_cancel(ctx.0);
    assert!(kv_call_context_is_cancelled(ctx.0));
}

/// A secret cache over `client` (defaults), freed on drop.
struct Cache(*mut kv::ffi::cache::kv_secret_cache);
unsafe impl Send for Cache {}
unsafe impl Sync for Cache {}
impl Cache {
    fn over(client: &Client) -> Cache {
        let mut out = null_mut();
        call(|e| kv::ffi::cache::kv_secret_cache_new(client.0, std::ptr::null(), &mut out, e)).expect("cache");
        Cache(out)
    }
    /// `kv_secret_cache_get_in_context` of secret "s" (latest); the value on success.
    fn get(&self, ctx: Option<&Context>) -> Result<Vec<u8>, CallError> {
        let mut out = null_mut();
        let ctx = ctx.map_or(std::ptr::null(), |c| c.0 as *const kv_call_context);
        call(|e| {
            kv::ffi::cache::kv_secret_cache_get_in_context(
                self.0,
                ctx,
                c"s".as_ptr(),
                std::ptr::null(),
                &mut out,
                null_mut(),
                e,
            )
        })?;
        let value = kv::ffi::secret::kv_secret_value(out);
        // SAFETY: a live kv_secret's value view.
        let bytes = unsafe { std::slice::from_raw_parts(value.data.cast::<u8>(), value.len) }.to_vec();
        kv::ffi::secret::kv_secret_free(out);
        Ok(bytes)
    }
}
impl Drop for Cache {
    fn drop(&mut self) {
        kv::ffi::cache::kv_secret_cache_free(self.0);
    }
}

#[test]
fn a_cache_get_under_a_context_is_cancelled_while_fetching_and_while_waiting_for_another_fetch() {
    let server = vault(|i, req| match i {
        0 | 1 => Reply::json(200, &secret_json(req)).with_delay(Duration::from_secs(2)),
        _ => Reply::json(200, &secret_json(req)),
    });
    let client =
        Client::new(&server.url(), "tok", &Options::new().ca_file(server.ca_file().to_str().unwrap())).unwrap();
    let cache = Arc::new(Cache::over(&client));
    let probe = Arc::new(ServerProbe(&server as *const ScriptedServer));

    // The fetching caller itself, under a context: cancelled while the slow reply is awaited.
    let ctx = Arc::new(Context::new());
    let (c, p, x) = (cache.clone(), probe.clone(), ctx.clone());
    let canceller = std::thread::spawn(move || {
        while p.requests() < 2 {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(100));
        kv_call_context_cancel(x.0);
        Instant::now()
    });
    let err = c.get(Some(&ctx)).expect_err("cancelled");
    let took = Instant::now().saturating_duration_since(canceller.join().unwrap());
    assert_eq!(err.status, KV_STATUS_CANCELLED, "{}", err.message);
    assert!(took < BOUND, "the fetching get returned {took:?} after the cancel");

    // Another thread fetches (slowly, no context); a caller under a context waits for that
    // fetch and is cancelled while waiting; the fetch goes on and serves its own caller.
    let (c, before) = (cache.clone(), server.request_count());
    let leader = std::thread::spawn(move || c.get(None));
    while server.request_count() == before {
        std::thread::sleep(Duration::from_millis(5));
    }
    let waiter_ctx = Arc::new(Context::new());
    let x = waiter_ctx.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        kv_call_context_cancel(x.0);
        Instant::now()
    });
    let err = cache.get(Some(&waiter_ctx)).expect_err("cancelled while waiting");
    let took = Instant::now().saturating_duration_since(canceller.join().unwrap());
    assert_eq!(err.status, KV_STATUS_CANCELLED, "{}", err.message);
    assert!(took < BOUND, "the waiting get returned {took:?} after the cancel");
    assert_eq!(server.request_count(), before + 1, "the waiter sent nothing of its own");
    assert_eq!(leader.join().unwrap().expect("the fetch goes on"), b"v");
    // The value is cached now: a get under the cancelled context is a hit, served from memory.
    assert_eq!(cache.get(Some(&waiter_ctx)).expect("a hit"), b"v");
}
