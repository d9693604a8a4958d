//! Secret wire types: `SecretBundle`, `DeletedSecretBundle`, `SecretItem` and `DeletedSecretItem`
//! share one shape here (every field optional), and the request bodies.

use crate::model::{Attributes, Tags};
use crate::text::{SecretText, Text};
use serde::{Deserialize, Serialize};

/// A secret as any secrets operation returns it. The value is zeroized when dropped.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretBundle {
    /// The secret value (absent in list items and in update/delete replies).
    #[serde(default)]
    pub value: Option<SecretText>,
    /// Secret identifier `https://{vault}/secrets/{name}[/{version}]`.
    pub id: Option<Text>,
    /// Content type chosen by the writer.
    pub content_type: Option<Text>,
    /// Attributes.
    #[serde(default)]
    pub attributes: Attributes,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Tags>,
    /// Key id when the secret backs a certificate.
    pub kid: Option<Text>,
    /// True when the lifetime is managed by Key Vault (certificate-backed).
    pub managed: Option<bool>,
    /// Recovery id of a deleted secret.
    pub recovery_id: Option<Text>,
    /// Deletion time of a deleted secret (Unix seconds).
    pub deleted_date: Option<i64>,
    /// Scheduled purge time of a deleted secret (Unix seconds).
    pub scheduled_purge_date: Option<i64>,
}

/// Body of SetSecret.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretSetParameters<'a> {
    /// The value.
    pub value: &'a str,
    /// Content type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<&'a str>,
    /// Attributes (only the writable ones are serialized).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<&'a Attributes>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<&'a Tags>,
}

/// Body of UpdateSecret: only what is set is sent.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretUpdateParameters<'a> {
    /// Content type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<&'a str>,
    /// Attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<&'a Attributes>,
    /// Tags (replace all tags).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<&'a Tags>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_examples() {
        let example: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/spec-examples/GetSecret-example.json")).unwrap();
        let body = &example["responses"]["200"]["body"];
        let s: SecretBundle = serde_json::from_str(&body.to_string()).unwrap();
        assert_eq!(s.value.as_deref().map(|v| v.as_str()), body["value"].as_str());
        assert_eq!(s.id.as_deref(), body["id"].as_str());
        assert_eq!(s.attributes.enabled, body["attributes"]["enabled"].as_bool());
        assert_eq!(s.attributes.created, body["attributes"]["created"].as_i64());

        let example: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/spec-examples/DeleteSecret-example.json")).unwrap();
        let body = &example["responses"]["200"]["body"];
        let s: SecretBundle = serde_json::from_str(&body.to_string()).unwrap();
        assert_eq!(s.recovery_id.as_deref(), body["recoveryId"].as_str());
        assert_eq!(s.deleted_date, body["deletedDate"].as_i64());
        assert_eq!(s.scheduled_purge_date, body["scheduledPurgeDate"].as_i64());
        assert!(s.recovery_id.is_some() && s.deleted_date.is_some());
    }

    #[test]
    fn set_parameters_skip_read_only_attributes() {
        let attrs = Attributes {
            enabled: Some(false),
            exp: Some(5),
            created: Some(1),
            recovery_level: Some("x".into()),
            ..Attributes::default()
        };
        let body = serde_json::to_value(SecretSetParameters {
            value: "v",
            content_type: None,
            attributes: Some(&attrs),
            tags: None,
        })
        .unwrap();
        assert_eq!(body, serde_json::json!({"value": "v", "attributes": {"enabled": false, "exp": 5}}));
    }
}
