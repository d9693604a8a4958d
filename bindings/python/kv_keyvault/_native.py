"""Loads libkv, declares its functions (from the generated ``_ffi``) and holds the helpers that
every wrapper uses: calling a fallible function, turning a native error into an exception, reading
borrowed views, converting arguments, and owning native handles.

Where the library comes from, in this order (the first that loads, matches the package version and
exports every function of kv.h is used):

1. ``KV_LIBRARY``: when this environment variable is set, that file and nothing else;
2. the library installed inside the package (``pip install`` copies ``libkv.so`` into ``kv_keyvault/``);
3. the repository's build, when the package is imported from a kv source tree:
   ``$CARGO_TARGET_DIR`` (if set), then ``target/``, release before debug.

If none does, ``import kv_keyvault`` raises ImportError listing every path tried and why each failed.

The GIL: every function is called through ``ctypes.CDLL``, which releases the GIL for the duration
of each foreign call (only ``ctypes.PyDLL`` keeps it). A blocking vault request therefore never
stops other Python threads; tests/test_threads.py checks that.
"""
from __future__ import annotations

import ctypes
import datetime as _dt
import os
import sys
import threading
import weakref
from contextlib import contextmanager
from ctypes import POINTER, byref
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from . import _ffi
from ._errorbase import ClosedError, KvError
from ._ffi import Status, kv_bytes, kv_error, kv_str
from ._version import __version__
from .errors import InvalidArgumentError, error_class

# Bytes-like inputs accepted for binary payloads.
Buffer = Union[bytes, bytearray, memoryview]
# Times accepted as inputs: an aware datetime (naive ones are taken as UTC) or Unix seconds.
TimeInput = Union[_dt.datetime, int, float]


def _library_filename() -> str:
    if sys.platform == "darwin":
        return "libkv.dylib"
    if sys.platform == "win32":
        return "kv.dll"
    return "libkv.so"


def library_candidates() -> List[Tuple[str, Path]]:
    """The (origin, path) pairs tried when loading libkv, in order."""
    env = os.environ.get("KV_LIBRARY")
    if env:
        return [("KV_LIBRARY", Path(env))]
    name = _library_filename()
    pkg = Path(__file__).resolve().parent
    out = [("installed package", pkg / name)]
    root = pkg.parent.parent.parent  # kv_keyvault/ -> bindings/python -> bindings -> repository root
    if (root / "Cargo.toml").is_file() and (root / "include" / "kv.h").is_file():
        targets: List[Path] = []
        custom = os.environ.get("CARGO_TARGET_DIR")
        if custom:
            targets.append(Path(custom) if os.path.isabs(custom) else root / custom)
        targets.append(root / "target")
        for target in targets:
            for profile in ("release", "debug"):
                out.append(("repository build (%s)" % profile, target / profile / name))
    return out


def _load() -> Tuple[Any, Path]:
    tried: List[str] = []
    for origin, path in library_candidates():
        if not path.is_file():
            tried.append("  %s: %s (not found)" % (origin, path))
            continue
        try:
            candidate = ctypes.CDLL(str(path))
        except OSError as e:
            tried.append("  %s: %s (cannot be loaded: %s)" % (origin, path, e))
            continue
        try:
            version_fn = candidate.kv_version
        except AttributeError:
            tried.append("  %s: %s (not a kv library: no kv_version)" % (origin, path))
            continue
        version_fn.restype = ctypes.c_char_p
        version_fn.argtypes = []
        version = (version_fn() or b"").decode("utf-8", "replace")
        if version != __version__:
            tried.append(
                "  %s: %s (library version %s, but this kv package is version %s: rebuild the "
                "library (cargo build --release) or reinstall the package)" % (origin, path, version, __version__)
            )
            continue
        missing = _ffi.bind(candidate)
        if missing:
            tried.append(
                "  %s: %s (older than the kv.h this package was generated from: it lacks %s; "
                "rebuild it with cargo build --release)" % (origin, path, ", ".join(missing[:5])
                                                            + (" and %d more" % (len(missing) - 5) if len(missing) > 5 else ""))
            )
            continue
        return candidate, path
    hint = (
        "(KV_LIBRARY is set, so nothing else was tried.) " if os.environ.get("KV_LIBRARY") else ""
    ) + (
        "Build it (cargo build --release in the kv repository), install the package with "
        "pip install ./bindings/python (which builds and bundles it), or set KV_LIBRARY to the "
        "path of libkv."
    )
    raise ImportError("kv: cannot load the native library libkv. Tried:\n%s\n%s" % ("\n".join(tried), hint))


# The loaded library. Every function of kv.h has its argtypes and restype set (see _ffi.bind).
lib, LIBRARY_PATH = _load()


# ---------------------------------------------------------------------------------------------
# Calls and errors


def error_from_native(status: int, err: Any) -> KvError:
    """Copies a native kv_error (NULL allowed) into an exception and frees it at once."""
    try:
        if err:
            message = read_str(lib.kv_error_message(err))
            code = read_str(lib.kv_error_service_code(err))
            inner = read_str(lib.kv_error_inner_code(err))
            http_status = int(lib.kv_error_http_status(err))
            request_id = read_str(lib.kv_error_request_id(err))
            client_request_id = read_str(lib.kv_error_client_request_id(err))
            attempts = int(lib.kv_error_attempts(err))
            elapsed = int(lib.kv_error_elapsed_ms(err)) / 1000.0
            native_status = int(lib.kv_error_status(err))
            if native_status:
                status = native_status
        else:
            message, code, inner, http_status, request_id = "", "", "", 0, ""
            client_request_id, attempts, elapsed = "", 0, 0.0
    finally:
        lib.kv_error_free(err)
    description = (lib.kv_status_str(status) or b"").decode("utf-8", "replace")
    return error_class(status)(
        message or description,
        status=status,
        description=description,
        code=code,
        inner_code=inner,
        http_status=http_status,
        request_id=request_id,
        client_request_id=client_request_id,
        attempts=attempts,
        elapsed=elapsed,
    )


def call(fn: Any, *args: Any) -> None:
    """Calls a fallible kv function, appending the ``kv_error **err_out`` argument; raises the
    status's exception class (with the native error copied and freed) unless it returns OK."""
    err = POINTER(kv_error)()
    status = fn(*args, byref(err))
    if status != Status.OK:
        raise error_from_native(status, err)
    if err:  # not expected on success, but never leak it
        lib.kv_error_free(err)


def local_error(cls: Callable[..., KvError], message: str) -> KvError:
    """An exception for a check the binding makes itself, shaped like kv's own."""
    status = getattr(cls, "STATUS", None) or Status.INVALID_ARGUMENT
    description = (lib.kv_status_str(status) or b"").decode("utf-8", "replace")
    return cls(message, status=status, description=description)


# ---------------------------------------------------------------------------------------------
# Borrowed views out, arguments in


def read_bytes(view: kv_bytes) -> bytes:
    """Copies a borrowed kv_bytes."""
    if not view.len:
        return b""
    return ctypes.string_at(view.data, view.len)


def read_str(view: kv_str) -> str:
    """Copies a borrowed kv_str as text (UTF-8, binary-safe: NUL characters are kept)."""
    if not view.len:
        return ""
    return ctypes.string_at(view.data, view.len).decode("utf-8")


def opt(text: str) -> Optional[str]:
    """``None`` for kv's "" (absent)."""
    return text or None


def text_arg(value: str, what: str) -> bytes:
    """A str argument as NUL-terminated UTF-8 (a NUL inside would silently cut it short)."""
    if not isinstance(value, str):
        raise TypeError("%s must be str, not %s" % (what, type(value).__name__))
    if "\0" in value:
        raise local_error(InvalidArgumentError, "%s contains a NUL character" % what)
    return value.encode("utf-8", "surrogatepass")


def opt_text_arg(value: Optional[str], what: str) -> Optional[bytes]:
    return None if value is None else text_arg(value, what)


def bytes_arg(value: Buffer, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError("%s must be bytes-like, not %s" % (what, type(value).__name__))


def uint_arg(value: int, bits: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be int, not %s" % (what, type(value).__name__))
    if not 0 <= value < (1 << bits):
        raise local_error(InvalidArgumentError, "%s is out of range: %d" % (what, value))
    return value


def millis_arg(seconds: float, what: str, bits: int = 64) -> int:
    """Seconds (int or float) as whole milliseconds for kv."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError("%s must be a number of seconds, not %s" % (what, type(seconds).__name__))
    if seconds != seconds or seconds < 0:
        raise local_error(InvalidArgumentError, "%s must not be negative: %r" % (what, seconds))
    if seconds == float("inf"):
        return (1 << bits) - 1
    ms = int(round(seconds * 1000))
    return uint_arg(min(ms, (1 << bits) - 1), bits, what)


def enum_arg(enum_cls: Any, value: Any, what: str) -> int:
    """An enumeration argument: a member, its int value, or its REST API name (e.g. "ES256")."""
    if isinstance(value, str):
        try:
            return int(enum_cls.from_wire(value))
        except (AttributeError, ValueError):
            try:
                return int(enum_cls[value])
            except KeyError:
                raise ValueError("%s: unknown %s %r" % (what, enum_cls.__name__, value)) from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be a %s, not %s" % (what, enum_cls.__name__, type(value).__name__))
    return uint_arg(int(value), 32, what)


def unix_arg(value: TimeInput, what: str) -> int:
    """Unix seconds from a datetime (naive = UTC) or a number."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a datetime or Unix seconds, not %s" % (what, type(value).__name__))
    return int(value)


def from_unix(seconds: int) -> Optional[_dt.datetime]:
    """An aware UTC datetime, or None for kv's 0 (unknown / not set)."""
    if not seconds:
        return None
    return _dt.datetime.fromtimestamp(seconds, tz=_dt.timezone.utc)


def tags_arg(tags: Mapping[str, str]) -> List[Tuple[bytes, bytes]]:
    return [(text_arg(k, "tag name"), text_arg(v, "tag value")) for k, v in tags.items()]


def take_blob(ptr: Any) -> bytes:
    """Copies a kv_blob and frees it."""
    try:
        return read_bytes(lib.kv_blob_bytes(ptr))
    finally:
        lib.kv_blob_free(ptr)


# ---------------------------------------------------------------------------------------------
# Native handles

# Reentrant: a garbage collection triggered while the lock is held may run a finalizer that
# takes it again on the same thread.
_live_lock = threading.RLock()
_live: Dict[str, int] = {}


def live_handles() -> Dict[str, int]:
    """How many native handles of each kind the binding currently owns (for tests and leak hunts)."""
    with _live_lock:
        return {k: v for k, v in _live.items() if v}


def _free_native(free: Any, ptr: Any, kind: str) -> None:
    free(ptr)
    with _live_lock:
        _live[kind] = _live.get(kind, 0) - 1


class Handle:
    """Owns one native handle and frees it exactly once with its ``_free`` function: on
    :meth:`close`, or by a ``weakref.finalize`` when the owner is garbage collected unclosed.

    Calls in flight are counted: :meth:`close` during a call (from another thread) marks the handle
    closed at once (new calls raise :class:`ClosedError`) and the last call in flight frees it, so
    a native handle is never freed under a running call.
    """

    __slots__ = ("_ptr", "kind", "_lock", "_busy", "_closing", "_finalizer", "__weakref__")

    def __init__(self, ptr: Any, free: Any, kind: str) -> None:
        if not ptr:
            raise MemoryError("kv returned a NULL %s" % kind)
        self._ptr = ptr
        self.kind = kind
        self._lock = threading.Lock()
        self._busy = 0
        self._closing = False
        with _live_lock:
            _live[kind] = _live.get(kind, 0) + 1
        self._finalizer = weakref.finalize(self, _free_native, free, ptr, kind)
        # At interpreter exit the OS reclaims everything; freeing then could race daemon threads.
        self._finalizer.atexit = False

    @property
    def closed(self) -> bool:
        return self._closing

    @property
    def freed(self) -> bool:
        """Whether the native handle has been freed."""
        return not self._finalizer.alive

    @contextmanager
    def use(self) -> Iterator[Any]:
        """The native pointer for the duration of one call (ClosedError after close())."""
        with self._lock:
            if self._closing:
                raise local_error(ClosedError, "this %s is closed" % self.kind)
            self._busy += 1
        try:
            yield self._ptr
        finally:
            with self._lock:
                self._busy -= 1
                free_now = self._closing and self._busy == 0
            if free_now:
                self._finalizer()

    def close(self) -> None:
        with self._lock:
            if self._closing:
                return
            self._closing = True
            free_now = self._busy == 0
        if free_now:
            self._finalizer()


def new_handle(ctor: Any, free: Any, kind: str) -> Handle:
    """A Handle for a ``kv_x_new(void)`` constructor (NULL only when memory is exhausted)."""
    return Handle(ctor(), free, kind)
