//! `kv_credential`: how a client proves who it is. Built separately from clients and shareable
//! between them (each client keeps its own reference, so freeing the credential early is safe).

use crate::auth::client_certificate::ClientCertificateCredential;
use crate::auth::client_secret::ClientSecretCredential;
use crate::auth::environment::EnvironmentCredential;
use crate::auth::identity_platform;
use crate::auth::options::CredentialOptions;
use crate::auth::static_token::StaticToken;
use crate::auth::workload_identity::WorkloadIdentityCredential;
use crate::auth::{Credential, TokenSource};
use crate::error::Error;
use crate::ffi::boundary::{bytes, handle_mut, into_handle, optional_handle, optional_string, out_slot, string};
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// A credential: a source of tokens plus its token cache. Thread-safe; share one credential
/// between many clients. Free with `kv_credential_free` (clients keep what they need).
pub struct kv_credential {
    pub(crate) inner: Arc<Credential>,
}

impl kv_credential {
    /// Wraps a token source with its cache and hands the new credential to C.
    pub(crate) fn into_raw(source: impl TokenSource + 'static) -> *mut kv_credential {
        into_handle(kv_credential { inner: Credential::new(source) })
    }
}

/// Creates a credential that always presents `token` (a bearer token the host already has).
/// kv never refreshes it; when it expires calls fail with `KV_STATUS_UNAUTHORIZED`.
/// The token is copied and zeroized when the credential is freed.
#[no_mangle]
pub extern "C" fn kv_credential_static_token_new(
    token: *const c_char,
    out: *mut *mut kv_credential,
    err_out: *mut *mut crate::ffi::error::kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let token = string(token, "token")?;
        let source = StaticToken::new(token, None)?;
        *out = kv_credential::into_raw(source);
        Ok(())
    })
}

/// Frees a credential. NULL is accepted. Clients created with it keep working.
#[no_mangle]
pub extern "C" fn kv_credential_free(cred: *mut kv_credential) {
    ffi_free!(cred)
}

/// Settings for the credentials that request tokens from Microsoft Entra ID (client secret,
/// client certificate, workload identity, environment) and for the host credentials. Create with
/// `kv_credential_options_new`, set what you need, pass to a `kv_credential_*_new` call (which
/// copies them), then free. Not thread-safe: one thread at a time.
pub struct kv_credential_options {
    pub(crate) inner: CredentialOptions,
}

/// The options a constructor was given, or the defaults for NULL.
/// The options argument (NULL = defaults).
pub(crate) fn options_or_default(opts: *const kv_credential_options) -> CredentialOptions {
    optional_handle(opts).map(|o| o.inner.clone()).unwrap_or_default()
}

/// New credential options with defaults: authority host from `AZURE_AUTHORITY_HOST`, else
/// `https://login.microsoftonline.com`; system CA roots only; no tenants besides the configured
/// one; 30 s per token request; certificate chain not sent. Returns NULL only if memory is
/// exhausted.
#[no_mangle]
pub extern "C" fn kv_credential_options_new() -> *mut kv_credential_options {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_credential_options { inner: CredentialOptions::default() }) })
}

/// Sets the identity platform host, e.g. "https://login.microsoftonline.us" (sovereign clouds) or
/// a test endpoint. It must be an `https://` URL (credentials are never sent over plain HTTP);
/// otherwise KV_STATUS_INVALID_ARGUMENT. Takes precedence over `AZURE_AUTHORITY_HOST`.
#[no_mangle]
pub extern "C" fn kv_credential_options_set_authority_host(
    o: *mut kv_credential_options,
    url: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let url = string(url, "url")?;
        o.inner.authority_host = Some(identity_platform::parse_authority_host(url)?);
        Ok(())
    })
}

/// Trusts the CA certificates in the PEM file `pem_path` for token requests, in addition to the
/// system's roots (for test endpoints and private CAs). The file is read now (an unreadable or
/// certificate-less file gives KV_STATUS_FILE_ERROR) and again when a credential is built; TLS
/// verification is never off.
#[no_mangle]
pub extern "C" fn kv_credential_options_set_ca_file(
    o: *mut kv_credential_options,
    pem_path: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let path = string(pem_path, "pem_path")?;
        crate::http::transport::load_ca_file(std::path::Path::new(path))?;
        o.inner.ca_file = Some(path.to_owned());
        Ok(())
    })
}

/// Allows a vault's challenge to name `tenant` (a tenant id or domain, or "*" for any tenant):
/// tokens are then requested from that tenant. A challenge naming a tenant that is not allowed
/// is answered with a token from the credential's own tenant. Call once per tenant.
#[no_mangle]
pub extern "C" fn kv_credential_options_add_allowed_tenant(
    o: *mut kv_credential_options,
    tenant: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        let tenant = string(tenant, "tenant")?;
        identity_platform::validate_allowed_tenant(tenant)?;
        if !o.inner.additionally_allowed_tenants.iter().any(|t| t == tenant) {
            o.inner.additionally_allowed_tenants.push(tenant.to_owned());
        }
        Ok(())
    })
}

/// Time allowed for one token request (retries included) in milliseconds, at least 1.
#[no_mangle]
pub extern "C" fn kv_credential_options_set_timeout_ms(
    o: *mut kv_credential_options,
    ms: u64,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let o = handle_mut(o, "options")?;
        if ms == 0 {
            return Err(Error::invalid_argument("a timeout must be at least 1 ms"));
        }
        o.inner.timeout = Duration::from_millis(ms);
        Ok(())
    })
}

/// Whether certificate credentials send the certificate chain (`x5c`) with each client assertion
/// (default off). Turn on for subject name / issuer authentication.
#[no_mangle]
pub extern "C" fn kv_credential_options_set_send_certificate_chain(
    o: *mut kv_credential_options,
    on: bool,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        handle_mut(o, "options")?.inner.send_certificate_chain = on;
        Ok(())
    })
}

/// Frees credential options. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_credential_options_free(o: *mut kv_credential_options) {
    ffi_free!(o)
}

/// Creates a credential for an application (service principal) that authenticates with a client
/// secret. `tenant_id` is a GUID or domain name, `client_id` the application id. `opts` may be
/// NULL for defaults and is not consumed. The secret is copied and zeroized when the credential
/// is freed; it never appears in errors or logs. Nothing is sent until a client needs a token;
/// then a refused request gives KV_STATUS_AUTHENTICATION_FAILED with Entra ID's description.
#[no_mangle]
pub extern "C" fn kv_credential_client_secret_new(
    tenant_id: *const c_char,
    client_id: *const c_char,
    client_secret: *const c_char,
    opts: *const kv_credential_options,
    out: *mut *mut kv_credential,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let tenant_id = string(tenant_id, "tenant_id")?;
        let client_id = string(client_id, "client_id")?;
        let secret = string(client_secret, "client_secret")?;
        let source = ClientSecretCredential::new(tenant_id, client_id, secret, &options_or_default(opts))?;
        *out = kv_credential::into_raw(source);
        Ok(())
    })
}

/// Creates a credential for an application that authenticates with a certificate. `cert` /
/// `cert_len` hold either PEM text with the certificate(s) and the unencrypted RSA private key
/// (`PRIVATE KEY` or `RSA PRIVATE KEY`), or a PKCS#12 (PFX) file in DER. `password` is the
/// PKCS#12 password (NULL = empty) and is ignored for PEM. Each token request carries a client
/// assertion signed with the key (RS256) naming the certificate by its SHA-256 (`x5t#S256`) and
/// SHA-1 (`x5t`) thumbprints, plus the chain when the options ask for it. `opts` may be NULL.
/// Key material is copied and zeroized when the credential is freed. A wrong password or unusable
/// input gives KV_STATUS_INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn kv_credential_client_certificate_new(
    tenant_id: *const c_char,
    client_id: *const c_char,
    cert: *const u8,
    cert_len: usize,
    password: *const c_char,
    opts: *const kv_credential_options,
    out: *mut *mut kv_credential,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let tenant_id = string(tenant_id, "tenant_id")?;
        let client_id = string(client_id, "client_id")?;
        let cert = bytes(cert, cert_len, "cert")?;
        let password = optional_string(password, "password")?.map(|p| Zeroizing::new(p.to_owned()));
        let source = ClientCertificateCredential::new(
            tenant_id,
            client_id,
            cert,
            password.as_ref().map(|p| p.as_str()),
            &options_or_default(opts),
        )?;
        *out = kv_credential::into_raw(source);
        Ok(())
    })
}

/// Creates a workload identity credential (e.g. Kubernetes) from the environment:
/// `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE` (and `AZURE_AUTHORITY_HOST`
/// when `opts` sets no authority host; `AZURE_ADDITIONALLY_ALLOWED_TENANTS`, `;`-separated). The
/// token file is read again for every token request, so a rotated file is used at once; it must
/// be a regular file of at most 64 KiB (a device, FIFO or larger file fails the token request at
/// once, naming the file). Missing variables give KV_STATUS_AUTHENTICATION_FAILED naming them.
/// `opts` may be NULL.
#[no_mangle]
pub extern "C" fn kv_credential_workload_identity_new(
    opts: *const kv_credential_options,
    out: *mut *mut kv_credential,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let source = WorkloadIdentityCredential::from_env(&options_or_default(opts))?;
        *out = kv_credential::into_raw(source);
        Ok(())
    })
}

/// Creates a credential for an application configured by the environment: `AZURE_TENANT_ID`,
/// `AZURE_CLIENT_ID` and either `AZURE_CLIENT_SECRET` or `AZURE_CLIENT_CERTIFICATE_PATH` (PEM or
/// PKCS#12, with `AZURE_CLIENT_CERTIFICATE_PASSWORD`; `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=1`
/// sends the chain). The secret wins when both are set. The variables and the certificate file
/// are read now. Missing variables give KV_STATUS_AUTHENTICATION_FAILED naming them; an
/// unreadable certificate file, or one that is not a regular file of at most 1 MiB (a device,
/// FIFO or larger file is refused at once), gives KV_STATUS_FILE_ERROR. `opts` may be NULL.
#[no_mangle]
pub extern "C" fn kv_credential_environment_new(
    opts: *const kv_credential_options,
    out: *mut *mut kv_credential,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        let source = EnvironmentCredential::from_env(&options_or_default(opts))?;
        *out = kv_credential::into_raw(source);
        Ok(())
    })
}
