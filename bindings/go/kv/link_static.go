//go:build kv_repo && !kv_dynamic && !kv_external

package kv

// -tags kv_repo: inside a kv checkout, compile against the repository's include/kv.h and link
// the static library built by `cargo build --release` in the repository root. A Rust static
// library needs these system libraries (`cargo rustc -- --print native-static-libs`).

/*
#cgo CFLAGS: -I${SRCDIR}/../../../include
#cgo LDFLAGS: ${SRCDIR}/../../../target/release/libkv.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"

// buildTags is the -tags value that selects this link mode (the example test builds with it).
const buildTags = "kv_repo"
