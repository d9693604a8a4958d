// The official Azure SDK for Go (azsecrets, from the Go module proxy) in the kv benchmark:
// bench/run.sh runs it against the canned TLS endpoint and reads the one JSON line it prints.
// The SDK's default transport is used as shipped; it trusts the test CA through SSL_CERT_FILE,
// which bench/run.sh sets. That transport is shared by every client of the process, so a new
// client would reuse a pooled connection: the first-call figure gives each of its fresh clients a
// transport of its own with the SDK's default settings (sdk/internal/transport). Modes
// (bench/godriver, shared with bench/go-kv): throughput | rss N | calls N | rss-series N.
package main

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"kvbench/godriver"
)

// staticToken is a fixed bearer token: the endpoint is canned, so no identity platform is involved.
type staticToken string

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(t), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// freshTransport is the SDK's default transport settings on a connection pool of its own.
func freshTransport() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, Renegotiation: tls.RenegotiateFreelyAsClient},
	}}
}

func newClientWith(o *azsecrets.ClientOptions) *azsecrets.Client {
	c, err := azsecrets.NewClient(godriver.Env("KV_BENCH_URL"), staticToken(godriver.Env("KV_BENCH_TOKEN")), o)
	if err != nil {
		panic(err)
	}
	return c
}

func newClient() *azsecrets.Client { return newClientWith(nil) }

// freshClient has a connection pool of its own, so that its first call makes a connection.
func freshClient() *azsecrets.Client {
	o := &azsecrets.ClientOptions{}
	o.Transport = freshTransport()
	return newClientWith(o)
}

func get(c *azsecrets.Client) {
	r, err := c.GetSecret(context.Background(), "bench", "", nil)
	if err != nil {
		panic(err)
	}
	if r.Value == nil {
		panic("no value")
	}
}

// closeAll lets further clients go (the SDK's clients have nothing to close).
func closeAll(cs []*azsecrets.Client) {
	for i := range cs {
		cs[i] = nil
	}
}

func main() {
	godriver.Main(godriver.Driver[*azsecrets.Client]{New: newClient, Fresh: freshClient, Get: get, Close: closeAll})
}
