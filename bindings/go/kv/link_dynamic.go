//go:build kv_dynamic

package kv

// -tags kv_dynamic: link target/release/libkv.so of the repository and record its directory
// as the run-time search path (RPATH), so the binary finds it without LD_LIBRARY_PATH.

/*
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -Wl,-rpath,${SRCDIR}/../../target/release -lkv
*/
import "C"
