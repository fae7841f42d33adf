#!/usr/bin/env python3
"""Bench: the workstation audit at fleet scale, against a ping playbook of the same hosts.

Starts HOSTS (default 40) workstation containers from the lab's base image on a podman network
and 127.0.0.1 ports of their own (not the shared lab's: its hosts are neither used nor
touched, and ``hisops lab up`` does not see these containers), then runs, paired and in
alternating order, ROUNDS times:

  audit  ``playbooks/workstation_policy.yml --check`` with the recorder on (a throw-away SQLite
         store): the whole-inventory check, the one-module round trip per host, the recorder;
  ping   bench/ping.yml: one ``ansible.builtin.ping`` task on the same hosts, recorder off
         (the floor: start Ansible, connect, run one module).

Per run: wall time, the controller's CPU time (ansible-playbook and the workers it waited for;
less sensitive to other load than wall time) and the CPU time of ansible-playbook's main
process (where the recorder runs). The figures: medians, CPU per host, and the ratios audit/ping
of the CPU per host (goal <= 2x) and of the wall time (goal <= 1.5x), as medians of the
per-round ratios (each pair saw the same machine load). The containers and the network are
removed at the end (--keep leaves them for another run). No timed assert: figures to read.

40 systemd containers need more inotify instances than the kernel's default
fs.inotify.max_user_instances (128): each container's systemd, journald, logind and udev hold
some, and once they run out sshd does not start in the later containers. The bench raises the
limit (needs root) for its run and puts the old value back at the end.

Usage: python -m bench.workstation_scale [--hosts N] [--rounds N] [--keep] [--json FILE]
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from bench.recorder_overhead import MAIN_CPU_WRAPPER, children_cpu
from lab import cli as lab

ROOT = Path(__file__).resolve().parent.parent
INOTIFY = Path("/proc/sys/fs/inotify/max_user_instances")
# Ample for 40 systemd containers beside the lab and molecule scenarios (each takes about 4).
INOTIFY_WANTED = 2048
BENCH_LABEL = "io.hisops.bench"  # not the lab's label: `hisops lab up` leaves these alone
NETWORK = "hisops-bench"
SUBNET_PREFIX = "10.89.211."  # the lab uses 10.89.210.0/24
PORT_BASE = 23200  # the lab uses 22211-22216 and 22301-22306
DEPARTMENTS = ("dept_outpatient", "dept_inpatient")


def host_names(count: int) -> list[str]:
    return ["bench-ws-%02d" % (i + 1) for i in range(count)]


def container(name: str) -> str:
    return "hisops-" + name


@contextmanager
def inotify_instances(wanted: int) -> Iterator[None]:
    """Raise fs.inotify.max_user_instances to WANTED for the block, then put it back."""
    before = int(INOTIFY.read_text())
    if before >= wanted:
        yield
        return
    try:
        INOTIFY.write_text(str(wanted))
    except OSError as exc:
        sys.exit(
            "bench: fs.inotify.max_user_instances is %d, too few for the bench's systemd containers "
            "(sshd does not start in the later ones); raising it to %d failed (%s): run as root, "
            "or 'sysctl -w fs.inotify.max_user_instances=%d' first" % (before, wanted, exc, wanted)
        )
    print(
        "raised fs.inotify.max_user_instances from %d to %d for the run (systemd containers "
        "exhaust %d; sshd would not start in the later ones)" % (before, wanted, before),
        flush=True,
    )
    try:
        yield
    finally:
        INOTIFY.write_text(str(before))
        print("fs.inotify.max_user_instances back to %d" % before, flush=True)


def remove_containers(names: list[str]) -> None:
    existing = lab.podman("ps", "-a", "--filter", "label=%s" % BENCH_LABEL, "--format", "{{.Names}}").split()
    doomed = [c for c in existing if c in {container(n) for n in names}]
    if doomed:
        lab.podman("rm", "-f", "-t", "0", *doomed)
    if subprocess.run(["podman", "network", "exists", NETWORK], env=lab.podman_env()).returncode == 0:
        lab.podman("network", "rm", "-f", NETWORK, check=False)


def start_containers(names: list[str], image: str, pubkey: str) -> None:
    """Start one container per name (port PORT_BASE+i), wait for SSH, install the lab's key."""
    lab.podman("network", "create", "--subnet", SUBNET_PREFIX + "0/24", "--label", BENCH_LABEL + "=1", NETWORK)
    hosts = []
    for i, name in enumerate(names):
        port = PORT_BASE + i + 1
        if lab.port_in_use(port):
            sys.exit("bench: 127.0.0.1:%d is in use: stop what holds it, or run with fewer --hosts" % port)
        lab.podman(
            "run", "-d", "--name", container(name), "--hostname", name, "--label", BENCH_LABEL + "=1",
            "--network", NETWORK, "--ip", SUBNET_PREFIX + str(11 + i), "-p", "127.0.0.1:%d:22" % port,
            "--systemd", "always", "--stop-signal", "SIGRTMIN+3", image, "/sbin/init",
        )  # fmt: skip
        hosts.append(lab.LabHost(name, port, "base", SUBNET_PREFIX + str(11 + i)))
    lab.wait_ssh(hosts, timeout=60.0 + 3.0 * len(hosts))
    for name in names:
        lab.podman(
            "exec", "-i", container(name), "sh", "-c",
            "install -d -m 700 /root/.ssh && cat > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys",
            stdin=pubkey.encode(),
        )  # fmt: skip


def write_inventory(folder: Path, names: list[str]) -> Path:
    """An inventory of the bench hosts in the lab's groups, with the lab's group_vars."""
    hosts = {
        name: {
            "ansible_port": PORT_BASE + i + 1,
            # the lab's connection.yml finds the key next to the lab inventory: here, say where
            "ansible_ssh_private_key_file": str(lab.SSH_KEY),
            # the lab's value names nc-01's address, and nc-01 is not in this inventory: the bench
            # network's gateway stands in (the audit reads freshclam's configuration, fetches nothing)
            "hisops_antivirus_mirror_url": "http://%s1" % SUBNET_PREFIX,
        }
        for i, name in enumerate(names)
    }
    departments: dict[str, dict[str, dict[str, None]]] = {d: {"hosts": {}} for d in DEPARTMENTS}
    for i, name in enumerate(names):
        departments[DEPARTMENTS[i % len(DEPARTMENTS)]]["hosts"][name] = None
    data = {
        "all": {
            "children": {
                "departments": {"children": departments},
                "workstations": {"children": {"workstations_linux": {"hosts": hosts}}},
                "linux_hosts": {"children": {"workstations_linux": None}},
            }
        }
    }
    (folder / "hosts.yml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (folder / "group_vars").symlink_to(ROOT / "inventory" / "lab" / "group_vars")
    return folder


def forks() -> int:
    """Ansible's forks for these runs (ANSIBLE_FORKS, else ansible.cfg, else Ansible's 5)."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "ansible.cfg")
    return int(os.environ.get("ANSIBLE_FORKS") or cfg.get("defaults", "forks", fallback="5"))


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall s, controller CPU s, CPU s of ansible-playbook's main process) of one playbook run."""
    playbook_cli = str(Path(sys.executable).parent / "ansible-playbook")
    cpu0, start = children_cpu(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", MAIN_CPU_WRAPPER, playbook_cli, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed, cpu = time.perf_counter() - start, children_cpu() - cpu0
    if proc.returncode != 0 or re.search(r"(unreachable|failed)=[1-9]", proc.stdout):
        sys.exit("bench: %s failed (rc %d):\n%s" % (argv[0], proc.returncode, (proc.stdout + proc.stderr)[-3000:]))
    main_cpu = float(proc.stderr.rsplit("HISOPS_MAIN_CPU=", 1)[1].split()[0])
    return elapsed, cpu, main_cpu


def measure(inventory: Path, hosts: int, rounds: int, work: Path) -> dict[str, object]:
    base = dict(os.environ)
    base.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_INVENTORY=str(inventory),
        ANSIBLE_CACHE_PLUGIN_CONNECTION=str(work / "facts"),  # not the project's fact cache
        HISOPS_STORE=str(work / "results.sqlite"),
        PATH=str(Path(sys.executable).parent) + os.pathsep + base.get("PATH", ""),
    )
    runs = {
        "audit": (["playbooks/workstation_policy.yml", "--check"], {**base, "HISOPS_RECORDER_ENABLED": "true"}),
        "ping": (["bench/ping.yml"], {**base, "HISOPS_RECORDER_ENABLED": "false"}),
    }
    for argv, env in runs.values():  # warm-up: SSH control masters, the store, Python caches
        run_once(argv, env)
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runs}
    for i in range(rounds):
        order = list(runs) if i % 2 == 0 else list(reversed(runs))  # load drift hits both alike
        for name in order:
            figures[name].append(run_once(*runs[name]))
        audit, ping = figures["audit"][-1], figures["ping"][-1]
        print(
            "round %d: wall audit %.2f s, ping %.2f s (x%.2f); controller CPU audit %.2f s, ping %.2f s (x%.2f); "
            "main process audit %.2f s, ping %.2f s"
            % (i + 1, audit[0], ping[0], audit[0] / ping[0], audit[1], ping[1], audit[1] / ping[1], audit[2], ping[2]),
            flush=True,
        )
    med = {name: [statistics.median(r[k] for r in rows) for k in range(3)] for name, rows in figures.items()}
    paired = {
        k: statistics.median(a[i] / p[i] for a, p in zip(figures["audit"], figures["ping"], strict=True))
        for i, k in enumerate(("wall", "cpu", "main_cpu"))
    }
    return {
        "hosts": hosts,
        "rounds": rounds,
        "forks": forks(),
        "runs": {name: [[round(x, 3) for x in r] for r in rows] for name, rows in figures.items()},
        "median": {name: {"wall": m[0], "cpu": m[1], "main_cpu": m[2]} for name, m in med.items()},
        "cpu_per_host": {name: med[name][1] / hosts for name in runs},
        "paired_ratio": paired,
    }


def report(fig: dict[str, object]) -> None:
    med, per_host, paired = fig["median"], fig["cpu_per_host"], fig["paired_ratio"]
    print(
        "workstation audit at scale: %d hosts, %d forks, median of %d paired rounds"
        % (fig["hosts"], fig["forks"], fig["rounds"])
    )
    for name in ("audit", "ping"):
        m = med[name]
        print(
            "  %-5s wall %6.2f s   controller CPU %6.2f s (%.3f s per host)   main process %5.2f s"
            % (name, m["wall"], m["cpu"], per_host[name], m["main_cpu"])
        )
    print("  audit/ping CPU per host = %.2fx (goal <= 2x)" % paired["cpu"])
    print("  audit/ping wall         = %.2fx (goal <= 1.5x)" % paired["wall"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=40, help="workstation containers (default 40)")
    ap.add_argument("--rounds", type=int, default=3, help="paired rounds (default 3)")
    ap.add_argument("--keep", action="store_true", help="leave the containers running at the end")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    if shutil.which("podman") is None:
        sys.exit("bench: podman is not installed: run './hisops setup'")
    names = host_names(args.hosts)
    image = lab.image_tag("base")
    if not lab.image_exists(image):
        sys.exit("bench: the lab image %s is missing: run './hisops lab image base' first" % image)
    work = Path(tempfile.mkdtemp(prefix="hisops-bench-scale-"))
    with inotify_instances(INOTIFY_WANTED):
        remove_containers(names)  # left over by an interrupted run
        try:
            started = time.monotonic()
            start_containers(names, image, lab.ensure_key())
            print("%d containers up in %.0f s" % (args.hosts, time.monotonic() - started), flush=True)
            (work / "inventory").mkdir()
            fig = measure(write_inventory(work / "inventory", names), args.hosts, args.rounds, work)
        finally:
            if not args.keep:
                remove_containers(names)
            shutil.rmtree(work, ignore_errors=True)
    report(fig)
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
