#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check (and enforce) control HIM-7.7-antivirus: ClamAV running and current, fed only from the hospital's mirror."""

from __future__ import annotations

DOCUMENTATION = r"""
module: hisops_antivirus
short_description: Check and enforce HIM-7.7-antivirus (ClamAV running, current, mirror-only) on a Linux workstation
description:
  - Rulebook 六.4, 七.7 and 八.2(7) ask to keep viruses out and the antivirus software updated. This module
    reads the ClamAV state of a Debian-family workstation in one round trip and returns the
    C(HIM-7.7-antivirus) record under C(hisops_controls).
  - Evidence, the engine version, each database's version and build time, the signature age in hours,
    the state of C(clamav-daemon) and C(clamav-freshclam), freshclam's last run (and its errors), the last
    scheduled scan (time, result, detections) and the number of quarantined files.
  - The control fails when a package is missing, a daemon is not running (a unit systemd skipped on a
    failed start condition is not running), C(freshclam.conf) names a source other than the hospital's
    mirror, a database is missing, the signatures are older than the setting C(max_age_hours), no scan
    finished within the setting C(scan_max_age_hours), or a detection was not moved to quarantine.
  - With O(enforce=true) it writes the mirror-only C(freshclam.conf), runs freshclam, starts what is
    stopped and runs the quick scan when the last one is too old, then checks again (status C(fixed),
    or C(error) when the violation is still there). It does not install packages (the role does).
version_added: "0.2.0"
options:
  settings:
    description:
      - The antivirus settings (the role builds them from the C(hisops_antivirus_*) variables), keys
        C(mirror_url), C(official_databases), C(custom_databases), C(max_age_hours), C(scan_max_age_hours),
        C(checks_per_day), C(quarantine_dir), C(scan_log), C(quick_scan), C(full_scan), C(onaccess).
      - Bad settings fail the module before anything is read or changed, naming the variable.
    type: dict
    required: true
  database_dir:
    description: ClamAV's database directory.
    type: path
    default: /var/lib/clamav
  freshclam_conf:
    description: freshclam's configuration file.
    type: path
    default: /etc/clamav/freshclam.conf
  freshclam_log:
    description: freshclam's log file (C(UpdateLogFile), written with C(LogTime true)).
    type: path
    default: /var/log/clamav/freshclam.log
  scan_service:
    description: The systemd service of the quick scan (installed by the C(antivirus) role).
    type: str
    default: hisops-clamav-scan@quick.service
  now:
    description: The current time as seconds since the epoch (0 = the host's clock); for tests.
    type: float
    default: 0
attributes:
  diff_mode: {support: full, description: Shows the freshclam.conf that would be written.}
author: hisops contributors (@hisops)
extends_documentation_fragment: [hisops.him.hisops_antivirus]
notes:
  - Run M(hisops.him.hisops_antivirus) through the C(hisops.him.antivirus) role, which installs ClamAV,
    the scan timers and the quarantine directory.
"""

EXAMPLES = r"""
- name: HIM-7.7 | AUDIT | antivirus
  hisops.him.hisops_antivirus:
    settings:
      mirror_url: http://nc-01
      custom_databases: [hospital.hdb]
      max_age_hours: 48
  check_mode: true

- name: HIM-7.7 | ENFORCE | antivirus
  hisops.him.hisops_antivirus:
    settings: "{{ hisops_antivirus_settings }}"
    enforce: true
"""

RETURN = r"""
hisops_controls:
  description: The C(HIM-7.7-antivirus) record (see module_utils/results.py).
  returned: always
  type: list
  elements: dict
  sample:
    - id: HIM-7.7-antivirus
      status: fail
      severity: critical
      evidence: ["engine: ClamAV 1.4.3", "clamav-daemon.service: active (running)", "signature age: 50.1 h"]
      changes: ["run freshclam (update from the mirror)"]
      message: "signatures 50.1 h old (limit 48 h)"
antivirus:
  description: The facts the verdict is made of.
  returned: always
  type: dict
  sample: {signature_age_hours: 1.5, max_age_hours: 48, protection_on: true, engine: "ClamAV 1.4.3", detections: [],
           quarantined: 0}
diff:
  description: freshclam.conf before and after, with --diff when it would change.
  returned: when diff mode is on and the configuration differs
  type: dict
"""

import os
import tempfile
import time
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ..module_utils.antivirus import (
    CLAMD_UNIT,
    FRESHCLAM_UNIT,
    ONACCESS_UNIT,
    STATE_KEY,
    Reader,
    State,
    Verdict,
    read_state,
    render_freshclam_conf,
    settings_of,
    settings_problems,
    state_facts,
    summary,
    verdict,
)
from ..module_utils.results import ERROR, FAIL, FIXED, PASS, control_result

CONTROL_ID = "HIM-7.7-antivirus"
ARGUMENT_SPEC = dict(
    settings=dict(type="dict", required=True),
    enforce=dict(type="bool", default=False),
    severity=dict(type="str", choices=["low", "medium", "high", "critical"], default="critical"),
    database_dir=dict(type="path", default="/var/lib/clamav"),
    freshclam_conf=dict(type="path", default="/etc/clamav/freshclam.conf"),
    freshclam_log=dict(type="path", default="/var/log/clamav/freshclam.log"),
    scan_service=dict(type="str", default="hisops-clamav-scan@quick.service"),
    now=dict(type="float", default=0),
)
CHANGES = {
    "config": "write the mirror-only freshclam.conf",
    "update": "run freshclam (update from the mirror)",
    "clamd": "start and enable %s" % CLAMD_UNIT,
    "freshclam": "start and enable %s" % FRESHCLAM_UNIT,
    "onaccess": "start and enable %s" % ONACCESS_UNIT,
    "scan": "run the quick scan",
}


def build_module() -> AnsibleModule:
    return AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)


class Antivirus:
    """One audit/enforce round trip of HIM-7.7-antivirus."""

    def __init__(self, module: AnsibleModule, root: str = "/") -> None:
        self.module = module
        self.reader = Reader(self._run, root)
        self.settings = settings_of(module.params["settings"])

    def _run(self, argv: list[str]) -> tuple[int, str, str]:
        try:
            return self.module.run_command(argv, environ_update={"LC_ALL": "C"}, handle_exceptions=False)
        except OSError as exc:
            return 127, "", str(exc)

    def expected_conf(self) -> str:
        p = self.module.params
        return render_freshclam_conf(self.settings, p["database_dir"], p["freshclam_log"])

    def read_state(self) -> State:
        return read_state(self.reader, self.settings, self.module.params)

    def now(self) -> float:
        return self.module.params["now"] or time.time()

    def write_conf(self) -> None:
        path = self.reader.path(self.module.params["freshclam_conf"])
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".hisops-")
        with os.fdopen(fd, "w") as handle:
            handle.write(self.expected_conf())
        os.chmod(tmp, 0o644)
        self.module.atomic_move(tmp, path)

    def systemctl(self, *argv: str) -> None:
        rc, _out, err = self._run(["systemctl", *argv])
        if rc != 0:
            raise RuntimeError("systemctl %s failed: %s" % (" ".join(argv), err.strip()))

    def fix(self, needs: set[str]) -> None:
        """Apply the fixes in the order they depend on each other."""
        if "config" in needs:
            self.write_conf()
        if "update" in needs:
            # freshclam's daemon holds the log lock: stop it for the one-shot update
            self._run(["systemctl", "stop", FRESHCLAM_UNIT])
            self._run(["freshclam", "--stdout", "--no-warnings"])
            needs.add("freshclam")
        if "clamd" in needs:
            self.systemctl("enable", "--now", "clamav-daemon.socket", CLAMD_UNIT)
        if "freshclam" in needs:
            self.systemctl("enable", "--now", FRESHCLAM_UNIT)
        if "onaccess" in needs:
            self.systemctl("enable", "--now", ONACCESS_UNIT)
        if "scan" in needs:
            # a oneshot unit: returns when the scan has finished; rc 1 (detections) is not an error
            self._run(["systemctl", "start", self.module.params["scan_service"]])

    def record(self, result: Verdict, status: str, changes: list[str], first: Verdict | None = None) -> dict[str, Any]:
        evidence = ([*first.evidence, "after the fix:"] if first else []) + result.evidence
        message = summary(result)
        if status == FIXED:
            message = "fixed: " + "; ".join(first.problems if first else [])
        elif status == ERROR:
            message = "still violated after the fix: " + message
        return control_result(CONTROL_ID, status, self.module.params["severity"], evidence, changes, message)

    def main(self) -> dict[str, Any]:
        problems = settings_problems("(this host)", self.module.params["settings"])
        if problems:
            self.module.fail_json(msg="antivirus settings are wrong, nothing was changed: " + "; ".join(problems))
        state = self.read_state()
        first = final = verdict(self.settings, state, self.now())
        changes = [CHANGES[n] for n in sorted(first.needs, key=list(CHANGES).index)]
        result: dict[str, Any] = {"changed": False}
        if "config" in first.needs and self.module._diff:
            before = self.reader.read(self.module.params["freshclam_conf"]) or ""
            result["diff"] = {"before": before, "after": self.expected_conf(), "before_header": "freshclam.conf"}
        if not first.problems:
            record = self.record(first, PASS, [])
        elif not self.module.params["enforce"] or self.module.check_mode or not first.needs:
            record = self.record(first, FAIL, changes)
            result["changed"] = bool(self.module.check_mode and self.module.params["enforce"] and first.needs)
        else:
            try:
                self.fix(set(first.needs))
            except (OSError, RuntimeError) as exc:
                changes.append("failed: %s" % exc)
            state = self.read_state()
            final = verdict(self.settings, state, self.now())
            record = self.record(final, ERROR if final.problems else FIXED, changes, first)
            result["changed"] = True
        result["hisops_controls"] = [record]
        result[STATE_KEY] = state_facts(self.settings, state, final)
        if record["status"] == ERROR:
            result.update(failed=True, msg="%s: %s" % (CONTROL_ID, record["message"]))
        return result


def main() -> None:
    module = build_module()
    module.exit_json(**Antivirus(module).main())


if __name__ == "__main__":
    main()
