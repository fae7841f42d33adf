"""Benchmark: switch pushes, as ratios against a baseline measured in the same run.

1. fleet vs one switch (engine): with the engine of ``hisops_switch_config_fleet``
   (``switchrun.run_parallel``: worker processes, threads in each), side by side:
   a. full push: an empty switch brought to the baseline (about 120 commands), ONE switch,
      then 50 switches at once;
   b. change: one department's VLAN renumbered (new VLAN, old one removed, access port moved:
      the everyday push), ONE switch, then the same 50 at once.
   Target: 50 switches in at most 2x the wall time of one.
2. fleet vs one switch (playbook): the full push through ``ansible-playbook
   playbooks/switch_config.yml`` with ``hisops_switch_parallel=50`` (adds Ansible: start-up,
   inventory, validating and rendering every switch, the module's own process). Target: the
   fleet through the playbook within 2x the engine's full push to as many switches
   (``ratio_to_engine``).
3. Huawei VRP vs Cisco IOS per switch: median full push to one emulated switch of each vendor,
   one after the other. Target: Huawei within 1.5x of Cisco (no 2-second waits).

Every switch is emulated on 127.0.0.1 (``python -m lab.switches``), started here on free ports
and stopped at the end. Real switches each have their own CPU; the emulators share this
machine's cores with hisops, so they run as ``--emulators`` processes (default: one per core;
``--emulators 1`` puts every switch in one single-threaded process, which then becomes the
bottleneck). The intended configurations are rendered once, before any timing (rendering is
Ansible's template lookup, not the engine). The CPU seconds that hisops and the emulators
used during each fleet push are printed with the figures. Prints one JSON document. Never
asserts on time.

    python -m bench.switch_push [--fleet 50] [--repeat 5] [--emulators N] [--processes N] [--skip-playbook]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

# The tests' set-up first: Ansible's collection loader for hisops.him (ansible.cfg's
# collections_path), and a throw-away results store for the playbook runs.
import tests.conftest  # noqa: F401

# isort: split
from ansible_collections.hisops.him.plugins.module_utils.switchrun import run_parallel

from tests.unit.switch.test_templates import VLANS, render  # the role's templates as Ansible renders them

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = "hisops-lab"
MODELS = {"cisco_ios": "cisco_2960_24TT_L", "huawei_vrp": "huawei_s5735_l24t4s"}


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def start(specs: list[dict[str, Any]], tmp: Path) -> subprocess.Popen[bytes]:
    spec_file = tmp / ("spec-%s.json" % specs[0]["name"])
    spec_file.write_text(json.dumps(specs), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab.switches", "--spec", str(spec_file)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    for spec in specs:
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", spec["port"])) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("emulated switches did not start")
            time.sleep(0.1)
    return proc


# the everyday change: the outpatient department moves from VLAN 110 to VLAN 120
CHANGED_VLANS = {**VLANS, "outpatient": {**VLANS["outpatient"], "id": 120}}


@functools.cache
def intended(vendor: str, change: bool = False) -> str:
    return render(vendor, vlans=CHANGED_VLANS) if change else render(vendor)


def params(spec: dict[str, Any], backup_dir: Path, change: bool = False) -> dict[str, Any]:
    return {
        "name": spec["name"],
        "host": "127.0.0.1",
        "port": spec["port"],
        "vendor": spec["vendor"],
        "username": "admin",
        "password": PASSWORD,
        "secret": PASSWORD,
        "conn_timeout": 30.0,
        "command_timeout": 120.0,
        "state": "present",
        "intended_config": intended(spec["vendor"], change),
        "secrets": [],
        "backup_dir": str(backup_dir),
        "backup_keep": 30,
        "backup_version": "latest",
        "save": True,
        # host keys learnt and checked as the playbook does (its default), in this run's own file
        "known_hosts": str(backup_dir.parent / "engine-known_hosts"),
    }


def push_all(specs: list[dict[str, Any]], backup_dir: Path, change: bool, processes: int) -> tuple[float, int]:
    """Push to every switch at once with the fleet engine; (wall seconds, commands of the first switch)."""
    items = [params(s, backup_dir, change) for s in specs]
    started = time.monotonic()
    results = run_parallel(items, check_mode=False, diff=False, parallel=len(items), processes=processes)
    wall = time.monotonic() - started
    bad = [n for n, r in results.items() if r["failed"] or not r["verified"] or not r["commands"]]
    if bad:
        raise RuntimeError("push failed on %s: %s" % (bad[0], results[bad[0]].get("msg")))
    return wall, len(results[specs[0]["name"]]["commands"])


def push(spec: dict[str, Any], backup_dir: Path, change: bool = False) -> float:
    return push_all([spec], backup_dir, change, processes=1)[0]


def cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of a process (Linux /proc)."""
    fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    """CPU seconds of this process and of its ended children (the fleet's worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def children_cpu() -> float:
    """CPU seconds of this process's ended children (ansible-playbook and its own processes)."""
    t = os.times()
    return t.children_user + t.children_system


def fleet_vs_one(
    specs: list[dict[str, Any]], backup_dir: Path, emulators: list[int], change: bool, processes: int
) -> dict[str, float]:
    single, _ = push_all(specs[:1], backup_dir, change, processes)
    cpu0, emu0 = own_cpu(), sum(cpu_seconds(p) for p in emulators)
    fleet, commands = push_all(specs[1:], backup_dir, change, processes)
    return {
        "commands_per_switch": commands,
        "one_switch_s": round(single, 2),
        "fleet_s": round(fleet, 2),
        "switches": len(specs) - 1,
        "ratio": round(fleet / single, 2),
        # where the fleet's time goes: CPU of hisops (all its processes) and of the emulators
        "fleet_hisops_cpu_s": round(own_cpu() - cpu0, 2),
        "fleet_emulator_cpu_s": round(sum(cpu_seconds(p) for p in emulators) - emu0, 2),
        "hisops_cpu_ms_per_switch": round((own_cpu() - cpu0) * 1000 / (len(specs) - 1), 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }


def playbook(specs: list[dict[str, Any]], tmp: Path, limit: list[str]) -> tuple[float, float]:
    """Full push with ansible-playbook to the switches in ``limit``: (wall seconds, CPU seconds of
    ansible-playbook and all its processes)."""
    hosts = {s["name"]: {"ansible_port": s["port"]} for s in specs}
    # every host belongs to one department (the whole-inventory check, rulebook 七.2): the lab's IT department
    department_file = ROOT / "inventory" / "lab" / "group_vars" / "dept_it" / "department.yml"
    department = yaml.safe_load(department_file.read_text(encoding="utf-8"))["hisops_department"]
    inventory = {
        "all": {
            "children": {
                "dept_it": {"hosts": dict.fromkeys(hosts), "vars": {"hisops_department": department}},
                "switches": {
                    "hosts": hosts,
                    "vars": {
                        "ansible_connection": "local",
                        "ansible_host": "127.0.0.1",
                        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                        "hisops_switch_vendor": "cisco_ios",
                        "hisops_switch_model": MODELS["cisco_ios"],
                        "hisops_switch_username": "admin",
                        "hisops_switch_password": PASSWORD,
                        "hisops_switch_secret": PASSWORD,
                        "hisops_vlans": {"it": {"id": 100, "name": "XXK-IT"}, "outpatient": {"id": 110, "name": "MZ"}},
                        "hisops_switch_ports": [
                            {"port": "FastEthernet0/1", "department": "outpatient", "room": "MZ-101", "host": "ws-1"}
                        ],
                        "hisops_switch_uplinks": [{"port": "GigabitEthernet0/1", "description": "uplink"}],
                    },
                },
            }
        }
    }
    inv = tmp / "bench-inventory.yml"
    inv.write_text(yaml.safe_dump(inventory, allow_unicode=True), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    started, cpu0 = time.monotonic(), children_cpu()
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i", str(inv), "playbooks/switch_config.yml", "--limit", ",".join(limit),
            "-e", "hisops_switch_parallel=50", "-e", "hisops_switch_backup_dir=%s" % (tmp / "pb-backups"),
            "-e", "hisops_switch_command_timeout=120", "-e", "hisops_switch_conn_timeout=30",
            # host keys learnt as on a site's first run, into this run's own file (not the project's)
            "-e", "hisops_switch_known_hosts=%s" % (tmp / "pb-known_hosts"),
        ],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    wall, cpu = time.monotonic() - started, children_cpu() - cpu0
    if proc.returncode != 0:
        raise RuntimeError("ansible-playbook failed: %s" % proc.stdout[-3000:])
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--emulators", type=int, default=os.cpu_count() or 1, help="emulator processes")
    parser.add_argument("--processes", type=int, default=0, help="hisops worker processes (0: the module's default)")
    parser.add_argument("--skip-playbook", action="store_true")
    args = parser.parse_args()
    n = args.fleet + 1
    pb_n = 0 if args.skip_playbook else n
    ports = iter(free_ports(n + pb_n + 2 * args.repeat + 1))
    engine = [{"name": "eng-%03d" % i, "port": next(ports), "vendor": "cisco_ios"} for i in range(n)]
    pbook = [{"name": "pb-%03d" % i, "port": next(ports), "vendor": "cisco_ios"} for i in range(pb_n)]
    vendors = [
        {"name": "%s-%d" % (v[:2], i), "port": next(ports), "vendor": v}
        for i in range(args.repeat)
        for v in ("cisco_ios", "huawei_vrp")
    ]
    warm = {"name": "warm-up", "port": next(ports), "vendor": "cisco_ios"}
    all_specs = [*engine, *pbook, *vendors, warm]
    for s in all_specs:
        s["model"] = MODELS[s["vendor"]]
        intended(s["vendor"]), intended(s["vendor"], True)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        k = max(1, args.emulators)
        procs = [start(all_specs[i::k], tmp) for i in range(k)]
        pids = [p.pid for p in procs]
        try:
            push(warm, tmp / "b")  # imports and first-use costs out of the figures
            figures: dict[str, Any] = {
                "engine_full_push": fleet_vs_one(engine, tmp / "b", pids, False, args.processes),
                "engine_change": fleet_vs_one(engine, tmp / "b", pids, True, args.processes),
            }
            if pbook:
                one, _ = playbook(pbook, tmp, [pbook[0]["name"]])
                fleet, fleet_cpu = playbook(pbook, tmp, [s["name"] for s in pbook[1:]])
                engine_s = figures["engine_full_push"]["fleet_s"]
                figures["playbook_fleet_vs_one"] = {
                    "one_switch_s": round(one, 2), "fleet_s": round(fleet, 2),
                    "switches": len(pbook) - 1, "ratio": round(fleet / one, 2),
                    # target: at most 2x the bare engine's wall time for the same push (this run)
                    "engine_fleet_s": engine_s, "ratio_to_engine": round(fleet / engine_s, 2),
                    "fleet_cpu_s": round(fleet_cpu, 2),
                    "cpu_ms_per_switch": round(fleet_cpu * 1000 / (len(pbook) - 1), 1),
                    "load_average_1min": round(os.getloadavg()[0], 1),
                }  # fmt: skip
            times: dict[str, list[float]] = {"cisco_ios": [], "huawei_vrp": []}
            for spec in vendors:
                times[spec["vendor"]].append(push(spec, tmp / "b"))
            cisco, huawei = statistics.median(times["cisco_ios"]), statistics.median(times["huawei_vrp"])
            figures["per_switch_huawei_vs_cisco"] = {
                "cisco_ios_median_s": round(cisco, 2), "huawei_vrp_median_s": round(huawei, 2),
                "runs": args.repeat, "ratio": round(huawei / cisco, 2),
            }  # fmt: skip
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=20)
    figures["cpu_cores"] = os.cpu_count()
    figures["emulator_processes"] = k
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
