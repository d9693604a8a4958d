"""The example of README.md (examples/quickstart.py) runs against the local vault."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import kv_keyvault as kv

from conftest import Vault

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "quickstart.py"


def test_quickstart_example_runs(vault: Vault) -> None:
    env = dict(os.environ, KV_VAULT_URL=vault.url, KV_CA_FILE=vault.ca_file or "", KV_TOKEN=vault.token)
    env["PYTHONPATH"] = str(Path(kv.__file__).parent.parent)
    r = subprocess.run([sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "value: s3cr3t ✓" in r.stdout
    assert "as expected: SecretNotFound (HTTP 404" in r.stdout
    assert "signature valid (checked locally): True" in r.stdout
    # It authenticated with the token the local vault was seeded with, and nothing else got in.
    seen = vault.auth_log("/secrets/quickstart-py-")
    assert vault.http_port is None or (seen and all(who == "python-tests" for _, st, who in seen if st != 401))
