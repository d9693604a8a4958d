package kv

/*
#include <stdlib.h>
#include <string.h>
#include "kv.h"
*/
import "C"

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Version returns the version of the linked kv library, e.g. "0.1.0".
func Version() string { return C.GoString(C.kv_version()) }

// emptyPayload stands in for the data pointer of an empty []byte: kv wants a non-NULL pointer
// even when the length is 0. It is Go memory without Go pointers, so cgo allows passing it.
var emptyPayload [1]byte

// payload returns a pointer to the first byte of b and its length, for a `const uint8_t *,
// size_t` pair of kv. No copy is made: the C call reads the caller's memory while it runs (cgo
// pins it for the duration of the call, and a []byte holds no Go pointers); kv copies what it
// keeps.
func payload(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return (*C.uint8_t)(unsafe.Pointer(&emptyPayload[0])), 0
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b))), C.size_t(len(b))
}

// cArgs makes the C strings of one call and frees those in C memory afterwards (defer
// a.free()). The first argument that cannot be passed (a NUL byte inside a Go string) is kept
// in err, and the call is not made.
//
// A string that is not secret is copied, NUL-terminated, into Go memory and passed as is: cgo
// allows a pointer to Go memory that holds no Go pointers for the duration of a call, and kv
// copies what it keeps (it never holds an argument's pointer after returning). That saves two
// cgo calls (malloc and free) per argument. Secret strings go to C memory, zeroed before free.
type cArgs struct {
	ptrs   []unsafe.Pointer
	wipe   []C.size_t // for secret strings: bytes to zero before free (0 = not secret)
	err    error
	failed bool
}

func (a *cArgs) add(what, s string, secret bool) *C.char {
	if a.failed {
		return nil
	}
	if strings.IndexByte(s, 0) >= 0 {
		a.failed = true
		a.err = argError(what + " contains a NUL byte")
		return nil
	}
	if !secret {
		b := make([]byte, len(s)+1)
		copy(b, s)
		return (*C.char)(unsafe.Pointer(&b[0]))
	}
	p := C.CString(s)
	a.ptrs = append(a.ptrs, unsafe.Pointer(p))
	a.wipe = append(a.wipe, C.size_t(len(s)))
	return p
}

// str returns s as a C string, valid until a.free.
func (a *cArgs) str(what, s string) *C.char { return a.add(what, s, false) }

// optStr is str, but "" gives NULL (kv's "not given").
func (a *cArgs) optStr(what, s string) *C.char {
	if s == "" {
		return nil
	}
	return a.add(what, s, false)
}

// secretStr is str for secret text (a token): the C copy is zeroed before it is freed.
func (a *cArgs) secretStr(what, s string) *C.char { return a.add(what, s, true) }

// secretBytes copies b into C memory with a terminating NUL, for secret text that kv takes as
// a C string (a private JWK); the copy is zeroed before it is freed.
func (a *cArgs) secretBytes(what string, b []byte) *C.char {
	if a.failed {
		return nil
	}
	for _, c := range b {
		if c == 0 {
			a.failed = true
			a.err = argError(what + " contains a NUL byte")
			return nil
		}
	}
	p := C.malloc(C.size_t(len(b)) + 1)
	if p == nil {
		panic("kv: out of memory")
	}
	buf := unsafe.Slice((*byte)(p), len(b)+1)
	copy(buf, b)
	buf[len(b)] = 0
	a.ptrs = append(a.ptrs, p)
	a.wipe = append(a.wipe, C.size_t(len(b)))
	return (*C.char)(p)
}

func (a *cArgs) free() {
	for i, p := range a.ptrs {
		if a.wipe[i] > 0 {
			// A C memset: the Go compiler cannot see into it, so it cannot drop it as a dead store.
			C.memset(p, 0, a.wipe[i])
		}
		C.free(p)
	}
	a.ptrs, a.wipe = nil, nil
}

// goString copies a borrowed kv_str into a Go string.
func goString(s C.struct_kv_str) string {
	if s.len == 0 || s.data == nil {
		return ""
	}
	return string(unsafe.Slice((*byte)(unsafe.Pointer(s.data)), int(s.len)))
}

// goStrings copies several borrowed kv_str into Go strings that share one allocation:
// reserve sizes it for all of them, then next copies each in turn.
type goStrings struct {
	buf []byte
}

func (g *goStrings) reserve(strs ...C.struct_kv_str) {
	n := 0
	for _, s := range strs {
		n += int(s.len)
	}
	g.buf = make([]byte, 0, n)
}

// next copies s (which reserve counted) and returns it as a string.
func (g *goStrings) next(s C.struct_kv_str) string {
	if s.len == 0 || s.data == nil {
		return ""
	}
	start := len(g.buf)
	g.buf = append(g.buf, unsafe.Slice((*byte)(unsafe.Pointer(s.data)), int(s.len))...)
	// The bytes from start on are never written again: reserve made room for every string, so
	// append never moves them, and nothing else holds buf.
	return unsafe.String(&g.buf[start], int(s.len))
}

// goBytes copies borrowed kv_bytes into a new []byte (nil when empty).
func goBytes(b C.struct_kv_bytes) []byte {
	if b.len == 0 || b.data == nil {
		return nil
	}
	out := make([]byte, int(b.len))
	copy(out, unsafe.Slice((*byte)(unsafe.Pointer(b.data)), int(b.len)))
	return out
}

// strBytes copies a borrowed kv_str (a secret value, binary-safe) into a new []byte.
func strBytes(s C.struct_kv_str) []byte {
	if s.len == 0 || s.data == nil {
		return nil
	}
	out := make([]byte, int(s.len))
	copy(out, unsafe.Slice((*byte)(unsafe.Pointer(s.data)), int(s.len)))
	return out
}

// takeBlob copies a blob's bytes into Go memory and frees (zeroizes) the blob.
func takeBlob(b *C.kv_blob) []byte {
	defer C.kv_blob_free(b)
	out := goBytes(C.kv_blob_bytes(b))
	if out == nil {
		out = []byte{}
	}
	return out
}

// unixTime converts kv's Unix seconds (0 = unknown / not set) to a time.Time (zero when 0).
func unixTime(s C.int64_t) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).UTC()
}

// millis converts a positive duration to whole milliseconds, rounding up (so 1ns is 1 ms, not
// the invalid 0).
func millis(d time.Duration) uint64 {
	if d <= 0 {
		return 0
	}
	return uint64((d + time.Millisecond - 1) / time.Millisecond)
}

// uint32Arg checks that n fits kv's uint32_t argument.
func uint32Arg(what string, n int) (C.uint32_t, error) {
	if n < 0 || uint64(n) > math.MaxUint32 {
		return 0, argError(what + " out of range: " + strconv.Itoa(n))
	}
	return C.uint32_t(n), nil
}

// Wipe overwrites b with zeros. Use it on secret values, plaintexts, unwrapped keys, backups
// and random bytes once they are no longer needed (Go never zeroes memory it frees).
func Wipe(b []byte) {
	clear(b)
}

// Ptr returns a pointer to v, for the optional fields of the options structs
// (Enabled: kv.Ptr(false)).
func Ptr[T any](v T) *T { return &v }

func enumString[T ~uint32](names map[T]string, v T, typ string) string {
	if s, ok := names[v]; ok {
		return s
	}
	return typ + "(" + strconv.FormatUint(uint64(v), 10) + ")"
}
