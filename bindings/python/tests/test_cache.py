"""SecretCache against the local vault: values served from memory, one request for many threads,
invalidation, pinned versions and the counters; requests counted in the vault's auth log."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import kv_keyvault as kv

from conftest import Vault, unique


def _requests(vault: Vault, name: str) -> int:
    return sum(1 for method, status, _ in vault.auth_log("/secrets/" + name) if method == "GET" and status == 200)


def test_secret_cache_serves_from_memory_and_sends_one_request_for_many_threads(
        vault: Vault, client: kv.Client) -> None:
    if vault.http_port is None:
        pytest.skip("needs the local vault's auth log to count requests")
    name = unique("pycache")
    first = client.set_secret(name, "cached ✓")
    with kv.SecretCache(client, ttl=60, max_entries=10) as cache:
        barrier = threading.Barrier(16)

        def worker(_: int) -> kv.CachedSecret:
            barrier.wait()
            return cache.get_ex(name)

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(worker, range(16)))
        assert {r.secret.value for r in results} == {"cached ✓"}
        assert not any(r.stale for r in results)
        assert _requests(vault, name) == 1, "one request for sixteen threads"

        client.set_secret(name, "second")
        assert cache.get(name).value == "cached ✓", "served from memory"
        assert cache.get(name, first.version).value == "cached ✓", "a pinned version"
        stats = cache.stats()
        assert (stats.requests, stats.entries, stats.hits + stats.misses) == (2, 2, 18)
        assert cache.invalidate(name) == 2
        assert cache.get(name).value == "second"
        assert cache.stats().requests == 3
        assert _requests(vault, name) == 3
    assert cache.closed
    with pytest.raises(kv.ClosedError):
        cache.get(name)


def test_secret_cache_expires_and_checks_its_options(client: kv.Client) -> None:
    name = unique("pycachettl")
    client.set_secret(name, "one")
    cache = kv.SecretCache(client, ttl=0.1, jitter=0, refresh_ahead=0)
    assert cache.get(name).value == "one"
    client.set_secret(name, "two")
    time.sleep(0.2)
    assert cache.get(name).value == "two"
    with pytest.raises(kv.InvalidArgumentError):
        kv.SecretCache(client, jitter=2)
    with pytest.raises(kv.InvalidArgumentError):
        kv.SecretCache(client, max_entries=0)
    with pytest.raises(kv.InvalidNameError):
        cache.get("not a name")
    assert cache.stats().errors == 1
    cache.close()
