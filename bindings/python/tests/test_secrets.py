"""Secrets against the local vault: round trips, properties, lists across pages, versions,
delete/recover/purge, backup/restore."""
from __future__ import annotations

import datetime as dt
import os

import pytest

import kv_keyvault as kv

from conftest import EMULATOR, PAGE_SIZE, Scripted, Vault, unique

# DeletionRecoveryLevel of the REST spec (2025-07-01).
RECOVERY_LEVELS = ("Purgeable", "Recoverable+Purgeable", "Recoverable", "Recoverable+ProtectedSubscription",
                   "CustomizedRecoverable+Purgeable", "CustomizedRecoverable",
                   "CustomizedRecoverable+ProtectedSubscription")


def test_round_trip_text(client: kv.Client) -> None:
    name = unique()
    value = "héllo wörld ✓ 日本語 🔑"
    set_result = client.set_secret(name, value)
    assert set_result.value == value
    assert set_result.name == name
    assert set_result.version and len(set_result.version) == 32
    got = client.get_secret(name)
    assert got.value == value
    assert got.value_bytes == value.encode("utf-8")
    assert got.version == set_result.version
    assert got.id.endswith("/secrets/%s/%s" % (name, got.version))
    assert got.enabled is True
    assert isinstance(got.created_on, dt.datetime) and got.created_on.tzinfo is not None
    assert got.not_before is None and got.expires_on is None
    # The service's values, as the vault chose them (the stand-in's own are tools/testvault's to test).
    assert got.recovery_level in RECOVERY_LEVELS
    assert got.recoverable_days is not None and 7 <= got.recoverable_days <= 90
    assert got.deleted_on is None and got.recovery_id is None
    # The value never shows in repr().
    assert value not in repr(got) and "value_bytes" not in repr(got)


def test_round_trip_nul_bytes(client: kv.Client) -> None:
    name = unique()
    value = "a\0b\0\0c"
    client.set_secret(name, value)
    assert client.get_secret(name).value == value
    raw = b"\x00\x01\x02 bytes \xc3\xa9\x00"
    client.set_secret(name, raw)
    got = client.get_secret(name)
    assert got.value_bytes == raw
    assert got.value == raw.decode("utf-8")
    client.set_secret(name, bytearray(b"from a bytearray"))
    assert client.get_secret(name).value == "from a bytearray"
    client.set_secret(name, memoryview(b"from a memoryview"))
    assert client.get_secret(name).value == "from a memoryview"


def test_invalid_utf8_is_refused(client: kv.Client) -> None:
    with pytest.raises(kv.InvalidArgumentError) as info:
        client.set_secret(unique(), b"\xff\xfe")
    assert info.value.http_status == 0
    assert "UTF-8" in info.value.message
    # A lone surrogate in a str cannot be UTF-8 either: kv sees the bytes and refuses them.
    with pytest.raises(kv.InvalidUtf8Error) as info2:
        client.get_secret("abc\udcff")
    assert info2.value.status == kv.Status.INVALID_UTF8


def test_specific_version(client: kv.Client) -> None:
    name = unique()
    first = client.set_secret(name, "one")
    client.set_secret(name, "two")
    assert client.get_secret(name).value == "two"
    assert first.version is not None
    assert client.get_secret(name, first.version).value == "one"
    assert client.get_secret(name, version=first.version).value == "one"


def test_properties_and_update(client: kv.Client) -> None:
    name = unique()
    nbf = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    exp = dt.datetime(2099, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)
    s = client.set_secret(name, "v", content_type="text/plain", enabled=True, not_before=nbf, expires_on=exp,
                          tags={"env": "test", "team": "kv"})
    assert s.content_type == "text/plain"
    assert s.not_before == nbf and s.expires_on == exp
    assert s.tags == {"env": "test", "team": "kv"}

    # Updates name the version: the emulator answers PATCH /secrets/{name}/ (latest) with 405.
    updated = client.update_secret_properties(name, s.version, content_type="application/json", tags={"env": "prod"},
                                              expires_on=int(exp.timestamp()) + 1)
    assert updated.value == ""  # updates return no value
    assert updated.content_type == "application/json"
    assert updated.tags == {"env": "prod"}
    assert updated.expires_on == exp + dt.timedelta(seconds=1)
    assert updated.not_before == nbf  # untouched

    cleared = client.update_secret_properties(name, s.version, tags={})
    assert cleared.tags == {}
    # A naive datetime is taken as UTC.
    naive = client.update_secret_properties(name, s.version, not_before=dt.datetime(2030, 1, 1))
    assert naive.not_before == dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)


def test_disabled_secret_raises_secret_disabled(client: kv.Client) -> None:
    name = unique()
    created = client.set_secret(name, "hidden", enabled=False)
    if EMULATOR:  # it answers 403 Forbidden without the service's inner code SecretDisabled
        with pytest.raises(kv.ForbiddenError) as forbidden:
            client.get_secret(name)
        assert forbidden.value.http_status == 403 and "hidden" not in str(forbidden.value)
        client.update_secret_properties(name, created.version, enabled=True)
        assert client.get_secret(name).value == "hidden"
        return
    with pytest.raises(kv.SecretDisabledError) as info:
        client.get_secret(name)
    e = info.value
    assert isinstance(e, kv.ForbiddenError) and isinstance(e, kv.ServiceError) and isinstance(e, kv.KvError)
    assert e.status == kv.Status.SECRET_DISABLED and int(e.status) == 351
    assert e.status_name == "KV_STATUS_SECRET_DISABLED"
    assert e.code == "Forbidden"
    assert e.inner_code == "SecretDisabled"
    assert e.http_status == 403
    assert len(e.request_id) >= 32
    assert e.message
    assert "hidden" not in str(e)
    assert "KV_STATUS_SECRET_DISABLED" in str(e) and "HTTP 403" in str(e) and e.request_id in str(e)
    client.update_secret_properties(name, enabled=True)
    assert client.get_secret(name).value == "hidden"


def test_not_found(client: kv.Client) -> None:
    with pytest.raises(kv.SecretNotFoundError) as info:
        client.get_secret(unique("missing"))
    e = info.value
    assert isinstance(e, kv.NotFoundError)
    assert e.code == "SecretNotFound" and e.http_status == 404 and e.request_id
    with pytest.raises(kv.NotFoundError):
        client.get_deleted_secret(unique("missing"))


def test_list_across_pages_is_lazy(client: kv.Client, vault: Vault) -> None:
    prefix = unique("page")
    names = sorted("%s-%02d" % (prefix, i) for i in range(3 * PAGE_SIZE + 1))
    for n in names:
        client.set_secret(n, "x")

    def list_requests() -> int:
        return sum(1 for line in vault.log_lines() if line.startswith("GET /secrets ") or
                   line.startswith("GET /secrets?"))

    before = list_requests()
    it = client.list_properties_of_secrets()
    if vault.log_file is not None:
        assert list_requests() == before  # nothing fetched yet
    first = next(it)
    if vault.log_file is not None:
        assert list_requests() == before + 1  # one page only
    seen = [first] + list(it)
    if vault.log_file is not None:
        assert list_requests() >= before + 4  # several pages (and an empty one) followed
    mine = [s for s in seen if s.name.startswith(prefix)]
    assert sorted(s.name for s in mine) == names
    assert all(s.value == "" and s.version is None for s in mine)
    assert len({s.name for s in seen}) == len(seen)
    assert list(it) == []  # exhausted stays exhausted


def test_versions(client: kv.Client) -> None:
    name = unique()
    versions = [client.set_secret(name, "v%d" % i).version for i in range(PAGE_SIZE + 2)]
    with client.list_properties_of_secret_versions(name) as it:
        listed = list(it)
    assert sorted(s.version or "" for s in listed) == sorted(v or "" for v in versions)
    assert all(s.name == name for s in listed)


def test_delete_recover_purge(client: kv.Client) -> None:
    name = unique()
    client.set_secret(name, "keep me", tags={"a": "b"}, content_type="text/plain")
    gone = client.delete_secret(name)  # hands back the deleted secret
    assert gone.name == name and (gone.value == "" or EMULATOR)  # the emulator returns the value
    assert gone.recovery_id and gone.recovery_id.endswith("/deletedsecrets/%s" % name)
    assert gone.deleted_on is not None and gone.scheduled_purge_date is not None
    assert gone.scheduled_purge_date > gone.deleted_on
    assert gone.tags == {"a": "b"} and gone.content_type == "text/plain"
    client.wait_for_deleted_secret(name, timeout=30)
    with pytest.raises(kv.SecretNotFoundError):
        client.get_secret(name)
    deleted = client.get_deleted_secret(name)
    assert deleted.name == name
    assert deleted.recovery_id == gone.recovery_id
    assert deleted.deleted_on == gone.deleted_on and deleted.scheduled_purge_date is not None
    if not EMULATOR:  # the service sends no value for a deleted secret; the emulator does
        assert deleted.value == ""
    assert name in {s.name for s in client.list_deleted_secrets()}
    # The service: ObjectIsDeletedButRecoverable; the emulator: a plain 409 Conflict.
    with pytest.raises(kv.ConflictError if EMULATOR else kv.ObjectIsDeletedButRecoverableError) as info:
        client.set_secret(name, "again")
    assert isinstance(info.value, kv.ConflictError) and info.value.http_status == 409

    recovered = client.recover_deleted_secret(name)
    assert recovered.name == name
    client.wait_for_recovered_secret(name, timeout=30.0)
    assert client.get_secret(name).value == "keep me"

    client.delete_secret(name)
    client.wait_for_deleted_secret(name, timeout=30)
    client.purge_deleted_secret(name)
    with pytest.raises(kv.SecretNotFoundError):
        client.get_deleted_secret(name)


def test_without_waiting_the_vault_is_still_deleting(client: kv.Client, vault: Vault) -> None:
    if vault.state_dir is None or os.environ.get("TESTVAULT_DELETE_DELAY_MS", "").strip() == "0":
        pytest.skip("only the local stand-in is known to delay deletes")
    name = unique()
    client.set_secret(name, "v")
    client.delete_secret(name)
    with pytest.raises(kv.SecretNotFoundError):
        client.get_deleted_secret(name)
    with pytest.raises(kv.ObjectIsBeingDeletedError) as info:
        client.purge_deleted_secret(name)
    assert info.value.http_status == 409 and info.value.inner_code == "ObjectIsBeingDeleted"
    client.wait_for_deleted_secret(name, timeout=30)
    client.recover_deleted_secret(name)
    with pytest.raises(kv.SecretNotFoundError):
        client.get_secret(name)
    client.wait_for_recovered_secret(name, timeout=30)
    assert client.get_secret(name).value == "v"


def test_secret_waits_time_out_naming_the_deadline(scripted: Scripted) -> None:
    scripted.reset()
    scripted.set_error(404, "SecretNotFound", "Deleted Secret not found: slow")
    with kv.Client(scripted.url, kv.StaticTokenCredential("t"), ca_file=scripted.ca_file, max_retries=0) as c:
        with pytest.raises(kv.TimeoutError) as info:
            c.wait_for_deleted_secret("slow", timeout=0.5)
        assert "wait for deletion of secret 'slow'" in str(info.value)
        assert "deadline of 500 ms" in str(info.value)
        polls = [r for r in scripted.requests if r.authorization]
        assert len(polls) >= 2 and all(r.method == "GET" and r.path.startswith("/deletedsecrets/slow?") for r in polls)
        scripted.requests.clear()
        with pytest.raises(kv.TimeoutError) as info:
            c.wait_for_recovered_secret("slow", timeout=0.3)
        assert "wait for recovery of secret 'slow'" in str(info.value) and "deadline of 300 ms" in str(info.value)
        assert all(r.path.startswith("/secrets/slow/?") for r in scripted.requests if r.authorization)


def test_backup_restore(client: kv.Client) -> None:
    name = unique()
    client.set_secret(name, "first")
    client.set_secret(name, "second")
    backup = client.backup_secret(name)
    assert isinstance(backup, bytes) and len(backup) > 10
    client.delete_secret(name)
    client.wait_for_deleted_secret(name)
    client.purge_deleted_secret(name)
    restored = client.restore_secret(backup)
    assert restored.name == name
    assert client.get_secret(name).value == "second"
    assert len(list(client.list_properties_of_secret_versions(name))) == 2
    with pytest.raises(kv.ConflictError):
        client.restore_secret(backup)
    with pytest.raises(kv.BadParameterError):
        client.restore_secret(b"not a backup")


def test_invalid_names_fail_before_any_request(client: kv.Client) -> None:
    with pytest.raises(kv.InvalidNameError) as info:
        client.get_secret("bad_name!")
    assert info.value.http_status == 0 and info.value.request_id == ""
    # A NUL would silently cut a C string short: refused by the binding.
    with pytest.raises(kv.InvalidArgumentError):
        client.get_secret("name\0other")
    with pytest.raises(TypeError):
        client.get_secret(b"bytes-name")  # type: ignore[arg-type]
