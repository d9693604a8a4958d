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

// ClientOptions are the client settings (kv_client_options). The zero value means kv's
// defaults: api-version 2025-07-01, challenge resource verified, HTTPS only, no verb override,
// connect timeout 10 s, read timeout 30 s, call timeout 120 s, 4 retries with exponential
// backoff from 800 ms (at most 60 s per wait).
type ClientOptions struct {
	// APIVersion is the api-version sent on every request, e.g. "7.5" ("" = default).
	APIVersion string
	// CAFile is a PEM file of CA certificates trusted in addition to the system's roots (for
	// test servers and private CAs). It is read when the client is created.
	CAFile string
	// DisableChallengeResourceVerification turns off the check that the 401 challenge's resource
	// matches the vault host. Only for emulators and private domains.
	DisableChallengeResourceVerification bool
	// MethodOverride sends PUT, PATCH and DELETE as POST with an X-HTTP-METHOD header.
	MethodOverride bool
	// AllowInsecureHTTP allows a plain http:// vault URL (loopback test servers only: tokens
	// then travel unencrypted).
	AllowInsecureHTTP bool
	// ConnectTimeout (TCP + TLS), ReadTimeout (each wait for reply data) and CallTimeout (the
	// whole call, retries included); 0 = default. Rounded up to whole milliseconds.
	ConnectTimeout, ReadTimeout, CallTimeout time.Duration
	// MaxRetries is the number of retries after the first attempt for 408, 429, 500, 502, 503,
	// 504 and transport failures: 0 = default (4), negative = no retries, at most 100.
	MaxRetries int
	// RetryDelay is the first backoff wait (default 800 ms, ±20% jitter, doubling per retry)
	// and MaxRetryDelay caps each wait (default 60 s); 0 = default.
	RetryDelay, MaxRetryDelay time.Duration
}

// native builds kv_client_options from o; the caller frees them with kv_client_options_free.
func (o *ClientOptions) native() (*C.kv_client_options, error) {
	p := C.kv_client_options_new()
	if p == nil {
		panic("kv: out of memory")
	}
	ok := false
	defer func() {
		if !ok {
			C.kv_client_options_free(p)
		}
	}()
	var a cArgs
	defer a.free()
	var e *C.kv_error
	check := func(st C.kv_status) error { return takeError(st, e) }

	if o.APIVersion != "" {
		v := a.str("APIVersion", o.APIVersion)
		if a.err != nil {
			return nil, a.err
		}
		if err := check(C.kv_client_options_set_api_version(p, v, &e)); err != nil {
			return nil, err
		}
	}
	if o.CAFile != "" {
		f := a.str("CAFile", o.CAFile)
		if a.err != nil {
			return nil, a.err
		}
		if err := check(C.kv_client_options_set_ca_file(p, f, &e)); err != nil {
			return nil, err
		}
	}
	if o.DisableChallengeResourceVerification {
		if err := check(C.kv_client_options_set_verify_challenge_resource(p, false, &e)); err != nil {
			return nil, err
		}
	}
	if o.MethodOverride {
		if err := check(C.kv_client_options_set_method_override(p, true, &e)); err != nil {
			return nil, err
		}
	}
	if o.AllowInsecureHTTP {
		if err := check(C.kv_client_options_set_allow_insecure_http(p, true, &e)); err != nil {
			return nil, err
		}
	}
	for _, t := range []struct {
		what string
		d    time.Duration
		set  func(uint64) C.kv_status
	}{
		{"ConnectTimeout", o.ConnectTimeout, func(ms uint64) C.kv_status {
			return C.kv_client_options_set_connect_timeout_ms(p, C.uint64_t(ms), &e)
		}},
		{"ReadTimeout", o.ReadTimeout, func(ms uint64) C.kv_status {
			return C.kv_client_options_set_read_timeout_ms(p, C.uint64_t(ms), &e)
		}},
		{"CallTimeout", o.CallTimeout, func(ms uint64) C.kv_status {
			return C.kv_client_options_set_call_timeout_ms(p, C.uint64_t(ms), &e)
		}},
	} {
		if t.d < 0 {
			return nil, argError(t.what + " is negative")
		}
		if t.d > 0 {
			if err := check(t.set(millis(t.d))); err != nil {
				return nil, err
			}
		}
	}
	if o.MaxRetries != 0 {
		n := o.MaxRetries
		if n < 0 {
			n = 0
		}
		r, err := uint32Arg("MaxRetries", n)
		if err != nil {
			return nil, err
		}
		if err := check(C.kv_client_options_set_max_retries(p, r, &e)); err != nil {
			return nil, err
		}
	}
	if o.RetryDelay < 0 || o.MaxRetryDelay < 0 {
		return nil, argError("RetryDelay and MaxRetryDelay must not be negative")
	}
	if o.RetryDelay > 0 || o.MaxRetryDelay > 0 {
		initial, max := o.RetryDelay, o.MaxRetryDelay
		if initial == 0 {
			initial = 800 * time.Millisecond
		}
		if max == 0 {
			max = 60 * time.Second
		}
		st := C.kv_client_options_set_retry_delay_ms(p, C.uint64_t(millis(initial)), C.uint64_t(millis(max)), &e)
		if err := check(st); err != nil {
			return nil, err
		}
	}
	ok = true
	return p, nil
}

// Client is a Key Vault client for one vault (kv_client). It is safe for concurrent use by
// any number of goroutines; each call blocks its goroutine until kv returns.
type Client struct {
	h    handle
	url  string
	pool ctxPool // kv_call_context + kv client pairs for calls under a cancellable context
}

// NewClient creates a client for vaultURL (e.g. "https://myvault.vault.azure.net") with
// kv_client_new. cred is not consumed (the client keeps its own reference); opts may be nil
// for the defaults. No request is sent until the first call. Close the client when done.
func NewClient(vaultURL string, cred *Credential, opts *ClientOptions) (*Client, error) {
	var a cArgs
	defer a.free()
	curl := a.str("vaultURL", vaultURL)
	if a.err != nil {
		return nil, a.err
	}
	var copts *C.kv_client_options
	if opts != nil {
		var err error
		if copts, err = opts.native(); err != nil {
			return nil, err
		}
		defer C.kv_client_options_free(copts)
	}
	var ccred *C.kv_credential
	if cred != nil {
		var err error
		if ccred, err = cred.acquire(); err != nil {
			return nil, err
		}
		defer cred.release()
	}
	var out *C.kv_client
	var e *C.kv_error
	st := C.kv_client_new(curl, ccred, copts, &out, &e)
	if err := takeError(st, e); err != nil {
		return nil, err
	}
	c := &Client{url: vaultURL}
	c.h.ptr = unsafe.Pointer(out)
	handleCreated()
	runtime.SetFinalizer(c, func(c *Client) { c.free(true) })
	return c, nil
}

// VaultURL returns the vault URL the client was created with.
func (c *Client) VaultURL() string {
	if c == nil {
		return ""
	}
	return c.url
}

// Close frees the client (kv_client_free) after waiting for the calls in flight. It is
// idempotent; later calls return ErrClosed. Iterators created from the client stay valid.
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	c.free(false)
	runtime.SetFinalizer(c, nil)
	return nil
}

func (c *Client) free(byFinalizer bool) {
	if p := c.h.take(); p != nil {
		c.pool.drain()
		C.kv_client_free((*C.kv_client)(p))
		handleFreed(byFinalizer)
	}
}

// release drops the read lock and keeps c (and so its finalizer) alive until after the C call.
func (c *Client) release() {
	c.h.runlock()
	runtime.KeepAlive(c)
}
