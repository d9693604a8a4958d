package kv

/*
#include <stdlib.h>
#include "kv.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"runtime"
	"time"
	"unsafe"
)

// Certificate is a certificate (a version, list item or deleted certificate) as a call returned
// it: the DER certificate (CER, nil for list items), its X.509 fields and its properties.
type Certificate struct {
	ID, Name, Version string
	CER               []byte
	Subject, Issuer   string
	SerialNumber      string
	Thumbprint        string // SHA-1, upper-case hex
	NotBefore         time.Time
	Expires           time.Time
	// SubjectAlternativeNames are typed like openssl prints them: "DNS:x", "email:x", "IP:x".
	SubjectAlternativeNames []string
	Enabled                 bool
	Created, Updated        time.Time
	Tags                    map[string]string
	KeyID, SecretID         string
	// RecoveryID, DeletedDate and ScheduledPurgeDate are set for deleted certificates only.
	RecoveryID                      string
	DeletedDate, ScheduledPurgeDate time.Time
}

func takeCertificate(p *C.kv_certificate) Certificate {
	defer C.kv_certificate_free(p)
	c := Certificate{
		ID: goString(C.kv_certificate_id(p)), Name: goString(C.kv_certificate_name(p)), Version: goString(C.kv_certificate_version(p)),
		CER: goBytes(C.kv_certificate_der(p)), Subject: goString(C.kv_certificate_subject(p)), Issuer: goString(C.kv_certificate_issuer_name(p)),
		SerialNumber: goString(C.kv_certificate_serial(p)), Thumbprint: goString(C.kv_certificate_thumbprint(p)),
		NotBefore: unixTime(C.kv_certificate_not_before(p)), Expires: unixTime(C.kv_certificate_not_after(p)),
		Enabled: bool(C.kv_certificate_enabled(p)), Created: unixTime(C.kv_certificate_created(p)), Updated: unixTime(C.kv_certificate_updated(p)),
		KeyID: goString(C.kv_certificate_key_id(p)), SecretID: goString(C.kv_certificate_secret_id(p)),
		RecoveryID: goString(C.kv_certificate_recovery_id(p)), DeletedDate: unixTime(C.kv_certificate_deleted_date(p)),
		ScheduledPurgeDate: unixTime(C.kv_certificate_scheduled_purge_date(p)),
	}
	for i := 0; i < int(C.kv_certificate_san_count(p)); i++ {
		c.SubjectAlternativeNames = append(c.SubjectAlternativeNames, goString(C.kv_certificate_san(p, C.size_t(i))))
	}
	if n := int(C.kv_certificate_tag_count(p)); n > 0 {
		c.Tags = make(map[string]string, n)
		for i := 0; i < n; i++ {
			c.Tags[goString(C.kv_certificate_tag_name(p, C.size_t(i)))] = goString(C.kv_certificate_tag_value(p, C.size_t(i)))
		}
	}
	return c
}

// LifetimeAction is Action ("AutoRenew" or "EmailContacts") at LifetimePercentage of the
// lifetime or DaysBeforeExpiry (exactly one non-zero).
type LifetimeAction struct {
	Action             string
	LifetimePercentage int
	DaysBeforeExpiry   int
}

// CertificatePolicy is a certificate policy. Zero values are left to the service's defaults;
// IssuerName "Self" makes a self-signed certificate, "Unknown" a pending operation to merge.
type CertificatePolicy struct {
	Subject                                       string
	DNSNames, Emails, UPNs, URIs, IPAddresses     []string
	IssuerName, CertificateType                   string
	KeyType, Curve                                string
	KeySize                                       int
	Exportable, ReuseKey, CertificateTransparency *bool
	ContentType                                   string // "application/x-pem-file" or "application/x-pkcs12"
	ValidityInMonths                              int
	KeyUsage, EnhancedKeyUsage                    []string
	LifetimeActions                               []LifetimeAction
	Enabled                                       *bool
}

func putIf(m map[string]any, k string, v any) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return
		}
	case int:
		if x == 0 {
			return
		}
	case []string:
		if len(x) == 0 {
			return
		}
	case *bool:
		if x == nil {
			return
		}
	case map[string]any:
		if len(x) == 0 {
			return
		}
	case []any:
		if len(x) == 0 {
			return
		}
	}
	m[k] = v
}

func (p *CertificatePolicy) wire() map[string]any {
	key, sans, x509, issuer, w := map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}
	putIf(key, "kty", p.KeyType)
	putIf(key, "crv", p.Curve)
	putIf(key, "key_size", p.KeySize)
	putIf(key, "exportable", p.Exportable)
	putIf(key, "reuse_key", p.ReuseKey)
	putIf(sans, "dns_names", p.DNSNames)
	putIf(sans, "emails", p.Emails)
	putIf(sans, "upns", p.UPNs)
	putIf(sans, "uris", p.URIs)
	putIf(sans, "ipAddresses", p.IPAddresses)
	putIf(x509, "subject", p.Subject)
	putIf(x509, "sans", sans)
	putIf(x509, "key_usage", p.KeyUsage)
	putIf(x509, "ekus", p.EnhancedKeyUsage)
	putIf(x509, "validity_months", p.ValidityInMonths)
	putIf(issuer, "name", p.IssuerName)
	putIf(issuer, "cty", p.CertificateType)
	putIf(issuer, "cert_transparency", p.CertificateTransparency)
	putIf(w, "key_props", key)
	if p.ContentType != "" {
		w["secret_props"] = map[string]any{"contentType": p.ContentType}
	}
	putIf(w, "x509_props", x509)
	putIf(w, "issuer", issuer)
	var actions []any
	for _, a := range p.LifetimeActions {
		trigger := map[string]any{}
		putIf(trigger, "lifetime_percentage", a.LifetimePercentage)
		putIf(trigger, "days_before_expiry", a.DaysBeforeExpiry)
		actions = append(actions, map[string]any{"trigger": trigger, "action": map[string]any{"action_type": a.Action}})
	}
	putIf(w, "lifetime_actions", actions)
	if p.Enabled != nil {
		w["attributes"] = map[string]any{"enabled": *p.Enabled}
	}
	return w
}

type wirePolicy struct {
	KeyProps *struct {
		Kty        string `json:"kty"`
		Crv        string `json:"crv"`
		KeySize    int    `json:"key_size"`
		Exportable *bool  `json:"exportable"`
		ReuseKey   *bool  `json:"reuse_key"`
	} `json:"key_props"`
	SecretProps *struct {
		ContentType string `json:"contentType"`
	} `json:"secret_props"`
	X509Props *struct {
		Subject string `json:"subject"`
		Sans    *struct {
			DNSNames    []string `json:"dns_names"`
			Emails      []string `json:"emails"`
			UPNs        []string `json:"upns"`
			URIs        []string `json:"uris"`
			IPAddresses []string `json:"ipAddresses"`
		} `json:"sans"`
		KeyUsage       []string `json:"key_usage"`
		Ekus           []string `json:"ekus"`
		ValidityMonths int      `json:"validity_months"`
	} `json:"x509_props"`
	LifetimeActions []struct {
		Trigger struct {
			LifetimePercentage int `json:"lifetime_percentage"`
			DaysBeforeExpiry   int `json:"days_before_expiry"`
		} `json:"trigger"`
		Action struct {
			ActionType string `json:"action_type"`
		} `json:"action"`
	} `json:"lifetime_actions"`
	Issuer *struct {
		Name             string `json:"name"`
		Cty              string `json:"cty"`
		CertTransparency *bool  `json:"cert_transparency"`
	} `json:"issuer"`
	Attributes *struct {
		Enabled *bool `json:"enabled"`
	} `json:"attributes"`
}

func policyFromJSON(data []byte) (CertificatePolicy, error) {
	var w wirePolicy
	if err := json.Unmarshal(data, &w); err != nil {
		return CertificatePolicy{}, err
	}
	var p CertificatePolicy
	if k := w.KeyProps; k != nil {
		p.KeyType, p.Curve, p.KeySize, p.Exportable, p.ReuseKey = k.Kty, k.Crv, k.KeySize, k.Exportable, k.ReuseKey
	}
	if w.SecretProps != nil {
		p.ContentType = w.SecretProps.ContentType
	}
	if x := w.X509Props; x != nil {
		p.Subject, p.KeyUsage, p.EnhancedKeyUsage, p.ValidityInMonths = x.Subject, x.KeyUsage, x.Ekus, x.ValidityMonths
		if s := x.Sans; s != nil {
			p.DNSNames, p.Emails, p.UPNs, p.URIs, p.IPAddresses = s.DNSNames, s.Emails, s.UPNs, s.URIs, s.IPAddresses
		}
	}
	for _, a := range w.LifetimeActions {
		p.LifetimeActions = append(p.LifetimeActions, LifetimeAction{Action: a.Action.ActionType, LifetimePercentage: a.Trigger.LifetimePercentage, DaysBeforeExpiry: a.Trigger.DaysBeforeExpiry})
	}
	if i := w.Issuer; i != nil {
		p.IssuerName, p.CertificateType, p.CertificateTransparency = i.Name, i.Cty, i.CertTransparency
	}
	if w.Attributes != nil {
		p.Enabled = w.Attributes.Enabled
	}
	return p, nil
}

// native makes a kv_certificate_policy (free it with C.kv_certificate_policy_free).
func (p *CertificatePolicy) native() (*C.kv_certificate_policy, error) {
	data, err := json.Marshal(p.wire())
	if err != nil {
		return nil, err
	}
	d, dlen := payload(data)
	var out *C.kv_certificate_policy
	var e *C.kv_error
	st := C.kv_certificate_policy_from_json(d, dlen, &out, &e)
	runtime.KeepAlive(data)
	if err := takeError(st, e); err != nil {
		return nil, err
	}
	return out, nil
}

func takePolicy(p *C.kv_certificate_policy) (CertificatePolicy, error) {
	defer C.kv_certificate_policy_free(p)
	var out *C.kv_blob
	var e *C.kv_error
	if err := takeError(C.kv_certificate_policy_to_json(p, &out, &e), e); err != nil {
		return CertificatePolicy{}, err
	}
	return policyFromJSON(takeBlob(out))
}

// CertificateOperation is the pending (or finished) creation of a certificate. CSR is the DER
// signing request to sign and merge for an "Unknown" issuer.
type CertificateOperation struct {
	ID, Status, StatusDetails, Target, RequestID, IssuerName string
	CSR                                                      []byte
	CancellationRequested                                    bool
	ErrorCode, ErrorMessage                                  string
}

func takeOperation(p *C.kv_certificate_operation) CertificateOperation {
	defer C.kv_certificate_operation_free(p)
	return CertificateOperation{
		ID: goString(C.kv_certificate_operation_id(p)), Status: goString(C.kv_certificate_operation_status(p)),
		StatusDetails: goString(C.kv_certificate_operation_status_details(p)), Target: goString(C.kv_certificate_operation_target(p)),
		RequestID: goString(C.kv_certificate_operation_request_id(p)), IssuerName: goString(C.kv_certificate_operation_issuer_name(p)),
		CSR: goBytes(C.kv_certificate_operation_csr(p)), CancellationRequested: bool(C.kv_certificate_operation_cancellation_requested(p)),
		ErrorCode: goString(C.kv_certificate_operation_error_code(p)), ErrorMessage: goString(C.kv_certificate_operation_error_message(p)),
	}
}

// CertificateOptions are the properties create, import, merge and update send: only what is set.
type CertificateOptions struct {
	Enabled *bool
	Tags    map[string]string
}

func (o *CertificateOptions) native() (*C.kv_certificate_options, error) {
	if o == nil {
		return nil, nil
	}
	p := C.kv_certificate_options_new()
	var e *C.kv_error
	if o.Enabled != nil {
		if err := takeError(C.kv_certificate_options_set_enabled(p, C.bool(*o.Enabled), &e), e); err != nil {
			C.kv_certificate_options_free(p)
			return nil, err
		}
	}
	for k, v := range o.Tags {
		var a cArgs
		ck, cv := a.str("tag name", k), a.str("tag value", v)
		if a.err != nil {
			C.kv_certificate_options_free(p)
			return nil, a.err
		}
		err := takeError(C.kv_certificate_options_set_tag(p, ck, cv, &e), e)
		a.free()
		if err != nil {
			C.kv_certificate_options_free(p)
			return nil, err
		}
	}
	return p, nil
}

// Issuer is a certificate issuer (list items carry Name and Provider only).
type Issuer struct {
	ID, Name, Provider, AccountID, OrganizationID string
	Enabled                                       bool
}

func takeIssuer(p *C.kv_issuer) Issuer {
	defer C.kv_issuer_free(p)
	return Issuer{ID: goString(C.kv_issuer_id(p)), Name: goString(C.kv_issuer_name(p)), Provider: goString(C.kv_issuer_provider(p)),
		AccountID: goString(C.kv_issuer_account_id(p)), OrganizationID: goString(C.kv_issuer_organization_id(p)), Enabled: bool(C.kv_issuer_enabled(p))}
}

// IssuerOptions set an issuer; empty strings and nil are not sent. Password is secret.
type IssuerOptions struct {
	Provider, AccountID, Password, OrganizationID string
	Enabled                                       *bool
	// Admins are the organization's administrators.
	Admins []IssuerAdmin
}

// IssuerAdmin is an administrator of an issuer's organization (empty fields are not sent).
type IssuerAdmin struct{ FirstName, LastName, Email, Phone string }

func (o IssuerOptions) native(a *cArgs) (*C.kv_issuer_options, error) {
	p := C.kv_issuer_options_new()
	var e *C.kv_error
	var err error
	if o.Provider != "" && err == nil {
		cp := a.str("provider", o.Provider)
		if a.err != nil {
			err = a.err
		} else {
			err = takeError(C.kv_issuer_options_set_provider(p, cp, &e), e)
		}
	}
	if (o.AccountID != "" || o.Password != "") && err == nil {
		ca, cpw := a.str("account id", o.AccountID), a.secretStr("password", o.Password)
		if a.err != nil {
			err = a.err
		} else {
			err = takeError(C.kv_issuer_options_set_credentials(p, ca, cpw, &e), e)
		}
	}
	if o.OrganizationID != "" && err == nil {
		co := a.str("organization id", o.OrganizationID)
		if a.err != nil {
			err = a.err
		} else {
			err = takeError(C.kv_issuer_options_set_organization_id(p, co, &e), e)
		}
	}
	if o.Enabled != nil && err == nil {
		err = takeError(C.kv_issuer_options_set_enabled(p, C.bool(*o.Enabled), &e), e)
	}
	for _, ad := range o.Admins {
		if err != nil {
			break
		}
		cf, cl, ce, cp := a.optStr("first name", ad.FirstName), a.optStr("last name", ad.LastName), a.optStr("email", ad.Email), a.optStr("phone", ad.Phone)
		if a.err != nil {
			err = a.err
		} else {
			err = takeError(C.kv_issuer_options_add_admin(p, cf, cl, ce, cp, &e), e)
		}
	}
	if err != nil {
		C.kv_issuer_options_free(p)
		return nil, err
	}
	return p, nil
}

// Contact is a certificate contact.
type Contact struct{ Email, Name, Phone string }

func takeContacts(p *C.kv_certificate_contacts) []Contact {
	defer C.kv_certificate_contacts_free(p)
	var out []Contact
	for i := 0; i < int(C.kv_certificate_contacts_count(p)); i++ {
		j := C.size_t(i)
		out = append(out, Contact{goString(C.kv_certificate_contacts_email(p, j)), goString(C.kv_certificate_contacts_name(p, j)), goString(C.kv_certificate_contacts_phone(p, j))})
	}
	return out
}

// outCall runs a kv call that writes one handle (PP is the handle's pointer type) and converts it.
func outCall[PP any, T any](ctx context.Context, c *Client, call func(*C.kv_client, *PP, **C.kv_error) C.kv_status, take func(PP) T) (T, error) {
	var zero T
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return zero, err
	}
	var out PP
	var e *C.kv_error
	st := call(p, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return zero, err
	}
	return take(out), nil
}

// listCall runs a kv call that writes an iterator; the iterator fetches its pages under ctx.
func listCall[PP any, T any](ctx context.Context, c *Client, call func(*C.kv_client, *PP, **C.kv_error) C.kv_status, take func(PP) *Iterator[T]) (*Iterator[T], error) {
	p, cl, err := c.acquireList(ctx)
	if err != nil {
		return nil, err
	}
	var out PP
	var e *C.kv_error
	st := call(p, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return nil, err
	}
	return attach(cl, take(out)), nil
}

// CreateCertificate starts creating a certificate (a new version) with policy and opts (nil =
// none); it returns the pending operation (kv_client_create_certificate). Wait with
// WaitForCertificate.
func (c *Client) CreateCertificate(ctx context.Context, name string, policy CertificatePolicy, opts *CertificateOptions) (CertificateOperation, error) {
	var a cArgs
	defer a.free()
	n := a.str("name", name)
	if a.err != nil {
		return CertificateOperation{}, a.err
	}
	cp, err := policy.native()
	if err != nil {
		return CertificateOperation{}, err
	}
	defer C.kv_certificate_policy_free(cp)
	co, err := opts.native()
	if err != nil {
		return CertificateOperation{}, err
	}
	defer C.kv_certificate_options_free(co)
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate_operation, e **C.kv_error) C.kv_status {
		return C.kv_client_create_certificate(p, n, cp, co, out, e)
	}, takeOperation)
}

// WaitForCertificate waits until the creation finishes and returns the certificate
// (kv_client_wait_for_certificate); a failed operation returns its error like a service error.
func (c *Client) WaitForCertificate(ctx context.Context, name string, timeout time.Duration) (Certificate, error) {
	var a cArgs
	defer a.free()
	n := a.str("name", name)
	if a.err != nil {
		return Certificate{}, a.err
	}
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate, e **C.kv_error) C.kv_status {
		return C.kv_client_wait_for_certificate(p, n, waitMillis(timeout), out, e)
	}, takeCertificate)
}

// ImportCertificate imports a certificate with its private key: PEM (a PRIVATE KEY block and the
// certificates) or PKCS#12 bytes with password (kv_client_import_certificate). policy may be nil.
func (c *Client) ImportCertificate(ctx context.Context, name string, data []byte, password string, policy *CertificatePolicy, opts *CertificateOptions) (Certificate, error) {
	var a cArgs
	defer a.free()
	n, pw := a.str("name", name), a.secretStr("password", password)
	if password == "" {
		pw = nil
	}
	if a.err != nil {
		return Certificate{}, a.err
	}
	var cp *C.kv_certificate_policy
	if policy != nil {
		var err error
		if cp, err = policy.native(); err != nil {
			return Certificate{}, err
		}
		defer C.kv_certificate_policy_free(cp)
	}
	co, err := opts.native()
	if err != nil {
		return Certificate{}, err
	}
	defer C.kv_certificate_options_free(co)
	d, dlen := payload(data)
	defer runtime.KeepAlive(data)
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate, e **C.kv_error) C.kv_status {
		return C.kv_client_import_certificate(p, n, d, dlen, pw, cp, co, out, e)
	}, takeCertificate)
}

// GetCertificate gets a certificate (kv_client_get_certificate); version "" = latest.
func (c *Client) GetCertificate(ctx context.Context, name, version string) (Certificate, error) {
	var a cArgs
	defer a.free()
	n, v := a.str("name", name), a.optStr("version", version)
	if a.err != nil {
		return Certificate{}, a.err
	}
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate, e **C.kv_error) C.kv_status {
		return C.kv_client_get_certificate(p, n, v, out, e)
	}, takeCertificate)
}

// UpdateCertificateProperties sets enabled and tags of a version (kv_client_update_certificate_properties).
func (c *Client) UpdateCertificateProperties(ctx context.Context, name, version string, opts CertificateOptions) (Certificate, error) {
	var a cArgs
	defer a.free()
	n, v := a.str("name", name), a.optStr("version", version)
	if a.err != nil {
		return Certificate{}, a.err
	}
	co, err := opts.native()
	if err != nil {
		return Certificate{}, err
	}
	defer C.kv_certificate_options_free(co)
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate, e **C.kv_error) C.kv_status {
		return C.kv_client_update_certificate_properties(p, n, v, co, out, e)
	}, takeCertificate)
}

func (c *Client) policyCall(ctx context.Context, name string, policy *CertificatePolicy, get bool) (CertificatePolicy, error) {
	var a cArgs
	defer a.free()
	n := a.str("name", name)
	if a.err != nil {
		return CertificatePolicy{}, a.err
	}
	var cp *C.kv_certificate_policy
	if !get {
		var err error
		if cp, err = policy.native(); err != nil {
			return CertificatePolicy{}, err
		}
		defer C.kv_certificate_policy_free(cp)
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return CertificatePolicy{}, err
	}
	var out *C.kv_certificate_policy
	var e *C.kv_error
	var st C.kv_status
	if get {
		st = C.kv_client_get_certificate_policy(p, n, &out, &e)
	} else {
		st = C.kv_client_update_certificate_policy(p, n, cp, &out, &e)
	}
	cl.release()
	if err := cl.check(st, e); err != nil {
		return CertificatePolicy{}, err
	}
	return takePolicy(out)
}

// GetCertificatePolicy gets a certificate's policy (kv_client_get_certificate_policy).
func (c *Client) GetCertificatePolicy(ctx context.Context, name string) (CertificatePolicy, error) {
	return c.policyCall(ctx, name, nil, true)
}

// UpdateCertificatePolicy updates a certificate's policy (zero members are kept) and returns it
// (kv_client_update_certificate_policy).
func (c *Client) UpdateCertificatePolicy(ctx context.Context, name string, policy CertificatePolicy) (CertificatePolicy, error) {
	return c.policyCall(ctx, name, &policy, false)
}

func (c *Client) operationByName(ctx context.Context, name string, call func(*C.kv_client, *C.char, **C.kv_certificate_operation, **C.kv_error) C.kv_status) (CertificateOperation, error) {
	var a cArgs
	defer a.free()
	n := a.str("name", name)
	if a.err != nil {
		return CertificateOperation{}, a.err
	}
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate_operation, e **C.kv_error) C.kv_status {
		return call(p, n, out, e)
	}, takeOperation)
}

// GetCertificateOperation gets the pending (or last) creation operation (kv_client_get_certificate_operation).
func (c *Client) GetCertificateOperation(ctx context.Context, name string) (CertificateOperation, error) {
	return c.operationByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_certificate_operation, e **C.kv_error) C.kv_status {
		return C.kv_client_get_certificate_operation(p, n, out, e)
	})
}

// CancelCertificateOperation requests cancellation of the pending operation (kv_client_cancel_certificate_operation).
func (c *Client) CancelCertificateOperation(ctx context.Context, name string) (CertificateOperation, error) {
	return c.operationByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_certificate_operation, e **C.kv_error) C.kv_status {
		return C.kv_client_cancel_certificate_operation(p, n, out, e)
	})
}

// DeleteCertificateOperation deletes the pending operation (kv_client_delete_certificate_operation).
func (c *Client) DeleteCertificateOperation(ctx context.Context, name string) (CertificateOperation, error) {
	return c.operationByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_certificate_operation, e **C.kv_error) C.kv_status {
		return C.kv_client_delete_certificate_operation(p, n, out, e)
	})
}

// MergeCertificate merges a certificate signed outside the vault: chain holds DER certificates,
// the signed one first (kv_client_merge_certificate).
func (c *Client) MergeCertificate(ctx context.Context, name string, chain [][]byte, opts *CertificateOptions) (Certificate, error) {
	var a cArgs
	defer a.free()
	n := a.str("name", name)
	if a.err != nil {
		return Certificate{}, a.err
	}
	// C memory for the arrays and the certificates: cgo forbids Go pointers to Go pointers. An
	// empty chain goes to kv as NULL arrays, which kv refuses (after the closed-client check).
	var ptrs []*C.uint8_t
	var lens []C.size_t
	var pptr **C.uint8_t
	var lptr *C.size_t
	if len(chain) > 0 {
		ptrs = (*[1 << 20]*C.uint8_t)(C.malloc(C.size_t(len(chain)) * C.size_t(unsafe.Sizeof(uintptr(0)))))[:len(chain):len(chain)]
		lens = (*[1 << 20]C.size_t)(C.malloc(C.size_t(len(chain)) * C.size_t(unsafe.Sizeof(C.size_t(0)))))[:len(chain):len(chain)]
		defer C.free(unsafe.Pointer(&ptrs[0]))
		defer C.free(unsafe.Pointer(&lens[0]))
		for i, der := range chain {
			ptrs[i] = (*C.uint8_t)(C.CBytes(der))
			lens[i] = C.size_t(len(der))
			defer C.free(unsafe.Pointer(ptrs[i]))
		}
		pptr, lptr = &ptrs[0], &lens[0]
	}
	co, err := opts.native()
	if err != nil {
		return Certificate{}, err
	}
	defer C.kv_certificate_options_free(co)
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate, e **C.kv_error) C.kv_status {
		return C.kv_client_merge_certificate(p, n, pptr, lptr, C.size_t(len(chain)), co, out, e)
	}, takeCertificate)
}

func (c *Client) certificateByName(ctx context.Context, name string, call func(*C.kv_client, *C.char, **C.kv_certificate, **C.kv_error) C.kv_status) (Certificate, error) {
	var a cArgs
	defer a.free()
	n := a.str("name", name)
	if a.err != nil {
		return Certificate{}, a.err
	}
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate, e **C.kv_error) C.kv_status { return call(p, n, out, e) }, takeCertificate)
}

// DeleteCertificate deletes a certificate and all its versions (soft delete); see
// WaitForDeletedCertificate (kv_client_delete_certificate).
func (c *Client) DeleteCertificate(ctx context.Context, name string) (Certificate, error) {
	return c.certificateByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_certificate, e **C.kv_error) C.kv_status {
		return C.kv_client_delete_certificate(p, n, out, e)
	})
}

// GetDeletedCertificate gets a deleted certificate (kv_client_get_deleted_certificate).
func (c *Client) GetDeletedCertificate(ctx context.Context, name string) (Certificate, error) {
	return c.certificateByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_certificate, e **C.kv_error) C.kv_status {
		return C.kv_client_get_deleted_certificate(p, n, out, e)
	})
}

// RecoverDeletedCertificate recovers a deleted certificate (kv_client_recover_deleted_certificate).
func (c *Client) RecoverDeletedCertificate(ctx context.Context, name string) (Certificate, error) {
	return c.certificateByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_certificate, e **C.kv_error) C.kv_status {
		return C.kv_client_recover_deleted_certificate(p, n, out, e)
	})
}

// WaitForDeletedCertificate waits until a deleted certificate has reached the deleted
// collection (kv_client_wait_for_deleted_certificate).
func (c *Client) WaitForDeletedCertificate(ctx context.Context, name string, timeout time.Duration) error {
	return c.nameCall(ctx, name, func(p *C.kv_client, n *C.char, e **C.kv_error) C.kv_status {
		return C.kv_client_wait_for_deleted_certificate(p, n, waitMillis(timeout), e)
	})
}

// WaitForRecoveredCertificate waits until a recovered certificate is back
// (kv_client_wait_for_recovered_certificate).
func (c *Client) WaitForRecoveredCertificate(ctx context.Context, name string, timeout time.Duration) error {
	return c.nameCall(ctx, name, func(p *C.kv_client, n *C.char, e **C.kv_error) C.kv_status {
		return C.kv_client_wait_for_recovered_certificate(p, n, waitMillis(timeout), e)
	})
}

// PurgeDeletedCertificate purges a deleted certificate permanently (kv_client_purge_deleted_certificate).
func (c *Client) PurgeDeletedCertificate(ctx context.Context, name string) error {
	return c.nameCall(ctx, name, func(p *C.kv_client, n *C.char, e **C.kv_error) C.kv_status {
		return C.kv_client_purge_deleted_certificate(p, n, e)
	})
}

// BackupCertificate backs up all versions of a certificate (kv_client_backup_certificate).
func (c *Client) BackupCertificate(ctx context.Context, name string) ([]byte, error) {
	return c.blobByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_blob, e **C.kv_error) C.kv_status {
		return C.kv_client_backup_certificate(p, n, out, e)
	})
}

// RestoreCertificate restores a certificate from a backup (kv_client_restore_certificate).
func (c *Client) RestoreCertificate(ctx context.Context, backup []byte) (Certificate, error) {
	b, blen := payload(backup)
	defer runtime.KeepAlive(backup)
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate, e **C.kv_error) C.kv_status {
		return C.kv_client_restore_certificate(p, b, blen, out, e)
	}, takeCertificate)
}

// CertificateIterator iterates certificates.
type CertificateIterator = Iterator[Certificate]

func newCertificateIterator(p *C.kv_certificate_iter) *CertificateIterator {
	return newIterator(unsafe.Pointer(p), func(p unsafe.Pointer) (Certificate, bool, error) {
		var item *C.kv_certificate
		var e *C.kv_error
		if err := takeError(C.kv_certificate_iter_next((*C.kv_certificate_iter)(p), &item, &e), e); err != nil {
			return Certificate{}, false, err
		}
		if item == nil {
			return Certificate{}, false, nil
		}
		return takeCertificate(item), true, nil
	}, func(p unsafe.Pointer) { C.kv_certificate_iter_free((*C.kv_certificate_iter)(p)) })
}

// ListCertificates lists the vault's certificates; includePending adds unfinished ones
// (kv_client_list_certificates).
func (c *Client) ListCertificates(ctx context.Context, includePending bool) (*CertificateIterator, error) {
	return listCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate_iter, e **C.kv_error) C.kv_status {
		return C.kv_client_list_certificates(p, C.bool(includePending), out, e)
	}, newCertificateIterator)
}

// ListCertificateVersions lists the versions of a certificate (kv_client_list_certificate_versions).
func (c *Client) ListCertificateVersions(ctx context.Context, name string) (*CertificateIterator, error) {
	var a cArgs
	defer a.free()
	n := a.str("name", name)
	if a.err != nil {
		return nil, a.err
	}
	return listCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate_iter, e **C.kv_error) C.kv_status {
		return C.kv_client_list_certificate_versions(p, n, out, e)
	}, newCertificateIterator)
}

// ListDeletedCertificates lists deleted certificates (kv_client_list_deleted_certificates).
func (c *Client) ListDeletedCertificates(ctx context.Context, includePending bool) (*CertificateIterator, error) {
	return listCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate_iter, e **C.kv_error) C.kv_status {
		return C.kv_client_list_deleted_certificates(p, C.bool(includePending), out, e)
	}, newCertificateIterator)
}

// DownloadCertificate returns the certificate with its private key through its secret, in format
// (password protects PKCS#12) (kv_client_download_certificate). The bytes are secret: Wipe them.
func (c *Client) DownloadCertificate(ctx context.Context, name, version string, format CertificateFormat, password string) ([]byte, error) {
	var a cArgs
	defer a.free()
	n, v, pw := a.str("name", name), a.optStr("version", version), a.secretStr("password", password)
	if a.err != nil {
		return nil, a.err
	}
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_blob, e **C.kv_error) C.kv_status {
		return C.kv_client_download_certificate(p, n, v, C.kv_certificate_format(format), pw, out, e)
	}, takeBlob)
}

func (c *Client) issuerWrite(ctx context.Context, name string, opts IssuerOptions, set bool) (Issuer, error) {
	var a cArgs
	defer a.free()
	n := a.str("name", name)
	if a.err != nil {
		return Issuer{}, a.err
	}
	co, err := opts.native(&a)
	if err != nil {
		return Issuer{}, err
	}
	defer C.kv_issuer_options_free(co)
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_issuer, e **C.kv_error) C.kv_status {
		if set {
			return C.kv_client_set_certificate_issuer(p, n, co, out, e)
		}
		return C.kv_client_update_certificate_issuer(p, n, co, out, e)
	}, takeIssuer)
}

// SetCertificateIssuer creates or replaces an issuer (kv_client_set_certificate_issuer).
func (c *Client) SetCertificateIssuer(ctx context.Context, name string, opts IssuerOptions) (Issuer, error) {
	return c.issuerWrite(ctx, name, opts, true)
}

// UpdateCertificateIssuer updates an issuer (kv_client_update_certificate_issuer).
func (c *Client) UpdateCertificateIssuer(ctx context.Context, name string, opts IssuerOptions) (Issuer, error) {
	return c.issuerWrite(ctx, name, opts, false)
}

func (c *Client) issuerByName(ctx context.Context, name string, call func(*C.kv_client, *C.char, **C.kv_issuer, **C.kv_error) C.kv_status) (Issuer, error) {
	var a cArgs
	defer a.free()
	n := a.str("name", name)
	if a.err != nil {
		return Issuer{}, a.err
	}
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_issuer, e **C.kv_error) C.kv_status { return call(p, n, out, e) }, takeIssuer)
}

// GetCertificateIssuer gets an issuer (kv_client_get_certificate_issuer).
func (c *Client) GetCertificateIssuer(ctx context.Context, name string) (Issuer, error) {
	return c.issuerByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_issuer, e **C.kv_error) C.kv_status {
		return C.kv_client_get_certificate_issuer(p, n, out, e)
	})
}

// DeleteCertificateIssuer deletes an issuer (kv_client_delete_certificate_issuer).
func (c *Client) DeleteCertificateIssuer(ctx context.Context, name string) (Issuer, error) {
	return c.issuerByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_issuer, e **C.kv_error) C.kv_status {
		return C.kv_client_delete_certificate_issuer(p, n, out, e)
	})
}

// IssuerIterator iterates certificate issuers.
type IssuerIterator = Iterator[Issuer]

// ListCertificateIssuers lists the issuers (kv_client_list_certificate_issuers).
func (c *Client) ListCertificateIssuers(ctx context.Context) (*IssuerIterator, error) {
	return listCall(ctx, c, func(p *C.kv_client, out **C.kv_issuer_iter, e **C.kv_error) C.kv_status {
		return C.kv_client_list_certificate_issuers(p, out, e)
	}, func(it *C.kv_issuer_iter) *IssuerIterator {
		return newIterator(unsafe.Pointer(it), func(p unsafe.Pointer) (Issuer, bool, error) {
			var item *C.kv_issuer
			var e *C.kv_error
			if err := takeError(C.kv_issuer_iter_next((*C.kv_issuer_iter)(p), &item, &e), e); err != nil {
				return Issuer{}, false, err
			}
			if item == nil {
				return Issuer{}, false, nil
			}
			return takeIssuer(item), true, nil
		}, func(p unsafe.Pointer) { C.kv_issuer_iter_free((*C.kv_issuer_iter)(p)) })
	})
}

// SetCertificateContacts replaces the vault's certificate contacts (kv_client_set_certificate_contacts).
func (c *Client) SetCertificateContacts(ctx context.Context, contacts []Contact) ([]Contact, error) {
	list := C.kv_certificate_contacts_new()
	defer C.kv_certificate_contacts_free(list)
	for _, ct := range contacts {
		var a cArgs
		ce, cn, cp := a.optStr("email", ct.Email), a.optStr("name", ct.Name), a.optStr("phone", ct.Phone)
		if a.err != nil {
			a.free()
			return nil, a.err
		}
		var e *C.kv_error
		err := takeError(C.kv_certificate_contacts_add(list, ce, cn, cp, &e), e)
		a.free()
		if err != nil {
			return nil, err
		}
	}
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate_contacts, e **C.kv_error) C.kv_status {
		return C.kv_client_set_certificate_contacts(p, list, out, e)
	}, takeContacts)
}

// GetCertificateContacts gets the vault's certificate contacts (kv_client_get_certificate_contacts).
func (c *Client) GetCertificateContacts(ctx context.Context) ([]Contact, error) {
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate_contacts, e **C.kv_error) C.kv_status {
		return C.kv_client_get_certificate_contacts(p, out, e)
	}, takeContacts)
}

// DeleteCertificateContacts deletes the vault's certificate contacts (kv_client_delete_certificate_contacts).
func (c *Client) DeleteCertificateContacts(ctx context.Context) ([]Contact, error) {
	return outCall(ctx, c, func(p *C.kv_client, out **C.kv_certificate_contacts, e **C.kv_error) C.kv_status {
		return C.kv_client_delete_certificate_contacts(p, out, e)
	}, takeContacts)
}
