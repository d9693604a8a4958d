package kv_test

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

// openFiles counts this process's open file descriptors.
func openFiles(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(entries)
}

// TestCancellableCallsReuseOneCallContext: sequential calls under cancellable contexts take the
// kv_call_context (and its wake-up descriptor) of the call before from the client's pool
// instead of making one each; closing the client frees the pooled one.
func TestCancellableCallsReuseOneCallContext(t *testing.T) {
	client := newClient(t)
	name := uniqueName("pool")
	_, err := client.SetSecret(ctx, name, []byte("pooled"), nil)
	must(t, "SetSecret", err)
	must(t, "warm GetSecret", func() error { _, err := client.GetSecret(ctx, name, ""); return err }())
	made0, live0, pooled0 := kv.CallContexts()
	files0 := openFiles(t)
	const n = 100
	for i := 0; i < n; i++ {
		cctx, cancel := context.WithCancel(ctx)
		if i%2 == 1 {
			cctx, cancel = context.WithTimeout(ctx, time.Minute)
		}
		s, err := client.GetSecret(cctx, name, "")
		cancel()
		must(t, "GetSecret", err)
		if string(s.Value) != "pooled" {
			t.Fatalf("value %q", s.Value)
		}
	}
	made, live, pooled := kv.CallContexts()
	if made-made0 != 1 {
		t.Errorf("%d sequential calls made %d call contexts, want 1 (the rest reused)", n, made-made0)
	}
	if live-live0 != 1 || pooled-pooled0 != 1 {
		t.Errorf("after the calls: %d more live and %d more pooled call contexts, want 1 and 1", live-live0, pooled-pooled0)
	}
	if files := openFiles(t); files > files0+1 {
		t.Errorf("%d open files after %d calls, %d before", files, n, files0)
	}
	must(t, "Close", client.Close())
	if _, live, pooled := kv.CallContexts(); live != live0 || pooled != pooled0 {
		t.Errorf("after Close: %d live and %d pooled call contexts, want %d and %d", live, pooled, live0, pooled0)
	}
}

// TestPooledCallContextLosesItsDeadline: a call under a context without a deadline does not
// inherit the (long passed) deadline of the pooled kv_call_context's previous call.
func TestPooledCallContextLosesItsDeadline(t *testing.T) {
	client := newClient(t)
	name := uniqueName("pool-deadline")
	_, err := client.SetSecret(ctx, name, []byte("v"), nil)
	must(t, "SetSecret", err)
	const first = time.Second
	short, cancel := context.WithTimeout(ctx, first)
	_, err = client.GetSecret(short, name, "")
	cancel()
	must(t, "GetSecret under a deadline", err)
	// The next call starts after the pooled context's deadline from the first call passed.
	time.Sleep(first + 100*time.Millisecond)
	_, _, pooledBefore := kv.CallContexts()
	plain, cancel := context.WithCancel(ctx)
	defer cancel()
	_, err = client.GetSecret(plain, name, "")
	must(t, "GetSecret without a deadline after one with a deadline", err)
	if _, _, pooled := kv.CallContexts(); pooled != pooledBefore {
		t.Errorf("pooled call contexts %d, want %d (the one taken is back)", pooled, pooledBefore)
	}
	// And a deadline that passes during the call still ends it: a pooled context gets the
	// new call's deadline.
	slow, _ := slowVault(t)
	for i := 0; i < 2; i++ { // the second call takes the first one's pooled context
		timed, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		start := time.Now()
		_, err = slow.GetSecret(timed, "held", "")
		cancel()
		expectStatus(t, "GetSecret past its deadline", err, context.DeadlineExceeded)
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("the call took %v past a 300 ms deadline", took)
		}
	}
}

// TestCancelledCallContextIsNotReused: the kv_call_context of a call whose context.Context was
// cancelled while it ran is freed, never pooled, so the next call is not cancelled by it.
func TestCancelledCallContextIsNotReused(t *testing.T) {
	slow, _ := slowVault(t)
	_, live0, pooled0 := kv.CallContexts()
	cancelled, cancel := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := slow.GetSecret(cancelled, "held", "")
	expectStatus(t, "cancelled GetSecret", err, context.Canceled)
	if _, live, pooled := kv.CallContexts(); live != live0 || pooled != pooled0 {
		t.Fatalf("after a cancelled call: %d live and %d pooled call contexts, want %d and %d (freed)",
			live, pooled, live0, pooled0)
	}
	// The next call runs to its own deadline: a reused cancelled context would end it at once
	// with KV_STATUS_CANCELLED instead.
	timed, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = slow.GetSecret(timed, "held", "")
	expectStatus(t, "GetSecret after a cancelled call", err, context.DeadlineExceeded)
}

// TestNoGrowthOverManyCalls: many calls, under context.Background and under cancellable
// contexts, leave no native handle, call context, open file or Go heap behind.
func TestNoGrowthOverManyCalls(t *testing.T) {
	client := newClient(t)
	name := uniqueName("growth")
	_, err := client.SetSecret(ctx, name, []byte("v"), nil)
	must(t, "SetSecret", err)
	calls := func(n int) {
		for i := 0; i < n; i++ {
			c, cancel := ctx, func() {}
			if i%2 == 1 {
				c, cancel = context.WithCancel(ctx)
			}
			_, err := client.GetSecret(c, name, "")
			cancel()
			must(t, "GetSecret", err)
		}
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	calls(100)
	handles0, files0, heap0 := kv.LiveHandles(), openFiles(t), heap()
	_, live0, _ := kv.CallContexts()
	calls(1000)
	_, live, _ := kv.CallContexts()
	if handles := kv.LiveHandles(); handles != handles0 || live != live0 {
		t.Errorf("after 1000 calls: %d live handles and %d call contexts, before %d and %d", handles, live, handles0, live0)
	}
	if files := openFiles(t); files > files0 {
		t.Errorf("after 1000 calls: %d open files, before %d", files, files0)
	}
	// Well below 1000 times the smallest allocation a call leaves (its Secret's strings).
	if grown := int64(heap()) - int64(heap0); grown > 16<<10 {
		t.Errorf("the live Go heap grew by %d bytes over 1000 calls", grown)
	}
}

// TestCacheGetsUnderCancellableContextsReuseOneCallContext: a secret cache's gets under
// cancellable contexts reuse one kv_call_context too, and a cancelled one is not reused.
func TestCacheGetsUnderCancellableContextsReuseOneCallContext(t *testing.T) {
	name := uniqueName("pool-cache")
	_, err := client.SetSecret(ctx, name, []byte("cached"), nil)
	must(t, "SetSecret", err)
	cache, err := kv.NewSecretCache(client, &kv.SecretCacheOptions{TTL: time.Minute})
	must(t, "NewSecretCache", err)
	defer cache.Close()
	get := func(c context.Context) error {
		s, err := cache.Get(c, name, "")
		if err == nil && string(s.Value) != "cached" {
			t.Fatalf("value %q", s.Value)
		}
		return err
	}
	first, cancel := context.WithCancel(ctx)
	must(t, "first Get", get(first))
	cancel()
	made0, live0, _ := kv.CallContexts()
	for i := 0; i < 50; i++ {
		c, cancel := context.WithTimeout(ctx, time.Minute)
		must(t, "Get", get(c))
		cancel()
	}
	made, live, _ := kv.CallContexts()
	if made != made0 || live != live0 {
		t.Errorf("50 cached gets made %d call contexts (%d more live), want 0 (the pooled one reused)", made-made0, live-live0)
	}
	// A context cancelled before the get: refused before any kv_call_context is taken.
	done, cancel := context.WithCancel(ctx)
	cancel()
	expectStatus(t, "Get under a done context", get(done), context.Canceled)
	if made, _, _ := kv.CallContexts(); made != made0 {
		t.Errorf("a get under a done context made a call context")
	}
}
