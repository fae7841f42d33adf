#!/usr/bin/env python3
"""Bench: the same playbook on the lab with and without the hisops_recorder callback.

bench/recorder_overhead.yml (about 20 tasks, 40 control records per host, check mode) runs
against the lab workstations, alternately WITHOUT the recorder (HISOPS_RECORDER_ENABLED=false) and
WITH it (SQLite store in a temp dir, the default back-end), ROUNDS pairs. The report: each
pair's wall time, controller CPU time (ansible-playbook and its workers: less sensitive than
wall time to other load on the machine) and CPU time of ansible-playbook's main process (where
the recorder runs), the medians of each side and their ratios (target <= 1.05), and the rows
the recorder wrote. Nothing changes on the hosts.
No timed assert: numbers to read.

Usage: python bench/recorder_overhead.py [--rounds N] [--limit PATTERN] [--store DSN] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ansible-playbook run in a wrapper that prints the CPU time of its main process at exit: the
# recorder runs there (not in the forked workers), so this figure isolates its cost.
MAIN_CPU_WRAPPER = """
import atexit, os, resource, runpy, sys
def _report():
    u = resource.getrusage(resource.RUSAGE_SELF)
    os.write(2, b"HISOPS_MAIN_CPU=%.4f\\n" % (u.ru_utime + u.ru_stime))
atexit.register(_report)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_once(limit: str, record: bool, store: str, inventory: str | None = None) -> tuple[float, float, float]:
    """(wall s, CPU s of ansible-playbook and the workers it waited for, CPU s of its main process)."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        # without: the plugin is loaded (its import is counted) but switches itself off
        HISOPS_RECORDER_ENABLED="true" if record else "false",
        HISOPS_STORE=store,
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
    )
    playbook_cli = str(Path(sys.executable).parent / "ansible-playbook")
    cmd = [sys.executable, "-c", MAIN_CPU_WRAPPER, playbook_cli, "bench/recorder_overhead.yml", "-l", limit]
    if inventory:  # another inventory (e.g. local-connection hosts): the play runs on all its hosts
        cmd += ["-i", inventory, "-e", "bench_hosts=all"]
    cpu0, start = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed, cpu = time.perf_counter() - start, children_cpu() - cpu0
    if proc.returncode != 0 or "ok=" not in proc.stdout:  # a run that reached no host is no figure
        sys.exit("bench run failed (rc %d):\n%s" % (proc.returncode, (proc.stdout + proc.stderr)[-2000:]))
    main_cpu = float(proc.stderr.rsplit("HISOPS_MAIN_CPU=", 1)[1].split()[0])
    return elapsed, cpu, main_cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="pairs of runs (default 5)")
    ap.add_argument("--limit", default="workstations_linux", help="host pattern (default workstations_linux)")
    ap.add_argument("--store", help="results store of the recorded runs (default: a temp SQLite file)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--inventory", help="another inventory than the lab's (the play then targets all its hosts)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hisops-bench-")
    store = args.store or str(Path(tmp) / "results.sqlite")
    run_once(args.limit, True, store, args.inventory)  # warm-up: SSH control sockets, caches, store creation
    pairs = []  # (wall without, wall with, cpu without, cpu with, main cpu without, main cpu with)
    for i in range(args.rounds):
        # alternate which side goes first, so a drift in machine load hits both sides alike
        order = (False, True) if i % 2 == 0 else (True, False)
        times = {rec: run_once(args.limit, rec, store, args.inventory) for rec in order}
        off, on = times[False], times[True]
        pairs.append((off[0], on[0], off[1], on[1], off[2], on[2]))
        print(
            "round %d: wall %.2f -> %.2f s (x%.3f), controller CPU %.2f -> %.2f s (x%.3f), main process %.2f -> %.2f s"
            % (i + 1, off[0], on[0], on[0] / off[0], off[1], on[1], on[1] / off[1], off[2], on[2])
        )
    figures = {}
    for name, a, b in (("wall", 0, 1), ("cpu", 2, 3), ("main", 4, 5)):
        without = statistics.median(p[a] for p in pairs)
        with_rec = statistics.median(p[b] for p in pairs)
        figures[name] = {
            "median_without": without,
            "median_with": with_rec,
            "ratio_of_medians": with_rec / without,
            "median_pair_ratio": statistics.median(p[b] / p[a] for p in pairs),
        }
    rows = {}
    if not args.store:
        conn = sqlite3.connect(store)
        for table in ("runs", "host_results", "control_results", "changes"):
            rows[table] = conn.execute("SELECT COUNT(*) FROM %s" % table).fetchone()[0]
        conn.close()
    for name, fig in figures.items():
        print(
            "%-4s median without %.3f s, with %.3f s: ratio of medians %.3f, median of pair ratios %.3f"
            " (target <= 1.05)"
            % (name, fig["median_without"], fig["median_with"], fig["ratio_of_medians"], fig["median_pair_ratio"])
        )
    if rows:
        print("rows written over %d recorded runs: %s" % (args.rounds + 1, rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"pairs": pairs, "figures": figures, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
