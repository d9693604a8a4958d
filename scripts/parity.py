#!/usr/bin/env python3
"""Binding parity: every kv_client_* operation of include/kv.h must be wrapped by every binding.

    python3 scripts/parity.py                 # table of all operations, exit 1 if any is missing
    python3 scripts/parity.py --missing-only  # only the rows with a gap
    python3 scripts/parity.py --binding cpp   # check one binding (repeatable)

An operation is a function declared in kv.h whose name starts with kv_client_ and whose first
parameter is `const struct kv_client *` (so kv_client_new, kv_client_free and the
kv_client_options_* setters are not operations); kv_secret_cache_new (it takes the client) and the
kv_secret_cache_* functions whose first parameter is `const struct kv_secret_cache *` count too. A binding covers an operation when its source
shows it:

    python  bindings/python   the word kv_client_xxx in the package source (*.py, *.pyi, *.pyx,
                              *.pxd; tests, examples, tools, virtual environments and build
                              output are not package source)
    go      bindings/go       C.kv_client_xxx in a *.go file that is not a *_test.go
    cpp     include/kv.hpp    kv_client_xxx( (a call)

An operation listed in SUPERSEDED is also covered when the binding wraps the operation that
supersedes it (kv_client_delete_secret stays in kv.h for C callers; the bindings call
kv_client_delete_secret_out, the same request, which hands back the deleted secret).

A binding whose directory or file is missing lacks every operation. Exit status: 0 when every
checked binding covers every operation, 1 when something is missing (listed at the end), 2 when
kv.h cannot be read or declares no operation.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent

SUPERSEDED = {
    "kv_client_delete_secret": "kv_client_delete_secret_out",
    # kv_secret_cache_get stays for C callers; a binding may call the _ex form, which adds the stale
    # flag, or the _in_context form, which adds a call context to that.
    "kv_secret_cache_get": "kv_secret_cache_get_ex",
    "kv_secret_cache_get_ex": "kv_secret_cache_get_in_context",
}


def replacements(op):
    """`op` and every function that supersedes it, following SUPERSEDED."""
    while op is not None:
        yield op
        op = SUPERSEDED.get(op)

SKIP_DIRS = {
    "tests", "test", "testdata", "examples", "example", "tools", "docs", "build", "dist", "vendor",
    "__pycache__", "node_modules", "site-packages", "venv", "env",
}


def strip_c_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def operations(header: Path) -> list[str]:
    """kv_client_* functions of kv.h whose first parameter is `const struct kv_client *`."""
    text = strip_c_comments(header.read_text(encoding="utf-8"))
    ops = set()
    for m in re.finditer(r"\b(kv_(?:client|secret_cache)_\w+)\s*\(([^;{)]*)\)\s*;", text):
        name, params = m.group(1), m.group(2)
        first = " ".join(params.split(",")[0].split())
        if re.match(r"const\s+(struct\s+)?kv_client\s*\*", first):
            ops.add(name)
        elif name.startswith("kv_secret_cache_") and re.match(r"const\s+(struct\s+)?kv_(secret_cache|client)\s*\*", first):
            ops.add(name)  # the secret cache's operations: every binding has a cache
    return sorted(ops)


def source_files(base: Path, suffixes: tuple[str, ...], skip_file: Callable[[Path], bool]) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS and not d.startswith(".") and not d.endswith(".egg-info")
        )
        for f in sorted(filenames):
            p = Path(dirpath) / f
            if p.suffix in suffixes and not skip_file(p):
                files.append(p)
    return files


def read_all(files: list[Path]) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


@dataclass
class Binding:
    name: str
    path: Path
    describe: str  # what counts as evidence
    found: Callable[[str, str], bool]  # (source text, operation) -> covered
    load: Callable[[Path], tuple[str, str]]  # path -> (source text, note)
    text: str = ""
    note: str = ""
    covered: dict[str, bool] = field(default_factory=dict)


def load_python(path: Path) -> tuple[str, str]:
    if not path.is_dir():
        return "", "%s not found" % rel(path)
    files = source_files(path, (".py", ".pyi", ".pyx", ".pxd"), lambda p: p.name.startswith("test_"))
    if not files:
        return "", "no Python source in %s" % rel(path)
    return read_all(files), "%d files" % len(files)


def load_go(path: Path) -> tuple[str, str]:
    if not path.is_dir():
        return "", "%s not found" % rel(path)
    files = source_files(path, (".go",), lambda p: p.name.endswith("_test.go"))
    if not files:
        return "", "no Go source in %s" % rel(path)
    return read_all(files), "%d files" % len(files)


def load_file(path: Path) -> tuple[str, str]:
    if not path.is_file():
        return "", "%s not found" % rel(path)
    return path.read_text(encoding="utf-8", errors="replace"), rel(path)


def rel(p: Path) -> str:
    try:
        return str(p.relative_to(ROOT))
    except ValueError:
        return str(p)


def make_bindings(root: Path) -> list[Binding]:
    return [
        Binding("python", root / "bindings" / "python", "the word kv_client_xxx in the package source",
                lambda text, op: re.search(r"\b%s\b" % re.escape(op), text) is not None, load_python),
        Binding("go", root / "bindings" / "go", "C.kv_client_xxx in non-test Go files",
                lambda text, op: re.search(r"\bC\.%s\b" % re.escape(op), text) is not None, load_go),
        Binding("cpp", root / "include" / "kv.hpp", "kv_client_xxx( in include/kv.hpp",
                lambda text, op: re.search(r"\b%s\s*\(" % re.escape(op), text) is not None, load_file),
    ]


def main(argv: list[str] | None = None) -> int:
    global ROOT
    ap = argparse.ArgumentParser(description="Checks that every binding wraps every kv_client_* operation of kv.h.")
    ap.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this script's repository)")
    ap.add_argument("--header", type=Path, default=None, help="the C header (default: ROOT/include/kv.h)")
    ap.add_argument("--binding", action="append", choices=["python", "go", "cpp"],
                    help="check only this binding (repeatable; default: all)")
    ap.add_argument("--missing-only", action="store_true", help="print only the operations some binding lacks")
    args = ap.parse_args(argv)

    ROOT = args.root.resolve()
    header = args.header or ROOT / "include" / "kv.h"
    try:
        ops = operations(header)
    except OSError as e:
        print("parity: cannot read %s: %s" % (header, e), file=sys.stderr)
        return 2
    if not ops:
        print("parity: %s declares no kv_client_* operation" % header, file=sys.stderr)
        return 2

    bindings = [b for b in make_bindings(ROOT) if not args.binding or b.name in args.binding]
    for b in bindings:
        b.text, b.note = b.load(b.path)
        b.covered = {op: bool(b.text) and any(b.found(b.text, r) for r in replacements(op)) for op in ops}

    width = max(len(op) for op in ops)
    cols = [max(len(b.name), 7) for b in bindings]
    head = "%-*s  %s" % (width, "operation", "  ".join("%-*s" % (c, b.name) for c, b in zip(cols, bindings)))
    print(head)
    print("-" * len(head))
    for op in ops:
        row = [b.covered[op] for b in bindings]
        if args.missing_only and all(row):
            continue
        print("%-*s  %s" % (width, op, "  ".join("%-*s" % (c, "ok" if ok else "MISSING") for c, ok in zip(cols, row))))
    print("-" * len(head))
    print("%-*s  %s" % (width, "covered (of %d)" % len(ops),
                        "  ".join("%-*s" % (c, sum(b.covered.values())) for c, b in zip(cols, bindings))))
    print()
    for b in bindings:
        print("%-7s %s: %s (%s)" % (b.name, rel(b.path), b.describe, b.note))

    gaps = [(b, [op for op in ops if not b.covered[op]]) for b in bindings]
    gaps = [(b, missing) for b, missing in gaps if missing]
    print()
    if not gaps:
        print("parity: every binding (%s) covers all %d kv_client_* operations"
              % (", ".join(b.name for b in bindings), len(ops)))
        return 0
    for b, missing in gaps:
        print("parity: %s lacks %d of %d operations: %s" % (b.name, len(missing), len(ops), " ".join(missing)))
    return 1


if __name__ == "__main__":
    sys.exit(main())
