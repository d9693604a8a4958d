#!/usr/bin/env python3
"""Counts the tests in one stage's output of scripts/test.sh: prints "PASSED FAILED SKIPPED".

Recognised lines (a stage may contain several; they add up):
  cargo test   "test result: ok. 16 passed; 0 failed; 2 ignored; ..."      (ignored = skipped)
  pytest       "76 passed, 2 skipped in 15.7s" (with or without the ==== frame; "error(s)" = failed)
  kv's own     "N passed, M failed, K skipped", optionally after "label: " (the C++ kv_test
               harness, bindings/go/run_tests.sh's go test -json summary, the C examples)
A stage with none of these prints "0 0 0" (scripts/test.sh then counts the stage as one test).

  python3 scripts/count_tests.py STAGE_OUTPUT_FILE
"""
from __future__ import annotations

import re
import sys

CARGO = re.compile(r"^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored;")
OWN = re.compile(r"(?:^|: )(\d+) passed, (\d+) failed, (\d+) skipped$")
PYTEST = re.compile(r"^=*\s*((?:\d+ (?:passed|failed|skipped|errors?|deselected|xfailed|xpassed|warnings?)"
                    r"(?:, )?)+) in [\d.]+s(?: \([^)]*\))?\s*=*$")
PYTEST_ITEM = re.compile(r"(\d+) (passed|failed|skipped|errors?|deselected|xfailed|xpassed|warnings?)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def count(lines: list[str]) -> tuple[int, int, int]:
    passed = failed = skipped = 0
    for raw in lines:
        line = ANSI.sub("", raw).strip()
        m = CARGO.match(line)
        if m:
            passed += int(m[1])
            failed += int(m[2])
            skipped += int(m[3])
            continue
        m = OWN.search(line)
        if m:
            passed += int(m[1])
            failed += int(m[2])
            skipped += int(m[3])
            continue
        m = PYTEST.match(line)
        if m:
            for n, kind in PYTEST_ITEM.findall(m[1]):
                if kind in ("passed", "xpassed"):
                    passed += int(n)
                elif kind in ("failed", "error", "errors"):
                    failed += int(n)
                elif kind in ("skipped", "xfailed"):
                    skipped += int(n)
    return passed, failed, skipped


def main() -> int:
    with open(sys.argv[1], encoding="utf-8", errors="replace") as fh:
        print(*count(fh.read().splitlines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
