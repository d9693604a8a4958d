/*
 * example_util.h - helpers shared by the kv C examples sign_verify.c and encrypt_decrypt.c:
 * printing a kv_error, checking a kv_status, counting failed expectations, and removing a key
 * for good. Each example includes it once; everything here is static.
 */
#ifndef KV_EXAMPLE_UTIL_H
#define KV_EXAMPLE_UTIL_H

#include <stdio.h>

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

#endif /* KV_EXAMPLE_UTIL_H */
