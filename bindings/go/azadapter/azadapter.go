// Package azadapter lets a kv client use a credential of the Azure SDK for Go: any
// azcore.TokenCredential, such as azidentity.NewDefaultAzureCredential or
// azidentity.NewClientSecretCredential.
//
// It is a module of its own (github.com/kv-sdk/kv/bindings/go/azadapter), so that programs using
// kv without the Azure SDK do not depend on it.
//
//	sdk, err := azidentity.NewDefaultAzureCredential(nil)
//	cred, err := azadapter.NewCredential(sdk, nil)
//	client, err := kv.NewClient("https://myvault.vault.azure.net", cred, nil)
package azadapter

import (
	"context"
	"errors"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/kv-sdk/kv/bindings/go/kv"
)

// DefaultTimeout bounds one GetToken call when Options.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// Options tune NewCredential. The zero value is ready to use.
type Options struct {
	// Timeout bounds each GetToken call through the context it is given (0 = DefaultTimeout).
	// A kv call gives up at its own call timeout whatever this is; this one ends the SDK's work.
	Timeout time.Duration
	// EnableCAE asks the SDK for tokens that support continuous access evaluation
	// (policy.TokenRequestOptions.EnableCAE).
	EnableCAE bool
}

// NewCredential returns a kv credential whose tokens come from cred, through
// kv.NewCallbackCredential: kv asks for one scope at a time and passes the tenant and claims of
// the vault's challenge (policy.TokenRequestOptions TenantID and Claims), and caches each token
// until 5 minutes before its expiry. An error from cred fails the kv call that needed the token
// with kv.ErrAuthenticationFailed and the error's text. opts may be nil.
func NewCredential(cred azcore.TokenCredential, opts *Options) (*kv.Credential, error) {
	if cred == nil {
		return nil, errors.New("azadapter: the azcore.TokenCredential is nil")
	}
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Timeout < 0 {
		return nil, errors.New("azadapter: Options.Timeout is negative")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	return kv.NewCallbackCredential(func(r kv.TokenRequest) (kv.Token, error) {
		ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
		defer cancel()
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{
			Scopes:    []string{r.Scope},
			TenantID:  r.TenantID,
			Claims:    r.Claims,
			EnableCAE: o.EnableCAE,
		})
		if err != nil {
			return kv.Token{}, err
		}
		return kv.Token{Token: tok.Token, ExpiresOn: tok.ExpiresOn}, nil
	})
}
