/*
 * sign_verify.c - signing in the vault, verifying locally and in the vault.
 *
 * Creates an EC P-256 key and an RSA 2048 key. For each: signs a message in the vault
 * (kv_client_sign_data: ES256 / PS256; the private key never leaves the vault), verifies the
 * signature locally with the fetched public key (kv_key_verify_data, no request) and in the vault
 * (kv_client_verify_data), checks that a tampered message fails both ways, and prints the public
 * key as PEM. Finally deletes and purges both keys.
 *
 * Every step is checked, so running this program is a test: it exits non-zero on any
 * unexpected result.
 *
 * Environment: KV_VAULT_URL (required), KV_TOKEN (default "local-dev-token"), KV_CA_FILE
 * (optional), KV_VERIFY_CHALLENGE_RESOURCE=0 (optional, emulators only) -- as for quickstart.
 *
 * Usage: sign_verify [key-name-prefix]
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "example_util.h"
#include "kv.h"

/* One signing round trip with the vault key `name`: sign in the vault, verify locally and
 * remotely, check that a tampered message fails both ways, print the public key PEM. */
static void sign_and_verify(const kv_client *client, const char *name, kv_signature_algorithm alg,
                            const char *alg_name, size_t signature_len) {
    const char *message = "kv: sign in the vault, verify anywhere";
    const size_t message_len = strlen(message);
    char tampered[64];
    kv_crypto_result *signed_ = NULL;
    kv_key *key = NULL;
    kv_blob *pem = NULL;
    kv_error *err = NULL;
    kv_bytes sig;
    const char *version = NULL;
    bool valid = false;

    /* A copy of the message with one byte changed. */
    memcpy(tampered, message, message_len + 1);
    tampered[0] ^= 0x01;

    printf("\n%s with key %s\n", alg_name, name);

    /* 1. Fetch the key (public members only): its version pins every call below to the same key
     *    version (NULL would mean the latest, which may change between calls). */
    if (!check("kv_client_get_key", kv_client_get_key(client, name, NULL, &key, &err), &err))
        goto out;
    version = kv_key_version(key).data; /* borrowed: valid until the key is freed */

    /* 2. Sign: kv hashes the message locally (SHA-256 for ES256 and PS256) and the vault signs
     *    the digest. */
    if (!check("kv_client_sign_data",
               kv_client_sign_data(client, name, version, alg, (const uint8_t *)message, message_len, &signed_, &err), &err))
        goto out;
    sig = kv_crypto_result_value(signed_); /* borrowed: valid until the result is freed */
    printf("  signed by %s\n  signature: %zu bytes\n", kv_crypto_result_key_id(signed_).data, sig.len);
    require("signature has the expected length", sig.len == signature_len);

    /* 3. Verify locally with the fetched public key, without a request. */
    valid = false;
    if (check("kv_key_verify_data",
              kv_key_verify_data(key, alg, (const uint8_t *)message, message_len, sig.data, sig.len, &valid, &err), &err))
        require("local verify: signature is valid", valid);
    valid = true;
    if (check("kv_key_verify_data (tampered)",
              kv_key_verify_data(key, alg, (const uint8_t *)tampered, message_len, sig.data, sig.len, &valid, &err), &err))
        require("local verify: tampered message is not valid", !valid);

    /* 4. Verify in the vault. The call succeeds either way; *valid says whether it verified. */
    valid = false;
    if (check("kv_client_verify_data",
              kv_client_verify_data(client, name, version, alg, (const uint8_t *)message, message_len, sig.data, sig.len,
                                    &valid, &err), &err))
        require("vault verify: signature is valid", valid);
    valid = true;
    if (check("kv_client_verify_data (tampered)",
              kv_client_verify_data(client, name, version, alg, (const uint8_t *)tampered, message_len, sig.data,
                                    sig.len, &valid, &err), &err))
        require("vault verify: tampered message is not valid", !valid);

    /* 5. The public key as PEM, for anyone who verifies with other tools (openssl, ...). */
    if (check("kv_key_public_pem", kv_key_public_pem(key, &pem, &err), &err)) {
        const char *text = (const char *)kv_blob_bytes(pem).data; /* NUL-terminated */
        require("PEM is a public key", strncmp(text, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
        printf("%s", text);
    }

out:
    kv_blob_free(pem);
    kv_key_free(key);
    kv_crypto_result_free(signed_);
}

int main(int argc, char **argv) {
    char prefix[64], ec_name[96], rsa_name[96];
    if (argc > 1) {
        snprintf(prefix, sizeof prefix, "%s", argv[1]);
    } else {
        snprintf(prefix, sizeof prefix, "sign-verify-%ld", (long)getpid());
    }
    snprintf(ec_name, sizeof ec_name, "%s-ec", prefix);
    snprintf(rsa_name, sizeof rsa_name, "%s-rsa", prefix);

    kv_client *client = NULL;
    kv_key_options *ec_opts = NULL, *rsa_opts = NULL;
    kv_key *key = NULL;
    kv_error *err = NULL;
    int have_ec = 0, have_rsa = 0;

    /* Set-up, as in quickstart.c (connect_from_env in example_util.h). */
    const int connected = connect_from_env("sign_verify", &client);
    if (connected == 2)
        return 2;
    if (connected != 0)
        goto out;

    /* 1. An EC key on P-256. Key options carry what the call sends; the key type is an argument. */
    ec_opts = kv_key_options_new();
    rsa_opts = kv_key_options_new();
    if (ec_opts == NULL || rsa_opts == NULL) {
        fprintf(stderr, "error: out of memory\n");
        failures++;
        goto out;
    }
    printf("\ncreate EC P-256 key %s\n", ec_name);
    if (!check("kv_key_options_set_curve", kv_key_options_set_curve(ec_opts, KV_KEY_CURVE_P256, &err), &err))
        goto out;
    if (!check("kv_client_create_key (EC)", kv_client_create_key(client, ec_name, KV_KEY_TYPE_EC, ec_opts, &key, &err), &err))
        goto out;
    have_ec = 1;
    printf("  id:    %s\n  type:  %s\n  curve: %s\n", kv_key_id(key).data, kv_key_type_name(key).data,
           kv_key_curve_name(key).data);
    require("key type is EC", strcmp(kv_key_type_name(key).data, "EC") == 0);
    require("curve is P-256", strcmp(kv_key_curve_name(key).data, "P-256") == 0);
    kv_key_free(key);
    key = NULL;

    /* 2. An RSA key of 2048 bits. */
    printf("\ncreate RSA 2048 key %s\n", rsa_name);
    if (!check("kv_key_options_set_key_size", kv_key_options_set_key_size(rsa_opts, 2048, &err), &err))
        goto out;
    if (!check("kv_client_create_key (RSA)",
               kv_client_create_key(client, rsa_name, KV_KEY_TYPE_RSA, rsa_opts, &key, &err), &err))
        goto out;
    have_rsa = 1;
    printf("  id:      %s\n  type:    %s\n  modulus: %zu bits\n", kv_key_id(key).data, kv_key_type_name(key).data,
           kv_key_n(key).len * 8);
    require("key type is RSA", strcmp(kv_key_type_name(key).data, "RSA") == 0);
    require("modulus is 2048 bits", kv_key_n(key).len == 256);
    kv_key_free(key);
    key = NULL;

    /* 3. Sign and verify with each. ECDSA signatures are raw r || s: 64 bytes on P-256. */
    sign_and_verify(client, ec_name, KV_SIGNATURE_ALGORITHM_ES256, "ES256", 64);
    sign_and_verify(client, rsa_name, KV_SIGNATURE_ALGORITHM_PS256, "PS256", 256);

out:
    /* 4. Clean up whatever was created, also after a failure. */
    if (have_ec)
        delete_and_purge(client, ec_name);
    if (have_rsa)
        delete_and_purge(client, rsa_name);

    kv_key_free(key);
    kv_key_options_free(ec_opts);
    kv_key_options_free(rsa_opts);
    kv_client_free(client);
    if (failures > 0) {
        printf("\nsign_verify: %d check(s) FAILED\n", failures);
        return 1;
    }
    printf("\nsign_verify: OK\n");
    return 0;
}
