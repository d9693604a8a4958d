#!/usr/bin/env python3
"""Generates the kv Python binding's declarations from include/kv.h.

    python3 bindings/python/tools/gen_ffi.py            # rewrite kv_keyvault/_ffi.py and kv_keyvault/errors.py
    python3 bindings/python/tools/gen_ffi.py --check    # exit 1 when either differs from kv.h

It reads the header that cbindgen generates and writes two modules of the `kv` package:

* ``kv_keyvault/_ffi.py``: the ctypes declarations -- the opaque handle types, the by-value structs
  (``kv_str``, ``kv_bytes``), callback typedefs if any, ``argtypes`` and ``restype`` for EVERY
  function, the ``uint32_t`` enumeration typedefs as ``enum.IntEnum`` classes with their
  ``#define`` values (``Status``, ``SignatureAlgorithm``, ``KeyType``, ...) and every other
  ``#define``.
* ``kv_keyvault/errors.py``: one exception class per ``KV_STATUS_*`` value (except OK) under ``KvError``,
  grouped by the status ranges of the header's conventions.

A C type it does not know is an error (the generator stops), so a header change can never be
declared wrongly in silence. ``tests/test_header.py`` runs :func:`generate` into memory and fails
when the checked-in modules differ, so adding a C function without regenerating fails the tests.

Standard library only; Python 3.9 or later.
"""
from __future__ import annotations

import argparse
import builtins
import keyword
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
PKG_DIR = HERE.parent / "kv_keyvault"
DEFAULT_HEADER = HERE.parent.parent.parent / "include" / "kv.h"

# C scalar types -> ctypes names.
SCALARS: Dict[str, str] = {
    "bool": "c_bool",
    "char": "c_char",
    "int8_t": "c_int8",
    "int16_t": "c_int16",
    "int32_t": "c_int32",
    "int64_t": "c_int64",
    "uint8_t": "c_uint8",
    "uint16_t": "c_uint16",
    "uint32_t": "c_uint32",
    "uint64_t": "c_uint64",
    "size_t": "c_size_t",
    "int": "c_int",
    "unsigned int": "c_uint",
    "double": "c_double",
    "float": "c_float",
}

# Status ranges of the header's conventions: (first, last, group class, docstring).
STATUS_GROUPS: List[Tuple[int, int, str, str]] = [
    (1, 99, "CallerError", "Statuses 1-99: the caller passed something kv cannot use."),
    (100, 199, "TransportError",
     "Statuses 100-199: the connection, TLS, name resolution or the reply failed."),
    (200, 299, "AuthenticationError", "Statuses 200-299: no token could be obtained or presented."),
    (300, 499, "ServiceError", "Statuses 300-499: the service answered with an error."),
    (900, 999, "InternalError", "Statuses 900-999: a failure inside kv (please report it)."),
]

# Finer grouping inside the service range: (predicate on the status name, parent status name).
# A parent that the header does not define is skipped (the range's group is used instead).
STATUS_PARENTS: List[Tuple[str, str]] = [
    (r".+_NOT_FOUND", "NOT_FOUND"),
    (r"FORBIDDEN_BY_.+|ACCESS_DENIED|.+_DISABLED", "FORBIDDEN"),
    (r"OBJECT_IS_.+", "CONFLICT"),
]


@dataclass
class Define:
    name: str
    value: int
    doc: str


@dataclass
class Param:
    ctype: str  # the C type as written, normalised
    name: str


@dataclass
class Function:
    name: str
    ret: str
    params: List[Param]
    doc: str


@dataclass
class Header:
    opaque: List[str] = field(default_factory=list)
    structs: Dict[str, List[Tuple[str, str]]] = field(default_factory=dict)  # name -> [(ctype, field)]
    struct_docs: Dict[str, str] = field(default_factory=dict)
    int_typedefs: Dict[str, str] = field(default_factory=dict)  # name -> underlying scalar
    typedef_docs: Dict[str, str] = field(default_factory=dict)
    callbacks: Dict[str, Tuple[str, List[Param]]] = field(default_factory=dict)
    defines: List[Define] = field(default_factory=list)
    functions: List[Function] = field(default_factory=list)


class GenError(Exception):
    pass


def _clean_doc(raw: str) -> str:
    lines = []
    for line in raw.splitlines():
        line = line.strip()
        if line.startswith("/**"):
            line = line[3:]
        if line.endswith("*/"):
            line = line[:-2]
        line = line.strip()
        if line.startswith("*"):
            line = line[1:].strip()
        lines.append(line)
    return " ".join(x for x in lines if x).strip()


def _norm(ctype: str) -> str:
    ctype = re.sub(r"\s+", " ", ctype).strip()
    ctype = re.sub(r"\s*\*\s*", " *", ctype)
    return ctype.replace("* *", "**").strip()


def parse_header(text: str) -> Header:
    h = Header()
    # Items: an optional doc comment followed by a declaration or a #define. Line comments and
    # the preamble (a /* ... */ comment that is not a doc comment) are dropped.
    text = re.sub(r"/\*(?!\*).*?\*/", "", text, flags=re.S)
    docs: List[str] = []

    def stash(m: "re.Match[str]") -> str:
        docs.append(_clean_doc(m.group(0)))
        return " @DOC%d@ " % (len(docs) - 1)

    # Doc comments become placeholders first, so that braces or semicolons inside them cannot
    # confuse the declaration scanner; line comments are dropped.
    text = re.sub(r"/\*\*.*?\*/", stash, text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    pos = 0
    pending_doc = ""
    item_re = re.compile(
        r"\s*(?:@DOC(?P<doc>\d+)@|(?P<pp>#[^\n]*)|(?P<extern>extern\s+\"C\"\s*\{)|(?P<brace>\})"
        r"|(?P<decl>[^;#{}]*(?:\{[^{}]*\})?[^;#{}]*;))",
        re.S,
    )
    while pos < len(text):
        if not text[pos:].strip():
            break
        m = item_re.match(text, pos)
        if not m:
            raise GenError("cannot parse kv.h near: %r" % text[pos:pos + 80])
        pos = m.end()
        if m.group("doc") is not None:
            pending_doc = docs[int(m.group("doc"))]
            continue
        if m.group("pp"):
            d = re.match(r"#define\s+(KV_\w+)\s+(\(?-?\d+\)?)\s*$", m.group("pp").strip())
            if d:
                h.defines.append(Define(d.group(1), int(d.group(2).strip("()")), pending_doc))
            pending_doc = ""
            continue
        if m.group("brace") or m.group("extern"):
            pending_doc = ""
            continue
        decl = re.sub(r"\s+", " ", m.group("decl")).strip()
        _parse_decl(h, decl, pending_doc)
        pending_doc = ""
    if not h.functions:
        raise GenError("no functions found in kv.h")
    return h


def _parse_decl(h: Header, decl: str, doc: str) -> None:
    m = re.fullmatch(r"typedef struct (\w+) (\w+) ?;", decl)
    if m and m.group(1) == m.group(2):
        h.opaque.append(m.group(1))
        h.struct_docs[m.group(1)] = doc
        return
    m = re.fullmatch(r"typedef struct (\w+) ?\{(.*)\} ?(\w+) ?;", decl, re.S)
    if m:
        if m.group(1) != m.group(3):
            raise GenError("struct tag and typedef name differ: %s" % decl)
        body = re.sub(r"@DOC\d+@", "", m.group(2))
        fields = []
        for member in body.split(";"):
            member = member.strip()
            if not member:
                continue
            fm = re.fullmatch(r"(.+?)(\w+)", member, re.S)
            if not fm:
                raise GenError("cannot parse member %r of %s" % (member, m.group(1)))
            fields.append((_norm(fm.group(1)), fm.group(2)))
        h.structs[m.group(1)] = fields
        h.struct_docs[m.group(1)] = doc
        return
    m = re.fullmatch(r"typedef (.+?) ?\( ?\* ?(\w+) ?\) ?\((.*)\) ?;", decl)
    if m:
        h.callbacks[m.group(2)] = (_norm(m.group(1)), _parse_params(m.group(3), m.group(2)))
        h.typedef_docs[m.group(2)] = doc
        return
    m = re.fullmatch(r"typedef (\w+(?: \w+)?) (\w+) ?;", decl)
    if m:
        if m.group(1) not in SCALARS:
            raise GenError("typedef of an unknown type: %s" % decl)
        h.int_typedefs[m.group(2)] = m.group(1)
        h.typedef_docs[m.group(2)] = doc
        return
    m = re.fullmatch(r"(.+?)\b(kv_\w+) ?\((.*)\) ?;", decl, re.S)
    if m:
        h.functions.append(Function(m.group(2), _norm(m.group(1)), _parse_params(m.group(3), m.group(2)), doc))
        return
    raise GenError("unrecognised declaration in kv.h: %s" % decl)


def _parse_params(text: str, where: str) -> List[Param]:
    text = text.strip()
    if text in ("", "void"):
        return []
    params = []
    for p in text.split(","):
        pm = re.fullmatch(r"(.+?)(\w+)", p.strip(), re.S)
        if not pm or not pm.group(1).strip():
            raise GenError("cannot parse parameter %r of %s" % (p, where))
        params.append(Param(_norm(pm.group(1)), pm.group(2)))
    return params


def ctypes_type(h: Header, ctype: str, *, is_return: bool = False) -> str:
    """The ctypes expression for a C type of kv.h (as text for the generated module)."""
    t = re.sub(r"\bconst\b", "", ctype)
    t = re.sub(r"\bstruct\b", "", t)
    stars = t.count("*")
    base = _norm(t.replace("*", "")).strip()
    if stars == 0:
        if base == "void":
            return "None"
        if base in SCALARS:
            return SCALARS[base]
        if base in h.int_typedefs:
            return SCALARS[h.int_typedefs[base]]
        if base in h.structs:
            return base
        if base in h.callbacks:
            return base
        raise GenError("unsupported C type %r" % ctype)
    if base == "char" and stars == 1:
        # NUL-terminated text in; static text out (kv_version, kv_status_str) -> bytes.
        return "c_char_p"
    if base == "uint8_t" and stars == 1 and "const" in ctype and not is_return:
        # Input payloads (pointer + length): c_char_p takes a bytes object without copying it.
        return "c_char_p"
    if base == "void" and stars == 1:
        return "c_void_p"
    if base in h.opaque or base in h.structs:
        inner = base
    elif base in SCALARS:
        inner = SCALARS[base]
    elif base in h.int_typedefs:
        inner = SCALARS[h.int_typedefs[base]]
    elif base == "char":
        inner = "c_char_p"
        stars -= 1
    else:
        raise GenError("unsupported C type %r" % ctype)
    out = inner
    for _ in range(stars):
        out = "POINTER(%s)" % out
    return out


def camel(name: str) -> str:
    parts = [p for p in name.lower().split("_") if p]
    return "".join(p[:1].upper() + p[1:] for p in parts)


def enum_members(h: Header) -> Dict[str, List[Define]]:
    """Defines per uint32_t typedef (longest matching prefix wins)."""
    prefixes = sorted(((t.upper() + "_", t) for t in h.int_typedefs), key=lambda x: -len(x[0]))
    out: Dict[str, List[Define]] = {t: [] for t in h.int_typedefs}
    for d in h.defines:
        for prefix, t in prefixes:
            if d.name.startswith(prefix):
                out[t].append(d)
                break
    return {t: ds for t, ds in out.items() if ds}


def member_name(define: Define, typedef: str) -> str:
    name = define.name[len(typedef) + 1:]
    if not name.isidentifier() or keyword.iskeyword(name):
        name = "_" + name
    return name


def enum_class_name(typedef: str) -> str:
    return camel(typedef[3:] if typedef.startswith("kv_") else typedef)


def wire_name(doc: str) -> Optional[str]:
    m = re.match(r'"([^"]+)"', doc)
    return m.group(1) if m else None


def _doc_literal(doc: str, indent: str, width: int = 99) -> str:
    doc = doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if doc.endswith('"'):
        doc += " "
    lines = textwrap.wrap(doc, width=width - len(indent) - 3, break_long_words=False, break_on_hyphens=False)
    if not lines:
        return indent + '""""""'
    if len(lines) == 1 and len(indent) + len(lines[0]) + 6 <= width:
        return '%s"""%s"""' % (indent, lines[0])
    body = "\n".join(indent + x for x in lines)
    return '%s"""\n%s\n%s"""' % (indent, body, indent)


HEADER_NOTE = '''\
# Generated by bindings/python/tools/gen_ffi.py from include/kv.h. Do not edit: change kv.h
# (that is, the Rust doc comments it is generated from) and run
#     python3 bindings/python/tools/gen_ffi.py
# tests/test_header.py fails while this file differs from what kv.h generates.
'''


def generate_ffi(h: Header) -> str:
    out: List[str] = []
    w = out.append
    w('"""ctypes declarations of every function, type and constant of include/kv.h (generated)."""\n')
    w(HEADER_NOTE)
    w("from __future__ import annotations\n\n")
    w("import enum\n")
    w("@CTYPES_IMPORT@")
    w("from typing import Any, Dict, List, Tuple\n\n")
    w("__all__: List[str] = []\n\n")

    w("\n# Opaque handles: distinct types, so that ctypes refuses a handle of the wrong kind.\n")
    for name in h.opaque:
        w("\n\nclass %s(Structure):\n" % name)
        w(_doc_literal(h.struct_docs.get(name, "") or "Opaque kv handle.", "    ") + "\n")
    w("\n\n# Structs passed by value.\n")
    for name, fields in h.structs.items():
        w("\n\nclass %s(Structure):\n" % name)
        w(_doc_literal(h.struct_docs.get(name, ""), "    ") + "\n\n")
        w("    _fields_ = [\n")
        for ctype, fname in fields:
            t = ctypes_type(h, ctype, is_return=True)
            if t == "c_char_p" or t == "POINTER(c_uint8)":
                t = "c_void_p"  # binary-safe: read with ctypes.string_at(data, len)
            w('        ("%s", %s),  # %s\n' % (fname, t, ctype))
        w("    ]\n")
    if h.callbacks:
        w("\n\n# Callback types.\n")
        for name, (ret, params) in h.callbacks.items():
            args = ", ".join([ctypes_type(h, ret, is_return=True)] + [ctypes_type(h, p.ctype) for p in params])
            w("%s = CFUNCTYPE(%s)\n" % (name, args))

    members = enum_members(h)
    w("\n\n# Enumerations: the uint32_t typedefs of kv.h with their KV_* values.\n")
    w("ENUM_TYPEDEFS: Dict[str, str] = {\n")
    for t in members:
        w('    "%s": "%s",\n' % (t, enum_class_name(t)))
    w("}\n")
    for t, defs in members.items():
        cls = enum_class_name(t)
        wires = {member_name(d, t): wire_name(d.doc) for d in defs}
        has_wire = sum(1 for v in wires.values() if v) >= 2
        w("\n\nclass %s(enum.IntEnum):\n" % cls)
        w(_doc_literal("%s. C type: %s." % (h.typedef_docs.get(t, "").rstrip("."), t), "    ") + "\n")
        for d in defs:
            w("\n    %s = %d\n" % (member_name(d, t), d.value))
            if d.doc:
                w(_doc_literal(d.doc, "    ") + "\n")
        if has_wire:
            w("\n    @property\n")
            w("    def wire_name(self) -> str:\n")
            w('        """The name the REST API uses for this value ("" for a value without one)."""\n')
            w("        return _%s_WIRE.get(self.value, \"\")\n" % cls.upper())
            w("\n    @classmethod\n")
            w("    def from_wire(cls, name: str) -> %s:\n" % cls)
            w('        """The member whose REST API name is ``name`` (ValueError when there is none)."""\n')
            w("        for value, wire in _%s_WIRE.items():\n" % cls.upper())
            w("            if wire == name:\n")
            w("                return cls(value)\n")
            w('        raise ValueError("not a %s wire name: %%r" %% (name,))\n' % cls)
            w("\n\n_%s_WIRE: Dict[int, str] = {\n" % cls.upper())
            for d in defs:
                wn = wires[member_name(d, t)]
                if wn:
                    w('    %d: "%s",\n' % (d.value, wn))
            w("}\n")
        w('\n\n__all__.append("%s")\n' % cls)

    others = [d for d in h.defines if not any(d in ds for ds in members.values())]
    if others:
        w("\n\n# Other constants.\n")
        for d in others:
            w("%s = %d\n" % (d.name, d.value))

    w("\n\n# Every function of kv.h: name -> (restype, argtypes).\n")
    w("FUNCTIONS: Dict[str, Tuple[Any, List[Any]]] = {\n")
    for f in h.functions:
        ret = ctypes_type(h, f.ret, is_return=True)
        arg_types = [ctypes_type(h, p.ctype) for p in f.params]
        sig = "%s %s(%s)" % (f.ret, f.name, ", ".join("%s %s" % (p.ctype, p.name) for p in f.params))
        w("    # %s\n" % sig)
        line = '    "%s": (%s, [%s]),\n' % (f.name, ret, ", ".join(arg_types))
        if len(line) > 100:
            line = '    "%s": (\n        %s,\n        [\n%s        ],\n    ),\n' % (
                f.name, ret, "".join("            %s,\n" % a for a in arg_types))
        w(line)
    w("}\n")
    w('''

def bind(lib: Any) -> List[str]:
    """Sets argtypes and restype of every function of kv.h on ``lib`` (a ctypes.CDLL).

    Returns the names the library does not export (empty when it matches the header).
    """
    missing: List[str] = []
    for name, (restype, argtypes) in FUNCTIONS.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    return missing
''')
    text = "".join(out)
    candidates = set(SCALARS.values()) | {"c_char_p", "c_void_p", "CFUNCTYPE", "POINTER", "Structure"}
    used = sorted(n for n in candidates if re.search(r"\b%s\b" % n, text))
    return text.replace("@CTYPES_IMPORT@", "from ctypes import (\n%s)\n" % "".join("    %s,\n" % n for n in used))


def generate_errors(h: Header) -> str:
    members = enum_members(h).get("kv_status")
    if not members:
        raise GenError("kv.h defines no KV_STATUS_* values")
    statuses = [d for d in members if d.value != 0]
    by_name = {d.name[len("KV_STATUS_"):]: d for d in statuses}
    group_names = {g[2] for g in STATUS_GROUPS}

    def class_name(short: str) -> str:
        n = camel(short)
        return n if n.endswith("Error") else n + "Error"

    def group_of(value: int) -> Optional[str]:
        for lo, hi, name, _doc in STATUS_GROUPS:
            if lo <= value <= hi:
                return name
        return None

    parents: Dict[str, str] = {}
    for short, d in by_name.items():
        parent = group_of(d.value) or "KvError"
        for pattern, parent_status in STATUS_PARENTS:
            if re.fullmatch(pattern, short) and parent_status in by_name and parent_status != short:
                parent = class_name(parent_status)
                break
        parents[short] = parent

    builtin_exc = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type)
                   and issubclass(getattr(builtins, n), BaseException)}

    out: List[str] = []
    w = out.append
    w('"""The exceptions of kv: one class per ``KV_STATUS_*`` value of kv.h, all under :class:`KvError`.\n\n')
    w("Every failed call raises the class of its status. The classes are grouped by the status ranges of\n")
    w("kv.h: ``CallerError`` (1-99), ``TransportError`` (100-199), ``AuthenticationError`` (200-299),\n")
    w("``ServiceError`` (300-499) and ``InternalError`` (900-999). Inside the service range the\n")
    w("not-found statuses are also ``NotFoundError``, the permission ones ``ForbiddenError`` and the\n")
    w("soft-delete conflicts ``ConflictError``. A status whose class name would be a group's name\n")
    w("(``KV_STATUS_TRANSPORT``, ``KV_STATUS_SERVICE_ERROR``, ``KV_STATUS_INTERNAL``) raises the group\n")
    w("class itself. A class whose name is a Python built-in exception (``TimeoutError``) also derives\n")
    w("from that built-in, so ``except TimeoutError`` catches it.\n")
    w('"""\n')
    w(HEADER_NOTE)
    w("from __future__ import annotations\n\n")
    w("import builtins\n")
    w("from typing import Dict, List, Type\n\n")
    w("from ._errorbase import ClosedError, KvError\n")
    w("from ._ffi import Status\n")
    exported = ["KvError", "ClosedError", "ERROR_CLASSES", "error_class"]
    emitted: Dict[str, str] = {}  # class name -> status short name (or "" for a group)

    def emit_class(name: str, parent: str, doc: str, status_short: Optional[str]) -> None:
        bases = parent
        if name in builtin_exc:
            bases = "%s, builtins.%s" % (parent, name)
        w("\n\nclass %s(%s):\n" % (name, bases))
        w(_doc_literal(doc, "    ") + "\n")
        if status_short is not None:
            w("\n    STATUS = Status.%s\n" % status_short)
        if name not in builtin_exc:  # `from kv.errors import *` must not shadow a built-in
            exported.append(name)

    group_status = {class_name(s): s for s in by_name if class_name(s) in group_names}
    for lo, hi, gname, gdoc in STATUS_GROUPS:
        group_short = group_status.get(gname)
        doc = gdoc
        if group_short:
            d = by_name[group_short]
            doc += " Also raised for KV_STATUS_%s (%d): %s" % (group_short, d.value, d.doc)
        emit_class(gname, "KvError", doc, group_short)
        emitted[gname] = group_short or ""

    remaining = [s for s in by_name if class_name(s) not in emitted]
    while remaining:
        progressed = False
        for short in list(remaining):
            parent = parents[short]
            if parent != "KvError" and parent not in emitted:
                continue
            d = by_name[short]
            emit_class(class_name(short), parent, "KV_STATUS_%s (%d): %s" % (short, d.value, d.doc), short)
            emitted[class_name(short)] = short
            remaining.remove(short)
            progressed = True
        if not progressed:
            raise GenError("cyclic status hierarchy: %s" % remaining)

    w("\n\n#: The exception class raised for each status.\n")
    w("ERROR_CLASSES: Dict[int, Type[KvError]] = {\n")
    for short, d in by_name.items():
        w("    Status.%s: %s,\n" % (short, class_name(short)))
    w("}\n")
    w('''

def error_class(status: int) -> Type[KvError]:
    """The exception class for ``status`` (``KvError`` for a status this binding does not know)."""
    return ERROR_CLASSES.get(status, KvError)

''')
    w("\n__all__: List[str] = [\n")
    for n in exported:
        w('    "%s",\n' % n)
    w("]\n")
    return "".join(out)


def generate(header_path: Path = DEFAULT_HEADER) -> Dict[str, str]:
    """Returns {path relative to bindings/python: content} for every generated module."""
    h = parse_header(header_path.read_text(encoding="utf-8"))
    return {"kv_keyvault/_ffi.py": generate_ffi(h), "kv_keyvault/errors.py": generate_errors(h)}


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--header", type=Path, default=DEFAULT_HEADER, help="path of kv.h")
    ap.add_argument("--check", action="store_true", help="only check; exit 1 when a module differs")
    args = ap.parse_args(argv)
    try:
        files = generate(args.header)
    except GenError as e:
        print("gen_ffi: error: %s" % e, file=sys.stderr)
        return 2
    stale = []
    for rel, content in files.items():
        path = HERE.parent / rel
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == content:
            continue
        if args.check:
            stale.append(rel)
        else:
            path.write_text(content, encoding="utf-8")
            print("gen_ffi: wrote %s" % path)
    if stale:
        print("gen_ffi: out of date with %s: %s (run python3 bindings/python/tools/gen_ffi.py)"
              % (args.header, ", ".join(stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
