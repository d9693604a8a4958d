//! Credentials that get their tokens from the host: managed identity (the Azure host's identity
//! endpoint), the Azure CLI, a callback into the host program, and the default chain.

use crate::auth::azure_cli::AzureCliCredential;
use crate::auth::callback::{unix_time, CallbackCredential};
use crate::auth::credential::{AccessToken, TokenRequest};
use crate::auth::default_chain::DefaultAzureCredential;
use crate::auth::managed_identity::ManagedIdentityCredential;
use crate::auth::options::{CredentialOptions, ManagedIdentityId};
use crate::auth::token_text::checked_caller_token;
use crate::error::{Error, ErrorKind, Result};
use crate::ffi::boundary::{handle_mut, out_slot, string};
use crate::ffi::credential::{kv_credential, kv_credential_options, options_or_default};
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use std::ffi::{c_char, c_void, CString};
use std::time::{Duration, SystemTime};
use zeroize::Zeroizing;

/// Most characters of a callback's error message kept.
const MAX_CALLBACK_MESSAGE: usize = 1000;
/// Largest IMDS probe timeout accepted (ms).
const MAX_PROBE_TIMEOUT_MS: u64 = 600_000;

/// Where a `kv_token_callback` delivers its result. Valid only during the callback that received
/// it: call `kv_token_sink_set` (or `kv_token_sink_set_error`) on it, never keep it.
pub struct kv_token_sink {
    token: Option<Zeroizing<String>>,
    expires_on: Option<SystemTime>,
    error: Option<String>,
}

/// A host function that supplies tokens to a callback credential (`kv_credential_callback_new`).
///
/// It is called with the `user_data` given at creation (unchanged), the `scope` wanted (e.g.
/// `https://vault.azure.net/.default`), the tenant named by the vault's challenge (NULL when it
/// names none) and the claims of a claims challenge (JSON; NULL when there are none). The strings
/// are UTF-8 and valid only during the call. It delivers a token by calling
/// `kv_token_sink_set(sink, token, expires_on_unix, NULL)` and returning 0; on failure it
/// returns non-zero, optionally after `kv_token_sink_set_error(sink, message, NULL)`, and the kv
/// call that needed the token fails with KV_STATUS_AUTHENTICATION_FAILED and that message.
///
/// Threading rules: it is called on a thread kv starts for that one token fetch (not on the
/// thread of the kv call), so that the kv call needing the token returns KV_STATUS_TIMEOUT at
/// its call timeout even when the callback takes longer; the callback then runs on, and the
/// token it delivers is cached for later calls. It is never called concurrently for the same
/// scope, tenant and claims (other callers wait for its result, each until its own deadline;
/// the token is cached until 5 minutes before the expiry it gives; a failure is remembered for
/// up to 1 s, and calls in that window get the same error without a new callback), but may be
/// for different ones. It must not make kv calls with a client that uses this credential (they
/// would wait for it). It must return; kv cannot interrupt it, so bound its own work. Python
/// (ctypes): keep the CFUNCTYPE object alive until `free_user_data` is called (clients keep the
/// credential alive after `kv_credential_free`). Go (cgo): pass a `cgo.Handle` value as
/// user_data, never a Go pointer, and delete the handle in `free_user_data`.
pub type kv_token_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        scope: *const c_char,
        tenant_id: *const c_char,
        claims: *const c_char,
        sink: *mut kv_token_sink,
    ) -> i32,
>;

/// Releases the `user_data` of a callback credential. Called exactly once, when the credential
/// and every client using it have been freed, on the thread that frees the last of them (or,
/// when a token fetch is still running then, on that fetch's thread after the callback returns).
pub type kv_free_user_data = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// The host's function and data, released (once) when the credential is dropped.
struct HostCallback {
    callback: unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char, *const c_char, *mut kv_token_sink) -> i32,
    user_data: *mut c_void,
    free_user_data: kv_free_user_data,
}

// SAFETY: kv.h states that the callback may be called from any thread and free_user_data runs on
// whichever thread drops the credential; user_data is passed through, never dereferenced by kv.
unsafe impl Send for HostCallback {}
// SAFETY: as above; kv never touches user_data itself.
unsafe impl Sync for HostCallback {}

impl HostCallback {
    /// A token from the host, or why there is none.
    fn call(&self, request: &TokenRequest) -> std::result::Result<AccessToken, String> {
        let text = |s: &str, what: &str| CString::new(s).map_err(|_| format!("the {what} contains a NUL character"));
        let scope = text(&request.scope, "scope")?;
        let tenant = request.tenant_id.as_deref().map(|t| text(t, "tenant")).transpose()?;
        let claims = request.claims.as_deref().map(|c| text(c, "claims")).transpose()?;
        let mut sink = kv_token_sink { token: None, expires_on: None, error: None };
        let ptr = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        // SAFETY: the host registered this function for exactly this signature; every pointer
        // passed lives until it returns.
        let rc = unsafe { (self.callback)(self.user_data, scope.as_ptr(), ptr(&tenant), ptr(&claims), &mut sink) };
        if rc != 0 {
            let detail = sink.error.take().unwrap_or_else(|| "no message".to_owned());
            return Err(format!("the token callback failed (returned {rc}): {detail}"));
        }
        match (sink.token.take(), sink.expires_on) {
            (Some(token), Some(expires_on)) => Ok(AccessToken { token, expires_on }),
            _ => Err("the token callback returned 0 without calling kv_token_sink_set".to_owned()),
        }
    }
}

impl Drop for HostCallback {
    fn drop(&mut self) {
        if let Some(free) = self.free_user_data.take() {
            // SAFETY: the host registered `free` for this user_data; called once, here.
            unsafe { free(self.user_data) };
        }
    }
}

fn identity(id: *const c_char, what: &str) -> Result<String> {
    let id = string(id, what)?.trim();
    if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_argument(format!(
            "the managed identity {what} is empty or contains spaces or control characters"
        )));
    }
    Ok(id.to_owned())
}

/// Creates a credential whose tokens come from `callback` (see `kv_token_callback` for when it
/// is called and its threading rules). `user_data` is passed to it unchanged. `free_user_data`
/// (may be NULL) is called exactly once with `user_data` when the credential and every client
/// using it are freed; if this function fails it is not called and `user_data` stays the
/// caller's. Tokens are cached by kv until 5 minutes before the expiry the callback gives.
#[no_mangle]
pub extern "C" fn kv_credential_callback_new(
    callback: kv_token_callback,
    user_data: *mut c_void,
    free_user_data: kv_free_user_data,
    out: *mut *mut kv_credential,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let callback = callback.ok_or_else(|| Error::new(ErrorKind::NullArgument, "argument 'callback' is NULL"))?;
        let host = HostCallback { callback, user_data, free_user_data };
        let source = CallbackCredential::new(move |request| host.call(request));
        *out = kv_credential::into_raw(source);
        Ok(())
    })
}

/// Delivers a token from inside a `kv_token_callback`: `token` (copied; zeroized when no longer
/// needed) and its expiry in unix seconds, which must be in the future. Returns
/// KV_STATUS_INVALID_ARGUMENT for an empty token, one with spaces or control characters, or an
/// expiry that has passed. `err_out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_token_sink_set(
    sink: *mut kv_token_sink,
    token: *const c_char,
    expires_on_unix: i64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let sink = handle_mut(sink, "sink")?;
        let token = checked_caller_token(string(token, "token")?, "the host")?;
        let expires_on = unix_time(expires_on_unix)?;
        if expires_on <= SystemTime::now() {
            return Err(Error::invalid_argument(format!("expires_on_unix {expires_on_unix} is not in the future")));
        }
        sink.token = Some(token);
        sink.expires_on = Some(expires_on);
        Ok(())
    })
}

/// Records why a `kv_token_callback` failed (before it returns non-zero): the message (UTF-8,
/// copied, at most 1000 characters kept) becomes part of the failed call's error message, so
/// it must not contain secrets. `err_out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_token_sink_set_error(
    sink: *mut kv_token_sink,
    message: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let sink = handle_mut(sink, "sink")?;
        let message = string(message, "message")?;
        sink.error = Some(message.chars().take(MAX_CALLBACK_MESSAGE).collect());
        Ok(())
    })
}

/// Creates a managed identity credential, for code running in Azure. With `IDENTITY_ENDPOINT`
/// and `IDENTITY_HEADER` set (App Service, Functions, Container Apps) it asks that endpoint;
/// otherwise IMDS (`http://169.254.169.254`, or `AZURE_POD_IDENTITY_AUTHORITY_HOST`). Until IMDS
/// has answered once, a request first probes it with the options' IMDS probe timeout (default
/// 1 s) and fails fast with KV_STATUS_AUTHENTICATION_FAILED ("managed identity is unavailable")
/// when nothing answers. `opts` (NULL = defaults; not consumed) chooses a user-assigned identity
/// and the timeouts. The environment is read here; nothing is contacted until a token is needed.
#[no_mangle]
pub extern "C" fn kv_credential_managed_identity_new(
    opts: *const kv_credential_options,
    out: *mut *mut kv_credential,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let source = ManagedIdentityCredential::new(&options_or_default(opts))?;
        *out = kv_credential::into_raw(source);
        Ok(())
    })
}

/// Creates an Azure CLI credential: each token comes from `az account get-access-token --scope
/// <scope> [--tenant <tenant of the vault's challenge>]`, run from `PATH` in the calling thread
/// and stopped (with its child processes) when it takes longer than the options' timeout
/// (default 30 s). Errors say when az is not on PATH or not logged in (`az login`).
/// `opts`: NULL = defaults; not consumed.
#[no_mangle]
pub extern "C" fn kv_credential_azure_cli_new(
    opts: *const kv_credential_options,
    out: *mut *mut kv_credential,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let source = AzureCliCredential::new(&options_or_default(opts))?;
        *out = kv_credential::into_raw(source);
        Ok(())
    })
}

/// Creates the default credential: a chain of environment (`AZURE_CLIENT_SECRET` or certificate
/// variables), workload identity (`AZURE_FEDERATED_TOKEN_FILE`), managed identity and Azure CLI,
/// tried in that order on the first token request.
///
/// The chain goes on past a credential only when it is *unavailable* here, and stops at the first
/// one that is available and fails (as azure-identity's DefaultAzureCredential does):
/// - unavailable: its variables are not set; no managed identity endpoint answers the IMDS probe,
///   or IMDS answers that no identity is assigned to the host (HTTP 400); the Azure CLI is not
///   installed or not signed in;
/// - failure, which stops the chain with KV_STATUS_AUTHENTICATION_FAILED naming the credential and
///   its error: variables that are set but unusable (an invalid tenant id, an unreadable
///   certificate file); the identity platform refusing the credential (`invalid_client`, an
///   expired certificate), answering 5xx or not in time; an unreadable federated token file; an
///   App Service identity endpoint error; any other Azure CLI error.
///
/// So a wrong client secret never silently turns into the host's managed identity or a
/// developer's `az` account. The first credential that produces a token is used from then on.
/// When every credential is unavailable, the KV_STATUS_AUTHENTICATION_FAILED message lists each
/// one and why ("not configured: ..." for those whose variables are missing).
/// `AZURE_TOKEN_CREDENTIALS` narrows the chain: `dev` (Azure CLI), `prod` (environment, workload
/// identity, managed identity) or one name (`EnvironmentCredential`, `WorkloadIdentityCredential`,
/// `ManagedIdentityCredential`, `AzureCliCredential`); another value gives
/// KV_STATUS_INVALID_ARGUMENT here. The environment is read when the credential is created.
#[no_mangle]
pub extern "C" fn kv_credential_default_new(out: *mut *mut kv_credential, err_out: *mut *mut kv_error) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let source = DefaultAzureCredential::new(&CredentialOptions::default())?;
        *out = kv_credential::into_raw(source);
        Ok(())
    })
}

/// `kv_credential_default_new` with options (NULL = defaults; not consumed), which apply to every
/// credential of the chain.
#[no_mangle]
pub extern "C" fn kv_credential_default_with_options_new(
    opts: *const kv_credential_options,
    out: *mut *mut kv_credential,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let source = DefaultAzureCredential::new(&options_or_default(opts))?;
        *out = kv_credential::into_raw(source);
        Ok(())
    })
}

/// Uses the user-assigned managed identity with this client id (replaces any identity set before;
/// the default is the system-assigned identity).
#[no_mangle]
pub extern "C" fn kv_credential_options_set_managed_identity_client_id(
    o: *mut kv_credential_options,
    client_id: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "o")?;
        o.inner.managed_identity = ManagedIdentityId::ClientId(identity(client_id, "client id")?);
        Ok(())
    })
}

/// Uses the user-assigned managed identity with this object (principal) id (replaces any
/// identity set before).
#[no_mangle]
pub extern "C" fn kv_credential_options_set_managed_identity_object_id(
    o: *mut kv_credential_options,
    object_id: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "o")?;
        o.inner.managed_identity = ManagedIdentityId::ObjectId(identity(object_id, "object id")?);
        Ok(())
    })
}

/// Uses the user-assigned managed identity with this Azure resource id
/// (`/subscriptions/.../userAssignedIdentities/name`; replaces any identity set before).
#[no_mangle]
pub extern "C" fn kv_credential_options_set_managed_identity_resource_id(
    o: *mut kv_credential_options,
    resource_id: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "o")?;
        o.inner.managed_identity = ManagedIdentityId::ResourceId(identity(resource_id, "resource id")?);
        Ok(())
    })
}

/// Time allowed for the first IMDS probe, 1 ms to 600000 ms (default 1000): when no IMDS
/// endpoint answers within it, managed identity is reported unavailable at once.
#[no_mangle]
pub extern "C" fn kv_credential_options_set_imds_probe_timeout_ms(
    o: *mut kv_credential_options,
    ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "o")?;
        if ms == 0 || ms > MAX_PROBE_TIMEOUT_MS {
            return Err(Error::invalid_argument(format!(
                "the IMDS probe timeout must be 1..={MAX_PROBE_TIMEOUT_MS} ms, got {ms}"
            )));
        }
        o.inner.imds_probe_timeout = Duration::from_millis(ms);
        Ok(())
    })
}
