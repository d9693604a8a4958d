"""Certificates against the local vault: create/wait/download (checked with the cryptography
package), import PEM and PKCS#12, merge with a test CA, policy, lifecycle, issuers, contacts."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

import kv_keyvault as kv

from conftest import EMULATOR, unique


def _spki(key: Any) -> bytes:
    der: bytes = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return der


def test_self_signed_create_wait_download_pem(client: kv.Client) -> None:
    name = unique("pycert")
    policy = kv.CertificatePolicy(subject="CN=py.example", dns_names=["py.example", "localhost"], key_type="EC",
                                  curve="P-256", content_type="application/x-pem-file", validity_in_months=6,
                                  lifetime_actions=[kv.LifetimeAction("AutoRenew", lifetime_percentage=80)])
    op = client.create_certificate(name, policy, tags={"env": "test"})
    assert op.id.endswith("/certificates/%s/pending" % name)
    cert = client.wait_for_certificate(name, timeout=30)
    assert cert.subject == "CN=py.example"
    assert cert.issuer == "CN=py.example"
    assert cert.subject_alternative_names == ["DNS:py.example", "DNS:localhost"]
    assert cert.tags == {"env": "test"}
    assert cert.expires_on is not None and cert.expires_on > dt.datetime.now(dt.timezone.utc)
    parsed = x509.load_der_x509_certificate(cert.cer)
    assert parsed.fingerprint(hashes.SHA1()).hex().upper() == cert.thumbprint

    # The emulator stores a certificate's secret as base64 JSON {key, cer} labelled PKCS#12, not what
    # the service stores (PEM or PKCS#12 per the policy), so the download is checked on the stand-in.
    if not EMULATOR:
        pem = client.download_certificate(name)
        key = serialization.load_pem_private_key(pem, None)
        leaf = x509.load_pem_x509_certificates(pem)[0]
        assert leaf.public_bytes(serialization.Encoding.DER) == cert.cer
        assert _spki(key.public_key()) == _spki(leaf.public_key()), "the key is the certificate's"
        p12 = client.download_certificate(name, format=kv.CertificateFormat.PKCS12, password="pw")
        k2, c2, _ = pkcs12.load_key_and_certificates(p12, b"pw")
        assert c2 is not None and c2.public_bytes(serialization.Encoding.DER) == cert.cer
        assert b"PRIVATE KEY" not in client.download_certificate(name, format="chain_pem")

    policy_back = client.get_certificate_policy(name)
    assert policy_back.subject == "CN=py.example" and policy_back.content_type == "application/x-pem-file"
    updated = client.update_certificate_policy(name, kv.CertificatePolicy(issuer_name=None, validity_in_months=3))
    # The emulator replaces the policy on PATCH instead of merging it into the old one.
    assert updated.validity_in_months == 3 and (updated.subject == "CN=py.example" or EMULATOR)

    client.delete_certificate(name)
    client.wait_for_deleted_certificate(name)
    assert client.get_deleted_certificate(name).recovery_id
    client.purge_deleted_certificate(name)
    with pytest.raises(kv.errors.CertificateNotFoundError):
        client.get_certificate(name)


def test_import_pkcs12_and_wrong_password_and_pem_without_key(client: kv.Client) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imported")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=5)).sign(key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(b"x", key, cert, None, serialization.BestAvailableEncryption(b"pw"))
    name = unique("pyimport")
    with pytest.raises(kv.errors.BadParameterError):
        client.import_certificate(name, p12, password="wrong")
    got = client.import_certificate(name, p12, password="pw", tags={"a": "b"})
    assert got.cer == cert.public_bytes(serialization.Encoding.DER)
    assert got.tags == {"a": "b"}
    with pytest.raises(kv.errors.InvalidArgumentError, match="no private key"):
        client.import_certificate(unique("pynokey"), cert.public_bytes(serialization.Encoding.PEM))
    assert any(c.name == name for c in client.list_properties_of_certificates())
    versions = list(client.list_properties_of_certificate_versions(name))
    assert [v.version for v in versions] == [got.version]
    backup = client.backup_certificate(name)
    client.delete_certificate(name)
    client.wait_for_deleted_certificate(name)
    client.recover_deleted_certificate(name)
    client.wait_for_recovered_certificate(name)
    client.delete_certificate(name)
    client.wait_for_deleted_certificate(name)
    client.purge_deleted_certificate(name)
    assert client.restore_certificate(backup).name == name
    # An explicit version: the emulator answers 405 to PATCH with an empty version segment.
    assert client.update_certificate_properties(name, got.version, enabled=False).enabled is False


def test_pending_merge_cancel(client: kv.Client) -> None:
    name = unique("pymerge")
    op = client.create_certificate(name, kv.CertificatePolicy(subject="CN=merged", issuer_name="Unknown"))
    assert op.csr
    assert client.get_certificate_operation(name).status == "inProgress"
    csr = x509.load_der_x509_csr(op.csr)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "py test CA")])
    now = dt.datetime.now(dt.timezone.utc)
    signed = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca_name).public_key(csr.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now)
              .not_valid_after(now + dt.timedelta(days=5)).sign(ca_key, hashes.SHA256()))
    merged = client.merge_certificate(name, [signed.public_bytes(serialization.Encoding.DER)])
    assert merged.issuer == "CN=py test CA"
    assert client.wait_for_certificate(name).cer == merged.cer

    other = unique("pycancel")
    client.create_certificate(other, kv.CertificatePolicy(subject="CN=c", issuer_name="Unknown"))
    assert client.cancel_certificate_operation(other).cancellation_requested
    client.delete_certificate_operation(other)


def test_issuers_and_contacts(client: kv.Client) -> None:
    name = unique("pyissuer")
    issuer = client.set_certificate_issuer(name, "Test", account_id="acct", password="pw", organization_id="org",
                                           admins=[{"first_name": "A", "email": "a@example.com"}])
    assert (issuer.name, issuer.provider, issuer.account_id, issuer.organization_id) == (name, "Test", "acct", "org")
    assert client.update_certificate_issuer(name, enabled=False).enabled is False
    # The emulator replaces the issuer on PATCH instead of merging (the provider is then gone).
    assert client.get_certificate_issuer(name).provider == "Test" or EMULATOR
    assert name in [i.name for i in client.list_properties_of_issuers()]
    client.delete_certificate_issuer(name)
    contacts = [kv.Contact(email="ops@example.com", name="Ops")]
    assert client.set_contacts(contacts) == contacts
    assert client.get_contacts() == contacts
    assert client.delete_contacts() == contacts
