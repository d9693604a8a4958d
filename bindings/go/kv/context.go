package kv

/*
#include "kv.h"
*/
import "C"

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// call is one Client call under a context.Context. When ctx can be cancelled or has a
// deadline, the call runs on a kv client made for it with kv_client_with_context and a
// kv_call_context whose deadline is ctx's; context.AfterFunc cancels that context when ctx is
// done, so the blocked C call returns KV_STATUS_CANCELLED (or KV_STATUS_TIMEOUT at the
// deadline) within about 100 ms, and the error then also matches ctx.Err() with errors.Is. A
// ctx that can never be done (context.Background) costs nothing extra.
type call struct {
	ctx     context.Context
	owner   *Client
	derived *C.kv_client       // nil without a cancellable ctx
	cctx    *C.kv_call_context // nil without a cancellable ctx
	stop    func() bool
	mu      sync.Mutex // orders the AfterFunc's cancel before finish's frees
	done    bool
	kept    bool         // an iterator owns the call: finish when it is freed
	diag    *Diagnostics // filled when the call finishes (WithDiagnostics)
}

// acquire returns the native client for one call under ctx with c's read lock held, and the
// call, or an error (ErrClosed, or ctx's when it is already done). Every successful acquire is
// followed by call.release() after the C call.
func (c *Client) acquire(ctx context.Context) (*C.kv_client, *call, error) {
	return c.acquireFor(ctx, false)
}

// acquireList is acquire for a call that returns an iterator: the kv client made for ctx lives
// until the iterator is freed (attach), so its pages are fetched under ctx too.
func (c *Client) acquireList(ctx context.Context) (*C.kv_client, *call, error) {
	return c.acquireFor(ctx, true)
}

func (c *Client) acquireFor(ctx context.Context, list bool) (*C.kv_client, *call, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if c == nil {
		return nil, nil, ErrClosed
	}
	if err := alreadyDone(ctx); err != nil {
		return nil, nil, err
	}
	p := c.h.rlock()
	if p == nil {
		return nil, nil, ErrClosed
	}
	k := &call{ctx: ctx, owner: c, kept: list, diag: diagnosticsOf(ctx)}
	if ctx.Done() == nil && k.diag == nil {
		return (*C.kv_client)(p), k, nil
	}
	var err error
	if k.cctx, err = newCallContext(ctx); err != nil {
		c.release()
		return nil, nil, err
	}
	var e *C.kv_error
	if err := takeError(C.kv_client_with_context((*C.kv_client)(p), k.cctx, &k.derived, &e), e); err != nil {
		C.kv_call_context_free(k.cctx)
		c.release()
		return nil, nil, err
	}
	k.stop = func() bool { return true }
	if ctx.Done() != nil {
		k.stop = context.AfterFunc(ctx, k.cancel)
	}
	return k.derived, k, nil
}

// cancel runs when ctx is done: kv_call_context_cancel, unless the call already finished.
func (k *call) cancel() {
	k.mu.Lock()
	if !k.done {
		C.kv_call_context_cancel(k.cctx)
	}
	k.mu.Unlock()
}

// release ends the C call: drops the client's read lock, keeps the client alive until here, and
// frees what was made for ctx (unless an iterator owns it).
func (k *call) release() {
	k.owner.release()
	if !k.kept {
		k.finish()
	}
}

// finish stops watching ctx and frees the per-call kv client and context. Idempotent.
func (k *call) finish() {
	if k == nil || k.cctx == nil {
		return
	}
	k.stop()
	k.mu.Lock()
	first := !k.done
	k.done = true
	k.mu.Unlock()
	if first {
		if k.diag != nil {
			readDiagnostics(k.cctx, k.diag)
		}
		C.kv_client_free(k.derived)
		C.kv_call_context_free(k.cctx)
	}
}

// check is takeError, with a cancellation or timeout caused by ctx also matching ctx.Err().
// On failure of a list call the call is finished (no iterator will own it).
func (k *call) check(st C.kv_status, e *C.kv_error) error {
	err := k.explain(takeError(st, e))
	if err != nil && k.kept {
		k.finish()
	}
	return err
}

// explain wraps a kv error caused by ctx (KV_STATUS_CANCELLED, or KV_STATUS_TIMEOUT once ctx's
// deadline passed) in a ContextError.
func (k *call) explain(err error) error {
	var kvErr *Error
	if err == nil || k == nil || !errors.As(err, &kvErr) {
		return err
	}
	if kvErr.Status != StatusCancelled && kvErr.Status != StatusTimeout {
		return err
	}
	cause := k.ctx.Err()
	if cause == nil && kvErr.Status == StatusTimeout {
		if deadline, ok := k.ctx.Deadline(); ok && !time.Now().Before(deadline) {
			cause = context.DeadlineExceeded
		}
	}
	if cause == nil {
		return err
	}
	return &ContextError{Err: kvErr, Cause: cause}
}

// attach gives a list call to its iterator: pages are fetched under the call's ctx, errors are
// explained like the call's, and the call is finished when the iterator is freed.
func attach[T any](k *call, it *Iterator[T]) *Iterator[T] {
	if k.cctx == nil {
		return it
	}
	next, free := it.next, it.freeFn
	it.next = func(p unsafe.Pointer) (T, bool, error) {
		item, ok, err := next(p)
		return item, ok, k.explain(err)
	}
	it.freeFn = func(p unsafe.Pointer) {
		free(p)
		k.finish()
	}
	runtime.KeepAlive(k)
	return it
}

// ContextError is the error of a call ended by its context.Context: errors.Is(err,
// context.Canceled) or errors.Is(err, context.DeadlineExceeded) holds (Cause), and so does
// errors.Is(err, kv.ErrCancelled) or kv.ErrTimeout; errors.As(err, &kvErr) gives the *Error.
type ContextError struct {
	// Err is kv's error (KV_STATUS_CANCELLED or KV_STATUS_TIMEOUT).
	Err *Error
	// Cause is ctx.Err(): context.Canceled, context.DeadlineExceeded or a cancel cause.
	Cause error
}

// Error formats kv's error followed by the context's.
func (e *ContextError) Error() string { return e.Err.Error() + ": " + e.Cause.Error() }

// Unwrap gives both kv's error and the context's, for errors.Is and errors.As.
func (e *ContextError) Unwrap() []error { return []error{e.Err, e.Cause} }

// watch is a kv_call_context following a context.Context for one call that takes a context
// directly (a secret cache's get): ctx's deadline, and a cancel when ctx is done. cctx is nil
// (no context, nothing to pay) when ctx can never be done.
type watch struct {
	call
}

// watchContext starts a watch for ctx, or fails with ctx's error when it is already done.
func watchContext(ctx context.Context) (*watch, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := alreadyDone(ctx); err != nil {
		return nil, err
	}
	w := &watch{call{ctx: ctx}}
	if ctx.Done() == nil {
		return w, nil
	}
	var err error
	if w.cctx, err = newCallContext(ctx); err != nil {
		return nil, err
	}
	w.stop = context.AfterFunc(ctx, w.cancel)
	return w, nil
}

// end stops watching ctx and frees the kv_call_context (after any cancel in flight).
func (w *watch) end() {
	if w.cctx == nil {
		return
	}
	w.stop()
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
	C.kv_call_context_free(w.cctx)
	w.cctx = nil
}

// alreadyDone is the error of a call whose ctx was done before it started (nil otherwise).
func alreadyDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &ContextError{Err: &Error{Status: StatusCancelled, StatusName: StatusCancelled.String(),
			Message: "the context was done before the call started"}, Cause: err}
	}
	return nil
}

// newCallContext makes a kv_call_context carrying ctx's deadline, if it has one.
func newCallContext(ctx context.Context) (*C.kv_call_context, error) {
	var cctx *C.kv_call_context
	var e *C.kv_error
	if err := takeError(C.kv_call_context_new(&cctx, &e), e); err != nil {
		return nil, err
	}
	if deadline, ok := ctx.Deadline(); ok {
		ms := millis(time.Until(deadline))
		if ms == 0 {
			ms = 1
		}
		C.kv_call_context_set_deadline_ms(cctx, C.uint64_t(ms), nil)
	}
	return cctx, nil
}
