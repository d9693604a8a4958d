//! Settings shared by the credentials that make HTTP requests of their own (identity platform,
//! managed identity) or run tools (Azure CLI).

use std::time::Duration;

/// Which managed identity to use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ManagedIdentityId {
    /// The system-assigned identity of the host.
    #[default]
    SystemAssigned,
    /// A user-assigned identity by client id.
    ClientId(String),
    /// A user-assigned identity by object (principal) id.
    ObjectId(String),
    /// A user-assigned identity by Azure resource id.
    ResourceId(String),
}

/// Credential settings. `CredentialOptions::default()` reads nothing from the environment;
/// credentials that honour `AZURE_*` variables read them when they are built.
#[derive(Debug, Clone)]
pub struct CredentialOptions {
    /// Identity platform host, e.g. `https://login.microsoftonline.com` (default; also
    /// `AZURE_AUTHORITY_HOST`).
    pub authority_host: Option<String>,
    /// Extra CA certificates (PEM file) trusted for token endpoints, for test endpoints.
    pub ca_file: Option<String>,
    /// Tenants besides the configured one that a vault's challenge may name (`*` = any).
    pub additionally_allowed_tenants: Vec<String>,
    /// Time allowed for one token request (or CLI run).
    pub timeout: Duration,
    /// The managed identity to use.
    pub managed_identity: ManagedIdentityId,
    /// Time allowed for the first IMDS probe before managed identity is considered unavailable.
    pub imds_probe_timeout: Duration,
    /// Send the certificate chain (`x5c`) with certificate assertions (subject-name/issuer auth).
    pub send_certificate_chain: bool,
}

impl Default for CredentialOptions {
    fn default() -> CredentialOptions {
        CredentialOptions {
            authority_host: None,
            ca_file: None,
            additionally_allowed_tenants: Vec::new(),
            timeout: Duration::from_secs(30),
            managed_identity: ManagedIdentityId::SystemAssigned,
            imds_probe_timeout: Duration::from_secs(1),
            send_certificate_chain: false,
        }
    }
}
