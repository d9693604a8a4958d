#!/usr/bin/env python3
"""Checks the layering of src/ (docs/architecture.md draws it).

Reads every `crate::` path of every file under src/ (in `use` trees, in code, and in serde
attributes such as `deserialize_with = "crate::..."`; `super::` paths too), leaving out comments
and `#[cfg(test)]` items, and maps each file and each path to a module (the file that defines
it). Fails, naming file and line, when

- a module imports one of a HIGHER layer than its own (LAYERS below, bottom to top; a layer
  may import itself and any layer below it);
- two or more modules import each other (an import cycle between files, of any length);
- a file under src/ belongs to no layer (add it to LAYERS).

    python3 scripts/check_layers.py          # prints the layers and the import count, or the faults
    python3 scripts/check_layers.py --graph  # also prints every module's imports
"""

import re
import sys
from pathlib import Path

# Bottom to top. Each layer lists module paths; a module belongs to the layer of the longest
# listed path that is a prefix of it (so `crypto::remote` is a service, the rest of `crypto` sits
# below `http`). `lib.rs` (the crate root) declares the modules and imports nothing.
LAYERS = [
    ("text", ["text"]),  # NUL-terminated, zeroizing text (what handles lend to C)
    ("error", ["error"]),  # the core error type (ErrorKind) and redaction
    ("model", ["model", "names", "files"]),  # wire types, name checks, capped file reads
    ("crypto", ["crypto"]),  # algorithms and local key operations, PEM/JWK (no I/O)
    ("http", ["http"]),  # transport, retry loop, resend policy, log, vault URL, request types
    ("auth", ["auth"]),  # credentials, tokens, token cache
    ("vault", ["vault", "listing"]),  # client, request pipeline, challenge protocol, paging, typed lists, polling
    # The operations of the client, one module per collection (`impl Client` blocks), rotation
    # policies, and the secret cache over the secret operations.
    ("services", ["secrets", "keys", "rotation", "certificates", "backup", "crypto::remote", "cache"]),
    ("ffi", ["ffi"]),  # the C boundary (kv_status and its one ErrorKind table: ffi::status)
    ("fuzzing", ["fuzzing"]),  # entry points for the fuzz targets (reach into any layer)
]

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def module_of_file(path):
    """`src/a/b.rs` -> ('a', 'b'); `src/a/mod.rs` -> ('a',); `src/lib.rs` -> ()."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts.pop()
    return tuple(parts)


def strip(text):
    """Source with comments removed and string/char literals blanked, except a string that is
    exactly a `crate::` path (serde attributes name functions that way). Newlines are kept, so
    line numbers stay right."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            end = n if end < 0 else end + 1 + len(hashes)
            out.append('""' + "\n" * text.count("\n", i, end))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            body = text[i + 1 : j]
            out.append('"' + body + '"' if re.fullmatch(r"crate(::\w+)+", body) else '""' + "\n" * body.count("\n"))
            i = j + 1
        elif c == "'":
            # A char literal ('x', '\n', '\u{1b}') or a lifetime ('a): blank only the former.
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            if m:
                out.append("' '")
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def drop_test_items(text):
    """Blanks every item under `#[cfg(test)]` (to its closing brace or semicolon), keeping lines."""
    out = list(text)
    for m in re.finditer(r"#\[cfg\(test\)\]", text):
        i = m.end()
        while i < len(text) and text[i] not in "{;":
            i += 1
        if i < len(text) and text[i] == "{":
            depth = 0
            while i < len(text):
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                if depth == 0:
                    break
                i += 1
        for k in range(m.start(), min(i + 1, len(text))):
            if out[k] != "\n":
                out[k] = " "
    return "".join(out)


def use_tree_paths(tree):
    """`a::{b, c::{d, self}}` -> ['a::b', 'a::c::d', 'a::c']."""
    tree = re.sub(r"\s+", "", tree)
    brace = tree.find("{")
    if brace < 0:
        path = re.sub(r"\bas\w+$", "", tree)
        return [path[: -len("::self")] if path.endswith("::self") else path]
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rindex("}")]
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(inner):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(inner[start:k])
            start = k + 1
    parts.append(inner[start:])
    paths = []
    for part in filter(None, parts):
        if part == "self":
            paths.append(prefix.rstrip(":"))
        else:
            paths.extend(prefix + p for p in use_tree_paths(part))
    return paths


def main():
    files = sorted(SRC.rglob("*.rs"))
    modules = {module_of_file(f): f for f in files}

    # `pub use` of whole modules in lib.rs (e.g. `pub use vault::{client, paging, wait};`): an old
    # path such as `crate::client` names the module it re-exports.
    aliases = {}
    lib = strip((SRC / "lib.rs").read_text())
    for m in re.finditer(r"pub\s+use\s+([^;]+);", lib):
        for path in use_tree_paths(m.group(1)):
            segs = tuple(s for s in path.split("::") if s != "crate")
            if segs in modules and len(segs) > 1:
                aliases[segs[-1]] = segs

    def resolve(segs):
        """The module (longest prefix that is a file) a crate path points into."""
        if segs and segs[0] in aliases and (segs[0],) not in modules:
            segs = aliases[segs[0]] + tuple(segs[1:])
        best = ()
        for k in range(1, len(segs) + 1):
            if tuple(segs[:k]) in modules:
                best = tuple(segs[:k])
        return best

    def layer_of(module):
        best, best_len = None, -1
        for rank, (name, prefixes) in enumerate(LAYERS):
            for p in prefixes:
                ps = tuple(p.split("::"))
                if module[: len(ps)] == ps and len(ps) > best_len:
                    best, best_len = (rank, name), len(ps)
        return best

    faults = []
    edges = {}  # module -> {imported module: first line}
    for f in files:
        me = module_of_file(f)
        if me == ():
            continue
        if layer_of(me) is None:
            faults.append(f"{f.relative_to(ROOT)}: module {'::'.join(me)} belongs to no layer (add it to LAYERS)")
            continue
        text = drop_test_items(strip(f.read_text()))
        found = []
        for m in re.finditer(r"\buse\s+((?:crate|super)::[^;]+);", text):
            line = text.count("\n", 0, m.start()) + 1
            found.extend((p, line) for p in use_tree_paths(m.group(1)))
        for m in re.finditer(r"\b(?:crate|super)(?:::\w+)+", text):
            line = text.count("\n", 0, m.start()) + 1
            found.append((m.group(0), line))
        here = me if f.name == "mod.rs" else me[:-1]  # the module `super` is relative to
        for path, line in found:
            segs = path.split("::")
            if segs[0] == "super":
                base = list(here)
                while segs and segs[0] == "super":
                    base, segs = base[:-1], segs[1:]
                segs = base + segs
            else:
                segs = segs[1:]
            target = resolve(tuple(segs))
            if target and target != me:
                edges.setdefault(me, {}).setdefault(target, line)

    for me, targets in sorted(edges.items()):
        my_rank, my_layer = layer_of(me)
        for target, line in sorted(targets.items()):
            t_layer = layer_of(target)
            if t_layer is None:
                continue
            if t_layer[0] > my_rank:
                faults.append(
                    f"{modules[me].relative_to(ROOT)}:{line}: {'::'.join(me)} (layer {my_layer}) imports "
                    f"{'::'.join(target)} (layer {t_layer[1]}, above it)"
                )

    # Import cycles between modules (files): strongly connected components of more than one.
    index, low, on_stack, stack, sccs, counter = {}, {}, set(), [], [], [0]

    def connect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(sorted(scc))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            connect(v)
    for scc in sccs:
        members = set(scc)
        detail = "; ".join(
            f"{'::'.join(a)} -> {'::'.join(b)} ({modules[a].relative_to(ROOT)}:{line})"
            for a in scc
            for b, line in sorted(edges.get(a, {}).items())
            if b in members
        )
        faults.append(f"import cycle between {', '.join('::'.join(m) for m in scc)}: {detail}")

    if "--graph" in sys.argv:
        for me, targets in sorted(edges.items()):
            print(f"{'::'.join(me)} -> {', '.join('::'.join(t) for t in sorted(targets))}")
    if faults:
        print("layering check FAILED:")
        for fault in faults:
            print(f"  - {fault}")
        return 1
    count = sum(len(t) for t in edges.values())
    print("layers, bottom to top: " + " < ".join(name for name, _ in LAYERS))
    print(f"layering check: {len(modules) - 1} modules, {count} imports between them, none upward, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
