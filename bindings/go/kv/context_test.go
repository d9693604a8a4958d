package kv_test

import (
	"context"
	"encoding/pem"
	"errors"
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
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
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

func TestContextCancelFromAnotherGoroutineEndsASlowCall(t *testing.T) {
	client, authorized := slowVault(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan time.Time, 1)
	go func() {
		for authorized.Load() == 0 {
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
		for authorized.Load() == 0 {
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
