"""The Key Vault client: secrets, keys and cryptography with keys."""
from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from ctypes import POINTER, byref, c_bool
from typing import (
    Any,
    Callable,
    Generic,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    TypeVar,
    Union,
)

from ._cancel import Cancellation, _CallScope, client_for, list_client_for
from ._certificates import CertificatesMixin
from ._credentials import AzureSdkCredential, Credential, SupportsGetToken
from ._ffi import (
    EncryptionAlgorithm,
    KeyCurve,
    KeyReleaseAlgorithm,
    KeyType,
    SignatureAlgorithm,
    kv_blob,
    kv_client,
    kv_crypto_result,
    kv_key,
    kv_key_iter,
    kv_key_rotation_policy,
    kv_secret,
    kv_secret_iter,
)
from ._models import (
    CryptoResult,
    Key,
    KeyReleasePolicy,
    KeyRotationPolicy,
    Secret,
    native_rotation_policy,
    take_crypto_result,
    take_rotation_policy,
    take_secret,
)
from ._native import (
    Buffer,
    Handle,
    TimeInput,
    bytes_arg,
    call,
    enum_arg,
    lib as _lib,
    millis_arg,
    new_handle,
    opt_text_arg,
    tags_arg,
    take_blob,
    text_arg,
    uint_arg,
    unix_arg,
)

T = TypeVar("T")

# kv's documented retry backoff defaults (kv_client_options_new), used when only one of
# retry_delay / max_retry_delay is given (kv sets both in one call).
_DEFAULT_RETRY_DELAY = 0.8
_DEFAULT_MAX_RETRY_DELAY = 60.0


class ItemIterator(Generic[T]):
    """Iterates a list (secrets, keys, versions, deleted items), fetching each further page from
    the vault only when the items before it have been consumed.

    A failed page fetch raises the call's exception; iterating again retries the same page. The
    native iterator is freed at the end of the list, on :meth:`close` (or the end of a ``with``
    block), or when the iterator is garbage collected. One thread at a time advances it (a lock
    enforces this); it stays valid after the client that made it is closed.
    """

    def __init__(self, ptr: Any, next_fn: Any, free_fn: Any, item_type: Any, convert: Callable[[Any], T],
                 kind: str, scope: Iterable[_CallScope] = ()) -> None:
        self._handle = Handle(ptr, free_fn, kind)
        # The call context a list made with ``timeout``/``cancel`` fetches its pages under.
        self._scope = next(iter(scope), None)
        self._next = next_fn
        self._item_type = item_type
        self._convert = convert
        self._lock = threading.Lock()
        self._done = False

    def __iter__(self) -> "ItemIterator[T]":
        return self

    def __next__(self) -> T:
        with self._lock:
            if self._done:
                raise StopIteration
            item = POINTER(self._item_type)()
            with self._handle.use() as it:
                call(self._next, it, byref(item))
            if not item:
                self._done = True
                self._handle.close()
                self._end_scope()
                raise StopIteration
        return self._convert(item)

    def close(self) -> None:
        """Frees the native iterator now (idempotent); further ``next()`` raises ClosedError."""
        with self._lock:
            if not self._done:
                self._handle.close()
            self._end_scope()

    def _end_scope(self) -> None:
        if self._scope is not None:
            self._scope.close()
            self._scope = None

    def __enter__(self) -> "ItemIterator[T]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# Option builders: a native options object for the duration of one call.


@contextmanager
def _secret_options(
    content_type: Optional[str],
    enabled: Optional[bool],
    not_before: Optional[TimeInput],
    expires_on: Optional[TimeInput],
    tags: Optional[Mapping[str, str]],
) -> Iterator[Any]:
    if content_type is None and enabled is None and not_before is None and expires_on is None and tags is None:
        yield None
        return
    handle = new_handle(_lib.kv_secret_options_new, _lib.kv_secret_options_free, "SecretOptions")
    try:
        with handle.use() as o:
            if content_type is not None:
                call(_lib.kv_secret_options_set_content_type, o, text_arg(content_type, "content_type"))
            if enabled is not None:
                call(_lib.kv_secret_options_set_enabled, o, bool(enabled))
            if not_before is not None:
                call(_lib.kv_secret_options_set_not_before, o, unix_arg(not_before, "not_before"))
            if expires_on is not None:
                call(_lib.kv_secret_options_set_expires, o, unix_arg(expires_on, "expires_on"))
            if tags is not None:
                if not tags:
                    call(_lib.kv_secret_options_clear_tags, o)
                for k, v in tags_arg(tags):
                    call(_lib.kv_secret_options_set_tag, o, k, v)
            yield o
    finally:
        handle.close()


@contextmanager
def _key_options(
    *,
    size: Optional[int] = None,
    public_exponent: Optional[int] = None,
    curve: Union[KeyCurve, str, None] = None,
    hsm: Optional[bool] = None,
    enabled: Optional[bool] = None,
    not_before: Optional[TimeInput] = None,
    expires_on: Optional[TimeInput] = None,
    exportable: Optional[bool] = None,
    operations: Optional[Iterable[str]] = None,
    tags: Optional[Mapping[str, str]] = None,
    release_policy: Optional[KeyReleasePolicy] = None,
) -> Iterator[Any]:
    settings = (size, public_exponent, curve, hsm, enabled, not_before, expires_on, exportable, operations, tags,
                release_policy)
    if all(s is None for s in settings):
        yield None
        return
    handle = new_handle(_lib.kv_key_options_new, _lib.kv_key_options_free, "KeyOptions")
    try:
        with handle.use() as o:
            if size is not None:
                call(_lib.kv_key_options_set_key_size, o, uint_arg(size, 32, "size"))
            if public_exponent is not None:
                call(_lib.kv_key_options_set_public_exponent, o, uint_arg(public_exponent, 32, "public_exponent"))
            if curve is not None:
                call(_lib.kv_key_options_set_curve, o, enum_arg(KeyCurve, curve, "curve"))
            if hsm is not None:
                call(_lib.kv_key_options_set_hsm, o, bool(hsm))
            if enabled is not None:
                call(_lib.kv_key_options_set_enabled, o, bool(enabled))
            if not_before is not None:
                call(_lib.kv_key_options_set_not_before, o, unix_arg(not_before, "not_before"))
            if expires_on is not None:
                call(_lib.kv_key_options_set_expires, o, unix_arg(expires_on, "expires_on"))
            if exportable is not None:
                call(_lib.kv_key_options_set_exportable, o, bool(exportable))
            if operations is not None:
                if isinstance(operations, str):
                    raise TypeError("operations must be a list of str, not a str")
                for op in operations:
                    call(_lib.kv_key_options_add_operation, o, text_arg(op, "operation"))
            if tags is not None:
                if not tags:
                    call(_lib.kv_key_options_clear_tags, o)
                for k, v in tags_arg(tags):
                    call(_lib.kv_key_options_set_tag, o, k, v)
            if release_policy is not None:
                data = bytes_arg(release_policy.encoded_policy, "release_policy.encoded_policy")
                call(_lib.kv_key_options_set_release_policy, o, data, len(data),
                     opt_text_arg(release_policy.content_type, "release_policy.content_type"),
                     bool(release_policy.immutable))
            yield o
    finally:
        handle.close()


@contextmanager
def _crypto_params(iv: Optional[Buffer], aad: Optional[Buffer], tag: Optional[Buffer]) -> Iterator[Any]:
    if iv is None and aad is None and tag is None:
        yield None
        return
    handle = new_handle(_lib.kv_crypto_params_new, _lib.kv_crypto_params_free, "CryptoParams")
    try:
        with handle.use() as p:
            if iv is not None:
                b = bytes_arg(iv, "iv")
                call(_lib.kv_crypto_params_set_iv, p, b, len(b))
            if aad is not None:
                b = bytes_arg(aad, "aad")
                call(_lib.kv_crypto_params_set_aad, p, b, len(b))
            if tag is not None:
                b = bytes_arg(tag, "tag")
                call(_lib.kv_crypto_params_set_tag, p, b, len(b))
            yield p
    finally:
        handle.close()


def _secret_value(value: Union[str, Buffer]) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes_arg(value, "value")


# ---------------------------------------------------------------------------------------------


class Client(CertificatesMixin):
    """A client for one Key Vault (or Managed HSM): secrets, keys and cryptography.

    ``Client(vault_url, credential)`` sends no request yet. Every method blocks until the vault has
    answered (within the timeouts) and raises a :class:`kv.KvError` subclass on failure. A client
    is thread-safe: any number of threads may call it at once (the GIL is released during each
    call). :meth:`close` (or the end of a ``with`` block) frees it; calls after that raise
    :class:`kv.ClosedError`. A client that is not closed is freed when garbage collected.

    Keyword options (``None`` keeps kv's default): ``api_version`` (default ``"2025-07-01"``);
    ``ca_file``, a PEM file of CA certificates to trust besides the system's; and
    ``verify_challenge_resource`` (turn off only for emulators and private domains);
    ``method_override`` (send PUT/PATCH/DELETE as POST with X-HTTP-METHOD); ``allow_insecure_http``
    (plain http:// URLs, for loopback test servers only); ``connect_timeout`` (10 s),
    ``read_timeout`` (30 s) and ``call_timeout`` (120 s, retries included) in seconds;
    ``max_retries`` (4); ``retry_delay`` (0.8 s, doubling per retry) and ``max_retry_delay`` (60 s).

    ``credential`` is a :class:`kv.Credential` or an Azure SDK credential (any azure-identity
    credential: an object with ``get_token(*scopes, claims=None, tenant_id=None)``), which is
    wrapped in an :class:`AzureSdkCredential` for this client.
    """

    def __init__(
        self,
        vault_url: str,
        credential: Union[Credential, SupportsGetToken],
        *,
        api_version: Optional[str] = None,
        ca_file: Union[str, "os.PathLike[str]", None] = None,
        verify_challenge_resource: bool = True,
        method_override: bool = False,
        allow_insecure_http: bool = False,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        call_timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        retry_delay: Optional[float] = None,
        max_retry_delay: Optional[float] = None,
    ) -> None:
        # An Azure SDK credential gets a kv credential of its own; kv keeps it for the client.
        wrapped: Optional[Credential] = None
        if not isinstance(credential, Credential):
            credential = wrapped = AzureSdkCredential(credential)
        cred_handle = credential._handle
        url = text_arg(vault_url, "vault_url")
        opts = new_handle(_lib.kv_client_options_new, _lib.kv_client_options_free, "ClientOptions")
        out = POINTER(kv_client)()
        try:
            with opts.use() as o:
                if api_version is not None:
                    call(_lib.kv_client_options_set_api_version, o, text_arg(api_version, "api_version"))
                if ca_file is not None:
                    call(_lib.kv_client_options_set_ca_file, o, text_arg(os.fsdecode(ca_file), "ca_file"))
                call(_lib.kv_client_options_set_verify_challenge_resource, o, bool(verify_challenge_resource))
                call(_lib.kv_client_options_set_method_override, o, bool(method_override))
                call(_lib.kv_client_options_set_allow_insecure_http, o, bool(allow_insecure_http))
                if connect_timeout is not None:
                    call(_lib.kv_client_options_set_connect_timeout_ms, o,
                         millis_arg(connect_timeout, "connect_timeout"))
                if read_timeout is not None:
                    call(_lib.kv_client_options_set_read_timeout_ms, o, millis_arg(read_timeout, "read_timeout"))
                if call_timeout is not None:
                    call(_lib.kv_client_options_set_call_timeout_ms, o, millis_arg(call_timeout, "call_timeout"))
                if max_retries is not None:
                    call(_lib.kv_client_options_set_max_retries, o, uint_arg(max_retries, 32, "max_retries"))
                if retry_delay is not None or max_retry_delay is not None:
                    call(
                        _lib.kv_client_options_set_retry_delay_ms,
                        o,
                        millis_arg(_DEFAULT_RETRY_DELAY if retry_delay is None else retry_delay, "retry_delay"),
                        millis_arg(_DEFAULT_MAX_RETRY_DELAY if max_retry_delay is None else max_retry_delay,
                                   "max_retry_delay"),
                    )
                with cred_handle.use() as cred:
                    call(_lib.kv_client_new, url, cred, o, byref(out))
        finally:
            opts.close()
            if wrapped is not None:
                wrapped.close()
        self._handle = Handle(out, _lib.kv_client_free, "Client")
        self._vault_url = vault_url

    # -- lifetime

    @property
    def vault_url(self) -> str:
        return self._vault_url

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def close(self) -> None:
        """Frees the client (idempotent). Calls still running on other threads finish first; new
        calls raise ClosedError. Iterators made by the client stay usable."""
        self._handle.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "Client(%r%s)" % (self._vault_url, ", closed" if self.closed else "")

    # -- secrets

    def set_secret(
        self,
        name: str,
        value: Union[str, Buffer],
        *,
        content_type: Optional[str] = None,
        enabled: Optional[bool] = None,
        not_before: Optional[TimeInput] = None,
        expires_on: Optional[TimeInput] = None,
        tags: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None, cancel: Optional[Cancellation] = None,
    ) -> Secret:
        """Sets a secret, creating a new version. ``value`` is text, or bytes of UTF-8 (NUL bytes
        allowed; at most 25 KiB). Returns the new version, with its value."""
        data = _secret_value(value)
        n = text_arg(name, "name")
        out = POINTER(kv_secret)()
        with _secret_options(content_type, enabled, not_before, expires_on, tags) as opts:
            with client_for(self._handle, timeout, cancel) as c:
                if opts is None:
                    call(_lib.kv_client_set_secret, c, n, data, len(data), byref(out))
                else:
                    call(_lib.kv_client_set_secret_with_options, c, n, data, len(data), opts, byref(out))
        return take_secret(out)

    def get_secret(
        self,
        name: str,
        version: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Secret:
        """Gets a secret with its value (``version`` None = the latest)."""
        out = POINTER(kv_secret)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_secret, c, text_arg(name, "name"), opt_text_arg(version, "version"), byref(out))
        return take_secret(out)

    def update_secret_properties(
        self,
        name: str,
        version: Optional[str] = None,
        *,
        content_type: Optional[str] = None,
        enabled: Optional[bool] = None,
        not_before: Optional[TimeInput] = None,
        expires_on: Optional[TimeInput] = None,
        tags: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None, cancel: Optional[Cancellation] = None,
    ) -> Secret:
        """Updates properties of a secret version (``version`` None = the latest): only what is
        given changes; ``tags`` replaces all tags (``{}`` removes them). The result has no value."""
        out = POINTER(kv_secret)()
        with _secret_options(content_type, enabled, not_before, expires_on, tags) as opts:
            with client_for(self._handle, timeout, cancel) as c:
                call(_lib.kv_client_update_secret_properties, c, text_arg(name, "name"),
                     opt_text_arg(version, "version"), opts, byref(out))
        return take_secret(out)

    def delete_secret(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Secret:
        """Deletes a secret and all its versions (soft delete: recover or purge it later); returns
        the deleted secret (no value; ``recovery_id``, ``deleted_on``, ``scheduled_purge_date`` and
        its properties). Deletion finishes asynchronously in the service: call
        :meth:`wait_for_deleted_secret` before getting, recovering or purging the deleted secret."""
        out = POINTER(kv_secret)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_delete_secret_out, c, text_arg(name, "name"), byref(out))
        return take_secret(out)

    def wait_for_deleted_secret(
        self,
        name: str,
        timeout: float = 60.0,
        *,
        cancel: Optional[Cancellation] = None,
    ) -> None:
        """Waits until a deleted secret has reached the deleted collection (``kv.TimeoutError``,
        naming the deadline, after ``timeout`` seconds)."""
        ms = millis_arg(timeout, "timeout", 32)
        with client_for(self._handle, None, cancel) as c:
            call(_lib.kv_client_wait_for_deleted_secret, c, text_arg(name, "name"), ms)

    def wait_for_recovered_secret(
        self,
        name: str,
        timeout: float = 60.0,
        *,
        cancel: Optional[Cancellation] = None,
    ) -> None:
        """Waits until a recovered secret is back (``kv.TimeoutError`` after ``timeout`` seconds)."""
        ms = millis_arg(timeout, "timeout", 32)
        with client_for(self._handle, None, cancel) as c:
            call(_lib.kv_client_wait_for_recovered_secret, c, text_arg(name, "name"), ms)

    def get_deleted_secret(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Secret:
        """Gets a deleted secret (no value; ``deleted_on``, ``scheduled_purge_date``, ``recovery_id``)."""
        out = POINTER(kv_secret)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_deleted_secret, c, text_arg(name, "name"), byref(out))
        return take_secret(out)

    def recover_deleted_secret(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Secret:
        """Recovers a deleted secret; returns its latest version (without value). Recovery finishes
        asynchronously in the service: see :meth:`wait_for_recovered_secret`."""
        out = POINTER(kv_secret)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_recover_deleted_secret, c, text_arg(name, "name"), byref(out))
        return take_secret(out)

    def purge_deleted_secret(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> None:
        """Purges a deleted secret permanently."""
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_purge_deleted_secret, c, text_arg(name, "name"))

    def backup_secret(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> bytes:
        """Backs up all versions of a secret into an opaque blob for :meth:`restore_secret`."""
        out = POINTER(kv_blob)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_backup_secret, c, text_arg(name, "name"), byref(out))
        return take_blob(out)

    def restore_secret(
        self,
        backup: Buffer,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Secret:
        """Restores a secret (all versions) from a backup; returns it (without value)."""
        data = bytes_arg(backup, "backup")
        out = POINTER(kv_secret)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_restore_secret, c, data, len(data), byref(out))
        return take_secret(out)

    def list_properties_of_secrets(
        self,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> ItemIterator[Secret]:
        """Iterates the vault's secrets (items carry no value and no version)."""
        scope: List[_CallScope] = []
        out = POINTER(kv_secret_iter)()
        with list_client_for(self._handle, timeout, cancel, scope) as c:
            call(_lib.kv_client_list_secrets, c, byref(out))
        return ItemIterator(out, _lib.kv_secret_iter_next, _lib.kv_secret_iter_free, kv_secret, take_secret,
                            "SecretIterator", scope)

    def list_properties_of_secret_versions(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> ItemIterator[Secret]:
        """Iterates the versions of a secret (items carry no value)."""
        scope: List[_CallScope] = []
        out = POINTER(kv_secret_iter)()
        with list_client_for(self._handle, timeout, cancel, scope) as c:
            call(_lib.kv_client_list_secret_versions, c, text_arg(name, "name"), byref(out))
        return ItemIterator(out, _lib.kv_secret_iter_next, _lib.kv_secret_iter_free, kv_secret, take_secret,
                            "SecretIterator", scope)

    def list_deleted_secrets(
        self,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> ItemIterator[Secret]:
        """Iterates the deleted secrets."""
        scope: List[_CallScope] = []
        out = POINTER(kv_secret_iter)()
        with list_client_for(self._handle, timeout, cancel, scope) as c:
            call(_lib.kv_client_list_deleted_secrets, c, byref(out))
        return ItemIterator(out, _lib.kv_secret_iter_next, _lib.kv_secret_iter_free, kv_secret, take_secret,
                            "SecretIterator", scope)

    # -- keys

    def create_key(
        self,
        name: str,
        key_type: Union[KeyType, str],
        *,
        size: Optional[int] = None,
        public_exponent: Optional[int] = None,
        curve: Union[KeyCurve, str, None] = None,
        operations: Optional[Iterable[str]] = None,
        enabled: Optional[bool] = None,
        not_before: Optional[TimeInput] = None,
        expires_on: Optional[TimeInput] = None,
        exportable: Optional[bool] = None,
        tags: Optional[Mapping[str, str]] = None,
        release_policy: Optional[KeyReleasePolicy] = None,
        timeout: Optional[float] = None, cancel: Optional[Cancellation] = None,
    ) -> Key:
        """Creates a key, or a new version of an existing one. ``key_type`` is a :class:`KeyType`
        (or its REST name, e.g. ``"EC"``); ``size`` in bits (RSA 2048/3072/4096, oct
        128/192/256), ``curve`` a :class:`KeyCurve` (or ``"P-256"``), ``operations`` e.g.
        ``["sign", "verify"]``. Returns the new key version."""
        kty = enum_arg(KeyType, key_type, "key_type")
        n = text_arg(name, "name")
        out = POINTER(kv_key)()
        with _key_options(size=size, public_exponent=public_exponent, curve=curve, operations=operations,
                          enabled=enabled, not_before=not_before, expires_on=expires_on, exportable=exportable,
                          tags=tags, release_policy=release_policy) as opts:
            with client_for(self._handle, timeout, cancel) as c:
                call(_lib.kv_client_create_key, c, n, kty, opts, byref(out))
        return Key(out)

    def create_rsa_key(self, name: str, *, size: Optional[int] = None, hardware_protected: bool = False,
                       **kwargs: Any) -> Key:
        """Creates an RSA key (``RSA-HSM`` with ``hardware_protected``); other keywords as for
        :meth:`create_key`."""
        return self.create_key(name, KeyType.RSA_HSM if hardware_protected else KeyType.RSA, size=size, **kwargs)

    def create_ec_key(self, name: str, *, curve: Union[KeyCurve, str, None] = None,
                      hardware_protected: bool = False, **kwargs: Any) -> Key:
        """Creates an elliptic-curve key (``EC-HSM`` with ``hardware_protected``)."""
        return self.create_key(name, KeyType.EC_HSM if hardware_protected else KeyType.EC, curve=curve, **kwargs)

    def create_oct_key(self, name: str, *, size: Optional[int] = None, hardware_protected: bool = False,
                       **kwargs: Any) -> Key:
        """Creates a symmetric (AES) key, ``oct`` or (``hardware_protected``) ``oct-HSM``: Managed
        HSM only. ``size`` in bits: 128, 192 or 256."""
        return self.create_key(name, KeyType.OCT_HSM if hardware_protected else KeyType.OCT, size=size, **kwargs)

    def import_key(
        self,
        name: str,
        jwk: Union[Mapping[str, Any], str],
        *,
        hardware_protected: Optional[bool] = None,
        operations: Optional[Iterable[str]] = None,
        enabled: Optional[bool] = None,
        not_before: Optional[TimeInput] = None,
        expires_on: Optional[TimeInput] = None,
        exportable: Optional[bool] = None,
        tags: Optional[Mapping[str, str]] = None,
        release_policy: Optional[KeyReleasePolicy] = None,
        timeout: Optional[float] = None, cancel: Optional[Cancellation] = None,
    ) -> Key:
        """Imports a key given as a JSON Web Key with its private members (dict or JSON text).
        ``operations`` replaces the JWK's ``key_ops``. The JWK never appears in error messages."""
        text = jwk if isinstance(jwk, str) else json.dumps(jwk)
        n = text_arg(name, "name")
        out = POINTER(kv_key)()
        with _key_options(hsm=hardware_protected, operations=operations, enabled=enabled, not_before=not_before,
                          expires_on=expires_on, exportable=exportable, tags=tags,
                          release_policy=release_policy) as opts:
            with client_for(self._handle, timeout, cancel) as c:
                call(_lib.kv_client_import_key_jwk, c, n, text_arg(text, "jwk"), opts, byref(out))
        return Key(out)

    def import_key_pem(
        self,
        name: str,
        pem: Union[str, Buffer],
        *,
        hardware_protected: Optional[bool] = None,
        operations: Optional[Iterable[str]] = None,
        enabled: Optional[bool] = None,
        not_before: Optional[TimeInput] = None,
        expires_on: Optional[TimeInput] = None,
        exportable: Optional[bool] = None,
        tags: Optional[Mapping[str, str]] = None,
        release_policy: Optional[KeyReleasePolicy] = None,
        timeout: Optional[float] = None, cancel: Optional[Cancellation] = None,
    ) -> Key:
        """Imports a private key given as PEM (text or bytes) or DER bytes: PKCS#1, PKCS#8 or SEC1."""
        data = pem.encode("ascii") if isinstance(pem, str) else bytes_arg(pem, "pem")
        n = text_arg(name, "name")
        out = POINTER(kv_key)()
        with _key_options(hsm=hardware_protected, operations=operations, enabled=enabled, not_before=not_before,
                          expires_on=expires_on, exportable=exportable, tags=tags,
                          release_policy=release_policy) as opts:
            with client_for(self._handle, timeout, cancel) as c:
                call(_lib.kv_client_import_key_pem, c, n, data, len(data), opts, byref(out))
        return Key(out)

    def get_key(
        self,
        name: str,
        version: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Key:
        """Gets a key (public members only; ``version`` None = the latest)."""
        out = POINTER(kv_key)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_key, c, text_arg(name, "name"), opt_text_arg(version, "version"), byref(out))
        return Key(out)

    def update_key_properties(
        self,
        name: str,
        version: Optional[str] = None,
        *,
        operations: Optional[Iterable[str]] = None,
        enabled: Optional[bool] = None,
        not_before: Optional[TimeInput] = None,
        expires_on: Optional[TimeInput] = None,
        exportable: Optional[bool] = None,
        tags: Optional[Mapping[str, str]] = None,
        release_policy: Optional[KeyReleasePolicy] = None,
        timeout: Optional[float] = None, cancel: Optional[Cancellation] = None,
    ) -> Key:
        """Updates properties of a key version (``version`` None = the latest): only what is given
        changes; ``tags`` replaces all tags (``{}`` removes them)."""
        n = text_arg(name, "name")
        v = opt_text_arg(version, "version")
        out = POINTER(kv_key)()
        with _key_options(operations=operations, enabled=enabled, not_before=not_before, expires_on=expires_on,
                          exportable=exportable, tags=tags, release_policy=release_policy) as opts:
            with client_for(self._handle, timeout, cancel) as c:
                call(_lib.kv_client_update_key_properties, c, n, v, opts, byref(out))
        return Key(out)

    def delete_key(self, name: str, *, timeout: Optional[float] = None, cancel: Optional[Cancellation] = None) -> Key:
        """Deletes a key and all its versions (soft delete); returns the deleted key. Deletion
        finishes asynchronously in the service: see :meth:`wait_for_deleted_key`."""
        out = POINTER(kv_key)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_delete_key, c, text_arg(name, "name"), byref(out))
        return Key(out)

    def get_deleted_key(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Key:
        """Gets a deleted key (``deleted_on``, ``scheduled_purge_date`` and ``recovery_id`` set)."""
        out = POINTER(kv_key)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_deleted_key, c, text_arg(name, "name"), byref(out))
        return Key(out)

    def recover_deleted_key(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Key:
        """Recovers a deleted key (finishes asynchronously: see :meth:`wait_for_recovered_key`)."""
        out = POINTER(kv_key)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_recover_deleted_key, c, text_arg(name, "name"), byref(out))
        return Key(out)

    def purge_deleted_key(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> None:
        """Purges a deleted key permanently."""
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_purge_deleted_key, c, text_arg(name, "name"))

    def wait_for_deleted_key(self, name: str, timeout: float = 60.0, *, cancel: Optional[Cancellation] = None) -> None:
        """Waits until a deleted key has reached the deleted collection (``kv.TimeoutError``,
        naming the deadline, after ``timeout`` seconds)."""
        ms = millis_arg(timeout, "timeout", 32)
        with client_for(self._handle, None, cancel) as c:
            call(_lib.kv_client_wait_for_deleted_key, c, text_arg(name, "name"), ms)

    def wait_for_recovered_key(
        self,
        name: str,
        timeout: float = 60.0,
        *,
        cancel: Optional[Cancellation] = None,
    ) -> None:
        """Waits until a recovered key is back (``kv.TimeoutError`` after ``timeout`` seconds)."""
        ms = millis_arg(timeout, "timeout", 32)
        with client_for(self._handle, None, cancel) as c:
            call(_lib.kv_client_wait_for_recovered_key, c, text_arg(name, "name"), ms)

    def backup_key(self, name: str, *, timeout: Optional[float] = None, cancel: Optional[Cancellation] = None) -> bytes:
        """Backs up all versions of a key into an opaque blob for :meth:`restore_key`."""
        out = POINTER(kv_blob)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_backup_key, c, text_arg(name, "name"), byref(out))
        return take_blob(out)

    def restore_key(
        self,
        backup: Buffer,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Key:
        """Restores a key (all versions) from a backup."""
        data = bytes_arg(backup, "backup")
        out = POINTER(kv_key)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_restore_key, c, data, len(data), byref(out))
        return Key(out)

    def rotate_key(self, name: str, *, timeout: Optional[float] = None, cancel: Optional[Cancellation] = None) -> Key:
        """Creates a new version of a key with the same type and parameters; returns it."""
        out = POINTER(kv_key)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_rotate_key, c, text_arg(name, "name"), byref(out))
        return Key(out)

    def get_key_rotation_policy(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> KeyRotationPolicy:
        """Gets a key's rotation policy."""
        out = POINTER(kv_key_rotation_policy)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_key_rotation_policy, c, text_arg(name, "name"), byref(out))
        return take_rotation_policy(out)

    def update_key_rotation_policy(
        self,
        name: str,
        policy: KeyRotationPolicy,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> KeyRotationPolicy:
        """Replaces a key's rotation policy (its ``id`` and times are ignored); returns the policy
        as stored."""
        n = text_arg(name, "name")
        out = POINTER(kv_key_rotation_policy)()
        with native_rotation_policy(policy) as p:
            with client_for(self._handle, timeout, cancel) as c:
                call(_lib.kv_client_update_key_rotation_policy, c, n, p, byref(out))
        return take_rotation_policy(out)

    def get_random_bytes(
        self,
        count: int,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> bytes:
        """``count`` (1 to 128) random bytes from the vault's HSM."""
        out = POINTER(kv_blob)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_random_bytes, c, uint_arg(count, 32, "count"), byref(out))
        return take_blob(out)

    def release_key(
        self,
        name: str,
        target_attestation_token: str,
        *,
        version: Optional[str] = None,
        nonce: Optional[str] = None,
        algorithm: Union[KeyReleaseAlgorithm, str] = KeyReleaseAlgorithm.NONE,
        timeout: Optional[float] = None, cancel: Optional[Cancellation] = None,
    ) -> str:
        """Releases an exportable key to the attested environment named by its attestation token;
        returns the signed release value (JWS text)."""
        out = POINTER(kv_blob)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_release_key, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                 text_arg(target_attestation_token, "target_attestation_token"), opt_text_arg(nonce, "nonce"),
                 enum_arg(KeyReleaseAlgorithm, algorithm, "algorithm"), byref(out))
        return take_blob(out).decode("utf-8")

    def get_key_attestation(
        self,
        name: str,
        version: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Key:
        """Gets a key version with its HSM attestation (``Key.attestation``)."""
        out = POINTER(kv_key)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_key_attestation, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                 byref(out))
        return Key(out)

    def list_properties_of_keys(
        self,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> ItemIterator[Key]:
        """Iterates the vault's keys (items carry no key material and no version)."""
        scope: List[_CallScope] = []
        out = POINTER(kv_key_iter)()
        with list_client_for(self._handle, timeout, cancel, scope) as c:
            call(_lib.kv_client_list_keys, c, byref(out))
        return ItemIterator(out, _lib.kv_key_iter_next, _lib.kv_key_iter_free, kv_key, Key, "KeyIterator", scope)

    def list_properties_of_key_versions(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> ItemIterator[Key]:
        """Iterates the versions of a key (items carry no key material)."""
        scope: List[_CallScope] = []
        out = POINTER(kv_key_iter)()
        with list_client_for(self._handle, timeout, cancel, scope) as c:
            call(_lib.kv_client_list_key_versions, c, text_arg(name, "name"), byref(out))
        return ItemIterator(out, _lib.kv_key_iter_next, _lib.kv_key_iter_free, kv_key, Key, "KeyIterator", scope)

    def list_deleted_keys(
        self,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> ItemIterator[Key]:
        """Iterates the deleted keys."""
        scope: List[_CallScope] = []
        out = POINTER(kv_key_iter)()
        with list_client_for(self._handle, timeout, cancel, scope) as c:
            call(_lib.kv_client_list_deleted_keys, c, byref(out))
        return ItemIterator(out, _lib.kv_key_iter_next, _lib.kv_key_iter_free, kv_key, Key, "KeyIterator", scope)

    # -- cryptography in the vault (``version`` None = the latest)

    def sign(self, name: str, algorithm: Union[SignatureAlgorithm, str], digest: Buffer, *,
             version: Optional[str] = None,
             timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CryptoResult:
        """Signs a digest (exactly as long as the algorithm's hash) with a vault key; the result's
        ``value`` is the signature (raw ``r || s`` for ECDSA)."""
        d = bytes_arg(digest, "digest")
        out = POINTER(kv_crypto_result)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_sign, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                 enum_arg(SignatureAlgorithm, algorithm, "algorithm"), d, len(d), byref(out))
        return take_crypto_result(out)

    def verify(self, name: str, algorithm: Union[SignatureAlgorithm, str], digest: Buffer, signature: Buffer, *,
               version: Optional[str] = None,
               timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> bool:
        """Verifies a signature over a digest in the vault: True when valid, False when not."""
        d = bytes_arg(digest, "digest")
        s = bytes_arg(signature, "signature")
        valid = c_bool(False)
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_verify, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                 enum_arg(SignatureAlgorithm, algorithm, "algorithm"), d, len(d), s, len(s), byref(valid))
        return bool(valid.value)

    def sign_data(self, name: str, algorithm: Union[SignatureAlgorithm, str], data: Buffer, *,
                  version: Optional[str] = None,
                  timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CryptoResult:
        """Hashes ``data`` locally with the algorithm's hash, then signs the digest in the vault."""
        d = bytes_arg(data, "data")
        out = POINTER(kv_crypto_result)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_sign_data, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                 enum_arg(SignatureAlgorithm, algorithm, "algorithm"), d, len(d), byref(out))
        return take_crypto_result(out)

    def verify_data(self, name: str, algorithm: Union[SignatureAlgorithm, str], data: Buffer, signature: Buffer, *,
                    version: Optional[str] = None,
                    timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> bool:
        """Hashes ``data`` locally, then verifies the signature over the digest in the vault."""
        d = bytes_arg(data, "data")
        s = bytes_arg(signature, "signature")
        valid = c_bool(False)
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_verify_data, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                 enum_arg(SignatureAlgorithm, algorithm, "algorithm"), d, len(d), s, len(s), byref(valid))
        return bool(valid.value)

    def encrypt(self, name: str, algorithm: Union[EncryptionAlgorithm, str], plaintext: Buffer, *,
                version: Optional[str] = None, iv: Optional[Buffer] = None,
                aad: Optional[Buffer] = None,
                timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CryptoResult:
        """Encrypts with a vault key. For AES-GCM keep the result's ``iv`` and ``tag`` to decrypt."""
        d = bytes_arg(plaintext, "plaintext")
        out = POINTER(kv_crypto_result)()
        with _crypto_params(iv, aad, None) as params:
            with client_for(self._handle, timeout, cancel) as c:
                call(_lib.kv_client_encrypt, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                     enum_arg(EncryptionAlgorithm, algorithm, "algorithm"), d, len(d), params, byref(out))
        return take_crypto_result(out)

    def decrypt(self, name: str, algorithm: Union[EncryptionAlgorithm, str], ciphertext: Buffer, *,
                version: Optional[str] = None, iv: Optional[Buffer] = None, aad: Optional[Buffer] = None,
                tag: Optional[Buffer] = None,
                timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CryptoResult:
        """Decrypts with a vault key (AES-GCM needs ``iv`` and ``tag``, and ``aad`` if one was used;
        AES-CBC needs ``iv``). The result's ``value`` is the plaintext."""
        d = bytes_arg(ciphertext, "ciphertext")
        out = POINTER(kv_crypto_result)()
        with _crypto_params(iv, aad, tag) as params:
            with client_for(self._handle, timeout, cancel) as c:
                call(_lib.kv_client_decrypt, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                     enum_arg(EncryptionAlgorithm, algorithm, "algorithm"), d, len(d), params, byref(out))
        return take_crypto_result(out)

    def wrap_key(self, name: str, algorithm: Union[EncryptionAlgorithm, str], key: Buffer, *,
                 version: Optional[str] = None, iv: Optional[Buffer] = None,
                 aad: Optional[Buffer] = None,
                 timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CryptoResult:
        """Wraps (encrypts) a symmetric key with a vault key."""
        d = bytes_arg(key, "key")
        out = POINTER(kv_crypto_result)()
        with _crypto_params(iv, aad, None) as params:
            with client_for(self._handle, timeout, cancel) as c:
                call(_lib.kv_client_wrap_key, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                     enum_arg(EncryptionAlgorithm, algorithm, "algorithm"), d, len(d), params, byref(out))
        return take_crypto_result(out)

    def unwrap_key(self, name: str, algorithm: Union[EncryptionAlgorithm, str], wrapped_key: Buffer, *,
                   version: Optional[str] = None, iv: Optional[Buffer] = None, aad: Optional[Buffer] = None,
                   tag: Optional[Buffer] = None,
                   timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CryptoResult:
        """Unwraps a wrapped key with a vault key; the result's ``value`` is the key."""
        d = bytes_arg(wrapped_key, "wrapped_key")
        out = POINTER(kv_crypto_result)()
        with _crypto_params(iv, aad, tag) as params:
            with client_for(self._handle, timeout, cancel) as c:
                call(_lib.kv_client_unwrap_key, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                     enum_arg(EncryptionAlgorithm, algorithm, "algorithm"), d, len(d), params, byref(out))
        return take_crypto_result(out)


__all__ = ["Client", "ItemIterator"]
