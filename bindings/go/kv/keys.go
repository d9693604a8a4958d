package kv

/*
#include <stdlib.h>
#include "kv.h"
*/
import "C"

import (
	"context"
	"math"
	"runtime"
	"time"
)

// Key operations for KeyOptions.Operations (and found in Key.Operations).
const (
	KeyOperationEncrypt   = "encrypt"
	KeyOperationDecrypt   = "decrypt"
	KeyOperationSign      = "sign"
	KeyOperationVerify    = "verify"
	KeyOperationWrapKey   = "wrapKey"
	KeyOperationUnwrapKey = "unwrapKey"
	KeyOperationImport    = "import"
	KeyOperationExport    = "export"
)

// Key is a key as a call returned it: identifiers, public key material, permitted operations
// and properties (a copy of kv_key; the native result is freed at once). Use LocalKey for
// local public-key operations.
type Key struct {
	// ID is https://{vault}/keys/{name}[/{version}] (for deleted list items, the recovery id).
	ID      string
	Name    string
	Version string // "" for ListKeys items and deleted list items
	// Type is the key type (0 for list items, which carry no key material); TypeName its wire
	// name as the vault sent it.
	Type     KeyType
	TypeName string
	// Curve is the curve of an EC key (0 otherwise); CurveName its wire name.
	Curve     KeyCurve
	CurveName string
	// N and E (RSA) and X and Y (EC) are the public key, big-endian.
	N, E, X, Y []byte
	// Operations are the permitted operations (key_ops), e.g. "sign".
	Operations []string
	Enabled    bool
	// Exportable tells whether the private key may be exported by a release.
	Exportable bool
	// Managed tells whether Key Vault manages the key's lifetime (a certificate's key).
	Managed bool
	// Created, Updated, NotBefore and Expires are zero when unknown or not set.
	Created, Updated, NotBefore, Expires time.Time
	RecoveryLevel                        string
	RecoverableDays                      int
	// RecoveryID, DeletedDate and ScheduledPurgeDate are set for deleted keys only.
	RecoveryID                      string
	DeletedDate, ScheduledPurgeDate time.Time
	// Tags are the key's tags (nil when it has none).
	Tags map[string]string
	// ReleasePolicy is the secure key release policy (nil when the key has none).
	ReleasePolicy *ReleasePolicy
	// HSMPlatform is the HSM platform of an HSM key ("" when not given).
	HSMPlatform string
	// Attestation is set by GetKeyAttestation (nil otherwise).
	Attestation *KeyAttestation
}

// ReleasePolicy is a secure key release policy.
type ReleasePolicy struct {
	// Data is the policy document (usually JSON).
	Data []byte
	// ContentType is the document's type ("" = the service default,
	// "application/json; charset=utf-8").
	ContentType string
	// Immutable policies can never change again.
	Immutable bool
}

// KeyAttestation is the HSM attestation of a key version.
type KeyAttestation struct {
	Version                             string
	PrivateKey, PublicKey, Certificates []byte
}

var keyTypeByName = reverse(keyTypeNames)
var keyCurveByName = reverse(keyCurveNames)

func reverse[T comparable](m map[T]string) map[string]T {
	r := make(map[string]T, len(m))
	for k, v := range m {
		r[v] = k
	}
	return r
}

// copyKey copies a kv_key into a Key (the native key stays owned by the caller).
func copyKey(p *C.kv_key) Key {
	k := Key{
		ID:                 goString(C.kv_key_id(p)),
		Name:               goString(C.kv_key_name(p)),
		Version:            goString(C.kv_key_version(p)),
		TypeName:           goString(C.kv_key_type_name(p)),
		CurveName:          goString(C.kv_key_curve_name(p)),
		N:                  goBytes(C.kv_key_n(p)),
		E:                  goBytes(C.kv_key_e(p)),
		X:                  goBytes(C.kv_key_x(p)),
		Y:                  goBytes(C.kv_key_y(p)),
		Enabled:            bool(C.kv_key_enabled(p)),
		Exportable:         bool(C.kv_key_exportable(p)),
		Managed:            bool(C.kv_key_managed(p)),
		Created:            unixTime(C.kv_key_created(p)),
		Updated:            unixTime(C.kv_key_updated(p)),
		NotBefore:          unixTime(C.kv_key_not_before(p)),
		Expires:            unixTime(C.kv_key_expires(p)),
		RecoveryLevel:      goString(C.kv_key_recovery_level(p)),
		RecoverableDays:    int(C.kv_key_recoverable_days(p)),
		RecoveryID:         goString(C.kv_key_recovery_id(p)),
		DeletedDate:        unixTime(C.kv_key_deleted_date(p)),
		ScheduledPurgeDate: unixTime(C.kv_key_scheduled_purge_date(p)),
		HSMPlatform:        goString(C.kv_key_hsm_platform(p)),
	}
	k.Type = keyTypeByName[k.TypeName]
	k.Curve = keyCurveByName[k.CurveName]
	if n := int(C.kv_key_operation_count(p)); n > 0 {
		k.Operations = make([]string, n)
		for i := range k.Operations {
			k.Operations[i] = goString(C.kv_key_operation(p, C.size_t(i)))
		}
	}
	if n := int(C.kv_key_tag_count(p)); n > 0 {
		k.Tags = make(map[string]string, n)
		for i := 0; i < n; i++ {
			k.Tags[goString(C.kv_key_tag_name(p, C.size_t(i)))] = goString(C.kv_key_tag_value(p, C.size_t(i)))
		}
	}
	if policy := goBytes(C.kv_key_release_policy(p)); policy != nil {
		k.ReleasePolicy = &ReleasePolicy{
			Data:        policy,
			ContentType: goString(C.kv_key_release_policy_content_type(p)),
			Immutable:   bool(C.kv_key_release_policy_immutable(p)),
		}
	}
	att := KeyAttestation{
		Version:      goString(C.kv_key_attestation_version(p)),
		PrivateKey:   goBytes(C.kv_key_attestation_private(p)),
		PublicKey:    goBytes(C.kv_key_attestation_public(p)),
		Certificates: goBytes(C.kv_key_attestation_certificate(p)),
	}
	if att.Version != "" || att.PrivateKey != nil || att.PublicKey != nil || att.Certificates != nil {
		k.Attestation = &att
	}
	return k
}

// takeKey copies a kv_key into a Key and frees the native one.
func takeKey(p *C.kv_key) Key {
	defer C.kv_key_free(p)
	return copyKey(p)
}

// KeyOptions are the properties and parameters of CreateKey, ImportKeyJWK, ImportKeyPEM and
// UpdateKeyProperties (kv_key_options): only what is set is sent. A setting that does not
// apply to the call (a size on import or update, HSM on create, ...) gives ErrInvalidArgument.
type KeyOptions struct {
	// Size in bits for CreateKey: 2048, 3072 or 4096 for RSA, 128, 192 or 256 for oct
	// (0 = not set).
	Size int
	// PublicExponent of a new RSA key (0 = not set: 65537).
	PublicExponent int
	// Curve of a new EC key (KeyCurveDefault = the service's choice).
	Curve KeyCurve
	// HSM asks for HSM protection of an imported key (imports only).
	HSM bool
	// Enabled (nil = not set). A disabled key cannot be used for cryptography.
	Enabled *bool
	// NotBefore and Expires (zero = not set).
	NotBefore, Expires time.Time
	// Exportable (nil = not set): whether ReleaseKey may export the private key (needs a
	// release policy).
	Exportable *bool
	// Operations: nil = not set; otherwise exactly these operations are permitted
	// (KeyOperationSign, ...).
	Operations []string
	// Tags: nil leaves the tags alone; a non-nil map (even an empty one) replaces all tags.
	Tags map[string]string
	// ReleasePolicy sets the secure key release policy (nil = not set).
	ReleasePolicy *ReleasePolicy
}

// native builds kv_key_options; the caller frees them with kv_key_options_free.
func (o *KeyOptions) native() (*C.kv_key_options, error) {
	p := C.kv_key_options_new()
	if p == nil {
		panic("kv: out of memory")
	}
	ok := false
	defer func() {
		if !ok {
			C.kv_key_options_free(p)
		}
	}()
	var a cArgs
	defer a.free()
	var e *C.kv_error
	if o.Size != 0 {
		n, err := uint32Arg("Size", o.Size)
		if err != nil {
			return nil, err
		}
		if err := takeError(C.kv_key_options_set_key_size(p, n, &e), e); err != nil {
			return nil, err
		}
	}
	if o.PublicExponent != 0 {
		n, err := uint32Arg("PublicExponent", o.PublicExponent)
		if err != nil {
			return nil, err
		}
		if err := takeError(C.kv_key_options_set_public_exponent(p, n, &e), e); err != nil {
			return nil, err
		}
	}
	if o.Curve != KeyCurveDefault {
		if err := takeError(C.kv_key_options_set_curve(p, C.kv_key_curve(o.Curve), &e), e); err != nil {
			return nil, err
		}
	}
	if o.HSM {
		if err := takeError(C.kv_key_options_set_hsm(p, true, &e), e); err != nil {
			return nil, err
		}
	}
	if o.Enabled != nil {
		if err := takeError(C.kv_key_options_set_enabled(p, C.bool(*o.Enabled), &e), e); err != nil {
			return nil, err
		}
	}
	if !o.NotBefore.IsZero() {
		if err := takeError(C.kv_key_options_set_not_before(p, C.int64_t(o.NotBefore.Unix()), &e), e); err != nil {
			return nil, err
		}
	}
	if !o.Expires.IsZero() {
		if err := takeError(C.kv_key_options_set_expires(p, C.int64_t(o.Expires.Unix()), &e), e); err != nil {
			return nil, err
		}
	}
	if o.Exportable != nil {
		if err := takeError(C.kv_key_options_set_exportable(p, C.bool(*o.Exportable), &e), e); err != nil {
			return nil, err
		}
	}
	for _, op := range o.Operations {
		cop := a.str("operation", op)
		if a.err != nil {
			return nil, a.err
		}
		if err := takeError(C.kv_key_options_add_operation(p, cop, &e), e); err != nil {
			return nil, err
		}
	}
	if o.Tags != nil {
		if err := takeError(C.kv_key_options_clear_tags(p, &e), e); err != nil {
			return nil, err
		}
		for k, v := range o.Tags {
			ck, cv := a.str("tag name", k), a.str("tag value", v)
			if a.err != nil {
				return nil, a.err
			}
			if err := takeError(C.kv_key_options_set_tag(p, ck, cv, &e), e); err != nil {
				return nil, err
			}
		}
	}
	if rp := o.ReleasePolicy; rp != nil {
		ct := a.optStr("ReleasePolicy.ContentType", rp.ContentType)
		if a.err != nil {
			return nil, a.err
		}
		data, dlen := payload(rp.Data)
		st := C.kv_key_options_set_release_policy(p, data, dlen, ct, C.bool(rp.Immutable), &e)
		if err := takeError(st, e); err != nil {
			return nil, err
		}
	}
	ok = true
	return p, nil
}

// keyOptions converts optional KeyOptions (nil = NULL); free the result with freeKeyOptions.
func keyOptions(o *KeyOptions) (*C.kv_key_options, error) {
	if o == nil {
		return nil, nil
	}
	return o.native()
}

func freeKeyOptions(p *C.kv_key_options) { C.kv_key_options_free(p) }

// CreateKey creates a key, or a new version of an existing key, of type kty
// (kv_client_create_key). opts (nil = defaults) may set the size, exponent, curve and
// properties.
func (c *Client) CreateKey(ctx context.Context, name string, kty KeyType, opts *KeyOptions) (Key, error) {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	if a.err != nil {
		return Key{}, a.err
	}
	copts, err := keyOptions(opts)
	if err != nil {
		return Key{}, err
	}
	defer freeKeyOptions(copts)
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Key{}, err
	}
	var out *C.kv_key
	var e *C.kv_error
	st := C.kv_client_create_key(p, cname, C.kv_key_type(kty), copts, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return Key{}, err
	}
	return takeKey(out), nil
}

// ImportKeyJWK imports a key given as JSON Web Key text with its private members
// (kv_client_import_key_jwk). kv takes the JWK as a C string, so the binding copies it once
// into C memory and zeroes that copy after the call. opts (nil = none) may set HSM protection
// and properties.
func (c *Client) ImportKeyJWK(ctx context.Context, name string, jwk []byte, opts *KeyOptions) (Key, error) {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	cjwk := a.secretBytes("jwk", jwk)
	if a.err != nil {
		return Key{}, a.err
	}
	copts, err := keyOptions(opts)
	if err != nil {
		return Key{}, err
	}
	defer freeKeyOptions(copts)
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Key{}, err
	}
	var out *C.kv_key
	var e *C.kv_error
	st := C.kv_client_import_key_jwk(p, cname, cjwk, copts, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return Key{}, err
	}
	return takeKey(out), nil
}

// ImportKeyPEM imports a private key given as PEM or DER (PKCS#1, PKCS#8 or SEC1) with
// kv_client_import_key_pem; the bytes are passed to kv without a copy.
func (c *Client) ImportKeyPEM(ctx context.Context, name string, pemOrDER []byte, opts *KeyOptions) (Key, error) {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	if a.err != nil {
		return Key{}, a.err
	}
	copts, err := keyOptions(opts)
	if err != nil {
		return Key{}, err
	}
	defer freeKeyOptions(copts)
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Key{}, err
	}
	data, dlen := payload(pemOrDER)
	var out *C.kv_key
	var e *C.kv_error
	st := C.kv_client_import_key_pem(p, cname, data, dlen, copts, &out, &e)
	cl.release()
	runtime.KeepAlive(pemOrDER)
	if err := cl.check(st, e); err != nil {
		return Key{}, err
	}
	return takeKey(out), nil
}

// GetKey gets a key, public members only (kv_client_get_key); version "" = latest.
func (c *Client) GetKey(ctx context.Context, name, version string) (Key, error) {
	return c.keyByNameVersion(ctx, name, version, func(p *C.kv_client, n, v *C.char, out **C.kv_key, e **C.kv_error) C.kv_status {
		return C.kv_client_get_key(p, n, v, out, e)
	})
}

// GetKeyAttestation gets a key version with its HSM attestation (Key.Attestation) using
// kv_client_get_key_attestation; version "" = latest.
func (c *Client) GetKeyAttestation(ctx context.Context, name, version string) (Key, error) {
	return c.keyByNameVersion(ctx, name, version, func(p *C.kv_client, n, v *C.char, out **C.kv_key, e **C.kv_error) C.kv_status {
		return C.kv_client_get_key_attestation(p, n, v, out, e)
	})
}

// UpdateKeyProperties changes what opts sets on a key version (version "" = latest):
// enabled, times, exportable, operations, tags, release policy (kv_client_update_key_properties).
func (c *Client) UpdateKeyProperties(ctx context.Context, name, version string, opts KeyOptions) (Key, error) {
	var a cArgs
	defer a.free()
	cname, cver := a.str("name", name), a.optStr("version", version)
	if a.err != nil {
		return Key{}, a.err
	}
	copts, err := opts.native()
	if err != nil {
		return Key{}, err
	}
	defer freeKeyOptions(copts)
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Key{}, err
	}
	var out *C.kv_key
	var e *C.kv_error
	st := C.kv_client_update_key_properties(p, cname, cver, copts, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return Key{}, err
	}
	return takeKey(out), nil
}

// DeleteKey deletes a key and all its versions (soft delete) and returns the deleted key
// (kv_client_delete_key). The move to the deleted collection finishes asynchronously on the
// real service; see WaitForDeletedKey.
func (c *Client) DeleteKey(ctx context.Context, name string) (Key, error) {
	return c.keyByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_key, e **C.kv_error) C.kv_status {
		return C.kv_client_delete_key(p, n, out, e)
	})
}

// GetDeletedKey gets a deleted key (kv_client_get_deleted_key).
func (c *Client) GetDeletedKey(ctx context.Context, name string) (Key, error) {
	return c.keyByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_key, e **C.kv_error) C.kv_status {
		return C.kv_client_get_deleted_key(p, n, out, e)
	})
}

// RecoverDeletedKey recovers a deleted key (kv_client_recover_deleted_key); it finishes
// asynchronously on the real service, see WaitForRecoveredKey.
func (c *Client) RecoverDeletedKey(ctx context.Context, name string) (Key, error) {
	return c.keyByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_key, e **C.kv_error) C.kv_status {
		return C.kv_client_recover_deleted_key(p, n, out, e)
	})
}

// RotateKey creates a new version of a key with the same type and parameters
// (kv_client_rotate_key).
func (c *Client) RotateKey(ctx context.Context, name string) (Key, error) {
	return c.keyByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_key, e **C.kv_error) C.kv_status {
		return C.kv_client_rotate_key(p, n, out, e)
	})
}

// PurgeDeletedKey purges a deleted key permanently (kv_client_purge_deleted_key).
func (c *Client) PurgeDeletedKey(ctx context.Context, name string) error {
	return c.nameCall(ctx, name, func(p *C.kv_client, n *C.char, e **C.kv_error) C.kv_status {
		return C.kv_client_purge_deleted_key(p, n, e)
	})
}

// WaitForDeletedKey waits until a deleted key has reached the deleted collection, polling
// (kv_client_wait_for_deleted_key); ErrTimeout after timeout (rounded up to milliseconds,
// at most about 49 days).
func (c *Client) WaitForDeletedKey(ctx context.Context, name string, timeout time.Duration) error {
	ms := waitMillis(timeout)
	return c.nameCall(ctx, name, func(p *C.kv_client, n *C.char, e **C.kv_error) C.kv_status {
		return C.kv_client_wait_for_deleted_key(p, n, ms, e)
	})
}

// WaitForRecoveredKey waits until a recovered key is back (kv_client_wait_for_recovered_key).
func (c *Client) WaitForRecoveredKey(ctx context.Context, name string, timeout time.Duration) error {
	ms := waitMillis(timeout)
	return c.nameCall(ctx, name, func(p *C.kv_client, n *C.char, e **C.kv_error) C.kv_status {
		return C.kv_client_wait_for_recovered_key(p, n, ms, e)
	})
}

func waitMillis(d time.Duration) C.uint32_t {
	ms := millis(d)
	if ms > math.MaxUint32 {
		ms = math.MaxUint32
	}
	return C.uint32_t(ms)
}

// BackupKey backs up all versions of a key into an opaque blob that only RestoreKey can read
// (kv_client_backup_key). The blob is secret material: Wipe it when done.
func (c *Client) BackupKey(ctx context.Context, name string) ([]byte, error) {
	return c.blobByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_blob, e **C.kv_error) C.kv_status {
		return C.kv_client_backup_key(p, n, out, e)
	})
}

// RestoreKey restores a key (all versions) from a backup blob (kv_client_restore_key); the
// backup is passed to kv without a copy.
func (c *Client) RestoreKey(ctx context.Context, backup []byte) (Key, error) {
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Key{}, err
	}
	b, blen := payload(backup)
	var out *C.kv_key
	var e *C.kv_error
	st := C.kv_client_restore_key(p, b, blen, &out, &e)
	cl.release()
	runtime.KeepAlive(backup)
	if err := cl.check(st, e); err != nil {
		return Key{}, err
	}
	return takeKey(out), nil
}

// GetRandomBytes gets count (1 to 128) random bytes from the vault's HSM
// (kv_client_get_random_bytes).
func (c *Client) GetRandomBytes(ctx context.Context, count int) ([]byte, error) {
	n, err := uint32Arg("count", count)
	if err != nil {
		return nil, err
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return nil, err
	}
	var out *C.kv_blob
	var e *C.kv_error
	st := C.kv_client_get_random_bytes(p, n, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return nil, err
	}
	return takeBlob(out), nil
}

// ReleaseKey releases an exportable key (version "" = latest) to the attested environment
// named by target, its attestation token (kv_client_release_key). nonce may be "". It returns
// the signed release value (JWS text), which is secret material: Wipe it when done.
func (c *Client) ReleaseKey(ctx context.Context, name, version, target, nonce string, enc KeyReleaseAlgorithm) ([]byte, error) {
	var a cArgs
	defer a.free()
	cname, cver := a.str("name", name), a.optStr("version", version)
	ctarget, cnonce := a.secretStr("target", target), a.optStr("nonce", nonce)
	if a.err != nil {
		return nil, a.err
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return nil, err
	}
	var out *C.kv_blob
	var e *C.kv_error
	st := C.kv_client_release_key(p, cname, cver, ctarget, cnonce, C.kv_key_release_algorithm(enc), &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return nil, err
	}
	return takeBlob(out), nil
}

// ListKeys lists the vault's keys (kv_client_list_keys): items carry no key material and no
// version.
func (c *Client) ListKeys(ctx context.Context) (*KeyIterator, error) {
	p, cl, err := c.acquireList(ctx)
	if err != nil {
		return nil, err
	}
	var out *C.kv_key_iter
	var e *C.kv_error
	st := C.kv_client_list_keys(p, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return nil, err
	}
	return attach(cl, newKeyIterator(out)), nil
}

// ListKeyVersions lists the versions of a key (kv_client_list_key_versions).
func (c *Client) ListKeyVersions(ctx context.Context, name string) (*KeyIterator, error) {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	if a.err != nil {
		return nil, a.err
	}
	p, cl, err := c.acquireList(ctx)
	if err != nil {
		return nil, err
	}
	var out *C.kv_key_iter
	var e *C.kv_error
	st := C.kv_client_list_key_versions(p, cname, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return nil, err
	}
	return attach(cl, newKeyIterator(out)), nil
}

// ListDeletedKeys lists the vault's deleted keys (kv_client_list_deleted_keys).
func (c *Client) ListDeletedKeys(ctx context.Context) (*KeyIterator, error) {
	p, cl, err := c.acquireList(ctx)
	if err != nil {
		return nil, err
	}
	var out *C.kv_key_iter
	var e *C.kv_error
	st := C.kv_client_list_deleted_keys(p, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return nil, err
	}
	return attach(cl, newKeyIterator(out)), nil
}

func (c *Client) keyByName(ctx context.Context, name string, call func(*C.kv_client, *C.char, **C.kv_key, **C.kv_error) C.kv_status) (Key, error) {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	if a.err != nil {
		return Key{}, a.err
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Key{}, err
	}
	var out *C.kv_key
	var e *C.kv_error
	st := call(p, cname, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return Key{}, err
	}
	return takeKey(out), nil
}

func (c *Client) keyByNameVersion(ctx context.Context, name, version string, call func(*C.kv_client, *C.char, *C.char, **C.kv_key, **C.kv_error) C.kv_status) (Key, error) {
	var a cArgs
	defer a.free()
	cname, cver := a.str("name", name), a.optStr("version", version)
	if a.err != nil {
		return Key{}, a.err
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Key{}, err
	}
	var out *C.kv_key
	var e *C.kv_error
	st := call(p, cname, cver, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return Key{}, err
	}
	return takeKey(out), nil
}
