package kv

/*
#include "kv.h"
*/
import "C"

import (
	"iter"
	"runtime"
	"sync"
	"unsafe"
)

// Iterator walks a list of the vault (kv_secret_iter, kv_key_iter), fetching pages as it
// advances, in the style of bufio.Scanner and sql.Rows:
//
//	it, err := client.ListSecrets()
//	if err != nil { ... }
//	defer it.Close()
//	for it.Next() {
//		s := it.Item()
//		...
//	}
//	if err := it.Err(); err != nil { ... }
//
// An Iterator is meant for one goroutine at a time (calls from several are serialised). It
// stays valid after the client that made it is closed. The native iterator is freed when the
// list ends, on Close, or by a finalizer.
type Iterator[T any] struct {
	mu     sync.Mutex
	ptr    unsafe.Pointer // *C.kv_secret_iter or *C.kv_key_iter; nil once freed
	next   func(unsafe.Pointer) (T, bool, error)
	freeFn func(unsafe.Pointer)
	item   T
	err    error
	closed bool // Close was called (as opposed to the list having ended)
}

// SecretIterator iterates secrets (ListSecrets, ListSecretVersions, ListDeletedSecrets).
type SecretIterator = Iterator[Secret]

// KeyIterator iterates keys (ListKeys, ListKeyVersions, ListDeletedKeys).
type KeyIterator = Iterator[Key]

func newIterator[T any](p unsafe.Pointer, next func(unsafe.Pointer) (T, bool, error), free func(unsafe.Pointer)) *Iterator[T] {
	it := &Iterator[T]{ptr: p, next: next, freeFn: free}
	handleCreated()
	runtime.SetFinalizer(it, func(it *Iterator[T]) { it.free(true) })
	return it
}

func newSecretIterator(p *C.kv_secret_iter) *SecretIterator {
	return newIterator(unsafe.Pointer(p), func(p unsafe.Pointer) (Secret, bool, error) {
		var item *C.kv_secret
		var e *C.kv_error
		st := C.kv_secret_iter_next((*C.kv_secret_iter)(p), &item, &e)
		if err := takeError(st, e); err != nil {
			return Secret{}, false, err
		}
		if item == nil {
			return Secret{}, false, nil
		}
		return takeSecret(item), true, nil
	}, func(p unsafe.Pointer) { C.kv_secret_iter_free((*C.kv_secret_iter)(p)) })
}

func newKeyIterator(p *C.kv_key_iter) *KeyIterator {
	return newIterator(unsafe.Pointer(p), func(p unsafe.Pointer) (Key, bool, error) {
		var item *C.kv_key
		var e *C.kv_error
		st := C.kv_key_iter_next((*C.kv_key_iter)(p), &item, &e)
		if err := takeError(st, e); err != nil {
			return Key{}, false, err
		}
		if item == nil {
			return Key{}, false, nil
		}
		return takeKey(item), true, nil
	}, func(p unsafe.Pointer) { C.kv_key_iter_free((*C.kv_key_iter)(p)) })
}

// Next advances to the next item, fetching the next page when needed. It returns false at the
// end of the list and on an error (see Err). After an error, calling Next again retries the
// page that failed; at the end of the list the native iterator is freed.
func (it *Iterator[T]) Next() bool {
	if it == nil {
		return false
	}
	it.mu.Lock()
	defer it.mu.Unlock()
	var zero T
	it.item = zero
	if it.ptr == nil {
		if it.closed {
			it.err = ErrClosed
		}
		return false
	}
	item, ok, err := it.next(it.ptr)
	runtime.KeepAlive(it)
	it.err = err
	if err != nil {
		return false
	}
	if !ok {
		it.freeLocked(false) // the list ended: release the native iterator now
		return false
	}
	it.item = item
	return true
}

// Item returns the item Next advanced to (the zero value before the first Next and after the
// end).
func (it *Iterator[T]) Item() T {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.item
}

// Err returns the error that stopped the last Next, or nil (at the end of the list, or while
// items are coming). After Close it is ErrClosed.
func (it *Iterator[T]) Err() error {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.err
}

// All returns the remaining items as a range-over-func sequence; an error ends it with a last
// (zero item, error) pair:
//
//	for s, err := range it.All() { ... }
func (it *Iterator[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for it.Next() {
			if !yield(it.Item(), nil) {
				return
			}
		}
		if err := it.Err(); err != nil {
			var zero T
			yield(zero, err)
		}
	}
}

// Close frees the native iterator. It is idempotent; Next then returns false and Err ErrClosed.
func (it *Iterator[T]) Close() error {
	if it == nil {
		return nil
	}
	it.mu.Lock()
	it.closed = true
	it.freeLocked(false)
	it.mu.Unlock()
	runtime.SetFinalizer(it, nil)
	return nil
}

func (it *Iterator[T]) free(byFinalizer bool) {
	it.mu.Lock()
	it.freeLocked(byFinalizer)
	it.mu.Unlock()
}

func (it *Iterator[T]) freeLocked(byFinalizer bool) {
	if it.ptr != nil {
		it.freeFn(it.ptr)
		it.ptr = nil
		handleFreed(byFinalizer)
	}
}
