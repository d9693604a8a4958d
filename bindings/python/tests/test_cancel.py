"""Per-call deadlines (``timeout=``) and cancellation from another thread (``cancel=``), against
the scripted HTTPS server of conftest (a slow reply, a 503 with Retry-After)."""
from __future__ import annotations

import threading
import time
from typing import Any, List

import pytest

import kv_keyvault as kv

from conftest import Scripted


def _client(scripted: Scripted, **kwargs: Any) -> kv.Client:
    scripted.reset()
    return kv.Client(scripted.url, kv.StaticTokenCredential("scripted-token"), ca_file=scripted.ca_file, **kwargs)


def _cancel_when_authorized(scripted: Scripted, cancel: kv.Cancellation, at: List[float]) -> threading.Thread:
    """A thread that cancels once an authorized request has reached the server."""
    def run() -> None:
        deadline = time.monotonic() + 10
        while not any(r.authorization for r in scripted.requests) and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.1)
        at.append(time.monotonic())
        cancel.cancel()
    t = threading.Thread(target=run)
    t.start()
    return t


def test_a_call_cancelled_from_another_thread_during_a_slow_reply_ends_at_once(scripted: Scripted) -> None:
    with _client(scripted, max_retries=0) as client:
        scripted.delay = 5.0
        scripted.reply = (200, b'{"value":"v","id":"%s/secrets/s/00000000000000000000000000000000"}'
                          % scripted.url.encode(), {})
        cancel = kv.Cancellation()
        at: List[float] = []
        t = _cancel_when_authorized(scripted, cancel, at)
        with pytest.raises(kv.errors.CancelledError) as info:
            client.get_secret("s", cancel=cancel)
        returned = time.monotonic()
        t.join()
        assert returned - at[0] < 0.5, returned - at[0]
        assert info.value.status == kv.Status.CANCELLED
        assert cancel.cancelled
        # Later calls with the same Cancellation fail at once, sending nothing.
        sent = len(scripted.requests)
        with pytest.raises(kv.errors.CancelledError):
            client.get_secret("s", cancel=cancel)
        assert len(scripted.requests) == sent


def test_a_call_cancelled_while_sleeping_before_a_retry_ends_at_once(scripted: Scripted) -> None:
    with _client(scripted, max_retries=3) as client:
        scripted.set_error(503, "ServiceUnavailable", "busy", headers={"Retry-After": "10"})
        cancel = kv.Cancellation()
        at: List[float] = []
        t = _cancel_when_authorized(scripted, cancel, at)
        with pytest.raises(kv.errors.CancelledError):
            client.get_secret("s", cancel=cancel)
        returned = time.monotonic()
        t.join()
        assert returned - at[0] < 0.5, returned - at[0]
        assert sum(1 for r in scripted.requests if r.authorization) == 1, "no retry after the cancel"


def test_timeout_bounds_one_call(scripted: Scripted) -> None:
    with _client(scripted, max_retries=0) as client:
        scripted.delay = 5.0
        started = time.monotonic()
        with pytest.raises(kv.errors.TimeoutError):
            client.get_secret("s", timeout=0.3)
        assert time.monotonic() - started < 3.0
        with pytest.raises(kv.errors.InvalidArgumentError):
            client.get_secret("s", timeout=0)
        with pytest.raises(TypeError):
            client.get_secret("s", cancel=object())  # type: ignore[arg-type]


def test_a_cancelled_list_stops_fetching_pages(scripted: Scripted) -> None:
    with _client(scripted, max_retries=0) as client:
        scripted.delay = 5.0
        cancel = kv.Cancellation()
        at: List[float] = []
        it = client.list_properties_of_secrets(cancel=cancel)
        t = _cancel_when_authorized(scripted, cancel, at)
        with pytest.raises(kv.errors.CancelledError):
            next(it)
        t.join()
        it.close()


def test_a_secret_cache_get_takes_timeout_and_cancel(scripted: Scripted) -> None:
    with _client(scripted, max_retries=0) as client:
        scripted.delay = 5.0
        scripted.reply = (200, b'{"value":"v","id":"%s/secrets/s/00000000000000000000000000000000"}'
                          % scripted.url.encode(), {})
        cache = kv.SecretCache(client)
        try:
            cancel = kv.Cancellation()
            at: List[float] = []
            t = _cancel_when_authorized(scripted, cancel, at)
            with pytest.raises(kv.errors.CancelledError):
                cache.get("s", cancel=cancel)
            returned = time.monotonic()
            t.join()
            assert returned - at[0] < 0.5, returned - at[0]
            started = time.monotonic()
            with pytest.raises(kv.errors.TimeoutError):
                cache.get_ex("s", timeout=0.3)
            assert time.monotonic() - started < 3
            # Once the vault answers, the value is cached; a hit answers whatever the deadline.
            scripted.delay = 0.0
            assert cache.get("s").value == "v"
            assert cache.get("s", timeout=0.001).value == "v"
        finally:
            cache.close()
