// Command gen regenerates zz_generated.go (statuses, sentinel errors and enumerations) from
// kv.h. Run it through `go generate` in bindings/go/kv:
//
//	go generate ./...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/kv-sdk/kv/bindings/go/internal/hdrgen"
)

func main() {
	header := flag.String("header", "../../../include/kv.h", "path of kv.h")
	out := flag.String("out", "zz_generated.go", "Go file to write")
	check := flag.Bool("check", false, "only check that -out is up to date (exit status 1 if not)")
	flag.Parse()

	src, err := os.ReadFile(*header)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	code, err := hdrgen.Generate(src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	if *check {
		old, _ := os.ReadFile(*out)
		if !bytes.Equal(old, code) {
			fmt.Fprintf(os.Stderr, "gen: %s is out of date with %s: run `go generate` in bindings/go/kv\n", *out, *header)
			os.Exit(1)
		}
		return
	}
	old, _ := os.ReadFile(*out)
	if bytes.Equal(old, code) {
		return
	}
	if err := os.WriteFile(*out, code, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
}
