"""The Python binding's credentials against the independent emulators of ../shared/vault-emulators:
a vault that validates every token, and the identity platform that issues them.

Not collected by a plain ``pytest`` (the name does not start with ``test_``): scripts/test.sh's
stage "independent vault (emulator)" runs this file by name, with the emulators' ``KV_EMU_*``
variables; without them every test fails, naming what is missing.
"""
from __future__ import annotations

import json
import os
import subprocess
from typing import Iterator

import pytest

import kv_keyvault as kv
from conftest import unique


def emu(name: str) -> str:
    value = os.environ.get("KV_EMU_" + name)
    if not value:
        pytest.fail("KV_EMU_%s is not set: start the emulators (eval \"$(bash ../shared/vault-emulators/start.sh)\")"
                    % name)
    return value


def client_for(cred: kv.Credential) -> kv.Client:
    return kv.Client(emu("VAULT_URL"), cred, ca_file=emu("CA_FILE"))


def raw_token(scope: str) -> str:
    """A token from the identity platform (client credentials grant) by curl, not by kv."""
    reply = subprocess.run(
        ["curl", "-sS", "--max-time", "20", "--cacert", emu("CA_FILE"), "-d", "grant_type=client_credentials",
         "-d", "client_id=" + emu("CLIENT_ID"), "-d", "client_secret=" + emu("CLIENT_SECRET"), "-d", "scope=" + scope,
         "%s/%s/oauth2/v2.0/token" % (emu("AUTHORITY_HOST"), emu("TENANT_ID"))],
        check=True, capture_output=True).stdout
    token = json.loads(reply)["access_token"]
    assert isinstance(token, str)
    return token


def test_client_secret_credential_through_the_identity_platform() -> None:
    with kv.ClientSecretCredential(emu("TENANT_ID"), emu("CLIENT_ID"), emu("CLIENT_SECRET"),
                                   authority_host=emu("AUTHORITY_HOST"), ca_file=emu("CA_FILE")) as cred, \
            client_for(cred) as client:
        name = unique("py-emu-cs")
        created = client.set_secret(name, "via client secret")
        assert client.get_secret(name, created.version).value == "via client secret"
        client.delete_secret(name)
        client.purge_deleted_secret(name)


def test_wrong_client_secret_is_authentication_failed() -> None:
    wrong = "not-the-secret~Zq8"
    with kv.ClientSecretCredential(emu("TENANT_ID"), emu("CLIENT_ID"), wrong, authority_host=emu("AUTHORITY_HOST"),
                                   ca_file=emu("CA_FILE")) as cred, client_for(cred) as client:
        with pytest.raises(kv.AuthenticationFailedError) as info:
            client.get_secret(unique("py-emu-wrong"))
    assert info.value.http_status == 401
    assert "invalid_client" in str(info.value) or "AADSTS7000215" in str(info.value)
    assert wrong not in str(info.value)


@pytest.fixture
def app_service_identity(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The endpoint is served over TLS by the emulator: its CA through SSL_CERT_FILE (the binding's
    # ManagedIdentityCredential has no CA option; in Azure the endpoint is local plain HTTP).
    monkeypatch.setenv("IDENTITY_ENDPOINT", emu("IDENTITY_ENDPOINT"))
    monkeypatch.setenv("IDENTITY_HEADER", emu("IDENTITY_HEADER"))
    monkeypatch.setenv("SSL_CERT_FILE", emu("CA_FILE"))
    yield


def test_managed_identity_through_the_app_service_endpoint(app_service_identity: None) -> None:
    with kv.ManagedIdentityCredential() as cred, client_for(cred) as client:
        name = unique("py-emu-mi")
        client.set_secret(name, "via managed identity")
        assert client.get_secret(name).value == "via managed identity"
        client.delete_secret(name)
        client.purge_deleted_secret(name)


def test_managed_identity_with_a_wrong_header_fails(app_service_identity: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_HEADER", "not-the-header")
    with kv.ManagedIdentityCredential() as cred, client_for(cred) as client:
        with pytest.raises(kv.AuthenticationFailedError) as info:
            client.get_secret(unique("py-emu-mi-wrong"))
    assert "not-the-header" not in str(info.value)


def test_tokens_the_vault_must_refuse() -> None:
    storage = raw_token("https://storage.azure.com/.default")  # genuine, for another audience
    real = raw_token("https://vault.azure.net/.default")
    head, claims, signature = real.split(".")
    forged = "%s.%s.%s" % (head, claims, signature[:-8] + ("AAAAAAAA" if not signature.endswith("AAAAAAAA") else "BBBBBBBB"))
    for token in (storage, forged):
        with kv.StaticTokenCredential(token) as cred, client_for(cred) as client:
            with pytest.raises(kv.UnauthorizedError) as info:
                client.get_secret(unique("py-emu-refused"))
        assert info.value.http_status == 401 and token not in str(info.value)
    with kv.StaticTokenCredential(real) as cred, client_for(cred) as client:
        with pytest.raises(kv.SecretNotFoundError):  # the genuine token is accepted
            client.get_secret(unique("py-emu-accepted"))
