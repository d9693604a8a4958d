"""Turns one run of bench/run.sh into figures: prints the table (ratios to the floor measured in
the same run, the goals of issue 10 beside them), writes bench/results/latest.json, draws
docs/bench.png (matplotlib) and rewrites README.md between <!-- bench:begin --> and <!-- bench:end -->.

    python bench/report.py --raw RAW.jsonl --mode quick|default [--nginx V] [--wrk V]
    python bench/report.py --from-json bench/results/latest.json     # redraw from saved results

Environment: KV_BENCH_SKIP_README=1 leaves README.md and docs/bench.png alone.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
PLOT = ROOT / "docs" / "bench.png"
README = ROOT / "README.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

LABELS = {
    "floor": "raw HTTP floor (wrk)",
    "kv-c": "kv through C",
    "kv-python": "kv through Python",
    "kv-go": "kv through Go",
    "rust-sdk": "Azure SDK for Rust",
    "go-sdk": "Azure SDK for Go",
    "python-sdk": "Azure SDK for Python",
}
ORDER = ["kv-c", "rust-sdk", "kv-go", "go-sdk", "kv-python", "python-sdk"]


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = "%.0f GiB" % (kb / 1024 / 1024)
    except (OSError, AttributeError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "kernel": platform.release(),
            "os": platform.platform(terse=True)}


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        # The run's own outputs (README block, plot, results) do not make the measured code dirty.
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!README.md", ":!docs/bench.png", ":!bench/results"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def versions() -> dict:
    """Versions of the official SDKs as installed by this run."""
    out = {}
    lock = ROOT / "bench" / "rust-sdk" / "Cargo.lock"
    if lock.exists():
        text = lock.read_text()
        for crate in ("azure_security_keyvault_secrets", "azure_core"):
            m = re.search(r'name = "%s"\nversion = "([^"]+)"' % crate, text)
            if m:
                out[crate] = m.group(1)
    gomod = ROOT / "bench" / "go-sdk" / "go.mod"
    if gomod.exists():
        m = re.search(r"azsecrets (v\S+)", gomod.read_text())
        if m:
            out["azsecrets"] = m.group(1)
    try:
        from importlib.metadata import version

        out["azure-keyvault-secrets"] = version("azure-keyvault-secrets")
        out["azure-core"] = version("azure-core")
    except Exception:  # noqa: BLE001 - the report is still useful without it
        pass
    return out


def per_call(pair_n, pair_v):
    """(v2 - v1) / (n2 - n1): the cost of one warm call, start-up and first call cancelled out.
    None (shown as n/a) when the longer run cost less than the shorter one: the difference is then
    noise larger than the calls (a garbage collector's work landing in one run only), not a cost."""
    if not pair_v or None in pair_v or pair_n[1] == pair_n[0]:
        return None
    v = (pair_v[1] - pair_v[0]) / (pair_n[1] - pair_n[0])
    return v if v >= 0 else None


def derive(raw: list[dict]) -> dict:
    by: dict[str, dict] = {}
    for r in raw:
        by.setdefault(r["client"], {}).update({r["what"]: r["data"]})
    floor = {**by.get("floor", {}).get("wrk", {}), **by.get("floor", {}).get("first", {})}
    clients = {}
    for name in ORDER:
        d = by.get(name, {})
        t, rss, cost = d.get("throughput", {}), d.get("rss", {}), d.get("cost", {})
        c = {
            "seq_ops": t.get("seq_ops"),
            "mt16_ops": t.get("mt16_ops"),
            "first_call_us": t.get("first_call_us"),
            "rss_client_kb": (rss["rss_first_kb"] - rss["rss_base_kb"]) if rss else None,
            "rss_more_client_kb": ((rss["rss_more_kb"] - rss["rss_first_kb"]) / rss["more_clients"])
            if rss.get("more_clients") else None,
            # Growth over the second n calls (the first n warm the process up); the ramp is what
            # the warm-up added after its first 1,000 calls (a runtime reaching its steady heap).
            "rss_growth_kb": (rss["rss_end_kb"] - rss.get("rss_mid_kb", rss["rss_warm_kb"])) if rss else None,
            "rss_ramp_kb": (rss["rss_mid_kb"] - rss["rss_warm_kb"]) if "rss_mid_kb" in rss else None,
            "rss_calls": rss.get("calls"),
            "instructions_per_call": per_call(cost.get("grind_n"), cost.get("instructions")) if cost else None,
            "syscalls_per_call": per_call(cost.get("n"), cost.get("syscalls")) if cost else None,
            "threads_per_call": per_call(cost.get("n"), cost.get("clones")) if cost else None,
            "raw": d,
        }
        c.update(d.get("cached", {}))
        c.pop("note", None)
        c.update(d.get("verify", {}))
        clients[name] = c
    return {"floor": floor, "clients": clients}


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, digits=0, suffix=""):
    if v is None:
        return "n/a"
    if abs(v) < 0.5 * 10 ** -digits:
        v = 0.0 * digits if digits else 0  # no "-0.00"
    if isinstance(v, float) and digits:
        return "%s%s" % (format(v, ",.%df" % digits), suffix)
    return "%s%s" % (format(round(v), ","), suffix)


def goals(res: dict) -> list[tuple[str, str, bool | None]]:
    f, c = res["floor"], res["clients"]
    kc, kg, kp = c["kv-c"], c["kv-go"], c["kv-python"]
    out = []

    def goal(text, value, ok):
        out.append((text, value, ok if value != "n/a" else None))

    r = ratio(kc["seq_ops"], f.get("t1c1_ops"))
    goal("sequential get through C ≥ 0.90× floor", fmt(r, 2, "×") if r else "n/a", r is not None and r >= 0.90)
    r = ratio(kc["seq_ops"], c["rust-sdk"]["seq_ops"])
    goal("sequential get through C ≥ 1.2× Rust SDK", fmt(r, 2, "×") if r else "n/a", r is not None and r >= 1.2)
    r = ratio(kg["seq_ops"], c["go-sdk"]["seq_ops"])
    goal("Go binding ≥ 1.0× Go SDK", fmt(r, 2, "×") if r else "n/a", r is not None and r >= 1.0)
    r = ratio(kp["seq_ops"], c["python-sdk"]["seq_ops"])
    goal("Python binding ≥ 5× Python SDK", fmt(r, 2, "×") if r else "n/a", r is not None and r >= 5)
    v = kc["instructions_per_call"]
    goal("≤ 40,000 instructions per warm get (C)", fmt(v), v is not None and v <= 40000)
    v = kc["syscalls_per_call"]
    goal("≤ 4 system calls per warm get (C)", fmt(v, 1), v is not None and v <= 4)
    v = kc["threads_per_call"]
    goal("no thread created per call (C)", fmt(v, 2), v is not None and v < 0.01)
    r = ratio(kc["mt16_ops"], f.get("t2c16_ops"))
    goal("16 threads on one client ≥ 0.5× floor (wrk -t2 -c16)", fmt(r, 2, "×") if r else "n/a",
         r is not None and r >= 0.5)
    v = kc.get("verify_local_us")
    goal("local ES256 verify ≤ 80 µs (CPU time)", fmt(v, 1, " µs") if v else "n/a", v is not None and v <= 80)
    v1, v16 = kc.get("cached_1t_ops"), kc.get("cached_16t_ops")
    goal("cached get through C ≥ 2,000,000/s on one thread", fmt(v1) if v1 else "n/a",
         v1 is not None and v1 >= 2_000_000)
    v2 = kc.get("cached_2t_ops")
    if v2 is not None:
        goal("cached get grows with threads (2 vs 1; 16 vs 1, on %s cores)" % res.get("machine", {}).get("cores", "?"),
             "%s; %s" % (fmt(ratio(v2, v1), 2, "×") if v1 else "n/a", fmt(ratio(v16, v1), 2, "×") if v1 and v16 else "n/a"),
             v1 is not None and v16 is not None and v2 > v1 and v16 > v1)
    else:
        goal("cached get grows with threads (16 vs 1)", fmt(ratio(v16, v1), 2, "×") if v1 and v16 else "n/a",
             v1 is not None and v16 is not None and v16 > v1)
    r = ratio(kc["first_call_us"], f.get("first_call_us"))
    goal("first call ≤ 1.2× the minimum round trips (TCP + TLS + 401 + GET)", fmt(r, 2, "×") if r else "n/a",
         r is not None and r <= 1.2)
    v, first = kc.get("rss_more_client_kb"), kc["rss_client_kb"]
    goal("RSS per client ≤ 2 MB (C; each further client, the first pays %s kB once for the process)"
         % (fmt(first, 0) if first is not None else "n/a"),
         fmt(v, 0, " kB") if v is not None else "n/a", v is not None and v <= 2048)
    v, n = kc["rss_growth_kb"], kc["rss_calls"]
    goal("no RSS growth over %s calls (C; after as many warm-up calls; %s)" % (fmt(n), no_leak_rule(n)),
         fmt(v, 0, " kB") if v is not None else "n/a", no_leak(v, n))
    v, n, g = kg["rss_growth_kb"], kg["rss_calls"], kg["raw"].get("rss", {})
    raw = (g["rss_end_raw_kb"] - g["rss_mid_raw_kb"]) if "rss_mid_raw_kb" in g else None
    goal("no RSS growth over %s calls (Go binding; after as many warm-up calls, which added %s kB after "
         "their first 1,000; samples after runtime.GC + FreeOSMemory, without them %s; %s)"
         % (fmt(n), fmt(kg["rss_ramp_kb"]), fmt(raw, 0, " kB") if raw is not None else "n/a", no_leak_rule(n)),
         fmt(v, 0, " kB") if v is not None else "n/a", no_leak(v, n))
    return out


# "No growth" as a benchmark can tell it: less than LEAK_BYTES_PER_CALL bytes per call (one 4 kB
# page per 1,000 calls). The smallest leak there is, one block per call, keeps at least 16 bytes in
# Go's heap (its tiny allocator's block) or 32 in malloc's (its smallest chunk): 1.6 MB and more per
# 100,000 calls. Below the bound is what a garbage-collected heap moves by between two samples with
# the same live objects: kv's Go binding's settled RSS goes up or down by up to ~430 kB, all of it
# in the Go heap's pages (bench/README.md).
LEAK_BYTES_PER_CALL = 4


def no_leak(growth_kb, calls) -> bool:
    return growth_kb is not None and bool(calls) and growth_kb * 1024 < LEAK_BYTES_PER_CALL * calls


def no_leak_rule(calls) -> str:
    bound = LEAK_BYTES_PER_CALL * calls / 1024 if calls else None
    return "under %d bytes a call: < %s kB, the smallest leak is ≥ 16 bytes a call" % (
        LEAK_BYTES_PER_CALL, fmt(bound, 0))


def tables(res: dict) -> str:
    f, c = res["floor"], res["clients"]
    lines = [
        "| client | get ops/s | × floor | 16 threads ops/s | × floor (16 conn) | first call µs | × min. "
        "| RSS first client kB | RSS further client kB | warm-up ramp kB | growth kB over %s calls | instr./call "
        "| syscalls/call | threads/call |" % fmt(c["kv-c"]["rss_calls"]),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        "| %s | %s | 1.00 | %s | 1.00 | %s | 1.00 | | | | | | | |" % (
            LABELS["floor"], fmt(f.get("t1c1_ops")), fmt(f.get("t2c16_ops")), fmt(f.get("first_call_us"))),
    ]
    for name in ORDER:
        x = c[name]
        growth = fmt(x["rss_growth_kb"])
        if x["rss_calls"] and x["rss_calls"] != c["kv-c"]["rss_calls"]:
            growth += " (%s calls)" % fmt(x["rss_calls"])
        bold = "**" if name.startswith("kv") else ""
        lines.append("| %s%s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            bold, LABELS[name], bold, fmt(x["seq_ops"]), fmt(ratio(x["seq_ops"], f.get("t1c1_ops")), 2),
            fmt(x["mt16_ops"]), fmt(ratio(x["mt16_ops"], f.get("t2c16_ops")), 2), fmt(x["first_call_us"]),
            fmt(ratio(x["first_call_us"], f.get("first_call_us")), 2), fmt(x["rss_client_kb"]), fmt(x.get("rss_more_client_kb")),
            fmt(x.get("rss_ramp_kb")), growth, fmt(x["instructions_per_call"]), fmt(x["syscalls_per_call"], 1),
            fmt(x["threads_per_call"], 2)))
    kc = c["kv-c"]
    lines += [
        "",
        "| kv through C | figure |",
        "|---|---:|",
        "| cached get, 1 thread (ops/s) | %s |" % fmt(kc.get("cached_1t_ops")),
        "| cached get, 2 threads (ops/s) | %s |" % fmt(kc.get("cached_2t_ops")),
        "| cached get, 16 threads (ops/s) | %s |" % fmt(kc.get("cached_16t_ops")),
        "| ES256 verify, local (µs of CPU; wall: %s) | %s |" % (fmt(kc.get("verify_local_wall_us"), 1),
                                                              fmt(kc.get("verify_local_us"), 1)),
        "| ES256 verify, in the vault on loopback (µs) | %s |" % fmt(kc.get("verify_vault_us"), 1),
    ]
    series = c["kv-go"]["raw"].get("rss-series")
    if series:
        lines += [
            "",
            "| kv through Go: calls on one client | %s |" % " | ".join(fmt(n) for n in series["calls"]),
            "|---|" + "---:|" * len(series["calls"]),
            "| RSS after runtime.GC + FreeOSMemory, kB | %s |" % " | ".join(fmt(v) for v in series["rss_kb"]),
        ]
    lines += [
        "",
        "| goal (issue 10) | this run | met |",
        "|---|---:|:---:|",
    ]
    for text, value, ok in goals(res):
        lines.append("| %s | %s | %s |" % (text, value, "—" if ok is None else ("yes" if ok else "no")))
    return "\n".join(lines)


def plot(res: dict, subtitle: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f, c = res["floor"], res["clients"]
    names = ORDER
    labels = [LABELS[n] for n in names]
    colors = ["#1f77b4" if n.startswith("kv") else "#9e9e9e" for n in names]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    for ax, key, fkey, title in (
        (axes[0], "seq_ops", "t1c1_ops", "sequential get_secret, one client"),
        (axes[1], "mt16_ops", "t2c16_ops", "16 threads, one client"),
    ):
        vals = [c[n][key] or 0 for n in names]
        bars = ax.barh(labels, vals, color=colors)
        for b, v in zip(bars, vals):
            ax.text(b.get_width(), b.get_y() + b.get_height() / 2, " %s" % format(round(v), ","), va="center",
                    fontsize=8)
        if f.get(fkey):
            ax.axvline(f[fkey], color="#d62728", linestyle="--", linewidth=1.2)
            ax.text(f[fkey], 1.01, "floor %s" % format(round(f[fkey]), ","), color="#d62728", fontsize=8,
                    ha="center", transform=ax.get_xaxis_transform())
        ax.set_title(title, fontsize=10, pad=14)
        ax.set_xlabel("calls per second (higher is better)")
        ax.invert_yaxis()
        ax.set_xlim(0, max(vals + [f.get(fkey) or 0]) * 1.25)
    fig.suptitle("kv vs the official Azure SDKs, canned TLS endpoint on loopback\n" + subtitle, fontsize=10)
    fig.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)


def update_readme(block: str) -> None:
    text = README.read_text()
    body = "%s\n%s\n%s" % (BEGIN, block, END)
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: body, text, flags=re.S)
    else:
        section = "## Performance\n\n%s\n\n" % body
        text = text.replace("## API reference", section + "## API reference", 1) if "## API reference" in text \
            else text.rstrip("\n") + "\n\n" + section
    README.write_text(text)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw")
    ap.add_argument("--from-json")
    ap.add_argument("--mode", default="default")
    ap.add_argument("--nginx", default="")
    ap.add_argument("--wrk", default="")
    a = ap.parse_args()
    if a.from_json:
        res = json.loads(Path(a.from_json).read_text())
        if res.get("raw"):  # the figures are derived again (same rules as a fresh run)
            res.update(derive(res["raw"]))
    else:
        raw = []
        for line in Path(a.raw).read_text().splitlines():
            try:
                raw.append(json.loads(line))
            except ValueError:
                print("report.py: a measurement failed (its figures show as n/a): %s" % line, file=sys.stderr)
        res = derive(raw)
        res.update({
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "mode": a.mode, "machine": machine(), "commit": git_commit(), "versions": versions(),
            "endpoint": {"nginx": a.nginx, "wrk": a.wrk}, "raw": raw,
        })
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(res, indent=1) + "\n")
    m = res["machine"]
    where = "%s, %s cores, %s, Linux %s" % (m["cpu"] or "unknown CPU", m["cores"], m["memory"], m["kernel"])
    subtitle = "%s · %s · %s run · kv %s" % (res["date"], where, res["mode"], res["commit"])
    table = tables(res)
    print()
    print("kv benchmark, " + subtitle)
    print(table)
    print("\nraw results: %s" % RESULTS.relative_to(ROOT))
    if os.environ.get("KV_BENCH_SKIP_README") == "1":
        return 0
    plot(res, subtitle)
    v = res.get("versions", {})
    sdks = ", ".join("%s %s" % kv for kv in v.items())
    block = "\n".join([
        "Measured on %s (%s run of `bash bench/run.sh`, kv at %s). Official SDKs: %s." % (
            res["date"], res["mode"], res["commit"], sdks or "see bench/results/latest.json"),
        "Machine: %s. The floor is wrk (-t1 -c1 for one client, -t2 -c16 for 16 threads) against the" % where,
        "same nginx endpoint in the same run, and the first-call floor is one new connection doing TLS + 401 +",
        "authorized GET and nothing else; every client reads the same canned secret over kept-alive TLS.",
        "Instructions (callgrind) and system calls (strace -f -c) are per warm call: the difference of two",
        "runs with different call counts. Raw figures: `bench/results/latest.json`.",
        "",
        "![kv vs the Azure SDKs](docs/bench.png)",
        "",
        table,
    ])
    update_readme(block)
    print("plot: %s; README.md Performance section updated" % PLOT.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
