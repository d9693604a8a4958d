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
	"sync/atomic"
	"time"
	"unsafe"
)

// call is one Client call under a context.Context. When ctx can be cancelled or has a
// deadline, the call runs on a kv client made for it with kv_client_with_context and a
// kv_call_context whose deadline is ctx's; context.AfterFunc cancels that context when ctx is
// done, so the blocked C call returns KV_STATUS_CANCELLED (or KV_STATUS_TIMEOUT at the
// deadline) within about 100 ms, and the error then also matches ctx.Err() with errors.Is. A
// ctx that can never be done (context.Background) costs nothing extra: no kv_call_context, no
// allocation (x is nil).
//
// The kv_call_context and kv client of a finished call go back to the Client's pool (ctxPool)
// when ctx was not cancelled during the call, and the next call under a cancellable ctx takes
// them from there instead of making new ones (a kv_call_context holds a wake-up descriptor:
// making and freeing one costs system calls).
type call struct {
	owner *Client
	x     *callCtx // nil when ctx can never be done and no diagnostics are wanted
}

// callCtx is what a call under a cancellable ctx (or with WithDiagnostics) needs beyond the
// client. A watch (the secret cache's get) uses it alone, without a client.
type callCtx struct {
	ctx      context.Context
	derived  *C.kv_client       // nil for a watch
	cctx     *C.kv_call_context // nil once finished
	stop     func() bool
	mu       sync.Mutex // orders the AfterFunc's cancel before finish's frees
	done     bool
	kept     bool         // an iterator owns the call: finish when it is freed
	diag     *Diagnostics // filled when the call finishes (WithDiagnostics)
	deadline bool         // a deadline is set on cctx
	pool     *ctxPool     // where cctx and derived go after the call (nil: freed)
}

// acquire returns the native client for one call under ctx with c's read lock held, and the
// call, or an error (ErrClosed, or ctx's when it is already done). Every successful acquire is
// followed by call.release() after the C call.
func (c *Client) acquire(ctx context.Context) (*C.kv_client, call, error) {
	return c.acquireFor(ctx, false)
}

// acquireList is acquire for a call that returns an iterator: the kv client made for ctx lives
// until the iterator is freed (attach), so its pages are fetched under ctx too.
func (c *Client) acquireList(ctx context.Context) (*C.kv_client, call, error) {
	return c.acquireFor(ctx, true)
}

func (c *Client) acquireFor(ctx context.Context, list bool) (*C.kv_client, call, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if c == nil {
		return nil, call{}, ErrClosed
	}
	if err := alreadyDone(ctx); err != nil {
		return nil, call{}, err
	}
	p := c.h.rlock()
	if p == nil {
		return nil, call{}, ErrClosed
	}
	diag := diagnosticsOf(ctx)
	if ctx.Done() == nil && diag == nil {
		return (*C.kv_client)(p), call{owner: c}, nil
	}
	x := &callCtx{ctx: ctx, kept: list, diag: diag}
	// Iterators keep their context until freed, and diagnostics want a context with no
	// earlier call on it: both get a new one. Other calls reuse a pooled one when there is one.
	if !list && diag == nil {
		x.pool = &c.pool
		x.cctx, x.derived, x.deadline = c.pool.get()
	}
	if x.cctx == nil {
		var err error
		if x.cctx, err = newCallContext(); err != nil {
			c.release()
			return nil, call{}, err
		}
		var e *C.kv_error
		if err := takeError(C.kv_client_with_context((*C.kv_client)(p), x.cctx, &x.derived, &e), e); err != nil {
			freeCallContext(x.cctx)
			c.release()
			return nil, call{}, err
		}
	}
	x.setDeadline()
	x.stop = func() bool { return true }
	if ctx.Done() != nil {
		x.stop = context.AfterFunc(ctx, x.cancel)
	}
	return x.derived, call{owner: c, x: x}, nil
}

// cancel runs when ctx is done: kv_call_context_cancel, unless the call already finished.
func (x *callCtx) cancel() {
	x.mu.Lock()
	if !x.done {
		C.kv_call_context_cancel(x.cctx)
	}
	x.mu.Unlock()
}

// setDeadline gives cctx ctx's deadline, or removes the one a pooled cctx still has.
func (x *callCtx) setDeadline() {
	if deadline, ok := x.ctx.Deadline(); ok {
		ms := millis(time.Until(deadline))
		if ms == 0 {
			ms = 1
		}
		C.kv_call_context_set_deadline_ms(x.cctx, C.uint64_t(ms), nil)
		x.deadline = true
	} else if x.deadline {
		C.kv_call_context_set_deadline_ms(x.cctx, 0, nil)
		x.deadline = false
	}
}

// release ends the C call: drops the client's read lock, keeps the client alive until here, and
// frees what was made for ctx (unless an iterator owns it).
func (k call) release() {
	k.owner.release()
	if k.x != nil && !k.x.kept {
		k.x.finish()
	}
}

// finish stops watching ctx and pools or frees the per-call kv client and context. Idempotent.
func (x *callCtx) finish() {
	if x == nil || x.cctx == nil {
		return
	}
	// stop is true when the AfterFunc will never run: nothing cancelled cctx.
	stopped := x.stop()
	x.mu.Lock()
	first := !x.done
	x.done = true
	x.mu.Unlock()
	if !first {
		return
	}
	if x.diag != nil {
		readDiagnostics(x.cctx, x.diag)
	}
	cctx, derived := x.cctx, x.derived
	x.cctx, x.derived = nil, nil
	if stopped && x.pool != nil && !bool(C.kv_call_context_is_cancelled(cctx)) &&
		x.pool.put(cctx, derived, x.deadline) {
		return
	}
	if derived != nil {
		C.kv_client_free(derived)
	}
	freeCallContext(cctx)
}

// check is takeError, with a cancellation or timeout caused by ctx also matching ctx.Err().
// On failure of a list call the call is finished (no iterator will own it).
func (k call) check(st C.kv_status, e *C.kv_error) error {
	err := takeError(st, e)
	if err == nil || k.x == nil {
		return err
	}
	err = k.x.explain(err)
	if k.x.kept {
		k.x.finish()
	}
	return err
}

// explain wraps a kv error caused by ctx (KV_STATUS_CANCELLED, or KV_STATUS_TIMEOUT once ctx's
// deadline passed) in a ContextError.
func (x *callCtx) explain(err error) error {
	if err == nil || x == nil {
		return err
	}
	var kvErr *Error
	if !errors.As(err, &kvErr) {
		return err
	}
	if kvErr.Status != StatusCancelled && kvErr.Status != StatusTimeout {
		return err
	}
	cause := x.ctx.Err()
	if cause == nil && kvErr.Status == StatusTimeout {
		if deadline, ok := x.ctx.Deadline(); ok && !time.Now().Before(deadline) {
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
func attach[T any](k call, it *Iterator[T]) *Iterator[T] {
	x := k.x
	if x == nil || x.cctx == nil {
		return it
	}
	next, free := it.next, it.freeFn
	it.next = func(p unsafe.Pointer) (T, bool, error) {
		item, ok, err := next(p)
		return item, ok, x.explain(err)
	}
	it.freeFn = func(p unsafe.Pointer) {
		free(p)
		x.finish()
	}
	runtime.KeepAlive(x)
	return it
}

// ctxPool holds the kv_call_context and kv client (made with kv_client_with_context) of
// finished calls of one Client that nothing cancelled, for its later calls. At most
// maxPooledContexts are kept (each holds a wake-up descriptor); the rest are freed.
type ctxPool struct {
	mu     sync.Mutex
	free   []pooledCtx
	closed bool
}

type pooledCtx struct {
	cctx     *C.kv_call_context
	derived  *C.kv_client
	deadline bool
}

const maxPooledContexts = 32

// Counters for the tests: kv_call_context objects in pools, made so far, and not yet freed.
var (
	pooledContexts atomic.Int64
	madeContexts   atomic.Int64
	liveContexts   atomic.Int64
)

// freeCallContext is kv_call_context_free, counted.
func freeCallContext(cctx *C.kv_call_context) {
	C.kv_call_context_free(cctx)
	liveContexts.Add(-1)
}

// get takes a pooled context and client (nil, nil when there is none).
func (p *ctxPool) get() (*C.kv_call_context, *C.kv_client, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.free)
	if n == 0 {
		return nil, nil, false
	}
	e := p.free[n-1]
	p.free = p.free[:n-1]
	pooledContexts.Add(-1)
	return e.cctx, e.derived, e.deadline
}

// put pools a context and client, or returns false (the caller frees them) when the pool is
// full or its Client closed.
func (p *ctxPool) put(cctx *C.kv_call_context, derived *C.kv_client, deadline bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.free) >= maxPooledContexts {
		return false
	}
	p.free = append(p.free, pooledCtx{cctx, derived, deadline})
	pooledContexts.Add(1)
	return true
}

// drain frees every pooled context and client; later puts are refused (the Client is closed).
func (p *ctxPool) drain() {
	p.mu.Lock()
	free := p.free
	p.free, p.closed = nil, true
	p.mu.Unlock()
	for _, e := range free {
		if e.derived != nil {
			C.kv_client_free(e.derived)
		}
		freeCallContext(e.cctx)
		pooledContexts.Add(-1)
	}
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
	callCtx
}

// watchContext starts a watch for ctx, or fails with ctx's error when it is already done.
func watchContext(ctx context.Context) (*watch, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := alreadyDone(ctx); err != nil {
		return nil, err
	}
	w := &watch{callCtx{ctx: ctx}}
	if ctx.Done() == nil {
		return w, nil
	}
	w.pool = &watchPool
	w.cctx, _, w.deadline = watchPool.get()
	if w.cctx == nil {
		var err error
		if w.cctx, err = newCallContext(); err != nil {
			return nil, err
		}
	}
	w.setDeadline()
	w.stop = context.AfterFunc(ctx, w.cancel)
	return w, nil
}

// watchPool holds the kv_call_context objects of finished watches that nothing cancelled (as a
// Client's pool does, without a client), for later watches.
var watchPool ctxPool

// end stops watching ctx and pools or frees the kv_call_context (after any cancel in flight).
func (w *watch) end() {
	w.finish()
}

// alreadyDone is the error of a call whose ctx was done before it started (nil otherwise).
func alreadyDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &ContextError{Err: &Error{Status: StatusCancelled, StatusName: StatusCancelled.String(),
			Message: "the context was done before the call started"}, Cause: err}
	}
	return nil
}

// newCallContext makes a kv_call_context (no deadline; see callCtx.setDeadline).
func newCallContext() (*C.kv_call_context, error) {
	var cctx *C.kv_call_context
	var e *C.kv_error
	if err := takeError(C.kv_call_context_new(&cctx, &e), e); err != nil {
		return nil, err
	}
	madeContexts.Add(1)
	liveContexts.Add(1)
	return cctx, nil
}
