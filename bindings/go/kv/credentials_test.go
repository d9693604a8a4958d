package kv_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

// unsetEnv unsets variables for the test and restores them afterwards.
func unsetEnv(t *testing.T, names ...string) {
	for _, n := range names {
		t.Setenv(n, "") // registers the restore
		os.Unsetenv(n)
	}
}

var azureEnv = []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
	"AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST", "AZURE_TOKEN_CREDENTIALS",
	"AZURE_ADDITIONALLY_ALLOWED_TENANTS", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET"}

func TestCallbackCredential(t *testing.T) {
	handlesBefore := kv.CallbackHandles()
	var calls atomic.Int32
	var mu sync.Mutex
	var scopes []string
	cr, err := kv.NewCallbackCredential(func(req kv.TokenRequest) (kv.Token, error) {
		calls.Add(1)
		mu.Lock()
		scopes = append(scopes, req.Scope)
		mu.Unlock()
		tok, err := issuedToken("go-callback")
		return kv.Token{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, err
	})
	must(t, "NewCallbackCredential", err)
	if kv.CallbackHandles() != handlesBefore+1 {
		t.Errorf("callback handles %d", kv.CallbackHandles())
	}
	c, err := kv.NewClient(vaultURL, cr, testOptions())
	must(t, "NewClient", err)
	must(t, "Close credential (the client keeps it)", cr.Close())

	name := uniqueName("go-cb")
	_, err = c.SetSecret(ctx, name, []byte("via callback"), nil)
	must(t, "SetSecret", err)
	if vaultHTTP != "" {
		defer expectReachedAs(t, "/secrets/"+name, "mi:imds:client_id=go-callback")
	}
	// Many goroutines: the token is fetched once and cached.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s, err := c.GetSecret(ctx, name, ""); err != nil || string(s.Value) != "via callback" {
				t.Errorf("GetSecret: %q %v", s.Value, err)
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("token function called %d times, want 1 (cached)", n)
	}
	mu.Lock()
	if len(scopes) != 1 || !strings.HasSuffix(scopes[0], "/.default") {
		t.Errorf("scopes %q", scopes)
	}
	mu.Unlock()

	// kv releases the handle when the credential and its last client are gone.
	if kv.CallbackHandles() != handlesBefore+1 {
		t.Errorf("handle released while a client uses it")
	}
	must(t, "Close client", c.Close())
	if kv.CallbackHandles() != handlesBefore {
		t.Errorf("callback handle not released after Close: %d", kv.CallbackHandles()-handlesBefore)
	}
}

func TestCallbackCredentialFailures(t *testing.T) {
	for _, c := range []struct {
		name string
		fn   kv.TokenFunc
		want string
	}{
		{"error", func(kv.TokenRequest) (kv.Token, error) { return kv.Token{}, errors.New("no token for you") }, "no token for you"},
		{"panic", func(kv.TokenRequest) (kv.Token, error) { panic("boom") }, "panicked: boom"},
		{"expired", func(kv.TokenRequest) (kv.Token, error) {
			return kv.Token{Token: "t", ExpiresOn: time.Now().Add(-time.Hour)}, nil
		}, "refused"},
		{"empty", func(kv.TokenRequest) (kv.Token, error) {
			return kv.Token{Token: "", ExpiresOn: time.Now().Add(time.Hour)}, nil
		}, "refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cr, err := kv.NewCallbackCredential(c.fn)
			must(t, "NewCallbackCredential", err)
			defer cr.Close()
			cl, err := kv.NewClient(vaultURL, cr, testOptions())
			must(t, "NewClient", err)
			defer cl.Close()
			_, err = cl.GetSecret(ctx, "anything", "")
			e := expectStatus(t, "GetSecret", err, kv.ErrAuthenticationFailed)
			if !strings.Contains(e.Message, c.want) {
				t.Errorf("message %q lacks %q", e.Message, c.want)
			}
		})
	}
	_, err := kv.NewCallbackCredential(nil)
	expectStatus(t, "NewCallbackCredential(nil)", err, kv.ErrInvalidArgument)
}

// TestCallbackCredentialFinalized: a callback credential and client dropped without Close are
// freed by finalizers, and kv then releases the cgo.Handle.
func TestCallbackCredentialFinalized(t *testing.T) {
	before := kv.CallbackHandles()
	func() {
		cr, err := kv.NewCallbackCredential(func(kv.TokenRequest) (kv.Token, error) {
			return kv.Token{Token: testToken(), ExpiresOn: time.Now().Add(time.Hour)}, nil
		})
		must(t, "NewCallbackCredential", err)
		c, err := kv.NewClient(vaultURL, cr, testOptions())
		must(t, "NewClient", err)
		_, err = c.GetRandomBytes(ctx, 8)
		must(t, "GetRandomBytes", err)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for kv.CallbackHandles() > before && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := kv.CallbackHandles() - before; n > 0 {
		t.Errorf("%d callback handles not released", n)
	}
}

func TestManagedIdentityCredential(t *testing.T) {
	if vaultHTTP == "" {
		t.Skip("needs the local vault's managed identity endpoint")
	}
	unsetEnv(t, azureEnv...)
	t.Setenv("IDENTITY_ENDPOINT", vaultHTTP+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "test-identity-header")
	cr, err := kv.NewManagedIdentityCredential(nil)
	must(t, "NewManagedIdentityCredential", err)
	defer cr.Close()
	c, err := kv.NewClient(vaultURL, cr, testOptions())
	must(t, "NewClient", err)
	defer c.Close()
	_, err = c.GetRandomBytes(ctx, 16)
	must(t, "GetRandomBytes with a managed identity token", err)
	name := uniqueName("mi-as")
	_, err = c.SetSecret(ctx, name, []byte("set with the App Service identity"), nil)
	must(t, "SetSecret with a managed identity token", err)
	expectReachedAs(t, "/secrets/"+name, "mi:appservice:system")

	// A user-assigned identity, by client id.
	cr2, err := kv.NewManagedIdentityCredential(&kv.CredentialOptions{ManagedIdentity: kv.ClientID("00000000-0000-0000-0000-000000000001")})
	must(t, "NewManagedIdentityCredential(client id)", err)
	defer cr2.Close()
	c2, err := kv.NewClient(vaultURL, cr2, testOptions())
	must(t, "NewClient", err)
	defer c2.Close()
	_, err = c2.GetRandomBytes(ctx, 16)
	must(t, "GetRandomBytes (user-assigned)", err)
	name2 := uniqueName("mi-user")
	_, err = c2.SetSecret(ctx, name2, []byte("set with the user-assigned identity"), nil)
	must(t, "SetSecret (user-assigned)", err)
	expectReachedAs(t, "/secrets/"+name2, "mi:appservice:client_id=00000000-0000-0000-0000-000000000001")

	// A token the vault did not issue is refused with 401, like the service.
	forged, err := kv.NewStaticTokenCredential("forged-token")
	must(t, "NewStaticTokenCredential", err)
	defer forged.Close()
	c4, err := kv.NewClient(vaultURL, forged, testOptions())
	must(t, "NewClient", err)
	defer c4.Close()
	_, err = c4.GetRandomBytes(ctx, 16)
	expectStatus(t, "GetRandomBytes with a forged token", err, kv.ErrUnauthorized)

	// The wrong identity header is refused by the endpoint: authentication fails.
	t.Setenv("IDENTITY_HEADER", "wrong")
	cr3, err := kv.NewManagedIdentityCredential(nil)
	must(t, "NewManagedIdentityCredential", err)
	defer cr3.Close()
	c3, err := kv.NewClient(vaultURL, cr3, testOptions())
	must(t, "NewClient", err)
	defer c3.Close()
	_, err = c3.GetRandomBytes(ctx, 16)
	expectStatus(t, "GetRandomBytes with a refused identity", err, kv.ErrAuthenticationFailed)
}

// selfSignedPEM returns a certificate and its RSA private key as PEM text.
func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, "GenerateKey", err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kv go test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, "CreateCertificate", err)
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	must(t, "MarshalPKCS8PrivateKey", err)
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})...)
}

// TestClientCredentialsReachTheVault: the client-secret and client-certificate credentials get a
// token from the local vault's client-credentials endpoint (an identity-platform stand-in that
// checks the secret, and the assertion's signature, thumbprint, issuer and audience), and the
// vault sees the app's identity; a wrong secret or another app's certificate is refused.
func TestClientCredentialsReachTheVault(t *testing.T) {
	if vaultHTTP == "" {
		t.Skip("needs the local vault's client-credentials endpoint")
	}
	unsetEnv(t, azureEnv...)
	opts := &kv.CredentialOptions{AuthorityHost: vaultURL, CAFile: vaultCA, Timeout: 10 * time.Second,
		SendCertificateChain: true}
	secretCred, err := kv.NewClientSecretCredential("tenant-go", secretAppID, appSecret, opts)
	must(t, "NewClientSecretCredential", err)
	defer secretCred.Close()
	certCred, err := kv.NewClientCertificateCredential("tenant-go", certAppID, appCertPEM, "", opts)
	must(t, "NewClientCertificateCredential", err)
	defer certCred.Close()
	for _, tc := range []struct {
		cred    *kv.Credential
		subject string
	}{{secretCred, "app:tenant-go/" + secretAppID}, {certCred, "app:tenant-go/" + certAppID}} {
		c, err := kv.NewClient(vaultURL, tc.cred, testOptions())
		must(t, "NewClient", err)
		name := uniqueName("go-app")
		_, err = c.SetSecret(ctx, name, []byte("set by an app"), nil)
		must(t, "SetSecret as "+tc.subject, err)
		c.Close()
		expectReachedAs(t, "/secrets/"+name, tc.subject)
	}

	wrong, err := kv.NewClientSecretCredential("tenant-go", secretAppID, "not-the-secret", opts)
	must(t, "NewClientSecretCredential", err)
	defer wrong.Close()
	otherCert := selfSignedPEM(t)
	impostor, err := kv.NewClientCertificateCredential("tenant-go", certAppID, otherCert, "", opts)
	must(t, "NewClientCertificateCredential", err)
	defer impostor.Close()
	for _, tc := range []struct {
		cred *kv.Credential
		code string
	}{{wrong, "AADSTS7000215"}, {impostor, "AADSTS700027"}} {
		c, err := kv.NewClient(vaultURL, tc.cred, testOptions())
		must(t, "NewClient", err)
		_, err = c.GetSecret(ctx, "anything", "")
		c.Close()
		e := expectStatus(t, "GetSecret with refused app credentials", err, kv.ErrAuthenticationFailed)
		if e != nil && !strings.Contains(e.Message, tc.code) {
			t.Errorf("message does not carry %s: %q", tc.code, e.Message)
		}
		if strings.Contains(e.Message, "not-the-secret") {
			t.Errorf("the secret reached the error message: %q", e.Message)
		}
	}
}

func TestIdentityPlatformCredentials(t *testing.T) {
	unsetEnv(t, azureEnv...)
	// No identity platform runs here: point the credentials at a closed port and check that
	// creation works and a call fails with ErrAuthenticationFailed.
	opts := &kv.CredentialOptions{
		AuthorityHost:              "https://localhost:1",
		AdditionallyAllowedTenants: []string{"*"},
		Timeout:                    3 * time.Second,
		SendCertificateChain:       true,
		IMDSProbeTimeout:           200 * time.Millisecond,
	}
	secretCred, err := kv.NewClientSecretCredential("tenant-id", "client-id", "client-secret", opts)
	must(t, "NewClientSecretCredential", err)
	defer secretCred.Close()
	certCred, err := kv.NewClientCertificateCredential("tenant-id", "client-id", selfSignedPEM(t), "", opts)
	must(t, "NewClientCertificateCredential", err)
	defer certCred.Close()
	for _, cr := range []*kv.Credential{secretCred, certCred} {
		c, err := kv.NewClient(vaultURL, cr, testOptions())
		must(t, "NewClient", err)
		_, err = c.GetSecret(ctx, "anything", "")
		expectStatus(t, "GetSecret", err, kv.ErrAuthenticationFailed)
		c.Close()
	}

	_, err = kv.NewClientCertificateCredential("tenant-id", "client-id", []byte("not a certificate"), "", nil)
	expectStatus(t, "certificate garbage", err, kv.ErrInvalidArgument)
	_, err = kv.NewClientSecretCredential("tenant-id", "client-id", "s", &kv.CredentialOptions{AuthorityHost: "http://insecure.example"})
	expectStatus(t, "http:// authority", err, kv.ErrInvalidArgument)
	_, err = kv.NewClientSecretCredential("tenant-id", "client-id", "s", &kv.CredentialOptions{CAFile: "/nonexistent.pem"})
	expectStatus(t, "missing CA file", err, kv.ErrFileError)
	_, err = kv.NewClientSecretCredential("tenant\x00id", "client-id", "s", nil)
	expectStatus(t, "NUL in tenant", err, kv.ErrInvalidArgument)
}

func TestEnvironmentCredentials(t *testing.T) {
	unsetEnv(t, azureEnv...)
	_, err := kv.NewEnvironmentCredential(nil)
	e := expectStatus(t, "NewEnvironmentCredential without variables", err, kv.ErrAuthenticationFailed)
	if !strings.Contains(e.Message, "AZURE_TENANT_ID") {
		t.Errorf("message does not name the missing variable: %q", e.Message)
	}
	t.Setenv("AZURE_TENANT_ID", "tenant")
	t.Setenv("AZURE_CLIENT_ID", "client")
	t.Setenv("AZURE_CLIENT_SECRET", "secret")
	cr, err := kv.NewEnvironmentCredential(&kv.CredentialOptions{AuthorityHost: "https://localhost:1"})
	must(t, "NewEnvironmentCredential", err)
	cr.Close()

	unsetEnv(t, azureEnv...)
	_, err = kv.NewWorkloadIdentityCredential(nil)
	expectStatus(t, "NewWorkloadIdentityCredential without variables", err, kv.ErrAuthenticationFailed)

	// Azure CLI with an empty PATH: created, then fails when a token is needed.
	t.Setenv("PATH", t.TempDir())
	cli, err := kv.NewAzureCLICredential(&kv.CredentialOptions{Timeout: 5 * time.Second})
	must(t, "NewAzureCLICredential", err)
	defer cli.Close()
	c, err := kv.NewClient(vaultURL, cli, testOptions())
	must(t, "NewClient", err)
	_, err = c.GetSecret(ctx, "anything", "")
	expectStatus(t, "GetSecret with az missing", err, kv.ErrAuthenticationFailed)
	c.Close()

	// The default chain: every link unavailable, the message lists them.
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "dev")
	def, err := kv.NewDefaultCredential(nil)
	must(t, "NewDefaultCredential", err)
	defer def.Close()
	def2, err := kv.NewDefaultCredential(&kv.CredentialOptions{Timeout: 5 * time.Second})
	must(t, "NewDefaultCredential(options)", err)
	defer def2.Close()
	c, err = kv.NewClient(vaultURL, def2, testOptions())
	must(t, "NewClient", err)
	_, err = c.GetSecret(ctx, "anything", "")
	e = expectStatus(t, "GetSecret with the default chain", err, kv.ErrAuthenticationFailed)
	if e != nil && !strings.Contains(e.Message, "AzureCliCredential") {
		t.Errorf("the default chain's message does not list its unavailable credential: %q", e.Message)
	}
	c.Close()
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "bogus")
	_, err = kv.NewDefaultCredential(nil)
	expectStatus(t, "AZURE_TOKEN_CREDENTIALS=bogus", err, kv.ErrInvalidArgument)
}
