"""Locating libkv: KV_LIBRARY, then the installed package, then the repository's build; a clear
ImportError naming what was tried; the version check."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest

import kv_keyvault as kv
from kv_keyvault import _native


def run_import(code: str, env_extra: Dict[str, Optional[str]]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for k, v in env_extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    # Import the same kv package as this test run does.
    env["PYTHONPATH"] = os.pathsep.join([str(Path(kv.__file__).parent.parent)] +
                                        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_loaded_library_is_reported() -> None:
    path = kv.library_path()
    assert path.is_file()
    origins = [p for _, p in _native.library_candidates()]
    assert path in origins
    if os.environ.get("KV_TEST_EXPECT_BUNDLED") == "1":
        # run_tests.sh installs the package with pip: the library must come from inside it.
        assert path.parent == Path(kv.__file__).resolve().parent, path


def test_kv_library_is_used_exclusively() -> None:
    r = run_import("import kv_keyvault as kv; print(kv.library_path())", {"KV_LIBRARY": str(kv.library_path())})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(kv.library_path())


def test_missing_library_lists_what_was_tried(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "libkv.so"
    r = run_import("import kv_keyvault", {"KV_LIBRARY": str(missing)})
    assert r.returncode != 0
    assert "ImportError" in r.stderr
    assert "KV_LIBRARY: %s (not found)" % missing in r.stderr
    assert "cargo build --release" in r.stderr


def test_a_library_that_is_not_kv_is_refused() -> None:
    import _ctypes  # a shared library that certainly is not kv

    path = getattr(_ctypes, "__file__", None)
    if not path:
        pytest.skip("_ctypes is built into this interpreter")
    r = run_import("import kv_keyvault", {"KV_LIBRARY": path})
    assert r.returncode != 0
    assert "ImportError" in r.stderr
    assert "KV_LIBRARY: %s (not a kv library: no kv_version)" % path in r.stderr


def test_version_mismatch_is_refused() -> None:
    code = (
        "import sys, types\n"
        "fake = types.ModuleType('kv_keyvault._version'); fake.__version__ = '9.9.9'\n"
        "sys.modules['kv_keyvault._version'] = fake\n"
        "import kv_keyvault\n"
    )
    r = run_import(code, {"KV_LIBRARY": str(kv.library_path())})
    assert r.returncode != 0
    assert "library version %s, but this kv package is version 9.9.9" % kv.library_version() in r.stderr


def test_search_order() -> None:
    r = run_import(
        "from kv_keyvault import _native; print('\\n'.join('%s|%s' % c for c in _native.library_candidates()))",
        {"KV_LIBRARY": None},
    )
    assert r.returncode == 0, r.stderr
    lines = [line.split("|", 1) for line in r.stdout.strip().splitlines()]
    assert lines[0][0] == "installed package"
    assert Path(lines[0][1]).parent == Path(kv.__file__).resolve().parent
    for origin, _path in lines[1:]:
        assert origin.startswith("repository build")
