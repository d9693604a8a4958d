package kv_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

// echoVault is a tiny HTTPS vault: it answers the challenge to requests without a token and
// any authorized request with a secret holding value. It returns a client using token and the
// x-ms-client-request-id of every request received.
func echoVault(t *testing.T, token, value string) (*kv.Client, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var ids []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get("x-ms-client-request-id"))
		mu.Unlock()
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		name := strings.Split(strings.TrimPrefix(r.URL.Path, "/secrets/"), "/")[0]
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"value":%q,"id":"https://%s/secrets/%s/0123456789abcdef0123456789abcdef","attributes":{"enabled":true}}`, value, r.Host, name)
	}))
	caDER, leaf := testCertificates(t)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cred, err := kv.NewStaticTokenCredential(token)
	if err != nil {
		t.Fatal(err)
	}
	defer cred.Close()
	client, err := kv.NewClient(srv.URL, cred, &kv.ClientOptions{CAFile: ca, DisableChallengeResourceVerification: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), ids...)
	}
}

// collector is a slog.Handler keeping every record with its attributes.
type collector struct {
	mu      sync.Mutex
	records []map[string]any
}

func (c *collector) Enabled(context.Context, slog.Level) bool { return true }
func (c *collector) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *collector) WithGroup(string) slog.Handler            { return c }
func (c *collector) Handle(_ context.Context, r slog.Record) error {
	m := map[string]any{"level": r.Level, "msg": r.Message}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.Any(); return true })
	c.mu.Lock()
	c.records = append(c.records, m)
	c.mu.Unlock()
	return nil
}

func TestSetLoggerSendsRecordsWithFieldsAndNoSecret(t *testing.T) {
	const value, token = "go-S3cr3t-51d0aa", "go-tok-e77c-never-logged"
	col := &collector{}
	kv.SetLogger(slog.New(col))
	defer kv.SetLogger(nil)
	c, ids := echoVault(t, token, value)
	ctx := context.Background()
	if _, err := c.SetSecret(ctx, "logged", []byte(value), nil); err != nil {
		t.Fatal(err)
	}
	if s, err := c.GetSecret(ctx, "logged", ""); err != nil || string(s.Value) != value {
		t.Fatalf("get: %v", err)
	}
	seen := ids()
	col.mu.Lock()
	defer col.mu.Unlock()
	var put map[string]any
	for _, r := range col.records {
		if r["method"] == "PUT" && r["status"] == int64(200) && r["path"] == "/secrets/logged" {
			put = r
		}
		if s := fmt.Sprint(r); strings.Contains(s, value) || strings.Contains(s, token) {
			t.Errorf("a record holds a secret: %v", r)
		}
	}
	if put == nil {
		t.Fatalf("no record of the PUT: %v", col.records)
	}
	if put["level"] != slog.LevelInfo || put["attempt"] != int64(1) || put["client_request_id"] != seen[len(seen)-2] {
		t.Errorf("record %v (ids sent %v)", put, seen)
	}
	if _, ok := put["elapsed_ms"].(int64); !ok {
		t.Errorf("elapsed_ms: %v", put)
	}
}

func TestWithDiagnosticsReportsASuccessfulCall(t *testing.T) {
	c, ids := echoVault(t, "diag-token", "v")
	if _, err := c.GetSecret(context.Background(), "diag", ""); err != nil { // learns the challenge
		t.Fatal(err)
	}
	var d kv.Diagnostics
	if _, err := c.GetSecret(kv.WithDiagnostics(context.Background(), &d), "diag", ""); err != nil {
		t.Fatal(err)
	}
	seen := ids()
	if d.Attempts != 1 || d.ClientRequestID != seen[len(seen)-1] || len(d.ClientRequestID) != 36 || d.Elapsed <= 0 {
		t.Errorf("diagnostics %+v (ids sent %v)", d, seen)
	}
}
