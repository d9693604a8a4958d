//go:build !kv_dynamic && !kv_external

package kv

// Default: link the static library built by `cargo build --release` in the repository root.
// A Rust static library needs libdl, libm and libpthread from the C library.

/*
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libkv.a -ldl -lm -lpthread
*/
import "C"
