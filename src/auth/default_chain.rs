//! The default credential: a chain that works unchanged on a developer machine and in Azure.
//!
//! Order: environment (`AZURE_CLIENT_SECRET` / certificate variables) → workload identity
//! (`AZURE_FEDERATED_TOKEN_FILE`) → managed identity → Azure CLI.
//!
//! The rule, as in azure-identity's `DefaultAzureCredential`: the chain goes on past a credential
//! only when that credential is *unavailable* here, and stops at the first one that is available
//! and fails, with that credential's error.
//!
//! - Unavailable: its variables are not set ("not configured: ...", decided when the chain is
//!   built); no managed identity endpoint answers the IMDS probe, or IMDS answers that no
//!   identity is assigned to the host (HTTP 400); the Azure CLI is not installed or not signed in.
//! - Failure (the chain stops): variables that are set but unusable (an invalid tenant id, a
//!   certificate file that cannot be read); the identity platform refusing the credential
//!   (`invalid_client`, an expired certificate), answering 5xx or not answering in time; an
//!   unreadable federated token file; an App Service identity endpoint error; any other CLI error.
//!
//! The first credential that produces a token is remembered and used alone from then on (it can
//! only be reached past unavailable ones). When every credential is unavailable, the error lists
//! each one and why; when one fails, the error is its own, after the unavailable ones before it.
//!
//! `AZURE_TOKEN_CREDENTIALS` narrows the chain: `dev` = Azure CLI only; `prod` = environment,
//! workload identity and managed identity; or exactly one of `EnvironmentCredential`,
//! `WorkloadIdentityCredential`, `ManagedIdentityCredential`, `AzureCliCredential` (names are
//! matched ignoring case). Any other non-empty value is refused when the chain is built.

use crate::auth::azure_cli::AzureCliCredential;
use crate::auth::credential::{AccessToken, Attempt, TokenRequest, TokenSource};
use crate::auth::environment::EnvironmentCredential;
use crate::auth::managed_identity::ManagedIdentityCredential;
use crate::auth::options::{CredentialOptions, ManagedIdentityId};
use crate::auth::workload_identity::WorkloadIdentityCredential;
use crate::error::{Error, ErrorKind, Result};
use once_cell::sync::OnceCell;

/// The environment variable that selects part of the chain.
pub const SELECTION_VARIABLE: &str = "AZURE_TOKEN_CREDENTIALS";

/// The credentials of the chain, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainMember {
    /// `EnvironmentCredential`: service principal from `AZURE_*` variables.
    Environment,
    /// `WorkloadIdentityCredential`: federated token file (Kubernetes workload identity).
    WorkloadIdentity,
    /// `ManagedIdentityCredential`: IMDS or App Service.
    ManagedIdentity,
    /// `AzureCliCredential`: `az account get-access-token`.
    AzureCli,
}

impl ChainMember {
    /// Every member, in chain order.
    pub const ALL: [ChainMember; 4] =
        [ChainMember::Environment, ChainMember::WorkloadIdentity, ChainMember::ManagedIdentity, ChainMember::AzureCli];

    /// The name used in messages and in `AZURE_TOKEN_CREDENTIALS`.
    pub fn name(self) -> &'static str {
        match self {
            ChainMember::Environment => "EnvironmentCredential",
            ChainMember::WorkloadIdentity => "WorkloadIdentityCredential",
            ChainMember::ManagedIdentity => "ManagedIdentityCredential",
            ChainMember::AzureCli => "AzureCliCredential",
        }
    }
}

/// Which members `AZURE_TOKEN_CREDENTIALS` selects (None or blank = all).
pub fn selection(value: Option<&str>) -> Result<Vec<ChainMember>> {
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Ok(ChainMember::ALL.to_vec());
    }
    if value.eq_ignore_ascii_case("dev") {
        return Ok(vec![ChainMember::AzureCli]);
    }
    if value.eq_ignore_ascii_case("prod") {
        return Ok(vec![ChainMember::Environment, ChainMember::WorkloadIdentity, ChainMember::ManagedIdentity]);
    }
    if let Some(one) = ChainMember::ALL.iter().find(|m| m.name().eq_ignore_ascii_case(value)) {
        return Ok(vec![*one]);
    }
    let names: Vec<&str> = ChainMember::ALL.iter().map(|m| m.name()).collect();
    Err(Error::new(
        ErrorKind::InvalidArgument,
        format!(
            "{SELECTION_VARIABLE} has an unknown value {:?}: use dev, prod or one of {}",
            value.chars().take(100).collect::<String>(),
            names.join(", ")
        ),
    ))
}

/// One link of the chain: a built credential, or why it could not be built.
enum Link {
    Ready(&'static str, Box<dyn TokenSource>),
    /// Its variables are not set: the chain goes on.
    NotConfigured(&'static str, String),
    /// Its variables are set but unusable: the chain stops here with this error.
    Misconfigured(&'static str, Error),
}

/// The default credential chain.
pub struct DefaultAzureCredential {
    links: Vec<Link>,
    /// Index of the credential that produced the first token.
    chosen: OnceCell<usize>,
}

/// Options for the chain's managed identity: as the official SDKs do, `AZURE_CLIENT_ID` selects a
/// user-assigned identity when the options name none.
fn managed_identity_options(options: &CredentialOptions, azure_client_id: Option<String>) -> CredentialOptions {
    let mut options = options.clone();
    if options.managed_identity == ManagedIdentityId::SystemAssigned {
        if let Some(client_id) = azure_client_id.filter(|id| !id.trim().is_empty()) {
            options.managed_identity = ManagedIdentityId::ClientId(client_id);
        }
    }
    options
}

impl DefaultAzureCredential {
    /// Builds the chain from the environment and `options`. Fails only when
    /// `AZURE_TOKEN_CREDENTIALS` has an unknown value.
    pub fn new(options: &CredentialOptions) -> Result<DefaultAzureCredential> {
        let members = selection(std::env::var(SELECTION_VARIABLE).ok().as_deref())?;
        let links = members
            .into_iter()
            .map(|member| {
                let built: Result<Box<dyn TokenSource>> = match member {
                    ChainMember::Environment => {
                        EnvironmentCredential::from_env(options).map(|c| Box::new(c) as Box<dyn TokenSource>)
                    }
                    ChainMember::WorkloadIdentity => {
                        WorkloadIdentityCredential::from_env(options).map(|c| Box::new(c) as Box<dyn TokenSource>)
                    }
                    ChainMember::ManagedIdentity => ManagedIdentityCredential::new(&managed_identity_options(
                        options,
                        std::env::var("AZURE_CLIENT_ID").ok(),
                    ))
                    .map(|c| Box::new(c) as Box<dyn TokenSource>),
                    ChainMember::AzureCli => {
                        AzureCliCredential::new(options).map(|c| Box::new(c) as Box<dyn TokenSource>)
                    }
                };
                (member.name(), built)
            })
            .collect();
        Ok(Self::from_links(links))
    }

    /// A chain of the given (name, credential or why it could not be built), in order. A build
    /// error with `ErrorKind::AuthenticationFailed` means "not configured" (the credentials'
    /// constructors use it only for missing variables) and the chain goes on past it; any other
    /// build error (an invalid value, an unreadable file) stops the chain when it is reached.
    pub fn from_links(links: Vec<(&'static str, Result<Box<dyn TokenSource>>)>) -> DefaultAzureCredential {
        let links = links
            .into_iter()
            .map(|(name, built)| match built {
                Ok(source) => Link::Ready(name, source),
                Err(e) if e.kind == ErrorKind::AuthenticationFailed => Link::NotConfigured(name, e.message),
                Err(e) => Link::Misconfigured(name, e),
            })
            .collect();
        DefaultAzureCredential { links, chosen: OnceCell::new() }
    }

    /// The name of the credential in use, once one has produced a token.
    pub fn chosen(&self) -> Option<&'static str> {
        self.chosen.get().and_then(|&i| match &self.links[i] {
            Link::Ready(name, _) => Some(*name),
            Link::NotConfigured(..) | Link::Misconfigured(..) => None,
        })
    }
}

impl TokenSource for DefaultAzureCredential {
    fn fetch_token(&self, request: &TokenRequest) -> Result<AccessToken> {
        if let Some(&i) = self.chosen.get() {
            if let Link::Ready(name, source) = &self.links[i] {
                return source.fetch_token(request).map_err(|e| {
                    Error::caused_by(ErrorKind::AuthenticationFailed, format!("default credential ({name})"), e)
                });
            }
        }
        let mut reasons = Vec::with_capacity(self.links.len());
        let stop = |name: &str, e: Error, reasons: &[String]| {
            let mut e = Error::caused_by(
                ErrorKind::AuthenticationFailed,
                format!("default credential: {name} is configured but failed, so the chain stopped"),
                e,
            );
            if !reasons.is_empty() {
                e.message.push_str(&format!("\n(passed over as unavailable:\n- {})", reasons.join("\n- ")));
            }
            e
        };
        for (i, link) in self.links.iter().enumerate() {
            match link {
                Link::NotConfigured(name, why) => reasons.push(format!("{name}: not configured: {why}")),
                Link::Misconfigured(name, e) => return Err(stop(name, e.clone(), &reasons)),
                Link::Ready(name, source) => match source.attempt(request) {
                    Attempt::Token(token) => {
                        // Another thread (another cache key) may have chosen first: keep its choice.
                        let _ = self.chosen.set(i);
                        return Ok(token);
                    }
                    Attempt::Unavailable(e) => reasons.push(format!("{name}: {}", e.message)),
                    Attempt::Failed(e) => return Err(stop(name, e, &reasons)),
                },
            }
        }
        Err(Error::new(
            ErrorKind::AuthenticationFailed,
            format!("default credential: no credential is available here:\n- {}", reasons.join("\n- ")),
        ))
    }

    fn kind(&self) -> &'static str {
        "default"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};
    use zeroize::Zeroizing;

    #[derive(Clone, Copy)]
    enum Outcome {
        Ok,
        Unavailable,
        Fails,
    }

    struct Fake {
        outcome: Outcome,
        calls: Arc<AtomicUsize>,
    }

    impl TokenSource for Fake {
        fn fetch_token(&self, request: &TokenRequest) -> Result<AccessToken> {
            self.attempt(request).into_result()
        }
        fn attempt(&self, _: &TokenRequest) -> Attempt {
            self.calls.fetch_add(1, Ordering::SeqCst);
            match self.outcome {
                Outcome::Ok => Attempt::Token(AccessToken {
                    token: Zeroizing::new("t".into()),
                    expires_on: SystemTime::now() + Duration::from_secs(3600),
                }),
                Outcome::Unavailable => {
                    Attempt::Unavailable(Error::new(ErrorKind::AuthenticationFailed, "nothing here"))
                }
                Outcome::Fails => Attempt::Failed(Error::new(ErrorKind::AuthenticationFailed, "it failed")),
            }
        }
        fn kind(&self) -> &'static str {
            "fake"
        }
    }

    fn fake(outcome: Outcome, calls: &Arc<AtomicUsize>) -> Result<Box<dyn TokenSource>> {
        Ok(Box::new(Fake { outcome, calls: calls.clone() }))
    }

    fn unset() -> Result<Box<dyn TokenSource>> {
        Err(Error::new(ErrorKind::AuthenticationFailed, "ONE_VAR is not set"))
    }

    fn req() -> TokenRequest {
        TokenRequest { scope: "s".into(), tenant_id: None, claims: None }
    }

    #[test]
    fn azure_client_id_selects_a_user_assigned_identity_unless_options_name_one() {
        let system = CredentialOptions::default();
        assert_eq!(
            managed_identity_options(&system, Some("abc".into())).managed_identity,
            ManagedIdentityId::ClientId("abc".into())
        );
        assert_eq!(managed_identity_options(&system, None).managed_identity, ManagedIdentityId::SystemAssigned);
        assert_eq!(
            managed_identity_options(&system, Some(" ".into())).managed_identity,
            ManagedIdentityId::SystemAssigned
        );
        let named = CredentialOptions {
            managed_identity: ManagedIdentityId::ObjectId("obj".into()),
            ..CredentialOptions::default()
        };
        assert_eq!(
            managed_identity_options(&named, Some("abc".into())).managed_identity,
            ManagedIdentityId::ObjectId("obj".into())
        );
    }

    #[test]
    fn selection_values() {
        assert_eq!(selection(None).unwrap(), ChainMember::ALL.to_vec());
        assert_eq!(selection(Some(" ")).unwrap(), ChainMember::ALL.to_vec());
        assert_eq!(selection(Some("dev")).unwrap(), vec![ChainMember::AzureCli]);
        assert_eq!(
            selection(Some("PROD")).unwrap(),
            vec![ChainMember::Environment, ChainMember::WorkloadIdentity, ChainMember::ManagedIdentity]
        );
        assert_eq!(selection(Some("ManagedIdentityCredential")).unwrap(), vec![ChainMember::ManagedIdentity]);
        assert_eq!(selection(Some("azureclicredential")).unwrap(), vec![ChainMember::AzureCli]);
        let e = selection(Some("Interactive")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains("AZURE_TOKEN_CREDENTIALS") && e.message.contains("AzureCliCredential"));
    }

    #[test]
    fn the_chain_goes_on_past_unavailable_credentials_and_remembers_the_first_success() {
        let (a, b, c) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let chain = DefaultAzureCredential::from_links(vec![
            ("One", unset()),
            ("Two", fake(Outcome::Unavailable, &a)),
            ("Three", fake(Outcome::Ok, &b)),
            ("Four", fake(Outcome::Ok, &c)),
        ]);
        assert!(chain.chosen().is_none());
        chain.fetch_token(&req()).unwrap();
        assert_eq!(chain.chosen(), Some("Three"));
        chain.fetch_token(&req()).unwrap();
        assert_eq!((a.load(Ordering::SeqCst), b.load(Ordering::SeqCst), c.load(Ordering::SeqCst)), (1, 2, 0));
    }

    /// Review finding 2: a failure used to move on to the next credential, whose success was
    /// then kept for good.
    #[test]
    fn a_failing_credential_stops_the_chain_and_nothing_is_remembered() {
        let (a, b) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let chain = DefaultAzureCredential::from_links(vec![
            ("One", unset()),
            ("Two", fake(Outcome::Fails, &a)),
            ("Three", fake(Outcome::Ok, &b)),
        ]);
        let e = chain.fetch_token(&req()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::AuthenticationFailed);
        assert!(
            e.message.contains("Two is configured but failed")
                && e.message.contains("it failed")
                && e.message.contains("One: not configured"),
            "{}",
            e.message
        );
        chain.fetch_token(&req()).unwrap_err();
        assert_eq!((a.load(Ordering::SeqCst), b.load(Ordering::SeqCst)), (2, 0));
        assert!(chain.chosen().is_none());
    }

    #[test]
    fn a_set_but_invalid_configuration_stops_the_chain() {
        let b = Arc::new(AtomicUsize::new(0));
        let chain = DefaultAzureCredential::from_links(vec![
            ("One", Err(Error::new(ErrorKind::FileError, "cannot read cert.pem"))),
            ("Two", fake(Outcome::Ok, &b)),
        ]);
        let e = chain.fetch_token(&req()).unwrap_err();
        assert!(e.message.contains("One is configured but failed") && e.message.contains("cert.pem"), "{}", e.message);
        assert_eq!(b.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn all_unavailable_lists_every_reason() {
        let a = Arc::new(AtomicUsize::new(0));
        let chain = DefaultAzureCredential::from_links(vec![("One", unset()), ("Two", fake(Outcome::Unavailable, &a))]);
        let e = chain.fetch_token(&req()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::AuthenticationFailed);
        assert!(e.message.contains("- One: not configured: ONE_VAR is not set"), "{}", e.message);
        assert!(e.message.contains("- Two: nothing here"), "{}", e.message);
        // Nothing is remembered: the next request tries again.
        chain.fetch_token(&req()).unwrap_err();
        assert_eq!(a.load(Ordering::SeqCst), 2);
    }
}
