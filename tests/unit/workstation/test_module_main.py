"""The Linux workstation module's main(), run as Ansible runs it: the module file as a program with
its arguments in a JSON file. ``changed`` and check mode, on this machine, for one control whose
mechanism data points into a scratch directory (so the real enforce run changes only that)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .data import CATALOG, MECHANISM

pytestmark = pytest.mark.unit

COLLECTIONS = Path(__file__).resolve().parents[3] / "collections"
MODULE = "ansible_collections.hisops.him.plugins.modules.hisops_workstation_linux"
CID = "HIM-7.1-settings"


def _run(tmp_path: Path, enforce: bool, check_mode: bool = False) -> dict[str, Any]:
    mechanism = dict(MECHANISM["linux"][CID])
    mechanism["polkit_file"] = str(tmp_path / "rules.d" / "49-hisops-settings.rules")
    # a polkit daemon "installed" (this file exists): no package is installed on this machine
    mechanism["polkit"] = {"package": "polkitd", "daemons": [sys.executable]}
    args = {
        "controls": [{"id": CID, "severity": CATALOG[CID]["severity"], "mechanism": mechanism}],
        "policy": {},
        "department": {"code": "it", "login_group": "hisops_test_staff"},
        "host": "ws-test",
        "enforce": enforce,
        "today": "2026-11-27",
        "_ansible_check_mode": check_mode,
        "_ansible_diff": True,
    }
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", MODULE, str(args_file)],
        cwd=COLLECTIONS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_audit_reports_and_changes_nothing(tmp_path: Path) -> None:
    result = _run(tmp_path, enforce=False)
    assert result["changed"] is False
    assert [r["status"] for r in result["hisops_controls"]] == ["fail"]
    assert result["summary"]["fail"] == 1
    assert not (tmp_path / "rules.d").exists()


def test_check_mode_says_changed_shows_the_diff_and_changes_nothing(tmp_path: Path) -> None:
    result = _run(tmp_path, enforce=True, check_mode=True)
    assert result["changed"] is True
    (record,) = result["hisops_controls"]
    assert record["status"] == "fail" and record["changes"] == [
        "create %s" % (tmp_path / "rules.d/49-hisops-settings.rules")
    ]
    assert "polkit.addRule" in result["diff"][0]["after"]
    assert not (tmp_path / "rules.d").exists()


def test_enforce_fixes_then_a_second_run_changes_nothing(tmp_path: Path) -> None:
    first = _run(tmp_path, enforce=True)
    assert first["changed"] is True
    assert [r["status"] for r in first["hisops_controls"]] == ["fixed"]
    rules = (tmp_path / "rules.d/49-hisops-settings.rules").read_text(encoding="utf-8")
    assert "org.freedesktop.timedate1." in rules
    second = _run(tmp_path, enforce=True)
    assert second["changed"] is False
    assert [r["status"] for r in second["hisops_controls"]] == ["pass"]
    assert "diff" not in second
