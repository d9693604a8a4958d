// Package kv is the Go binding of kv, an Azure Key Vault client with a C ABI (include/kv.h).
//
// Create a [Credential] and a [Client], call its methods, and close both when done:
//
//	cred, err := kv.NewStaticTokenCredential(token)
//	if err != nil { ... }
//	defer cred.Close()
//	client, err := kv.NewClient("https://myvault.vault.azure.net", cred, nil)
//	if err != nil { ... }
//	defer client.Close()
//
//	s, err := client.GetSecret(ctx, "db-password", "")
//	if errors.Is(err, kv.ErrSecretNotFound) { ... }
//
// Credentials: [NewStaticTokenCredential], [NewClientSecretCredential],
// [NewClientCertificateCredential], [NewEnvironmentCredential], [NewWorkloadIdentityCredential],
// [NewManagedIdentityCredential], [NewAzureCLICredential], [NewDefaultCredential] and
// [NewCallbackCredential] (tokens from a Go function).
//
// # Conventions
//
//   - Every method returns (T, error) or error. Failures are *[Error] values carrying the kv
//     status, the service's codes, the HTTP status and the request id; errors.Is matches them
//     against the sentinels ErrSecretNotFound, ErrThrottled, ... (one per KV_STATUS_* value,
//     generated from kv.h), and errors.As extracts the *Error.
//   - Handles ([Client], [Credential], [LocalKey], [SecretIterator], [KeyIterator]) own a
//     native object. Close frees it (Close is idempotent); a finalizer frees what was not
//     closed. Calls after Close return [ErrClosed]; no freed pointer ever reaches C.
//   - A [Client] and a [Credential] may be used by any number of goroutines at once. Close
//     waits for the calls in flight. Iterators belong to one goroutine at a time.
//   - Results ([Secret], [Key], [CryptoResult], [KeyRotationPolicy]) are plain Go values: the
//     binding copies them out of the native result and frees it at once. Secret material the
//     vault returns (secret values, plaintexts, unwrapped keys, backups, random bytes, released
//     keys) is copied exactly once, into a []byte that the caller owns; kv zeroizes its own
//     copy, and [Wipe] (or Secret.Wipe, CryptoResult.Wipe) zeroes the Go copy when done.
//   - Payloads (values, digests, plaintexts, backups) are passed to C without a copy: kv
//     reads the caller's []byte for the duration of the call and copies what it keeps.
//     Names and other text are passed as C strings; a string holding a NUL byte gives
//     ErrInvalidArgument.
//   - Every [Client] call takes a context.Context first. Calls block the calling goroutine
//     (its OS thread), bounded by the client's timeouts ([ClientOptions]) and by the context:
//     its cancellation or deadline ends the call within about 100 ms (kv_call_context), and
//     errors.Is(err, context.Canceled) or errors.Is(err, context.DeadlineExceeded) then holds
//     ([ContextError]).
//
// # Building
//
// By default the package finds the installed C library with pkg-config (`#cgo pkg-config: kv`:
// install it with `make install` in the kv repository and, for a prefix pkg-config does not
// search, set PKG_CONFIG_PATH=<prefix>/lib/pkgconfig). Inside a kv checkout, -tags kv_repo links
// the repository's target/release/libkv.a statically and -tags kv_dynamic its libkv.so;
// -tags kv_external takes link flags from CGO_LDFLAGS only. See README.md.
package kv

//go:generate go run ../internal/gen -header ../../../include/kv.h -out zz_generated.go
