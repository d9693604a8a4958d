//! Certificates: every certificate operation of api-version 2025-07-01 (create, import, get,
//! list, update, policy, pending operation and merge, delete, recover, purge, backup, restore,
//! issuers, contacts), waiting for a creation to finish and for deletes and recoveries, a policy
//! builder, and the certificate in hand: with its private key through its secret (PEM or
//! PKCS#12), public DER/PEM, the chain, and the X.509 fields read with `x509-parser`.

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Method, Request};
use crate::listing::List;
use crate::model::certificate::{
    CertificateBundle, CertificateCreateParameters, CertificateImportParameters, CertificateKeyProperties,
    CertificateMergeParameters, CertificateSecretProperties, CertificateUpdateParameters, Contacts, IssuerAttributes,
    IssuerBundle, IssuerCredentials, IssuerParameters, LifetimeAction, LifetimeActionType, LifetimeTrigger,
    OrganizationDetails, SubjectAlternativeNames, X509Properties,
};
use crate::model::{check_tags, Attributes, Tags};
use crate::names::{check_name, check_version, path_segment as segment, split_id};
use crate::paging::Pager;
use crate::text::Text;
use crate::wait::Poll;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::time::Duration;
use zeroize::Zeroizing;

/// Content type of a PKCS#12 (PFX) certificate secret.
pub const CONTENT_TYPE_PKCS12: &str = "application/x-pkcs12";
/// Content type of a PEM certificate secret.
pub const CONTENT_TYPE_PEM: &str = "application/x-pem-file";

pub use crate::model::certificate::{CertificateOperation, CertificatePolicy, Contact};

/// What `download_certificate_as` produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownloadFormat {
    /// PEM text: the private key (PKCS#8) then the certificates, leaf first.
    Pem,
    /// PKCS#12 bytes protected with a password.
    Pkcs12,
    /// PEM text of the certificates only.
    ChainPem,
    /// PEM text of the private key only.
    KeyPem,
}

/// A certificate, a certificate version, a list item or a deleted certificate.
#[derive(Debug, Clone, Default)]
pub struct Certificate {
    /// The wire fields.
    pub bundle: CertificateBundle,
    /// Name, from the id.
    pub name: Text,
    /// Version, from the id (empty for list items of `list_certificates` and deleted items).
    pub version: Text,
}

impl From<CertificateBundle> for Certificate {
    fn from(bundle: CertificateBundle) -> Certificate {
        let id = bundle.id.as_deref().or(bundle.recovery_id.as_deref()).unwrap_or_default();
        let (name, version) = split_id(id);
        let (name, version) = (name.into(), version.into());
        Certificate { bundle, name, version }
    }
}

impl Certificate {
    /// Wraps a bundle, deriving name and version from its id.
    pub fn from_bundle(bundle: CertificateBundle) -> Certificate {
        Certificate::from(bundle)
    }

    /// The certificate id.
    pub fn id(&self) -> Option<&Text> {
        self.bundle.id.as_ref()
    }

    /// The id of the key behind the certificate.
    pub fn key_id(&self) -> Option<&Text> {
        self.bundle.kid.as_ref()
    }

    /// The id of the secret holding the certificate with its key.
    pub fn secret_id(&self) -> Option<&Text> {
        self.bundle.sid.as_ref()
    }

    /// For deleted certificates: the recovery id.
    pub fn recovery_id(&self) -> Option<&Text> {
        self.bundle.recovery_id.as_ref()
    }

    /// Whether the certificate is enabled (true when the reply does not say).
    pub fn enabled(&self) -> bool {
        self.bundle.attributes.enabled.unwrap_or(true)
    }

    /// Creation time, Unix seconds.
    pub fn created(&self) -> Option<i64> {
        self.bundle.attributes.created
    }

    /// Last update time, Unix seconds.
    pub fn updated(&self) -> Option<i64> {
        self.bundle.attributes.updated
    }

    /// For deleted certificates: when it was deleted, Unix seconds.
    pub fn deleted_date(&self) -> Option<i64> {
        self.bundle.deleted_date
    }

    /// For deleted certificates: when the vault will purge it, Unix seconds.
    pub fn scheduled_purge_date(&self) -> Option<i64> {
        self.bundle.scheduled_purge_date
    }

    /// The tags, ordered by name.
    pub fn tags(&self) -> &Tags {
        static NONE: Tags = Tags::new();
        self.bundle.tags.as_ref().unwrap_or(&NONE)
    }

    /// The certificate, DER (empty when the reply carried none, e.g. list items).
    pub fn der(&self) -> &[u8] {
        self.bundle.cer.as_ref().map(|c| c.0.as_slice()).unwrap_or_default()
    }

    /// The certificate as one PEM `CERTIFICATE` block.
    pub fn pem(&self) -> Result<String> {
        if self.der().is_empty() {
            return Err(Error::invalid_argument(format!(
                "certificate '{}': the reply carried no certificate (cer)",
                self.name
            )));
        }
        Ok(pem_block("CERTIFICATE", self.der()).to_string())
    }

    /// The X.509 fields of the certificate.
    pub fn info(&self) -> Result<CertificateInfo> {
        CertificateInfo::parse(self.der())
    }
}

/// The X.509 fields of a certificate as texts, read once: what the C `kv_certificate` shows
/// (empty when the certificate carries no DER or it does not parse).
#[derive(Debug, Clone, Default)]
pub struct X509Texts {
    /// Subject distinguished name.
    pub subject: Text,
    /// Issuer distinguished name.
    pub issuer: Text,
    /// Serial number, lower-case hex.
    pub serial: Text,
    /// SHA-1 thumbprint, upper-case hex.
    pub thumbprint: Text,
    /// Not valid before, Unix seconds (0 when unknown).
    pub not_before: i64,
    /// Not valid after, Unix seconds (0 when unknown).
    pub not_after: i64,
    /// Subject alternative names, typed: `DNS:`, `email:`, `URI:`, `IP:`.
    pub sans: Vec<Text>,
}

impl X509Texts {
    /// The texts of `cert`'s DER.
    pub fn of(cert: &Certificate) -> X509Texts {
        let info = CertificateInfo::parse(cert.der()).unwrap_or_default();
        let mut sans: Vec<Text> = info.dns_names.iter().map(|d| Text::new(format!("DNS:{d}"))).collect();
        sans.extend(info.emails.iter().map(|e| Text::new(format!("email:{e}"))));
        sans.extend(info.uris.iter().map(|u| Text::new(format!("URI:{u}"))));
        sans.extend(info.ip_addresses.iter().map(|i| Text::new(format!("IP:{i}"))));
        X509Texts {
            subject: info.subject.as_str().into(),
            issuer: info.issuer.as_str().into(),
            serial: info.serial.as_str().into(),
            thumbprint: info.thumbprint.as_str().into(),
            not_before: info.not_before,
            not_after: info.not_after,
            sans,
        }
    }
}

/// Fields of an X.509 certificate, read with `x509-parser`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject distinguished name (RFC 4514 text, e.g. `CN=example.com`).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// SHA-1 thumbprint of the DER, upper-case hex (what the portal shows).
    pub thumbprint: String,
    /// Not valid before, Unix seconds.
    pub not_before: i64,
    /// Not valid after, Unix seconds.
    pub not_after: i64,
    /// DNS names of the subject alternative name extension.
    pub dns_names: Vec<String>,
    /// E-mail addresses of the subject alternative name extension.
    pub emails: Vec<String>,
    /// URIs of the subject alternative name extension.
    pub uris: Vec<String>,
    /// IP addresses of the subject alternative name extension (text form).
    pub ip_addresses: Vec<String>,
}

impl CertificateInfo {
    /// Parses one DER certificate.
    pub fn parse(der: &[u8]) -> Result<CertificateInfo> {
        use sha1::{Digest, Sha1};
        use x509_parser::extensions::GeneralName;
        if der.is_empty() {
            return Err(Error::invalid_argument("no certificate to read"));
        }
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| Error::invalid_argument(format!("not a valid X.509 certificate: {e}")))?;
        let mut info = CertificateInfo {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            serial: cert.raw_serial().iter().map(|b| format!("{b:02x}")).collect(),
            thumbprint: Sha1::digest(der).iter().map(|b| format!("{b:02X}")).collect(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            ..CertificateInfo::default()
        };
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(d) => info.dns_names.push((*d).to_owned()),
                    GeneralName::RFC822Name(e) => info.emails.push((*e).to_owned()),
                    GeneralName::URI(u) => info.uris.push((*u).to_owned()),
                    GeneralName::IPAddress(ip) => info.ip_addresses.push(ip_text(ip)),
                    _ => {}
                }
            }
        }
        Ok(info)
    }
}

fn ip_text(raw: &[u8]) -> String {
    match raw.len() {
        4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(raw).unwrap_or_default()).to_string(),
        16 => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(raw).unwrap_or_default()).to_string(),
        _ => raw.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// One PEM block of `der` with `label`, lines of 64 characters. Zeroized on drop.
fn pem_block(label: &str, der: &[u8]) -> Zeroizing<String> {
    let b64 = Zeroizing::new(STANDARD.encode(der));
    let mut out = Zeroizing::new(String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40));
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// PEM blocks of `text`: (label, DER), read by the crate's one PEM reader
/// ([`crate::crypto::pem::blocks`]). Text outside blocks is ignored. DER is zeroized on drop.
fn pem_blocks(text: &[u8]) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
    Ok(crate::crypto::pem::blocks(text)?.into_iter().map(|b| (b.label, b.der)).collect())
}

/// A certificate with its private key, as stored in the certificate's secret: PEM text
/// (`application/x-pem-file`) or PKCS#12 bytes without password (`application/x-pkcs12`).
/// Zeroized on drop.
pub struct CertificateWithKey {
    /// The secret's content type.
    pub content_type: String,
    /// PEM text, or the PKCS#12 bytes (base64-decoded).
    pub data: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for CertificateWithKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertificateWithKey({}, {} bytes)", self.content_type, self.data.len())
    }
}

/// The parts of a certificate with its key: the PKCS#8 private key (DER) and the chain (DER,
/// leaf first when the source had it first). Zeroized on drop.
pub struct CertificateParts {
    /// PKCS#8 `PrivateKeyInfo`, DER.
    pub private_key: Zeroizing<Vec<u8>>,
    /// The certificates, DER.
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for CertificateParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertificateParts(key, {} certificates)", self.chain.len())
    }
}

impl CertificateWithKey {
    /// True when the data is PKCS#12.
    pub fn is_pkcs12(&self) -> bool {
        self.content_type.eq_ignore_ascii_case(CONTENT_TYPE_PKCS12)
    }

    /// The private key (PKCS#8 DER) and the certificates (DER).
    pub fn parts(&self) -> Result<CertificateParts> {
        if self.is_pkcs12() {
            return pkcs12_parts(&self.data, "");
        }
        pem_parts(&self.data)
    }

    /// PEM text: the private key (`PRIVATE KEY`, PKCS#8) followed by the certificates, leaf first.
    pub fn to_pem(&self) -> Result<Zeroizing<Vec<u8>>> {
        let parts = self.parts()?;
        let mut out = Zeroizing::new(Vec::new());
        out.extend_from_slice(pem_block("PRIVATE KEY", &parts.private_key).as_bytes());
        for der in &parts.chain {
            out.extend_from_slice(pem_block("CERTIFICATE", der).as_bytes());
        }
        Ok(out)
    }

    /// PEM text of the certificates only (leaf first), no key.
    pub fn chain_pem(&self) -> Result<Zeroizing<Vec<u8>>> {
        let parts = self.parts()?;
        let mut out = Zeroizing::new(Vec::new());
        for der in &parts.chain {
            out.extend_from_slice(pem_block("CERTIFICATE", der).as_bytes());
        }
        Ok(out)
    }

    /// PEM text of the private key only (`PRIVATE KEY`, PKCS#8).
    pub fn key_pem(&self) -> Result<Zeroizing<Vec<u8>>> {
        let parts = self.parts()?;
        Ok(Zeroizing::new(pem_block("PRIVATE KEY", &parts.private_key).as_bytes().to_vec()))
    }

    /// PKCS#12 bytes protected with `password` (may be empty).
    pub fn to_pkcs12(&self, password: &str) -> Result<Zeroizing<Vec<u8>>> {
        let parts = self.parts()?;
        let chain = parts
            .chain
            .iter()
            .map(|der| p12_keystore::Certificate::from_der(der))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::invalid_argument(format!("a certificate of the chain is not valid: {e}")))?;
        let leaf = parts.chain.first().ok_or_else(|| Error::invalid_argument("no certificate"))?;
        use sha1::{Digest, Sha1};
        let local_key_id = Sha1::digest(leaf).to_vec();
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry(
            "certificate",
            p12_keystore::KeyStoreEntry::PrivateKeyChain(p12_keystore::PrivateKeyChain::new(
                &parts.private_key,
                local_key_id,
                chain,
            )),
        );
        let bytes = store
            .writer(password)
            .write()
            .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot write PKCS#12: {e}")))?;
        Ok(Zeroizing::new(bytes))
    }
}

fn pem_parts(data: &[u8]) -> Result<CertificateParts> {
    let mut key = None;
    let mut chain = Vec::new();
    for (label, der) in pem_blocks(data)? {
        match label.as_str() {
            "CERTIFICATE" => chain.push(der.to_vec()),
            "PRIVATE KEY" if key.is_none() => key = Some(der),
            "PRIVATE KEY" => return Err(Error::invalid_argument("the PEM text holds more than one private key")),
            "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                return Err(Error::invalid_argument(format!(
                    "the PEM private key is a {label} block; a PKCS#8 PRIVATE KEY block is needed"
                )))
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(Error::invalid_argument("encrypted PEM private keys are not supported"))
            }
            _ => {}
        }
    }
    let Some(private_key) = key else {
        return Err(Error::invalid_argument("the PEM text holds no private key (PRIVATE KEY block)"));
    };
    if chain.is_empty() {
        return Err(Error::invalid_argument("the PEM text holds no CERTIFICATE block"));
    }
    Ok(CertificateParts { private_key, chain })
}

fn pkcs12_parts(data: &[u8], password: &str) -> Result<CertificateParts> {
    let store = p12_keystore::KeyStore::from_pkcs12(data, password).map_err(|e| {
        let what = match e {
            p12_keystore::error::Error::MacError(_) => "wrong password, or the file is damaged".to_owned(),
            other => crate::error::scrub(&other.to_string(), &[password]),
        };
        Error::invalid_argument(format!("cannot open the PKCS#12 data: {what}"))
    })?;
    let Some((_, chain)) = store.private_key_chain() else {
        return Err(Error::invalid_argument("the PKCS#12 data holds no private key with its certificate"));
    };
    Ok(CertificateParts {
        private_key: Zeroizing::new(chain.key().to_vec()),
        chain: chain.chain().iter().map(|c| c.as_der().to_vec()).collect(),
    })
}

/// Checks that PEM text to import holds a private key and a certificate (the service would refuse
/// it otherwise; this says why before anything is sent).
pub fn check_pem_import(pem: &[u8]) -> Result<()> {
    pem_parts(pem).map(|_| ()).map_err(|e| e.context("import certificate"))
}

// --- policy builder ---------------------------------------------------------------------------

/// Builds a [`CertificatePolicy`]: `PolicyBuilder::new("CN=example.com").dns_name("example.com")
/// .issuer("Self").build()`. Unset members are left to the service's defaults.
#[derive(Debug, Clone, Default)]
pub struct PolicyBuilder {
    policy: CertificatePolicy,
    /// Texts a setter replaced (subject, key type, content type, issuer name), kept while the
    /// builder lives: views lent out of it (the C `kv_certificate_policy` accessors) stay valid
    /// until it is dropped.
    replaced: Vec<Text>,
}

/// Sets `slot` to `value`, keeping the text it held in `replaced`.
fn replace_text(slot: &mut Option<Text>, value: &str, replaced: &mut Vec<Text>) {
    replaced.extend(slot.replace(Text::from(value)));
}

impl PolicyBuilder {
    /// A policy for a certificate with this subject (e.g. `CN=example.com`), issuer `Self`.
    pub fn new(subject: &str) -> PolicyBuilder {
        PolicyBuilder::default().subject(subject).issuer("Self")
    }

    /// A builder starting from an existing policy (e.g. one read from the vault).
    pub fn from_policy(policy: CertificatePolicy) -> PolicyBuilder {
        PolicyBuilder { policy, replaced: Vec::new() }
    }

    /// A builder starting from a policy given as JSON (as `to_json` writes it).
    pub fn from_json(json: &[u8]) -> Result<PolicyBuilder> {
        let policy: CertificatePolicy = serde_json::from_slice(json).map_err(|e| {
            // serde's message may quote the input: keep only the category and position.
            Error::invalid_argument(format!(
                "the policy JSON is not valid ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        Ok(PolicyBuilder::from_policy(policy))
    }

    /// The policy as JSON (writable members only).
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(&self.policy).map_err(|e| Error::new(crate::error::ErrorKind::Internal, e.to_string()))
    }

    /// The policy so far.
    pub fn policy(&self) -> &CertificatePolicy {
        &self.policy
    }

    /// The subject so far.
    pub fn subject_text(&self) -> Option<&Text> {
        self.policy.x509_props.as_ref()?.subject.as_ref()
    }

    /// The issuer name so far.
    pub fn issuer_name(&self) -> Option<&Text> {
        self.policy.issuer.as_ref()?.name.as_ref()
    }

    /// The secret content type so far.
    pub fn content_type_text(&self) -> Option<&Text> {
        self.policy.secret_props.as_ref()?.content_type.as_ref()
    }

    /// The key type so far.
    pub fn key_type_text(&self) -> Option<&Text> {
        self.policy.key_props.as_ref()?.kty.as_ref()
    }

    /// The validity in months so far.
    pub fn validity(&self) -> Option<u32> {
        self.policy.x509_props.as_ref()?.validity_months
    }

    /// Adds a lifetime action with exactly one trigger: `lifetime_percentage` or
    /// `days_before_expiry` (the other 0).
    pub fn action(self, action: &str, lifetime_percentage: u32, days_before_expiry: u32) -> Result<PolicyBuilder> {
        match (lifetime_percentage, days_before_expiry) {
            (pct, 0) if pct > 0 => Ok(self.action_at_percentage(action, pct)),
            (0, days) if days > 0 => Ok(self.action_days_before_expiry(action, days)),
            _ => Err(Error::invalid_argument(
                "give exactly one trigger: a lifetime percentage or days before expiry (the other 0)",
            )),
        }
    }

    /// A policy that changes only what the setters set (for `update_certificate_policy` and
    /// import).
    pub fn empty() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    fn x509(&mut self) -> &mut X509Properties {
        self.policy.x509_props.get_or_insert_with(Default::default)
    }

    fn key(&mut self) -> &mut CertificateKeyProperties {
        self.policy.key_props.get_or_insert_with(Default::default)
    }

    fn sans(&mut self) -> &mut SubjectAlternativeNames {
        self.x509().sans.get_or_insert_with(Default::default)
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: &str) -> PolicyBuilder {
        let slot = &mut self.policy.x509_props.get_or_insert_with(Default::default).subject;
        replace_text(slot, subject, &mut self.replaced);
        self
    }

    /// Adds a DNS subject alternative name.
    pub fn dns_name(mut self, name: &str) -> PolicyBuilder {
        self.sans().dns_names.push(name.to_owned());
        self
    }

    /// Adds an e-mail subject alternative name.
    pub fn email(mut self, email: &str) -> PolicyBuilder {
        self.sans().emails.push(email.to_owned());
        self
    }

    /// Adds a user principal name subject alternative name.
    pub fn upn(mut self, upn: &str) -> PolicyBuilder {
        self.sans().upns.push(upn.to_owned());
        self
    }

    /// Adds a URI subject alternative name.
    pub fn uri(mut self, uri: &str) -> PolicyBuilder {
        self.sans().uris.push(uri.to_owned());
        self
    }

    /// Adds an IP address subject alternative name.
    pub fn ip_address(mut self, ip: &str) -> PolicyBuilder {
        self.sans().ip_addresses.push(ip.to_owned());
        self
    }

    /// Sets the key type (`RSA`, `RSA-HSM`, `EC`, `EC-HSM`).
    pub fn key_type(mut self, kty: &str) -> PolicyBuilder {
        let slot = &mut self.policy.key_props.get_or_insert_with(Default::default).kty;
        replace_text(slot, kty, &mut self.replaced);
        self
    }

    /// Sets the RSA key size in bits (2048, 3072, 4096).
    pub fn key_size(mut self, bits: u32) -> PolicyBuilder {
        self.key().key_size = Some(bits);
        self
    }

    /// Sets the EC curve (`P-256`, `P-384`, `P-521`, `P-256K`).
    pub fn curve(mut self, crv: &str) -> PolicyBuilder {
        self.key().crv = Some(crv.to_owned());
        self
    }

    /// Sets whether the private key is exportable.
    pub fn exportable(mut self, on: bool) -> PolicyBuilder {
        self.key().exportable = Some(on);
        self
    }

    /// Sets whether renewals keep the key.
    pub fn reuse_key(mut self, on: bool) -> PolicyBuilder {
        self.key().reuse_key = Some(on);
        self
    }

    /// Sets the secret's content type: [`CONTENT_TYPE_PEM`] or [`CONTENT_TYPE_PKCS12`].
    pub fn content_type(mut self, content_type: &str) -> PolicyBuilder {
        let slot = &mut self.policy.secret_props.get_or_insert_with(CertificateSecretProperties::default).content_type;
        replace_text(slot, content_type, &mut self.replaced);
        self
    }

    /// Sets the validity in months.
    pub fn validity_months(mut self, months: u32) -> PolicyBuilder {
        self.x509().validity_months = Some(months);
        self
    }

    /// Adds a key usage (`digitalSignature`, `keyEncipherment`, ...).
    pub fn key_usage(mut self, usage: &str) -> PolicyBuilder {
        self.x509().key_usage.get_or_insert_with(Vec::new).push(usage.to_owned());
        self
    }

    /// Adds an extended key usage OID (e.g. `1.3.6.1.5.5.7.3.1` for TLS servers).
    pub fn eku(mut self, oid: &str) -> PolicyBuilder {
        self.x509().ekus.get_or_insert_with(Vec::new).push(oid.to_owned());
        self
    }

    /// Adds a lifetime action: `action` (`AutoRenew` or `EmailContacts`) at `lifetime_percentage`
    /// of the lifetime.
    pub fn action_at_percentage(mut self, action: &str, lifetime_percentage: u32) -> PolicyBuilder {
        self.push_action(
            action,
            LifetimeTrigger { lifetime_percentage: Some(lifetime_percentage), days_before_expiry: None },
        );
        self
    }

    /// Adds a lifetime action: `action` (`AutoRenew` or `EmailContacts`) `days` before expiry.
    pub fn action_days_before_expiry(mut self, action: &str, days: u32) -> PolicyBuilder {
        self.push_action(action, LifetimeTrigger { lifetime_percentage: None, days_before_expiry: Some(days) });
        self
    }

    fn push_action(&mut self, action: &str, trigger: LifetimeTrigger) {
        self.policy
            .lifetime_actions
            .get_or_insert_with(Vec::new)
            .push(LifetimeAction { trigger, action: LifetimeActionType { action_type: Some(action.to_owned()) } });
    }

    /// Sets the issuer name: `Self` (self-signed), `Unknown` (a pending operation to merge) or
    /// a configured issuer.
    pub fn issuer(mut self, name: &str) -> PolicyBuilder {
        let slot = &mut self.policy.issuer.get_or_insert_with(IssuerParameters::default).name;
        replace_text(slot, name, &mut self.replaced);
        self
    }

    /// Sets the certificate type the issuer makes (e.g. `OV-SSL`).
    pub fn certificate_type(mut self, cty: &str) -> PolicyBuilder {
        self.policy.issuer.get_or_insert_with(IssuerParameters::default).cty = Some(cty.to_owned());
        self
    }

    /// Sets certificate transparency.
    pub fn certificate_transparency(mut self, on: bool) -> PolicyBuilder {
        self.policy.issuer.get_or_insert_with(IssuerParameters::default).cert_transparency = Some(on);
        self
    }

    /// Sets whether new versions are enabled.
    pub fn enabled(mut self, on: bool) -> PolicyBuilder {
        self.policy.attributes.get_or_insert_with(Attributes::default).enabled = Some(on);
        self
    }

    /// The policy, checked.
    pub fn build(self) -> Result<CertificatePolicy> {
        check_policy(&self.policy)?;
        Ok(self.policy)
    }

    /// The policy, unchecked (for sending what the service should judge).
    pub fn build_unchecked(self) -> CertificatePolicy {
        self.policy
    }
}

const KEY_TYPES: &[&str] = &["RSA", "RSA-HSM", "EC", "EC-HSM"];
const CURVES: &[&str] = &["P-256", "P-384", "P-521", "P-256K"];
const KEY_USAGES: &[&str] = &[
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];
const ACTIONS: &[&str] = &["AutoRenew", "EmailContacts"];

/// Checks a policy locally: known key types, curves, key usages, content types and actions; one
/// trigger per lifetime action within range; RSA sizes with RSA, curves with EC.
pub fn check_policy(p: &CertificatePolicy) -> Result<()> {
    if let Some(k) = &p.key_props {
        if let Some(kty) = &k.kty {
            if !KEY_TYPES.contains(&kty.as_str()) {
                return Err(Error::invalid_argument(format!(
                    "certificate key type '{kty}' is not one of {}",
                    KEY_TYPES.join(", ")
                )));
            }
            if kty.starts_with("EC") && k.key_size.is_some() {
                return Err(Error::invalid_argument("a key size applies to RSA keys; EC keys take a curve"));
            }
            if kty.starts_with("RSA") && k.crv.is_some() {
                return Err(Error::invalid_argument("a curve applies to EC keys; RSA keys take a size"));
            }
        }
        if let Some(crv) = &k.crv {
            if !CURVES.contains(&crv.as_str()) {
                return Err(Error::invalid_argument(format!("curve '{crv}' is not one of {}", CURVES.join(", "))));
            }
        }
        if let Some(size) = k.key_size {
            if ![2048, 3072, 4096].contains(&size) {
                return Err(Error::invalid_argument(format!("RSA key size {size} is not one of 2048, 3072, 4096")));
            }
        }
    }
    if let Some(ct) = p.secret_props.as_ref().and_then(|s| s.content_type.as_deref()) {
        if ct != CONTENT_TYPE_PEM && ct != CONTENT_TYPE_PKCS12 {
            return Err(Error::invalid_argument(format!(
                "content type '{ct}' is not {CONTENT_TYPE_PEM} or {CONTENT_TYPE_PKCS12}"
            )));
        }
    }
    if let Some(x) = &p.x509_props {
        if let Some(u) = x.key_usage.iter().flatten().find(|u| !KEY_USAGES.contains(&u.as_str())) {
            return Err(Error::invalid_argument(format!("key usage '{u}' is not one of {}", KEY_USAGES.join(", "))));
        }
        if x.validity_months == Some(0) {
            return Err(Error::invalid_argument("validity must be at least one month"));
        }
    }
    for a in p.lifetime_actions.iter().flatten() {
        let action = a.action.action_type.as_deref().unwrap_or("");
        if !ACTIONS.contains(&action) {
            return Err(Error::invalid_argument(format!(
                "lifetime action '{action}' is not AutoRenew or EmailContacts"
            )));
        }
        match (a.trigger.lifetime_percentage, a.trigger.days_before_expiry) {
            (Some(p), None) if (1..=99).contains(&p) => {}
            (None, Some(d)) if d >= 1 => {}
            (Some(_), None) => return Err(Error::invalid_argument("a lifetime percentage must be 1-99")),
            (None, Some(_)) => return Err(Error::invalid_argument("days before expiry must be at least 1")),
            _ => {
                return Err(Error::invalid_argument(
                    "a lifetime action needs exactly one trigger: a lifetime percentage or days before expiry",
                ))
            }
        }
    }
    Ok(())
}

// --- properties and options -------------------------------------------------------------------

/// Properties to set on a certificate (create, import, merge, update); `None` leaves a property
/// unset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CertificateProperties {
    /// Enabled flag.
    pub enabled: Option<bool>,
    /// Tags; when set, they replace all tags.
    pub tags: Option<Tags>,
}

impl CertificateProperties {
    fn attributes(&self) -> Option<Attributes> {
        self.enabled.map(|e| Attributes { enabled: Some(e), ..Attributes::default() })
    }

    fn check(&self) -> Result<()> {
        if let Some(tags) = &self.tags {
            check_tags(tags)?;
        }
        Ok(())
    }
}

impl Contact {
    /// A contact with at least one of an e-mail address, a name or a phone number.
    pub fn new(email: Option<&str>, name: Option<&str>, phone: Option<&str>) -> Result<Contact> {
        if email.is_none() && name.is_none() && phone.is_none() {
            return Err(Error::invalid_argument("a contact needs an e-mail address, a name or a phone number"));
        }
        Ok(Contact { email: email.map(Text::from), name: name.map(Text::from), phone: phone.map(Text::from) })
    }
}

impl CertificateOperation {
    /// The code of the operation's error, if it failed.
    pub fn error_code(&self) -> Option<&str> {
        self.error.as_ref().filter(|e| !e.is_null())?["code"].as_str()
    }

    /// The message of the operation's error, if it failed.
    pub fn error_message(&self) -> Option<&str> {
        self.error.as_ref().filter(|e| !e.is_null())?["message"].as_str()
    }

    /// The issuer name of the operation.
    pub fn issuer_name(&self) -> Option<&Text> {
        self.issuer.as_ref()?.name.as_ref()
    }

    /// The certificate signing request (DER), empty when absent.
    pub fn csr_der(&self) -> &[u8] {
        self.csr.as_ref().map(|c| c.0.as_slice()).unwrap_or_default()
    }
}

/// Settings for a certificate issuer (set and update); `None` leaves a member unset.
#[derive(Debug, Clone, Default)]
pub struct IssuerOptions {
    /// Provider name, e.g. `DigiCert` (required by set).
    pub provider: Option<String>,
    /// Account id at the provider.
    pub account_id: Option<String>,
    /// Account password (zeroized when dropped; never returned by the service).
    pub password: Option<Zeroizing<String>>,
    /// Organization id.
    pub organization_id: Option<String>,
    /// Administrators of the organization.
    pub admins: Vec<crate::model::certificate::AdministratorDetails>,
    /// Enabled flag.
    pub enabled: Option<bool>,
}

impl IssuerOptions {
    /// Sets the account at the provider and, optionally, its password.
    pub fn set_credentials(&mut self, account_id: &str, password: Option<&str>) {
        self.account_id = Some(account_id.to_owned());
        self.password = password.map(|p| Zeroizing::new(p.to_owned()));
    }

    /// Adds an administrator of the organization.
    pub fn add_admin(
        &mut self,
        first_name: Option<&str>,
        last_name: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
    ) {
        let text = |t: Option<&str>| t.map(str::to_owned);
        self.admins.push(crate::model::certificate::AdministratorDetails {
            first_name: text(first_name),
            last_name: text(last_name),
            email: text(email),
            phone: text(phone),
        });
    }

    fn bundle(&self) -> IssuerBundle {
        let credentials = (self.account_id.is_some() || self.password.is_some()).then(|| IssuerCredentials {
            account_id: self.account_id.as_deref().map(Text::from),
            pwd: self.password.clone(),
        });
        let org_details = (self.organization_id.is_some() || !self.admins.is_empty()).then(|| OrganizationDetails {
            id: self.organization_id.as_deref().map(Text::from),
            admin_details: self.admins.clone(),
        });
        IssuerBundle {
            id: None,
            provider: self.provider.as_deref().map(Text::from),
            credentials,
            org_details,
            attributes: self.enabled.map(|e| IssuerAttributes { enabled: Some(e), created: None, updated: None }),
        }
    }
}

/// A certificate issuer (or a list item: name and provider only).
#[derive(Debug, Clone, Default)]
pub struct Issuer {
    /// The wire fields.
    pub bundle: IssuerBundle,
    /// Issuer name, from the id.
    pub name: Text,
}

impl From<IssuerBundle> for Issuer {
    fn from(bundle: IssuerBundle) -> Issuer {
        let id = bundle.id.as_deref().unwrap_or_default();
        let name = id.trim_end_matches('/').rsplit('/').next().unwrap_or_default().into();
        Issuer { bundle, name }
    }
}

impl Issuer {
    /// Wraps a bundle, deriving the name from its id.
    pub fn from_bundle(bundle: IssuerBundle) -> Issuer {
        Issuer::from(bundle)
    }

    /// The issuer id.
    pub fn id(&self) -> Option<&Text> {
        self.bundle.id.as_ref()
    }

    /// The provider, e.g. `DigiCert`.
    pub fn provider(&self) -> Option<&Text> {
        self.bundle.provider.as_ref()
    }

    /// The account id at the provider.
    pub fn account_id(&self) -> Option<&Text> {
        self.bundle.credentials.as_ref()?.account_id.as_ref()
    }

    /// The organization id.
    pub fn organization_id(&self) -> Option<&Text> {
        self.bundle.org_details.as_ref()?.id.as_ref()
    }

    /// Whether the issuer is enabled (true when the reply does not say).
    pub fn enabled(&self) -> bool {
        self.bundle.attributes.as_ref().and_then(|a| a.enabled).unwrap_or(true)
    }
}

// --- waits --------------------------------------------------------------------------------------

/// The pending operation's `error` (`{code, message, innererror}`) mapped like a service error.
pub fn operation_error(name: &str, op: &CertificateOperation) -> Option<Error> {
    let error = op.error.as_ref().filter(|e| !e.is_null())?;
    let body = serde_json::to_vec(&serde_json::json!({ "error": error })).unwrap_or_default();
    Some(
        Error::from_reply(0, &body, op.request_id.as_deref().unwrap_or(""))
            .context(format_args!("certificate operation of '{name}' failed")),
    )
}

impl Client {
    // --- certificates ---------------------------------------------------------------------------

    /// Starts creating a certificate (a new version) with `policy`; returns the pending operation.
    /// A `Self`-issued certificate completes quickly; an `Unknown` issuer leaves the operation
    /// pending until [`Client::merge_certificate`]. Wait with [`Client::wait_for_certificate`].
    pub fn create_certificate(
        &self,
        name: &str,
        policy: &CertificatePolicy,
        properties: &CertificateProperties,
    ) -> Result<CertificateOperation> {
        check_name("certificate", name)?;
        check_policy(policy)?;
        properties.check()?;
        let attributes = properties.attributes();
        let body =
            CertificateCreateParameters { policy, attributes: attributes.as_ref(), tags: properties.tags.as_ref() };
        let request = Request::with_json(Method::Post, format!("/certificates/{}/create", segment(name)), &body)?;
        self.operation_call(&request, format_args!("create certificate '{name}'"))
    }

    /// Imports a certificate with its private key: PEM text (a `PRIVATE KEY` block and the
    /// certificates) or PKCS#12 bytes with `password`. For PEM, the policy's content type is set
    /// to PEM unless `policy` says otherwise.
    pub fn import_certificate(
        &self,
        name: &str,
        data: &[u8],
        password: Option<&str>,
        policy: Option<&CertificatePolicy>,
        properties: &CertificateProperties,
    ) -> Result<Certificate> {
        check_name("certificate", name)?;
        properties.check()?;
        if data.is_empty() {
            return Err(Error::invalid_argument("import certificate: the certificate data is empty"));
        }
        if let Some(p) = policy {
            check_policy(p)?;
        }
        let is_pem = data.iter().skip_while(|b| b.is_ascii_whitespace()).take(11).eq(b"-----BEGIN ".iter());
        let mut policy = policy.cloned();
        let value: Zeroizing<String> = if is_pem {
            check_pem_import(data)?;
            let p = policy.get_or_insert_with(CertificatePolicy::default);
            p.secret_props
                .get_or_insert_with(Default::default)
                .content_type
                .get_or_insert_with(|| CONTENT_TYPE_PEM.into());
            Zeroizing::new(
                std::str::from_utf8(data)
                    .map_err(|_| Error::invalid_argument("import certificate: the PEM text is not UTF-8"))?
                    .to_owned(),
            )
        } else {
            Zeroizing::new(STANDARD.encode(data))
        };
        let attributes = properties.attributes();
        let body = CertificateImportParameters {
            value: &value,
            pwd: password,
            policy: policy.as_ref(),
            attributes: attributes.as_ref(),
            tags: properties.tags.as_ref(),
        };
        let request = Request::with_json(Method::Post, format!("/certificates/{}/import", segment(name)), &body)?;
        let secrets: Vec<&str> = password.into_iter().filter(|p| !p.is_empty()).collect();
        self.certificate_call(&request, format_args!("import certificate '{name}'")).map_err(|e| e.redact(&secrets))
    }

    /// Gets a certificate (public part and policy); `version` empty means the latest version.
    pub fn get_certificate(&self, name: &str, version: &str) -> Result<Certificate> {
        check_name("certificate", name)?;
        check_version("certificate", version)?;
        let request = Request::new(Method::Get, format!("/certificates/{}/{}", segment(name), segment(version)));
        self.certificate_call(&request, format_args!("get certificate '{name}'"))
    }

    /// Updates properties (enabled, tags) of a certificate version (`version` empty = latest).
    pub fn update_certificate_properties(
        &self,
        name: &str,
        version: &str,
        properties: &CertificateProperties,
    ) -> Result<Certificate> {
        check_name("certificate", name)?;
        check_version("certificate", version)?;
        properties.check()?;
        let attributes = properties.attributes();
        let body = CertificateUpdateParameters { attributes: attributes.as_ref(), tags: properties.tags.as_ref() };
        let request =
            Request::with_json(Method::Patch, format!("/certificates/{}/{}", segment(name), segment(version)), &body)?;
        self.certificate_call(&request, format_args!("update certificate '{name}'"))
    }

    /// Gets a certificate's policy.
    pub fn get_certificate_policy(&self, name: &str) -> Result<CertificatePolicy> {
        check_name("certificate", name)?;
        let request = Request::new(Method::Get, format!("/certificates/{}/policy", segment(name)));
        self.json_call(&request, format_args!("get policy of certificate '{name}'"))
    }

    /// Updates a certificate's policy (only what `policy` sets changes); returns the new policy.
    pub fn update_certificate_policy(&self, name: &str, policy: &CertificatePolicy) -> Result<CertificatePolicy> {
        check_name("certificate", name)?;
        check_policy(policy)?;
        let request = Request::with_json(Method::Patch, format!("/certificates/{}/policy", segment(name)), policy)?;
        self.json_call(&request, format_args!("update policy of certificate '{name}'"))
    }

    /// Gets the certificate's pending (or last) creation operation.
    pub fn get_certificate_operation(&self, name: &str) -> Result<CertificateOperation> {
        check_name("certificate", name)?;
        let request = Request::new(Method::Get, format!("/certificates/{}/pending", segment(name)));
        self.operation_call(&request, format_args!("get operation of certificate '{name}'"))
    }

    /// Requests cancellation of the pending operation.
    pub fn cancel_certificate_operation(&self, name: &str) -> Result<CertificateOperation> {
        check_name("certificate", name)?;
        let request = Request::with_json(
            Method::Patch,
            format!("/certificates/{}/pending", segment(name)),
            &serde_json::json!({"cancellation_requested": true}),
        )?;
        self.operation_call(&request, format_args!("cancel operation of certificate '{name}'"))
    }

    /// Deletes the pending operation (the certificate's creation stops; no version is made).
    pub fn delete_certificate_operation(&self, name: &str) -> Result<CertificateOperation> {
        check_name("certificate", name)?;
        let request = Request::new(Method::Delete, format!("/certificates/{}/pending", segment(name)));
        self.operation_call(&request, format_args!("delete operation of certificate '{name}'"))
    }

    /// Merges a certificate signed outside the vault (for the pending CSR of an `Unknown` issuer):
    /// `chain` holds DER certificates, the signed one first.
    pub fn merge_certificate(
        &self,
        name: &str,
        chain: &[&[u8]],
        properties: &CertificateProperties,
    ) -> Result<Certificate> {
        check_name("certificate", name)?;
        properties.check()?;
        if chain.is_empty() || chain.iter().any(|c| c.is_empty()) {
            return Err(Error::invalid_argument("merge certificate: give the signed certificate (DER) and its chain"));
        }
        let attributes = properties.attributes();
        let body = CertificateMergeParameters {
            x5c: chain.iter().map(|c| STANDARD.encode(c)).collect(),
            attributes: attributes.as_ref(),
            tags: properties.tags.as_ref(),
        };
        let request =
            Request::with_json(Method::Post, format!("/certificates/{}/pending/merge", segment(name)), &body)?;
        self.certificate_call(&request, format_args!("merge certificate '{name}'"))
    }

    /// Deletes a certificate and all its versions (with its key and secret); returns the deleted
    /// certificate. The move to the deleted collection may finish later: see
    /// [`Client::wait_for_deleted_certificate`].
    pub fn delete_certificate(&self, name: &str) -> Result<Certificate> {
        check_name("certificate", name)?;
        let request = Request::new(Method::Delete, format!("/certificates/{}", segment(name)));
        self.certificate_call(&request, format_args!("delete certificate '{name}'"))
    }

    /// Gets a deleted certificate.
    pub fn get_deleted_certificate(&self, name: &str) -> Result<Certificate> {
        check_name("certificate", name)?;
        let request = Request::new(Method::Get, format!("/deletedcertificates/{}", segment(name)));
        self.certificate_call(&request, format_args!("get deleted certificate '{name}'"))
    }

    /// Recovers a deleted certificate; returns it.
    pub fn recover_deleted_certificate(&self, name: &str) -> Result<Certificate> {
        check_name("certificate", name)?;
        let request = Request::with_json(
            Method::Post,
            format!("/deletedcertificates/{}/recover", segment(name)),
            &serde_json::json!({}),
        )?;
        self.certificate_call(&request, format_args!("recover deleted certificate '{name}'"))
    }

    /// Purges a deleted certificate permanently.
    pub fn purge_deleted_certificate(&self, name: &str) -> Result<()> {
        check_name("certificate", name)?;
        let request = Request::new(Method::Delete, format!("/deletedcertificates/{}", segment(name)));
        self.pipeline
            .send(&request)
            .map(|_| ())
            .map_err(|e| e.context(format_args!("purge deleted certificate '{name}'")))
    }

    /// Backs up all versions of a certificate into an opaque blob.
    pub fn backup_certificate(&self, name: &str) -> Result<Zeroizing<Vec<u8>>> {
        self.backup_object("certificates", "certificate", name)
    }

    /// Restores a certificate from a backup blob.
    pub fn restore_certificate(&self, backup: &[u8]) -> Result<Certificate> {
        self.certificate_call(&Client::restore_request("certificates", backup)?, format_args!("restore certificate"))
    }

    /// Lists certificates (items carry id, x5t, attributes and tags); `include_pending` adds
    /// certificates whose creation has not finished.
    pub fn list_certificates(&self, include_pending: bool) -> List<Certificate> {
        let mut request = Request::new(Method::Get, "/certificates");
        if include_pending {
            request.query.push(("includePending", "true".to_owned()));
        }
        List::new(
            Pager::<CertificateBundle>::new(self.pipeline.clone(), request, "list certificates"),
            Certificate::from,
        )
    }

    /// Lists the versions of a certificate.
    pub fn list_certificate_versions(&self, name: &str) -> Result<List<Certificate>> {
        check_name("certificate", name)?;
        let pager = Pager::<CertificateBundle>::new(
            self.pipeline.clone(),
            Request::new(Method::Get, format!("/certificates/{}/versions", segment(name))),
            format!("list versions of certificate '{name}'"),
        );
        Ok(List::new(pager, Certificate::from))
    }

    /// Lists deleted certificates; `include_pending` adds those whose deletion has not finished.
    pub fn list_deleted_certificates(&self, include_pending: bool) -> List<Certificate> {
        let mut request = Request::new(Method::Get, "/deletedcertificates");
        if include_pending {
            request.query.push(("includePending", "true".to_owned()));
        }
        let pager = Pager::<CertificateBundle>::new(self.pipeline.clone(), request, "list deleted certificates");
        List::new(pager, Certificate::from)
    }

    // --- the certificate in hand ----------------------------------------------------------------

    /// Downloads a certificate with its private key through its secret (`version` empty =
    /// latest): PEM text or PKCS#12 bytes, as the policy's content type chose. Needs an exportable
    /// key and permission to get secrets.
    pub fn download_certificate(&self, name: &str, version: &str) -> Result<CertificateWithKey> {
        let what = format!("download certificate '{name}' with its key");
        let secret = self.get_secret(name, version).map_err(|e| e.context(&what))?;
        let content_type =
            secret.content_type().map(|t| t.to_string()).unwrap_or_else(|| CONTENT_TYPE_PKCS12.to_owned());
        let data = if content_type.eq_ignore_ascii_case(CONTENT_TYPE_PKCS12) {
            Zeroizing::new(
                crate::model::encoding::decode_b64_lenient(std::str::from_utf8(secret.value()).unwrap_or("!"))
                    .ok_or_else(|| Error::unparseable(format!("{what}: the PKCS#12 secret is not base64")))?,
            )
        } else {
            Zeroizing::new(secret.value().to_vec())
        };
        Ok(CertificateWithKey { content_type, data })
    }

    /// Downloads a certificate with its private key (`version` empty = latest) in `format`:
    /// [`DownloadFormat::Pem`] (key then certificates), PKCS#12 protected with `password`,
    /// the certificate chain only, or the key only.
    pub fn download_certificate_as(
        &self,
        name: &str,
        version: &str,
        format: DownloadFormat,
        password: &str,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let with_key = self.download_certificate(name, version)?;
        match format {
            DownloadFormat::Pem => with_key.to_pem(),
            DownloadFormat::Pkcs12 => with_key.to_pkcs12(password),
            DownloadFormat::ChainPem => with_key.chain_pem(),
            DownloadFormat::KeyPem => with_key.key_pem(),
        }
    }

    // --- waits ----------------------------------------------------------------------------------

    /// Waits until the certificate's creation finishes, polling the pending operation: returns the
    /// new certificate when it completed, the operation's error (mapped like a service error) when
    /// it failed, an error when it was cancelled, and `ErrorKind::Timeout` after `timeout`.
    pub fn wait_for_certificate(&self, name: &str, timeout: Duration) -> Result<Certificate> {
        check_name("certificate", name)?;
        let request = Request::new(Method::Get, format!("/certificates/{}/pending", segment(name)));
        let version = self.poll_until(&request, timeout, &format!("wait for certificate '{name}'"), |reply| {
            let op: CertificateOperation = reply?.json()?;
            if let Some(err) = operation_error(name, &op) {
                return Err(err);
            }
            let status = op.status.as_deref().unwrap_or("");
            if status.eq_ignore_ascii_case("completed") {
                return Ok(Poll::Done(
                    op.target.as_deref().map(split_id).map(|(_, v)| v.to_owned()).unwrap_or_default(),
                ));
            }
            if status.eq_ignore_ascii_case("cancelled") || status.eq_ignore_ascii_case("failed") {
                let detail = op.status_details.unwrap_or_default();
                return Err(Error::new(
                    ErrorKind::ServiceError,
                    format!("certificate operation of '{name}' {status}: {detail}"),
                ));
            }
            Ok(Poll::Pending)
        })?;
        self.get_certificate(name, &version)
    }

    /// Waits until a deleted certificate shows up in the deleted collection, polling
    /// `GET /deletedcertificates/{name}`: 404 means still in progress, 403 counts as done.
    pub fn wait_for_deleted_certificate(&self, name: &str, timeout: Duration) -> Result<()> {
        check_name("certificate", name)?;
        let request = Request::new(Method::Get, format!("/deletedcertificates/{}", segment(name)));
        self.wait_until_present(&request, timeout, &format!("wait for deletion of certificate '{name}'"))
    }

    /// Waits until a recovered certificate is back, polling `GET /certificates/{name}/`.
    pub fn wait_for_recovered_certificate(&self, name: &str, timeout: Duration) -> Result<()> {
        check_name("certificate", name)?;
        let request = Request::new(Method::Get, format!("/certificates/{}/", segment(name)));
        self.wait_until_present(&request, timeout, &format!("wait for recovery of certificate '{name}'"))
    }

    // --- issuers --------------------------------------------------------------------------------

    /// Creates or replaces a certificate issuer; `options.provider` is required.
    pub fn set_certificate_issuer(&self, name: &str, options: &IssuerOptions) -> Result<Issuer> {
        check_name("issuer", name)?;
        if options.provider.as_deref().unwrap_or("").is_empty() {
            return Err(Error::invalid_argument("set certificate issuer: a provider is required"));
        }
        self.issuer_write(Method::Put, name, options, "set")
    }

    /// Updates a certificate issuer (only what `options` sets changes).
    pub fn update_certificate_issuer(&self, name: &str, options: &IssuerOptions) -> Result<Issuer> {
        check_name("issuer", name)?;
        self.issuer_write(Method::Patch, name, options, "update")
    }

    fn issuer_write(&self, method: Method, name: &str, options: &IssuerOptions, verb: &str) -> Result<Issuer> {
        let request =
            Request::with_json(method, format!("/certificates/issuers/{}", segment(name)), &options.bundle())?;
        let secrets: Vec<&str> = options.password.iter().map(|p| p.as_str()).filter(|p| !p.is_empty()).collect();
        self.json_call::<IssuerBundle>(&request, format_args!("{verb} certificate issuer '{name}'"))
            .map(Issuer::from_bundle)
            .map_err(|e| e.redact(&secrets))
    }

    /// Gets a certificate issuer.
    pub fn get_certificate_issuer(&self, name: &str) -> Result<Issuer> {
        check_name("issuer", name)?;
        let request = Request::new(Method::Get, format!("/certificates/issuers/{}", segment(name)));
        self.json_call::<IssuerBundle>(&request, format_args!("get certificate issuer '{name}'"))
            .map(Issuer::from_bundle)
    }

    /// Deletes a certificate issuer; returns it.
    pub fn delete_certificate_issuer(&self, name: &str) -> Result<Issuer> {
        check_name("issuer", name)?;
        let request = Request::new(Method::Delete, format!("/certificates/issuers/{}", segment(name)));
        self.json_call::<IssuerBundle>(&request, format_args!("delete certificate issuer '{name}'"))
            .map(Issuer::from_bundle)
    }

    /// Lists certificate issuers (items carry id and provider).
    pub fn list_certificate_issuers(&self) -> List<Issuer> {
        let pager = Pager::<IssuerBundle>::new(
            self.pipeline.clone(),
            Request::new(Method::Get, "/certificates/issuers"),
            "list certificate issuers",
        );
        List::new(pager, Issuer::from)
    }

    // --- contacts -------------------------------------------------------------------------------

    /// Sets the vault's certificate contacts (replacing them); returns them.
    pub fn set_certificate_contacts(&self, contacts: &[Contact]) -> Result<Vec<Contact>> {
        if contacts.is_empty() {
            return Err(Error::invalid_argument(
                "set certificate contacts: give at least one contact (delete them with delete_certificate_contacts)",
            ));
        }
        let body = Contacts { id: None, contacts: contacts.to_vec() };
        let request = Request::with_json(Method::Put, "/certificates/contacts", &body)?;
        self.json_call::<Contacts>(&request, format_args!("set certificate contacts")).map(|c| c.contacts)
    }

    /// Gets the vault's certificate contacts.
    pub fn get_certificate_contacts(&self) -> Result<Vec<Contact>> {
        let request = Request::new(Method::Get, "/certificates/contacts");
        self.json_call::<Contacts>(&request, format_args!("get certificate contacts")).map(|c| c.contacts)
    }

    /// Deletes the vault's certificate contacts; returns the deleted ones.
    pub fn delete_certificate_contacts(&self) -> Result<Vec<Contact>> {
        let request = Request::new(Method::Delete, "/certificates/contacts");
        self.json_call::<Contacts>(&request, format_args!("delete certificate contacts")).map(|c| c.contacts)
    }

    // --- plumbing -------------------------------------------------------------------------------

    fn json_call<T: serde::de::DeserializeOwned>(&self, request: &Request, what: std::fmt::Arguments<'_>) -> Result<T> {
        let what = what.to_string();
        let response = self.pipeline.send(request).map_err(|e| e.context(&what))?;
        response.json().map_err(|e| e.context(&what))
    }

    fn certificate_call(&self, request: &Request, what: std::fmt::Arguments<'_>) -> Result<Certificate> {
        self.json_call::<CertificateBundle>(request, what).map(Certificate::from_bundle)
    }

    fn operation_call(&self, request: &Request, what: std::fmt::Arguments<'_>) -> Result<CertificateOperation> {
        self.json_call(request, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed() -> (String, Vec<u8>) {
        let mut params = rcgen::CertificateParams::new(vec!["example.com".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "example.com");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        (format!("{}{}", key.serialize_pem(), cert.pem()), cert.der().to_vec())
    }

    /// A BEGIN or END line that runs on into base64 (no line break after the dashes) made the
    /// "label" carry key material into the error message.
    #[test]
    fn a_broken_pem_line_never_quotes_key_material() {
        for text in [
            "-----BEGIN PRIVATE KEY-----MIIEvQSECRETKEYMATERIAL-----\n",
            "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----SECRETKEYMATERIAL-----\n",
            "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE  KEY SECRETKEYMATERIAL-----\n",
        ] {
            let e = pem_blocks(text.as_bytes()).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidArgument);
            assert!(!e.message.contains("SECRET"), "{}", e.message);
        }
        // A well-formed label is still named.
        let e = pem_blocks(b"-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap_err();
        assert!(e.message.contains("CERTIFICATE"), "{}", e.message);
    }

    #[test]
    fn x509_fields_are_read() {
        let (_, der) = self_signed();
        let info = CertificateInfo::parse(&der).unwrap();
        assert_eq!(info.subject, "CN=example.com");
        assert_eq!(info.issuer, "CN=example.com");
        assert_eq!(info.dns_names, vec!["example.com"]);
        assert_eq!(info.ip_addresses, vec!["127.0.0.1"]);
        assert_eq!(info.thumbprint.len(), 40);
        assert!(info.not_after > info.not_before);
        assert!(CertificateInfo::parse(b"junk").is_err());
    }

    #[test]
    fn pem_and_pkcs12_convert_both_ways() {
        let (pem, der) = self_signed();
        let with_key =
            CertificateWithKey { content_type: CONTENT_TYPE_PEM.into(), data: Zeroizing::new(pem.into_bytes()) };
        let parts = with_key.parts().unwrap();
        assert_eq!(parts.chain, vec![der.clone()]);
        let p12 = with_key.to_pkcs12("pw").unwrap();
        assert!(pkcs12_parts(&p12, "wrong").unwrap_err().message.contains("wrong password"));
        let back = pkcs12_parts(&p12, "pw").unwrap();
        assert_eq!(back.chain, vec![der]);
        assert_eq!(back.private_key.as_slice(), parts.private_key.as_slice());
        let p12_nopw =
            CertificateWithKey { content_type: CONTENT_TYPE_PKCS12.into(), data: with_key.to_pkcs12("").unwrap() };
        assert_eq!(p12_nopw.to_pem().unwrap().as_slice(), with_key.to_pem().unwrap().as_slice());
    }

    #[test]
    fn pem_without_a_key_is_refused_before_sending() {
        let (pem, _) = self_signed();
        let cert_only: String =
            pem.split_inclusive('\n').skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE")).collect();
        let e = check_pem_import(cert_only.as_bytes()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains("no private key"), "{}", e.message);
    }

    #[test]
    fn policies_are_built_and_checked() {
        let p = PolicyBuilder::new("CN=a")
            .dns_name("a")
            .key_type("EC")
            .curve("P-256")
            .content_type(CONTENT_TYPE_PEM)
            .validity_months(12)
            .key_usage("digitalSignature")
            .eku("1.3.6.1.5.5.7.3.1")
            .action_at_percentage("AutoRenew", 80)
            .build()
            .unwrap();
        let wire = serde_json::to_value(&p).unwrap();
        assert_eq!(wire["issuer"]["name"], "Self");
        assert_eq!(wire["key_props"]["crv"], "P-256");
        assert_eq!(wire["x509_props"]["sans"]["dns_names"][0], "a");
        assert_eq!(wire["lifetime_actions"][0]["trigger"]["lifetime_percentage"], 80);
        for bad in [
            PolicyBuilder::new("CN=a").key_type("oct"),
            PolicyBuilder::new("CN=a").key_type("EC").key_size(2048),
            PolicyBuilder::new("CN=a").key_size(1024),
            PolicyBuilder::new("CN=a").content_type("text/plain"),
            PolicyBuilder::new("CN=a").key_usage("everything"),
            PolicyBuilder::new("CN=a").action_at_percentage("AutoRenew", 100),
            PolicyBuilder::new("CN=a").action_days_before_expiry("Explode", 3),
        ] {
            assert_eq!(bad.build().unwrap_err().kind, ErrorKind::InvalidArgument);
        }
    }

    #[test]
    fn operation_errors_map_like_service_errors() {
        let op: CertificateOperation = serde_json::from_value(
            serde_json::json!({"status": "failed", "error": {"code": "BadParameter", "message": "subject is invalid"}}),
        )
        .unwrap();
        let e = operation_error("c", &op).unwrap();
        assert_eq!(e.kind, ErrorKind::BadParameter);
        assert_eq!(e.service_code, "BadParameter");
        assert!(e.message.contains("subject is invalid") && e.message.contains("'c'"));
        let ok: CertificateOperation =
            serde_json::from_value(serde_json::json!({"status": "completed", "error": null})).unwrap();
        assert!(operation_error("c", &ok).is_none());
    }
}
