//go:build kv_dynamic

package kv

// -tags kv_dynamic: inside a kv checkout, compile against the repository's include/kv.h, link
// target/release/libkv.so and record its directory as the run-time search path (RPATH), so the
// binary finds it without LD_LIBRARY_PATH.

/*
#cgo CFLAGS: -I${SRCDIR}/../../../include
#cgo LDFLAGS: -L${SRCDIR}/../../../target/release -Wl,-rpath,${SRCDIR}/../../../target/release -lkv
*/
import "C"

// buildTags is the -tags value that selects this link mode (the example test builds with it).
const buildTags = "kv_dynamic"
