"""kv's records in the ``kv`` logger of :mod:`logging` (kv.enable_logging), and the diagnostics of
a finished call (Cancellation.last_call), against the scripted HTTPS server of conftest."""
from __future__ import annotations

import logging
from typing import Iterator, List

import pytest

import kv_keyvault as kv

from conftest import Scripted, audit_secret

VALUE = "py-S3cr3t-9c41e7"
TOKEN = "py-tok-0a6b2f-never-logged"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def collected() -> Iterator[List[logging.LogRecord]]:
    handler = _Collect()
    logger = logging.getLogger("kv")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    kv.enable_logging()
    try:
        yield handler.records
    finally:
        kv.disable_logging()
        logger.setLevel(old)
        logger.removeHandler(handler)


def test_records_arrive_in_the_kv_logger_with_their_fields_and_no_secret(
        scripted: Scripted, collected: List[logging.LogRecord]) -> None:
    audit_secret(VALUE)
    audit_secret(TOKEN)
    scripted.reset()
    body = b'{"value":"%s","id":"%s/secrets/logged/00000000000000000000000000000000"}' % (
        VALUE.encode(), scripted.url.encode())
    scripted.reply = (200, body, {})
    with kv.Client(scripted.url, kv.StaticTokenCredential(TOKEN), ca_file=scripted.ca_file) as client:
        client.set_secret("logged", VALUE)
        assert client.get_secret("logged").value == VALUE
    ids = {r.client_request_id for r in scripted.requests}
    mine = [r for r in collected if getattr(r, "kv_path", "").startswith("/secrets/logged")]
    puts = [r for r in mine if r.kv_method == "PUT" and r.kv_status == 200]  # type: ignore[attr-defined]
    assert len(puts) == 1, [r.__dict__ for r in mine]
    put = puts[0]
    assert put.name == "kv" and put.levelno == logging.INFO
    assert put.kv_path == "/secrets/logged"  # type: ignore[attr-defined]
    assert put.kv_attempt == 1  # type: ignore[attr-defined]
    assert put.kv_client_request_id in ids and len(put.kv_client_request_id) == 36  # type: ignore[attr-defined]
    assert put.kv_elapsed_ms >= 0  # type: ignore[attr-defined]
    assert any(r.kv_status == 401 and r.levelno == logging.DEBUG for r in mine)  # type: ignore[attr-defined]
    assert any(r.kv_method == "GET" for r in mine)  # type: ignore[attr-defined]
    for r in collected:
        text = repr(r.__dict__) + r.getMessage()
        assert VALUE not in text and TOKEN not in text, r.__dict__


def test_disable_logging_stops_the_records(scripted: Scripted, collected: List[logging.LogRecord]) -> None:
    scripted.reset()
    scripted.reply = (200, b'{"value":"v","id":"%s/secrets/quiet/00000000000000000000000000000000"}'
                      % scripted.url.encode(), {})
    kv.disable_logging()
    with kv.Client(scripted.url, kv.StaticTokenCredential("scripted-token"), ca_file=scripted.ca_file) as client:
        client.get_secret("quiet")
    assert not collected


def test_a_successful_call_tells_its_request_id_attempts_and_time(scripted: Scripted) -> None:
    scripted.reset()
    scripted.reply = (200, b'{"value":"v","id":"%s/secrets/diag/00000000000000000000000000000000"}'
                      % scripted.url.encode(), {})
    with kv.Client(scripted.url, kv.StaticTokenCredential("scripted-token"), ca_file=scripted.ca_file) as client:
        client.get_secret("diag")  # learns the challenge
        cancel = kv.Cancellation()
        assert cancel.last_call is None
        client.get_secret("diag", cancel=cancel)
        last = cancel.last_call
        assert last is not None
        assert last.attempts == 1
        assert last.client_request_id == scripted.requests[-1].client_request_id
        assert len(last.client_request_id) == 36
        assert last.elapsed > 0
