//! Entry points for the coverage-guided fuzz targets in `fuzz/` and for replaying their corpora
//! and findings in `tests/fuzz_regressions.rs`. Each function feeds arbitrary bytes to one parser
//! of untrusted input and asserts what must hold whatever the input; a panic is a finding.
//! Not part of the API: hidden from the docs and free to change.

use crate::auth::client_certificate;
use crate::crypto::algorithm::SignatureAlgorithm;
use crate::crypto::local::LocalKey;
use crate::crypto::pem;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{log, Method, Request, Response, VaultUrl};
use crate::model::key::{JsonWebKey, KeyBundle};
use crate::model::secret::SecretBundle;
use crate::paging::{PageSource, Pager};
use crate::vault::challenge::{self, ChallengeError};
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Longest error message any parser here may produce from untrusted input, whatever its length:
/// fixed text plus at most 200 characters of echo, each escaped to at most 10 (`\u{10ffff}`).
const MAX_MESSAGE_CHARS: usize = 2_500;

/// Vault host the challenge target checks scopes against.
const VAULT_HOST: &str = "myvault.vault.azure.net";

/// `WWW-Authenticate` parser: the input is the header value (non-UTF-8 input is skipped, as
/// the pipeline never hands such a header to the parser). A parsed challenge has what `parse`
/// promises; a scope is then checked against a vault host; error messages stay short.
pub fn challenge(data: &[u8]) {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    match challenge::parse(header) {
        Ok(c) => {
            assert!(
                c.authority.is_some() || c.claims.is_some(),
                "a challenge without authority or claims was accepted"
            );
            assert!(c.scope.is_some() || c.claims.is_some(), "a challenge without scope or claims was accepted");
            if c.tenant.is_some() {
                assert!(c.authority.is_some(), "a tenant without an authority");
            }
            if let Some(scope) = &c.scope {
                if let Err(e) = challenge::verify_resource(VAULT_HOST, scope) {
                    assert!(matches!(e, ChallengeError::ResourceMismatch { .. }));
                    assert_short(&e.to_string());
                }
            }
        }
        Err(e) => {
            assert!(matches!(e, ChallengeError::Malformed(_)));
            assert_short(&e.to_string());
        }
    }
}

/// Error-body parser: the first two bytes are the HTTP status (big-endian), the rest the body.
/// The resulting error keeps the status and request id and always says something.
pub fn error_body(data: &[u8]) {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => (500, data),
    };
    let e = Error::from_reply(status, body, "fuzz-request-id");
    assert_eq!(e.http_status, status);
    assert_eq!(e.request_id, "fuzz-request-id");
    assert!(!e.message.is_empty(), "an error with an empty message");
    let _ = e.clone().redact(&["secret", "\u{0}", "\""]).context("fuzz");
}

/// JSON Web Key parser: the input is a key reply (a key bundle) or a bare JWK. Whatever parses
/// is turned into a local public key, its public PEM and its public-only JWK; a key that loads
/// must load again from its public-only JWK, and signature checks on it must not panic.
pub fn jwk(data: &[u8]) {
    let jwk = match serde_json::from_slice::<KeyBundle>(data) {
        Ok(bundle) => match bundle.key {
            Some(k) => k,
            None => return,
        },
        Err(_) => match serde_json::from_slice::<JsonWebKey>(data) {
            Ok(k) => k,
            Err(_) => return,
        },
    };
    let public_json = pem::public_jwk_json(&jwk);
    let reparsed: JsonWebKey = serde_json::from_str(&public_json).expect("the public-only JWK is valid JSON for a JWK");
    let pem_text = pem::public_key_pem(&jwk);
    let key = match LocalKey::new(&jwk, None) {
        Ok(k) => k,
        Err(e) => {
            assert_short(&e.message);
            assert!(pem_text.is_err(), "a key that does not load still gave a public PEM");
            return;
        }
    };
    LocalKey::new(&reparsed, None).expect("a key that loads must load from its public-only JWK");
    let symmetric = matches!(jwk.kty.as_deref(), Some("oct" | "oct-HSM"));
    assert_eq!(pem_text.is_ok(), !symmetric, "a public PEM exactly for every asymmetric key");
    let _ = key.kid();
    for wire in ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES256K", "ES384", "ES512"] {
        let alg = SignatureAlgorithm::from_wire(wire).expect("a known algorithm");
        let _ = key.verify_data(alg, data, data);
    }
}

/// Private-key import parser (PEM or DER of PKCS#1, PKCS#8, SEC1). An accepted key gives a
/// JWK whose public part loads as a local key; errors stay short.
pub fn private_key(data: &[u8]) {
    match pem::private_key_to_jwk(data) {
        Ok(jwk) => {
            assert!(jwk.d.is_some(), "an imported private key without 'd'");
            LocalKey::new(&jwk, None).expect("an accepted private key has a usable public part");
        }
        Err(e) => assert_short(&e.message),
    }
}

/// Client-certificate PEM parser (certificate chain plus RSA key). Only PEM input is tried:
/// PKCS#12 input would make the fuzzer spend its time in key derivation.
pub fn certificate_pem(data: &[u8]) {
    if !data.windows(10).any(|w| w == b"-----BEGIN") {
        return;
    }
    match client_certificate::load_certificate(data, None) {
        Ok(loaded) => assert!(!loaded.chain.is_empty(), "a certificate key without certificates"),
        Err(e) => assert_short(&e.message),
    }
}

/// Answers page requests from the pages of a fuzz input, in order, and checks each request as
/// the pipeline does (a link must stay on the vault's origin).
struct FuzzPages {
    vault: VaultUrl,
    pages: Vec<Vec<u8>>,
    asked: Mutex<Vec<String>>,
}

impl PageSource for FuzzPages {
    fn fetch_page(&self, request: &Request) -> Result<Response> {
        let mut asked = self.asked.lock();
        asked.push(request.target.clone());
        if !request.target.starts_with('/') && !self.vault.is_same_origin(&request.target) {
            return Err(Error::new(
                ErrorKind::ForeignNextLink,
                format!("foreign link {}", log::redact_url(&request.target)),
            ));
        }
        let Some(body) = self.pages.get(asked.len() - 1) else {
            return Err(Error::new(ErrorKind::Transport, "no more pages in the fuzz input"));
        };
        Ok(Response { status: 200, body: Zeroizing::new(body.clone()), request_id: String::new() })
    }
}

/// List-result (page / `nextLink`) parser: the input is a series of page bodies separated by
/// NUL bytes (which JSON text cannot hold); the first byte picks secrets or keys. The pager
/// must end (with items, the end of the list or an error) without asking for more pages than
/// the input holds plus the one that fails.
pub fn page(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    if kind % 2 == 0 {
        drain::<SecretBundle>(rest, "/secrets");
    } else {
        drain::<KeyBundle>(rest, "/keys");
    }
}

fn drain<T: DeserializeOwned>(data: &[u8], first: &str) {
    let pages: Vec<Vec<u8>> = data.split(|b| *b == 0).map(<[u8]>::to_vec).collect();
    let count = pages.len();
    let source = Arc::new(FuzzPages {
        vault: VaultUrl::parse("https://myvault.vault.azure.net", false).expect("a valid vault URL"),
        pages,
        asked: Mutex::new(Vec::new()),
    });
    let mut pager: Pager<T> = Pager::new(source.clone(), Request::new(Method::Get, first), "list");
    let mut items = 0usize;
    loop {
        match pager.next_item() {
            Ok(Some(_)) => items += 1,
            Ok(None) => break,
            Err(e) => {
                assert!(!e.message.is_empty());
                break;
            }
        }
        assert!(source.asked.lock().len() <= count + 1, "the pager asked for more pages than it was given");
    }
    let asked = source.asked.lock();
    assert!(asked.len() <= count + 1, "the pager asked for more pages than it was given");
    assert_eq!(asked[0], first);
    let _ = items;
}

fn assert_short(message: &str) {
    let n = message.chars().count();
    assert!(n <= MAX_MESSAGE_CHARS, "an error message of {n} characters from untrusted input");
}
