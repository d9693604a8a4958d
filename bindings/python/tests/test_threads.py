"""Many threads sharing one client; native calls release the GIL."""
from __future__ import annotations

import hashlib
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

import kv_keyvault as kv

from conftest import unique

THREADS = 16


def test_sixteen_threads_share_one_client(client: kv.Client) -> None:
    prefix = unique("mt")
    key_name = unique("mtkey")
    key = client.create_ec_key(key_name, curve=kv.KeyCurve.P256)
    barrier = threading.Barrier(THREADS)

    def worker(i: int) -> int:
        barrier.wait()
        name = "%s-%d" % (prefix, i)
        done = 0
        for round_ in range(5):
            value = "thread %d round %d ✓" % (i, round_)
            client.set_secret(name, value)
            assert client.get_secret(name).value == value
            digest = hashlib.sha256(value.encode()).digest()
            sig = client.sign(key_name, kv.SignatureAlgorithm.ES256, digest, version=key.version)
            assert key.verify(kv.SignatureAlgorithm.ES256, digest, sig.value)
            done += 1
        versions = list(client.list_properties_of_secret_versions(name))
        assert len(versions) == 5
        return done

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))
    assert results == [5] * THREADS


def test_native_calls_release_the_gil(client: kv.Client, credential: kv.Credential) -> None:
    """While one thread waits in kv for a server that never answers, Python keeps running."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    try:
        stuck = kv.Client("https://localhost:%d" % srv.getsockname()[1], credential, read_timeout=1.5,
                          call_timeout=2.0, max_retries=0)
        errors: List[BaseException] = []

        def blocked() -> None:
            try:
                stuck.get_secret("x")
            except BaseException as e:  # noqa: B036
                errors.append(e)

        t = threading.Thread(target=blocked)
        started = time.monotonic()
        t.start()
        time.sleep(0.2)
        # If the call held the GIL, this loop could not run until it returned.
        spins = 0
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            spins += 1
        assert t.is_alive(), "the call returned before the check ran"
        t.join(10)
        elapsed = time.monotonic() - started
        assert spins > 10_000
        assert elapsed >= 1.0
        assert len(errors) == 1 and isinstance(errors[0], kv.TransportError), errors
        stuck.close()
    finally:
        srv.close()
