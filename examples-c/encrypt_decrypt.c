/*
 * encrypt_decrypt.c - encryption and key wrapping, locally and in the vault.
 *
 * With an RSA 2048 key:
 *   1. encrypts locally with the public key (kv_key_encrypt, RSA-OAEP-256; no request) and
 *      decrypts in the vault (kv_client_decrypt);
 *   2. encrypts and decrypts in the vault (kv_client_encrypt / kv_client_decrypt);
 *   3. wraps a 32-byte AES key locally (kv_key_wrap_key) and unwraps it in the vault
 *      (kv_client_unwrap_key).
 * With an AES-256 key (oct-HSM), where the vault supports them (Managed HSM; a plain Key Vault
 * refuses oct keys, and the example then says so and skips this part):
 *   4. encrypts in the vault with A256GCM and additional authenticated data, and decrypts with
 *      the iv and tag that encryption returned (plus the same aad); a wrong aad is refused.
 * Finally deletes and purges the keys.
 *
 * Every step is checked, so running this program is a test: it exits non-zero on any mismatch.
 *
 * Environment: KV_VAULT_URL (required), KV_TOKEN (default "local-dev-token"), KV_CA_FILE
 * (optional), KV_VERIFY_CHALLENGE_RESOURCE=0 (optional, emulators only) -- as for quickstart.
 *   KV_EXPECT_AES=1  (optional) require AES (oct-HSM) support instead of skipping it when the
 *                    vault refuses the key; scripts/test.sh sets it for the local vault.
 *
 * Usage: encrypt_decrypt [key-name-prefix]
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "example_util.h"
#include "kv.h"

/* Whether a borrowed buffer holds exactly `len` bytes equal to `want`. */
static int bytes_eq(kv_bytes got, const void *want, size_t len) {
    return got.len == len && memcmp(got.data, want, len) == 0;
}

/* Statuses 300-499 are errors the service reported (see the header's preamble). */
static int is_service_error(kv_status status) { return status >= 300 && status <= 499; }

/* Fills buf with random bytes from the operating system. */
static int random_bytes(uint8_t *buf, size_t len) {
    FILE *f = fopen("/dev/urandom", "rb");
    if (f == NULL) {
        perror("/dev/urandom");
        return 0;
    }
    size_t got = fread(buf, 1, len, f);
    fclose(f);
    return got == len;
}

/* Steps 1-3 with the RSA key `key` (as created; it carries the public key and its version). */
static void rsa_round_trips(const kv_client *client, const kv_key *key) {
    const char *name = kv_key_name(key).data;
    const char *version = kv_key_version(key).data; /* decrypt with the version that encrypted */
    const kv_encryption_algorithm alg = KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256;
    const char *plaintext = "attack at dawn";
    const size_t plaintext_len = strlen(plaintext);
    uint8_t aes_key[32];
    kv_crypto_result *ct = NULL, *pt = NULL;
    kv_error *err = NULL;

    /* 1. Encrypt locally with the public key, decrypt in the vault with the private key. */
    printf("\nRSA-OAEP-256: encrypt locally, decrypt in the vault\n");
    if (check("kv_key_encrypt", kv_key_encrypt(key, alg, (const uint8_t *)plaintext, plaintext_len, &ct, &err), &err)) {
        require("ciphertext is 256 bytes", kv_crypto_result_value(ct).len == 256);
        if (check("kv_client_decrypt",
                  kv_client_decrypt(client, name, version, alg, kv_crypto_result_value(ct).data,
                                    kv_crypto_result_value(ct).len, NULL, &pt, &err), &err))
            require("vault decrypts the local ciphertext to the plaintext",
                    bytes_eq(kv_crypto_result_value(pt), plaintext, plaintext_len));
    }
    kv_crypto_result_free(ct);
    kv_crypto_result_free(pt); /* zeroizes the plaintext */
    ct = pt = NULL;

    /* 2. Encrypt and decrypt in the vault. */
    printf("\nRSA-OAEP-256: encrypt and decrypt in the vault\n");
    if (check("kv_client_encrypt",
              kv_client_encrypt(client, name, version, alg, (const uint8_t *)plaintext, plaintext_len, NULL, &ct, &err), &err)) {
        printf("  encrypted by %s\n", kv_crypto_result_key_id(ct).data);
        require("ciphertext is 256 bytes", kv_crypto_result_value(ct).len == 256);
        if (check("kv_client_decrypt",
                  kv_client_decrypt(client, name, version, alg, kv_crypto_result_value(ct).data,
                                    kv_crypto_result_value(ct).len, NULL, &pt, &err), &err))
            require("vault decrypts its ciphertext to the plaintext",
                    bytes_eq(kv_crypto_result_value(pt), plaintext, plaintext_len));
    }
    kv_crypto_result_free(ct);
    kv_crypto_result_free(pt);
    ct = pt = NULL;

    /* 3. Wrap a fresh AES-256 key locally, unwrap it in the vault. */
    printf("\nRSA-OAEP-256: wrap a 32-byte AES key locally, unwrap it in the vault\n");
    if (!require("32 random bytes from /dev/urandom", random_bytes(aes_key, sizeof aes_key)))
        return;
    if (check("kv_key_wrap_key", kv_key_wrap_key(key, alg, aes_key, sizeof aes_key, &ct, &err), &err)) {
        require("wrapped key is 256 bytes", kv_crypto_result_value(ct).len == 256);
        if (check("kv_client_unwrap_key",
                  kv_client_unwrap_key(client, name, version, alg, kv_crypto_result_value(ct).data,
                                       kv_crypto_result_value(ct).len, NULL, &pt, &err), &err))
            require("vault unwraps the AES key", bytes_eq(kv_crypto_result_value(pt), aes_key, sizeof aes_key));
    }
    kv_crypto_result_free(ct);
    kv_crypto_result_free(pt); /* zeroizes the unwrapped key */
    memset(aes_key, 0, sizeof aes_key);
}

/* Step 4 with the AES-256 key `name`: AES-GCM with additional authenticated data. */
static void aes_gcm_round_trip(const kv_client *client, const char *name) {
    const kv_encryption_algorithm alg = KV_ENCRYPTION_ALGORITHM_A256GCM;
    const char *plaintext = "the eagle lands at noon";
    const size_t plaintext_len = strlen(plaintext);
    const char *aad = "message-id: 42";
    const char *wrong_aad = "message-id: 43";
    kv_crypto_params *enc_params = NULL, *dec_params = NULL;
    kv_crypto_result *ct = NULL, *pt = NULL;
    kv_error *err = NULL;
    kv_bytes iv, tag;
    kv_status st;

    printf("\nA256GCM with aad: encrypt and decrypt in the vault\n");
    enc_params = kv_crypto_params_new();
    dec_params = kv_crypto_params_new();
    if (enc_params == NULL || dec_params == NULL) {
        fprintf(stderr, "error: out of memory\n");
        failures++;
        goto out;
    }

    /* Encrypt: the vault picks the iv and returns it with the tag. */
    if (!check("kv_crypto_params_set_aad",
               kv_crypto_params_set_aad(enc_params, (const uint8_t *)aad, strlen(aad), &err), &err))
        goto out;
    if (!check("kv_client_encrypt",
               kv_client_encrypt(client, name, NULL, alg, (const uint8_t *)plaintext, plaintext_len, enc_params, &ct,
                                 &err), &err))
        goto out;
    iv = kv_crypto_result_iv(ct);
    tag = kv_crypto_result_tag(ct);
    printf("  encrypted by %s\n  ciphertext %zu bytes, iv %zu bytes, tag %zu bytes\n", kv_crypto_result_key_id(ct).data,
           kv_crypto_result_value(ct).len, iv.len, tag.len);
    require("ciphertext is as long as the plaintext", kv_crypto_result_value(ct).len == plaintext_len);
    require("ciphertext differs from the plaintext", !bytes_eq(kv_crypto_result_value(ct), plaintext, plaintext_len));
    require("iv returned", iv.len > 0);
    require("tag is 16 bytes", tag.len == 16);

    /* Decrypt: iv and tag from the result, and the same aad. */
    if (!check("kv_crypto_params_set_iv", kv_crypto_params_set_iv(dec_params, iv.data, iv.len, &err), &err) ||
        !check("kv_crypto_params_set_tag", kv_crypto_params_set_tag(dec_params, tag.data, tag.len, &err), &err) ||
        !check("kv_crypto_params_set_aad",
               kv_crypto_params_set_aad(dec_params, (const uint8_t *)aad, strlen(aad), &err), &err))
        goto out;
    if (check("kv_client_decrypt",
              kv_client_decrypt(client, name, NULL, alg, kv_crypto_result_value(ct).data, kv_crypto_result_value(ct).len,
                                dec_params, &pt, &err), &err))
        require("vault decrypts to the plaintext", bytes_eq(kv_crypto_result_value(pt), plaintext, plaintext_len));
    kv_crypto_result_free(pt);
    pt = NULL;

    /* A different aad fails authentication: the vault refuses to decrypt. */
    if (!check("kv_crypto_params_set_aad",
               kv_crypto_params_set_aad(dec_params, (const uint8_t *)wrong_aad, strlen(wrong_aad), &err), &err))
        goto out;
    st = kv_client_decrypt(client, name, NULL, alg, kv_crypto_result_value(ct).data, kv_crypto_result_value(ct).len,
                           dec_params, &pt, &err);
    printf("  decrypt with a wrong aad: %s (HTTP %u, service code '%s')\n", kv_status_str(st),
           (unsigned)kv_error_http_status(err), kv_error_service_code(err).data);
    require("wrong aad is refused by the service", is_service_error(st) && pt == NULL);
    kv_error_free(err);
    err = NULL;

out:
    kv_crypto_result_free(pt);
    kv_crypto_result_free(ct);
    kv_crypto_params_free(enc_params); /* zeroizes */
    kv_crypto_params_free(dec_params);
}

int main(int argc, char **argv) {
    const char *expect_aes_env = getenv("KV_EXPECT_AES");
    const int expect_aes = expect_aes_env != NULL && strcmp(expect_aes_env, "1") == 0;
    char prefix[64], rsa_name[96], aes_name[96];
    if (argc > 1) {
        snprintf(prefix, sizeof prefix, "%s", argv[1]);
    } else {
        snprintf(prefix, sizeof prefix, "encrypt-decrypt-%ld", (long)getpid());
    }
    snprintf(rsa_name, sizeof rsa_name, "%s-rsa", prefix);
    snprintf(aes_name, sizeof aes_name, "%s-aes", prefix);

    kv_client *client = NULL;
    kv_key_options *rsa_opts = NULL, *aes_opts = NULL;
    kv_key *rsa_key = NULL, *aes_key = NULL;
    kv_error *err = NULL;
    kv_status st;
    int have_rsa = 0, have_aes = 0;

    /* Set-up, as in quickstart.c (connect_from_env in example_util.h). */
    const int connected = connect_from_env("encrypt_decrypt", &client);
    if (connected == 2)
        return 2;
    if (connected != 0)
        goto out;
    rsa_opts = kv_key_options_new();
    aes_opts = kv_key_options_new();
    if (rsa_opts == NULL || aes_opts == NULL) {
        fprintf(stderr, "error: out of memory\n");
        failures++;
        goto out;
    }

    /* The RSA key. The created key comes back with its public key, so it serves for the local
     * operations directly (kv_client_get_key fetches it later, as sign_verify.c shows). */
    printf("\ncreate RSA 2048 key %s\n", rsa_name);
    if (!check("kv_key_options_set_key_size", kv_key_options_set_key_size(rsa_opts, 2048, &err), &err))
        goto out;
    if (!check("kv_client_create_key (RSA)",
               kv_client_create_key(client, rsa_name, KV_KEY_TYPE_RSA, rsa_opts, &rsa_key, &err), &err))
        goto out;
    have_rsa = 1;
    printf("  id: %s\n", kv_key_id(rsa_key).data);
    rsa_round_trips(client, rsa_key);

    /* The AES key: oct-HSM keys exist in Managed HSM (and in the local stand-in vault). A plain
     * Key Vault refuses them with a service error; without KV_EXPECT_AES=1 that skips AES. */
    printf("\ncreate AES-256 (oct-HSM) key %s\n", aes_name);
    if (!check("kv_key_options_set_key_size", kv_key_options_set_key_size(aes_opts, 256, &err), &err))
        goto out;
    st = kv_client_create_key(client, aes_name, KV_KEY_TYPE_OCT_HSM, aes_opts, &aes_key, &err);
    if (st == KV_STATUS_OK) {
        have_aes = 1;
        printf("  id:   %s\n  type: %s\n", kv_key_id(aes_key).data, kv_key_type_name(aes_key).data);
        require("key type is oct-HSM", strcmp(kv_key_type_name(aes_key).data, "oct-HSM") == 0);
        aes_gcm_round_trip(client, aes_name);
    } else if (is_service_error(st) && !expect_aes) {
        printf("  this vault does not support oct-HSM keys (%s, service code '%s'): AES skipped\n", kv_status_str(st),
               kv_error_service_code(err).data);
        kv_error_free(err);
        err = NULL;
    } else {
        if (expect_aes)
            fprintf(stderr, "KV_EXPECT_AES=1, but the vault did not create an oct-HSM key\n");
        check("kv_client_create_key (oct-HSM)", st, &err);
    }

out:
    /* Clean up whatever was created, also after a failure. */
    if (have_rsa)
        delete_and_purge(client, rsa_name);
    if (have_aes)
        delete_and_purge(client, aes_name);

    kv_key_free(rsa_key);
    kv_key_free(aes_key);
    kv_key_options_free(rsa_opts);
    kv_key_options_free(aes_opts);
    kv_client_free(client);
    if (failures > 0) {
        printf("\nencrypt_decrypt: %d check(s) FAILED\n", failures);
        return 1;
    }
    printf("\nencrypt_decrypt: OK\n");
    return 0;
}
