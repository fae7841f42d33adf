"""Benchmark: switch pushes, as ratios against a baseline measured in the same run.

1. fleet vs one switch (engine): a full push (empty switch -> baseline) to ONE switch, then to
   50 switches at once, with the engine of ``hisops_switch_config_fleet`` (threads in one
   process). Target: 50 switches in at most 2x the wall time of one.
2. fleet vs one switch (playbook): the same through ``ansible-playbook playbooks/switch_config.yml``
   with ``hisops_switch_parallel=50`` (includes Ansible's per-host task overhead).
3. Huawei VRP vs Cisco IOS per switch: median full push to one emulated switch of each vendor,
   one after the other. Target: Huawei within 1.5x of Cisco (no 2-second waits).

Every switch is emulated on 127.0.0.1 (``python -m lab.switches``), started here on free ports
and stopped at the end. Prints one JSON document with the figures. Never asserts on time.

    python bench/switch_push.py [--fleet 50] [--repeat 5] [--skip-playbook]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "unit" / "switch"), str(ROOT)]

import conftest  # noqa: E402,F401 - makes ansible.module_utils.hisops and the plugins importable
from ansible.module_utils.hisops.switchrun import SwitchConfig  # noqa: E402
from test_templates import render  # noqa: E402 - renders the role's templates like Ansible does

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
    spec_file = tmp / "spec.json"
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


def params(spec: dict[str, Any], backup_dir: Path) -> dict[str, Any]:
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
        "intended_config": render(spec["vendor"]),
        "secrets": [],
        "backup_dir": str(backup_dir),
        "backup_keep": 30,
        "backup_version": "latest",
        "save": True,
    }


def push(spec: dict[str, Any], backup_dir: Path) -> float:
    started = time.monotonic()
    result = SwitchConfig(params(spec, backup_dir)).run()
    assert result["verified"] and result["commands"], spec["name"]
    return time.monotonic() - started


def cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of a process (Linux /proc)."""
    fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine_fleet(specs: list[dict[str, Any]], backup_dir: Path, emulator: int) -> dict[str, float]:
    single = push(specs[0], backup_dir)
    fleet = specs[1:]
    cpu0, emu0 = time.process_time(), cpu_seconds(emulator)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(fleet)) as pool:
        list(pool.map(lambda s: push(s, backup_dir), fleet))
    wall = time.monotonic() - started
    return {
        "one_switch_s": round(single, 2),
        "fleet_s": round(wall, 2),
        "switches": len(fleet),
        "ratio": round(wall / single, 2),
        # where the fleet's time goes: CPU of hisops (one process, threads) and of the emulator
        "fleet_client_cpu_s": round(time.process_time() - cpu0, 2),
        "fleet_emulator_cpu_s": round(cpu_seconds(emulator) - emu0, 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }


def playbook(specs: list[dict[str, Any]], tmp: Path, limit: list[str]) -> float:
    hosts = {s["name"]: {"ansible_port": s["port"]} for s in specs}
    inventory = {
        "all": {
            "children": {
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
                }
            }
        }
    }
    inv = tmp / "bench-inventory.yml"
    inv.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    started = time.monotonic()
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i", str(inv), "playbooks/switch_config.yml", "--limit", ",".join(limit),
            "-e", "hisops_switch_parallel=50", "-e", "hisops_switch_backup_dir=%s" % (tmp / "pb-backups"),
            "-e", "hisops_switch_command_timeout=120", "-e", "hisops_switch_conn_timeout=30",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError("ansible-playbook failed: %s" % proc.stdout[-3000:])
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
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
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        proc = start(all_specs, tmp)
        try:
            push(warm, tmp / "b")  # imports and first-use costs out of the figures
            figures: dict[str, Any] = {"engine_fleet_vs_one": engine_fleet(engine, tmp / "b", proc.pid)}
            if pbook:
                one = playbook(pbook, tmp, [pbook[0]["name"]])
                fleet = playbook(pbook, tmp, [s["name"] for s in pbook[1:]])
                figures["playbook_fleet_vs_one"] = {
                    "one_switch_s": round(one, 2), "fleet_s": round(fleet, 2),
                    "switches": len(pbook) - 1, "ratio": round(fleet / one, 2),
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
            proc.terminate()
            proc.wait(timeout=20)
    figures["cpu_cores"] = os.cpu_count()
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
