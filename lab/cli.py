"""The hisops lab: real Debian 12 and 13 hosts under podman and emulated switches.

The lab is described by the lab inventory (``inventory/lab/hosts.yml``): every host with a
``hisops_lab`` mapping is a container, every switch with ``hisops_lab_switch`` is an
emulated switch. ``up`` is idempotent: it reuses the built image (rebuilt only when the
recipe under ``lab/image`` changes), keeps running containers, replaces stale ones and
removes lab containers that the inventory no longer names.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lab.ee import build_ee
from lab.podman import (
    IMAGE_DIR,
    ROOT,
    STATE,
    LabError,
    build_derived_image,
    build_rootfs_image,
    check_podman_usable,
    image_exists,
    podman,
    podman_env,
    recipe_hash,
    say,
)

INVENTORY = ROOT / "inventory" / "lab" / "hosts.yml"
IMAGE_REPO = "localhost/hisops-lab"
# The database servers with backup tools (issue 15): Debian 12 on the lab's base image and
# Debian 13 from its own debootstrap recipe, in a repository of their own (their tags follow
# lab/image-db, not lab/image).
DB_IMAGE_DIR = ROOT / "lab" / "image-db"
DB_IMAGE_REPO = "localhost/hisops-lab-db"
DB_IMAGE_KINDS = ("db12", "db13")
LABEL = "io.hisops.lab"
NETWORK = "hisops-lab"
SUBNET = "10.89.210.0/24"
SSH_KEY = STATE / "ssh" / "id_ed25519"
SWITCH_PID = STATE / "switches.pid"
SWITCH_LOG = STATE / "switches.log"


@dataclass(frozen=True)
class LabHost:
    name: str
    port: int
    image: str
    ip: str


@dataclass(frozen=True)
class LabSwitch:
    name: str
    port: int
    model: str
    vendor: str


# ---------------------------------------------------------------- inventory ------------
def _walk_hosts(group: dict[str, Any], acc: dict[str, dict[str, Any]]) -> None:
    for name, hvars in (group.get("hosts") or {}).items():
        merged = acc.setdefault(name, {})
        merged.update(hvars or {})
    for child in (group.get("children") or {}).values():
        _walk_hosts(child or {}, acc)


def read_inventory(path: Path = INVENTORY) -> tuple[list[LabHost], list[LabSwitch]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    hosts: dict[str, dict[str, Any]] = {}
    _walk_hosts(data["all"], hosts)
    lab_hosts: list[LabHost] = []
    switches: list[LabSwitch] = []
    for name, hv in sorted(hosts.items()):
        if "hisops_lab" in hv:
            spec = hv["hisops_lab"]
            lab_hosts.append(LabHost(name, int(hv["ansible_port"]), spec.get("image", "base"), spec["ip"]))
        elif "hisops_lab_switch" in hv:
            spec = hv["hisops_lab_switch"]
            switches.append(
                LabSwitch(name, int(hv["ansible_port"]), spec["model"], hv.get("hisops_switch_vendor", "cisco_ios"))
            )
    return lab_hosts, switches


# ---------------------------------------------------------------- image ----------------
def image_tag(kind: str) -> str:
    if kind in DB_IMAGE_KINDS or kind == "trixie":
        return "%s:%s-%s-%s" % (DB_IMAGE_REPO, kind, recipe_hash(DB_IMAGE_DIR), recipe_hash())
    return "%s:%s-%s" % (IMAGE_REPO, kind, recipe_hash())


def build_images() -> None:
    base, db = image_tag("base"), image_tag("db")
    if not image_exists(base):
        build_rootfs_image(IMAGE_DIR / "rootfs.sh", "bookworm", base)
    if not image_exists(db):
        build_derived_image(base, IMAGE_DIR / "Containerfile.db", db)
    prune_old_images({base, db})


def build_db_images(kind: str) -> None:
    """The database server images with backup tools: db12 (on the lab base), db13 (trixie)."""
    build_images()
    base = image_tag("base")
    if kind == "db13":
        base = image_tag("trixie")
        if not image_exists(base):
            build_rootfs_image(DB_IMAGE_DIR / "rootfs-trixie.sh", "trixie", base)
    if not image_exists(image_tag(kind)):
        build_derived_image(base, DB_IMAGE_DIR / "Containerfile", image_tag(kind))


def prune_old_images(keep: set[str]) -> None:
    out = podman("images", "--format", "{{.Repository}}:{{.Tag}}", IMAGE_REPO, check=False)
    for tag in out.split():
        if tag not in keep and tag.startswith(IMAGE_REPO + ":"):
            podman("rmi", "-f", tag, check=False)


# ---------------------------------------------------------------- containers -----------
def lab_containers() -> dict[str, dict[str, Any]]:
    out = podman("ps", "-a", "--filter", "label=%s" % LABEL, "--format", "json")
    result = {}
    for c in json.loads(out or "[]"):
        result[c["Names"][0]] = c
    return result


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def ensure_network() -> None:
    if subprocess.run(["podman", "network", "exists", NETWORK], env=podman_env()).returncode != 0:
        podman("network", "create", "--subnet", SUBNET, "--label", LABEL + "=1", NETWORK)


def ensure_key() -> str:
    if not SSH_KEY.exists():
        SSH_KEY.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hisops-lab", "-f", str(SSH_KEY)], check=True
        )
    return SSH_KEY.with_suffix(".pub").read_text()


def cname(host: LabHost) -> str:
    return "hisops-lab-" + host.name


def start_container(host: LabHost, existing: dict[str, Any] | None) -> None:
    tag = image_tag(host.image)
    if existing:
        same = existing.get("Image") == tag and existing.get("Labels", {}).get(LABEL + ".port") == str(host.port)
        if same and existing.get("State") == "running":
            return
        podman("rm", "-f", "-t", "0", cname(host))
    if port_in_use(host.port):
        raise LabError(
            "lab port 127.0.0.1:%d for %s is already in use by another program: "
            "find it with \"ss -ltnp 'sport = :%d'\" and stop it" % (host.port, host.name, host.port)
        )
    podman(
        "run",
        "-d",
        "--name",
        cname(host),
        "--hostname",
        host.name,
        "--label",
        LABEL + "=1",
        "--label",
        "%s.port=%d" % (LABEL, host.port),
        "--network",
        NETWORK,
        "--ip",
        host.ip,
        "-p",
        "127.0.0.1:%d:22" % host.port,
        "--systemd",
        "always",
        "--stop-signal",
        "SIGRTMIN+3",
        tag,
        "/sbin/init",
    )


def install_key(host: LabHost, pubkey: str) -> None:
    podman(
        "exec",
        "-i",
        cname(host),
        "sh",
        "-c",
        "install -d -m 700 /root/.ssh && cat > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys",
        stdin=pubkey.encode(),
    )


def ssh_banner(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.settimeout(3)
            return sock.recv(64).startswith(b"SSH-")
    except OSError:
        return False


def container_diagnosis(host: LabHost) -> str:
    """What a technician needs when a lab host does not answer: its state and its last console lines."""
    state = podman("inspect", "--format", "{{.State.Status}} (exit {{.State.ExitCode}})", cname(host), check=False)
    logs = subprocess.run(
        ["podman", "logs", "--tail", "8", cname(host)], env=podman_env(), capture_output=True, text=True
    )
    lines = (logs.stdout + logs.stderr).strip().splitlines()[-8:]
    return "%s: container %s; last console lines:\n    %s" % (
        host.name,
        state.strip() or "absent",
        "\n    ".join(lines) or "(none)",
    )


def wait_ssh(hosts: list[LabHost], timeout: float = 90.0) -> None:
    """Wait until every host's sshd sends its banner; on timeout name every host that did not."""
    deadline = time.monotonic() + timeout
    pending = list(hosts)
    while True:
        pending = [host for host in pending if not ssh_banner(host.port)]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise LabError(
                "%d of %d lab hosts did not answer SSH within %.0f s (%s):\n%s"
                % (
                    len(pending),
                    len(hosts),
                    timeout,
                    ", ".join("%s on 127.0.0.1:%d" % (h.name, h.port) for h in pending),
                    "\n".join(container_diagnosis(h) for h in pending),
                )
            )
        time.sleep(0.5)


# ---------------------------------------------------------------- switches -------------
def switches_running() -> bool:
    try:
        pid = int(SWITCH_PID.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def emulator_pids() -> list[int]:
    """Every lab switch emulator on this machine, whichever checkout started it: the lab is one
    per machine (its container names and ports are global), so 'lab down' stops them all."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"-m" in argv and b"lab.switches" in argv and b"--spec" in argv:
            pids.append(int(proc.name))
    return pids


def stop_switches() -> None:
    pids = set(emulator_pids())
    if switches_running():
        pids.add(int(SWITCH_PID.read_text()))
    for pid in pids:
        try:
            os.kill(pid, 15)
        except OSError:
            continue
    for _ in range(50):
        if not any(Path("/proc/%d" % pid).exists() and not zombie(pid) for pid in pids):
            break
        time.sleep(0.1)
    SWITCH_PID.unlink(missing_ok=True)


def zombie(pid: int) -> bool:
    try:
        return Path("/proc/%d/stat" % pid).read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False


def start_switches(switches: list[LabSwitch]) -> None:
    if not switches:
        return
    spec = json.dumps([s.__dict__ for s in switches], sort_keys=True)
    spec_file = STATE / "switches.json"
    if switches_running() and spec_file.exists() and spec_file.read_text() == spec:
        return
    stop_switches()
    for sw in switches:
        if port_in_use(sw.port):
            raise LabError(
                "switch port 127.0.0.1:%d for %s is already in use by another program: "
                "find it with \"ss -ltnp 'sport = :%d'\" and stop it" % (sw.port, sw.name, sw.port)
            )
    spec_file.write_text(spec)
    with open(SWITCH_LOG, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lab.switches", "--spec", str(spec_file)],
            cwd=str(ROOT),
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    SWITCH_PID.write_text(str(proc.pid))
    deadline = time.monotonic() + 30
    for sw in switches:
        while not port_in_use(sw.port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise LabError("the switch emulator did not start: see %s" % SWITCH_LOG.relative_to(ROOT))
            time.sleep(0.1)


# ---------------------------------------------------------------- commands -------------
def cmd_up(_: argparse.Namespace) -> None:
    started = time.monotonic()
    check_podman_usable()
    hosts, switches = read_inventory()
    build_images()
    for kind in sorted({h.image for h in hosts} & set(DB_IMAGE_KINDS)):
        build_db_images(kind)
    ensure_network()
    pubkey = ensure_key()
    existing = lab_containers()
    wanted = {cname(h) for h in hosts}
    for name in sorted(set(existing) - wanted):
        say("removing stale lab container %s" % name)
        podman("rm", "-f", "-t", "0", name)
    for host in hosts:
        start_container(host, existing.get(cname(host)))
    wait_ssh(hosts)
    for host in hosts:
        install_key(host, pubkey)
    start_switches(switches)
    say("lab up: %d hosts, %d switches in %.1f s" % (len(hosts), len(switches), time.monotonic() - started))


def cmd_down(_: argparse.Namespace) -> None:
    stop_switches()
    names = list(lab_containers())
    if names:
        podman("rm", "-f", "-t", "0", *names)
    if subprocess.run(["podman", "network", "exists", NETWORK], env=podman_env()).returncode == 0:
        podman("network", "rm", "-f", NETWORK, check=False)
    say("lab down: removed %d containers" % len(names))


def cmd_status(_: argparse.Namespace) -> None:
    hosts, switches = read_inventory()
    existing = lab_containers()
    for host in hosts:
        c = existing.get(cname(host))
        print("%-12s 127.0.0.1:%-5d %s" % (host.name, host.port, c["State"] if c else "absent"))
    up = switches_running()
    for sw in switches:
        print(
            "%-12s 127.0.0.1:%-5d %s (%s)"
            % (sw.name, sw.port, "running" if up and port_in_use(sw.port) else "down", sw.model)
        )


def cmd_image(args: argparse.Namespace) -> None:
    """Build the lab images when their recipe changed; print the tag of the one asked for."""
    check_podman_usable()
    if args.kind in DB_IMAGE_KINDS:
        build_db_images(args.kind)
    else:
        build_images()
    print(image_tag(args.kind))


def cmd_ee(_: argparse.Namespace) -> None:
    """Build the execution environment when what goes into it changed; print its tag."""
    check_podman_usable()
    print(build_ee())


def cmd_smoke(args: argparse.Namespace) -> None:
    rc = subprocess.run(
        ["ansible-playbook", str(ROOT / "playbooks" / "lab_smoke.yml"), *args.extra], cwd=str(ROOT)
    ).returncode
    if rc:
        raise LabError("the smoke playbook failed (exit %d): see its output above" % rc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hisops lab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="start the lab (idempotent)").set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop the lab and remove its containers").set_defaults(func=cmd_down)
    sub.add_parser("status", help="show the lab's hosts and switches").set_defaults(func=cmd_status)
    image = sub.add_parser("image", help="build the lab images if needed and print a tag")
    image.add_argument("kind", choices=["base", "db", *DB_IMAGE_KINDS])
    image.set_defaults(func=cmd_image)
    sub.add_parser("ee", help="build the AWX execution environment if needed and print its tag").set_defaults(
        func=cmd_ee
    )
    smoke = sub.add_parser("smoke", help="reach every lab host and switch")
    smoke.add_argument("extra", nargs=argparse.REMAINDER)
    smoke.set_defaults(func=cmd_smoke)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except LabError as exc:
        print("hisops lab: error: %s" % exc, file=sys.stderr)
        return 2
    return 0
