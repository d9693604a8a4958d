package kv_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

// headerStatuses reads every KV_STATUS_* value of kv.h (independently of the generator).
func headerStatuses(t *testing.T) map[string]uint64 {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot(), "include", "kv.h"))
	must(t, "read kv.h", err)
	out := map[string]uint64{}
	for _, m := range regexp.MustCompile(`(?m)^#define (KV_STATUS_[A-Z0-9_]+) ([0-9]+)$`).FindAllStringSubmatch(string(src), -1) {
		v, _ := strconv.ParseUint(m[2], 10, 32)
		out[m[1]] = v
	}
	if len(out) < 40 {
		t.Fatalf("only %d statuses found in kv.h", len(out))
	}
	return out
}

// TestSentinelsMirrorEveryStatus: every KV_STATUS_* of kv.h has a sentinel error that matches
// errors of that status and no other.
func TestSentinelsMirrorEveryStatus(t *testing.T) {
	statuses := headerStatuses(t)
	if len(kv.StatusNames()) != len(statuses) {
		t.Errorf("the binding knows %d statuses, kv.h has %d", len(kv.StatusNames()), len(statuses))
	}
	for cname, v := range statuses {
		s := kv.Status(v)
		if s.String() != cname {
			t.Errorf("Status(%d).String() = %q, want %q", v, s.String(), cname)
		}
		if d := s.Description(); d == "" || d == "unknown status" {
			t.Errorf("%s: kv_status_str gives %q", cname, d)
		}
		if v == 0 {
			if s.Sentinel() != nil {
				t.Errorf("KV_STATUS_OK has a sentinel")
			}
			continue
		}
		sentinel := s.Sentinel()
		var se *kv.Error
		if !errors.As(sentinel, &se) || se.Status != s || se.StatusName != cname {
			t.Errorf("%s: sentinel %#v", cname, sentinel)
			continue
		}
		err := &kv.Error{Status: s, StatusName: cname, Message: "m", HTTPStatus: 500}
		if !errors.Is(err, sentinel) {
			t.Errorf("%s: an error of that status does not match its sentinel", cname)
		}
		for other, ov := range statuses {
			if ov != v && ov != 0 && errors.Is(err, kv.Status(ov).Sentinel()) {
				t.Errorf("%s matches the sentinel of %s", cname, other)
			}
		}
		if errors.Is(err, kv.ErrClosed) || errors.Is(kv.ErrClosed, sentinel) {
			t.Errorf("%s: confused with ErrClosed", cname)
		}
		if !strings.Contains(sentinel.Error(), cname) {
			t.Errorf("sentinel message %q lacks %s", sentinel.Error(), cname)
		}
	}
	if kv.Status(12345).String() != "Status(12345)" || kv.Status(12345).Sentinel() != nil {
		t.Errorf("unknown status: %q", kv.Status(12345).String())
	}
}

// TestNamedSentinels spot-checks sentinels a Go developer would reach for by name.
func TestNamedSentinels(t *testing.T) {
	for _, c := range []struct {
		err  error
		want kv.Status
	}{
		{kv.ErrSecretNotFound, 321}, {kv.ErrKeyNotFound, 320}, {kv.ErrThrottled, 340},
		{kv.ErrSecretDisabled, 351}, {kv.ErrUnauthorized, 311}, {kv.ErrForbiddenByRBAC, 315},
		{kv.ErrTLS, 102}, {kv.ErrTimeout, 101}, {kv.ErrPanic, 900}, {kv.ErrInvalidUTF8, 2},
	} {
		var e *kv.Error
		if !errors.As(c.err, &e) || e.Status != c.want {
			t.Errorf("%v: status %d, want %d", c.err, e.Status, c.want)
		}
	}
}

func TestErrorFormatting(t *testing.T) {
	e := &kv.Error{Status: kv.StatusSecretDisabled, StatusName: "KV_STATUS_SECRET_DISABLED", Code: "Forbidden",
		InnerCode: "SecretDisabled", Message: "Operation get is not allowed on a disabled secret.",
		HTTPStatus: 403, RequestID: "abc"}
	want := "kv: Operation get is not allowed on a disabled secret. (KV_STATUS_SECRET_DISABLED, code Forbidden, inner code SecretDisabled, HTTP 403, request id abc)"
	if e.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", e.Error(), want)
	}
	if got := kv.ErrThrottled.Error(); !strings.HasPrefix(got, "kv: ") || !strings.Contains(got, "KV_STATUS_THROTTLED") {
		t.Errorf("sentinel Error() = %q", got)
	}
	if kv.SignatureAlgorithmES256K.String() != "ES256K" || kv.KeyTypeOctHSM.String() != "oct-HSM" ||
		kv.EncryptionAlgorithmRSAOAEP256.String() != "RSA-OAEP-256" || kv.KeyCurveP521.String() != "P-521" {
		t.Errorf("enum wire names")
	}
	if kv.Version() == "" {
		t.Errorf("empty Version()")
	}
}

// A failed vault call reports its client request id, attempts and elapsed time; a caller error
// reports none.
func TestErrorDiagnostics(t *testing.T) {
	c := newClient(t)
	_, err := c.GetSecret(context.Background(), uniqueName("go-missing"), "") // learns the vault's challenge
	expectStatus(t, "GetSecret", err, kv.ErrSecretNotFound)
	_, err = c.GetSecret(context.Background(), uniqueName("go-missing"), "")
	e := expectStatus(t, "GetSecret", err, kv.ErrSecretNotFound)
	if e.Attempts != 1 || len(e.ClientRequestID) != 36 || strings.Count(e.ClientRequestID, "-") != 4 ||
		e.Elapsed <= 0 || e.Elapsed > time.Minute {
		t.Errorf("diagnostics: %+v", *e)
	}
	if !strings.Contains(err.Error(), e.ClientRequestID) {
		t.Errorf("Error() = %q lacks the client request id", err.Error())
	}
	_, err = c.GetSecret(context.Background(), uniqueName("go-missing"), "")
	if again := expectStatus(t, "GetSecret", err, kv.ErrSecretNotFound); again.ClientRequestID == e.ClientRequestID {
		t.Errorf("two calls share client request id %s", e.ClientRequestID)
	}
	_, err = c.GetSecret(context.Background(), "not a valid name!", "")
	local := expectStatus(t, "GetSecret", err, kv.ErrInvalidName)
	if local.Attempts != 0 || local.ClientRequestID != "" || local.Elapsed != 0 {
		t.Errorf("a caller error has diagnostics: %+v", *local)
	}
}
