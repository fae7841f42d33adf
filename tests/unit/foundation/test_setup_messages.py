"""Bad set-up gets one clear line, not a traceback."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from lab import cli
from lab.podman import debian_mirror

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]


def test_not_root_is_refused_with_a_fix() -> None:
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", str(ROOT / "hisops"), "setup"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "hisops: error: must run as root (the lab needs podman as root): run 'sudo ./hisops setup'"
    ]


def test_no_python_312_names_what_to_install(tmp_path: Path) -> None:
    # a PATH with bash and coreutils only, and a pyenv root with no 3.12+
    script = f'source <(sed -n "/^find_python()/,/^}}/p" {ROOT / "hisops"}); HOME={tmp_path}; find_python || echo none'
    proc = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, check=False
    )
    # Debian's /usr/bin/python3 is 3.11 and must not be taken
    assert proc.stdout.strip() == "none"


def test_unknown_command_is_one_line() -> None:
    proc = subprocess.run(["bash", str(ROOT / "hisops"), "frobnicate"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr == "hisops: error: unknown command 'frobnicate': try './hisops help'\n"


def test_taken_lab_port_is_named_with_a_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        monkeypatch.setattr(cli, "image_tag", lambda kind: "unused")
        with pytest.raises(cli.LabError, match=f"lab port 127.0.0.1:{port} for ws-x is already in use.*ss -ltnp"):
            cli.start_container(cli.LabHost("ws-x", port, "base", "10.89.210.99"), None)


def test_mirror_is_read_from_apt_sources() -> None:
    mirror = debian_mirror()
    assert mirror.startswith(("http://", "https://", "file:/"))
