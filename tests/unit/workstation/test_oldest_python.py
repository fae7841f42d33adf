"""The target-side workstation code gives the same results under the oldest target Python.

ansible-core runs modules on targets with Python 3.8 and later (hospital workstations on
UOS/Kylin ship old ones). oldest_python.py runs every case of cases_linux.yml with the
standard library only; here it runs under Python 3.8 (found by `./hisops oldest-python`) and under the
controller's Python, and the records, diffs and commands must be identical.
"""

from __future__ import annotations

import json
import os
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
ROOT = Path(__file__).resolve().parents[3]
COLLECTIONS = ROOT / "collections"


def oldest_python() -> str:
    """The oldest target Python: ./hisops test finds it once and exports it; else ask ./hisops."""
    found = os.environ.get("HISOPS_OLDEST_PYTHON")
    if found:
        return found
    proc = subprocess.run([str(ROOT / "hisops"), "oldest-python"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail(proc.stderr.strip() or "./hisops oldest-python failed")
    return proc.stdout.strip()


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
    old, new = run(python), run(sys.executable)
    assert old["python"] == "%d.%d" % OLDEST
    assert len(old["cases"]) >= len(CASES) - 2 > 10
    for name in new["cases"]:
        assert old["cases"][name] == new["cases"][name], name


def test_yaml_cases_are_plain_data() -> None:
    # the cases go to the old Python as JSON: nothing YAML-only (dates, sets) in them
    assert yaml.safe_load(json.dumps(CASES, ensure_ascii=False)) == CASES
