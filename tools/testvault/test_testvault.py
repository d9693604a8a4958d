"""Tests for tools/testvault/testvault.py (run: python3 -m pytest -q tools/testvault).

The server runs as a subprocess on free loopback ports; the client side is stdlib http.client + ssl,
verifying the server certificate with DIR/ca.pem and the host name "localhost".
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "testvault.py")
API = "2025-07-01"
TOKEN = "test-token"
CHALLENGE = ('Bearer authorization="https://login.microsoftonline.com/'
             '00000000-0000-0000-0000-000000000000", resource="https://localhost"')
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, state_dir: str, *extra: str):
        self.state_dir = state_dir
        self.port = free_port()
        self.http_port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--port", str(self.port), "--http-port", str(self.http_port),
             "--state-dir", state_dir, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr_lines: list[str] = []
        self._stderr_thread = threading.Thread(target=self._drain, daemon=True)
        self._stderr_thread.start()
        line = self._ready_line(timeout=30)
        assert line == "testvault ready https://localhost:%d" % self.port, line
        self.base = "https://localhost:%d" % self.port
        self.ca = os.path.join(state_dir, "ca.pem")

    def _drain(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line.rstrip("\n"))

    def _ready_line(self, timeout: float) -> str:
        result: list[str] = []
        t = threading.Thread(target=lambda: result.append(self.proc.stdout.readline().strip()), daemon=True)
        t.start()
        t.join(timeout)
        if not result:
            self.proc.kill()
            raise AssertionError("server did not become ready; stderr: %s" % self.stderr_lines)
        return result[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr_thread.join(5)


class Client:
    """A keep-alive HTTPS client that verifies the server with ca.pem and host name localhost."""

    def __init__(self, srv: Server, token: str | None = TOKEN):
        self.srv = srv
        self.token = token
        ctx = ssl.create_default_context(cafile=srv.ca)
        assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED
        self.conn = http.client.HTTPSConnection("localhost", srv.port, context=ctx, timeout=10)

    def request(self, method: str, path: str, body=None, headers: dict | None = None,
                api_version: str | None = API, auth: bool = True, raw_body: bytes | None = None):
        if api_version is not None and "api-version=" not in path:
            path += ("&" if "?" in path else "?") + "api-version=" + api_version
        h = {}
        if auth and self.token is not None:
            h["Authorization"] = "Bearer " + self.token
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        self.conn.request(method, path, body=data, headers=h)
        resp = self.conn.getresponse()
        payload = resp.read()
        parsed = json.loads(payload) if payload else None
        return resp, parsed

    def follow(self, next_link: str):
        u = urllib.parse.urlsplit(next_link)
        assert "%s://%s" % (u.scheme, u.netloc) == self.srv.base
        return self.request("GET", u.path + "?" + u.query)

    def close(self):
        self.conn.close()


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("testvault-state"))


@pytest.fixture
def srv(state_dir):
    s = Server(state_dir, "--page-size", "25")
    yield s
    s.stop()


@pytest.fixture
def cli(srv):
    c = Client(srv)
    yield c
    c.close()


def err(parsed) -> tuple[str, str | None]:
    e = parsed["error"]
    return e["code"], (e.get("innererror") or {}).get("code")


# ---------------------------------------------------------------------------------------------
# startup, plain HTTP, TLS


def test_state_dir_files_and_logging(srv, cli):
    for f in ("ca.pem", "ca.key", "server.pem", "server.key", "testvault.pid"):
        assert os.path.isfile(os.path.join(srv.state_dir, f)), f
    with open(os.path.join(srv.state_dir, "testvault.pid")) as fh:
        assert int(fh.read()) == srv.proc.pid
    cli.request("PUT", "/secrets/logged", {"value": "super-secret-value"})
    cli.close()
    srv.stop()
    assert srv.proc.returncode == 0
    assert not os.path.exists(os.path.join(srv.state_dir, "testvault.pid"))
    log = "\n".join(srv.stderr_lines)
    assert "PUT /secrets/logged 200" in log
    assert "super-secret-value" not in log and TOKEN not in log and "api-version" not in log


def test_ping_and_cert_download_over_plain_http(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=10)
    conn.request("GET", "/ping")
    r = conn.getresponse()
    assert r.status == 200 and r.read() == b"pong"
    conn.request("GET", "/metadata/default-cert/")
    r = conn.getresponse()
    pem = r.read()
    assert r.status == 200
    with open(srv.ca, "rb") as fh:
        assert pem == fh.read()
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    conn.request("GET", "/nothing")
    r = conn.getresponse()
    r.read()
    assert r.status == 404
    conn.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls_verified_with_ca_and_hostname(srv, cli):
    r, body = cli.request("GET", "/secrets")
    assert r.status == 200 and body == {"value": [], "nextLink": None}
    assert cli.conn.sock.version() in ("TLSv1.2", "TLSv1.3")
    cert = cli.conn.sock.getpeercert()
    assert ("DNS", "localhost") in cert["subjectAltName"]
    assert ("IP Address", "127.0.0.1") in cert["subjectAltName"]

    # the system trust store does not know our CA
    with pytest.raises(ssl.SSLCertVerificationError):
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
            ssl.create_default_context(cafile=None).wrap_socket(raw, server_hostname="localhost")
    # wrong host name is refused even with the right CA
    with pytest.raises(ssl.SSLCertVerificationError):
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
            ssl.create_default_context(cafile=srv.ca).wrap_socket(raw, server_hostname="example.com")
    # TLS 1.2 alone is enough; TLS 1.1 and lower are refused
    tls12 = ssl.create_default_context(cafile=srv.ca)
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
        with tls12.wrap_socket(raw, server_hostname="localhost") as t:
            assert t.version() == "TLSv1.2"
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(srv.ca)
    try:
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError):
        return
    with pytest.raises((ssl.SSLError, OSError)):
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
            old.wrap_socket(raw, server_hostname="localhost")


def test_keep_alive_and_headers(cli):
    cli.request("GET", "/secrets")
    sock = cli.conn.sock
    r, _ = cli.request("GET", "/secrets", headers={"x-ms-client-request-id": "my-id-1"})
    assert cli.conn.sock is sock, "connection was not kept alive"
    assert r.getheader("x-ms-client-request-id") == "my-id-1"
    assert re.match(r"^[0-9a-f-]{36}$", r.getheader("x-ms-request-id"))
    assert r.getheader("Content-Type") == "application/json; charset=utf-8"
    assert r.getheader("Content-Length") is not None
    r2, _ = cli.request("GET", "/secrets")
    assert r2.getheader("x-ms-request-id") != r.getheader("x-ms-request-id")
    assert r2.getheader("x-ms-client-request-id") is None


# ---------------------------------------------------------------------------------------------
# protocol basics


def test_challenge_401(cli):
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        r, body = cli.request("PUT", "/secrets/s1", headers=headers, auth=False)
        assert r.status == 401
        assert r.getheader("WWW-Authenticate") == CHALLENGE
        assert body == {"error": {"code": "Unauthorized",
                                  "message": "AKV10000: Request is missing a Bearer or PoP token."}}
    # the connection survives the 401 and a body-carrying retry succeeds
    r, body = cli.request("PUT", "/secrets/s1", {"value": "v"})
    assert r.status == 200 and body["value"] == "v"
    # a 401 on a request that did carry a body keeps the connection usable
    r, _ = cli.request("PUT", "/secrets/s1", {"value": "v2"}, auth=False)
    assert r.status == 401
    r, body = cli.request("GET", "/secrets/s1")
    assert r.status == 200 and body["value"] == "v"


def test_token_required(state_dir):
    srv = Server(state_dir, "--token-required", "right")
    try:
        c = Client(srv, token="wrong")
        r, body = c.request("GET", "/secrets")
        assert r.status == 401 and r.getheader("WWW-Authenticate") == CHALLENGE
        assert body["error"] == {"code": "Unauthorized", "message": "AKV10032: Invalid token"}
        c.close()
        c = Client(srv, token="right")
        r, _ = c.request("GET", "/secrets")
        assert r.status == 200
        c.close()
    finally:
        srv.stop()


def test_api_version_missing(cli):
    r, body = cli.request("GET", "/secrets", api_version=None)
    assert r.status == 400
    assert body == {"error": {"code": "BadParameter", "message": "The 'api-version' query parameter is missing."}}
    r, body = cli.request("GET", "/secrets", api_version="7.5")
    assert r.status == 200


def test_bad_name(cli):
    for name in ("bad_name", "a" * 128, "dot.name", "sp%20ace"):
        r, body = cli.request("PUT", "/secrets/" + name, {"value": "v"})
        assert r.status == 400, name
        assert body["error"]["code"] == "BadParameter"
        assert body["error"]["message"].startswith("The request URI contains an invalid name: ")
    r, _ = cli.request("GET", "/secrets/bad_name/")
    assert r.status == 400
    r, body = cli.request("PUT", "/secrets/" + "a" * 127, {"value": "v"})
    assert r.status == 200


def test_unknown_path_wrong_method_malformed_json(cli):
    r, body = cli.request("GET", "/storage")
    assert r.status == 404 and body["error"]["code"] == "NotFound"
    r, body = cli.request("GET", "/secrets/a/b/c")
    assert r.status == 404 and body["error"]["code"] == "NotFound"
    r, body = cli.request("DELETE", "/secrets")
    assert r.status == 405 and body["error"]["code"] == "MethodNotAllowed"
    assert "GET" in r.getheader("Allow")
    r, body = cli.request("POST", "/deletedsecrets/x")
    assert r.status == 405
    r, body = cli.request("PUT", "/secrets/j", raw_body=b"{not json")
    assert r.status == 400 and body["error"]["code"] == "BadParameter"
    r, body = cli.request("PUT", "/secrets/j", raw_body=b"[1,2]")
    assert r.status == 400 and body["error"]["code"] == "BadParameter"
    r, body = cli.request("PUT", "/secrets/j", {})
    assert r.status == 400 and body["error"]["code"] == "BadParameter"
    r, body = cli.request("PUT", "/secrets/j", {"value": 5})
    assert r.status == 400


def test_set_validation(cli):
    r, body = cli.request("PUT", "/secrets/big", {"value": "x" * (25 * 1024 + 1)})
    assert r.status == 400 and body["error"]["code"] == "BadParameter"
    r, body = cli.request("PUT", "/secrets/big", {"value": "x" * (25 * 1024)})
    assert r.status == 200
    r, body = cli.request("PUT", "/secrets/t", {"value": "v", "tags": {"k%d" % i: "v" for i in range(16)}})
    assert r.status == 400
    r, body = cli.request("PUT", "/secrets/t", {"value": "v", "tags": {"k%d" % i: "v" for i in range(15)}})
    assert r.status == 200 and len(body["tags"]) == 15
    r, body = cli.request("PUT", "/secrets/t", {"value": "v", "attributes": {"exp": "tomorrow"}})
    assert r.status == 400
    r, body = cli.request("PUT", "/secrets/t", {"value": "v", "attributes": {"enabled": "yes"}})
    assert r.status == 400


# ---------------------------------------------------------------------------------------------
# secrets


def test_set_get_latest_versions(srv, cli):
    r, b1 = cli.request("PUT", "/secrets/MySecret", {"value": "one"})
    assert r.status == 200
    assert set(b1) == {"value", "id", "attributes"}  # absent optionals are omitted, not null
    assert b1["value"] == "one"
    m = re.match(r"^https://localhost:%d/secrets/MySecret/([0-9a-f]+)$" % srv.port, b1["id"])
    assert m and HEX32.match(m.group(1))
    v1 = m.group(1)
    a = b1["attributes"]
    assert a["enabled"] is True and a["recoveryLevel"] == "Recoverable+Purgeable" and a["recoverableDays"] == 90
    assert isinstance(a["created"], int) and isinstance(a["updated"], int) and "nbf" not in a and "exp" not in a

    r, b2 = cli.request("PUT", "/secrets/MySecret", {
        "value": "two", "contentType": "text/plain", "tags": {"env": "test"},
        "attributes": {"enabled": True, "nbf": 1700000000, "exp": 4102444800}})
    assert r.status == 200
    v2 = b2["id"].rsplit("/", 1)[1]
    assert v2 != v1 and HEX32.match(v2)
    assert b2["contentType"] == "text/plain" and b2["tags"] == {"env": "test"}
    assert b2["attributes"]["nbf"] == 1700000000 and b2["attributes"]["exp"] == 4102444800

    r, g = cli.request("GET", "/secrets/MySecret/" + v1)
    assert r.status == 200 and g["value"] == "one" and g["id"] == b1["id"]
    for path in ("/secrets/MySecret", "/secrets/MySecret/", "/secrets/mysecret/"):
        r, g = cli.request("GET", path)
        assert r.status == 200, path
        assert g["value"] == "two" and g["id"] == b2["id"]

    r, lst = cli.request("GET", "/secrets/MySecret/versions")
    assert r.status == 200 and lst["nextLink"] is None
    assert [i["id"] for i in lst["value"]] == [b1["id"], b2["id"]]
    assert all("value" not in i for i in lst["value"])
    assert lst["value"][1]["contentType"] == "text/plain" and lst["value"][1]["tags"] == {"env": "test"}

    r, lst = cli.request("GET", "/secrets")
    assert lst["value"] == [{"id": "https://localhost:%d/secrets/MySecret" % srv.port,
                             "attributes": b2["attributes"], "tags": {"env": "test"}, "contentType": "text/plain"}]

    r, body = cli.request("GET", "/secrets/nope")
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"
    assert body["error"]["message"].startswith("A secret with (name/id) nope was not found in this key vault.")
    r, body = cli.request("GET", "/secrets/MySecret/" + "0" * 32)
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"
    r, body = cli.request("GET", "/secrets/nope/versions")
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"


def _collect(cli, first_path):
    """Follow nextLink to the end; return (items, pages as item counts)."""
    r, page = cli.request("GET", first_path)
    assert r.status == 200, page
    items, sizes = list(page["value"]), [len(page["value"])]
    hops = 0
    while page["nextLink"]:
        hops += 1
        assert hops < 50
        r, page = cli.follow(page["nextLink"])
        assert r.status == 200, page
        items += page["value"]
        sizes.append(len(page["value"]))
    return items, sizes


def test_list_paging_with_empty_page(srv, cli):
    names = ["p-%d" % i for i in (4, 2, 0, 3, 1)]
    for n in names:
        assert cli.request("PUT", "/secrets/" + n, {"value": "v" + n})[0].status == 200

    r, page = cli.request("GET", "/secrets?maxresults=2")
    assert len(page["value"]) == 2
    nl = page["nextLink"]
    assert re.match(r"^https://localhost:%d/secrets\?api-version=2025-07-01&\$skiptoken=[A-Za-z0-9_-]+"
                    r"&maxresults=2$" % srv.port, nl), nl

    items, sizes = _collect(cli, "/secrets?maxresults=2")
    assert sizes == [2, 0, 2, 1]  # the empty page comes right after the first
    assert [i["id"].rsplit("/", 1)[1] for i in items] == sorted(names)
    assert len(items) == 5 and all("value" not in i for i in items)

    # default page size (25) -> one page
    items, sizes = _collect(cli, "/secrets")
    assert sizes == [5]

    # versions list pages the same way
    for i in range(4):
        cli.request("PUT", "/secrets/p-0", {"value": "again%d" % i})
    items, sizes = _collect(cli, "/secrets/p-0/versions?maxresults=2")
    assert sizes == [2, 0, 2, 1]
    assert len({i["id"] for i in items}) == 5
    r, latest = cli.request("GET", "/secrets/p-0/")
    assert items[-1]["id"] == latest["id"]

    # deleted list too
    for n in names:
        assert cli.request("DELETE", "/secrets/" + n)[0].status == 200
    items, sizes = _collect(cli, "/deletedsecrets?maxresults=2")
    assert sizes == [2, 0, 2, 1]
    assert [i["recoveryId"].rsplit("/", 1)[1] for i in items] == sorted(names)

    for bad in ("0", "26", "abc", ""):
        r, body = cli.request("GET", "/secrets?maxresults=" + bad)
        assert r.status == 400 and body["error"]["code"] == "BadParameter", bad
    r, body = cli.request("GET", "/secrets?$skiptoken=garbage!&maxresults=2")
    assert r.status == 400 and body["error"]["code"] == "BadParameter"


def test_page_size_option(state_dir):
    srv = Server(state_dir, "--page-size", "3")
    try:
        c = Client(srv)
        for i in range(7):
            c.request("PUT", "/secrets/s%d" % i, {"value": "v"})
        items, sizes = _collect(c, "/secrets")
        assert sizes == [3, 0, 3, 1] and len(items) == 7
        c.close()
    finally:
        srv.stop()


def test_update(cli):
    r, b = cli.request("PUT", "/secrets/u", {"value": "v", "contentType": "a", "tags": {"x": "1", "y": "2"}})
    ver = b["id"].rsplit("/", 1)[1]
    r, u = cli.request("PATCH", "/secrets/u/" + ver, {"contentType": "b", "tags": {"z": "3"},
                                                       "attributes": {"exp": 4102444800}})
    assert r.status == 200
    assert "value" not in u
    assert u["id"] == b["id"] and u["contentType"] == "b" and u["tags"] == {"z": "3"}
    assert u["attributes"]["exp"] == 4102444800 and u["attributes"]["enabled"] is True
    assert u["attributes"]["updated"] >= b["attributes"]["updated"]
    r, g = cli.request("GET", "/secrets/u/" + ver)
    assert g["value"] == "v" and g["tags"] == {"z": "3"} and g["contentType"] == "b"
    # empty version = latest
    r, u = cli.request("PATCH", "/secrets/u/", {"tags": {"w": "4"}})
    assert r.status == 200 and u["tags"] == {"w": "4"} and u["id"] == b["id"]
    r, body = cli.request("PATCH", "/secrets/u/" + "f" * 32, {"contentType": "c"})
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"
    r, body = cli.request("PATCH", "/secrets/u/", {"attributes": {"nbf": 1.5}})
    assert r.status == 400


def test_disabled_secret_403(cli):
    r, b1 = cli.request("PUT", "/secrets/d", {"value": "old"})
    r, b2 = cli.request("PUT", "/secrets/d", {"value": "new", "attributes": {"enabled": False}})
    assert b2["attributes"]["enabled"] is False
    for path in ("/secrets/d", "/secrets/d/", "/secrets/d/" + b2["id"].rsplit("/", 1)[1]):
        r, body = cli.request("GET", path)
        assert r.status == 403, path
        assert body == {"error": {"code": "Forbidden", "message": "Operation get is not allowed on a disabled secret.",
                                  "innererror": {"code": "SecretDisabled"}}}
    r, g = cli.request("GET", "/secrets/d/" + b1["id"].rsplit("/", 1)[1])
    assert r.status == 200 and g["value"] == "old"
    r, lst = cli.request("GET", "/secrets")
    assert lst["value"][0]["attributes"]["enabled"] is False
    r, u = cli.request("PATCH", "/secrets/d/", {"attributes": {"enabled": True}})
    assert r.status == 200 and u["attributes"]["enabled"] is True
    r, g = cli.request("GET", "/secrets/d")
    assert r.status == 200 and g["value"] == "new"


def test_delete_get_deleted_list_recover_purge(srv, cli):
    r, b = cli.request("PUT", "/secrets/gone", {"value": "v", "contentType": "ct", "tags": {"a": "b"}})
    r, d = cli.request("DELETE", "/secrets/gone")
    assert r.status == 200
    assert "value" not in d
    assert d["id"] == b["id"] and d["contentType"] == "ct" and d["tags"] == {"a": "b"}
    assert d["recoveryId"] == "https://localhost:%d/deletedsecrets/gone" % srv.port
    assert isinstance(d["deletedDate"], int)
    assert d["scheduledPurgeDate"] == d["deletedDate"] + 90 * 86400
    assert abs(d["deletedDate"] - time.time()) < 60

    r, body = cli.request("GET", "/secrets/gone")
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"
    r, body = cli.request("DELETE", "/secrets/gone")
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"
    r, lst = cli.request("GET", "/secrets")
    assert lst["value"] == []

    r, gd = cli.request("GET", "/deletedsecrets/gone")
    assert r.status == 200 and gd == d
    r, lst = cli.request("GET", "/deletedsecrets")
    assert lst["nextLink"] is None and len(lst["value"]) == 1
    item = lst["value"][0]
    assert item["id"] == "https://localhost:%d/secrets/gone" % srv.port
    assert item["recoveryId"] == d["recoveryId"] and item["deletedDate"] == d["deletedDate"]
    assert item["scheduledPurgeDate"] == d["scheduledPurgeDate"] and "value" not in item

    r, rec = cli.request("POST", "/deletedsecrets/gone/recover")
    assert r.status == 200 and "value" not in rec and rec["id"] == b["id"]
    r, g = cli.request("GET", "/secrets/gone")
    assert r.status == 200 and g["value"] == "v"
    r, body = cli.request("POST", "/deletedsecrets/gone/recover")
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"

    cli.request("DELETE", "/secrets/gone")
    r, body = cli.request("DELETE", "/deletedsecrets/gone")
    assert r.status == 204 and body is None
    assert r.getheader("Content-Type") is None
    r, body = cli.request("GET", "/deletedsecrets/gone")
    assert r.status == 404
    assert body["error"] == {"code": "SecretNotFound", "message": "Deleted Secret not found: gone"}
    r, body = cli.request("DELETE", "/deletedsecrets/gone")
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"
    # the name is free again
    r, b3 = cli.request("PUT", "/secrets/gone", {"value": "fresh"})
    assert r.status == 200
    r, lst = cli.request("GET", "/secrets/gone/versions")
    assert len(lst["value"]) == 1


def test_conflict_on_set_of_deleted_name(cli):
    cli.request("PUT", "/secrets/c1", {"value": "v"})
    cli.request("DELETE", "/secrets/c1")
    r, body = cli.request("PUT", "/secrets/c1", {"value": "again"})
    assert r.status == 409
    assert body == {"error": {
        "code": "Conflict",
        "message": "Secret c1 is currently in a deleted but recoverable state, and its name cannot be reused; "
                   "in this state, the secret can only be recovered or purged.",
        "innererror": {"code": "ObjectIsDeletedButRecoverable"}}}


def test_backup_purge_restore_keeps_versions(cli):
    ids = []
    for i in range(3):
        r, b = cli.request("PUT", "/secrets/bk", {"value": "val%d" % i, "contentType": "ct%d" % i,
                                                  "tags": {"i": str(i)}})
        ids.append(b["id"])
    r, lst = cli.request("GET", "/secrets/bk/versions")
    before = lst["value"]
    r, bk = cli.request("POST", "/secrets/bk/backup")
    assert r.status == 200 and set(bk) == {"value"}
    assert re.match(r"^[A-Za-z0-9_-]+$", bk["value"])  # base64url without padding

    r, body = cli.request("POST", "/secrets/restore", {"value": bk["value"]})
    assert r.status == 409 and body["error"] == {"code": "Conflict", "message": "Secret already exists"}
    cli.request("DELETE", "/secrets/bk")
    r, body = cli.request("POST", "/secrets/restore", {"value": bk["value"]})
    assert r.status == 409 and body["error"]["code"] == "Conflict"
    assert cli.request("DELETE", "/deletedsecrets/bk")[0].status == 204

    r, rs = cli.request("POST", "/secrets/restore", {"value": bk["value"]})
    assert r.status == 200 and "value" not in rs and rs["id"] == ids[-1]
    r, lst = cli.request("GET", "/secrets/bk/versions")
    assert lst["value"] == before
    for i, vid in enumerate(ids):
        r, g = cli.request("GET", "/secrets/bk/" + vid.rsplit("/", 1)[1])
        assert g["value"] == "val%d" % i and g["contentType"] == "ct%d" % i and g["tags"] == {"i": str(i)}

    for blob in ("not-a-backup", "", "QUJD", 12):
        r, body = cli.request("POST", "/secrets/restore", {"value": blob})
        assert r.status == 400 and body["error"]["code"] == "BadParameter", blob
    r, body = cli.request("POST", "/secrets/missing/backup")
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"


def test_x_http_method_override(cli):
    r, b = cli.request("PUT", "/secrets/ov", {"value": "v"})
    r, u = cli.request("POST", "/secrets/ov/", {"contentType": "via-post"}, headers={"X-HTTP-METHOD": "PATCH"})
    assert r.status == 200 and u["contentType"] == "via-post" and "value" not in u
    r, g = cli.request("POST", "/secrets/ov", headers={"X-HTTP-METHOD": "GET"})
    assert r.status == 200 and g["value"] == "v"
    r, s = cli.request("POST", "/secrets/ov", {"value": "v2"}, headers={"X-HTTP-METHOD": "PUT"})
    assert r.status == 200 and s["value"] == "v2"
    r, d = cli.request("POST", "/secrets/ov", headers={"X-HTTP-METHOD": "DELETE"})
    assert r.status == 200 and "recoveryId" in d
    r, _ = cli.request("POST", "/deletedsecrets/ov", headers={"X-HTTP-METHOD": "DELETE"})
    assert r.status == 204
    # without the header, POST on these paths is not allowed
    r, body = cli.request("POST", "/secrets/ov")
    assert r.status == 405 and body["error"]["code"] == "MethodNotAllowed"


# ---------------------------------------------------------------------------------------------
# managed identity token endpoints (plain HTTP port)


def _plain_get(srv, path: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r, json.loads(r.read())
    finally:
        conn.close()


def test_imds_token_endpoint(srv):
    resource = urllib.parse.quote("https://vault.azure.net", safe="")
    path = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + resource
    before = int(time.time())
    r, body = _plain_get(srv, path, {"Metadata": "true"})
    assert r.status == 200 and r.getheader("Content-Type").startswith("application/json")
    assert body["token_type"] == "Bearer" and body["resource"] == "https://vault.azure.net"
    assert body["expires_in"] == "3600" and isinstance(body["expires_on"], str)
    assert before + 3600 <= int(body["expires_on"]) <= int(time.time()) + 3600
    assert len(body["access_token"]) > 20
    r2, body2 = _plain_get(srv, path + "&client_id=abc", {"Metadata": "true"})
    assert r2.status == 200 and body2["access_token"] != body["access_token"], "tokens are random"
    # no Metadata header (what a probe sends) -> 400
    r, body = _plain_get(srv, path)
    assert r.status == 400 and body["error"] == "invalid_request"
    assert "metadata" in body["error_description"].lower()
    r, body = _plain_get(srv, path, {"Metadata": "false"})
    assert r.status == 400
    # resource and api-version are required
    r, _ = _plain_get(srv, "/metadata/identity/oauth2/token?api-version=2018-02-01", {"Metadata": "true"})
    assert r.status == 400
    r, _ = _plain_get(srv, "/metadata/identity/oauth2/token?resource=x", {"Metadata": "true"})
    assert r.status == 400
    # the token never reaches the log, nor does the query string
    srv.stop()
    log = "\n".join(srv.stderr_lines)
    assert "GET /metadata/identity/oauth2/token 200" in log
    assert body2["access_token"] not in log and "resource=" not in log


def test_app_service_token_endpoint(srv):
    path = "/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net&principal_id=p"
    r, body = _plain_get(srv, path, {"X-IDENTITY-HEADER": "test-identity-header"})
    assert r.status == 200
    assert set(body) == {"access_token", "expires_on", "resource", "token_type"}
    assert body["resource"] == "https://vault.azure.net" and body["token_type"] == "Bearer"
    assert abs(int(body["expires_on"]) - (int(time.time()) + 3600)) < 30
    r, body = _plain_get(srv, path)
    assert r.status == 401 and body["error"] == "unauthorized"
    r, _ = _plain_get(srv, path, {"X-IDENTITY-HEADER": "wrong"})
    assert r.status == 401
    r, _ = _plain_get(srv, path.replace("2019-08-01", "2017-09-01"), {"X-IDENTITY-HEADER": "test-identity-header"})
    assert r.status == 400
    r, _ = _plain_get(srv, "/msi/token?api-version=2019-08-01", {"X-IDENTITY-HEADER": "test-identity-header"})
    assert r.status == 400


def test_identity_header_option(state_dir):
    s = Server(state_dir, "--identity-header", "secret-h")
    try:
        path = "/msi/token?api-version=2019-08-01&resource=r"
        r, _ = _plain_get(s, path, {"X-IDENTITY-HEADER": "test-identity-header"})
        assert r.status == 401
        r, body = _plain_get(s, path, {"X-IDENTITY-HEADER": "secret-h"})
        assert r.status == 200 and body["resource"] == "r"
    finally:
        s.stop()
