/*
 * example_util.h - helpers shared by the kv C examples sign_verify.c and encrypt_decrypt.c:
 * printing a kv_error, checking a kv_status, counting failed expectations, and removing a key
 * for good. Each example includes it once; everything here is static.
 */
#ifndef KV_EXAMPLE_UTIL_H
#define KV_EXAMPLE_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example_credential.h"
#include "kv.h"

/* How long to wait for a deleted key to reach the deleted collection before purging it. */
#define DELETE_WAIT_MS 60000u

static int failures = 0;

/* Prints everything a kv_error carries. */
static void print_error(const char *what, kv_status status, const kv_error *err) {
    fprintf(stderr, "error: %s failed: %s (status %u)\n", what, kv_status_str(status), (unsigned)status);
    fprintf(stderr, "  message:      %s\n", kv_error_message(err).data);
    fprintf(stderr, "  service code: %s\n", kv_error_service_code(err).data);
    fprintf(stderr, "  inner code:   %s\n", kv_error_inner_code(err).data);
    fprintf(stderr, "  HTTP status:  %u\n", (unsigned)kv_error_http_status(err));
    fprintf(stderr, "  request id:   %s\n", kv_error_request_id(err).data);
}

/* Checks a kv_status: on failure prints the error, frees it, counts a failure and returns 0. */
/* Takes &err: the call is evaluated before err is read (C leaves argument order unspecified). */
static int check(const char *what, kv_status status, kv_error **err) {
    if (status == KV_STATUS_OK) {
        return 1;
    }
    print_error(what, status, *err);
    kv_error_free(*err);
    *err = NULL;
    failures++;
    return 0;
}

/* Counts a failure when a condition does not hold; returns the condition. */
static int require(const char *what, int cond) {
    printf("  %s %s\n", cond ? "ok  " : "FAIL", what);
    if (!cond) {
        failures++;
    }
    return cond;
}

/* Deletes a key (all versions), waits until the deletion has finished, then purges it. */
static void delete_and_purge(const kv_client *client, const char *name) {
    kv_error *err = NULL;
    printf("\ndelete and purge key %s\n", name);
    if (!check("kv_client_delete_key", kv_client_delete_key(client, name, NULL, &err), &err))
        return;
    if (!check("kv_client_wait_for_deleted_key", kv_client_wait_for_deleted_key(client, name, DELETE_WAIT_MS, &err), &err))
        return;
    if (check("kv_client_purge_deleted_key", kv_client_purge_deleted_key(client, name, &err), &err))
        printf("purged key %s\n", name);
}


/*
 * Connects as quickstart.c does, from the environment: KV_VAULT_URL (required), the credential of
 * credential_from_env (example_credential.h: AZURE_* application variables, else KV_TOKEN, default
 * "local-dev-token"), KV_CA_FILE (a PEM file to trust), KV_VERIFY_CHALLENGE_RESOURCE=0
 * (emulators only). Returns 0 with *client set, 2 when KV_VAULT_URL is missing, 1 on failure.
 */
static int connect_from_env(const char *program, kv_client **client) {
    const char *vault_url = getenv("KV_VAULT_URL");
    const char *ca_file = getenv("KV_CA_FILE");
    const char *verify = getenv("KV_VERIFY_CHALLENGE_RESOURCE");
    if (vault_url == NULL || vault_url[0] == '\0') {
        fprintf(stderr, "%s: set KV_VAULT_URL (e.g. eval \"$(scripts/vault.sh start /tmp/kv-vault)\")\n", program);
        return 2;
    }
    printf("kv %s, vault %s\n", kv_version(), vault_url);

    kv_credential *cred = NULL;
    kv_client_options *opts = kv_client_options_new();
    kv_error *err = NULL;
    int rc = 1;
    if (opts == NULL) {
        fprintf(stderr, "error: out of memory\n");
        failures++;
        goto out;
    }
    if (!check("credential_from_env", credential_from_env(&cred, &err), &err))
        goto out;
    if (ca_file != NULL && ca_file[0] != '\0' &&
        !check("kv_client_options_set_ca_file", kv_client_options_set_ca_file(opts, ca_file, &err), &err))
        goto out;
    if (verify != NULL && strcmp(verify, "0") == 0 &&
        !check("kv_client_options_set_verify_challenge_resource",
               kv_client_options_set_verify_challenge_resource(opts, false, &err), &err))
        goto out;
    if (check("kv_client_new", kv_client_new(vault_url, cred, opts, client, &err), &err))
        rc = 0;
out:
    kv_client_options_free(opts); /* the client copied them */
    kv_credential_free(cred);     /* the client keeps its own reference */
    return rc;
}

#endif /* KV_EXAMPLE_UTIL_H */
