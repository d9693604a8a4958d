//! Keys: every key-management operation of api-version 2025-07-01 (create, import, get, list,
//! update, delete, recover, purge, backup, restore, rotate, rotation policy, release, random
//! bytes, attestation) and waiting for soft-delete and recovery to finish.
//! Cryptography with keys is in [`crate::crypto`].

use crate::client::Client;
use crate::crypto::LocalKey;
use crate::error::{Error, Result};
use crate::http::{Method, Request};
use crate::listing::List;
use crate::model::key::{
    ActionKind, JsonWebKey, KeyAttributes, KeyBundle, KeyCreateParameters, KeyImportParameters, KeyReleaseParameters,
    KeyReleasePolicy, KeyReleaseResult, KeyRotationPolicy, KeyUpdateParameters, RandomBytesRequest, B64,
};
use crate::model::{check_tags, check_validity, Attributes, Tags};
use crate::names::{check_name, check_version, path_segment as segment, split_id};
use crate::paging::Pager;
use crate::text::Text;
use std::time::Duration;
use zeroize::Zeroizing;

/// A key, a key version, a list item or a deleted key. Each field is stored once, as the reply
/// gave it (texts are NUL-terminated [`Text`]), so the C boundary lends views without copies.
#[derive(Debug, Clone, Default)]
pub struct Key {
    bundle: KeyBundle,
    name: Text,
    version: Text,
    /// The key for local operations, built from the bundle on first use (the bundle never
    /// changes after construction).
    local: once_cell::sync::OnceCell<LocalKey>,
}

impl From<KeyBundle> for Key {
    /// Name and version come from the key id.
    fn from(bundle: KeyBundle) -> Key {
        let (name, version) = split_id(bundle.id().map(Text::as_str).unwrap_or_default());
        let (name, version) = (name.into(), version.into());
        Key { bundle, name, version, local: Default::default() }
    }
}

const NO_KEY_MATERIAL: &str =
    "this kv_key carries no key material (list and deleted-list items do not); get the key first";

impl Key {
    /// Wraps a bundle, deriving name and version from its id.
    pub fn from_bundle(bundle: KeyBundle) -> Key {
        Key::from(bundle)
    }

    /// Builds a key for local operations from JSON, without a request: a JSON Web Key, or a key
    /// bundle as the vault returns it (`{"key": {...}, "attributes": {...}}`, whose `nbf` and
    /// `exp` then limit local use). Private members are dropped; the key must be usable
    /// locally. JSON errors never quote the input.
    pub fn from_json(text: &str) -> Result<Key> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            Error::invalid_argument(format!("the JWK is not valid JSON (line {}, column {})", e.line(), e.column()))
        })?;
        let shape = |e: serde_json::Error| {
            // serde messages may quote values (key material): keep only the category and position.
            Error::invalid_argument(format!("the JSON is not a JSON Web Key or key bundle ({:?} error; check member types: binary members are base64url strings)", e.classify()))
        };
        let mut bundle: KeyBundle = if value.get("key").is_some_and(serde_json::Value::is_object) {
            serde_json::from_value(value).map_err(shape)?
        } else {
            KeyBundle { key: Some(serde_json::from_value::<JsonWebKey>(value).map_err(shape)?), ..KeyBundle::default() }
        };
        let jwk = bundle.key.as_mut().ok_or_else(|| Error::invalid_argument("the key bundle has no key"))?;
        jwk.drop_private_members();
        let key = Key::from(bundle);
        key.local()?;
        Ok(key)
    }

    /// The JSON Web Key (public members), if the reply carried one (list items do not).
    pub fn jwk(&self) -> Option<&JsonWebKey> {
        self.bundle.key.as_ref()
    }

    /// The JSON Web Key, or an invalid-argument error naming why there is none.
    pub fn require_jwk(&self) -> Result<&JsonWebKey> {
        self.jwk().ok_or_else(|| Error::invalid_argument(NO_KEY_MATERIAL))
    }

    /// The key for local operations (public members, limited by `key_ops`, `nbf` and `exp`),
    /// decoded and validated once per `Key` and kept for later calls.
    pub fn local(&self) -> Result<&LocalKey> {
        self.local.get_or_try_init(|| LocalKey::new(self.require_jwk()?, Some(&self.bundle.attributes)))
    }

    /// The key type, when the reply names one kv knows.
    pub fn key_type(&self) -> Option<KeyType> {
        self.jwk().and_then(|k| k.kty.as_deref()).and_then(KeyType::from_wire)
    }

    /// The curve of an EC key, when the reply names one kv knows.
    pub fn curve(&self) -> Option<KeyCurve> {
        self.jwk().and_then(|k| k.crv.as_deref()).and_then(KeyCurve::from_wire)
    }

    /// The key id (for deleted list items, the recovery id).
    pub fn id(&self) -> Option<&Text> {
        self.bundle.id()
    }

    /// The name (from the key id).
    pub fn name(&self) -> &Text {
        &self.name
    }

    /// The version (empty for items of `list_keys` and deleted list items).
    pub fn version(&self) -> &Text {
        &self.version
    }

    /// The key type's wire name as the reply gave it.
    pub fn key_type_name(&self) -> Option<&Text> {
        self.jwk()?.kty.as_ref()
    }

    /// The curve's wire name as the reply gave it.
    pub fn curve_name(&self) -> Option<&Text> {
        self.jwk()?.crv.as_ref()
    }

    /// A public JWK member (empty when absent).
    pub fn public_member(&self, member: PublicMember) -> &[u8] {
        let Some(jwk) = self.jwk() else { return &[] };
        let field = match member {
            PublicMember::N => &jwk.n,
            PublicMember::E => &jwk.e,
            PublicMember::X => &jwk.x,
            PublicMember::Y => &jwk.y,
        };
        field.as_ref().map(|b| b.0.as_slice()).unwrap_or_default()
    }

    /// The permitted operations.
    pub fn operations(&self) -> &[Text] {
        self.jwk().and_then(|k| k.key_ops.as_deref()).unwrap_or_default()
    }

    /// Whether the key is enabled (true when the reply does not say).
    pub fn enabled(&self) -> bool {
        self.bundle.attributes.common.enabled.unwrap_or(true)
    }

    /// Whether the private key may be exported by a release.
    pub fn exportable(&self) -> bool {
        self.bundle.attributes.exportable.unwrap_or(false)
    }

    /// Whether Key Vault manages the key's lifetime (it backs a certificate).
    pub fn managed(&self) -> bool {
        self.bundle.managed.unwrap_or(false)
    }

    /// Creation time, Unix seconds.
    pub fn created(&self) -> Option<i64> {
        self.bundle.attributes.common.created
    }

    /// Last update time, Unix seconds.
    pub fn updated(&self) -> Option<i64> {
        self.bundle.attributes.common.updated
    }

    /// Not-before time, Unix seconds.
    pub fn not_before(&self) -> Option<i64> {
        self.bundle.attributes.common.nbf
    }

    /// Expiry time, Unix seconds.
    pub fn expires(&self) -> Option<i64> {
        self.bundle.attributes.common.exp
    }

    /// The vault's recovery level for this key.
    pub fn recovery_level(&self) -> Option<&Text> {
        self.bundle.attributes.common.recovery_level.as_ref()
    }

    /// Soft-delete retention in days.
    pub fn recoverable_days(&self) -> Option<i32> {
        self.bundle.attributes.common.recoverable_days
    }

    /// For deleted keys: the recovery id.
    pub fn recovery_id(&self) -> Option<&Text> {
        self.bundle.recovery_id.as_ref()
    }

    /// For deleted keys: when it was deleted, Unix seconds.
    pub fn deleted_date(&self) -> Option<i64> {
        self.bundle.deleted_date
    }

    /// For deleted keys: when the vault will purge it, Unix seconds.
    pub fn scheduled_purge_date(&self) -> Option<i64> {
        self.bundle.scheduled_purge_date
    }

    /// The tags, ordered by name.
    pub fn tags(&self) -> &Tags {
        static NONE: Tags = Tags::new();
        self.bundle.tags.as_ref().unwrap_or(&NONE)
    }

    /// The release policy document (empty when none).
    pub fn release_policy_data(&self) -> &[u8] {
        self.bundle.release_policy.as_ref().and_then(|p| p.data.as_ref()).map(|d| d.0.as_slice()).unwrap_or_default()
    }

    /// The release policy's content type.
    pub fn release_policy_content_type(&self) -> Option<&Text> {
        self.bundle.release_policy.as_ref()?.content_type.as_ref()
    }

    /// Whether the release policy is immutable (false when there is none).
    pub fn release_policy_immutable(&self) -> bool {
        self.bundle.release_policy.as_ref().and_then(|p| p.immutable).unwrap_or(false)
    }

    /// The HSM platform of an HSM key.
    pub fn hsm_platform(&self) -> Option<&Text> {
        self.bundle.attributes.hsm_platform.as_ref()
    }

    /// Attestation format version (from `get_key_attestation`).
    pub fn attestation_version(&self) -> Option<&Text> {
        self.bundle.attributes.attestation.as_ref()?.version.as_ref()
    }

    /// A part of the attestation (empty when absent).
    pub fn attestation(&self, part: AttestationPart) -> &[u8] {
        let Some(a) = self.bundle.attributes.attestation.as_ref() else { return &[] };
        let field = match part {
            AttestationPart::PrivateKey => &a.private_key_attestation,
            AttestationPart::PublicKey => &a.public_key_attestation,
            AttestationPart::CertificatePem => &a.certificate_pem_file,
        };
        field.as_ref().map(|b| b.0.as_slice()).unwrap_or_default()
    }
}

/// The public members of a JSON Web Key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicMember {
    /// RSA modulus.
    N,
    /// RSA public exponent.
    E,
    /// EC x coordinate.
    X,
    /// EC y coordinate.
    Y,
}

/// The parts of a key attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationPart {
    /// The private key attestation.
    PrivateKey,
    /// The public key attestation.
    PublicKey,
    /// The certificate chain (PEM) that validates the attestation.
    CertificatePem,
}

// --- enumerations and their wire names: the one table each ------------------------------------

/// Key types (`JsonWebKeyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `RSA`: software-protected RSA.
    Rsa,
    /// `RSA-HSM`: HSM-protected RSA.
    RsaHsm,
    /// `EC`: software-protected elliptic curve.
    Ec,
    /// `EC-HSM`: HSM-protected elliptic curve.
    EcHsm,
    /// `oct`: symmetric (AES), Managed HSM only.
    Oct,
    /// `oct-HSM`: HSM-protected symmetric (AES), Managed HSM only.
    OctHsm,
}

/// Every key type with its wire name.
pub const KEY_TYPES: &[(KeyType, &str)] = &[
    (KeyType::Rsa, "RSA"),
    (KeyType::RsaHsm, "RSA-HSM"),
    (KeyType::Ec, "EC"),
    (KeyType::EcHsm, "EC-HSM"),
    (KeyType::Oct, "oct"),
    (KeyType::OctHsm, "oct-HSM"),
];

/// The family of a key type, which decides the parameters that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFamily {
    /// RSA and RSA-HSM.
    Rsa,
    /// EC and EC-HSM.
    Ec,
    /// oct and oct-HSM.
    Oct,
}

impl KeyType {
    /// The wire name, e.g. `RSA-HSM`.
    pub fn wire(self) -> &'static str {
        wire_of(KEY_TYPES, self)
    }

    /// The key type of a wire name (exact, as the service sends it).
    pub fn from_wire(text: &str) -> Option<KeyType> {
        from_wire(KEY_TYPES, text)
    }

    /// RSA, EC or oct.
    pub fn family(self) -> KeyFamily {
        match self {
            KeyType::Rsa | KeyType::RsaHsm => KeyFamily::Rsa,
            KeyType::Ec | KeyType::EcHsm => KeyFamily::Ec,
            KeyType::Oct | KeyType::OctHsm => KeyFamily::Oct,
        }
    }
}

/// Elliptic curves (`JsonWebKeyCurveName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyCurve {
    /// `P-256` (secp256r1).
    P256,
    /// `P-384` (secp384r1).
    P384,
    /// `P-521` (secp521r1).
    P521,
    /// `P-256K` (secp256k1).
    P256K,
}

/// Every curve with its wire name.
pub const KEY_CURVES: &[(KeyCurve, &str)] =
    &[(KeyCurve::P256, "P-256"), (KeyCurve::P384, "P-384"), (KeyCurve::P521, "P-521"), (KeyCurve::P256K, "P-256K")];

impl KeyCurve {
    /// The wire name, e.g. `P-256K`.
    pub fn wire(self) -> &'static str {
        wire_of(KEY_CURVES, self)
    }

    /// The curve of a wire name.
    pub fn from_wire(text: &str) -> Option<KeyCurve> {
        from_wire(KEY_CURVES, text)
    }
}

/// How a released key is protected (`KeyEncryptionAlgorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyReleaseAlgorithm {
    /// `CKM_RSA_AES_KEY_WRAP`.
    CkmRsaAesKeyWrap,
    /// `RSA_AES_KEY_WRAP_256`.
    RsaAesKeyWrap256,
    /// `RSA_AES_KEY_WRAP_384`.
    RsaAesKeyWrap384,
}

/// Every release algorithm with its wire name.
pub const KEY_RELEASE_ALGORITHMS: &[(KeyReleaseAlgorithm, &str)] = &[
    (KeyReleaseAlgorithm::CkmRsaAesKeyWrap, "CKM_RSA_AES_KEY_WRAP"),
    (KeyReleaseAlgorithm::RsaAesKeyWrap256, "RSA_AES_KEY_WRAP_256"),
    (KeyReleaseAlgorithm::RsaAesKeyWrap384, "RSA_AES_KEY_WRAP_384"),
];

impl KeyReleaseAlgorithm {
    /// The wire name.
    pub fn wire(self) -> &'static str {
        wire_of(KEY_RELEASE_ALGORITHMS, self)
    }
}

pub use crate::model::key::{RotationAction, ROTATION_ACTIONS};

/// The permitted-operation names a key may carry (`JsonWebKeyOperation`).
pub const KEY_OPERATIONS: &[&str] =
    &["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"];

fn wire_of<T: PartialEq + Copy>(table: &'static [(T, &'static str)], value: T) -> &'static str {
    table.iter().find(|(v, _)| *v == value).map(|(_, w)| *w).unwrap_or("")
}

fn from_wire<T: Copy>(table: &[(T, &str)], text: &str) -> Option<T> {
    table.iter().find(|(_, w)| *w == text).map(|(v, _)| *v)
}

/// Checks a permitted-operation name (case-sensitive, as the service defines them).
pub fn check_key_operation(op: &str) -> Result<()> {
    if KEY_OPERATIONS.contains(&op) {
        Ok(())
    } else {
        let shown: String = op.chars().take(40).collect();
        Err(Error::invalid_argument(format!(
            "'{shown}' is not a key operation; use one of {}",
            KEY_OPERATIONS.join(", ")
        )))
    }
}

/// Checks an ISO-8601 duration as rotation policies use them (`P90D`, `P1Y10D`, `PT48H`, ...).
pub fn check_duration(what: &str, text: &str) -> Result<()> {
    if is_iso8601_duration(text) {
        Ok(())
    } else {
        let shown: String = text.chars().take(40).collect();
        Err(Error::invalid_argument(format!("{what} '{shown}' is not an ISO-8601 duration such as P90D, P2Y or PT48H")))
    }
}

fn is_iso8601_duration(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('P') else { return false };
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let components = |part: &str, units: &[char]| -> Option<usize> {
        let mut count = 0;
        let mut next_unit = 0;
        let mut digits = 0;
        for c in part.chars() {
            if c.is_ascii_digit() {
                digits += 1;
                continue;
            }
            let pos = units.iter().position(|u| *u == c)?;
            if digits == 0 || pos < next_unit {
                return None;
            }
            next_unit = pos + 1;
            digits = 0;
            count += 1;
        }
        (digits == 0).then_some(count)
    };
    let Some(date_count) = components(date, &['Y', 'M', 'W', 'D']) else { return false };
    match time {
        None => date_count > 0,
        Some(t) => components(t, &['H', 'M', 'S']).is_some_and(|n| n > 0),
    }
}

// --- properties and options -------------------------------------------------------------------

/// Properties to set on a key (create, import, update); `None` leaves a property unset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyProperties {
    /// Enabled flag.
    pub enabled: Option<bool>,
    /// Not-before time, Unix seconds.
    pub not_before: Option<i64>,
    /// Expiry time, Unix seconds.
    pub expires: Option<i64>,
    /// Whether the private key may be exported (released); needs a release policy.
    pub exportable: Option<bool>,
    /// Permitted operations (names from [`KEY_OPERATIONS`]); when set, they replace all.
    pub key_ops: Option<Vec<String>>,
    /// Tags; when set, they replace all tags.
    pub tags: Option<Tags>,
    /// Secure key release policy.
    pub release_policy: Option<KeyReleasePolicy>,
}

impl KeyProperties {
    fn attributes(&self) -> Option<KeyAttributes> {
        if self.enabled.is_none() && self.not_before.is_none() && self.expires.is_none() && self.exportable.is_none() {
            return None;
        }
        Some(KeyAttributes {
            common: Attributes {
                enabled: self.enabled,
                nbf: self.not_before,
                exp: self.expires,
                ..Attributes::default()
            },
            exportable: self.exportable,
            ..KeyAttributes::default()
        })
    }

    /// Checks the properties locally: at most 15 tags, expiry not before not-before, known
    /// operation names, a non-empty release policy.
    pub fn check(&self) -> Result<()> {
        if let Some(tags) = &self.tags {
            check_tags(tags)?;
        }
        check_validity(self.not_before, self.expires)?;
        for op in self.key_ops.iter().flatten() {
            check_key_operation(op)?;
        }
        if let Some(policy) = &self.release_policy {
            if policy.data.as_ref().is_none_or(|d| d.0.is_empty()) {
                return Err(Error::invalid_argument("the release policy has no data"));
            }
        }
        Ok(())
    }
}

/// What to create: the type, its parameters, and the key's properties.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateKeyOptions {
    /// Key type.
    pub kty: KeyType,
    /// RSA size in bits (2048, 3072, 4096) or oct size (128, 192, 256); None = service default.
    pub key_size: Option<u32>,
    /// RSA public exponent (odd, at least 3); None = 65537.
    pub public_exponent: Option<u32>,
    /// Curve of an EC key; None = service default (P-256).
    pub curve: Option<KeyCurve>,
    /// Properties.
    pub properties: KeyProperties,
}

impl CreateKeyOptions {
    /// Options for a key of type `kty` with defaults for everything else.
    pub fn new(kty: KeyType) -> CreateKeyOptions {
        CreateKeyOptions {
            kty,
            key_size: None,
            public_exponent: None,
            curve: None,
            properties: KeyProperties::default(),
        }
    }

    fn check(&self) -> Result<()> {
        let family = self.kty.family();
        let kty = self.kty.wire();
        if let Some(size) = self.key_size {
            let allowed: &[u32] = match family {
                KeyFamily::Rsa => &[2048, 3072, 4096],
                KeyFamily::Oct => &[128, 192, 256],
                KeyFamily::Ec => &[],
            };
            if allowed.is_empty() {
                return Err(Error::invalid_argument(format!(
                    "a key size does not apply to {kty} keys; choose a curve"
                )));
            }
            if !allowed.contains(&size) {
                return Err(Error::invalid_argument(format!(
                    "{size} bits is not a {kty} key size; use one of {allowed:?}"
                )));
            }
        }
        if let Some(exp) = self.public_exponent {
            if family != KeyFamily::Rsa {
                return Err(Error::invalid_argument(format!("a public exponent applies to RSA keys only, not {kty}")));
            }
            check_public_exponent(exp)?;
        }
        if self.curve.is_some() && family != KeyFamily::Ec {
            return Err(Error::invalid_argument(format!("a curve applies to EC keys only, not {kty}")));
        }
        self.properties.check()
    }
}

/// Checks an RSA public exponent: odd and at least 3.
pub fn check_public_exponent(exponent: u32) -> Result<()> {
    if exponent < 3 || exponent % 2 == 0 {
        return Err(Error::invalid_argument(format!("public exponent {exponent} must be odd and at least 3")));
    }
    Ok(())
}

/// Settings for creating, importing or updating a key, gathered one at a time (what the C
/// `kv_key_options` holds). Each setter checks its value; a setting that does not apply to the
/// call it is used for (a key size on import or update, HSM protection on create, ...) is refused
/// by that call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyOptions {
    key_size: Option<u32>,
    public_exponent: Option<u32>,
    curve: Option<KeyCurve>,
    hsm: Option<bool>,
    /// The key's properties.
    pub properties: KeyProperties,
}

impl KeyOptions {
    /// Sets the key size in bits (checked against the key type when the key is created).
    pub fn set_key_size(&mut self, bits: u32) -> Result<()> {
        if bits == 0 {
            return Err(Error::invalid_argument("a key size of 0 bits"));
        }
        self.key_size = Some(bits);
        Ok(())
    }

    /// Sets the RSA public exponent (odd, at least 3).
    pub fn set_public_exponent(&mut self, exponent: u32) -> Result<()> {
        check_public_exponent(exponent)?;
        self.public_exponent = Some(exponent);
        Ok(())
    }

    /// Sets the curve of an EC key (None leaves the choice to the service).
    pub fn set_curve(&mut self, curve: Option<KeyCurve>) {
        self.curve = curve;
    }

    /// Asks for HSM protection of an imported key.
    pub fn set_hsm(&mut self, hsm: bool) {
        self.hsm = Some(hsm);
    }

    /// Adds a permitted operation (a name from [`KEY_OPERATIONS`]; added once).
    pub fn add_operation(&mut self, op: &str) -> Result<()> {
        check_key_operation(op)?;
        let ops = self.properties.key_ops.get_or_insert_with(Vec::new);
        if !ops.iter().any(|known| known == op) {
            ops.push(op.to_owned());
        }
        Ok(())
    }

    /// Adds or replaces a tag (all tags are sent once any is set).
    pub fn set_tag(&mut self, name: &str, value: &str) {
        self.properties.tags.get_or_insert_with(Default::default).insert(name.into(), value.into());
    }

    /// Sets the secure key release policy: the policy document (not empty), its content type
    /// (None = the service default) and whether it can never change again.
    pub fn set_release_policy(&mut self, data: &[u8], content_type: Option<&str>, immutable: bool) -> Result<()> {
        if data.is_empty() {
            return Err(Error::invalid_argument("the release policy data is empty"));
        }
        self.properties.release_policy = Some(KeyReleasePolicy {
            content_type: content_type.map(Text::from),
            immutable: Some(immutable),
            data: Some(B64(data.to_vec())),
        });
        Ok(())
    }

    fn refuse(&self, call: &str, settings: &[(&str, bool)]) -> Result<()> {
        match settings.iter().find(|(_, set)| *set) {
            Some((what, _)) => {
                Err(Error::invalid_argument(format!("the options set {what}, which does not apply to {call}")))
            }
            None => Ok(()),
        }
    }

    /// What to create: a key of type `kty` with these settings.
    pub fn for_create(&self, kty: KeyType) -> Result<CreateKeyOptions> {
        self.refuse("creating a key (choose an -HSM key type instead)", &[("HSM protection", self.hsm.is_some())])?;
        Ok(CreateKeyOptions {
            kty,
            key_size: self.key_size,
            public_exponent: self.public_exponent,
            curve: self.curve,
            properties: self.properties.clone(),
        })
    }

    /// Checks the settings apply to an import.
    pub fn for_import(&self) -> Result<()> {
        self.refuse(
            "importing a key (the key material decides it)",
            &[
                ("a key size", self.key_size.is_some()),
                ("a public exponent", self.public_exponent.is_some()),
                ("a curve", self.curve.is_some()),
            ],
        )
    }

    /// Checks the settings apply to an update of properties.
    pub fn for_update(&self) -> Result<()> {
        self.for_import()?;
        self.refuse("updating key properties", &[("HSM protection", self.hsm.is_some())])
    }
}

/// The reply to a JSON Web Key text that does not parse: never quotes the input.
fn jwk_from_json(json: &str) -> Result<JsonWebKey> {
    serde_json::from_str(json).map_err(|e| {
        // serde's message may quote the input; report only where and what kind of problem.
        Error::invalid_argument(format!(
            "jwk_json is not a JSON Web Key ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

impl Client {
    /// Creates a key of type `kty` with the settings of `options`.
    pub fn create_key_with(&self, name: &str, kty: KeyType, options: &KeyOptions) -> Result<Key> {
        self.create_key(name, &options.for_create(kty)?)
    }

    /// Imports a key given as a JSON Web Key text (with its private members) with the settings of
    /// `options` (HSM protection, properties; added operations replace the JWK's `key_ops`).
    pub fn import_key_json(&self, name: &str, jwk_json: &str, options: &KeyOptions) -> Result<Key> {
        options.for_import()?;
        check_name("key", name)?;
        self.import_key(name, jwk_from_json(jwk_json)?, options.hsm, &options.properties)
    }

    /// Imports a private key given as PEM or DER with the settings of `options`.
    pub fn import_key_pem_with(&self, name: &str, pem_or_der: &[u8], options: &KeyOptions) -> Result<Key> {
        options.for_import()?;
        self.import_key_pem(name, pem_or_der, options.hsm, &options.properties)
    }

    /// Updates properties of a key version (`version` empty = latest) from `options`.
    pub fn update_key_with(&self, name: &str, version: &str, options: &KeyOptions) -> Result<Key> {
        options.for_update()?;
        self.update_key_properties(name, version, &options.properties)
    }
}

/// Most random bytes one `get_random_bytes` call returns.
pub const MAX_RANDOM_BYTES: u32 = 128;

impl Client {
    /// Creates a key (a new key, or a new version of an existing one).
    pub fn create_key(&self, name: &str, options: &CreateKeyOptions) -> Result<Key> {
        check_name("key", name)?;
        options.check()?;
        let p = &options.properties;
        let body = KeyCreateParameters {
            kty: options.kty.wire().to_owned(),
            key_size: options.key_size,
            public_exponent: options.public_exponent,
            key_ops: p.key_ops.clone(),
            attributes: p.attributes(),
            tags: p.tags.clone(),
            crv: options.curve.map(|c| c.wire().to_owned()),
            release_policy: p.release_policy.clone(),
        };
        let request = Request::with_json(Method::Post, format!("/keys/{}/create", segment(name)), &body)?;
        self.key_call(&request, format_args!("create key '{name}'"))
    }

    /// Imports a JSON Web Key with its private members (or a BYOK `key_hsm` blob). `hsm` asks
    /// for HSM protection; `properties.key_ops`, when set, replaces the JWK's `key_ops`.
    pub fn import_key(
        &self,
        name: &str,
        mut key: JsonWebKey,
        hsm: Option<bool>,
        properties: &KeyProperties,
    ) -> Result<Key> {
        check_name("key", name)?;
        properties.check()?;
        match key.kty.as_deref() {
            None => return Err(Error::invalid_argument("the key to import has no 'kty'")),
            Some(kty) if KeyType::from_wire(kty).is_none() => {
                let shown: String = kty.chars().take(20).collect();
                let known: Vec<&str> = KEY_TYPES.iter().map(|(_, w)| *w).collect();
                return Err(Error::invalid_argument(format!(
                    "the key to import has kty '{shown}'; use one of {}",
                    known.join(", ")
                )));
            }
            Some(_) => {}
        }
        if let Some(ops) = &properties.key_ops {
            key.key_ops = Some(ops.iter().map(Text::from).collect());
        }
        for op in key.key_ops.iter().flatten() {
            check_key_operation(op)?;
        }
        let body = KeyImportParameters {
            hsm,
            key,
            attributes: properties.attributes(),
            tags: properties.tags.clone(),
            release_policy: properties.release_policy.clone(),
        };
        // The body carries private key material; with_json serializes it into zeroized storage.
        let request = Request::with_json(Method::Put, format!("/keys/{}", segment(name)), &body)?;
        self.key_call(&request, format_args!("import key '{name}'"))
    }

    /// Imports a private key given as PEM or DER (PKCS#1, PKCS#8 or SEC1).
    pub fn import_key_pem(
        &self,
        name: &str,
        pem_or_der: &[u8],
        hsm: Option<bool>,
        properties: &KeyProperties,
    ) -> Result<Key> {
        check_name("key", name)?;
        properties.check()?;
        if pem_or_der.is_empty() {
            return Err(Error::invalid_argument("the private key is empty"));
        }
        let jwk = crate::crypto::pem::private_key_to_jwk(pem_or_der)
            .map_err(|e| e.context(format_args!("import key '{name}'")))?;
        self.import_key(name, jwk, hsm, properties)
    }

    /// Gets a key (public members only); `version` empty means the latest version.
    pub fn get_key(&self, name: &str, version: &str) -> Result<Key> {
        check_name("key", name)?;
        check_version("key", version)?;
        let request = Request::new(Method::Get, format!("/keys/{}/{}", segment(name), segment(version)));
        self.key_call(&request, format_args!("get key '{name}'"))
    }

    /// Updates properties of a key version (`version` empty = latest); only set fields change.
    pub fn update_key_properties(&self, name: &str, version: &str, properties: &KeyProperties) -> Result<Key> {
        check_name("key", name)?;
        check_version("key", version)?;
        properties.check()?;
        let body = KeyUpdateParameters {
            key_ops: properties.key_ops.clone(),
            attributes: properties.attributes(),
            tags: properties.tags.clone(),
            release_policy: properties.release_policy.clone(),
        };
        let request =
            Request::with_json(Method::Patch, format!("/keys/{}/{}", segment(name), segment(version)), &body)?;
        self.key_call(&request, format_args!("update key '{name}'"))
    }

    /// Deletes a key and all its versions (soft delete); returns the deleted key.
    pub fn delete_key(&self, name: &str) -> Result<Key> {
        check_name("key", name)?;
        let request = Request::new(Method::Delete, format!("/keys/{}", segment(name)));
        self.key_call(&request, format_args!("delete key '{name}'"))
    }

    /// Gets a deleted key.
    pub fn get_deleted_key(&self, name: &str) -> Result<Key> {
        check_name("key", name)?;
        let request = Request::new(Method::Get, format!("/deletedkeys/{}", segment(name)));
        self.key_call(&request, format_args!("get deleted key '{name}'"))
    }

    /// Recovers a deleted key; returns it.
    pub fn recover_deleted_key(&self, name: &str) -> Result<Key> {
        check_name("key", name)?;
        let request = Request::with_json(
            Method::Post,
            format!("/deletedkeys/{}/recover", segment(name)),
            &serde_json::json!({}),
        )?;
        self.key_call(&request, format_args!("recover deleted key '{name}'"))
    }

    /// Purges a deleted key permanently.
    pub fn purge_deleted_key(&self, name: &str) -> Result<()> {
        check_name("key", name)?;
        let request = Request::new(Method::Delete, format!("/deletedkeys/{}", segment(name)));
        self.pipeline.send(&request).map(|_| ()).map_err(|e| e.context(format_args!("purge deleted key '{name}'")))
    }

    /// Backs up all versions of a key into an opaque blob (only `restore_key` reads it).
    pub fn backup_key(&self, name: &str) -> Result<Zeroizing<Vec<u8>>> {
        self.backup_object("keys", "key", name)
    }

    /// Restores a key (all versions) from a backup blob; returns it.
    pub fn restore_key(&self, backup: &[u8]) -> Result<Key> {
        self.key_call(&Client::restore_request("keys", backup)?, format_args!("restore key"))
    }

    /// Creates a new version of a key with the same parameters (as its rotation policy would).
    pub fn rotate_key(&self, name: &str) -> Result<Key> {
        check_name("key", name)?;
        let request =
            Request::with_json(Method::Post, format!("/keys/{}/rotate", segment(name)), &serde_json::json!({}))?;
        self.key_call(&request, format_args!("rotate key '{name}'"))
    }

    /// Releases an exportable key to an attested target (`version` empty = latest). `target` is
    /// the attestation token; returns the signed release value (a JWS/JWT text).
    pub fn release_key(
        &self,
        name: &str,
        version: &str,
        target: &str,
        nonce: Option<&str>,
        enc: Option<KeyReleaseAlgorithm>,
    ) -> Result<Zeroizing<String>> {
        check_name("key", name)?;
        check_version("key", version)?;
        if target.is_empty() {
            return Err(Error::invalid_argument("the release target (attestation token) is empty"));
        }
        let body = KeyReleaseParameters {
            target: target.to_owned(),
            nonce: nonce.map(str::to_owned),
            enc: enc.map(|a| a.wire().to_owned()),
        };
        let request =
            Request::with_json(Method::Post, format!("/keys/{}/{}/release", segment(name), segment(version)), &body)?;
        let what = format!("release key '{name}'");
        let response = self.pipeline.send(&request).map_err(|e| e.context(&what))?;
        let result: KeyReleaseResult = response.json().map_err(|e| e.context(&what))?;
        let value = result.value.ok_or_else(|| Error::unparseable("the release reply has no value").context(&what))?;
        Ok(Zeroizing::new(value))
    }

    /// Gets `count` (1 to 128) random bytes from the vault's HSM.
    pub fn get_random_bytes(&self, count: u32) -> Result<Zeroizing<Vec<u8>>> {
        if !(1..=MAX_RANDOM_BYTES).contains(&count) {
            return Err(Error::invalid_argument(format!(
                "{count} random bytes asked for; ask for 1 to {MAX_RANDOM_BYTES}"
            )));
        }
        let request = Request::with_json(Method::Post, "/rng", &RandomBytesRequest { count })?;
        let what = "get random bytes";
        let response = self.pipeline.send(&request).map_err(|e| e.context(what))?;
        #[derive(serde::Deserialize)]
        struct RandomBytes {
            value: Option<B64>,
        }
        let mut reply: RandomBytes = response.json().map_err(|e| e.context(what))?;
        let bytes = reply
            .value
            .as_mut()
            .map(|v| std::mem::take(&mut v.0))
            .ok_or_else(|| Error::unparseable("the reply has no value").context(what))?;
        if bytes.len() != count as usize {
            return Err(Error::unparseable(format!("{} random bytes came back, {count} were asked for", bytes.len()))
                .context(what));
        }
        Ok(Zeroizing::new(bytes))
    }

    /// Gets a key version with its HSM attestation (`version` empty = latest).
    pub fn get_key_attestation(&self, name: &str, version: &str) -> Result<Key> {
        check_name("key", name)?;
        check_version("key", version)?;
        let request = Request::new(Method::Get, format!("/keys/{}/{}/attestation", segment(name), segment(version)));
        self.key_call(&request, format_args!("get attestation of key '{name}'"))
    }

    /// Lists keys (items carry no key material and no version).
    pub fn list_keys(&self) -> List<Key> {
        List::new(
            Pager::<KeyBundle>::new(self.pipeline.clone(), Request::new(Method::Get, "/keys"), "list keys"),
            Key::from,
        )
    }

    /// Lists the versions of a key.
    pub fn list_key_versions(&self, name: &str) -> Result<List<Key>> {
        check_name("key", name)?;
        let pager = Pager::<KeyBundle>::new(
            self.pipeline.clone(),
            Request::new(Method::Get, format!("/keys/{}/versions", segment(name))),
            format!("list versions of key '{name}'"),
        );
        Ok(List::new(pager, Key::from))
    }

    /// Lists deleted keys.
    pub fn list_deleted_keys(&self) -> List<Key> {
        let pager = Pager::<KeyBundle>::new(
            self.pipeline.clone(),
            Request::new(Method::Get, "/deletedkeys"),
            "list deleted keys",
        );
        List::new(pager, Key::from)
    }

    /// Waits until a deleted key shows up in the deleted collection (the delete finished), by
    /// polling `GET /deletedkeys/{name}` ([`Client::poll_until`] with [`crate::wait::until_present`]:
    /// 404 means still in progress, 403 counts as done). Polls at least once; `ErrorKind::Timeout`,
    /// naming the deadline, after `timeout`.
    pub fn wait_for_deleted_key(&self, name: &str, timeout: Duration) -> Result<()> {
        check_name("key", name)?;
        let request = Request::new(Method::Get, format!("/deletedkeys/{}", segment(name)));
        self.wait_until_present(&request, timeout, &format!("wait for deletion of key '{name}'"))
    }

    /// Waits until a recovered key is back in the live collection, by polling
    /// `GET /keys/{name}/` the same way as [`Client::wait_for_deleted_key`].
    pub fn wait_for_recovered_key(&self, name: &str, timeout: Duration) -> Result<()> {
        check_name("key", name)?;
        let request = Request::new(Method::Get, format!("/keys/{}/", segment(name)));
        self.wait_until_present(&request, timeout, &format!("wait for recovery of key '{name}'"))
    }

    fn key_call(&self, request: &Request, what: std::fmt::Arguments<'_>) -> Result<Key> {
        let what = what.to_string();
        let response = self.pipeline.send(request).map_err(|e| e.context(&what))?;
        let bundle: KeyBundle = response.json().map_err(|e| e.context(&what))?;
        Ok(Key::from_bundle(bundle))
    }
}

/// Checks a rotation policy locally: known action types, exactly one trigger per action (Notify:
/// time before expiry), valid ISO-8601 durations.
pub fn check_rotation_policy(policy: &KeyRotationPolicy) -> Result<()> {
    for (i, action) in policy.lifetime_actions.iter().enumerate() {
        let kind = match &action.action.kind {
            ActionKind::Known(kind) => *kind,
            ActionKind::Other(name) => {
                let shown: String = name.chars().take(20).collect();
                return Err(Error::invalid_argument(format!(
                    "lifetime action {i} has type '{shown}'; use Rotate or Notify"
                )));
            }
        };
        let t = &action.trigger;
        if kind == RotationAction::Notify && t.time_after_create.is_some() {
            return Err(Error::invalid_argument(format!(
                "lifetime action {i}: Notify is triggered by time before expiry only"
            )));
        }
        match (&t.time_after_create, &t.time_before_expiry) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(Error::invalid_argument(format!(
                    "lifetime action {i} needs exactly one trigger: time after create or time before expiry"
                )));
            }
            (Some(d), None) => check_duration("time after create", d)?,
            (None, Some(d)) => check_duration("time before expiry", d)?,
        }
    }
    if let Some(expiry) = policy.attributes.as_ref().and_then(|a| a.expiry_time.as_deref()) {
        check_duration("expiry time", expiry)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::model::key::{LifetimeAction, LifetimeActionTrigger, LifetimeActionType};

    #[test]
    fn wire_tables_round_trip() {
        for (t, w) in KEY_TYPES {
            assert_eq!(t.wire(), *w);
            assert_eq!(KeyType::from_wire(w), Some(*t));
        }
        for (c, w) in KEY_CURVES {
            assert_eq!(c.wire(), *w);
            assert_eq!(KeyCurve::from_wire(w), Some(*c));
        }
        assert_eq!(KeyType::from_wire("rsa"), None);
        assert_eq!(KeyType::OctHsm.wire(), "oct-HSM");
        assert_eq!(KeyCurve::P256K.wire(), "P-256K");
        assert_eq!(RotationAction::from_wire("rotate"), Some(RotationAction::Rotate));
        assert_eq!(KeyReleaseAlgorithm::RsaAesKeyWrap384.wire(), "RSA_AES_KEY_WRAP_384");
    }

    #[test]
    fn durations() {
        for ok in ["P90D", "P2Y", "P1Y10D", "PT48H", "P3M", "P1W", "P1DT12H", "PT1M30S"] {
            assert!(is_iso8601_duration(ok), "{ok}");
        }
        for bad in ["", "P", "PT", "90D", "P90", "PD", "P1D2Y", "P1DT", "p90d", "P-1D", "P1.5D", "P1H"] {
            assert!(!is_iso8601_duration(bad), "{bad}");
        }
    }

    #[test]
    fn create_options_are_checked() {
        let ok = |o: CreateKeyOptions| o.check().is_ok();
        let mut o = CreateKeyOptions::new(KeyType::Rsa);
        o.key_size = Some(3072);
        o.public_exponent = Some(3);
        assert!(ok(o.clone()));
        o.key_size = Some(1024);
        assert!(!ok(o.clone()));
        o.key_size = None;
        o.public_exponent = Some(65536);
        assert!(!ok(o.clone()));
        o.public_exponent = None;
        o.curve = Some(KeyCurve::P256);
        assert!(!ok(o));
        let mut e = CreateKeyOptions::new(KeyType::EcHsm);
        e.curve = Some(KeyCurve::P521);
        assert!(ok(e.clone()));
        e.key_size = Some(256);
        assert!(!ok(e));
        let mut k = CreateKeyOptions::new(KeyType::OctHsm);
        k.key_size = Some(256);
        assert!(ok(k.clone()));
        k.key_size = Some(2048);
        assert!(!ok(k));
    }

    #[test]
    fn properties_are_checked() {
        let mut p = KeyProperties { key_ops: Some(vec!["sign".into(), "wrapKey".into()]), ..Default::default() };
        assert!(p.check().is_ok());
        p.key_ops = Some(vec!["wrapkey".into()]);
        assert_eq!(p.check().unwrap_err().kind, ErrorKind::InvalidArgument);
        let p = KeyProperties { not_before: Some(10), expires: Some(5), ..Default::default() };
        assert!(p.check().is_err());
        let p = KeyProperties {
            tags: Some((0..16).map(|i| (format!("t{i}").into(), Default::default())).collect()),
            ..Default::default()
        };
        assert!(p.check().is_err());
        let p = KeyProperties { release_policy: Some(KeyReleasePolicy::default()), ..Default::default() };
        assert!(p.check().is_err());
        assert_eq!(
            KeyProperties { exportable: Some(true), ..Default::default() }.attributes().unwrap().exportable,
            Some(true)
        );
        assert!(KeyProperties::default().attributes().is_none());
    }

    #[test]
    fn rotation_policies_are_checked() {
        let action = |kind: &str, after: Option<&str>, before: Option<&str>| LifetimeAction {
            trigger: LifetimeActionTrigger {
                time_after_create: after.map(Into::into),
                time_before_expiry: before.map(Into::into),
            },
            action: LifetimeActionType { kind: kind.into() },
        };
        let mut p = KeyRotationPolicy {
            lifetime_actions: vec![action("Rotate", Some("P90D"), None), action("Notify", None, Some("P30D"))],
            ..Default::default()
        };
        assert!(check_rotation_policy(&p).is_ok());
        p.lifetime_actions.push(action("Explode", Some("P1D"), None));
        assert!(check_rotation_policy(&p).is_err());
        p.lifetime_actions.pop();
        p.lifetime_actions.push(action("Rotate", Some("P1D"), Some("P2D")));
        assert!(check_rotation_policy(&p).is_err());
        p.lifetime_actions.pop();
        p.lifetime_actions.push(action("Rotate", Some("90 days"), None));
        assert!(check_rotation_policy(&p).is_err());
        p.lifetime_actions.pop();
        p.lifetime_actions.push(action("Notify", Some("P30D"), None));
        assert!(check_rotation_policy(&p).is_err());
    }
}
