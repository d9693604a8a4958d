//! The official Azure SDK for Rust (azure_security_keyvault_secrets, from crates.io) in the kv
//! benchmark: `bench/run.sh` runs it against the canned TLS endpoint and reads the one JSON line it
//! prints. Modes (first argument):
//!   throughput      first-call latency, sequential get_secret ops/s, 16 tasks on one client
//!   rss N           resident set before the client, after the first call, after 10 further clients
//!                   (each after its first call, all kept), after 1,000, N and 2N calls on the
//!                   first: the first N calls warm the process up, growth is over the next N
//!   calls N         N warm calls after one first call (run twice under callgrind/strace: the
//!                   difference divided by the difference in N is the cost of one warm call)
//! Environment: KV_BENCH_URL, KV_BENCH_CA (PEM of the test CA), KV_BENCH_TOKEN, KV_BENCH_SECONDS.

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::{ClientOptions, Transport};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A fixed bearer token: the endpoint is canned, so no identity platform is involved.
#[derive(Debug)]
struct StaticToken(String);

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(&self, _: &[&str], _: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
        let expires = azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1);
        Ok(AccessToken::new(Secret::new(self.0.clone()), expires))
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set (bench/run.sh sets it)"))
}

/// The SDK's own reqwest settings (azure_core's new_reqwest_client), plus trust in the test CA.
fn client() -> SecretClient {
    let pem = std::fs::read(env("KV_BENCH_CA")).expect("read KV_BENCH_CA");
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .read_timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA PEM"))
        .build()
        .expect("reqwest client");
    let options = SecretClientOptions {
        client_options: ClientOptions { transport: Some(Transport::new(Arc::new(http))), ..Default::default() },
        ..Default::default()
    };
    SecretClient::new(&env("KV_BENCH_URL"), Arc::new(StaticToken(env("KV_BENCH_TOKEN"))), Some(options))
        .expect("SecretClient::new")
}

async fn get(c: &SecretClient) {
    let secret = c.get_secret("bench", None).await.expect("get_secret").into_model().expect("secret body");
    assert!(secret.value.is_some());
}

/// Further clients made (each after its first call, all alive at once) to measure what one more
/// client costs, apart from what the first pays once for the process.
const MORE_CLIENTS: usize = 10;

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("throughput");
    let n: u64 = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(1000);
    match mode {
        "throughput" => {
            let seconds: f64 = env("KV_BENCH_SECONDS").parse().expect("KV_BENCH_SECONDS");
            let mut firsts = Vec::new();
            for _ in 0..5 {
                let c = client();
                let t = Instant::now();
                get(&c).await;
                firsts.push(t.elapsed().as_secs_f64() * 1e6);
            }
            firsts.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let c = Arc::new(client());
            for _ in 0..200 {
                get(&c).await;
            }
            let t = Instant::now();
            let mut calls = 0u64;
            while t.elapsed().as_secs_f64() < seconds {
                get(&c).await;
                calls += 1;
            }
            let seq = calls as f64 / t.elapsed().as_secs_f64();
            let stop = Arc::new(AtomicBool::new(false));
            let count = Arc::new(AtomicU64::new(0));
            let t = Instant::now();
            let tasks: Vec<_> = (0..16)
                .map(|_| {
                    let (c, stop, count) = (c.clone(), stop.clone(), count.clone());
                    tokio::spawn(async move {
                        while !stop.load(Ordering::Relaxed) {
                            get(&c).await;
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
            stop.store(true, Ordering::Relaxed);
            for task in tasks {
                task.await.expect("task");
            }
            let mt = count.load(Ordering::Relaxed) as f64 / t.elapsed().as_secs_f64();
            println!(
                "{{\"first_call_us\": {:.1}, \"seq_ops\": {:.1}, \"mt16_ops\": {:.1}}}",
                firsts[firsts.len() / 2],
                seq,
                mt
            );
        }
        "rss" => {
            let base = rss_kb();
            let c = client();
            get(&c).await;
            let first = rss_kb();
            let mut more = Vec::new();
            for _ in 0..MORE_CLIENTS {
                let m = client();
                get(&m).await;
                more.push(m);
            }
            let after_more = rss_kb();
            drop(more);
            for _ in 1..1000 {
                get(&c).await;
            }
            let warm = rss_kb();
            for _ in 1000..n {
                get(&c).await;
            }
            let mid = rss_kb();
            for _ in 0..n {
                get(&c).await;
            }
            println!(
                "{{\"rss_base_kb\": {base}, \"rss_first_kb\": {first}, \"rss_more_kb\": {after_more}, \"more_clients\": {MORE_CLIENTS}, \"rss_warm_kb\": {warm}, \"rss_mid_kb\": {mid}, \"rss_end_kb\": {}, \"calls\": {n}}}",
                rss_kb()
            );
        }
        "calls" => {
            let c = client();
            for _ in 0..n + 1 {
                get(&c).await;
            }
            println!("{{\"calls\": {n}}}");
        }
        other => panic!("unknown mode {other}"),
    }
}
