#!/usr/bin/env python3
"""Bench: rotating the department passwords of the lab workstations against a ping of them (issue 16).

  (a) rotate  playbooks/rotate_passwords.yml with a rotation requested for every department of
              the hosts: new passwords into the store, set on every host in one pass, verified,
              completed (register rows written)
  (b) steady  the same playbook when nothing is due (each host's account verified, no change)
  (c) ping    `ansible workstations_linux -m ping` (the floor: start Ansible, connect, one module)

Interleaved, ROUNDS times, after a warm-up that creates the accounts; the report is the median
wall time of each, the ratios rotate/ping and steady/ping (target: at most 3x) and the median of
the per-round ratios (robust when the machine's load changes between rounds), with the load
average. The store is a throw-away directory, the runs are recorded into a throw-away results
store; the department accounts the bench created are removed at the end. Run under
`flock /tmp/hisops-lab.lock` (it uses the shared lab). No timed assert: the numbers are for reading.
Usage: python -m bench.password_rotation [--rounds N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.workstation_audit import timed

ROOT = Path(__file__).resolve().parent.parent
HOSTS = "workstations_linux"
DEPARTMENTS = ("outpatient", "inpatient")  # the departments of the lab's Linux workstations


def commands(store_dir: Path) -> dict[str, list[str]]:
    rotate = ["ansible-playbook", "playbooks/rotate_passwords.yml", "-e", "hisops_password_store_dir=%s" % store_dir]
    return {
        "rotate": [*rotate, "-e", json.dumps({"hisops_password_rotate": list(DEPARTMENTS)})],
        "steady": rotate,
        "ping": ["ansible", HOSTS, "-m", "ansible.builtin.ping"],
    }


def remove_accounts() -> None:
    for code in DEPARTMENTS:
        subprocess.run(
            ["ansible", HOSTS, "-m", "ansible.builtin.user", "-a", "name=%s_admin state=absent remove=true" % code],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    work = Path(tempfile.mkdtemp(prefix="hisops-bench-passwords-"))
    os.environ["HISOPS_STORE"] = str(work / "results.sqlite")  # never the project's results store
    cmds = commands(work / "store")
    try:
        timed(cmds["ping"])  # warm up: SSH control masters, Python caches
        timed(cmds["steady"])  # first set-up: the accounts and version 1
        times: dict[str, list[float]] = {name: [] for name in cmds}
        loads = []
        for _ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            for name, argv in cmds.items():
                times[name].append(timed(argv))
    finally:
        remove_accounts()
    med = {name: statistics.median(values) for name, values in times.items()}
    figures = {
        "hosts": HOSTS,
        "rounds": args.rounds,
        "load_average_1min": [round(x, 2) for x in loads],
        "median_seconds": {k: round(v, 2) for k, v in med.items()},
        "all_seconds": {k: [round(x, 2) for x in v] for k, v in times.items()},
        "rotate_over_ping": round(med["rotate"] / med["ping"], 2),
        "steady_over_ping": round(med["steady"] / med["ping"], 2),
        "paired_rotate_over_ping": round(
            statistics.median(r / p for r, p in zip(times["rotate"], times["ping"], strict=True)), 2
        ),
        "paired_steady_over_ping": round(
            statistics.median(s / p for s, p in zip(times["steady"], times["ping"], strict=True)), 2
        ),
    }
    print("department password rotation, %s, median of %d rounds (load %s)" % (HOSTS, args.rounds, loads))
    for name in cmds:
        print("  %-6s %6.2f s   %s" % (name, med[name], " ".join("%.2f" % x for x in times[name])))
    print(
        "  rotate/ping = %.2fx, steady/ping = %.2fx (target <= 3x)"
        % (figures["rotate_over_ping"], figures["steady_over_ping"])
    )
    print(
        "  paired (median of per-round ratios): rotate/ping = %.2fx, steady/ping = %.2fx"
        % (figures["paired_rotate_over_ping"], figures["paired_steady_over_ping"])
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
