package kv_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

// gets counts the successful GETs of name the local vault's auth log recorded (-1 for an external vault).
func gets(t *testing.T, name string) int {
	if vaultHTTP == "" {
		return -1
	}
	n := 0
	for _, e := range authLog(t, "/secrets/"+name) {
		if e.Method == "GET" && e.Status == 200 {
			n++
		}
	}
	return n
}

func TestSecretCache(t *testing.T) {
	name := uniqueName("go-cache")
	first, err := client.SetSecret(ctx, name, []byte("cached value"), nil)
	must(t, "SetSecret", err)
	cache, err := kv.NewSecretCache(client, &kv.SecretCacheOptions{TTL: time.Minute, MaxEntries: 10})
	must(t, "NewSecretCache", err)
	defer cache.Close()

	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s, stale, err := cache.GetEx(ctx, name, "")
			if err == nil && (string(s.Value) != "cached value" || stale) {
				err = errors.New("got " + string(s.Value))
			}
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, "GetEx", err)
	}
	if n := gets(t, name); n != 1 && n != -1 {
		t.Errorf("16 goroutines made %d requests, want 1", n)
	}

	_, err = client.SetSecret(ctx, name, []byte("second"), nil)
	must(t, "SetSecret", err)
	s, err := cache.Get(ctx, name, "")
	must(t, "Get", err)
	if string(s.Value) != "cached value" {
		t.Errorf("Get = %q, want the cached value", s.Value)
	}
	s, err = cache.Get(ctx, name, first.Version)
	must(t, "Get pinned", err)
	if string(s.Value) != "cached value" || s.Version != first.Version {
		t.Errorf("pinned Get = %q %q", s.Value, s.Version)
	}
	st := cache.Stats()
	if st.Requests != 2 || st.Entries != 2 || st.Hits+st.Misses != 18 {
		t.Errorf("stats %+v", st)
	}
	if n := cache.Invalidate(name); n != 2 {
		t.Errorf("Invalidate removed %d values, want 2", n)
	}
	s, err = cache.Get(ctx, name, "")
	must(t, "Get after Invalidate", err)
	if string(s.Value) != "second" {
		t.Errorf("Get after Invalidate = %q", s.Value)
	}
	if n := gets(t, name); n != 3 && n != -1 {
		t.Errorf("%d requests, want 3", n)
	}
	expectStatus(t, "Get with a bad name", func() error { _, err := cache.Get(ctx, "bad name", ""); return err }(), kv.ErrInvalidName)
	if _, err := kv.NewSecretCache(client, &kv.SecretCacheOptions{Jitter: 2}); err == nil {
		t.Error("a jitter of 2 was accepted")
	}
	cache.Close()
	if _, err := cache.Get(ctx, name, ""); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("Get after Close: %v", err)
	}
}
