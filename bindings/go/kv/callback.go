package kv

/*
#include <stdint.h>
#include <stdlib.h>
#include "kv.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"sync/atomic"
	"time"
	"unsafe"
)

// TokenRequest is what kv asks a TokenFunc for.
type TokenRequest struct {
	// Scope is the scope wanted, e.g. "https://vault.azure.net/.default".
	Scope string
	// TenantID is the tenant the vault's challenge named ("" when none).
	TenantID string
	// Claims is the JSON of a claims challenge ("" when none).
	Claims string
}

// Token is an access token and its expiry.
type Token struct {
	Token     string
	ExpiresOn time.Time
}

// TokenFunc supplies the tokens of a callback credential. kv calls it on a thread of its own for
// each token fetch (so the kv call that needs the token can fail with ErrTimeout at its call
// timeout while fn runs on), never concurrently for the same request (other callers wait for
// its result, which kv caches until 5 minutes before ExpiresOn, also when it arrives after the
// call gave up), but possibly concurrently for different ones. It must return, and must not call
// a client that uses this credential (that call would wait for it). A returned error (or a panic) fails the kv call that needed the
// token with ErrAuthenticationFailed and the error's text, which must hold no secrets.
type TokenFunc func(TokenRequest) (Token, error)

// callbackHandles counts the cgo.Handles of callback credentials not yet released by kv (for
// the tests).
var callbackHandles atomic.Int64

// NewCallbackCredential returns a credential whose tokens come from fn
// (kv_credential_callback_new). The binding gives kv a runtime/cgo.Handle of fn as user_data,
// never a Go pointer; kv releases it (and the binding deletes the handle) once the credential
// and every client using it are freed.
func NewCallbackCredential(fn TokenFunc) (*Credential, error) {
	if fn == nil {
		return nil, argError("the token function is nil")
	}
	h := cgo.NewHandle(fn)
	callbackHandles.Add(1)
	out, err := newCallbackCredentialNative(h)
	if err != nil {
		// On failure kv does not call free_user_data: the handle is still ours.
		h.Delete()
		callbackHandles.Add(-1)
		return nil, err
	}
	return newCredential(out), nil
}

func optionalGoString(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

//export kvGoTokenCallback
func kvGoTokenCallback(userData unsafe.Pointer, scope, tenantID, claims *C.char, sink *C.kv_token_sink) (ret C.int32_t) {
	fail := func(msg string) C.int32_t {
		cmsg := C.CString(msg)
		C.kv_token_sink_set_error(sink, cmsg, nil)
		C.free(unsafe.Pointer(cmsg))
		return 1
	}
	defer func() {
		// A panic must not unwind into C: report it as the callback's failure.
		if r := recover(); r != nil {
			ret = fail(fmt.Sprintf("the Go token function panicked: %v", r))
		}
	}()
	fn, ok := cgo.Handle(uintptr(userData)).Value().(TokenFunc)
	if !ok {
		return fail("kv Go binding: bad callback user_data")
	}
	tok, err := fn(TokenRequest{Scope: optionalGoString(scope), TenantID: optionalGoString(tenantID), Claims: optionalGoString(claims)})
	if err != nil {
		return fail(err.Error())
	}
	var a cArgs
	defer a.free() // zeroes the C copy of the token
	ctok := a.secretStr("token", tok.Token)
	if a.err != nil {
		return fail("the token contains a NUL byte")
	}
	var e *C.kv_error
	st := C.kv_token_sink_set(sink, ctok, C.int64_t(tok.ExpiresOn.Unix()), &e)
	if err := takeError(st, e); err != nil {
		return fail("the token function's result was refused: " + err.Error())
	}
	return 0
}

//export kvGoFreeUserData
func kvGoFreeUserData(userData unsafe.Pointer) {
	cgo.Handle(uintptr(userData)).Delete()
	callbackHandles.Add(-1)
}
