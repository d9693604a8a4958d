#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (committed; rerun to
refresh). Sources: the REST spec examples (key bundles, list pages), challenge headers seen from
the real service (NOTES.md), the independent vault emulator and kv's own tests, error bodies of
the service, and keys and certificates made here with openssl."""
import hashlib, json, os, pathlib, subprocess, sys, tempfile

ROOT = pathlib.Path(__file__).resolve().parent
SPEC = pathlib.Path(os.environ.get("KV_SPEC_EXAMPLES", ROOT.parent.parent / "shared/spec/keyvault/2025-07-01/examples"))
if not SPEC.is_dir():
    SPEC = pathlib.Path("/work/shared/spec/keyvault/2025-07-01/examples")


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = ROOT / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def examples():
    for p in sorted(SPEC.glob("*.json")):
        yield p.name, json.loads(p.read_text())


CHALLENGES = [
    'Bearer authorization="https://login.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"',
    'Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", scope="https://vault.azure.net/.default"',
    'Bearer authorization="https://localhost:9443/6f89cf12-978b-4d23-ac18-9ef0c127cf87", resource="https://vault.azure.net"',
    'Bearer authorization="https://login.microsoftonline.com/contoso.onmicrosoft.com", scope="https://managedhsm.azure.net/.default"',
    'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", '
    'claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzI2MDc3NTk1In19fQ=="',
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", '
    'claims="eyJhY2Nlc3NfdG9rZW4iOnsieG1zX2NjIjp7InZhbHVlcyI6WyJjcDEiXX19fQ"',
    'PoP nonce="abc", Bearer authorization=https://login.windows.net/t, resource=https://vault.azure.net',
    'Basic realm="x", Bearer authorization="https://login.microsoftonline.com/t",resource="https://vault.azure.net/"',
    'Bearer authorization="https://login.microsoftonline.com/t", realm="", error="invalid_token"',
    'PoP authorization="https://login.microsoftonline.com/t", scope="https://vault.azure.net/.default", nonce="n"',
]

ERROR_BODIES = [
    (404, '{"error":{"code":"SecretNotFound","message":"A secret with (name/id) x was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"}}'),
    (409, '{"error":{"code":"Conflict","message":"Secret x is currently being deleted.","innererror":{"code":"ObjectIsBeingDeleted"}}}'),
    (403, '{"error":{"code":"Forbidden","message":"Caller is not authorized to perform action on resource.","innererror":{"code":"ForbiddenByRbac"}}}'),
    (401, '{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}'),
    (400, '{"error":{"code":"BadParameter","message":"Property has invalid value\\r\\n"}}'),
    (429, '{"error":{"code":"Throttled","message":"Operations per second is over the allowed limit."}}'),
    (502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>'),
    (503, ''),
    (400, '{"error":{"code":"BadParameter","innerError":{"code":"Nested","innererror":{"code":"Deeper","message":"m"}}}}'),
    (500, '{"error":null}'),
]


def openssl(*args, input=None):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, input=input).stdout


def keys_and_certs():
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        rsa = openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
        (t / "rsa.pem").write_bytes(rsa)
        put("private_key", rsa)  # PKCS#8 PEM
        put("private_key", openssl("pkey", "-in", str(t / "rsa.pem"), "-outform", "DER"))
        put("private_key", openssl("rsa", "-in", str(t / "rsa.pem"), "-traditional"))  # PKCS#1 PEM
        put("private_key", openssl("rsa", "-in", str(t / "rsa.pem"), "-traditional", "-outform", "DER"))
        for curve in ["prime256v1", "secp384r1", "secp521r1", "secp256k1"]:
            ec = openssl("ecparam", "-name", curve, "-genkey")  # EC PARAMETERS + EC PRIVATE KEY
            put("private_key", ec)
            (t / "ec.pem").write_bytes(ec)
            put("private_key", openssl("pkey", "-in", str(t / "ec.pem")))
            put("private_key", openssl("ec", "-in", str(t / "ec.pem"), "-outform", "DER"))
        put("private_key", openssl("pkcs8", "-topk8", "-in", str(t / "rsa.pem"), "-passout", "pass:x", "-v2", "aes-128-cbc"))
        openssl("req", "-x509", "-key", str(t / "rsa.pem"), "-subj", "/CN=kv-fuzz", "-days", "1", "-out", str(t / "cert.pem"))
        cert = (t / "cert.pem").read_bytes()
        put("certificate_pem", rsa + cert)
        put("certificate_pem", cert + openssl("rsa", "-in", str(t / "rsa.pem"), "-traditional"))
        put("certificate_pem", b"Bag Attributes\n    localKeyID: 01\n" + cert + b"Key Attributes: <No Attributes>\n" + rsa)
        put("certificate_pem", cert)


def main():
    for h in CHALLENGES:
        put("challenge", h)
    for status, body in ERROR_BODIES:
        put("error_body", status.to_bytes(2, "big") + body.encode())
    for name, ex in examples():
        for code, reply in ex.get("responses", {}).items():
            body = reply.get("body")
            if body is None:
                continue
            text = json.dumps(body, separators=(",", ":"))
            if "key" in body and isinstance(body["key"], dict):
                put("jwk", text)
                put("jwk", json.dumps(body["key"]))
            if "value" in body and isinstance(body["value"], list):
                kind = b"\x01" if "/keys" in text or "/deletedkeys" in text else b"\x00"
                put("page", kind + text.encode())
                put("page", kind + text.encode() + b"\x00" + b'{"value":[],"nextLink":null}')
        params = ex.get("parameters", {}).get("parameters", {})
        if isinstance(params, dict) and isinstance(params.get("key"), dict):
            put("jwk", json.dumps(params["key"]))  # an import body's private JWK
    put("jwk", '{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","key_ops":["verify"]}')  # RFC 7517 A.1
    put("jwk", '{"kty":"oct-HSM","kid":"https://myvault.managedhsm.azure.net/keys/k/1","key_ops":["wrapKey","unwrapKey"]}')
    put("page", b'\x00{"value":[],"nextLink":"https://myvault.vault.azure.net/secrets?$skiptoken=A"}\x00{"value":[{"id":"https://myvault.vault.azure.net/secrets/s"}]}')
    put("page", b'\x01{"value":[{"kid":"https://myvault.vault.azure.net/keys/k"}],"nextLink":"https://evil.example/keys"}')
    keys_and_certs()


if __name__ == "__main__":
    sys.exit(main())
