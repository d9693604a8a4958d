"""kv_keyvault: an Azure Key Vault client (secrets, keys, cryptography) over the kv C library.

The distribution is ``kv-keyvault``; the import name ``kv_keyvault`` (``kv`` is an unrelated
project on PyPI). Import it as ``kv`` in your own code if you like:

    import kv_keyvault as kv

    with kv.StaticTokenCredential(token) as cred, kv.Client("https://myvault.vault.azure.net", cred) as client:
        client.set_secret("db", "s3cr3t")
        print(client.get_secret("db").value)

Every failed call raises a :class:`KvError` subclass (``kv_keyvault.errors``), one per ``KV_STATUS_*`` of
kv.h. The native library is found through ``KV_LIBRARY``, then inside the installed package, then
in the kv repository's build (see ``kv_keyvault._native``); its version must equal ``kv.__version__``.
"""
from __future__ import annotations

from pathlib import Path

from . import errors
from ._cancel import Cancellation
from ._cache import CachedSecret, SecretCache, SecretCacheStats
from ._certificates import (
    Certificate,
    CertificateFormat,
    CertificateOperation,
    CertificatePolicy,
    Contact,
    Issuer,
    LifetimeAction,
)
from ._client import Client, ItemIterator
from ._logging import CallDiagnostics, disable_logging, enable_logging
from ._credentials import (
    AccessToken,
    AzureCliCredential,
    AzureSdkCredential,
    CallbackCredential,
    ClientCertificateCredential,
    ClientSecretCredential,
    Credential,
    DefaultAzureCredential,
    EnvironmentCredential,
    ManagedIdentityCredential,
    StaticTokenCredential,
    SupportsGetToken,
    WorkloadIdentityCredential,
)
from ._ffi import (
    EncryptionAlgorithm,
    KeyCurve,
    KeyReleaseAlgorithm,
    KeyRotationAction,
    KeyType,
    SignatureAlgorithm,
    Status,
)
from ._models import (
    CryptoResult,
    Key,
    KeyAttestation,
    KeyReleasePolicy,
    KeyRotationLifetimeAction,
    KeyRotationPolicy,
    Secret,
)
from ._native import LIBRARY_PATH as _LIBRARY_PATH
from ._native import lib as _lib
from ._version import __version__
from .errors import *  # noqa: F401,F403  (one exception class per KV_STATUS_*)
# kv.TimeoutError (also a built-in TimeoutError) is left out of __all__, so that a star import
# does not shadow the built-in.
from .errors import TimeoutError as TimeoutError  # noqa: A004


def library_path() -> Path:
    """The path of the libkv that was loaded."""
    return _LIBRARY_PATH


def library_version() -> str:
    """The loaded libkv's version (kv_version); always equal to ``__version__``."""
    return str(_lib.kv_version().decode("utf-8"))


__all__ = [
    "AccessToken",
    "AzureCliCredential",
    "AzureSdkCredential",
    "CallbackCredential",
    "ClientCertificateCredential",
    "ClientSecretCredential",
    "DefaultAzureCredential",
    "EnvironmentCredential",
    "ManagedIdentityCredential",
    "WorkloadIdentityCredential",
    "Certificate",
    "CertificateFormat",
    "CertificateOperation",
    "CertificatePolicy",
    "CallDiagnostics",
    "Cancellation",
    "Client",
    "Contact",
    "CryptoResult",
    "Credential",
    "EncryptionAlgorithm",
    "Issuer",
    "ItemIterator",
    "Key",
    "KeyAttestation",
    "KeyCurve",
    "KeyReleaseAlgorithm",
    "KeyReleasePolicy",
    "KeyRotationAction",
    "KeyRotationLifetimeAction",
    "KeyRotationPolicy",
    "KeyType",
    "LifetimeAction",
    "Secret",
    "CachedSecret",
    "SecretCache",
    "SecretCacheStats",
    "SignatureAlgorithm",
    "StaticTokenCredential",
    "Status",
    "SupportsGetToken",
    "__version__",
    "disable_logging",
    "enable_logging",
    "errors",
    "library_path",
    "library_version",
]
__all__ += errors.__all__
