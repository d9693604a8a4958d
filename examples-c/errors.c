/*
 * errors.c - how kv reports failures, and how to handle them.
 *
 * Every fallible kv call returns a kv_status (KV_STATUS_OK == 0) and, when err_out is not NULL,
 * writes a kv_error (NULL on success) that the caller frees with kv_error_free. The status is
 * what to branch on; the error adds a message, the service's codes, the HTTP status and the
 * request id.
 *
 * Each case below checks that kv returns the expected status, so running this program is a
 * test: it exits non-zero if any case differs.
 *
 * Environment: KV_VAULT_URL (required), KV_TOKEN (default "local-dev-token") or AZURE_TENANT_ID,
 * AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, KV_CA_FILE (optional), KV_VERIFY_CHALLENGE_RESOURCE=0
 * (optional, emulators only) -- as for quickstart. KV_DISABLED_SECRET_FORBIDDEN=1: the vault
 * answers a disabled secret with a plain 403 Forbidden, without the service's inner code
 * SecretDisabled (the independent vault emulator does); accept that too.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "example_credential.h"
#include "kv.h"

static int failures = 0;

/* Prints what an error carries. */
static void print_error(const kv_error *err) {
    printf("    status:       %s (%u)\n", kv_status_str(kv_error_status(err)), (unsigned)kv_error_status(err));
    printf("    message:      %s\n", kv_error_message(err).data);
    printf("    service code: %s\n", kv_error_service_code(err).data);
    printf("    inner code:   %s\n", kv_error_inner_code(err).data);
    printf("    HTTP status:  %u\n", (unsigned)kv_error_http_status(err));
    printf("    request id:   %s\n", kv_error_request_id(err).data);
}

/* Compares a returned status (and its error) with what the case expects; frees the error. */
static void expect(const char *what, kv_status got, kv_error *err, kv_status want) {
    int ok = got == want && kv_error_status(err) == want && (want == KV_STATUS_OK) == (err == NULL);
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) {
        printf("    expected %s (%u), got %s (%u)\n", kv_status_str(want), (unsigned)want, kv_status_str(got),
               (unsigned)got);
        failures++;
    }
    if (err != NULL) {
        print_error(err);
    }
    kv_error_free(err);
}

/* Fails the current case when a condition about the error does not hold. */
static void require(const char *what, int cond) {
    if (!cond) {
        printf("FAIL   %s\n", what);
        failures++;
    }
}

static int str_eq(kv_str s, const char *want) { return s.len == strlen(want) && memcmp(s.data, want, s.len) == 0; }

int main(void) {
    const char *vault_url = getenv("KV_VAULT_URL");
    const char *ca_file = getenv("KV_CA_FILE");
    const char *verify = getenv("KV_VERIFY_CHALLENGE_RESOURCE");
    if (vault_url == NULL || vault_url[0] == '\0') {
        fprintf(stderr, "errors: set KV_VAULT_URL (e.g. eval \"$(scripts/vault.sh start /tmp/kv-vault)\")\n");
        return 2;
    }
    kv_credential *cred = NULL;
    kv_client_options *opts = NULL;
    kv_client *client = NULL;
    kv_error *err = NULL;
    kv_status st;

    /* Set-up: any failure here ends the program. */
    st = credential_from_env(&cred, &err);
    if (st != KV_STATUS_OK) {
        expect("create credential", st, err, KV_STATUS_OK);
        goto out;
    }
    opts = kv_client_options_new();
    if (opts == NULL) {
        fprintf(stderr, "errors: out of memory\n");
        failures++;
        goto out;
    }
    if (ca_file != NULL && ca_file[0] != '\0') {
        st = kv_client_options_set_ca_file(opts, ca_file, &err);
        if (st != KV_STATUS_OK) {
            expect("trust KV_CA_FILE", st, err, KV_STATUS_OK);
            goto out;
        }
    }
    if (verify != NULL && strcmp(verify, "0") == 0) {
        st = kv_client_options_set_verify_challenge_resource(opts, false, &err);
        if (st != KV_STATUS_OK) {
            expect("turn the challenge-resource check off", st, err, KV_STATUS_OK);
            goto out;
        }
    }
    st = kv_client_new(vault_url, cred, opts, &client, &err);
    if (st != KV_STATUS_OK) {
        expect("create client", st, err, KV_STATUS_OK);
        goto out;
    }

    /* 1. A NULL where a pointer is required: KV_STATUS_NULL_ARGUMENT, never a crash. */
    {
        kv_secret *s = NULL;
        st = kv_client_get_secret(client, NULL, NULL, &s, &err);
        require("no output on failure", s == NULL);
        expect("NULL name -> KV_STATUS_NULL_ARGUMENT", st, err, KV_STATUS_NULL_ARGUMENT);
    }

    /* 2. An invalid object name is refused before any request is sent (so no HTTP status). */
    {
        kv_secret *s = NULL;
        st = kv_client_get_secret(client, "not_a_valid/name", NULL, &s, &err);
        require("invalid name: no HTTP reply", kv_error_http_status(err) == 0);
        require("invalid name: no request id", kv_error_request_id(err).len == 0);
        expect("invalid name -> KV_STATUS_INVALID_NAME", st, err, KV_STATUS_INVALID_NAME);
    }

    /* 3. A secret that does not exist: the service's code is mirrored as a status. */
    {
        char name[64];
        kv_secret *s = NULL;
        snprintf(name, sizeof name, "errors-missing-%ld", (long)getpid());
        st = kv_client_get_secret(client, name, NULL, &s, &err);
        require("missing secret: service code SecretNotFound", str_eq(kv_error_service_code(err), "SecretNotFound"));
        require("missing secret: HTTP 404", kv_error_http_status(err) == 404);
        require("missing secret: request id present", kv_error_request_id(err).len > 0);
        expect("missing secret -> KV_STATUS_SECRET_NOT_FOUND", st, err, KV_STATUS_SECRET_NOT_FOUND);
    }

    /* 4. A plain http:// vault URL is refused unless insecure transport was explicitly allowed. */
    {
        kv_client *insecure = NULL;
        st = kv_client_new("http://localhost:8080", cred, NULL, &insecure, &err);
        require("http:// URL: no client", insecure == NULL);
        expect("http:// URL -> KV_STATUS_INSECURE_TRANSPORT", st, err, KV_STATUS_INSECURE_TRANSPORT);
        kv_client_free(insecure);
    }

    /* 5. A disabled secret exists, but its value cannot be read. */
    {
        char name[64];
        const char *value = "you cannot read me";
        kv_secret_options *so = kv_secret_options_new();
        kv_secret *s = NULL;
        snprintf(name, sizeof name, "errors-disabled-%ld", (long)getpid());
        if (so == NULL) {
            fprintf(stderr, "errors: out of memory\n");
            failures++;
            goto out;
        }
        st = kv_secret_options_set_enabled(so, false, &err);
        expect("kv_secret_options_set_enabled(false)", st, err, KV_STATUS_OK);
        st = kv_client_set_secret_with_options(client, name, (const uint8_t *)value, strlen(value), so, &s, &err);
        kv_secret_options_free(so);
        expect("create a disabled secret", st, err, KV_STATUS_OK);
        if (st == KV_STATUS_OK) {
            require("created secret reports enabled == false", !kv_secret_enabled(s));
            kv_secret_free(s);
            s = NULL;

            const char *forbidden_env = getenv("KV_DISABLED_SECRET_FORBIDDEN");
            st = kv_client_get_secret(client, name, NULL, &s, &err);
            require("disabled secret: HTTP 403", kv_error_http_status(err) == 403);
            if (forbidden_env != NULL && strcmp(forbidden_env, "1") == 0 && kv_error_inner_code(err).len == 0) {
                expect("get disabled secret -> KV_STATUS_FORBIDDEN (vault without SecretDisabled)", st, err,
                       KV_STATUS_FORBIDDEN);
            } else {
                require("disabled secret: inner code SecretDisabled", str_eq(kv_error_inner_code(err), "SecretDisabled"));
                expect("get disabled secret -> KV_STATUS_SECRET_DISABLED", st, err, KV_STATUS_SECRET_DISABLED);
            }
            kv_secret_free(s); /* NULL unless the get wrongly succeeded */

            /* Clean up: delete, wait until the delete has finished (it is asynchronous), purge. */
            st = kv_client_delete_secret(client, name, &err);
            expect("clean up: delete", st, err, KV_STATUS_OK);
            st = kv_client_wait_for_deleted_secret(client, name, 60000, &err);
            expect("clean up: wait for the delete", st, err, KV_STATUS_OK);
            st = kv_client_purge_deleted_secret(client, name, &err);
            expect("clean up: purge", st, err, KV_STATUS_OK);
        }
    }

out:
    kv_client_free(client);
    kv_client_options_free(opts);
    kv_credential_free(cred);
    if (failures > 0) {
        printf("errors: %d check(s) FAILED\n", failures);
        return 1;
    }
    printf("errors: all checks passed\n");
    return 0;
}
