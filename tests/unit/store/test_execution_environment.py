"""execution-environment.yml builds with ansible-builder (v3) and carries the project's pins."""

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
    assert deps["python_interpreter"]["python_path"].endswith("python3.12")


@pytest.mark.component
def test_ansible_builder_creates_the_build_context(tmp_path: Path) -> None:
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
    assert 'ARG PYCMD="/usr/bin/python3.12"' in containerfile
    shipped = (tmp_path / "ctx" / "_build" / "requirements.txt").read_text()
    assert shipped == (ROOT / "requirements.txt").read_text()
    bindep = (tmp_path / "ctx" / "_build" / "bindep.txt").read_text()
    assert "openssh-clients [platform:rpm]" in bindep
