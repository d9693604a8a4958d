//! Warm requests on one client cost no more than the system's floor: against the stand-in vault
//! (reached as `localhost`, so the name must be resolved), 50 warm `get_secret` calls after a
//! warm-up resolve nothing, open no connection, start no thread, set no socket option and probe
//! the pooled connection once per call (at checkout, not again on its way back to the pool).
//! The same client bound to a call context then reuses that connection, waits in one `poll()`
//! per call (that is what makes it cancellable) and still sets no socket option; plain calls
//! after it keep the connection too.
//! One test in this binary: the counters and the thread count are process-wide.

mod support;

use kv::auth::static_token::StaticToken;
use kv::auth::Credential;
use kv::client::{Client, ClientOptions};
use kv::http::resolve::LOOKUPS;
use kv::http::socket::counters::{CONNECTIONS, POLLS, PROBES, TIMEOUTS_SET};
use kv::secrets::SecretProperties;
use kv::CallContext;
use std::sync::atomic::Ordering::Relaxed;
use support::local_vault::{unique, vault};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

#[test]
fn warm_gets_on_one_client_resolve_connect_and_spawn_nothing() {
    let v = vault();
    assert!(v.url.contains("://localhost:"), "the stand-in is reached by name: {}", v.url);
    let mut options = ClientOptions::default();
    options.set_ca_file(&v.ca_file).unwrap();
    let client = Client::new(&v.url, Credential::new(StaticToken::new(&v.token, None).unwrap()), &options).unwrap();
    let name = unique("floor");
    client.set_secret(&name, b"floor value", &SecretProperties::default()).unwrap();
    assert_eq!(client.get_secret(&name, "").unwrap().value(), b"floor value");
    assert!(LOOKUPS.load(Relaxed) >= 1, "the first connection looked the name up");

    let before = (LOOKUPS.load(Relaxed), CONNECTIONS.load(Relaxed), TIMEOUTS_SET.load(Relaxed), PROBES.load(Relaxed));
    let threads_before = threads();
    for _ in 0..50 {
        assert_eq!(client.get_secret(&name, "").unwrap().value(), b"floor value");
    }
    let after = (LOOKUPS.load(Relaxed), CONNECTIONS.load(Relaxed), TIMEOUTS_SET.load(Relaxed), PROBES.load(Relaxed));
    assert_eq!(after.0 - before.0, 0, "no name resolution per request on a pooled connection");
    assert_eq!(after.1 - before.1, 0, "every call reused the pooled connection");
    assert_eq!(after.2 - before.2, 0, "socket timeouts are set once per connection, not per request");
    assert_eq!(after.3 - before.3, 50, "one liveness probe per call, at checkout");
    assert_eq!(threads(), threads_before, "no thread started (or left behind) by a call");

    // The same client under a call context: same pooled connection, one poll per call (the
    // reply is awaited with the context's wake-up descriptor), no socket option set.
    let ctx = CallContext::new().unwrap();
    let bound = client.with_context(ctx.clone());
    let before = (CONNECTIONS.load(Relaxed), TIMEOUTS_SET.load(Relaxed), PROBES.load(Relaxed), POLLS.load(Relaxed));
    for _ in 0..50 {
        assert_eq!(bound.get_secret(&name, "").unwrap().value(), b"floor value");
    }
    let after = (CONNECTIONS.load(Relaxed), TIMEOUTS_SET.load(Relaxed), PROBES.load(Relaxed), POLLS.load(Relaxed));
    assert_eq!(after.0 - before.0, 0, "calls under a context reuse the pooled connection");
    assert_eq!(after.1 - before.1, 0, "and set no socket option (the socket stays in blocking mode)");
    assert_eq!(after.2 - before.2, 50, "one liveness probe per call, at checkout");
    assert!(after.3 - before.3 >= 50, "each call waits for its reply in poll(): {}", after.3 - before.3);
    // Plain calls again, on the same connection, with the socket timeouts as they were.
    let before = (CONNECTIONS.load(Relaxed), TIMEOUTS_SET.load(Relaxed), POLLS.load(Relaxed));
    for _ in 0..10 {
        client.get_secret(&name, "").unwrap();
    }
    let after = (CONNECTIONS.load(Relaxed), TIMEOUTS_SET.load(Relaxed), POLLS.load(Relaxed));
    assert_eq!((after.0 - before.0, after.1 - before.1, after.2 - before.2), (0, 0, 0));
    assert_eq!(threads(), threads_before, "no thread started (or left behind) by a call");
}
