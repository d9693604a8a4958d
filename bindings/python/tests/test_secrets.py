"""Secrets against the local vault: round trips, properties, lists across pages, versions,
delete/recover/purge, backup/restore."""
from __future__ import annotations

import datetime as dt

import pytest

import kv_keyvault as kv

from conftest import PAGE_SIZE, Vault, unique


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
    assert got.recovery_level == "Recoverable+Purgeable"
    assert got.recoverable_days == 90
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

    updated = client.update_secret_properties(name, content_type="application/json", tags={"env": "prod"},
                                              expires_on=int(exp.timestamp()) + 1)
    assert updated.value == ""  # updates return no value
    assert updated.content_type == "application/json"
    assert updated.tags == {"env": "prod"}
    assert updated.expires_on == exp + dt.timedelta(seconds=1)
    assert updated.not_before == nbf  # untouched

    cleared = client.update_secret_properties(name, tags={})
    assert cleared.tags == {}
    # A naive datetime is taken as UTC.
    naive = client.update_secret_properties(name, not_before=dt.datetime(2030, 1, 1))
    assert naive.not_before == dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)


def test_disabled_secret_raises_secret_disabled(client: kv.Client) -> None:
    name = unique()
    client.set_secret(name, "hidden", enabled=False)
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
    client.set_secret(name, "keep me", tags={"a": "b"})
    client.delete_secret(name)
    with pytest.raises(kv.SecretNotFoundError):
        client.get_secret(name)
    deleted = client.get_deleted_secret(name)
    assert deleted.name == name
    assert deleted.recovery_id and deleted.recovery_id.endswith("/deletedsecrets/%s" % name)
    assert deleted.deleted_on is not None and deleted.scheduled_purge_date is not None
    assert deleted.value == ""
    assert name in {s.name for s in client.list_deleted_secrets()}
    with pytest.raises(kv.ObjectIsDeletedButRecoverableError) as info:
        client.set_secret(name, "again")
    assert isinstance(info.value, kv.ConflictError) and info.value.http_status == 409

    recovered = client.recover_deleted_secret(name)
    assert recovered.name == name
    assert client.get_secret(name).value == "keep me"

    client.delete_secret(name)
    client.purge_deleted_secret(name)
    with pytest.raises(kv.SecretNotFoundError):
        client.get_deleted_secret(name)


def test_backup_restore(client: kv.Client) -> None:
    name = unique()
    client.set_secret(name, "first")
    client.set_secret(name, "second")
    backup = client.backup_secret(name)
    assert isinstance(backup, bytes) and len(backup) > 10
    client.delete_secret(name)
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
