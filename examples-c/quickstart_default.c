/*
 * quickstart_default.c - the quickstart with the default credential.
 *
 * kv_credential_default_new builds the chain that works unchanged on a laptop and in Azure:
 * environment (AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET or
 * AZURE_CLIENT_CERTIFICATE_PATH) -> workload identity (AZURE_FEDERATED_TOKEN_FILE) -> managed
 * identity (IMDS, or App Service's IDENTITY_ENDPOINT) -> Azure CLI (az login). The first that
 * produces a token is used from then on; when none does, the error lists each and why.
 * AZURE_TOKEN_CREDENTIALS=dev|prod|<one credential name> narrows the chain.
 *
 * The program sets a secret, reads it back, deletes it, waits for the delete to finish and purges it.
 *
 * Environment:
 *   KV_VAULT_URL  (required) the vault, e.g. https://myvault.vault.azure.net
 *   KV_CA_FILE    (optional) PEM file of an extra CA to trust, e.g. a local test vault's ca.pem
 *   KV_VERIFY_CHALLENGE_RESOURCE=0  (optional) turn the 401 challenge-resource check off;
 *                 only for emulators whose challenge names another host (Lowkey Vault)
 *   AZURE_POD_IDENTITY_AUTHORITY_HOST  (optional) where managed identity finds IMDS, e.g. the
 *                 local test vault's plain-HTTP port: http://127.0.0.1:8080
 *
 * Usage: quickstart_default [secret-name]
 *
 * Build: make -C examples-c   (see the Makefile; links target/release/libkv.a)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kv.h"

/* Prints a failed call's error, frees it and returns 0; returns 1 on success.
 * It takes the address of the error variable: C leaves the order in which arguments are
 * evaluated open, so `check(..., kv_call(..., &err), err)` could pass err before the call set it. */
static int check(const char *what, kv_status status, kv_error **err) {
    if (status == KV_STATUS_OK) {
        return 1;
    }
    /* The default chain's message has one line per credential saying why it failed. */
    fprintf(stderr, "error: %s failed: %s (status %u)\n%s\n", what, kv_status_str(status), (unsigned)status,
            kv_error_message(*err).data);
    kv_error_free(*err);
    *err = NULL;
    return 0;
}

int main(int argc, char **argv) {
    const char *vault_url = getenv("KV_VAULT_URL");
    const char *ca_file = getenv("KV_CA_FILE");
    const char *verify = getenv("KV_VERIFY_CHALLENGE_RESOURCE");
    if (vault_url == NULL || vault_url[0] == '\0') {
        fprintf(stderr, "quickstart_default: set KV_VAULT_URL (e.g. eval \"$(scripts/vault.sh start /tmp/kv-vault)\")\n");
        return 2;
    }

    char default_name[64];
    snprintf(default_name, sizeof default_name, "quickstart-default-%ld", (long)getpid());
    const char *name = argc > 1 ? argv[1] : default_name;

    kv_credential *cred = NULL;
    kv_client_options *opts = NULL;
    kv_client *client = NULL;
    kv_secret *secret = NULL;
    kv_error *err = NULL;
    int ok = 0;

    printf("kv %s, vault %s, default credential\n", kv_version(), vault_url);

    /* 1. The default credential. It reads the environment now; it asks for a token only when
     *    the vault's first 401 challenge says which tenant and scope to ask for. */
    if (!check("kv_credential_default_new", kv_credential_default_new(&cred, &err), &err))
        goto out;

    /* 2. Client options and the client. The client keeps its own reference to the credential. */
    opts = kv_client_options_new();
    if (opts == NULL) {
        fprintf(stderr, "error: out of memory\n");
        goto out;
    }
    if (ca_file != NULL && ca_file[0] != '\0' &&
        !check("kv_client_options_set_ca_file", kv_client_options_set_ca_file(opts, ca_file, &err), &err))
        goto out;
    if (verify != NULL && strcmp(verify, "0") == 0 &&
        !check("kv_client_options_set_verify_challenge_resource",
               kv_client_options_set_verify_challenge_resource(opts, false, &err), &err))
        goto out;
    if (!check("kv_client_new", kv_client_new(vault_url, cred, opts, &client, &err), &err))
        goto out;
    kv_credential_free(cred); /* safe: the client holds what it needs */
    cred = NULL;

    /* 3. Set, get, delete, purge. The first call is where the chain runs. */
    const char *value = "hello from the default credential";
    printf("set secret %s\n", name);
    if (!check("kv_client_set_secret",
               kv_client_set_secret(client, name, (const uint8_t *)value, strlen(value), NULL, &err), &err))
        goto out;
    if (!check("kv_client_get_secret", kv_client_get_secret(client, name, NULL, &secret, &err), &err))
        goto out;
    printf("got secret %s (version %s): %.*s\n", kv_secret_name(secret).data, kv_secret_version(secret).data,
           (int)kv_secret_value(secret).len, kv_secret_value(secret).data);
    kv_secret_free(secret);
    secret = NULL;
    if (!check("kv_client_delete_secret", kv_client_delete_secret(client, name, &err), &err))
        goto out;
    /* Deletes finish asynchronously: purge only once the secret is in the deleted collection. */
    if (!check("kv_client_wait_for_deleted_secret", kv_client_wait_for_deleted_secret(client, name, 60000, &err), &err))
        goto out;
    if (!check("kv_client_purge_deleted_secret", kv_client_purge_deleted_secret(client, name, &err), &err))
        goto out;
    printf("deleted and purged %s\n", name);

    ok = 1;
    printf("quickstart_default: OK\n");

out:
    kv_secret_free(secret);
    kv_client_free(client);
    kv_client_options_free(opts);
    kv_credential_free(cred);
    return ok ? 0 : 1;
}
