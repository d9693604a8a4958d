/*
 * hello.c - a C program built against an installed kv with pkg-config:
 *
 *   PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig cc -std=c11 hello.c $(pkg-config --cflags --libs kv) -o hello
 *
 * Sets a secret, reads it back, deletes and purges it. Environment as for the C examples:
 * KV_VAULT_URL (required), KV_TOKEN (default "local-dev-token"), KV_CA_FILE (optional).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kv.h>

static int fail(const char *what, kv_status st, kv_error *err) {
    fprintf(stderr, "hello: %s: %s (%u): %s\n", what, kv_status_str(st), (unsigned)st, kv_error_message(err).data);
    kv_error_free(err);
    return 1;
}

int main(void) {
    const char *url = getenv("KV_VAULT_URL");
    const char *token = getenv("KV_TOKEN");
    const char *ca = getenv("KV_CA_FILE");
    if (url == NULL || *url == '\0') {
        fprintf(stderr, "hello: set KV_VAULT_URL\n");
        return 2;
    }
    if (token == NULL || *token == '\0') {
        token = "local-dev-token";
    }
    char name[64];
    snprintf(name, sizeof name, "pkgconfig-hello-%ld", (long)getpid());
    const char *value = "hello from C via pkg-config";

    kv_credential *cred = NULL;
    kv_client_options *opts = NULL;
    kv_client *client = NULL;
    kv_secret *secret = NULL;
    kv_error *err = NULL;
    kv_status st;
    int rc = 1;

    printf("kv %s\n", kv_version());
    if ((st = kv_credential_static_token_new(token, &cred, &err)) != KV_STATUS_OK) {
        return fail("credential", st, err);
    }
    opts = kv_client_options_new();
    if (opts == NULL) {
        goto out;
    }
    if (ca != NULL && *ca != '\0' && (st = kv_client_options_set_ca_file(opts, ca, &err)) != KV_STATUS_OK) {
        rc = fail("CA file", st, err);
        goto out;
    }
    if ((st = kv_client_new(url, cred, opts, &client, &err)) != KV_STATUS_OK) {
        rc = fail("client", st, err);
        goto out;
    }
    if ((st = kv_client_set_secret(client, name, (const uint8_t *)value, strlen(value), NULL, &err)) != KV_STATUS_OK) {
        rc = fail("set", st, err);
        goto out;
    }
    if ((st = kv_client_get_secret(client, name, NULL, &secret, &err)) != KV_STATUS_OK) {
        rc = fail("get", st, err);
        goto out;
    }
    kv_str v = kv_secret_value(secret);
    printf("%s = %s\n", name, v.data);
    if (v.len != strlen(value) || memcmp(v.data, value, v.len) != 0) {
        fprintf(stderr, "hello: the value read back differs\n");
        goto out;
    }
    if ((st = kv_client_delete_secret(client, name, &err)) != KV_STATUS_OK) {
        rc = fail("delete", st, err);
        goto out;
    }
    /* Deletes finish asynchronously: purge once the secret is in the deleted collection. */
    if ((st = kv_client_wait_for_deleted_secret(client, name, 60000, &err)) != KV_STATUS_OK) {
        rc = fail("wait for delete", st, err);
        goto out;
    }
    if ((st = kv_client_purge_deleted_secret(client, name, &err)) != KV_STATUS_OK) {
        rc = fail("purge", st, err);
        goto out;
    }
    printf("hello: ok\n");
    rc = 0;
out:
    kv_secret_free(secret);
    kv_client_free(client);
    kv_client_options_free(opts);
    kv_credential_free(cred);
    return rc;
}
