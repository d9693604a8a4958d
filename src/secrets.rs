//! Secrets: every secrets operation of api-version 2025-07-01.

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Method, Request};
use crate::listing::List;
use crate::model::secret::{SecretBundle, SecretSetParameters, SecretUpdateParameters};
use crate::model::{check_tags, check_validity, Attributes, Tags};
use crate::names::{check_name, check_version, path_segment as segment, push_segment, split_id};
use crate::paging::Pager;
use crate::text::Text;
use std::time::Duration;
use zeroize::Zeroizing;

/// Largest secret value the service stores (25 KiB).
pub const MAX_SECRET_VALUE_BYTES: usize = 25 * 1024;

/// A secret, a secret version, a list item or a deleted secret. Each field is stored once, as
/// the reply gave it (texts are NUL-terminated [`Text`], the value zeroized on drop), so the C
/// boundary lends views of it without copies.
#[derive(Debug, Clone, Default)]
pub struct Secret {
    bundle: SecretBundle,
    name: Text,
    version: Text,
}

impl From<SecretBundle> for Secret {
    /// Name and version come from the id (or the recovery id of a deleted secret).
    fn from(bundle: SecretBundle) -> Secret {
        let id = bundle.id.as_deref().or(bundle.recovery_id.as_deref()).unwrap_or_default();
        let (name, version) = split_id(id);
        let (name, version) = (name.into(), version.into());
        Secret { bundle, name, version }
    }
}

impl Secret {
    /// The value bytes (empty when the reply carried none).
    pub fn value(&self) -> &[u8] {
        self.bundle.value.as_ref().map(|v| v.as_bytes()).unwrap_or_default()
    }

    /// The value as text (None when the reply carried none).
    pub fn value_text(&self) -> Option<&Text> {
        self.bundle.value.as_deref()
    }

    /// The identifier `https://{vault}/secrets/{name}[/{version}]`.
    pub fn id(&self) -> Option<&Text> {
        self.bundle.id.as_ref()
    }

    /// The name (from the id).
    pub fn name(&self) -> &Text {
        &self.name
    }

    /// The version (empty for items of `list_secrets` and deleted secrets).
    pub fn version(&self) -> &Text {
        &self.version
    }

    /// The content type.
    pub fn content_type(&self) -> Option<&Text> {
        self.bundle.content_type.as_ref()
    }

    /// The key id when the secret backs a certificate.
    pub fn key_id(&self) -> Option<&Text> {
        self.bundle.kid.as_ref()
    }

    /// Whether the secret is enabled (true when the reply does not say).
    pub fn enabled(&self) -> bool {
        self.bundle.attributes.enabled.unwrap_or(true)
    }

    /// Whether Key Vault manages the secret's lifetime (it backs a certificate).
    pub fn managed(&self) -> bool {
        self.bundle.managed.unwrap_or(false)
    }

    /// The attributes (times in Unix seconds, recovery level and days).
    pub fn attributes(&self) -> &Attributes {
        &self.bundle.attributes
    }

    /// The tags, ordered by name.
    pub fn tags(&self) -> &Tags {
        static NONE: Tags = Tags::new();
        self.bundle.tags.as_ref().unwrap_or(&NONE)
    }

    /// For deleted secrets: the recovery id.
    pub fn recovery_id(&self) -> Option<&Text> {
        self.bundle.recovery_id.as_ref()
    }

    /// For deleted secrets: when it was deleted (Unix seconds).
    pub fn deleted_date(&self) -> Option<i64> {
        self.bundle.deleted_date
    }

    /// For deleted secrets: when the vault will purge it (Unix seconds).
    pub fn scheduled_purge_date(&self) -> Option<i64> {
        self.bundle.scheduled_purge_date
    }
}

/// Properties to set on a secret or a new secret version; `None` leaves a property unset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecretProperties {
    /// Content type (at most 255 characters).
    pub content_type: Option<String>,
    /// Enabled flag.
    pub enabled: Option<bool>,
    /// Not-before time, Unix seconds.
    pub not_before: Option<i64>,
    /// Expiry time, Unix seconds.
    pub expires: Option<i64>,
    /// Tags; when set, they replace all tags.
    pub tags: Option<Tags>,
}

impl SecretProperties {
    fn attributes(&self) -> Option<Attributes> {
        if self.enabled.is_none() && self.not_before.is_none() && self.expires.is_none() {
            return None;
        }
        Some(Attributes { enabled: self.enabled, nbf: self.not_before, exp: self.expires, ..Attributes::default() })
    }

    /// Adds or replaces a tag (all tags are sent once any is set).
    pub fn set_tag(&mut self, name: &str, value: &str) {
        self.tags.get_or_insert_with(Default::default).insert(name.into(), value.into());
    }

    fn check(&self) -> Result<()> {
        if let Some(ct) = &self.content_type {
            if ct.chars().count() > 255 {
                return Err(Error::invalid_argument("content type is longer than 255 characters"));
            }
        }
        if let Some(tags) = &self.tags {
            check_tags(tags)?;
        }
        check_validity(self.not_before, self.expires)?;
        Ok(())
    }
}

impl Client {
    /// Sets a secret (creating a new version). The value must be UTF-8 (Key Vault stores text;
    /// encode binary data, e.g. as base64, first); it may contain NUL bytes.
    pub fn set_secret(&self, name: &str, value: &[u8], properties: &SecretProperties) -> Result<Secret> {
        check_name("secret", name)?;
        properties.check()?;
        let value = std::str::from_utf8(value).map_err(|e| {
            Error::new(ErrorKind::InvalidArgument, format!("the secret value is not valid UTF-8 (invalid byte at offset {}); Key Vault stores text: encode binary values, e.g. as base64", e.valid_up_to()))
        })?;
        if value.len() > MAX_SECRET_VALUE_BYTES {
            return Err(Error::invalid_argument(format!(
                "the secret value is {} bytes; at most {MAX_SECRET_VALUE_BYTES} are allowed",
                value.len()
            )));
        }
        let attributes = properties.attributes();
        let body = SecretSetParameters {
            value,
            content_type: properties.content_type.as_deref(),
            attributes: attributes.as_ref(),
            tags: properties.tags.as_ref(),
        };
        let request = Request::with_json(Method::Put, format!("/secrets/{}", segment(name)), &body)?;
        self.secret_call(&request, format_args!("set secret '{name}'"))
    }

    /// Gets a secret; `version` empty means the latest version.
    pub fn get_secret(&self, name: &str, version: &str) -> Result<Secret> {
        check_name("secret", name)?;
        check_version("secret", version)?;
        // The path written straight into one string of the right size (no `format!`).
        let mut target = String::with_capacity("/secrets//".len() + name.len() + version.len());
        target.push_str("/secrets/");
        push_segment(&mut target, name);
        target.push('/');
        push_segment(&mut target, version);
        let request = Request::new(Method::Get, target);
        self.secret_call(&request, format_args!("get secret '{name}'"))
    }

    /// Updates properties of a secret version (`version` empty = latest); only set fields change.
    pub fn update_secret_properties(&self, name: &str, version: &str, properties: &SecretProperties) -> Result<Secret> {
        check_name("secret", name)?;
        check_version("secret", version)?;
        properties.check()?;
        let attributes = properties.attributes();
        let body = SecretUpdateParameters {
            content_type: properties.content_type.as_deref(),
            attributes: attributes.as_ref(),
            tags: properties.tags.as_ref(),
        };
        let request =
            Request::with_json(Method::Patch, format!("/secrets/{}/{}", segment(name), segment(version)), &body)?;
        self.secret_call(&request, format_args!("update secret '{name}'"))
    }

    /// Deletes a secret (all versions); returns the deleted secret (no value; recovery id, deleted
    /// date and scheduled purge date set). The move to the deleted collection finishes
    /// asynchronously: see [`Client::wait_for_deleted_secret`] before a purge, recover or
    /// get-deleted.
    pub fn delete_secret(&self, name: &str) -> Result<Secret> {
        check_name("secret", name)?;
        let request = Request::new(Method::Delete, format!("/secrets/{}", segment(name)));
        self.secret_call(&request, format_args!("delete secret '{name}'"))
    }

    /// Gets a deleted secret.
    pub fn get_deleted_secret(&self, name: &str) -> Result<Secret> {
        check_name("secret", name)?;
        let request = Request::new(Method::Get, format!("/deletedsecrets/{}", segment(name)));
        self.secret_call(&request, format_args!("get deleted secret '{name}'"))
    }

    /// Recovers a deleted secret; returns it (without value). The recovery finishes
    /// asynchronously: see [`Client::wait_for_recovered_secret`] before using the secret.
    pub fn recover_deleted_secret(&self, name: &str) -> Result<Secret> {
        check_name("secret", name)?;
        let request = Request::with_json(
            Method::Post,
            format!("/deletedsecrets/{}/recover", segment(name)),
            &serde_json::json!({}),
        )?;
        self.secret_call(&request, format_args!("recover deleted secret '{name}'"))
    }

    /// Purges a deleted secret permanently.
    pub fn purge_deleted_secret(&self, name: &str) -> Result<()> {
        check_name("secret", name)?;
        let request = Request::new(Method::Delete, format!("/deletedsecrets/{}", segment(name)));
        self.pipeline.send(&request).map(|_| ()).map_err(|e| e.context(format_args!("purge deleted secret '{name}'")))
    }

    /// Backs up all versions of a secret into an opaque blob (only `restore_secret` reads it).
    pub fn backup_secret(&self, name: &str) -> Result<Zeroizing<Vec<u8>>> {
        self.backup_object("secrets", "secret", name)
    }

    /// Restores a secret from a backup blob; returns it (without value).
    pub fn restore_secret(&self, backup: &[u8]) -> Result<Secret> {
        self.secret_call(&Client::restore_request("secrets", backup)?, format_args!("restore secret"))
    }

    /// Lists secrets (items carry no value and no version).
    pub fn list_secrets(&self) -> List<Secret> {
        List::new(
            Pager::<SecretBundle>::new(self.pipeline.clone(), Request::new(Method::Get, "/secrets"), "list secrets"),
            Secret::from,
        )
    }

    /// Lists the versions of a secret.
    pub fn list_secret_versions(&self, name: &str) -> Result<List<Secret>> {
        check_name("secret", name)?;
        let pager = Pager::<SecretBundle>::new(
            self.pipeline.clone(),
            Request::new(Method::Get, format!("/secrets/{}/versions", segment(name))),
            format!("list versions of secret '{name}'"),
        );
        Ok(List::new(pager, Secret::from))
    }

    /// Lists deleted secrets.
    pub fn list_deleted_secrets(&self) -> List<Secret> {
        let pager = Pager::<SecretBundle>::new(
            self.pipeline.clone(),
            Request::new(Method::Get, "/deletedsecrets"),
            "list deleted secrets",
        );
        List::new(pager, Secret::from)
    }

    /// Waits until a deleted secret shows up in the deleted collection (the delete finished), by
    /// polling `GET /deletedsecrets/{name}` ([`Client::poll_until`] with
    /// [`crate::wait::until_present`]: 404 means still in progress, 403 counts as done). Polls at
    /// least once; `ErrorKind::Timeout`, naming the deadline, after `timeout`.
    pub fn wait_for_deleted_secret(&self, name: &str, timeout: Duration) -> Result<()> {
        check_name("secret", name)?;
        let request = Request::new(Method::Get, format!("/deletedsecrets/{}", segment(name)));
        self.wait_until_present(&request, timeout, &format!("wait for deletion of secret '{name}'"))
    }

    /// Waits until a recovered secret is back in the live collection, by polling
    /// `GET /secrets/{name}/` the same way as [`Client::wait_for_deleted_secret`].
    pub fn wait_for_recovered_secret(&self, name: &str, timeout: Duration) -> Result<()> {
        check_name("secret", name)?;
        let request = Request::new(Method::Get, format!("/secrets/{}/", segment(name)));
        self.wait_until_present(&request, timeout, &format!("wait for recovery of secret '{name}'"))
    }

    fn secret_call(&self, request: &Request, what: std::fmt::Arguments<'_>) -> Result<Secret> {
        // `what` is formatted only when there is an error to describe.
        let response = self.pipeline.send(request).map_err(|e| e.context(what))?;
        let bundle: SecretBundle = response.json().map_err(|e| e.context(what))?;
        Ok(Secret::from(bundle))
    }
}
