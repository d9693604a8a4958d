//! Self-test of the scripted test server (tests/support/scripted_server.rs), driven by a
//! real HTTPS client (ureq + rustls) and by raw sockets.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::scripted_server::{RecordedRequest, Reply, ScriptedServer};

fn agent_for(server: &ScriptedServer, recv_timeout: Option<Duration>) -> ureq::Agent {
    let pem = std::fs::read(server.ca_file()).expect("read CA file");
    let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(certs.len(), 1, "CA file holds exactly one certificate");
    let tls = ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs))).build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_recv_response(recv_timeout)
        .build()
        .into()
}

fn body_string(resp: &mut ureq::http::Response<ureq::Body>) -> String {
    resp.body_mut().read_to_string().expect("read body")
}

#[test]
fn get_returns_scripted_json_and_records_request() {
    let server = ScriptedServer::start(|_, _| {
        Reply::json(200, r#"{"value":"s3cret","id":"https://v/secrets/a/1"}"#).with_header("x-ms-request-id", "req-1")
    });
    assert!(server.url().starts_with("https://localhost:"));
    let agent = agent_for(&server, None);
    let url = format!("{}/secrets/a?api-version=2025-07-01&x=a%20b%2Bc&flag", server.url());
    let mut resp =
        agent.get(&url).header("Authorization", "Bearer token-1").header("X-Custom", "  padded  ").call().expect("GET");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["x-ms-request-id"], "req-1");
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(body_string(&mut resp), r#"{"value":"s3cret","id":"https://v/secrets/a/1"}"#);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.target, "/secrets/a?api-version=2025-07-01&x=a%20b%2Bc&flag");
    assert_eq!(r.path(), "/secrets/a");
    assert_eq!(r.query_param("api-version").as_deref(), Some("2025-07-01"));
    assert_eq!(r.query_param("x").as_deref(), Some("a b+c"));
    assert_eq!(r.query_param("flag").as_deref(), Some(""));
    assert_eq!(r.query_param("missing"), None);
    assert_eq!(r.header("AUTHORIZATION"), Some("Bearer token-1"));
    assert_eq!(r.header("x-custom"), Some("padded"));
    assert!(r.header("host").unwrap().starts_with("localhost"));
    assert!(r.headers.iter().all(|(n, _)| *n == n.to_ascii_lowercase()));
    assert!(r.body.is_empty());
}

#[test]
fn two_requests_over_one_agent_share_a_connection() {
    let server = ScriptedServer::start(|i, req| Reply::json(200, &format!(r#"{{"i":{i},"p":"{}"}}"#, req.path())));
    let agent = agent_for(&server, None);
    let mut a = agent.get(format!("{}/one", server.url())).call().unwrap();
    assert_eq!(body_string(&mut a), r#"{"i":0,"p":"/one"}"#);
    let mut b = agent.get(format!("{}/two", server.url())).call().unwrap();
    assert_eq!(body_string(&mut b), r#"{"i":1,"p":"/two"}"#);
    assert_eq!(server.request_count(), 2);
    assert_eq!(server.connection_count(), 1, "keep-alive connection reused");
    let paths: Vec<String> = server.requests().iter().map(|r| r.path().to_string()).collect();
    assert_eq!(paths, ["/one", "/two"]);
}

#[test]
fn sequence_replies_in_order_then_exhausts() {
    let server = ScriptedServer::sequence(vec![
        Reply::json(429, r#"{"error":{"code":"Throttled","message":"slow down"}}"#).with_header("Retry-After", "1"),
        Reply::json(503, r#"{"error":{"code":"ServiceUnavailable","message":"busy"}}"#),
        Reply::empty(204),
    ]);
    let agent = agent_for(&server, None);
    let url = format!("{}/keys/k", server.url());

    let mut r = agent.get(&url).call().unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    assert!(body_string(&mut r).contains("Throttled"));

    let mut r = agent.get(&url).call().unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert!(r.headers().get("retry-after").is_none());
    assert!(body_string(&mut r).contains("ServiceUnavailable"));

    let mut r = agent.delete(&url).call().unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert!(r.headers().get("content-length").is_none());
    assert_eq!(body_string(&mut r), "");

    // The connection survives a 204 and the script is now used up.
    let mut r = agent.get(&url).call().unwrap();
    assert_eq!(r.status().as_u16(), 500);
    let body = body_string(&mut r);
    assert!(body.contains(r#""code":"ScriptExhausted""#), "{body}");
    assert_eq!(server.request_count(), 4);
    assert_eq!(server.connection_count(), 1);
}

#[test]
fn delayed_reply_trips_client_read_timeout() {
    let server = ScriptedServer::sequence(vec![Reply::json(200, "{}").with_delay(Duration::from_secs(1))]);
    let agent = agent_for(&server, Some(Duration::from_millis(200)));
    let err = agent.get(format!("{}/slow", server.url())).call().unwrap_err();
    assert!(matches!(err, ureq::Error::Timeout(_)), "expected timeout, got {err:?}");
    assert_eq!(server.request_count(), 1, "request recorded before the delay");
}

#[test]
fn drop_does_not_wait_out_a_pending_delay() {
    let server = ScriptedServer::sequence(vec![Reply::json(200, "{}").with_delay(Duration::from_secs(60))]);
    let agent = agent_for(&server, Some(Duration::from_millis(100)));
    assert!(agent.get(format!("{}/slow", server.url())).call().is_err());
    // The connection thread is sleeping in its 60 s delay.
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(3), "drop took {:?}", started.elapsed());
}

#[test]
fn hang_up_is_a_transport_error_and_server_keeps_serving() {
    let server = ScriptedServer::sequence(vec![Reply::hang_up(), Reply::json(200, r#"{"ok":true}"#)]);
    let agent = agent_for(&server, Some(Duration::from_secs(5)));
    let err = agent.get(format!("{}/x", server.url())).call().unwrap_err();
    assert!(!matches!(err, ureq::Error::StatusCode(_)), "expected transport error, got {err:?}");
    assert_eq!(server.request_count(), 1);
    let mut r = agent.get(format!("{}/x", server.url())).call().unwrap();
    assert_eq!(body_string(&mut r), r#"{"ok":true}"#);
    assert_eq!(server.connection_count(), 2);
}

#[test]
fn plain_http_mode_works() {
    let server = ScriptedServer::start_plain(|_, req| Reply::json(200, &format!(r#"{{"m":"{}"}}"#, req.method)));
    assert!(server.url().starts_with("http://localhost:"));
    assert!(server.ca_file().exists());
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut r = agent.get(format!("{}/plain", server.url())).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(body_string(&mut r), r#"{"m":"GET"}"#);
    assert_eq!(server.requests()[0].path(), "/plain");
}

#[test]
fn post_body_and_method_override_header_recorded_exactly() {
    let server = ScriptedServer::start(|_, _| Reply::json(200, "{}"));
    let agent = agent_for(&server, None);
    let body: Vec<u8> = (0u8..=255).chain(b"{\"value\":\"\xff\"}".iter().copied()).collect();
    let r = agent
        .post(format!("{}/secrets/s/?api-version=2025-07-01", server.url()))
        .header("X-HTTP-METHOD", "PATCH")
        .header("Content-Type", "application/json")
        .send(&body[..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let req: RecordedRequest = server.requests().remove(0);
    assert_eq!(req.method, "POST");
    assert_eq!(req.header("x-http-method"), Some("PATCH"));
    assert_eq!(req.header("content-length"), Some(body.len().to_string().as_str()));
    assert_eq!(req.body, body);
    assert_eq!(req.path(), "/secrets/s/");
}

#[test]
fn ca_file_is_removed_on_drop() {
    let server = ScriptedServer::start(|_, _| Reply::empty(200));
    let path = server.ca_file();
    let pem = std::fs::read_to_string(&path).unwrap();
    assert!(pem.contains("BEGIN CERTIFICATE"));
    let other = ScriptedServer::start(|_, _| Reply::empty(200));
    assert_ne!(other.ca_file(), path, "unique temp names");
    drop(server);
    assert!(!path.exists());
}

#[test]
fn drop_with_idle_keep_alive_connection_is_prompt() {
    let server = ScriptedServer::start(|_, _| Reply::empty(200));
    let agent = agent_for(&server, None);
    agent.get(format!("{}/", server.url())).call().unwrap();
    // The agent holds the pooled connection open; the server thread is blocked reading.
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(3), "drop took {:?}", started.elapsed());
}

#[test]
fn handler_panic_answers_500_and_server_survives() {
    let server = ScriptedServer::start(|i, _| {
        if i == 0 {
            panic!("scripted failure (expected by this test)");
        }
        Reply::json(200, r#"{"ok":true}"#)
    });
    let agent = agent_for(&server, None);
    let mut r = agent.get(format!("{}/a", server.url())).call().unwrap();
    assert_eq!(r.status().as_u16(), 500);
    assert!(body_string(&mut r).contains("ScriptedServerHandlerPanicked"));
    let mut r = agent.get(format!("{}/b", server.url())).call().unwrap();
    assert_eq!(body_string(&mut r), r#"{"ok":true}"#);
    assert_eq!(server.request_count(), 2);
}

/// Raw socket: pipelined keep-alive requests, a chunked body, HEAD, `Connection: close`.
#[test]
fn raw_keep_alive_chunked_and_close() {
    let server = ScriptedServer::start_plain(|i, req| {
        Reply::json(201, &format!(r#"{{"i":{i},"len":{}}}"#, req.body.len())).with_header("X-Index", &i.to_string())
    });
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let wire = concat!(
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "PUT /b?q=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n",
        "HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    s.write_all(wire.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap(); // server closes after the 4th reply
    let head_body = r#"{"i":2,"len":0}"#;
    let expected = format!(
        concat!(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json; charset=utf-8\r\nX-Index: 0\r\nContent-Length: 15\r\n\r\n{{\"i\":0,\"len\":5}}",
            "HTTP/1.1 201 Created\r\nContent-Type: application/json; charset=utf-8\r\nX-Index: 1\r\nContent-Length: 16\r\n\r\n{{\"i\":1,\"len\":19}}",
            "HTTP/1.1 201 Created\r\nContent-Type: application/json; charset=utf-8\r\nX-Index: 2\r\nContent-Length: {}\r\n\r\n",
            "HTTP/1.1 201 Created\r\nContent-Type: application/json; charset=utf-8\r\nX-Index: 3\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{{\"i\":3,\"len\":0}}",
        ),
        head_body.len()
    );
    assert_eq!(out, expected);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[0].body, b"hello");
    assert_eq!(reqs[1].method, "PUT");
    assert_eq!(reqs[1].target, "/b?q=1");
    assert_eq!(reqs[1].body, b"abc0123456789abcdef");
    assert_eq!(reqs[2].method, "HEAD");
    assert_eq!(reqs[3].header("connection"), Some("close"));
    assert_eq!(server.connection_count(), 1);
}

/// A client that disconnects mid-body must not break the server.
#[test]
fn client_disconnect_mid_request_is_harmless() {
    let server = ScriptedServer::start_plain(|_, _| Reply::json(200, "{}"));
    {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.write_all(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial").unwrap();
    }
    {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.write_all(b"GET /half-a-head HTTP/1.1\r\nHo").unwrap();
    }
    {
        // TLS-less bytes to a TLS server are also just a failed connection.
        let tls_server = ScriptedServer::start(|_, _| Reply::empty(200));
        let mut s = TcpStream::connect(tls_server.addr()).unwrap();
        let _ = s.write_all(b"GET / HTTP/1.1\r\n\r\n");
        let mut sink = Vec::new();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = s.read_to_end(&mut sink);
        assert_eq!(tls_server.request_count(), 0);
    }
    std::thread::sleep(Duration::from_millis(50));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let r = agent.get(format!("{}/ok", server.url())).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(server.request_count(), 1, "incomplete requests are not recorded");
    assert_eq!(server.requests()[0].path(), "/ok");
}

/// A body of unknown size goes out chunked; the server records it de-chunked (over TLS).
#[test]
fn chunked_upload_over_tls_is_recorded_dechunked() {
    let server = ScriptedServer::start(|_, req| Reply::json(200, &format!(r#"{{"len":{}}}"#, req.body.len())));
    let agent = agent_for(&server, None);
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let mut r = agent
        .put(format!("{}/upload", server.url()))
        .send(ureq::SendBody::from_owned_reader(std::io::Cursor::new(payload.clone())))
        .unwrap();
    assert_eq!(body_string(&mut r), r#"{"len":100000}"#);
    let req = server.requests().remove(0);
    assert_eq!(req.header("transfer-encoding"), Some("chunked"));
    assert_eq!(req.body, payload);
}

/// Garbage gets a 400 and the connection closed; nothing is recorded.
#[test]
fn malformed_requests_get_400() {
    let server = ScriptedServer::start_plain(|_, _| Reply::empty(200));
    for wire in [
        "NONSENSE\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(wire.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{wire:?} -> {out:?}");
        assert!(out.contains("Connection: close\r\n"));
    }
    assert_eq!(server.request_count(), 0);
}
