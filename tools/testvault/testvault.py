#!/usr/bin/env python3
"""testvault -- a local stand-in Azure Key Vault (secrets and keys data planes, api-version 2025-07-01).

Python 3.11 standard library (plus the ``openssl`` command-line tool to make certificates) for the
server and the secrets; the keys operations live in keys.py and need the ``cryptography`` package
(``pip install -r tools/testvault/requirements.txt``). Without it the server still starts, logs
"keys operations disabled", serves secrets, and answers 501 NotImplemented on /keys, /deletedkeys, /rng.
It replaces Lowkey Vault for the kv test suite and demo, and it has the same operational shape
(DESIGN.md section 6): HTTPS for the vault, plain HTTP for ``/ping`` and for downloading the certificate.

Usage
-----
    python3 tools/testvault/testvault.py --port 8443 --http-port 8080 --state-dir DIR \
        [--page-size 25] [--seed-token SUBJECT=TOKEN ...] [--identity-header VALUE] [--delete-delay-ms MS]

At start-up it:
  * creates, if any of them is missing, a self-signed CA (EC P-256; basicConstraints critical CA:TRUE,
    keyUsage keyCertSign/cRLSign) and a server certificate that the CA signs (EC P-256; subjectAltName
    DNS:localhost, IP:127.0.0.1; basicConstraints CA:FALSE; extendedKeyUsage serverAuth) in DIR:
    ``ca.pem`` (the file for the client's CA-file option), ``ca.key``, ``server.pem``, ``server.key``;
  * serves HTTPS (TLS 1.2 or later) on 127.0.0.1:--port. This is the vault ``https://localhost:PORT``;
  * serves plain HTTP on 127.0.0.1:--http-port: ``GET /ping`` -> 200 ``pong``,
    ``GET /metadata/default-cert/`` -> the CA certificate (PEM), and two managed-identity token
    endpoints (see "Managed identity" below);
  * writes DIR/testvault.pid and DIR/testvault.http-port (the plain HTTP port, useful with
    --http-port 0), and prints exactly one line, ``testvault ready https://localhost:PORT``,
    to stdout once both ports are listening.
To stop it: ``kill $(cat DIR/testvault.pid)`` (SIGTERM) or Ctrl-C. It removes the pid file on the way out.
It logs one line per request to stderr: method, path (without the query string) and status. It never
logs bodies or Authorization values.

Protocol (HTTPS, HTTP/1.1 keep-alive, every response has a Content-Length except 204)
------------------------------------------------------------------------------------
Checks run in this order:
  1. ``api-version`` query parameter is required (any value accepted), else
     400 BadParameter "The 'api-version' query parameter is missing.".
  2. ``Authorization: Bearer <token>``, else 401 Unauthorized "AKV10000: Request is missing a
     Bearer or PoP token." with ``WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/
     00000000-0000-0000-0000-000000000000", resource="https://localhost"``. The token must be one this
     process issued (its managed-identity endpoints, see "Tokens" below) or seeded with --seed-token;
     any other token gets the same challenge and "AKV10032: Invalid token", an expired one
     "AKV10032: Token expired", one issued for another resource "AKV10022: Invalid audience".
  3. A POST with ``X-HTTP-METHOD: PATCH|DELETE|PUT|GET`` is handled as that verb (other values -> 400).
  4. Routing: unknown path -> 404 NotFound; known path, wrong method -> 405 MethodNotAllowed (with Allow).
  5. Object names must be 1-127 characters of [0-9a-zA-Z-], else 400 BadParameter.
  6. Bodies are JSON objects; malformed JSON -> 400 BadParameter.
Every response carries ``x-ms-request-id`` (uuid4), echoes ``x-ms-client-request-id`` and, when there
is a body, ``Content-Type: application/json; charset=utf-8``. Errors are
``{"error":{"code":..,"message":..[,"innererror":{"code":..}]}}``. Times are integer unix seconds.

Secrets operations (all 12 of secrets.json):
  PUT    /secrets/{name}                  SetSecret (new 32-hex version; 409 Conflict/ObjectIsDeletedButRecoverable
                                          if the name is soft-deleted; value max 25*1024 characters; max 15 tags,
                                          tag names/values max 512 characters; contentType max 255 characters)
  GET    /secrets/{name}[/[{version}]]    GetSecret (latest when the version is missing or empty;
                                          404 SecretNotFound; 403 Forbidden/SecretDisabled on a disabled version)
  PATCH  /secrets/{name}[/[{version}]]    UpdateSecret (contentType, attributes merge, tags replace; no value returned)
  DELETE /secrets/{name}                  DeleteSecret (DeletedSecretBundle without value; finishes after the delete delay)
  GET    /secrets                         GetSecrets (SecretItem per secret: base id, latest version's metadata)
  GET    /secrets/{name}/versions         GetSecretVersions (versioned ids, in creation order)
  POST   /secrets/{name}/backup           BackupSecret
  POST   /secrets/restore                 RestoreSecret (409 Conflict "Secret already exists" if the name is live
                                          or deleted; 400 BadParameter for a malformed blob)
  GET    /deletedsecrets                  GetDeletedSecrets
  GET    /deletedsecrets/{name}           GetDeletedSecret (404 SecretNotFound "Deleted Secret not found: {name}")
  POST   /deletedsecrets/{name}/recover   RecoverDeletedSecret (latest bundle without value; finishes after the delete delay)
  DELETE /deletedsecrets/{name}           PurgeDeletedSecret (204, no body)

Keys operations (all 25 of keys.json; details in keys.py):
  POST   /keys/{name}/create                     CreateKey (RSA/RSA-HSM 2048|3072|4096, e 65537|3; EC/EC-HSM
                                                 P-256|P-384|P-521|P-256K; oct/oct-HSM 128|192|256)
  PUT    /keys/{name}                            ImportKey (private JWK, checked for consistency; Hsm flag)
  GET    /keys/{name}[/[{version}]]              GetKey (disabled keys are returned too)
  PATCH  /keys/{name}[/[{version}]]              UpdateKey (key_ops, attributes, tags, release_policy)
  DELETE /keys/{name}                            DeleteKey; GET /deletedkeys[/{name}], POST .../recover,
                                                 DELETE /deletedkeys/{name} (204)
  GET    /keys, /keys/{name}/versions            GetKeys / GetKeyVersions (KeyItem)
  POST   /keys/{name}/backup, /keys/restore      BackupKey / RestoreKey (409 Conflict if the name exists)
  POST   /keys/{name}/rotate                     RotateKey; GET|PUT /keys/{name}/rotationpolicy
  GET    /keys/{name}/{version}/attestation      GetKeyAttestation (fake attestation for *-HSM keys)
  POST   /keys/{name}/{version}/{op}             sign verify encrypt decrypt wrapkey unwrapkey release
                                                 ({version} may be empty: /keys/{name}//sign = latest)
  POST   /rng                                    GetRandomBytes (count 1..128)
Replies carry public JWK members only; binary fields are base64url without padding (requests may use
padding and the standard alphabet). 404 KeyNotFound, 409 Conflict/ObjectIsDeletedButRecoverable,
400 BadParameter "Operation X is not permitted on this key." (key_ops), 403 Forbidden/KeyDisabled for
decrypt/sign/unwrapKey (and release) on a disabled key.

Paging: lists take ``maxresults`` 1..25 (else 400 BadParameter); without it --page-size applies.
Replies are ``{"value":[...],"nextLink":<url or null>}`` where the nextLink is
``https://localhost:PORT/<list path>?api-version=<the request's>&$skiptoken=<opaque>&maxresults=N``.
Order is deterministic: secrets by name (case-insensitive), versions by creation.
EMPTY PAGE: when a list needs more than one page, the first page's nextLink leads to one page with
``"value": []`` and a nextLink, which leads to the second page. This is legal on the real service
(it may return empty pages with a nextLink) and proves that a client keeps following nextLink across
an empty page instead of stopping there.

Managed identity (plain HTTP port, like Lowkey Vault's token endpoint)
----------------------------------------------------------------------
  GET /metadata/identity/oauth2/token?api-version=..&resource=..[&client_id=|&object_id=|&msi_res_id=]
      IMDS form. Needs the header ``Metadata: true``, else 400 ``{"error":"invalid_request",
      "error_description":"Required metadata header not specified"}`` (what a client's first probe
      without the header gets); ``api-version`` and ``resource`` are required (else 400). Replies
      ``{"access_token":<random>,"expires_in":"3600","expires_on":"<epoch seconds>","not_before":..,
      "resource":<resource>,"token_type":"Bearer"}``.
  GET /msi/token?api-version=2019-08-01&resource=..[&client_id=|&principal_id=|&mi_res_id=]
      App Service form. Needs ``X-IDENTITY-HEADER`` equal to --identity-header (default
      "test-identity-header"), else 401; another api-version or no resource -> 400. Replies
      ``{"access_token":<random>,"expires_on":"<epoch seconds>","resource":<resource>,"token_type":"Bearer"}``.
  Tokens are random; the vault remembers each with its subject (below), resource and expiry.
  Token values are never logged (the log has method, path and status only).

Tokens (which token reached the vault)
--------------------------------------
  The vault accepts only tokens it issued or was given at start:
  * IMDS tokens have subject ``mi:imds:<identity>`` and App Service tokens ``mi:appservice:<identity>``,
    where <identity> is ``client_id=..``, ``object_id=..``/``principal_id=..``, ``msi_res_id=..``/
    ``mi_res_id=..`` as asked, or ``system`` for the system-assigned identity. They expire after
    3600 s and are valid only for the resource they were issued for (trailing "/" and "/.default"
    ignored), which must be the challenge's resource, https://localhost.
  * ``--seed-token SUBJECT=TOKEN`` (repeatable) makes TOKEN valid, for any resource and without
    expiry, with subject ``SUBJECT``: the static "dev" token of the C examples and the binding tests
    (scripts/vault.sh seeds a random one and prints it as KV_TOKEN; the test harnesses seed their own).
  * Client credentials: ``POST /{tenant}/oauth2/v2.0/token`` on the HTTPS port (so a client can use
    ``https://localhost:PORT`` as its authority host with ca.pem) is an identity-platform stand-in
    for apps registered with ``--app CLIENT_ID=SECRET`` (form: grant_type=client_credentials,
    client_id, client_secret, scope=<resource>/.default) or ``--app-cert CLIENT_ID=CERT.pem``
    (client_assertion: an RS256/PS256 JWT signed by the certificate's key, naming it by x5t or
    x5t#S256, iss = sub = client id, aud = the token endpoint's URL, not expired). Tokens have
    subject ``app:<tenant>/<client id>``, the scope's resource and 3600 s. Errors are the identity
    platform's form: 401 invalid_client (AADSTS7000215 wrong secret, AADSTS700027 bad assertion),
    400 unauthorized_client (unknown app), unsupported_grant_type, invalid_scope.
  Test-only endpoint (plain HTTP, not part of the service): ``GET /testvault/auth-log[?path=SUBSTRING]``
  -> ``{"entries":[{"method":..,"path":..,"status":..,"subject":<subject or null>}, ...]}``, one entry
  per vault request that reached the token check (oldest first, the last 200000), filtered to paths
  containing SUBSTRING. A test uses a unique object name and reads which identity reached the vault.

Deviations from the real service (deliberate or simplifications)
----------------------------------------------------------------
  * Certificates are in certificates.py (its docstring lists its deviations); the secrets that back
    certificates carry no ``kid`` or ``managed``, and no secret has ``previousVersion``; ``outContentType`` is validated
    against its enum but no PFX->PEM conversion happens.
  * Keys: one vault accepts everything a Key Vault *and* a Managed HSM would (oct keys, AES algorithms,
    software and -HSM key types alike; a real vault refuses oct with 400 KeyTypeNotSupported). nbf/exp
    are not enforced on cryptographic operations. ``hsmPlatform`` is never returned. BYOK import
    (``key_hsm``) is refused. Attestation blobs are fakes. Release does not validate the target token
    against the release policy, signs with a per-process ES256 key (public key in the JWS header ``jwk``)
    and returns only the public JWK (no wrapped private key material). crv on RSA and key_size on EC
    create requests are ignored. Rotation-policy durations are approximated (Y=365 days, M=30 days) and
    nothing rotates automatically. The keys backup blob is base64url(zlib(JSON)) with the private key.
  * State is in memory only (lost on restart); DIR holds only certificates and the pid file.
  * Delete and recover finish asynchronously, like the real service, after --delete-delay-ms
    (default $TESTVAULT_DELETE_DELAY_MS, else 300 ms; 0 = at once). Until a delete finishes, GET
    /deleted{secrets,keys}/{name} answers 404 (SecretNotFound "Deleted Secret not found: X" /
    KeyNotFound "Deleted Key not found: X") and purge, recover and re-create answer 409 Conflict /
    ObjectIsBeingDeleted ("Secret is currently being deleted."); until a recover finishes, the live
    object answers 404 and re-create 409 Conflict / ObjectIsBeingRecovered (the stand-in's guess;
    the real answer is not recorded). The service's real delay is seconds. Nothing is ever purged automatically at scheduledPurgeDate. recoveryLevel is always "Recoverable+Purgeable",
    recoverableDays 90.
  * Tokens are opaque random strings checked against what this process issued or was seeded with
    (not JWTs; no signature, issuer or tenant). The challenge
    names resource "https://localhost": a client that applies the SDKs' challenge-resource check
    (request host must end with "." + resource host) must turn that check off for this server.
  * api-version is required but its value is not checked.
  * The backup blob is base64url(zlib(JSON)) -- not encrypted and not interchangeable with real backups.
  * The empty page described above; skiptokens are our own format (still opaque to clients).
  * Names are matched case-insensitively (like the service); the spelling of the first creation is kept.
  * nbf/exp are stored and returned but not enforced (the service does not enforce them on get either).
  * 204 (purge) carries no Content-Length (RFC 9110 forbids it on 204); every other reply has one.
  * Requests with unparseable HTTP get the http.server default (text/html) error page, not JSON.
  * No throttling (429), no x-ms-keyvault-* diagnostic headers, no firewall/RBAC/purge-protection
    behaviour. Paths are not normalised (``//secrets`` is 404).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import re
import secrets
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# The parts keys.py and certificates.py share with the secrets live in common.py, which imports
# none of these modules (so no import runs in a circle).
from common import (MAX_CONTENT_TYPE_CHARS, MAX_PAGE, MAX_TAG_CHARS, MAX_TAGS, NAME_RE,  # noqa: E402,F401
                    RECOVERABLE_DAYS, RECOVERY_LEVEL, VERSION_RE, ApiError, Secret, SoftDeleteStore, Version,
                    _attrs, _b64_lenient, _b64url, _content_type, _is_int, _tags, bad, next_link, parse_paging,
                    take_page)

# ----------------------------------------------------------------------------------------------
# constants

MAX_VALUE_CHARS = 25 * 1024
MAX_BODY_BYTES = 4 * 1024 * 1024
OUT_CONTENT_TYPES = ("application/x-pkcs12", "application/x-pem-file")
CHALLENGE = ('Bearer authorization="https://login.microsoftonline.com/'
             '00000000-0000-0000-0000-000000000000", resource="https://localhost"')
BACKUP_MAGIC = "testvault-secret-backup-v1"
OVERRIDABLE = ("PATCH", "DELETE", "PUT", "GET")
IDLE_TIMEOUT = 300  # seconds an idle keep-alive connection is kept open
HANDSHAKE_TIMEOUT = 30


def log(msg: str) -> None:
    try:
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()
    except Exception:
        pass


# ----------------------------------------------------------------------------------------------
# certificates (openssl CLI)

CA_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = testvault local CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""

SERVER_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[v3_srv]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
"""

CERT_FILES = ("ca.pem", "ca.key", "server.pem", "server.key")


def _openssl(args: list[str]) -> None:
    proc = subprocess.run(["openssl", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], proc.stderr.decode(errors="replace").strip()))


def ensure_certificates(state_dir: str) -> None:
    """Create CA + server certificate in state_dir unless all four files already exist."""
    if all(os.path.isfile(os.path.join(state_dir, f)) for f in CERT_FILES):
        return
    old_umask = os.umask(0o077)
    try:
        with tempfile.TemporaryDirectory(dir=state_dir, prefix=".certgen-") as tmp:
            p = lambda f: os.path.join(tmp, f)  # noqa: E731
            with open(p("ca.cnf"), "w") as fh:
                fh.write(CA_CNF)
            with open(p("server.cnf"), "w") as fh:
                fh.write(SERVER_CNF)
            _openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", p("ca.key")])
            _openssl(["req", "-x509", "-new", "-config", p("ca.cnf"), "-extensions", "v3_ca", "-key", p("ca.key"),
                      "-sha256", "-days", "3650", "-set_serial", "0x" + secrets.token_hex(16), "-out", p("ca.pem")])
            _openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", p("server.key")])
            _openssl(["req", "-new", "-config", p("server.cnf"), "-key", p("server.key"), "-out", p("server.csr")])
            _openssl(["x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
                      "-set_serial", "0x" + secrets.token_hex(16), "-days", "825", "-sha256",
                      "-extfile", p("server.cnf"), "-extensions", "v3_srv", "-out", p("server.pem")])
            for f in CERT_FILES:
                os.replace(p(f), os.path.join(state_dir, f))
            os.chmod(os.path.join(state_dir, "ca.pem"), 0o644)
            os.chmod(os.path.join(state_dir, "server.pem"), 0o644)
    finally:
        os.umask(old_umask)


# ----------------------------------------------------------------------------------------------
# errors


# How long a delete or recover takes by default (ms): non-zero, so every suite run against the
# stand-in meets the real service's asynchronous soft delete.
DEFAULT_DELETE_DELAY_MS = 300


def secret_not_found(name: str) -> ApiError:
    return ApiError(404, "SecretNotFound",
                    "A secret with (name/id) %s was not found in this key vault. If you recently deleted "
                    "this secret you may be able to recover it using the correct recovery command. For help "
                    "resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182" % name)


def deleted_not_found(name: str) -> ApiError:
    return ApiError(404, "SecretNotFound", "Deleted Secret not found: %s" % name)


# ----------------------------------------------------------------------------------------------
# state


class Vault(SoftDeleteStore):
    """All state, guarded by one lock."""

    def __init__(self, base_url: str, page_size: int):
        self.base = base_url
        self.page_size = page_size
        self.lock = threading.Lock()
        self.live: dict[str, Secret] = {}
        self.deleted: dict[str, Secret] = {}
        self._init_pending()
        self.keys = _keys.KeyStore(self) if _keys is not None else None

    # ---- rendering

    def _attributes(self, v: Version) -> dict:
        a: dict = {"enabled": v.enabled}
        if v.nbf is not None:
            a["nbf"] = v.nbf
        if v.exp is not None:
            a["exp"] = v.exp
        a["created"] = v.created
        a["updated"] = v.updated
        a["recoveryLevel"] = RECOVERY_LEVEL
        a["recoverableDays"] = RECOVERABLE_DAYS
        return a

    def _bundle(self, s: Secret, v: Version, with_value: bool) -> dict:
        b: dict = {}
        if with_value:
            b["value"] = v.value
        b["id"] = "%s/secrets/%s/%s" % (self.base, s.name, v.version)
        if v.content_type is not None:
            b["contentType"] = v.content_type
        b["attributes"] = self._attributes(v)
        if v.tags is not None:
            b["tags"] = dict(v.tags)
        return b

    def _deleted_fields(self, s: Secret) -> dict:
        return {"recoveryId": "%s/deletedsecrets/%s" % (self.base, s.name),
                "deletedDate": s.deleted_date,
                "scheduledPurgeDate": s.deleted_date + RECOVERABLE_DAYS * 86400}

    def _deleted_bundle(self, s: Secret) -> dict:
        b = self._bundle(s, s.latest(), with_value=False)
        b.update(self._deleted_fields(s))
        return b

    def _item(self, s: Secret, v: Version, versioned: bool) -> dict:
        it: dict = {"id": "%s/secrets/%s" % (self.base, s.name) + ("/" + v.version if versioned else "")}
        it["attributes"] = self._attributes(v)
        if v.tags is not None:
            it["tags"] = dict(v.tags)
        if v.content_type is not None:
            it["contentType"] = v.content_type
        return it

    # ---- operations

    def set_secret(self, name: str, body: dict) -> dict:
        value = body.get("value")
        if value is None:
            raise bad("The parameter 'value' is required.")
        if not isinstance(value, str):
            raise bad("The parameter 'value' must be a string.")
        if len(value) > MAX_VALUE_CHARS:
            raise bad("The secret value exceeds the maximum allowed size of %d characters." % MAX_VALUE_CHARS)
        content_type = _content_type(body)
        tags = _tags(body)
        enabled, nbf, exp = _attrs(body)
        now = int(time.time())
        key = name.lower()
        with self.lock:
            self.check_not_pending(key)
            if key in self.deleted:
                d = self.deleted[key]
                raise ApiError(409, "Conflict",
                               "Secret %s is currently in a deleted but recoverable state, and its name cannot be "
                               "reused; in this state, the secret can only be recovered or purged." % d.name,
                               "ObjectIsDeletedButRecoverable")
            s = self.live.get(key)
            if s is None:
                s = Secret(name)
                self.live[key] = s
            ver = Version(secrets.token_hex(16), value, content_type, tags,
                          True if enabled is None else enabled, nbf, exp, now, now)
            s.versions.append(ver)
            return self._bundle(s, ver, with_value=True)

    def get_secret(self, name: str, version: str) -> dict:
        with self.lock:
            s = self.live.get(name.lower())
            v = s.find(version) if s else None
            if v is None:
                raise secret_not_found(name)
            if not v.enabled:
                raise ApiError(403, "Forbidden", "Operation get is not allowed on a disabled secret.",
                               "SecretDisabled")
            return self._bundle(s, v, with_value=True)

    def update_secret(self, name: str, version: str, body: dict) -> dict:
        content_type = _content_type(body)
        tags = _tags(body)
        enabled, nbf, exp = _attrs(body)
        with self.lock:
            s = self.live.get(name.lower())
            v = s.find(version) if s else None
            if v is None:
                raise secret_not_found(name)
            if content_type is not None:
                v.content_type = content_type
            if "tags" in body and body["tags"] is not None:
                v.tags = tags
            if enabled is not None:
                v.enabled = enabled
            if nbf is not None:
                v.nbf = nbf
            if exp is not None:
                v.exp = exp
            v.updated = max(int(time.time()), v.created)
            return self._bundle(s, v, with_value=False)

    # ---- soft delete (SoftDeleteStore hooks)

    noun = "Secret"

    def _not_found(self, name: str) -> ApiError:
        return secret_not_found(name)

    def _deleted_not_found(self, name: str) -> ApiError:
        return deleted_not_found(name)

    def _recovered_bundle(self, s: Secret) -> dict:
        return self._bundle(s, s.latest(), with_value=False)

    def backup(self, name: str) -> dict:
        with self.lock:
            s = self.live.get(name.lower())
            if s is None:
                raise secret_not_found(name)
            doc = {"format": BACKUP_MAGIC, "name": s.name, "versions": [v.to_blob() for v in s.versions]}
        raw = zlib.compress(json.dumps(doc, separators=(",", ":")).encode("utf-8"))
        return {"value": _b64url(raw)}

    def restore(self, body: dict) -> dict:
        blob = body.get("value")
        if not isinstance(blob, str) or not blob:
            raise bad("The parameter 'value' is required and must be a base64url string.")
        return self._restore(_decode_backup(blob))

    # ---- lists

    def list_page(self, kind: str, name: str | None, query: dict, api_version: str) -> dict:
        list_id = kind if name is None else "%s:%s" % (kind, name.lower())
        maxresults, after, empty = parse_paging(query, list_id, self.page_size, kind == "versions")
        with self.lock:
            if kind == "secrets":
                rows = sorted(self.live.items())
                render = lambda s: self._item(s, s.latest(), versioned=False)  # noqa: E731
            elif kind == "deletedsecrets":
                rows = sorted(self.deleted.items())
                render = lambda s: dict(self._item(s, s.latest(), versioned=False),  # noqa: E731
                                        **self._deleted_fields(s))
            else:
                s = self.live.get(name.lower())
                if s is None:
                    raise secret_not_found(name)
                rows = list(enumerate(s.versions))
                render = lambda v, s=s: self._item(s, v, versioned=True)  # noqa: E731
            page, more, next_after = take_page(rows, maxresults, after, empty)
            items = [render(obj) for _, obj in page]
        path = "/secrets" if kind == "secrets" else "/deletedsecrets" if kind == "deletedsecrets" else \
            "/secrets/%s/versions" % urllib.parse.quote(name, safe="")
        return {"value": items,
                "nextLink": next_link(self.base, path, api_version, list_id, after, empty, next_after,
                                      maxresults, more)}


def _decode_backup(blob: str) -> Secret:
    try:
        doc = json.loads(zlib.decompress(_b64_lenient(blob)).decode("utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != BACKUP_MAGIC:
            raise ValueError
        name = doc["name"]
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ValueError
        vers = doc["versions"]
        if not isinstance(vers, list) or not vers:
            raise ValueError
        s = Secret(name)
        seen = set()
        for d in vers:
            if not isinstance(d, dict) or set(d) != set(Version.__slots__):
                raise ValueError
            if not (isinstance(d["version"], str) and VERSION_RE.match(d["version"])) or d["version"] in seen:
                raise ValueError
            seen.add(d["version"])
            if not isinstance(d["value"], str) or not isinstance(d["enabled"], bool):
                raise ValueError
            if d["content_type"] is not None and not isinstance(d["content_type"], str):
                raise ValueError
            if d["tags"] is not None and (not isinstance(d["tags"], dict)
                                          or not all(isinstance(x, str) for x in d["tags"].values())):
                raise ValueError
            for f in ("nbf", "exp"):
                if d[f] is not None and not _is_int(d[f]):
                    raise ValueError
            if not _is_int(d["created"]) or not _is_int(d["updated"]):
                raise ValueError
            s.versions.append(Version(**d))
        return s
    except (ValueError, KeyError, TypeError, zlib.error, binascii.Error, UnicodeDecodeError, RecursionError):
        raise bad("The backup blob is malformed.") from None


# ----------------------------------------------------------------------------------------------
# HTTP plumbing


def _json_bytes(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _reject_constant(c):
    raise ValueError("invalid JSON constant %s" % c)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "testvault/1.0"
    sys_version = ""

    def version_string(self):
        return self.server_version
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True

    _log_method = None
    _log_path = None

    # never log the request line (it would include the query string); log method, path, status
    def log_request(self, code="-", size="-"):
        method = self._log_method or self.command or "-"
        path = self._log_path
        if path is None:
            path = urllib.parse.urlsplit(getattr(self, "path", "") or "").path or "-"
        log("%s %s %s" % (method, path, code if isinstance(code, int) else getattr(code, "value", code)))

    def log_message(self, fmt, *args):
        log("testvault: " + (fmt % args))

    def handle_one_request(self):
        self._log_method = None
        self._log_path = None
        super().handle_one_request()

    def _read_body(self) -> bytes:
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    self.close_connection = True
                    raise bad("Malformed chunked request body.") from None
                if size < 0:
                    self.close_connection = True
                    raise bad("Malformed chunked request body.")
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY_BYTES:
                    self.close_connection = True
                    raise bad("The request body is too large.")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            n = int(length)
        except ValueError:
            self.close_connection = True
            raise bad("Invalid Content-Length.") from None
        if n < 0 or n > MAX_BODY_BYTES:
            self.close_connection = True
            raise bad("The request body is too large.")
        return self.rfile.read(n)

    def _send(self, status: int, body: bytes | None, content_type: str | None,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if status == 204 or status == 304:
            body = None
        else:
            if body is None:
                body = b""
            if body and content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # headers and body in one write (one TLS record, no Nagle/delayed-ACK stall)
        self._headers_buffer.append(b"\r\n")
        if body and self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()


class PlainHandler(_Handler):
    """Plain HTTP: /ping and the CA certificate download."""

    def _serve(self):
        try:
            self._read_body()
        except ApiError:
            pass
        path = urllib.parse.urlsplit(self.path).path
        self._log_path = path
        if self.command not in ("GET", "HEAD"):
            self._send(405, b"method not allowed\n", "text/plain; charset=utf-8", {"Allow": "GET, HEAD"})
        elif path == "/ping":
            self._send(200, b"pong", "text/plain; charset=utf-8")
        elif path in ("/metadata/default-cert", "/metadata/default-cert/", "/metadata/default-cert/ca.pem"):
            with open(self.server.ca_file, "rb") as fh:
                pem = fh.read()
            self._send(200, pem, "application/x-pem-file")
        elif path == "/metadata/identity/oauth2/token":
            status, payload = _imds_token(self.headers, urllib.parse.urlsplit(self.path).query, self.server.tokens)
            self._send(status, _json_bytes(payload), "application/json; charset=utf-8")
        elif path == "/msi/token":
            status, payload = _app_service_token(self.headers, urllib.parse.urlsplit(self.path).query,
                                                 self.server.identity_header, self.server.tokens)
            self._send(status, _json_bytes(payload), "application/json; charset=utf-8")
        elif path == "/testvault/auth-log":
            want = _mi_query(urllib.parse.urlsplit(self.path).query).get("path", "")
            payload = {"entries": self.server.tokens.log_entries(want)}
            self._send(200, _json_bytes(payload), "application/json; charset=utf-8")
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8")

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve


MI_TOKEN_LIFETIME = 3600


def _mi_query(raw_query: str) -> dict[str, str]:
    query: dict[str, str] = {}
    for k, v in urllib.parse.parse_qsl(raw_query, keep_blank_values=True):
        query.setdefault(k, v)
    return query


def _mi_error(status: int, error: str, description: str):
    return status, {"error": error, "error_description": description}


class TokenRegistry:
    """The tokens this vault accepts (issued by its token endpoints or seeded at start), and a log of
    which subject each vault request authenticated as (for tests: GET /testvault/auth-log)."""

    LOG_MAX = 200000

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, str | None, float | None]] = {}  # token -> (subject, resource, expiry)
        self._log: list[dict] = []

    def seed(self, subject: str, token: str) -> None:
        with self._lock:
            self._tokens[token] = (subject, None, None)

    def issue(self, subject: str, resource: str, lifetime: int) -> str:
        token = "tv-" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (subject, _audience(resource), time.time() + lifetime)
        return token

    def check(self, token: str) -> str:
        """The token's subject; ApiError 401 (with the challenge) unless it is valid for this vault."""
        challenge = {"WWW-Authenticate": CHALLENGE}
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None:
            raise ApiError(401, "Unauthorized", "AKV10032: Invalid token", headers=challenge)
        subject, resource, expiry = entry
        if expiry is not None and time.time() >= expiry:
            raise ApiError(401, "Unauthorized", "AKV10032: Token expired", headers=challenge)
        if resource is not None and resource != VAULT_AUDIENCE:
            raise ApiError(401, "Unauthorized", "AKV10022: Invalid audience. Expected %s, found: %s"
                           % (VAULT_AUDIENCE, resource[:200]), headers=challenge)
        return subject

    def record(self, method: str, path: str, status: int, subject: str | None) -> None:
        with self._lock:
            self._log.append({"method": method, "path": path, "status": status, "subject": subject})
            if len(self._log) > self.LOG_MAX:
                del self._log[: len(self._log) - self.LOG_MAX]

    def log_entries(self, path_part: str) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self._log if path_part in e["path"]]


TOKEN_PATH_RE = re.compile(r"^/([0-9A-Za-z._-]{1,100})/oauth2/v2\.0/token$")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Apps:
    """Client-credentials token endpoint (an identity-platform stand-in on the vault's HTTPS port):
    apps registered with --app CLIENT_ID=SECRET or --app-cert CLIENT_ID=CERT.pem get tokens with
    subject ``app:<tenant>/<client id>``."""

    def __init__(self):
        self.secrets: dict[str, str] = {}
        self.certs: dict[str, object] = {}  # client id -> cryptography x509 certificate

    @staticmethod
    def _error(status: int, error: str, description: str):
        return status, {"error": error, "error_description": description}

    def token(self, path: str, raw_body: bytes, base_url: str, tokens: TokenRegistry):
        tenant = TOKEN_PATH_RE.match(path).group(1)
        form: dict[str, str] = {}
        for k, v in urllib.parse.parse_qsl(raw_body.decode("utf-8", "replace"), keep_blank_values=True):
            form.setdefault(k, v)
        if form.get("grant_type") != "client_credentials":
            return self._error(400, "unsupported_grant_type", "AADSTS70003: grant_type must be client_credentials.")
        client_id, scope = form.get("client_id", ""), form.get("scope", "")
        if not scope.endswith("/.default"):
            return self._error(400, "invalid_scope", "AADSTS70011: The scope must end with /.default.")
        if client_id in self.secrets and "client_secret" in form:
            if not secrets.compare_digest(form["client_secret"].encode(), self.secrets[client_id].encode()):
                return self._error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        elif client_id in self.certs and form.get("client_assertion_type") == ASSERTION_TYPE:
            problem = self._check_assertion(form.get("client_assertion", ""), client_id, base_url + path)
            if problem:
                return self._error(401, "invalid_client", "AADSTS700027: Client assertion failed: " + problem)
        else:
            return self._error(400, "unauthorized_client",
                               "AADSTS700016: Application '%s' with these credentials was not found." % client_id[:100])
        token = tokens.issue("app:%s/%s" % (tenant, client_id), scope, MI_TOKEN_LIFETIME)
        return 200, {"token_type": "Bearer", "expires_in": MI_TOKEN_LIFETIME, "ext_expires_in": MI_TOKEN_LIFETIME,
                     "access_token": token}

    def _check_assertion(self, jwt: str, client_id: str, audience: str) -> str | None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
        try:
            head_b64, claims_b64, sig_b64 = jwt.split(".")
            head = json.loads(_b64url_decode(head_b64))
            claims = json.loads(_b64url_decode(claims_b64))
            signature = _b64url_decode(sig_b64)
        except (ValueError, binascii.Error):
            return "not a JWT"
        cert = self.certs[client_id]
        der = cert.public_bytes(serialization.Encoding.DER)
        thumbs = {"x5t#S256": hashes.SHA256(), "x5t": hashes.SHA1()}
        named = [k for k in thumbs if k in head]
        for k in named:
            h = hashes.Hash(thumbs[k])
            h.update(der)
            if _b64url_decode(str(head[k])) != h.finalize():
                return "%s does not match the registered certificate" % k
        if not named:
            return "no x5t or x5t#S256"
        if head.get("alg") not in ("RS256", "PS256"):
            return "unsupported alg"
        pad = padding.PKCS1v15() if head["alg"] == "RS256" else padding.PSS(padding.MGF1(hashes.SHA256()), 32)
        try:
            cert.public_key().verify(signature, (head_b64 + "." + claims_b64).encode(), pad, hashes.SHA256())
        except (InvalidSignature, TypeError, ValueError):
            return "bad signature"
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            return "iss and sub must be the client id"
        if claims.get("aud") != audience:
            return "aud must be the token endpoint"
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
            return "expired"
        return None


# The resource the challenge names; a token issued for another resource is refused.
VAULT_AUDIENCE = "https://localhost"


def _audience(resource: str) -> str:
    r = resource.strip()
    if r.endswith("/.default"):
        r = r[: -len("/.default")]
    return r.rstrip("/")


def _mi_identity(query: dict[str, str], names: tuple[str, ...]) -> str:
    for n in names:
        if query.get(n):
            return "%s=%s" % (n, query[n][:200])
    return "system"


def _imds_token(headers, raw_query: str, tokens: TokenRegistry):
    """The IMDS token endpoint: Metadata: true, api-version and resource required."""
    if (headers.get("Metadata") or "").strip().lower() != "true":
        return _mi_error(400, "invalid_request", "Required metadata header not specified")
    query = _mi_query(raw_query)
    if not query.get("api-version"):
        return _mi_error(400, "invalid_request", "Required query variable 'api-version' is missing")
    resource = query.get("resource")
    if not resource:
        return _mi_error(400, "invalid_request", "Required query variable 'resource' is missing")
    now = int(time.time())
    subject = "mi:imds:" + _mi_identity(query, ("client_id", "object_id", "msi_res_id"))
    token = tokens.issue(subject, resource, MI_TOKEN_LIFETIME)
    return 200, {"access_token": token, "expires_in": str(MI_TOKEN_LIFETIME),
                 "expires_on": str(now + MI_TOKEN_LIFETIME), "ext_expires_in": str(MI_TOKEN_LIFETIME),
                 "not_before": str(now), "resource": resource, "token_type": "Bearer"}


def _app_service_token(headers, raw_query: str, identity_header: str, tokens: TokenRegistry):
    """The App Service (2019-08-01) token endpoint: X-IDENTITY-HEADER must match."""
    sent = headers.get("X-IDENTITY-HEADER")
    if sent is None or not secrets.compare_digest(sent.encode(), identity_header.encode()):
        return _mi_error(401, "unauthorized", "The X-IDENTITY-HEADER header is missing or wrong")
    query = _mi_query(raw_query)
    if query.get("api-version") != "2019-08-01":
        return _mi_error(400, "invalid_request", "api-version must be 2019-08-01")
    resource = query.get("resource")
    if not resource:
        return _mi_error(400, "invalid_request", "Required query variable 'resource' is missing")
    now = int(time.time())
    subject = "mi:appservice:" + _mi_identity(query, ("client_id", "principal_id", "mi_res_id"))
    token = tokens.issue(subject, resource, MI_TOKEN_LIFETIME)
    return 200, {"access_token": token, "expires_on": str(now + MI_TOKEN_LIFETIME),
                 "resource": resource, "token_type": "Bearer"}


class VaultHandler(_Handler):
    """HTTPS: the Key Vault secrets and keys data planes."""

    def _serve(self):
        self._subject = None
        self._auth_checked = False
        request_id = str(uuid.uuid4())
        headers = {"x-ms-request-id": request_id}
        crid = self.headers.get("x-ms-client-request-id")
        if crid is not None:
            headers["x-ms-client-request-id"] = crid
        status, payload = 500, None
        try:
            try:
                raw_body = self._read_body()
            finally:
                target = self.path
                if "://" in target.split("?", 1)[0]:  # absolute-form request target
                    parts = urllib.parse.urlsplit(target)
                    target = parts.path + ("?" + parts.query if parts.query else "")
                raw_path, _, raw_query = target.partition("?")
                self._log_path = raw_path
            status, payload = self._dispatch(raw_path, raw_query, raw_body)
        except ApiError as e:
            status, payload = e.status, e.body()
            headers.update(e.headers)
        except Exception:  # noqa: BLE001
            log("testvault: internal error:\n" + traceback.format_exc())
            status = 500
            payload = {"error": {"code": "InternalServerError", "message": "Internal server error."}}
        if self._auth_checked:
            self.server.tokens.record(self._log_method or self.command, self._log_path or "-", status, self._subject)
        body = None if payload is None else _json_bytes(payload)
        self._send(status, body, "application/json; charset=utf-8", headers)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def _dispatch(self, raw_path: str, raw_query: str, raw_body: bytes):
        vault: Vault = self.server.vault
        if TOKEN_PATH_RE.match(raw_path) and self.command == "POST":
            return self.server.apps.token(raw_path, raw_body, vault.base, self.server.tokens)
        try:
            pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True, strict_parsing=False)
        except ValueError:
            raise bad("The query string is malformed.") from None
        query: dict[str, str] = {}
        for k, v in pairs:
            query.setdefault(k, v)
        api_version = query.get("api-version")
        if api_version is None:
            raise bad("The 'api-version' query parameter is missing.")

        # authentication
        auth = self.headers.get("Authorization")
        token = None
        if auth:
            scheme, _, rest = auth.strip().partition(" ")
            if scheme.lower() == "bearer" and rest.strip():
                token = rest.strip()
        challenge = {"WWW-Authenticate": CHALLENGE}
        self._auth_checked = True
        if token is None:
            raise ApiError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.",
                           headers=challenge)
        self._subject = self.server.tokens.check(token)

        # verb override
        method = self.command
        override = self.headers.get("X-HTTP-METHOD")
        if method == "POST" and override is not None:
            ov = override.strip().upper()
            if ov not in OVERRIDABLE:
                raise bad("The X-HTTP-METHOD header has an unsupported value.")
            method = ov
            self._log_method = "POST[%s]" % ov

        # asynchronous deletes and recoveries that are due finish before the request is served
        vault.settle()
        if vault.keys is not None:
            vault.keys.settle()

        # routing
        segs = [urllib.parse.unquote(s) for s in raw_path.split("/")[1:]] if raw_path.startswith("/") else None
        route = self._route(segs)
        if route is None:
            raise ApiError(404, "NotFound", "The requested path %s was not found." % raw_path[:200])
        handlers, args = route
        fn = handlers.get(method)
        if fn is None:
            raise ApiError(405, "MethodNotAllowed", "The requested method %s is not allowed on %s."
                           % (method, raw_path[:200]), headers={"Allow": ", ".join(sorted(handlers))})
        for n in args.get("names", ()):
            if not NAME_RE.match(n):
                raise bad("The request URI contains an invalid name: %s" % n[:200])

        body: dict = {}
        if raw_body.strip() and method in ("PUT", "PATCH", "POST"):
            try:
                body = json.loads(raw_body.decode("utf-8"), parse_constant=_reject_constant)
            except (ValueError, UnicodeDecodeError, RecursionError):
                raise bad("The request body is not valid JSON.") from None
            if not isinstance(body, dict):
                raise bad("The request body must be a JSON object.")
        return fn(vault, args, body, query, api_version)

    @staticmethod
    def _route(segs):
        """Return ({METHOD: fn}, args) or None. fn(vault, args, body, query, api_version) -> (status, payload)."""
        if not segs:
            return None
        n = len(segs)
        if segs[0] == "secrets":
            if n == 1 or (n == 2 and segs[1] == ""):
                return {"GET": lambda v, a, b, q, av: (200, v.list_page("secrets", None, q, av))}, {}
            name = segs[1]
            if n == 2 and name == "restore":
                return {"POST": lambda v, a, b, q, av: (200, v.restore(b)),
                        "PUT": _set, "GET": _get, "PATCH": _update, "DELETE": _delete}, \
                    {"name": name, "version": "", "names": [name]}
            if n == 2 or (n == 3 and segs[2] == ""):
                return {"PUT": _set, "GET": _get, "PATCH": _update, "DELETE": _delete}, \
                    {"name": name, "version": "", "names": [name]}
            if n == 3:
                third = segs[2]
                args = {"name": name, "version": third, "names": [name]}
                if third == "versions":
                    return {"GET": lambda v, a, b, q, av: (200, v.list_page("versions", a["name"], q, av))}, args
                if third == "backup":
                    return {"POST": lambda v, a, b, q, av: (200, v.backup(a["name"])),
                            "GET": _get, "PATCH": _update}, args
                return {"GET": _get, "PATCH": _update}, args
            return None
        if segs[0] in ("keys", "deletedkeys", "rng"):
            if _keys is None:
                return _keys_unavailable(segs)
            return _keys.route(segs)
        if segs[0] in ("certificates", "deletedcertificates"):  # certificates.py (needs 'cryptography' too)
            return _keys_unavailable(segs) if _keys is None else __import__("certificates").route(segs)
        if segs[0] == "deletedsecrets":
            if n == 1 or (n == 2 and segs[1] == ""):
                return {"GET": lambda v, a, b, q, av: (200, v.list_page("deletedsecrets", None, q, av))}, {}
            name = segs[1]
            args = {"name": name, "names": [name]}
            if n == 2 or (n == 3 and segs[2] == ""):
                return {"GET": lambda v, a, b, q, av: (200, v.get_deleted(a["name"])),
                        "DELETE": lambda v, a, b, q, av: (v.purge(a["name"]), (204, None))[1]}, args
            if n == 3 and segs[2] == "recover":
                return {"POST": lambda v, a, b, q, av: (200, v.recover(a["name"]))}, args
            return None
        return None


def _set(v: Vault, a, body, q, av):
    return 200, v.set_secret(a["name"], body)


def _get(v: Vault, a, body, q, av):
    oct_ = q.get("outContentType")
    if oct_ is not None and oct_ not in OUT_CONTENT_TYPES:
        raise bad("The parameter 'outContentType' has an unsupported value: %s" % oct_[:100])
    return 200, v.get_secret(a["name"], a["version"])


def _update(v: Vault, a, body, q, av):
    return 200, v.update_secret(a["name"], a["version"], body)


def _delete(v: Vault, a, body, q, av):
    return 200, v.delete(a["name"])


def _keys_unavailable(segs):
    def fail(v, a, b, q, av):
        raise ApiError(501, "NotImplemented", "The keys operations of testvault need the Python package "
                       "'cryptography' (pip install -r tools/testvault/requirements.txt): %s" % _KEYS_IMPORT_ERROR)
    return {m: fail for m in ("GET", "PUT", "POST", "PATCH", "DELETE")}, {}


# The keys data plane lives in keys.py (it needs the 'cryptography' package). Without it, secrets still work
# and every keys path answers 501 NotImplemented.
_KEYS_IMPORT_ERROR = ""
try:
    import keys as _keys
except ImportError as _e:  # pragma: no cover - depends on the environment
    _keys = None
    _KEYS_IMPORT_ERROR = str(_e)
    log("testvault: keys operations disabled: %s" % _e)


class VaultServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, handler, ssl_context: ssl.SSLContext, vault: Vault, tokens: TokenRegistry):
        super().__init__(addr, handler)
        self.ssl_context = ssl_context
        self.vault = vault
        self.tokens = tokens
        self.apps = Apps()

    def finish_request(self, request, client_address):
        # TLS handshake in the per-connection thread, so a slow client cannot block accept().
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log("testvault: TLS handshake failed from %s: %s" % (client_address[0], e.__class__.__name__))
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        log("testvault: connection error:\n" + traceback.format_exc(limit=3))


class PlainServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, ca_file: str, identity_header: str = "test-identity-header",
                 tokens: TokenRegistry | None = None):
        super().__init__(addr, handler)
        self.ca_file = ca_file
        self.identity_header = identity_header
        self.tokens = tokens if tokens is not None else TokenRegistry()


# ----------------------------------------------------------------------------------------------
# main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Local stand-in Azure Key Vault (secrets and keys, "
                                             "api-version 2025-07-01).")
    ap.add_argument("--port", type=int, default=8443, help="HTTPS port of the vault (127.0.0.1)")
    ap.add_argument("--http-port", type=int, default=8080, help="plain HTTP port for /ping and the CA certificate")
    ap.add_argument("--state-dir", required=True, help="directory for ca.pem, keys and testvault.pid")
    ap.add_argument("--page-size", type=int, default=25, help="default list page size (1..25)")
    ap.add_argument("--seed-token", action="append", default=[], metavar="SUBJECT=TOKEN",
                    help="also accept TOKEN (for any resource, without expiry) as SUBJECT; repeatable. "
                         "Without it only tokens from the vault's own token endpoints are accepted")
    ap.add_argument("--app", action="append", default=[], metavar="CLIENT_ID=SECRET",
                    help="register an app for the client-credentials token endpoint "
                         "(POST /{tenant}/oauth2/v2.0/token on the HTTPS port); repeatable")
    ap.add_argument("--app-cert", action="append", default=[], metavar="CLIENT_ID=CERT.pem",
                    help="register an app that authenticates with a client assertion signed by the key of "
                         "this certificate (needs the 'cryptography' package); repeatable")
    ap.add_argument("--identity-header", default="test-identity-header",
                    help="X-IDENTITY-HEADER value the App Service style token endpoint /msi/token requires")
    ap.add_argument("--delete-delay-ms", type=int, default=None,
                    help="how long a delete or recover takes to finish, like the real service's asynchronous "
                         "soft delete (default: $TESTVAULT_DELETE_DELAY_MS, else %d; 0 = at once)" % DEFAULT_DELETE_DELAY_MS)
    ap.add_argument("--exit-on-stdin-eof", action="store_true",
                    help="stop when standard input closes (lets a test process own the server's lifetime)")
    args = ap.parse_args(argv)
    if not 1 <= args.page_size <= MAX_PAGE:
        ap.error("--page-size must be between 1 and %d" % MAX_PAGE)
    tokens = TokenRegistry()
    for seed in args.seed_token:
        subject, sep, token = seed.partition("=")
        if not sep or not subject.strip() or not token.strip() or token != token.strip() or " " in token:
            ap.error("--seed-token must be SUBJECT=TOKEN with a non-empty subject and a token without spaces")
        tokens.seed(subject.strip(), token)
    if not args.identity_header.strip():
        ap.error("--identity-header must not be empty")
    delay_ms = args.delete_delay_ms
    if delay_ms is None:
        env = os.environ.get("TESTVAULT_DELETE_DELAY_MS", "").strip()
        try:
            delay_ms = int(env) if env else DEFAULT_DELETE_DELAY_MS
        except ValueError:
            ap.error("TESTVAULT_DELETE_DELAY_MS must be a whole number of milliseconds")
    if not 0 <= delay_ms <= 3_600_000:
        ap.error("the delete delay must be between 0 and 3600000 ms")

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    ensure_certificates(state_dir)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(state_dir, "server.pem"), os.path.join(state_dir, "server.key"))
    ctx.set_alpn_protocols(["http/1.1"])

    https = VaultServer(("127.0.0.1", args.port), VaultHandler, ctx, None, tokens)
    for app in args.app:
        client_id, sep, secret = app.partition("=")
        if not sep or not client_id or not secret:
            ap.error("--app must be CLIENT_ID=SECRET")
        https.apps.secrets[client_id] = secret
    for app in args.app_cert:
        client_id, sep, path = app.partition("=")
        if not sep or not client_id or not path:
            ap.error("--app-cert must be CLIENT_ID=CERT.pem")
        from cryptography import x509
        with open(path, "rb") as fh:
            https.apps.certs[client_id] = x509.load_pem_x509_certificate(fh.read())
    port = https.server_address[1]
    https.vault = Vault("https://localhost:%d" % port, args.page_size)
    https.vault.delay = delay_ms / 1000.0
    if https.vault.keys is not None:
        https.vault.keys.delay = delay_ms / 1000.0
    plain = PlainServer(("127.0.0.1", args.http_port), PlainHandler, os.path.join(state_dir, "ca.pem"),
                        args.identity_header, tokens)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    threads = [threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
               for srv in (https, plain)]
    for t in threads:
        t.start()
    if args.exit_on_stdin_eof:
        def watch_stdin():
            while sys.stdin.buffer.read(4096):
                pass
            stop.set()
        threading.Thread(target=watch_stdin, daemon=True).start()

    pid_file = os.path.join(state_dir, "testvault.pid")
    with open(pid_file, "w") as fh:
        fh.write("%d\n" % os.getpid())
    # The plain HTTP port (token endpoints, /testvault/auth-log), for harnesses that started it with 0.
    with open(os.path.join(state_dir, "testvault.http-port"), "w") as fh:
        fh.write("%d\n" % plain.server_address[1])
    sys.stdout.write("testvault ready https://localhost:%d\n" % port)
    sys.stdout.flush()

    try:
        while not stop.wait(0.5):
            pass
    finally:
        for srv in (https, plain):
            srv.shutdown()
            srv.server_close()
        try:
            with open(pid_file) as fh:
                if fh.read().strip() == str(os.getpid()):
                    os.remove(pid_file)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
