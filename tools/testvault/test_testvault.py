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
    """A testvault subprocess. `delete_delay_ms` is passed as --delete-delay-ms (the tests of other
    features use 0, the asynchronous-delete tests below set it; None passes nothing)."""

    def __init__(self, state_dir: str, *extra: str, delete_delay_ms: int | None = 0, env: dict | None = None):
        self.state_dir = state_dir
        self.port = free_port()
        self.http_port = free_port()
        delay = [] if delete_delay_ms is None else ["--delete-delay-ms", str(delete_delay_ms)]
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--port", str(self.port), "--http-port", str(self.http_port),
             "--state-dir", state_dir, "--seed-token", "tests=" + TOKEN, *delay, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
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
    # A client that offers only TLS 1.0/1.1 (its own security level lowered, so the refusal can
    # only come from the server) gets the server's protocol_version alert.
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(srv.ca)
    try:
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError) as e:
        pytest.skip("this Python's OpenSSL cannot offer TLS 1.1: %s" % e)
    with pytest.raises(ssl.SSLError) as refused:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
            old.wrap_socket(raw, server_hostname="localhost")
    assert refused.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION", refused.value


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


def auth_log(srv, path: str) -> list[dict]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=10)
    try:
        conn.request("GET", "/testvault/auth-log?path=" + urllib.parse.quote(path, safe=""))
        r = conn.getresponse()
        assert r.status == 200
        return json.loads(r.read())["entries"]
    finally:
        conn.close()


def test_only_issued_or_seeded_tokens_are_accepted(state_dir):
    srv = Server(state_dir, "--seed-token", "other=right")
    try:
        for token in ("wrong", "mi-" + "x" * 32, TOKEN + "x"):
            c = Client(srv, token=token)
            r, body = c.request("GET", "/secrets/tok-never")
            assert r.status == 401 and r.getheader("WWW-Authenticate") == CHALLENGE
            assert body["error"] == {"code": "Unauthorized", "message": "AKV10032: Invalid token"}
            c.close()
        for token, subject in (("right", "other"), (TOKEN, "tests")):
            c = Client(srv, token=token)
            r, _ = c.request("PUT", "/secrets/tok-" + subject, {"value": "v"})
            assert r.status == 200
            c.close()
            assert [(e["method"], e["status"], e["subject"]) for e in auth_log(srv, "/secrets/tok-" + subject)] \
                == [("PUT", 200, subject)]
        assert [(e["status"], e["subject"]) for e in auth_log(srv, "/secrets/tok-never")] == [(401, None)] * 3
    finally:
        srv.stop()
    log = "\n".join(srv.stderr_lines)
    assert "right" not in log and "wrong" not in log


def test_seed_token_option_is_checked(state_dir):
    for bad in ("no-equals", "=tok", "subj=", "subj=has space"):
        proc = subprocess.run([sys.executable, SERVER, "--port", "0", "--http-port", "0", "--state-dir", state_dir,
                               "--seed-token", bad], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 2 and "--seed-token" in proc.stderr, (bad, proc.stderr)


def test_issued_tokens_carry_their_identity_and_audience(srv):
    imds = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
    _, sys_tok = _plain_get(srv, imds + "https%3A%2F%2Flocalhost", {"Metadata": "true"})
    _, user_tok = _plain_get(srv, imds + "https%3A%2F%2Flocalhost%2F&client_id=cid-1", {"Metadata": "true"})
    _, as_tok = _plain_get(srv, "/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Flocalhost%2F.default"
                           "&principal_id=p-1", {"X-IDENTITY-HEADER": "test-identity-header"})
    _, foreign = _plain_get(srv, imds + "https%3A%2F%2Fvault.azure.net", {"Metadata": "true"})
    for name, tok, subject in (("tok-sys", sys_tok, "mi:imds:system"), ("tok-user", user_tok, "mi:imds:client_id=cid-1"),
                               ("tok-as", as_tok, "mi:appservice:principal_id=p-1")):
        c = Client(srv, token=tok["access_token"])
        r, _ = c.request("PUT", "/secrets/" + name, {"value": "v"})
        assert r.status == 200
        r, _ = c.request("GET", "/secrets/" + name)
        assert r.status == 200
        c.close()
        assert [(e["method"], e["status"], e["subject"]) for e in auth_log(srv, "/secrets/" + name)] \
            == [("PUT", 200, subject), ("GET", 200, subject)]
    # a token the vault issued for another resource is refused, with the challenge
    c = Client(srv, token=foreign["access_token"])
    r, body = c.request("GET", "/secrets/tok-sys")
    c.close()
    assert r.status == 401 and r.getheader("WWW-Authenticate") == CHALLENGE
    assert body["error"]["message"].startswith("AKV10022: Invalid audience")
    # the log filter is a substring of the path; the whole log without one
    assert len(auth_log(srv, "/secrets/tok-")) == 7 and len(auth_log(srv, "")) >= 7


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


# ---------------------------------------------------------------------------------------------
# asynchronous soft delete (NOTES.md section 5): the answers between DELETE and the end of the move


DELAY_MS = 600


@pytest.fixture
def slow(tmp_path):
    s = Server(str(tmp_path), delete_delay_ms=DELAY_MS)
    c = Client(s)
    yield c
    c.close()
    s.stop()


def poll(cli, path: str, deadline_s: float = 10.0):
    """GETs `path` until it answers 200; returns (seconds waited, number of 404s seen)."""
    start = time.monotonic()
    misses = 0
    while True:
        r, _ = cli.request("GET", path)
        if r.status == 200:
            return time.monotonic() - start, misses
        assert r.status == 404, r.status
        misses += 1
        assert time.monotonic() - start < deadline_s, "still 404 after %ss" % deadline_s
        time.sleep(0.05)


def test_async_secret_delete_answers_like_the_service_until_done(slow):
    cli = slow
    r, b = cli.request("PUT", "/secrets/asd", {"value": "v", "contentType": "ct"})
    r, d = cli.request("DELETE", "/secrets/asd")
    assert r.status == 200 and "value" not in d and d["id"] == b["id"]
    assert d["recoveryId"].endswith("/deletedsecrets/asd") and isinstance(d["scheduledPurgeDate"], int)
    t0 = time.monotonic()
    # mid-delete: neither live nor deleted
    r, body = cli.request("GET", "/deletedsecrets/asd")
    assert r.status == 404
    assert body["error"] == {"code": "SecretNotFound", "message": "Deleted Secret not found: asd"}
    r, body = cli.request("GET", "/secrets/asd")
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"
    r, lst = cli.request("GET", "/deletedsecrets")
    assert lst["value"] == []
    being_deleted = {"code": "Conflict", "message": "Secret is currently being deleted.",
                     "innererror": {"code": "ObjectIsBeingDeleted"}}
    for method, path, body in (("DELETE", "/deletedsecrets/asd", None),
                               ("POST", "/deletedsecrets/asd/recover", None),
                               ("PUT", "/secrets/asd", {"value": "again"})):
        r, e = cli.request(method, path, body)
        assert (r.status, e["error"]) == (409, being_deleted), (method, path)
    assert time.monotonic() - t0 < DELAY_MS / 1000.0, "the checks above ran too slowly to prove anything"

    waited, misses = poll(cli, "/deletedsecrets/asd")
    assert misses >= 1 and waited >= (DELAY_MS / 1000.0) * 0.5
    r, gd = cli.request("GET", "/deletedsecrets/asd")
    assert gd["recoveryId"] == d["recoveryId"] and gd["deletedDate"] == d["deletedDate"]
    r, lst = cli.request("GET", "/deletedsecrets")
    assert [i["recoveryId"] for i in lst["value"]] == [d["recoveryId"]]
    # done: a re-create now meets the ordinary deleted-but-recoverable conflict
    r, e = cli.request("PUT", "/secrets/asd", {"value": "again"})
    assert r.status == 409 and err(e) == ("Conflict", "ObjectIsDeletedButRecoverable")

    # recovery is asynchronous too: the live secret answers 404 until it is back
    r, rec = cli.request("POST", "/deletedsecrets/asd/recover")
    assert r.status == 200 and rec["id"] == b["id"] and "value" not in rec
    r, body = cli.request("GET", "/secrets/asd")
    assert r.status == 404 and body["error"]["code"] == "SecretNotFound"
    r, body = cli.request("GET", "/deletedsecrets/asd")
    assert r.status == 404
    r, e = cli.request("PUT", "/secrets/asd", {"value": "again"})
    assert r.status == 409 and err(e) == ("Conflict", "ObjectIsBeingRecovered")
    r, e = cli.request("DELETE", "/secrets/asd")
    assert r.status == 404 and e["error"]["code"] == "SecretNotFound"
    waited, misses = poll(cli, "/secrets/asd")
    assert misses >= 1
    r, g = cli.request("GET", "/secrets/asd")
    assert g["value"] == "v"

    # purge after the delete finished works; the name is then free
    cli.request("DELETE", "/secrets/asd")
    poll(cli, "/deletedsecrets/asd")
    r, _ = cli.request("DELETE", "/deletedsecrets/asd")
    assert r.status == 204
    r, _ = cli.request("PUT", "/secrets/asd", {"value": "fresh"})
    assert r.status == 200


def test_async_restore_of_a_name_being_deleted_is_a_conflict(slow):
    cli = slow
    cli.request("PUT", "/secrets/rbd", {"value": "v"})
    r, bk = cli.request("POST", "/secrets/rbd/backup")
    cli.request("DELETE", "/secrets/rbd")
    r, e = cli.request("POST", "/secrets/restore", {"value": bk["value"]})
    assert r.status == 409 and err(e) == ("Conflict", "ObjectIsBeingDeleted")


def test_delete_delay_defaults_to_non_zero_and_reads_env(tmp_path):
    # no flag, no environment: the default delay is non-zero
    env = {k: v for k, v in os.environ.items() if k != "TESTVAULT_DELETE_DELAY_MS"}
    s = Server(str(tmp_path / "a"), delete_delay_ms=None, env=env)
    c = Client(s)
    try:
        c.request("PUT", "/secrets/dflt", {"value": "v"})
        c.request("DELETE", "/secrets/dflt")
        r, _ = c.request("GET", "/deletedsecrets/dflt")
        assert r.status == 404
        poll(c, "/deletedsecrets/dflt")
    finally:
        c.close()
        s.stop()
    # TESTVAULT_DELETE_DELAY_MS=0: at once
    s = Server(str(tmp_path / "b"), delete_delay_ms=None, env=dict(env, TESTVAULT_DELETE_DELAY_MS="0"))
    c = Client(s)
    try:
        c.request("PUT", "/secrets/now", {"value": "v"})
        c.request("DELETE", "/secrets/now")
        r, _ = c.request("GET", "/deletedsecrets/now")
        assert r.status == 200
    finally:
        c.close()
        s.stop()


def test_delete_delay_flag_is_checked(tmp_path):
    for bad_value in ("-1", "3600001"):
        p = subprocess.run([sys.executable, SERVER, "--port", "0", "--http-port", "0", "--state-dir",
                            str(tmp_path), "--delete-delay-ms", bad_value], capture_output=True, text=True, timeout=30)
        assert p.returncode == 2 and "delete delay" in p.stderr


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


# ---------------------------------------------------------------------------------------------
# client-credentials token endpoint (HTTPS port)


def _post_form(srv, path: str, form: dict):
    ctx = ssl.create_default_context(cafile=srv.ca)
    conn = http.client.HTTPSConnection("localhost", srv.port, context=ctx, timeout=10)
    try:
        conn.request("POST", path, body=urllib.parse.urlencode(form),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


def _assertion(key, der: bytes, aud: str, iss: str = "cert-app", exp_in: int = 600) -> str:
    import base64
    import hashlib
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    def b64(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "RS256", "typ": "JWT", "x5t#S256": b64(hashlib.sha256(der).digest())}).encode())
    claims = b64(json.dumps({"aud": aud, "iss": iss, "sub": iss, "jti": "j", "nbf": int(time.time()),
                             "exp": int(time.time()) + exp_in}).encode())
    sig = key.sign((head + "." + claims).encode(), padding.PKCS1v15(), hashes.SHA256())
    return head + "." + claims + "." + b64(sig)


def test_client_credentials_token_endpoint(state_dir, tmp_path):
    import datetime as dt
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cert-app")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(hours=1))
            .sign(key, hashes.SHA256()))
    pem = tmp_path / "cert.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    der = cert.public_bytes(serialization.Encoding.DER)
    srv = Server(state_dir, "--app", "secret-app=s3cret", "--app-cert", "cert-app=%s" % pem)
    try:
        path = "/tenant-1/oauth2/v2.0/token"
        base = {"grant_type": "client_credentials", "scope": "https://localhost/.default"}
        st, body = _post_form(srv, path, dict(base, client_id="secret-app", client_secret="s3cret"))
        assert st == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 3600
        c = Client(srv, token=body["access_token"])
        r, _ = c.request("PUT", "/secrets/cc-secret", {"value": "v"})
        c.close()
        assert r.status == 200
        assert [(e["status"], e["subject"]) for e in auth_log(srv, "/secrets/cc-secret")] == [(200, "app:tenant-1/secret-app")]
        st, body = _post_form(srv, path, dict(base, client_id="secret-app", client_secret="wrong"))
        assert st == 401 and body["error"] == "invalid_client" and "AADSTS7000215" in body["error_description"]
        st, body = _post_form(srv, path, dict(base, client_id="nobody", client_secret="s3cret"))
        assert st == 400 and body["error"] == "unauthorized_client"
        st, body = _post_form(srv, path, dict(base, grant_type="password", client_id="secret-app", client_secret="s3cret"))
        assert st == 400 and body["error"] == "unsupported_grant_type"

        aud = srv.base + path
        form = dict(base, client_id="cert-app", client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        st, body = _post_form(srv, path, dict(form, client_assertion=_assertion(key, der, aud)))
        assert st == 200, body
        c = Client(srv, token=body["access_token"])
        r, _ = c.request("PUT", "/secrets/cc-cert", {"value": "v"})
        c.close()
        assert [(e["status"], e["subject"]) for e in auth_log(srv, "/secrets/cc-cert")] == [(200, "app:tenant-1/cert-app")]
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        for bad, why in ((_assertion(other, der, aud), "bad signature"), (_assertion(key, der, srv.base + "/x"), "aud"),
                         (_assertion(key, der, aud, exp_in=-10), "expired"), (_assertion(key, b"other", aud), "x5t#S256"),
                         (_assertion(key, der, aud, iss="someone"), "iss")):
            st, body = _post_form(srv, path, dict(form, client_assertion=bad))
            assert st == 401 and body["error"] == "invalid_client" and why in body["error_description"], (why, body)
        # a token for another resource is issued, and refused by the vault
        st, body = _post_form(srv, path, dict(base, scope="https://vault.azure.net/.default", client_id="secret-app",
                                              client_secret="s3cret"))
        c = Client(srv, token=body["access_token"])
        r, body = c.request("GET", "/secrets/cc-secret")
        c.close()
        assert r.status == 401 and body["error"]["message"].startswith("AKV10022")
    finally:
        srv.stop()


def test_no_module_of_the_stand_in_imports_one_that_imports_it_back():
    """The stand-in's modules import each other without a cycle (testvault -> keys/certificates -> common),
    whether at the top or inside a function, and with no sys.modules work-around."""
    import ast
    here = os.path.dirname(os.path.abspath(__file__))
    mods = [f[:-3] for f in os.listdir(here) if f.endswith(".py") and not f.startswith("test_")]
    graph = {}
    for m in mods:
        with open(os.path.join(here, m + ".py"), encoding="utf-8") as f:
            source = f.read()
        assert "sys.modules" not in source, m
        names = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
                names.update(a.value for a in node.args if isinstance(a, ast.Constant))
        graph[m] = names & set(mods)
    assert graph["common"] == set() and "testvault" not in graph["keys"] | graph["certificates"], graph

    def reaches(start, goal, seen=()):
        return any(n == goal or (n not in seen and reaches(n, goal, seen + (n,))) for n in graph[start])
    assert [m for m in mods if reaches(m, m)] == [], graph
