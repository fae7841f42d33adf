"""What the lab and the execution environment share: podman, its configuration, image builds.

Both ``lab.cli`` (the lab's hosts and switches) and ``lab.ee`` (the AWX execution
environment) build images with debootstrap and run podman with the configuration written
here; neither depends on the other.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE_DIR = ROOT / "lab" / "image"
STATE = ROOT / ".lab"
CONTAINERS_CONF = """\
# Written by `hisops lab`: runc (crun fails in this sandbox), ulimits the sandbox allows,
# cgroupfs (systemd is not PID 1 on the controller).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""


class LabError(Exception):
    """A problem the operator can fix; printed as one line."""


def say(msg: str) -> None:
    print("==> " + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- podman ---------------
def podman_env() -> dict[str, str]:
    STATE.mkdir(parents=True, exist_ok=True)
    conf = STATE / "containers.conf"
    if not conf.exists() or conf.read_text() != CONTAINERS_CONF:
        conf.write_text(CONTAINERS_CONF)
    env = dict(os.environ)
    env["CONTAINERS_CONF"] = str(conf)
    return env


def podman(*args: str, check: bool = True, capture: bool = True, stdin: bytes | None = None) -> str:
    if shutil.which("podman") is None:
        raise LabError("podman is not installed: run './hisops setup' (or apt-get install podman runc)")
    proc = subprocess.run(
        ["podman", *args],
        env=podman_env(),
        input=stdin,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE,
    )
    if check and proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise LabError("podman %s failed: %s" % (" ".join(args[:2]), err[-1] if err else "exit %d" % proc.returncode))
    return proc.stdout.decode(errors="replace") if capture else ""


def check_podman_usable() -> None:
    try:
        podman("info", "--format", "{{.Host.OCIRuntime.Name}}")
    except LabError as exc:
        raise LabError("podman is not usable (%s): check 'podman info' and that runc is installed" % exc) from None


# ---------------------------------------------------------------- image ----------------
def recipe_hash(folder: Path = IMAGE_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def image_exists(tag: str) -> bool:
    return subprocess.run(["podman", "image", "exists", tag], env=podman_env()).returncode == 0


def debian_mirror(suite: str = "bookworm") -> str:
    """The Debian mirror apt on this machine uses (never a hard-coded host)."""
    texts = []
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if path.is_file():
            texts.append(path.read_text(errors="replace"))
    for text in texts:
        for match in re.finditer(r"^URIs:\s*(\S+)", text, re.M):
            if "security" not in match.group(1):
                return match.group(1)
        for match in re.finditer(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(?:bookworm|%s)\s" % suite, text, re.M):
            return match.group(1)
    raise LabError("no Debian mirror found in the apt sources: configure apt for bookworm first")


def build_rootfs_image(recipe: Path, suite: str, tag: str) -> None:
    """debootstrap a root filesystem with RECIPE and import it as the image TAG."""
    if shutil.which("debootstrap") is None:
        raise LabError("debootstrap is not installed: run './hisops setup'")
    say("building lab image %s with debootstrap (about 2 minutes, once per recipe)" % tag)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="hisops-rootfs-", dir="/var/tmp"))
    try:
        rootfs = work / "rootfs"
        subprocess.run(["bash", str(recipe), str(rootfs), debian_mirror(suite)], check=True)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["podman", "import", "--change", 'CMD ["/sbin/init"]', "-", tag],
            stdin=tar.stdout,
            env=podman_env(),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if tar.wait() != 0:
            raise LabError("tar of the lab rootfs failed")
    except subprocess.CalledProcessError as exc:
        raise LabError("building the lab image failed (%s): see the output above" % exc) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say("image %s built in %.0f s" % (tag, time.monotonic() - started))


def build_derived_image(base: str, containerfile: Path, tag: str) -> None:
    say("building lab image %s" % tag)
    started = time.monotonic()
    podman("build", "-q", "--build-arg", "BASE=" + base, "-f", str(containerfile), "-t", tag, str(containerfile.parent))
    say("image %s built in %.0f s" % (tag, time.monotonic() - started))
