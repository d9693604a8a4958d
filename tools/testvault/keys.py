"""keys -- the keys data plane of testvault (keys.json, api-version 2025-07-01).

Imported by testvault.py (which owns HTTP and authentication; errors and paging are in common.py); needs the
``cryptography`` package (tools/testvault/requirements.txt). All 25 operations of keys.json:

  GET    /keys                                   GetKeys (KeyItem: kid without version, latest version's metadata)
  PUT    /keys/{name}                            ImportKey (JWK with private members; ``Hsm: true`` -> *-HSM kty)
  DELETE /keys/{name}                            DeleteKey (DeletedKeyBundle)
  GET    /keys/{name}[/[{version}]]              GetKey (latest when the version is missing or empty; disabled
                                                 keys are returned too)
  PATCH  /keys/{name}[/[{version}]]              UpdateKey (key_ops, attributes merge, tags replace, release_policy)
  POST   /keys/{name}/create                     CreateKey
  POST   /keys/{name}/rotate                     RotateKey (new version: same kty/size/curve/key_ops/tags/
                                                 exportable/release_policy; exp from the policy's expiryTime)
  GET|PUT /keys/{name}/rotationpolicy            Get/UpdateKeyRotationPolicy
  GET    /keys/{name}/versions                   GetKeyVersions
  POST   /keys/{name}/backup, POST /keys/restore BackupKey / RestoreKey (all versions + rotation policy)
  GET    /keys/{name}/{version}/attestation      GetKeyAttestation (attributes.attestation for *-HSM keys)
  POST   /keys/{name}/{version}/{op}             sign verify encrypt decrypt wrapkey unwrapkey release
                                                 (empty version = latest; op matched case-insensitively)
  GET    /deletedkeys, GET|DELETE /deletedkeys/{name}, POST /deletedkeys/{name}/recover
  POST   /rng                                    GetRandomBytes (count 1..128)

Key material: RSA (2048/3072/4096, e 65537 or 3), EC (P-256, P-384, P-521, P-256K), oct (128/192/256,
accepted like a Managed HSM). Replies carry public JWK members only; binary fields are base64url
without padding; requests may use padding and/or the standard alphabet.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets as pysecrets
import threading
import time
import urllib.parse
import zlib

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as sympadding
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (Prehashed, decode_dss_signature,
                                                              encode_dss_signature)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import (InvalidUnwrap, aes_key_unwrap, aes_key_unwrap_with_padding,
                                                    aes_key_wrap, aes_key_wrap_with_padding)

import common as tv

# ----------------------------------------------------------------------------------------------
# constants

KTYS = ("RSA", "RSA-HSM", "EC", "EC-HSM", "oct", "oct-HSM")
KEY_OPS = ("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export")
DEFAULT_OPS = {
    "RSA": ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
    "EC": ["sign", "verify"],
    "oct": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
}
RSA_SIZES = (2048, 3072, 4096)
RSA_EXPONENTS = (3, 65537)
RSA_IMPORT_BITS = (1024, 4096)
OCT_SIZES = (128, 192, 256)
CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1, "P-256K": ec.SECP256K1}
CURVE_BY_OPENSSL = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521", "secp256k1": "P-256K"}
PRIVATE_OPS = ("decrypt", "sign", "unwrapKey")  # refused (403 KeyDisabled) on a disabled key
OP_SEGMENTS = {"sign": "sign", "verify": "verify", "encrypt": "encrypt", "decrypt": "decrypt",
               "wrapkey": "wrapKey", "unwrapkey": "unwrapKey"}
RELEASE_ENCS = ("CKM_RSA_AES_KEY_WRAP", "RSA_AES_KEY_WRAP_256", "RSA_AES_KEY_WRAP_384")
DEFAULT_RELEASE_CONTENT_TYPE = "application/json; charset=utf-8"
KEY_BACKUP_MAGIC = "testvault-key-backup-v1"
MAX_RANDOM = 128
MIN_EXPIRY_SECONDS = 28 * 86400

# sign algorithms: alg -> (key family, hash, scheme or curve)
SIGN_ALGS = {
    "RS256": ("RSA", hashes.SHA256, "pkcs1"), "RS384": ("RSA", hashes.SHA384, "pkcs1"),
    "RS512": ("RSA", hashes.SHA512, "pkcs1"),
    "PS256": ("RSA", hashes.SHA256, "pss"), "PS384": ("RSA", hashes.SHA384, "pss"),
    "PS512": ("RSA", hashes.SHA512, "pss"),
    "ES256": ("EC", hashes.SHA256, "P-256"), "ES256K": ("EC", hashes.SHA256, "P-256K"),
    "ES384": ("EC", hashes.SHA384, "P-384"), "ES512": ("EC", hashes.SHA512, "P-521"),
}
KNOWN_SIGN_ALGS = tuple(SIGN_ALGS) + ("HS256", "HS384", "HS512", "RSNULL")

RSA_ENC_ALGS = ("RSA1_5", "RSA-OAEP", "RSA-OAEP-256")
# symmetric algorithms: alg -> (key bytes or None for any size, mode)
AES_ALGS = {
    "A128GCM": (16, "gcm"), "A192GCM": (24, "gcm"), "A256GCM": (32, "gcm"),
    "A128CBC": (16, "cbc"), "A192CBC": (24, "cbc"), "A256CBC": (32, "cbc"),
    "A128CBCPAD": (16, "cbcpad"), "A192CBCPAD": (24, "cbcpad"), "A256CBCPAD": (32, "cbcpad"),
    "A128KW": (16, "kw"), "A192KW": (24, "kw"), "A256KW": (32, "kw"),
    "CKM_AES_KEY_WRAP": (None, "kw"), "CKM_AES_KEY_WRAP_PAD": (None, "kwp"),
}
ENCRYPT_MODES = ("gcm", "cbc", "cbcpad")
WRAP_MODES = ("kw", "kwp")

DURATION_RE = re.compile(r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                         r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


# ----------------------------------------------------------------------------------------------
# errors


def bad(message: str) -> tv.ApiError:
    return tv.ApiError(400, "BadParameter", message)


def invalid_jwk() -> tv.ApiError:
    return bad('The property "key" must be a valid JsonWebKey object.')


def key_not_found(name: str, version: str = "") -> tv.ApiError:
    ident = name if not version else "%s/%s" % (name, version)
    return tv.ApiError(404, "KeyNotFound",
                       "A key with (name/id) %s was not found in this key vault. If you recently deleted this key "
                       "you may be able to recover it using the correct recovery command. For help resolving this "
                       "issue, please see https://go.microsoft.com/fwlink/?linkid=2125182" % ident)


def deleted_key_not_found(name: str) -> tv.ApiError:
    return tv.ApiError(404, "KeyNotFound", "Deleted Key not found: %s" % name)


def deleted_conflict(name: str) -> tv.ApiError:
    return tv.ApiError(409, "Conflict",
                       "Key %s is currently in a deleted but recoverable state, and its name cannot be reused; in "
                       "this state, the key can only be recovered or purged." % name,
                       "ObjectIsDeletedButRecoverable")


# ----------------------------------------------------------------------------------------------
# encoding helpers

b64url = tv._b64url


def _b64_field(obj: dict, field: str, required: bool = True, what: str = "parameter") -> bytes | None:
    """Decode a base64url (lenient: padding and standard alphabet accepted) request field."""
    val = obj.get(field)
    if val is None:
        if required:
            raise bad("The %s '%s' is required." % (what, field))
        return None
    if not isinstance(val, str):
        raise bad("The %s '%s' must be a base64url string." % (what, field))
    try:
        return tv._b64_lenient(val)
    except (binascii.Error, ValueError):
        raise bad("The %s '%s' must be a base64url string." % (what, field)) from None


def _int_to_bytes(n: int, length: int | None = None) -> bytes:
    if length is None:
        length = max(1, (n.bit_length() + 7) // 8)
    return n.to_bytes(length, "big")


def _bytes_to_int(b: bytes) -> int:
    return int.from_bytes(b, "big")


def _family(kty: str) -> str:
    return kty[:-4] if kty.endswith("-HSM") else kty


def _curve_name(key) -> str:
    return CURVE_BY_OPENSSL[key.curve.name]


def _coord_len(key) -> int:
    return (key.curve.key_size + 7) // 8


# ----------------------------------------------------------------------------------------------
# key material: generation, JWK conversion


def _generate(family: str, key_size: int | None, crv: str | None, exponent: int | None):
    if family == "RSA":
        return rsa.generate_private_key(public_exponent=exponent, key_size=key_size)
    if family == "EC":
        return ec.generate_private_key(CURVES[crv]())
    return pysecrets.token_bytes(key_size // 8)


def _public_members(material) -> dict:
    if isinstance(material, rsa.RSAPrivateKey):
        pn = material.public_key().public_numbers()
        return {"n": b64url(_int_to_bytes(pn.n)), "e": b64url(_int_to_bytes(pn.e))}
    if isinstance(material, ec.EllipticCurvePrivateKey):
        pn = material.public_key().public_numbers()
        ln = _coord_len(material)
        return {"crv": _curve_name(material), "x": b64url(_int_to_bytes(pn.x, ln)),
                "y": b64url(_int_to_bytes(pn.y, ln))}
    return {}


def _private_members(material) -> dict:
    """Full private JWK members (for backups only; never sent in a reply)."""
    if isinstance(material, rsa.RSAPrivateKey):
        pv = material.private_numbers()
        pn = pv.public_numbers
        return {k: b64url(_int_to_bytes(v)) for k, v in (
            ("n", pn.n), ("e", pn.e), ("d", pv.d), ("p", pv.p), ("q", pv.q),
            ("dp", pv.dmp1), ("dq", pv.dmq1), ("qi", pv.iqmp))}
    if isinstance(material, ec.EllipticCurvePrivateKey):
        m = _public_members(material)
        m["d"] = b64url(_int_to_bytes(material.private_numbers().private_value, _coord_len(material)))
        return m
    return {"k": b64url(material)}


def _material_from_jwk(family: str, jwk: dict):
    """Private key material from JWK members; raises the 'valid JsonWebKey' error when inconsistent."""

    def member(name: str, required: bool = True) -> bytes | None:
        val = jwk.get(name)
        if val is None:
            if required:
                raise invalid_jwk()
            return None
        if not isinstance(val, str) or not val:
            raise invalid_jwk()
        try:
            return tv._b64_lenient(val)
        except (binascii.Error, ValueError):
            raise invalid_jwk() from None

    try:
        if family == "RSA":
            n, e, d = (_bytes_to_int(member(x)) for x in ("n", "e", "d"))
            if not RSA_IMPORT_BITS[0] <= n.bit_length() <= RSA_IMPORT_BITS[1] or e < 3 or e % 2 == 0:
                raise invalid_jwk()
            pb, qb = member("p", False), member("q", False)
            if (pb is None) != (qb is None):
                raise invalid_jwk()
            if pb is not None:
                p, q = _bytes_to_int(pb), _bytes_to_int(qb)
                if p * q != n:
                    raise invalid_jwk()
            else:
                p, q = rsa.rsa_recover_prime_factors(n, e, d)
            dmp1, dmq1, iqmp = rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q)
            for name, want in (("dp", dmp1), ("dq", dmq1), ("qi", iqmp)):
                got = member(name, False)
                if got is not None and _bytes_to_int(got) != want:
                    raise invalid_jwk()
            return rsa.RSAPrivateNumbers(p, q, d, dmp1, dmq1, iqmp, rsa.RSAPublicNumbers(e, n)).private_key()
        if family == "EC":
            crv = jwk.get("crv")
            if not isinstance(crv, str) or crv not in CURVES:
                raise invalid_jwk()
            curve = CURVES[crv]()
            d = _bytes_to_int(member("d"))
            if d <= 0 or d.bit_length() > curve.key_size:
                raise invalid_jwk()
            key = ec.derive_private_key(d, curve)
            pn = key.public_key().public_numbers()
            xb, yb = member("x", False), member("y", False)
            if (xb is None) != (yb is None):
                raise invalid_jwk()
            if xb is not None and (_bytes_to_int(xb) != pn.x or _bytes_to_int(yb) != pn.y):
                raise invalid_jwk()
            return key
        k = member("k")
        if len(k) * 8 not in OCT_SIZES:
            raise invalid_jwk()
        return k
    except tv.ApiError:
        raise
    except (ValueError, TypeError, ArithmeticError):
        raise invalid_jwk() from None


# ----------------------------------------------------------------------------------------------
# request body helpers


def _key_ops(value) -> list[str]:
    if not isinstance(value, list):
        raise bad("The parameter 'key_ops' must be an array of strings.")
    out: list[str] = []
    for op in value:
        if not isinstance(op, str) or op not in KEY_OPS:
            raise bad("Invalid key operation: %s. Valid operations: %s." % (str(op)[:50], ", ".join(KEY_OPS)))
        if op not in out:
            out.append(op)
    return out


def _key_attrs(body: dict):
    enabled, nbf, exp = tv._attrs(body)
    exportable = None
    attrs = body.get("attributes")
    if isinstance(attrs, dict):
        exportable = attrs.get("exportable")
        if exportable is not None and not isinstance(exportable, bool):
            raise bad("The attribute 'exportable' must be a boolean.")
    return enabled, nbf, exp, exportable


def _release_policy(body: dict) -> dict | None:
    rp = body.get("release_policy")
    if rp is None:
        return None
    if not isinstance(rp, dict):
        raise bad("The parameter 'release_policy' must be an object.")
    ct = rp.get("contentType")
    if ct is None:
        ct = DEFAULT_RELEASE_CONTENT_TYPE
    if not isinstance(ct, str) or not ct or len(ct) > 255:
        raise bad("The release policy property 'contentType' must be a non-empty string.")
    immutable = rp.get("immutable", False)
    if immutable is None:
        immutable = False
    if not isinstance(immutable, bool):
        raise bad("The release policy property 'immutable' must be a boolean.")
    data = _b64_field(rp, "data", what="release policy property")
    if not data:
        raise bad("The release policy property 'data' must not be empty.")
    if ct.lower().startswith("application/json"):
        try:
            doc = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            doc = None
        if not isinstance(doc, dict):
            raise bad("The release policy 'data' must be a base64url-encoded JSON object.")
    return {"contentType": ct, "immutable": immutable, "data": data}


def _duration_seconds(text) -> int | None:
    """Approximate length of an ISO-8601 duration (Y=365 days, M=30 days), or None if malformed."""
    if not isinstance(text, str):
        return None
    m = DURATION_RE.match(text)
    if not m:
        return None
    y, mo, w, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return (((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60 + s


# ----------------------------------------------------------------------------------------------
# state


class KeyVersion:
    __slots__ = ("version", "kty", "key_ops", "material", "tags", "enabled", "nbf", "exp", "exportable",
                 "created", "updated", "release_policy")

    def __init__(self, version, kty, key_ops, material, tags, enabled, nbf, exp, exportable, created, updated,
                 release_policy):
        self.version = version
        self.kty = kty
        self.key_ops = key_ops
        self.material = material
        self.tags = tags
        self.enabled = enabled
        self.nbf = nbf
        self.exp = exp
        self.exportable = exportable
        self.created = created
        self.updated = updated
        self.release_policy = release_policy

    def to_blob(self) -> dict:
        d = {s: getattr(self, s) for s in self.__slots__ if s not in ("material", "release_policy")}
        d["jwk"] = _private_members(self.material)
        rp = self.release_policy
        d["release_policy"] = None if rp is None else dict(rp, data=b64url(rp["data"]))
        return d


class Key:
    def __init__(self, name: str):
        self.name = name
        self.versions: list[KeyVersion] = []
        self.deleted_date: int | None = None
        self.rotation_policy: dict | None = None  # {"lifetimeActions", "expiryTime", "created", "updated"}

    def latest(self) -> KeyVersion:
        return self.versions[-1]

    def find(self, version: str) -> KeyVersion | None:
        if version == "":
            return self.latest()
        v = version.lower()
        for ver in self.versions:
            if ver.version == v:
                return ver
        return None


class KeyStore(tv.SoftDeleteStore):
    """Keys state, guarded by its own lock. `vault` supplies base (URL) and page_size."""

    def __init__(self, vault):
        self.vault = vault
        self.lock = threading.Lock()
        self.live: dict[str, Key] = {}
        self.deleted: dict[str, Key] = {}
        self._init_pending()
        self._signer = ec.generate_private_key(ec.SECP256R1())  # signs key release results

    @property
    def base(self) -> str:
        return self.vault.base

    # ---- rendering

    def _kid(self, k: Key, v: KeyVersion | None) -> str:
        return "%s/keys/%s" % (self.base, k.name) + ("/" + v.version if v is not None else "")

    def _attributes(self, v: KeyVersion, attestation: dict | None = None) -> dict:
        a: dict = {"enabled": v.enabled}
        if v.nbf is not None:
            a["nbf"] = v.nbf
        if v.exp is not None:
            a["exp"] = v.exp
        a["created"] = v.created
        a["updated"] = v.updated
        a["recoveryLevel"] = tv.RECOVERY_LEVEL
        a["recoverableDays"] = tv.RECOVERABLE_DAYS
        a["exportable"] = v.exportable
        if attestation is not None:
            a["attestation"] = attestation
        return a

    def _jwk(self, k: Key, v: KeyVersion) -> dict:
        j = {"kid": self._kid(k, v), "kty": v.kty, "key_ops": list(v.key_ops)}
        j.update(_public_members(v.material))
        return j

    @staticmethod
    def _policy_out(rp: dict) -> dict:
        return {"contentType": rp["contentType"], "data": b64url(rp["data"]), "immutable": rp["immutable"]}

    def _bundle(self, k: Key, v: KeyVersion, attestation: dict | None = None) -> dict:
        b: dict = {"key": self._jwk(k, v), "attributes": self._attributes(v, attestation)}
        if v.tags is not None:
            b["tags"] = dict(v.tags)
        if v.release_policy is not None:
            b["release_policy"] = self._policy_out(v.release_policy)
        return b

    def _deleted_fields(self, k: Key) -> dict:
        return {"recoveryId": "%s/deletedkeys/%s" % (self.base, k.name),
                "deletedDate": k.deleted_date,
                "scheduledPurgeDate": k.deleted_date + tv.RECOVERABLE_DAYS * 86400}

    def _deleted_bundle(self, k: Key) -> dict:
        b = self._deleted_fields(k)
        b.update(self._bundle(k, k.latest()))
        return b

    def _item(self, k: Key, v: KeyVersion, versioned: bool) -> dict:
        it: dict = {"kid": self._kid(k, v if versioned else None), "attributes": self._attributes(v)}
        if v.tags is not None:
            it["tags"] = dict(v.tags)
        return it

    def _policy(self, k: Key) -> dict:
        pid = "%s/keys/%s/rotationpolicy" % (self.base, k.name)
        p = k.rotation_policy
        if p is None:
            return {"id": pid, "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"},
                                                    "action": {"type": "Notify"}}], "attributes": {}}
        attrs: dict = {}
        if p["expiryTime"] is not None:
            attrs["expiryTime"] = p["expiryTime"]
        attrs["created"] = p["created"]
        attrs["updated"] = p["updated"]
        return {"id": pid, "lifetimeActions": json.loads(json.dumps(p["lifetimeActions"])), "attributes": attrs}

    # ---- lookup

    def _live(self, name: str) -> Key:
        k = self.live.get(name.lower())
        if k is None:
            raise key_not_found(name)
        return k

    def _version(self, name: str, version: str) -> tuple[Key, KeyVersion]:
        k = self.live.get(name.lower())
        v = k.find(version) if k is not None else None
        if v is None:
            raise key_not_found(name, version)
        return k, v

    def _add_version(self, name: str, ver: KeyVersion, inherit_policy: bool) -> dict:
        """Append a version (creating the key); 409 if the name is soft-deleted. Caller holds no lock."""
        key = name.lower()
        with self.lock:
            self.check_not_pending(key)
            if key in self.deleted:
                raise deleted_conflict(self.deleted[key].name)
            k = self.live.get(key)
            if ver.exportable and ver.release_policy is None:
                if inherit_policy and k is not None and k.latest().release_policy is not None:
                    ver.release_policy = dict(k.latest().release_policy)
                else:
                    raise bad("Release policy must be provided when creating the first version of an "
                              "exportable key.")
            if k is None:
                k = Key(name)
                self.live[key] = k
            k.versions.append(ver)
            return self._bundle(k, ver)

    # ---- create / import / get / update / delete

    def create_key(self, name: str, body: dict) -> dict:
        kty = body.get("kty")
        if kty is None:
            raise bad("The parameter 'kty' is required.")
        if not isinstance(kty, str) or kty not in KTYS:
            raise tv.ApiError(400, "BadParameter", "Invalid kty value: %s" % str(kty)[:50], "KeyTypeNotSupported")
        family = _family(kty)
        key_size = body.get("key_size")
        if key_size is not None and not tv._is_int(key_size):
            raise bad("The parameter 'key_size' must be an integer.")
        exponent = body.get("public_exponent")
        if exponent is not None and not tv._is_int(exponent):
            raise bad("The parameter 'public_exponent' must be an integer.")
        crv = body.get("crv")
        if family == "RSA":
            key_size = 2048 if key_size is None else key_size
            if key_size not in RSA_SIZES:
                raise bad("Invalid key size %d for key type %s. Supported sizes: 2048, 3072, 4096." % (key_size, kty))
            exponent = 65537 if exponent is None else exponent
            if exponent not in RSA_EXPONENTS:
                raise bad("Invalid public exponent %d. Supported values: 3, 65537." % exponent)
        elif family == "EC":
            crv = "P-256" if crv is None else crv
            if not isinstance(crv, str) or crv not in CURVES:
                raise bad("Invalid curve name: %s. Supported curves: P-256, P-384, P-521, P-256K." % str(crv)[:50])
        else:
            key_size = 256 if key_size is None else key_size
            if key_size not in OCT_SIZES:
                raise bad("Invalid key size %d for key type %s. Supported sizes: 128, 192, 256." % (key_size, kty))
        key_ops = DEFAULT_OPS[family] if body.get("key_ops") is None else _key_ops(body["key_ops"])
        tags = tv._tags(body)
        enabled, nbf, exp, exportable = _key_attrs(body)
        rp = _release_policy(body)
        with self.lock:  # fail fast before an expensive key generation
            self.check_not_pending(name.lower())
            if name.lower() in self.deleted:
                raise deleted_conflict(self.deleted[name.lower()].name)
        material = _generate(family, key_size, crv, exponent)
        now = int(time.time())
        ver = KeyVersion(pysecrets.token_hex(16), kty, list(key_ops), material, tags,
                         True if enabled is None else enabled, nbf, exp, bool(exportable), now, now, rp)
        return self._add_version(name, ver, inherit_policy=True)

    def import_key(self, name: str, body: dict) -> dict:
        jwk = body.get("key")
        if not isinstance(jwk, dict):
            raise invalid_jwk()
        kty = jwk.get("kty")
        if not isinstance(kty, str) or kty not in KTYS:
            raise invalid_jwk()
        if jwk.get("key_hsm") is not None:
            raise bad("Importing a protected key (key_hsm, 'Bring Your Own Key') is not supported by testvault.")
        hsm = body.get("Hsm")
        if hsm is not None and not isinstance(hsm, bool):
            raise bad("The parameter 'Hsm' must be a boolean.")
        if hsm and not kty.endswith("-HSM"):
            kty += "-HSM"
        family = _family(kty)
        key_ops = DEFAULT_OPS[family] if jwk.get("key_ops") is None else _key_ops(jwk["key_ops"])
        material = _material_from_jwk(family, jwk)
        tags = tv._tags(body)
        enabled, nbf, exp, exportable = _key_attrs(body)
        rp = _release_policy(body)
        now = int(time.time())
        ver = KeyVersion(pysecrets.token_hex(16), kty, list(key_ops), material, tags,
                         True if enabled is None else enabled, nbf, exp, bool(exportable), now, now, rp)
        return self._add_version(name, ver, inherit_policy=True)

    def get_key(self, name: str, version: str) -> dict:
        with self.lock:
            k, v = self._version(name, version)
            return self._bundle(k, v)

    def update_key(self, name: str, version: str, body: dict) -> dict:
        key_ops = None if body.get("key_ops") is None else _key_ops(body["key_ops"])
        tags = tv._tags(body)
        enabled, nbf, exp, exportable = _key_attrs(body)
        rp = _release_policy(body)
        with self.lock:
            k, v = self._version(name, version)
            if rp is not None and v.release_policy is not None and v.release_policy["immutable"]:
                raise bad("The release policy of key %s is immutable and cannot be changed." % k.name)
            if exportable is not None and exportable != v.exportable:
                raise bad("The attribute 'exportable' cannot be changed after the key has been created.")
            if key_ops is not None:
                v.key_ops = key_ops
            if tags is not None:
                v.tags = tags
            if enabled is not None:
                v.enabled = enabled
            if nbf is not None:
                v.nbf = nbf
            if exp is not None:
                v.exp = exp
            if rp is not None:
                v.release_policy = rp
            v.updated = max(int(time.time()), v.created)
            return self._bundle(k, v)

    # ---- soft delete (SoftDeleteStore hooks)

    noun = "Key"

    def _not_found(self, name: str) -> tv.ApiError:
        return key_not_found(name)

    def _deleted_not_found(self, name: str) -> tv.ApiError:
        return deleted_key_not_found(name)

    def _recovered_bundle(self, k: Key) -> dict:
        return self._bundle(k, k.latest())

    # ---- backup / restore

    def backup(self, name: str) -> dict:
        with self.lock:
            k = self._live(name)
            doc = {"format": KEY_BACKUP_MAGIC, "name": k.name, "versions": [v.to_blob() for v in k.versions],
                   "rotation_policy": k.rotation_policy}
        raw = zlib.compress(json.dumps(doc, separators=(",", ":")).encode("utf-8"))
        return {"value": b64url(raw)}

    def restore(self, body: dict) -> dict:
        blob = body.get("value")
        if not isinstance(blob, str) or not blob:
            raise bad("The parameter 'value' is required and must be a base64url string.")
        return self._restore(_decode_key_backup(blob))

    # ---- rotation

    def rotate(self, name: str) -> dict:
        with self.lock:
            k = self._live(name)
            cur = k.latest()
            kty, key_ops, tags, exportable, rp = (cur.kty, list(cur.key_ops), cur.tags, cur.exportable,
                                                   cur.release_policy)
            material = cur.material
            expiry = k.rotation_policy["expiryTime"] if k.rotation_policy else None
        family = _family(kty)
        if family == "RSA":
            new = _generate("RSA", material.key_size, None, material.public_key().public_numbers().e)
        elif family == "EC":
            new = _generate("EC", None, _curve_name(material), None)
        else:
            new = _generate("oct", len(material) * 8, None, None)
        now = int(time.time())
        exp = now + _duration_seconds(expiry) if expiry else None
        ver = KeyVersion(pysecrets.token_hex(16), kty, key_ops, new, None if tags is None else dict(tags),
                         True, None, exp, exportable, now, now, None if rp is None else dict(rp))
        with self.lock:
            k = self._live(name)
            k.versions.append(ver)
            return self._bundle(k, ver)

    def get_rotation_policy(self, name: str) -> dict:
        with self.lock:
            return self._policy(self._live(name))

    def put_rotation_policy(self, name: str, body: dict) -> dict:
        actions = body.get("lifetimeActions")
        if actions is None:
            actions = []
        if not isinstance(actions, list):
            raise bad("The parameter 'lifetimeActions' must be an array.")
        if len(actions) > 2:
            raise bad("A rotation policy can have at most two lifetime actions: one Rotate and one Notify.")
        out_actions = []
        seen = set()
        for a in actions:
            if not isinstance(a, dict) or not isinstance(a.get("trigger"), dict) \
                    or not isinstance(a.get("action"), dict):
                raise bad("Each lifetime action must have a 'trigger' object and an 'action' object.")
            typ = a["action"].get("type")
            if not isinstance(typ, str) or typ.lower() not in ("rotate", "notify"):
                raise bad("Invalid lifetime action type: %s. Valid types: Rotate, Notify." % str(typ)[:50])
            typ = typ.capitalize()
            if typ in seen:
                raise bad("A rotation policy can have at most one %s action." % typ)
            seen.add(typ)
            trig = a["trigger"]
            tac, tbe = trig.get("timeAfterCreate"), trig.get("timeBeforeExpiry")
            if (tac is None) == (tbe is None):
                raise bad("A lifetime action trigger must have exactly one of 'timeAfterCreate' and "
                          "'timeBeforeExpiry'.")
            field, val = ("timeAfterCreate", tac) if tac is not None else ("timeBeforeExpiry", tbe)
            if _duration_seconds(val) is None:
                raise bad("The trigger '%s' must be an ISO 8601 duration such as P90D." % field)
            out_actions.append({"trigger": {field: val}, "action": {"type": typ}})
        attrs = body.get("attributes")
        expiry = None
        if attrs is not None:
            if not isinstance(attrs, dict):
                raise bad("The parameter 'attributes' must be an object.")
            expiry = attrs.get("expiryTime")
            if expiry is not None:
                secs = _duration_seconds(expiry)
                if secs is None:
                    raise bad("The attribute 'expiryTime' must be an ISO 8601 duration such as P90D.")
                if secs < MIN_EXPIRY_SECONDS:
                    raise bad("The attribute 'expiryTime' must be at least 28 days (P28D).")
        now = int(time.time())
        with self.lock:
            k = self._live(name)
            created = k.rotation_policy["created"] if k.rotation_policy else now
            k.rotation_policy = {"lifetimeActions": out_actions, "expiryTime": expiry,
                                 "created": created, "updated": now}
            return self._policy(k)

    # ---- attestation, random bytes, release

    def attestation(self, name: str, version: str) -> dict:
        with self.lock:
            k, v = self._version(name, version)
            att = None
            if v.kty.endswith("-HSM"):
                kid = self._kid(k, v)
                fake_cert = ("-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n"
                             % base64.b64encode(b"testvault fake attestation certificate").decode())
                att = {"certificatePemFile": b64url(fake_cert.encode()),
                       "privateKeyAttestation": b64url(b"testvault-private-key-attestation:"
                                                       + hashlib.sha256(kid.encode()).digest())}
                if _family(v.kty) != "oct":
                    att["publicKeyAttestation"] = b64url(b"testvault-public-key-attestation:"
                                                         + hashlib.sha256(kid.encode()).digest())
                att["version"] = "1.0"
            return self._bundle(k, v, att)

    @staticmethod
    def random_bytes(body: dict) -> dict:
        count = body.get("count")
        if count is None:
            raise bad("The parameter 'count' is required.")
        if not tv._is_int(count) or not 1 <= count <= MAX_RANDOM:
            raise bad("The parameter 'count' must be an integer between 1 and %d." % MAX_RANDOM)
        return {"value": b64url(pysecrets.token_bytes(count))}

    def release(self, name: str, version: str, body: dict, api_version: str) -> dict:
        target = body.get("target")
        if target is None:
            raise bad("The parameter 'target' is required.")
        if not isinstance(target, str) or not target:
            raise bad("The parameter 'target' must be a non-empty string (an attestation token).")
        nonce = body.get("nonce")
        if nonce is not None and not isinstance(nonce, str):
            raise bad("The parameter 'nonce' must be a string.")
        enc = body.get("enc")
        if enc is not None and enc not in RELEASE_ENCS:
            raise bad("Invalid key encryption algorithm 'enc': %s. Valid values: %s."
                      % (str(enc)[:50], ", ".join(RELEASE_ENCS)))
        with self.lock:
            k, v = self._version(name, version)
            if not v.enabled:
                raise tv.ApiError(403, "Forbidden", "Operation release is not allowed on a disabled key.",
                                  "KeyDisabled")
            if not v.exportable:
                raise tv.ApiError(403, "Forbidden", "Key %s is not exportable: release requires a key created "
                                                    "with attributes.exportable=true and a release policy." % k.name)
            if v.release_policy is None:
                raise tv.ApiError(403, "Forbidden", "Key %s has no release policy; it cannot be released." % k.name)
            kid = self._kid(k, v)
            bundle = self._bundle(k, v)
        request = {"api-version": api_version}
        if enc is not None:
            request["enc"] = enc
        request["kid"] = kid
        if nonce is not None:
            request["nonce"] = nonce
        request["target"] = target
        payload = {"request": request, "response": {"key": bundle}, "iat": int(time.time())}
        pub = _public_members(self._signer)
        header = {"alg": "ES256", "typ": "JWT", "jwk": {"kty": "EC", "crv": pub["crv"], "x": pub["x"], "y": pub["y"]}}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode())
                         + "." + b64url(json.dumps(payload, separators=(",", ":")).encode()))
        der = self._signer.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return {"value": signing_input + "." + b64url(_int_to_bytes(r, 32) + _int_to_bytes(s, 32))}

    # ---- cryptographic operations

    def crypto(self, name: str, version: str, op: str, body: dict) -> dict:
        with self.lock:
            k, v = self._version(name, version)
            kid, kty, key_ops, enabled, material = self._kid(k, v), v.kty, list(v.key_ops), v.enabled, v.material
        if not enabled and op in PRIVATE_OPS:
            raise tv.ApiError(403, "Forbidden", "Operation %s is not allowed on a disabled key." % op, "KeyDisabled")
        if op not in key_ops:
            raise bad("Operation %s is not permitted on this key." % op)
        alg = body.get("alg")
        if alg is None:
            raise bad("The parameter 'alg' is required.")
        if not isinstance(alg, str):
            raise bad("Invalid algorithm: the parameter 'alg' must be a string.")
        family = _family(kty)
        if op in ("sign", "verify"):
            return _sign_verify(op, kid, kty, family, material, alg, body)
        return _cipher(op, kid, kty, family, material, alg, body)

    # ---- lists

    def list_page(self, kind: str, name: str | None, query: dict, api_version: str) -> dict:
        list_id = kind if name is None else "%s:%s" % (kind, name.lower())
        maxresults, after, empty = tv.parse_paging(query, list_id, self.vault.page_size, kind == "keyversions")
        with self.lock:
            if kind == "keys":
                rows = sorted(self.live.items())
                render = lambda k: self._item(k, k.latest(), versioned=False)  # noqa: E731
                path = "/keys"
            elif kind == "deletedkeys":
                rows = sorted(self.deleted.items())
                render = lambda k: dict(self._item(k, k.latest(), versioned=False),  # noqa: E731
                                        **self._deleted_fields(k))
                path = "/deletedkeys"
            else:
                k = self._live(name)
                rows = list(enumerate(k.versions))
                render = lambda v, k=k: self._item(k, v, versioned=True)  # noqa: E731
                path = "/keys/%s/versions" % urllib.parse.quote(name, safe="")
            page, more, next_after = tv.take_page(rows, maxresults, after, empty)
            items = [render(obj) for _, obj in page]
        return {"value": items,
                "nextLink": tv.next_link(self.base, path, api_version, list_id, after, empty, next_after,
                                         maxresults, more)}


# ----------------------------------------------------------------------------------------------
# cryptography


def _bad_alg(alg: str, op: str, kty: str) -> tv.ApiError:
    return bad("Invalid algorithm %s for operation %s on a key of type %s." % (alg[:50], op, kty))


def _sign_verify(op: str, kid: str, kty: str, family: str, material, alg: str, body: dict) -> dict:
    spec = SIGN_ALGS.get(alg)
    if spec is None:
        if alg in KNOWN_SIGN_ALGS:
            raise _bad_alg(alg, op, kty)
        raise bad("Invalid algorithm %s. Valid signature algorithms: %s." % (alg[:50], ", ".join(SIGN_ALGS)))
    fam, hash_cls, scheme = spec
    if fam != family:
        raise _bad_alg(alg, op, kty)
    if family == "EC" and _curve_name(material) != scheme:
        raise bad("Invalid algorithm %s for a key with curve %s." % (alg, _curve_name(material)))
    h = hash_cls()
    if op == "sign":
        digest = _b64_field(body, "value")
    else:
        digest = _b64_field(body, "digest")
        signature = _b64_field(body, "value")
    if len(digest) != h.digest_size:
        raise bad("Invalid digest length %d for algorithm %s: expected a %d-byte %s digest."
                  % (len(digest), alg, h.digest_size, h.name.upper()))
    if family == "RSA":
        pad = padding.PKCS1v15() if scheme == "pkcs1" else \
            padding.PSS(mgf=padding.MGF1(hash_cls()), salt_length=h.digest_size)
        if op == "sign":
            return {"kid": kid, "value": b64url(material.sign(digest, pad, Prehashed(h)))}
        try:
            material.public_key().verify(signature, digest, pad, Prehashed(h))
            return {"value": True}
        except InvalidSignature:
            return {"value": False}
    n = _coord_len(material)
    if op == "sign":
        r, s = decode_dss_signature(material.sign(digest, ec.ECDSA(Prehashed(h))))
        return {"kid": kid, "value": b64url(_int_to_bytes(r, n) + _int_to_bytes(s, n))}
    if len(signature) != 2 * n:
        return {"value": False}
    der = encode_dss_signature(_bytes_to_int(signature[:n]), _bytes_to_int(signature[n:]))
    try:
        material.public_key().verify(der, digest, ec.ECDSA(Prehashed(h)))
        return {"value": True}
    except InvalidSignature:
        return {"value": False}


def _rsa_padding(alg: str):
    if alg == "RSA1_5":
        return padding.PKCS1v15()
    h = hashes.SHA1 if alg == "RSA-OAEP" else hashes.SHA256
    return padding.OAEP(mgf=padding.MGF1(algorithm=h()), algorithm=h(), label=None)


def _cipher(op: str, kid: str, kty: str, family: str, material, alg: str, body: dict) -> dict:
    wrap = op in ("wrapKey", "unwrapKey")
    forward = op in ("encrypt", "wrapKey")
    if alg in RSA_ENC_ALGS:
        if family != "RSA":
            raise _bad_alg(alg, op, kty)
        value = _b64_field(body, "value")
        pad = _rsa_padding(alg)
        if forward:
            try:
                out = material.public_key().encrypt(value, pad)
            except ValueError:
                raise bad("The %s is too long for algorithm %s with a %d-bit key."
                          % ("key" if wrap else "plaintext", alg, material.key_size)) from None
        else:
            if len(value) != (material.key_size + 7) // 8:
                raise bad("The ciphertext length %d does not match the key size (%d bytes)."
                          % (len(value), (material.key_size + 7) // 8))
            try:
                out = material.decrypt(value, pad)
            except ValueError:
                raise bad("Decryption failed: the ciphertext is not valid for algorithm %s." % alg) from None
        return {"kid": kid, "value": b64url(out)}

    spec = AES_ALGS.get(alg)
    if spec is None:
        raise bad("Invalid algorithm %s. Valid algorithms: %s." % (
            alg[:50], ", ".join(RSA_ENC_ALGS + tuple(a for a, s in AES_ALGS.items()
                                                     if s[1] in (WRAP_MODES if wrap else ENCRYPT_MODES)))))
    size, mode = spec
    if (mode in WRAP_MODES) != wrap:
        raise bad("Invalid algorithm %s for operation %s." % (alg, op))
    if family != "oct":
        raise _bad_alg(alg, op, kty)
    if size is not None and len(material) != size:
        raise bad("Invalid algorithm %s for a %d-bit key: it needs a %d-bit key." % (alg, len(material) * 8, size * 8))
    value = _b64_field(body, "value")
    iv = _b64_field(body, "iv", required=False)
    aad = _b64_field(body, "aad", required=False)
    tag = _b64_field(body, "tag", required=False)

    if mode == "gcm":
        gcm = AESGCM(material)
        if forward:
            if iv is None:
                iv = pysecrets.token_bytes(12)
            elif len(iv) != 12:
                raise bad("The parameter 'iv' must be 12 bytes for %s." % alg)
            ct = gcm.encrypt(iv, value, aad)
            res = {"kid": kid, "value": b64url(ct[:-16]), "iv": b64url(iv), "tag": b64url(ct[-16:])}
            if aad is not None:
                res["aad"] = b64url(aad)
            return res
        if iv is None or len(iv) != 12:
            raise bad("The parameter 'iv' is required for %s and must be 12 bytes." % alg)
        if tag is None or len(tag) != 16:
            raise bad("The parameter 'tag' is required for %s and must be 16 bytes." % alg)
        try:
            return {"kid": kid, "value": b64url(gcm.decrypt(iv, value + tag, aad))}
        except InvalidTag:
            raise bad("Decryption failed: the authentication tag does not match.") from None

    if mode in ("cbc", "cbcpad"):
        if iv is None or len(iv) != 16:
            raise bad("The parameter 'iv' is required for %s and must be 16 bytes." % alg)
        cipher = Cipher(algorithms.AES(material), modes.CBC(iv))
        if forward:
            if mode == "cbcpad":
                padder = sympadding.PKCS7(128).padder()
                value = padder.update(value) + padder.finalize()
            elif len(value) % 16:
                raise bad("The plaintext length must be a multiple of 16 bytes for %s (no padding)." % alg)
            enc = cipher.encryptor()
            return {"kid": kid, "value": b64url(enc.update(value) + enc.finalize()), "iv": b64url(iv)}
        if len(value) % 16 or (mode == "cbcpad" and not value):
            raise bad("The ciphertext length must be a non-zero multiple of 16 bytes for %s." % alg)
        dec = cipher.decryptor()
        out = dec.update(value) + dec.finalize()
        if mode == "cbcpad":
            try:
                unpadder = sympadding.PKCS7(128).unpadder()
                out = unpadder.update(out) + unpadder.finalize()
            except ValueError:
                raise bad("Decryption failed: invalid padding.") from None
        return {"kid": kid, "value": b64url(out)}

    # key wrap (RFC 3394 / RFC 5649)
    if forward:
        if mode == "kw":
            if len(value) < 16 or len(value) % 8:
                raise bad("The key to wrap must be at least 16 bytes and a multiple of 8 bytes for %s." % alg)
            out = aes_key_wrap(material, value)
        else:
            if not value:
                raise bad("The key to wrap must not be empty.")
            out = aes_key_wrap_with_padding(material, value)
        return {"kid": kid, "value": b64url(out)}
    try:
        out = aes_key_unwrap(material, value) if mode == "kw" else aes_key_unwrap_with_padding(material, value)
    except (InvalidUnwrap, ValueError):
        raise bad("Unwrap failed: the wrapped key is not valid for algorithm %s with this key." % alg) from None
    return {"kid": kid, "value": b64url(out)}


# ----------------------------------------------------------------------------------------------
# backup blobs


def _decode_key_backup(blob: str) -> Key:
    try:
        doc = json.loads(zlib.decompress(tv._b64_lenient(blob)).decode("utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != KEY_BACKUP_MAGIC:
            raise ValueError
        name = doc["name"]
        if not isinstance(name, str) or not tv.NAME_RE.match(name):
            raise ValueError
        vers = doc["versions"]
        if not isinstance(vers, list) or not vers:
            raise ValueError
        k = Key(name)
        seen = set()
        fields = set(KeyVersion.__slots__) - {"material"} | {"jwk"}
        for d in vers:
            if not isinstance(d, dict) or set(d) != fields:
                raise ValueError
            if not (isinstance(d["version"], str) and tv.VERSION_RE.match(d["version"])) or d["version"] in seen:
                raise ValueError
            seen.add(d["version"])
            if d["kty"] not in KTYS or not isinstance(d["jwk"], dict):
                raise ValueError
            if not isinstance(d["key_ops"], list) or not all(op in KEY_OPS for op in d["key_ops"]):
                raise ValueError
            if not isinstance(d["enabled"], bool) or not isinstance(d["exportable"], bool):
                raise ValueError
            if d["tags"] is not None and (not isinstance(d["tags"], dict)
                                          or not all(isinstance(x, str) for x in d["tags"].values())):
                raise ValueError
            for f in ("nbf", "exp"):
                if d[f] is not None and not tv._is_int(d[f]):
                    raise ValueError
            if not tv._is_int(d["created"]) or not tv._is_int(d["updated"]):
                raise ValueError
            family = _family(d["kty"])
            jwk = dict(d["jwk"], kty=family)
            material = _material_from_jwk(family, jwk)
            rp = d["release_policy"] and _release_policy({"release_policy": d["release_policy"]})
            k.versions.append(KeyVersion(d["version"], d["kty"], list(d["key_ops"]), material, d["tags"],
                                         d["enabled"], d["nbf"], d["exp"], d["exportable"], d["created"],
                                         d["updated"], rp))
        pol = doc.get("rotation_policy")
        if pol is not None:
            if not isinstance(pol, dict) or set(pol) != {"lifetimeActions", "expiryTime", "created", "updated"}:
                raise ValueError
            if not isinstance(pol["lifetimeActions"], list):
                raise ValueError
            k.rotation_policy = pol
        return k
    except (ValueError, KeyError, TypeError, zlib.error, binascii.Error, UnicodeDecodeError, RecursionError,
            tv.ApiError):
        raise bad("The backup blob is malformed.") from None


# ----------------------------------------------------------------------------------------------
# routing (called by testvault.VaultHandler._route)


def _h(fn):
    return lambda v, a, b, q, av: fn(v.keys, a, b, q, av)


_get = _h(lambda ks, a, b, q, av: (200, ks.get_key(a["name"], a["version"])))
_update = _h(lambda ks, a, b, q, av: (200, ks.update_key(a["name"], a["version"], b)))
_import = _h(lambda ks, a, b, q, av: (200, ks.import_key(a["name"], b)))
_delete = _h(lambda ks, a, b, q, av: (200, ks.delete(a["name"])))
_create = _h(lambda ks, a, b, q, av: (200, ks.create_key(a["name"], b)))
_rotate = _h(lambda ks, a, b, q, av: (200, ks.rotate(a["name"])))
_backup = _h(lambda ks, a, b, q, av: (200, ks.backup(a["name"])))
_restore = _h(lambda ks, a, b, q, av: (200, ks.restore(b)))
_get_policy = _h(lambda ks, a, b, q, av: (200, ks.get_rotation_policy(a["name"])))
_put_policy = _h(lambda ks, a, b, q, av: (200, ks.put_rotation_policy(a["name"], b)))
_attestation = _h(lambda ks, a, b, q, av: (200, ks.attestation(a["name"], a["version"])))
_release = _h(lambda ks, a, b, q, av: (200, ks.release(a["name"], a["version"], b, av)))
_rng = _h(lambda ks, a, b, q, av: (200, ks.random_bytes(b)))
_crypto = _h(lambda ks, a, b, q, av: (200, ks.crypto(a["name"], a["version"], a["op"], b)))
_list_keys = _h(lambda ks, a, b, q, av: (200, ks.list_page("keys", None, q, av)))
_list_versions = _h(lambda ks, a, b, q, av: (200, ks.list_page("keyversions", a["name"], q, av)))
_list_deleted = _h(lambda ks, a, b, q, av: (200, ks.list_page("deletedkeys", None, q, av)))
_get_deleted = _h(lambda ks, a, b, q, av: (200, ks.get_deleted(a["name"])))
_purge = _h(lambda ks, a, b, q, av: (ks.purge(a["name"]), (204, None))[1])
_recover = _h(lambda ks, a, b, q, av: (200, ks.recover(a["name"])))


def route(segs: list[str]):
    """({METHOD: fn}, args) for a /keys, /deletedkeys or /rng path, or None (404)."""
    n = len(segs)
    head = segs[0]
    if head == "rng":
        return ({"POST": _rng}, {}) if n == 1 or (n == 2 and segs[1] == "") else None
    if head == "keys":
        if n == 1 or (n == 2 and segs[1] == ""):
            return {"GET": _list_keys}, {}
        name = segs[1]
        if n == 2 or (n == 3 and segs[2] == ""):
            handlers = {"PUT": _import, "GET": _get, "PATCH": _update, "DELETE": _delete}
            if n == 2 and name == "restore":
                handlers["POST"] = _restore
            return handlers, {"name": name, "version": "", "names": [name]}
        third = segs[2]
        if n == 3:
            args = {"name": name, "version": third, "names": [name]}
            word = third.lower()
            if word == "versions":
                return {"GET": _list_versions}, args
            if word == "rotationpolicy":
                return {"GET": _get_policy, "PUT": _put_policy}, args
            fixed = {"create": _create, "rotate": _rotate, "backup": _backup}.get(word)
            if fixed is not None:
                return {"POST": fixed, "GET": _get, "PATCH": _update}, args
            return {"GET": _get, "PATCH": _update}, args
        if n == 4:
            args = {"name": name, "version": third, "names": [name]}
            word = segs[3].lower()
            if word in OP_SEGMENTS:
                args["op"] = OP_SEGMENTS[word]
                return {"POST": _crypto}, args
            if word == "release":
                return {"POST": _release}, args
            if word == "attestation":
                return {"GET": _attestation}, args
        return None
    if head == "deletedkeys":
        if n == 1 or (n == 2 and segs[1] == ""):
            return {"GET": _list_deleted}, {}
        name = segs[1]
        args = {"name": name, "names": [name]}
        if n == 2 or (n == 3 and segs[2] == ""):
            return {"GET": _get_deleted, "DELETE": _purge}, args
        if n == 3 and segs[2] == "recover":
            return {"POST": _recover}, args
        return None
    return None
