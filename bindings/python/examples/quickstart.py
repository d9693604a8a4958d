"""quickstart.py - a first tour of kv from Python.

Sets a secret, reads it back, lists the vault's secrets, signs with a new EC key and verifies the
signature locally, then cleans up. Environment (as for the C examples):

  KV_VAULT_URL  (required) the vault, e.g. https://myvault.vault.azure.net
  KV_TOKEN      bearer token to present (default "local-dev-token"; the stand-in vault accepts only the token scripts/vault.sh seeds it with and prints)
  KV_CA_FILE    (optional) PEM file of an extra CA to trust, e.g. a local test vault's ca.pem
  KV_VERIFY_CHALLENGE_RESOURCE=0  (optional) turn the 401 challenge-resource check off (emulators)

    python3 bindings/python/examples/quickstart.py
"""
from __future__ import annotations

import os
import sys
import uuid

import kv_keyvault as kv


def main() -> int:
    url = os.environ.get("KV_VAULT_URL")
    if not url:
        print("quickstart: set KV_VAULT_URL", file=sys.stderr)
        return 2
    name = "quickstart-py-%s" % uuid.uuid4().hex[:8]
    with kv.StaticTokenCredential(os.environ.get("KV_TOKEN") or "local-dev-token") as cred, \
            kv.Client(url, cred, ca_file=os.environ.get("KV_CA_FILE") or None,
                      verify_challenge_resource=os.environ.get("KV_VERIFY_CHALLENGE_RESOURCE") != "0") as client:
        print("kv %s (%s), vault %s" % (kv.__version__, kv.library_path(), client.vault_url))

        created = client.set_secret(name, "s3cr3t ✓", content_type="text/plain", tags={"demo": "yes"})
        print("set %s version %s" % (created.name, created.version))
        print("value: %s" % client.get_secret(name).value)
        print("secrets: %s" % ", ".join(s.name for s in client.list_properties_of_secrets()))

        try:
            client.get_secret(name + "-missing")
        except kv.SecretNotFoundError as e:
            print("as expected: %s (HTTP %d, request id %s)" % (e.code, e.http_status, e.request_id))

        with client.create_ec_key(name, curve=kv.KeyCurve.P256) as key:
            message = b"release 1.2.3"
            # The key's version pins the call to this key version (None would mean the latest).
            signature = client.sign_data(name, kv.SignatureAlgorithm.ES256, message, version=key.version).value
            print("signature valid (checked locally): %s" % key.verify_data(kv.SignatureAlgorithm.ES256, message,
                                                                             signature))

        deleted = client.delete_secret(name)
        print("deleted; the vault purges it on %s unless purged or recovered first" % deleted.scheduled_purge_date)
        client.wait_for_deleted_secret(name)  # the service finishes deletes asynchronously
        client.purge_deleted_secret(name)
        client.delete_key(name)
        client.wait_for_deleted_key(name)
        client.purge_deleted_key(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
