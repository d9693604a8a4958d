//! The environment credential: a service principal configured by `AZURE_*` variables, with a
//! client secret or a client certificate.
//!
//! | variable | meaning |
//! | --- | --- |
//! | `AZURE_TENANT_ID` | tenant (required) |
//! | `AZURE_CLIENT_ID` | application (client) id (required) |
//! | `AZURE_CLIENT_SECRET` | client secret; when set it is used and the certificate ignored |
//! | `AZURE_CLIENT_CERTIFICATE_PATH` | PEM (certificate + unencrypted RSA key) or PKCS#12 file |
//! | `AZURE_CLIENT_CERTIFICATE_PASSWORD` | password of the PKCS#12 file |
//! | `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN` | `1` or `true`: send the chain (`x5c`) |
//! | `AZURE_AUTHORITY_HOST` | identity platform host, when the options name none |
//! | `AZURE_ADDITIONALLY_ALLOWED_TENANTS` | `;`-separated tenants a vault's challenge may name |
//!
//! Variables set to an empty string count as unset. The variables are read once, when the
//! credential is built; the certificate file is read then too.

use crate::auth::client_certificate::ClientCertificateCredential;
use crate::auth::client_secret::ClientSecretCredential;
use crate::auth::credential::{AccessToken, TokenRequest, TokenSource};
use crate::auth::identity_platform;
use crate::auth::options::CredentialOptions;
use crate::auth::workload_identity::{
    env_var, missing_variables, with_env_allowed_tenants, AZURE_ADDITIONALLY_ALLOWED_TENANTS, AZURE_CLIENT_ID,
    AZURE_TENANT_ID,
};
use crate::error::Result;
use std::fmt;
use std::path::Path;
use zeroize::Zeroizing;

/// Environment variable holding a client secret.
pub const AZURE_CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
/// Environment variable naming a client certificate file.
pub const AZURE_CLIENT_CERTIFICATE_PATH: &str = "AZURE_CLIENT_CERTIFICATE_PATH";
/// Environment variable holding the certificate file's password.
pub const AZURE_CLIENT_CERTIFICATE_PASSWORD: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";
/// Environment variable asking for the certificate chain to be sent.
pub const AZURE_CLIENT_SEND_CERTIFICATE_CHAIN: &str = "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN";

/// What the environment configured.
enum Configured {
    Secret(Box<ClientSecretCredential>),
    Certificate(Box<ClientCertificateCredential>),
}

/// A client secret or client certificate credential configured by `AZURE_*` variables.
pub struct EnvironmentCredential {
    inner: Configured,
}

impl EnvironmentCredential {
    /// Reads the variables (see the module docs) and builds the credential. Missing variables
    /// give `ErrorKind::AuthenticationFailed` with a message naming them; an invalid value gives
    /// `ErrorKind::InvalidArgument` naming the variable; a certificate file that cannot be read
    /// or parsed gives `ErrorKind::FileError`.
    pub fn from_env(options: &CredentialOptions) -> Result<EnvironmentCredential> {
        let tenant = env_var(AZURE_TENANT_ID);
        let client = env_var(AZURE_CLIENT_ID);
        let secret = std::env::var(AZURE_CLIENT_SECRET).ok().filter(|v| !v.is_empty()).map(Zeroizing::new);
        let cert_path = env_var(AZURE_CLIENT_CERTIFICATE_PATH);
        let (Some(tenant), Some(client), true) = (&tenant, &client, secret.is_some() || cert_path.is_some()) else {
            let mut missing = Vec::new();
            if tenant.is_none() {
                missing.push(AZURE_TENANT_ID);
            }
            if client.is_none() {
                missing.push(AZURE_CLIENT_ID);
            }
            let mut hint = "";
            if secret.is_none() && cert_path.is_none() {
                missing.push("AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH");
            } else {
                hint = " (a secret or certificate is set, but no tenant or client id)";
            }
            return Err(missing_variables("environment", &missing, hint));
        };
        let (tenant, client) = (tenant.trim(), client.trim());
        identity_platform::validate_tenant_id(tenant).map_err(|e| e.context(AZURE_TENANT_ID))?;
        identity_platform::validate_client_id(client).map_err(|e| e.context(AZURE_CLIENT_ID))?;
        let mut options = with_env_allowed_tenants(options);
        for t in &options.additionally_allowed_tenants {
            identity_platform::validate_allowed_tenant(t).map_err(|e| e.context(AZURE_ADDITIONALLY_ALLOWED_TENANTS))?;
        }
        let inner = match (secret, cert_path) {
            (Some(secret), _) => {
                Configured::Secret(Box::new(ClientSecretCredential::new(tenant, client, &secret, &options)?))
            }
            (None, Some(path)) => {
                if env_var(AZURE_CLIENT_SEND_CERTIFICATE_CHAIN)
                    .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true"))
                {
                    options.send_certificate_chain = true;
                }
                let password = std::env::var(AZURE_CLIENT_CERTIFICATE_PASSWORD).ok().map(Zeroizing::new);
                let password = password.as_ref().map(|p| p.as_str());
                Configured::Certificate(Box::new(ClientCertificateCredential::from_file(
                    tenant,
                    client,
                    Path::new(&path),
                    password,
                    &options,
                )?))
            }
            (None, None) => unreachable!("checked above"),
        };
        Ok(EnvironmentCredential { inner })
    }

    /// True when the environment configured a certificate rather than a secret.
    pub fn uses_certificate(&self) -> bool {
        matches!(self.inner, Configured::Certificate(_))
    }
}

impl TokenSource for EnvironmentCredential {
    fn fetch_token(&self, request: &TokenRequest) -> Result<AccessToken> {
        match &self.inner {
            Configured::Secret(c) => c.fetch_token(request),
            Configured::Certificate(c) => c.fetch_token(request),
        }
    }

    fn kind(&self) -> &'static str {
        match self.inner {
            Configured::Secret(_) => "environment (client secret)",
            Configured::Certificate(_) => "environment (client certificate)",
        }
    }
}

impl fmt::Debug for EnvironmentCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Configured::Secret(c) => f.debug_tuple("EnvironmentCredential").field(c).finish(),
            Configured::Certificate(c) => f.debug_tuple("EnvironmentCredential").field(c).finish(),
        }
    }
}
