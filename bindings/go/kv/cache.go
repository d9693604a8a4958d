package kv

/*
#include <stdlib.h>
#include "kv.h"
*/
import "C"

import (
	"context"
	"runtime"
	"time"
	"unsafe"
)

// SecretCacheOptions are the settings of a SecretCache (kv_secret_cache_options). The zero value
// keeps every default.
type SecretCacheOptions struct {
	// TTL is how long a value of the latest version is served before it is fetched again
	// (0 = 5 minutes).
	TTL time.Duration
	// Jitter is the share of the TTL (0 to 1) by which each value's life is shortened at random
	// (0 = 0.1; NoJitter turns it off).
	Jitter   float64
	NoJitter bool
	// RefreshAhead: in the last RefreshAhead of a value's life (at most half of it) the first
	// caller refreshes it while the others keep getting it (0 = 30 s; negative = off).
	RefreshAhead time.Duration
	// StaleFor: while the vault throttles (429), fails (5xx) or cannot be reached, an expired value
	// is served this long past its expiry, flagged stale (0 = 5 minutes; negative = off).
	StaleFor time.Duration
	// MaxEntries is the most values held; the least recently used is evicted beyond it (0 = 1024).
	MaxEntries int
	// ErrorRetry is the least time between requests for a secret after a failure (0 = 1 s).
	ErrorRetry time.Duration
}

func (o *SecretCacheOptions) native() (*C.kv_secret_cache_options, error) {
	p := C.kv_secret_cache_options_new()
	if p == nil {
		panic("kv: out of memory")
	}
	ok := false
	defer func() {
		if !ok {
			C.kv_secret_cache_options_free(p)
		}
	}()
	var e *C.kv_error
	check := func(st C.kv_status) error { return takeError(st, e) }
	ms := func(d time.Duration) C.uint64_t { return C.uint64_t(millis(d)) }
	if o.TTL < 0 || o.ErrorRetry < 0 || o.MaxEntries < 0 {
		return nil, argError("TTL, ErrorRetry and MaxEntries must not be negative")
	}
	if o.TTL > 0 {
		if err := check(C.kv_secret_cache_options_set_ttl_ms(p, ms(o.TTL), &e)); err != nil {
			return nil, err
		}
	}
	if o.NoJitter || o.Jitter != 0 {
		j := o.Jitter
		if o.NoJitter {
			j = 0
		}
		if err := check(C.kv_secret_cache_options_set_jitter(p, C.double(j), &e)); err != nil {
			return nil, err
		}
	}
	if o.RefreshAhead != 0 {
		if err := check(C.kv_secret_cache_options_set_refresh_ahead_ms(p, ms(o.RefreshAhead), &e)); err != nil {
			return nil, err
		}
	}
	if o.StaleFor != 0 {
		if err := check(C.kv_secret_cache_options_set_stale_for_ms(p, ms(o.StaleFor), &e)); err != nil {
			return nil, err
		}
	}
	if o.MaxEntries > 0 {
		if err := check(C.kv_secret_cache_options_set_max_entries(p, C.uint64_t(o.MaxEntries), &e)); err != nil {
			return nil, err
		}
	}
	if o.ErrorRetry > 0 {
		if err := check(C.kv_secret_cache_options_set_error_retry_ms(p, ms(o.ErrorRetry), &e)); err != nil {
			return nil, err
		}
	}
	ok = true
	return p, nil
}

// SecretCacheStats are a SecretCache's counters since it was made, and its size. Every get counts
// once in exactly one of Hits, Misses, Stale and Errors.
type SecretCacheStats struct {
	Hits          uint64 // answered from memory with a fresh value
	Misses        uint64 // waited for a request (its own or another goroutine's) and got its value
	Stale         uint64 // answered with a stale value
	Errors        uint64 // returned an error
	Requests      uint64 // requests sent to the vault
	Refreshes     uint64 // requests for a secret that had a value (ahead of or after expiry)
	Evictions     uint64 // values evicted to stay within MaxEntries
	Invalidations uint64 // values removed by Invalidate or a definite answer (404, 403, ...)
	Entries       uint64 // values held now
}

// SecretCache is a cache of secrets over a Client (kv_secret_cache), safe for concurrent use.
// Get answers from memory while a value is fresh, else asks the vault — once, however many
// goroutines ask at the same time (the others wait for that answer). A get with a version pins
// that version: it never changes, so it is never fetched again. Values are zeroized in kv when
// they leave the cache. The cache stays usable after its client is closed.
type SecretCache struct {
	h handle
}

// NewSecretCache makes a cache over client; opts may be nil for the defaults. It sends no request.
func NewSecretCache(client *Client, opts *SecretCacheOptions) (*SecretCache, error) {
	var copts *C.kv_secret_cache_options
	if opts != nil {
		var err error
		if copts, err = opts.native(); err != nil {
			return nil, err
		}
		defer C.kv_secret_cache_options_free(copts)
	}
	// The cache keeps its own reference to the client; no call context applies to making it.
	cp, k, err := client.acquire(context.Background())
	if err != nil {
		return nil, err
	}
	var out *C.kv_secret_cache
	var e *C.kv_error
	st := C.kv_secret_cache_new(cp, copts, &out, &e)
	k.release()
	if err := takeError(st, e); err != nil {
		return nil, err
	}
	s := &SecretCache{}
	s.h.ptr = unsafe.Pointer(out)
	handleCreated()
	runtime.SetFinalizer(s, func(s *SecretCache) { s.free(true) })
	return s, nil
}

// Get returns the secret with its value (version "" = the latest), from memory when fresh. A
// request it makes, or its wait for another goroutine's request of the same secret, ends when
// ctx is done (errors.Is(err, context.Canceled) or context.DeadlineExceeded then holds); a hit
// answers from memory whatever ctx says.
func (s *SecretCache) Get(ctx context.Context, name, version string) (Secret, error) {
	secret, _, err := s.GetEx(ctx, name, version)
	return secret, err
}

// GetEx is Get, also telling whether the value was served stale (past its expiry, because the
// vault throttled, failed or could not be reached).
func (s *SecretCache) GetEx(ctx context.Context, name, version string) (Secret, bool, error) {
	var a cArgs
	defer a.free()
	cname, cver := a.str("name", name), a.optStr("version", version)
	if a.err != nil {
		return Secret{}, false, a.err
	}
	w, err := watchContext(ctx)
	if err != nil {
		return Secret{}, false, err
	}
	defer w.end()
	p, err := s.acquire()
	if err != nil {
		return Secret{}, false, err
	}
	var out *C.kv_secret
	var stale C.bool
	var e *C.kv_error
	st := C.kv_secret_cache_get_in_context(p, w.cctx, cname, cver, &out, &stale, &e)
	s.release()
	if err := w.explain(takeError(st, e)); err != nil {
		return Secret{}, false, err
	}
	return takeSecret(out), bool(stale), nil
}

// Invalidate removes every cached version of name ("" = everything) and returns how many values
// it removed; the next Get asks the vault.
func (s *SecretCache) Invalidate(name string) int {
	var a cArgs
	defer a.free()
	cname := a.optStr("name", name)
	if a.err != nil {
		return 0
	}
	p, err := s.acquire()
	if err != nil {
		return 0
	}
	n := C.kv_secret_cache_invalidate(p, cname)
	s.release()
	return int(n)
}

// Stats returns the counters and the number of values held (zero after Close).
func (s *SecretCache) Stats() SecretCacheStats {
	p, err := s.acquire()
	if err != nil {
		return SecretCacheStats{}
	}
	var c C.kv_secret_cache_counters
	C.kv_secret_cache_stats(p, &c)
	s.release()
	return SecretCacheStats{
		Hits: uint64(c.hits), Misses: uint64(c.misses), Stale: uint64(c.stale), Errors: uint64(c.errors),
		Requests: uint64(c.requests), Refreshes: uint64(c.refreshes), Evictions: uint64(c.evictions),
		Invalidations: uint64(c.invalidations), Entries: uint64(c.entries),
	}
}

// Close frees the cache, zeroizing its values. Calls in flight finish first; later calls return
// ErrClosed. Secrets it returned stay usable.
func (s *SecretCache) Close() error {
	if s == nil {
		return nil
	}
	s.free(false)
	runtime.SetFinalizer(s, nil)
	return nil
}

func (s *SecretCache) free(byFinalizer bool) {
	if p := s.h.take(); p != nil {
		C.kv_secret_cache_free((*C.kv_secret_cache)(p))
		handleFreed(byFinalizer)
	}
}

func (s *SecretCache) acquire() (*C.kv_secret_cache, error) {
	if s == nil {
		return nil, ErrClosed
	}
	if p := s.h.rlock(); p != nil {
		return (*C.kv_secret_cache)(p), nil
	}
	return nil, ErrClosed
}

func (s *SecretCache) release() {
	s.h.runlock()
	runtime.KeepAlive(s)
}
