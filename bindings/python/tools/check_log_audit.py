"""Checks a KV_LOG_AUDIT_FILE (every kv log record of a test run, one per line) against the
secrets the tests listed (one per line): exit 1 when a record holds one, or when there are no
records or no secrets to check (then the check would prove nothing).

    python3 check_log_audit.py RECORDS_FILE SECRETS_FILE
"""
from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    records = Path(sys.argv[1]).read_text(encoding="utf-8", errors="replace").splitlines()
    secrets = sorted({s for s in Path(sys.argv[2]).read_text(encoding="utf-8").splitlines() if s})
    if not records or not secrets:
        print("check_log_audit: %d records, %d secrets: nothing was checked" % (len(records), len(secrets)))
        return 1
    leaks = [(i + 1, s) for i, line in enumerate(records) for s in secrets if s in line]
    for line_no, secret in leaks:
        print("check_log_audit: record %d holds the secret %r..." % (line_no, secret[:4]))
    if leaks:
        return 1
    print("check_log_audit: %d records, %d secrets, none in any record" % (len(records), len(secrets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
