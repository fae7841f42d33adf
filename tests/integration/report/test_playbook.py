"""playbooks/report.yml and ./hisops report write reports and never overwrite earlier ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.report.reportdata import make_store

pytestmark = pytest.mark.component
ROOT = Path(__file__).resolve().parents[3]


def test_report_playbook_keeps_history(tmp_path: Path) -> None:
    store = make_store(tmp_path / "results.sqlite")
    out = tmp_path / "reports"
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), HISOPS_STORE=store, ANSIBLE_NOCOLOR="1")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        str(ROOT / "playbooks" / "report.yml"),
        "-e", "hisops_report_period=2026-11", "-e", "hisops_report_formats=html,json",
        "-e", "hisops_report_dir=%s" % out,
    ]  # fmt: skip
    for _ in range(2):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    files = sorted(p.name for p in out.iterdir())
    assert len([f for f in files if f.endswith(".html")]) == 2 and len([f for f in files if f.endswith(".json")]) == 2
    assert all(f.startswith("hisops-report_2026-11_zh_") for f in files)


def test_hisops_report_subcommand_errors_clearly(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(ROOT / "hisops"), "report", "--store", str(tmp_path / "missing.sqlite"), "--period", "2026-11"],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "missing.sqlite does not exist" in proc.stderr
