"""Lifetimes: close() and context managers, use after close raising (never crashing), finalizers
freeing what was not closed, close during a call."""
from __future__ import annotations

import gc
import socket
import threading
import time
import weakref
from typing import Any, Dict, Iterator, List

import pytest

import kv_keyvault as kv
from kv_keyvault._native import live_handles

from conftest import Vault, client_kwargs, unique

EC_JWK = {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
          "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}


def settle() -> Dict[str, int]:
    for _ in range(3):
        gc.collect()
    return live_handles()


def test_use_after_close_raises(vault: Vault, credential: kv.Credential) -> None:
    client = kv.Client(vault.url, credential, **client_kwargs(vault))
    client.close()
    client.close()  # idempotent
    assert client.closed
    with pytest.raises(kv.ClosedError) as info:
        client.get_secret("x")
    assert isinstance(info.value, ValueError) and isinstance(info.value, kv.KvError)
    assert info.value.status == kv.Status.NULL_ARGUMENT
    with pytest.raises(kv.ClosedError):
        client.list_properties_of_secrets()
    with pytest.raises(kv.ClosedError):
        client.sign("k", kv.SignatureAlgorithm.ES256, bytes(32))
    assert "closed" in repr(client)

    with kv.Client(vault.url, credential, **client_kwargs(vault)) as c2:
        pass
    with pytest.raises(kv.ClosedError):
        c2.get_random_bytes(4)

    cred = kv.StaticTokenCredential(vault.token)
    cred.close()
    with pytest.raises(kv.ClosedError):
        kv.Client(vault.url, cred)

    key = kv.Key.from_jwk(EC_JWK)
    key.close()
    with pytest.raises(kv.ClosedError):
        key.verify(kv.SignatureAlgorithm.ES256, bytes(32), bytes(64))
    assert key.curve == kv.KeyCurve.P256


def test_clients_outlive_their_credential(vault: Vault) -> None:
    cred = kv.StaticTokenCredential(vault.token)
    client = kv.Client(vault.url, cred, **client_kwargs(vault))
    cred.close()
    del cred
    gc.collect()
    name = unique()
    client.set_secret(name, "still works")
    assert client.get_secret(name).value == "still works"
    client.close()


def test_iterators_close_and_outlive_client(vault: Vault, credential: kv.Credential, client: kv.Client) -> None:
    prefix = unique("it")
    for i in range(5):
        client.set_secret("%s-%d" % (prefix, i), "x")
    other = kv.Client(vault.url, credential, **client_kwargs(vault))
    it = other.list_properties_of_secrets()
    other.close()  # the iterator stays valid
    assert len([s for s in it if s.name.startswith(prefix)]) == 5

    it2 = client.list_properties_of_secrets()
    next(it2)
    it2.close()
    with pytest.raises(kv.ClosedError):
        next(it2)
    with client.list_properties_of_secrets() as it3:
        next(it3)
    with pytest.raises(kv.ClosedError):
        next(it3)


def test_finalizers_free_what_was_not_closed(vault: Vault, client: kv.Client) -> None:
    baseline = settle()
    finalizers: List[weakref.finalize[Any, Any]] = []
    name = unique()
    client.set_secret(name, "v")

    def make_garbage() -> None:
        for _ in range(50):
            cred = kv.StaticTokenCredential(vault.token)
            c = kv.Client(vault.url, cred, **client_kwargs(vault))
            key = kv.Key.from_jwk(EC_JWK)
            it = c.list_properties_of_secret_versions(name)
            finalizers.extend(h._handle._finalizer for h in (cred, c, key, it))
            c.get_secret(name)
        # A reference cycle is collected too.
        cycle_client = kv.Client(vault.url, kv.StaticTokenCredential(vault.token), **client_kwargs(vault))
        cycle_client.me = cycle_client  # type: ignore[attr-defined]
        finalizers.append(cycle_client._handle._finalizer)

    make_garbage()
    assert settle() == baseline
    assert finalizers and not any(f.alive for f in finalizers)


def test_close_frees_exactly_once(vault: Vault) -> None:
    cred = kv.StaticTokenCredential(vault.token)
    client = kv.Client(vault.url, cred, **client_kwargs(vault))
    fin = client._handle._finalizer
    before = live_handles().get("Client", 0)
    client.close()
    assert not fin.alive
    assert live_handles().get("Client", 0) == before - 1
    client.close()
    del client
    gc.collect()
    assert live_handles().get("Client", 0) == before - 1  # not freed a second time
    cred.close()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a stuck vault)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    conns: List[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        t.join()
        for c in conns:
            c.close()
        srv.close()


def test_close_during_a_call_waits_for_it(silent_server: int, credential: kv.Credential) -> None:
    client = kv.Client("https://localhost:%d" % silent_server, credential, read_timeout=1.0, call_timeout=1.5,
                       max_retries=0)
    fin = client._handle._finalizer
    errors: List[BaseException] = []

    def slow_call() -> None:
        try:
            client.get_secret("x")
        except BaseException as e:  # noqa: B036
            errors.append(e)

    t = threading.Thread(target=slow_call)
    t.start()
    time.sleep(0.3)
    client.close()  # returns at once; the native client is freed when the call has finished
    assert client.closed
    assert fin.alive
    with pytest.raises(kv.ClosedError):
        client.get_secret("y")
    t.join(10)
    assert not t.is_alive()
    assert not fin.alive
    assert len(errors) == 1 and isinstance(errors[0], kv.TransportError), errors
