#!/usr/bin/env python3
"""Bench: auditing the workstation controls on the lab workstations, three ways side by side.

  (a) role   the workstation_policy role in check mode (one module round trip per host), without
             the antivirus area (--skip-tags him-7.7-antivirus)
  (a2) role_av  the same with the antivirus area, HIM-7.7, in the same round trip (bench/workstation_audit_av.yml)
  (b) stock  bench/workstation_stock_audit.yml in check mode (one stock-module task per control)
  (c) ping   `ansible workstations_linux -m ping` (the floor: connect + run one module)

All three run against the same hosts, interleaved, ROUNDS times; the report is the median
wall time of each and the ratios stock/role (target >= 5) and role/ping (target <= 2), plus
the median of the per-round ratios (robust when the machine's load changes between rounds).
Nothing changes on the hosts (check mode). The role's runs are recorded, as every playbook run
must be (the playbook stops when it cannot record), into a throw-away SQLite store, never the
project's. No timed assert: the numbers are for reading.
Usage: python bench/workstation_audit.py [--rounds N] [--limit PATTERN] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands(limit: str) -> dict[str, list[str]]:
    return {
        # not recorded (below), so the "run is recorded" pre-flight is off: check mode changes nothing
        "role": [
            "ansible-playbook",
            "playbooks/workstation_policy.yml",
            "--check",
            "-l",
            limit,
            "-e",
            "hisops_validate_recording=false",
            "--skip-tags",
            "him-7.7-antivirus",
        ],
        "role_av": [
            "ansible-playbook",
            "bench/workstation_audit_av.yml",
            "--check",
            "-l",
            limit,
            "-e",
            "hisops_validate_recording=false",
        ],
        "stock": ["ansible-playbook", "bench/workstation_stock_audit.yml", "--check", "-l", limit],
        "ping": ["ansible", limit, "-m", "ansible.builtin.ping"],
    }


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(
            "bench: %s failed (rc=%d):\n%s"
            % (" ".join(argv), proc.returncode, proc.stdout[-2000:] + proc.stderr[-2000:])
        )
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", default="workstations_linux")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    # bench runs are not compliance runs: they are recorded (the playbooks refuse to run
    # unrecorded) into a throw-away store, never the project's
    os.environ["HISOPS_STORE"] = str(Path(tempfile.mkdtemp(prefix="hisops-bench-")) / "results.sqlite")
    cmds = commands(args.limit)
    timed(cmds["ping"])  # warm up: SSH control masters, fact cache, Python caches
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.rounds):
        for name, argv in cmds.items():
            times[name].append(timed(argv))
    med = {name: statistics.median(values) for name, values in times.items()}
    figures = {
        "hosts": args.limit,
        "rounds": args.rounds,
        "median_seconds": {k: round(v, 2) for k, v in med.items()},
        "all_seconds": {k: [round(x, 2) for x in v] for k, v in times.items()},
        "stock_over_role": round(med["stock"] / med["role"], 2),
        "role_over_ping": round(med["role"] / med["ping"], 2),
        "role_av_over_ping": round(med["role_av"] / med["ping"], 2),
        # ratios within each round (the three runs of a round saw the same machine load)
        "paired_stock_over_role": round(
            statistics.median(s / r for s, r in zip(times["stock"], times["role"], strict=True)), 2
        ),
        "paired_role_over_ping": round(
            statistics.median(r / p for r, p in zip(times["role"], times["ping"], strict=True)), 2
        ),
        "paired_role_av_over_ping": round(
            statistics.median(r / p for r, p in zip(times["role_av"], times["ping"], strict=True)), 2
        ),
    }
    print("workstation audit, %s, median of %d rounds" % (args.limit, args.rounds))
    for name in cmds:
        print("  %-6s %6.2f s   %s" % (name, med[name], " ".join("%.2f" % x for x in times[name])))
    print("  stock/role = %.2fx (target >= 5x)" % figures["stock_over_role"])
    print("  role/ping  = %.2fx (target <= 2x)" % figures["role_over_ping"])
    print("  role_av/ping = %.2fx (with HIM-7.7-antivirus; target <= 2x)" % figures["role_av_over_ping"])
    print(
        "  paired (median of per-round ratios): stock/role = %.2fx, role/ping = %.2fx, role_av/ping = %.2fx"
        % (figures["paired_stock_over_role"], figures["paired_role_over_ping"], figures["paired_role_av_over_ping"])
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
