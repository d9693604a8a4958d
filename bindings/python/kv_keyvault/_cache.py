"""SecretCache: secrets read once and served from memory (kv_secret_cache_* of kv.h)."""
from __future__ import annotations

from ctypes import POINTER, byref, c_bool
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional

from ._client import Client
from ._cancel import Cancellation, context_for
from ._ffi import kv_secret, kv_secret_cache, kv_secret_cache_counters
from ._models import Secret, take_secret
from ._native import Handle, call, lib as _lib, millis_arg, new_handle, opt_text_arg, text_arg, uint_arg

__all__ = ["CachedSecret", "SecretCache", "SecretCacheStats"]


class CachedSecret(NamedTuple):
    """A secret from :meth:`SecretCache.get_ex`, and whether it was served stale."""

    secret: Secret
    stale: bool


@dataclass(frozen=True)
class SecretCacheStats:
    """A cache's counters since it was made, and its size. Every get counts once in exactly one of
    ``hits``, ``misses``, ``stale`` and ``errors``."""

    hits: int
    """Gets answered from memory with a fresh value."""
    misses: int
    """Gets that waited for a request (theirs or another thread's) and got its value."""
    stale: int
    """Gets answered with a stale value (the vault throttled, failed or could not be reached)."""
    errors: int
    """Gets that raised."""
    requests: int
    """Requests sent to the vault."""
    refreshes: int
    """Requests for a secret that had a value (refresh ahead of or after expiry)."""
    evictions: int
    """Values evicted to stay within ``max_entries``."""
    invalidations: int
    """Values removed by :meth:`SecretCache.invalidate` or a definite answer (404, 403, ...)."""
    entries: int
    """Values held now."""


class SecretCache:
    """A cache of secrets over a :class:`Client`, shared by any number of threads.

    ``get`` answers from memory while the value is fresh, else asks the vault — once, however many
    threads ask at the same time (the others wait for that answer). Keyword options, in seconds
    (``None`` keeps kv's default): ``ttl`` (300: how long a value of the latest version is served),
    ``jitter`` (0.1: share of the TTL by which each value's life is shortened at random),
    ``refresh_ahead`` (30: in the last seconds of a value's life the first caller refreshes it while
    the others keep getting it; 0 = off), ``stale_for`` (300: while the vault throttles (429), fails
    (5xx) or cannot be reached, an expired value is served this long, flagged stale; 0 = off),
    ``max_entries`` (1024: the least recently used value is evicted beyond it) and ``error_retry`` (1:
    the least time between requests for a secret after a failure). A get with a ``version`` pins
    that version: it never changes, so it is never fetched again. Values are zeroized when they
    leave the cache. The cache stays usable after its client is closed; :meth:`close` (or the end of
    a ``with`` block) frees it.
    """

    def __init__(
        self,
        client: Client,
        *,
        ttl: Optional[float] = None,
        jitter: Optional[float] = None,
        refresh_ahead: Optional[float] = None,
        stale_for: Optional[float] = None,
        max_entries: Optional[int] = None,
        error_retry: Optional[float] = None,
    ) -> None:
        if not isinstance(client, Client):
            raise TypeError("client must be a kv.Client, not %s" % type(client).__name__)
        opts = new_handle(_lib.kv_secret_cache_options_new, _lib.kv_secret_cache_options_free, "SecretCacheOptions")
        out = POINTER(kv_secret_cache)()
        try:
            with opts.use() as o:
                if ttl is not None:
                    call(_lib.kv_secret_cache_options_set_ttl_ms, o, millis_arg(ttl, "ttl"))
                if jitter is not None:
                    if isinstance(jitter, bool) or not isinstance(jitter, (int, float)):
                        raise TypeError("jitter must be a number, not %s" % type(jitter).__name__)
                    call(_lib.kv_secret_cache_options_set_jitter, o, float(jitter))
                if refresh_ahead is not None:
                    call(_lib.kv_secret_cache_options_set_refresh_ahead_ms, o, millis_arg(refresh_ahead, "refresh_ahead"))
                if stale_for is not None:
                    call(_lib.kv_secret_cache_options_set_stale_for_ms, o, millis_arg(stale_for, "stale_for"))
                if max_entries is not None:
                    call(_lib.kv_secret_cache_options_set_max_entries, o, uint_arg(max_entries, 64, "max_entries"))
                if error_retry is not None:
                    call(_lib.kv_secret_cache_options_set_error_retry_ms, o, millis_arg(error_retry, "error_retry"))
                with client._handle.use() as c:
                    call(_lib.kv_secret_cache_new, c, o, byref(out))
        finally:
            opts.close()
        self._handle = Handle(out, _lib.kv_secret_cache_free, "SecretCache")

    def get(self, name: str, version: Optional[str] = None, *, timeout: Optional[float] = None,
            cancel: Optional[Cancellation] = None) -> Secret:
        """The secret with its value (``version`` None = the latest), from memory when fresh.
        ``timeout`` (seconds) and ``cancel`` bound a request it makes, or its wait for another
        thread's request of the same secret; a hit answers from memory regardless."""
        return self.get_ex(name, version, timeout=timeout, cancel=cancel).secret

    def get_ex(self, name: str, version: Optional[str] = None, *, timeout: Optional[float] = None,
               cancel: Optional[Cancellation] = None) -> CachedSecret:
        """Like :meth:`get`, also telling whether the value was served stale."""
        out = POINTER(kv_secret)()
        stale = c_bool(False)
        with context_for(timeout, cancel) as ctx, self._handle.use() as cache:
            call(_lib.kv_secret_cache_get_in_context, cache, ctx, text_arg(name, "name"),
                 opt_text_arg(version, "version"), byref(out), byref(stale))
        return CachedSecret(take_secret(out), bool(stale.value))

    def invalidate(self, name: Optional[str] = None) -> int:
        """Removes every cached version of ``name`` (None = everything); returns how many values."""
        with self._handle.use() as cache:
            return int(_lib.kv_secret_cache_invalidate(cache, opt_text_arg(name, "name")))

    def stats(self) -> SecretCacheStats:
        """The counters and the number of values held."""
        counters = kv_secret_cache_counters()
        with self._handle.use() as cache:
            _lib.kv_secret_cache_stats(cache, byref(counters))
        return SecretCacheStats(**{f[0]: int(getattr(counters, f[0])) for f in kv_secret_cache_counters._fields_})

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def close(self) -> None:
        """Frees the cache, zeroizing its values (idempotent). Secrets it returned stay usable."""
        self._handle.close()

    def __enter__(self) -> "SecretCache":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "SecretCache(%s)" % ("closed" if self.closed else "%d entries" % self.stats().entries)
