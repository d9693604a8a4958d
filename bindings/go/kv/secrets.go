package kv

/*
#include <stdlib.h>
#include "kv.h"

// kvgo_secret holds every field of a kv_secret except its tags, so that one cgo call
// (kvgo_secret_read) reads what would otherwise take eighteen.
typedef struct kvgo_secret {
	struct kv_str value, id, name, version, content_type, key_id, recovery_level, recovery_id;
	int64_t created, updated, not_before, expires, deleted_date, scheduled_purge_date;
	int32_t recoverable_days;
	bool enabled, managed;
	size_t tag_count;
} kvgo_secret;

static void kvgo_secret_read(const kv_secret *p, kvgo_secret *o) {
	o->value = kv_secret_value(p);
	o->id = kv_secret_id(p);
	o->name = kv_secret_name(p);
	o->version = kv_secret_version(p);
	o->content_type = kv_secret_content_type(p);
	o->key_id = kv_secret_key_id(p);
	o->enabled = kv_secret_enabled(p);
	o->managed = kv_secret_managed(p);
	o->created = kv_secret_created(p);
	o->updated = kv_secret_updated(p);
	o->not_before = kv_secret_not_before(p);
	o->expires = kv_secret_expires(p);
	o->recovery_level = kv_secret_recovery_level(p);
	o->recoverable_days = kv_secret_recoverable_days(p);
	o->recovery_id = kv_secret_recovery_id(p);
	o->deleted_date = kv_secret_deleted_date(p);
	o->scheduled_purge_date = kv_secret_scheduled_purge_date(p);
	o->tag_count = kv_secret_tag_count(p);
}

// kvgo_get holds what GetSecret's C calls write (the result or the error, and the result's
// fields): one Go allocation for all of it.
typedef struct kvgo_get {
	kv_secret *out;
	kv_error *err;
	kvgo_secret fields;
} kvgo_get;
*/
import "C"

import (
	"context"
	"runtime"
	"time"
)

// Secret is a secret as a call returned it (a copy of kv_secret; the native result is freed at
// once).
type Secret struct {
	// Value is the secret's value, byte-exact (it may hold NUL bytes). It is set by GetSecret
	// and SetSecret only; other calls and list items carry no value. This []byte is the only
	// copy the binding makes (kv zeroizes its own); call Wipe when done with it.
	Value []byte
	// ID is https://{vault}/secrets/{name}[/{version}].
	ID      string
	Name    string
	Version string // "" for ListSecrets items and deleted secrets
	// ContentType is the content type ("" if none).
	ContentType string
	// KeyID is the key id when the secret backs a certificate ("" otherwise).
	KeyID   string
	Enabled bool
	// Managed tells whether Key Vault manages the secret's lifetime (a certificate's secret).
	Managed bool
	// Created, Updated, NotBefore and Expires are zero when unknown or not set.
	Created, Updated, NotBefore, Expires time.Time
	// RecoveryLevel is e.g. "Recoverable+Purgeable"; RecoverableDays the soft-delete retention.
	RecoveryLevel   string
	RecoverableDays int
	// RecoveryID, DeletedDate and ScheduledPurgeDate are set for deleted secrets only.
	RecoveryID                      string
	DeletedDate, ScheduledPurgeDate time.Time
	// Tags are the secret's tags (nil when it has none).
	Tags map[string]string
}

// Wipe zeroes the secret's value.
func (s *Secret) Wipe() { Wipe(s.Value) }

// takeSecret copies a kv_secret into a Secret and frees (zeroizes) the native one.
func takeSecret(p *C.kv_secret) Secret {
	var f C.kvgo_secret
	C.kvgo_secret_read(p, &f)
	return takeSecretFields(p, &f)
}

// takeSecretFields is takeSecret with the fields already read (kvgo_secret_read).
func takeSecretFields(p *C.kv_secret, f *C.kvgo_secret) Secret {
	defer C.kv_secret_free(p)
	var strs goStrings
	strs.reserve(f.id, f.name, f.version, f.content_type, f.key_id, f.recovery_level, f.recovery_id)
	s := Secret{
		Value:              strBytes(f.value),
		ID:                 strs.next(f.id),
		Name:               strs.next(f.name),
		Version:            strs.next(f.version),
		ContentType:        strs.next(f.content_type),
		KeyID:              strs.next(f.key_id),
		Enabled:            bool(f.enabled),
		Managed:            bool(f.managed),
		Created:            unixTime(f.created),
		Updated:            unixTime(f.updated),
		NotBefore:          unixTime(f.not_before),
		Expires:            unixTime(f.expires),
		RecoveryLevel:      strs.next(f.recovery_level),
		RecoverableDays:    int(f.recoverable_days),
		RecoveryID:         strs.next(f.recovery_id),
		DeletedDate:        unixTime(f.deleted_date),
		ScheduledPurgeDate: unixTime(f.scheduled_purge_date),
	}
	if n := int(f.tag_count); n > 0 {
		s.Tags = make(map[string]string, n)
		for i := 0; i < n; i++ {
			s.Tags[goString(C.kv_secret_tag_name(p, C.size_t(i)))] = goString(C.kv_secret_tag_value(p, C.size_t(i)))
		}
	}
	return s
}

// SecretOptions are the properties SetSecret and UpdateSecretProperties send
// (kv_secret_options): only what is set is sent.
type SecretOptions struct {
	// ContentType, e.g. "text/plain" ("" = not set; at most 255 characters).
	ContentType string
	// Enabled (nil = not set). A disabled secret's value cannot be read.
	Enabled *bool
	// NotBefore and Expires (zero = not set).
	NotBefore, Expires time.Time
	// Tags: nil leaves the tags alone; a non-nil map (even an empty one) replaces all of the
	// secret's tags (at most 15).
	Tags map[string]string
}

// native builds kv_secret_options; the caller frees them with kv_secret_options_free.
func (o *SecretOptions) native() (*C.kv_secret_options, error) {
	p := C.kv_secret_options_new()
	if p == nil {
		panic("kv: out of memory")
	}
	ok := false
	defer func() {
		if !ok {
			C.kv_secret_options_free(p)
		}
	}()
	var a cArgs
	defer a.free()
	var e *C.kv_error
	if o.ContentType != "" {
		ct := a.str("ContentType", o.ContentType)
		if a.err != nil {
			return nil, a.err
		}
		if err := takeError(C.kv_secret_options_set_content_type(p, ct, &e), e); err != nil {
			return nil, err
		}
	}
	if o.Enabled != nil {
		if err := takeError(C.kv_secret_options_set_enabled(p, C.bool(*o.Enabled), &e), e); err != nil {
			return nil, err
		}
	}
	if !o.NotBefore.IsZero() {
		if err := takeError(C.kv_secret_options_set_not_before(p, C.int64_t(o.NotBefore.Unix()), &e), e); err != nil {
			return nil, err
		}
	}
	if !o.Expires.IsZero() {
		if err := takeError(C.kv_secret_options_set_expires(p, C.int64_t(o.Expires.Unix()), &e), e); err != nil {
			return nil, err
		}
	}
	if o.Tags != nil {
		if err := takeError(C.kv_secret_options_clear_tags(p, &e), e); err != nil {
			return nil, err
		}
		for k, v := range o.Tags {
			ck, cv := a.str("tag name", k), a.str("tag value", v)
			if a.err != nil {
				return nil, a.err
			}
			if err := takeError(C.kv_secret_options_set_tag(p, ck, cv, &e), e); err != nil {
				return nil, err
			}
		}
	}
	ok = true
	return p, nil
}

// SetSecret sets a secret, creating a new version, and returns that version (with its value).
// value is UTF-8 text (NUL bytes allowed; at most 25 KiB); it is passed to kv without a copy.
// opts (nil = none) sets properties (kv_client_set_secret_with_options); without it
// kv_client_set_secret is called.
func (c *Client) SetSecret(ctx context.Context, name string, value []byte, opts *SecretOptions) (Secret, error) {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	if a.err != nil {
		return Secret{}, a.err
	}
	var copts *C.kv_secret_options
	if opts != nil {
		var err error
		if copts, err = opts.native(); err != nil {
			return Secret{}, err
		}
		defer C.kv_secret_options_free(copts)
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Secret{}, err
	}
	v, vlen := payload(value)
	var out *C.kv_secret
	var e *C.kv_error
	var st C.kv_status
	if copts == nil {
		st = C.kv_client_set_secret(p, cname, v, vlen, &out, &e)
	} else {
		st = C.kv_client_set_secret_with_options(p, cname, v, vlen, copts, &out, &e)
	}
	cl.release()
	runtime.KeepAlive(value)
	if err := cl.check(st, e); err != nil {
		return Secret{}, err
	}
	return takeSecret(out), nil
}

// GetSecret gets a secret with its value (kv_client_get_secret); version "" means the latest.
func (c *Client) GetSecret(ctx context.Context, name, version string) (Secret, error) {
	var a cArgs
	defer a.free()
	cname, cver := a.str("name", name), a.optStr("version", version)
	if a.err != nil {
		return Secret{}, a.err
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Secret{}, err
	}
	var r C.kvgo_get
	st := C.kv_client_get_secret(p, cname, cver, &r.out, &r.err)
	cl.release()
	if err := cl.check(st, r.err); err != nil {
		return Secret{}, err
	}
	C.kvgo_secret_read(r.out, &r.fields)
	return takeSecretFields(r.out, &r.fields), nil
}

// UpdateSecretProperties changes what opts sets on a secret version (version "" = latest) and
// returns the updated properties, without a value (kv_client_update_secret_properties).
func (c *Client) UpdateSecretProperties(ctx context.Context, name, version string, opts SecretOptions) (Secret, error) {
	var a cArgs
	defer a.free()
	cname, cver := a.str("name", name), a.optStr("version", version)
	if a.err != nil {
		return Secret{}, a.err
	}
	copts, err := opts.native()
	if err != nil {
		return Secret{}, err
	}
	defer C.kv_secret_options_free(copts)
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Secret{}, err
	}
	var out *C.kv_secret
	var e *C.kv_error
	st := C.kv_client_update_secret_properties(p, cname, cver, copts, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return Secret{}, err
	}
	return takeSecret(out), nil
}

// DeleteSecret deletes a secret and all its versions and returns the deleted secret: no value;
// RecoveryID, DeletedDate, ScheduledPurgeDate and its properties set
// (kv_client_delete_secret_out). It is a soft delete: the secret can be recovered or purged while
// the vault retains it. The delete finishes asynchronously on the real service: call
// WaitForDeletedSecret before GetDeletedSecret, PurgeDeletedSecret or RecoverDeletedSecret.
func (c *Client) DeleteSecret(ctx context.Context, name string) (Secret, error) {
	return c.secretByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_secret, e **C.kv_error) C.kv_status {
		return C.kv_client_delete_secret_out(p, n, out, e)
	})
}

// WaitForDeletedSecret waits until a deleted secret has reached the deleted collection, polling
// (kv_client_wait_for_deleted_secret); ErrTimeout, with the deadline in the message, after
// timeout (rounded up to milliseconds, at most about 49 days).
func (c *Client) WaitForDeletedSecret(ctx context.Context, name string, timeout time.Duration) error {
	ms := waitMillis(timeout)
	return c.nameCall(ctx, name, func(p *C.kv_client, n *C.char, e **C.kv_error) C.kv_status {
		return C.kv_client_wait_for_deleted_secret(p, n, ms, e)
	})
}

// WaitForRecoveredSecret waits until a recovered secret is back
// (kv_client_wait_for_recovered_secret); ErrTimeout after timeout.
func (c *Client) WaitForRecoveredSecret(ctx context.Context, name string, timeout time.Duration) error {
	ms := waitMillis(timeout)
	return c.nameCall(ctx, name, func(p *C.kv_client, n *C.char, e **C.kv_error) C.kv_status {
		return C.kv_client_wait_for_recovered_secret(p, n, ms, e)
	})
}

// PurgeDeletedSecret purges a deleted secret permanently (kv_client_purge_deleted_secret).
func (c *Client) PurgeDeletedSecret(ctx context.Context, name string) error {
	return c.nameCall(ctx, name, func(p *C.kv_client, n *C.char, e **C.kv_error) C.kv_status {
		return C.kv_client_purge_deleted_secret(p, n, e)
	})
}

// GetDeletedSecret gets a deleted secret: no value; DeletedDate, ScheduledPurgeDate and
// RecoveryID set (kv_client_get_deleted_secret).
func (c *Client) GetDeletedSecret(ctx context.Context, name string) (Secret, error) {
	return c.secretByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_secret, e **C.kv_error) C.kv_status {
		return C.kv_client_get_deleted_secret(p, n, out, e)
	})
}

// RecoverDeletedSecret recovers a deleted secret and returns its properties, without a value
// (kv_client_recover_deleted_secret); it finishes asynchronously on the real service, see
// WaitForRecoveredSecret.
func (c *Client) RecoverDeletedSecret(ctx context.Context, name string) (Secret, error) {
	return c.secretByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_secret, e **C.kv_error) C.kv_status {
		return C.kv_client_recover_deleted_secret(p, n, out, e)
	})
}

// BackupSecret backs up all versions of a secret into an opaque blob that only RestoreSecret
// can read (kv_client_backup_secret). The blob is secret material: Wipe it when done.
func (c *Client) BackupSecret(ctx context.Context, name string) ([]byte, error) {
	return c.blobByName(ctx, name, func(p *C.kv_client, n *C.char, out **C.kv_blob, e **C.kv_error) C.kv_status {
		return C.kv_client_backup_secret(p, n, out, e)
	})
}

// RestoreSecret restores a secret (all versions) from a backup blob and returns its properties,
// without a value (kv_client_restore_secret). The backup is passed to kv without a copy.
func (c *Client) RestoreSecret(ctx context.Context, backup []byte) (Secret, error) {
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Secret{}, err
	}
	b, blen := payload(backup)
	var out *C.kv_secret
	var e *C.kv_error
	st := C.kv_client_restore_secret(p, b, blen, &out, &e)
	cl.release()
	runtime.KeepAlive(backup)
	if err := cl.check(st, e); err != nil {
		return Secret{}, err
	}
	return takeSecret(out), nil
}

// ListSecrets lists the vault's secrets (kv_client_list_secrets): items carry no value and no
// version. Pages are fetched as the iterator advances.
func (c *Client) ListSecrets(ctx context.Context) (*SecretIterator, error) {
	p, cl, err := c.acquireList(ctx)
	if err != nil {
		return nil, err
	}
	var out *C.kv_secret_iter
	var e *C.kv_error
	st := C.kv_client_list_secrets(p, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return nil, err
	}
	return attach(cl, newSecretIterator(out)), nil
}

// ListSecretVersions lists the versions of a secret (kv_client_list_secret_versions); items
// carry no value.
func (c *Client) ListSecretVersions(ctx context.Context, name string) (*SecretIterator, error) {
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
	var out *C.kv_secret_iter
	var e *C.kv_error
	st := C.kv_client_list_secret_versions(p, cname, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return nil, err
	}
	return attach(cl, newSecretIterator(out)), nil
}

// ListDeletedSecrets lists the vault's deleted secrets (kv_client_list_deleted_secrets).
func (c *Client) ListDeletedSecrets(ctx context.Context) (*SecretIterator, error) {
	p, cl, err := c.acquireList(ctx)
	if err != nil {
		return nil, err
	}
	var out *C.kv_secret_iter
	var e *C.kv_error
	st := C.kv_client_list_deleted_secrets(p, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return nil, err
	}
	return attach(cl, newSecretIterator(out)), nil
}

// nameCall runs a kv call that takes only a name and returns only a status.
func (c *Client) nameCall(ctx context.Context, name string, call func(*C.kv_client, *C.char, **C.kv_error) C.kv_status) error {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	if a.err != nil {
		return a.err
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return err
	}
	var e *C.kv_error
	st := call(p, cname, &e)
	cl.release()
	return cl.check(st, e)
}

// secretByName runs a kv call that takes a name and returns a secret.
func (c *Client) secretByName(ctx context.Context, name string, call func(*C.kv_client, *C.char, **C.kv_secret, **C.kv_error) C.kv_status) (Secret, error) {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	if a.err != nil {
		return Secret{}, a.err
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return Secret{}, err
	}
	var out *C.kv_secret
	var e *C.kv_error
	st := call(p, cname, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return Secret{}, err
	}
	return takeSecret(out), nil
}

// blobByName runs a kv call that takes a name and returns a blob.
func (c *Client) blobByName(ctx context.Context, name string, call func(*C.kv_client, *C.char, **C.kv_blob, **C.kv_error) C.kv_status) ([]byte, error) {
	var a cArgs
	defer a.free()
	cname := a.str("name", name)
	if a.err != nil {
		return nil, a.err
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return nil, err
	}
	var out *C.kv_blob
	var e *C.kv_error
	st := call(p, cname, &out, &e)
	cl.release()
	if err := cl.check(st, e); err != nil {
		return nil, err
	}
	return takeBlob(out), nil
}
