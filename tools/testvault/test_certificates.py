"""Tests of the certificates data plane of tools/testvault (certificates.py), run:
python3 -m pytest -q tools/testvault. Results are checked with the `cryptography` package: the created
certificate is a real self-signed X.509 certificate whose key is in the backing secret; the CSR of a
pending certificate verifies and a certificate signed for it merges, one for another key does not.
"""
from __future__ import annotations

import base64
import datetime as dt
import time
import urllib.parse

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

import test_testvault as tt


@pytest.fixture(scope="module")
def csrv(tmp_path_factory):
    s = tt.Server(str(tmp_path_factory.mktemp("testvault-certs")), "--page-size", "25")
    yield s
    s.stop()


@pytest.fixture
def cc(csrv):
    c = tt.Client(csrv)
    yield c
    c.close()


def _spki(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _self_signed(cn: str):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=2)).sign(key, hashes.SHA256()))
    return key, cert


def test_self_signed_creation_makes_a_real_certificate_and_secret(cc):
    policy = {"x509_props": {"subject": "CN=tv", "sans": {"dns_names": ["tv.example"], "ipAddresses": ["127.0.0.1"]}},
              "secret_props": {"contentType": "application/x-pem-file"}, "key_props": {"kty": "RSA", "key_size": 2048}}
    r, op = cc.request("POST", "/certificates/tv1/create", {"policy": policy})
    assert r.status == 202 and op["status"] == "inProgress"
    r, op = cc.request("GET", "/certificates/tv1/pending")
    assert r.status == 200 and op["status"] == "inProgress", "in progress for a moment after the create"
    time.sleep(0.4)
    r, op = cc.request("GET", "/certificates/tv1/pending")
    assert op["status"] == "completed" and op["target"].endswith("/certificates/tv1")
    r, b = cc.request("GET", "/certificates/tv1/")
    cert = x509.load_der_x509_certificate(base64.b64decode(b["cer"]))
    assert cert.subject.rfc4514_string() == "CN=tv"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["tv.example"]
    assert b["sid"].endswith("/secrets/tv1/" + b["id"].rsplit("/", 1)[1])
    r, k = cc.request("GET", urllib.parse.urlsplit(b["kid"]).path)
    assert r.status == 200 and k["key"]["kty"] == "RSA", "the backing key is a key of the vault"
    r, s = cc.request("GET", "/secrets/tv1")
    assert s["contentType"] == "application/x-pem-file"
    key = serialization.load_pem_private_key(s["value"].encode(), None)
    assert _spki(key.public_key()) == _spki(cert.public_key())


def test_pending_merge_and_refusals(cc):
    r, op = cc.request("POST", "/certificates/tv2/create",
                       {"policy": {"x509_props": {"subject": "CN=tv2"}, "issuer": {"name": "Unknown"}}})
    assert r.status == 202
    csr = x509.load_der_x509_csr(base64.b64decode(op["csr"]))
    assert csr.is_signature_valid
    r, body = cc.request("GET", "/certificates/tv2")
    assert r.status == 404, "no version before the merge"
    ca_key, ca = _self_signed("tv CA")
    now = dt.datetime.now(dt.timezone.utc)
    signed = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca.subject).public_key(csr.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now)
              .not_valid_after(now + dt.timedelta(days=2)).sign(ca_key, hashes.SHA256()))
    der = lambda c: base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()  # noqa: E731
    r, body = cc.request("POST", "/certificates/tv2/pending/merge", {"x5c": [der(ca)]})
    assert r.status == 400 and "doesn't match" in body["error"]["message"]
    r, body = cc.request("POST", "/certificates/tv2/pending/merge", {"x5c": [der(signed), der(ca)]})
    assert r.status == 201 and body["cer"] == der(signed)
    r, op = cc.request("GET", "/certificates/tv2/pending")
    assert op["status"] == "completed"

    for bad in ({"key_props": {"kty": "RSA", "key_size": 1024}}, {"x509_props": {"subject": "no equals sign"}},
                {"x509_props": {"subject": "CN=x", "validity_months": 0}},
                {"x509_props": {"subject": "CN=x"}, "secret_props": {"contentType": "text/plain"}},
                {"x509_props": {"subject": "CN=x"}, "issuer": {"name": "NoSuchIssuer"}}):
        r, body = cc.request("POST", "/certificates/tv3/create", {"policy": bad})
        assert r.status == 400 and body["error"]["code"] == "BadParameter", bad
    r, body = cc.request("GET", "/certificates/tv3/pending")
    assert r.status == 404, "a refused create leaves nothing"


def test_import_pkcs12_and_pem_refusals(cc):
    key, cert = _self_signed("imp")
    p12 = pkcs12.serialize_key_and_certificates(b"a", key, cert, None, serialization.BestAvailableEncryption(b"pw"))
    value = base64.b64encode(p12).decode()
    r, body = cc.request("POST", "/certificates/imp/import", {"value": value, "pwd": "wrong"})
    assert r.status == 400 and "password" in body["error"]["message"]
    r, body = cc.request("POST", "/certificates/imp/import", {"value": value, "pwd": "pw"})
    assert r.status == 200
    r, s = cc.request("GET", "/secrets/imp")
    assert s["contentType"] == "application/x-pkcs12"
    k2, c2, _ = pkcs12.load_key_and_certificates(base64.b64decode(s["value"]), None)
    assert c2 == cert and _spki(k2.public_key()) == _spki(key.public_key())
    pem_cert_only = cert.public_bytes(serialization.Encoding.PEM).decode()
    r, body = cc.request("POST", "/certificates/imp2/import",
                         {"value": pem_cert_only, "policy": {"secret_props": {"contentType": "application/x-pem-file"}}})
    assert r.status == 400 and "private key" in body["error"]["message"]


def test_issuers_contacts_delete_recover_purge_backup(cc):
    r, body = cc.request("GET", "/certificates/contacts")
    assert r.status == 404
    r, body = cc.request("PUT", "/certificates/contacts", {"contacts": [{"email": "a@b.c"}]})
    assert r.status == 200 and body["contacts"] == [{"email": "a@b.c"}]
    r, body = cc.request("PUT", "/certificates/issuers/iss", {"provider": "P", "credentials": {"account_id": "a", "pwd": "s"}})
    assert r.status == 200 and body["credentials"] == {"account_id": "a"}, "the password is never returned"
    r, body = cc.request("GET", "/certificates/issuers")
    assert [i["provider"] for i in body["value"]] == ["P"]
    r, op = cc.request("POST", "/certificates/tv4/create", {"policy": {"x509_props": {"subject": "CN=x"}, "issuer": {"name": "iss"}}})
    r, op = cc.request("GET", "/certificates/tv4/pending")
    assert op["status"] == "failed" and op["error"]["code"] == "BadParameter"

    cc.request("POST", "/certificates/tv5/create", {"policy": {"x509_props": {"subject": "CN=x"}}})
    r, backup = cc.request("POST", "/certificates/tv5/backup")
    r, d = cc.request("DELETE", "/certificates/tv5")
    assert r.status == 200 and d["recoveryId"].endswith("/deletedcertificates/tv5")
    r, _ = cc.request("GET", "/secrets/tv5")
    assert r.status == 404, "the backing secret is deleted with the certificate"
    r, _ = cc.request("GET", "/deletedkeys/tv5")
    assert r.status == 200, "and the backing key"
    r, _ = cc.request("POST", "/deletedcertificates/tv5/recover")
    assert r.status == 200
    r, _ = cc.request("GET", "/secrets/tv5")
    assert r.status == 200, "and recovered with it"
    cc.request("DELETE", "/certificates/tv5")
    r, _ = cc.request("DELETE", "/deletedcertificates/tv5")
    assert r.status == 204
    r, _ = cc.request("POST", "/certificates/restore", {"value": backup["value"]})
    assert r.status == 200
    r, _ = cc.request("GET", "/secrets/tv5")
    assert r.status == 200
