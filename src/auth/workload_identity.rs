//! Workload identity federation (e.g. Kubernetes service account tokens): a client assertion read
//! from a file that the platform keeps rotating, exchanged for a token at Entra ID.
//!
//! The token file is read again for every token request (never cached), so a rotated file is
//! used at once. Its trimmed content is the assertion; it is held in a zeroizing buffer and never
//! appears in messages.

use crate::auth::credential::{AccessToken, TokenRequest, TokenSource};
use crate::auth::identity_platform::{self, ClientAuth, IdentityPlatform};
use crate::auth::options::CredentialOptions;
use crate::error::{Error, ErrorKind, Result};
use std::fmt;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// Environment variable naming the tenant.
pub const AZURE_TENANT_ID: &str = "AZURE_TENANT_ID";
/// Environment variable naming the client (application) id.
pub const AZURE_CLIENT_ID: &str = "AZURE_CLIENT_ID";
/// Environment variable naming the federated token file.
pub const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
/// Environment variable listing further tenants a challenge may name (`;`-separated, `*` = any).
pub const AZURE_ADDITIONALLY_ALLOWED_TENANTS: &str = "AZURE_ADDITIONALLY_ALLOWED_TENANTS";

/// Largest federated token file read (the tokens are JWTs of a few KiB).
const MAX_TOKEN_FILE_BYTES: usize = 64 * 1024;

/// Reads a non-empty environment variable.
pub(crate) fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The error for missing environment variables: `ErrorKind::AuthenticationFailed` naming them.
pub(crate) fn missing_variables(credential: &str, missing: &[&str], hint: &str) -> Error {
    let verb = if missing.len() == 1 { "is" } else { "are" };
    Error::new(
        ErrorKind::AuthenticationFailed,
        format!("{credential} credential unavailable: {} {verb} not set{hint}", missing.join(", ")),
    )
}

/// `options` with the tenants of `AZURE_ADDITIONALLY_ALLOWED_TENANTS` added.
pub(crate) fn with_env_allowed_tenants(options: &CredentialOptions) -> CredentialOptions {
    let mut options = options.clone();
    if let Some(list) = env_var(AZURE_ADDITIONALLY_ALLOWED_TENANTS) {
        for tenant in identity_platform::split_tenant_list(&list) {
            if !options.additionally_allowed_tenants.contains(&tenant) {
                options.additionally_allowed_tenants.push(tenant);
            }
        }
    }
    options
}

/// Exchanges the assertion in a federated token file for Entra ID tokens.
pub struct WorkloadIdentityCredential {
    tenant_id: String,
    client_id: String,
    token_file: PathBuf,
    allowed_tenants: Vec<String>,
    platform: IdentityPlatform,
}

impl WorkloadIdentityCredential {
    /// A credential for `client_id` in `tenant_id` whose assertion is the content of
    /// `token_file` (read at each token request, not now). `options` give the authority host
    /// (else `AZURE_AUTHORITY_HOST`, else the public cloud), CA file, timeout and additionally
    /// allowed tenants.
    pub fn new(
        tenant_id: &str,
        client_id: &str,
        token_file: &str,
        options: &CredentialOptions,
    ) -> Result<WorkloadIdentityCredential> {
        identity_platform::validate_tenant_id(tenant_id)?;
        identity_platform::validate_client_id(client_id)?;
        if token_file.is_empty() {
            return Err(Error::invalid_argument("the federated token file path is empty"));
        }
        for tenant in &options.additionally_allowed_tenants {
            identity_platform::validate_allowed_tenant(tenant)?;
        }
        Ok(WorkloadIdentityCredential {
            tenant_id: tenant_id.to_owned(),
            client_id: client_id.to_owned(),
            token_file: PathBuf::from(token_file),
            allowed_tenants: options.additionally_allowed_tenants.clone(),
            platform: IdentityPlatform::new(options)?,
        })
    }

    /// A credential from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_FEDERATED_TOKEN_FILE`
    /// (plus `AZURE_AUTHORITY_HOST` when `options` name no authority host, and the tenants of
    /// `AZURE_ADDITIONALLY_ALLOWED_TENANTS`). When variables are missing (unset or empty) the
    /// error is `ErrorKind::AuthenticationFailed` and names them; an invalid value gives
    /// `ErrorKind::InvalidArgument` naming the variable.
    pub fn from_env(options: &CredentialOptions) -> Result<WorkloadIdentityCredential> {
        let tenant = env_var(AZURE_TENANT_ID);
        let client = env_var(AZURE_CLIENT_ID);
        let file = env_var(AZURE_FEDERATED_TOKEN_FILE);
        let (Some(tenant), Some(client), Some(file)) = (&tenant, &client, &file) else {
            let missing: Vec<&str> =
                [(AZURE_TENANT_ID, &tenant), (AZURE_CLIENT_ID, &client), (AZURE_FEDERATED_TOKEN_FILE, &file)]
                    .into_iter()
                    .filter(|(_, v)| v.is_none())
                    .map(|(n, _)| n)
                    .collect();
            return Err(missing_variables("workload identity", &missing, ""));
        };
        identity_platform::validate_tenant_id(tenant.trim()).map_err(|e| e.context(AZURE_TENANT_ID))?;
        identity_platform::validate_client_id(client.trim()).map_err(|e| e.context(AZURE_CLIENT_ID))?;
        let options = with_env_allowed_tenants(options);
        for tenant in &options.additionally_allowed_tenants {
            identity_platform::validate_allowed_tenant(tenant)
                .map_err(|e| e.context(AZURE_ADDITIONALLY_ALLOWED_TENANTS))?;
        }
        WorkloadIdentityCredential::new(tenant.trim(), client.trim(), file, &options)
    }

    /// The assertion: the trimmed content of the token file, read now.
    fn assertion(&self) -> Result<Zeroizing<String>> {
        let path = self.token_file.display();
        let bytes = crate::files::read_capped(&self.token_file, MAX_TOKEN_FILE_BYTES, "the federated token file")?;
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            Error::new(ErrorKind::FileError, format!("the federated token file '{path}' is not UTF-8 text"))
        })?;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(Error::new(ErrorKind::FileError, format!("the federated token file '{path}' is empty")));
        }
        Ok(Zeroizing::new(trimmed.to_owned()))
    }
}

impl TokenSource for WorkloadIdentityCredential {
    fn fetch_token(&self, request: &TokenRequest) -> Result<AccessToken> {
        let tenant =
            identity_platform::resolve_tenant(&self.tenant_id, request.tenant_id.as_deref(), &self.allowed_tenants);
        let assertion = self.assertion()?;
        self.platform.request_token(tenant, &self.client_id, ClientAuth::Assertion(&assertion), request)
    }

    fn kind(&self) -> &'static str {
        "workload identity"
    }
}

impl fmt::Debug for WorkloadIdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkloadIdentityCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("token_file", &self.token_file)
            .field("platform", &self.platform)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_file_is_read_at_every_request() {
        let path = std::env::temp_dir().join(format!("kv-wi-unit-{}", std::process::id()));
        let o =
            CredentialOptions { authority_host: Some("https://login.example".into()), ..CredentialOptions::default() };
        let cred = WorkloadIdentityCredential::new("t", "c", path.to_str().unwrap(), &o).unwrap();
        assert_eq!(cred.assertion().unwrap_err().kind, ErrorKind::FileError);
        std::fs::write(&path, "  first.jwt\n").unwrap();
        assert_eq!(cred.assertion().unwrap().as_str(), "first.jwt");
        std::fs::write(&path, "second.jwt").unwrap();
        assert_eq!(cred.assertion().unwrap().as_str(), "second.jwt");
        std::fs::write(&path, "\n").unwrap();
        let e = cred.assertion().unwrap_err();
        assert!(e.message.contains("empty"));
        let _ = std::fs::remove_file(&path);
        assert!(WorkloadIdentityCredential::new("t", "c", "", &o).is_err());
    }
}
