//go:build kv_external && !kv_dynamic

package kv

// -tags kv_external: no link flags of the package's own; give them in CGO_LDFLAGS, e.g.
//
//	CGO_LDFLAGS="/opt/kv/lib/libkv.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc" go build -tags kv_external
//	CGO_LDFLAGS="-L/opt/kv/lib -lkv" go build -tags kv_external
//
// and, for a kv.h outside a kv checkout, CGO_CFLAGS="-I/opt/kv/include".

/*
#cgo CFLAGS: -I${SRCDIR}/../../../include
*/
import "C"

// buildTags is the -tags value that selects this link mode (the example test builds with it).
const buildTags = "kv_external"
