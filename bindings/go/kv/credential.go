package kv

/*
#include <stdlib.h>
#include "kv.h"
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// Credential is a source of tokens plus its token cache (kv_credential). It is safe for
// concurrent use and may be shared by many clients; a client keeps its own reference, so a
// credential may be closed as soon as the clients that need it are created.
type Credential struct {
	h handle
}

func newCredential(p *C.kv_credential) *Credential {
	c := &Credential{}
	c.h.ptr = unsafe.Pointer(p)
	handleCreated()
	runtime.SetFinalizer(c, func(c *Credential) { c.free(true) })
	return c
}

// Close frees the credential (kv_credential_free). Clients created with it keep working. Close
// is idempotent; later uses of the credential return ErrClosed.
func (c *Credential) Close() error {
	if c == nil {
		return nil
	}
	c.free(false)
	runtime.SetFinalizer(c, nil)
	return nil
}

func (c *Credential) free(byFinalizer bool) {
	if p := c.h.take(); p != nil {
		C.kv_credential_free((*C.kv_credential)(p))
		handleFreed(byFinalizer)
	}
}

// acquire returns the native credential with the read lock held; release it with release.
func (c *Credential) acquire() (*C.kv_credential, error) {
	if c == nil {
		return nil, ErrClosed
	}
	if p := c.h.rlock(); p != nil {
		return (*C.kv_credential)(p), nil
	}
	return nil, ErrClosed
}

func (c *Credential) release() {
	c.h.runlock()
	runtime.KeepAlive(c)
}

// ManagedIdentityID names a user-assigned managed identity: ClientID, ObjectID or ResourceID.
type ManagedIdentityID interface{ managedIdentityID() }

// ClientID names a user-assigned managed identity by its client id.
type ClientID string

// ObjectID names a user-assigned managed identity by its object (principal) id.
type ObjectID string

// ResourceID names a user-assigned managed identity by its Azure resource id
// (/subscriptions/.../userAssignedIdentities/name).
type ResourceID string

func (ClientID) managedIdentityID()   {}
func (ObjectID) managedIdentityID()   {}
func (ResourceID) managedIdentityID() {}

// CredentialOptions are the settings of the credentials that request tokens themselves
// (kv_credential_options). The zero value means kv's defaults: authority host from
// AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com; system CA roots only; no
// tenants besides the configured one; 30 s per token request; certificate chain not sent;
// the system-assigned managed identity; a 1 s first IMDS probe.
type CredentialOptions struct {
	// AuthorityHost is the identity platform host, e.g. "https://login.microsoftonline.us"
	// (https:// only).
	AuthorityHost string
	// CAFile is a PEM file of CA certificates trusted for token requests in addition to the
	// system's roots.
	CAFile string
	// AdditionallyAllowedTenants are tenants (ids or domains, "*" = any) a vault's challenge
	// may name; tokens are then requested from that tenant.
	AdditionallyAllowedTenants []string
	// Timeout is the time allowed for one token request, retries included (0 = default).
	Timeout time.Duration
	// SendCertificateChain makes certificate credentials send the chain (x5c), for subject
	// name / issuer authentication.
	SendCertificateChain bool
	// ManagedIdentity selects a user-assigned managed identity (nil = system-assigned).
	ManagedIdentity ManagedIdentityID
	// IMDSProbeTimeout is the time allowed for the first IMDS probe (0 = default).
	IMDSProbeTimeout time.Duration
}

// credentialOptions builds kv_credential_options (NULL for nil options); free the result with
// kv_credential_options_free.
func credentialOptions(o *CredentialOptions) (*C.kv_credential_options, error) {
	if o == nil {
		return nil, nil
	}
	p := C.kv_credential_options_new()
	if p == nil {
		panic("kv: out of memory")
	}
	ok := false
	defer func() {
		if !ok {
			C.kv_credential_options_free(p)
		}
	}()
	var a cArgs
	defer a.free()
	var e *C.kv_error
	if o.AuthorityHost != "" {
		u := a.str("AuthorityHost", o.AuthorityHost)
		if a.err != nil {
			return nil, a.err
		}
		if err := takeError(C.kv_credential_options_set_authority_host(p, u, &e), e); err != nil {
			return nil, err
		}
	}
	if o.CAFile != "" {
		f := a.str("CAFile", o.CAFile)
		if a.err != nil {
			return nil, a.err
		}
		if err := takeError(C.kv_credential_options_set_ca_file(p, f, &e), e); err != nil {
			return nil, err
		}
	}
	for _, tenant := range o.AdditionallyAllowedTenants {
		ct := a.str("tenant", tenant)
		if a.err != nil {
			return nil, a.err
		}
		if err := takeError(C.kv_credential_options_add_allowed_tenant(p, ct, &e), e); err != nil {
			return nil, err
		}
	}
	if o.Timeout < 0 || o.IMDSProbeTimeout < 0 {
		return nil, argError("Timeout and IMDSProbeTimeout must not be negative")
	}
	if o.Timeout > 0 {
		if err := takeError(C.kv_credential_options_set_timeout_ms(p, C.uint64_t(millis(o.Timeout)), &e), e); err != nil {
			return nil, err
		}
	}
	if o.SendCertificateChain {
		if err := takeError(C.kv_credential_options_set_send_certificate_chain(p, true, &e), e); err != nil {
			return nil, err
		}
	}
	switch id := o.ManagedIdentity.(type) {
	case nil:
	case ClientID:
		v := a.str("ManagedIdentity", string(id))
		if a.err != nil {
			return nil, a.err
		}
		if err := takeError(C.kv_credential_options_set_managed_identity_client_id(p, v, &e), e); err != nil {
			return nil, err
		}
	case ObjectID:
		v := a.str("ManagedIdentity", string(id))
		if a.err != nil {
			return nil, a.err
		}
		if err := takeError(C.kv_credential_options_set_managed_identity_object_id(p, v, &e), e); err != nil {
			return nil, err
		}
	case ResourceID:
		v := a.str("ManagedIdentity", string(id))
		if a.err != nil {
			return nil, a.err
		}
		if err := takeError(C.kv_credential_options_set_managed_identity_resource_id(p, v, &e), e); err != nil {
			return nil, err
		}
	}
	if o.IMDSProbeTimeout > 0 {
		if err := takeError(C.kv_credential_options_set_imds_probe_timeout_ms(p, C.uint64_t(millis(o.IMDSProbeTimeout)), &e), e); err != nil {
			return nil, err
		}
	}
	ok = true
	return p, nil
}

// NewStaticTokenCredential returns a credential that always presents token, a bearer token the
// caller already has (kv_credential_static_token_new). kv never refreshes it; once it expires,
// calls fail with ErrUnauthorized. The binding's C copy of the token is zeroed after the call,
// and kv zeroizes its own copy when the credential is freed.
func NewStaticTokenCredential(token string) (*Credential, error) {
	var a cArgs
	defer a.free()
	ctoken := a.secretStr("token", token)
	if a.err != nil {
		return nil, a.err
	}
	var out *C.kv_credential
	var e *C.kv_error
	st := C.kv_credential_static_token_new(ctoken, &out, &e)
	if err := takeError(st, e); err != nil {
		return nil, err
	}
	return newCredential(out), nil
}

// NewClientSecretCredential returns a credential for an application (service principal) that
// authenticates with a client secret (kv_credential_client_secret_new). tenantID is a GUID or
// domain name, clientID the application id; opts may be nil. Nothing is sent until a client
// needs a token; a refused token request then gives ErrAuthenticationFailed.
func NewClientSecretCredential(tenantID, clientID, clientSecret string, opts *CredentialOptions) (*Credential, error) {
	var a cArgs
	defer a.free()
	ct, cc, cs := a.str("tenantID", tenantID), a.str("clientID", clientID), a.secretStr("clientSecret", clientSecret)
	if a.err != nil {
		return nil, a.err
	}
	copts, err := credentialOptions(opts)
	if err != nil {
		return nil, err
	}
	defer C.kv_credential_options_free(copts)
	var out *C.kv_credential
	var e *C.kv_error
	st := C.kv_credential_client_secret_new(ct, cc, cs, copts, &out, &e)
	if err := takeError(st, e); err != nil {
		return nil, err
	}
	return newCredential(out), nil
}

// NewClientCertificateCredential returns a credential for an application that authenticates
// with a certificate (kv_credential_client_certificate_new). cert holds PEM text with the
// certificate(s) and the unencrypted RSA private key, or a PKCS#12 (PFX) file in DER; it is
// passed to kv without a copy. password is the PKCS#12 password ("" = none; ignored for PEM).
func NewClientCertificateCredential(tenantID, clientID string, cert []byte, password string, opts *CredentialOptions) (*Credential, error) {
	var a cArgs
	defer a.free()
	ct, cc := a.str("tenantID", tenantID), a.str("clientID", clientID)
	var cpw *C.char
	if password != "" {
		cpw = a.secretStr("password", password)
	}
	if a.err != nil {
		return nil, a.err
	}
	copts, err := credentialOptions(opts)
	if err != nil {
		return nil, err
	}
	defer C.kv_credential_options_free(copts)
	data, dlen := payload(cert)
	var out *C.kv_credential
	var e *C.kv_error
	st := C.kv_credential_client_certificate_new(ct, cc, data, dlen, cpw, copts, &out, &e)
	runtime.KeepAlive(cert)
	if err := takeError(st, e); err != nil {
		return nil, err
	}
	return newCredential(out), nil
}

// optsCredential runs a kv_credential_*_new call that takes only options.
func optsCredential(opts *CredentialOptions, call func(*C.kv_credential_options, **C.kv_credential, **C.kv_error) C.kv_status) (*Credential, error) {
	copts, err := credentialOptions(opts)
	if err != nil {
		return nil, err
	}
	defer C.kv_credential_options_free(copts)
	var out *C.kv_credential
	var e *C.kv_error
	st := call(copts, &out, &e)
	if err := takeError(st, e); err != nil {
		return nil, err
	}
	return newCredential(out), nil
}

// NewWorkloadIdentityCredential returns a workload identity credential (e.g. Kubernetes)
// configured by AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE
// (kv_credential_workload_identity_new). Missing variables give ErrAuthenticationFailed.
func NewWorkloadIdentityCredential(opts *CredentialOptions) (*Credential, error) {
	return optsCredential(opts, func(o *C.kv_credential_options, out **C.kv_credential, e **C.kv_error) C.kv_status {
		return C.kv_credential_workload_identity_new(o, out, e)
	})
}

// NewEnvironmentCredential returns a credential for an application configured by
// AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH
// (kv_credential_environment_new). The variables are read now.
func NewEnvironmentCredential(opts *CredentialOptions) (*Credential, error) {
	return optsCredential(opts, func(o *C.kv_credential_options, out **C.kv_credential, e **C.kv_error) C.kv_status {
		return C.kv_credential_environment_new(o, out, e)
	})
}

// NewManagedIdentityCredential returns a managed identity credential for code running in Azure
// (kv_credential_managed_identity_new): the IDENTITY_ENDPOINT / IDENTITY_HEADER endpoint when
// set (App Service, Functions, Container Apps), else IMDS. opts.ManagedIdentity selects a
// user-assigned identity.
func NewManagedIdentityCredential(opts *CredentialOptions) (*Credential, error) {
	return optsCredential(opts, func(o *C.kv_credential_options, out **C.kv_credential, e **C.kv_error) C.kv_status {
		return C.kv_credential_managed_identity_new(o, out, e)
	})
}

// NewAzureCLICredential returns a credential whose tokens come from
// `az account get-access-token` (kv_credential_azure_cli_new), run from PATH in the calling
// thread and bounded by the options' timeout.
func NewAzureCLICredential(opts *CredentialOptions) (*Credential, error) {
	return optsCredential(opts, func(o *C.kv_credential_options, out **C.kv_credential, e **C.kv_error) C.kv_status {
		return C.kv_credential_azure_cli_new(o, out, e)
	})
}

// NewDefaultCredential returns the default credential chain: environment, workload identity,
// managed identity and Azure CLI, tried in that order on the first token request
// (kv_credential_default_new, or kv_credential_default_with_options_new when opts is not nil;
// the options apply to every credential of the chain). AZURE_TOKEN_CREDENTIALS narrows the
// chain ("dev", "prod" or one credential name). The chain goes on only past credentials that
// are unavailable here (variables not set, no managed identity endpoint, Azure CLI missing or
// signed out); one that is configured and fails (a wrong client secret, an identity-platform
// outage) stops it with that error, so it never falls back to another identity.
func NewDefaultCredential(opts *CredentialOptions) (*Credential, error) {
	if opts == nil {
		var out *C.kv_credential
		var e *C.kv_error
		st := C.kv_credential_default_new(&out, &e)
		if err := takeError(st, e); err != nil {
			return nil, err
		}
		return newCredential(out), nil
	}
	return optsCredential(opts, func(o *C.kv_credential_options, out **C.kv_credential, e **C.kv_error) C.kv_status {
		return C.kv_credential_default_with_options_new(o, out, e)
	})
}
