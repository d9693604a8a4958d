"""kv's log records in Python's :mod:`logging`, and the diagnostics of a finished call.

Nothing is logged until :func:`enable_logging` is called (an application decides where a
library's records go); after it, every record of the native library goes to the ``kv`` logger
(``logging.getLogger("kv")``), from whichever thread made the kv call. Each record's ``extra``
attributes carry its fields:

- ``kv_client_request_id``: the ``x-ms-client-request-id`` of the vault call ("" when none);
- ``kv_method``, ``kv_path``: the HTTP method and the URL path without its query ("" when none);
- ``kv_status``: the HTTP status of the reply (0 when there was none);
- ``kv_attempt``: 1 for the first send of a request, 2 for the first retry... (0: not about one);
- ``kv_elapsed_ms``: milliseconds since the vault call started.

No record ever holds a secret value, a token or a request or reply body. Without
:func:`enable_logging`, ``KV_LOG=debug`` in the environment prints the records on stderr.
"""
from __future__ import annotations

import logging
import threading
from ctypes import string_at
from dataclasses import dataclass
from typing import Any, Optional

from ._ffi import kv_log_callback
from ._native import lib as _lib

LOGGER_NAME = "kv"

# kv's levels (KV_LOG_LEVEL_*) and logging's.
_TO_PYTHON = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG}


def _native_level(level: int) -> int:
    if level <= logging.DEBUG:
        return 4
    if level <= logging.INFO:
        return 3
    if level <= logging.WARNING:
        return 2
    return 1


def _text(p: Optional[int]) -> str:
    """A NUL-terminated string of a record (the generated struct declares them as c_void_p)."""
    return string_at(p).decode("utf-8", "replace") if p else ""


def _forward(_user_data: Any, record: Any) -> None:
    """The kv_log_callback: one kv_log_record (a ctypes pointer) to the kv logger."""
    try:
        r = record.contents
        logging.getLogger(LOGGER_NAME).log(
            _TO_PYTHON.get(r.level, logging.DEBUG),
            "%s",
            _text(r.message),
            extra={
                "kv_client_request_id": _text(r.client_request_id),
                "kv_method": _text(r.method),
                "kv_path": _text(r.path),
                "kv_status": int(r.http_status),
                "kv_attempt": int(r.attempt),
                "kv_elapsed_ms": int(r.elapsed_ms),
            },
        )
    except Exception:  # never let an exception reach the native caller
        pass


# Kept alive for as long as the native library may call it (for the life of the process).
_CALLBACK = kv_log_callback(_forward)
_lock = threading.Lock()


def enable_logging(level: Optional[int] = None) -> None:
    """Sends kv's records to the ``kv`` logger of :mod:`logging` (with their fields as ``extra``
    attributes, see the module's doc). ``level`` (a :mod:`logging` level) is the least severe
    record kv produces; by default the ``kv`` logger's effective level at this call. Call it again
    to change the level. Records are emitted on the thread making the kv call."""
    if level is None:
        level = logging.getLogger(LOGGER_NAME).getEffectiveLevel()
    with _lock:
        _lib.kv_set_log_handler(_native_level(level), _CALLBACK, None)


def disable_logging() -> None:
    """Stops forwarding kv's records to :mod:`logging` (back to the ``KV_LOG`` stderr default)."""
    with _lock:
        _lib.kv_set_log_handler(0, kv_log_callback(), None)


@dataclass(frozen=True)
class CallDiagnostics:
    """How a finished vault call went, success or failure (see :attr:`Cancellation.last_call`)."""

    client_request_id: str
    """The ``x-ms-client-request-id`` every request of the call carried ("" when it sent none)."""
    attempts: int
    """Requests the call sent (retries, challenge rounds and redirects each count one)."""
    elapsed: float
    """Seconds from the start of the call to its end, token fetches and retry pauses included."""
