package kv_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kv-sdk/kv/bindings/go/internal/hdrgen"
)

func readHeader(t *testing.T) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot(), "include", "kv.h"))
	must(t, "read kv.h", err)
	return src
}

// TestGeneratedCodeUpToDate regenerates zz_generated.go from include/kv.h and fails when the
// checked-in file differs (a status or enumeration value was added, renamed or renumbered).
func TestGeneratedCodeUpToDate(t *testing.T) {
	want, err := hdrgen.Generate(readHeader(t))
	must(t, "generate", err)
	got, err := os.ReadFile("zz_generated.go")
	must(t, "read zz_generated.go", err)
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("first difference at line %d:\n  checked in: %q\n  from kv.h:  %q", i+1, g, w)
				break
			}
		}
		t.Fatalf("zz_generated.go is out of date with include/kv.h: run `go generate` in bindings/go/kv")
	}
}

// TestDriftIsDetected: a status added to kv.h changes the generated code (so the test above
// fails until `go generate` runs) and gets a sentinel.
func TestDriftIsDetected(t *testing.T) {
	header := append(readHeader(t), []byte("\n/**\n * A status from the future.\n */\n#define KV_STATUS_FROM_THE_FUTURE 999\n")...)
	code, err := hdrgen.Generate(header)
	must(t, "generate", err)
	got, err := os.ReadFile("zz_generated.go")
	must(t, "read zz_generated.go", err)
	if bytes.Equal(code, got) || !bytes.Contains(code, []byte("ErrFromTheFuture = &Error{Status: StatusFromTheFuture")) {
		t.Fatalf("a new status did not change the generated code")
	}
}

// packageSource returns the Go source of the package (not tests, not generated code).
func packageSource(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	must(t, "glob", err)
	var b strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "zz_generated.go" {
			continue
		}
		src, err := os.ReadFile(f)
		must(t, "read "+f, err)
		b.Write(src)
	}
	return b.String()
}

// missingCalls returns the functions of kv.h matching prefix that the package never calls, as
// C.<name> from Go or as <name>(...) from C code in a cgo preamble (the comment right before
// import "C", where helpers such as kvgo_secret_read read many fields in one cgo call).
func missingCalls(t *testing.T, prefix string) (all, missing []string) {
	t.Helper()
	h, err := hdrgen.Parse(readHeader(t))
	must(t, "parse kv.h", err)
	called := map[string]bool{}
	src := packageSource(t)
	for _, m := range regexp.MustCompile(`\bC\.(kv_[a-z0-9_]+)\b`).FindAllStringSubmatch(src, -1) {
		called[m[1]] = true
	}
	for _, pre := range regexp.MustCompile(`(?s)/\*(.*?)\*/\s*import "C"`).FindAllStringSubmatch(src, -1) {
		for _, m := range regexp.MustCompile(`\b(kv_[a-z0-9_]+)\(`).FindAllStringSubmatch(pre[1], -1) {
			called[m[1]] = true
		}
	}
	for _, f := range h.Functions {
		if !strings.HasPrefix(f, prefix) {
			continue
		}
		all = append(all, f)
		if !called[f] {
			missing = append(missing, f)
		}
	}
	sort.Strings(missing)
	return all, missing
}

// TestParityClientOperations: every kv_client_* function of kv.h is called by the binding.
func TestParityClientOperations(t *testing.T) {
	all, missing := missingCalls(t, "kv_client_")
	if len(all) < 50 {
		t.Fatalf("only %d kv_client_* functions found in kv.h", len(all))
	}
	missing = slices.DeleteFunc(missing, func(f string) bool { return notCalled[f] != "" })
	if len(missing) > 0 {
		t.Fatalf("%d of the %d kv_client_* functions of kv.h are not in the Go binding:\n  %s",
			len(missing), len(all), strings.Join(missing, "\n  "))
	}
	t.Logf("all %d kv_client_* functions are bound", len(all))
}

// notCalled are functions of kv.h the binding deliberately does without, and why.
var notCalled = map[string]string{
	"kv_secret_tag_get":      "tags are copied whole into Secret.Tags (kv_secret_tag_count, _name, _value)",
	"kv_key_tag_get":         "tags are copied whole into Key.Tags (kv_key_tag_count, _name, _value)",
	"kv_secret_cache_get":    "SecretCache.Get/GetEx call kv_secret_cache_get_in_context (the same get, with the stale flag and a context)",
	"kv_secret_cache_get_ex": "SecretCache.Get/GetEx call kv_secret_cache_get_in_context (the same get, with a context)",
	"kv_client_delete_secret": "DeleteSecret calls kv_client_delete_secret_out (the same request; it hands back " +
		"the deleted secret)",
	"kv_certificate_policy_add_dns_name":                 "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_add_eku":                      "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_add_email":                    "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_add_ip_address":               "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_add_key_usage":                "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_add_lifetime_action":          "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_add_upn":                      "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_add_uri":                      "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_content_type":                 "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_issuer_name":                  "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_key_type":                     "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_new":                          "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_new_empty":                    "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_certificate_transparency": "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_certificate_type":         "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_content_type":             "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_curve":                    "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_exportable":               "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_issuer":                   "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_key_size":                 "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_key_type":                 "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_reuse_key":                "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_subject":                  "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_set_validity_months":          "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_subject":                      "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_policy_validity_months":              "CertificatePolicy crosses as JSON (kv_certificate_policy_from_json, _to_json)",
	"kv_certificate_pem":                                 "Certificate.CER is the DER; encoding/pem makes PEM from it",
}

// TestParityAllFunctions: every function of kv.h (credentials, local keys, accessors, ...) is
// called by the binding, except the few in notCalled.
func TestParityAllFunctions(t *testing.T) {
	all, allMissing := missingCalls(t, "kv_")
	var missing []string
	for _, f := range allMissing {
		if notCalled[f] == "" {
			missing = append(missing, f)
		}
	}
	for f := range notCalled {
		if !slices.Contains(all, f) {
			t.Errorf("notCalled names %s, which kv.h no longer declares", f)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of the %d functions of kv.h are not in the Go binding:\n  %s",
			len(missing), len(all), strings.Join(missing, "\n  "))
	}
	t.Logf("%d of the %d functions of kv.h are bound; not called on purpose: %v", len(all)-len(notCalled), len(all), notCalled)
}
