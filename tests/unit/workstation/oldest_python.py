"""Run the Linux workstation cases with any Python >= 3.8, standard library only.

Run as a module from the project's ``collections`` folder (``python -E -s -m
ansible_collections.hisops.him.tests.unit.workstation.oldest_python``), so the module_utils are
imported by their collection names, as on a target, with no ansible installed. Reads
{"controls", "cases", "today"} as JSON on stdin, runs each case (audit, then enforce
and a second audit when the case has ``enforce``) against a planted tree, and writes the
result records, diffs and commands as JSON. test_oldest_python.py runs it under the oldest
Python that ansible-core supports on targets and under the controller's, and compares.
"""

from __future__ import annotations

import datetime
import json
import sys
import tempfile
from pathlib import Path

from ansible_collections.hisops.him.plugins.module_utils.workstation_host import Host
from ansible_collections.hisops.him.plugins.module_utils.workstation_linux import run_controls
from ansible_collections.hisops.him.tests.unit.workstation.fakehost import MIRRORS, FakeRunner, plant


def run_case(controls: list, case: dict, today: datetime.date) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plant(root, case.get("packages") or {}, case.get("files") or {}, case.get("auto") or [])
        runner = FakeRunner(root, tuple(case.get("fail_commands") or ()))
        args = {
            "host": "ws-test",
            "groups": case.get("groups", ["dept_outpatient", "workstations_linux"]),
            "department": {"code": "outpatient", "login_group": "mz_staff"},
            "policy": {"apt_mirrors": MIRRORS, **case.get("policy", {"software_allowlist": ["python3*", "sudo"]})},
            "connection_user": case.get("connection_user", "root"),
            "clinical_24h": case.get("clinical_24h", False),
        }
        wanted = case.get("controls")
        selected = [c for c in controls if not wanted or c["id"] in wanted]
        out = {}
        runs = [("audit", False)] + ([("enforce", True), ("after", False)] if "enforce" in case else [])
        for label, enforce in runs:
            records, diffs = run_controls(Host(runner, str(root)), selected, args, enforce, today)
            out[label] = {"records": records, "diffs": diffs}
        out["calls"] = runner.calls
        return out


def main() -> None:
    data = json.load(sys.stdin)
    today = datetime.date.fromisoformat(data["today"])
    result = {
        "python": "%d.%d" % sys.version_info[:2],
        "cases": {n: run_case(data["controls"], c, today) for n, c in sorted(data["cases"].items())},
    }
    json.dump(result, sys.stdout, sort_keys=True, ensure_ascii=False)


if __name__ == "__main__":
    main()
