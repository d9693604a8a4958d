"""Fixtures: a local vault (tools/testvault) for the session, clients for it, and a scripted HTTPS
server for the error statuses the local vault cannot produce.

Environment:
  KV_TEST_VAULT_URL, KV_TEST_VAULT_CA  use that vault instead of starting one (as the Rust tests do)
  KV_VERIFY_CHALLENGE_RESOURCE=0       turn the challenge-resource check off (emulators)
  KV_TOKEN                             bearer token to present (default "local-dev-token")
"""
from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
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


@dataclass
class Vault:
    url: str
    ca_file: Optional[str]
    state_dir: Optional[Path]  # None for an external vault
    log_file: Optional[Path]  # the local vault's request log (stderr), None for an external vault

    def log_lines(self) -> List[str]:
        if self.log_file is None:
            return []
        return self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()


def client_kwargs(vault: Vault) -> Dict[str, Any]:
    kwargs: Dict[str, Any] = {"ca_file": vault.ca_file}
    if os.environ.get("KV_VERIFY_CHALLENGE_RESOURCE") == "0":
        kwargs["verify_challenge_resource"] = False
    return kwargs


@pytest.fixture(scope="session")
def vault() -> Iterator[Vault]:
    url = os.environ.get("KV_TEST_VAULT_URL")
    if url:
        yield Vault(url, os.environ.get("KV_TEST_VAULT_CA") or None, None, None)
        return
    with tempfile.TemporaryDirectory(prefix="kv-py-vault-") as tmp:
        state = Path(tmp)
        log_path = state / "vault.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, str(TESTVAULT), "--port", "0", "--http-port", "0", "--state-dir", str(state),
                 "--page-size", str(PAGE_SIZE), "--exit-on-stdin-eof"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
            try:
                assert proc.stdout is not None
                line = proc.stdout.readline().decode().strip()
                if not line.startswith("testvault ready "):
                    raise RuntimeError("testvault did not start: %r; log:\n%s" % (line, log_path.read_text()))
                yield Vault(line.split()[-1], str(state / "ca.pem"), state, log_path)
            finally:
                assert proc.stdin is not None
                proc.stdin.close()  # --exit-on-stdin-eof
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture(scope="session")
def credential() -> Iterator[kv.StaticTokenCredential]:
    with kv.StaticTokenCredential(os.environ.get("KV_TOKEN", "local-dev-token")) as cred:
        yield cred


@pytest.fixture(scope="session")
def client(vault: Vault, credential: kv.StaticTokenCredential) -> Iterator[kv.Client]:
    with kv.Client(vault.url, credential, **client_kwargs(vault)) as c:
        yield c


def unique(prefix: str = "py") -> str:
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


# ---------------------------------------------------------------------------------------------
# A scripted HTTPS server: answers 401 with a challenge when no token is sent, else the reply
# the test set. It uses the local vault's CA-signed certificate for localhost.


@dataclass
class Request:
    method: str
    path: str
    authorization: str
    body: bytes


@dataclass
class Scripted:
    url: str
    ca_file: str
    reply: Tuple[int, bytes, Dict[str, str]] = (200, b"{}", {})
    # Replies by path prefix (e.g. a token endpoint), tried before `reply`; no challenge for them.
    routes: Dict[str, Tuple[int, bytes, Dict[str, str]]] = field(default_factory=dict)
    requests: List[Request] = field(default_factory=list)

    def reset(self) -> None:
        self.reply = (200, b"{}", {})
        self.routes.clear()
        self.requests.clear()

    def set_error(self, http_status: int, code: str, message: str, inner: Optional[str] = None,
                  headers: Optional[Dict[str, str]] = None) -> None:
        error: Dict[str, Any] = {"code": code, "message": message}
        if inner:
            error["innererror"] = {"code": inner}
        self.reply = (http_status, json.dumps({"error": error}).encode(), dict(headers or {}))


@pytest.fixture(scope="session")
def scripted(vault: Vault) -> Iterator[Scripted]:
    if vault.state_dir is None:
        pytest.skip("the scripted server needs the local vault's certificates")
    state = vault.state_dir
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
            s.requests.append(Request(self.command, self.path, auth, body))
            route = next((r for prefix, r in s.routes.items() if self.path.startswith(prefix)), None)
            if route is not None:
                status, body, headers = route
            elif not auth:
                status, body, headers = 401, b'{"error":{"code":"Unauthorized","message":"no token"}}', {
                    "WWW-Authenticate": 'Bearer authorization="https://login.microsoftonline.com/'
                                        '00000000-0000-0000-0000-000000000000", resource="https://localhost"'}
            else:
                status, body, headers = s.reply
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
