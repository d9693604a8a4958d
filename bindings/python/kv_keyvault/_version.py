"""The package version: always the version of the kv crate (Cargo.toml) it binds."""

__version__ = "0.1.0"
