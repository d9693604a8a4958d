//! A service principal authenticating with a certificate: each token request carries a client
//! assertion, a JWT signed with the certificate's private key (RS256, PKCS#1 v1.5 with SHA-256)
//! whose header names the certificate by its thumbprints (`x5t#S256`, and `x5t` for older
//! identity platform versions) and, when asked, carries the chain (`x5c`, for subject name /
//! issuer authentication).
//!
//! The certificate comes as PEM (one or more `CERTIFICATE` blocks plus an unencrypted
//! `PRIVATE KEY` or `RSA PRIVATE KEY` block, in any order) or as PKCS#12 (DER) with a password.
//! Only RSA keys are accepted: Entra ID certificate credentials are RSA. The certificate whose
//! public key matches the private key is the one named by the thumbprints; the others follow it
//! in `x5c`.
//!
//! Key material decoded by kv is held in zeroizing buffers; the private key is zeroized when the
//! credential is dropped. (The PKCS#12 parser keeps its own short-lived copy of the decrypted key,
//! which kv cannot zeroize.)

use crate::auth::credential::{AccessToken, TokenRequest, TokenSource};
use crate::auth::identity_platform::{self, ClientAuth, IdentityPlatform};
use crate::auth::options::CredentialOptions;
use crate::error::{Error, ErrorKind, Result};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rand_core::OsRng;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

/// How long a client assertion is valid.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(600);
/// OID of `rsaEncryption`, the algorithm of an RSA key in PKCS#8.
const RSA_ENCRYPTION_OID: &str = "1.2.840.113549.1.1.1";
/// Largest certificate input accepted (PEM or PKCS#12).
const MAX_CERTIFICATE_BYTES: usize = 1024 * 1024;

/// A private key with its certificate chain, leaf (the key's certificate) first, each DER.
pub struct CertificateKey {
    /// The RSA private key (zeroized on drop).
    pub key: RsaPrivateKey,
    /// DER certificates, the key's own first.
    pub chain: Vec<Vec<u8>>,
}

impl fmt::Debug for CertificateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateKey").field("key", &"<redacted>").field("certificates", &self.chain.len()).finish()
    }
}

/// Reads a certificate with its private key from PEM (text containing `-----BEGIN`) or PKCS#12
/// DER. `password` is used for PKCS#12 (None = empty password) and ignored for PEM, whose key
/// must not be encrypted. Errors never contain the password or key material.
pub fn load_certificate(data: &[u8], password: Option<&str>) -> Result<CertificateKey> {
    if data.is_empty() {
        return Err(Error::invalid_argument("the certificate is empty"));
    }
    if data.len() > MAX_CERTIFICATE_BYTES {
        return Err(Error::invalid_argument("the certificate is larger than 1 MiB"));
    }
    if contains(data, b"-----BEGIN") {
        load_pem(data)
    } else if data[0] == 0x30 {
        load_pkcs12(data, password.unwrap_or(""))
    } else {
        Err(Error::invalid_argument("the certificate is neither PEM (with -----BEGIN lines) nor PKCS#12 (DER)"))
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn load_pem(data: &[u8]) -> Result<CertificateKey> {
    let mut certificates = Vec::new();
    let mut key: Option<RsaPrivateKey> = None;
    for block in crate::crypto::pem::blocks(data)? {
        let parsed = match block.label.as_str() {
            "CERTIFICATE" => {
                certificates.push(block.der.to_vec());
                None
            }
            "PRIVATE KEY" => Some(rsa_from_pkcs8(&block.der)?),
            "RSA PRIVATE KEY" if block.has_headers => {
                return Err(Error::invalid_argument(
                    "encrypted PEM private keys are not supported: use an unencrypted key or PKCS#12 with a password",
                ));
            }
            "RSA PRIVATE KEY" => Some(RsaPrivateKey::from_pkcs1_der(&block.der).map_err(|e| {
                Error::invalid_argument(format!("the RSA PRIVATE KEY block is not a valid PKCS#1 key: {e}"))
            })?),
            "ENCRYPTED PRIVATE KEY" => {
                return Err(Error::invalid_argument(
                    "encrypted PEM private keys are not supported: use an unencrypted key or PKCS#12 with a password",
                ));
            }
            "EC PRIVATE KEY" => return Err(not_rsa()),
            _ => None,
        };
        if let Some(parsed) = parsed {
            if key.is_some() {
                return Err(Error::invalid_argument("the PEM certificate holds more than one private key"));
            }
            key = Some(parsed);
        }
    }
    let Some(key) = key else {
        return Err(Error::invalid_argument(
            "the PEM certificate holds no private key (PRIVATE KEY or RSA PRIVATE KEY block)",
        ));
    };
    if certificates.is_empty() {
        return Err(Error::invalid_argument("the PEM certificate holds no CERTIFICATE block"));
    }
    with_leaf_first(key, certificates)
}

fn load_pkcs12(data: &[u8], password: &str) -> Result<CertificateKey> {
    let store = p12_keystore::KeyStore::from_pkcs12(data, password).map_err(|e| {
        let what = match e {
            p12_keystore::error::Error::MacError(_) => "wrong password, or the file is damaged".to_owned(),
            other => crate::error::scrub(&other.to_string(), &[password]),
        };
        Error::invalid_argument(format!("cannot open the PKCS#12 certificate: {what}"))
    })?;
    let Some((_, chain)) = store.private_key_chain() else {
        return Err(Error::invalid_argument("the PKCS#12 certificate holds no private key with its certificate"));
    };
    let key = rsa_from_pkcs8(&Zeroizing::new(chain.key().to_vec()))?;
    let certificates = chain.chain().iter().map(|c| c.as_der().to_vec()).collect();
    with_leaf_first(key, certificates)
}

fn not_rsa() -> Error {
    Error::invalid_argument("the private key is not an RSA key: Entra ID certificate credentials need an RSA key")
}

fn rsa_from_pkcs8(der: &[u8]) -> Result<RsaPrivateKey> {
    use rsa::pkcs8::der::Decode as _;
    let info = rsa::pkcs8::PrivateKeyInfo::from_der(der)
        .map_err(|e| Error::invalid_argument(format!("the private key is not valid PKCS#8: {e}")))?;
    if info.algorithm.oid.to_string() != RSA_ENCRYPTION_OID {
        return Err(not_rsa());
    }
    let key = RsaPrivateKey::from_pkcs8_der(der)
        .map_err(|e| Error::invalid_argument(format!("the RSA private key is not valid: {e}")))?;
    key.validate().map_err(|e| Error::invalid_argument(format!("the RSA private key is not valid: {e}")))?;
    Ok(key)
}

/// Orders the chain so the certificate of `key` comes first (the others keep their order).
fn with_leaf_first(key: RsaPrivateKey, mut certificates: Vec<Vec<u8>>) -> Result<CertificateKey> {
    let public = key.to_public_key();
    let mut leaf = None;
    for (i, der) in certificates.iter().enumerate() {
        let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| {
            Error::invalid_argument(format!("certificate {} is not a valid X.509 certificate: {e}", i + 1))
        })?;
        if leaf.is_none() && RsaPublicKey::from_public_key_der(cert.public_key().raw).is_ok_and(|p| p == public) {
            leaf = Some(i);
        }
    }
    let Some(leaf) = leaf else {
        return Err(Error::invalid_argument("no certificate matches the private key"));
    };
    let first = certificates.remove(leaf);
    certificates.insert(0, first);
    Ok(CertificateKey { key, chain: certificates })
}

/// Gets tokens from Entra ID for an application (tenant id, client id) with a certificate.
pub struct ClientCertificateCredential {
    tenant_id: String,
    client_id: String,
    signing_key: SigningKey<Sha256>,
    thumbprint_sha1: String,
    thumbprint_sha256: String,
    /// `x5c` entries (standard base64 DER, leaf first), sent when `send_chain`.
    chain: Vec<String>,
    send_chain: bool,
    allowed_tenants: Vec<String>,
    platform: IdentityPlatform,
}

impl ClientCertificateCredential {
    /// A credential for `client_id` in `tenant_id` from `certificate` (PEM with the certificate
    /// and its private key, or PKCS#12 DER; see [`load_certificate`]). `options` give the
    /// authority host (else `AZURE_AUTHORITY_HOST`, else the public cloud), CA file, timeout,
    /// additionally allowed tenants and whether the chain is sent (`x5c`).
    pub fn new(
        tenant_id: &str,
        client_id: &str,
        certificate: &[u8],
        password: Option<&str>,
        options: &CredentialOptions,
    ) -> Result<ClientCertificateCredential> {
        identity_platform::validate_tenant_id(tenant_id)?;
        identity_platform::validate_client_id(client_id)?;
        let loaded = load_certificate(certificate, password)?;
        ClientCertificateCredential::from_loaded(tenant_id, client_id, loaded, options)
    }

    fn from_loaded(
        tenant_id: &str,
        client_id: &str,
        loaded: CertificateKey,
        options: &CredentialOptions,
    ) -> Result<ClientCertificateCredential> {
        for tenant in &options.additionally_allowed_tenants {
            identity_platform::validate_allowed_tenant(tenant)?;
        }
        let leaf = &loaded.chain[0];
        let thumbprint_sha1 = URL_SAFE_NO_PAD.encode(Sha1::digest(leaf));
        let thumbprint_sha256 = URL_SAFE_NO_PAD.encode(Sha256::digest(leaf));
        let chain = loaded.chain.iter().map(|der| STANDARD.encode(der)).collect();
        Ok(ClientCertificateCredential {
            tenant_id: tenant_id.to_owned(),
            client_id: client_id.to_owned(),
            signing_key: SigningKey::<Sha256>::new(loaded.key),
            thumbprint_sha1,
            thumbprint_sha256,
            chain,
            send_chain: options.send_certificate_chain,
            allowed_tenants: options.additionally_allowed_tenants.clone(),
            platform: IdentityPlatform::new(options)?,
        })
    }

    /// Same as [`ClientCertificateCredential::new`] with the certificate read from the file at
    /// `path`. A file that cannot be read or parsed gives `ErrorKind::FileError` naming the path.
    pub fn from_file(
        tenant_id: &str,
        client_id: &str,
        path: &Path,
        password: Option<&str>,
        options: &CredentialOptions,
    ) -> Result<ClientCertificateCredential> {
        let data = crate::files::read_capped(path, MAX_CERTIFICATE_BYTES, "the certificate file")?;
        identity_platform::validate_tenant_id(tenant_id)?;
        identity_platform::validate_client_id(client_id)?;
        let loaded = load_certificate(&data, password)
            .map_err(|e| Error::caused_by(ErrorKind::FileError, format!("certificate file '{}'", path.display()), e))?;
        ClientCertificateCredential::from_loaded(tenant_id, client_id, loaded, options)
    }

    /// The certificate's SHA-256 thumbprint as sent in `x5t#S256` (base64url, no padding).
    pub fn thumbprint_sha256(&self) -> &str {
        &self.thumbprint_sha256
    }

    /// A signed client assertion for the token endpoint `audience`, valid for 10 minutes.
    pub fn client_assertion(&self, audience: &str) -> Result<Zeroizing<String>> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| Error::new(ErrorKind::Internal, "the system clock is before 1970"))?
            .as_secs();
        let mut header = serde_json::json!({
            "alg": "RS256",
            "typ": "JWT",
            "x5t": self.thumbprint_sha1,
            "x5t#S256": self.thumbprint_sha256,
        });
        if self.send_chain {
            header["x5c"] = serde_json::json!(self.chain);
        }
        let claims = serde_json::json!({
            "aud": audience,
            "iss": self.client_id,
            "sub": self.client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME.as_secs(),
        });
        let mut assertion =
            Zeroizing::new(String::with_capacity(4096 + self.chain.iter().map(String::len).sum::<usize>() * 2));
        assertion.push_str(&URL_SAFE_NO_PAD.encode(header.to_string()));
        assertion.push('.');
        assertion.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = self
            .signing_key
            .try_sign_with_rng(&mut OsRng, assertion.as_bytes())
            .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot sign the client assertion: {e}")))?;
        assertion.push('.');
        assertion.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        Ok(assertion)
    }
}

impl TokenSource for ClientCertificateCredential {
    fn fetch_token(&self, request: &TokenRequest) -> Result<AccessToken> {
        let tenant =
            identity_platform::resolve_tenant(&self.tenant_id, request.tenant_id.as_deref(), &self.allowed_tenants);
        let assertion = self.client_assertion(&self.platform.token_url(tenant))?;
        self.platform.request_token(tenant, &self.client_id, ClientAuth::Assertion(&assertion), request)
    }

    fn kind(&self) -> &'static str {
        "client certificate"
    }
}

impl fmt::Debug for ClientCertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificateCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("x5t#S256", &self.thumbprint_sha256)
            .field("send_chain", &self.send_chain)
            .field("platform", &self.platform)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;

    fn rcgen_pem() -> (String, String) {
        // rcgen cannot generate RSA keys itself: make one with the rsa crate.
        let rsa_key = RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
        use rsa::pkcs8::EncodePrivateKey;
        let pem = rsa_key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        let pair = rcgen::KeyPair::from_pem(&pem).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["kv-test".to_owned()]).unwrap().self_signed(&pair).unwrap();
        (cert.pem(), pem.to_string())
    }

    fn b64json(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn pem_in_any_order_gives_a_verifiable_assertion() {
        let (cert, key) = rcgen_pem();
        let (other_cert, _) = rcgen_pem();
        let pem = format!("Bag Attributes\n{other_cert}{key}{cert}");
        let o = CredentialOptions {
            authority_host: Some("https://login.example".into()),
            send_certificate_chain: true,
            ..CredentialOptions::default()
        };
        let cred = ClientCertificateCredential::new("tenant", "client", pem.as_bytes(), None, &o).unwrap();
        let loaded = load_certificate(pem.as_bytes(), None).unwrap();
        assert_eq!(loaded.chain.len(), 2);
        let leaf_der = &loaded.chain[0];
        assert!(cert.contains(&STANDARD.encode(leaf_der)[..40]), "the key's certificate comes first");

        let aud = "https://login.example/tenant/oauth2/v2.0/token";
        let jwt = cred.client_assertion(aud).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = b64json(parts[0]);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["x5t#S256"], URL_SAFE_NO_PAD.encode(Sha256::digest(leaf_der)));
        assert_eq!(header["x5t"], URL_SAFE_NO_PAD.encode(Sha1::digest(leaf_der)));
        assert_eq!(header["x5c"][0], STANDARD.encode(leaf_der));
        assert_eq!(header["x5c"].as_array().unwrap().len(), 2);
        let claims = b64json(parts[1]);
        assert_eq!(
            (claims["aud"].as_str(), claims["iss"].as_str(), claims["sub"].as_str()),
            (Some(aud), Some("client"), Some("client"))
        );
        assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 600);
        assert_ne!(b64json(cred.client_assertion(aud).unwrap().split('.').nth(1).unwrap())["jti"], claims["jti"]);

        let verifier = VerifyingKey::<Sha256>::new(loaded.key.to_public_key());
        let sig = Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice()).unwrap();
        verifier.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).unwrap();

        let no_chain = ClientCertificateCredential::new(
            "tenant",
            "client",
            pem.as_bytes(),
            None,
            &CredentialOptions { send_certificate_chain: false, ..o },
        )
        .unwrap();
        assert!(b64json(no_chain.client_assertion(aud).unwrap().split('.').next().unwrap()).get("x5c").is_none());
    }

    #[test]
    fn unusable_inputs_are_refused_clearly() {
        let (cert, key) = rcgen_pem();
        let (_, other_key) = rcgen_pem();
        let msg = |data: &str| load_certificate(data.as_bytes(), None).unwrap_err().message;
        assert!(msg(&cert).contains("no private key"));
        assert!(msg(&key).contains("no CERTIFICATE"));
        assert!(msg(&format!("{cert}{other_key}")).contains("no certificate matches"));
        assert!(msg(&format!("{cert}{key}{other_key}")).contains("more than one private key"));
        assert!(msg("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")
            .contains("encrypted"));
        assert!(msg("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n").contains("RSA"));
        assert!(msg("-----BEGIN CERTIFICATE-----\nAAAA\n").contains("no END"));
        assert!(msg("hello").contains("neither PEM"));
        let e = load_certificate(&[0x30, 0x03, 0x02, 0x01, 0x03], Some("pa55word")).unwrap_err();
        assert!(e.message.contains("PKCS#12") && !e.message.contains("pa55word"), "{}", e.message);
        // An EC key in PKCS#8 is refused as not RSA.
        let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        assert!(msg(&format!("{cert}{}", ec.serialize_pem())).contains("not an RSA key"));
    }
}
