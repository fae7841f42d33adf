#!/usr/bin/env python3
"""Report generation at hospital-group scale, side by side with a baseline.

1. Generates a SQLite results store per scenario (``--scenario``, default all):
   - ``hospital``: 10,000 hosts x 40 controls x 12 runs, one a month in 2026 (4.8 million
     control results);
   - ``year``: the yearly report of a daily schedule (issue 17), 1,000 hosts x 40 controls x 365
     runs, one a day from 1 January 2026 (14.6 million control results);
   or ``--hosts N --runs N`` of your own (more than 12 runs are a daily schedule),
   through the store's own schema (``open_store`` creates it), filled by bulk insert with what the
   writer adds to each record (its predecessor: ``store.history``) and the per-run counts it keeps
   (``store.counts``).
2. Times, each in a fresh process with its peak RSS:
   - baseline: a naive full dump of ``control_results`` to CSV with the sqlite3 CLI
     (the cheapest possible "report": no aggregation, no formatting);
   - the HTML report (``hisops-report --format html``);
   - the XLSX report (``--format xlsx``);
   and prints absolute figures, ratios to the baseline and whether each report is within the
   limits (issues 5 and 17: HTML and XLSX each under 10 s of CPU and 1 GB). No timed asserts: the
   figures are for a human.

Usage: python bench/report_scale.py [--scenario hospital|year|all] [--repeat N] [--keep DIR] [--store FILE]
       python bench/report_scale.py --hosts N [--controls N] [--runs N]   (a store of your own size)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ansible.plugins.loader import init_plugin_loader

init_plugin_loader()  # Ansible's collection loader finds hisops.him (ansible.cfg's collections_path)

from ansible_collections.hisops.him.plugins.plugin_utils.store import counts, open_store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

DEPARTMENTS = [
    ("outpatient", "门诊部", "张丽"),
    ("inpatient", "住院部", "李强"),
    ("laboratory", "检验科", "赵敏"),
    ("radiology", "放射科", "孙浩"),
    ("pharmacy", "药剂科", "周静"),
    ("finance", "财务科", "吴芳"),
    ("it", "信息科", "王伟"),
]


def control_ids(n: int) -> list[str]:
    import yaml

    catalog = yaml.safe_load((ROOT / "group_vars" / "all" / "controls.yml").read_text(encoding="utf-8"))
    ids = [k for k, v in catalog["hisops_control_catalog"].items() if v.get("kind") == "automated"]
    ids += ["HIM-9.%d-bench" % i for i in range(1, max(0, n - len(ids)) + 1)]
    return ids[:n]


def run_start(r: int, runs: int) -> str:
    """Run r of a monthly schedule (12 runs or fewer) or of a daily one (more: one a day from 1 January)."""
    if runs <= 12:
        return "2026-%02d-01T02:00:00.000000Z" % (r + 1)
    return (dt.date(2026, 1, 1) + dt.timedelta(days=r)).isoformat() + "T02:00:00.000000Z"


def generate(path: Path, hosts: int, controls: int, runs: int, seed: int = 5) -> int:
    """Fill a new store; return the number of control results."""
    open_store(str(path)).close()  # the store's schema, by its migrations
    rnd = random.Random(seed)
    ids = control_ids(controls)
    # Per-control failure rates between 0.5% and 12%; a few hosts are much worse than the rest.
    fail_rate = {c: rnd.uniform(0.005, 0.12) for c in ids}
    host_names = ["pc-%05d" % i for i in range(hosts)]
    dept_of = {h: DEPARTMENTS[i % len(DEPARTMENTS)] for i, h in enumerate(host_names)}
    bad_host = {h: rnd.random() < 0.03 for h in host_names}
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    indexes = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'control_results' AND sql IS NOT NULL"
    ).fetchall()
    for (sql,) in indexes:
        conn.execute("DROP INDEX %s" % sql.split()[2])
    conn.execute("BEGIN")
    total = 0
    last: dict[tuple[str, str], tuple[str, int | None]] = {}  # what the writer looks up (store.history)
    for r in range(runs):
        started = run_start(r, runs)
        cur = conn.execute(
            "INSERT INTO runs (uuid, started, ended, status, user_name, controller, playbook, inventory, mode, "
            "duration) VALUES (?, ?, ?, 'ok', 'netcenter', 'ctl-01', 'playbooks/compliance_audit.yml', "
            "'inventory/hospital', 'check', 1800.0)",
            ("bench-run-%03d" % r, started, started.replace("T02:", "T02:30:")),
        )
        run_id = cur.lastrowid
        host_rows, asset_rows, control_rows = [], [], []
        for h in host_names:
            code, name, custodian = dept_of[h]
            unreachable = rnd.random() < 0.002
            host_rows.append((run_id, h, code, "workstation", "unreachable" if unreachable else "ok", started))
            if unreachable:
                continue
            asset_rows.append((run_id, h, code, name, custodian, "SN" + h, "Debian", "12", 4, 8192, started))
            for c in ids:
                p = fail_rate[c] * (5 if bad_host[h] else 1)
                x = rnd.random()
                status = "fail" if x < p else "error" if x < p + 0.002 else "exempt" if x > 0.998 else "pass"
                evidence = (
                    json.dumps(["%s: finding %d on %s" % (c, r, h)], ensure_ascii=False) if status != "pass" else "[]"
                )
                previous = last.get((h, c), ("", None))
                last[(h, c)] = (status, run_id)
                control_rows.append((run_id, h, code, c, status, "high", evidence, "[]", "", started, *previous))
        conn.executemany(
            "INSERT INTO host_results (run_id, host, department, kind, status, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            host_rows,
        )
        conn.executemany(
            "INSERT INTO assets (run_id, host, department, department_name, custodian, serial, os, os_version, cpus, "
            "memory_mb, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            asset_rows,
        )
        conn.executemany(
            "INSERT INTO control_results (run_id, host, department, control_id, status, severity, evidence, changes, "
            "message, recorded_at, previous_status, previous_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            control_rows,
        )
        total += len(control_rows)
    conn.execute("COMMIT")
    for (sql,) in indexes:
        conn.execute(sql)
    conn.execute(counts.FILL_SQL)  # the per-run counts the writer keeps (store.counts)
    conn.execute("ANALYZE")
    conn.close()
    return total


def measure(cmd: list[str], stdout: str | None = None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of a command in its own process.

    CPU time is printed beside wall time because the machine is shared: on a loaded machine the
    wall time of the same work grows, its CPU time does not."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        out = open(stdout, "w") if stdout else subprocess.DEVNULL  # noqa: SIM115
        try:
            start = time.perf_counter()
            subprocess.run(["/usr/bin/time", "-v", "-o", tf.name, *cmd], check=True, stdout=out)
            wall = time.perf_counter() - start
        finally:
            if stdout:
                out.close()
        lines = tf.read().splitlines()
    rss_kb = next(int(line.split()[-1]) for line in lines if "Maximum resident" in line)
    cpu = sum(float(line.split()[-1]) for line in lines if "User time" in line or "System time" in line)
    return wall, cpu, rss_kb / 1024


# The scenarios measured by default: a hospital group's monthly runs, and the yearly report of a daily
# schedule (issue 17). Each report must stay under LIMITS.
SCENARIOS = {"hospital": (10000, 40, 12), "year": (1000, 40, 365)}
LIMITS = (10.0, 1024.0)  # CPU seconds and peak MiB per report


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--scenario",
        choices=[*SCENARIOS, "all"],
        default="all",
        help="hospital: 10,000 hosts x 40 controls x 12 monthly runs; year: 1,000 hosts x 40 controls x 365 daily "
        "runs; all (default): both, one after the other",
    )
    ap.add_argument("--hosts", type=int, help="a store of your own size instead of the scenarios (with --runs)")
    ap.add_argument("--controls", type=int, default=40)
    ap.add_argument("--runs", type=int, default=12)
    ap.add_argument("--keep", help="keep the stores and reports in this directory")
    ap.add_argument("--store", help="use this already generated store instead of generating one")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each measurement N times: the table shows the fastest, then every run",
    )
    ap.add_argument(
        "--what-if-index",
        action="store_true",
        help="also add an index control_results (run_id, status) (the schema has one since version 3: kept to compare)",
    )
    return ap.parse_args()


def prepare(args: argparse.Namespace, work: Path, name: str, size: tuple[int, int, int] | None) -> Path:
    """The store of a scenario: the one given, or generated in ``work``."""
    if size is None:
        store = Path(args.store)
        n = sqlite3.connect(str(store)).execute("SELECT COUNT(*) FROM control_results").fetchone()[0]
        print("store: %s, %d control results, %.0f MiB (given)" % (store, n, store.stat().st_size / 2**20))
        return store
    hosts, controls, runs = size
    store = work / ("bench-%s.sqlite" % name)
    if store.exists():
        store.unlink()
    t0 = time.perf_counter()
    n = generate(store, hosts, controls, runs)
    print(
        "store %s: %d hosts x %d controls x %d runs = %d control results, %.0f MiB, generated in %.1f s"
        % (name, hosts, controls, runs, n, store.stat().st_size / 2**20, time.perf_counter() - t0)
    )
    return store


def bench(args: argparse.Namespace, work: Path, store: Path) -> None:
    """Time the baseline and the reports of one store; print the table."""
    if args.what_if_index:
        with sqlite3.connect(str(store)) as conn:
            conn.execute("CREATE INDEX IF NOT EXISTS bench_what_if_run_status ON control_results (run_id, status)")
        print("what-if: index control_results (run_id, status) added")
    print("load average before measuring: %.2f %.2f %.2f (2 cores shared)" % os.getloadavg())
    dump = ["sqlite3", "-csv", "-header", str(store), "SELECT * FROM control_results"]
    runs: dict[str, list[tuple[float, float, float]]] = {}
    loads: dict[str, list[float]] = {}  # the 1-minute load average as each run started
    for _ in range(max(1, args.repeat)):  # interleaved, so a busy moment hits all three alike
        loads.setdefault("baseline: sqlite3 full dump to CSV", []).append(os.getloadavg()[0])
        runs.setdefault("baseline: sqlite3 full dump to CSV", []).append(measure(dump, str(work / "dump.csv")))
        for fmt in ("html", "xlsx"):
            out = work / ("out-" + fmt)
            out.mkdir(exist_ok=True)
            cmd = [sys.executable, str(ROOT / "bin" / "hisops-report"), "--store", str(store), "--period", "2026"]
            loads.setdefault("report " + fmt, []).append(os.getloadavg()[0])
            runs.setdefault("report " + fmt, []).append(measure([*cmd, "--format", fmt, "--out", str(out)]))
    figures = {name: min(samples) for name, samples in runs.items()}  # the fastest run of each
    base = figures["baseline: sqlite3 full dump to CSV"]
    print("%-38s %8s %8s %9s %8s %8s %8s" % ("", "wall s", "CPU s", "peak MiB", "x wall", "x CPU", "x mem"))
    for name, (wall, cpu, rss) in figures.items():
        print(
            "%-38s %8.2f %8.2f %9.0f %8.2f %8.2f %8.2f"
            % (name, wall, cpu, rss, wall / base[0], cpu / max(base[1], 0.01), rss / base[2])
        )
    if args.repeat > 1:
        print("every run (wall s / CPU s / peak MiB, load average at its start):")
        for name, samples in runs.items():
            pairs = zip(samples, loads[name], strict=True)
            each = ", ".join("%.2f/%.2f/%.0f (%.2f)" % (*sample, load) for sample, load in pairs)
            print("  %-36s %s" % (name, each))
    for name, (_wall, cpu, rss) in figures.items():
        if name.startswith("report"):
            verdict = "within" if cpu < LIMITS[0] and rss < LIMITS[1] else "OVER"
            print("%s: %s the limits (%.0f s CPU, %.0f MiB)" % (name, verdict, *LIMITS))
    sizes = {p.name: p.stat().st_size for p in work.glob("out-*/*") if p.is_file()}
    for name, size in sorted(sizes.items()):
        print("output %-60s %8.1f MiB" % (name, size / 2**20))


def main() -> int:
    args = parse_args()
    if not shutil.which("sqlite3"):
        print("the baseline needs the sqlite3 CLI (apt-get install sqlite3)", file=sys.stderr)
        return 2
    work = Path(args.keep or tempfile.mkdtemp(prefix="hisops-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.store:
        plan: dict[str, tuple[int, int, int] | None] = {"given": None}
    elif args.hosts:
        plan = {"custom": (args.hosts, args.controls, args.runs)}
    else:
        plan = {k: v for k, v in SCENARIOS.items() if args.scenario in (k, "all")}
    for name, size in plan.items():
        folder = work / name
        folder.mkdir(exist_ok=True)
        bench(args, folder, prepare(args, folder, name, size))
    if not args.keep:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
