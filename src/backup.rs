//! Backup and restore, the same for every kind of object: `POST /{collection}/{name}/backup`
//! returns an opaque blob; `POST /{collection}/restore` takes it back. The blob is zeroized on
//! drop (it may hold key material protected only by the service).

use crate::client::Client;
use crate::error::{Error, Result};
use crate::http::{Method, Request};
use crate::model::key::{BackupBlob, B64};
use crate::names::{check_name, path_segment};
use zeroize::Zeroizing;

impl Client {
    /// Backs up all versions of object `name` of `collection` (`secrets`, `keys`, ...).
    pub(crate) fn backup_object(&self, collection: &str, what: &str, name: &str) -> Result<Zeroizing<Vec<u8>>> {
        check_name(what, name)?;
        let request = Request::with_json(
            Method::Post,
            format!("/{collection}/{}/backup", path_segment(name)),
            &serde_json::json!({}),
        )?;
        let context = format!("backup {what} '{name}'");
        let response = self.pipeline.send(&request).map_err(|e| e.context(&context))?;
        let mut backup: BackupBlob = response.json().map_err(|e| e.context(&context))?;
        Ok(Zeroizing::new(std::mem::take(&mut backup.value.0)))
    }

    /// The restore request for a backup blob of `collection`.
    pub(crate) fn restore_request(collection: &str, backup: &[u8]) -> Result<Request> {
        if backup.is_empty() {
            return Err(Error::invalid_argument("the backup blob is empty"));
        }
        Request::with_json(Method::Post, format!("/{collection}/restore"), &BackupBlob { value: B64(backup.to_vec()) })
    }
}
