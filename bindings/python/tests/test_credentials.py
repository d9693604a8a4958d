"""Credentials: the callback credential (Python get_token), the Entra ID credentials against a
scripted token endpoint, and the environment-driven ones' errors."""
from __future__ import annotations

import datetime as dt
import gc
import json
import base64
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple
from urllib.parse import parse_qs

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

import kv_keyvault as kv
from kv_keyvault._credentials import live_callbacks

from conftest import APP_ID, Scripted, Vault, client_kwargs, unique

SECRET_BUNDLE = json.dumps({"value": "from-scripted", "id": "https://localhost/secrets/s/0123456789abcdef",
                            "attributes": {"enabled": True}}).encode()
TOKEN_REPLY = json.dumps({"token_type": "Bearer", "expires_in": 3600, "access_token": "entra-token-1"}).encode()


@pytest.fixture
def fresh(scripted: Scripted) -> Iterator[Scripted]:
    scripted.reset()
    scripted.reply = (200, SECRET_BUNDLE, {})
    yield scripted
    scripted.reset()


def vault_requests(s: Scripted) -> List[str]:
    return [r.authorization for r in s.requests if r.path.startswith("/secrets")]


def test_callback_credential_supplies_and_caches_tokens(fresh: Scripted) -> None:
    calls: List[Tuple[str, Optional[str], Optional[str], str]] = []

    def get_token(scope: str, tenant: Optional[str], claims: Optional[str]) -> kv.AccessToken:
        calls.append((scope, tenant, claims, threading.current_thread().name))
        return kv.AccessToken("cb-token", int(time.time()) + 3600)

    with kv.CallbackCredential(get_token) as cred, kv.Client(fresh.url, cred, ca_file=fresh.ca_file) as client:
        for _ in range(3):
            assert client.get_secret("s").value == "from-scripted"
    assert len(calls) == 1  # cached
    scope, tenant, claims, _thread = calls[0]
    assert scope.endswith("/.default")
    assert tenant == "00000000-0000-0000-0000-000000000000"
    assert claims is None
    assert [a for a in vault_requests(fresh) if a] == ["Bearer cb-token"] * 3


def test_callback_credential_from_many_threads(fresh: Scripted) -> None:
    count = [0]

    def get_token(scope: str, tenant: Optional[str], claims: Optional[str]) -> Tuple[str, dt.datetime]:
        count[0] += 1
        time.sleep(0.05)
        return ("mt-token", dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))

    cred = kv.CallbackCredential(get_token)
    client = kv.Client(fresh.url, cred, ca_file=fresh.ca_file)
    with ThreadPoolExecutor(max_workers=8) as pool:
        values = list(pool.map(lambda _: client.get_secret("s").value, range(8)))  # re-raises any failure
    assert values == ["from-scripted"] * 8
    assert count[0] == 1
    assert [a for a in vault_requests(fresh) if a] == ["Bearer mt-token"] * 8
    client.close()
    cred.close()


def test_callback_failure_becomes_authentication_failed(fresh: Scripted) -> None:
    def get_token(scope: str, tenant: Optional[str], claims: Optional[str]) -> kv.AccessToken:
        raise RuntimeError("no token for you")

    with kv.CallbackCredential(get_token) as cred, kv.Client(fresh.url, cred, ca_file=fresh.ca_file,
                                                             max_retries=0) as client:
        with pytest.raises(kv.AuthenticationFailedError) as info:
            client.get_secret("s")
    assert "RuntimeError: no token for you" in info.value.message
    assert isinstance(info.value, kv.AuthenticationError)

    def expired(scope: str, tenant: Optional[str], claims: Optional[str]) -> kv.AccessToken:
        return kv.AccessToken("tok", 1000)  # in 1970: kv refuses it

    with kv.CallbackCredential(expired) as cred, kv.Client(fresh.url, cred, ca_file=fresh.ca_file,
                                                           max_retries=0) as client:
        with pytest.raises(kv.AuthenticationFailedError):
            client.get_secret("s")
    with pytest.raises(TypeError):
        kv.CallbackCredential("not callable")  # type: ignore[arg-type]


class SdkShapedCredential:
    """An object shaped like an azure-identity credential (azure.core.credentials.TokenCredential),
    without the Azure packages: the real azure-identity runs in emulator_credentials.py."""

    class Token(NamedTuple):
        token: str
        expires_on: int

    def __init__(self, fail: bool = False) -> None:
        self.calls: List[Tuple[Tuple[str, ...], Dict[str, Any]]] = []
        self.fail = fail

    def get_token(self, *scopes: str, claims: Optional[str] = None, tenant_id: Optional[str] = None,
                  enable_cae: bool = False, **kwargs: Any) -> "SdkShapedCredential.Token":
        self.calls.append((scopes, dict(kwargs, claims=claims, tenant_id=tenant_id, enable_cae=enable_cae)))
        if self.fail:
            raise ValueError("ClientSecretCredential.get_token failed: AADSTS7000215")
        return SdkShapedCredential.Token("sdk-token", int(time.time()) + 3600)


def test_an_azure_sdk_credential_is_accepted_as_is(fresh: Scripted) -> None:
    sdk = SdkShapedCredential()
    assert isinstance(sdk, kv.SupportsGetToken)
    with kv.Client(fresh.url, sdk, ca_file=fresh.ca_file) as client:
        assert client.get_secret("s").value == "from-scripted"
        assert client.get_secret("s").value == "from-scripted"
    # One scope per call, the challenge's tenant as tenant_id=, no claims (none were asked for).
    assert len(sdk.calls) == 1, sdk.calls
    scopes, kwargs = sdk.calls[0]
    assert len(scopes) == 1 and scopes[0].endswith("/.default")
    assert kwargs == {"claims": None, "tenant_id": "00000000-0000-0000-0000-000000000000", "enable_cae": False}
    assert [a for a in vault_requests(fresh) if a] == ["Bearer sdk-token"] * 2
    # Made explicitly, one adapter (and kv's token cache) serves several clients.
    shared = SdkShapedCredential()
    with kv.AzureSdkCredential(shared) as cred:
        for _ in range(2):
            with kv.Client(fresh.url, cred, ca_file=fresh.ca_file) as client:
                client.get_secret("s")
    assert len(shared.calls) == 1
    # What the SDK credential raises is the kv call's AuthenticationFailedError.
    with kv.Client(fresh.url, SdkShapedCredential(fail=True), ca_file=fresh.ca_file, max_retries=0) as client:
        with pytest.raises(kv.AuthenticationFailedError) as info:
            client.get_secret("s")
    assert "ValueError: ClientSecretCredential.get_token failed: AADSTS7000215" in info.value.message
    with pytest.raises(TypeError, match="get_token"):
        kv.AzureSdkCredential(object())  # type: ignore[arg-type]


def test_callback_is_released_after_credential_and_clients(vault: Vault) -> None:
    gc.collect()
    before = live_callbacks()
    cred = kv.CallbackCredential(lambda scope, tenant, claims: (vault.token, time.time() + 3600))
    client = kv.Client(vault.url, cred, **client_kwargs(vault))
    assert live_callbacks() == before + 1
    cred.close()
    assert live_callbacks() == before + 1  # the client still uses it
    name = unique()
    client.set_secret(name, "x")  # the callback still works
    del client
    gc.collect()
    assert live_callbacks() == before


def test_client_secret_credential_against_a_token_endpoint(fresh: Scripted) -> None:
    fresh.routes["/my-tenant/oauth2/v2.0/token"] = (200, TOKEN_REPLY, {})
    cred = kv.ClientSecretCredential("my-tenant", "my-app", "my-app-secret", authority_host=fresh.url,
                                     ca_file=fresh.ca_file, timeout=10, additionally_allowed_tenants=["other"])
    with cred, kv.Client(fresh.url, cred, ca_file=fresh.ca_file) as client:
        assert client.get_secret("s").value == "from-scripted"
        assert client.get_secret("s").value == "from-scripted"
    token_requests = [r for r in fresh.requests if "oauth2" in r.path]
    assert len(token_requests) == 1
    form = parse_qs(token_requests[0].body.decode())
    assert form["client_id"] == ["my-app"] and form["client_secret"] == ["my-app-secret"]
    assert form["grant_type"] == ["client_credentials"]
    assert [a for a in vault_requests(fresh) if a] == ["Bearer entra-token-1"] * 2

    fresh.routes["/my-tenant/oauth2/v2.0/token"] = (
        400, json.dumps({"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"}).encode(), {})
    with kv.ClientSecretCredential("my-tenant", "my-app", "wrong", authority_host=fresh.url,
                                   ca_file=fresh.ca_file) as bad, \
            kv.Client(fresh.url, bad, ca_file=fresh.ca_file, max_retries=0) as client:
        with pytest.raises(kv.AuthenticationFailedError) as info:
            client.get_secret("s")
    assert "AADSTS7000215" in info.value.message and "wrong" not in info.value.message


def jwt_part(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def self_signed_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kv-python-test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def test_client_certificate_credential(fresh: Scripted, tmp_path: Any) -> None:
    fresh.routes["/t1/oauth2/v2.0/token"] = (200, TOKEN_REPLY, {})
    pem = self_signed_pem()
    path = tmp_path / "cert.pem"
    path.write_bytes(pem)
    for cred in (kv.ClientCertificateCredential("t1", "app", str(path), authority_host=fresh.url,
                                                ca_file=fresh.ca_file, send_certificate_chain=True),
                 kv.ClientCertificateCredential("t1", "app", certificate_data=pem, authority_host=fresh.url,
                                                ca_file=fresh.ca_file)):
        with cred, kv.Client(fresh.url, cred, ca_file=fresh.ca_file) as client:
            assert client.get_secret("s").value == "from-scripted"
    token_requests = [r for r in fresh.requests if "oauth2" in r.path]
    assert len(token_requests) == 2
    assert [a for a in vault_requests(fresh) if a] == ["Bearer entra-token-1"] * 2
    cert = x509.load_pem_x509_certificate(pem)
    der = cert.public_bytes(serialization.Encoding.DER)
    for request, chain_sent in zip(token_requests, (True, False)):
        form = parse_qs(request.body.decode())
        assert form["client_id"] == ["app"] and form["grant_type"] == ["client_credentials"]
        assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
        header, claims, signature = (jwt_part(p) for p in form["client_assertion"][0].split("."))
        head = json.loads(header)
        body = json.loads(claims)
        # Signed with the certificate's key (RS256 over "header.claims"), naming that certificate.
        signing_input = form["client_assertion"][0].rsplit(".", 1)[0].encode()
        public_key = cert.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        assert head["alg"] == "RS256"
        thumbprints = {"x5t": hashes.SHA1, "x5t#S256": hashes.SHA256}
        named = [k for k in thumbprints if k in head]
        assert named, head
        for k in named:
            digest = hashes.Hash(thumbprints[k]())
            digest.update(der)
            assert jwt_part(head[k]) == digest.finalize()
        assert ("x5c" in head) == chain_sent, head
        if chain_sent:
            assert base64.b64decode(head["x5c"][0]) == der
        assert body["iss"] == body["sub"] == "app"
        assert body["aud"].startswith(fresh.url) and "/t1/" in body["aud"]
        assert request.path.startswith("/t1/oauth2/v2.0/token")
    with pytest.raises(kv.InvalidArgumentError):
        kv.ClientCertificateCredential("t1", "app", certificate_data=b"not a certificate")
    with pytest.raises(TypeError):
        kv.ClientCertificateCredential("t1", "app")


def test_environment_credential_reaches_the_vault_as_its_app(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment credential uses its variables and its options: the local vault's
    client-credentials endpoint (authority_host, trusted through ca_file) issues a token to the app
    the variables name, and the vault sees that app; a wrong secret is refused."""
    if vault.http_port is None or vault.app_secret is None:
        pytest.skip("needs the local vault's client-credentials endpoint")
    for var in ("AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TOKEN_CREDENTIALS",
                "AZURE_AUTHORITY_HOST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AZURE_TENANT_ID", "tenant-py")
    monkeypatch.setenv("AZURE_CLIENT_ID", APP_ID)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", vault.app_secret)
    name = unique("env-app")
    with kv.EnvironmentCredential(authority_host=vault.url, ca_file=vault.ca_file, timeout=10) as cred, \
            kv.Client(vault.url, cred, **client_kwargs(vault)) as client:
        client.set_secret(name, "set by the app")
    seen = vault.auth_log("/secrets/" + name)
    assert seen and all(who == "app:tenant-py/" + APP_ID for _, status, who in seen if status != 401), seen
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-secret")
    with kv.EnvironmentCredential(authority_host=vault.url, ca_file=vault.ca_file, timeout=10) as cred, \
            kv.Client(vault.url, cred, **client_kwargs(vault)) as client:
        with pytest.raises(kv.AuthenticationFailedError) as info:
            client.get_secret(name)
    assert "AADSTS7000215" in info.value.message and "not-the-secret" not in info.value.message


def test_environment_driven_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TOKEN_CREDENTIALS"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(kv.AuthenticationFailedError) as info:
        kv.EnvironmentCredential()
    assert "AZURE_TENANT_ID" in info.value.message
    monkeypatch.setenv("AZURE_TENANT_ID", "t")
    monkeypatch.setenv("AZURE_CLIENT_ID", "c")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "s")
    kv.EnvironmentCredential(timeout=5).close()

    # These read the environment or contact nothing until a token is needed.
    kv.ManagedIdentityCredential(client_id="00000000-0000-0000-0000-000000000001", imds_probe_timeout=0.5).close()
    kv.ManagedIdentityCredential(resource_id="/subscriptions/x/resourceGroups/y/providers/"
                                 "Microsoft.ManagedIdentity/userAssignedIdentities/z").close()
    kv.AzureCliCredential(timeout=5).close()
    kv.DefaultAzureCredential().close()
    kv.DefaultAzureCredential(managed_identity_object_id="00000000-0000-0000-0000-000000000002",
                              additionally_allowed_tenants=["*"]).close()
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "bogus")
    with pytest.raises(kv.InvalidArgumentError):
        kv.DefaultAzureCredential()
    with pytest.raises(kv.AuthenticationFailedError) as wi:  # AZURE_FEDERATED_TOKEN_FILE was removed above
        kv.WorkloadIdentityCredential()
    assert "AZURE_FEDERATED_TOKEN_FILE" in wi.value.message
    with pytest.raises(kv.InvalidArgumentError):
        kv.ClientSecretCredential("t", "c", "s", authority_host="http://insecure.example")
    with pytest.raises(TypeError):
        kv.ClientSecretCredential("t", "c", "s", additionally_allowed_tenants="*")
