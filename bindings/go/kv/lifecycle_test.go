package kv_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

// TestConcurrentClient shares one client between 32 goroutines (run with -race).
func TestConcurrentClient(t *testing.T) {
	c := newClient(t)
	keyName := uniqueName("go-conc-key")
	key, err := c.CreateKey(ctx, keyName, kv.KeyTypeEC, &kv.KeyOptions{Curve: kv.KeyCurveP256})
	must(t, "CreateKey", err)
	lk := localKey(t, key) // one LocalKey shared too
	shared := uniqueName("go-conc-shared")
	_, err = c.SetSecret(ctx, shared, []byte("shared value"), nil)
	must(t, "SetSecret", err)

	const goroutines, rounds = 32, 5
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*rounds)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			name := uniqueName(fmt.Sprintf("go-conc-%d", g))
			for r := 0; r < rounds; r++ {
				value := []byte(fmt.Sprintf("goroutine %d round %d \x00 ✓", g, r))
				if _, err := c.SetSecret(ctx, name, value, nil); err != nil {
					errs <- fmt.Errorf("g%d SetSecret: %w", g, err)
					return
				}
				got, err := c.GetSecret(ctx, name, "")
				if err != nil || !bytes.Equal(got.Value, value) {
					errs <- fmt.Errorf("g%d GetSecret: %q %v", g, got.Value, err)
					return
				}
				if s, err := c.GetSecret(ctx, shared, ""); err != nil || string(s.Value) != "shared value" {
					errs <- fmt.Errorf("g%d shared: %q %v", g, s.Value, err)
					return
				}
				if _, err := c.GetSecret(ctx, name+"-missing", ""); !errors.Is(err, kv.ErrSecretNotFound) {
					errs <- fmt.Errorf("g%d missing: %v", g, err)
					return
				}
				digest := sum256(value)
				sig, err := c.Sign(ctx, keyName, latest(key.Version), kv.SignatureAlgorithmES256, digest)
				if err != nil {
					errs <- fmt.Errorf("g%d Sign: %w", g, err)
					return
				}
				if ok, err := lk.Verify(kv.SignatureAlgorithmES256, digest, sig.Value); err != nil || !ok {
					errs <- fmt.Errorf("g%d Verify: %v %v", g, ok, err)
					return
				}
			}
			it, err := c.ListSecretVersions(ctx, name)
			if err != nil {
				errs <- err
				return
			}
			defer it.Close()
			n := 0
			for it.Next() {
				n++
			}
			if it.Err() != nil || n != rounds {
				errs <- fmt.Errorf("g%d versions: %d %v", g, n, it.Err())
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// zeroArgs calls method with zero values for all its arguments and returns its results.
func zeroArgs(method reflect.Value) []reflect.Value {
	mt := method.Type()
	args := make([]reflect.Value, mt.NumIn())
	for i := range args {
		args[i] = reflect.Zero(mt.In(i))
	}
	return method.Call(args)
}

// checkAllMethodsClosed calls every method of v (a closed handle) except skip and expects each
// to return an error matching ErrClosed as its last result.
func checkAllMethodsClosed(t *testing.T, v any, skip ...string) int {
	t.Helper()
	rv := reflect.ValueOf(v)
	errType := reflect.TypeOf((*error)(nil)).Elem()
	checked := 0
outer:
	for i := 0; i < rv.NumMethod(); i++ {
		m := rv.Type().Method(i)
		for _, s := range skip {
			if m.Name == s {
				continue outer
			}
		}
		mt := rv.Method(i).Type()
		if mt.NumOut() == 0 || mt.Out(mt.NumOut()-1) != errType {
			t.Errorf("%s.%s does not return an error", rv.Type(), m.Name)
			continue
		}
		out := zeroArgs(rv.Method(i))
		err, _ := out[len(out)-1].Interface().(error)
		if !errors.Is(err, kv.ErrClosed) {
			t.Errorf("%s.%s after Close: %v, want ErrClosed", rv.Type(), m.Name, err)
		}
		checked++
	}
	return checked
}

func TestUseAfterClose(t *testing.T) {
	c, err := kv.NewClient(vaultURL, cred, testOptions())
	must(t, "NewClient", err)
	_, err = c.GetRandomBytes(ctx, 4)
	must(t, "GetRandomBytes", err)
	must(t, "Close", c.Close())
	must(t, "second Close", c.Close())
	if n := checkAllMethodsClosed(t, c, "Close", "VaultURL"); n < 40 {
		t.Errorf("only %d client methods checked", n)
	}

	var nilClient *kv.Client
	checkAllMethodsClosed(t, nilClient, "Close", "VaultURL")
	must(t, "nil Close", nilClient.Close())

	cr, err := kv.NewStaticTokenCredential("t")
	must(t, "credential", err)
	must(t, "Close credential", cr.Close())
	must(t, "second Close credential", cr.Close())
	_, err = kv.NewClient(vaultURL, cr, nil)
	if !errors.Is(err, kv.ErrClosed) {
		t.Errorf("NewClient with a closed credential: %v", err)
	}

	k, err := client.CreateKey(ctx, uniqueName("go-closed"), kv.KeyTypeRSA, nil)
	must(t, "CreateKey", err)
	lk, err := k.LocalKey()
	must(t, "LocalKey", err)
	must(t, "Close local key", lk.Close())
	must(t, "second Close local key", lk.Close())
	checkAllMethodsClosed(t, lk, "Close")

	it, err := client.ListSecrets(ctx)
	must(t, "ListSecrets", err)
	must(t, "Close iterator", it.Close())
	must(t, "second Close iterator", it.Close())
	if it.Next() || !errors.Is(it.Err(), kv.ErrClosed) {
		t.Errorf("iterator after Close: %v", it.Err())
	}
	var nilIt *kv.SecretIterator
	if nilIt.Next() || nilIt.Close() != nil {
		t.Errorf("nil iterator")
	}
}

// TestCloseWhileCallsRun closes a client while goroutines are calling it: every call either
// succeeds or returns ErrClosed; nothing crashes and no freed pointer reaches C.
func TestCloseWhileCallsRun(t *testing.T) {
	c, err := kv.NewClient(vaultURL, cred, testOptions())
	must(t, "NewClient", err)
	name := uniqueName("go-race-close")
	_, err = c.SetSecret(ctx, name, []byte("v"), nil)
	must(t, "SetSecret", err)

	var wg sync.WaitGroup
	var mu sync.Mutex
	succeeded, closed := 0, 0
	// Close only once calls are known to be running: after the first success (not after a sleep,
	// which a slow machine under -race may not fill).
	firstSuccess := make(chan struct{})
	var once sync.Once
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, err := c.GetSecret(ctx, name, "")
				mu.Lock()
				if err == nil {
					succeeded++
					once.Do(func() { close(firstSuccess) })
				} else if errors.Is(err, kv.ErrClosed) {
					closed++
				} else {
					t.Errorf("unexpected error: %v", err)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	select {
	case <-firstSuccess:
	case <-time.After(60 * time.Second):
		t.Fatal("no call succeeded within 60 s")
	}
	must(t, "Close", c.Close())
	wg.Wait()
	if succeeded == 0 || closed != 16 {
		t.Errorf("%d calls succeeded, %d saw ErrClosed", succeeded, closed)
	}
}

// TestIteratorOutlivesClient: an iterator stays valid after its client is closed.
func TestIteratorOutlivesClient(t *testing.T) {
	name := uniqueName("go-outlive")
	for i := 0; i < pageSize+2; i++ {
		_, err := client.SetSecret(ctx, name, []byte(fmt.Sprint(i)), nil)
		must(t, "SetSecret", err)
	}
	c, err := kv.NewClient(vaultURL, cred, testOptions())
	must(t, "NewClient", err)
	it, err := c.ListSecretVersions(ctx, name)
	must(t, "ListSecretVersions", err)
	defer it.Close()
	must(t, "Close client", c.Close())
	n := 0
	for it.Next() {
		n++
	}
	must(t, "iterate after client Close", it.Err())
	if n != pageSize+2 {
		t.Errorf("%d versions", n)
	}
	// At the end of the list the native iterator is already freed; Next stays false, no error.
	if it.Next() || it.Err() != nil {
		t.Errorf("Next after the end: %v", it.Err())
	}
}

// makeGarbage creates handles of every kind and drops them without Close.
func makeGarbage(t *testing.T, n int) {
	for i := 0; i < n; i++ {
		cr, err := kv.NewStaticTokenCredential(testToken())
		must(t, "credential", err)
		c, err := kv.NewClient(vaultURL, cr, testOptions())
		must(t, "client", err)
		it, err := c.ListSecrets(ctx)
		must(t, "iterator", err)
		if !it.Next() { // the native iterator is alive (mid-list)
			t.Fatalf("empty list: %v", it.Err())
		}
		lk, err := kv.NewLocalKey([]byte(`{"kty":"EC","crv":"P-256","x":"gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0","y":"SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps"}`))
		must(t, "local key", err)
		_, _ = lk, c
	}
}

// TestFinalizersFreeUnclosed: handles dropped without Close are freed by their finalizers.
func TestFinalizersFreeUnclosed(t *testing.T) {
	for i := 0; i < 3; i++ { // let earlier garbage go first
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	liveBefore, finBefore := kv.LiveHandles(), kv.FinalizedHandles()
	const n = 8
	makeGarbage(t, n)
	// Earlier garbage may be finalized meanwhile: handles created = live ones added + ones freed.
	if got := (kv.LiveHandles() - liveBefore) + (kv.FinalizedHandles() - finBefore); got != 4*n {
		t.Fatalf("%d handles accounted for after creating %d", got, 4*n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for kv.LiveHandles() > liveBefore && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if live := kv.LiveHandles(); live > liveBefore {
		t.Fatalf("%d handles still live after GC", live-liveBefore)
	}
	if fin := kv.FinalizedHandles() - finBefore; fin < 4*n {
		t.Errorf("finalizers freed %d handles, want at least %d", fin, 4*n)
	}
}

// TestCloseFreesAtOnce: Close frees the native handle at once (no GC needed) and disarms the
// finalizer, so nothing is freed twice.
func TestCloseFreesAtOnce(t *testing.T) {
	before := kv.LiveHandles()
	for i := 0; i < 8; i++ {
		cr, err := kv.NewStaticTokenCredential("x")
		must(t, "credential", err)
		c, err := kv.NewClient(vaultURL, cr, testOptions())
		must(t, "client", err)
		if kv.LiveHandles() != before+2 {
			t.Fatalf("live handles %d, want %d", kv.LiveHandles(), before+2)
		}
		must(t, "Close", c.Close())
		must(t, "Close", cr.Close())
		if kv.LiveHandles() != before {
			t.Fatalf("live handles %d after Close, want %d", kv.LiveHandles(), before)
		}
	}
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if kv.LiveHandles() > before {
		t.Errorf("live handles %d, want at most %d", kv.LiveHandles(), before)
	}
}
