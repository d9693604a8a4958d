//! HTTPS proxies from the usual environment variables. In a test binary of its own, because the
//! variables are process-wide.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use support::capi::*;
use support::scripted_server::{RecordedRequest, Reply, ScriptedServer};

/// A minimal HTTP CONNECT proxy on loopback that records the targets it tunnels to.
fn connect_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || tunnel(client, &log));
        }
    });
    (url, seen)
}

fn tunnel(client: TcpStream, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            break;
        }
    }
    let target = first.split_whitespace().nth(1).unwrap_or_default().to_owned();
    log.lock().unwrap().push(first.trim().to_owned());
    let upstream = TcpStream::connect(target.replace("localhost", "127.0.0.1")).unwrap();
    let mut client_w = client.try_clone().unwrap();
    client_w.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").unwrap();
    let (mut up_r, mut up_w) = (upstream.try_clone().unwrap(), upstream);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut up_r, &mut client_w);
    });
    let _ = std::io::copy(&mut reader, &mut up_w);
}

/// The proxy variables are process-wide: the tests of this binary take turns.
static ENV: Mutex<()> = Mutex::new(());

#[test]
fn https_proxy_from_the_environment_is_used_and_no_proxy_is_honoured() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let server = ScriptedServer::start(|_, req: &RecordedRequest| {
        if req.header("authorization").is_none() {
            return Reply::json(401, r#"{"error":{"code":"Unauthorized","message":"no token"}}"#).with_header(
                "WWW-Authenticate",
                r#"Bearer authorization="https://login.microsoftonline.com/t", resource="https://localhost""#,
            );
        }
        Reply::json(200, r#"{"value":"via proxy","id":"https://localhost/secrets/p/0123456789abcdef0123456789abcdef"}"#)
    });
    let (proxy, seen) = connect_proxy();
    let ca = server.ca_file().to_string_lossy().into_owned();
    for var in ["ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"] {
        std::env::remove_var(var);
    }
    std::env::set_var("HTTPS_PROXY", &proxy);

    let client = Client::new(&server.url(), "tok", &Options::new().ca_file(&ca)).unwrap();
    assert_eq!(client.get("p", None).unwrap().value(), b"via proxy");
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    let tunnels = seen.lock().unwrap().clone();
    assert!(!tunnels.is_empty(), "the call went through the proxy");
    assert!(tunnels.iter().all(|t| *t == format!("CONNECT localhost:{port} HTTP/1.1")), "{tunnels:?}");

    std::env::set_var("NO_PROXY", "localhost");
    let before = seen.lock().unwrap().len();
    let direct = Client::new(&server.url(), "tok", &Options::new().ca_file(&ca)).unwrap();
    assert_eq!(direct.get("p", None).unwrap().value(), b"via proxy");
    assert_eq!(seen.lock().unwrap().len(), before, "NO_PROXY=localhost bypasses the proxy");
    std::env::remove_var("HTTPS_PROXY");
    std::env::remove_var("NO_PROXY");
}

/// A proxy that refuses the tunnel, and a proxy that is not there: a transport error after the
/// retries (the vault never saw the request, so even a set secret is resent), never a hang.
#[test]
fn fault_proxy_failure_is_a_transport_error() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let server = ScriptedServer::start(|_, _| Reply::json(200, "{}"));
    let ca = server.ca_file().to_string_lossy().into_owned();
    // A proxy answering every CONNECT with 403.
    let refusing = TcpListener::bind("127.0.0.1:0").unwrap();
    let refusing_url = format!("http://{}", refusing.local_addr().unwrap());
    let connects = Arc::new(Mutex::new(0usize));
    let counted = connects.clone();
    std::thread::spawn(move || {
        for mut client in refusing.incoming().flatten() {
            let mut line = String::new();
            let _ = BufReader::new(client.try_clone().unwrap()).read_line(&mut line);
            *counted.lock().unwrap() += 1;
            let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    // A proxy port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    for var in ["ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"] {
        std::env::remove_var(var);
    }
    for proxy in [&refusing_url, &closed_url] {
        std::env::set_var("HTTPS_PROXY", proxy);
        let client =
            Client::new(&server.url(), "tok", &Options::new().ca_file(&ca).retries(2, 10, 20).call_timeout_ms(5000))
                .unwrap();
        let started = std::time::Instant::now();
        let e = client.set("p", b"v").map(|_| ()).expect_err("the proxy fails");
        assert_eq!(e.status, kv::ffi::status::KV_STATUS_TRANSPORT, "{proxy}: {e:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "{proxy}: {:?}", started.elapsed());
    }
    std::env::remove_var("HTTPS_PROXY");
    assert_eq!(
        *connects.lock().unwrap(),
        3,
        "the refused tunnel was asked for again (1 + 2 retries): nothing reached the vault"
    );
    assert_eq!(server.request_count(), 0);
}
