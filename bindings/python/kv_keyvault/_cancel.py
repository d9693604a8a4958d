"""Per-call deadlines (``timeout=``) and cancellation from another thread (``cancel=``).

Every vault call of :class:`~kv_keyvault.Client` takes two keyword arguments:

- ``timeout``: seconds the call may take, retries and waits included (the client's
  ``call_timeout`` still applies too; the earlier ends the call with
  :class:`~kv_keyvault.errors.TimeoutError`);
- ``cancel``: a :class:`Cancellation`; calling its :meth:`Cancellation.cancel` from any thread
  ends every call running with it (and every later one) with
  :class:`~kv_keyvault.errors.CancelledError` within about 100 ms, whether the call is
  connecting, waiting for a reply, sleeping before a retry or waiting for a token.

For a list, both apply to the whole iteration (every page fetched).
"""
from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from ctypes import POINTER, byref, create_string_buffer
from typing import Any, Iterator, List, Optional

from ._ffi import kv_call_context, kv_client
from ._logging import CallDiagnostics
from ._native import Handle, call, lib as _lib, local_error, millis_arg
from .errors import InvalidArgumentError


class Cancellation:
    """A cancellation signal for kv calls, shared by any number of calls and threads.

    Pass it as ``cancel=`` to client calls; :meth:`cancel` (from any thread, any number of times)
    ends the calls running with it, and makes later calls with it fail at once. It cannot be
    reset: use a new one for new work.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        # Weak: a list iterator dropped without close() must not be kept alive here.
        self._scopes: "weakref.WeakSet[_CallScope]" = weakref.WeakSet()
        self._last: Optional[CallDiagnostics] = None

    def cancel(self) -> None:
        """Cancels every call running with this object, and every later one."""
        with self._lock:
            self._cancelled = True
            scopes = list(self._scopes)
        for scope in scopes:
            scope.cancel()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled

    @property
    def last_call(self) -> Optional[CallDiagnostics]:
        """How the last call made with this object went, success or failure (for a list, the
        last page fetched): its client request id, attempts and elapsed seconds; None before
        any call ended. With several calls at once, the one that ended last."""
        return self._last

    def _add(self, scope: "_CallScope") -> None:
        with self._lock:
            self._scopes.add(scope)
            cancelled = self._cancelled
        if cancelled:
            scope.cancel()

    def _remove(self, scope: "_CallScope") -> None:
        with self._lock:
            self._scopes.discard(scope)

    def __repr__(self) -> str:
        return "Cancellation(cancelled=%r)" % self._cancelled


class _CallScope:
    """A kv_call_context and the client made with it (kv_client_with_context) for one call or one
    list (no client when ``client`` is None: a call that takes the context itself), linked to a
    Cancellation while it lives."""

    def __init__(self, client: Any, timeout: Optional[float], cancel: Optional[Cancellation]) -> None:
        if cancel is not None and not isinstance(cancel, Cancellation):
            raise TypeError("cancel must be a kv_keyvault.Cancellation, not %s" % type(cancel).__name__)
        ms = None
        if timeout is not None:
            ms = millis_arg(timeout, "timeout")
            if ms == 0:
                raise local_error(InvalidArgumentError, "timeout must be at least 1 ms: %r" % (timeout,))
        ctx = POINTER(kv_call_context)()
        call(_lib.kv_call_context_new, byref(ctx))
        self._context = Handle(ctx, _lib.kv_call_context_free, "CallContext")
        try:
            if ms is not None:
                call(_lib.kv_call_context_set_deadline_ms, ctx, ms)
            self.client: Optional[Handle] = None
            if client is not None:
                out = POINTER(kv_client)()
                call(_lib.kv_client_with_context, client, ctx, byref(out))
                self.client = Handle(out, _lib.kv_client_free, "Client")
        except BaseException:
            self._context.close()
            raise
        self._cancel = cancel
        if cancel is not None:
            cancel._add(self)

    def cancel(self) -> None:
        try:
            with self._context.use() as ctx:
                _lib.kv_call_context_cancel(ctx)
        except Exception:  # closed: the call is over
            pass

    def diagnostics(self) -> Optional[CallDiagnostics]:
        """The last-call diagnostics of the context, None before any call ended."""
        with self._context.use() as ctx:
            attempts = int(_lib.kv_call_context_last_attempts(ctx))
            elapsed_ms = int(_lib.kv_call_context_last_elapsed_ms(ctx))
            buf = create_string_buffer(64)
            n = int(_lib.kv_call_context_last_client_request_id(ctx, buf, len(buf)))
        if elapsed_ms == 0 and attempts == 0:
            return None
        rid = buf.value.decode("utf-8", "replace") if 0 < n < len(buf) else ""
        return CallDiagnostics(rid, attempts, elapsed_ms / 1000.0)

    def close(self) -> None:
        if self._cancel is not None:
            self._cancel._remove(self)
            try:
                last = self.diagnostics()
            except Exception:  # the context is already closed
                last = None
            if last is not None:
                self._cancel._last = last
        if self.client is not None:
            self.client.close()
        self._context.close()


@contextmanager
def client_for(handle: Handle, timeout: Optional[float], cancel: Optional[Cancellation]) -> Iterator[Any]:
    """The native client for one call: the client's own, or one made for ``timeout``/``cancel``."""
    if timeout is None and cancel is None:
        with handle.use() as c:
            yield c
        return
    with handle.use() as c:
        scope = _CallScope(c, timeout, cancel)
    try:
        assert scope.client is not None
        with scope.client.use() as d:
            yield d
    finally:
        scope.close()


@contextmanager
def context_for(timeout: Optional[float], cancel: Optional[Cancellation]) -> Iterator[Any]:
    """The kv_call_context for one call that takes a context itself (a secret cache's get), or
    None without ``timeout`` and ``cancel``."""
    if timeout is None and cancel is None:
        yield None
        return
    scope = _CallScope(None, timeout, cancel)
    try:
        with scope._context.use() as ctx:
            yield ctx
    finally:
        scope.close()


@contextmanager
def list_client_for(handle: Handle, timeout: Optional[float], cancel: Optional[Cancellation],
                    owner: List["_CallScope"]) -> Iterator[Any]:
    """Like :func:`client_for` for a call that returns an iterator: the scope lives on with the
    iterator it is appended to ``owner`` for, so its pages are fetched under it."""
    if timeout is None and cancel is None:
        with handle.use() as c:
            yield c
        return
    with handle.use() as c:
        scope = _CallScope(c, timeout, cancel)
    ok = False
    try:
        assert scope.client is not None
        with scope.client.use() as d:
            yield d
        ok = True
    finally:
        if not ok:
            scope.close()
    owner.append(scope)
