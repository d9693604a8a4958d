#!/usr/bin/env python3
"""README.md's code, for the tests that run it.

    python3 scripts/readme.py block NAME    # print the code block marked <!-- test: NAME -->
    python3 scripts/readme.py check         # every shell command in README.md is run by a test
    python3 scripts/readme.py commands      # list README.md's shell command lines

`block`: a fenced code block preceded (on the line before its fence) by `<!-- test: NAME -->`
is printed exactly, so a test can compile or run the README's own program (the quickstarts).

`check`: every line of every ```sh block must be run by a test: it must appear, exactly (trailing
`# comment` and surrounding blanks aside), as a line of one of the scripts the test run executes
(TESTED below), unless it

  * sets a variable the user chooses (`NAME=value` or `export NAME=value`) and a tested script
    sets or exports the same variable (with a test value), or
  * runs `az` (Azure CLI: it talks to Azure, which the tests never do), or
  * is `bash scripts/test.sh`, the test run itself (`.ci/run` runs it).

Exit status 1, with the offending lines, when one is not covered.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# Scripts that scripts/test.sh runs (directly or as a stage), whose lines count as tested.
TESTED = ["scripts/test_install.sh", "scripts/demo.sh", "scripts/build_wheel.sh"]
SELF_RUN = {"bash scripts/test.sh"}

FENCE = re.compile(r"^```(\w*)\s*$")
MARK = re.compile(r"^<!--\s*test:\s*([\w.-]+)\s*-->\s*$")
# A line that only sets a variable (not `NAME=value command`).
ASSIGN = re.compile(r"""^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(?:"[^"]*"|'[^']*'|[^\s"']*)$""")
EXPORT = re.compile(r"^export(?:\s+[A-Za-z_][A-Za-z0-9_]*)+$")


def blocks(text: str) -> list[tuple[str, str | None, list[str]]]:
    """(language, test mark or None, lines) of every fenced block."""
    out: list[tuple[str, str | None, list[str]]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang = m.group(1)
        mark = None
        if i > 0:
            mm = MARK.match(lines[i - 1])
            mark = mm.group(1) if mm else None
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        out.append((lang, mark, lines[i + 1 : j]))
        i = j + 1
    return out


def strip_comment(line: str) -> str:
    """The command without a trailing `  # comment` (a # preceded by blanks, outside quotes)."""
    quote = None
    for k, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (k == 0 or line[k - 1] in " \t"):
            return line[:k].strip()
    return line.strip()


def commands(text: str) -> list[str]:
    cmds = []
    for lang, _mark, lines in blocks(text):
        if lang != "sh":
            continue
        for line in lines:
            cmd = strip_comment(line)
            if cmd:
                cmds.append(cmd)
    return cmds


def check() -> int:
    tested_lines: set[str] = set()
    assigned: set[str] = set()
    for rel in TESTED:
        for line in (ROOT / rel).read_text(encoding="utf-8").splitlines():
            cmd = strip_comment(line)
            tested_lines.add(cmd)
            m = ASSIGN.match(cmd)
            if m:
                assigned.add(m.group(1))
            elif EXPORT.match(cmd):
                assigned.update(cmd.split()[1:])
    missing = []
    cmds = commands(README.read_text(encoding="utf-8"))
    for cmd in cmds:
        if cmd in tested_lines or cmd in SELF_RUN or cmd.split()[0] == "az":
            continue
        m = ASSIGN.match(cmd)
        if m and m.group(1) in assigned:
            continue
        missing.append(cmd)
    if missing:
        print("README.md commands that no test runs (add them, verbatim, to one of %s):" % ", ".join(TESTED))
        for cmd in missing:
            print("  " + cmd)
        return 1
    print("README.md: all %d shell command lines are run by tests" % len(cmds))
    return 0


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    if len(argv) == 2 and argv[0] == "block":
        found = [lines for _lang, mark, lines in blocks(text) if mark == argv[1]]
        if len(found) != 1:
            print("README.md has %d blocks marked <!-- test: %s -->" % (len(found), argv[1]), file=sys.stderr)
            return 1
        sys.stdout.write("\n".join(found[0]) + "\n")
        return 0
    if argv == ["check"]:
        return check()
    if argv == ["commands"]:
        print("\n".join(commands(text)))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
