"""Certificates: the values (Certificate, CertificatePolicy, CertificateOperation, Issuer,
Contact) and the client methods (mixed into :class:`kv.Client`)."""
from __future__ import annotations

import datetime as _dt
import json
from contextlib import contextmanager
from ctypes import POINTER, byref, c_size_t, c_uint8
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

from ._cancel import Cancellation, _CallScope, client_for, list_client_for
from ._ffi import (
    CertificateFormat,
    kv_blob,
    kv_certificate,
    kv_certificate_contacts,
    kv_certificate_iter,
    kv_certificate_operation,
    kv_certificate_policy,
    kv_issuer,
    kv_issuer_iter,
)
from ._native import (
    Buffer,
    Handle,
    bytes_arg,
    call,
    from_unix,
    lib as _lib,
    millis_arg,
    new_handle,
    opt,
    opt_text_arg,
    read_bytes,
    read_str,
    tags_arg,
    take_blob,
    text_arg,
)

# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Certificate:
    """A certificate (or version, list item, deleted certificate) as a call returned it: the DER
    certificate (``cer``, empty for list items) and its X.509 fields, identifiers and attributes."""

    name: str
    id: str
    version: Optional[str]
    cer: bytes = field(repr=False)
    subject: str
    issuer: str
    serial_number: str
    thumbprint: str
    not_before: Optional[_dt.datetime]
    expires_on: Optional[_dt.datetime]
    subject_alternative_names: List[str]
    enabled: bool
    created_on: Optional[_dt.datetime]
    updated_on: Optional[_dt.datetime]
    tags: Dict[str, str]
    key_id: Optional[str]
    secret_id: Optional[str]
    recovery_id: Optional[str]
    deleted_on: Optional[_dt.datetime]
    scheduled_purge_date: Optional[_dt.datetime]

    @property
    def pem(self) -> str:
        """The certificate as one PEM ``CERTIFICATE`` block."""
        import base64
        b64 = base64.b64encode(self.cer).decode("ascii")
        lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
        return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def take_certificate(ptr: Any) -> Certificate:
    """Copies a native kv_certificate into a Certificate and frees it."""
    try:
        tags = {read_str(_lib.kv_certificate_tag_name(ptr, i)): read_str(_lib.kv_certificate_tag_value(ptr, i))
                for i in range(_lib.kv_certificate_tag_count(ptr))}
        return Certificate(
            name=read_str(_lib.kv_certificate_name(ptr)),
            id=read_str(_lib.kv_certificate_id(ptr)),
            version=opt(read_str(_lib.kv_certificate_version(ptr))),
            cer=read_bytes(_lib.kv_certificate_der(ptr)),
            subject=read_str(_lib.kv_certificate_subject(ptr)),
            issuer=read_str(_lib.kv_certificate_issuer_name(ptr)),
            serial_number=read_str(_lib.kv_certificate_serial(ptr)),
            thumbprint=read_str(_lib.kv_certificate_thumbprint(ptr)),
            not_before=from_unix(_lib.kv_certificate_not_before(ptr)),
            expires_on=from_unix(_lib.kv_certificate_not_after(ptr)),
            subject_alternative_names=[read_str(_lib.kv_certificate_san(ptr, i))
                                       for i in range(_lib.kv_certificate_san_count(ptr))],
            enabled=bool(_lib.kv_certificate_enabled(ptr)),
            created_on=from_unix(_lib.kv_certificate_created(ptr)),
            updated_on=from_unix(_lib.kv_certificate_updated(ptr)),
            tags=tags,
            key_id=opt(read_str(_lib.kv_certificate_key_id(ptr))),
            secret_id=opt(read_str(_lib.kv_certificate_secret_id(ptr))),
            recovery_id=opt(read_str(_lib.kv_certificate_recovery_id(ptr))),
            deleted_on=from_unix(_lib.kv_certificate_deleted_date(ptr)),
            scheduled_purge_date=from_unix(_lib.kv_certificate_scheduled_purge_date(ptr)),
        )
    finally:
        _lib.kv_certificate_free(ptr)


@dataclass
class LifetimeAction:
    """``action`` ("AutoRenew" or "EmailContacts") at ``lifetime_percentage`` of the lifetime or
    ``days_before_expiry`` (exactly one)."""

    action: str
    lifetime_percentage: Optional[int] = None
    days_before_expiry: Optional[int] = None


@dataclass
class CertificatePolicy:
    """A certificate policy. ``CertificatePolicy(subject="CN=example.com", dns_names=["example.com"])``
    makes a self-signed certificate (issuer "Self"); ``issuer_name="Unknown"`` leaves a pending
    operation to merge. ``None`` leaves a member to the service's default."""

    subject: Optional[str] = None
    dns_names: List[str] = field(default_factory=list)
    emails: List[str] = field(default_factory=list)
    upns: List[str] = field(default_factory=list)
    uris: List[str] = field(default_factory=list)
    ip_addresses: List[str] = field(default_factory=list)
    issuer_name: Optional[str] = "Self"
    certificate_type: Optional[str] = None
    certificate_transparency: Optional[bool] = None
    key_type: Optional[str] = None
    key_size: Optional[int] = None
    curve: Optional[str] = None
    exportable: Optional[bool] = None
    reuse_key: Optional[bool] = None
    content_type: Optional[str] = None
    validity_in_months: Optional[int] = None
    key_usage: List[str] = field(default_factory=list)
    enhanced_key_usage: List[str] = field(default_factory=list)
    lifetime_actions: List[LifetimeAction] = field(default_factory=list)
    enabled: Optional[bool] = None

    def to_wire(self) -> Dict[str, Any]:
        """The REST API's JSON form."""
        def put(d: Dict[str, Any], k: str, v: Any) -> None:
            if v is not None and v != []:
                d[k] = v
        key: Dict[str, Any] = {}
        put(key, "kty", self.key_type)
        put(key, "key_size", self.key_size)
        put(key, "crv", self.curve)
        put(key, "exportable", self.exportable)
        put(key, "reuse_key", self.reuse_key)
        sans: Dict[str, Any] = {}
        put(sans, "dns_names", self.dns_names)
        put(sans, "emails", self.emails)
        put(sans, "upns", self.upns)
        put(sans, "uris", self.uris)
        put(sans, "ipAddresses", self.ip_addresses)
        x509: Dict[str, Any] = {}
        put(x509, "subject", self.subject)
        put(x509, "sans", sans or None)
        put(x509, "key_usage", self.key_usage)
        put(x509, "ekus", self.enhanced_key_usage)
        put(x509, "validity_months", self.validity_in_months)
        issuer: Dict[str, Any] = {}
        put(issuer, "name", self.issuer_name)
        put(issuer, "cty", self.certificate_type)
        put(issuer, "cert_transparency", self.certificate_transparency)
        wire: Dict[str, Any] = {}
        put(wire, "key_props", key or None)
        put(wire, "secret_props", {"contentType": self.content_type} if self.content_type else None)
        put(wire, "x509_props", x509 or None)
        put(wire, "issuer", issuer or None)
        put(wire, "lifetime_actions", [
            {"trigger": {k: v for k, v in (("lifetime_percentage", a.lifetime_percentage),
                                            ("days_before_expiry", a.days_before_expiry)) if v is not None},
             "action": {"action_type": a.action}} for a in self.lifetime_actions])
        put(wire, "attributes", {"enabled": self.enabled} if self.enabled is not None else None)
        return wire

    @staticmethod
    def from_wire(wire: Mapping[str, Any]) -> "CertificatePolicy":
        """From the REST API's JSON form."""
        key = wire.get("key_props") or {}
        x509 = wire.get("x509_props") or {}
        sans = x509.get("sans") or {}
        issuer = wire.get("issuer") or {}
        return CertificatePolicy(
            subject=x509.get("subject"), dns_names=list(sans.get("dns_names") or []),
            emails=list(sans.get("emails") or []), upns=list(sans.get("upns") or []),
            uris=list(sans.get("uris") or []), ip_addresses=list(sans.get("ipAddresses") or []),
            issuer_name=issuer.get("name"), certificate_type=issuer.get("cty"),
            certificate_transparency=issuer.get("cert_transparency"), key_type=key.get("kty"),
            key_size=key.get("key_size"), curve=key.get("crv"), exportable=key.get("exportable"),
            reuse_key=key.get("reuse_key"), content_type=(wire.get("secret_props") or {}).get("contentType"),
            validity_in_months=x509.get("validity_months"), key_usage=list(x509.get("key_usage") or []),
            enhanced_key_usage=list(x509.get("ekus") or []),
            lifetime_actions=[LifetimeAction(action=(a.get("action") or {}).get("action_type", ""),
                                             lifetime_percentage=(a.get("trigger") or {}).get("lifetime_percentage"),
                                             days_before_expiry=(a.get("trigger") or {}).get("days_before_expiry"))
                              for a in wire.get("lifetime_actions") or []],
            enabled=(wire.get("attributes") or {}).get("enabled"))


def _take_policy(ptr: Any) -> CertificatePolicy:
    try:
        out = POINTER(kv_blob)()
        call(_lib.kv_certificate_policy_to_json, ptr, byref(out))
        return CertificatePolicy.from_wire(json.loads(take_blob(out).decode("utf-8")))
    finally:
        _lib.kv_certificate_policy_free(ptr)


@contextmanager
def _native_policy(policy: Optional[CertificatePolicy]) -> Iterator[Any]:
    if policy is None:
        yield None
        return
    data = json.dumps(policy.to_wire()).encode("utf-8")
    out = POINTER(kv_certificate_policy)()
    call(_lib.kv_certificate_policy_from_json, data, len(data), byref(out))
    try:
        yield out
    finally:
        _lib.kv_certificate_policy_free(out)


@contextmanager
def _options(enabled: Optional[bool], tags: Optional[Mapping[str, str]]) -> Iterator[Any]:
    if enabled is None and tags is None:
        yield None
        return
    handle = new_handle(_lib.kv_certificate_options_new, _lib.kv_certificate_options_free, "CertificateOptions")
    try:
        with handle.use() as o:
            if enabled is not None:
                call(_lib.kv_certificate_options_set_enabled, o, bool(enabled))
            for k, v in tags_arg(tags or {}):
                call(_lib.kv_certificate_options_set_tag, o, k, v)
            yield o
    finally:
        handle.close()


@dataclass(frozen=True)
class CertificateOperation:
    """The pending (or finished) creation of a certificate. ``csr`` is the DER signing request
    to sign and merge for an "Unknown" issuer."""

    id: str
    status: str
    status_details: Optional[str]
    target: Optional[str]
    request_id: Optional[str]
    issuer_name: Optional[str]
    csr: bytes = field(repr=False)
    cancellation_requested: bool
    error_code: Optional[str]
    error_message: Optional[str]


def _take_operation(ptr: Any) -> CertificateOperation:
    try:
        return CertificateOperation(
            id=read_str(_lib.kv_certificate_operation_id(ptr)),
            status=read_str(_lib.kv_certificate_operation_status(ptr)),
            status_details=opt(read_str(_lib.kv_certificate_operation_status_details(ptr))),
            target=opt(read_str(_lib.kv_certificate_operation_target(ptr))),
            request_id=opt(read_str(_lib.kv_certificate_operation_request_id(ptr))),
            issuer_name=opt(read_str(_lib.kv_certificate_operation_issuer_name(ptr))),
            csr=read_bytes(_lib.kv_certificate_operation_csr(ptr)),
            cancellation_requested=bool(_lib.kv_certificate_operation_cancellation_requested(ptr)),
            error_code=opt(read_str(_lib.kv_certificate_operation_error_code(ptr))),
            error_message=opt(read_str(_lib.kv_certificate_operation_error_message(ptr))),
        )
    finally:
        _lib.kv_certificate_operation_free(ptr)


@dataclass(frozen=True)
class Issuer:
    """A certificate issuer (list items carry name and provider only)."""

    name: str
    id: str
    provider: Optional[str]
    account_id: Optional[str]
    organization_id: Optional[str]
    enabled: bool


def _take_issuer(ptr: Any) -> Issuer:
    try:
        return Issuer(name=read_str(_lib.kv_issuer_name(ptr)), id=read_str(_lib.kv_issuer_id(ptr)),
                      provider=opt(read_str(_lib.kv_issuer_provider(ptr))),
                      account_id=opt(read_str(_lib.kv_issuer_account_id(ptr))),
                      organization_id=opt(read_str(_lib.kv_issuer_organization_id(ptr))),
                      enabled=bool(_lib.kv_issuer_enabled(ptr)))
    finally:
        _lib.kv_issuer_free(ptr)


@dataclass(frozen=True)
class Contact:
    """A certificate contact."""

    email: Optional[str] = None
    name: Optional[str] = None
    phone: Optional[str] = None


def _take_contacts(ptr: Any) -> List[Contact]:
    try:
        return [Contact(email=opt(read_str(_lib.kv_certificate_contacts_email(ptr, i))),
                        name=opt(read_str(_lib.kv_certificate_contacts_name(ptr, i))),
                        phone=opt(read_str(_lib.kv_certificate_contacts_phone(ptr, i))))
                for i in range(_lib.kv_certificate_contacts_count(ptr))]
    finally:
        _lib.kv_certificate_contacts_free(ptr)


# ---------------------------------------------------------------------------------------------
# Client methods


class CertificatesMixin:
    """Certificate operations of :class:`kv.Client`."""

    _handle: Handle

    def create_certificate(self, name: str, policy: CertificatePolicy, *, enabled: Optional[bool] = None,
                           tags: Optional[Mapping[str, str]] = None,
                           timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CertificateOperation:
        """Starts creating a certificate (a new version); returns the pending operation. Wait with
        :meth:`wait_for_certificate`."""
        out = POINTER(kv_certificate_operation)()
        with _native_policy(policy) as p, _options(enabled, tags) as o, client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_create_certificate, c, text_arg(name, "name"), p, o, byref(out))
        return _take_operation(out)

    def wait_for_certificate(
        self,
        name: str,
        timeout: float = 60.0,
        *,
        cancel: Optional[Cancellation] = None,
    ) -> Certificate:
        """Waits until the creation finishes and returns the certificate; a failed operation raises
        its error like a service error, ``kv.TimeoutError`` after ``timeout`` seconds."""
        out = POINTER(kv_certificate)()
        with client_for(self._handle, None, cancel) as c:
            call(_lib.kv_client_wait_for_certificate, c, text_arg(name, "name"), millis_arg(timeout, "timeout", 32),
                 byref(out))
        return take_certificate(out)

    def import_certificate(self, name: str, data: Buffer, *, password: Optional[str] = None,
                           policy: Optional[CertificatePolicy] = None, enabled: Optional[bool] = None,
                           tags: Optional[Mapping[str, str]] = None,
                           timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Certificate:
        """Imports a certificate with its private key: PEM text/bytes (a PRIVATE KEY block and the
        certificates) or PKCS#12 bytes with ``password``."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes_arg(data, "data")
        out = POINTER(kv_certificate)()
        with _native_policy(policy) as p, _options(enabled, tags) as o, client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_import_certificate, c, text_arg(name, "name"), raw, len(raw),
                 opt_text_arg(password, "password"), p, o, byref(out))
        return take_certificate(out)

    def get_certificate(
        self,
        name: str,
        version: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Certificate:
        """Gets a certificate (``version`` None = the latest)."""
        out = POINTER(kv_certificate)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_certificate, c, text_arg(name, "name"), opt_text_arg(version, "version"), byref(out))
        return take_certificate(out)

    def update_certificate_properties(self, name: str, version: Optional[str] = None, *,
                                      enabled: Optional[bool] = None,
                                      tags: Optional[Mapping[str, str]] = None,
                                      timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Certificate:
        """Updates enabled and tags of a certificate version."""
        out = POINTER(kv_certificate)()
        with _options(enabled, tags if tags is not None or enabled is not None else {}) as o, \
                client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_update_certificate_properties, c, text_arg(name, "name"),
                 opt_text_arg(version, "version"), o, byref(out))
        return take_certificate(out)

    def get_certificate_policy(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CertificatePolicy:
        """Gets a certificate's policy."""
        out = POINTER(kv_certificate_policy)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_certificate_policy, c, text_arg(name, "name"), byref(out))
        return _take_policy(out)

    def update_certificate_policy(
        self,
        name: str,
        policy: CertificatePolicy,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CertificatePolicy:
        """Updates a certificate's policy (members left ``None`` or empty are kept); returns it."""
        out = POINTER(kv_certificate_policy)()
        with _native_policy(policy) as p, client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_update_certificate_policy, c, text_arg(name, "name"), p, byref(out))
        return _take_policy(out)

    def get_certificate_operation(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CertificateOperation:
        """Gets the pending (or last) creation operation."""
        out = POINTER(kv_certificate_operation)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_certificate_operation, c, text_arg(name, "name"), byref(out))
        return _take_operation(out)

    def cancel_certificate_operation(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CertificateOperation:
        """Requests cancellation of the pending operation."""
        out = POINTER(kv_certificate_operation)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_cancel_certificate_operation, c, text_arg(name, "name"), byref(out))
        return _take_operation(out)

    def delete_certificate_operation(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> CertificateOperation:
        """Deletes the pending operation."""
        out = POINTER(kv_certificate_operation)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_delete_certificate_operation, c, text_arg(name, "name"), byref(out))
        return _take_operation(out)

    def merge_certificate(self, name: str, chain: Sequence[Buffer], *, enabled: Optional[bool] = None,
                          tags: Optional[Mapping[str, str]] = None,
                          timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Certificate:
        """Merges a certificate signed outside the vault: ``chain`` holds DER certificates, the
        signed one first."""
        ders = [bytes_arg(d, "chain") for d in chain]
        arrays = [(c_uint8 * len(d)).from_buffer_copy(d) for d in ders]
        ptrs = (POINTER(c_uint8) * len(ders))(*[ctypes_cast(a) for a in arrays])
        lens = (c_size_t * len(ders))(*[len(d) for d in ders])
        out = POINTER(kv_certificate)()
        with _options(enabled, tags) as o, client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_merge_certificate, c, text_arg(name, "name"), ptrs, lens, len(ders), o, byref(out))
        return take_certificate(out)

    def delete_certificate(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Certificate:
        """Deletes a certificate and all its versions (soft delete); see
        :meth:`wait_for_deleted_certificate`."""
        out = POINTER(kv_certificate)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_delete_certificate, c, text_arg(name, "name"), byref(out))
        return take_certificate(out)

    def wait_for_deleted_certificate(
        self,
        name: str,
        timeout: float = 60.0,
        *,
        cancel: Optional[Cancellation] = None,
    ) -> None:
        """Waits until a deleted certificate has reached the deleted collection."""
        with client_for(self._handle, None, cancel) as c:
            call(_lib.kv_client_wait_for_deleted_certificate, c, text_arg(name, "name"),
                 millis_arg(timeout, "timeout", 32))

    def wait_for_recovered_certificate(
        self,
        name: str,
        timeout: float = 60.0,
        *,
        cancel: Optional[Cancellation] = None,
    ) -> None:
        """Waits until a recovered certificate is back."""
        with client_for(self._handle, None, cancel) as c:
            call(_lib.kv_client_wait_for_recovered_certificate, c, text_arg(name, "name"),
                 millis_arg(timeout, "timeout", 32))

    def get_deleted_certificate(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Certificate:
        """Gets a deleted certificate."""
        out = POINTER(kv_certificate)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_deleted_certificate, c, text_arg(name, "name"), byref(out))
        return take_certificate(out)

    def recover_deleted_certificate(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Certificate:
        """Recovers a deleted certificate."""
        out = POINTER(kv_certificate)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_recover_deleted_certificate, c, text_arg(name, "name"), byref(out))
        return take_certificate(out)

    def purge_deleted_certificate(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> None:
        """Purges a deleted certificate permanently."""
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_purge_deleted_certificate, c, text_arg(name, "name"))

    def backup_certificate(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> bytes:
        """Backs up all versions of a certificate into an opaque blob."""
        out = POINTER(kv_blob)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_backup_certificate, c, text_arg(name, "name"), byref(out))
        return take_blob(out)

    def restore_certificate(
        self,
        backup: Buffer,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Certificate:
        """Restores a certificate from a backup."""
        data = bytes_arg(backup, "backup")
        out = POINTER(kv_certificate)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_restore_certificate, c, data, len(data), byref(out))
        return take_certificate(out)

    def _cert_iter(
        self,
        fn: Any,
        *args: Any,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Any:
        from ._client import ItemIterator
        scope: List[_CallScope] = []
        out = POINTER(kv_certificate_iter)()
        with list_client_for(self._handle, timeout, cancel, scope) as c:
            call(fn, c, *args, byref(out))
        return ItemIterator(out, _lib.kv_certificate_iter_next, _lib.kv_certificate_iter_free, kv_certificate,
                            take_certificate, "CertificateIterator", scope)

    def list_properties_of_certificates(
        self,
        *,
        include_pending: bool = False,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Any:
        """Iterates the vault's certificates (items carry no certificate bytes)."""
        return self._cert_iter(_lib.kv_client_list_certificates, bool(include_pending),
                               timeout=timeout, cancel=cancel)

    def list_properties_of_certificate_versions(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Any:
        """Iterates the versions of a certificate."""
        return self._cert_iter(_lib.kv_client_list_certificate_versions, text_arg(name, "name"),
                               timeout=timeout, cancel=cancel)

    def list_deleted_certificates(
        self,
        *,
        include_pending: bool = False,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Any:
        """Iterates the deleted certificates."""
        return self._cert_iter(_lib.kv_client_list_deleted_certificates, bool(include_pending),
                               timeout=timeout, cancel=cancel)

    def download_certificate(self, name: str, version: Optional[str] = None, *,
                             format: Union[CertificateFormat, str] = CertificateFormat.PEM,
                             password: Optional[str] = None,
                             timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> bytes:
        """The certificate with its private key, through its secret: ``format`` PEM (key then
        chain), PKCS12 (protected with ``password``), CHAIN_PEM (certificates only) or KEY_PEM."""
        fmt = CertificateFormat[format.upper()] if isinstance(format, str) else CertificateFormat(format)
        out = POINTER(kv_blob)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_download_certificate, c, text_arg(name, "name"), opt_text_arg(version, "version"),
                 int(fmt), opt_text_arg(password, "password"), byref(out))
        return take_blob(out)

    # issuers

    @contextmanager
    def _issuer_options(self, provider: Optional[str], account_id: Optional[str], password: Optional[str],
                        organization_id: Optional[str], enabled: Optional[bool],
                        admins: Optional[Sequence[Mapping[str, str]]] = None) -> Iterator[Any]:
        handle = new_handle(_lib.kv_issuer_options_new, _lib.kv_issuer_options_free, "IssuerOptions")
        try:
            with handle.use() as o:
                if provider is not None:
                    call(_lib.kv_issuer_options_set_provider, o, text_arg(provider, "provider"))
                if account_id is not None or password is not None:
                    call(_lib.kv_issuer_options_set_credentials, o, text_arg(account_id or "", "account_id"),
                         opt_text_arg(password, "password"))
                if organization_id is not None:
                    call(_lib.kv_issuer_options_set_organization_id, o, text_arg(organization_id, "organization_id"))
                if enabled is not None:
                    call(_lib.kv_issuer_options_set_enabled, o, bool(enabled))
                for admin in admins or ():
                    call(_lib.kv_issuer_options_add_admin, o, opt_text_arg(admin.get("first_name"), "first_name"),
                         opt_text_arg(admin.get("last_name"), "last_name"), opt_text_arg(admin.get("email"), "email"),
                         opt_text_arg(admin.get("phone"), "phone"))
                yield o
        finally:
            handle.close()

    def set_certificate_issuer(self, name: str, provider: str, *, account_id: Optional[str] = None,
                               password: Optional[str] = None, organization_id: Optional[str] = None,
                               enabled: Optional[bool] = None,
                               admins: Optional[Sequence[Mapping[str, str]]] = None,
                               timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Issuer:
        """Creates or replaces a certificate issuer. ``admins`` are mappings with ``first_name``,
        ``last_name``, ``email`` and ``phone`` (each optional)."""
        out = POINTER(kv_issuer)()
        with self._issuer_options(provider, account_id, password, organization_id, enabled, admins) as o, \
                client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_set_certificate_issuer, c, text_arg(name, "name"), o, byref(out))
        return _take_issuer(out)

    def update_certificate_issuer(self, name: str, *, provider: Optional[str] = None,
                                  account_id: Optional[str] = None, password: Optional[str] = None,
                                  organization_id: Optional[str] = None, enabled: Optional[bool] = None,
                                  timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Issuer:
        """Updates a certificate issuer (only what is given changes)."""
        out = POINTER(kv_issuer)()
        with self._issuer_options(provider, account_id, password, organization_id, enabled) as o, \
                client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_update_certificate_issuer, c, text_arg(name, "name"), o, byref(out))
        return _take_issuer(out)

    def get_certificate_issuer(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Issuer:
        """Gets a certificate issuer."""
        out = POINTER(kv_issuer)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_certificate_issuer, c, text_arg(name, "name"), byref(out))
        return _take_issuer(out)

    def delete_certificate_issuer(
        self,
        name: str,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Issuer:
        """Deletes a certificate issuer; returns it."""
        out = POINTER(kv_issuer)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_delete_certificate_issuer, c, text_arg(name, "name"), byref(out))
        return _take_issuer(out)

    def list_properties_of_issuers(
        self,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> Any:
        """Iterates the certificate issuers."""
        from ._client import ItemIterator
        scope: List[_CallScope] = []
        out = POINTER(kv_issuer_iter)()
        with list_client_for(self._handle, timeout, cancel, scope) as c:
            call(_lib.kv_client_list_certificate_issuers, c, byref(out))
        return ItemIterator(out, _lib.kv_issuer_iter_next, _lib.kv_issuer_iter_free, kv_issuer, _take_issuer,
                            "IssuerIterator", scope)

    # contacts

    def set_contacts(
        self,
        contacts: Sequence[Contact],
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> List[Contact]:
        """Sets (replaces) the vault's certificate contacts."""
        handle = new_handle(_lib.kv_certificate_contacts_new, _lib.kv_certificate_contacts_free, "Contacts")
        out = POINTER(kv_certificate_contacts)()
        try:
            with handle.use() as lst:
                for ct in contacts:
                    call(_lib.kv_certificate_contacts_add, lst, opt_text_arg(ct.email, "email"),
                         opt_text_arg(ct.name, "name"), opt_text_arg(ct.phone, "phone"))
                with client_for(self._handle, timeout, cancel) as c:
                    call(_lib.kv_client_set_certificate_contacts, c, lst, byref(out))
        finally:
            handle.close()
        return _take_contacts(out)

    def get_contacts(self, *, timeout: Optional[float] = None, cancel: Optional[Cancellation] = None) -> List[Contact]:
        """Gets the vault's certificate contacts."""
        out = POINTER(kv_certificate_contacts)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_get_certificate_contacts, c, byref(out))
        return _take_contacts(out)

    def delete_contacts(
        self,
        *,
        timeout: Optional[float] = None,
        cancel: Optional[Cancellation] = None,
    ) -> List[Contact]:
        """Deletes the vault's certificate contacts; returns them."""
        out = POINTER(kv_certificate_contacts)()
        with client_for(self._handle, timeout, cancel) as c:
            call(_lib.kv_client_delete_certificate_contacts, c, byref(out))
        return _take_contacts(out)


def ctypes_cast(array: Any) -> Any:
    from ctypes import cast
    return cast(array, POINTER(c_uint8))


__all__ = ["Certificate", "CertificateFormat", "CertificateOperation", "CertificatePolicy", "CertificatesMixin",
           "Contact", "Issuer", "LifetimeAction"]

