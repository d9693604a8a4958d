//go:build kv_external && !kv_dynamic

package kv

// -tags kv_external: no link flags of the package's own; give them in CGO_LDFLAGS, e.g.
//
//	CGO_LDFLAGS="/opt/kv/lib/libkv.a -ldl -lm -lpthread" go build -tags kv_external
//	CGO_LDFLAGS="-L/opt/kv/lib -lkv" go build -tags kv_external
//
// and, for a kv.h outside this repository, CGO_CFLAGS="-I/opt/kv/include".
