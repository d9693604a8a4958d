//! Wire-format types (serde) for api-version 2025-07-01, and the encodings the API uses.

pub mod certificate;
pub mod encoding;
pub mod key;
pub mod secret;

use crate::text::Text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Attributes shared by secrets, keys and certificates (`SecretAttributes`, `KeyAttributes`, ...).
/// Times are Unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    /// Whether the object is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Not valid before this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Not valid after this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Creation time (read-only).
    #[serde(skip_serializing)]
    pub created: Option<i64>,
    /// Last update time (read-only).
    #[serde(skip_serializing)]
    pub updated: Option<i64>,
    /// Soft-delete retention in days (read-only).
    #[serde(skip_serializing)]
    pub recoverable_days: Option<i32>,
    /// Deletion recovery level, e.g. `Recoverable+Purgeable` (read-only).
    #[serde(skip_serializing)]
    pub recovery_level: Option<Text>,
}

/// Tags: string keys to string values (sorted by key).
pub type Tags = BTreeMap<Text, Text>;

/// Most tags an object may carry.
pub const MAX_TAGS: usize = 15;

/// Checks tags locally: at most 15, names 1–512 characters, values at most 512.
pub fn check_tags(tags: &Tags) -> crate::error::Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(crate::error::Error::invalid_argument(format!(
            "{} tags given; at most {MAX_TAGS} are allowed",
            tags.len()
        )));
    }
    if tags.keys().any(|k| k.is_empty() || k.chars().count() > 512) || tags.values().any(|v| v.chars().count() > 512) {
        return Err(crate::error::Error::invalid_argument("tag names must be 1-512 characters and values at most 512"));
    }
    Ok(())
}

/// Checks that an expiry is not before a not-before time, when both are set.
pub fn check_validity(not_before: Option<i64>, expires: Option<i64>) -> crate::error::Result<()> {
    match (not_before, expires) {
        (Some(nbf), Some(exp)) if exp < nbf => {
            Err(crate::error::Error::invalid_argument("expiry is before not-before"))
        }
        _ => Ok(()),
    }
}

/// One page of a list operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items of this page (may be empty even when more pages follow).
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    /// Absolute URL of the next page, absent or null on the last page.
    pub next_link: Option<String>,
}
