// kv through its Go binding (bindings/go, linked statically to target/release/libkv.a with
// -tags kv_repo) in the benchmark: bench/run.sh runs it against the canned TLS endpoint and
// reads the one JSON line it prints. The test CA comes from KV_BENCH_CA (the client's CAFile).
// Modes (bench/godriver, shared with bench/go-sdk): throughput | rss N | calls N | rss-series N.
package main

import (
	"context"

	"github.com/kv-sdk/kv/bindings/go/kv"
	"kvbench/godriver"
)

var cred *kv.Credential

func newClient() *kv.Client {
	if cred == nil {
		var err error
		if cred, err = kv.NewStaticTokenCredential(godriver.Env("KV_BENCH_TOKEN")); err != nil {
			panic(err)
		}
	}
	c, err := kv.NewClient(godriver.Env("KV_BENCH_URL"), cred, &kv.ClientOptions{CAFile: godriver.Env("KV_BENCH_CA")})
	if err != nil {
		panic(err)
	}
	return c
}

// ctx is the context of every call: a background context, which costs nothing extra per call.
var ctx = context.Background()

func get(c *kv.Client) {
	s, err := c.GetSecret(ctx, "bench", "")
	if err != nil {
		panic(err)
	}
	if len(s.Value) == 0 {
		panic("no value")
	}
}

// closeAll closes further clients.
func closeAll(cs []*kv.Client) {
	for _, c := range cs {
		c.Close()
	}
}

func main() {
	godriver.Main(godriver.Driver[*kv.Client]{New: newClient, Get: get, Close: closeAll})
}
