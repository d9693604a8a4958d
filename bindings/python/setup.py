"""Build hook of the kv Python package: bundles the native library libkv into the wheel.

``pip install ./bindings/python`` (from the kv repository) runs this. It

1. takes the library from ``KV_LIBRARY`` when that environment variable names a file; otherwise
2. runs ``cargo build --release`` in the Rust crate (quick when the build is current; skipped
   with ``KV_SKIP_CARGO=1``, or when cargo is not installed), and takes
   ``$CARGO_TARGET_DIR/release/libkv.so`` (default: the crate's ``target/``). The crate is the kv
   repository this directory sits in, or, in a source distribution made by
   ``scripts/build_wheel.sh``, the copy of the crate in its ``rust/`` directory;

and copies it into the package (``kv_keyvault/libkv.so`` in the wheel; never into the source tree),
without its debug information (``strip --strip-debug`` when available). When there is no library
to bundle it warns and builds a package that needs ``KV_LIBRARY`` at run time. The wheel is
platform-specific since it carries a native library, but not tied to a Python version or ABI
(ctypes, no extension module): its tag is ``py3-none-<platform>``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py as _build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _libname() -> str:
    if sys.platform == "darwin":
        return "libkv.dylib"
    if sys.platform == "win32":
        return "kv.dll"
    return "libkv.so"


def _log(msg: str) -> None:
    print("kv setup: %s" % msg, file=sys.stderr, flush=True)


def _crate_root() -> "Path | None":
    """The kv Rust crate: the repository around bindings/python, else rust/ of an sdist."""
    for root in (ROOT, HERE / "rust"):
        if (root / "Cargo.toml").is_file() and (root / "include" / "kv.h").is_file():
            return root
    return None


def _find_library() -> "Path | None":
    env = os.environ.get("KV_LIBRARY")
    if env:
        path = Path(env)
        if not path.is_file():
            raise SystemExit("kv setup: KV_LIBRARY=%s is not a file" % env)
        return path
    root = _crate_root()
    if root is None:
        _log("neither inside the kv repository (%s) nor an sdist with rust/: no native library to bundle" % ROOT)
        return None
    target = os.environ.get("CARGO_TARGET_DIR") or "target"
    target_dir = Path(target) if os.path.isabs(target) else root / target
    lib = target_dir / "release" / _libname()
    cargo = shutil.which("cargo") or (str(Path.home() / ".cargo" / "bin" / "cargo")
                                      if (Path.home() / ".cargo" / "bin" / "cargo").is_file() else None)
    if os.environ.get("KV_SKIP_CARGO") == "1":
        _log("KV_SKIP_CARGO=1: not running cargo")
    elif cargo is None:
        _log("cargo not found: not building the library")
    else:
        _log("running cargo build --release in %s" % root)
        subprocess.run([cargo, "build", "--release"], cwd=str(root), check=True, stdout=sys.stderr)
    if lib.is_file():
        return lib
    _log("%s does not exist" % lib)
    return None


class build_py(_build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            # An editable install imports kv/ from the source tree, which finds the repository's
            # build by itself (kv_keyvault/_native.py).
            return
        lib = _find_library()
        if lib is None:
            _log("WARNING: building kv without a bundled libkv; set KV_LIBRARY at run time")
            return
        dest = Path(self.build_lib) / "kv_keyvault" / _libname()
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lib, dest)
        strip = shutil.which("strip")
        if strip is not None and sys.platform.startswith("linux"):
            subprocess.run([strip, "--strip-debug", str(dest)], check=True)
        _log("bundled %s as %s" % (lib, dest))


try:  # setuptools >= 70.1 has bdist_wheel itself; before that it came from the wheel package.
    from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # pragma: no cover
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel  # type: ignore[no-redef]


class bdist_wheel(_bdist_wheel):  # type: ignore[misc,valid-type]
    """Tag py3-none-<platform>: the native library is platform-specific, the Python code is not."""

    def get_tag(self) -> "tuple[str, str, str]":
        _python, _abi, plat = super().get_tag()
        return "py3", "none", plat


class BinaryDistribution(Distribution):
    """A wheel with a native library is platform-specific."""

    def has_ext_modules(self) -> bool:
        return True


setup(cmdclass={"build_py": build_py, "bdist_wheel": bdist_wheel}, distclass=BinaryDistribution)
