"""The target-side workstation code gives the same results under the oldest target Python.

ansible-core runs modules on targets with Python 3.8 and later (hospital workstations on
UOS/Kylin ship old ones). oldest_python.py runs every case of cases_linux.yml with the
standard library only; here it runs under Python 3.8 (pyenv or PATH) and under the
controller's Python, and the records, diffs and commands must be identical.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .data import controls_for
from .test_workstation_linux import CASES, TODAY

pytestmark = pytest.mark.unit

OLDEST = (3, 8)
MODULE = "ansible_collections.hisops.him.tests.unit.workstation.oldest_python"
COLLECTIONS = Path(__file__).resolve().parents[3] / "collections"


def oldest_python() -> str | None:
    """python3.8 from PATH or pyenv's versions directory (the pyenv shim alone does not work)."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", "%d.%d.*" % OLDEST, "bin", "python%d.%d" % OLDEST)))
    if found:
        return found[-1]
    path = shutil.which("python%d.%d" % OLDEST)
    if path and subprocess.run([path, "-c", "pass"], capture_output=True, check=False).returncode == 0:
        return path
    return None


def run(python: str) -> dict:
    cases = {n: c for n, c in CASES.items() if "@pin@" not in json.dumps(c, ensure_ascii=False)}
    payload = json.dumps({"controls": controls_for(), "cases": cases, "today": TODAY.isoformat()}, default=str)
    # -E -s: none of the controller's PYTHON* variables or user site; the module is found by its
    # collection name from the project's collections folder, as Ansible ships it to a target.
    proc = subprocess.run(
        [python, "-E", "-s", "-m", MODULE],
        input=payload,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=COLLECTIONS,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_same_results_under_the_oldest_target_python() -> None:
    python = oldest_python()
    if python is None:
        pytest.fail(
            "Python %d.%d (the oldest target Python of ansible-core) is missing: install it, e.g. "
            "`pyenv install 3.8`" % OLDEST
        )
    old, new = run(python), run(sys.executable)
    assert old["python"] == "%d.%d" % OLDEST
    assert len(old["cases"]) >= len(CASES) - 2 > 10
    for name in new["cases"]:
        assert old["cases"][name] == new["cases"][name], name


def test_yaml_cases_are_plain_data() -> None:
    # the cases go to the old Python as JSON: nothing YAML-only (dates, sets) in them
    assert yaml.safe_load(json.dumps(CASES, ensure_ascii=False)) == CASES
