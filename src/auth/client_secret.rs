//! A service principal authenticating with a client secret (client-credentials grant).

use crate::auth::credential::{AccessToken, TokenRequest, TokenSource};
use crate::auth::identity_platform::{self, ClientAuth, IdentityPlatform};
use crate::auth::options::CredentialOptions;
use crate::error::{Error, Result};
use std::fmt;
use zeroize::Zeroizing;

/// Gets tokens from Entra ID for an application (tenant id, client id) with its client secret.
/// The secret is zeroized when the credential is dropped.
pub struct ClientSecretCredential {
    tenant_id: String,
    client_id: String,
    secret: Zeroizing<String>,
    allowed_tenants: Vec<String>,
    platform: IdentityPlatform,
}

impl ClientSecretCredential {
    /// A credential for `client_id` in `tenant_id`. The authority host, CA file, timeout and
    /// additionally allowed tenants come from `options` (authority host: else
    /// `AZURE_AUTHORITY_HOST`, else the public cloud). Nothing is sent until a token is needed.
    pub fn new(
        tenant_id: &str,
        client_id: &str,
        client_secret: &str,
        options: &CredentialOptions,
    ) -> Result<ClientSecretCredential> {
        identity_platform::validate_tenant_id(tenant_id)?;
        identity_platform::validate_client_id(client_id)?;
        if client_secret.is_empty() {
            return Err(Error::invalid_argument("the client secret is empty"));
        }
        for tenant in &options.additionally_allowed_tenants {
            identity_platform::validate_allowed_tenant(tenant)?;
        }
        Ok(ClientSecretCredential {
            tenant_id: tenant_id.to_owned(),
            client_id: client_id.to_owned(),
            secret: Zeroizing::new(client_secret.to_owned()),
            allowed_tenants: options.additionally_allowed_tenants.clone(),
            platform: IdentityPlatform::new(options)?,
        })
    }
}

impl TokenSource for ClientSecretCredential {
    fn fetch_token(&self, request: &TokenRequest) -> Result<AccessToken> {
        let tenant =
            identity_platform::resolve_tenant(&self.tenant_id, request.tenant_id.as_deref(), &self.allowed_tenants);
        self.platform.request_token(tenant, &self.client_id, ClientAuth::Secret(&self.secret), request)
    }

    fn kind(&self) -> &'static str {
        "client secret"
    }
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("secret", &"<redacted>")
            .field("platform", &self.platform)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked_and_the_secret_never_printed() {
        let o =
            CredentialOptions { authority_host: Some("https://login.example".into()), ..CredentialOptions::default() };
        assert!(ClientSecretCredential::new("a/b", "c", "s", &o).is_err());
        assert!(ClientSecretCredential::new("t", "", "s", &o).is_err());
        assert!(ClientSecretCredential::new("t", "c", "", &o).is_err());
        let bad_host =
            CredentialOptions { authority_host: Some("http://login.example".into()), ..CredentialOptions::default() };
        assert!(ClientSecretCredential::new("t", "c", "s", &bad_host).is_err());
        let bad_allowed = CredentialOptions { additionally_allowed_tenants: vec!["x/y".into()], ..o.clone() };
        assert!(ClientSecretCredential::new("t", "c", "s", &bad_allowed).is_err());
        let cred = ClientSecretCredential::new("t", "c", "very-secret-value", &o).unwrap();
        assert!(!format!("{cred:?}").contains("very-secret-value"));
        assert_eq!(cred.platform.token_url("t"), "https://login.example/t/oauth2/v2.0/token");
    }
}
