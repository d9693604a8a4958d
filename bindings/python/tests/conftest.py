"""Fixtures: a local vault (tools/testvault) for the session, clients for it, and a scripted HTTPS
server for the error statuses the local vault cannot produce.

Environment:
  KV_TEST_VAULT_URL, KV_TEST_VAULT_CA  use that vault instead of starting one (as the Rust tests do)
  KV_VERIFY_CHALLENGE_RESOURCE=0       turn the challenge-resource check off (emulators)
  KV_TOKEN                             bearer token to present to an external vault (default
                                       "local-dev-token"); the local vault is seeded with a random
                                       token (--seed-token) and accepts no other unless it issued it
  KV_TEST_VAULT_EMULATOR=1             the vault is the independent emulator of
                                       ../shared/vault-emulators: tests allow its documented
                                       departures from the service and skip, by name, what it lacks
"""
from __future__ import annotations

import json
import os
import secrets
import urllib.parse
import urllib.request
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import kv_keyvault as kv

ROOT = Path(__file__).resolve().parents[3]
TESTVAULT = ROOT / "tools" / "testvault" / "testvault.py"
PAGE_SIZE = 3
SEEDED_SUBJECT = "python-tests"  # the subject of the token seeded into the local vault
APP_ID = "py-app"  # the app registered with the local vault's client-credentials endpoint


def audit_secret(value: str) -> None:
    """Names `value` as a secret that no kv log record may contain: run_tests.sh runs the suite
    with KV_LOG_AUDIT_FILE (every record of the run) and checks it for the values listed in
    KV_LOG_AUDIT_SECRETS."""
    path = os.environ.get("KV_LOG_AUDIT_SECRETS")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(value + "\n")


@dataclass
class Vault:
    url: str
    ca_file: Optional[str]
    state_dir: Optional[Path]  # None for an external vault
    log_file: Optional[Path]  # the local vault's request log (stderr), None for an external vault
    token: str = "local-dev-token"  # the bearer token the vault accepts (seeded into the local one)
    http_port: Optional[int] = None  # the local vault's plain HTTP port (token endpoints, auth log)
    app_secret: Optional[str] = None  # the secret of APP_ID at the local vault's client-credentials endpoint

    def log_lines(self) -> List[str]:
        if self.log_file is None:
            return []
        return self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()

    def auth_log(self, path_part: str) -> List[Tuple[str, int, Optional[str]]]:
        """(method, status, subject) of each request on a path containing path_part, as the local
        vault's token check recorded it (subject None: refused); [] for an external vault."""
        if self.http_port is None:
            return []
        url = "http://127.0.0.1:%d/testvault/auth-log?path=%s" % (self.http_port, urllib.parse.quote(path_part, safe=""))
        with urllib.request.urlopen(url, timeout=10) as r:
            entries = json.loads(r.read())["entries"]
        return [(e["method"], e["status"], e["subject"]) for e in entries]


def client_kwargs(vault: Vault) -> Dict[str, Any]:
    kwargs: Dict[str, Any] = {"ca_file": vault.ca_file}
    if os.environ.get("KV_VERIFY_CHALLENGE_RESOURCE") == "0":
        kwargs["verify_challenge_resource"] = False
    return kwargs


@pytest.fixture(scope="session")
def vault() -> Iterator[Vault]:
    url = os.environ.get("KV_TEST_VAULT_URL")
    if url:
        yield Vault(url, os.environ.get("KV_TEST_VAULT_CA") or None, None, None,
                    token=os.environ.get("KV_TOKEN", "local-dev-token"))
        return
    with tempfile.TemporaryDirectory(prefix="kv-py-vault-") as tmp:
        state = Path(tmp)
        log_path = state / "vault.log"
        token = "seeded-" + secrets.token_urlsafe(16)
        app_secret = "app-" + secrets.token_urlsafe(16)
        audit_secret(token)
        audit_secret(app_secret)
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, str(TESTVAULT), "--port", "0", "--http-port", "0", "--state-dir", str(state),
                 "--page-size", str(PAGE_SIZE), "--exit-on-stdin-eof", "--seed-token", SEEDED_SUBJECT + "=" + token,
                 "--app", APP_ID + "=" + app_secret],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
            try:
                assert proc.stdout is not None
                line = proc.stdout.readline().decode().strip()
                if not line.startswith("testvault ready "):
                    raise RuntimeError("testvault did not start: %r; log:\n%s" % (line, log_path.read_text()))
                http_port = int((state / "testvault.http-port").read_text())
                yield Vault(line.split()[-1], str(state / "ca.pem"), state, log_path, token, http_port, app_secret)
            finally:
                assert proc.stdin is not None
                proc.stdin.close()  # --exit-on-stdin-eof
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture(scope="session")
def credential(vault: Vault) -> Iterator[kv.StaticTokenCredential]:
    with kv.StaticTokenCredential(vault.token) as cred:
        yield cred


@pytest.fixture(scope="session")
def client(vault: Vault, credential: kv.StaticTokenCredential) -> Iterator[kv.Client]:
    with kv.Client(vault.url, credential, **client_kwargs(vault)) as c:
        yield c


# The vault is the independent emulator (scripts/test.sh, stage "independent vault (emulator)").
EMULATOR = os.environ.get("KV_TEST_VAULT_EMULATOR") == "1"


def not_on_emulator(what: str) -> pytest.MarkDecorator:
    """Skips a test on the independent emulator, which lacks `what` (the service has it)."""
    return pytest.mark.skipif(EMULATOR, reason="the independent vault emulator lacks %s" % what)


def unique(prefix: str = "py") -> str:
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


# ---------------------------------------------------------------------------------------------
# A scripted HTTPS server: answers 401 with a challenge when no token is sent, else the reply
# the test set. It has its own CA and certificate for localhost (made as testvault makes its own),
# so it runs whichever vault the other tests use.


@dataclass
class Request:
    method: str
    path: str
    authorization: str
    body: bytes
    client_request_id: str = ""


@dataclass
class Scripted:
    url: str
    ca_file: str
    reply: Tuple[int, bytes, Dict[str, str]] = (200, b"{}", {})
    # Replies by path prefix (e.g. a token endpoint), tried before `reply`; no challenge for them.
    routes: Dict[str, Tuple[int, bytes, Dict[str, str]]] = field(default_factory=dict)
    requests: List[Request] = field(default_factory=list)
    # Seconds an authorized request waits before its reply (a slow vault).
    delay: float = 0.0

    def reset(self) -> None:
        self.reply = (200, b"{}", {})
        self.delay = 0.0
        self.routes.clear()
        self.requests.clear()

    def set_error(self, http_status: int, code: str, message: str, inner: Optional[str] = None,
                  headers: Optional[Dict[str, str]] = None) -> None:
        error: Dict[str, Any] = {"code": code, "message": message}
        if inner:
            error["innererror"] = {"code": inner}
        self.reply = (http_status, json.dumps({"error": error}).encode(), dict(headers or {}))


def _scripted_certificates(state: Path) -> None:
    sys.path.insert(0, str(TESTVAULT.parent))
    try:
        import testvault  # type: ignore[import-not-found]  # the stand-in's certificate maker
    finally:
        sys.path.remove(str(TESTVAULT.parent))
    testvault.ensure_certificates(str(state))


@pytest.fixture(scope="session")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scripted]:
    state = tmp_path_factory.mktemp("scripted-certs")
    _scripted_certificates(state)
    box: Dict[str, Scripted] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            s = box["s"]
            auth = self.headers.get("Authorization") or ""
            s.requests.append(Request(self.command, self.path, auth, body,
                                    self.headers.get("x-ms-client-request-id", "")))
            route = next((r for prefix, r in s.routes.items() if self.path.startswith(prefix)), None)
            if route is not None:
                status, body, headers = route
            elif not auth:
                status, body, headers = 401, b'{"error":{"code":"Unauthorized","message":"no token"}}', {
                    "WWW-Authenticate": 'Bearer authorization="https://login.microsoftonline.com/'
                                        '00000000-0000-0000-0000-000000000000", resource="https://localhost"'}
            else:
                status, body, headers = s.reply
                if s.delay:
                    time.sleep(s.delay)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("x-ms-request-id", "req-%d" % len(s.requests))
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _answer

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(state / "server.pem"), str(state / "server.key"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    box["s"] = Scripted("https://localhost:%d" % server.server_address[1], str(state / "ca.pem"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box["s"]
    finally:
        server.shutdown()
        server.server_close()
