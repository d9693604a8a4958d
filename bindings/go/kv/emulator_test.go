//go:build kv_emulator

// The Go binding's credentials against the independent emulators of ../shared/vault-emulators:
// a vault that validates every token, and the identity platform that issues them. Built only
// with -tags kv_emulator (scripts/test.sh's stage "independent vault (emulator)" does), with the
// emulators' KV_EMU_* variables; without them every test fails, naming what is missing.

package kv_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

func emu(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv("KV_EMU_" + name)
	if v == "" {
		t.Fatalf("KV_EMU_%s is not set: start the emulators (eval \"$(bash ../shared/vault-emulators/start.sh)\")", name)
	}
	return v
}

func emuClient(t *testing.T, cred *kv.Credential) *kv.Client {
	t.Helper()
	c, err := kv.NewClient(emu(t, "VAULT_URL"), cred, &kv.ClientOptions{CAFile: emu(t, "CA_FILE")})
	must(t, "NewClient", err)
	t.Cleanup(func() { c.Close() })
	return c
}

func emuCredOptions(t *testing.T) *kv.CredentialOptions {
	return &kv.CredentialOptions{AuthorityHost: emu(t, "AUTHORITY_HOST"), CAFile: emu(t, "CA_FILE")}
}

// rawToken gets a token from the identity platform with curl (client credentials grant), not kv.
func rawToken(t *testing.T, scope string) string {
	t.Helper()
	out, err := exec.Command("curl", "-sS", "--max-time", "20", "--cacert", emu(t, "CA_FILE"),
		"-d", "grant_type=client_credentials", "-d", "client_id="+emu(t, "CLIENT_ID"),
		"-d", "client_secret="+emu(t, "CLIENT_SECRET"), "-d", "scope="+scope,
		emu(t, "AUTHORITY_HOST")+"/"+emu(t, "TENANT_ID")+"/oauth2/v2.0/token").Output()
	must(t, "curl", err)
	var reply struct {
		AccessToken string `json:"access_token"`
	}
	must(t, "token reply", json.Unmarshal(out, &reply))
	if reply.AccessToken == "" {
		t.Fatalf("no access_token in %s", out)
	}
	return reply.AccessToken
}

func roundTrip(t *testing.T, c *kv.Client, prefix, value string) {
	t.Helper()
	name := uniqueName(prefix)
	s, err := c.SetSecret(ctx, name, []byte(value), nil)
	must(t, "SetSecret", err)
	got, err := c.GetSecret(ctx, name, s.Version)
	must(t, "GetSecret", err)
	if string(got.Value) != value {
		t.Errorf("value %q", got.Value)
	}
	_, err = c.DeleteSecret(ctx, name)
	must(t, "DeleteSecret", err)
	must(t, "WaitForDeletedSecret", c.WaitForDeletedSecret(ctx, name, 30*time.Second))
	must(t, "PurgeDeletedSecret", c.PurgeDeletedSecret(ctx, name))
}

func TestEmulatorClientSecretCredential(t *testing.T) {
	cr, err := kv.NewClientSecretCredential(emu(t, "TENANT_ID"), emu(t, "CLIENT_ID"), emu(t, "CLIENT_SECRET"), emuCredOptions(t))
	must(t, "NewClientSecretCredential", err)
	defer cr.Close()
	roundTrip(t, emuClient(t, cr), "go-emu-cs", "via client secret")
}

func TestEmulatorWrongClientSecret(t *testing.T) {
	const wrong = "not-the-secret~Zq8"
	cr, err := kv.NewClientSecretCredential(emu(t, "TENANT_ID"), emu(t, "CLIENT_ID"), wrong, emuCredOptions(t))
	must(t, "NewClientSecretCredential", err)
	defer cr.Close()
	_, err = emuClient(t, cr).GetSecret(ctx, uniqueName("go-emu-wrong"), "")
	e := expectStatus(t, "GetSecret with a wrong client secret", err, kv.ErrAuthenticationFailed)
	if e.HTTPStatus != 401 || !(strings.Contains(e.Message, "invalid_client") || strings.Contains(e.Message, "AADSTS7000215")) {
		t.Errorf("error: %+v", *e)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("the secret appears in the error: %v", err)
	}
}

func TestEmulatorManagedIdentity(t *testing.T) {
	t.Setenv("IDENTITY_ENDPOINT", emu(t, "IDENTITY_ENDPOINT"))
	t.Setenv("IDENTITY_HEADER", emu(t, "IDENTITY_HEADER"))
	cr, err := kv.NewManagedIdentityCredential(&kv.CredentialOptions{CAFile: emu(t, "CA_FILE")})
	must(t, "NewManagedIdentityCredential", err)
	defer cr.Close()
	roundTrip(t, emuClient(t, cr), "go-emu-mi", "via managed identity")

	t.Setenv("IDENTITY_HEADER", "not-the-header")
	bad, err := kv.NewManagedIdentityCredential(&kv.CredentialOptions{CAFile: emu(t, "CA_FILE")})
	must(t, "NewManagedIdentityCredential", err)
	defer bad.Close()
	_, err = emuClient(t, bad).GetSecret(ctx, uniqueName("go-emu-mi-wrong"), "")
	expectStatus(t, "GetSecret with a wrong identity header", err, kv.ErrAuthenticationFailed)
}

func TestEmulatorRefusedTokens(t *testing.T) {
	real := rawToken(t, "https://vault.azure.net/.default")
	parts := strings.Split(real, ".")
	sig := parts[2]
	replacement := "AAAAAAAA"
	if strings.HasSuffix(sig, replacement) {
		replacement = "BBBBBBBB"
	}
	forged := parts[0] + "." + parts[1] + "." + sig[:len(sig)-8] + replacement
	for what, token := range map[string]string{
		"another audience": rawToken(t, "https://storage.azure.com/.default"),
		"a bad signature":  forged,
	} {
		cr, err := kv.NewStaticTokenCredential(token)
		must(t, "NewStaticTokenCredential", err)
		_, err = emuClient(t, cr).GetSecret(ctx, uniqueName("go-emu-refused"), "")
		cr.Close()
		if e := expectStatus(t, "a token for "+what, err, kv.ErrUnauthorized); e.HTTPStatus != 401 {
			t.Errorf("%s: %+v", what, *e)
		}
	}
	cr, err := kv.NewStaticTokenCredential(real)
	must(t, "NewStaticTokenCredential", err)
	defer cr.Close()
	_, err = emuClient(t, cr).GetSecret(ctx, uniqueName("go-emu-accepted"), "")
	expectStatus(t, "the genuine token", err, kv.ErrSecretNotFound)
}
