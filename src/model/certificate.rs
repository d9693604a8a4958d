//! Certificate wire types: `CertificateBundle` (also the deleted bundle and list items, every field
//! optional), the policy, the pending operation, issuers and contacts, and the request bodies.

use crate::model::key::B64;
use crate::model::{Attributes, Tags};
use crate::text::Text;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A certificate as any certificate operation returns it (`CertificateBundle`,
/// `DeletedCertificateBundle`, `CertificateItem`, `DeletedCertificateItem`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateBundle {
    /// Certificate identifier `https://{vault}/certificates/{name}[/{version}]`.
    pub id: Option<Text>,
    /// Identifier of the key backing this certificate.
    pub kid: Option<Text>,
    /// Identifier of the secret holding the certificate with its private key.
    pub sid: Option<Text>,
    /// SHA-1 thumbprint of the certificate (DER).
    pub x5t: Option<B64>,
    /// The management policy (get, create and import replies).
    pub policy: Option<CertificatePolicy>,
    /// The certificate, DER (standard base64 on the wire).
    pub cer: Option<B64>,
    /// Content type of the backing secret.
    pub content_type: Option<String>,
    /// Attributes.
    #[serde(default)]
    pub attributes: Attributes,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Tags>,
    /// Whether the chain order given at import is kept.
    pub preserve_cert_order: Option<bool>,
    /// Recovery id of a deleted certificate.
    pub recovery_id: Option<Text>,
    /// Deletion time of a deleted certificate (Unix seconds).
    pub deleted_date: Option<i64>,
    /// Scheduled purge time of a deleted certificate (Unix seconds).
    pub scheduled_purge_date: Option<i64>,
}

/// A certificate management policy (`CertificatePolicy`). Build one with
/// [`crate::certificates::PolicyBuilder`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CertificatePolicy {
    /// Policy identifier (read-only).
    #[serde(skip_serializing)]
    pub id: Option<String>,
    /// Properties of the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_props: Option<CertificateKeyProperties>,
    /// Properties of the backing secret (its content type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_props: Option<CertificateSecretProperties>,
    /// Properties of the X.509 certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x509_props: Option<X509Properties>,
    /// Actions taken during the certificate's lifetime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_actions: Option<Vec<LifetimeAction>>,
    /// The issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IssuerParameters>,
    /// Attributes applied to new versions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

/// `KeyProperties` of a policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CertificateKeyProperties {
    /// Whether the private key can be exported (downloaded through the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exportable: Option<bool>,
    /// Key type (`RSA`, `RSA-HSM`, `EC`, `EC-HSM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kty: Option<Text>,
    /// RSA key size in bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_size: Option<u32>,
    /// Whether renewal keeps the same key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reuse_key: Option<bool>,
    /// EC curve (`P-256`, `P-384`, `P-521`, `P-256K`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
}

/// `SecretProperties` of a policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSecretProperties {
    /// `application/x-pkcs12` or `application/x-pem-file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Text>,
}

/// `X509CertificateProperties` of a policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct X509Properties {
    /// Subject distinguished name, e.g. `CN=example.com`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Text>,
    /// Extended key usage OIDs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ekus: Option<Vec<String>>,
    /// Subject alternative names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sans: Option<SubjectAlternativeNames>,
    /// Key usages (`digitalSignature`, `keyEncipherment`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<Vec<String>>,
    /// Validity in months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity_months: Option<u32>,
}

/// Subject alternative names of a policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubjectAlternativeNames {
    /// E-mail addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// DNS names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_names: Vec<String>,
    /// User principal names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upns: Vec<String>,
    /// URIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uris: Vec<String>,
    /// IP addresses.
    #[serde(default, rename = "ipAddresses", skip_serializing_if = "Vec::is_empty")]
    pub ip_addresses: Vec<String>,
}

/// A lifetime action: what to do (`AutoRenew` or `EmailContacts`) and when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LifetimeAction {
    /// When.
    #[serde(default)]
    pub trigger: LifetimeTrigger,
    /// What.
    #[serde(default)]
    pub action: LifetimeActionType,
}

/// A lifetime trigger: a percentage of the lifetime or days before expiry (one of them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LifetimeTrigger {
    /// Percentage of the lifetime (1-99).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_percentage: Option<u32>,
    /// Days before expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_before_expiry: Option<u32>,
}

/// The action of a lifetime action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LifetimeActionType {
    /// `AutoRenew` or `EmailContacts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_type: Option<String>,
}

/// `IssuerParameters`: the issuer name (`Self`, `Unknown` or a configured issuer) and certificate
/// type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IssuerParameters {
    /// Issuer name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// Certificate type the issuer supports, e.g. `OV-SSL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cty: Option<String>,
    /// Whether the certificate is published to certificate transparency logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_transparency: Option<bool>,
}

/// A pending or finished certificate operation (`CertificateOperation`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CertificateOperation {
    /// `https://{vault}/certificates/{name}/pending`.
    pub id: Option<Text>,
    /// The issuer of the request.
    pub issuer: Option<IssuerParameters>,
    /// The certificate signing request, DER (standard base64 on the wire).
    pub csr: Option<B64>,
    /// Whether cancellation was requested.
    pub cancellation_requested: Option<bool>,
    /// `inProgress`, `completed`, `cancelled` or `failed`.
    pub status: Option<Text>,
    /// Human-readable detail of the status.
    pub status_details: Option<Text>,
    /// The error of a failed operation (`{code, message, innererror}`).
    pub error: Option<serde_json::Value>,
    /// Identifier of the certificate the operation makes.
    pub target: Option<Text>,
    /// Identifier of the issuer's request.
    pub request_id: Option<Text>,
}

/// A certificate issuer (`IssuerBundle`; list items carry only `id` and `provider`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IssuerBundle {
    /// `https://{vault}/certificates/issuers/{name}` (read-only).
    #[serde(skip_serializing)]
    pub id: Option<Text>,
    /// Provider name, e.g. `DigiCert` or `GlobalSign`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Text>,
    /// Account credentials at the provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<IssuerCredentials>,
    /// Organization details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_details: Option<OrganizationDetails>,
    /// Attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<IssuerAttributes>,
}

/// Issuer account credentials; the password is zeroized when dropped.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IssuerCredentials {
    /// Account id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Text>,
    /// Password (the service does not return it).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::encoding::deserialize_zeroizing",
        serialize_with = "serialize_zeroizing"
    )]
    pub pwd: Option<Zeroizing<String>>,
}

fn serialize_zeroizing<S: serde::Serializer>(value: &Option<Zeroizing<String>>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_str(v),
        None => s.serialize_none(),
    }
}

/// Organization details of an issuer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrganizationDetails {
    /// Organization id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// Administrators.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_details: Vec<AdministratorDetails>,
}

/// One administrator of an issuer's organization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdministratorDetails {
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Issuer attributes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IssuerAttributes {
    /// Whether the issuer is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Creation time (read-only).
    #[serde(skip_serializing)]
    pub created: Option<i64>,
    /// Last update time (read-only).
    #[serde(skip_serializing)]
    pub updated: Option<i64>,
}

/// The vault's certificate contacts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Contacts {
    /// `https://{vault}/certificates/contacts` (read-only).
    #[serde(skip_serializing)]
    pub id: Option<String>,
    /// The contacts.
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

/// One certificate contact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Text>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// Phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<Text>,
}

/// Body of CreateCertificate.
#[derive(Serialize)]
pub struct CertificateCreateParameters<'a> {
    /// The policy.
    pub policy: &'a CertificatePolicy,
    /// Attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<&'a Attributes>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<&'a Tags>,
}

/// Body of ImportCertificate (the value and password are secret).
#[derive(Serialize)]
pub struct CertificateImportParameters<'a> {
    /// PEM text, or base64 of PKCS#12 bytes.
    pub value: &'a str,
    /// PKCS#12 password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pwd: Option<&'a str>,
    /// Policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<&'a CertificatePolicy>,
    /// Attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<&'a Attributes>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<&'a Tags>,
}

/// Body of UpdateCertificate.
#[derive(Serialize)]
pub struct CertificateUpdateParameters<'a> {
    /// Attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<&'a Attributes>,
    /// Tags (replace all tags).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<&'a Tags>,
}

/// Body of MergeCertificate.
#[derive(Serialize)]
pub struct CertificateMergeParameters<'a> {
    /// The signed certificate and its chain, each standard base64 of DER.
    pub x5c: Vec<String>,
    /// Attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<&'a Attributes>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<&'a Tags>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_round_trip_with_wire_names() {
        let wire = serde_json::json!({
            "id": "https://v/certificates/c/policy",
            "key_props": {"exportable": true, "kty": "RSA", "key_size": 2048, "reuse_key": false},
            "secret_props": {"contentType": "application/x-pem-file"},
            "x509_props": {"subject": "CN=a", "sans": {"dns_names": ["a"], "ipAddresses": ["127.0.0.1"]}, "key_usage": ["digitalSignature"], "ekus": ["1.3.6.1.5.5.7.3.1"], "validity_months": 12},
            "lifetime_actions": [{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "AutoRenew"}}],
            "issuer": {"name": "Self"},
            "attributes": {"enabled": true, "created": 5}
        });
        let p: CertificatePolicy = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(p.x509_props.as_ref().unwrap().sans.as_ref().unwrap().ip_addresses, vec!["127.0.0.1"]);
        let mut back = serde_json::to_value(&p).unwrap();
        let mut expected = wire;
        expected.as_object_mut().unwrap().remove("id");
        expected["attributes"] = serde_json::json!({"enabled": true});
        back.as_object_mut().unwrap().retain(|_, v| !v.is_null());
        assert_eq!(back, expected, "read-only members are not sent back");
    }

    #[test]
    fn bundles_decode_standard_base64_cer() {
        let b: CertificateBundle = serde_json::from_value(
            serde_json::json!({"id": "https://v/certificates/c/1", "cer": "+/8A", "x5t": "-_8"}),
        )
        .unwrap();
        assert_eq!(b.cer.unwrap().0, vec![0xfb, 0xff, 0x00]);
        assert_eq!(b.x5t.unwrap().0, vec![0xfb, 0xff]);
    }
}
