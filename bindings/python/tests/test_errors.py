"""Error mapping: every status gets its class, fields are copied, the native error is freed at once."""
from __future__ import annotations

import pickle
import socket
from typing import Any, List, Optional, Type

import pytest

import kv_keyvault as kv
from kv_keyvault import _native

from conftest import EMULATOR, Scripted, Vault, client_kwargs, unique


def scripted_client(scripted: Scripted, **kwargs: Any) -> kv.Client:
    scripted.routes.clear()
    cred = kv.StaticTokenCredential("scripted-token")
    return kv.Client(scripted.url, cred, ca_file=scripted.ca_file, max_retries=0, **kwargs)


@pytest.mark.parametrize(
    "http_status, code, inner, expected, groups",
    [
        (429, "Throttled", None, kv.ThrottledError, [kv.ServiceError]),
        (403, "Forbidden", "ForbiddenByRbac", kv.ForbiddenByRbacError, [kv.ForbiddenError, kv.ServiceError]),
        (403, "Forbidden", "ForbiddenByFirewall", kv.ForbiddenByFirewallError, [kv.ForbiddenError]),
        (403, "Forbidden", "AccessDenied", kv.AccessDeniedError, [kv.ForbiddenError]),
        (403, "Forbidden", "ForbiddenByPolicy", kv.ForbiddenByPolicyError, [kv.ForbiddenError]),
        (409, "Conflict", "ObjectIsBeingDeleted", kv.ObjectIsBeingDeletedError, [kv.ConflictError]),
        (404, "KeyNotFound", None, kv.KeyNotFoundError, [kv.NotFoundError]),
        (404, "CertificateNotFound", None, kv.CertificateNotFoundError, [kv.NotFoundError]),
        (404, "SomethingElse", None, kv.NotFoundError, [kv.ServiceError]),
        (400, "BadParameter", None, kv.BadParameterError, [kv.ServiceError]),
        (400, "NoSuchCode", None, kv.BadRequestError, [kv.ServiceError]),
        (400, "BadParameter", "KeyTypeNotSupported", kv.KeyTypeNotSupportedError, [kv.ServiceError]),
        (500, "Boom", None, kv.ServerError, [kv.ServiceError]),
        (418, "Teapot", None, kv.ServiceError, [kv.KvError]),
    ],
)
def test_service_errors_map_to_classes(scripted: Scripted, http_status: int, code: str, inner: Optional[str],
                                       expected: Type[kv.KvError], groups: List[Type[kv.KvError]]) -> None:
    scripted.set_error(http_status, code, "scripted %s" % code, inner, headers={"Retry-After": "0"})
    with scripted_client(scripted) as client:
        with pytest.raises(kv.KvError) as info:
            client.get_secret("anything")
    e = info.value
    assert type(e) is expected, (type(e), expected)
    for g in groups:
        assert isinstance(e, g)
    assert e.http_status == http_status
    assert e.code == code
    assert e.inner_code == (inner or "")
    assert e.request_id.startswith("req-")
    assert "scripted %s" % code in e.message
    assert e.status == expected.STATUS
    assert e.description  # kv_status_str


def test_unparseable_reply(scripted: Scripted) -> None:
    scripted.reply = (200, b"this is not json", {})
    with scripted_client(scripted) as client:
        with pytest.raises(kv.UnparseableResponseError) as info:
            client.get_secret("anything")
    assert isinstance(info.value, kv.TransportError)


def test_tls_error_without_the_ca(vault: Vault, credential: kv.Credential) -> None:
    if vault.ca_file is None:
        pytest.skip("the vault is publicly trusted")
    with kv.Client(vault.url, credential, max_retries=0) as client:
        with pytest.raises(kv.TlsError) as info:
            client.get_secret("anything")
    assert info.value.http_status == 0 and isinstance(info.value, kv.TransportError)


def test_connection_refused_is_transport_error(credential: kv.Credential) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with kv.Client("https://localhost:%d" % port, credential, max_retries=0, connect_timeout=2) as client:
        with pytest.raises(kv.TransportError) as info:
            client.get_secret("anything")
    assert info.value.status in (kv.Status.TRANSPORT, kv.Status.TIMEOUT, kv.Status.DNS)


def test_caller_errors(credential: kv.Credential, vault: Vault) -> None:
    with pytest.raises(kv.InvalidUrlError):
        kv.Client("not a url", credential)
    with pytest.raises(kv.InsecureTransportError):
        kv.Client("http://localhost:1", credential)
    with pytest.raises(kv.FileError):
        kv.Client(vault.url, credential, ca_file="/nonexistent/ca.pem")
    with pytest.raises(kv.InvalidArgumentError):
        kv.Client(vault.url, credential, read_timeout=0)
    with pytest.raises(kv.InvalidArgumentError):
        kv.Client(vault.url, credential, connect_timeout=-1)
    with pytest.raises(TypeError):
        kv.Client(vault.url, "not a credential")  # type: ignore[arg-type]
    # The options apply: a client with every option set works (but the verb override on the
    # emulator, which answers POST with X-HTTP-METHOD by 405).
    with kv.Client(vault.url, credential, api_version="2025-07-01", method_override=not EMULATOR, connect_timeout=5,
                   read_timeout=5.5, call_timeout=20, max_retries=2, retry_delay=0.1, max_retry_delay=1,
                   **client_kwargs(vault)) as client:
        name = unique()
        created = client.set_secret(name, "override")
        # PATCH sent as POST (explicit version: the emulator answers PATCH /secrets/{name}/ with 405)
        client.update_secret_properties(name, created.version, content_type="text/plain")
        assert client.get_secret(name).content_type == "text/plain"
        client.delete_secret(name)


def test_native_error_is_copied_and_freed_at_once(client: kv.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    freed: List[int] = []
    real_free = _native.lib.kv_error_free

    def counting_free(err: Any) -> None:
        freed.append(1 if err else 0)
        real_free(err)

    monkeypatch.setattr(_native.lib, "kv_error_free", counting_free)
    with pytest.raises(kv.SecretNotFoundError) as info:
        client.get_secret(unique("missing"))
    assert freed == [1]  # freed before the exception reached us, exactly once
    e = info.value
    assert e.code == "SecretNotFound" and e.http_status == 404 and e.request_id  # copies survive


def test_errors_carry_the_calls_diagnostics(client: kv.Client) -> None:
    with pytest.raises(kv.SecretNotFoundError):
        client.get_secret(unique("missing"))  # the client now knows the vault's challenge
    with pytest.raises(kv.SecretNotFoundError) as info:
        client.get_secret(unique("missing"))
    e = info.value
    assert e.attempts == 1, repr(e)  # one GET, no probe, no retry
    assert len(e.client_request_id) == 36 and e.client_request_id.count("-") == 4, e.client_request_id
    assert 0.0 < e.elapsed < 60.0, e.elapsed
    assert e.client_request_id in str(e)
    with pytest.raises(kv.SecretNotFoundError) as again:
        client.get_secret(unique("missing"))
    assert again.value.client_request_id != e.client_request_id  # one id per call
    # A caller error sends nothing.
    with pytest.raises(kv.InvalidNameError) as local:
        client.get_secret("not a valid name!")
    assert (local.value.attempts, local.value.client_request_id, local.value.elapsed) == (0, "", 0.0)


def test_exceptions_pickle_and_print() -> None:
    e = kv.SecretNotFoundError("gone", code="SecretNotFound", http_status=404, request_id="r1",
                               client_request_id="c1", attempts=2, elapsed=0.25)
    assert e.status == kv.Status.SECRET_NOT_FOUND
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is kv.SecretNotFoundError
    assert (again.message, again.code, again.http_status, again.request_id) == ("gone", "SecretNotFound", 404, "r1")
    assert (again.client_request_id, again.attempts, again.elapsed) == ("c1", 2, 0.25)
    assert "gone" in str(e) and "HTTP 404" in str(e) and "r1" in str(e)
    assert "SecretNotFoundError" in repr(e)
    # kv.TimeoutError is also the built-in TimeoutError.
    assert issubclass(kv.TimeoutError, TimeoutError) and issubclass(kv.TimeoutError, kv.TransportError)
    assert kv.errors.error_class(12345) is kv.KvError
