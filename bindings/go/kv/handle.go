package kv

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// handle guards the native pointer of a Go handle (client, credential, local key) against use
// after free. Calls hold the read lock while C runs (kv allows concurrent calls on these const
// handles). take, used by Close and finalizers, takes the write lock, so it waits for the calls
// in flight, and every later call sees nil and returns ErrClosed instead of passing a freed
// pointer to C. (Iterators, which kv allows on one thread at a time, use a plain mutex.)
//
// Callers release the lock right after the C call and then call runtime.KeepAlive on the Go
// handle, so a finalizer can never run (and free the pointer) while C still uses it.
//
// The pointer is an unsafe.Pointer to C memory (opaque C types cannot be type arguments, so
// the handle is not generic); each handle type converts it back to its C type.
type handle struct {
	mu  sync.RWMutex
	ptr unsafe.Pointer
}

// rlock returns the pointer with the read lock held, or nil (no lock held) after take.
func (h *handle) rlock() unsafe.Pointer {
	h.mu.RLock()
	if h.ptr == nil {
		h.mu.RUnlock()
		return nil
	}
	return h.ptr
}

func (h *handle) runlock() { h.mu.RUnlock() }

// take removes and returns the pointer (nil if already taken); the caller frees it.
func (h *handle) take() unsafe.Pointer {
	h.mu.Lock()
	p := h.ptr
	h.ptr = nil
	h.mu.Unlock()
	return p
}

// Counters for the tests: native handles owned by Go values and not yet freed, and how many
// of them a finalizer (rather than Close) freed.
var (
	liveHandles      atomic.Int64
	finalizedHandles atomic.Int64
)

func handleCreated() { liveHandles.Add(1) }

func handleFreed(byFinalizer bool) {
	liveHandles.Add(-1)
	if byFinalizer {
		finalizedHandles.Add(1)
	}
}
