//! The two values every credential deals in: what a client asks for ([`TokenRequest`]) and
//! what it gets ([`AccessToken`]). They live here, below both the credential object and its
//! cache, so that neither imports the other.

use std::fmt;
use std::time::SystemTime;
use zeroize::Zeroizing;

/// What a client asks a credential for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenRequest {
    /// The scope, e.g. `https://vault.azure.net/.default`, taken from the vault's challenge.
    pub scope: String,
    /// The tenant named by the challenge's authority, when it names one.
    pub tenant_id: Option<String>,
    /// Claims (JSON) demanded by a claims challenge.
    pub claims: Option<String>,
}

/// A bearer token and when it stops being valid. The token text is zeroized on drop.
#[derive(Clone)]
pub struct AccessToken {
    /// The bearer token.
    pub token: Zeroizing<String>,
    /// Expiry time.
    pub expires_on: SystemTime,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken").field("token", &"<redacted>").field("expires_on", &self.expires_on).finish()
    }
}
