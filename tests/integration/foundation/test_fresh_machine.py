"""Set-up on a bare Debian 12: the package list (system-packages.txt) is complete.

A machine that already has the tools hides a missing package (issue: netavark needs iptables,
which it only recommends). So this builds a throwaway Debian 12 with debootstrap (minbase plus
Python: what a fresh machine has), runs set-up's package step in it as a podman container, and
checks that every command the lab and the tests call then resolves. It needs the network to the
Debian mirror apt already uses, and takes a few minutes: it runs in the full suite only
(`-m system`, a stage of tests/run_all.sh).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab import cli
from lab.podman import debian_mirror

pytestmark = pytest.mark.system
ROOT = Path(__file__).resolve().parents[3]
RELEASE = "bookworm"
# What a fresh Debian 12 machine has: the minimal base system and Python.
DEBOOTSTRAP = ["debootstrap", "--variant=minbase", "--include=python3", RELEASE]
# In a container no service may start from a package's maintainer script (no init runs there);
# Debian's documented switch for that is a policy-rc.d that answers 101.
NO_SERVICES = "printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d"


def podman(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], env=cli.podman_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def bare_image() -> Iterator[str]:
    """A podman image of a bare Debian 12, built once per recipe and kept for later runs."""
    if shutil.which("debootstrap") is None or shutil.which("podman") is None:
        pytest.fail("debootstrap and podman are needed to build the bare system: run './hisops setup'")
    tag = "localhost/hisops-bare:%s-%s" % (RELEASE, hashlib.sha256(" ".join(DEBOOTSTRAP).encode()).hexdigest()[:12])
    if podman("image", "exists", tag).returncode != 0:
        work = Path(tempfile.mkdtemp(prefix="hisops-bare-", dir="/var/tmp"))
        try:
            rootfs = work / "rootfs"
            boot = subprocess.run(
                [*DEBOOTSTRAP, str(rootfs), debian_mirror()], capture_output=True, text=True, check=False
            )
            assert boot.returncode == 0, "debootstrap failed:\n" + boot.stdout[-3000:] + boot.stderr[-3000:]
            tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
            imp = subprocess.run(
                ["podman", "import", "-", tag],
                stdin=tar.stdout,
                env=cli.podman_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            assert tar.wait() == 0 and imp.returncode == 0, imp.stderr
        finally:
            shutil.rmtree(work, ignore_errors=True)
    yield tag


def in_bare(image: str, script: str) -> subprocess.CompletedProcess[str]:
    """Run a shell script as root in a fresh container of the bare system, the project at /src."""
    return podman("run", "--rm", "--network", "podman", "-v", "%s:/src:ro" % ROOT, image, "bash", "-c", script)


def test_bare_system_lacks_the_tools(bare_image: str) -> None:
    """The check names what is missing and the package that brings it, before anything starts."""
    proc = in_bare(bare_image, "bash /src/hisops check")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = proc.stderr.strip()
    assert line.startswith("hisops: error: missing: podman (package podman), ")
    assert "iptables or nft (package iptables)" in line
    assert "apt-get install podman runc " in line
    assert len(proc.stderr.strip().splitlines()) == 1


def test_package_step_makes_every_command_resolve(bare_image: str) -> None:
    """`./hisops packages` on a bare system installs all it needs; afterwards the check passes,
    and removing one package (iptables, which netavark only recommends) is named again."""
    script = " && ".join(
        [
            NO_SERVICES,
            "bash /src/hisops packages",
            "bash /src/hisops check",
            # the very tools the lab calls, resolved the way it calls them
            "podman --version && runc --version >/dev/null && debootstrap --version && iptables --version",
            "test -x /usr/lib/podman/netavark && /usr/lib/podman/netavark --version",
            "ssh -V && command -v ssh-keygen && chromium --version",
            "DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq iptables >/dev/null",
            "{ bash /src/hisops check; test $? -eq 2; }",
        ]
    )
    proc = in_bare(bare_image, script)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert "system packages complete: every command in system-packages.txt resolves" in out
    assert "netavark" in out
    # after iptables was removed, the check named it and the package
    removed = "hisops: error: missing: iptables or nft (package iptables); install them with 'apt-get install iptables'"
    assert removed in out
