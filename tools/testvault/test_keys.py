"""Tests of the keys data plane of tools/testvault (keys.py), run: python3 -m pytest -q tools/testvault

The server runs as a subprocess (see test_testvault.Server); results are checked independently with the
`cryptography` package: signatures made by the server verify with the public JWK it returns, data
encrypted locally decrypts in the server, and the key wrap algorithms reproduce RFC 3394 / RFC 5649 vectors.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as sympadding
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import test_testvault as tt

HEX32 = re.compile(r"^[0-9a-f]{32}$")
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
# The REST spec examples checked into the repository (tests/fixtures/spec-examples/SOURCES.md says
# where each comes from), so the tests run on any machine.
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "spec-examples")
CURVES = {"P-256": (ec.SECP256R1, 32, "ES256", hashes.SHA256),
          "P-384": (ec.SECP384R1, 48, "ES384", hashes.SHA384),
          "P-521": (ec.SECP521R1, 66, "ES512", hashes.SHA512),
          "P-256K": (ec.SECP256K1, 32, "ES256K", hashes.SHA256)}
RSA_PUBLIC = {"kid", "kty", "key_ops", "n", "e"}
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    assert B64URL.match(text), "not base64url without padding: %r" % text
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def i2b(n: int, length: int | None = None) -> str:
    return b64u(n.to_bytes(length or (n.bit_length() + 7) // 8, "big"))


def b2i(text: str) -> int:
    return int.from_bytes(unb64u(text), "big")


def version_of(kid: str) -> str:
    return kid.rsplit("/", 1)[1]


def rsa_private_jwk(key) -> dict:
    pv = key.private_numbers()
    pn = pv.public_numbers
    return {"kty": "RSA", "n": i2b(pn.n), "e": i2b(pn.e), "d": i2b(pv.d), "p": i2b(pv.p), "q": i2b(pv.q),
            "dp": i2b(pv.dmp1), "dq": i2b(pv.dmq1), "qi": i2b(pv.iqmp)}


def ec_private_jwk(key, crv: str) -> dict:
    n = CURVES[crv][1]
    pn = key.public_key().public_numbers()
    return {"kty": "EC", "crv": crv, "x": i2b(pn.x, n), "y": i2b(pn.y, n),
            "d": i2b(key.private_numbers().private_value, n)}


def rsa_public(jwk: dict):
    return rsa.RSAPublicNumbers(b2i(jwk["e"]), b2i(jwk["n"])).public_key()


def ec_public(jwk: dict):
    return ec.EllipticCurvePublicNumbers(b2i(jwk["x"]), b2i(jwk["y"]), CURVES[jwk["crv"]][0]()).public_key()


# ---------------------------------------------------------------------------------------------
# fixtures: one server for the module (tests use distinct key names), a fresh one for paging


@pytest.fixture(scope="module")
def ksrv(tmp_path_factory):
    s = tt.Server(str(tmp_path_factory.mktemp("testvault-keys")), "--page-size", "25")
    yield s
    s.stop()


@pytest.fixture
def kc(ksrv):
    c = tt.Client(ksrv)
    yield c
    c.close()


@pytest.fixture
def fresh(tmp_path):
    s = tt.Server(str(tmp_path), "--page-size", "25")
    c = tt.Client(s)
    yield c
    c.close()
    s.stop()


def create(kc, name, **body):
    r, b = kc.request("POST", "/keys/%s/create" % name, body)
    assert r.status == 200, b
    return b


def import_(kc, name, jwk, **extra):
    r, b = kc.request("PUT", "/keys/" + name, dict({"key": jwk}, **extra))
    assert r.status == 200, b
    return b


def op(kc, name, version, operation, body, status=200):
    r, b = kc.request("POST", "/keys/%s/%s/%s" % (name, version, operation), body)
    assert r.status == status, b
    return b


def error(kc, method, path, body=None):
    r, b = kc.request(method, path, body)
    return r.status, b["error"]


# ---------------------------------------------------------------------------------------------
# create


def test_create_rsa_defaults_and_shape(ksrv, kc):
    b = create(kc, "rsa-default", kty="RSA", tags={"purpose": "unit test"})
    assert set(b) == {"key", "attributes", "tags"}
    key = b["key"]
    assert set(key) == RSA_PUBLIC
    m = re.match(r"^https://localhost:%d/keys/rsa-default/([0-9a-f]{32})$" % ksrv.port, key["kid"])
    assert m, key["kid"]
    assert key["kty"] == "RSA" and key["e"] == "AQAB"
    assert key["key_ops"] == ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
    assert rsa_public(key).key_size == 2048
    assert b["tags"] == {"purpose": "unit test"}
    a = b["attributes"]
    assert a["enabled"] is True and a["exportable"] is False and a["recoveryLevel"] == "Recoverable+Purgeable"
    assert a["recoverableDays"] == 90 and isinstance(a["created"], int) and a["created"] == a["updated"]
    assert abs(a["created"] - time.time()) < 60 and "nbf" not in a and "exp" not in a

    b = create(kc, "rsa-3072", kty="RSA-HSM", key_size=3072, key_ops=["sign", "verify"],
               attributes={"enabled": False, "nbf": 1700000000, "exp": 4102444800})
    assert b["key"]["kty"] == "RSA-HSM" and rsa_public(b["key"]).key_size == 3072
    assert b["key"]["key_ops"] == ["sign", "verify"]
    assert b["attributes"]["enabled"] is False and b["attributes"]["nbf"] == 1700000000
    assert b["attributes"]["exp"] == 4102444800
    b = create(kc, "rsa-4096", kty="RSA", key_size=4096, public_exponent=3)
    assert rsa_public(b["key"]).key_size == 4096 and b["key"]["e"] == "Aw"


def test_create_ec_each_curve(kc):
    b = create(kc, "ec-default", kty="EC")
    assert b["key"]["crv"] == "P-256" and b["key"]["key_ops"] == ["sign", "verify"]
    assert set(b["key"]) == {"kid", "kty", "key_ops", "crv", "x", "y"}
    for crv, (_, size, _, _) in CURVES.items():
        b = create(kc, "ec-" + crv.replace("-", ""), kty="EC-HSM", crv=crv)
        k = b["key"]
        assert k["kty"] == "EC-HSM" and k["crv"] == crv
        assert len(unb64u(k["x"])) == size and len(unb64u(k["y"])) == size
        ec_public(k)  # the point is on the curve


def test_create_oct(kc):
    b = create(kc, "oct-default", kty="oct-HSM")
    assert b["key"] == {"kid": b["key"]["kid"], "kty": "oct-HSM",
                        "key_ops": ["encrypt", "decrypt", "wrapKey", "unwrapKey"]}
    for size in (128, 192, 256):
        b = create(kc, "oct-%d" % size, kty="oct", key_size=size)
        assert b["key"]["kty"] == "oct" and not PRIVATE_MEMBERS & set(b["key"])


def test_create_validation(kc):
    cases = [
        ({"kty": "DSA"}, "Invalid kty value: DSA"),
        ({}, None),
        ({"kty": "RSA", "key_size": 1024}, None),
        ({"kty": "RSA", "key_size": "2048"}, None),
        ({"kty": "RSA", "public_exponent": 17}, None),
        ({"kty": "EC", "crv": "P-192"}, None),
        ({"kty": "oct", "key_size": 512}, None),
        ({"kty": "EC", "key_ops": ["sign", "fly"]}, None),
        ({"kty": "EC", "key_ops": "sign"}, None),
        ({"kty": "EC", "attributes": {"exportable": "yes"}}, None),
        ({"kty": "EC", "attributes": {"exportable": True}}, "Release policy must be provided when creating the "
                                                             "first version of an exportable key."),
        ({"kty": "EC", "release_policy": {"data": "!!"}}, None),
        ({"kty": "EC", "release_policy": {"data": b64u(b"not json")}}, None),
        ({"kty": "EC", "tags": {"k%d" % i: "v" for i in range(16)}}, None),
    ]
    for body, message in cases:
        st, e = error(kc, "POST", "/keys/bad-create/create", body)
        assert st == 400 and e["code"] == "BadParameter", body
        if message:
            assert e["message"] == message
    st, e = error(kc, "POST", "/keys/bad-create/create", {"kty": "DSA"})
    assert e["innererror"] == {"code": "KeyTypeNotSupported"}
    st, e = error(kc, "GET", "/keys/bad-create")
    assert st == 404 and e["code"] == "KeyNotFound"


# ---------------------------------------------------------------------------------------------
# import


def test_import_example_rsa_and_hsm_flag(kc):
    with open(os.path.join(EXAMPLES, "ImportKey-example.json")) as fh:
        ex = json.load(fh)
    params = ex["parameters"]["parameters"]
    want = ex["responses"]["200"]["body"]
    b = import_(kc, "ImportSoftKeyTest", params["key"], tags=params["tags"])
    assert b["key"]["kty"] == "RSA" and b["key"]["n"] == want["key"]["n"] and b["key"]["e"] == "AQAB"
    assert b["key"]["key_ops"] == want["key"]["key_ops"] and b["tags"] == want["tags"]
    assert set(b["key"]) == RSA_PUBLIC
    assert HEX32.match(version_of(b["key"]["kid"]))
    # Hsm: true -> RSA-HSM; importing again adds a version
    b2 = import_(kc, "ImportSoftKeyTest", params["key"], Hsm=True)
    assert b2["key"]["kty"] == "RSA-HSM" and b2["key"]["kid"] != b["key"]["kid"]


def test_import_consistency_checks(kc):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = rsa_private_jwk(key)
    other = rsa_private_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    msg = 'The property "key" must be a valid JsonWebKey object.'
    bad_jwks = [
        dict(jwk, d=other["d"]),                                   # d does not match n/e
        dict(jwk, q=other["q"]),                                   # p*q != n
        dict(jwk, dq=other["dq"]),                                 # CRT member wrong
        {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi")},  # public only
        dict(jwk, kty="RSB"),
        dict(jwk, n="***"),
        {"kty": "oct", "k": b64u(os.urandom(20))},                 # 160-bit AES key
        {"kty": "oct"},
    ]
    eck = ec.generate_private_key(ec.SECP384R1())
    ejwk = ec_private_jwk(eck, "P-384")
    bad_jwks += [dict(ejwk, x=ec_private_jwk(ec.generate_private_key(ec.SECP384R1()), "P-384")["x"]),
                 dict(ejwk, crv="P-256"), dict(ejwk, crv="P-999"), {k: v for k, v in ejwk.items() if k != "d"}]
    for j in bad_jwks:
        st, e = error(kc, "PUT", "/keys/bad-import", {"key": j})
        assert (st, e) == (400, {"code": "BadParameter", "message": msg}), j
    st, e = error(kc, "PUT", "/keys/bad-import", {"kty": "RSA"})
    assert (st, e["message"]) == (400, msg)

    # without p/q the primes are recovered; padded / standard-alphabet base64 is accepted
    minimal = {"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "d": jwk["d"]}
    b = import_(kc, "imp-minimal", minimal, attributes={"enabled": True})
    assert b2i(b["key"]["n"]) == key.public_key().public_numbers().n
    std = {k: base64.b64encode(unb64u(v)).decode() if k != "kty" else v for k, v in jwk.items()}
    assert any(("+" in v or "/" in v or "=" in v) for v in std.values())
    import_(kc, "imp-std-b64", std)
    b = import_(kc, "imp-ec", ejwk, key_ops=None)
    assert b["key"]["crv"] == "P-384" and b["key"]["x"] == ejwk["x"] and b["key"]["key_ops"] == ["sign", "verify"]
    assert "d" not in b["key"]
    b = import_(kc, "imp-oct", {"kty": "oct-HSM", "k": b64u(os.urandom(24)), "key_ops": ["wrapKey"]})
    assert b["key"] == {"kid": b["key"]["kid"], "kty": "oct-HSM", "key_ops": ["wrapKey"]}


# ---------------------------------------------------------------------------------------------
# get / list / update


def test_get_latest_version_and_errors(ksrv, kc):
    b1 = create(kc, "getme", kty="EC")
    b2 = create(kc, "getme", kty="EC", crv="P-384", attributes={"enabled": False})
    v1 = version_of(b1["key"]["kid"])
    for path in ("/keys/getme", "/keys/getme/", "/keys/GETME/"):
        r, g = kc.request("GET", path)
        assert r.status == 200 and g == b2, path  # a disabled key is still returned
    r, g = kc.request("GET", "/keys/getme/" + v1)
    assert r.status == 200 and g == b1
    r, g = kc.request("GET", "/keys/getme/" + v1.upper())
    assert r.status == 200 and g["key"]["kid"] == b1["key"]["kid"]
    st, e = error(kc, "GET", "/keys/nokey")
    assert st == 404 and e["code"] == "KeyNotFound"
    assert e["message"].startswith("A key with (name/id) nokey was not found in this key vault.")
    st, e = error(kc, "GET", "/keys/getme/" + "0" * 32)
    assert st == 404 and e["code"] == "KeyNotFound"
    st, e = error(kc, "GET", "/keys/bad_name")
    assert st == 400 and e["code"] == "BadParameter"

    r, lst = kc.request("GET", "/keys/getme/versions")
    assert r.status == 200 and lst["nextLink"] is None
    assert [i["kid"] for i in lst["value"]] == [b1["key"]["kid"], b2["key"]["kid"]]
    assert lst["value"][1] == {"kid": b2["key"]["kid"], "attributes": b2["attributes"]}
    r, lst = kc.request("GET", "/keys")
    items = {i["kid"]: i for i in lst["value"]}
    item = items["https://localhost:%d/keys/getme" % ksrv.port]
    assert item == {"kid": "https://localhost:%d/keys/getme" % ksrv.port, "attributes": b2["attributes"]}
    assert all("managed" not in i and "key" not in i for i in lst["value"])


def test_update(kc):
    b = create(kc, "upd", kty="RSA", tags={"a": "1"})
    ver = version_of(b["key"]["kid"])
    r, u = kc.request("PATCH", "/keys/upd/" + ver, {"key_ops": ["sign", "verify"], "tags": {"b": "2"},
                                                    "attributes": {"exp": 4102444800, "enabled": False}})
    assert r.status == 200
    assert u["key"]["key_ops"] == ["sign", "verify"] and u["tags"] == {"b": "2"}
    assert u["attributes"]["exp"] == 4102444800 and u["attributes"]["enabled"] is False
    assert u["key"]["n"] == b["key"]["n"] and u["key"]["kid"] == b["key"]["kid"]
    r, g = kc.request("GET", "/keys/upd/" + ver)
    assert g == u
    # empty version = latest, verb override, release policy
    policy = {"contentType": "application/json; charset=utf-8",
              "data": b64u(json.dumps({"anyOf": [], "version": "1.0.0"}).encode())}
    r, u = kc.request("POST", "/keys/upd/", {"attributes": {"enabled": True}, "release_policy": policy},
                      headers={"X-HTTP-METHOD": "PATCH"})
    assert r.status == 200 and u["attributes"]["enabled"] is True and u["tags"] == {"b": "2"}
    assert u["release_policy"] == dict(policy, immutable=False)
    st, e = error(kc, "PATCH", "/keys/upd/", {"key_ops": ["nope"]})
    assert st == 400 and e["code"] == "BadParameter"
    st, e = error(kc, "PATCH", "/keys/upd/", {"attributes": {"exportable": True}})
    assert st == 400
    st, e = error(kc, "PATCH", "/keys/upd/" + "f" * 32, {"tags": {}})
    assert st == 404 and e["code"] == "KeyNotFound"
    # an immutable release policy cannot be replaced
    kc.request("PATCH", "/keys/upd/", {"release_policy": dict(policy, immutable=True)})
    st, e = error(kc, "PATCH", "/keys/upd/", {"release_policy": policy})
    assert st == 400 and "immutable" in e["message"]


# ---------------------------------------------------------------------------------------------
# delete / recover / purge / backup / restore


def test_delete_recover_purge(ksrv, kc):
    b = create(kc, "gone", kty="EC", tags={"t": "1"})
    r, d = kc.request("DELETE", "/keys/gone")
    assert r.status == 200
    assert d["recoveryId"] == "https://localhost:%d/deletedkeys/gone" % ksrv.port
    assert d["scheduledPurgeDate"] == d["deletedDate"] + 90 * 86400 and abs(d["deletedDate"] - time.time()) < 60
    assert d["key"] == b["key"] and d["tags"] == {"t": "1"} and d["attributes"] == b["attributes"]

    st, e = error(kc, "GET", "/keys/gone")
    assert st == 404 and e["code"] == "KeyNotFound"
    st, e = error(kc, "POST", "/keys/gone//sign", {"alg": "ES256", "value": b64u(bytes(32))})
    assert st == 404 and e["code"] == "KeyNotFound"
    r, gd = kc.request("GET", "/deletedkeys/gone")
    assert r.status == 200 and gd == d
    r, lst = kc.request("GET", "/deletedkeys")
    item = [i for i in lst["value"] if i["recoveryId"] == d["recoveryId"]][0]
    assert item == {"kid": "https://localhost:%d/keys/gone" % ksrv.port, "attributes": b["attributes"],
                    "tags": {"t": "1"}, "recoveryId": d["recoveryId"], "deletedDate": d["deletedDate"],
                    "scheduledPurgeDate": d["scheduledPurgeDate"]}

    conflict = {"code": "Conflict",
                "message": "Key gone is currently in a deleted but recoverable state, and its name cannot be "
                           "reused; in this state, the key can only be recovered or purged.",
                "innererror": {"code": "ObjectIsDeletedButRecoverable"}}
    assert error(kc, "POST", "/keys/gone/create", {"kty": "EC"}) == (409, conflict)
    jwk = ec_private_jwk(ec.generate_private_key(ec.SECP256R1()), "P-256")
    assert error(kc, "PUT", "/keys/gone", {"key": jwk}) == (409, conflict)

    r, rec = kc.request("POST", "/deletedkeys/gone/recover")
    assert r.status == 200 and rec == b
    assert kc.request("GET", "/keys/gone")[0].status == 200
    assert error(kc, "POST", "/deletedkeys/gone/recover") == (
        404, {"code": "KeyNotFound", "message": "Deleted Key not found: gone"})

    kc.request("DELETE", "/keys/gone")
    r, body = kc.request("DELETE", "/deletedkeys/gone")
    assert r.status == 204 and body is None
    assert error(kc, "GET", "/deletedkeys/gone") == (
        404, {"code": "KeyNotFound", "message": "Deleted Key not found: gone"})
    assert error(kc, "DELETE", "/deletedkeys/gone")[0] == 404
    assert error(kc, "DELETE", "/keys/gone")[0] == 404
    create(kc, "gone", kty="EC")


def test_backup_restore(kc):
    b1 = create(kc, "bk", kty="RSA", tags={"i": "1"})
    b2 = create(kc, "bk", kty="RSA", key_size=3072)
    kc.request("PUT", "/keys/bk/rotationpolicy", {"lifetimeActions": [
        {"trigger": {"timeAfterCreate": "P90D"}, "action": {"type": "Rotate"}}]})
    r, pol = kc.request("GET", "/keys/bk/rotationpolicy")
    r, before = kc.request("GET", "/keys/bk/versions")
    r, bk = kc.request("POST", "/keys/bk/backup")
    assert r.status == 200 and set(bk) == {"value"} and B64URL.match(bk["value"])
    assert error(kc, "POST", "/keys/restore", {"value": bk["value"]}) == (
        409, {"code": "Conflict", "message": "Key already exists"})
    kc.request("DELETE", "/keys/bk")
    assert error(kc, "POST", "/keys/restore", {"value": bk["value"]})[0] == 409
    assert kc.request("DELETE", "/deletedkeys/bk")[0].status == 204

    r, rs = kc.request("POST", "/keys/restore", {"value": bk["value"]})
    assert r.status == 200 and rs == b2
    r, after = kc.request("GET", "/keys/bk/versions")
    assert after == before
    r, g = kc.request("GET", "/keys/bk/" + version_of(b1["key"]["kid"]))
    assert g == b1
    assert kc.request("GET", "/keys/bk/rotationpolicy")[1] == pol
    # the restored private key still matches the public key returned before the backup
    digest = hashlib.sha256(b"restored").digest()
    s = op(kc, "bk", version_of(b1["key"]["kid"]), "sign", {"alg": "RS256", "value": b64u(digest)})
    rsa_public(b1["key"]).verify(unb64u(s["value"]), digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))

    for blob in ("not-a-backup", "", "QUJD", 12):
        st, e = error(kc, "POST", "/keys/restore", {"value": blob})
        assert st == 400 and e["code"] == "BadParameter", blob
    r, sb = kc.request("PUT", "/secrets/a-secret", {"value": "v"})
    r, sbk = kc.request("POST", "/secrets/a-secret/backup")
    assert error(kc, "POST", "/keys/restore", {"value": sbk["value"]})[0] == 400
    assert error(kc, "POST", "/keys/missing/backup")[0] == 404


# ---------------------------------------------------------------------------------------------
# rotate / rotation policy


def test_rotate_and_rotation_policy(ksrv, kc):
    b = create(kc, "rot", kty="EC", crv="P-521", key_ops=["sign"], tags={"x": "y"})
    r, pol = kc.request("GET", "/keys/rot/rotationpolicy")
    assert r.status == 200 and pol == {
        "id": "https://localhost:%d/keys/rot/rotationpolicy" % ksrv.port,
        "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}],
        "attributes": {}}

    r, n = kc.request("POST", "/keys/rot/rotate")
    assert r.status == 200
    assert n["key"]["kid"] != b["key"]["kid"] and HEX32.match(version_of(n["key"]["kid"]))
    assert n["key"]["kty"] == "EC" and n["key"]["crv"] == "P-521" and n["key"]["key_ops"] == ["sign"]
    assert n["key"]["x"] != b["key"]["x"] and n["tags"] == {"x": "y"} and "exp" not in n["attributes"]
    r, g = kc.request("GET", "/keys/rot")
    assert g == n
    assert len(kc.request("GET", "/keys/rot/versions")[1]["value"]) == 2

    body = {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P90D"}, "action": {"type": "rotate"}},
                                {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}],
            "attributes": {"expiryTime": "P1Y"}}
    r, p = kc.request("PUT", "/keys/rot/rotationpolicy", body)
    assert r.status == 200
    assert p["id"] == pol["id"]
    assert p["lifetimeActions"] == [{"trigger": {"timeAfterCreate": "P90D"}, "action": {"type": "Rotate"}},
                                    {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}]
    assert p["attributes"]["expiryTime"] == "P1Y"
    assert isinstance(p["attributes"]["created"], int) and p["attributes"]["updated"] >= p["attributes"]["created"]
    assert kc.request("GET", "/keys/rot/rotationpolicy")[1] == p
    # expiryTime applies to the next version
    r, n2 = kc.request("POST", "/keys/rot/rotate")
    assert abs(n2["attributes"]["exp"] - (time.time() + 365 * 86400)) < 120

    # RSA and oct rotate keep size
    rb = create(kc, "rot-rsa", kty="RSA", key_size=3072)
    r, rn = kc.request("POST", "/keys/rot-rsa/rotate")
    assert rsa_public(rn["key"]).key_size == 3072 and rn["key"]["n"] != rb["key"]["n"]
    create(kc, "rot-oct", kty="oct-HSM", key_size=128)
    r, on = kc.request("POST", "/keys/rot-oct/rotate")
    assert on["key"]["kty"] == "oct-HSM"
    res = op(kc, "rot-oct", "", "encrypt", {"alg": "A128GCM", "value": b64u(b"x")})
    assert res["kid"] == on["key"]["kid"]

    for bad in ({"lifetimeActions": [{"trigger": {"timeAfterCreate": "90 days"}, "action": {"type": "Rotate"}}]},
                {"lifetimeActions": [{"trigger": {}, "action": {"type": "Rotate"}}]},
                {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P1D"}, "action": {"type": "Explode"}}]},
                {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P1D"}, "action": {"type": "Rotate"}}] * 2},
                {"attributes": {"expiryTime": "P7D"}},
                {"lifetimeActions": "x"}):
        st, e = error(kc, "PUT", "/keys/rot/rotationpolicy", bad)
        assert st == 400 and e["code"] == "BadParameter", bad
    assert error(kc, "GET", "/keys/nokey/rotationpolicy")[0] == 404
    assert error(kc, "POST", "/keys/nokey/rotate")[0] == 404


# ---------------------------------------------------------------------------------------------
# sign / verify


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
def test_rsa_sign_verifies_locally(kc, alg):
    name = "sig-rsa"
    r, g = kc.request("GET", "/keys/" + name)
    if r.status == 404:
        create(kc, name, kty="RSA")
        r, g = kc.request("GET", "/keys/" + name)
    h = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}[alg[2:]]
    digest = hashlib.new(h.name, b"message for " + alg.encode()).digest()
    res = op(kc, name, "", "sign", {"alg": alg, "value": b64u(digest)})
    assert set(res) == {"kid", "value"} and res["kid"] == g["key"]["kid"]
    sig = unb64u(res["value"])
    assert len(sig) == 256
    pad = padding.PKCS1v15() if alg[0] == "R" else padding.PSS(mgf=padding.MGF1(h()), salt_length=h.digest_size)
    rsa_public(g["key"]).verify(sig, digest, pad, Prehashed(h()))
    # the server verifies its own signature and rejects a wrong one
    v = op(kc, name, version_of(g["key"]["kid"]), "verify", {"alg": alg, "digest": b64u(digest), "value": res["value"]})
    assert v == {"value": True}
    bad = bytes(len(sig) - 1) + b"\x01"
    v = op(kc, name, "", "verify", {"alg": alg, "digest": b64u(digest), "value": b64u(bad)})
    assert v == {"value": False}
    # a wrong digest length is refused
    st, e = error(kc, "POST", "/keys/%s//sign" % name, {"alg": alg, "value": b64u(digest[:-1])})
    assert st == 400 and e["code"] == "BadParameter"


@pytest.mark.parametrize("crv", list(CURVES))
def test_ec_sign_raw_r_s_verifies_locally(kc, crv):
    name = "sig-ec-" + crv.replace("-", "")
    b = create(kc, name, kty="EC", crv=crv)
    _, size, alg, h = CURVES[crv]
    digest = hashlib.new(h.name, b"hello " + crv.encode()).digest()
    res = op(kc, name, version_of(b["key"]["kid"]), "sign", {"alg": alg, "value": b64u(digest)})
    assert res["kid"] == b["key"]["kid"]
    sig = unb64u(res["value"])
    assert len(sig) == 2 * size  # raw r||s, not DER
    r_, s_ = int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big")
    r, g = kc.request("GET", "/keys/" + name)
    ec_public(g["key"]).verify(encode_dss_signature(r_, s_), digest, ec.ECDSA(Prehashed(h())))
    assert op(kc, name, "", "verify", {"alg": alg, "digest": b64u(digest), "value": res["value"]}) == {"value": True}
    other = hashlib.new(h.name, b"other").digest()
    assert op(kc, name, "", "verify", {"alg": alg, "digest": b64u(other), "value": res["value"]}) == {"value": False}
    assert op(kc, name, "", "verify", {"alg": alg, "digest": b64u(digest), "value": b64u(sig[:-1])}) == \
        {"value": False}
    # a locally made signature verifies in the server
    local_key = ec.generate_private_key(CURVES[crv][0]())
    import_(kc, name + "-imp", ec_private_jwk(local_key, crv))
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    lr, ls = decode_dss_signature(local_key.sign(digest, ec.ECDSA(Prehashed(h()))))
    raw = lr.to_bytes(size, "big") + ls.to_bytes(size, "big")
    assert op(kc, name + "-imp", "", "verify", {"alg": alg, "digest": b64u(digest), "value": b64u(raw)}) == \
        {"value": True}
    # algorithm / curve mismatch and non-EC algorithms
    wrong = "ES384" if crv != "P-384" else "ES256"
    st, e = error(kc, "POST", "/keys/%s//sign" % name, {"alg": wrong, "value": b64u(digest)})
    assert st == 400 and e["code"] == "BadParameter"
    st, e = error(kc, "POST", "/keys/%s//sign" % name, {"alg": "RS256", "value": b64u(bytes(32))})
    assert st == 400 and e["message"].startswith("Invalid algorithm")


def test_sign_lenient_base64_and_alg_errors(kc):
    create(kc, "sig-misc", kty="EC")
    digest = hashlib.sha256(b"x").digest()
    std = base64.b64encode(digest).decode()  # padded, maybe with + and /
    res = op(kc, "sig-misc", "", "sign", {"alg": "ES256", "value": std})
    assert B64URL.match(res["value"])
    for body in ({"alg": "XX256", "value": b64u(digest)}, {"value": b64u(digest)}, {"alg": "ES256"},
                 {"alg": "ES256", "value": "%%%"}, {"alg": "HS256", "value": b64u(digest)}):
        st, e = error(kc, "POST", "/keys/sig-misc//sign", body)
        assert st == 400 and e["code"] == "BadParameter", body
    st, e = error(kc, "POST", "/keys/sig-misc//verify", {"alg": "ES256", "value": res["value"]})
    assert st == 400
    st, e = error(kc, "POST", "/keys/sig-misc/%s/sign" % ("0" * 32), {"alg": "ES256", "value": b64u(digest)})
    assert st == 404 and e["code"] == "KeyNotFound"
    st, e = error(kc, "POST", "/keys/nokey//sign", {"alg": "ES256", "value": b64u(digest)})
    assert st == 404 and e["message"].startswith("A key with (name/id) nokey was not found")
    # /keys/{name}/sign is not a crypto path
    r, _ = kc.request("POST", "/keys/sig-misc/sign", {"alg": "ES256", "value": b64u(digest)})
    assert r.status == 405
    # case-insensitive operation segment, and a versioned path
    r, _ = kc.request("POST", "/keys/sig-misc//SIGN", {"alg": "ES256", "value": b64u(digest)})
    assert r.status == 200


# ---------------------------------------------------------------------------------------------
# RSA encrypt / decrypt / wrap


def test_rsa_encrypt_decrypt_interop(kc):
    local = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    b = import_(kc, "rsa-enc", rsa_private_jwk(local))
    pub = rsa_public(b["key"])
    ver = version_of(b["key"]["kid"])
    pads = {"RSA-OAEP-256": padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
            "RSA-OAEP": padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),
            "RSA1_5": padding.PKCS1v15()}
    for alg, pad in pads.items():
        msg = b"secret for " + alg.encode()
        # encrypted locally with the public key -> decrypts in the server
        ct = pub.encrypt(msg, pad)
        res = op(kc, "rsa-enc", ver, "decrypt", {"alg": alg, "value": b64u(ct)})
        assert res == {"kid": b["key"]["kid"], "value": b64u(msg)}
        # encrypted by the server -> decrypts locally
        res = op(kc, "rsa-enc", "", "encrypt", {"alg": alg, "value": b64u(msg)})
        assert local.decrypt(unb64u(res["value"]), pad) == msg
        # wrapKey / unwrapKey are the same with RSA keys
        cek = os.urandom(32)
        w = op(kc, "rsa-enc", "", "wrapKey", {"alg": alg, "value": b64u(cek)})
        assert local.decrypt(unb64u(w["value"]), pad) == cek
        u = op(kc, "rsa-enc", "", "unwrapkey", {"alg": alg, "value": w["value"]})
        assert u["value"] == b64u(cek)
    st, e = error(kc, "POST", "/keys/rsa-enc//encrypt", {"alg": "RSA-OAEP-256", "value": b64u(bytes(300))})
    assert st == 400
    st, e = error(kc, "POST", "/keys/rsa-enc//decrypt", {"alg": "RSA-OAEP-256", "value": b64u(bytes(10))})
    assert st == 400
    st, e = error(kc, "POST", "/keys/rsa-enc//encrypt", {"alg": "A256GCM", "value": b64u(b"x")})
    assert st == 400 and e["message"].startswith("Invalid algorithm")
    st, e = error(kc, "POST", "/keys/rsa-enc//wrapkey", {"alg": "A256KW", "value": b64u(bytes(16))})
    assert st == 400 and e["message"].startswith("Invalid algorithm")


# ---------------------------------------------------------------------------------------------
# AES (oct keys)


def test_aes_gcm(kc):
    k = os.urandom(32)
    b = import_(kc, "aes-gcm", {"kty": "oct-HSM", "k": b64u(k)})
    msg, aad = b"gcm plaintext", b"header"
    res = op(kc, "aes-gcm", "", "encrypt", {"alg": "A256GCM", "value": b64u(msg), "aad": b64u(aad)})
    assert res["kid"] == b["key"]["kid"] and res["aad"] == b64u(aad)
    iv, tag = unb64u(res["iv"]), unb64u(res["tag"])
    assert len(iv) == 12 and len(tag) == 16
    assert AESGCM(k).decrypt(iv, unb64u(res["value"]) + tag, aad) == msg
    dec = op(kc, "aes-gcm", "", "decrypt", {"alg": "A256GCM", "value": res["value"], "iv": res["iv"],
                                           "tag": res["tag"], "aad": res["aad"]})
    assert dec == {"kid": b["key"]["kid"], "value": b64u(msg)}
    # locally encrypted with a client IV
    iv2 = os.urandom(12)
    ct = AESGCM(k).encrypt(iv2, msg, None)
    dec = op(kc, "aes-gcm", "", "decrypt", {"alg": "A256GCM", "value": b64u(ct[:-16]), "iv": b64u(iv2),
                                           "tag": b64u(ct[-16:])})
    assert unb64u(dec["value"]) == msg
    res2 = op(kc, "aes-gcm", "", "encrypt", {"alg": "A256GCM", "value": b64u(msg), "iv": b64u(iv2)})
    assert res2["iv"] == b64u(iv2) and unb64u(res2["value"]) + unb64u(res2["tag"]) == ct
    # tampering, missing tag/iv, wrong size
    bad_tag = b64u(bytes(16))
    for body in ({"alg": "A256GCM", "value": res["value"], "iv": res["iv"], "tag": bad_tag, "aad": res["aad"]},
                 {"alg": "A256GCM", "value": res["value"], "iv": res["iv"], "tag": res["tag"]},  # aad missing
                 {"alg": "A256GCM", "value": res["value"], "iv": res["iv"]},
                 {"alg": "A256GCM", "value": res["value"], "tag": res["tag"]},
                 {"alg": "A128GCM", "value": res["value"], "iv": res["iv"], "tag": res["tag"]}):
        st, e = error(kc, "POST", "/keys/aes-gcm//decrypt", body)
        assert st == 400 and e["code"] == "BadParameter", body
    st, e = error(kc, "POST", "/keys/aes-gcm//encrypt", {"alg": "A128GCM", "value": b64u(msg)})
    assert st == 400 and e["code"] == "BadParameter"  # a 128-bit algorithm needs a 128-bit key
    st, e = error(kc, "POST", "/keys/aes-gcm//encrypt", {"alg": "RSA-OAEP", "value": b64u(msg)})
    assert st == 400 and e["message"].startswith("Invalid algorithm")
    for size, alg in ((16, "A128GCM"), (24, "A192GCM")):
        create(kc, "aes-gcm-%d" % size, kty="oct", key_size=size * 8)
        res = op(kc, "aes-gcm-%d" % size, "", "encrypt", {"alg": alg, "value": b64u(msg)})
        dec = op(kc, "aes-gcm-%d" % size, "", "decrypt", {"alg": alg, "value": res["value"], "iv": res["iv"],
                                                          "tag": res["tag"]})
        assert unb64u(dec["value"]) == msg


def test_aes_cbc_and_cbcpad(kc):
    k = os.urandom(16)
    import_(kc, "aes-cbc", {"kty": "oct", "k": b64u(k)})
    iv = os.urandom(16)
    block = os.urandom(32)
    res = op(kc, "aes-cbc", "", "encrypt", {"alg": "A128CBC", "value": b64u(block), "iv": b64u(iv)})
    enc = Cipher(algorithms.AES(k), modes.CBC(iv)).encryptor()
    assert unb64u(res["value"]) == enc.update(block) + enc.finalize() and res["iv"] == b64u(iv)
    dec = op(kc, "aes-cbc", "", "decrypt", {"alg": "A128CBC", "value": res["value"], "iv": b64u(iv)})
    assert unb64u(dec["value"]) == block
    st, e = error(kc, "POST", "/keys/aes-cbc//encrypt", {"alg": "A128CBC", "value": b64u(b"short"), "iv": b64u(iv)})
    assert st == 400
    st, e = error(kc, "POST", "/keys/aes-cbc//encrypt", {"alg": "A128CBC", "value": b64u(block)})
    assert st == 400 and "iv" in e["message"]
    st, e = error(kc, "POST", "/keys/aes-cbc//encrypt", {"alg": "A128CBC", "value": b64u(block),
                                                         "iv": b64u(bytes(8))})
    assert st == 400

    msg = b"not a multiple of sixteen"
    res = op(kc, "aes-cbc", "", "encrypt", {"alg": "A128CBCPAD", "value": b64u(msg), "iv": b64u(iv)})
    padder = sympadding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(k), modes.CBC(iv)).encryptor()
    assert unb64u(res["value"]) == enc.update(padder.update(msg) + padder.finalize()) + enc.finalize()
    dec = op(kc, "aes-cbc", "", "decrypt", {"alg": "A128CBCPAD", "value": res["value"], "iv": res["iv"]})
    assert unb64u(dec["value"]) == msg
    st, e = error(kc, "POST", "/keys/aes-cbc//decrypt", {"alg": "A128CBCPAD", "value": b64u(bytes(16)),
                                                         "iv": b64u(bytes(16))})
    assert st == 400  # bad padding (overwhelmingly likely)
    st, e = error(kc, "POST", "/keys/aes-cbc//encrypt", {"alg": "A256CBCPAD", "value": b64u(msg), "iv": b64u(iv)})
    assert st == 400  # key size mismatch
    create(kc, "aes-cbc-256", kty="oct-HSM")
    res = op(kc, "aes-cbc-256", "", "encrypt", {"alg": "A256CBCPAD", "value": b64u(msg), "iv": b64u(iv)})
    dec = op(kc, "aes-cbc-256", "", "decrypt", {"alg": "A256CBCPAD", "value": res["value"], "iv": b64u(iv)})
    assert unb64u(dec["value"]) == msg


def test_aes_key_wrap_rfc_vectors(kc):
    # RFC 3394 section 4.1: wrap 128 bits of key data with a 128-bit KEK
    kek = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
    data = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    expect = bytes.fromhex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")
    b = import_(kc, "kw-rfc3394", {"kty": "oct-HSM", "k": b64u(kek)})
    for alg in ("A128KW", "CKM_AES_KEY_WRAP"):
        w = op(kc, "kw-rfc3394", "", "wrapKey", {"alg": alg, "value": b64u(data)})
        assert w == {"kid": b["key"]["kid"], "value": b64u(expect)}, alg
        u = op(kc, "kw-rfc3394", "", "unwrapKey", {"alg": alg, "value": b64u(expect)})
        assert unb64u(u["value"]) == data
    st, e = error(kc, "POST", "/keys/kw-rfc3394//unwrapkey", {"alg": "A128KW", "value": b64u(bytes(24))})
    assert st == 400 and e["code"] == "BadParameter"
    st, e = error(kc, "POST", "/keys/kw-rfc3394//wrapkey", {"alg": "A256KW", "value": b64u(data)})
    assert st == 400  # a 256-bit algorithm needs a 256-bit key
    st, e = error(kc, "POST", "/keys/kw-rfc3394//wrapkey", {"alg": "A128KW", "value": b64u(bytes(12))})
    assert st == 400  # RFC 3394 needs a multiple of 8 bytes, at least 16
    st, e = error(kc, "POST", "/keys/kw-rfc3394//encrypt", {"alg": "A128KW", "value": b64u(data)})
    assert st == 400  # a key wrap algorithm is not an encryption algorithm

    # RFC 5649 section 6: wrap 20 octets with a 192-bit KEK
    kek = bytes.fromhex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")
    data = bytes.fromhex("c37b7e6492584340bed12207808941155068f738")
    expect = bytes.fromhex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")
    import_(kc, "kw-rfc5649", {"kty": "oct", "k": b64u(kek)})
    w = op(kc, "kw-rfc5649", "", "wrapkey", {"alg": "CKM_AES_KEY_WRAP_PAD", "value": b64u(data)})
    assert unb64u(w["value"]) == expect
    u = op(kc, "kw-rfc5649", "", "unwrapkey", {"alg": "CKM_AES_KEY_WRAP_PAD", "value": w["value"]})
    assert unb64u(u["value"]) == data
    cek = os.urandom(32)
    w = op(kc, "kw-rfc5649", "", "wrapkey", {"alg": "A192KW", "value": b64u(cek)})
    assert unb64u(op(kc, "kw-rfc5649", "", "unwrapkey", {"alg": "A192KW", "value": w["value"]})["value"]) == cek


# ---------------------------------------------------------------------------------------------
# key_ops and disabled keys


def test_key_ops_enforced(kc):
    create(kc, "ops-ec", kty="EC", key_ops=["verify"])
    digest = b64u(hashlib.sha256(b"m").digest())
    assert error(kc, "POST", "/keys/ops-ec//sign", {"alg": "ES256", "value": digest}) == (
        400, {"code": "BadParameter", "message": "Operation sign is not permitted on this key."})
    create(kc, "ops-rsa", kty="RSA", key_ops=["encrypt", "sign"])
    op(kc, "ops-rsa", "", "encrypt", {"alg": "RSA-OAEP-256", "value": b64u(b"x")})
    for operation, wire, body in (("decrypt", "decrypt", {"alg": "RSA-OAEP-256", "value": b64u(bytes(256))}),
                                  ("wrapKey", "wrapkey", {"alg": "RSA-OAEP-256", "value": b64u(bytes(32))}),
                                  ("unwrapKey", "unwrapkey", {"alg": "RSA-OAEP-256", "value": b64u(bytes(256))}),
                                  ("verify", "verify", {"alg": "RS256", "digest": digest, "value": digest})):
        st, e = error(kc, "POST", "/keys/ops-rsa//" + wire, body)
        assert (st, e) == (400, {"code": "BadParameter",
                                 "message": "Operation %s is not permitted on this key." % operation})
    # key_ops updated -> allowed
    kc.request("PATCH", "/keys/ops-ec/", {"key_ops": ["sign", "verify"]})
    op(kc, "ops-ec", "", "sign", {"alg": "ES256", "value": digest})


def test_disabled_key(kc):
    b = create(kc, "dis", kty="RSA", attributes={"enabled": False})
    r, g = kc.request("GET", "/keys/dis/")
    assert r.status == 200 and g["attributes"]["enabled"] is False
    digest = b64u(hashlib.sha256(b"m").digest())
    for operation, wire, body in (("decrypt", "decrypt", {"alg": "RSA-OAEP", "value": b64u(bytes(256))}),
                                  ("sign", "sign", {"alg": "RS256", "value": digest}),
                                  ("unwrapKey", "unwrapkey", {"alg": "RSA-OAEP", "value": b64u(bytes(256))})):
        assert error(kc, "POST", "/keys/dis//" + wire, body) == (403, {
            "code": "Forbidden", "message": "Operation %s is not allowed on a disabled key." % operation,
            "innererror": {"code": "KeyDisabled"}})
    # public-key operations still work
    op(kc, "dis", "", "encrypt", {"alg": "RSA-OAEP", "value": b64u(b"x")})
    op(kc, "dis", "", "wrapkey", {"alg": "RSA-OAEP", "value": b64u(bytes(32))})
    assert op(kc, "dis", "", "verify", {"alg": "RS256", "digest": digest, "value": b64u(bytes(256))}) == \
        {"value": False}
    kc.request("PATCH", "/keys/dis/" + version_of(b["key"]["kid"]), {"attributes": {"enabled": True}})
    op(kc, "dis", "", "sign", {"alg": "RS256", "value": digest})


# ---------------------------------------------------------------------------------------------
# random bytes, attestation, release


def test_random_bytes(kc):
    seen = set()
    for count in (1, 16, 128):
        r, b = kc.request("POST", "/rng", {"count": count})
        assert r.status == 200 and set(b) == {"value"} and len(unb64u(b["value"])) == count
        seen.add(b["value"])
    assert len(seen) == 3
    for body in ({"count": 0}, {"count": 129}, {"count": "5"}, {"count": True}, {"count": 1.5}, {}):
        st, e = error(kc, "POST", "/rng", body)
        assert st == 400 and e["code"] == "BadParameter", body
    assert kc.request("GET", "/rng")[0].status == 405


def test_attestation(kc):
    for name, kty, asym in (("att-rsa", "RSA-HSM", True), ("att-ec", "EC-HSM", True), ("att-oct", "oct-HSM", False)):
        b = create(kc, name, kty=kty)
        for ver in ("", version_of(b["key"]["kid"])):
            r, a = kc.request("GET", "/keys/%s/%s/attestation" % (name, ver))
            assert r.status == 200
            assert a["key"] == b["key"]
            att = a["attributes"].pop("attestation")
            assert a["attributes"] == b["attributes"]
            assert att["version"] == "1.0"
            assert set(att) == {"certificatePemFile", "privateKeyAttestation", "version"} | (
                {"publicKeyAttestation"} if asym else set())
            assert unb64u(att["certificatePemFile"]).startswith(b"-----BEGIN CERTIFICATE-----")
            assert unb64u(att["privateKeyAttestation"])
        r, g = kc.request("GET", "/keys/" + name)
        assert "attestation" not in g["attributes"]
    b = create(kc, "att-soft", kty="RSA")
    r, a = kc.request("GET", "/keys/att-soft//attestation")
    assert r.status == 200 and a == b
    assert error(kc, "GET", "/keys/nokey//attestation")[0] == 404


def _jws_parts(value: str):
    parts = value.split(".")
    assert len(parts) == 3 and all(B64URL.match(p) and p for p in parts)
    header, payload = (json.loads(unb64u(p)) for p in parts[:2])
    return header, payload, unb64u(parts[2]), (parts[0] + "." + parts[1]).encode()


def test_release(kc):
    policy = {"contentType": "application/json; charset=utf-8", "immutable": True,
              "data": b64u(json.dumps({"anyOf": [{"allOf": [{"claim": "x-ms-sevsnpvm-is-debuggable",
                                                             "equals": "false"}],
                                                  "authority": "https://sharedeus.eus.attest.azure.net/"}],
                                       "version": "1.0.0"}).encode())}
    b = create(kc, "rel", kty="RSA-HSM", attributes={"exportable": True}, release_policy=policy)
    assert b["release_policy"] == policy and b["attributes"]["exportable"] is True
    res = op(kc, "rel", version_of(b["key"]["kid"]), "release", {"target": "attestation-token", "nonce": "n1",
                                                                 "enc": "CKM_RSA_AES_KEY_WRAP"})
    assert set(res) == {"value"}
    header, payload, sig, signing_input = _jws_parts(res["value"])
    assert header["alg"] == "ES256"
    assert payload["request"]["kid"] == b["key"]["kid"] and payload["request"]["target"] == "attestation-token"
    assert payload["request"]["nonce"] == "n1" and payload["request"]["enc"] == "CKM_RSA_AES_KEY_WRAP"
    assert payload["response"]["key"]["key"]["kid"] == b["key"]["kid"]
    assert not PRIVATE_MEMBERS & set(payload["response"]["key"]["key"])
    pub = ec_public(header["jwk"])
    pub.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
               signing_input, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        pub.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
                   signing_input + b"x", ec.ECDSA(hashes.SHA256()))
    # latest version (empty segment) also works
    op(kc, "rel", "", "release", {"target": "t"})

    # refused: target missing / bad enc -> 400; not exportable -> 403; disabled -> 403
    for body in ({}, {"target": ""}, {"target": 5}, {"target": "t", "enc": "ROT13"}):
        st, e = error(kc, "POST", "/keys/rel//release", body)
        assert st == 400 and e["code"] == "BadParameter", body
    create(kc, "rel-no", kty="RSA-HSM")
    st, e = error(kc, "POST", "/keys/rel-no//release", {"target": "t"})
    assert st == 403 and e["code"] == "Forbidden" and "not exportable" in e["message"]
    create(kc, "rel-policy-only", kty="EC-HSM", release_policy=dict(policy, immutable=False))
    st, e = error(kc, "POST", "/keys/rel-policy-only//release", {"target": "t"})
    assert st == 403
    kc.request("PATCH", "/keys/rel/", {"attributes": {"enabled": False}})
    st, e = error(kc, "POST", "/keys/rel//release", {"target": "t"})
    assert st == 403 and e.get("innererror") == {"code": "KeyDisabled"}
    assert error(kc, "POST", "/keys/nokey//release", {"target": "t"})[0] == 404
    # exportable without a release policy cannot be created
    st, e = error(kc, "POST", "/keys/rel-bad/create", {"kty": "RSA-HSM", "attributes": {"exportable": True}})
    assert st == 400
    # a new version of an exportable key inherits the release policy; rotation keeps it
    b2 = create(kc, "rel", kty="RSA-HSM", attributes={"exportable": True})
    assert b2["release_policy"] == policy
    r, n = kc.request("POST", "/keys/rel/rotate")
    assert n["release_policy"] == policy and n["attributes"]["exportable"] is True


# ---------------------------------------------------------------------------------------------
# paging


def test_key_lists_paging_with_empty_page(fresh):
    kc = fresh
    names = ["k-%d" % i for i in (4, 2, 0, 3, 1)]
    for n in names:
        create(kc, n, kty="EC")
    port = kc.srv.port
    r, page = kc.request("GET", "/keys?maxresults=2")
    assert re.match(r"^https://localhost:%d/keys\?api-version=2025-07-01&\$skiptoken=[A-Za-z0-9_-]+"
                    r"&maxresults=2$" % port, page["nextLink"]), page["nextLink"]
    items, sizes = tt._collect(kc, "/keys?maxresults=2")
    assert sizes == [2, 0, 2, 1]
    assert [i["kid"] for i in items] == ["https://localhost:%d/keys/%s" % (port, n) for n in sorted(names)]
    items, sizes = tt._collect(kc, "/keys")
    assert sizes == [5]

    for _ in range(4):
        create(kc, "k-0", kty="EC")
    items, sizes = tt._collect(kc, "/keys/k-0/versions?maxresults=2")
    assert sizes == [2, 0, 2, 1] and len({i["kid"] for i in items}) == 5
    assert all(HEX32.match(version_of(i["kid"])) for i in items)
    assert items[-1]["kid"] == kc.request("GET", "/keys/k-0")[1]["key"]["kid"]

    for n in names:
        assert kc.request("DELETE", "/keys/" + n)[0].status == 200
    items, sizes = tt._collect(kc, "/deletedkeys?maxresults=2")
    assert sizes == [2, 0, 2, 1]
    assert [i["recoveryId"].rsplit("/", 1)[1] for i in items] == sorted(names)
    assert kc.request("GET", "/keys")[1] == {"value": [], "nextLink": None}

    for bad in ("0", "26", "x"):
        assert error(kc, "GET", "/keys?maxresults=" + bad)[0] == 400
    # a secrets skiptoken is not valid for keys
    kc.request("PUT", "/secrets/s1", {"value": "v"})
    kc.request("PUT", "/secrets/s2", {"value": "v"})
    r, sp = kc.request("GET", "/secrets?maxresults=1")
    tok = re.search(r"\$skiptoken=([^&]+)", sp["nextLink"]).group(1)
    assert error(kc, "GET", "/keys?maxresults=1&$skiptoken=" + tok)[0] == 400


def test_page_size_option_applies_to_keys(tmp_path):
    srv = tt.Server(str(tmp_path), "--page-size", "3")
    try:
        c = tt.Client(srv)
        for i in range(7):
            create(c, "ps%d" % i, kty="oct", key_size=128)
        items, sizes = tt._collect(c, "/keys")
        assert sizes == [3, 0, 3, 1] and len(items) == 7
        c.close()
    finally:
        srv.stop()


# ---------------------------------------------------------------------------------------------
# routing and protocol


def test_routes_and_methods(kc):
    create(kc, "route", kty="EC")
    for method, path in (("DELETE", "/keys"), ("GET", "/keys/route/create"), ("POST", "/keys/route"),
                         ("GET", "/keys/route//sign"), ("DELETE", "/keys/route/rotationpolicy"),
                         ("POST", "/deletedkeys/route"), ("GET", "/keys/route/rotate")):
        r, b = kc.request(method, path)
        assert r.status in (404, 405), (method, path)
    r, b = kc.request("DELETE", "/keys")
    assert r.status == 405 and "GET" in r.getheader("Allow")
    r, b = kc.request("POST", "/keys/route//frobnicate", {})
    assert r.status == 404 and b["error"]["code"] == "NotFound"
    r, b = kc.request("POST", "/keys/route/v/sign/extra", {})
    assert r.status == 404
    r, b = kc.request("POST", "/keys/bad_name/create", {"kty": "EC"})
    assert r.status == 400
    # auth and api-version apply to keys too
    r, b = kc.request("GET", "/keys", auth=False)
    assert r.status == 401 and r.getheader("WWW-Authenticate") == tt.CHALLENGE
    r, b = kc.request("GET", "/keys", api_version=None)
    assert r.status == 400
    # a key named "restore" is still addressable
    create(kc, "restore", kty="EC")
    r, g = kc.request("GET", "/keys/restore")
    assert r.status == 200 and g["key"]["kid"].endswith("/keys/restore/" + version_of(g["key"]["kid"]))
    r, g = kc.request("GET", "/keys/restore/versions")
    assert r.status == 200 and len(g["value"]) == 1


def test_without_cryptography_secrets_work_and_keys_answer_501(tmp_path, monkeypatch):
    fake = tmp_path / "fake"
    (fake / "cryptography").mkdir(parents=True)
    (fake / "cryptography" / "__init__.py").write_text("raise ImportError('cryptography blocked by the test')\n")
    monkeypatch.setenv("PYTHONPATH", str(fake))
    state = tmp_path / "state"
    state.mkdir()
    srv = tt.Server(str(state))
    try:
        c = tt.Client(srv)
        r, b = c.request("PUT", "/secrets/s", {"value": "v"})
        assert r.status == 200
        for method, path in (("GET", "/keys"), ("POST", "/keys/k/create"), ("POST", "/rng")):
            r, b = c.request(method, path, {})
            assert r.status == 501 and b["error"]["code"] == "NotImplemented"
            assert "cryptography" in b["error"]["message"]
        c.close()
    finally:
        srv.stop()
    assert any("keys operations disabled" in line for line in srv.stderr_lines)


# ---------------------------------------------------------------------------------------------
# asynchronous soft delete of keys


def test_async_key_delete_and_recover(tmp_path):
    srv = tt.Server(str(tmp_path), delete_delay_ms=600)
    kc = tt.Client(srv)
    try:
        create(kc, "akd", kty="EC")
        r, d = kc.request("DELETE", "/keys/akd")
        assert r.status == 200 and d["recoveryId"].endswith("/deletedkeys/akd")
        r, e = kc.request("GET", "/deletedkeys/akd")
        assert r.status == 404 and e["error"] == {"code": "KeyNotFound", "message": "Deleted Key not found: akd"}
        being_deleted = {"code": "Conflict", "message": "Key is currently being deleted.",
                         "innererror": {"code": "ObjectIsBeingDeleted"}}
        for method, path, body in (("DELETE", "/deletedkeys/akd", None),
                                   ("POST", "/deletedkeys/akd/recover", None),
                                   ("POST", "/keys/akd/create", {"kty": "EC"})):
            r, e = kc.request(method, path, body)
            assert (r.status, e["error"]) == (409, being_deleted), (method, path)
        tt.poll(kc, "/deletedkeys/akd")
        r, _ = kc.request("POST", "/deletedkeys/akd/recover")
        assert r.status == 200
        r, e = kc.request("GET", "/keys/akd")
        assert r.status == 404 and e["error"]["code"] == "KeyNotFound"
        r, e = kc.request("POST", "/keys/akd/create", {"kty": "EC"})
        assert r.status == 409 and e["error"]["innererror"]["code"] == "ObjectIsBeingRecovered"
        _, misses = tt.poll(kc, "/keys/akd")
        assert misses >= 1
    finally:
        kc.close()
        srv.stop()
