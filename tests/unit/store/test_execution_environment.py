"""execution-environment.yml builds with ansible-builder (v3) and carries the project's pins.

The real build, and a job run in the image, are tests/system/test_execution_environment.py."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

# each test carries its layer: unit, or component where it runs an Ansible command

ROOT = Path(__file__).resolve().parents[3]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


@pytest.mark.unit
def test_ee_definition_matches_the_pins() -> None:
    ee = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    assert ee["version"] == 3
    deps = ee["dependencies"]
    pins = _pins()
    assert deps["ansible_core"]["package_pip"] == "ansible-core==" + pins["ansible-core"]
    assert deps["ansible_runner"]["package_pip"] == "ansible-runner==" + pins["ansible-runner"]
    assert deps["python"] == "requirements.txt"
    # Debian 13's Python (ee/base/rootfs.sh debootstraps trixie): ansible-core 2.21 runs on it
    assert deps["python_interpreter"]["python_path"] == "/opt/ee-python/bin/python3"
    assert " trixie " in (ROOT / "ee" / "base" / "rootfs.sh").read_text()
    # the built artifact, installed in the last step (the Python layers stay cached)
    steps = ee["additional_build_steps"]["append_final"]
    assert "COPY _build/collection/hisops-him.tar.gz /tmp/hisops-him.tar.gz" in steps
    assert any(s.startswith("RUN ansible-galaxy collection install --no-deps /tmp/hisops-him.tar.gz") for s in steps)


@pytest.mark.component
def test_ansible_builder_creates_the_build_context(tmp_path: Path) -> None:
    """The context holds the built collection, the pins, the lock and Debian's system packages."""
    from lab.ee import build_artifact

    artifact = build_artifact()
    builder = Path(sys.executable).parent / "ansible-builder"
    proc = subprocess.run(
        [str(builder), "create", "-f", str(ROOT / "execution-environment.yml"), "-c", str(tmp_path / "ctx")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (tmp_path / "ctx" / "Containerfile").read_text()
    pins = _pins()
    refs = re.search(r'ARG ANSIBLE_INSTALL_REFS="([^"]+)"', containerfile).group(1).split()
    assert refs == ["ansible-core==" + pins["ansible-core"], "ansible-runner==" + pins["ansible-runner"]]
    assert 'ARG PYCMD="/opt/ee-python/bin/python3"' in containerfile
    assert 'ARG PKGMGR="/usr/local/sbin/ee-apt"' in containerfile
    build = tmp_path / "ctx" / "_build"
    assert (build / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert (build / "constraints" / "constraints.txt").read_text() == (ROOT / "constraints.txt").read_text()
    assert (build / "collection" / "hisops-him.tar.gz").read_bytes() == artifact.read_bytes()
    assert "openssh-client [platform:dpkg]" in (build / "bindep.txt").read_text()
    assert containerfile.index("RUN /output/scripts/assemble") < containerfile.index(
        "COPY _build/collection/hisops-him.tar.gz"
    )
