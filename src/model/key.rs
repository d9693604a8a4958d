//! Key wire types (api-version 2025-07-01): JSON Web Keys, key bundles and items, request
//! bodies, rotation policies, release and crypto operation bodies. Binary fields are base64url
//! on the wire ([`B64`]); private JWK members are zeroized when dropped.

use crate::model::encoding::{decode_b64_lenient, encode_b64url};
use crate::model::{Attributes, Tags};
use crate::text::Text;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Bytes carried as base64url (decoded leniently, encoded without padding). Zeroized on drop,
/// since key members and crypto inputs may be secret.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct B64(pub Vec<u8>);

impl std::fmt::Debug for B64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "B64({} bytes)", self.0.len())
    }
}

impl Serialize for B64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = zeroize::Zeroizing::new(encode_b64url(&self.0));
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for B64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<B64, D::Error> {
        let text = zeroize::Zeroizing::new(String::deserialize(d)?);
        decode_b64_lenient(&text).map(B64).ok_or_else(|| serde::de::Error::custom("invalid base64url"))
    }
}

/// A JSON Web Key as Key Vault sends and accepts it. Private members (`d`, `dp`, `dq`, `qi`,
/// `p`, `q`, `k`) are only present on import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonWebKey {
    /// Key identifier `https://{vault}/keys/{name}/{version}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<Text>,
    /// Key type: `EC`, `EC-HSM`, `RSA`, `RSA-HSM`, `oct`, `oct-HSM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kty: Option<Text>,
    /// Permitted operations (`encrypt`, `decrypt`, `sign`, `verify`, `wrapKey`, `unwrapKey`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<Text>>,
    /// RSA modulus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<B64>,
    /// RSA public exponent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<B64>,
    /// RSA private exponent, or EC private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d: Option<B64>,
    /// RSA d mod (p-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dp: Option<B64>,
    /// RSA d mod (q-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dq: Option<B64>,
    /// RSA q^-1 mod p.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qi: Option<B64>,
    /// RSA first prime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<B64>,
    /// RSA second prime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<B64>,
    /// Symmetric key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<B64>,
    /// Protected key for BYOK import into an HSM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_hsm: Option<B64>,
    /// Elliptic curve: `P-256`, `P-384`, `P-521`, `P-256K`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<Text>,
    /// EC public x coordinate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<B64>,
    /// EC public y coordinate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<B64>,
}

/// Attestation blobs of an HSM key (read-only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyAttestation {
    /// Certificate chain (PEM) used to validate the attestation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_pem_file: Option<B64>,
    /// Attestation of the private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key_attestation: Option<B64>,
    /// Attestation of the public key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_attestation: Option<B64>,
    /// Attestation format version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Text>,
}

/// Key attributes: the common ones plus key-only fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyAttributes {
    /// enabled, nbf, exp, created, updated, recoverableDays, recoveryLevel.
    #[serde(flatten)]
    pub common: Attributes,
    /// Whether the private key can be exported (release).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exportable: Option<bool>,
    /// HSM platform (read-only).
    #[serde(skip_serializing)]
    pub hsm_platform: Option<Text>,
    /// Attestation (read-only).
    #[serde(skip_serializing)]
    pub attestation: Option<KeyAttestation>,
}

/// Secure key release policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyReleasePolicy {
    /// Content type of `data`; default `application/json; charset=utf-8`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Text>,
    /// Whether the policy can no longer change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
    /// The policy document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<B64>,
}

/// A key as any keys operation returns it (bundle, deleted bundle, list item or deleted item).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct KeyBundle {
    /// The key material (public members only, as returned by the service). Absent in list items.
    pub key: Option<JsonWebKey>,
    /// Key id of a list item (`KeyItem.kid`).
    pub kid: Option<Text>,
    /// Attributes.
    #[serde(default)]
    pub attributes: KeyAttributes,
    /// Tags.
    pub tags: Option<Tags>,
    /// True when Key Vault manages the key's lifetime (it backs a certificate).
    pub managed: Option<bool>,
    /// Release policy.
    pub release_policy: Option<KeyReleasePolicy>,
    /// Recovery id of a deleted key.
    #[serde(rename = "recoveryId")]
    pub recovery_id: Option<Text>,
    /// Deletion time (Unix seconds) of a deleted key.
    #[serde(rename = "deletedDate")]
    pub deleted_date: Option<i64>,
    /// Scheduled purge time (Unix seconds) of a deleted key.
    #[serde(rename = "scheduledPurgeDate")]
    pub scheduled_purge_date: Option<i64>,
}

impl JsonWebKey {
    /// Removes the private members (local operations never use them).
    pub fn drop_private_members(&mut self) {
        for private in [
            &mut self.d,
            &mut self.dp,
            &mut self.dq,
            &mut self.qi,
            &mut self.p,
            &mut self.q,
            &mut self.k,
            &mut self.key_hsm,
        ] {
            *private = None;
        }
    }
}

impl KeyBundle {
    /// The key id: `key.kid`, else the item's `kid`, else the recovery id.
    pub fn id(&self) -> Option<&Text> {
        self.key.as_ref().and_then(|k| k.kid.as_ref()).or(self.kid.as_ref()).or(self.recovery_id.as_ref())
    }
}

/// Body of CreateKey.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KeyCreateParameters {
    /// Key type.
    pub kty: String,
    /// RSA key size in bits (2048, 3072, 4096) or oct size (128, 192, 256).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_size: Option<u32>,
    /// RSA public exponent (default 65537).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_exponent: Option<u32>,
    /// Permitted operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
    /// Attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<KeyAttributes>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Curve for EC keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// Release policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_policy: Option<KeyReleasePolicy>,
}

/// Body of ImportKey.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KeyImportParameters {
    /// Import into an HSM.
    #[serde(rename = "Hsm", skip_serializing_if = "Option::is_none")]
    pub hsm: Option<bool>,
    /// The key, with private members.
    pub key: JsonWebKey,
    /// Attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<KeyAttributes>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Release policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_policy: Option<KeyReleasePolicy>,
}

/// Body of UpdateKey: only what is set is sent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KeyUpdateParameters {
    /// Permitted operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
    /// Attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<KeyAttributes>,
    /// Tags (replace all tags).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Release policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_policy: Option<KeyReleasePolicy>,
}

/// Body of encrypt, decrypt, wrapKey and unwrapKey.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KeyOperationsParameters {
    /// Algorithm wire name.
    pub alg: String,
    /// Input.
    pub value: B64,
    /// Initialization vector (AES).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iv: Option<B64>,
    /// Additional authenticated data (AES-GCM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aad: Option<B64>,
    /// Authentication tag (AES-GCM decrypt).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<B64>,
}

/// Reply of encrypt, decrypt, wrapKey, unwrapKey and sign.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct KeyOperationResult {
    /// The key version that did the work.
    pub kid: Option<Text>,
    /// Output.
    pub value: Option<B64>,
    /// Initialization vector (AES encrypt).
    pub iv: Option<B64>,
    /// Authentication tag (AES-GCM encrypt).
    pub tag: Option<B64>,
    /// Additional authenticated data echoed (AES-GCM).
    pub aad: Option<B64>,
}

/// Body of sign.
#[derive(Debug, Clone, Serialize)]
pub struct KeySignParameters {
    /// Signature algorithm wire name.
    pub alg: String,
    /// The digest to sign.
    pub value: B64,
}

/// Body of verify.
#[derive(Debug, Clone, Serialize)]
pub struct KeyVerifyParameters {
    /// Signature algorithm wire name.
    pub alg: String,
    /// The digest that was signed.
    pub digest: B64,
    /// The signature.
    pub value: B64,
}

/// Reply of verify.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyVerifyResult {
    /// Whether the signature is valid.
    pub value: Option<bool>,
}

/// Body of release.
#[derive(Debug, Clone, Serialize)]
pub struct KeyReleaseParameters {
    /// Attestation assertion for the target of the release.
    pub target: String,
    /// Nonce.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Encryption algorithm for the exported key (`CKM_RSA_AES_KEY_WRAP`, `RSA_AES_KEY_WRAP_256`, `RSA_AES_KEY_WRAP_384`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enc: Option<String>,
}

/// Reply of release.
#[derive(Clone, Deserialize)]
pub struct KeyReleaseResult {
    /// The released key as a signed object.
    pub value: Option<String>,
}

impl std::fmt::Debug for KeyReleaseResult {
    /// The released key is never printed, only its length.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = self.value.as_ref().map(|v| format!("<{} characters>", v.len()));
        f.debug_struct("KeyReleaseResult").field("value", &value).finish()
    }
}

/// One rotation policy action with its trigger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifetimeAction {
    /// When the action happens.
    pub trigger: LifetimeActionTrigger,
    /// What happens.
    pub action: LifetimeActionType,
}

/// Trigger of a lifetime action (ISO-8601 durations such as `P90D`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LifetimeActionTrigger {
    /// Time after creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_after_create: Option<Text>,
    /// Time before expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_before_expiry: Option<Text>,
}

/// Action of a lifetime action: `Rotate` or `Notify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifetimeActionType {
    /// `Rotate` or `Notify`.
    #[serde(rename = "type")]
    pub kind: ActionKind,
}

/// What a rotation policy action does (`KeyRotationPolicyAction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RotationAction {
    /// `Rotate`: create a new key version.
    Rotate,
    /// `Notify`: send a near-expiry event.
    Notify,
}

/// Every rotation action with its wire name.
pub const ROTATION_ACTIONS: &[(RotationAction, &str)] =
    &[(RotationAction::Rotate, "Rotate"), (RotationAction::Notify, "Notify")];

impl RotationAction {
    /// The wire name.
    pub fn wire(self) -> &'static str {
        ROTATION_ACTIONS.iter().find(|(a, _)| *a == self).map(|(_, w)| *w).unwrap_or_default()
    }

    /// The action of a wire name (compared case-insensitively, as the spec says).
    pub fn from_wire(text: &str) -> Option<RotationAction> {
        ROTATION_ACTIONS.iter().find(|(_, w)| w.eq_ignore_ascii_case(text)).map(|(a, _)| *a)
    }
}

/// The type of a lifetime action as the wire carries it: an action kv knows, or another name
/// (kept so a policy read from the service says what it holds). Read from and written to JSON
/// once; never converted back and forth in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    /// `Rotate` or `Notify`.
    Known(RotationAction),
    /// A name kv does not know.
    Other(Text),
}

impl Default for ActionKind {
    fn default() -> ActionKind {
        ActionKind::Other(Text::default())
    }
}

impl ActionKind {
    /// The action, when kv knows it.
    pub fn known(&self) -> Option<RotationAction> {
        match self {
            ActionKind::Known(action) => Some(*action),
            ActionKind::Other(_) => None,
        }
    }
}

impl From<&str> for ActionKind {
    /// The action a wire name names (case-insensitively), else `Other`.
    fn from(name: &str) -> ActionKind {
        RotationAction::from_wire(name).map(ActionKind::Known).unwrap_or_else(|| ActionKind::Other(name.into()))
    }
}

impl Serialize for ActionKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ActionKind::Known(action) => s.serialize_str(action.wire()),
            ActionKind::Other(name) => s.serialize_str(name),
        }
    }
}

impl<'de> Deserialize<'de> for ActionKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ActionKind, D::Error> {
        Ok(ActionKind::from(Text::deserialize(d)?.as_str()))
    }
}

/// Attributes of a rotation policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRotationPolicyAttributes {
    /// Expiry of new key versions, ISO-8601 duration (e.g. `P2Y`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_time: Option<Text>,
    /// Creation time (read-only).
    #[serde(skip_serializing)]
    pub created: Option<i64>,
    /// Update time (read-only).
    #[serde(skip_serializing)]
    pub updated: Option<i64>,
}

/// A key's rotation policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRotationPolicy {
    /// Policy id (read-only).
    #[serde(skip_serializing)]
    pub id: Option<Text>,
    /// Actions.
    #[serde(default)]
    pub lifetime_actions: Vec<LifetimeAction>,
    /// Attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<KeyRotationPolicyAttributes>,
}

/// Reply of backup, and body of restore.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupBlob {
    /// The opaque backup.
    pub value: B64,
}

/// Body of GetRandomBytes.
#[derive(Debug, Clone, Serialize)]
pub struct RandomBytesRequest {
    /// How many bytes, 1 to 128.
    pub count: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> serde_json::Value {
        let path = format!("{}/tests/fixtures/spec-examples/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn parses_the_spec_examples() {
        let get = example("GetKey-example.json");
        let body = &get["responses"]["200"]["body"];
        let key: KeyBundle = serde_json::from_value(body.clone()).unwrap();
        let jwk = key.key.as_ref().unwrap();
        assert_eq!(jwk.kty.as_deref(), body["key"]["kty"].as_str());
        assert_eq!(key.id().map(Text::as_str), body["key"]["kid"].as_str());
        assert_eq!(
            jwk.n.as_ref().map(|n| encode_b64url(&n.0)),
            body["key"]["n"].as_str().map(|s| s.trim_end_matches('=').replace('+', "-").replace('/', "_"))
        );
        assert_eq!(key.attributes.common.enabled, body["attributes"]["enabled"].as_bool());

        let deleted = example("DeleteKey-example.json");
        let body = &deleted["responses"]["200"]["body"];
        let key: KeyBundle = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(key.recovery_id.as_deref(), body["recoveryId"].as_str());
        assert!(key.deleted_date.is_some() && key.scheduled_purge_date.is_some());

        let list = example("GetKeys-example.json");
        let page: crate::model::Page<KeyBundle> =
            serde_json::from_value(list["responses"]["200"]["body"].clone()).unwrap();
        assert!(!page.value.is_empty());
        assert!(page.value[0].id().is_some());
    }

    #[test]
    fn request_bodies_use_wire_names() {
        let body = KeyCreateParameters {
            kty: "RSA".into(),
            key_size: Some(2048),
            key_ops: Some(vec!["sign".into()]),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"kty":"RSA","key_size":2048,"key_ops":["sign"]})
        );
        let attrs = KeyAttributes {
            common: Attributes { enabled: Some(true), created: Some(5), ..Default::default() },
            exportable: Some(false),
            ..Default::default()
        };
        assert_eq!(serde_json::to_value(&attrs).unwrap(), serde_json::json!({"enabled":true,"exportable":false}));
        let op = KeyOperationsParameters { alg: "RSA-OAEP".into(), value: B64(vec![0xfb, 0xff]), ..Default::default() };
        assert_eq!(serde_json::to_value(&op).unwrap(), serde_json::json!({"alg":"RSA-OAEP","value":"-_8"}));
    }
}
