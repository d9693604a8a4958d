//! Benchmark: prints figures, asserts nothing. Run with `bash scripts/bench.sh` (it starts the
//! local stand-in vault) or against any vault with KV_VAULT_URL, KV_CA_FILE and KV_TOKEN set.
//!
//! Measures, through the Rust core that the C ABI wraps:
//! - get-secret latency on one warm client (connection and token reused);
//! - throughput of N threads sharing one client;
//! - verifying a signature locally with a fetched public key versus asking the vault.

use kv::auth::static_token::StaticToken;
use kv::auth::Credential;
use kv::client::{Client, ClientOptions};
use kv::crypto::algorithm::SignatureAlgorithm;
use kv::keys::{CreateKeyOptions, KeyCurve, KeyType};
use kv::secrets::SecretProperties;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let total: Duration = samples.iter().sum();
    println!(
        "{what:<40} n={:<6} mean={:>9.1?} p50={:>9.1?} p99={:>9.1?}",
        samples.len(),
        total / samples.len() as u32,
        percentile(&samples, 0.50),
        percentile(&samples, 0.99)
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("KV_VAULT_URL").map_err(|_| "set KV_VAULT_URL (scripts/bench.sh does)")?;
    let token = std::env::var("KV_TOKEN").unwrap_or_else(|_| "local-dev-token".into());
    let iterations: usize = std::env::var("KV_BENCH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let mut options = ClientOptions::default();
    if let Ok(ca) = std::env::var("KV_CA_FILE") {
        options.set_ca_file(&ca)?;
    }
    let client = Client::new(&url, Credential::new(StaticToken::new(&token, None)?), &options)?;
    let run = std::process::id();

    let name = format!("bench-{run}");
    client.set_secret(&name, b"benchmark value", &SecretProperties::default())?;
    let started = Instant::now();
    client.get_secret(&name, "")?;
    println!("first call on a new client (challenge + token + TLS): {:?}", started.elapsed());

    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        client.get_secret(&name, "")?;
        samples.push(t.elapsed());
    }
    report("get_secret, one warm client", samples);

    for threads in [1usize, 4, 16] {
        let shared = Arc::new(client.clone());
        let per_thread = iterations / threads.max(1);
        let t = Instant::now();
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (c, n) = (shared.clone(), name.clone());
                std::thread::spawn(move || -> Result<(), kv::Error> {
                    for _ in 0..per_thread {
                        c.get_secret(&n, "")?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| "thread panicked")??;
        }
        let calls = (per_thread * threads) as f64;
        println!(
            "get_secret throughput, {threads:>2} threads, one client: {:>8.0} calls/s",
            calls / t.elapsed().as_secs_f64()
        );
    }

    let key_name = format!("bench-key-{run}");
    let mut create = CreateKeyOptions::new(KeyType::Ec);
    create.curve = Some(KeyCurve::P256);
    let key = client.create_key(&key_name, &create)?;
    let digest = kv::crypto::algorithm::Hash::Sha256.digest(b"message to sign");
    let signature = client.sign(&key_name, key.version(), SignatureAlgorithm::Es256, &digest)?.value.to_vec();
    key.jwk().ok_or("the created key has no public key")?;
    let local = key.local()?;

    let mut remote_samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        assert!(client.verify(&key_name, key.version(), SignatureAlgorithm::Es256, &digest, &signature)?);
        remote_samples.push(t.elapsed());
    }
    report("verify ES256 in the vault", remote_samples);
    let mut local_samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        assert!(local.verify(SignatureAlgorithm::Es256, &digest, &signature)?);
        local_samples.push(t.elapsed());
    }
    report("verify ES256 locally (fetched key)", local_samples);

    client.delete_secret(&name)?;
    client.delete_key(&key_name)?;
    Ok(())
}
