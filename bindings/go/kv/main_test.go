package kv_test

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

// The tests run against one local vault that TestMain starts: tools/testvault/testvault.py on
// free ports, with --page-size 3 so that every list of more than three items spans pages.
// Set KV_TEST_VAULT_URL (and KV_TEST_VAULT_CA, KV_VERIFY_CHALLENGE_RESOURCE=0 for emulators
// such as Lowkey Vault) to run against a vault of your own instead.
var (
	vaultURL string
	vaultCA  string
	// vaultHTTP is the vault's plain HTTP base URL (managed identity token endpoints), or "".
	vaultHTTP string
	// client and cred are shared by the tests; tests that close a client make their own.
	client *kv.Client
	cred   *kv.Credential
)

const pageSize = 3

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	stop, err := startVault()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kv tests: cannot start the local vault:", err)
		return 1
	}
	defer stop()
	cred, err = kv.NewStaticTokenCredential(testToken())
	if err != nil {
		fmt.Fprintln(os.Stderr, "kv tests: credential:", err)
		return 1
	}
	client, err = kv.NewClient(vaultURL, cred, testOptions())
	if err != nil {
		fmt.Fprintln(os.Stderr, "kv tests: client:", err)
		return 1
	}
	code := m.Run()
	client.Close()
	cred.Close()
	return code
}

func testToken() string {
	if t := os.Getenv("KV_TOKEN"); t != "" {
		return t
	}
	return "local-dev-token"
}

func testOptions() *kv.ClientOptions {
	return &kv.ClientOptions{
		CAFile:                               vaultCA,
		DisableChallengeResourceVerification: os.Getenv("KV_VERIFY_CHALLENGE_RESOURCE") == "0",
		CallTimeout:                          60 * time.Second,
	}
}

// repoRoot is the kv repository (bindings/go/kv is three levels down).
func repoRoot() string {
	dir, _ := filepath.Abs(filepath.Join("..", "..", ".."))
	return dir
}

// startVault starts testvault (unless KV_TEST_VAULT_URL names a vault) and returns how to stop
// it. The server exits when its standard input closes, so it cannot outlive the test binary.
func startVault() (func(), error) {
	if u := os.Getenv("KV_TEST_VAULT_URL"); u != "" {
		vaultURL, vaultCA = u, os.Getenv("KV_TEST_VAULT_CA")
		return func() {}, nil
	}
	dir, err := os.MkdirTemp("", "kv-go-vault-")
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "testvault.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	// The HTTPS port is chosen by the server (--port 0, reported on stdout); the plain HTTP port
	// is picked here, so the tests know where its managed-identity token endpoint is.
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", filepath.Join(repoRoot(), "tools", "testvault", "testvault.py"),
		"--port", "0", "--http-port", fmt.Sprint(httpPort), "--state-dir", dir,
		"--page-size", fmt.Sprint(pageSize), "--exit-on-stdin-eof")
	cmd.Stderr = logFile
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		stdin.Close() // --exit-on-stdin-eof
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logFile.Close()
		os.RemoveAll(dir)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "testvault ready "); ok {
				ready <- strings.TrimSpace(rest)
				break
			}
		}
		io.Copy(io.Discard, stdout)
		close(ready)
	}()
	select {
	case u, ok := <-ready:
		if !ok {
			stop()
			return nil, fmt.Errorf("testvault exited before it was ready (see its log %s)", logPath)
		}
		vaultURL, vaultCA = u, filepath.Join(dir, "ca.pem")
		vaultHTTP = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	case <-time.After(60 * time.Second):
		stop()
		return nil, errors.New("testvault was not ready within 60 s")
	}
	return stop, nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// uniqueName returns prefix-<random hex>, a valid and unused object name.
func uniqueName(prefix string) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + "-" + hex.EncodeToString(b)
}

// newClient makes a client of its own for a test (closed at the end of the test).
func newClient(t *testing.T) *kv.Client {
	t.Helper()
	c, err := kv.NewClient(vaultURL, cred, testOptions())
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// must fails the test on a non-nil error.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// kvError extracts the *kv.Error of err, failing the test if there is none.
func kvError(t *testing.T, err error) *kv.Error {
	t.Helper()
	var e *kv.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *kv.Error", err, err)
	}
	return e
}

// expectStatus checks that err matches the sentinel want and returns its *kv.Error.
func expectStatus(t *testing.T, what string, err error, want error) *kv.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v does not match %v", what, err, want)
	}
	return kvError(t, err)
}
