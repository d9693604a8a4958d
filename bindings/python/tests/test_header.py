"""The binding cannot drift from include/kv.h: the generated modules equal what kv.h generates,
every kv_client_* function is reachable from a Client method, every other function is used, and
the versions agree."""
from __future__ import annotations

import ast
import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Dict, Set

import kv_keyvault as kv
from kv_keyvault import _ffi

HERE = Path(__file__).resolve().parent
PY_ROOT = HERE.parent
ROOT = PY_ROOT.parent.parent
HEADER = ROOT / "include" / "kv.h"
SOURCE_PKG = PY_ROOT / "kv_keyvault"

# Functions of kv.h the binding deliberately does not call, with the reason.
NOT_CALLED: Dict[str, str] = {
    "kv_call_context_is_cancelled": "kv.Cancellation keeps its own flag (one Cancellation spans many call contexts)",
    "kv_secret_tag_get": "Secret.tags is copied whole (kv_secret_tag_name/_value by index)",
    "kv_key_tag_get": "Key.tags is copied whole (kv_key_tag_name/_value by index)",
    "kv_secret_cache_get": "SecretCache.get/get_ex call kv_secret_cache_get_in_context (the same get, with the "
                           "stale flag and timeout=/cancel=)",
    "kv_secret_cache_get_ex": "SecretCache.get/get_ex call kv_secret_cache_get_in_context (the same get, with "
                              "timeout=/cancel=)",
    "kv_client_delete_secret": "delete_secret calls kv_client_delete_secret_out (the same request; it hands back "
                               "the deleted secret)",
    "kv_certificate_policy_add_dns_name": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_add_eku": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_add_email": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_add_ip_address": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_add_key_usage": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_add_lifetime_action": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_add_upn": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_add_uri": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_content_type": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_issuer_name": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_key_type": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_new": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_new_empty": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_certificate_transparency": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_certificate_type": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_content_type": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_curve": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_exportable": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_issuer": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_key_size": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_key_type": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_reuse_key": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_subject": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_set_validity_months": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_subject": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_policy_validity_months": "kv.CertificatePolicy crosses as JSON (kv_certificate_policy_from_json/_to_json)",
    "kv_certificate_pem": "Certificate.pem is built from Certificate.cer (DER) in Python",
}


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_ffi", PY_ROOT / "tools" / "gen_ffi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_ffi"] = module
    spec.loader.exec_module(module)
    return module


def header_functions() -> Set[str]:
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(encoding="utf-8"), flags=re.S)
    return set(re.findall(r"\b(kv_\w+)\s*\(", text))


def package_sources() -> Dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SOURCE_PKG.glob("*.py"))}


def test_generated_modules_match_header() -> None:
    gen = load_generator()
    files = gen.generate(HEADER)
    assert set(files) == {"kv_keyvault/_ffi.py", "kv_keyvault/errors.py"}
    for rel, content in files.items():
        current = (PY_ROOT / rel).read_text(encoding="utf-8")
        assert current == content, (
            "bindings/python/%s is out of date with include/kv.h: run python3 bindings/python/tools/gen_ffi.py" % rel
        )


def test_every_header_function_is_declared() -> None:
    names = header_functions()
    assert names, "no functions found in kv.h"
    assert names == set(_ffi.FUNCTIONS), sorted(names ^ set(_ffi.FUNCTIONS))
    # ...and bound on the loaded library with argtypes and restype.
    from kv_keyvault._native import lib

    for name in names:
        fn = getattr(lib, name)
        assert fn.argtypes is not None, name
        assert fn.restype == _ffi.FUNCTIONS[name][0], name


def test_every_client_function_is_reachable_from_a_client_method() -> None:
    """Parity: each kv_client_* of kv.h is called inside a method of kv.Client."""
    wanted = {n for n in header_functions() if n.startswith("kv_client_") and not n.startswith("kv_client_options")}
    wanted.add("kv_client_new")
    in_client: Set[str] = set()
    # kv.Client's own methods, and those it inherits from CertificatesMixin.
    nodes = [node for node in ast.walk(ast.parse((SOURCE_PKG / "_client.py").read_text(encoding="utf-8")))]
    nodes += [node for node in ast.walk(ast.parse((SOURCE_PKG / "_certificates.py").read_text(encoding="utf-8")))]
    for node in nodes:
        if isinstance(node, ast.ClassDef) and node.name in ("Client", "CertificatesMixin"):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute) and sub.attr.startswith("kv_client_"):
                    in_client.add(sub.attr)
    # Every method reaches kv_client_with_context through _cancel.client_for (timeout=/cancel=).
    in_client |= set(re.findall(r"_lib\.(kv_client_\w+)", (SOURCE_PKG / "_cancel.py").read_text(encoding="utf-8")))
    missing = sorted(wanted - in_client - set(NOT_CALLED))
    assert not missing, "kv_client_* functions of kv.h with no kv.Client method: %s" % missing


def test_every_credential_constructor_has_a_class() -> None:
    ctors = {n for n in header_functions()
             if re.fullmatch(r"kv_credential_\w+_new", n) and not n.startswith("kv_credential_options")}
    src = (SOURCE_PKG / "_credentials.py").read_text(encoding="utf-8")
    missing = sorted(n for n in ctors if "_lib.%s" % n not in src)
    assert not missing, "credential constructors of kv.h without a kv credential class: %s" % missing


def test_every_header_function_is_used() -> None:
    used: Set[str] = set()
    for name, src in package_sources().items():
        if name in ("_ffi.py", "errors.py"):
            continue
        used |= set(re.findall(r"_?lib\.(kv_\w+)", src))
    unused = sorted(header_functions() - used - set(NOT_CALLED))
    assert not unused, "functions of kv.h the binding never calls: %s" % unused
    stale = sorted(set(NOT_CALLED) - header_functions())
    assert not stale, "NOT_CALLED names functions kv.h no longer has: %s" % stale


def test_status_classes_cover_every_status() -> None:
    for status in kv.Status:
        if status == kv.Status.OK:
            continue
        cls = kv.errors.error_class(status)
        assert cls.STATUS == status, (status, cls)
        assert issubclass(cls, kv.KvError)
        assert getattr(kv, cls.__name__) is cls


def test_version_matches_crate_and_library() -> None:
    with open(ROOT / "Cargo.toml", "rb") as f:
        crate = tomllib.load(f)["package"]["version"]
    assert kv.__version__ == crate
    assert kv.library_version() == crate


def test_generator_rejects_unknown_types(tmp_path: Path) -> None:
    gen = load_generator()
    bad = tmp_path / "kv.h"
    bad.write_text(HEADER.read_text(encoding="utf-8").replace(
        "const char *kv_version(void);", "const char *kv_version(void);\nstruct timeval kv_now(void);"))
    try:
        gen.generate(bad)
    except gen.GenError as e:
        assert "timeval" in str(e)
    else:
        raise AssertionError("an unknown C type was accepted")


def test_generator_picks_up_a_new_function(tmp_path: Path) -> None:
    gen = load_generator()
    changed = tmp_path / "kv.h"
    changed.write_text(HEADER.read_text(encoding="utf-8").replace(
        "const char *kv_version(void);",
        "const char *kv_version(void);\n\n/**\n * New.\n */\n"
        "kv_status kv_client_frobnicate(const struct kv_client *c, uint32_t n, struct kv_error **err_out);"))
    files = gen.generate(changed)
    assert '"kv_client_frobnicate": (c_uint32, [POINTER(kv_client), c_uint32, POINTER(POINTER(kv_error))])' \
        in files["kv_keyvault/_ffi.py"]
