//go:build !kv_repo && !kv_dynamic && !kv_external

package kv

// Default: the installed C library, found with pkg-config (kv.pc, which `make install` writes):
// its include directory for kv.h and `-L<libdir> -lkv` (the shared library, libkv.so.0). For a
// prefix pkg-config does not search, set PKG_CONFIG_PATH=<prefix>/lib/pkgconfig, and at run
// time make libkv.so.0 findable (ldconfig, or LD_LIBRARY_PATH=<prefix>/lib).

/*
#cgo pkg-config: kv
*/
import "C"

// buildTags is the -tags value that selects this link mode (the example test builds with it).
const buildTags = ""
