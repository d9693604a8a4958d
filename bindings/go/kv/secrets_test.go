package kv_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

func TestSecretRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1500) // 24000 bytes, under the 25 KiB limit
	cases := map[string][]byte{
		"ascii":        []byte("hunter2"),
		"nul-bytes":    []byte("a\x00b\x00\x00c"),
		"leading-nul":  []byte("\x00starts with NUL"),
		"only-nul":     {0, 0, 0},
		"utf8":         []byte("héllo wörld ✓ 日本語 🔑 Ω≈ç√"),
		"utf8-and-nul": []byte("ключ\x00значение"),
		"big":          big,
	}
	for label, value := range cases {
		t.Run(label, func(t *testing.T) {
			name := uniqueName("go-rt-" + label)
			set, err := client.SetSecret(ctx, name, value, nil)
			must(t, "SetSecret", err)
			if !bytes.Equal(set.Value, value) {
				t.Errorf("SetSecret returned value %q, want %q", set.Value, value)
			}
			if set.Name != name || set.Version == "" || !strings.HasSuffix(set.ID, "/secrets/"+name+"/"+set.Version) {
				t.Errorf("SetSecret: name %q version %q id %q", set.Name, set.Version, set.ID)
			}
			if !set.Enabled || set.Created.IsZero() || set.Updated.IsZero() {
				t.Errorf("SetSecret: enabled %v created %v updated %v", set.Enabled, set.Created, set.Updated)
			}
			got, err := client.GetSecret(ctx, name, "")
			must(t, "GetSecret", err)
			if !bytes.Equal(got.Value, value) {
				t.Errorf("GetSecret value %q, want %q", got.Value, value)
			}
			byVersion, err := client.GetSecret(ctx, name, set.Version)
			must(t, "GetSecret(version)", err)
			if !bytes.Equal(byVersion.Value, value) || byVersion.Version != set.Version {
				t.Errorf("GetSecret(version): %q %q", byVersion.Value, byVersion.Version)
			}
			got.Wipe()
			if len(value) > 0 && !bytes.Equal(got.Value, make([]byte, len(value))) {
				t.Errorf("Wipe left %q", got.Value)
			}
		})
	}
}

func TestSecretProperties(t *testing.T) {
	name := uniqueName("go-props")
	nbf := time.Now().Add(-time.Hour).Truncate(time.Second)
	exp := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	set, err := client.SetSecret(ctx, name, []byte(`{"user":"app"}`), &kv.SecretOptions{
		ContentType: "application/json",
		NotBefore:   nbf,
		Expires:     exp,
		Tags:        map[string]string{"env": "test", "team": "go"},
	})
	must(t, "SetSecret with options", err)
	if set.ContentType != "application/json" || !set.NotBefore.Equal(nbf) || !set.Expires.Equal(exp) {
		t.Errorf("properties: content type %q nbf %v exp %v", set.ContentType, set.NotBefore, set.Expires)
	}
	if len(set.Tags) != 2 || set.Tags["env"] != "test" || set.Tags["team"] != "go" {
		t.Errorf("tags %v", set.Tags)
	}
	// The service's values (DeletionRecoveryLevel; 7-90 days with soft delete). The local vault
	// reports them; an external emulator may not.
	validLevel := map[string]bool{"Purgeable": true, "Recoverable+Purgeable": true, "Recoverable": true,
		"Recoverable+ProtectedSubscription": true, "CustomizedRecoverable+Purgeable": true,
		"CustomizedRecoverable": true, "CustomizedRecoverable+ProtectedSubscription": true}
	if !validLevel[set.RecoveryLevel] || set.RecoverableDays < 7 || set.RecoverableDays > 90 {
		if vaultHTTP != "" {
			t.Errorf("recovery level %q, days %d", set.RecoveryLevel, set.RecoverableDays)
		} else {
			t.Logf("recovery level %q, days %d (not reported by this vault)", set.RecoveryLevel, set.RecoverableDays)
		}
	}

	// Update: a new content type, tags cleared (non-nil empty map), disabled.
	upd, err := client.UpdateSecretProperties(ctx, name, latest(set.Version), kv.SecretOptions{
		ContentType: "text/plain",
		Tags:        map[string]string{},
		Enabled:     kv.Ptr(false),
	})
	must(t, "UpdateSecretProperties", err)
	if upd.ContentType != "text/plain" || upd.Tags != nil || upd.Enabled || upd.Value != nil {
		t.Errorf("after update: content type %q tags %v enabled %v value %q", upd.ContentType, upd.Tags, upd.Enabled, upd.Value)
	}
	if !upd.Expires.Equal(exp) {
		t.Errorf("update changed what it did not set: expires %v", upd.Expires)
	}

	// Tags nil leaves the tags alone.
	_, err = client.UpdateSecretProperties(ctx, name, set.Version, kv.SecretOptions{Tags: map[string]string{"a": "1"}})
	must(t, "UpdateSecretProperties(tags)", err)
	upd, err = client.UpdateSecretProperties(ctx, name, set.Version, kv.SecretOptions{Enabled: kv.Ptr(true)})
	must(t, "UpdateSecretProperties(enable)", err)
	if upd.Tags["a"] != "1" || !upd.Enabled {
		t.Errorf("tags %v enabled %v", upd.Tags, upd.Enabled)
	}
	got, err := client.GetSecret(ctx, name, "")
	must(t, "GetSecret", err)
	if string(got.Value) != `{"user":"app"}` {
		t.Errorf("value %q", got.Value)
	}
}

func TestSecretErrors(t *testing.T) {
	t.Run("not found", func(t *testing.T) {
		_, err := client.GetSecret(ctx, uniqueName("go-missing"), "")
		e := expectStatus(t, "GetSecret", err, kv.ErrSecretNotFound)
		if e.Status != kv.StatusSecretNotFound || e.StatusName != "KV_STATUS_SECRET_NOT_FOUND" ||
			e.Code != "SecretNotFound" || e.HTTPStatus != 404 || e.RequestID == "" || e.Message == "" {
			t.Errorf("fields: %+v", *e)
		}
		if errors.Is(err, kv.ErrKeyNotFound) || errors.Is(err, kv.ErrNotFound) || errors.Is(err, kv.ErrClosed) {
			t.Errorf("%v matches another sentinel", err)
		}
		wrapped := fmt.Errorf("loading config: %w", err)
		if !errors.Is(wrapped, kv.ErrSecretNotFound) {
			t.Errorf("wrapped error does not match")
		}
		for _, part := range []string{"KV_STATUS_SECRET_NOT_FOUND", "SecretNotFound", "HTTP 404", e.RequestID} {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("Error() = %q lacks %q", err.Error(), part)
			}
		}
	})
	t.Run("unknown version", func(t *testing.T) {
		name := uniqueName("go-ver")
		_, err := client.SetSecret(ctx, name, []byte("v"), nil)
		must(t, "SetSecret", err)
		_, err = client.GetSecret(ctx, name, "00000000000000000000000000000000")
		expectStatus(t, "GetSecret(unknown version)", err, kv.ErrSecretNotFound)
	})
	t.Run("disabled", func(t *testing.T) {
		name := uniqueName("go-disabled")
		s, err := client.SetSecret(ctx, name, []byte("you cannot read me"), &kv.SecretOptions{Enabled: kv.Ptr(false)})
		must(t, "SetSecret(disabled)", err)
		if s.Enabled {
			t.Errorf("created secret reports enabled")
		}
		_, err = client.GetSecret(ctx, name, "")
		if emulator { // a plain 403 Forbidden, without the service's inner code SecretDisabled
			if e := expectStatus(t, "GetSecret(disabled)", err, kv.ErrForbidden); e.HTTPStatus != 403 || e.RequestID == "" {
				t.Errorf("fields: %+v", *e)
			}
			return
		}
		e := expectStatus(t, "GetSecret(disabled)", err, kv.ErrSecretDisabled)
		if e.InnerCode != "SecretDisabled" || e.HTTPStatus != 403 || e.Code != "Forbidden" || e.RequestID == "" {
			t.Errorf("fields: %+v", *e)
		}
		if errors.Is(err, kv.ErrForbidden) {
			t.Errorf("a SecretDisabled error also matches ErrForbidden")
		}
	})
	t.Run("invalid name", func(t *testing.T) {
		_, err := client.GetSecret(ctx, "not_a_valid/name", "")
		e := expectStatus(t, "GetSecret", err, kv.ErrInvalidName)
		if e.HTTPStatus != 0 || e.RequestID != "" {
			t.Errorf("a request was sent: %+v", *e)
		}
	})
	t.Run("NUL in name", func(t *testing.T) {
		_, err := client.GetSecret(ctx, "abc\x00def", "")
		expectStatus(t, "GetSecret", err, kv.ErrInvalidArgument)
	})
	t.Run("insecure transport", func(t *testing.T) {
		c, err := kv.NewClient("http://localhost:8080", cred, nil)
		expectStatus(t, "NewClient(http://)", err, kv.ErrInsecureTransport)
		if c != nil {
			t.Errorf("client returned with an error")
		}
	})
	t.Run("invalid URL", func(t *testing.T) {
		_, err := kv.NewClient("not a url", cred, nil)
		expectStatus(t, "NewClient", err, kv.ErrInvalidURL)
	})
	t.Run("nil credential", func(t *testing.T) {
		_, err := kv.NewClient(vaultURL, nil, nil)
		expectStatus(t, "NewClient(nil credential)", err, kv.ErrNullArgument)
	})
	t.Run("CA file missing", func(t *testing.T) {
		_, err := kv.NewClient(vaultURL, cred, &kv.ClientOptions{CAFile: "/nonexistent/ca.pem"})
		expectStatus(t, "NewClient", err, kv.ErrFileError)
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		if vaultCA == "" {
			t.Skip("the vault's certificate is publicly trusted")
		}
		c, err := kv.NewClient(vaultURL, cred, &kv.ClientOptions{MaxRetries: -1})
		must(t, "NewClient", err)
		defer c.Close()
		_, err = c.GetSecret(ctx, "anything", "")
		e := expectStatus(t, "GetSecret without the CA", err, kv.ErrTLS)
		if e.HTTPStatus != 0 {
			t.Errorf("HTTP status %d", e.HTTPStatus)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		c, err := kv.NewClient("https://localhost:1", cred, &kv.ClientOptions{MaxRetries: -1, CallTimeout: 5 * time.Second})
		must(t, "NewClient", err)
		defer c.Close()
		_, err = c.GetSecret(ctx, "anything", "")
		expectStatus(t, "GetSecret", err, kv.ErrTransport)
	})
	t.Run("bad options", func(t *testing.T) {
		_, err := kv.NewClient(vaultURL, cred, &kv.ClientOptions{MaxRetries: 1000})
		expectStatus(t, "MaxRetries 1000", err, kv.ErrInvalidArgument)
		_, err = kv.NewClient(vaultURL, cred, &kv.ClientOptions{CallTimeout: -time.Second})
		expectStatus(t, "negative timeout", err, kv.ErrInvalidArgument)
	})
	t.Run("empty token", func(t *testing.T) {
		c, err := kv.NewStaticTokenCredential("")
		expectStatus(t, "NewStaticTokenCredential(\"\")", err, kv.ErrInvalidArgument)
		if c != nil {
			t.Errorf("credential returned with an error")
		}
		_, err = kv.NewStaticTokenCredential("tok\x00en")
		expectStatus(t, "token with NUL", err, kv.ErrInvalidArgument)
	})
}

// collectSecrets drains a secret iterator.
func collectSecrets(t *testing.T, it *kv.SecretIterator, err error) []kv.Secret {
	t.Helper()
	must(t, "list", err)
	defer it.Close()
	var out []kv.Secret
	for it.Next() {
		out = append(out, it.Item())
	}
	must(t, "iterate", it.Err())
	return out
}

func TestListSecretsAcrossPages(t *testing.T) {
	prefix := uniqueName("go-list")
	const n = 3*pageSize + 2 // four pages of this prefix alone
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%02d", prefix, i)
		want[name] = true
		_, err := client.SetSecret(ctx, name, []byte(fmt.Sprint("value ", i)), &kv.SecretOptions{Tags: map[string]string{"i": fmt.Sprint(i)}})
		must(t, "SetSecret", err)
	}
	it, err := client.ListSecrets(ctx)
	all := collectSecrets(t, it, err)
	if len(all) < n {
		t.Fatalf("listed %d secrets, want at least %d", len(all), n)
	}
	seen := map[string]bool{}
	for _, s := range all {
		if !strings.HasPrefix(s.Name, prefix) {
			continue
		}
		if seen[s.Name] {
			t.Errorf("%s listed twice", s.Name)
		}
		seen[s.Name] = true
		if s.Value != nil || s.Version != "" || s.Tags["i"] == "" {
			t.Errorf("list item %s: value %q version %q tags %v", s.Name, s.Value, s.Version, s.Tags)
		}
	}
	if len(seen) != n {
		t.Errorf("listed %d of the %d secrets: %v", len(seen), n, seen)
	}

	// The same with range-over-func, stopping early.
	it, err = client.ListSecrets(ctx)
	must(t, "ListSecrets", err)
	count := 0
	for s, err := range it.All() {
		must(t, "All", err)
		if s.Name == "" {
			t.Errorf("empty item")
		}
		count++
		if count == pageSize+1 {
			break
		}
	}
	must(t, "Close", it.Close())
	if it.Next() || !errors.Is(it.Err(), kv.ErrClosed) {
		t.Errorf("Next after Close: err %v", it.Err())
	}
}

func TestSecretVersions(t *testing.T) {
	name := uniqueName("go-versions")
	const n = 2*pageSize + 1
	versions := map[string]string{}
	for i := 0; i < n; i++ {
		s, err := client.SetSecret(ctx, name, []byte(fmt.Sprint("v", i)), nil)
		must(t, "SetSecret", err)
		versions[s.Version] = fmt.Sprint("v", i)
	}
	it, err := client.ListSecretVersions(ctx, name)
	items := collectSecrets(t, it, err)
	if len(items) != n {
		t.Fatalf("%d versions listed, want %d", len(items), n)
	}
	for _, s := range items {
		want, ok := versions[s.Version]
		if !ok {
			t.Fatalf("unknown version %q", s.Version)
		}
		got, err := client.GetSecret(ctx, name, s.Version)
		must(t, "GetSecret(version)", err)
		if string(got.Value) != want {
			t.Errorf("version %s: %q, want %q", s.Version, got.Value, want)
		}
	}
	_, err = client.ListSecretVersions(ctx, "bad/name")
	expectStatus(t, "ListSecretVersions(bad/name)", err, kv.ErrInvalidName)
}

func TestSecretDeleteRecoverPurge(t *testing.T) {
	name := uniqueName("go-del")
	_, err := client.SetSecret(ctx, name, []byte("to be deleted"), nil)
	must(t, "SetSecret", err)
	gone, err := client.DeleteSecret(ctx, name)
	must(t, "DeleteSecret", err)
	if gone.Name != name || gone.RecoveryID == "" || gone.DeletedDate.IsZero() || !gone.ScheduledPurgeDate.After(gone.DeletedDate) || (gone.Value != nil && !emulator) {
		t.Errorf("DeleteSecret returned %+v", gone)
	}
	must(t, "WaitForDeletedSecret", client.WaitForDeletedSecret(ctx, name, 30*time.Second))

	_, err = client.GetSecret(ctx, name, "")
	expectStatus(t, "GetSecret after delete", err, kv.ErrSecretNotFound)
	_, err = client.SetSecret(ctx, name, []byte("again"), nil)
	if emulator { // a plain 409 Conflict, without the service's code ObjectIsDeletedButRecoverable
		expectStatus(t, "SetSecret on a deleted name", err, kv.ErrConflict)
	} else {
		expectStatus(t, "SetSecret on a deleted name", err, kv.ErrObjectIsDeletedButRecoverable)
	}

	d, err := client.GetDeletedSecret(ctx, name)
	must(t, "GetDeletedSecret", err)
	// The service sends no value for a deleted secret; the emulator does.
	if d.Name != name || d.RecoveryID == "" || d.DeletedDate.IsZero() || d.ScheduledPurgeDate.IsZero() || (d.Value != nil && !emulator) {
		t.Errorf("deleted secret: %+v", d)
	}
	it, err := client.ListDeletedSecrets(ctx)
	found := false
	for _, s := range collectSecrets(t, it, err) {
		found = found || s.Name == name
	}
	if !found {
		t.Errorf("%s not in ListDeletedSecrets", name)
	}

	r, err := client.RecoverDeletedSecret(ctx, name)
	must(t, "RecoverDeletedSecret", err)
	if r.Name != name || r.Value != nil {
		t.Errorf("recovered: %+v", r)
	}
	must(t, "WaitForRecoveredSecret", client.WaitForRecoveredSecret(ctx, name, 30*time.Second))
	got, err := client.GetSecret(ctx, name, "")
	must(t, "GetSecret after recover", err)
	if string(got.Value) != "to be deleted" {
		t.Errorf("value %q", got.Value)
	}

	_, err = client.DeleteSecret(ctx, name)
	must(t, "DeleteSecret", err)
	must(t, "WaitForDeletedSecret", client.WaitForDeletedSecret(ctx, name, 30*time.Second))
	must(t, "PurgeDeletedSecret", client.PurgeDeletedSecret(ctx, name))
	_, err = client.GetDeletedSecret(ctx, name)
	expectStatus(t, "GetDeletedSecret after purge", err, kv.ErrSecretNotFound)
	_, err = client.DeleteSecret(ctx, name)
	expectStatus(t, "DeleteSecret of a purged secret", err, kv.ErrSecretNotFound)
}

// TestSecretDeleteIsAsynchronous shows what the waits are for: the local stand-in, like the real
// service, answers 404 and 409 ObjectIsBeingDeleted until a delete finishes, and a wait whose
// deadline is too short fails with ErrTimeout naming the deadline.
func TestSecretDeleteIsAsynchronous(t *testing.T) {
	if os.Getenv("KV_TEST_VAULT_URL") != "" || os.Getenv("TESTVAULT_DELETE_DELAY_MS") == "0" {
		t.Skip("only the local stand-in is known to delay deletes")
	}
	name := uniqueName("go-async")
	_, err := client.SetSecret(ctx, name, []byte("v"), nil)
	must(t, "SetSecret", err)
	_, err = client.DeleteSecret(ctx, name)
	must(t, "DeleteSecret", err)
	_, err = client.GetDeletedSecret(ctx, name)
	expectStatus(t, "GetDeletedSecret mid-delete", err, kv.ErrSecretNotFound)
	err = client.PurgeDeletedSecret(ctx, name)
	expectStatus(t, "PurgeDeletedSecret mid-delete", err, kv.ErrObjectIsBeingDeleted)
	e := expectStatus(t, "WaitForDeletedSecret(1ms)", client.WaitForDeletedSecret(ctx, name, time.Millisecond), kv.ErrTimeout)
	if !strings.Contains(e.Message, "wait for deletion of secret '"+name+"'") || !strings.Contains(e.Message, "deadline of 1 ms") {
		t.Errorf("timeout message %q", e.Message)
	}
	must(t, "WaitForDeletedSecret", client.WaitForDeletedSecret(ctx, name, 30*time.Second))
	_, err = client.RecoverDeletedSecret(ctx, name)
	must(t, "RecoverDeletedSecret", err)
	_, err = client.GetSecret(ctx, name, "")
	expectStatus(t, "GetSecret mid-recovery", err, kv.ErrSecretNotFound)
	must(t, "WaitForRecoveredSecret", client.WaitForRecoveredSecret(ctx, name, 30*time.Second))
	got, err := client.GetSecret(ctx, name, "")
	must(t, "GetSecret after recovery", err)
	if string(got.Value) != "v" {
		t.Errorf("value %q", got.Value)
	}
}

func TestSecretBackupRestore(t *testing.T) {
	name := uniqueName("go-backup")
	for _, v := range []string{"first", "second\x00with NUL"} {
		_, err := client.SetSecret(ctx, name, []byte(v), &kv.SecretOptions{ContentType: "text/plain"})
		must(t, "SetSecret", err)
	}
	backup, err := client.BackupSecret(ctx, name)
	must(t, "BackupSecret", err)
	if len(backup) == 0 {
		t.Fatal("empty backup")
	}
	_, err = client.RestoreSecret(ctx, backup)
	expectStatus(t, "RestoreSecret over a live secret", err, kv.ErrConflict)

	_, err = client.DeleteSecret(ctx, name)
	must(t, "DeleteSecret", err)
	must(t, "WaitForDeletedSecret", client.WaitForDeletedSecret(ctx, name, 30*time.Second))
	must(t, "PurgeDeletedSecret", client.PurgeDeletedSecret(ctx, name))
	r, err := client.RestoreSecret(ctx, backup)
	must(t, "RestoreSecret", err)
	if r.Name != name || r.ContentType != "text/plain" {
		t.Errorf("restored: %+v", r)
	}
	got, err := client.GetSecret(ctx, name, "")
	must(t, "GetSecret", err)
	if string(got.Value) != "second\x00with NUL" {
		t.Errorf("value %q", got.Value)
	}
	it, err := client.ListSecretVersions(ctx, name)
	if n := len(collectSecrets(t, it, err)); n != 2 {
		t.Errorf("%d versions after restore, want 2", n)
	}
	kv.Wipe(backup)

	_, err = client.RestoreSecret(ctx, []byte("not a backup"))
	expectStatus(t, "RestoreSecret(garbage)", err, kv.ErrBadParameter)
	_, err = client.RestoreSecret(ctx, nil)
	expectStatus(t, "RestoreSecret(nil)", err, kv.ErrInvalidArgument)
}
