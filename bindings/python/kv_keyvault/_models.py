"""Secrets, keys, crypto results, rotation policies: the values the client returns."""
from __future__ import annotations

import ctypes
import datetime as _dt
import json
from contextlib import contextmanager
from ctypes import POINTER, byref, c_bool
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from ._ffi import (
    EncryptionAlgorithm,
    KeyCurve,
    KeyRotationAction,
    KeyType,
    SignatureAlgorithm,
    kv_blob,
    kv_crypto_result,
    kv_key,
)
from ._native import (
    Buffer,
    Handle,
    bytes_arg,
    call,
    enum_arg,
    from_unix,
    lib as _lib,
    new_handle,
    opt,
    opt_text_arg,
    read_bytes,
    read_str,
    take_blob,
    text_arg,
)

# ---------------------------------------------------------------------------------------------
# Secrets


@dataclass(frozen=True)
class Secret:
    """A secret (or one version of it) as a call returned it.

    ``value`` is the value as text; ``value_bytes`` the exact bytes (NUL bytes kept). Both are empty
    for list items, deleted secrets and calls whose reply carries no value (update, recover,
    restore). Times are aware UTC datetimes, ``None`` when not set. Text properties the reply did
    not carry are ``None``. The value never appears in ``repr()``.
    """

    name: str
    id: str
    version: Optional[str]
    value_bytes: bytes = field(repr=False)
    content_type: Optional[str]
    enabled: bool
    created_on: Optional[_dt.datetime]
    updated_on: Optional[_dt.datetime]
    not_before: Optional[_dt.datetime]
    expires_on: Optional[_dt.datetime]
    tags: Dict[str, str]
    managed: bool
    key_id: Optional[str]
    recovery_level: Optional[str]
    recoverable_days: Optional[int]
    recovery_id: Optional[str]
    deleted_on: Optional[_dt.datetime]
    scheduled_purge_date: Optional[_dt.datetime]

    @property
    def value(self) -> str:
        """The value as text (UTF-8 decoded)."""
        return self.value_bytes.decode("utf-8")


def take_secret(ptr: Any) -> Secret:
    """Copies a native kv_secret into a Secret and frees it."""
    try:
        tags = {}
        for i in range(_lib.kv_secret_tag_count(ptr)):
            tags[read_str(_lib.kv_secret_tag_name(ptr, i))] = read_str(_lib.kv_secret_tag_value(ptr, i))
        return Secret(
            name=read_str(_lib.kv_secret_name(ptr)),
            id=read_str(_lib.kv_secret_id(ptr)),
            version=opt(read_str(_lib.kv_secret_version(ptr))),
            value_bytes=read_bytes_of_str(_lib.kv_secret_value(ptr)),
            content_type=opt(read_str(_lib.kv_secret_content_type(ptr))),
            enabled=bool(_lib.kv_secret_enabled(ptr)),
            created_on=from_unix(_lib.kv_secret_created(ptr)),
            updated_on=from_unix(_lib.kv_secret_updated(ptr)),
            not_before=from_unix(_lib.kv_secret_not_before(ptr)),
            expires_on=from_unix(_lib.kv_secret_expires(ptr)),
            tags=tags,
            managed=bool(_lib.kv_secret_managed(ptr)),
            key_id=opt(read_str(_lib.kv_secret_key_id(ptr))),
            recovery_level=opt(read_str(_lib.kv_secret_recovery_level(ptr))),
            recoverable_days=int(_lib.kv_secret_recoverable_days(ptr)) or None,
            recovery_id=opt(read_str(_lib.kv_secret_recovery_id(ptr))),
            deleted_on=from_unix(_lib.kv_secret_deleted_date(ptr)),
            scheduled_purge_date=from_unix(_lib.kv_secret_scheduled_purge_date(ptr)),
        )
    finally:
        _lib.kv_secret_free(ptr)


def read_bytes_of_str(view: Any) -> bytes:
    """The raw bytes of a kv_str (secret values are binary-safe)."""
    return ctypes.string_at(view.data, view.len) if view.len else b""


# ---------------------------------------------------------------------------------------------
# Crypto results


@dataclass(frozen=True)
class CryptoResult:
    """The result of a crypto call: ``value`` is the signature, ciphertext, plaintext, wrapped or
    unwrapped key; ``key_id`` the key version that did the work; ``iv``, ``tag`` and ``aad`` the AES
    parameters (``None`` when the algorithm has none). The value never appears in ``repr()``."""

    value: bytes = field(repr=False)
    key_id: Optional[str]
    iv: Optional[bytes] = None
    tag: Optional[bytes] = None
    aad: Optional[bytes] = None


def take_crypto_result(ptr: Any) -> CryptoResult:
    try:
        return CryptoResult(
            value=read_bytes(_lib.kv_crypto_result_value(ptr)),
            key_id=opt(read_str(_lib.kv_crypto_result_key_id(ptr))),
            iv=read_bytes(_lib.kv_crypto_result_iv(ptr)) or None,
            tag=read_bytes(_lib.kv_crypto_result_tag(ptr)) or None,
            aad=read_bytes(_lib.kv_crypto_result_aad(ptr)) or None,
        )
    finally:
        _lib.kv_crypto_result_free(ptr)


# ---------------------------------------------------------------------------------------------
# Keys


@dataclass(frozen=True)
class KeyReleasePolicy:
    """A secure key release policy: the policy document (usually JSON), its content type (``None``
    = the service default) and whether it can never change again."""

    encoded_policy: bytes
    content_type: Optional[str] = None
    immutable: bool = False

    @classmethod
    def from_json(cls, policy: Union[Mapping[str, Any], str], *, immutable: bool = False) -> "KeyReleasePolicy":
        text = policy if isinstance(policy, str) else json.dumps(policy)
        return cls(text.encode("utf-8"), None, immutable)


@dataclass(frozen=True)
class KeyAttestation:
    """The HSM attestation of a key version (``Client.get_key_attestation``)."""

    version: Optional[str]
    private_key_attestation: Optional[bytes]
    public_key_attestation: Optional[bytes]
    certificate_pem_file: Optional[bytes]


class Key:
    """A key (or one version of it) as a call returned it, or built from a JWK with
    :meth:`from_jwk`.

    Its properties are plain attributes, read once when the key arrives. The public key is kept in
    a native handle for the local operations :meth:`verify`, :meth:`verify_data`, :meth:`encrypt`,
    :meth:`wrap_key`, :meth:`public_pem` and :meth:`public_jwk`; :meth:`close` (or a ``with``
    block) frees it at once, otherwise it is freed when the key is garbage collected. After
    ``close()`` the properties stay readable and the local operations raise ``ClosedError``.
    """

    id: str
    name: str
    version: Optional[str]
    key_type: Optional[KeyType]
    key_type_name: Optional[str]
    curve: Optional[KeyCurve]
    n: Optional[bytes]
    e: Optional[bytes]
    x: Optional[bytes]
    y: Optional[bytes]
    operations: Tuple[str, ...]
    enabled: bool
    exportable: bool
    managed: bool
    created_on: Optional[_dt.datetime]
    updated_on: Optional[_dt.datetime]
    not_before: Optional[_dt.datetime]
    expires_on: Optional[_dt.datetime]
    recovery_level: Optional[str]
    recoverable_days: Optional[int]
    recovery_id: Optional[str]
    deleted_on: Optional[_dt.datetime]
    scheduled_purge_date: Optional[_dt.datetime]
    tags: Dict[str, str]
    release_policy: Optional[KeyReleasePolicy]
    hsm_platform: Optional[str]
    attestation: Optional[KeyAttestation]

    def __init__(self, _ptr: Any) -> None:
        """Internal: takes ownership of a native kv_key. Use Client methods or Key.from_jwk."""
        self._handle = Handle(_ptr, _lib.kv_key_free, "Key")
        p = _ptr
        self.id = read_str(_lib.kv_key_id(p))
        self.name = read_str(_lib.kv_key_name(p))
        self.version = opt(read_str(_lib.kv_key_version(p)))
        self.key_type_name = opt(read_str(_lib.kv_key_type_name(p)))
        self.key_type = _from_wire(KeyType, self.key_type_name)
        self.curve = _from_wire(KeyCurve, opt(read_str(_lib.kv_key_curve_name(p))))
        self.n = read_bytes(_lib.kv_key_n(p)) or None
        self.e = read_bytes(_lib.kv_key_e(p)) or None
        self.x = read_bytes(_lib.kv_key_x(p)) or None
        self.y = read_bytes(_lib.kv_key_y(p)) or None
        self.operations = tuple(read_str(_lib.kv_key_operation(p, i)) for i in range(_lib.kv_key_operation_count(p)))
        self.enabled = bool(_lib.kv_key_enabled(p))
        self.exportable = bool(_lib.kv_key_exportable(p))
        self.managed = bool(_lib.kv_key_managed(p))
        self.created_on = from_unix(_lib.kv_key_created(p))
        self.updated_on = from_unix(_lib.kv_key_updated(p))
        self.not_before = from_unix(_lib.kv_key_not_before(p))
        self.expires_on = from_unix(_lib.kv_key_expires(p))
        self.recovery_level = opt(read_str(_lib.kv_key_recovery_level(p)))
        self.recoverable_days = int(_lib.kv_key_recoverable_days(p)) or None
        self.recovery_id = opt(read_str(_lib.kv_key_recovery_id(p)))
        self.deleted_on = from_unix(_lib.kv_key_deleted_date(p))
        self.scheduled_purge_date = from_unix(_lib.kv_key_scheduled_purge_date(p))
        self.tags = {
            read_str(_lib.kv_key_tag_name(p, i)): read_str(_lib.kv_key_tag_value(p, i))
            for i in range(_lib.kv_key_tag_count(p))
        }
        policy = read_bytes(_lib.kv_key_release_policy(p))
        self.release_policy = (
            KeyReleasePolicy(
                policy,
                opt(read_str(_lib.kv_key_release_policy_content_type(p))),
                bool(_lib.kv_key_release_policy_immutable(p)),
            )
            if policy
            else None
        )
        self.hsm_platform = opt(read_str(_lib.kv_key_hsm_platform(p)))
        attestation = KeyAttestation(
            opt(read_str(_lib.kv_key_attestation_version(p))),
            read_bytes(_lib.kv_key_attestation_private(p)) or None,
            read_bytes(_lib.kv_key_attestation_public(p)) or None,
            read_bytes(_lib.kv_key_attestation_certificate(p)) or None,
        )
        self.attestation = attestation if any(vars_of(attestation)) else None

    # -- construction and lifetime

    @classmethod
    def from_jwk(cls, jwk: Union[Mapping[str, Any], str]) -> "Key":
        """A key for local operations, without a request: a JSON Web Key (dict or JSON text) with
        ``kty`` and its public members, optional ``kid`` and ``key_ops``, or a key bundle as the
        vault returns it (``{"key": {...}, "attributes": {...}}``). Private members are dropped."""
        text = jwk if isinstance(jwk, str) else json.dumps(jwk)
        out = POINTER(kv_key)()
        call(_lib.kv_key_from_jwk, text_arg(text, "jwk"), byref(out))
        return cls(out)

    def close(self) -> None:
        """Frees the native key now (idempotent). Properties stay readable."""
        self._handle.close()

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def __enter__(self) -> "Key":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "Key(name=%r, version=%r, key_type=%r%s)" % (
            self.name,
            self.version,
            self.key_type_name,
            ", closed" if self.closed else "",
        )

    # -- local operations (no request)

    def verify(self, algorithm: Union[SignatureAlgorithm, str], digest: Buffer, signature: Buffer) -> bool:
        """Verifies ``signature`` over ``digest`` locally with the public key (no request)."""
        valid = c_bool(False)
        d = bytes_arg(digest, "digest")
        s = bytes_arg(signature, "signature")
        with self._handle.use() as k:
            call(_lib.kv_key_verify, k, enum_arg(SignatureAlgorithm, algorithm, "algorithm"), d, len(d), s, len(s),
                 byref(valid))
        return bool(valid.value)

    def verify_data(self, algorithm: Union[SignatureAlgorithm, str], data: Buffer, signature: Buffer) -> bool:
        """Hashes ``data`` with the algorithm's hash, then verifies locally like :meth:`verify`."""
        valid = c_bool(False)
        d = bytes_arg(data, "data")
        s = bytes_arg(signature, "signature")
        with self._handle.use() as k:
            call(_lib.kv_key_verify_data, k, enum_arg(SignatureAlgorithm, algorithm, "algorithm"), d, len(d), s,
                 len(s), byref(valid))
        return bool(valid.value)

    def encrypt(self, algorithm: Union[EncryptionAlgorithm, str], plaintext: Buffer) -> CryptoResult:
        """Encrypts locally with the RSA public key (RSA1_5, RSA-OAEP, RSA-OAEP-256)."""
        data = bytes_arg(plaintext, "plaintext")
        out = POINTER(kv_crypto_result)()
        with self._handle.use() as k:
            call(_lib.kv_key_encrypt, k, enum_arg(EncryptionAlgorithm, algorithm, "algorithm"), data, len(data),
                 byref(out))
        return take_crypto_result(out)

    def wrap_key(self, algorithm: Union[EncryptionAlgorithm, str], key: Buffer) -> CryptoResult:
        """Wraps a symmetric key locally with the RSA public key."""
        data = bytes_arg(key, "key")
        out = POINTER(kv_crypto_result)()
        with self._handle.use() as k:
            call(_lib.kv_key_wrap_key, k, enum_arg(EncryptionAlgorithm, algorithm, "algorithm"), data, len(data),
                 byref(out))
        return take_crypto_result(out)

    def public_pem(self) -> str:
        """The public key as SubjectPublicKeyInfo PEM text (RSA and EC keys)."""
        out = POINTER(kv_blob)()
        with self._handle.use() as k:
            call(_lib.kv_key_public_pem, k, byref(out))
        return take_blob(out).decode("utf-8")

    def public_jwk(self) -> Dict[str, Any]:
        """The key as a JSON Web Key with public members only."""
        out = POINTER(kv_blob)()
        with self._handle.use() as k:
            call(_lib.kv_key_public_jwk, k, byref(out))
        result: Dict[str, Any] = json.loads(take_blob(out).decode("utf-8"))
        return result


def vars_of(obj: Any) -> List[Any]:
    return [getattr(obj, f) for f in obj.__dataclass_fields__]


def _from_wire(enum_cls: Any, name: Optional[str]) -> Any:
    if not name:
        return None
    try:
        return enum_cls.from_wire(name)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Rotation policies


@dataclass
class KeyRotationLifetimeAction:
    """One action of a rotation policy: ``action`` triggered either ``time_after_create`` after
    creation or ``time_before_expiry`` before expiry (ISO-8601 durations such as ``"P90D"``).
    ``action`` is 0 for an action type kv does not know."""

    action: Union[KeyRotationAction, int]
    time_after_create: Optional[str] = None
    time_before_expiry: Optional[str] = None


@dataclass
class KeyRotationPolicy:
    """A key rotation policy. Build one for ``Client.update_key_rotation_policy`` with
    ``lifetime_actions`` and ``expires_in`` (the expiry of new key versions, ISO-8601, e.g.
    ``"P2Y"``); ``id``, ``created_on`` and ``updated_on`` are set on policies the vault returns."""

    lifetime_actions: List[KeyRotationLifetimeAction] = field(default_factory=list)
    expires_in: Optional[str] = None
    id: Optional[str] = None
    created_on: Optional[_dt.datetime] = None
    updated_on: Optional[_dt.datetime] = None


def take_rotation_policy(ptr: Any) -> KeyRotationPolicy:
    try:
        actions = []
        for i in range(_lib.kv_key_rotation_policy_action_count(ptr)):
            raw = int(_lib.kv_key_rotation_policy_action_type(ptr, i))
            try:
                action: Union[KeyRotationAction, int] = KeyRotationAction(raw)
            except ValueError:
                action = raw
            actions.append(
                KeyRotationLifetimeAction(
                    action,
                    opt(read_str(_lib.kv_key_rotation_policy_action_time_after_create(ptr, i))),
                    opt(read_str(_lib.kv_key_rotation_policy_action_time_before_expiry(ptr, i))),
                )
            )
        return KeyRotationPolicy(
            lifetime_actions=actions,
            expires_in=opt(read_str(_lib.kv_key_rotation_policy_expiry_time(ptr))),
            id=opt(read_str(_lib.kv_key_rotation_policy_id(ptr))),
            created_on=from_unix(_lib.kv_key_rotation_policy_created(ptr)),
            updated_on=from_unix(_lib.kv_key_rotation_policy_updated(ptr)),
        )
    finally:
        _lib.kv_key_rotation_policy_free(ptr)


@contextmanager
def native_rotation_policy(policy: KeyRotationPolicy) -> Iterator[Any]:
    """A native kv_key_rotation_policy built from ``policy``, freed on exit."""
    handle = new_handle(_lib.kv_key_rotation_policy_new, _lib.kv_key_rotation_policy_free, "KeyRotationPolicy")
    try:
        with handle.use() as p:
            if policy.expires_in is not None:
                call(_lib.kv_key_rotation_policy_set_expiry_time, p, text_arg(policy.expires_in, "expires_in"))
            for a in policy.lifetime_actions:
                call(
                    _lib.kv_key_rotation_policy_add_action,
                    p,
                    enum_arg(KeyRotationAction, a.action, "action"),
                    opt_text_arg(a.time_after_create, "time_after_create"),
                    opt_text_arg(a.time_before_expiry, "time_before_expiry"),
                )
            yield p
    finally:
        handle.close()


__all__ = [
    "CryptoResult",
    "Key",
    "KeyAttestation",
    "KeyReleasePolicy",
    "KeyRotationLifetimeAction",
    "KeyRotationPolicy",
    "Secret",
]
