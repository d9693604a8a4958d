package kv_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

// Example shows the shape of a program using the binding (compiled by go test, not run: it
// needs a vault).
func Example() {
	cred, err := kv.NewStaticTokenCredential(os.Getenv("KV_TOKEN"))
	if err != nil {
		log.Fatal(err)
	}
	defer cred.Close()
	client, err := kv.NewClient("https://myvault.vault.azure.net", cred, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	s, err := client.GetSecret(ctx, "db-password", "")
	switch {
	case errors.Is(err, kv.ErrSecretNotFound):
		fmt.Println("no such secret")
	case err != nil:
		log.Fatal(err)
	default:
		defer s.Wipe()
		fmt.Printf("%d bytes\n", len(s.Value))
	}
}

// TestQuickstartExample builds examples/quickstart and runs it against the test vault.
func TestQuickstartExample(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = "/usr/local/go/bin/go"
		if _, err := os.Stat(goCmd); err != nil {
			t.Skip("go command not found")
		}
	}
	bin := filepath.Join(t.TempDir(), "quickstart")
	// The same link mode as this test binary (kv.BuildTags, from the link_*.go file in use).
	build := exec.Command(goCmd, "build", "-tags", kv.BuildTags, "-o", bin, "../examples/quickstart")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags %q ../examples/quickstart: %v\n%s", kv.BuildTags, err, out)
	}
	run := exec.Command(bin)
	run.Env = append(os.Environ(), "KV_VAULT_URL="+vaultURL, "KV_CA_FILE="+vaultCA, "KV_TOKEN="+testToken())
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "quickstart: done") {
		t.Fatalf("quickstart: %v\n%s", err, out)
	}
	t.Logf("quickstart output:\n%s", out)
}
