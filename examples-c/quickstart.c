/*
 * quickstart.c - a first tour of kv from C.
 *
 * Sets a secret, reads it back, lists the vault's secrets, deletes the secret, shows the
 * deleted secret's recovery id, waits until the vault has finished the delete and purges it.
 *
 * Environment:
 *   KV_VAULT_URL  (required) the vault, e.g. https://myvault.vault.azure.net
 *   KV_TOKEN      bearer token to present (default "local-dev-token"; the stand-in vault accepts only the token scripts/vault.sh seeds it with and prints)
 *   AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (optional) authenticate as this
 *                 application instead of presenting KV_TOKEN; AZURE_AUTHORITY_HOST names the
 *                 identity platform (see example_credential.h)
 *   KV_CA_FILE    (optional) PEM file of an extra CA to trust, e.g. a local test vault's ca.pem
 *   KV_VERIFY_CHALLENGE_RESOURCE=0  (optional) turn the 401 challenge-resource check off;
 *                 only for emulators whose challenge names another host (Lowkey Vault)
 *
 * Usage: quickstart [secret-name]
 *
 * Build: make -C examples-c   (see the Makefile; links target/release/libkv.a)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "example_credential.h"
#include "kv.h"

/* Prints everything a kv_error carries. Every kv call that can fail returns a kv_status and,
 * when err_out is not NULL, a kv_error that we must free with kv_error_free. */
static void print_error(const char *what, kv_status status, const kv_error *err) {
    fprintf(stderr, "error: %s failed: %s (status %u)\n", what, kv_status_str(status), (unsigned)status);
    fprintf(stderr, "  message:      %s\n", kv_error_message(err).data);
    fprintf(stderr, "  service code: %s\n", kv_error_service_code(err).data);
    fprintf(stderr, "  inner code:   %s\n", kv_error_inner_code(err).data);
    fprintf(stderr, "  HTTP status:  %u\n", (unsigned)kv_error_http_status(err));
    fprintf(stderr, "  request id:   %s\n", kv_error_request_id(err).data);
}

/* Checks a kv_status: on failure prints the error, frees it and returns 0; on success returns 1. */
/* Takes &err: the call is evaluated before err is read (C leaves argument order unspecified). */
static int check(const char *what, kv_status status, kv_error **err) {
    if (status == KV_STATUS_OK) {
        return 1;
    }
    print_error(what, status, *err);
    kv_error_free(*err);
    *err = NULL;
    return 0;
}

int main(int argc, char **argv) {
    const char *vault_url = getenv("KV_VAULT_URL");
    const char *ca_file = getenv("KV_CA_FILE");
    const char *verify = getenv("KV_VERIFY_CHALLENGE_RESOURCE");
    if (vault_url == NULL || vault_url[0] == '\0') {
        fprintf(stderr, "quickstart: set KV_VAULT_URL (e.g. eval \"$(scripts/vault.sh start /tmp/kv-vault)\")\n");
        return 2;
    }
    char default_name[64];
    snprintf(default_name, sizeof default_name, "quickstart-%ld", (long)getpid());
    const char *name = argc > 1 ? argv[1] : default_name;

    /* Everything we may have to free; freeing NULL is fine, so one cleanup path serves all. */
    kv_credential *cred = NULL;
    kv_client_options *opts = NULL;
    kv_client *client = NULL;
    kv_secret *secret = NULL;
    kv_secret_iter *iter = NULL;
    kv_error *err = NULL;
    int ok = 0;

    printf("kv %s, vault %s\n", kv_version(), vault_url);

    /* 1. A credential: an application's client secret when AZURE_CLIENT_ID is set, else a token
     *    we already have (credential_from_env in example_credential.h). */
    if (!check("credential_from_env", credential_from_env(&cred, &err), &err))
        goto out;

    /* 2. Client options: trust the local vault's CA when one is given. */
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

    /* 3. The client. It copies the options and keeps its own reference to the credential. */
    if (!check("kv_client_new", kv_client_new(vault_url, cred, opts, &client, &err), &err))
        goto out;

    /* 4. Set a secret. Values are (pointer, length): binary-safe. */
    const char *value = "hello from C";
    printf("\nset secret %s\n", name);
    if (!check("kv_client_set_secret",
               kv_client_set_secret(client, name, (const uint8_t *)value, strlen(value), NULL, &err), &err))
        goto out;

    /* 5. Get it back (version NULL = latest). kv_str views live as long as the secret. */
    if (!check("kv_client_get_secret", kv_client_get_secret(client, name, NULL, &secret, &err), &err))
        goto out;
    printf("got secret\n  name:    %s\n  version: %s\n  value:   %.*s\n", kv_secret_name(secret).data,
           kv_secret_version(secret).data, (int)kv_secret_value(secret).len, kv_secret_value(secret).data);
    kv_secret_free(secret); /* zeroizes the value */
    secret = NULL;

    /* 6. List the vault's secrets. The iterator fetches further pages on demand;
     *    *item is NULL at the end. List items carry no value. */
    printf("\nsecrets in the vault:\n");
    if (!check("kv_client_list_secrets", kv_client_list_secrets(client, &iter, &err), &err))
        goto out;
    size_t count = 0;
    for (;;) {
        kv_secret *item = NULL;
        if (!check("kv_secret_iter_next", kv_secret_iter_next(iter, &item, &err), &err))
            goto out;
        if (item == NULL)
            break;
        printf("  %s\n", kv_secret_name(item).data);
        count++;
        kv_secret_free(item);
    }
    printf("%zu secret(s)\n", count);
    kv_secret_iter_free(iter);
    iter = NULL;

    /* 7. Delete it (soft delete: the vault keeps it, recoverable, until purged). The reply is the
     *    deleted secret: no value; its recovery id is what kv_client_recover_deleted_secret
     *    restores. */
    printf("\ndelete secret %s\n", name);
    if (!check("kv_client_delete_secret_out", kv_client_delete_secret_out(client, name, &secret, &err), &err))
        goto out;
    printf("deleted secret\n  recovery id: %s\n  scheduled purge date: %lld\n", kv_secret_recovery_id(secret).data,
           (long long)kv_secret_scheduled_purge_date(secret));
    kv_secret_free(secret);
    secret = NULL;

    /* 8. The service finishes a delete asynchronously: until then it answers 404 for the deleted
     *    secret and 409 ObjectIsBeingDeleted to a purge. Wait (here up to a minute). */
    if (!check("kv_client_wait_for_deleted_secret", kv_client_wait_for_deleted_secret(client, name, 60000, &err), &err))
        goto out;

    /* 9. Purge it for good. */
    if (!check("kv_client_purge_deleted_secret", kv_client_purge_deleted_secret(client, name, &err), &err))
        goto out;
    printf("purged secret %s\n", name);

    ok = 1;
    printf("\nquickstart: OK\n");

out:
    /* Every _free accepts NULL. */
    kv_secret_free(secret);
    kv_secret_iter_free(iter);
    kv_client_free(client);
    kv_client_options_free(opts);
    kv_credential_free(cred);
    return ok ? 0 : 1;
}
