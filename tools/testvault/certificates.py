"""certificates -- the certificates data plane of testvault (certificates.json, api-version 2025-07-01).

Imported by testvault.py (which owns HTTP, authentication, errors and paging); needs the
``cryptography`` package. All 27 operations of certificates.json:

  GET    /certificates[?includePending=true]        GetCertificates (latest version per certificate;
                                                    pending-only certificates with includePending)
  PUT|GET|DELETE /certificates/contacts             Set/Get/DeleteCertificateContacts (404 ContactsNotFound
                                                    when none are set)
  GET    /certificates/issuers                      GetCertificateIssuers (id and provider)
  PUT|GET|PATCH|DELETE /certificates/issuers/{n}    Set/Get/Update/DeleteCertificateIssuer (provider required
                                                    by set; the password is never returned)
  POST   /certificates/{name}/create                CreateCertificate -> 202 CertificateOperation
  POST   /certificates/{name}/import                ImportCertificate (PEM with a PRIVATE KEY, or base64 PKCS#12
                                                    with ``pwd``)
  GET|PATCH /certificates/{name}[/[{version}]]      GetCertificate / UpdateCertificate (enabled, tags)
  DELETE /certificates/{name}                       DeleteCertificate (its secret goes with it)
  GET|PATCH|DELETE /certificates/{name}/pending     Get/Update(cancel)/DeleteCertificateOperation
  POST   /certificates/{name}/pending/merge         MergeCertificate -> 201
  GET|PATCH /certificates/{name}/policy             Get/UpdateCertificatePolicy
  GET    /certificates/{name}/versions              GetCertificateVersions
  POST   /certificates/{name}/backup, /certificates/restore
  GET    /deletedcertificates[?includePending=true], GET|DELETE /deletedcertificates/{name},
  POST   /deletedcertificates/{name}/recover

Issuers and creation:
  * ``Self``: a real self-signed X.509 certificate and key (RSA 2048/3072/4096 or EC P-256/P-384/P-521/
    P-256K) with the policy's subject, SANs, key usages, EKUs and validity. The operation reads
    ``inProgress`` for the first 0.3 s after the create, then ``completed``.
  * ``Unknown``: a key and a CSR; the operation stays ``inProgress`` until a certificate for that key is
    merged (400 BadParameter when the merged certificate's public key is not the pending key).
  * Any configured issuer: the operation fails (``status: failed`` and an ``error`` object with code
    ``BadParameter``): this vault cannot reach certificate authorities. Unconfigured issuer names: 400.
  * Refused policies (400 BadParameter, nothing created): unknown kty/crv, RSA size not 2048/3072/4096,
    a curve on RSA or size on EC, no subject and no SANs, an unparseable subject, validity_months outside
    1..1200, unknown key usages, content types other than PEM / PKCS#12, lifetime actions without
    exactly one trigger.
Every certificate version also creates a secret version with the same name and version (what
DownloadCertificate-with-key reads): PEM text (PKCS#8 ``PRIVATE KEY`` then the chain) or base64 PKCS#12
without password, per the policy's content type. A secret of the same name that does not back a
certificate makes create/import answer 409 Conflict. The backing key (``kid``) is a key of keys.py with the same
name and version (sign, verify, ... with the certificate's key); it is deleted, recovered and purged with
the certificate (a plain key of the same name is replaced, unlike the service). Deviations: lifetime
actions are stored, never run; the secret and key are not marked ``managed``.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import ipaddress
import json
import os
import re
import subprocess
import tempfile
import secrets as pysecrets
import threading
import time
import urllib.parse
import zlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import common as tv

PEM = "application/x-pem-file"
PKCS12 = "application/x-pkcs12"
CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1, "P-256K": ec.SECP256K1}
KEY_USAGES = ("digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
              "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly")
BACKUP_MAGIC = "testvault-certificate-backup-v1"
SELF_DELAY = 0.3


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def not_found(name: str) -> tv.ApiError:
    return tv.ApiError(404, "CertificateNotFound", "A certificate with (name/id) %s was not found in this key vault."
                       % name)


def deleted_not_found(name: str) -> tv.ApiError:
    return tv.ApiError(404, "CertificateNotFound", "Deleted Certificate not found: %s" % name)


def pending_not_found(name: str) -> tv.ApiError:
    return tv.ApiError(404, "CertificateNotFound", "Pending certificate not found: %s" % name)


class CertVersion:
    def __init__(self, version, key, cert, chain, content_type, tags, enabled):
        now = int(time.time())
        self.version = version
        self.key = key            # private key object
        self.cert = cert          # x509.Certificate
        self.chain = chain        # further x509.Certificate
        self.content_type = content_type
        self.tags = tags
        self.enabled = enabled
        self.created = now
        self.updated = now

    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def secret_value(self) -> str:
        if self.content_type == PEM:
            out = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
            for c in [self.cert] + self.chain:
                out += c.public_bytes(serialization.Encoding.PEM)
            return out.decode("ascii")
        # Like the service: shrouded key bag and localKeyId, empty password (openssl does this;
        # cryptography refuses an empty password and writes a plain key bag without one).
        pem = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
        pem += b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [self.cert] + self.chain)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "in.pem")
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                f.write(pem)
            pfx = subprocess.run(["openssl", "pkcs12", "-export", "-passout", "pass:", "-in", path],
                                 capture_output=True, check=True).stdout
        return _b64(pfx)

    def to_blob(self) -> dict:
        return {"version": self.version, "content_type": self.content_type, "tags": self.tags,
                "enabled": self.enabled, "created": self.created, "updated": self.updated,
                "key": self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode("ascii"),
                "certs": [c.public_bytes(serialization.Encoding.PEM).decode("ascii")
                          for c in [self.cert] + self.chain]}

    @staticmethod
    def from_blob(b: dict) -> "CertVersion":
        certs = [x509.load_pem_x509_certificate(c.encode("ascii")) for c in b["certs"]]
        key = serialization.load_pem_private_key(b["key"].encode("ascii"), None)
        v = CertVersion(b["version"], key, certs[0], certs[1:], b["content_type"], b["tags"], b["enabled"])
        v.created, v.updated = b["created"], b["updated"]
        return v


class Cert:
    def __init__(self, name: str, policy: dict):
        self.name = name
        self.policy = policy
        self.versions: list[CertVersion] = []
        self.pending: dict | None = None   # operation (wire form plus private members starting with "_")
        self.deleted_date: int | None = None
        self.secret = tv.Secret(name)
        self.key = None  # keys.Key backing the certificate, when the keys module is loaded

    def latest(self):
        return self.versions[-1] if self.versions else None

    def find(self, version: str):
        if version == "":
            return self.latest()
        for v in self.versions:
            if v.version == version.lower():
                return v
        return None


# ---- policies


def _check_policy(p, partial: bool = False) -> dict:
    """Validates a wire policy; returns it with defaults filled in (unless partial)."""
    if p is None:
        p = {}
    if not isinstance(p, dict):
        raise tv.bad("The parameter 'policy' must be an object.")
    kp = p.get("key_props") or {}
    kty = kp.get("kty", None if partial else "RSA")
    if kty is not None and kty not in ("RSA", "RSA-HSM", "EC", "EC-HSM"):
        raise tv.bad("Invalid key type: %s" % str(kty)[:40])
    if kp.get("key_size") is not None:
        if kty and kty.startswith("EC"):
            raise tv.bad("Key size is not valid for EC keys.")
        if kp["key_size"] not in (2048, 3072, 4096):
            raise tv.bad("Invalid key size: %s" % str(kp["key_size"])[:20])
    if kp.get("crv") is not None:
        if kty and kty.startswith("RSA"):
            raise tv.bad("Curve is not valid for RSA keys.")
        if kp["crv"] not in CURVES:
            raise tv.bad("Invalid curve name: %s" % str(kp["crv"])[:20])
    sp = p.get("secret_props") or {}
    ct = sp.get("contentType")
    if ct is not None and ct not in (PEM, PKCS12):
        raise tv.bad("Invalid content type: %s" % str(ct)[:60])
    xp = p.get("x509_props") or {}
    subject = xp.get("subject")
    sans = xp.get("sans") or {}
    if subject is not None:
        _subject_name(subject)
    vm = xp.get("validity_months")
    if vm is not None and not (isinstance(vm, int) and 1 <= vm <= 1200):
        raise tv.bad("validity_months must be between 1 and 1200.")
    for u in xp.get("key_usage") or []:
        if u not in KEY_USAGES:
            raise tv.bad("Invalid key usage: %s" % str(u)[:40])
    for a in p.get("lifetime_actions") or []:
        trig = (a or {}).get("trigger") or {}
        act = ((a or {}).get("action") or {}).get("action_type")
        if act not in ("AutoRenew", "EmailContacts"):
            raise tv.bad("Invalid lifetime action type: %s" % str(act)[:40])
        pct, days = trig.get("lifetime_percentage"), trig.get("days_before_expiry")
        if (pct is None) == (days is None):
            raise tv.bad("A lifetime action needs exactly one of lifetime_percentage and days_before_expiry.")
        if pct is not None and not 1 <= pct <= 99:
            raise tv.bad("lifetime_percentage must be between 1 and 99.")
    if partial:
        return p
    if subject is None and not any(sans.get(k) for k in ("dns_names", "emails", "upns", "uris", "ipAddresses")):
        raise tv.bad("The policy needs a subject or subject alternative names.")
    out = {
        "key_props": {"exportable": kp.get("exportable", True), "kty": kty,
                      "reuse_key": kp.get("reuse_key", False)},
        "secret_props": {"contentType": ct or PKCS12},
        "x509_props": {"subject": subject or "", "sans": sans,
                       "ekus": xp.get("ekus") or ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
                       "key_usage": xp.get("key_usage") or ["digitalSignature", "keyEncipherment"],
                       "validity_months": vm or 12},
        "lifetime_actions": p.get("lifetime_actions") or [
            {"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "AutoRenew"}}],
        "issuer": dict(p.get("issuer") or {}),
        "attributes": {"enabled": ((p.get("attributes") or {}).get("enabled", True))},
    }
    out["issuer"].setdefault("name", "Self")
    if kty.startswith("EC"):
        out["key_props"]["crv"] = kp.get("crv") or "P-256"
    else:
        out["key_props"]["key_size"] = kp.get("key_size") or 2048
    return out


def _subject_name(subject: str) -> x509.Name:
    try:
        return x509.Name.from_rfc4514_string(subject) if subject else x509.Name([])
    except (ValueError, TypeError):
        raise tv.bad("The subject '%s' is not a valid X.500 distinguished name." % str(subject)[:100]) from None


def _new_key(policy: dict):
    kp = policy["key_props"]
    if kp["kty"].startswith("EC"):
        return ec.generate_private_key(CURVES[kp["crv"]]())
    return rsa.generate_private_key(65537, kp["key_size"])


def _extensions(policy: dict):
    xp = policy["x509_props"]
    exts = []
    sans = xp.get("sans") or {}
    names = [x509.DNSName(d) for d in sans.get("dns_names") or []]
    names += [x509.RFC822Name(e) for e in sans.get("emails") or []]
    names += [x509.UniformResourceIdentifier(u) for u in sans.get("uris") or []]
    for ip in sans.get("ipAddresses") or []:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(ip)))
        except ValueError:
            raise tv.bad("Invalid IP address: %s" % str(ip)[:50]) from None
    if names:
        exts.append((x509.SubjectAlternativeName(names), False))
    ku = set(xp.get("key_usage") or [])
    exts.append((x509.KeyUsage(
        digital_signature="digitalSignature" in ku, content_commitment="nonRepudiation" in ku,
        key_encipherment="keyEncipherment" in ku, data_encipherment="dataEncipherment" in ku,
        key_agreement="keyAgreement" in ku, key_cert_sign="keyCertSign" in ku, crl_sign="cRLSign" in ku,
        encipher_only="encipherOnly" in ku and "keyAgreement" in ku,
        decipher_only="decipherOnly" in ku and "keyAgreement" in ku), True))
    ekus = xp.get("ekus") or []
    if ekus:
        try:
            exts.append((x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in ekus]), False))
        except ValueError:
            raise tv.bad("Invalid extended key usage OID.") from None
    return exts


def _self_signed(policy: dict, key):
    name = _subject_name(policy["x509_props"]["subject"])
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    months = policy["x509_props"]["validity_months"]
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
         .not_valid_after(now + datetime.timedelta(days=30 * months)))
    b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    for ext, critical in _extensions(policy):
        b = b.add_extension(ext, critical)
    return b.sign(key, hashes.SHA256())


def _csr(policy: dict, key) -> bytes:
    b = x509.CertificateSigningRequestBuilder().subject_name(_subject_name(policy["x509_props"]["subject"]))
    for ext, critical in _extensions(policy):
        b = b.add_extension(ext, critical)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _same_key(a, b) -> bool:
    f = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return a.public_bytes(*f) == b.public_bytes(*f)


def _policy_from_cert(cert, key, content_type: str) -> dict:
    kp: dict = {"exportable": True, "reuse_key": False}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        kp["kty"] = "EC"
        kp["crv"] = {v.name: k for k, v in CURVES.items()}.get(key.curve.name, "P-256")
    else:
        kp["kty"] = "RSA"
        kp["key_size"] = key.key_size
    sans: dict = {}
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = {"dns_names": ext.get_values_for_type(x509.DNSName),
                "ipAddresses": [str(i) for i in ext.get_values_for_type(x509.IPAddress)]}
        sans = {k: v for k, v in sans.items() if v}
    except x509.ExtensionNotFound:
        pass
    days = (cert.not_valid_after_utc - cert.not_valid_before_utc).days
    return {"key_props": kp, "secret_props": {"contentType": content_type},
            "x509_props": {"subject": cert.subject.rfc4514_string(), "sans": sans, "ekus": [], "key_usage": [],
                           "validity_months": max(1, days // 30)},
            "lifetime_actions": [{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "EmailContacts"}}],
            "issuer": {"name": "Unknown"}, "attributes": {"enabled": True}}


def _merge_policy(old: dict, new: dict) -> dict:
    out = json.loads(json.dumps(old))
    for k, v in new.items():
        if k == "id" or v is None:
            continue
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k].update(v)
        else:
            out[k] = v
    return out


# ---- the store


class CertStore(tv.SoftDeleteStore):
    noun = "Certificate"

    def __init__(self, vault):
        self.vault = vault
        self.base = vault.base
        self.lock = threading.Lock()
        self.live: dict[str, Cert] = {}
        self.deleted: dict[str, Cert] = {}
        # Certificates are deleted and recovered at once (delay 0): their backing secret and key
        # move with them in delete/recover/purge below, which an asynchronous move would split.
        self._init_pending()
        self.issuers: dict[str, dict] = {}
        self.contacts: list | None = None

    # rendering

    def _id(self, c: Cert, v: CertVersion | None, what="certificates") -> str:
        return "%s/%s/%s" % (self.base, what, c.name) + ("/" + v.version if v else "")

    def _attributes(self, v: CertVersion) -> dict:
        return {"enabled": v.enabled, "nbf": int(v.cert.not_valid_before_utc.timestamp()),
                "exp": int(v.cert.not_valid_after_utc.timestamp()), "created": v.created, "updated": v.updated,
                "recoveryLevel": tv.RECOVERY_LEVEL, "recoverableDays": tv.RECOVERABLE_DAYS}

    def _policy(self, c: Cert) -> dict:
        return dict(c.policy, id="%s/certificates/%s/policy" % (self.base, c.name))

    def _bundle(self, c: Cert, v: CertVersion) -> dict:
        b = {"id": self._id(c, v), "kid": self._id(c, v, "keys"), "sid": self._id(c, v, "secrets"),
             "x5t": tv._b64url(hashlib.sha1(v.der()).digest()), "cer": _b64(v.der()),
             "attributes": self._attributes(v), "policy": self._policy(c)}
        if v.tags is not None:
            b["tags"] = dict(v.tags)
        return b

    def _item(self, c: Cert, v: CertVersion | None, versioned: bool) -> dict:
        if v is None:
            return {"id": self._id(c, None), "attributes": {"enabled": True}}
        it = {"id": self._id(c, v if versioned else None), "x5t": tv._b64url(hashlib.sha1(v.der()).digest()),
              "attributes": self._attributes(v)}
        if v.tags is not None:
            it["tags"] = dict(v.tags)
        return it

    def _deleted_fields(self, c: Cert) -> dict:
        return {"recoveryId": "%s/deletedcertificates/%s" % (self.base, c.name), "deletedDate": c.deleted_date,
                "scheduledPurgeDate": c.deleted_date + tv.RECOVERABLE_DAYS * 86400}

    def _deleted_bundle(self, c: Cert) -> dict:
        v = c.latest()
        b = self._bundle(c, v) if v else {"id": self._id(c, None), "policy": self._policy(c)}
        b.update(self._deleted_fields(c))
        return b

    def _recovered_bundle(self, c: Cert) -> dict:
        v = c.latest()
        return self._bundle(c, v) if v else {"id": self._id(c, None), "policy": self._policy(c)}

    def _not_found(self, name):
        return not_found(name)

    def _deleted_not_found(self, name):
        return deleted_not_found(name)

    def _operation(self, c: Cert) -> dict:
        op = c.pending
        if op is None:
            raise pending_not_found(c.name)
        out = {k: v for k, v in op.items() if not k.startswith("_")}
        if op.get("_self_done_at") is not None and time.time() < op["_self_done_at"]:
            out["status"] = "inProgress"
            out["status_details"] = "Pending certificate created. Certificate request is in progress."
            out.pop("target", None)
        return out

    # the backing secret

    def _check_secret_free(self, c: Cert | None, name: str):
        s = self.vault.live.get(name.lower())
        if s is not None and (c is None or s is not c.secret):
            raise tv.ApiError(409, "Conflict", "A secret named %s that does not back a certificate exists." % name)
        if name.lower() in self.vault.deleted and (c is None or self.vault.deleted[name.lower()] is not c.secret):
            raise tv.ApiError(409, "Conflict", "Secret %s is currently in a deleted but recoverable state." % name,
                              "ObjectIsDeletedButRecoverable")

    def _add_version(self, c: Cert, v: CertVersion):
        """Caller holds self.lock."""
        c.versions.append(v)
        sv = tv.Version(v.version, v.secret_value(), v.content_type, None, v.enabled,
                        int(v.cert.not_valid_before_utc.timestamp()), int(v.cert.not_valid_after_utc.timestamp()),
                        v.created, v.updated)
        with self.vault.lock:
            c.secret.versions.append(sv)
            self.vault.live[c.name.lower()] = c.secret
        ks = getattr(self.vault, "keys", None)
        if ks is not None:  # the backing key: GET /keys/{name}/{version} and crypto with it
            import keys as _k
            kty = "EC" if isinstance(v.key, ec.EllipticCurvePrivateKey) else "RSA"
            with ks.lock:
                if c.key is None:
                    c.key = _k.Key(c.name)
                c.key.versions.append(_k.KeyVersion(
                    v.version, kty, list(_k.DEFAULT_OPS[kty]), v.key, None, v.enabled, sv.nbf, sv.exp,
                    bool(c.policy.get("key_props", {}).get("exportable", True)), v.created, v.updated, None))
                ks.live[c.name.lower()] = c.key

    def _get_or_new(self, name: str, policy: dict) -> Cert:
        key = name.lower()
        if key in self.deleted:
            raise tv.ApiError(409, "Conflict", "Certificate %s is currently in a deleted but recoverable state, and its "
                              "name cannot be reused; in this state, the certificate can only be recovered or "
                              "purged." % self.deleted[key].name, "ObjectIsDeletedButRecoverable")
        c = self.live.get(key)
        with self.vault.lock:
            self._check_secret_free(c, name)
        if c is None:
            c = Cert(name, policy)
        return c

    # operations

    def create(self, name: str, body: dict) -> dict:
        policy = _check_policy(body.get("policy"))
        tags = tv._tags(body)
        enabled, _, _ = tv._attrs(body)
        issuer = policy["issuer"]["name"]
        with self.lock:
            if issuer not in ("Self", "Unknown") and issuer.lower() not in self.issuers:
                raise tv.bad("Issuer %s was not found." % issuer[:100])
            c = self._get_or_new(name, policy)
            if c.pending is not None and c.pending.get("status") == "inProgress" and "_self_done_at" not in c.pending:
                raise tv.ApiError(409, "Conflict", "There is a pending operation for certificate %s." % name)
            key = _new_key(policy)
            if policy["x509_props"]["subject"]:
                _subject_name(policy["x509_props"]["subject"])
            extensions_policy_ok = _extensions(policy)  # noqa: F841 - raises 400 on bad SANs/EKUs
            c.policy = policy
            version = pysecrets.token_hex(16)
            op = {"id": "%s/certificates/%s/pending" % (self.base, c.name), "issuer": dict(policy["issuer"]),
                  "csr": _b64(_csr(policy, key)), "cancellation_requested": False,
                  "request_id": pysecrets.token_hex(16), "_key": key, "_version": version,
                  "_tags": tags, "_enabled": True if enabled is None else enabled}
            if issuer == "Self":
                v = CertVersion(version, key, _self_signed(policy, key), [], policy["secret_props"]["contentType"],
                                tags, op["_enabled"])
                op.update(status="completed", status_details=None, target=self._id(c, None),
                          _self_done_at=time.time() + SELF_DELAY)
                self._add_version(c, v)
            elif issuer == "Unknown":
                op.update(status="inProgress", status_details="Pending certificate created. Please Perform Merge "
                          "to complete the request.", target=self._id(c, None))
            else:
                op.update(status="failed", status_details="The certificate authority could not be reached.",
                          error={"code": "BadParameter", "message": "Issuer %s (provider %s) cannot be reached "
                                 "from this test vault." % (issuer, self.issuers[issuer.lower()].get("provider"))},
                          target=self._id(c, None))
            c.pending = op
            self.live[c.name.lower()] = c
            out = {k: v for k, v in op.items() if not k.startswith("_")}
            out["status"] = "inProgress"
            out.pop("error", None)
            return out

    def import_(self, name: str, body: dict) -> dict:
        value = body.get("value")
        if not isinstance(value, str) or not value:
            raise tv.bad("The parameter 'value' is required.")
        pwd = body.get("pwd") or ""
        if not isinstance(pwd, str):
            raise tv.bad("The parameter 'pwd' must be a string.")
        policy_in = _check_policy(body.get("policy"), partial=True)
        ct = ((policy_in.get("secret_props") or {}).get("contentType")) or PKCS12
        tags = tv._tags(body)
        enabled, _, _ = tv._attrs(body)
        if ct == PEM:
            data = value.encode("utf-8")
            try:
                certs = x509.load_pem_x509_certificates(data)
            except ValueError:
                raise tv.bad("The specified PEM X.509 certificate content is in an unexpected format. Please check "
                             "if certificate is in valid PEM format.") from None
            m = re.search(rb"-----BEGIN ([A-Z ]*PRIVATE KEY)-----.*?-----END \1-----", data, re.S)
            if m is None:
                raise tv.bad("The specified PEM X.509 certificate content does not contain a private key.")
            try:
                key = serialization.load_pem_private_key(m.group(0), None)
            except (ValueError, TypeError):
                raise tv.bad("The private key of the specified PEM content cannot be read (it must not be "
                             "encrypted).") from None
        else:
            try:
                raw = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise tv.bad("The specified certificate content is neither PEM nor base64 PKCS#12 "
                             "(set policy.secret_props.contentType to application/x-pem-file for PEM).") from None
            try:
                key, cert, extra = pkcs12.load_key_and_certificates(raw, pwd.encode("utf-8") if pwd else None)
            except (ValueError, TypeError):
                raise tv.bad("The specified PKCS#12 X.509 certificate content can not be read. Please check if "
                             "certificate is in valid PKCS#12 format, and the password is correct.") from None
            if key is None or cert is None:
                raise tv.bad("The specified PKCS#12 content does not contain a private key with its certificate.")
            certs = [cert] + list(extra)
        leaf = next((c for c in certs if _same_key(c.public_key(), key.public_key())), None)
        if leaf is None:
            raise tv.bad("The private key does not match the public key of any certificate in the content.")
        chain = [c for c in certs if c is not leaf]
        policy = _merge_policy(_policy_from_cert(leaf, key, ct), policy_in)
        with self.lock:
            c = self._get_or_new(name, policy)
            c.policy = policy
            v = CertVersion(pysecrets.token_hex(16), key, leaf, chain, ct, tags, True if enabled is None else enabled)
            self._add_version(c, v)
            self.live[c.name.lower()] = c
            return self._bundle(c, v)

    def _live(self, name: str) -> Cert:
        c = self.live.get(name.lower())
        if c is None:
            raise not_found(name)
        return c

    def get(self, name: str, version: str) -> dict:
        with self.lock:
            c = self._live(name)
            v = c.find(version)
            if v is None:
                raise not_found(name)
            return self._bundle(c, v)

    def update(self, name: str, version: str, body: dict) -> dict:
        tags = tv._tags(body)
        enabled, _, _ = tv._attrs(body)
        with self.lock:
            c = self._live(name)
            v = c.find(version)
            if v is None:
                raise not_found(name)
            if body.get("policy") is not None:
                c.policy = _merge_policy(c.policy, _check_policy(body["policy"], partial=True))
            if tags is not None:
                v.tags = tags
            if enabled is not None:
                v.enabled = enabled
            v.updated = max(int(time.time()), v.created)
            return self._bundle(c, v)

    def get_policy(self, name: str) -> dict:
        with self.lock:
            return self._policy(self._live(name))

    def update_policy(self, name: str, body: dict) -> dict:
        new = _check_policy(body, partial=True)
        with self.lock:
            c = self._live(name)
            merged = _merge_policy(c.policy, new)
            kp = merged.get("key_props") or {}
            if kp.get("kty", "RSA").startswith("EC"):
                kp.pop("key_size", None)
            else:
                kp.pop("crv", None)
            _check_policy(merged)
            c.policy = merged
            return self._policy(c)

    def get_operation(self, name: str) -> dict:
        with self.lock:
            return self._operation(self._live(name))

    def cancel_operation(self, name: str, body: dict) -> dict:
        if not isinstance(body.get("cancellation_requested"), bool):
            raise tv.bad("The parameter 'cancellation_requested' is required and must be a boolean.")
        with self.lock:
            c = self._live(name)
            op = c.pending
            if op is None:
                raise pending_not_found(name)
            if body["cancellation_requested"] and op.get("status") == "inProgress":
                op.update(cancellation_requested=True, status="cancelled",
                          status_details="The certificate request was cancelled.")
            return self._operation(c)

    def delete_operation(self, name: str) -> dict:
        with self.lock:
            c = self._live(name)
            out = self._operation(c)
            c.pending = None
            if not c.versions:
                del self.live[c.name.lower()]
            return out

    def merge(self, name: str, body: dict) -> dict:
        x5c = body.get("x5c")
        if not isinstance(x5c, list) or not x5c or not all(isinstance(x, str) for x in x5c):
            raise tv.bad("The parameter 'x5c' is required and must be an array of base64 strings.")
        try:
            certs = [x509.load_der_x509_certificate(base64.b64decode(x, validate=True)) for x in x5c]
        except (binascii.Error, ValueError):
            raise tv.bad("The x5c member holds something that is not a base64 DER X.509 certificate.") from None
        tags = tv._tags(body)
        enabled, _, _ = tv._attrs(body)
        with self.lock:
            c = self._live(name)
            op = c.pending
            if op is None or op.get("status") != "inProgress" or op.get("_key") is None:
                raise pending_not_found(name)
            key = op["_key"]
            if not _same_key(certs[0].public_key(), key.public_key()):
                raise tv.bad("Public key from x509 certificate and key of this instance doesn't match")
            v = CertVersion(op["_version"], key, certs[0], certs[1:], c.policy["secret_props"]["contentType"],
                            tags if tags is not None else op.get("_tags"),
                            enabled if enabled is not None else op.get("_enabled", True))
            self._add_version(c, v)
            op.update(status="completed", status_details=None, target=self._id(c, None))
            return self._bundle(c, v)

    # soft delete: the backing secret follows the certificate

    def delete(self, name: str) -> dict:
        out = super().delete(name)
        with self.lock, self.vault.lock:
            c = self.deleted.get(name.lower())
            if c is not None and self.vault.live.get(name.lower()) is c.secret:
                self.vault.live.pop(name.lower())
                c.secret.deleted_date = c.deleted_date
                self.vault.deleted[name.lower()] = c.secret
        self._move_key(name, "live", "deleted")
        return out

    def _move_key(self, name: str, src: str, dst: str | None) -> None:
        """Moves the backing key between the key store's live and deleted maps (dst None = purge)."""
        ks = getattr(self.vault, "keys", None)
        c = self.live.get(name.lower()) or self.deleted.get(name.lower())
        key = c.key if c is not None else None
        if ks is None or key is None:
            return
        with ks.lock:
            if getattr(ks, src).get(name.lower()) is key:
                getattr(ks, src).pop(name.lower())
                key.deleted_date = c.deleted_date if dst == "deleted" else None
                if dst is not None:
                    getattr(ks, dst)[name.lower()] = key

    def recover(self, name: str) -> dict:
        out = super().recover(name)
        with self.lock, self.vault.lock:
            c = self.live.get(name.lower())
            if c is not None and self.vault.deleted.get(name.lower()) is c.secret:
                self.vault.deleted.pop(name.lower())
                c.secret.deleted_date = None
                self.vault.live[name.lower()] = c.secret
        self._move_key(name, "deleted", "live")
        return out

    def purge(self, name: str) -> None:
        with self.lock:
            c = self.deleted.get(name.lower())
        if c is not None:
            self._move_key(name, "deleted", None)
        super().purge(name)
        with self.vault.lock:
            if c is not None and self.vault.deleted.get(name.lower()) is c.secret:
                self.vault.deleted.pop(name.lower())

    def backup(self, name: str) -> dict:
        with self.lock:
            c = self._live(name)
            doc = {"format": BACKUP_MAGIC, "name": c.name, "policy": c.policy,
                   "versions": [v.to_blob() for v in c.versions]}
        return {"value": tv._b64url(zlib.compress(json.dumps(doc, separators=(",", ":")).encode("utf-8")))}

    def restore(self, body: dict) -> dict:
        blob = body.get("value")
        if not isinstance(blob, str) or not blob:
            raise tv.bad("The parameter 'value' is required and must be a base64url string.")
        try:
            doc = json.loads(zlib.decompress(tv._b64_lenient(blob)).decode("utf-8"))
            if doc.get("format") != BACKUP_MAGIC:
                raise ValueError
            c = Cert(doc["name"], doc["policy"])
            versions = [CertVersion.from_blob(b) for b in doc["versions"]]
        except (ValueError, KeyError, TypeError, zlib.error, binascii.Error, UnicodeDecodeError):
            raise tv.bad("The backup blob is not a certificate backup of this vault.") from None
        with self.lock, self.vault.lock:
            self._check_secret_free(None, c.name)
        out = self._restore(c)  # takes self.lock
        with self.lock:
            for v in versions:
                self._add_version(c, v)
            return self._bundle(c, c.latest()) if c.latest() else out

    def list_page(self, kind: str, name: str | None, query: dict, api_version: str) -> dict:
        list_id = "c:" + kind if name is None else "c:%s:%s" % (kind, name.lower())
        maxresults, after, empty = tv.parse_paging(query, list_id, self.vault.page_size, kind == "versions")
        pending = query.get("includePending", "false").lower() == "true"
        with self.lock:
            if kind == "certificates":
                rows = sorted((k, c) for k, c in self.live.items() if c.versions or pending)
                render = lambda c: self._item(c, c.latest(), versioned=False)  # noqa: E731
                path = "/certificates"
            elif kind == "deletedcertificates":
                rows = sorted((k, c) for k, c in self.deleted.items() if c.versions or pending)
                render = lambda c: dict(self._item(c, c.latest(), versioned=False),  # noqa: E731
                                        **self._deleted_fields(c))
                path = "/deletedcertificates"
            elif kind == "issuers":
                rows = sorted(self.issuers.items())
                render = lambda i: {"id": i["id"], "provider": i["provider"]}  # noqa: E731
                path = "/certificates/issuers"
            else:
                c = self._live(name)
                rows = list(enumerate(c.versions))
                render = lambda v, c=c: self._item(c, v, versioned=True)  # noqa: E731
                path = "/certificates/%s/versions" % urllib.parse.quote(name, safe="")
            page, more, next_after = tv.take_page(rows, maxresults, after, empty)
            items = [render(obj) for _, obj in page]
        link = tv.next_link(self.base, path, api_version, list_id, after, empty, next_after, maxresults, more)
        if link and pending:
            link += "&includePending=true"
        return {"value": items, "nextLink": link}

    # issuers

    def _issuer_fields(self, body: dict, bundle: dict):
        for k in ("provider",):
            if k in body and body[k] is not None:
                if not isinstance(body[k], str) or not body[k]:
                    raise tv.bad("The parameter '%s' must be a non-empty string." % k)
                bundle[k] = body[k]
        cred = body.get("credentials")
        if cred is not None:
            if not isinstance(cred, dict):
                raise tv.bad("The parameter 'credentials' must be an object.")
            bundle["credentials"] = {"account_id": cred.get("account_id")}
        org = body.get("org_details")
        if org is not None:
            if not isinstance(org, dict):
                raise tv.bad("The parameter 'org_details' must be an object.")
            bundle["org_details"] = {k: v for k, v in org.items() if k in ("id", "admin_details")}
        attrs = body.get("attributes") or {}
        if attrs.get("enabled") is not None:
            bundle["attributes"]["enabled"] = bool(attrs["enabled"])
        bundle["attributes"]["updated"] = int(time.time())

    def set_issuer(self, name: str, body: dict) -> dict:
        if not isinstance(body.get("provider"), str) or not body["provider"]:
            raise tv.bad("The parameter 'provider' is required.")
        now = int(time.time())
        bundle = {"id": "%s/certificates/issuers/%s" % (self.base, name),
                  "attributes": {"enabled": True, "created": now, "updated": now}}
        self._issuer_fields(body, bundle)
        with self.lock:
            self.issuers[name.lower()] = bundle
            return json.loads(json.dumps(bundle))

    def update_issuer(self, name: str, body: dict) -> dict:
        with self.lock:
            bundle = self.issuers.get(name.lower())
            if bundle is None:
                raise tv.ApiError(404, "CertificateIssuerNotFound", "Issuer not found: %s" % name)
            self._issuer_fields(body, bundle)
            return json.loads(json.dumps(bundle))

    def get_issuer(self, name: str) -> dict:
        with self.lock:
            bundle = self.issuers.get(name.lower())
            if bundle is None:
                raise tv.ApiError(404, "CertificateIssuerNotFound", "Issuer not found: %s" % name)
            return json.loads(json.dumps(bundle))

    def delete_issuer(self, name: str) -> dict:
        with self.lock:
            bundle = self.issuers.pop(name.lower(), None)
            if bundle is None:
                raise tv.ApiError(404, "CertificateIssuerNotFound", "Issuer not found: %s" % name)
            return bundle

    # contacts

    def _contacts(self) -> dict:
        if self.contacts is None:
            raise tv.ApiError(404, "ContactsNotFound", "Contacts not found")
        return {"id": "%s/certificates/contacts" % self.base, "contacts": list(self.contacts)}

    def set_contacts(self, body: dict) -> dict:
        cs = body.get("contacts")
        if not isinstance(cs, list) or not cs:
            raise tv.bad("The parameter 'contacts' is required and must be a non-empty array.")
        clean = []
        for c in cs:
            if not isinstance(c, dict) or not any(isinstance(c.get(k), str) and c[k] for k in ("email", "name", "phone")):
                raise tv.bad("Each contact needs an email, name or phone.")
            clean.append({k: c[k] for k in ("email", "name", "phone") if isinstance(c.get(k), str)})
        with self.lock:
            self.contacts = clean
            return self._contacts()

    def get_contacts(self) -> dict:
        with self.lock:
            return self._contacts()

    def delete_contacts(self) -> dict:
        with self.lock:
            out = self._contacts()
            self.contacts = None
            return out


_STORE_LOCK = threading.Lock()


def store(v) -> CertStore:
    with _STORE_LOCK:
        s = getattr(v, "certificates", None)
        if s is None:
            s = CertStore(v)
            v.certificates = s
        return s


def _h(fn):
    """Wraps fn(store, args, body, query, api_version) -> (status, payload) as a testvault handler."""
    return lambda v, a, b, q, av: fn(store(v), a, b, q, av)


def route(segs: list[str]):
    """({METHOD: fn}, args) for a /certificates or /deletedcertificates path, or None (404)."""
    n = len(segs)
    head = segs[0]
    ok = lambda f: _h(lambda s, a, b, q, av: (200, f(s, a, b, q, av)))  # noqa: E731
    if head == "deletedcertificates":
        if n == 1 or (n == 2 and segs[1] == ""):
            return {"GET": ok(lambda s, a, b, q, av: s.list_page("deletedcertificates", None, q, av))}, {}
        name = segs[1]
        args = {"name": name, "names": [name]}
        if n == 2 or (n == 3 and segs[2] == ""):
            return {"GET": ok(lambda s, a, b, q, av: s.get_deleted(a["name"])),
                    "DELETE": _h(lambda s, a, b, q, av: (s.purge(a["name"]), (204, None))[1])}, args
        if n == 3 and segs[2] == "recover":
            return {"POST": ok(lambda s, a, b, q, av: s.recover(a["name"]))}, args
        return None
    if n == 1 or (n == 2 and segs[1] == ""):
        return {"GET": ok(lambda s, a, b, q, av: s.list_page("certificates", None, q, av))}, {}
    name = segs[1]
    if name == "contacts" and n == 2:
        return {"GET": ok(lambda s, a, b, q, av: s.get_contacts()),
                "PUT": ok(lambda s, a, b, q, av: s.set_contacts(b)),
                "DELETE": ok(lambda s, a, b, q, av: s.delete_contacts())}, {}
    if name == "issuers":
        if n == 2 or (n == 3 and segs[2] == ""):
            return {"GET": ok(lambda s, a, b, q, av: s.list_page("issuers", None, q, av))}, {}
        if n == 3:
            args = {"name": segs[2], "names": [segs[2]]}
            return {"GET": ok(lambda s, a, b, q, av: s.get_issuer(a["name"])),
                    "PUT": ok(lambda s, a, b, q, av: s.set_issuer(a["name"], b)),
                    "PATCH": ok(lambda s, a, b, q, av: s.update_issuer(a["name"], b)),
                    "DELETE": ok(lambda s, a, b, q, av: s.delete_issuer(a["name"]))}, args
        return None
    if name == "restore" and n == 2:
        return {"POST": ok(lambda s, a, b, q, av: s.restore(b))}, {}
    get = ok(lambda s, a, b, q, av: s.get(a["name"], a["version"]))
    patch = ok(lambda s, a, b, q, av: s.update(a["name"], a["version"], b))
    if n == 2 or (n == 3 and segs[2] == ""):
        return {"GET": get, "PATCH": patch, "DELETE": ok(lambda s, a, b, q, av: s.delete(a["name"]))}, \
            {"name": name, "version": "", "names": [name]}
    third = segs[2]
    args = {"name": name, "version": third, "names": [name]}
    if n == 3:
        word = third.lower()
        if word == "create":
            return {"POST": _h(lambda s, a, b, q, av: (202, s.create(a["name"], b)))}, args
        if word == "import":
            return {"POST": ok(lambda s, a, b, q, av: s.import_(a["name"], b))}, args
        if word == "backup":
            return {"POST": ok(lambda s, a, b, q, av: s.backup(a["name"]))}, args
        if word == "versions":
            return {"GET": ok(lambda s, a, b, q, av: s.list_page("versions", a["name"], q, av))}, args
        if word == "policy":
            return {"GET": ok(lambda s, a, b, q, av: s.get_policy(a["name"])),
                    "PATCH": ok(lambda s, a, b, q, av: s.update_policy(a["name"], b))}, args
        if word == "pending":
            return {"GET": ok(lambda s, a, b, q, av: s.get_operation(a["name"])),
                    "PATCH": ok(lambda s, a, b, q, av: s.cancel_operation(a["name"], b)),
                    "DELETE": ok(lambda s, a, b, q, av: s.delete_operation(a["name"]))}, args
        return {"GET": get, "PATCH": patch}, args
    if n == 4 and third == "pending" and segs[3] == "merge":
        return {"POST": _h(lambda s, a, b, q, av: (201, s.merge(a["name"], b)))}, args
    return None
