//go:build kv_emulator

// The adapter with the real azidentity (from the Go module proxy) against the independent
// emulators of ../shared/vault-emulators: azidentity gets tokens from the emulator's identity
// platform, the emulator's vault validates them. Built only with -tags kv_emulator (scripts/test.sh's
// emulator stage runs run_tests.sh here), with the emulators' KV_EMU_* variables; without them
// every test fails, naming what is missing.

package azadapter_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/kv-sdk/kv/bindings/go/azadapter"
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

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// sdkCredential is azidentity's ClientSecretCredential aimed at the emulator's identity platform:
// its authority host, an HTTP client trusting the emulators' CA, and no instance discovery (which
// would ask login.microsoftonline.com about the authority).
func sdkCredential(t *testing.T, secret string) azcore.TokenCredential {
	t.Helper()
	pem, err := os.ReadFile(emu(t, "CA_FILE"))
	must(t, "read the CA file", err)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in KV_EMU_CA_FILE")
	}
	transport := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	cred, err := azidentity.NewClientSecretCredential(emu(t, "TENANT_ID"), emu(t, "CLIENT_ID"), secret,
		&azidentity.ClientSecretCredentialOptions{
			ClientOptions: azcore.ClientOptions{
				Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: emu(t, "AUTHORITY_HOST") + "/"},
				Transport: transport,
			},
			DisableInstanceDiscovery: true,
		})
	must(t, "azidentity.NewClientSecretCredential", err)
	return cred
}

func client(t *testing.T, cred *kv.Credential) *kv.Client {
	t.Helper()
	c, err := kv.NewClient(emu(t, "VAULT_URL"), cred, &kv.ClientOptions{CAFile: emu(t, "CA_FILE")})
	must(t, "kv.NewClient", err)
	t.Cleanup(func() { c.Close() })
	return c
}

// recording passes GetToken on and keeps the options kv asked with.
type recording struct {
	azcore.TokenCredential
	mu   sync.Mutex
	asks []policy.TokenRequestOptions
}

func (r *recording) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	r.mu.Lock()
	r.asks = append(r.asks, o)
	r.mu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		return azcore.AccessToken{}, errors.New("GetToken was given a context without a deadline")
	}
	return r.TokenCredential.GetToken(ctx, o)
}

func TestAzidentityClientSecretCredentialThroughTheAdapter(t *testing.T) {
	sdk := &recording{TokenCredential: sdkCredential(t, emu(t, "CLIENT_SECRET"))}
	cred, err := azadapter.NewCredential(sdk, nil)
	must(t, "azadapter.NewCredential", err)
	defer cred.Close()
	a, b := client(t, cred), client(t, cred)
	name := fmt.Sprintf("go-emu-azsdk-%d", time.Now().UnixNano())
	s, err := a.SetSecret(context.Background(), name, []byte("via azidentity"), nil)
	must(t, "SetSecret", err)
	got, err := b.GetSecret(context.Background(), name, s.Version)
	must(t, "GetSecret", err)
	if string(got.Value) != "via azidentity" {
		t.Errorf("value %q", got.Value)
	}
	_, err = a.DeleteSecret(context.Background(), name)
	must(t, "DeleteSecret", err)
	must(t, "WaitForDeletedSecret", a.WaitForDeletedSecret(context.Background(), name, 30*time.Second))
	must(t, "PurgeDeletedSecret", a.PurgeDeletedSecret(context.Background(), name))

	// One token for both clients (kv caches it), asked for the vault's scope and the challenge's tenant.
	sdk.mu.Lock()
	defer sdk.mu.Unlock()
	if len(sdk.asks) != 1 {
		t.Fatalf("GetToken called %d times: %+v", len(sdk.asks), sdk.asks)
	}
	ask := sdk.asks[0]
	if len(ask.Scopes) != 1 || ask.Scopes[0] != "https://vault.azure.net/.default" || ask.TenantID != emu(t, "TENANT_ID") || ask.Claims != "" {
		t.Errorf("GetToken asked with %+v", ask)
	}
}

func TestAzidentityFailureIsAuthenticationFailed(t *testing.T) {
	const wrong = "not-the-secret~Az7"
	cred, err := azadapter.NewCredential(sdkCredential(t, wrong), &azadapter.Options{Timeout: 30 * time.Second})
	must(t, "azadapter.NewCredential", err)
	defer cred.Close()
	_, err = client(t, cred).GetSecret(context.Background(), fmt.Sprintf("go-emu-azsdk-wrong-%d", time.Now().UnixNano()), "")
	if !errors.Is(err, kv.ErrAuthenticationFailed) {
		t.Fatalf("want ErrAuthenticationFailed, got %v", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("the error quotes the client secret: %v", err)
	}
}

func TestNewCredentialRefusesNilAndNegativeTimeout(t *testing.T) {
	if _, err := azadapter.NewCredential(nil, nil); err == nil {
		t.Error("a nil TokenCredential was accepted")
	}
	if _, err := azadapter.NewCredential(sdkCredential(t, "x"), &azadapter.Options{Timeout: -time.Second}); err == nil {
		t.Error("a negative timeout was accepted")
	}
}
