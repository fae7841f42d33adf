"""A playbook that audits one workstation control of this machine (localhost, check mode) with
the project's control catalog: shared by the tests that run the workstation modules for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def write_audit_play(path: Path, module: str, department: dict[str, Any], *after: dict[str, Any]) -> Path:
    """Write to ``path`` a play that runs ``module`` for HIM-5.4-games (result registered as
    ``outcome``, errors ignored), then the tasks ``after``."""
    platform = "windows" if module.endswith("_windows") else "linux"
    play = {
        "name": "One control of localhost, audit only",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "check_mode": True,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "vars_files": [
            str(ROOT / "group_vars" / "all" / "controls.yml"),
            str(ROOT / "roles" / "workstation_policy" / "vars" / "main" / (platform + ".yml")),
        ],
        "tasks": [
            {
                "name": "HIM-5.4 | AUDIT | no games",
                module: {
                    "controls": "{{ hisops_control_catalog | hisops.him.hisops_workstation_selected_controls("
                    "hisops_workstation_%s_mechanism, ['HIM-5.4-games']) }}" % platform,
                    "policy": {},
                    "department": department,
                },
                "register": "outcome",
                "ignore_errors": True,
            },
            *after,
        ],
    }
    path.write_text(yaml.safe_dump([play], allow_unicode=True), encoding="utf-8")
    return path


def ansible_playbook(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """ansible-playbook of this venv from the project root with the project's ansible.cfg, not
    recorded (HISOPS_RECORDER_ENABLED=false) unless ``env`` says otherwise."""
    environ = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")) | {"HISOPS_RECORDER_ENABLED": "false", **env}
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), *argv],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
