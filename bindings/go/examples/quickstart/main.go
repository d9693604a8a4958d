// Command quickstart is a first tour of the kv Go binding: it sets a secret, reads it back,
// lists the vault's secrets, shows how errors are matched, signs with a new key and verifies
// locally, then deletes and purges what it made.
//
// Environment (as for the C quickstart in examples-c):
//
//	KV_VAULT_URL  (required) the vault, e.g. https://myvault.vault.azure.net
//	KV_TOKEN      bearer token to present (default "local-dev-token"; the stand-in vault accepts only the token scripts/vault.sh seeds it with and prints)
//	KV_CA_FILE    (optional) PEM file of an extra CA to trust, e.g. a local test vault's ca.pem
//	KV_VERIFY_CHALLENGE_RESOURCE=0  (optional) only for emulators whose challenge names
//	              another host
//
// Run from bindings/go after `cargo build --release` in the repository root (-tags kv_repo
// links the repository's libkv.a; without it, the installed library found by pkg-config):
//
//	go run -tags kv_repo ./examples/quickstart
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

func main() {
	ctx := context.Background()
	log.SetFlags(0)
	vaultURL := os.Getenv("KV_VAULT_URL")
	if vaultURL == "" {
		log.Fatal("quickstart: set KV_VAULT_URL (e.g. eval \"$(scripts/vault.sh start /tmp/kv-vault)\")")
	}
	token := os.Getenv("KV_TOKEN")
	if token == "" {
		token = "local-dev-token"
	}

	cred, err := kv.NewStaticTokenCredential(token)
	if err != nil {
		log.Fatalf("credential: %v", err)
	}
	defer cred.Close()
	client, err := kv.NewClient(vaultURL, cred, &kv.ClientOptions{
		CAFile:                               os.Getenv("KV_CA_FILE"),
		DisableChallengeResourceVerification: os.Getenv("KV_VERIFY_CHALLENGE_RESOURCE") == "0",
	})
	if err != nil {
		log.Fatalf("client: %v", err)
	}
	defer client.Close()
	fmt.Printf("kv %s, vault %s\n", kv.Version(), client.VaultURL())

	name := fmt.Sprintf("go-quickstart-%d", os.Getpid())

	// Set and get a secret. Values are bytes: NUL bytes and any UTF-8 are kept exactly.
	set, err := client.SetSecret(ctx, name, []byte("s3cr3t ✓"), &kv.SecretOptions{
		ContentType: "text/plain",
		Tags:        map[string]string{"example": "quickstart"},
	})
	if err != nil {
		log.Fatalf("set secret: %v", err)
	}
	fmt.Printf("set %s version %s\n", set.Name, set.Version)
	got, err := client.GetSecret(ctx, name, "")
	if err != nil {
		log.Fatalf("get secret: %v", err)
	}
	fmt.Printf("got %q (content type %s)\n", got.Value, got.ContentType)
	got.Wipe() // zero our copy of the value once done with it

	// List the vault's secrets; pages are fetched as the iterator advances.
	it, err := client.ListSecrets(ctx)
	if err != nil {
		log.Fatalf("list secrets: %v", err)
	}
	n := 0
	for it.Next() {
		n++
	}
	if err := it.Err(); err != nil {
		log.Fatalf("list secrets: %v", err)
	}
	it.Close()
	fmt.Printf("the vault holds %d secrets\n", n)

	// Errors: match the status with errors.Is, read the details with errors.As.
	_, err = client.GetSecret(ctx, name+"-missing", "")
	if errors.Is(err, kv.ErrSecretNotFound) {
		var e *kv.Error
		errors.As(err, &e)
		fmt.Printf("missing secret: %s (HTTP %d, code %s, request id %s)\n", e.StatusName, e.HTTPStatus, e.Code, e.RequestID)
	} else {
		log.Fatalf("expected ErrSecretNotFound, got %v", err)
	}

	// Keys: sign in the vault, verify locally with the public key.
	key, err := client.CreateKey(ctx, name, kv.KeyTypeEC, &kv.KeyOptions{Curve: kv.KeyCurveP256})
	if err != nil {
		log.Fatalf("create key: %v", err)
	}
	digest := sha256.Sum256([]byte("hello, vault"))
	// The key's version pins the call to this key version ("" would mean the latest).
	sig, err := client.Sign(ctx, name, key.Version, kv.SignatureAlgorithmES256, digest[:])
	if err != nil {
		log.Fatalf("sign: %v", err)
	}
	local, err := key.LocalKey()
	if err != nil {
		log.Fatalf("local key: %v", err)
	}
	defer local.Close()
	ok, err := local.Verify(kv.SignatureAlgorithmES256, digest[:], sig.Value)
	if err != nil || !ok {
		log.Fatalf("verify: %v %v", ok, err)
	}
	fmt.Printf("signed with %s, verified locally\n", sig.KeyID)

	// Clean up: delete (soft delete), wait until the vault has finished deleting (it does so
	// asynchronously), then purge.
	deleted, err := client.DeleteSecret(ctx, name)
	if err != nil {
		log.Fatalf("delete secret: %v", err)
	}
	fmt.Printf("deleted; recovery id %s\n", deleted.RecoveryID)
	if err := client.WaitForDeletedSecret(ctx, name, 30*time.Second); err != nil {
		log.Fatalf("wait for deleted secret: %v", err)
	}
	if err := client.PurgeDeletedSecret(ctx, name); err != nil {
		log.Fatalf("purge secret: %v", err)
	}
	if _, err := client.DeleteKey(ctx, name); err != nil {
		log.Fatalf("delete key: %v", err)
	}
	if err := client.WaitForDeletedKey(ctx, name, 30*time.Second); err != nil {
		log.Fatalf("wait for deleted key: %v", err)
	}
	if err := client.PurgeDeletedKey(ctx, name); err != nil {
		log.Fatalf("purge key: %v", err)
	}
	fmt.Println("quickstart: done")
}
