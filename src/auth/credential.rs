//! The one internal interface every credential implements, and the shareable `Credential`
//! object that wraps a token source with its cache.

pub use crate::auth::token::{AccessToken, TokenRequest};
use crate::auth::token_cache::TokenCache;
use crate::error::{Error, Result};
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

/// What a token request of a credential chain member came to.
#[derive(Debug)]
pub enum Attempt {
    /// A token.
    Token(AccessToken),
    /// The credential cannot work here (not configured, no managed identity endpoint answering,
    /// no identity assigned to the host, Azure CLI missing or signed out): a chain goes on.
    Unavailable(Error),
    /// The credential is configured here and failed (refused by the identity platform, an
    /// endpoint error, a timeout, an unusable file): a chain stops with this error.
    Failed(Error),
}

impl Attempt {
    /// The token, or the error whatever its kind.
    pub fn into_result(self) -> Result<AccessToken> {
        match self {
            Attempt::Token(token) => Ok(token),
            Attempt::Unavailable(e) | Attempt::Failed(e) => Err(e),
        }
    }
}

/// A way of obtaining tokens (static token, client secret, managed identity, ...).
/// Implementations are called by the cache, one call at a time per cache key.
pub trait TokenSource: Send + Sync {
    /// Obtains a fresh token for the request.
    fn fetch_token(&self, request: &TokenRequest) -> Result<AccessToken>;
    /// A short name for messages, e.g. "static token".
    fn kind(&self) -> &'static str;
    /// [`TokenSource::fetch_token`] for a credential chain, telling a credential that is
    /// unavailable here apart from one that failed. By default every error is a failure; the
    /// credentials that can be unavailable (managed identity, Azure CLI) say when they are.
    fn attempt(&self, request: &TokenRequest) -> Attempt {
        match self.fetch_token(request) {
            Ok(token) => Attempt::Token(token),
            Err(e) => Attempt::Failed(e),
        }
    }
    /// Whether a fetch may block without bound and cannot be interrupted (a host's token
    /// callback). Such fetches run on a thread of their own so that the call needing the
    /// token can return at its deadline (see [`crate::auth::token_cache`]).
    fn is_uninterruptible(&self) -> bool {
        false
    }
}

/// A credential as clients hold it: a token source plus its cache, shared by every client and
/// thread that uses it.
pub struct Credential {
    source: Arc<dyn TokenSource>,
    cache: TokenCache,
}

impl Credential {
    /// Wraps a token source with a fresh cache.
    pub fn new(source: impl TokenSource + 'static) -> Arc<Credential> {
        Arc::new(Credential { source: Arc::new(source), cache: TokenCache::new() })
    }

    /// A valid token for the request: cached, or fetched by one thread while others wait, all
    /// bounded by `deadline` (the call's): the fetch's own requests get the time left, and a
    /// caller never waits past it (`ErrorKind::Timeout`), even behind an uninterruptible fetch.
    pub fn token(&self, request: &TokenRequest, deadline: Instant) -> Result<AccessToken> {
        if self.source.is_uninterruptible() {
            let source = self.source.clone();
            self.cache.get_or_fetch_detached(request, deadline, move |req| source.fetch_token(req))
        } else {
            self.cache.get_or_fetch(request, deadline, |req| self.source.fetch_token(req))
        }
    }

    /// Forgets the cached token for this request if it is still `rejected` (the service refused it).
    pub fn invalidate(&self, request: &TokenRequest, rejected: &AccessToken) {
        self.cache.invalidate(request, rejected);
    }

    /// How many (tenant, scope, claims) keys the token cache holds (bounded; see
    /// [`crate::auth::token_cache::MAX_SLOTS`]).
    pub fn cached_keys(&self) -> usize {
        self.cache.len()
    }

    /// The source's short name.
    pub fn kind(&self) -> &'static str {
        self.source.kind()
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential").field("kind", &self.kind()).finish()
    }
}
