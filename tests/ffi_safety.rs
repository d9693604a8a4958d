//! The C boundary's guarantees: NULLs, invalid UTF-8 and invalid names are refused with clear
//! statuses before any request; outputs are written only on success; every exported function
//! runs inside the panic boundary; the header matches the sources.

mod support;

use kv::ffi::client::*;
use kv::ffi::credential::*;
use kv::ffi::error::*;
use kv::ffi::secrets::*;
use kv::ffi::status::*;
use std::ffi::CStr;
use std::ptr::{null, null_mut};
use support::capi::*;
use support::scripted_server::{Reply, ScriptedServer};

/// A server that must never be reached.
fn untouchable() -> (ScriptedServer, Client) {
    let server = ScriptedServer::start(|_, _| {
        Reply::json(500, r#"{"error":{"code":"ShouldNotBeCalled","message":"no request expected"}}"#)
    });
    let client =
        Client::new(&server.url(), "tok", &Options::new().ca_file(&server.ca_file().to_string_lossy())).unwrap();
    (server, client)
}

const SENTINEL: usize = 0x5e17;

#[test]
fn null_arguments_give_null_argument_and_send_nothing() {
    let (server, client) = untouchable();
    let name = c("name");
    let mut secret: *mut kv_secret = SENTINEL as *mut kv_secret;
    let mut iter: *mut kv_secret_iter = SENTINEL as *mut kv_secret_iter;

    let e = expect_status(
        call(|e| kv_client_get_secret(null(), name.as_ptr(), null(), &mut secret, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    assert!(e.message.contains("client"), "the message names the argument: {}", e.message);
    let e = expect_status(
        call(|e| kv_client_get_secret(client.0, null(), null(), &mut secret, e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    assert!(e.message.contains("name"));
    expect_status(
        call(|e| kv_client_get_secret(client.0, name.as_ptr(), null(), null_mut(), e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(
        call(|e| kv_client_set_secret(client.0, name.as_ptr(), null(), 5, null_mut(), e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(
        call(|e| kv_client_update_secret_properties(client.0, name.as_ptr(), null(), null(), null_mut(), e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    expect_status(call(|e| kv_client_list_secrets(client.0, null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_list_secrets(null(), &mut iter, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_secret_iter_next(null_mut(), &mut secret, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_restore_secret(client.0, null(), 3, null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_new(null(), null(), null(), null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_credential_static_token_new(null(), null_mut(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_options_set_api_version(null_mut(), name.as_ptr(), e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(
        call(|e| kv_secret_options_set_tag(null_mut(), name.as_ptr(), name.as_ptr(), e)),
        KV_STATUS_NULL_ARGUMENT,
    );
    // err_out itself may be NULL.
    assert_eq!(kv_client_get_secret(null(), null(), null(), null_mut(), null_mut()), KV_STATUS_NULL_ARGUMENT);
    assert_eq!(secret as usize, SENTINEL, "outputs are untouched on failure");
    assert_eq!(iter as usize, SENTINEL, "the iterator output is untouched on failure");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn accessors_and_frees_accept_null() {
    assert_eq!(kv_error_status(null()), KV_STATUS_OK);
    assert_eq!(text(kv_error_message(null())), "");
    assert_eq!(kv_error_http_status(null()), 0);
    assert_eq!(text(kv_secret_value(null())), "");
    assert_eq!(text(kv_secret_name(null())), "");
    assert_eq!(kv_secret_tag_count(null()), 0);
    assert!(!kv_secret_tag_get(null(), null(), null_mut()));
    assert_eq!(kv_secret_expires(null()), 0);
    assert_eq!(blob_bytes(kv_blob_bytes(null())), Vec::<u8>::new());
    kv_error_free(null_mut());
    kv_secret_free(null_mut());
    kv_secret_iter_free(null_mut());
    kv_secret_options_free(null_mut());
    kv_blob_free(null_mut());
    kv_client_free(null_mut());
    kv_client_options_free(null_mut());
    kv_credential_free(null_mut());
}

#[test]
fn invalid_utf8_and_invalid_names_are_refused_before_any_request() {
    let (server, client) = untouchable();
    let mut out = SENTINEL as *mut kv_secret;
    let bad_utf8 = b"caf\xe9\0";
    let e = expect_status(
        call(|e| kv_client_get_secret(client.0, bad_utf8.as_ptr().cast(), null(), &mut out, e)),
        KV_STATUS_INVALID_UTF8,
    );
    assert!(e.message.contains("name"));
    for bad in ["", "has space", "under_score", "dots.are.bad", "slash/inside", "../etc", &"a".repeat(128)] {
        let n = c(bad);
        expect_status(
            call(|e| kv_client_get_secret(client.0, n.as_ptr(), null(), &mut out, e)),
            KV_STATUS_INVALID_NAME,
        );
        expect_status(
            call(|e| kv_client_set_secret(client.0, n.as_ptr(), b"v".as_ptr(), 1, null_mut(), e)),
            KV_STATUS_INVALID_NAME,
        );
        expect_status(call(|e| kv_client_delete_secret(client.0, n.as_ptr(), e)), KV_STATUS_INVALID_NAME);
        expect_status(call(|e| kv_client_delete_secret_out(client.0, n.as_ptr(), &mut out, e)), KV_STATUS_INVALID_NAME);
        expect_status(call(|e| kv_client_wait_for_deleted_secret(client.0, n.as_ptr(), 10, e)), KV_STATUS_INVALID_NAME);
        expect_status(
            call(|e| kv_client_wait_for_recovered_secret(client.0, n.as_ptr(), 10, e)),
            KV_STATUS_INVALID_NAME,
        );
    }
    let ok = c("fine-name");
    expect_status(call(|e| kv_client_delete_secret_out(null(), ok.as_ptr(), &mut out, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_wait_for_deleted_secret(client.0, null(), 10, e)), KV_STATUS_NULL_ARGUMENT);
    expect_status(call(|e| kv_client_wait_for_recovered_secret(null(), ok.as_ptr(), 10, e)), KV_STATUS_NULL_ARGUMENT);
    let bad_version = c("v/1");
    expect_status(
        call(|e| kv_client_get_secret(client.0, ok.as_ptr(), bad_version.as_ptr(), &mut out, e)),
        KV_STATUS_INVALID_NAME,
    );
    // Values must be UTF-8 (Key Vault stores text); the value never appears in the message.
    let value = b"\xff\xfesecret-bytes";
    let e = expect_status(
        call(|e| kv_client_set_secret(client.0, ok.as_ptr(), value.as_ptr(), value.len(), null_mut(), e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
    assert!(!e.message.contains("secret-bytes"));
    let big = vec![b'a'; 25 * 1024 + 1];
    expect_status(
        call(|e| kv_client_set_secret(client.0, ok.as_ptr(), big.as_ptr(), big.len(), null_mut(), e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
    expect_status(
        call(|e| kv_client_restore_secret(client.0, b"".as_ptr(), 0, null_mut(), e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
    assert_eq!(out as usize, SENTINEL);
    assert_eq!(server.request_count(), 0, "nothing reached the wire");
}

#[test]
fn options_and_client_construction_validate_their_inputs() {
    let opts = Options::new();
    let missing = c("/no/such/ca.pem");
    expect_status(call(|e| kv_client_options_set_ca_file(opts.0, missing.as_ptr(), e)), KV_STATUS_FILE_ERROR);
    let not_pem = c("Cargo.toml");
    expect_status(call(|e| kv_client_options_set_ca_file(opts.0, not_pem.as_ptr(), e)), KV_STATUS_FILE_ERROR);
    let bad_version = c("2025-07-01&x=y");
    expect_status(
        call(|e| kv_client_options_set_api_version(opts.0, bad_version.as_ptr(), e)),
        KV_STATUS_INVALID_ARGUMENT,
    );
    expect_status(call(|e| kv_client_options_set_read_timeout_ms(opts.0, 0, e)), KV_STATUS_INVALID_ARGUMENT);
    expect_status(call(|e| kv_client_options_set_retry_delay_ms(opts.0, 100, 10, e)), KV_STATUS_INVALID_ARGUMENT);
    expect_status(call(|e| kv_client_options_set_max_retries(opts.0, 1000, e)), KV_STATUS_INVALID_ARGUMENT);
    let empty = c("  ");
    let mut cred = null_mut();
    expect_status(call(|e| kv_credential_static_token_new(empty.as_ptr(), &mut cred, e)), KV_STATUS_INVALID_ARGUMENT);
    assert!(cred.is_null());

    for (url, status) in [
        ("not a url", KV_STATUS_INVALID_URL),
        ("ftp://vault.example", KV_STATUS_INVALID_URL),
        ("https://vault.example/secrets/x", KV_STATUS_INVALID_URL),
        ("http://vault.example", KV_STATUS_INSECURE_TRANSPORT),
    ] {
        let e = expect_status(Client::new(url, "tok", &opts).map(|_| ()), status);
        assert!(!e.message.is_empty());
    }
    // NULL options mean defaults.
    let cred = Credential::token("tok");
    let url = c("https://myvault.vault.azure.net");
    let mut client = null_mut();
    call(|e| kv_client_new(url.as_ptr(), cred.0, null(), &mut client, e)).unwrap();
    assert!(!client.is_null());
    kv_client_free(client);
}

#[test]
fn status_strings_and_version() {
    for row in STATUS_TABLE {
        let s = unsafe { CStr::from_ptr(kv_status_str(row.status)) }.to_str().unwrap();
        assert!(!s.is_empty() && s != "unknown status", "{}", row.name);
    }
    assert_eq!(unsafe { CStr::from_ptr(kv_status_str(77_777)) }.to_str().unwrap(), "unknown status");
    assert_eq!(unsafe { CStr::from_ptr(kv_version()) }.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

/// Every `extern "C"` function's body must be exactly one boundary macro call.
#[test]
fn every_exported_function_runs_inside_the_panic_boundary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join("ffi");
    let mut checked = std::collections::BTreeSet::new();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        let mut rest = src.as_str();
        while let Some(pos) = rest.find("extern \"C\" fn ") {
            rest = &rest[pos..];
            let name: String =
                rest["extern \"C\" fn ".len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let body_start = rest.find('{').unwrap();
            let body = rest[body_start + 1..].trim_start();
            let delegates = body.starts_with("kv_")
                && body.split('(').next().is_some_and(|f| f.chars().all(|c| c.is_alphanumeric() || c == '_'));
            if !(body.starts_with("ffi_status!(")
                || body.starts_with("ffi_value!(")
                || body.starts_with("ffi_free!(")
                || delegates)
            {
                missing.push(format!("{}: {name}", path.display()));
            }
            checked.insert(name);
            rest = &rest[body_start..];
        }
    }
    assert!(missing.is_empty(), "exported functions outside the panic boundary: {missing:?}");
    let header = include_str!("../include/kv.h");
    let declared: std::collections::BTreeSet<String> = header
        .lines()
        .filter(|l| !l.trim_start().starts_with('*') && !l.trim_start().starts_with("/*"))
        .filter_map(|l| {
            // The declared name is the identifier right before the line's first '('.
            let before_paren = &l[..l.find('(')?];
            let name = before_paren.rsplit([' ', '*']).next()?;
            name.starts_with("kv_").then(|| name.to_owned())
        })
        .collect();
    assert!(declared.len() > 50, "the header parse found the declarations");
    assert_eq!(checked, declared, "the functions checked are exactly those kv.h declares");
}

/// The header in include/ is what the sources generate (the file as it is on disk, without asking
/// git; scripts/test.sh's header check also compares the copy checked out before anything built).
#[test]
fn checked_in_header_matches_the_sources() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/kv.h"));
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/kv.h")).unwrap();
    assert!(
        on_disk == generated,
        "include/kv.h differs from what the sources generate: build, then commit include/kv.h"
    );
}

/// kv.h's KV_VERSION_MAJOR/MINOR/PATCH are the crate version in Cargo.toml.
#[test]
fn header_version_is_the_crate_version() {
    let define = |header: &str, name: &str| -> String {
        let prefix = format!("#define {name} ");
        let lines: Vec<&str> = header.lines().filter_map(|l| l.strip_prefix(prefix.as_str())).collect();
        assert_eq!(lines.len(), 1, "kv.h defines {name} once");
        lines[0].trim().to_owned()
    };
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/kv.h")).unwrap();
    for header in [include_str!(concat!(env!("OUT_DIR"), "/kv.h")), on_disk.as_str()] {
        assert_eq!(define(header, "KV_VERSION_MAJOR"), env!("CARGO_PKG_VERSION_MAJOR"));
        assert_eq!(define(header, "KV_VERSION_MINOR"), env!("CARGO_PKG_VERSION_MINOR"));
        assert_eq!(define(header, "KV_VERSION_PATCH"), env!("CARGO_PKG_VERSION_PATCH"));
    }
    let version = format!(
        "{}.{}.{}",
        define(&on_disk, "KV_VERSION_MAJOR"),
        define(&on_disk, "KV_VERSION_MINOR"),
        define(&on_disk, "KV_VERSION_PATCH")
    );
    assert!(env!("CARGO_PKG_VERSION").starts_with(&version), "{version} is the start of Cargo's version");
}
