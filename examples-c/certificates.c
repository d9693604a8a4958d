/*
 * certificates.c - a TLS certificate and its key from the vault, in a few calls:
 * create a self-signed certificate, wait for it, download it with its private key as PEM (what a
 * TLS library loads), print its subject, SANs and expiry, then delete and purge it with the waits.
 *
 *   KV_VAULT_URL=https://... [KV_TOKEN=...] [KV_CA_FILE=ca.pem] ./certificates
 *
 * Exit status: 0 when everything worked, 1 otherwise, 2 when KV_VAULT_URL is not set.
 */
#include <time.h>

#include "example_util.h"

#define CREATE_WAIT_MS 60000u

int main(void) {
    (void)delete_and_purge; /* example_util.h's key helper; certificates delete below */
    kv_client *client = NULL;
    int rc = connect_from_env("certificates", &client);
    if (rc != 0)
        return rc;

    kv_error *err = NULL;
    kv_certificate_policy *policy = NULL;
    kv_certificate *cert = NULL;
    kv_blob *pem = NULL;
    char name[64];
    snprintf(name, sizeof name, "example-tls-%ld", (long)time(NULL));
    int created = 0;

    /* 1. A policy: subject, DNS names, EC P-256 key, PEM content, 12 months. */
    policy = kv_certificate_policy_new("CN=service.example");
    if (policy == NULL) {
        fprintf(stderr, "error: out of memory\n");
        failures++;
        goto out;
    }
    if (!check("add_dns_name", kv_certificate_policy_add_dns_name(policy, "service.example", &err), &err) ||
        !check("add_dns_name", kv_certificate_policy_add_dns_name(policy, "localhost", &err), &err) ||
        !check("set_key_type", kv_certificate_policy_set_key_type(policy, "EC", &err), &err) ||
        !check("set_curve", kv_certificate_policy_set_curve(policy, "P-256", &err), &err) ||
        !check("set_content_type", kv_certificate_policy_set_content_type(policy, "application/x-pem-file", &err), &err) ||
        !check("set_validity_months", kv_certificate_policy_set_validity_months(policy, 12, &err), &err) ||
        !check("add_eku", kv_certificate_policy_add_eku(policy, "1.3.6.1.5.5.7.3.1", &err), &err) ||
        !check("add_lifetime_action", kv_certificate_policy_add_lifetime_action(policy, "AutoRenew", 80, 0, &err), &err))
        goto out;

    /* 2. Create and wait for the (self-signed) certificate. */
    printf("create certificate %s\n", name);
    if (!check("kv_client_create_certificate", kv_client_create_certificate(client, name, policy, NULL, NULL, &err), &err))
        goto out;
    created = 1;
    if (!check("kv_client_wait_for_certificate", kv_client_wait_for_certificate(client, name, CREATE_WAIT_MS, &cert, &err), &err))
        goto out;

    /* 3. What it is. */
    time_t expires = (time_t)kv_certificate_not_after(cert);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&expires));
    printf("subject:    %s\n", kv_certificate_subject(cert).data);
    printf("issuer:     %s\n", kv_certificate_issuer_name(cert).data);
    printf("serial:     %s\n", kv_certificate_serial(cert).data);
    printf("thumbprint: %s\n", kv_certificate_thumbprint(cert).data);
    printf("expires:    %s\n", when);
    for (size_t i = 0; i < kv_certificate_san_count(cert); i++)
        printf("SAN:        %s\n", kv_certificate_san(cert, i).data);
    require("subject is CN=service.example", strcmp(kv_certificate_subject(cert).data, "CN=service.example") == 0);
    require("expiry is in the future", expires > time(NULL));
    require("two SANs", kv_certificate_san_count(cert) == 2);

    /* 4. The certificate with its private key, as PEM: hand it to the TLS library. */
    if (!check("kv_client_download_certificate",
               kv_client_download_certificate(client, name, NULL, KV_CERTIFICATE_FORMAT_PEM, NULL, &pem, &err), &err))
        goto out;
    kv_bytes b = kv_blob_bytes(pem);
    const char *text = (const char *)b.data;
    require("PEM has a private key", strstr(text, "-----BEGIN PRIVATE KEY-----") != NULL);
    require("PEM has the certificate", strstr(text, "-----BEGIN CERTIFICATE-----") != NULL);
    printf("downloaded %zu bytes of PEM (key and certificate; zeroized when freed)\n", b.len);

out:
    kv_blob_free(pem);
    kv_certificate_free(cert);
    kv_certificate_policy_free(policy);

    /* 5. Delete, wait until the deletion finished, purge. */
    if (created) {
        printf("delete and purge certificate %s\n", name);
        if (check("kv_client_delete_certificate", kv_client_delete_certificate(client, name, NULL, &err), &err) &&
            check("kv_client_wait_for_deleted_certificate",
                  kv_client_wait_for_deleted_certificate(client, name, DELETE_WAIT_MS, &err), &err) &&
            check("kv_client_purge_deleted_certificate", kv_client_purge_deleted_certificate(client, name, &err), &err))
            printf("purged certificate %s\n", name);
    }
    kv_client_free(client);
    printf("%s\n", failures == 0 ? "certificates example: all ok" : "certificates example: FAILED");
    return failures == 0 ? 0 : 1;
}
