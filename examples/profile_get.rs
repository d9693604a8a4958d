//! Profiling driver: N warm `get_secret` calls on one client, nothing else, so that
//! `scripts/profile_get.sh` can take the difference of two runs (N1, N2) under callgrind and
//! strace and print instructions and system calls per warm call. Prints nothing on success.
//!
//! Usage: `profile_get <vault-url> <ca-file> <n>` (one warm-up call precedes the N counted ones).
//! `KV_PROFILE_CONTEXT=bound` runs the calls on the client bound to one call context (made
//! before the warm-up); `KV_PROFILE_CONTEXT=per-call` makes a new call context and bound client
//! for every call, as the Go binding does for a cancellable `context.Context`.

use kv::auth::static_token::StaticToken;
use kv::auth::Credential;
use kv::client::{Client, ClientOptions};
use kv::CallContext;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, ca, n] = args.as_slice() else {
        return Err("usage: profile_get <vault-url> <ca-file> <n>".into());
    };
    let n: usize = n.parse()?;
    let mut options = ClientOptions::default();
    options.set_ca_file(ca)?;
    // The canned endpoint's challenge names the public cloud's resource, not this host.
    options.pipeline.verify_challenge_resource = false;
    let client = Client::new(url, Credential::new(StaticToken::new("profile-token", None)?), &options)?;
    let mode = std::env::var("KV_PROFILE_CONTEXT").unwrap_or_default();
    let client = match mode.as_str() {
        "" | "per-call" => client,
        "bound" => client.with_context(CallContext::new()?),
        other => return Err(format!("KV_PROFILE_CONTEXT={other}: expected bound or per-call").into()),
    };
    // Warm-up: challenge, token, TLS handshake, pooled connection.
    client.get_secret("bench", "")?;
    for _ in 0..n {
        let secret = if mode == "per-call" {
            client.with_context(CallContext::new()?).get_secret("bench", "")?
        } else {
            client.get_secret("bench", "")?
        };
        std::hint::black_box(&secret);
    }
    Ok(())
}
