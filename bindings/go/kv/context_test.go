package kv_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

// slowVault is a tiny HTTPS vault: it answers the challenge to requests without a token and
// holds every authorized request until the client goes away (or 10 s). It returns a client for
// it and the count of authorized requests received.
func slowVault(t *testing.T) (*kv.Client, *atomic.Int32) {
	t.Helper()
	var authorized atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		authorized.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	caDER, leaf := testCertificates(t)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cred, err := kv.NewStaticTokenCredential("slow-vault-token")
	if err != nil {
		t.Fatal(err)
	}
	defer cred.Close()
	client, err := kv.NewClient(srv.URL, cred, &kv.ClientOptions{CAFile: ca, DisableChallengeResourceVerification: true, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client, &authorized
}

// testCertificates makes a CA (its DER) and a server certificate for 127.0.0.1 signed by it
// (rustls refuses a self-signed leaf such as httptest's own as a trust anchor).
func testCertificates(t *testing.T) ([]byte, tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kv test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caTmpl, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return caDER, tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}
}

func TestContextCancelFromAnotherGoroutineEndsASlowCall(t *testing.T) {
	client, authorized := slowVault(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan time.Time, 1)
	go func() {
		for start := time.Now(); authorized.Load() == 0 && time.Since(start) < 10*time.Second; {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		cancel()
		cancelled <- time.Now()
	}()
	_, err := client.GetSecret(ctx, "slow", "")
	returned := time.Now()
	at := <-cancelled
	if !errors.Is(err, context.Canceled) || !errors.Is(err, kv.ErrCancelled) {
		t.Fatalf("want context.Canceled and kv.ErrCancelled, got %v", err)
	}
	var kvErr *kv.Error
	if !errors.As(err, &kvErr) || kvErr.Status != kv.StatusCancelled {
		t.Fatalf("errors.As gives the kv error: %v", err)
	}
	if took := returned.Sub(at); took > 500*time.Millisecond {
		t.Fatalf("the call returned %v after the cancel", took)
	}
	// The client itself is unaffected: a call under a live context works on as before.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	_, err = client.GetSecret(ctx2, "slow", "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded, got %v", err)
	}
}

func TestContextDeadlineEndsASlowCall(t *testing.T) {
	client, _ := slowVault(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := client.GetSecret(ctx, "slow", "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded, got %v", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatalf("a deadline is not a cancellation: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %v", took)
	}
}

func TestContextAlreadyDoneSendsNothing(t *testing.T) {
	client, authorized := slowVault(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := client.GetSecret(ctx, "slow", ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if _, err := client.ListSecrets(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if n := authorized.Load(); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

func TestContextCancelEndsAListsPageFetch(t *testing.T) {
	client, authorized := slowVault(t)
	ctx, cancel := context.WithCancel(context.Background())
	it, err := client.ListSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	go func() {
		for start := time.Now(); authorized.Load() == 0 && time.Since(start) < 10*time.Second; {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	if it.Next() {
		t.Fatal("no item expected")
	}
	if err := it.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

// A secret cache's get takes a context too: cancelled while it fetches from a slow vault, and
// at its deadline; an already-done context sends nothing.
func TestContextCancelEndsASecretCacheGet(t *testing.T) {
	client, authorized := slowVault(t)
	cache, err := kv.NewSecretCache(client, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	done, stop := context.WithCancel(context.Background())
	stop()
	if _, err := cache.Get(done, "slow", ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if n := authorized.Load(); n != 0 {
		t.Fatalf("%d requests sent under a done context", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan time.Time, 1)
	go func() {
		for start := time.Now(); authorized.Load() == 0 && time.Since(start) < 10*time.Second; {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		cancel()
		cancelled <- time.Now()
	}()
	_, err = cache.Get(ctx, "slow", "")
	returned := time.Now()
	if !errors.Is(err, context.Canceled) || !errors.Is(err, kv.ErrCancelled) {
		t.Fatalf("want context.Canceled and kv.ErrCancelled, got %v", err)
	}
	if took := returned.Sub(<-cancelled); took > 500*time.Millisecond {
		t.Fatalf("the get returned %v after the cancel", took)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelShort()
	if _, _, err := cache.GetEx(short, "slow", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded, got %v", err)
	}
}
