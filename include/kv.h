/*
 * kv.h - Azure Key Vault client with a C ABI.
 *
 * Conventions (they hold for every function below):
 *
 *  - Every fallible function returns kv_status: KV_STATUS_OK (0) on success, else a KV_STATUS_*
 *    value. Values are grouped (1-99 caller errors, 100-199 transport, 200-299 authentication,
 *    300-499 errors reported by the service, 900-999 internal) and never renumbered.
 *  - Its last argument is `kv_error **err_out`. When err_out is not NULL it is always written:
 *    NULL on success, else a new kv_error that the caller frees with kv_error_free. The error
 *    carries the status, a message, the service's error code and innermost inner code, the HTTP
 *    status and the x-ms-request-id, and for a call that reached the vault the
 *    x-ms-client-request-id kv sent, the number of requests sent and the time taken. There is
 *    no thread-local "last error".
 *  - Handles are opaque. Each kv_x_new / call that returns a handle has a matching kv_x_free;
 *    every _free accepts NULL and may run on any thread.
 *  - Outputs are written only on success. Output arguments documented as "may be NULL" can be
 *    NULL when the caller does not want the result.
 *  - kv_str and kv_bytes are borrowed views, valid as long as the handle they came from.
 *    kv_str data is UTF-8 and NUL-terminated (data[len] == 0) and never NULL.
 *  - Inputs: names and other text as NUL-terminated UTF-8 (invalid UTF-8 gives
 *    KV_STATUS_INVALID_UTF8); payloads as (pointer, length). kv copies what it keeps.
 *    A NULL where a pointer is required gives KV_STATUS_NULL_ARGUMENT, never a crash.
 *    Object names must be 1-127 characters of 0-9 a-z A-Z - (else KV_STATUS_INVALID_NAME,
 *    before any request is sent).
 *  - Enumerations (kv_key_type, kv_key_curve, kv_signature_algorithm, kv_encryption_algorithm,
 *    ...) are uint32_t typedefs with named KV_* values; a value outside the list gives
 *    KV_STATUS_INVALID_ARGUMENT.
 *  - Thread safety: calls taking `const kv_client *` may run concurrently from any number of
 *    threads. Non-const handles (options, crypto parameters, rotation policies being built,
 *    iterators) are used by one thread at a time. Results (kv_secret, kv_key, kv_crypto_result,
 *    kv_error, kv_blob) are immutable and may be read from any thread.
 *  - Calls block the calling thread, bounded by the client's timeouts: the call timeout covers
 *    the whole call, getting its token included (a credential's requests get the time left,
 *    and waiting for another thread's token fetch ends at the deadline too). kv starts no thread
 *    per request (host names are resolved on the calling thread, once per new connection) and
 *    installs no signal handlers. The Azure CLI credential runs `az` as a child process (waited
 *    for on the calling thread, killed at its timeout). The one thread kv starts is for a
 *    callback credential: each token fetch calls the host's function on a thread of its own, so
 *    that the kv call needing the token can return KV_STATUS_TIMEOUT at its deadline while the
 *    callback (which kv cannot interrupt) runs on; its token is then cached for later calls.
 *  - Secret material (secret values, backups, tokens, imported private keys, plaintexts and
 *    crypto results, random bytes, released keys) is zeroized when its handle is freed and
 *    never appears in error messages or logs. Set KV_LOG=info (or debug, warn, error) to log
 *    requests to stderr (method, URL path, status; never headers or bodies). A reply that quotes
 *    the request (a gateway's error page) has every secret of it removed, in any encoding,
 *    before it is quoted. Text from a server reaches kv_error and KV_LOG as one line without
 *    control characters, capped (1000 characters for a message, 100 for a code).
 *  - Retries: 408, 429, 500, 502, 503, 504 and transport failures are retried with exponential
 *    backoff and jitter, honouring Retry-After, retry-after-ms and x-ms-retry-after-ms, within
 *    the call timeout. Operations whose effect can repeat (set secret; create, import, rotate
 *    key; delete, purge, recover, restore) are resent only when the vault certainly did not act
 *    (no connection was made, 429, 408, 503 with Retry-After). After a lost or cut reply, a read
 *    timeout, 500, 502, 504 or a bare 503 they fail with KV_STATUS_OUTCOME_UNKNOWN: check the
 *    vault before repeating them. So a delete or purge never reports 404 for its own success.
 *    Reads, property updates, backups and cryptographic operations are resent as above.
 *    docs/reliability.md lists the policy per operation and every fault's status and bound.
 *  - Redirects: to the vault's own origin they are followed (at most 5; 307/308 keep method and
 *    body, 303 continues with GET; a loop gives KV_STATUS_TOO_MANY_REDIRECTS). To another origin
 *    the token goes only after a probe without it draws a challenge whose resource matches the
 *    new host; otherwise KV_STATUS_REDIRECT_REFUSED names the target.
 *  - A panic inside kv is caught at the boundary and reported as KV_STATUS_PANIC.
 */


#ifndef KV_H
#define KV_H

/* Generated by cbindgen from the kv sources (build.rs). Do not edit: change the Rust doc comments instead. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Major version of kv this header belongs to (the crate version in Cargo.toml).
 */
#define KV_VERSION_MAJOR 0

/**
 * Minor version of kv this header belongs to (the crate version in Cargo.toml).
 */
#define KV_VERSION_MINOR 1

/**
 * Patch version of kv this header belongs to (the crate version in Cargo.toml).
 */
#define KV_VERSION_PATCH 0

/**
 * Owned bytes (a backup, random bytes, a PEM or JSON text). The bytes are followed by a NUL
 * byte (not counted in the length), so text blobs can be used as C strings. Zeroized when freed
 * with `kv_blob_free`.
 */
typedef struct kv_blob kv_blob;

/**
 * A cancellation handle with an optional deadline, for the calls of a client made with
 * `kv_client_with_context`. Thread-safe: `kv_call_context_cancel`,
 * `kv_call_context_set_deadline_ms` and `kv_call_context_is_cancelled` may be called from any
 * thread at any time, also while calls run under the context. A cancelled context stays
 * cancelled: use a new one for new work.
 */
typedef struct kv_call_context kv_call_context;

/**
 * A certificate as returned by a call: identifiers, attributes, the DER certificate and its
 * X.509 fields (empty for list items, which carry no certificate). Immutable; read it from any
 * thread. Free with `kv_certificate_free`. Every view its accessors return stays valid until it
 * is freed.
 */
typedef struct kv_certificate kv_certificate;

/**
 * Certificate contacts: build a list with `kv_certificate_contacts_new` and
 * `kv_certificate_contacts_add`, or read what the vault returned.
 */
typedef struct kv_certificate_contacts kv_certificate_contacts;

/**
 * Iterates a certificates list (items carry id, name, version for versions lists, attributes
 * and tags, no certificate). Use from one thread at a time.
 */
typedef struct kv_certificate_iter kv_certificate_iter;

/**
 * The pending (or finished) creation of a certificate. Immutable. Free with
 * `kv_certificate_operation_free`.
 */
typedef struct kv_certificate_operation kv_certificate_operation;

/**
 * Properties for create, import, merge and update: enabled and tags; only what is set is sent.
 */
typedef struct kv_certificate_options kv_certificate_options;

/**
 * A certificate policy: build one with `kv_certificate_policy_new` and the setters, or read the
 * one `kv_client_get_certificate_policy` returns. Not thread-safe: one thread at a time.
 * Views from its accessors stay valid until it is freed, also across later changes.
 */
typedef struct kv_certificate_policy kv_certificate_policy;

/**
 * A Key Vault client for one vault. Thread-safe: every `kv_client_*` call taking a
 * `const kv_client *` may run concurrently from any number of threads. Calls block the calling
 * thread, bounded by the configured timeouts.
 */
typedef struct kv_client kv_client;

/**
 * Client settings. Create with `kv_client_options_new`, set what you need, pass to
 * `kv_client_new` (which copies them), then free. Not thread-safe: one thread at a time.
 */
typedef struct kv_client_options kv_client_options;

/**
 * A credential: a source of tokens plus its token cache. Thread-safe; share one credential
 * between many clients. Free with `kv_credential_free` (clients keep what they need).
 */
typedef struct kv_credential kv_credential;

/**
 * Settings for the credentials that request tokens from Microsoft Entra ID (client secret,
 * client certificate, workload identity, environment) and for the host credentials. Create with
 * `kv_credential_options_new`, set what you need, pass to a `kv_credential_*_new` call (which
 * copies them), then free. Not thread-safe: one thread at a time.
 */
typedef struct kv_credential_options kv_credential_options;

/**
 * Optional AES inputs for encrypt, decrypt, wrap and unwrap: initialization vector (CBC, GCM),
 * additional authenticated data (GCM) and authentication tag (GCM decrypt/unwrap). Passing one
 * that the algorithm does not take gives KV_STATUS_INVALID_ARGUMENT. Zeroized when freed.
 * Not thread-safe: one thread at a time.
 */
typedef struct kv_crypto_params kv_crypto_params;

/**
 * The result of a crypto call: the output bytes (signature, ciphertext, plaintext, wrapped or
 * unwrapped key), the id of the key version that did the work, and for AES the iv, tag and aad.
 * Immutable; read it from any thread. Zeroized when freed with `kv_crypto_result_free`.
 */
typedef struct kv_crypto_result kv_crypto_result;

/**
 * Details of a failed call: status, message, service codes, HTTP status, request ids, attempts
 * and elapsed time. Owned by the caller; free it with `kv_error_free`. Immutable, so it may be
 * read from any thread.
 */
typedef struct kv_error kv_error;

/**
 * A certificate issuer (list items carry name and provider only).
 */
typedef struct kv_issuer kv_issuer;

/**
 * Iterates certificate issuers.
 */
typedef struct kv_issuer_iter kv_issuer_iter;

/**
 * Settings for `kv_client_set_certificate_issuer` / `kv_client_update_certificate_issuer`.
 * The password is zeroized when freed.
 */
typedef struct kv_issuer_options kv_issuer_options;

/**
 * A key as returned by a call: identifiers, public key material, permitted operations and
 * properties. Immutable; read it from any thread. Free with `kv_key_free`. Every view its
 * accessors return stays valid until it is freed.
 */
typedef struct kv_key kv_key;

/**
 * Iterates a keys list, fetching further pages on demand. Use from one thread at a time.
 * Stays valid after the client that made it is freed.
 */
typedef struct kv_key_iter kv_key_iter;

/**
 * Properties and parameters for `kv_client_create_key`, `kv_client_import_key_jwk`,
 * `kv_client_import_key_pem` and `kv_client_update_key_properties`: only what is set is sent.
 * A setting that does not apply to the call it is passed to (a key size on import or update,
 * HSM protection on create, ...) gives KV_STATUS_INVALID_ARGUMENT. Not thread-safe: one thread
 * at a time.
 */
typedef struct kv_key_options kv_key_options;

/**
 * A key rotation policy: read one with `kv_client_get_key_rotation_policy`, or build one with
 * `kv_key_rotation_policy_new` for `kv_client_update_key_rotation_policy`. Not thread-safe
 * while being changed; views from its accessors stay valid until it is freed, also across
 * later changes.
 */
typedef struct kv_key_rotation_policy kv_key_rotation_policy;

/**
 * A secret as returned by a call: its value (for get/set), identifiers and properties.
 * Immutable; read it from any thread. The value is zeroized when freed with `kv_secret_free`
 * (a value a secret cache still holds is zeroized when the cache lets it go). Every view its accessors return stays valid until it is freed.
 */
typedef struct kv_secret kv_secret;

/**
 * A cache of secrets over one client: values read once and served from memory until they
 * expire, with one request per secret however many threads ask for it, refresh ahead of expiry,
 * stale values while the vault throttles or is down, a bound on entries, invalidation and
 * counters. Thread-safe: every call taking a `const kv_secret_cache *` may run concurrently from
 * any number of threads. Cached values are zeroized when they leave the cache.
 */
typedef struct kv_secret_cache kv_secret_cache;

/**
 * Settings of a secret cache. Create with `kv_secret_cache_options_new`, set what you need, pass
 * to `kv_secret_cache_new` (which copies them), then free. Not thread-safe: one thread at a time.
 */
typedef struct kv_secret_cache_options kv_secret_cache_options;

/**
 * Iterates a secrets list, fetching further pages on demand. Use from one thread at a time.
 * Stays valid after the client that made it is freed.
 */
typedef struct kv_secret_iter kv_secret_iter;

/**
 * Properties for `kv_client_set_secret_with_options` and `kv_client_update_secret_properties`:
 * only what is set is sent. Not thread-safe: one thread at a time.
 */
typedef struct kv_secret_options kv_secret_options;

/**
 * Where a `kv_token_callback` delivers its result. Valid only during the callback that received
 * it: call `kv_token_sink_set` (or `kv_token_sink_set_error`) on it, never keep it.
 */
typedef struct kv_token_sink kv_token_sink;

/**
 * Result of every fallible kv call: `KV_STATUS_OK` (0) on success, else one of the `KV_STATUS_*`
 * values. Statuses are grouped (1–99 caller errors, 100–199 transport, 200–299 authentication,
 * 300–499 errors reported by the service, 900–999 internal) and never renumbered.
 */
typedef uint32_t kv_status;

/**
 * A host function that supplies tokens to a callback credential (`kv_credential_callback_new`).
 *
 * It is called with the `user_data` given at creation (unchanged), the `scope` wanted (e.g.
 * `https://vault.azure.net/.default`), the tenant named by the vault's challenge (NULL when it
 * names none) and the claims of a claims challenge (JSON; NULL when there are none). The strings
 * are UTF-8 and valid only during the call. It delivers a token by calling
 * `kv_token_sink_set(sink, token, expires_on_unix, NULL)` and returning 0; on failure it
 * returns non-zero, optionally after `kv_token_sink_set_error(sink, message, NULL)`, and the kv
 * call that needed the token fails with KV_STATUS_AUTHENTICATION_FAILED and that message.
 *
 * Threading rules: it is called on a thread kv starts for that one token fetch (not on the
 * thread of the kv call), so that the kv call needing the token returns KV_STATUS_TIMEOUT at
 * its call timeout even when the callback takes longer; the callback then runs on, and the
 * token it delivers is cached for later calls. It is never called concurrently for the same
 * scope, tenant and claims (other callers wait for its result, each until its own deadline;
 * the token is cached until 5 minutes before the expiry it gives; a failure is remembered for
 * up to 1 s, and calls in that window get the same error without a new callback), but may be
 * for different ones. It must not make kv calls with a client that uses this credential (they
 * would wait for it). It must return; kv cannot interrupt it, so bound its own work. Python
 * (ctypes): keep the CFUNCTYPE object alive until `free_user_data` is called (clients keep the
 * credential alive after `kv_credential_free`). Go (cgo): pass a `cgo.Handle` value as
 * user_data, never a Go pointer, and delete the handle in `free_user_data`.
 */
typedef int32_t (*kv_token_callback)(void *user_data,
                                     const char *scope,
                                     const char *tenant_id,
                                     const char *claims,
                                     struct kv_token_sink *sink);

/**
 * Releases the `user_data` of a callback credential. Called exactly once, when the credential
 * and every client using it have been freed, on the thread that frees the last of them (or,
 * when a token fetch is still running then, on that fetch's thread after the callback returns).
 */
typedef void (*kv_free_user_data)(void *user_data);

/**
 * A borrowed UTF-8 string: `data[len] == 0` always holds, and `data` is never NULL. It may
 * contain NUL bytes before `len` (secret values are binary-safe). Valid as long as the handle it
 * came from.
 */
typedef struct kv_str {
  /**
   * First byte; never NULL.
   */
  const char *data;
  /**
   * Length in bytes, without the terminating NUL.
   */
  size_t len;
} kv_str;

/**
 * Formats for `kv_client_download_certificate` (one of `KV_CERTIFICATE_FORMAT_*`).
 */
typedef uint32_t kv_certificate_format;

/**
 * A borrowed byte buffer. Valid as long as the handle it came from. `data` is never NULL.
 */
typedef struct kv_bytes {
  /**
   * First byte; never NULL (points at a static empty buffer when `len` is 0).
   */
  const uint8_t *data;
  /**
   * Length in bytes.
   */
  size_t len;
} kv_bytes;

/**
 * Signature algorithms (one of `KV_SIGNATURE_ALGORITHM_*`). Sign and verify take a digest of the
 * algorithm's hash: 32 bytes (SHA-256) for RS256, PS256, ES256, ES256K; 48 (SHA-384) for RS384,
 * PS384, ES384; 64 (SHA-512) for RS512, PS512, ES512. ECDSA signatures are raw `r || s`, r and
 * s each as wide as the curve (64 bytes in all for P-256 and P-256K, 96 for P-384, 132 for
 * P-521). 0 and values not listed give KV_STATUS_INVALID_ARGUMENT.
 */
typedef uint32_t kv_signature_algorithm;

/**
 * Encryption and key-wrap algorithms (one of `KV_ENCRYPTION_ALGORITHM_*`). RSA algorithms work
 * with RSA keys (and run locally with `kv_key_encrypt` / `kv_key_wrap_key`); AES algorithms need
 * an oct key of the matching size (Managed HSM) and always run in the vault. 0 and values not
 * listed give KV_STATUS_INVALID_ARGUMENT.
 */
typedef uint32_t kv_encryption_algorithm;

/**
 * Elliptic curves, for `kv_key_options_set_curve` (one of `KV_KEY_CURVE_*`).
 */
typedef uint32_t kv_key_curve;

/**
 * Key types, for the `kty` argument of `kv_client_create_key` (one of `KV_KEY_TYPE_*`).
 */
typedef uint32_t kv_key_type;

/**
 * How `kv_client_release_key` protects the released key (one of `KV_KEY_RELEASE_ALGORITHM_*`).
 */
typedef uint32_t kv_key_release_algorithm;

/**
 * What a rotation policy action does (one of `KV_KEY_ROTATION_ACTION_*`; accessors return 0
 * for an action type kv does not know).
 */
typedef uint32_t kv_key_rotation_action;

/**
 * The counters of a secret cache since it was created, and its size (see
 * `kv_secret_cache_stats`). Every get counts once in exactly one of hits, misses, stale and errors.
 */
typedef struct kv_secret_cache_counters {
  /**
   * Gets answered from the cache with a fresh value, without waiting for a request.
   */
  uint64_t hits;
  /**
   * Gets that waited for a request (made by them or by another thread) and got its value.
   */
  uint64_t misses;
  /**
   * Gets answered with a stale value (past its expiry; the vault throttled, failed or could not
   * be reached).
   */
  uint64_t stale;
  /**
   * Gets that returned an error.
   */
  uint64_t errors;
  /**
   * Requests sent to the vault.
   */
  uint64_t requests;
  /**
   * Requests sent for a secret that had a value (refresh ahead of or after expiry).
   */
  uint64_t refreshes;
  /**
   * Values evicted to stay within the bound (least recently used first).
   */
  uint64_t evictions;
  /**
   * Values removed by `kv_secret_cache_invalidate` or because the vault answered that the
   * secret is gone or not readable (404, 403, ...).
   */
  uint64_t invalidations;
  /**
   * Values held now.
   */
  uint64_t entries;
} kv_secret_cache_counters;

/**
 * Log levels (one of `KV_LOG_LEVEL_*`), most severe first.
 */
typedef uint32_t kv_log_level;

/**
 * One log record, valid only during the callback that receives it (copy what you keep). Every
 * string is NUL-terminated UTF-8, never NULL (empty when the field does not apply). No field
 * ever holds a secret value, a token or a request or reply body.
 */
typedef struct kv_log_record {
  /**
   * How severe (`KV_LOG_LEVEL_ERROR` … `KV_LOG_LEVEL_DEBUG`).
   */
  kv_log_level level;
  /**
   * The text of the record, one line (it repeats method, URL without query and status).
   */
  const char *message;
  /**
   * The `x-ms-client-request-id` of the vault call the record is about (the same id
   * `kv_error_client_request_id` gives); empty when it is not about a vault call.
   */
  const char *client_request_id;
  /**
   * HTTP method of the request (`GET`, `PUT`, ...); empty when none.
   */
  const char *method;
  /**
   * URL path of the request, without scheme, host or query (`/secrets/name`); empty when none.
   */
  const char *path;
  /**
   * HTTP status of the reply; 0 when there was none (a transport failure, or not about one).
   */
  uint16_t http_status;
  /**
   * Which attempt of the request (1 for the first send, 2 for the first retry, ...); 0 when
   * the record is not about one attempt (challenges, redirects, a call's final error).
   */
  uint32_t attempt;
  /**
   * Milliseconds since the vault call started; 0 when not about a call.
   */
  uint64_t elapsed_ms;
} kv_log_record;

/**
 * Receives kv's log records (see `kv_set_log_handler`). `record` is valid only during the call.
 */
typedef void (*kv_log_callback)(void *user_data, const struct kv_log_record *record);

/**
 * Success.
 */
#define KV_STATUS_OK 0

/**
 * A pointer argument that must not be NULL was NULL.
 */
#define KV_STATUS_NULL_ARGUMENT 1

/**
 * A string argument was not valid UTF-8.
 */
#define KV_STATUS_INVALID_UTF8 2

/**
 * An argument had a value the call cannot use (the message says which and why).
 */
#define KV_STATUS_INVALID_ARGUMENT 3

/**
 * An object name or version is not 1–127 characters of `0-9 a-z A-Z -`.
 */
#define KV_STATUS_INVALID_NAME 4

/**
 * The vault URL is not an absolute `https://host[:port]` URL.
 */
#define KV_STATUS_INVALID_URL 5

/**
 * A plain `http://` URL was refused because insecure transport was not explicitly allowed.
 */
#define KV_STATUS_INSECURE_TRANSPORT 6

/**
 * A file named by the caller (such as a CA file) could not be read or parsed.
 */
#define KV_STATUS_FILE_ERROR 7

/**
 * A local key operation was refused: the key's permitted operations (`key_ops`) exclude it.
 */
#define KV_STATUS_OPERATION_NOT_PERMITTED 8

/**
 * A local key operation was refused: the key has expired (`exp` is past).
 */
#define KV_STATUS_KEY_EXPIRED 9

/**
 * A local key operation was refused: the key is not valid yet (`nbf` is in the future).
 */
#define KV_STATUS_KEY_NOT_YET_VALID 10

/**
 * The algorithm does not fit the key (type, size or curve), or kv cannot run it locally.
 */
#define KV_STATUS_UNSUPPORTED_ALGORITHM 11

/**
 * The connection failed or broke (refused, reset, closed early, proxy failure).
 */
#define KV_STATUS_TRANSPORT 100

/**
 * A connect, read or whole-call timeout expired.
 */
#define KV_STATUS_TIMEOUT 101

/**
 * The TLS handshake failed, for example because the server certificate is not trusted.
 */
#define KV_STATUS_TLS 102

/**
 * The vault host name could not be resolved.
 */
#define KV_STATUS_DNS 103

/**
 * The reply could not be understood (malformed JSON or a shape the API does not define).
 */
#define KV_STATUS_UNPARSEABLE_RESPONSE 104

/**
 * The reply body was larger than the client accepts.
 */
#define KV_STATUS_RESPONSE_TOO_LARGE 105

/**
 * A paging `nextLink` pointed at another scheme, host or port than the vault; it was not followed.
 */
#define KV_STATUS_FOREIGN_NEXT_LINK 106

/**
 * An operation whose effect can repeat (set secret, create, import, rotate, delete, purge,
 * recover, restore) failed after its request may have reached the vault (a lost or cut reply,
 * a 500/502/504): it was not resent, and whether it took effect is unknown. Look before
 * repeating it. `http_status` is the reply's status, 0 when there was no reply.
 */
#define KV_STATUS_OUTCOME_UNKNOWN 110

/**
 * Redirects went on for more hops than allowed (5), or back to a URL already visited.
 */
#define KV_STATUS_TOO_MANY_REDIRECTS 111

/**
 * A redirect to another origin was not followed: its host did not prove to be a vault of the
 * same resource (an unauthenticated probe's challenge), so the token was never sent there. The
 * message names the target.
 */
#define KV_STATUS_REDIRECT_REFUSED 112

/**
 * The call was cancelled through its call context (`kv_call_context_cancel`) before it
 * completed. A request already sent may have taken effect; a connection interrupted by the
 * cancellation is closed, never reused.
 */
#define KV_STATUS_CANCELLED 120

/**
 * The credential could not produce a token.
 */
#define KV_STATUS_AUTHENTICATION_FAILED 200

/**
 * The vault's 401 challenge named a resource whose host does not match the vault host; no token
 * was sent. Turn verification off only for emulators and private domains.
 */
#define KV_STATUS_CHALLENGE_RESOURCE_MISMATCH 201

/**
 * The vault's `WWW-Authenticate` challenge was missing or could not be parsed.
 */
#define KV_STATUS_INVALID_CHALLENGE 202

/**
 * The service answered with an error whose code kv does not know (see the service code).
 */
#define KV_STATUS_SERVICE_ERROR 300

/**
 * HTTP 400 with an unknown code.
 */
#define KV_STATUS_BAD_REQUEST 301

/**
 * HTTP 404 with an unknown code.
 */
#define KV_STATUS_NOT_FOUND 302

/**
 * HTTP 5xx with an unknown code.
 */
#define KV_STATUS_SERVER_ERROR 303

/**
 * Service code `BadParameter`: the request had an invalid parameter.
 */
#define KV_STATUS_BAD_PARAMETER 310

/**
 * Service code `Unauthorized` (or HTTP 401): the token was missing, invalid or rejected.
 */
#define KV_STATUS_UNAUTHORIZED 311

/**
 * Service code `Forbidden` (or HTTP 403): the caller lacks permission.
 */
#define KV_STATUS_FORBIDDEN 312

/**
 * Inner code `AccessDenied`: the access policy lacks the permission.
 */
#define KV_STATUS_ACCESS_DENIED 313

/**
 * Inner code `ForbiddenByPolicy`.
 */
#define KV_STATUS_FORBIDDEN_BY_POLICY 314

/**
 * Inner code `ForbiddenByRbac`: Azure RBAC denies the action.
 */
#define KV_STATUS_FORBIDDEN_BY_RBAC 315

/**
 * Inner code `ForbiddenByFirewall`: the vault's network rules refuse the caller's address.
 */
#define KV_STATUS_FORBIDDEN_BY_FIREWALL 316

/**
 * Service code `KeyNotFound`.
 */
#define KV_STATUS_KEY_NOT_FOUND 320

/**
 * Service code `SecretNotFound`.
 */
#define KV_STATUS_SECRET_NOT_FOUND 321

/**
 * Service code `CertificateNotFound`.
 */
#define KV_STATUS_CERTIFICATE_NOT_FOUND 322

/**
 * Service code `Conflict` (or HTTP 409).
 */
#define KV_STATUS_CONFLICT 330

/**
 * Inner code `ObjectIsBeingDeleted`: the object is still being deleted; try again shortly.
 */
#define KV_STATUS_OBJECT_IS_BEING_DELETED 331

/**
 * Inner code `ObjectIsDeletedButRecoverable`: the name is soft-deleted; recover or purge it.
 */
#define KV_STATUS_OBJECT_IS_DELETED_BUT_RECOVERABLE 332

/**
 * Service code `Throttled` (or HTTP 429) after all retries were used.
 */
#define KV_STATUS_THROTTLED 340

/**
 * Inner code `KeyTypeNotSupported`.
 */
#define KV_STATUS_KEY_TYPE_NOT_SUPPORTED 350

/**
 * Inner code `SecretDisabled`: the secret version is disabled.
 */
#define KV_STATUS_SECRET_DISABLED 351

/**
 * Inner code `KeyDisabled`: the key is disabled for this operation.
 */
#define KV_STATUS_KEY_DISABLED 352

/**
 * kv caught a panic at the C boundary; the message holds its text. Please report it.
 */
#define KV_STATUS_PANIC 900

/**
 * An internal invariant failed. Please report it.
 */
#define KV_STATUS_INTERNAL 901

/**
 * PEM text: the private key (`PRIVATE KEY`, PKCS#8) then the certificates, leaf first.
 */
#define KV_CERTIFICATE_FORMAT_PEM 1

/**
 * PKCS#12 bytes protected with the given password (NULL or "" = empty password).
 */
#define KV_CERTIFICATE_FORMAT_PKCS12 2

/**
 * PEM text of the certificates only (leaf first, then the chain).
 */
#define KV_CERTIFICATE_FORMAT_CHAIN_PEM 3

/**
 * PEM text of the private key only.
 */
#define KV_CERTIFICATE_FORMAT_KEY_PEM 4

/**
 * "RS256": RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys).
 */
#define KV_SIGNATURE_ALGORITHM_RS256 1

/**
 * "RS384": RSASSA-PKCS1-v1_5 with SHA-384 (RSA keys).
 */
#define KV_SIGNATURE_ALGORITHM_RS384 2

/**
 * "RS512": RSASSA-PKCS1-v1_5 with SHA-512 (RSA keys).
 */
#define KV_SIGNATURE_ALGORITHM_RS512 3

/**
 * "PS256": RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt (RSA keys).
 */
#define KV_SIGNATURE_ALGORITHM_PS256 4

/**
 * "PS384": RSASSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt (RSA keys).
 */
#define KV_SIGNATURE_ALGORITHM_PS384 5

/**
 * "PS512": RSASSA-PSS with SHA-512, MGF1-SHA-512, 64-byte salt (RSA keys).
 */
#define KV_SIGNATURE_ALGORITHM_PS512 6

/**
 * "ES256": ECDSA on P-256 with SHA-256.
 */
#define KV_SIGNATURE_ALGORITHM_ES256 7

/**
 * "ES256K": ECDSA on secp256k1 (P-256K) with SHA-256.
 */
#define KV_SIGNATURE_ALGORITHM_ES256K 8

/**
 * "ES384": ECDSA on P-384 with SHA-384.
 */
#define KV_SIGNATURE_ALGORITHM_ES384 9

/**
 * "ES512": ECDSA on P-521 with SHA-512.
 */
#define KV_SIGNATURE_ALGORITHM_ES512 10

/**
 * "RSA1_5": RSAES-PKCS1-v1_5.
 */
#define KV_ENCRYPTION_ALGORITHM_RSA1_5 1

/**
 * "RSA-OAEP": RSAES-OAEP with SHA-1 and MGF1-SHA-1.
 */
#define KV_ENCRYPTION_ALGORITHM_RSA_OAEP 2

/**
 * "RSA-OAEP-256": RSAES-OAEP with SHA-256 and MGF1-SHA-256.
 */
#define KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256 3

/**
 * "A128GCM": AES-GCM, 128-bit key (iv, aad; the result carries the tag).
 */
#define KV_ENCRYPTION_ALGORITHM_A128GCM 4

/**
 * "A192GCM": AES-GCM, 192-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A192GCM 5

/**
 * "A256GCM": AES-GCM, 256-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A256GCM 6

/**
 * "A128CBC": AES-CBC without padding (input a multiple of 16 bytes), 128-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A128CBC 7

/**
 * "A192CBC": AES-CBC without padding, 192-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A192CBC 8

/**
 * "A256CBC": AES-CBC without padding, 256-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A256CBC 9

/**
 * "A128CBCPAD": AES-CBC with PKCS#7 padding, 128-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A128CBCPAD 10

/**
 * "A192CBCPAD": AES-CBC with PKCS#7 padding, 192-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A192CBCPAD 11

/**
 * "A256CBCPAD": AES-CBC with PKCS#7 padding, 256-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A256CBCPAD 12

/**
 * "A128KW": AES key wrap (RFC 3394), 128-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A128KW 13

/**
 * "A192KW": AES key wrap, 192-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A192KW 14

/**
 * "A256KW": AES key wrap, 256-bit key.
 */
#define KV_ENCRYPTION_ALGORITHM_A256KW 15

/**
 * "CKM_AES_KEY_WRAP": PKCS#11 AES key wrap (RFC 3394).
 */
#define KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP 16

/**
 * "CKM_AES_KEY_WRAP_PAD": PKCS#11 AES key wrap with padding (RFC 5649).
 */
#define KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP_PAD 17

/**
 * "RSA": software-protected RSA.
 */
#define KV_KEY_TYPE_RSA 1

/**
 * "RSA-HSM": HSM-protected RSA.
 */
#define KV_KEY_TYPE_RSA_HSM 2

/**
 * "EC": software-protected elliptic curve.
 */
#define KV_KEY_TYPE_EC 3

/**
 * "EC-HSM": HSM-protected elliptic curve.
 */
#define KV_KEY_TYPE_EC_HSM 4

/**
 * "oct": AES (Managed HSM only).
 */
#define KV_KEY_TYPE_OCT 5

/**
 * "oct-HSM": HSM-protected AES (Managed HSM only).
 */
#define KV_KEY_TYPE_OCT_HSM 6

/**
 * The service default (P-256).
 */
#define KV_KEY_CURVE_DEFAULT 0

/**
 * "P-256" (secp256r1).
 */
#define KV_KEY_CURVE_P256 1

/**
 * "P-384" (secp384r1).
 */
#define KV_KEY_CURVE_P384 2

/**
 * "P-521" (secp521r1).
 */
#define KV_KEY_CURVE_P521 3

/**
 * "P-256K" (secp256k1).
 */
#define KV_KEY_CURVE_P256K 4

/**
 * No `enc` is sent; the service chooses.
 */
#define KV_KEY_RELEASE_ALGORITHM_NONE 0

/**
 * "CKM_RSA_AES_KEY_WRAP".
 */
#define KV_KEY_RELEASE_ALGORITHM_CKM_RSA_AES_KEY_WRAP 1

/**
 * "RSA_AES_KEY_WRAP_256".
 */
#define KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_256 2

/**
 * "RSA_AES_KEY_WRAP_384".
 */
#define KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_384 3

/**
 * "Rotate": create a new key version.
 */
#define KV_KEY_ROTATION_ACTION_ROTATE 1

/**
 * "Notify": publish a near-expiry event.
 */
#define KV_KEY_ROTATION_ACTION_NOTIFY 2

/**
 * No records (as `min_level`: the handler receives nothing).
 */
#define KV_LOG_LEVEL_OFF 0

/**
 * Failures returned to the caller.
 */
#define KV_LOG_LEVEL_ERROR 1

/**
 * Retries and recoverable trouble.
 */
#define KV_LOG_LEVEL_WARN 2

/**
 * One record per HTTP exchange (the final reply of each request).
 */
#define KV_LOG_LEVEL_INFO 3

/**
 * Extra detail (challenges, token requests).
 */
#define KV_LOG_LEVEL_DEBUG 4

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * New options with defaults: api-version 2025-07-01, challenge resource verified, HTTPS only,
 * no verb override, connect timeout 10 s, read timeout 30 s, call timeout 120 s, 4 retries
 * with exponential backoff from 800 ms (max 60 s). Returns NULL only if memory is exhausted.
 */
struct kv_client_options *kv_client_options_new(void);

/**
 * Sets the `api-version` sent on every request (e.g. "7.5").
 */
kv_status kv_client_options_set_api_version(struct kv_client_options *o,
                                            const char *v,
                                            struct kv_error **err_out);

/**
 * Trusts the CA certificates in the PEM file `pem_path` in addition to the system's roots
 * (for test servers and private CAs). The file is read now; TLS verification is never off.
 */
kv_status kv_client_options_set_ca_file(struct kv_client_options *o,
                                        const char *pem_path,
                                        struct kv_error **err_out);

/**
 * Whether the 401 challenge's resource must match the vault host (default on). Turn off only
 * for emulators and private domains; with it on, a mismatch fails with
 * `KV_STATUS_CHALLENGE_RESOURCE_MISMATCH` and no token is sent.
 */
kv_status kv_client_options_set_verify_challenge_resource(struct kv_client_options *o,
                                                          bool on,
                                                          struct kv_error **err_out);

/**
 * Sends PUT, PATCH and DELETE as POST with `X-HTTP-METHOD` and `X-HTTP-REQUEST` headers naming
 * the real verb (default off), for networks that block verbs. A DELETE so sent has an empty
 * body (`Content-Length: 0`).
 */
kv_status kv_client_options_set_method_override(struct kv_client_options *o,
                                                bool on,
                                                struct kv_error **err_out);

/**
 * Allows a plain `http://` vault URL (default off), and only to a loopback host: `localhost`,
 * `127.0.0.0/8` or `[::1]` (any other host gives KV_STATUS_INSECURE_TRANSPORT when the client is
 * created). For local test servers: tokens then travel unencrypted.
 */
kv_status kv_client_options_set_allow_insecure_http(struct kv_client_options *o,
                                                    bool on,
                                                    struct kv_error **err_out);

/**
 * Connect timeout (TCP + TLS) in milliseconds, at least 1.
 */
kv_status kv_client_options_set_connect_timeout_ms(struct kv_client_options *o,
                                                   uint64_t ms,
                                                   struct kv_error **err_out);

/**
 * Read timeout in milliseconds (waiting for the reply head, then again for the whole body), at
 * least 1.
 */
kv_status kv_client_options_set_read_timeout_ms(struct kv_client_options *o,
                                                uint64_t ms,
                                                struct kv_error **err_out);

/**
 * Whole-call timeout in milliseconds, all retries and waits included (getting the token too:
 * a call behind a slow identity endpoint or token callback ends with KV_STATUS_TIMEOUT at this
 * deadline), at least 1.
 */
kv_status kv_client_options_set_call_timeout_ms(struct kv_client_options *o,
                                                uint64_t ms,
                                                struct kv_error **err_out);

/**
 * Retries after the first attempt for 408, 429, 500, 502, 503, 504 and transport failures
 * (0 disables retrying; at most 100).
 */
kv_status kv_client_options_set_max_retries(struct kv_client_options *o,
                                            uint32_t retries,
                                            struct kv_error **err_out);

/**
 * Backoff: the first retry waits about `initial_ms` (±20% jitter), doubling each retry, each
 * wait capped at `max_ms`. A server's `Retry-After` / `retry-after-ms` is honoured instead.
 */
kv_status kv_client_options_set_retry_delay_ms(struct kv_client_options *o,
                                               uint64_t initial_ms,
                                               uint64_t max_ms,
                                               struct kv_error **err_out);

/**
 * Frees options. NULL is accepted.
 */
void kv_client_options_free(struct kv_client_options *o);

/**
 * Creates a client for `vault_url` (e.g. "https://myvault.vault.azure.net").
 * `cred` is not consumed (the client keeps its own reference). `opts` may be NULL for defaults
 * and is not consumed. No request is sent until the first call.
 */
kv_status kv_client_new(const char *vault_url,
                        const struct kv_credential *cred,
                        const struct kv_client_options *opts,
                        struct kv_client **out,
                        struct kv_error **err_out);

/**
 * Frees a client. NULL is accepted. May run on any thread, but not while calls on this client
 * are still running. Iterators created from it stay valid.
 */
void kv_client_free(struct kv_client *client);

/**
 * Creates a credential that always presents `token` (a bearer token the host already has).
 * kv never refreshes it; when it expires calls fail with `KV_STATUS_UNAUTHORIZED`.
 * The token is copied and zeroized when the credential is freed.
 */
kv_status kv_credential_static_token_new(const char *token,
                                         struct kv_credential **out,
                                         struct kv_error **err_out);

/**
 * Frees a credential. NULL is accepted. Clients created with it keep working.
 */
void kv_credential_free(struct kv_credential *cred);

/**
 * New credential options with defaults: authority host from `AZURE_AUTHORITY_HOST`, else
 * `https://login.microsoftonline.com`; system CA roots only; no tenants besides the configured
 * one; 30 s per token request; certificate chain not sent. Returns NULL only if memory is
 * exhausted.
 */
struct kv_credential_options *kv_credential_options_new(void);

/**
 * Sets the identity platform host, e.g. "https://login.microsoftonline.us" (sovereign clouds) or
 * a test endpoint. It must be an `https://` URL (credentials are never sent over plain HTTP);
 * otherwise KV_STATUS_INVALID_ARGUMENT. Takes precedence over `AZURE_AUTHORITY_HOST`.
 */
kv_status kv_credential_options_set_authority_host(struct kv_credential_options *o,
                                                   const char *url,
                                                   struct kv_error **err_out);

/**
 * Trusts the CA certificates in the PEM file `pem_path` for token requests, in addition to the
 * system's roots (for test endpoints and private CAs). The file is read now (an unreadable or
 * certificate-less file gives KV_STATUS_FILE_ERROR) and again when a credential is built; TLS
 * verification is never off.
 */
kv_status kv_credential_options_set_ca_file(struct kv_credential_options *o,
                                            const char *pem_path,
                                            struct kv_error **err_out);

/**
 * Allows a vault's challenge to name `tenant` (a tenant id or domain, or "*" for any tenant):
 * tokens are then requested from that tenant. A challenge naming a tenant that is not allowed
 * is answered with a token from the credential's own tenant. Call once per tenant.
 */
kv_status kv_credential_options_add_allowed_tenant(struct kv_credential_options *o,
                                                   const char *tenant,
                                                   struct kv_error **err_out);

/**
 * Time allowed for one token request (retries included) in milliseconds, at least 1.
 */
kv_status kv_credential_options_set_timeout_ms(struct kv_credential_options *o,
                                               uint64_t ms,
                                               struct kv_error **err_out);

/**
 * Whether certificate credentials send the certificate chain (`x5c`) with each client assertion
 * (default off). Turn on for subject name / issuer authentication.
 */
kv_status kv_credential_options_set_send_certificate_chain(struct kv_credential_options *o,
                                                           bool on,
                                                           struct kv_error **err_out);

/**
 * Frees credential options. NULL is accepted.
 */
void kv_credential_options_free(struct kv_credential_options *o);

/**
 * Creates a credential for an application (service principal) that authenticates with a client
 * secret. `tenant_id` is a GUID or domain name, `client_id` the application id. `opts` may be
 * NULL for defaults and is not consumed. The secret is copied and zeroized when the credential
 * is freed; it never appears in errors or logs. Nothing is sent until a client needs a token;
 * then a refused request gives KV_STATUS_AUTHENTICATION_FAILED with Entra ID's description.
 */
kv_status kv_credential_client_secret_new(const char *tenant_id,
                                          const char *client_id,
                                          const char *client_secret,
                                          const struct kv_credential_options *opts,
                                          struct kv_credential **out,
                                          struct kv_error **err_out);

/**
 * Creates a credential for an application that authenticates with a certificate. `cert` /
 * `cert_len` hold either PEM text with the certificate(s) and the unencrypted RSA private key
 * (`PRIVATE KEY` or `RSA PRIVATE KEY`), or a PKCS#12 (PFX) file in DER. `password` is the
 * PKCS#12 password (NULL = empty) and is ignored for PEM. Each token request carries a client
 * assertion signed with the key (RS256) naming the certificate by its SHA-256 (`x5t#S256`) and
 * SHA-1 (`x5t`) thumbprints, plus the chain when the options ask for it. `opts` may be NULL.
 * Key material is copied and zeroized when the credential is freed. A wrong password or unusable
 * input gives KV_STATUS_INVALID_ARGUMENT.
 */
kv_status kv_credential_client_certificate_new(const char *tenant_id,
                                               const char *client_id,
                                               const uint8_t *cert,
                                               size_t cert_len,
                                               const char *password,
                                               const struct kv_credential_options *opts,
                                               struct kv_credential **out,
                                               struct kv_error **err_out);

/**
 * Creates a workload identity credential (e.g. Kubernetes) from the environment:
 * `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE` (and `AZURE_AUTHORITY_HOST`
 * when `opts` sets no authority host; `AZURE_ADDITIONALLY_ALLOWED_TENANTS`, `;`-separated). The
 * token file is read again for every token request, so a rotated file is used at once; it must
 * be a regular file of at most 64 KiB (a device, FIFO or larger file fails the token request at
 * once, naming the file). Missing variables give KV_STATUS_AUTHENTICATION_FAILED naming them.
 * `opts` may be NULL.
 */
kv_status kv_credential_workload_identity_new(const struct kv_credential_options *opts,
                                              struct kv_credential **out,
                                              struct kv_error **err_out);

/**
 * Creates a credential for an application configured by the environment: `AZURE_TENANT_ID`,
 * `AZURE_CLIENT_ID` and either `AZURE_CLIENT_SECRET` or `AZURE_CLIENT_CERTIFICATE_PATH` (PEM or
 * PKCS#12, with `AZURE_CLIENT_CERTIFICATE_PASSWORD`; `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=1`
 * sends the chain). The secret wins when both are set. The variables and the certificate file
 * are read now. Missing variables give KV_STATUS_AUTHENTICATION_FAILED naming them; an
 * unreadable certificate file, or one that is not a regular file of at most 1 MiB (a device,
 * FIFO or larger file is refused at once), gives KV_STATUS_FILE_ERROR. `opts` may be NULL.
 */
kv_status kv_credential_environment_new(const struct kv_credential_options *opts,
                                        struct kv_credential **out,
                                        struct kv_error **err_out);

/**
 * Creates a credential whose tokens come from `callback` (see `kv_token_callback` for when it
 * is called and its threading rules). `user_data` is passed to it unchanged. `free_user_data`
 * (may be NULL) is called exactly once with `user_data` when the credential and every client
 * using it are freed; if this function fails it is not called and `user_data` stays the
 * caller's. Tokens are cached by kv until 5 minutes before the expiry the callback gives.
 */
kv_status kv_credential_callback_new(kv_token_callback callback,
                                     void *user_data,
                                     kv_free_user_data free_user_data,
                                     struct kv_credential **out,
                                     struct kv_error **err_out);

/**
 * Delivers a token from inside a `kv_token_callback`: `token` (copied; zeroized when no longer
 * needed) and its expiry in unix seconds, which must be in the future. Returns
 * KV_STATUS_INVALID_ARGUMENT for an empty token, one with spaces or control characters, or an
 * expiry that has passed. `err_out` may be NULL.
 */
kv_status kv_token_sink_set(struct kv_token_sink *sink,
                            const char *token,
                            int64_t expires_on_unix,
                            struct kv_error **err_out);

/**
 * Records why a `kv_token_callback` failed (before it returns non-zero): the message (UTF-8,
 * copied, at most 1000 characters kept) becomes part of the failed call's error message, so
 * it must not contain secrets. `err_out` may be NULL.
 */
kv_status kv_token_sink_set_error(struct kv_token_sink *sink,
                                  const char *message,
                                  struct kv_error **err_out);

/**
 * Creates a managed identity credential, for code running in Azure. With `IDENTITY_ENDPOINT`
 * and `IDENTITY_HEADER` set (App Service, Functions, Container Apps) it asks that endpoint;
 * otherwise IMDS (`http://169.254.169.254`, or `AZURE_POD_IDENTITY_AUTHORITY_HOST`). Until IMDS
 * has answered once, a request first probes it with the options' IMDS probe timeout (default
 * 1 s) and fails fast with KV_STATUS_AUTHENTICATION_FAILED ("managed identity is unavailable")
 * when nothing answers. `opts` (NULL = defaults; not consumed) chooses a user-assigned identity
 * and the timeouts. The environment is read here; nothing is contacted until a token is needed.
 */
kv_status kv_credential_managed_identity_new(const struct kv_credential_options *opts,
                                             struct kv_credential **out,
                                             struct kv_error **err_out);

/**
 * Creates an Azure CLI credential: each token comes from `az account get-access-token --scope
 * <scope> [--tenant <tenant of the vault's challenge>]`, run from `PATH` in the calling thread
 * and stopped (with its child processes) when it takes longer than the options' timeout
 * (default 30 s). Errors say when az is not on PATH or not logged in (`az login`).
 * `opts`: NULL = defaults; not consumed.
 */
kv_status kv_credential_azure_cli_new(const struct kv_credential_options *opts,
                                      struct kv_credential **out,
                                      struct kv_error **err_out);

/**
 * Creates the default credential: a chain of environment (`AZURE_CLIENT_SECRET` or certificate
 * variables), workload identity (`AZURE_FEDERATED_TOKEN_FILE`), managed identity and Azure CLI,
 * tried in that order on the first token request.
 *
 * The chain goes on past a credential only when it is *unavailable* here, and stops at the first
 * one that is available and fails (as azure-identity's DefaultAzureCredential does):
 * - unavailable: its variables are not set; no managed identity endpoint answers the IMDS probe,
 *   or IMDS answers that no identity is assigned to the host (HTTP 400); the Azure CLI is not
 *   installed or not signed in;
 * - failure, which stops the chain with KV_STATUS_AUTHENTICATION_FAILED naming the credential and
 *   its error: variables that are set but unusable (an invalid tenant id, an unreadable
 *   certificate file); the identity platform refusing the credential (`invalid_client`, an
 *   expired certificate), answering 5xx or not in time; an unreadable federated token file; an
 *   App Service identity endpoint error; any other Azure CLI error.
 *
 * So a wrong client secret never silently turns into the host's managed identity or a
 * developer's `az` account. The first credential that produces a token is used from then on.
 * When every credential is unavailable, the KV_STATUS_AUTHENTICATION_FAILED message lists each
 * one and why ("not configured: ..." for those whose variables are missing).
 * `AZURE_TOKEN_CREDENTIALS` narrows the chain: `dev` (Azure CLI), `prod` (environment, workload
 * identity, managed identity) or one name (`EnvironmentCredential`, `WorkloadIdentityCredential`,
 * `ManagedIdentityCredential`, `AzureCliCredential`); another value gives
 * KV_STATUS_INVALID_ARGUMENT here. The environment is read when the credential is created.
 */
kv_status kv_credential_default_new(struct kv_credential **out, struct kv_error **err_out);

/**
 * `kv_credential_default_new` with options (NULL = defaults; not consumed), which apply to every
 * credential of the chain.
 */
kv_status kv_credential_default_with_options_new(const struct kv_credential_options *opts,
                                                 struct kv_credential **out,
                                                 struct kv_error **err_out);

/**
 * Uses the user-assigned managed identity with this client id (replaces any identity set before;
 * the default is the system-assigned identity).
 */
kv_status kv_credential_options_set_managed_identity_client_id(struct kv_credential_options *o,
                                                               const char *client_id,
                                                               struct kv_error **err_out);

/**
 * Uses the user-assigned managed identity with this object (principal) id (replaces any
 * identity set before).
 */
kv_status kv_credential_options_set_managed_identity_object_id(struct kv_credential_options *o,
                                                               const char *object_id,
                                                               struct kv_error **err_out);

/**
 * Uses the user-assigned managed identity with this Azure resource id
 * (`/subscriptions/.../userAssignedIdentities/name`; replaces any identity set before).
 */
kv_status kv_credential_options_set_managed_identity_resource_id(struct kv_credential_options *o,
                                                                 const char *resource_id,
                                                                 struct kv_error **err_out);

/**
 * Time allowed for the first IMDS probe, 1 ms to 600000 ms (default 1000): when no IMDS
 * endpoint answers within it, managed identity is reported unavailable at once.
 */
kv_status kv_credential_options_set_imds_probe_timeout_ms(struct kv_credential_options *o,
                                                          uint64_t ms,
                                                          struct kv_error **err_out);

/**
 * New policy for a certificate with this subject (e.g. "CN=example.com"), issuer "Self"; the
 * service fills in what is not set (RSA 2048, exportable, PKCS#12, 12 months). NULL on a NULL or
 * non-UTF-8 subject.
 */
struct kv_certificate_policy *kv_certificate_policy_new(const char *subject);

/**
 * New empty policy: only what the setters set is sent (for `kv_client_update_certificate_policy`
 * and import).
 */
struct kv_certificate_policy *kv_certificate_policy_new_empty(void);

/**
 * Sets the subject, e.g. "CN=example.com, O=Example".
 */
kv_status kv_certificate_policy_set_subject(struct kv_certificate_policy *p,
                                            const char *subject,
                                            struct kv_error **err_out);

/**
 * Adds a DNS subject alternative name.
 */
kv_status kv_certificate_policy_add_dns_name(struct kv_certificate_policy *p,
                                             const char *dns_name,
                                             struct kv_error **err_out);

/**
 * Adds an e-mail subject alternative name.
 */
kv_status kv_certificate_policy_add_email(struct kv_certificate_policy *p,
                                          const char *email,
                                          struct kv_error **err_out);

/**
 * Adds a user principal name subject alternative name.
 */
kv_status kv_certificate_policy_add_upn(struct kv_certificate_policy *p,
                                        const char *upn,
                                        struct kv_error **err_out);

/**
 * Adds a URI subject alternative name.
 */
kv_status kv_certificate_policy_add_uri(struct kv_certificate_policy *p,
                                        const char *uri,
                                        struct kv_error **err_out);

/**
 * Adds an IP address subject alternative name.
 */
kv_status kv_certificate_policy_add_ip_address(struct kv_certificate_policy *p,
                                               const char *ip_address,
                                               struct kv_error **err_out);

/**
 * Sets the key type: "RSA", "RSA-HSM", "EC" or "EC-HSM".
 */
kv_status kv_certificate_policy_set_key_type(struct kv_certificate_policy *p,
                                             const char *key_type,
                                             struct kv_error **err_out);

/**
 * Sets the EC curve: "P-256", "P-384", "P-521" or "P-256K".
 */
kv_status kv_certificate_policy_set_curve(struct kv_certificate_policy *p,
                                          const char *curve,
                                          struct kv_error **err_out);

/**
 * Sets the secret's content type: "application/x-pem-file" or "application/x-pkcs12".
 */
kv_status kv_certificate_policy_set_content_type(struct kv_certificate_policy *p,
                                                 const char *content_type,
                                                 struct kv_error **err_out);

/**
 * Adds a key usage: "digitalSignature", "keyEncipherment", "keyCertSign", ...
 */
kv_status kv_certificate_policy_add_key_usage(struct kv_certificate_policy *p,
                                              const char *key_usage,
                                              struct kv_error **err_out);

/**
 * Adds an extended key usage OID, e.g. "1.3.6.1.5.5.7.3.1" (TLS server).
 */
kv_status kv_certificate_policy_add_eku(struct kv_certificate_policy *p,
                                        const char *oid,
                                        struct kv_error **err_out);

/**
 * Sets the issuer: "Self" (self-signed), "Unknown" (a pending operation to merge) or the
 * name of a configured issuer.
 */
kv_status kv_certificate_policy_set_issuer(struct kv_certificate_policy *p,
                                           const char *issuer_name,
                                           struct kv_error **err_out);

/**
 * Sets the certificate type the issuer makes, e.g. "OV-SSL".
 */
kv_status kv_certificate_policy_set_certificate_type(struct kv_certificate_policy *p,
                                                     const char *certificate_type,
                                                     struct kv_error **err_out);

/**
 * Sets the RSA key size in bits (2048, 3072 or 4096).
 */
kv_status kv_certificate_policy_set_key_size(struct kv_certificate_policy *p,
                                             uint32_t bits,
                                             struct kv_error **err_out);

/**
 * Sets whether the private key can be exported (downloaded with `kv_client_download_certificate`).
 */
kv_status kv_certificate_policy_set_exportable(struct kv_certificate_policy *p,
                                               bool exportable,
                                               struct kv_error **err_out);

/**
 * Sets whether renewals keep the same key.
 */
kv_status kv_certificate_policy_set_reuse_key(struct kv_certificate_policy *p,
                                              bool reuse_key,
                                              struct kv_error **err_out);

/**
 * Sets the validity in months.
 */
kv_status kv_certificate_policy_set_validity_months(struct kv_certificate_policy *p,
                                                    uint32_t months,
                                                    struct kv_error **err_out);

/**
 * Sets certificate transparency.
 */
kv_status kv_certificate_policy_set_certificate_transparency(struct kv_certificate_policy *p,
                                                             bool on,
                                                             struct kv_error **err_out);

/**
 * Adds a lifetime action: `action` is "AutoRenew" or "EmailContacts"; give exactly one trigger:
 * `lifetime_percentage` (1-99) or `days_before_expiry` (the other 0).
 */
kv_status kv_certificate_policy_add_lifetime_action(struct kv_certificate_policy *p,
                                                    const char *action,
                                                    uint32_t lifetime_percentage,
                                                    uint32_t days_before_expiry,
                                                    struct kv_error **err_out);

/**
 * The policy as JSON text (wire form of the REST API), to read every member.
 */
kv_status kv_certificate_policy_to_json(const struct kv_certificate_policy *p,
                                        struct kv_blob **out,
                                        struct kv_error **err_out);

/**
 * A policy from JSON text in the REST API's wire form (`json_len` bytes).
 */
kv_status kv_certificate_policy_from_json(const uint8_t *json,
                                          size_t json_len,
                                          struct kv_certificate_policy **out,
                                          struct kv_error **err_out);

/**
 * The subject ("" if not set).
 */
struct kv_str kv_certificate_policy_subject(const struct kv_certificate_policy *p);

/**
 * The issuer name ("" if not set).
 */
struct kv_str kv_certificate_policy_issuer_name(const struct kv_certificate_policy *p);

/**
 * The secret content type ("" if not set).
 */
struct kv_str kv_certificate_policy_content_type(const struct kv_certificate_policy *p);

/**
 * The key type ("" if not set).
 */
struct kv_str kv_certificate_policy_key_type(const struct kv_certificate_policy *p);

/**
 * The validity in months (0 if not set).
 */
uint32_t kv_certificate_policy_validity_months(const struct kv_certificate_policy *p);

/**
 * Frees a policy. NULL is accepted.
 */
void kv_certificate_policy_free(struct kv_certificate_policy *p);

/**
 * New, empty certificate options.
 */
struct kv_certificate_options *kv_certificate_options_new(void);

/**
 * Sets the enabled flag.
 */
kv_status kv_certificate_options_set_enabled(struct kv_certificate_options *o,
                                             bool enabled,
                                             struct kv_error **err_out);

/**
 * Adds or replaces a tag; once any tag is set, the call replaces all tags (at most 15).
 */
kv_status kv_certificate_options_set_tag(struct kv_certificate_options *o,
                                         const char *key,
                                         const char *value,
                                         struct kv_error **err_out);

/**
 * Frees certificate options. NULL is accepted.
 */
void kv_certificate_options_free(struct kv_certificate_options *o);

/**
 * Starts creating a certificate (a new version) with `policy` (not consumed) and `opts` (NULL =
 * none). `out` may be NULL; it receives the pending operation. Wait with
 * `kv_client_wait_for_certificate`.
 */
kv_status kv_client_create_certificate(const struct kv_client *c,
                                       const char *name,
                                       const struct kv_certificate_policy *policy,
                                       const struct kv_certificate_options *opts,
                                       struct kv_certificate_operation **out,
                                       struct kv_error **err_out);

/**
 * Waits until the certificate's creation finishes (polling every 200 ms to 2 s): on success
 * `*out` (may be NULL) receives the new certificate; a failed operation gives its error mapped
 * like a service error; KV_STATUS_TIMEOUT after `timeout_ms`.
 */
kv_status kv_client_wait_for_certificate(const struct kv_client *c,
                                         const char *name,
                                         uint32_t timeout_ms,
                                         struct kv_certificate **out,
                                         struct kv_error **err_out);

/**
 * Imports a certificate with its private key: `data` is PEM text (a PRIVATE KEY block and the
 * certificates) or PKCS#12 bytes with `password` (NULL = none). `policy` and `opts` may be NULL.
 * A PEM without a private key is refused with KV_STATUS_INVALID_ARGUMENT before anything is
 * sent; a wrong PKCS#12 password is the service's KV_STATUS_BAD_PARAMETER.
 */
kv_status kv_client_import_certificate(const struct kv_client *c,
                                       const char *name,
                                       const uint8_t *data,
                                       size_t data_len,
                                       const char *password,
                                       const struct kv_certificate_policy *policy,
                                       const struct kv_certificate_options *opts,
                                       struct kv_certificate **out,
                                       struct kv_error **err_out);

/**
 * Gets a certificate (public part); `version` NULL or "" = latest.
 */
kv_status kv_client_get_certificate(const struct kv_client *c,
                                    const char *name,
                                    const char *version,
                                    struct kv_certificate **out,
                                    struct kv_error **err_out);

/**
 * Updates enabled and tags of a certificate version (`version` NULL or "" = latest). `out` may
 * be NULL.
 */
kv_status kv_client_update_certificate_properties(const struct kv_client *c,
                                                  const char *name,
                                                  const char *version,
                                                  const struct kv_certificate_options *opts,
                                                  struct kv_certificate **out,
                                                  struct kv_error **err_out);

/**
 * Gets a certificate's policy.
 */
kv_status kv_client_get_certificate_policy(const struct kv_client *c,
                                           const char *name,
                                           struct kv_certificate_policy **out,
                                           struct kv_error **err_out);

/**
 * Updates a certificate's policy (only what `policy` sets changes). `out` may be NULL; it
 * receives the resulting policy.
 */
kv_status kv_client_update_certificate_policy(const struct kv_client *c,
                                              const char *name,
                                              const struct kv_certificate_policy *policy,
                                              struct kv_certificate_policy **out,
                                              struct kv_error **err_out);

/**
 * Gets the certificate's pending (or last) creation operation.
 */
kv_status kv_client_get_certificate_operation(const struct kv_client *c,
                                              const char *name,
                                              struct kv_certificate_operation **out,
                                              struct kv_error **err_out);

/**
 * Requests cancellation of the pending operation. `out` may be NULL.
 */
kv_status kv_client_cancel_certificate_operation(const struct kv_client *c,
                                                 const char *name,
                                                 struct kv_certificate_operation **out,
                                                 struct kv_error **err_out);

/**
 * Deletes the pending operation. `out` may be NULL.
 */
kv_status kv_client_delete_certificate_operation(const struct kv_client *c,
                                                 const char *name,
                                                 struct kv_certificate_operation **out,
                                                 struct kv_error **err_out);

/**
 * Merges a certificate signed outside the vault into the pending operation: `count` DER
 * certificates (`ders[i]`, `der_lens[i]` bytes), the signed one first. `opts` and `out` may be
 * NULL.
 */
kv_status kv_client_merge_certificate(const struct kv_client *c,
                                      const char *name,
                                      const uint8_t *const *ders,
                                      const size_t *der_lens,
                                      size_t count,
                                      const struct kv_certificate_options *opts,
                                      struct kv_certificate **out,
                                      struct kv_error **err_out);

/**
 * Deletes a certificate and all its versions (soft delete). The move to the deleted collection
 * may finish later: see `kv_client_wait_for_deleted_certificate`. `out` may be NULL.
 */
kv_status kv_client_delete_certificate(const struct kv_client *c,
                                       const char *name,
                                       struct kv_certificate **out,
                                       struct kv_error **err_out);

/**
 * Waits until a deleted certificate has reached the deleted collection (polling every 200 ms
 * to 2 s; a 403 counts as done); KV_STATUS_TIMEOUT after `timeout_ms`.
 */
kv_status kv_client_wait_for_deleted_certificate(const struct kv_client *c,
                                                 const char *name,
                                                 uint32_t timeout_ms,
                                                 struct kv_error **err_out);

/**
 * Waits until a recovered certificate is back, polling like
 * `kv_client_wait_for_deleted_certificate`.
 */
kv_status kv_client_wait_for_recovered_certificate(const struct kv_client *c,
                                                   const char *name,
                                                   uint32_t timeout_ms,
                                                   struct kv_error **err_out);

/**
 * Gets a deleted certificate.
 */
kv_status kv_client_get_deleted_certificate(const struct kv_client *c,
                                            const char *name,
                                            struct kv_certificate **out,
                                            struct kv_error **err_out);

/**
 * Recovers a deleted certificate. `out` may be NULL.
 */
kv_status kv_client_recover_deleted_certificate(const struct kv_client *c,
                                                const char *name,
                                                struct kv_certificate **out,
                                                struct kv_error **err_out);

/**
 * Purges a deleted certificate permanently.
 */
kv_status kv_client_purge_deleted_certificate(const struct kv_client *c,
                                              const char *name,
                                              struct kv_error **err_out);

/**
 * Backs up all versions of a certificate into an opaque blob.
 */
kv_status kv_client_backup_certificate(const struct kv_client *c,
                                       const char *name,
                                       struct kv_blob **out,
                                       struct kv_error **err_out);

/**
 * Restores a certificate from a backup blob. `out` may be NULL.
 */
kv_status kv_client_restore_certificate(const struct kv_client *c,
                                        const uint8_t *backup,
                                        size_t backup_len,
                                        struct kv_certificate **out,
                                        struct kv_error **err_out);

/**
 * Starts listing certificates; `include_pending` adds those whose creation has not finished.
 */
kv_status kv_client_list_certificates(const struct kv_client *c,
                                      bool include_pending,
                                      struct kv_certificate_iter **out,
                                      struct kv_error **err_out);

/**
 * Starts listing the versions of a certificate.
 */
kv_status kv_client_list_certificate_versions(const struct kv_client *c,
                                              const char *name,
                                              struct kv_certificate_iter **out,
                                              struct kv_error **err_out);

/**
 * Starts listing deleted certificates; `include_pending` adds those not yet fully deleted.
 */
kv_status kv_client_list_deleted_certificates(const struct kv_client *c,
                                              bool include_pending,
                                              struct kv_certificate_iter **out,
                                              struct kv_error **err_out);

/**
 * Next item of a certificates list, or NULL at the end.
 */
kv_status kv_certificate_iter_next(struct kv_certificate_iter *it,
                                   struct kv_certificate **item_out,
                                   struct kv_error **err_out);

/**
 * Frees a certificates iterator. NULL is accepted.
 */
void kv_certificate_iter_free(struct kv_certificate_iter *it);

/**
 * Downloads a certificate with its private key through its secret (`version` NULL or "" =
 * latest) in `format`; `password` (NULL = empty) protects KV_CERTIFICATE_FORMAT_PKCS12. The
 * blob is zeroized when freed. Needs an exportable key and permission to get secrets.
 */
kv_status kv_client_download_certificate(const struct kv_client *c,
                                         const char *name,
                                         const char *version,
                                         kv_certificate_format format,
                                         const char *password,
                                         struct kv_blob **out,
                                         struct kv_error **err_out);

/**
 * The identifier `https://{vault}/certificates/{name}[/{version}]` ("" if absent).
 */
struct kv_str kv_certificate_id(const struct kv_certificate *c);

/**
 * The name.
 */
struct kv_str kv_certificate_name(const struct kv_certificate *c);

/**
 * The version ("" for items of `kv_client_list_certificates` and deleted certificates).
 */
struct kv_str kv_certificate_version(const struct kv_certificate *c);

/**
 * The id of the key backing the certificate ("" if absent).
 */
struct kv_str kv_certificate_key_id(const struct kv_certificate *c);

/**
 * The id of the secret holding the certificate with its key ("" if absent).
 */
struct kv_str kv_certificate_secret_id(const struct kv_certificate *c);

/**
 * The certificate, DER (empty for list items).
 */
struct kv_bytes kv_certificate_der(const struct kv_certificate *c);

/**
 * The certificate as PEM text (one CERTIFICATE block).
 */
kv_status kv_certificate_pem(const struct kv_certificate *c,
                             struct kv_blob **out,
                             struct kv_error **err_out);

/**
 * Subject distinguished name, e.g. "CN=example.com" ("" without a certificate).
 */
struct kv_str kv_certificate_subject(const struct kv_certificate *c);

/**
 * Issuer distinguished name.
 */
struct kv_str kv_certificate_issuer_name(const struct kv_certificate *c);

/**
 * Serial number, lower-case hex.
 */
struct kv_str kv_certificate_serial(const struct kv_certificate *c);

/**
 * SHA-1 thumbprint, upper-case hex.
 */
struct kv_str kv_certificate_thumbprint(const struct kv_certificate *c);

/**
 * Start of validity, Unix seconds (0 without a certificate).
 */
int64_t kv_certificate_not_before(const struct kv_certificate *c);

/**
 * End of validity (expiry), Unix seconds (0 without a certificate).
 */
int64_t kv_certificate_not_after(const struct kv_certificate *c);

/**
 * Number of subject alternative names.
 */
size_t kv_certificate_san_count(const struct kv_certificate *c);

/**
 * Subject alternative name `index`, typed like openssl prints it: "DNS:example.com",
 * "email:a@b", "URI:https://x", "IP:127.0.0.1" ("" when out of range).
 */
struct kv_str kv_certificate_san(const struct kv_certificate *c, size_t index);

/**
 * Whether the certificate is enabled (true when the reply does not say).
 */
bool kv_certificate_enabled(const struct kv_certificate *c);

/**
 * Creation time, Unix seconds (0 when unknown).
 */
int64_t kv_certificate_created(const struct kv_certificate *c);

/**
 * Last update time, Unix seconds (0 when unknown).
 */
int64_t kv_certificate_updated(const struct kv_certificate *c);

/**
 * For deleted certificates: the recovery id ("" otherwise).
 */
struct kv_str kv_certificate_recovery_id(const struct kv_certificate *c);

/**
 * For deleted certificates: deletion time, Unix seconds (0 otherwise).
 */
int64_t kv_certificate_deleted_date(const struct kv_certificate *c);

/**
 * For deleted certificates: scheduled purge time, Unix seconds (0 otherwise).
 */
int64_t kv_certificate_scheduled_purge_date(const struct kv_certificate *c);

/**
 * Number of tags (ordered by name).
 */
size_t kv_certificate_tag_count(const struct kv_certificate *c);

/**
 * Name of tag `index` ("" when out of range).
 */
struct kv_str kv_certificate_tag_name(const struct kv_certificate *c, size_t index);

/**
 * Value of tag `index` ("" when out of range).
 */
struct kv_str kv_certificate_tag_value(const struct kv_certificate *c, size_t index);

/**
 * Frees a certificate. NULL is accepted.
 */
void kv_certificate_free(struct kv_certificate *c);

/**
 * The operation id `https://{vault}/certificates/{name}/pending`.
 */
struct kv_str kv_certificate_operation_id(const struct kv_certificate_operation *o);

/**
 * Status: "inProgress", "completed", "cancelled" or "failed".
 */
struct kv_str kv_certificate_operation_status(const struct kv_certificate_operation *o);

/**
 * Status details ("" if none).
 */
struct kv_str kv_certificate_operation_status_details(const struct kv_certificate_operation *o);

/**
 * Id of the certificate the operation makes.
 */
struct kv_str kv_certificate_operation_target(const struct kv_certificate_operation *o);

/**
 * The issuer's request id ("" if none).
 */
struct kv_str kv_certificate_operation_request_id(const struct kv_certificate_operation *o);

/**
 * The issuer name of the request.
 */
struct kv_str kv_certificate_operation_issuer_name(const struct kv_certificate_operation *o);

/**
 * The certificate signing request, DER (empty when none): sign it and merge the result.
 */
struct kv_bytes kv_certificate_operation_csr(const struct kv_certificate_operation *o);

/**
 * Whether cancellation was requested.
 */
bool kv_certificate_operation_cancellation_requested(const struct kv_certificate_operation *o);

/**
 * The error code of a failed operation ("" otherwise).
 */
struct kv_str kv_certificate_operation_error_code(const struct kv_certificate_operation *o);

/**
 * The error message of a failed operation ("" otherwise).
 */
struct kv_str kv_certificate_operation_error_message(const struct kv_certificate_operation *o);

/**
 * Frees an operation. NULL is accepted.
 */
void kv_certificate_operation_free(struct kv_certificate_operation *o);

/**
 * New, empty issuer options.
 */
struct kv_issuer_options *kv_issuer_options_new(void);

/**
 * Sets the provider, e.g. "DigiCert" (required by `kv_client_set_certificate_issuer`).
 */
kv_status kv_issuer_options_set_provider(struct kv_issuer_options *o,
                                         const char *provider,
                                         struct kv_error **err_out);

/**
 * Sets the account credentials at the provider (`password` NULL = none; zeroized on free).
 */
kv_status kv_issuer_options_set_credentials(struct kv_issuer_options *o,
                                            const char *account_id,
                                            const char *password,
                                            struct kv_error **err_out);

/**
 * Sets the organization id.
 */
kv_status kv_issuer_options_set_organization_id(struct kv_issuer_options *o,
                                                const char *organization_id,
                                                struct kv_error **err_out);

/**
 * Adds an administrator of the organization (any argument may be NULL).
 */
kv_status kv_issuer_options_add_admin(struct kv_issuer_options *o,
                                      const char *first_name,
                                      const char *last_name,
                                      const char *email,
                                      const char *phone,
                                      struct kv_error **err_out);

/**
 * Sets the enabled flag.
 */
kv_status kv_issuer_options_set_enabled(struct kv_issuer_options *o,
                                        bool enabled,
                                        struct kv_error **err_out);

/**
 * Frees issuer options, zeroizing the password. NULL is accepted.
 */
void kv_issuer_options_free(struct kv_issuer_options *o);

/**
 * Creates or replaces a certificate issuer. `out` may be NULL.
 */
kv_status kv_client_set_certificate_issuer(const struct kv_client *c,
                                           const char *name,
                                           const struct kv_issuer_options *opts,
                                           struct kv_issuer **out,
                                           struct kv_error **err_out);

/**
 * Updates a certificate issuer (only what `opts` sets changes). `out` may be NULL.
 */
kv_status kv_client_update_certificate_issuer(const struct kv_client *c,
                                              const char *name,
                                              const struct kv_issuer_options *opts,
                                              struct kv_issuer **out,
                                              struct kv_error **err_out);

/**
 * Gets a certificate issuer.
 */
kv_status kv_client_get_certificate_issuer(const struct kv_client *c,
                                           const char *name,
                                           struct kv_issuer **out,
                                           struct kv_error **err_out);

/**
 * Deletes a certificate issuer. `out` may be NULL.
 */
kv_status kv_client_delete_certificate_issuer(const struct kv_client *c,
                                              const char *name,
                                              struct kv_issuer **out,
                                              struct kv_error **err_out);

/**
 * Starts listing certificate issuers.
 */
kv_status kv_client_list_certificate_issuers(const struct kv_client *c,
                                             struct kv_issuer_iter **out,
                                             struct kv_error **err_out);

/**
 * Next issuer of a list, or NULL at the end.
 */
kv_status kv_issuer_iter_next(struct kv_issuer_iter *it,
                              struct kv_issuer **item_out,
                              struct kv_error **err_out);

/**
 * Frees an issuers iterator. NULL is accepted.
 */
void kv_issuer_iter_free(struct kv_issuer_iter *it);

/**
 * The issuer id.
 */
struct kv_str kv_issuer_id(const struct kv_issuer *i);

/**
 * The issuer name.
 */
struct kv_str kv_issuer_name(const struct kv_issuer *i);

/**
 * The provider.
 */
struct kv_str kv_issuer_provider(const struct kv_issuer *i);

/**
 * The account id ("" if none; the password is never returned).
 */
struct kv_str kv_issuer_account_id(const struct kv_issuer *i);

/**
 * The organization id ("" if none).
 */
struct kv_str kv_issuer_organization_id(const struct kv_issuer *i);

/**
 * Whether the issuer is enabled (true when the reply does not say).
 */
bool kv_issuer_enabled(const struct kv_issuer *i);

/**
 * Frees an issuer. NULL is accepted.
 */
void kv_issuer_free(struct kv_issuer *i);

/**
 * New, empty contacts list (for `kv_client_set_certificate_contacts`).
 */
struct kv_certificate_contacts *kv_certificate_contacts_new(void);

/**
 * Adds a contact; any of `email`, `name`, `phone` may be NULL, not all.
 */
kv_status kv_certificate_contacts_add(struct kv_certificate_contacts *l,
                                      const char *email,
                                      const char *name,
                                      const char *phone,
                                      struct kv_error **err_out);

/**
 * Number of contacts.
 */
size_t kv_certificate_contacts_count(const struct kv_certificate_contacts *l);

/**
 * E-mail of contact `index` ("" when none or out of range).
 */
struct kv_str kv_certificate_contacts_email(const struct kv_certificate_contacts *l, size_t index);

/**
 * Name of contact `index`.
 */
struct kv_str kv_certificate_contacts_name(const struct kv_certificate_contacts *l, size_t index);

/**
 * Phone of contact `index`.
 */
struct kv_str kv_certificate_contacts_phone(const struct kv_certificate_contacts *l, size_t index);

/**
 * Frees a contacts list. NULL is accepted.
 */
void kv_certificate_contacts_free(struct kv_certificate_contacts *l);

/**
 * Sets (replaces) the vault's certificate contacts. `out` may be NULL.
 */
kv_status kv_client_set_certificate_contacts(const struct kv_client *c,
                                             const struct kv_certificate_contacts *contacts,
                                             struct kv_certificate_contacts **out,
                                             struct kv_error **err_out);

/**
 * Gets the vault's certificate contacts.
 */
kv_status kv_client_get_certificate_contacts(const struct kv_client *c,
                                             struct kv_certificate_contacts **out,
                                             struct kv_error **err_out);

/**
 * Deletes the vault's certificate contacts. `out` may be NULL; it receives the deleted ones.
 */
kv_status kv_client_delete_certificate_contacts(const struct kv_client *c,
                                                struct kv_certificate_contacts **out,
                                                struct kv_error **err_out);

/**
 * New, empty crypto parameters. Returns NULL only if memory is exhausted.
 */
struct kv_crypto_params *kv_crypto_params_new(void);

/**
 * Sets the initialization vector (AES-CBC, AES-CBC-PAD: 16 bytes; AES-GCM: as the vault
 * returned it). Decrypting CBC or GCM needs the iv that encryption returned. Length 0 unsets it.
 */
kv_status kv_crypto_params_set_iv(struct kv_crypto_params *p,
                                  const uint8_t *iv,
                                  size_t iv_len,
                                  struct kv_error **err_out);

/**
 * Sets the additional authenticated data (AES-GCM only; decrypt needs the same aad as encrypt).
 * Length 0 unsets it.
 */
kv_status kv_crypto_params_set_aad(struct kv_crypto_params *p,
                                   const uint8_t *aad,
                                   size_t aad_len,
                                   struct kv_error **err_out);

/**
 * Sets the authentication tag that AES-GCM encryption returned (decrypt and unwrap only).
 * Length 0 unsets it.
 */
kv_status kv_crypto_params_set_tag(struct kv_crypto_params *p,
                                   const uint8_t *tag,
                                   size_t tag_len,
                                   struct kv_error **err_out);

/**
 * Frees crypto parameters, zeroizing them. NULL is accepted.
 */
void kv_crypto_params_free(struct kv_crypto_params *p);

/**
 * The output bytes: the signature (sign), ciphertext (encrypt), plaintext (decrypt), wrapped key
 * (wrap) or unwrapped key (unwrap). Empty when `r` is NULL.
 */
struct kv_bytes kv_crypto_result_value(const struct kv_crypto_result *r);

/**
 * The initialization vector the vault used (AES encrypt and wrap); empty when none.
 */
struct kv_bytes kv_crypto_result_iv(const struct kv_crypto_result *r);

/**
 * The authentication tag (AES-GCM encrypt and wrap); empty when none. Pass it to decrypt with
 * `kv_crypto_params_set_tag`.
 */
struct kv_bytes kv_crypto_result_tag(const struct kv_crypto_result *r);

/**
 * The additional authenticated data the vault echoed (AES-GCM); empty when none.
 */
struct kv_bytes kv_crypto_result_aad(const struct kv_crypto_result *r);

/**
 * The id of the key version that did the work, `https://{vault}/keys/{name}/{version}`
 * ("" when unknown, e.g. a local operation with a JWK that had no kid).
 */
struct kv_str kv_crypto_result_key_id(const struct kv_crypto_result *r);

/**
 * Frees a crypto result, zeroizing its bytes. NULL is accepted. May be called from any thread.
 */
void kv_crypto_result_free(struct kv_crypto_result *r);

/**
 * Signs a digest with a vault key (`version` NULL or "" = latest). `digest` must be exactly as
 * long as the algorithm's hash (else KV_STATUS_INVALID_ARGUMENT before any request); to sign data,
 * use `kv_client_sign_data`. The result's value is the signature.
 */
kv_status kv_client_sign(const struct kv_client *c,
                         const char *name,
                         const char *version,
                         kv_signature_algorithm alg,
                         const uint8_t *digest,
                         size_t digest_len,
                         struct kv_crypto_result **out,
                         struct kv_error **err_out);

/**
 * Verifies a signature over a digest with a vault key (`version` NULL or "" = latest).
 * `*valid_out` receives true when the signature is valid, false when not (the call itself
 * succeeds either way). `kv_key_verify` does the same locally, without a request.
 */
kv_status kv_client_verify(const struct kv_client *c,
                           const char *name,
                           const char *version,
                           kv_signature_algorithm alg,
                           const uint8_t *digest,
                           size_t digest_len,
                           const uint8_t *signature,
                           size_t signature_len,
                           bool *valid_out,
                           struct kv_error **err_out);

/**
 * Hashes `data` locally with the algorithm's hash (SHA-256, SHA-384 or SHA-512), then signs the
 * digest with a vault key, like `kv_client_sign`.
 */
kv_status kv_client_sign_data(const struct kv_client *c,
                              const char *name,
                              const char *version,
                              kv_signature_algorithm alg,
                              const uint8_t *data,
                              size_t data_len,
                              struct kv_crypto_result **out,
                              struct kv_error **err_out);

/**
 * Hashes `data` locally with the algorithm's hash, then verifies the signature over the digest
 * with a vault key, like `kv_client_verify`.
 */
kv_status kv_client_verify_data(const struct kv_client *c,
                                const char *name,
                                const char *version,
                                kv_signature_algorithm alg,
                                const uint8_t *data,
                                size_t data_len,
                                const uint8_t *signature,
                                size_t signature_len,
                                bool *valid_out,
                                struct kv_error **err_out);

/**
 * Encrypts with a vault key (`version` NULL or "" = latest). `params` (NULL = none; not
 * consumed) gives the iv and aad for AES. The result's value is the ciphertext; for AES-GCM its
 * iv and tag are needed to decrypt. RSA encryption can also run locally (`kv_key_encrypt`).
 */
kv_status kv_client_encrypt(const struct kv_client *c,
                            const char *name,
                            const char *version,
                            kv_encryption_algorithm alg,
                            const uint8_t *plaintext,
                            size_t plaintext_len,
                            const struct kv_crypto_params *params,
                            struct kv_crypto_result **out,
                            struct kv_error **err_out);

/**
 * Decrypts with a vault key (`version` NULL or "" = latest). AES-GCM needs the iv and tag (and
 * the aad, if one was used) in `params`; AES-CBC needs the iv. The result's value is the
 * plaintext, zeroized when the result is freed.
 */
kv_status kv_client_decrypt(const struct kv_client *c,
                            const char *name,
                            const char *version,
                            kv_encryption_algorithm alg,
                            const uint8_t *ciphertext,
                            size_t ciphertext_len,
                            const struct kv_crypto_params *params,
                            struct kv_crypto_result **out,
                            struct kv_error **err_out);

/**
 * Wraps (encrypts) a symmetric key with a vault key (`version` NULL or "" = latest), e.g.
 * RSA-OAEP-256 with an RSA key or A256KW with an oct key. `params` as for `kv_client_encrypt`.
 * RSA wrapping can also run locally (`kv_key_wrap_key`).
 */
kv_status kv_client_wrap_key(const struct kv_client *c,
                             const char *name,
                             const char *version,
                             kv_encryption_algorithm alg,
                             const uint8_t *key,
                             size_t key_len,
                             const struct kv_crypto_params *params,
                             struct kv_crypto_result **out,
                             struct kv_error **err_out);

/**
 * Unwraps a wrapped key with a vault key (`version` NULL or "" = latest). `params` as for
 * `kv_client_decrypt`. The result's value is the unwrapped key, zeroized when the result is
 * freed.
 */
kv_status kv_client_unwrap_key(const struct kv_client *c,
                               const char *name,
                               const char *version,
                               kv_encryption_algorithm alg,
                               const uint8_t *wrapped_key,
                               size_t wrapped_key_len,
                               const struct kv_crypto_params *params,
                               struct kv_crypto_result **out,
                               struct kv_error **err_out);

/**
 * Builds a key from JSON for local operations, without a request: a JSON Web Key
 * (`{"kty":"RSA","n":...,"e":...}` or `{"kty":"EC","crv":...,"x":...,"y":...}`, with optional
 * `kid` and `key_ops`), or a key bundle as the vault returns it (`{"key":{...},"attributes":
 * {...}}`, whose `nbf` and `exp` then limit local use). Private members are dropped. Free the
 * key with `kv_key_free`.
 */
kv_status kv_key_from_jwk(const char *jwk_json, struct kv_key **out, struct kv_error **err_out);

/**
 * Verifies a signature over a digest locally with the key's public key (no request). Fails with
 * KV_STATUS_OPERATION_NOT_PERMITTED when the key's operations exclude "verify",
 * KV_STATUS_KEY_EXPIRED / KV_STATUS_KEY_NOT_YET_VALID outside its validity time, and
 * KV_STATUS_UNSUPPORTED_ALGORITHM when the algorithm does not fit the key (type or curve). A
 * disabled key still verifies, as in the vault. `*valid_out` receives whether the signature is
 * valid.
 */
kv_status kv_key_verify(const struct kv_key *k,
                        kv_signature_algorithm alg,
                        const uint8_t *digest,
                        size_t digest_len,
                        const uint8_t *signature,
                        size_t signature_len,
                        bool *valid_out,
                        struct kv_error **err_out);

/**
 * Hashes `data` with the algorithm's hash, then verifies locally like `kv_key_verify`.
 */
kv_status kv_key_verify_data(const struct kv_key *k,
                             kv_signature_algorithm alg,
                             const uint8_t *data,
                             size_t data_len,
                             const uint8_t *signature,
                             size_t signature_len,
                             bool *valid_out,
                             struct kv_error **err_out);

/**
 * Encrypts locally with the key's RSA public key (RSA1_5, RSA-OAEP, RSA-OAEP-256; no request).
 * The vault decrypts the result with `kv_client_decrypt`. Refusals as for `kv_key_verify` (the
 * operation checked is "encrypt"); AES algorithms and EC keys give
 * KV_STATUS_UNSUPPORTED_ALGORITHM, plaintext too long for the key KV_STATUS_INVALID_ARGUMENT.
 */
kv_status kv_key_encrypt(const struct kv_key *k,
                         kv_encryption_algorithm alg,
                         const uint8_t *plaintext,
                         size_t plaintext_len,
                         struct kv_crypto_result **out,
                         struct kv_error **err_out);

/**
 * Wraps a symmetric key locally with the key's RSA public key (RSA1_5, RSA-OAEP,
 * RSA-OAEP-256; no request); the vault unwraps it with `kv_client_unwrap_key`. Refusals as for
 * `kv_key_encrypt` (the operation checked is "wrapKey").
 */
kv_status kv_key_wrap_key(const struct kv_key *k,
                          kv_encryption_algorithm alg,
                          const uint8_t *key,
                          size_t key_len,
                          struct kv_crypto_result **out,
                          struct kv_error **err_out);

/**
 * The key's public key as SubjectPublicKeyInfo PEM text (`-----BEGIN PUBLIC KEY-----`, LF line
 * endings), for RSA and EC keys; the blob's bytes are NUL-terminated, so they can be used as a
 * C string. Symmetric keys have none (KV_STATUS_INVALID_ARGUMENT). Free with `kv_blob_free`.
 */
kv_status kv_key_public_pem(const struct kv_key *k,
                            struct kv_blob **out,
                            struct kv_error **err_out);

/**
 * The key as JSON Web Key text with public members only (`kid`, `kty`, `key_ops`, and `n`, `e`
 * or `crv`, `x`, `y`); NUL-terminated like every blob. Free with `kv_blob_free`.
 */
kv_status kv_key_public_jwk(const struct kv_key *k,
                            struct kv_blob **out,
                            struct kv_error **err_out);

/**
 * The status of `err`; `KV_STATUS_OK` when `err` is NULL.
 */
kv_status kv_error_status(const struct kv_error *err);

/**
 * Human-readable message (never contains secret values or tokens); empty when `err` is NULL.
 */
struct kv_str kv_error_message(const struct kv_error *err);

/**
 * The service's outer `error.code` (e.g. "SecretNotFound", "Forbidden"); "" when the error did
 * not come from the service.
 */
struct kv_str kv_error_service_code(const struct kv_error *err);

/**
 * The innermost `innererror.code` (e.g. "ForbiddenByRbac"), or "" when there is none.
 */
struct kv_str kv_error_inner_code(const struct kv_error *err);

/**
 * HTTP status of the reply, 0 when no HTTP reply was received.
 */
uint16_t kv_error_http_status(const struct kv_error *err);

/**
 * The reply's `x-ms-request-id` (quote it to Azure support), or "".
 */
struct kv_str kv_error_request_id(const struct kv_error *err);

/**
 * The `x-ms-client-request-id` kv sent with every request of the failed call (one id per call;
 * quote it with the request id: the service logs both), or "" when the call sent no request
 * (a caller error, a failure before the first request was sent).
 */
struct kv_str kv_error_client_request_id(const struct kv_error *err);

/**
 * How many requests the failed call sent to the vault: retries, challenge rounds and
 * redirects each count one. 0 when it sent none (or `err` is NULL).
 */
uint32_t kv_error_attempts(const struct kv_error *err);

/**
 * Milliseconds (rounded up) from the start of the failed vault call to its failure, token
 * fetches and retry pauses included. 0 when the error did not come from a vault call (or `err`
 * is NULL).
 */
uint64_t kv_error_elapsed_ms(const struct kv_error *err);

/**
 * Frees an error. NULL is accepted. May be called from any thread.
 */
void kv_error_free(struct kv_error *err);

/**
 * Static description of a status (never NULL; "unknown status" for values kv never returns).
 */
const char *kv_status_str(kv_status status);

/**
 * The library version, e.g. "0.1.0" (static string).
 */
const char *kv_version(void);

/**
 * New, empty key options. Returns NULL only if memory is exhausted.
 */
struct kv_key_options *kv_key_options_new(void);

/**
 * Sets the key size in bits for `kv_client_create_key`: 2048, 3072 or 4096 for RSA, 128, 192
 * or 256 for oct (checked against the key type when the key is created).
 */
kv_status kv_key_options_set_key_size(struct kv_key_options *o,
                                      uint32_t bits,
                                      struct kv_error **err_out);

/**
 * Sets the RSA public exponent for `kv_client_create_key` (odd, at least 3; default 65537).
 */
kv_status kv_key_options_set_public_exponent(struct kv_key_options *o,
                                             uint32_t exponent,
                                             struct kv_error **err_out);

/**
 * Sets the curve of an EC key for `kv_client_create_key`: a `KV_KEY_CURVE_*` value
 * (KV_KEY_CURVE_DEFAULT leaves the choice to the service).
 */
kv_status kv_key_options_set_curve(struct kv_key_options *o,
                                   kv_key_curve curve,
                                   struct kv_error **err_out);

/**
 * Asks for HSM protection of an imported key (`kv_client_import_key_jwk` / `_pem` only).
 */
kv_status kv_key_options_set_hsm(struct kv_key_options *o, bool hsm, struct kv_error **err_out);

/**
 * Sets the enabled flag (a disabled key cannot be used for cryptography).
 */
kv_status kv_key_options_set_enabled(struct kv_key_options *o,
                                     bool enabled,
                                     struct kv_error **err_out);

/**
 * Sets the not-before time (Unix seconds).
 */
kv_status kv_key_options_set_not_before(struct kv_key_options *o,
                                        int64_t unix_seconds,
                                        struct kv_error **err_out);

/**
 * Sets the expiry time (Unix seconds).
 */
kv_status kv_key_options_set_expires(struct kv_key_options *o,
                                     int64_t unix_seconds,
                                     struct kv_error **err_out);

/**
 * Sets whether the private key may be exported by `kv_client_release_key` (needs a release
 * policy, see `kv_key_options_set_release_policy`).
 */
kv_status kv_key_options_set_exportable(struct kv_key_options *o,
                                        bool exportable,
                                        struct kv_error **err_out);

/**
 * Adds a permitted operation: "encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey",
 * "import" or "export" (case-sensitive; others give KV_STATUS_INVALID_ARGUMENT). Once any is
 * added, the call sets exactly the added operations.
 */
kv_status kv_key_options_add_operation(struct kv_key_options *o,
                                       const char *operation,
                                       struct kv_error **err_out);

/**
 * Adds or replaces a tag. Once any tag is set, the call replaces all of the key's tags with
 * the options' tags (at most 15).
 */
kv_status kv_key_options_set_tag(struct kv_key_options *o,
                                 const char *key,
                                 const char *value,
                                 struct kv_error **err_out);

/**
 * Marks the tags as set and empty, so an update removes all tags.
 */
kv_status kv_key_options_clear_tags(struct kv_key_options *o, struct kv_error **err_out);

/**
 * Sets the secure key release policy: `data` is the policy document (`data_len` bytes, not
 * empty; usually JSON), `content_type` its type (NULL = the service default,
 * "application/json; charset=utf-8"), `immutable` whether it can never change again.
 */
kv_status kv_key_options_set_release_policy(struct kv_key_options *o,
                                            const uint8_t *data,
                                            size_t data_len,
                                            const char *content_type,
                                            bool immutable,
                                            struct kv_error **err_out);

/**
 * Frees key options. NULL is accepted.
 */
void kv_key_options_free(struct kv_key_options *o);

/**
 * Creates a key, or a new version of an existing key. `kty` is a `KV_KEY_TYPE_*` value; `opts`
 * (NULL = defaults; not consumed) may set the size, public exponent, curve and properties.
 * `out` may be NULL; on success it receives the new key version.
 */
kv_status kv_client_create_key(const struct kv_client *c,
                               const char *name,
                               kv_key_type kty,
                               const struct kv_key_options *opts,
                               struct kv_key **out,
                               struct kv_error **err_out);

/**
 * Imports a key given as a JSON Web Key text (NUL-terminated UTF-8, with its private members,
 * e.g. `{"kty":"EC","crv":"P-256","x":...,"y":...,"d":...}`). `opts` (NULL = none) may set HSM
 * protection and properties; added operations replace the JWK's `key_ops`. `out` may be NULL.
 * The JSON is never quoted in error messages.
 */
kv_status kv_client_import_key_jwk(const struct kv_client *c,
                                   const char *name,
                                   const char *jwk_json,
                                   const struct kv_key_options *opts,
                                   struct kv_key **out,
                                   struct kv_error **err_out);

/**
 * Imports a private key given as PEM or DER (`len` bytes; PKCS#1, PKCS#8 or SEC1). `opts`
 * (NULL = none) may set HSM protection, operations and properties. `out` may be NULL.
 */
kv_status kv_client_import_key_pem(const struct kv_client *c,
                                   const char *name,
                                   const uint8_t *pem_or_der,
                                   size_t len,
                                   const struct kv_key_options *opts,
                                   struct kv_key **out,
                                   struct kv_error **err_out);

/**
 * Gets a key (public members only). `version` NULL or "" means the latest version.
 */
kv_status kv_client_get_key(const struct kv_client *c,
                            const char *name,
                            const char *version,
                            struct kv_key **out,
                            struct kv_error **err_out);

/**
 * Updates properties of a key version (`version` NULL or "" = latest): only what `opts` sets
 * changes (enabled, times, exportable, operations, tags, release policy). `out` may be NULL.
 */
kv_status kv_client_update_key_properties(const struct kv_client *c,
                                          const char *name,
                                          const char *version,
                                          const struct kv_key_options *opts,
                                          struct kv_key **out,
                                          struct kv_error **err_out);

/**
 * Deletes a key and all its versions (soft delete: it can be recovered or purged while the
 * vault retains it). The move to the deleted collection finishes asynchronously: call
 * `kv_client_wait_for_deleted_key` before `kv_client_get_deleted_key`,
 * `kv_client_purge_deleted_key` or `kv_client_recover_deleted_key` (until then the service
 * answers 404 and 409 ObjectIsBeingDeleted). `out` may be NULL; it receives the deleted key.
 */
kv_status kv_client_delete_key(const struct kv_client *c,
                               const char *name,
                               struct kv_key **out,
                               struct kv_error **err_out);

/**
 * Gets a deleted key (deleted date, scheduled purge date and recovery id set).
 */
kv_status kv_client_get_deleted_key(const struct kv_client *c,
                                    const char *name,
                                    struct kv_key **out,
                                    struct kv_error **err_out);

/**
 * Recovers a deleted key (finishes asynchronously; see `kv_client_wait_for_recovered_key`).
 * `out` may be NULL.
 */
kv_status kv_client_recover_deleted_key(const struct kv_client *c,
                                        const char *name,
                                        struct kv_key **out,
                                        struct kv_error **err_out);

/**
 * Purges a deleted key permanently (needs a vault whose recovery level allows purge).
 */
kv_status kv_client_purge_deleted_key(const struct kv_client *c,
                                      const char *name,
                                      struct kv_error **err_out);

/**
 * Waits until a deleted key has reached the deleted collection (the delete finished), polling
 * `GET /deletedkeys/{name}` every 200 ms, doubling up to 2 s (404 = still in progress; a 403
 * counts as done). Polls at least once; gives KV_STATUS_TIMEOUT, with the deadline in the
 * message, when not done after `timeout_ms` milliseconds.
 */
kv_status kv_client_wait_for_deleted_key(const struct kv_client *c,
                                         const char *name,
                                         uint32_t timeout_ms,
                                         struct kv_error **err_out);

/**
 * Waits until a recovered key is back in the live collection (`GET /keys/{name}` answers),
 * polling like `kv_client_wait_for_deleted_key`.
 */
kv_status kv_client_wait_for_recovered_key(const struct kv_client *c,
                                           const char *name,
                                           uint32_t timeout_ms,
                                           struct kv_error **err_out);

/**
 * Backs up all versions of a key into an opaque blob that only `kv_client_restore_key` (in a
 * vault of the same subscription and geography) can read.
 */
kv_status kv_client_backup_key(const struct kv_client *c,
                               const char *name,
                               struct kv_blob **out,
                               struct kv_error **err_out);

/**
 * Restores a key (all versions) from a backup blob. `out` may be NULL.
 */
kv_status kv_client_restore_key(const struct kv_client *c,
                                const uint8_t *backup,
                                size_t backup_len,
                                struct kv_key **out,
                                struct kv_error **err_out);

/**
 * Creates a new version of a key with the same type and parameters. `out` may be NULL; it
 * receives the new version.
 */
kv_status kv_client_rotate_key(const struct kv_client *c,
                               const char *name,
                               struct kv_key **out,
                               struct kv_error **err_out);

/**
 * Gets `count` (1 to 128) random bytes from the vault's HSM into a new blob.
 */
kv_status kv_client_get_random_bytes(const struct kv_client *c,
                                     uint32_t count,
                                     struct kv_blob **out,
                                     struct kv_error **err_out);

/**
 * Releases an exportable key (`version` NULL or "" = latest) to the attested environment
 * named by `target` (its attestation token). `nonce` may be NULL; `enc` is a
 * `KV_KEY_RELEASE_ALGORITHM_*` value. `*out` receives the signed release value (a JWS text; the
 * blob is NUL-terminated, so it can be used as a C string).
 */
kv_status kv_client_release_key(const struct kv_client *c,
                                const char *name,
                                const char *version,
                                const char *target,
                                const char *nonce,
                                kv_key_release_algorithm enc,
                                struct kv_blob **out,
                                struct kv_error **err_out);

/**
 * Gets a key version (`version` NULL or "" = latest) with its HSM attestation (see
 * `kv_key_attestation_*`).
 */
kv_status kv_client_get_key_attestation(const struct kv_client *c,
                                        const char *name,
                                        const char *version,
                                        struct kv_key **out,
                                        struct kv_error **err_out);

/**
 * Starts listing the vault's keys (items carry no key material or version). No request is
 * sent until the first `kv_key_iter_next`.
 */
kv_status kv_client_list_keys(const struct kv_client *c,
                              struct kv_key_iter **out,
                              struct kv_error **err_out);

/**
 * Starts listing the versions of a key (items carry no key material).
 */
kv_status kv_client_list_key_versions(const struct kv_client *c,
                                      const char *name,
                                      struct kv_key_iter **out,
                                      struct kv_error **err_out);

/**
 * Starts listing deleted keys.
 */
kv_status kv_client_list_deleted_keys(const struct kv_client *c,
                                      struct kv_key_iter **out,
                                      struct kv_error **err_out);

/**
 * Next item of a list: `*item_out` receives a key to free with `kv_key_free`, or NULL at the
 * end of the list. Fetches the next page when needed; after an error the same page is tried
 * again on the next call.
 */
kv_status kv_key_iter_next(struct kv_key_iter *it,
                           struct kv_key **item_out,
                           struct kv_error **err_out);

/**
 * Frees an iterator. NULL is accepted.
 */
void kv_key_iter_free(struct kv_key_iter *it);

/**
 * Gets a key's rotation policy.
 */
kv_status kv_client_get_key_rotation_policy(const struct kv_client *c,
                                            const char *name,
                                            struct kv_key_rotation_policy **out,
                                            struct kv_error **err_out);

/**
 * Replaces a key's rotation policy with `policy` (not consumed; its id and times are
 * ignored). `out` may be NULL; it receives the policy as stored.
 */
kv_status kv_client_update_key_rotation_policy(const struct kv_client *c,
                                               const char *name,
                                               const struct kv_key_rotation_policy *policy,
                                               struct kv_key_rotation_policy **out,
                                               struct kv_error **err_out);

/**
 * A new, empty rotation policy (no actions, no expiry time). Returns NULL only if memory is
 * exhausted.
 */
struct kv_key_rotation_policy *kv_key_rotation_policy_new(void);

/**
 * Sets the expiry of new key versions as an ISO-8601 duration, e.g. "P2Y" or "P90D" (NULL
 * removes it).
 */
kv_status kv_key_rotation_policy_set_expiry_time(struct kv_key_rotation_policy *p,
                                                 const char *duration,
                                                 struct kv_error **err_out);

/**
 * Appends an action: `action` is a `KV_KEY_ROTATION_ACTION_*` value, triggered either
 * `time_after_create` after creation or `time_before_expiry` before expiry (ISO-8601
 * durations such as "P90D"; exactly one of them non-NULL; Notify needs `time_before_expiry`).
 */
kv_status kv_key_rotation_policy_add_action(struct kv_key_rotation_policy *p,
                                            kv_key_rotation_action action,
                                            const char *time_after_create,
                                            const char *time_before_expiry,
                                            struct kv_error **err_out);

/**
 * The policy id ("" for a policy built with `kv_key_rotation_policy_new`).
 */
struct kv_str kv_key_rotation_policy_id(const struct kv_key_rotation_policy *p);

/**
 * The expiry of new key versions, an ISO-8601 duration ("" if not set).
 */
struct kv_str kv_key_rotation_policy_expiry_time(const struct kv_key_rotation_policy *p);

/**
 * Number of actions.
 */
size_t kv_key_rotation_policy_action_count(const struct kv_key_rotation_policy *p);

/**
 * The `KV_KEY_ROTATION_ACTION_*` value of action `index` (0 when out of range or of a type kv
 * does not know).
 */
kv_key_rotation_action kv_key_rotation_policy_action_type(const struct kv_key_rotation_policy *p,
                                                          size_t index);

/**
 * The time-after-create trigger of action `index` ("" when not set or out of range).
 */
struct kv_str kv_key_rotation_policy_action_time_after_create(const struct kv_key_rotation_policy *p,
                                                              size_t index);

/**
 * The time-before-expiry trigger of action `index` ("" when not set or out of range).
 */
struct kv_str kv_key_rotation_policy_action_time_before_expiry(const struct kv_key_rotation_policy *p,
                                                               size_t index);

/**
 * Creation time of the policy, Unix seconds (0 when unknown).
 */
int64_t kv_key_rotation_policy_created(const struct kv_key_rotation_policy *p);

/**
 * Last update time of the policy, Unix seconds (0 when unknown).
 */
int64_t kv_key_rotation_policy_updated(const struct kv_key_rotation_policy *p);

/**
 * Frees a rotation policy. NULL is accepted.
 */
void kv_key_rotation_policy_free(struct kv_key_rotation_policy *p);

/**
 * The key identifier `https://{vault}/keys/{name}[/{version}]` ("" if absent; for deleted list
 * items, the recovery id).
 */
struct kv_str kv_key_id(const struct kv_key *k);

/**
 * The name.
 */
struct kv_str kv_key_name(const struct kv_key *k);

/**
 * The version ("" for items of `kv_client_list_keys` and deleted list items).
 */
struct kv_str kv_key_version(const struct kv_key *k);

/**
 * The key type's wire name: "RSA", "RSA-HSM", "EC", "EC-HSM", "oct" or "oct-HSM" ("" for list
 * items, which carry no key material).
 */
struct kv_str kv_key_type_name(const struct kv_key *k);

/**
 * The curve's wire name of an EC key: "P-256", "P-384", "P-521" or "P-256K" ("" otherwise).
 */
struct kv_str kv_key_curve_name(const struct kv_key *k);

/**
 * RSA modulus, big-endian (empty for other key types).
 */
struct kv_bytes kv_key_n(const struct kv_key *k);

/**
 * RSA public exponent, big-endian (empty for other key types).
 */
struct kv_bytes kv_key_e(const struct kv_key *k);

/**
 * EC public x coordinate, big-endian (empty for other key types).
 */
struct kv_bytes kv_key_x(const struct kv_key *k);

/**
 * EC public y coordinate, big-endian (empty for other key types).
 */
struct kv_bytes kv_key_y(const struct kv_key *k);

/**
 * Number of permitted operations (`key_ops`).
 */
size_t kv_key_operation_count(const struct kv_key *k);

/**
 * Permitted operation `index`, e.g. "sign" ("" when out of range).
 */
struct kv_str kv_key_operation(const struct kv_key *k, size_t index);

/**
 * Whether the key is enabled (true when the reply does not say).
 */
bool kv_key_enabled(const struct kv_key *k);

/**
 * Whether the private key may be exported by a release.
 */
bool kv_key_exportable(const struct kv_key *k);

/**
 * Whether Key Vault manages the key's lifetime (it backs a certificate).
 */
bool kv_key_managed(const struct kv_key *k);

/**
 * Creation time, Unix seconds (0 when unknown).
 */
int64_t kv_key_created(const struct kv_key *k);

/**
 * Last update time, Unix seconds (0 when unknown).
 */
int64_t kv_key_updated(const struct kv_key *k);

/**
 * Not-before time, Unix seconds (0 when not set).
 */
int64_t kv_key_not_before(const struct kv_key *k);

/**
 * Expiry time, Unix seconds (0 when not set).
 */
int64_t kv_key_expires(const struct kv_key *k);

/**
 * The vault's recovery level for this key, e.g. "Recoverable+Purgeable" ("" if not given).
 */
struct kv_str kv_key_recovery_level(const struct kv_key *k);

/**
 * Soft-delete retention in days (0 when not given).
 */
int32_t kv_key_recoverable_days(const struct kv_key *k);

/**
 * For deleted keys: the recovery id `https://{vault}/deletedkeys/{name}` ("" otherwise).
 */
struct kv_str kv_key_recovery_id(const struct kv_key *k);

/**
 * For deleted keys: when it was deleted, Unix seconds (0 otherwise).
 */
int64_t kv_key_deleted_date(const struct kv_key *k);

/**
 * For deleted keys: when the vault will purge it, Unix seconds (0 otherwise).
 */
int64_t kv_key_scheduled_purge_date(const struct kv_key *k);

/**
 * Number of tags (they are ordered by name).
 */
size_t kv_key_tag_count(const struct kv_key *k);

/**
 * Name of tag `index` ("" when out of range).
 */
struct kv_str kv_key_tag_name(const struct kv_key *k, size_t index);

/**
 * Value of tag `index` ("" when out of range).
 */
struct kv_str kv_key_tag_value(const struct kv_key *k, size_t index);

/**
 * Looks up a tag by name: true and `*value_out` set when present; false (and `*value_out`
 * untouched) when absent or an argument is NULL.
 */
bool kv_key_tag_get(const struct kv_key *k, const char *name, struct kv_str *value_out);

/**
 * The release policy document (empty when the key has no release policy).
 */
struct kv_bytes kv_key_release_policy(const struct kv_key *k);

/**
 * The release policy's content type ("" when absent).
 */
struct kv_str kv_key_release_policy_content_type(const struct kv_key *k);

/**
 * Whether the release policy is immutable (false when absent).
 */
bool kv_key_release_policy_immutable(const struct kv_key *k);

/**
 * The HSM platform of an HSM key ("" when not given).
 */
struct kv_str kv_key_hsm_platform(const struct kv_key *k);

/**
 * Attestation format version, from `kv_client_get_key_attestation` ("" otherwise).
 */
struct kv_str kv_key_attestation_version(const struct kv_key *k);

/**
 * The private key attestation (empty when absent).
 */
struct kv_bytes kv_key_attestation_private(const struct kv_key *k);

/**
 * The public key attestation (empty when absent).
 */
struct kv_bytes kv_key_attestation_public(const struct kv_key *k);

/**
 * The certificate chain (PEM) that validates the attestation (empty when absent).
 */
struct kv_bytes kv_key_attestation_certificate(const struct kv_key *k);

/**
 * Frees a key. NULL is accepted. May be called from any thread.
 */
void kv_key_free(struct kv_key *k);

/**
 * New, empty secret options. Returns NULL only if memory is exhausted.
 */
struct kv_secret_options *kv_secret_options_new(void);

/**
 * Sets the content type (at most 255 characters), e.g. "text/plain".
 */
kv_status kv_secret_options_set_content_type(struct kv_secret_options *o,
                                             const char *content_type,
                                             struct kv_error **err_out);

/**
 * Sets the enabled flag (a disabled secret's value cannot be read).
 */
kv_status kv_secret_options_set_enabled(struct kv_secret_options *o,
                                        bool enabled,
                                        struct kv_error **err_out);

/**
 * Sets the not-before time (Unix seconds).
 */
kv_status kv_secret_options_set_not_before(struct kv_secret_options *o,
                                           int64_t unix_seconds,
                                           struct kv_error **err_out);

/**
 * Sets the expiry time (Unix seconds).
 */
kv_status kv_secret_options_set_expires(struct kv_secret_options *o,
                                        int64_t unix_seconds,
                                        struct kv_error **err_out);

/**
 * Adds or replaces a tag. Once any tag is set, the call replaces all of the secret's tags with
 * the options' tags (at most 15).
 */
kv_status kv_secret_options_set_tag(struct kv_secret_options *o,
                                    const char *key,
                                    const char *value,
                                    struct kv_error **err_out);

/**
 * Marks the tags as set and empty, so an update removes all tags.
 */
kv_status kv_secret_options_clear_tags(struct kv_secret_options *o, struct kv_error **err_out);

/**
 * Frees secret options. NULL is accepted.
 */
void kv_secret_options_free(struct kv_secret_options *o);

/**
 * Sets a secret, creating a new version. `value` is `value_len` bytes of UTF-8 (NUL bytes
 * allowed; at most 25 KiB). `out` may be NULL; on success it receives the new version.
 */
kv_status kv_client_set_secret(const struct kv_client *c,
                               const char *name,
                               const uint8_t *value,
                               size_t value_len,
                               struct kv_secret **out,
                               struct kv_error **err_out);

/**
 * Like `kv_client_set_secret`, with properties (content type, enabled, not-before, expiry,
 * tags) from `opts` (NULL = none; not consumed).
 */
kv_status kv_client_set_secret_with_options(const struct kv_client *c,
                                            const char *name,
                                            const uint8_t *value,
                                            size_t value_len,
                                            const struct kv_secret_options *opts,
                                            struct kv_secret **out,
                                            struct kv_error **err_out);

/**
 * Gets a secret with its value. `version` NULL or "" means the latest version.
 */
kv_status kv_client_get_secret(const struct kv_client *c,
                               const char *name,
                               const char *version,
                               struct kv_secret **out,
                               struct kv_error **err_out);

/**
 * Updates properties of a secret version (`version` NULL or "" = latest): only what `opts` sets
 * changes. `out` may be NULL; the returned secret carries no value.
 */
kv_status kv_client_update_secret_properties(const struct kv_client *c,
                                             const char *name,
                                             const char *version,
                                             const struct kv_secret_options *opts,
                                             struct kv_secret **out,
                                             struct kv_error **err_out);

/**
 * Deletes a secret and all its versions (soft delete: it can be recovered or purged while the
 * vault retains it). The move to the deleted collection finishes asynchronously: call
 * `kv_client_wait_for_deleted_secret` before `kv_client_get_deleted_secret`,
 * `kv_client_purge_deleted_secret` or `kv_client_recover_deleted_secret` (until then the service
 * answers 404 and 409 ObjectIsBeingDeleted). To get the deleted secret back, use
 * `kv_client_delete_secret_out`.
 */
kv_status kv_client_delete_secret(const struct kv_client *c,
                                  const char *name,
                                  struct kv_error **err_out);

/**
 * Deletes a secret like `kv_client_delete_secret` and hands back the deleted secret: no value;
 * recovery id, deleted date, scheduled purge date and the secret's properties set. `out` may be
 * NULL (then this is `kv_client_delete_secret`). The delete finishes asynchronously; see
 * `kv_client_wait_for_deleted_secret`.
 */
kv_status kv_client_delete_secret_out(const struct kv_client *c,
                                      const char *name,
                                      struct kv_secret **out,
                                      struct kv_error **err_out);

/**
 * Waits until a deleted secret has reached the deleted collection (the delete finished), polling
 * `GET /deletedsecrets/{name}` every 200 ms, doubling up to 2 s (404 = still in progress; a 403
 * counts as done). Polls at least once; gives KV_STATUS_TIMEOUT, with the deadline in the
 * message, when not done after `timeout_ms` milliseconds.
 */
kv_status kv_client_wait_for_deleted_secret(const struct kv_client *c,
                                            const char *name,
                                            uint32_t timeout_ms,
                                            struct kv_error **err_out);

/**
 * Waits until a recovered secret is back in the live collection (`GET /secrets/{name}` answers),
 * polling like `kv_client_wait_for_deleted_secret`.
 */
kv_status kv_client_wait_for_recovered_secret(const struct kv_client *c,
                                              const char *name,
                                              uint32_t timeout_ms,
                                              struct kv_error **err_out);

/**
 * Gets a deleted secret (no value; deleted date, scheduled purge date and recovery id set).
 */
kv_status kv_client_get_deleted_secret(const struct kv_client *c,
                                       const char *name,
                                       struct kv_secret **out,
                                       struct kv_error **err_out);

/**
 * Recovers a deleted secret. `out` may be NULL; the returned secret carries no value. The
 * recovery finishes asynchronously: call `kv_client_wait_for_recovered_secret` before using the
 * secret (until then the service answers 404).
 */
kv_status kv_client_recover_deleted_secret(const struct kv_client *c,
                                           const char *name,
                                           struct kv_secret **out,
                                           struct kv_error **err_out);

/**
 * Purges a deleted secret permanently (needs a vault whose recovery level allows purge).
 */
kv_status kv_client_purge_deleted_secret(const struct kv_client *c,
                                         const char *name,
                                         struct kv_error **err_out);

/**
 * Backs up all versions of a secret into an opaque blob that only `kv_client_restore_secret`
 * (in a vault of the same subscription and geography) can read.
 */
kv_status kv_client_backup_secret(const struct kv_client *c,
                                  const char *name,
                                  struct kv_blob **out,
                                  struct kv_error **err_out);

/**
 * Restores a secret (all versions) from a backup blob. `out` may be NULL; the returned secret
 * carries no value.
 */
kv_status kv_client_restore_secret(const struct kv_client *c,
                                   const uint8_t *backup,
                                   size_t backup_len,
                                   struct kv_secret **out,
                                   struct kv_error **err_out);

/**
 * Starts listing the vault's secrets (items carry no value or version). No request is sent
 * until the first `kv_secret_iter_next`.
 */
kv_status kv_client_list_secrets(const struct kv_client *c,
                                 struct kv_secret_iter **out,
                                 struct kv_error **err_out);

/**
 * Starts listing the versions of a secret (items carry no value).
 */
kv_status kv_client_list_secret_versions(const struct kv_client *c,
                                         const char *name,
                                         struct kv_secret_iter **out,
                                         struct kv_error **err_out);

/**
 * Starts listing deleted secrets.
 */
kv_status kv_client_list_deleted_secrets(const struct kv_client *c,
                                         struct kv_secret_iter **out,
                                         struct kv_error **err_out);

/**
 * Next item of a list: `*item_out` receives a secret to free with `kv_secret_free`, or NULL at
 * the end of the list. Fetches the next page when needed; after an error the same page is tried
 * again on the next call.
 */
kv_status kv_secret_iter_next(struct kv_secret_iter *it,
                              struct kv_secret **item_out,
                              struct kv_error **err_out);

/**
 * Frees an iterator. NULL is accepted.
 */
void kv_secret_iter_free(struct kv_secret_iter *it);

/**
 * The value, byte-exact (may contain NUL bytes; use `len`). Empty for list items, deleted
 * secrets and replies that carry no value, and when `s` is NULL.
 */
struct kv_str kv_secret_value(const struct kv_secret *s);

/**
 * The identifier `https://{vault}/secrets/{name}[/{version}]` ("" if absent).
 */
struct kv_str kv_secret_id(const struct kv_secret *s);

/**
 * The name.
 */
struct kv_str kv_secret_name(const struct kv_secret *s);

/**
 * The version ("" for items of `kv_client_list_secrets` and for deleted secrets).
 */
struct kv_str kv_secret_version(const struct kv_secret *s);

/**
 * The content type ("" if none).
 */
struct kv_str kv_secret_content_type(const struct kv_secret *s);

/**
 * The key id when the secret backs a certificate ("" otherwise).
 */
struct kv_str kv_secret_key_id(const struct kv_secret *s);

/**
 * Whether the secret is enabled (true when the reply does not say).
 */
bool kv_secret_enabled(const struct kv_secret *s);

/**
 * Whether Key Vault manages the secret's lifetime (it backs a certificate).
 */
bool kv_secret_managed(const struct kv_secret *s);

/**
 * Creation time, Unix seconds (0 when unknown).
 */
int64_t kv_secret_created(const struct kv_secret *s);

/**
 * Last update time, Unix seconds (0 when unknown).
 */
int64_t kv_secret_updated(const struct kv_secret *s);

/**
 * Not-before time, Unix seconds (0 when not set).
 */
int64_t kv_secret_not_before(const struct kv_secret *s);

/**
 * Expiry time, Unix seconds (0 when not set).
 */
int64_t kv_secret_expires(const struct kv_secret *s);

/**
 * The vault's recovery level for this secret, e.g. "Recoverable+Purgeable" ("" if not given).
 */
struct kv_str kv_secret_recovery_level(const struct kv_secret *s);

/**
 * Soft-delete retention in days (0 when not given).
 */
int32_t kv_secret_recoverable_days(const struct kv_secret *s);

/**
 * For deleted secrets: when it was deleted, Unix seconds (0 otherwise).
 */
int64_t kv_secret_deleted_date(const struct kv_secret *s);

/**
 * For deleted secrets: when the vault will purge it, Unix seconds (0 otherwise).
 */
int64_t kv_secret_scheduled_purge_date(const struct kv_secret *s);

/**
 * For deleted secrets: the recovery id ("" otherwise).
 */
struct kv_str kv_secret_recovery_id(const struct kv_secret *s);

/**
 * Number of tags (they are ordered by name).
 */
size_t kv_secret_tag_count(const struct kv_secret *s);

/**
 * Name of tag `index` ("" when out of range).
 */
struct kv_str kv_secret_tag_name(const struct kv_secret *s, size_t index);

/**
 * Value of tag `index` ("" when out of range).
 */
struct kv_str kv_secret_tag_value(const struct kv_secret *s, size_t index);

/**
 * Looks up a tag by name: true and `*value_out` set when present; false (and `*value_out`
 * untouched) when absent or an argument is NULL.
 */
bool kv_secret_tag_get(const struct kv_secret *s, const char *name, struct kv_str *value_out);

/**
 * Frees a secret, zeroizing its value. NULL is accepted. May be called from any thread.
 */
void kv_secret_free(struct kv_secret *s);

/**
 * The bytes of a blob (valid until `kv_blob_free`; `data[len]` is a NUL byte); empty when `b`
 * is NULL.
 */
struct kv_bytes kv_blob_bytes(const struct kv_blob *b);

/**
 * Frees a blob, zeroizing it. NULL is accepted.
 */
void kv_blob_free(struct kv_blob *b);

/**
 * Creates a call context: not cancelled, no deadline. Free it with `kv_call_context_free`.
 */
kv_status kv_call_context_new(struct kv_call_context **out, struct kv_error **err_out);

/**
 * Sets the context's deadline to `ms` milliseconds from now (0 removes the deadline). A call
 * under the context that has not finished by then fails with `KV_STATUS_TIMEOUT`; the client's
 * own call timeout still applies too (the earlier of the two ends the call).
 */
kv_status kv_call_context_set_deadline_ms(const struct kv_call_context *ctx,
                                          uint64_t ms,
                                          struct kv_error **err_out);

/**
 * Cancels every call running under the context, and every later one: each returns
 * `KV_STATUS_CANCELLED` within about 100 ms, whether it is connecting, waiting for a reply,
 * sleeping before a retry or waiting for a token. A connection interrupted by it is closed,
 * never reused; a request already sent may have taken effect. May be called from any thread
 * (a signal handler excepted), any number of times. NULL is ignored.
 */
void kv_call_context_cancel(const struct kv_call_context *ctx);

/**
 * Whether `kv_call_context_cancel` was called on the context (false for NULL).
 */
bool kv_call_context_is_cancelled(const struct kv_call_context *ctx);

/**
 * Frees a call context. NULL is accepted. Clients made with it keep their own reference, so
 * it may be freed while they are in use (they can then no longer be cancelled through it).
 */
void kv_call_context_free(struct kv_call_context *ctx);

/**
 * Writes to `*out` a client that shares `c`'s connection pool, credential, token cache and
 * settings, and runs every call (and every page an iterator made from it fetches) under `ctx`.
 * Cheap: make one per operation or request of the host. `c` and `ctx` are not consumed and may
 * be freed before the new client, which is freed with `kv_client_free`.
 */
kv_status kv_client_with_context(const struct kv_client *c,
                                 const struct kv_call_context *ctx,
                                 struct kv_client **out,
                                 struct kv_error **err_out);

/**
 * Copies the `x-ms-client-request-id` of the last vault call that ended under `ctx` (success or
 * failure; the id the vault saw and `kv_error_client_request_id` would give) into `buf` as
 * NUL-terminated text when it fits in `buf_len` bytes (37 always suffice), and returns its
 * length without the NUL. Returns 0 (and writes nothing) before any call under `ctx` ended, when
 * that call sent no request, or for a NULL `ctx`; a `buf` too small (or NULL) gets nothing but
 * the length is still returned. With calls running concurrently under one context, "last" is
 * the one that ended last, and the three `kv_call_context_last_*` functions may each see a
 * different call.
 */
size_t kv_call_context_last_client_request_id(const struct kv_call_context *ctx,
                                              char *buf,
                                              size_t buf_len);

/**
 * How many requests the last vault call that ended under `ctx` sent (retries, challenge rounds
 * and redirects each count one; 1 for a call answered at once). 0 before any call under `ctx`
 * ended, or for a NULL `ctx`.
 */
uint32_t kv_call_context_last_attempts(const struct kv_call_context *ctx);

/**
 * Milliseconds (rounded up) the last vault call that ended under `ctx` took, from its start to
 * its end, token fetches and retry pauses included. 0 before any call under `ctx` ended, or
 * for a NULL `ctx`.
 */
uint64_t kv_call_context_last_elapsed_ms(const struct kv_call_context *ctx);

/**
 * New cache options with defaults: TTL 5 minutes, jitter 0.1, refresh ahead 30 s, stale for
 * 5 minutes, at most 1024 entries, error retry 1 s. Returns NULL only if memory is exhausted.
 */
struct kv_secret_cache_options *kv_secret_cache_options_new(void);

/**
 * How long a value of the latest version is served before it is fetched again, in milliseconds
 * (at least 1). Values of a pinned version (a get with a version) never expire.
 */
kv_status kv_secret_cache_options_set_ttl_ms(struct kv_secret_cache_options *o,
                                             uint64_t ms,
                                             struct kv_error **err_out);

/**
 * Jitter: each value's life is the TTL shortened by a random share of up to `share` × TTL
 * (0.0 to 1.0), so values fetched together do not expire together.
 */
kv_status kv_secret_cache_options_set_jitter(struct kv_secret_cache_options *o,
                                             double share,
                                             struct kv_error **err_out);

/**
 * Refresh ahead, in milliseconds (0 = off): in the last `ms` of a value's life (at most half of
 * it), the first caller fetches it again while every other caller keeps getting the current
 * value. The refresh runs on that caller's thread; the cache starts no thread.
 */
kv_status kv_secret_cache_options_set_refresh_ahead_ms(struct kv_secret_cache_options *o,
                                                       uint64_t ms,
                                                       struct kv_error **err_out);

/**
 * Stale on error, in milliseconds (0 = off): when the vault throttles (429), fails (408, 5xx) or
 * cannot be reached, an expired value is served for up to `ms` past its expiry, flagged stale
 * (see `kv_secret_cache_get_ex`) and counted. Past that bound the get returns the error.
 */
kv_status kv_secret_cache_options_set_stale_for_ms(struct kv_secret_cache_options *o,
                                                   uint64_t ms,
                                                   struct kv_error **err_out);

/**
 * The most values held (at least 1); storing one more evicts the least recently used (and
 * zeroizes it).
 */
kv_status kv_secret_cache_options_set_max_entries(struct kv_secret_cache_options *o,
                                                  uint64_t max_entries,
                                                  struct kv_error **err_out);

/**
 * After a failed request for a secret, the least time in milliseconds before the cache asks the
 * vault for it again; meanwhile the value is served (flagged stale once expired) without a
 * request, so a throttled vault is not asked again by every caller.
 */
kv_status kv_secret_cache_options_set_error_retry_ms(struct kv_secret_cache_options *o,
                                                     uint64_t ms,
                                                     struct kv_error **err_out);

/**
 * Frees cache options. NULL is accepted.
 */
void kv_secret_cache_options_free(struct kv_secret_cache_options *o);

/**
 * Creates a secret cache over `client`. The cache keeps its own reference to the client's
 * connections and tokens: `client` may be freed before the cache. `options` may be NULL for
 * defaults and is not consumed. Sends no request.
 */
kv_status kv_secret_cache_new(const struct kv_client *client,
                              const struct kv_secret_cache_options *options,
                              struct kv_secret_cache **out,
                              struct kv_error **err_out);

/**
 * Gets a secret with its value through the cache: from memory when it holds a fresh value, else
 * from the vault (one request however many threads ask; the others wait for it). `version` NULL
 * or "" means the latest version, cached for the TTL; a version pins that version, which is
 * never fetched again. `*out` receives a new `kv_secret` (free it with `kv_secret_free`; it stays
 * valid after the value leaves the cache or the cache is freed). A stale value (see
 * `kv_secret_cache_options_set_stale_for_ms`) is returned with KV_STATUS_OK; use
 * `kv_secret_cache_get_ex` to learn that it was stale.
 */
kv_status kv_secret_cache_get(const struct kv_secret_cache *cache,
                              const char *name,
                              const char *version,
                              struct kv_secret **out,
                              struct kv_error **err_out);

/**
 * Like `kv_secret_cache_get`; `*stale_out` (may be NULL) receives true when the value is past
 * its expiry and served because the vault throttled, failed or could not be reached.
 */
kv_status kv_secret_cache_get_ex(const struct kv_secret_cache *cache,
                                 const char *name,
                                 const char *version,
                                 struct kv_secret **out,
                                 bool *stale_out,
                                 struct kv_error **err_out);

/**
 * `kv_secret_cache_get_ex` under a call context (`ctx` NULL = none): a request the get makes,
 * or its wait for another thread's request of the same secret, ends with KV_STATUS_CANCELLED
 * within about 100 ms of `kv_call_context_cancel`, and with KV_STATUS_TIMEOUT at the context's
 * deadline (the other thread's request goes on). A hit answers from memory as usual.
 */
kv_status kv_secret_cache_get_in_context(const struct kv_secret_cache *cache,
                                         const struct kv_call_context *ctx,
                                         const char *name,
                                         const char *version,
                                         struct kv_secret **out,
                                         bool *stale_out,
                                         struct kv_error **err_out);

/**
 * Removes every cached version of the secret `name` (latest and pinned), zeroizing them; NULL
 * removes everything. The next get fetches from the vault. A request already in flight still
 * answers its callers but its value is not kept. Returns the number of values removed (0 when
 * `cache` is NULL or `name` is not valid UTF-8).
 */
uint64_t kv_secret_cache_invalidate(const struct kv_secret_cache *cache, const char *name);

/**
 * Copies the cache's counters and size into `*out`. Returns false (and leaves `*out`
 * untouched) when an argument is NULL.
 */
bool kv_secret_cache_stats(const struct kv_secret_cache *cache,
                           struct kv_secret_cache_counters *out);

/**
 * Frees a cache, zeroizing every value it holds. NULL is accepted. May run on any thread, but
 * not while calls on this cache are still running. Secrets it returned stay valid.
 */
void kv_secret_cache_free(struct kv_secret_cache *cache);

/**
 * Sends kv's log records at `min_level` and more severe (`KV_LOG_LEVEL_ERROR` is the least, `KV_LOG_LEVEL_DEBUG`
 * the most) to `callback`, with `user_data` handed back to it. Replaces any handler set before.
 * A NULL `callback` (or `KV_LOG_LEVEL_OFF`) removes the handler: kv goes back to its default,
 * lines on stderr when the `KV_LOG` environment variable is `error`, `warn`, `info` or `debug`
 * (while a handler is set, `KV_LOG` writes nothing). May be called from any thread at any time;
 * a record being delivered while the handler is replaced may still reach the old one, so keep
 * the old `user_data` valid until the calls that were running have returned.
 *
 * The callback is called on the thread making the kv call, any thread, possibly from several at
 * once: it must be thread-safe, must return quickly, must not unwind (a C++ exception or a
 * longjmp) into kv, and must not call back into kv (no kv function at all). Records never hold a secret value, a token or a request or reply body.
 *
 * Independently of handlers, `KV_LOG_AUDIT_FILE=path` in the environment (read once, at the
 * first record) appends every record at every level to that file, one line each (for checking
 * a test run's records for secrets).
 */
void kv_set_log_handler(kv_log_level min_level,
                        kv_log_callback callback,
                        void *user_data);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* KV_H */
