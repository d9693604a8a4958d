package kv

/*
#include "kv.h"
*/
import "C"

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// logger is the slog.Logger kv's records go to (nil: none).
var (
	logger   atomic.Pointer[slog.Logger]
	loggerMu sync.Mutex
)

// SetLogger sends kv's log records to l (nil: stop; kv goes back to its default, lines on
// stderr when the KV_LOG environment variable is set). Records are emitted at slog.LevelError,
// LevelWarn, LevelInfo and LevelDebug; kv produces only those l is enabled for at this call
// (call SetLogger again after changing l's level). Each record has the attributes
// client_request_id (the x-ms-client-request-id of the vault call, "" when none), method, path
// (the URL path without its query), status (the HTTP status, 0 when none), attempt (1 for the
// first send, 2 for the first retry, ...; 0 when not about one) and elapsed_ms (since the call
// started). No record holds a secret value, a token or a request or reply body. Records are
// emitted on the goroutine making the kv call. Safe to call from any goroutine.
func SetLogger(l *slog.Logger) {
	loggerMu.Lock()
	defer loggerMu.Unlock()
	if l == nil {
		setNativeLogHandler(LogLevelOff)
		logger.Store(nil)
		return
	}
	level := LogLevelOff
	ctx := context.Background()
	for _, lv := range []struct {
		slog slog.Level
		kv   LogLevel
	}{{slog.LevelDebug, LogLevelDebug}, {slog.LevelInfo, LogLevelInfo}, {slog.LevelWarn, LogLevelWarn}, {slog.LevelError, LogLevelError}} {
		if l.Enabled(ctx, lv.slog) {
			level = lv.kv
			break
		}
	}
	logger.Store(l)
	setNativeLogHandler(level)
}

func slogLevel(l C.kv_log_level) slog.Level {
	switch LogLevel(l) {
	case LogLevelError:
		return slog.LevelError
	case LogLevelWarn:
		return slog.LevelWarn
	case LogLevelInfo:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}

//export kvGoLogCallback
func kvGoLogCallback(_ unsafe.Pointer, r *C.kv_log_record) {
	l := logger.Load()
	if l == nil || r == nil {
		return
	}
	defer func() { _ = recover() }() // never unwind into kv
	l.LogAttrs(context.Background(), slogLevel(r.level), C.GoString(r.message),
		slog.String("client_request_id", C.GoString(r.client_request_id)),
		slog.String("method", C.GoString(r.method)),
		slog.String("path", C.GoString(r.path)),
		slog.Int("status", int(r.http_status)),
		slog.Int("attempt", int(r.attempt)),
		slog.Int64("elapsed_ms", int64(r.elapsed_ms)),
	)
}

// Diagnostics is how a finished vault call went, success or failure: fill one by making the
// call with a context from WithDiagnostics. For a list, it describes the last page fetched
// before the iterator was freed.
type Diagnostics struct {
	// ClientRequestID is the x-ms-client-request-id every request of the call carried ("" when
	// it sent none).
	ClientRequestID string
	// Attempts is how many requests the call sent (retries, challenge rounds and redirects each
	// count one).
	Attempts int
	// Elapsed is the time from the start of the call to its end, token fetches and retry pauses
	// included.
	Elapsed time.Duration
}

type diagnosticsKey struct{}

// WithDiagnostics returns a context carrying d: every Client call made with it (or with a
// context derived from it) fills d when it ends. Use one d per call at a time.
func WithDiagnostics(ctx context.Context, d *Diagnostics) context.Context {
	return context.WithValue(ctx, diagnosticsKey{}, d)
}

func diagnosticsOf(ctx context.Context) *Diagnostics {
	d, _ := ctx.Value(diagnosticsKey{}).(*Diagnostics)
	return d
}

// readDiagnostics copies the last-call diagnostics of cctx into d.
func readDiagnostics(cctx *C.kv_call_context, d *Diagnostics) {
	var buf [64]C.char
	n := C.kv_call_context_last_client_request_id(cctx, &buf[0], C.size_t(len(buf)))
	id := ""
	if n > 0 && int(n) < len(buf) {
		id = C.GoStringN(&buf[0], C.int(n))
	}
	*d = Diagnostics{
		ClientRequestID: id,
		Attempts:        int(C.kv_call_context_last_attempts(cctx)),
		Elapsed:         time.Duration(C.kv_call_context_last_elapsed_ms(cctx)) * time.Millisecond,
	}
}
