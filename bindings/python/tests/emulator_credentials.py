"""The Python binding's credentials against the independent emulators of ../shared/vault-emulators:
a vault that validates every token, and the identity platform that issues them.

Not collected by a plain ``pytest`` (the name does not start with ``test_``): scripts/test.sh's
stage "independent vault (emulator)" runs this file by name, with the emulators' ``KV_EMU_*``
variables; without them every test fails, naming what is missing.
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
from typing import Any, Iterator

import pytest

import kv_keyvault as kv
from conftest import unique


def emu(name: str) -> str:
    value = os.environ.get("KV_EMU_" + name)
    if not value:
        pytest.fail("KV_EMU_%s is not set: start the emulators (eval \"$(bash ../shared/vault-emulators/start.sh)\")"
                    % name)
    return value


def client_for(cred: "kv.Credential | kv.SupportsGetToken") -> kv.Client:
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


def azure_identity() -> Any:
    """The real azure-identity from PyPI (.ci/run installs it); imported by name so that mypy
    and the plain suite do not need it."""
    return importlib.import_module("azure.identity")


def sdk_client_secret_credential(secret: str) -> Any:
    # disable_instance_discovery: MSAL would otherwise ask login.microsoftonline.com about the
    # authority; connection_verify: the emulators' CA.
    return azure_identity().ClientSecretCredential(
        emu("TENANT_ID"), emu("CLIENT_ID"), secret, authority=emu("AUTHORITY_HOST"),
        disable_instance_discovery=True, connection_verify=emu("CA_FILE"))


def test_azure_identity_credential_is_accepted_by_the_client() -> None:
    sdk = sdk_client_secret_credential(emu("CLIENT_SECRET"))
    with client_for(sdk) as client:
        name = unique("py-emu-sdk")
        created = client.set_secret(name, "via azure-identity")
        assert client.get_secret(name, created.version).value == "via azure-identity"
        client.delete_secret(name)
        client.purge_deleted_secret(name)
    # Shared explicitly by two clients.
    with kv.AzureSdkCredential(sdk) as cred, client_for(cred) as a, client_for(cred) as b:
        name = unique("py-emu-sdk-shared")
        a.set_secret(name, "shared")
        assert b.get_secret(name).value == "shared"
        a.delete_secret(name)
        a.purge_deleted_secret(name)


def test_azure_identity_failure_is_authentication_failed() -> None:
    wrong = "not-the-secret~Sdk9"
    with client_for(sdk_client_secret_credential(wrong)) as client:
        with pytest.raises(kv.AuthenticationFailedError) as info:
            client.get_secret(unique("py-emu-sdk-wrong"))
    assert "ClientAuthenticationError" in str(info.value) and wrong not in str(info.value)


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
