package kv

/*
#include "kv.h"
*/
import "C"

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrClosed is returned by every method of a handle (client, credential, local key, iterator)
// after its Close, and by methods called on a nil handle.
var ErrClosed = errors.New("kv: use of a closed handle")

// Error is what a failed kv call reports. Match it with errors.Is against the sentinel of its
// status (errors.Is(err, kv.ErrSecretNotFound)) or extract it with errors.As to read the
// fields.
type Error struct {
	// Status is the kv status (never StatusOK).
	Status Status
	// StatusName is the C name of the status, e.g. "KV_STATUS_SECRET_NOT_FOUND".
	StatusName string
	// Code is the service's outer error code, e.g. "SecretNotFound" ("" when the error did not
	// come from the service).
	Code string
	// InnerCode is the service's innermost inner error code, e.g. "SecretDisabled" ("" if none).
	InnerCode string
	// Message is the human-readable message (never contains secret values or tokens).
	Message string
	// HTTPStatus is the HTTP status of the reply, 0 when no reply was received.
	HTTPStatus int
	// RequestID is the reply's x-ms-request-id ("" if none); quote it to Azure support.
	RequestID string
	// ClientRequestID is the x-ms-client-request-id kv sent with every request of the call (""
	// when the call sent none).
	ClientRequestID string
	// Attempts is how many requests the call sent (retries, challenge probes and redirects each
	// count one); 0 when it sent none.
	Attempts int
	// Elapsed is the time from the start of the vault call to its failure (whole milliseconds,
	// rounded up); 0 when the error did not come from a vault call.
	Elapsed time.Duration
}

// Error formats the error as "kv: <message> (KV_STATUS_..., code ..., HTTP ..., request id ...)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("kv: ")
	msg := e.Message
	if msg == "" {
		msg = e.Status.Description()
	}
	b.WriteString(msg)
	b.WriteString(" (")
	name := e.StatusName
	if name == "" {
		name = e.Status.String()
	}
	b.WriteString(name)
	if e.Code != "" {
		b.WriteString(", code ")
		b.WriteString(e.Code)
	}
	if e.InnerCode != "" {
		b.WriteString(", inner code ")
		b.WriteString(e.InnerCode)
	}
	if e.HTTPStatus != 0 {
		b.WriteString(", HTTP ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
	}
	if e.RequestID != "" {
		b.WriteString(", request id ")
		b.WriteString(e.RequestID)
	}
	if e.ClientRequestID != "" {
		b.WriteString(", client request id ")
		b.WriteString(e.ClientRequestID)
	}
	b.WriteString(")")
	return b.String()
}

// Is reports whether target is an *Error with the same status, so that
// errors.Is(err, kv.ErrSecretNotFound) holds for every error with StatusSecretNotFound.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && e != nil && t != nil && t.Status == e.Status
}

// Description returns kv's static description of the status (kv_status_str).
func (s Status) Description() string { return C.GoString(C.kv_status_str(C.kv_status(s))) }

// Sentinel returns the sentinel error of a status (ErrSecretNotFound for StatusSecretNotFound),
// or nil for StatusOK and values kv does not define.
func (s Status) Sentinel() error {
	if e, ok := statusSentinels[s]; ok {
		return e
	}
	return nil
}

// argError is an error the binding detects before calling kv, reported like kv's own
// KV_STATUS_INVALID_ARGUMENT.
func argError(msg string) error {
	return &Error{Status: StatusInvalidArgument, StatusName: StatusInvalidArgument.String(), Message: msg}
}

// takeError turns a kv_status and its kv_error into a Go error (nil for KV_STATUS_OK) and frees
// the kv_error.
func takeError(st C.kv_status, e *C.kv_error) error {
	if e == nil && st == C.KV_STATUS_OK {
		return nil
	}
	defer C.kv_error_free(e)
	if st == C.KV_STATUS_OK {
		// kv writes an error only on failure; a stray one is freed and ignored.
		return nil
	}
	status := Status(st)
	if e != nil {
		// The error's own status is the one it was built with; it equals st.
		status = Status(C.kv_error_status(e))
	}
	return &Error{
		Status:     status,
		StatusName: status.String(),
		Code:       goString(C.kv_error_service_code(e)),
		InnerCode:  goString(C.kv_error_inner_code(e)),
		Message:    goString(C.kv_error_message(e)),
		HTTPStatus: int(C.kv_error_http_status(e)),
		RequestID:  goString(C.kv_error_request_id(e)),

		ClientRequestID: goString(C.kv_error_client_request_id(e)),
		Attempts:        int(C.kv_error_attempts(e)),
		Elapsed:         time.Duration(C.kv_error_elapsed_ms(e)) * time.Millisecond,
	}
}
