"""Shared parts of the stand-in vault: errors, secret versions, soft delete, paging and body checks.

Used by testvault.py (the server and the secrets), keys.py and certificates.py. It imports none of
them, so no module of the stand-in imports one that imports it back.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import urllib.parse

MAX_CONTENT_TYPE_CHARS = 255
MAX_TAGS = 15
MAX_TAG_CHARS = 512
RECOVERY_LEVEL = "Recoverable+Purgeable"
RECOVERABLE_DAYS = 90
MAX_PAGE = 25
NAME_RE = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
VERSION_RE = re.compile(r"^[0-9a-fA-F]{32}$")


# ----------------------------------------------------------------------------------------------
# errors


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, inner: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.inner = inner
        self.headers = headers or {}

    def body(self) -> dict:
        err = {"code": self.code, "message": self.message}
        if self.inner:
            err["innererror"] = {"code": self.inner}
        return {"error": err}


def bad(message: str) -> ApiError:
    return ApiError(400, "BadParameter", message)


# ----------------------------------------------------------------------------------------------
# state


class Version:
    __slots__ = ("version", "value", "content_type", "tags", "enabled", "nbf", "exp", "created", "updated")

    def __init__(self, version, value, content_type, tags, enabled, nbf, exp, created, updated):
        self.version = version
        self.value = value
        self.content_type = content_type
        self.tags = tags
        self.enabled = enabled
        self.nbf = nbf
        self.exp = exp
        self.created = created
        self.updated = updated

    def to_blob(self) -> dict:
        return {s: getattr(self, s) for s in self.__slots__}


class Secret:
    def __init__(self, name: str):
        self.name = name                  # spelling of the first creation
        self.versions: list[Version] = []  # creation order; last = latest
        self.deleted_date: int | None = None

    def latest(self) -> Version:
        return self.versions[-1]

    def find(self, version: str) -> Version | None:
        if version == "":
            return self.latest()
        v = version.lower()
        for ver in self.versions:
            if ver.version == v:
                return ver
        return None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64_lenient(text: str) -> bytes:
    t = text.strip().replace("-", "+").replace("_", "/")
    t += "=" * (-len(t) % 4)
    return base64.b64decode(t, validate=True)


class SoftDeleteStore:
    """Soft delete, recovery, purge and restore, the same for secrets and keys. A subclass keeps
    `lock`, `live` and `deleted` (lower-cased name -> object with `name`, `deleted_date` and
    `latest()`), calls `_init_pending()` and says how its objects look and which errors it raises.

    Like the real service, delete and recover finish asynchronously, `delay` seconds after the
    request (0 = at once): an object being deleted is in `deleting` (neither live nor deleted: its
    GET and GET /deleted... answer 404, purge, recover and re-create answer 409 Conflict /
    ObjectIsBeingDeleted); an object being recovered is in `recovering` (its GET answers 404 until
    the recovery finishes, re-create answers 409). `settle()` moves finished transitions along; the
    request handler calls it before every request."""

    noun = "Object"
    delay = 0.0

    def _init_pending(self) -> None:
        self.deleting: dict = {}  # lower-cased name -> (object, monotonic due time)
        self.recovering: dict = {}

    def _not_found(self, name: str) -> ApiError:
        raise NotImplementedError

    def _deleted_not_found(self, name: str) -> ApiError:
        raise NotImplementedError

    def _deleted_bundle(self, obj) -> dict:
        raise NotImplementedError

    def _recovered_bundle(self, obj) -> dict:
        raise NotImplementedError

    def settle(self) -> None:
        """Finishes the deletions and recoveries whose delay has passed."""
        now = time.monotonic()
        with self.lock:
            for pending, target in ((self.deleting, self.deleted), (self.recovering, self.live)):
                for key, (obj, due) in list(pending.items()):
                    if due <= now:
                        del pending[key]
                        target[key] = obj

    def _being_deleted(self) -> ApiError:
        return ApiError(409, "Conflict", "%s is currently being deleted." % self.noun, "ObjectIsBeingDeleted")

    def check_not_pending(self, key: str) -> None:
        """409 when `key` is mid-delete or mid-recovery (for create, set, import and restore). Caller
        holds the lock. The real service's answer during a recovery is not recorded; the stand-in
        uses 409 Conflict / ObjectIsBeingRecovered."""
        if key in self.deleting:
            raise self._being_deleted()
        if key in self.recovering:
            raise ApiError(409, "Conflict", "%s is currently being recovered." % self.noun, "ObjectIsBeingRecovered")

    def delete(self, name: str) -> dict:
        key = name.lower()
        with self.lock:
            obj = self.live.pop(key, None)
            if obj is None:
                raise self._not_found(name)
            obj.deleted_date = int(time.time())
            if self.delay > 0:
                self.deleting[key] = (obj, time.monotonic() + self.delay)
            else:
                self.deleted[key] = obj
            return self._deleted_bundle(obj)

    def get_deleted(self, name: str) -> dict:
        with self.lock:
            obj = self.deleted.get(name.lower())
            if obj is None:
                raise self._deleted_not_found(name)
            return self._deleted_bundle(obj)

    def recover(self, name: str) -> dict:
        key = name.lower()
        with self.lock:
            if key in self.deleting:
                raise self._being_deleted()
            obj = self.deleted.get(key)
            if obj is None:
                raise self._deleted_not_found(name)
            if key in self.live:  # cannot happen through the API; be safe
                raise ApiError(409, "Conflict", "%s %s already exists" % (self.noun, obj.name))
            del self.deleted[key]
            obj.deleted_date = None
            if self.delay > 0:
                self.recovering[key] = (obj, time.monotonic() + self.delay)
            else:
                self.live[key] = obj
            return self._recovered_bundle(obj)

    def purge(self, name: str) -> None:
        key = name.lower()
        with self.lock:
            if key in self.deleting:
                raise self._being_deleted()
            if self.deleted.pop(key, None) is None:
                raise self._deleted_not_found(name)

    def _restore(self, obj) -> dict:
        """Adds a decoded backup; 409 when the name exists, live or deleted."""
        key = obj.name.lower()
        with self.lock:
            self.check_not_pending(key)
            if key in self.live or key in self.deleted:
                raise ApiError(409, "Conflict", "%s already exists" % self.noun)
            self.live[key] = obj
            return self._recovered_bundle(obj)


# ---- paging (shared by secrets and keys)


def parse_paging(query: dict, list_id: str, page_size: int, int_after: bool):
    """(maxresults, after, empty) from the query; `after` is an int position (versions) or a name key."""
    maxresults = page_size
    if "maxresults" in query:
        raw = query["maxresults"]
        try:
            maxresults = int(raw, 10)
        except ValueError:
            raise bad("The parameter 'maxresults' has an invalid value: %s" % raw[:50]) from None
        if not 1 <= maxresults <= MAX_PAGE:
            raise bad("The parameter 'maxresults' must be between 1 and %d." % MAX_PAGE)
    after: int | str | None = None
    empty = False
    if "$skiptoken" in query:
        try:
            tok = json.loads(_b64_lenient(query["$skiptoken"]).decode("utf-8"))
            if not isinstance(tok, dict) or tok.get("l") != list_id:
                raise ValueError
            after = tok["a"]
            empty = bool(tok.get("e"))
            if int_after and not (isinstance(after, int) and not isinstance(after, bool)):
                raise ValueError
            if not int_after and not isinstance(after, str):
                raise ValueError
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise bad("The parameter '$skiptoken' has an invalid value.") from None
    return maxresults, after, empty


def take_page(rows: list, maxresults: int, after, empty: bool):
    """rows: sorted (sort key, object) pairs -> (page rows, more, next_after)."""
    if empty:
        return [], True, after
    remaining = [r for r in rows if after is None or r[0] > after]
    page = remaining[:maxresults]
    return page, len(remaining) > maxresults, (page[-1][0] if page else after)


def next_link(base: str, path: str, api_version: str, list_id: str, after, empty: bool, next_after,
              maxresults: int, more: bool) -> str | None:
    if not more:
        return None
    tok = {"l": list_id, "a": next_after}
    if after is None and not empty:
        tok["e"] = 1  # first page -> one empty page next
    return "%s%s?api-version=%s&$skiptoken=%s&maxresults=%d" % (
        base, path, urllib.parse.quote(api_version, safe=""),
        _b64url(json.dumps(tok, separators=(",", ":")).encode("utf-8")), maxresults)


# ---- body validation helpers


def _content_type(body: dict) -> str | None:
    ct = body.get("contentType")
    if ct is None:
        return None
    if not isinstance(ct, str):
        raise bad("The parameter 'contentType' must be a string.")
    if len(ct) > MAX_CONTENT_TYPE_CHARS:
        raise bad("The parameter 'contentType' exceeds %d characters." % MAX_CONTENT_TYPE_CHARS)
    return ct


def _tags(body: dict) -> dict | None:
    tags = body.get("tags")
    if tags is None:
        return None
    if not isinstance(tags, dict):
        raise bad("The parameter 'tags' must be an object.")
    if len(tags) > MAX_TAGS:
        raise bad("The number of tags exceeds the maximum of %d." % MAX_TAGS)
    for k, v in tags.items():
        if not isinstance(v, str):
            raise bad("Tag values must be strings.")
        if not k or len(k) > MAX_TAG_CHARS or len(v) > MAX_TAG_CHARS:
            raise bad("Tag names must be 1-%d characters and tag values at most %d characters."
                      % (MAX_TAG_CHARS, MAX_TAG_CHARS))
    return dict(tags)


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _attrs(body: dict) -> tuple[bool | None, int | None, int | None]:
    attrs = body.get("attributes")
    if attrs is None:
        return None, None, None
    if not isinstance(attrs, dict):
        raise bad("The parameter 'attributes' must be an object.")
    enabled = attrs.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise bad("The attribute 'enabled' must be a boolean.")
    out = []
    for f in ("nbf", "exp"):
        t = attrs.get(f)
        if t is not None and not _is_int(t):
            raise bad("The attribute '%s' must be an integer (seconds since the Unix epoch)." % f)
        out.append(t)
    return enabled, out[0], out[1]
