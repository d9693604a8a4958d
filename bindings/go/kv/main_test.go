package kv_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

// ctx is the context of the tests' calls (never cancelled; context_test.go cancels its own).
var ctx = context.Background()

// The tests run against one local vault that TestMain starts: tools/testvault/testvault.py on
// free ports, with --page-size 3 so that every list of more than three items spans pages.
// Set KV_TEST_VAULT_URL (and KV_TEST_VAULT_CA, KV_VERIFY_CHALLENGE_RESOURCE=0 for emulators
// such as Lowkey Vault) to run against a vault of your own instead.
var (
	vaultURL string
	vaultCA  string
	// vaultHTTP is the vault's plain HTTP base URL (managed identity token endpoints), or "".
	vaultHTTP string
	// seededToken is the random token the local vault was started with (--seed-token), or "".
	// The stand-in accepts no other static token: only those and the ones it issues.
	seededToken string
	// client and cred are shared by the tests; tests that close a client make their own.
	client *kv.Client
	cred   *kv.Credential
)

const pageSize = 3

// seededSubject is the subject of the token seeded into the local vault.
const seededSubject = "go-tests"

// The apps registered with the local vault's client-credentials token endpoint.
const (
	secretAppID = "go-secret-app"
	certAppID   = "go-cert-app"
)

var (
	appSecret  string // the secret of secretAppID
	appCertPEM []byte // the certificate of certAppID and its private key (PEM)
)

// newAppCertificate returns a self-signed certificate and its RSA key, as PEM.
func newAppCertificate() (certPEM, keyPEM []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: certAppID},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), nil
}

// authEntry is one request the local vault checked the token of (GET /testvault/auth-log).
type authEntry struct {
	Method  string  `json:"method"`
	Path    string  `json:"path"`
	Status  int     `json:"status"`
	Subject *string `json:"subject"`
}

// authLog returns the local vault's auth log for paths containing pathPart: which identity each
// request authenticated as (Subject nil when the token was refused).
func authLog(t *testing.T, pathPart string) []authEntry {
	t.Helper()
	resp, err := http.Get(vaultHTTP + "/testvault/auth-log?path=" + url.QueryEscape(pathPart))
	must(t, "GET /testvault/auth-log", err)
	defer resp.Body.Close()
	var out struct {
		Entries []authEntry `json:"entries"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("auth log: HTTP %d, %v", resp.StatusCode, err)
	}
	return out.Entries
}

// issuedToken returns a token the local vault's IMDS endpoint issues to the user-assigned
// identity clientID (subject mi:imds:client_id=<clientID>), or testToken() for an external vault.
func issuedToken(clientID string) (string, error) {
	if vaultHTTP == "" {
		return testToken(), nil
	}
	req, err := http.NewRequest("GET", vaultHTTP+"/metadata/identity/oauth2/token?api-version=2018-02-01&resource="+
		url.QueryEscape("https://localhost")+"&client_id="+url.QueryEscape(clientID), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Metadata", "true")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		return "", fmt.Errorf("IMDS token: HTTP %d, %v", resp.StatusCode, err)
	}
	return out.AccessToken, nil
}

// expectReachedAs checks that requests on pathPart reached the local vault, and that each one it
// accepted carried a token of subject: which credential reached the vault, not just some token.
func expectReachedAs(t *testing.T, pathPart, subject string) {
	t.Helper()
	accepted := 0
	for _, e := range authLog(t, pathPart) {
		if e.Status == 401 {
			continue
		}
		accepted++
		if e.Subject == nil || *e.Subject != subject {
			t.Errorf("%s %s (HTTP %d) authenticated as %v, want %s", e.Method, e.Path, e.Status, e.Subject, subject)
		}
	}
	if accepted == 0 {
		t.Errorf("no request on %s reached the vault", pathPart)
	}
}

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

// emulator: the vault is the independent emulator of ../shared/vault-emulators
// (KV_TEST_VAULT_EMULATOR=1, set by scripts/test.sh's emulator stage). The tests then allow its
// documented departures from the service and skip, by name, what it lacks.
var emulator = os.Getenv("KV_TEST_VAULT_EMULATOR") == "1"

// latest is the version to name for "the latest version of k": "" (the form the SDKs send), or
// k's own version on the emulator, which answers the empty-version forms of crypto calls (307)
// and updates (405).
func latest(version string) string {
	if emulator {
		return version
	}
	return ""
}

// skipOnEmulator skips t on the independent emulator, which lacks what (the service has it).
func skipOnEmulator(t *testing.T, what string) {
	t.Helper()
	if emulator {
		t.Skipf("the independent vault emulator lacks %s", what)
	}
}

// testToken is the bearer token every request of the tests presents (KV_TOKEN, e.g. a real
// token from the emulators' identity platform; default "local-dev-token").
func testToken() string {
	if seededToken != "" {
		return seededToken
	}
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
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	seededToken = "go-" + hex.EncodeToString(rnd[:])
	// Apps for the vault's client-credentials token endpoint: one with a secret, one with a
	// certificate (the vault gets the certificate, the tests the certificate and its key).
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	appSecret = "secret-" + hex.EncodeToString(rnd[:])
	certPEM, keyPEM, err := newAppCertificate()
	if err != nil {
		return nil, err
	}
	appCertPEM = append(certPEM, keyPEM...)
	certPath := filepath.Join(dir, "app-cert.pem")
	if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", filepath.Join(repoRoot(), "tools", "testvault", "testvault.py"),
		"--port", "0", "--http-port", fmt.Sprint(httpPort), "--state-dir", dir,
		"--page-size", fmt.Sprint(pageSize), "--exit-on-stdin-eof", "--seed-token", seededSubject+"="+seededToken,
		"--app", secretAppID+"="+appSecret, "--app-cert", certAppID+"="+certPath)
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
