//! PEM and DER conversion: public keys out as SubjectPublicKeyInfo PEM or as a public-only JSON
//! Web Key, private keys in (PKCS#1, PKCS#8, SEC1; PEM or DER) as JSON Web Keys for import.
//!
//! Errors never quote key bytes: messages name the format and what is wrong with it.

use crate::crypto::local::{curve_width, PublicKey};
use crate::error::{Error, Result};
use crate::model::key::{JsonWebKey, B64};
use base64::Engine;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use pkcs8::der::Decode;
use pkcs8::{EncodePublicKey, LineEnding, ObjectIdentifier};
use zeroize::{Zeroize, Zeroizing};

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");

/// The public key of a JWK as SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`, LF line
/// endings), for RSA and EC keys on P-256, P-384, P-521 and P-256K. Symmetric keys have no
/// public key (`ErrorKind::InvalidArgument`).
pub fn public_key_pem(jwk: &JsonWebKey) -> Result<String> {
    let encoded = match PublicKey::from_jwk(jwk)? {
        PublicKey::Rsa(k) => k.to_public_key_pem(LineEnding::LF),
        PublicKey::P256(k) => k.to_public_key_pem(LineEnding::LF),
        PublicKey::P256k(k) => k.to_public_key_pem(LineEnding::LF),
        PublicKey::P384(k) => k.to_public_key_pem(LineEnding::LF),
        PublicKey::P521(k) => k.to_public_key_pem(LineEnding::LF),
        PublicKey::Symmetric => return Err(Error::invalid_argument("a symmetric (oct) key has no public key")),
    };
    encoded.map_err(|e| Error::invalid_argument(format!("could not encode the public key: {e}")))
}

/// The JWK as JSON with its public members only: `kid`, `kty`, `key_ops`, `n`, `e` (RSA) and
/// `crv`, `x`, `y` (EC). Private members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `k`, `key_hsm`) are
/// dropped; a symmetric key keeps only `kid`, `kty` and `key_ops`.
pub fn public_jwk_json(jwk: &JsonWebKey) -> String {
    let public = JsonWebKey {
        kid: jwk.kid.clone(),
        kty: jwk.kty.clone(),
        key_ops: jwk.key_ops.clone(),
        n: jwk.n.clone(),
        e: jwk.e.clone(),
        crv: jwk.crv.clone(),
        x: jwk.x.clone(),
        y: jwk.y.clone(),
        ..JsonWebKey::default()
    };
    serde_json::to_string(&public).unwrap_or_else(|_| "{}".to_owned())
}

/// A private key as a JSON Web Key with private members, for import. Accepts PEM or DER of
/// PKCS#1 RSA (`RSA PRIVATE KEY`), PKCS#8 RSA or EC (`PRIVATE KEY`) and SEC1 EC
/// (`EC PRIVATE KEY`, with or without a leading `EC PARAMETERS` block) on P-256, P-384, P-521 and
/// secp256k1 (P-256K). Fills `kty`, `n e d p q dp dq qi` (RSA) or `crv x y d` (EC); `kid` and
/// `key_ops` are left unset. Encrypted keys, other key types and malformed input give
/// `ErrorKind::InvalidArgument` with a message that never includes key bytes.
pub fn private_key_to_jwk(bytes: &[u8]) -> Result<JsonWebKey> {
    match pem_block(bytes)? {
        Some((label, der)) => match label.as_str() {
            "RSA PRIVATE KEY" => rsa_from_pkcs1(&der),
            "PRIVATE KEY" => from_pkcs8(&der).unwrap_or_else(|| {
                Err(Error::invalid_argument("the PEM 'PRIVATE KEY' block is not a valid PKCS#8 private key"))
            }),
            "EC PRIVATE KEY" => ec_from_sec1(&der, None),
            "ENCRYPTED PRIVATE KEY" => Err(encrypted()),
            other => Err(Error::invalid_argument(format!(
                "a PEM '{other}' block is not a supported private key (RSA PRIVATE KEY, PRIVATE KEY or EC PRIVATE KEY)"
            ))),
        },
        None => {
            if let Some(result) = from_pkcs8(bytes) {
                return result;
            }
            if pkcs1::RsaPrivateKey::from_der(bytes).is_ok() {
                return rsa_from_pkcs1(bytes);
            }
            if sec1::EcPrivateKey::from_der(bytes).is_ok() {
                return ec_from_sec1(bytes, None);
            }
            Err(Error::invalid_argument(
                "the key is neither PEM nor DER of a PKCS#1, PKCS#8 or SEC1 private key (encrypted PKCS#8 is not supported: decrypt it first)",
            ))
        }
    }
}

fn encrypted() -> Error {
    Error::invalid_argument("encrypted private keys are not supported: decrypt the key first (e.g. `openssl pkey -in encrypted.pem -out plain.pem`)")
}

/// The first private-key block of PEM text: its label and decoded DER. `None` when the input is
/// not PEM (then it is taken as DER).
fn pem_block(bytes: &[u8]) -> Result<Option<(String, Zeroizing<Vec<u8>>)>> {
    match std::str::from_utf8(bytes) {
        Ok(t) if t.contains("-----BEGIN ") => {}
        _ => return Ok(None),
    }
    let mut labels = Vec::new();
    for block in blocks(bytes)? {
        if !block.label.ends_with("PRIVATE KEY") {
            labels.push(block.label);
            continue;
        }
        if block.has_headers {
            // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`): legacy encryption.
            return Err(encrypted());
        }
        return Ok(Some((block.label, block.der)));
    }
    let found = if labels.is_empty() { "no complete block".to_owned() } else { labels.join(", ") };
    Err(Error::invalid_argument(format!("the PEM text holds no private key (found: {found})")))
}

/// One block of PEM text (RFC 7468, with RFC 1421 header lines tolerated).
pub(crate) struct PemBlock {
    /// The label of its BEGIN and END lines, e.g. `CERTIFICATE` (always passes [`is_pem_label`]).
    pub label: String,
    /// The decoded contents (zeroized on drop).
    pub der: Zeroizing<Vec<u8>>,
    /// Whether the block had RFC 1421 header lines (`Proc-Type: 4,ENCRYPTED`, ...): legacy
    /// encryption for a private key. The header lines are not part of `der`.
    pub has_headers: bool,
}

/// The one PEM reader of the crate (private keys here, client certificates in
/// [`crate::auth::client_certificate`], certificates with keys in [`crate::certificates`]): every
/// block of `data`, in order. Text outside blocks is ignored (OpenSSL writes "Bag Attributes"
/// there); lines may end in CRLF and carry surrounding blanks.
///
/// Errors never quote key material: a BEGIN or END line whose label breaks the RFC 7468 rule (a
/// line that runs on into base64, for one) is refused without quoting it, and only such checked
/// labels appear in messages. The base64 text is gathered in one zeroizing buffer sized for the
/// whole input, so it never reallocates and leaves no copy behind.
pub(crate) fn blocks(data: &[u8]) -> Result<Vec<PemBlock>> {
    let text = std::str::from_utf8(data).map_err(|_| Error::invalid_argument("the PEM text is not valid UTF-8"))?;
    let mut found = Vec::new();
    // The open block: label, base64 so far, whether header lines were seen.
    let mut open: Option<(&str, bool)> = None;
    let mut body = Zeroizing::new(String::with_capacity(text.len()));
    for line in text.lines() {
        let line = line.trim();
        let begin = line.strip_prefix("-----BEGIN ");
        let end = line.strip_prefix("-----END ");
        let Some(marker) = begin.or(end) else {
            if open.is_some() {
                if line.contains(':') {
                    open = open.map(|(label, _)| (label, true));
                } else {
                    body.push_str(line);
                }
            }
            continue;
        };
        let Some(label) = marker.strip_suffix("-----").filter(|l| is_pem_label(l)) else {
            return Err(Error::invalid_argument("the PEM text has a malformed BEGIN or END line"));
        };
        match (open.take(), begin.is_some()) {
            (None, true) => open = Some((label, false)),
            (Some(_), true) => {
                return Err(Error::invalid_argument("the PEM text has a BEGIN line inside a block"));
            }
            (None, false) => return Err(Error::invalid_argument("the PEM text has an END line outside a block")),
            (Some((begin, _)), false) if begin != label => {
                return Err(Error::invalid_argument(format!("the PEM block BEGIN {begin} ends with END {label}")));
            }
            (Some((begin, has_headers)), false) => {
                let der = base64::engine::general_purpose::STANDARD
                    .decode(body.as_bytes())
                    .map_err(|_| Error::invalid_argument(format!("the PEM block {begin} is not valid base64")))?;
                body.clear();
                found.push(PemBlock { label: begin.to_owned(), der: Zeroizing::new(der), has_headers });
            }
        }
    }
    if let Some((label, _)) = open {
        return Err(Error::invalid_argument(format!("the PEM block {label} has no END line")));
    }
    Ok(found)
}

/// Longest PEM label accepted ("ENCRYPTED PRIVATE KEY" is 21 characters).
const MAX_PEM_LABEL_CHARS: usize = 64;

/// A label as RFC 7468 allows it (printable ASCII, single `-` or space between characters, not
/// at its ends, on one line), and short: only such a label may be quoted in an error message.
fn is_pem_label(label: &str) -> bool {
    label.len() <= MAX_PEM_LABEL_CHARS
        && label.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        && !label.starts_with(['-', ' '])
        && !label.ends_with(['-', ' '])
        && !label.contains("--")
        && !label.contains("  ")
}

/// `None` when the bytes are not a PKCS#8 PrivateKeyInfo at all.
fn from_pkcs8(der: &[u8]) -> Option<Result<JsonWebKey>> {
    let info = pkcs8::PrivateKeyInfo::from_der(der).ok()?;
    let oid = info.algorithm.oid;
    Some(if oid == OID_RSA || oid == OID_RSA_PSS {
        rsa_from_pkcs1(info.private_key)
    } else if oid == OID_EC {
        match info.algorithm.parameters_oid() {
            Ok(curve) => ec_from_sec1(info.private_key, Some(curve)),
            Err(_) => Err(Error::invalid_argument("the PKCS#8 EC key does not name its curve")),
        }
    } else {
        Err(Error::invalid_argument(format!("the PKCS#8 key's algorithm {oid} is not supported (RSA or EC)")))
    })
}

fn uint(value: pkcs1::UintRef<'_>) -> Option<B64> {
    Some(B64(value.as_bytes().to_vec()))
}

fn rsa_from_pkcs1(der: &[u8]) -> Result<JsonWebKey> {
    let key = pkcs1::RsaPrivateKey::from_der(der)
        .map_err(|e| Error::invalid_argument(format!("not a valid PKCS#1 RSA private key ({})", e.kind())))?;
    if key.other_prime_infos.is_some() {
        return Err(Error::invalid_argument("multi-prime RSA keys are not supported"));
    }
    let big = |v: pkcs1::UintRef<'_>| rsa::BigUint::from_bytes_be(v.as_bytes());
    rsa::RsaPrivateKey::from_components(
        big(key.modulus),
        big(key.public_exponent),
        big(key.private_exponent),
        vec![big(key.prime1), big(key.prime2)],
    )
    .map_err(|e| Error::invalid_argument(format!("the RSA private key is inconsistent: {e}")))?;
    Ok(JsonWebKey {
        kty: Some("RSA".into()),
        n: uint(key.modulus),
        e: uint(key.public_exponent),
        d: uint(key.private_exponent),
        p: uint(key.prime1),
        q: uint(key.prime2),
        dp: uint(key.exponent1),
        dq: uint(key.exponent2),
        qi: uint(key.coefficient),
        ..JsonWebKey::default()
    })
}

/// The uncompressed public point and fixed-width private scalar of a curve's secret key.
macro_rules! ec_parts {
    ($curve:ident, $scalar:expr) => {{
        let secret = $curve::SecretKey::from_slice($scalar)
            .map_err(|_| Error::invalid_argument("the EC private key is not a valid scalar for its curve"))?;
        let point = secret.public_key().to_encoded_point(false).as_bytes().to_vec();
        let mut field = secret.to_bytes();
        let d = field.to_vec();
        field[..].zeroize();
        (point, Zeroizing::new(d))
    }};
}

fn ec_from_sec1(der: &[u8], pkcs8_curve: Option<ObjectIdentifier>) -> Result<JsonWebKey> {
    let key = sec1::EcPrivateKey::from_der(der)
        .map_err(|e| Error::invalid_argument(format!("not a valid SEC1 EC private key ({})", e.kind())))?;
    let named = key.parameters.and_then(|p| p.named_curve());
    let curve = match (pkcs8_curve, named) {
        (Some(a), Some(b)) if a != b => {
            return Err(Error::invalid_argument("the PKCS#8 and SEC1 curve names disagree"))
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => return Err(Error::invalid_argument("the EC private key does not name its curve")),
    };
    let (crv, (point, d)) = if curve == OID_P256 {
        ("P-256", ec_parts!(p256, key.private_key))
    } else if curve == OID_P384 {
        ("P-384", ec_parts!(p384, key.private_key))
    } else if curve == OID_P521 {
        ("P-521", ec_parts!(p521, key.private_key))
    } else if curve == OID_SECP256K1 {
        ("P-256K", ec_parts!(k256, key.private_key))
    } else {
        return Err(Error::invalid_argument(format!(
            "the curve {curve} is not supported (P-256, P-384, P-521, secp256k1)"
        )));
    };
    if let Some(embedded) = key.public_key {
        if embedded.first() == Some(&0x04) && embedded != point.as_slice() {
            return Err(Error::invalid_argument("the EC private key's embedded public key does not match it"));
        }
    }
    let w = curve_width(crv);
    Ok(JsonWebKey {
        kty: Some("EC".into()),
        crv: Some(crv.into()),
        x: Some(B64(point[1..1 + w].to_vec())),
        y: Some(B64(point[1 + w..].to_vec())),
        d: Some(B64(d.to_vec())),
        ..JsonWebKey::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::local::tests::jwk_for;
    use crate::error::ErrorKind;
    use pkcs8::DecodePublicKey;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    struct TempDir(PathBuf);
    impl TempDir {
        fn new(tag: &str) -> TempDir {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "kv-pem-{tag}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
        fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn openssl(args: &[&str], dir: &Path) -> Vec<u8> {
        let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    fn read(dir: &TempDir, name: &str) -> Vec<u8> {
        std::fs::read(dir.path(name)).unwrap()
    }

    #[test]
    fn public_pem_round_trips_for_rsa_and_every_curve() {
        for kty in ["RSA", "P-256", "P-256K", "P-384", "P-521"] {
            let jwk = jwk_for(kty);
            let pem = public_key_pem(&jwk).unwrap();
            assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{kty}: {pem}");
            assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
            let same = match kty {
                "RSA" => rsa::RsaPublicKey::from_public_key_pem(&pem).unwrap() == keys_rsa_public(),
                "P-256" => {
                    p256::PublicKey::from_public_key_pem(&pem).unwrap().to_encoded_point(false).as_bytes()[1..33]
                        == jwk.x.as_ref().unwrap().0[..]
                }
                "P-256K" => {
                    k256::PublicKey::from_public_key_pem(&pem).unwrap().to_encoded_point(false).as_bytes()[33..]
                        == jwk.y.as_ref().unwrap().0[..]
                }
                "P-384" => {
                    p384::PublicKey::from_public_key_pem(&pem).unwrap().to_encoded_point(false).as_bytes()[1..49]
                        == jwk.x.as_ref().unwrap().0[..]
                }
                _ => {
                    p521::PublicKey::from_public_key_pem(&pem).unwrap().to_encoded_point(false).as_bytes()[67..]
                        == jwk.y.as_ref().unwrap().0[..]
                }
            };
            assert!(same, "{kty} PEM decodes to the same key");
        }
        let oct = JsonWebKey { kty: Some("oct".into()), k: Some(B64(vec![1; 16])), ..Default::default() };
        assert_eq!(public_key_pem(&oct).unwrap_err().kind, ErrorKind::InvalidArgument);
        assert_eq!(
            public_key_pem(&JsonWebKey { kty: Some("OKP".into()), ..Default::default() }).unwrap_err().kind,
            ErrorKind::UnsupportedAlgorithm
        );
    }

    fn keys_rsa_public() -> rsa::RsaPublicKey {
        rsa::RsaPublicKey::from(&crate::crypto::local::tests::keys().rsa)
    }

    #[test]
    fn public_jwk_json_keeps_only_public_members() {
        let mut jwk = jwk_for("RSA");
        jwk.key_ops = Some(vec!["verify".into()]);
        jwk.d = Some(B64(vec![9; 8]));
        jwk.p = Some(B64(vec![9; 8]));
        jwk.k = Some(B64(vec![9; 8]));
        let v: serde_json::Value = serde_json::from_str(&public_jwk_json(&jwk)).unwrap();
        let mut members: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        members.sort();
        assert_eq!(members, ["e", "key_ops", "kid", "kty", "n"]);
        let ec: serde_json::Value = serde_json::from_str(&public_jwk_json(&jwk_for("P-384"))).unwrap();
        assert_eq!(ec["crv"], "P-384");
        assert!(ec.get("x").is_some() && ec.get("y").is_some() && ec.get("d").is_none());
    }

    /// Every openssl private-key format in, the public key out matches openssl's own.
    #[test]
    fn private_keys_from_openssl_in_every_format() {
        let dir = TempDir::new("formats");
        let d = &dir.0;
        openssl(&["genrsa", "-traditional", "-out", "rsa1.pem", "2048"], d);
        openssl(&["pkey", "-in", "rsa1.pem", "-out", "rsa8.pem"], d);
        openssl(&["rsa", "-in", "rsa1.pem", "-outform", "DER", "-out", "rsa1.der"], d);
        openssl(&["pkey", "-in", "rsa1.pem", "-outform", "DER", "-out", "rsa8.der"], d);
        openssl(&["pkey", "-in", "rsa1.pem", "-pubout", "-out", "rsa.pub.pem"], d);
        let rsa_pub = String::from_utf8(read(&dir, "rsa.pub.pem")).unwrap();
        for file in ["rsa1.pem", "rsa8.pem", "rsa1.der", "rsa8.der"] {
            let jwk = private_key_to_jwk(&read(&dir, file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(jwk.kty.as_deref(), Some("RSA"));
            for (m, v) in
                [("d", &jwk.d), ("p", &jwk.p), ("q", &jwk.q), ("dp", &jwk.dp), ("dq", &jwk.dq), ("qi", &jwk.qi)]
            {
                assert!(
                    v.as_ref().is_some_and(|b| !b.0.is_empty() && b.0[0] != 0),
                    "{file}: {m} is set, without leading zeros"
                );
            }
            assert_eq!(public_key_pem(&jwk).unwrap(), rsa_pub, "{file}: same public key as openssl");
        }
        for (curve, crv, width) in [
            ("prime256v1", "P-256", 32),
            ("secp384r1", "P-384", 48),
            ("secp521r1", "P-521", 66),
            ("secp256k1", "P-256K", 32),
        ] {
            let sec1 = format!("{curve}.sec1.pem");
            openssl(&["ecparam", "-name", curve, "-genkey", "-out", &sec1], d);
            let sec1_der = format!("{curve}.sec1.der");
            openssl(&["ec", "-in", &sec1, "-outform", "DER", "-out", &sec1_der], d);
            let p8 = format!("{curve}.p8.pem");
            openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", &sec1, "-out", &p8], d);
            let p8_der = format!("{curve}.p8.der");
            openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", &sec1, "-outform", "DER", "-out", &p8_der], d);
            let public = format!("{curve}.pub.pem");
            openssl(&["ec", "-in", &sec1, "-pubout", "-out", &public], d);
            let expected = String::from_utf8(read(&dir, &public)).unwrap();
            assert!(
                String::from_utf8(read(&dir, &sec1)).unwrap().contains("EC PARAMETERS"),
                "ecparam writes a parameters block first"
            );
            for file in [&sec1, &sec1_der, &p8, &p8_der] {
                let jwk = private_key_to_jwk(&read(&dir, file)).unwrap_or_else(|e| panic!("{file}: {e}"));
                assert_eq!(jwk.kty.as_deref(), Some("EC"));
                assert_eq!(jwk.crv.as_deref(), Some(crv));
                assert_eq!(jwk.d.as_ref().unwrap().0.len(), width, "{file}: d is fixed width");
                assert_eq!(jwk.x.as_ref().unwrap().0.len(), width);
                assert_eq!(public_key_pem(&jwk).unwrap(), expected, "{file}: same public key as openssl");
            }
        }
    }

    /// Keys, client certificates and certificates with keys share one reader: a BEGIN or END
    /// line that runs on into base64 is refused by each without quoting it (the client
    /// certificate reader used to name such a "label" in its "no END line" message).
    #[test]
    fn every_pem_input_goes_through_one_reader_that_never_quotes_a_broken_line() {
        for text in [
            "-----BEGIN PRIVATE KEY-----MIIEvQSECRETKEYMATERIAL-----\n",
            "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----SECRETKEYMATERIAL-----\n",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY SECRET\n",
        ] {
            let messages = [
                private_key_to_jwk(text.as_bytes()).unwrap_err().message,
                crate::auth::client_certificate::load_certificate(text.as_bytes(), None).unwrap_err().message,
                crate::certificates::check_pem_import(text.as_bytes()).unwrap_err().message,
            ];
            for m in messages {
                assert!(m.contains("malformed BEGIN or END line") && !m.contains("SECRET"), "{m}");
            }
        }
        let blocks =
            blocks(b"Bag Attributes\r\n -----BEGIN X509 CRL-----\r\nAAEC\r\n-----END X509 CRL----- \r\n").unwrap();
        assert_eq!(
            (blocks[0].label.as_str(), blocks[0].der.as_slice(), blocks[0].has_headers),
            ("X509 CRL", &[0, 1, 2][..], false)
        );
        let e = blocks_error(b"-----BEGIN A-----\n-----BEGIN B-----\n");
        assert!(e.contains("BEGIN line inside a block"), "{e}");
        assert!(blocks_error(b"-----END A-----\n").contains("outside a block"));
        assert!(blocks_error(b"-----BEGIN A-----\nAAAA\n-----END B-----\n").contains("BEGIN A ends with END B"));
    }

    fn blocks_error(text: &[u8]) -> String {
        blocks(text).err().expect("refused").message
    }

    #[test]
    fn bad_private_keys_are_refused_without_quoting_them() {
        let dir = TempDir::new("bad");
        let d = &dir.0;
        openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem"], d);
        openssl(&["pkcs8", "-topk8", "-in", "ec.pem", "-passout", "pass:pw", "-out", "enc.pem"], d);
        openssl(&["ec", "-in", "ec.pem", "-aes128", "-passout", "pass:pw", "-out", "legacy-enc.pem"], d);
        openssl(&["ec", "-in", "ec.pem", "-pubout", "-out", "pub.pem"], d);
        openssl(&["genpkey", "-algorithm", "ED25519", "-out", "ed.pem"], d);
        openssl(&["ecparam", "-name", "prime239v1", "-genkey", "-noout", "-out", "odd-curve.pem"], d);
        let ec = String::from_utf8(read(&dir, "ec.pem")).unwrap();
        let body_line = ec.lines().nth(1).unwrap().to_owned();
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("garbage", b"not a key at all".to_vec(), "neither PEM nor DER"),
            ("empty", Vec::new(), "neither PEM nor DER"),
            ("encrypted pkcs8", read(&dir, "enc.pem"), "encrypted"),
            ("legacy encrypted", read(&dir, "legacy-enc.pem"), "encrypted"),
            ("public key", read(&dir, "pub.pem"), "found: PUBLIC KEY"),
            ("ed25519", read(&dir, "ed.pem"), "not supported"),
            ("other curve", read(&dir, "odd-curve.pem"), "not supported"),
            ("truncated", ec.replace("-----END PRIVATE KEY-----", "").into_bytes(), "END"),
            (
                "bad base64",
                ec.replace(&body_line, &body_line.replace(|c: char| c.is_ascii_alphanumeric(), "*")).into_bytes(),
                "base64",
            ),
            ("der garbage", vec![0x30, 0x03, 0x02, 0x01, 0x00], "neither PEM nor DER"),
        ];
        for (what, input, expect) in cases {
            let e = private_key_to_jwk(&input).expect_err(what);
            assert_eq!(e.kind, ErrorKind::InvalidArgument, "{what}");
            assert!(e.message.contains(expect), "{what}: {}", e.message);
            assert!(!e.message.contains(&body_line[..16]), "{what}: the message quotes no key bytes");
        }
    }
}
