//! `kv_credential`: how a client proves who it is. Built separately from clients and shareable
//! between them (each client keeps its own reference, so freeing the credential early is safe).

use crate::auth::static_token::StaticToken;
use crate::auth::Credential;
use crate::ffi::boundary::{into_handle, out_slot, string};
use crate::status::kv_status;
use std::ffi::c_char;
use std::sync::Arc;

/// A credential: a source of tokens plus its token cache. Thread-safe; share one credential
/// between many clients. Free with `kv_credential_free` (clients keep what they need).
pub struct kv_credential {
    pub(crate) inner: Arc<Credential>,
}

/// Creates a credential that always presents `token` (a bearer token the host already has).
/// kv never refreshes it; when it expires calls fail with `KV_STATUS_UNAUTHORIZED`.
/// The token is copied and zeroized when the credential is freed.
#[no_mangle]
pub extern "C" fn kv_credential_static_token_new(token: *const c_char, out: *mut *mut kv_credential, err_out: *mut *mut crate::ffi::error::kv_error) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let token = string(token, "token")?;
        let source = StaticToken::new(token, None)?;
        *out = into_handle(kv_credential { inner: Credential::new(source) });
        Ok(())
    })
}

/// Frees a credential. NULL is accepted. Clients created with it keep working.
#[no_mangle]
pub extern "C" fn kv_credential_free(cred: *mut kv_credential) {
    ffi_free!(cred)
}
