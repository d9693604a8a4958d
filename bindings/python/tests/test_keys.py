"""Keys and cryptography against the local vault, cross-checked with the `cryptography` package."""
from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any, Dict

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

import kv_keyvault as kv

from conftest import EMULATOR, PAGE_SIZE, not_on_emulator, unique


def b64url(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rsa_private_jwk(key: rsa.RSAPrivateKey) -> Dict[str, Any]:
    priv = key.private_numbers()
    pub = priv.public_numbers
    return {
        "kty": "RSA", "n": b64url(pub.n), "e": b64url(pub.e), "d": b64url(priv.d), "p": b64url(priv.p),
        "q": b64url(priv.q), "dp": b64url(priv.dmp1), "dq": b64url(priv.dmq1), "qi": b64url(priv.iqmp),
    }


def test_create_rsa_key_properties(client: kv.Client) -> None:
    name = unique()
    with client.create_rsa_key(name, size=2048, operations=["sign", "verify", "encrypt", "decrypt"],
                               tags={"purpose": "test"}) as key:
        assert key.name == name
        assert key.key_type == kv.KeyType.RSA and key.key_type_name == "RSA"
        assert key.curve is None
        assert key.n is not None and len(key.n) == 256
        assert key.e == b"\x01\x00\x01"
        assert key.x is None and key.y is None
        assert set(key.operations) == {"sign", "verify", "encrypt", "decrypt"}
        assert key.tags == {"purpose": "test"}
        assert key.enabled and not key.exportable and not key.managed
        assert key.version and key.id.endswith("/keys/%s/%s" % (name, key.version))
        assert key.created_on is not None
        assert key.release_policy is None and key.attestation is None
        pem = key.public_pem()
        assert pem.startswith("-----BEGIN PUBLIC KEY-----")
        public = serialization.load_pem_public_key(pem.encode())
        assert isinstance(public, rsa.RSAPublicKey)
        assert public.public_numbers().n == int.from_bytes(key.n, "big")
        jwk = key.public_jwk()
        assert jwk["kty"] == "RSA" and "d" not in jwk and jwk["kid"] == key.id
    assert key.closed
    assert key.name == name  # properties outlive close()
    with pytest.raises(kv.ClosedError):
        key.public_pem()


def test_ec_sign_verify_remote_local_and_with_cryptography(client: kv.Client) -> None:
    name = unique()
    key = client.create_ec_key(name, curve=kv.KeyCurve.P256)
    assert key.key_type == kv.KeyType.EC and key.curve == kv.KeyCurve.P256
    assert key.x is not None and len(key.x) == 32
    message = b"release 1.2.3"
    digest = hashlib.sha256(message).digest()

    # Crypto names the version: the emulator answers POST /keys/{name}//sign (latest) with 307.
    v = key.version
    sig = client.sign(name, kv.SignatureAlgorithm.ES256, digest, version=v)
    assert len(sig.value) == 64
    assert sig.key_id == key.id
    assert client.verify(name, kv.SignatureAlgorithm.ES256, digest, sig.value, version=v) is True
    assert client.verify(name, "ES256", hashlib.sha256(b"tampered").digest(), sig.value, version=v) is False
    assert key.verify(kv.SignatureAlgorithm.ES256, digest, sig.value) is True
    assert key.verify(kv.SignatureAlgorithm.ES256, hashlib.sha256(b"x").digest(), sig.value) is False

    data_sig = client.sign_data(name, "ES256", message, version=key.version)
    assert client.verify_data(name, kv.SignatureAlgorithm.ES256, message, data_sig.value, version=v) is True
    assert key.verify_data(kv.SignatureAlgorithm.ES256, message, data_sig.value) is True
    assert key.verify_data(kv.SignatureAlgorithm.ES256, message + b"!", data_sig.value) is False

    # The raw r || s signature verifies with an independent implementation.
    public = serialization.load_pem_public_key(key.public_pem().encode())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    r = int.from_bytes(data_sig.value[:32], "big")
    s = int.from_bytes(data_sig.value[32:], "big")
    public.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))

    with pytest.raises(kv.InvalidArgumentError):
        client.sign(name, kv.SignatureAlgorithm.ES256, b"short digest", version=v)
    with pytest.raises(kv.UnsupportedAlgorithmError):
        key.verify(kv.SignatureAlgorithm.RS256, digest, sig.value)


def test_rsa_sign_encrypt_wrap(client: kv.Client) -> None:
    name = unique()
    key = client.create_key(name, kv.KeyType.RSA, size=2048)
    message = b"payload"
    v = key.version  # explicit versions: the emulator answers the empty-version form with 307
    sig = client.sign_data(name, kv.SignatureAlgorithm.PS256, message, version=v)
    assert key.verify_data(kv.SignatureAlgorithm.PS256, message, sig.value)
    public = serialization.load_pem_public_key(key.public_pem().encode())
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(sig.value, message,
                  padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public.verify(sig.value, b"other",
                      padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())

    secret = os.urandom(48)
    remote = client.encrypt(name, kv.EncryptionAlgorithm.RSA_OAEP_256, secret, version=v)
    assert remote.value != secret and len(remote.value) == 256
    assert client.decrypt(name, kv.EncryptionAlgorithm.RSA_OAEP_256, remote.value, version=v).value == secret
    local = key.encrypt("RSA-OAEP-256", secret)
    assert client.decrypt(name, "RSA-OAEP-256", local.value, version=v).value == secret
    assert secret not in repr(local).encode()

    aes_key = os.urandom(32)
    wrapped_local = key.wrap_key(kv.EncryptionAlgorithm.RSA_OAEP, aes_key)
    assert client.unwrap_key(name, kv.EncryptionAlgorithm.RSA_OAEP, wrapped_local.value, version=v).value == aes_key
    wrapped = client.wrap_key(name, kv.EncryptionAlgorithm.RSA1_5, aes_key, version=v)
    unwrapped = client.unwrap_key(name, kv.EncryptionAlgorithm.RSA1_5, wrapped.value, version=key.version)
    assert unwrapped.value == aes_key and unwrapped.key_id == key.id


@not_on_emulator("oct-HSM keys (Managed HSM only; a Standard vault refuses them too)")
def test_aes_gcm_with_oct_hsm_key(client: kv.Client) -> None:
    name = unique()
    key = client.create_oct_key(name, size=256, hardware_protected=True)
    assert key.key_type == kv.KeyType.OCT_HSM
    plaintext = b"attack at dawn"
    aad = b"header"
    enc = client.encrypt(name, kv.EncryptionAlgorithm.A256GCM, plaintext, aad=aad)
    assert enc.iv and enc.tag
    dec = client.decrypt(name, kv.EncryptionAlgorithm.A256GCM, enc.value, iv=enc.iv, tag=enc.tag, aad=aad)
    assert dec.value == plaintext
    with pytest.raises(kv.KvError):
        client.decrypt(name, kv.EncryptionAlgorithm.A256GCM, enc.value, iv=enc.iv, tag=enc.tag, aad=b"other")
    cbc = client.encrypt(name, kv.EncryptionAlgorithm.A256CBCPAD, plaintext, iv=bytes(16))
    assert client.decrypt(name, kv.EncryptionAlgorithm.A256CBCPAD, cbc.value, iv=bytes(16)).value == plaintext
    wrapped = client.wrap_key(name, kv.EncryptionAlgorithm.A256KW, bytes(range(32)))
    assert client.unwrap_key(name, kv.EncryptionAlgorithm.A256KW, wrapped.value).value == bytes(range(32))


def test_import_pem_and_jwk(client: kv.Client) -> None:
    ec_private = ec.generate_private_key(ec.SECP384R1())
    pem = ec_private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    name = unique()
    key = client.import_key_pem(name, pem, operations=["sign", "verify"], tags={"src": "pem"})
    assert key.key_type == kv.KeyType.EC and key.curve == kv.KeyCurve.P384
    assert key.x == ec_private.public_key().public_numbers().x.to_bytes(48, "big")
    assert set(key.operations) == {"sign", "verify"}
    message = b"imported"
    sig = client.sign_data(name, kv.SignatureAlgorithm.ES384, message, version=key.version)
    r, s = int.from_bytes(sig.value[:48], "big"), int.from_bytes(sig.value[48:], "big")
    ec_private.public_key().verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA384()))

    # PEM as text, and a DER PKCS#1 RSA key, are accepted as well.
    rsa_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = rsa_private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
    assert client.import_key_pem(unique(), der).key_type == kv.KeyType.RSA
    assert client.import_key_pem(unique(), pem.decode()).curve == kv.KeyCurve.P384

    jwk_name = unique()
    imported = client.import_key(jwk_name, rsa_private_jwk(rsa_private), enabled=True)
    assert imported.n == rsa_private.public_key().public_numbers().n.to_bytes(256, "big")
    ciphertext = rsa_private.public_key().encrypt(
        b"hello", padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    assert client.decrypt(jwk_name, kv.EncryptionAlgorithm.RSA_OAEP_256, ciphertext,
                          version=imported.version).value == b"hello"
    # JSON text works too, and the private members never come back.
    again = client.import_key(unique(), json.dumps(rsa_private_jwk(rsa_private)))
    assert "d" not in again.public_jwk()

    with pytest.raises(kv.KvError) as info:
        client.import_key_pem(unique(), b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    assert "nope" not in str(info.value)


def test_key_from_jwk_local_only(client: kv.Client) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    nums = private.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64url(nums.x), "y": b64url(nums.y), "key_ops": ["verify"]}
    key = kv.Key.from_jwk(jwk)
    assert key.key_type == kv.KeyType.EC and key.curve == kv.KeyCurve.P256 and key.id == ""
    message = b"local"
    der = private.sign(message, ec.ECDSA(hashes.SHA256()))
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert key.verify_data(kv.SignatureAlgorithm.ES256, message, raw)
    assert key.public_jwk()["x"] == jwk["x"]
    with pytest.raises(kv.OperationNotPermittedError):
        key.encrypt(kv.EncryptionAlgorithm.RSA_OAEP, b"x")  # key_ops: verify only
    unrestricted = kv.Key.from_jwk({k: v for k, v in jwk.items() if k != "key_ops"})
    with pytest.raises(kv.UnsupportedAlgorithmError):
        unrestricted.encrypt(kv.EncryptionAlgorithm.RSA_OAEP, b"x")  # not an RSA key
    rsa_key = kv.Key.from_jwk(json.dumps({"kty": "RSA", "n": b64url(2**2047 + 1), "e": "AQAB",
                                          "key_ops": ["verify"]}))
    with pytest.raises(kv.OperationNotPermittedError):
        rsa_key.encrypt(kv.EncryptionAlgorithm.RSA_OAEP, b"x")
    with pytest.raises(kv.KvError):
        kv.Key.from_jwk({"kty": "nonsense"})


def test_update_delete_recover_purge_backup_restore(client: kv.Client) -> None:
    name = unique()
    # The emulator lacks P-256K (secp256k1): P-256 there.
    curve, alg = (kv.KeyCurve.P256, kv.SignatureAlgorithm.ES256) if EMULATOR else (kv.KeyCurve.P256K, kv.SignatureAlgorithm.ES256K)
    created = client.create_ec_key(name, curve=curve if EMULATOR else "P-256K", tags={"a": "1"})
    assert created.curve == curve
    # Explicit version: the emulator answers PATCH /keys/{name}/ (latest) with 405.
    updated = client.update_key_properties(name, created.version, enabled=False, tags={"b": "2"},
                                           expires_on=4102444800)
    assert not updated.enabled and updated.tags == {"b": "2"}
    assert updated.expires_on is not None and updated.expires_on.year == 2100
    # The service: Forbidden/KeyDisabled; the emulator: a plain 403 Forbidden.
    with pytest.raises(kv.ForbiddenError if EMULATOR else kv.KeyDisabledError) as info:
        client.sign(name, alg, bytes(32), version=created.version)
    assert info.value.http_status == 403 and (EMULATOR or info.value.inner_code == "KeyDisabled")
    client.update_key_properties(name, created.version, enabled=True, tags={})
    assert client.get_key(name).tags == {}

    backup = client.backup_key(name)
    deleted = client.delete_key(name)
    assert deleted.recovery_id and deleted.deleted_on is not None
    client.wait_for_deleted_key(name, timeout=10)
    assert client.get_deleted_key(name).name == name
    assert name in {k.name for k in client.list_deleted_keys()}
    with pytest.raises(kv.KeyNotFoundError):
        client.get_key(name)
    client.recover_deleted_key(name)
    client.wait_for_recovered_key(name, timeout=10.0)
    assert client.get_key(name).version == created.version

    client.delete_key(name)
    client.wait_for_deleted_key(name, timeout=10)
    client.purge_deleted_key(name)
    with pytest.raises(kv.KeyNotFoundError):
        client.get_deleted_key(name)
    restored = client.restore_key(backup)
    assert restored.name == name and restored.curve == curve


def test_rotate_versions_and_lists(client: kv.Client) -> None:
    name = unique()
    first = client.create_rsa_key(name)
    versions = {first.version}
    for _ in range(PAGE_SIZE):
        rotated = client.rotate_key(name)
        assert rotated.version not in versions
        versions.add(rotated.version)
    assert client.get_key(name).version == rotated.version
    listed = list(client.list_properties_of_key_versions(name))
    assert {k.version for k in listed} == versions
    assert all(k.n is None for k in listed)  # list items carry no key material
    assert name in {k.name for k in client.list_properties_of_keys()}


def test_rotation_policy(client: kv.Client) -> None:
    name = unique()
    client.create_ec_key(name)
    policy = kv.KeyRotationPolicy(
        lifetime_actions=[
            kv.KeyRotationLifetimeAction(kv.KeyRotationAction.ROTATE, time_after_create="P90D"),
            kv.KeyRotationLifetimeAction(kv.KeyRotationAction.NOTIFY, time_before_expiry="P30D"),
        ],
        expires_in="P1Y",
    )
    stored = client.update_key_rotation_policy(name, policy)
    assert stored.expires_in == "P1Y"
    assert stored.id
    fetched = client.get_key_rotation_policy(name)
    assert fetched.expires_in == "P1Y"
    assert [(a.action, a.time_after_create, a.time_before_expiry) for a in fetched.lifetime_actions] == [
        (kv.KeyRotationAction.ROTATE, "P90D", None),
        (kv.KeyRotationAction.NOTIFY, None, "P30D"),
    ]
    with pytest.raises(kv.KvError):
        client.update_key_rotation_policy(name, kv.KeyRotationPolicy(
            [kv.KeyRotationLifetimeAction(kv.KeyRotationAction.ROTATE)]))


def test_random_bytes(client: kv.Client) -> None:
    a = client.get_random_bytes(32)
    b = client.get_random_bytes(32)
    assert len(a) == 32 and len(b) == 32 and a != b
    assert len(client.get_random_bytes(1)) == 1
    with pytest.raises(kv.KvError):
        client.get_random_bytes(0)


@not_on_emulator("HSM keys (its vault is Standard tier), key attestation and secure key release")
def test_attestation_and_release(client: kv.Client) -> None:
    name = unique()
    client.create_rsa_key(name, hardware_protected=True)
    attested = client.get_key_attestation(name)
    assert attested.attestation is not None
    assert attested.attestation.certificate_pem_file or attested.attestation.public_key_attestation

    policy = kv.KeyReleasePolicy.from_json({"version": "1.0.0", "anyOf": [
        {"authority": "https://attest.example", "allOf": [{"claim": "x", "equals": "y"}]}]})
    exportable = unique()
    key = client.create_rsa_key(exportable, exportable=True, release_policy=policy)
    assert key.exportable and key.release_policy is not None
    assert json.loads(key.release_policy.encoded_policy)["version"] == "1.0.0"
    released = client.release_key(exportable, "attestation-token", nonce="n-1",
                                  algorithm=kv.KeyReleaseAlgorithm.RSA_AES_KEY_WRAP_256)
    assert isinstance(released, str) and released.count(".") == 2  # a JWS


def test_enum_wire_names() -> None:
    assert kv.KeyType.from_wire("EC-HSM") is kv.KeyType.EC_HSM
    assert kv.KeyType.OCT.wire_name == "oct"
    assert kv.SignatureAlgorithm.ES256K.wire_name == "ES256K"
    assert kv.EncryptionAlgorithm.from_wire("RSA-OAEP-256") == 3
    assert kv.KeyCurve.DEFAULT.wire_name == ""
    with pytest.raises(ValueError):
        kv.KeyCurve.from_wire("P-999")


def test_unknown_enum_values_are_refused(client: kv.Client) -> None:
    with pytest.raises(kv.InvalidArgumentError):
        client.create_key(unique(), 99)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client.create_key(unique(), "NOT-A-TYPE")
