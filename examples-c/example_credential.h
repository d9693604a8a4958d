/*
 * example_credential.h - the credential every kv C example uses, chosen from the environment:
 *
 *   AZURE_CLIENT_ID set  an application credential (kv_credential_environment_new): AZURE_TENANT_ID,
 *                        AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or a certificate), tokens from
 *                        AZURE_AUTHORITY_HOST (default https://login.microsoftonline.com); the
 *                        identity platform's TLS certificate is also checked against KV_CA_FILE
 *   otherwise            the bearer token in KV_TOKEN (default "local-dev-token", which the local
 *                        stand-in vault accepts)
 */
#ifndef KV_EXAMPLE_CREDENTIAL_H
#define KV_EXAMPLE_CREDENTIAL_H

#include <stddef.h>
#include <stdlib.h>

#include "kv.h"

/* Creates the credential described above into *out; on failure returns the status and *err. */
static kv_status credential_from_env(kv_credential **out, kv_error **err) {
    const char *client_id = getenv("AZURE_CLIENT_ID");
    const char *ca_file = getenv("KV_CA_FILE");
    if (client_id == NULL || client_id[0] == '\0') {
        const char *token = getenv("KV_TOKEN");
        return kv_credential_static_token_new(token != NULL && token[0] != '\0' ? token : "local-dev-token", out, err);
    }
    kv_credential_options *opts = kv_credential_options_new();
    if (opts == NULL) {
        return KV_STATUS_INTERNAL; /* out of memory; no kv_error to hand back */
    }
    kv_status st = KV_STATUS_OK;
    if (ca_file != NULL && ca_file[0] != '\0') {
        st = kv_credential_options_set_ca_file(opts, ca_file, err);
    }
    if (st == KV_STATUS_OK) {
        st = kv_credential_environment_new(opts, out, err);
    }
    kv_credential_options_free(opts); /* the credential copied them */
    return st;
}

#endif /* KV_EXAMPLE_CREDENTIAL_H */
