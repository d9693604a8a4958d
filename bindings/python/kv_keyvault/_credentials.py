"""Credentials: sources of tokens for a Client.

A credential is thread-safe and may serve any number of clients; kv caches its tokens. ``close()``
(or a ``with`` block) frees the Python side's reference at once, otherwise it is freed when the
credential is garbage collected; clients already made with it keep working either way.

The credentials that ask Microsoft Entra ID for tokens take these keyword options (``None`` keeps
kv's default): ``authority_host`` (e.g. ``"https://login.microsoftonline.us"``; default
``AZURE_AUTHORITY_HOST`` or ``https://login.microsoftonline.com``), ``ca_file`` (extra CA
certificates for token requests), ``additionally_allowed_tenants`` (tenants a vault's challenge
may name; ``["*"]`` for any) and ``timeout`` (seconds allowed for one token request).
"""
from __future__ import annotations

import datetime as _dt
import itertools
import os
import threading
from contextlib import contextmanager
from ctypes import POINTER, byref
from typing import (Any, Callable, Dict, Iterable, Iterator, NamedTuple, Optional, Protocol, Tuple, TypeVar, Union,
                    runtime_checkable)

from ._ffi import kv_credential, kv_free_user_data, kv_token_callback
from ._native import (
    Buffer,
    Handle,
    bytes_arg,
    call,
    lib as _lib,
    millis_arg,
    new_handle,
    opt_text_arg,
    text_arg,
    unix_arg,
)

PathLike = Union[str, "os.PathLike[str]"]
_C = TypeVar("_C", bound="Credential")


class Credential:
    """Base class of the credentials."""

    _handle: Handle

    def _adopt(self, ptr: Any) -> None:
        self._handle = Handle(ptr, _lib.kv_credential_free, type(self).__name__)

    def close(self) -> None:
        """Frees the native credential now (idempotent). Clients made with it keep working."""
        self._handle.close()

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "%s(%s)" % (type(self).__name__, "closed" if self.closed else "open")


@contextmanager
def _options(
    authority_host: Optional[str] = None,
    ca_file: Optional[PathLike] = None,
    additionally_allowed_tenants: Optional[Iterable[str]] = None,
    timeout: Optional[float] = None,
    send_certificate_chain: Optional[bool] = None,
    managed_identity_client_id: Optional[str] = None,
    managed_identity_object_id: Optional[str] = None,
    managed_identity_resource_id: Optional[str] = None,
    imds_probe_timeout: Optional[float] = None,
) -> Iterator[Any]:
    """A native kv_credential_options for one constructor call (None when nothing is set)."""
    settings = (authority_host, ca_file, additionally_allowed_tenants, timeout, send_certificate_chain,
                managed_identity_client_id, managed_identity_object_id, managed_identity_resource_id,
                imds_probe_timeout)
    if all(s is None for s in settings):
        yield None
        return
    handle = new_handle(_lib.kv_credential_options_new, _lib.kv_credential_options_free, "CredentialOptions")
    try:
        with handle.use() as o:
            if authority_host is not None:
                call(_lib.kv_credential_options_set_authority_host, o, text_arg(authority_host, "authority_host"))
            if ca_file is not None:
                call(_lib.kv_credential_options_set_ca_file, o, text_arg(os.fsdecode(ca_file), "ca_file"))
            if additionally_allowed_tenants is not None:
                if isinstance(additionally_allowed_tenants, str):
                    raise TypeError("additionally_allowed_tenants must be a list of str, not a str")
                for tenant in additionally_allowed_tenants:
                    call(_lib.kv_credential_options_add_allowed_tenant, o, text_arg(tenant, "tenant"))
            if timeout is not None:
                call(_lib.kv_credential_options_set_timeout_ms, o, millis_arg(timeout, "timeout"))
            if send_certificate_chain is not None:
                call(_lib.kv_credential_options_set_send_certificate_chain, o, bool(send_certificate_chain))
            if managed_identity_client_id is not None:
                call(_lib.kv_credential_options_set_managed_identity_client_id, o,
                     text_arg(managed_identity_client_id, "client_id"))
            if managed_identity_object_id is not None:
                call(_lib.kv_credential_options_set_managed_identity_object_id, o,
                     text_arg(managed_identity_object_id, "object_id"))
            if managed_identity_resource_id is not None:
                call(_lib.kv_credential_options_set_managed_identity_resource_id, o,
                     text_arg(managed_identity_resource_id, "resource_id"))
            if imds_probe_timeout is not None:
                call(_lib.kv_credential_options_set_imds_probe_timeout_ms, o,
                     millis_arg(imds_probe_timeout, "imds_probe_timeout"))
            yield o
    finally:
        handle.close()


class StaticTokenCredential(Credential):
    """Always presents ``token``, a bearer token the application already has. kv never refreshes
    it: once it expires, calls raise ``UnauthorizedError``. The token is copied into kv (and
    zeroized there when the credential is freed); it never appears in ``repr()``."""

    def __init__(self, token: str) -> None:
        out = POINTER(kv_credential)()
        call(_lib.kv_credential_static_token_new, text_arg(token, "token"), byref(out))
        self._adopt(out)


class ClientSecretCredential(Credential):
    """An application (service principal) that authenticates with a client secret. ``tenant_id``
    is a GUID or domain name, ``client_id`` the application id. Nothing is sent until a client
    needs a token; a refused request then raises ``AuthenticationFailedError``."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        authority_host: Optional[str] = None,
        ca_file: Optional[PathLike] = None,
        additionally_allowed_tenants: Optional[Iterable[str]] = None,
        timeout: Optional[float] = None,
    ) -> None:
        out = POINTER(kv_credential)()
        with _options(authority_host, ca_file, additionally_allowed_tenants, timeout) as opts:
            call(_lib.kv_credential_client_secret_new, text_arg(tenant_id, "tenant_id"),
                 text_arg(client_id, "client_id"), text_arg(client_secret, "client_secret"), opts, byref(out))
        self._adopt(out)


class ClientCertificateCredential(Credential):
    """An application that authenticates with a certificate: ``certificate_path`` names, or
    ``certificate_data`` holds, PEM text with the certificate(s) and the unencrypted RSA private
    key, or a PKCS#12 (PFX) file (``password`` for it). ``send_certificate_chain`` sends the chain
    (``x5c``) with each assertion, for subject name / issuer authentication."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        certificate_path: Optional[PathLike] = None,
        *,
        certificate_data: Optional[Buffer] = None,
        password: Optional[str] = None,
        send_certificate_chain: Optional[bool] = None,
        authority_host: Optional[str] = None,
        ca_file: Optional[PathLike] = None,
        additionally_allowed_tenants: Optional[Iterable[str]] = None,
        timeout: Optional[float] = None,
    ) -> None:
        if (certificate_path is None) == (certificate_data is None):
            raise TypeError("give exactly one of certificate_path and certificate_data")
        if certificate_path is not None:
            with open(certificate_path, "rb") as f:
                data = f.read()
        else:
            assert certificate_data is not None
            data = bytes_arg(certificate_data, "certificate_data")
        out = POINTER(kv_credential)()
        with _options(authority_host, ca_file, additionally_allowed_tenants, timeout, send_certificate_chain) as opts:
            call(_lib.kv_credential_client_certificate_new, text_arg(tenant_id, "tenant_id"),
                 text_arg(client_id, "client_id"), data, len(data), opt_text_arg(password, "password"), opts,
                 byref(out))
        self._adopt(out)


class WorkloadIdentityCredential(Credential):
    """Workload identity (e.g. Kubernetes), from ``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID`` and
    ``AZURE_FEDERATED_TOKEN_FILE`` (read again for every token request)."""

    def __init__(
        self,
        *,
        authority_host: Optional[str] = None,
        ca_file: Optional[PathLike] = None,
        additionally_allowed_tenants: Optional[Iterable[str]] = None,
        timeout: Optional[float] = None,
    ) -> None:
        out = POINTER(kv_credential)()
        with _options(authority_host, ca_file, additionally_allowed_tenants, timeout) as opts:
            call(_lib.kv_credential_workload_identity_new, opts, byref(out))
        self._adopt(out)


class EnvironmentCredential(Credential):
    """An application configured by the environment: ``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID`` and
    ``AZURE_CLIENT_SECRET`` or ``AZURE_CLIENT_CERTIFICATE_PATH`` (with
    ``AZURE_CLIENT_CERTIFICATE_PASSWORD``), read now: missing ones raise
    ``AuthenticationFailedError`` naming them."""

    def __init__(
        self,
        *,
        authority_host: Optional[str] = None,
        ca_file: Optional[PathLike] = None,
        additionally_allowed_tenants: Optional[Iterable[str]] = None,
        timeout: Optional[float] = None,
        send_certificate_chain: Optional[bool] = None,
    ) -> None:
        out = POINTER(kv_credential)()
        with _options(authority_host, ca_file, additionally_allowed_tenants, timeout, send_certificate_chain) as opts:
            call(_lib.kv_credential_environment_new, opts, byref(out))
        self._adopt(out)


class ManagedIdentityCredential(Credential):
    """The managed identity of the Azure resource the code runs on (App Service / Functions
    endpoint, or IMDS). The system-assigned identity by default; a user-assigned one with
    ``client_id``, ``object_id`` or ``resource_id``. ``imds_probe_timeout`` (seconds, default 1)
    bounds the first IMDS probe."""

    def __init__(
        self,
        *,
        client_id: Optional[str] = None,
        object_id: Optional[str] = None,
        resource_id: Optional[str] = None,
        imds_probe_timeout: Optional[float] = None,
        timeout: Optional[float] = None,
    ) -> None:
        out = POINTER(kv_credential)()
        with _options(timeout=timeout, managed_identity_client_id=client_id, managed_identity_object_id=object_id,
                      managed_identity_resource_id=resource_id, imds_probe_timeout=imds_probe_timeout) as opts:
            call(_lib.kv_credential_managed_identity_new, opts, byref(out))
        self._adopt(out)


class AzureCliCredential(Credential):
    """Tokens from ``az account get-access-token`` (the Azure CLI on PATH, logged in with
    ``az login``); ``timeout`` bounds each run (default 30 s)."""

    def __init__(
        self,
        *,
        additionally_allowed_tenants: Optional[Iterable[str]] = None,
        timeout: Optional[float] = None,
    ) -> None:
        out = POINTER(kv_credential)()
        with _options(additionally_allowed_tenants=additionally_allowed_tenants, timeout=timeout) as opts:
            call(_lib.kv_credential_azure_cli_new, opts, byref(out))
        self._adopt(out)


class DefaultAzureCredential(Credential):
    """A chain of environment, workload identity, managed identity and Azure CLI credentials,
    tried in that order on the first token request (``AZURE_TOKEN_CREDENTIALS`` narrows it). The
    options apply to every credential of the chain. Like azure-identity's, the chain goes on only
    past credentials that are *unavailable* here (variables not set, no managed identity endpoint,
    Azure CLI missing or signed out); one that is configured and fails (a wrong client secret, an
    identity-platform outage) stops it with that error, so it never falls back to another
    identity."""

    def __init__(
        self,
        *,
        authority_host: Optional[str] = None,
        ca_file: Optional[PathLike] = None,
        additionally_allowed_tenants: Optional[Iterable[str]] = None,
        timeout: Optional[float] = None,
        send_certificate_chain: Optional[bool] = None,
        managed_identity_client_id: Optional[str] = None,
        managed_identity_object_id: Optional[str] = None,
        managed_identity_resource_id: Optional[str] = None,
        imds_probe_timeout: Optional[float] = None,
    ) -> None:
        out = POINTER(kv_credential)()
        with _options(authority_host, ca_file, additionally_allowed_tenants, timeout, send_certificate_chain,
                      managed_identity_client_id, managed_identity_object_id, managed_identity_resource_id,
                      imds_probe_timeout) as opts:
            if opts is None:
                call(_lib.kv_credential_default_new, byref(out))
            else:
                call(_lib.kv_credential_default_with_options_new, opts, byref(out))
        self._adopt(out)


# ---------------------------------------------------------------------------------------------
# Callback credential


class AccessToken(NamedTuple):
    """A token and its expiry (Unix seconds, or an aware datetime), as a ``get_token`` callback
    returns it. Shaped like ``azure.core.credentials.AccessToken``, which may be returned as is."""

    token: str
    expires_on: Union[int, float, _dt.datetime]


#: ``get_token(scope, tenant_id, claims) -> AccessToken``; tenant_id and claims may be None.
GetToken = Callable[[str, Optional[str], Optional[str]], Union[AccessToken, Tuple[str, Any]]]

# Callbacks alive in kv, by id (the user_data kv passes back). An entry leaves when kv calls
# _free_user_data: after the credential AND every client using it are freed, which may be long
# after the Python CallbackCredential object is gone.
_callbacks_lock = threading.RLock()  # reentrant: _free_user_data may run from a finalizer
_callbacks: Dict[int, GetToken] = {}
_ids = itertools.count(1)


def _token_thunk(user_data: Optional[int], scope: Optional[bytes], tenant: Optional[bytes],
                 claims: Optional[bytes], sink: Any) -> int:
    # Runs on a thread kv starts for the token fetch (ctypes takes the GIL for it). It must never
    # raise: an exception is reported to kv as the failure message instead.
    try:
        with _callbacks_lock:
            fn = _callbacks.get(user_data or 0)
        if fn is None:
            raise RuntimeError("the token callback is gone")
        result = fn(
            (scope or b"").decode("utf-8"),
            tenant.decode("utf-8") if tenant is not None else None,
            claims.decode("utf-8") if claims is not None else None,
        )
        if isinstance(result, (str, bytes)) or len(result) != 2:
            raise TypeError("get_token must return an AccessToken (token, expires_on), not %s"
                            % type(result).__name__)
        token, expires_on = result[0], result[1]
        call(_lib.kv_token_sink_set, sink, text_arg(token, "token"), unix_arg(expires_on, "expires_on"))
        return 0
    except BaseException as e:  # noqa: B036 - nothing may propagate into C
        try:
            message = ("%s: %s" % (type(e).__name__, e))[:1000]
            call(_lib.kv_token_sink_set_error, sink, message.replace("\0", " ").encode("utf-8", "replace"))
        except BaseException:  # noqa: B036
            pass
        return 1


def _free_user_data(user_data: Optional[int]) -> None:
    with _callbacks_lock:
        _callbacks.pop(user_data or 0, None)


# The C entry points: module-level, so they live as long as the library can call them.
_TOKEN_THUNK = kv_token_callback(_token_thunk)
_FREE_THUNK = kv_free_user_data(_free_user_data)


def live_callbacks() -> int:
    """How many token callbacks kv can still call (for tests)."""
    with _callbacks_lock:
        return len(_callbacks)


class CallbackCredential(Credential):
    """Tokens come from ``get_token(scope, tenant_id, claims)``, a Python callable returning an
    :class:`AccessToken` (or any ``(token, expires_on)`` pair, e.g. azure-identity's
    ``lambda scope, tenant, claims: azure_cred.get_token(scope, tenant_id=tenant)``).

    kv calls it on a thread of its own for each token fetch, so that the kv call needing the token
    can end with ``TimeoutError`` at its call timeout while the callable runs on; at most once at a
    time for the same scope, tenant and claims; its token is cached until 5 minutes before
    ``expires_on`` (also when it arrives after the call gave up). An
    exception it raises makes that call fail with ``AuthenticationFailedError`` carrying its
    message (so it must not contain secrets). It must not use a client that uses this credential.
    The callable is kept alive until kv has released it (the credential and every client using it
    freed)."""

    def __init__(self, get_token: GetToken) -> None:
        if not callable(get_token):
            raise TypeError("get_token must be callable")
        key = next(_ids)
        with _callbacks_lock:
            _callbacks[key] = get_token
        out = POINTER(kv_credential)()
        try:
            call(_lib.kv_credential_callback_new, _TOKEN_THUNK, key, _FREE_THUNK, byref(out))
        except BaseException:
            _free_user_data(key)  # kv did not take it
            raise
        self._adopt(out)


# ---------------------------------------------------------------------------------------------
# Credentials of the Azure SDK for Python


@runtime_checkable
class SupportsGetToken(Protocol):
    """What kv needs of an Azure SDK credential (``azure.core.credentials.TokenCredential``, e.g. any
    azure-identity credential): ``get_token(*scopes, claims=None, tenant_id=None, **kwargs)``
    returning an object with ``token`` (str) and ``expires_on`` (Unix seconds)."""

    def get_token(self, *scopes: str, claims: Optional[str] = None, tenant_id: Optional[str] = None,
                  **kwargs: Any) -> Any: ...


class AzureSdkCredential(CallbackCredential):
    """Tokens from an Azure SDK credential (azure-identity's ``ClientSecretCredential``,
    ``DefaultAzureCredential``, ...; anything with :class:`SupportsGetToken`'s ``get_token``),
    through :class:`CallbackCredential`. kv imports no Azure package: the object is only called.

    ``Client`` wraps such an object itself when given one; make this explicitly to share one kv
    token cache among several clients. kv asks for one scope at a time and passes the tenant and
    claims of the vault's challenge as ``tenant_id=`` and ``claims=`` (only when there are any).
    What the SDK credential raises fails the kv call with ``AuthenticationFailedError`` carrying
    its message."""

    def __init__(self, credential: SupportsGetToken) -> None:
        get = getattr(credential, "get_token", None)
        if not callable(get):
            raise TypeError("credential must be a kv.Credential or have an Azure SDK get_token method, not %s"
                            % type(credential).__name__)

        def get_token(scope: str, tenant_id: Optional[str], claims: Optional[str]) -> AccessToken:
            options: Dict[str, str] = {}
            if tenant_id is not None:
                options["tenant_id"] = tenant_id
            if claims is not None:
                options["claims"] = claims
            result = get(scope, **options)
            return AccessToken(result.token, result.expires_on)

        super().__init__(get_token)


__all__ = [
    "AccessToken",
    "AzureCliCredential",
    "AzureSdkCredential",
    "CallbackCredential",
    "ClientCertificateCredential",
    "ClientSecretCredential",
    "Credential",
    "DefaultAzureCredential",
    "EnvironmentCredential",
    "ManagedIdentityCredential",
    "StaticTokenCredential",
    "SupportsGetToken",
    "WorkloadIdentityCredential",
]
