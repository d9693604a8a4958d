"""The base class of every kv exception (the generated per-status classes are in ``kv.errors``)."""
from __future__ import annotations

from typing import Any, ClassVar, Dict, Optional, Tuple, Type

from ._ffi import Status


def _status_name(status: int) -> str:
    try:
        return "KV_STATUS_" + Status(status).name
    except ValueError:
        return "KV_STATUS_%d" % status


class KvError(Exception):
    """A failed kv call.

    Attributes (copied from the native ``kv_error``, which is freed before this is raised):

    * ``status``: the ``kv.Status`` value (an ``int``), e.g. ``Status.SECRET_NOT_FOUND``;
    * ``status_name``: its C name, e.g. ``"KV_STATUS_SECRET_NOT_FOUND"``;
    * ``description``: the static description of the status (``kv_status_str``);
    * ``message``: the human-readable message (never contains secret values or tokens);
    * ``code``: the service's ``error.code`` (e.g. ``"SecretNotFound"``), ``""`` when the error did not
      come from the service;
    * ``inner_code``: the innermost ``innererror.code`` (e.g. ``"SecretDisabled"``) or ``""``;
    * ``http_status``: the HTTP status of the reply, 0 when there was no reply;
    * ``request_id``: the reply's ``x-ms-request-id`` (quote it to Azure support) or ``""``;
    * ``client_request_id``: the ``x-ms-client-request-id`` kv sent with every request of the call,
      ``""`` when the call sent none;
    * ``attempts``: how many requests the call sent (retries, challenge probes and redirects each
      count one), 0 when it sent none;
    * ``elapsed``: seconds (a ``float``) from the start of the vault call to its failure, 0.0 when the
      error did not come from a vault call.
    """

    #: The status this class stands for (``None`` for the group classes without one).
    STATUS: ClassVar[Optional[int]] = None

    status: int
    status_name: str
    description: str
    message: str
    code: str
    inner_code: str
    http_status: int
    request_id: str
    client_request_id: str
    attempts: int
    elapsed: float

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        description: str = "",
        code: str = "",
        inner_code: str = "",
        http_status: int = 0,
        request_id: str = "",
        client_request_id: str = "",
        attempts: int = 0,
        elapsed: float = 0.0,
    ) -> None:
        super().__init__(message)
        if status is None:
            status = self.STATUS if self.STATUS is not None else Status.INTERNAL
        try:
            status = Status(status)
        except ValueError:
            pass
        self.status = status
        self.status_name = _status_name(status)
        self.description = description
        self.message = message
        self.code = code
        self.inner_code = inner_code
        self.http_status = http_status
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.attempts = attempts
        self.elapsed = elapsed

    def _fields(self) -> Dict[str, Any]:
        return {
            "status": int(self.status),
            "description": self.description,
            "code": self.code,
            "inner_code": self.inner_code,
            "http_status": self.http_status,
            "request_id": self.request_id,
            "client_request_id": self.client_request_id,
            "attempts": self.attempts,
            "elapsed": self.elapsed,
        }

    def __str__(self) -> str:
        details = [self.status_name]
        if self.code:
            details.append("service code %s" % self.code)
        if self.inner_code:
            details.append("inner code %s" % self.inner_code)
        if self.http_status:
            details.append("HTTP %d" % self.http_status)
        if self.request_id:
            details.append("request id %s" % self.request_id)
        if self.client_request_id:
            details.append("client request id %s" % self.client_request_id)
        return "%s (%s)" % (self.message or self.description, "; ".join(details))

    def __repr__(self) -> str:
        return "%s(%r, status=%s, code=%r, inner_code=%r, http_status=%d, request_id=%r)" % (
            type(self).__name__,
            self.message,
            self.status_name,
            self.code,
            self.inner_code,
            self.http_status,
            self.request_id,
        )

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self._fields()))


def _rebuild(cls: Type[KvError], message: str, fields: Dict[str, Any]) -> KvError:
    return cls(message, **fields)


class ClosedError(KvError, ValueError):
    """A method was called on an object after its ``close()`` (or after its ``with`` block).

    Raised by the binding before any native call (kv itself would answer ``KV_STATUS_NULL_ARGUMENT``
    for the NULL handle, which is the ``status`` this carries). It is also a ``ValueError``, like
    I/O on a closed Python file.
    """

    STATUS = Status.NULL_ARGUMENT
