package kv

// The C side of callback credentials. The exported Go functions live in callback.go; a file
// with //export may only declare things in its preamble, so the small C helpers are here.

/*
#include <stdint.h>
#include "kv.h"

extern int32_t kvGoTokenCallback(void *user_data, char *scope, char *tenant_id, char *claims, kv_token_sink *sink);
extern void kvGoFreeUserData(void *user_data);

static kv_token_callback kv_go_token_callback(void) { return (kv_token_callback)kvGoTokenCallback; }
static kv_free_user_data kv_go_free_user_data(void) { return (kv_free_user_data)kvGoFreeUserData; }

// A cgo.Handle is an integer, not a pointer: convert it to the void * user_data in C, so that
// no Go pointer is ever given to kv to keep.
static void *kv_go_handle_to_user_data(uintptr_t h) { return (void *)h; }
*/
import "C"

import "runtime/cgo"

func newCallbackCredentialNative(h cgo.Handle) (*C.kv_credential, error) {
	var out *C.kv_credential
	var e *C.kv_error
	st := C.kv_credential_callback_new(C.kv_go_token_callback(), C.kv_go_handle_to_user_data(C.uintptr_t(h)),
		C.kv_go_free_user_data(), &out, &e)
	if err := takeError(st, e); err != nil {
		return nil, err
	}
	return out, nil
}
