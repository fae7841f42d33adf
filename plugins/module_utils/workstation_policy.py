# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Workstation policy data: control selection, validation and exception resolution.

Pure functions shared by the controller (action plugins ``hisops_workstation_linux`` and
``hisops_workstation_windows`` validate BEFORE anything is sent to a host) and by the
modules themselves (they validate again, so a module called without its action plugin
still refuses bad input before it changes anything).

The policy mapping (built by the role from ``hisops_workstation_*`` variables)::

    software_allowlist: [python3*, openssh-server]      # hospital-wide (Debian package globs)
    department_allowlist: [tree]                        # the host's department
    windows_software_allowlist: ["Mozilla Firefox*"]   # Windows DisplayName globs
    remove_unapproved: false                            # opt-in removal per department
    exceptions:                                         # approved deviations
      - {control: HIM-7.4-storage, hosts: [ws-mz-01], approver: 张丽, expires: 2027-06-30,
         reason: 检验科数据导出}
    screenlock_minutes: 5
    shutdown_time: "19:30"
    admins: []                  # approved local administrators besides root
    login_always_allow: []      # accounts that may always log in (the network center)
    shell_idle_minutes: 15      # read-only TMOUT for shells
    ssh_client_alive_interval: 300
    ssh_client_alive_count_max: 3
    su_group: hisops_su         # only its members may use su (pam_wheel); empty by default
    update_max_age_days: 7      # the last successful security update may be this old
    apt_mirrors: [http://mirror.hospital.example/debian]   # approved apt mirrors (-security too)
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from .results import ERROR, EXEMPT, FAIL, SEVERITIES


AREA = "workstation"
# The areas whose controls the workstation modules check in their one round trip per host: the
# workstation rules, and the antivirus audit (HIM-7.7-antivirus; on Linux only: a platform's module
# checks an area's control only where that platform's mechanism names it, and Windows Defender is
# the antivirus role's).
MODULE_AREAS = (AREA, "antivirus")
PLATFORMS = ("linux", "windows")

# Debian package names (policy 5.6.1) plus the glob characters fnmatch understands.
PACKAGE_GLOB = re.compile(r"^[a-z0-9*?\[][a-z0-9+.\-*?\[\]]*$")
# POSIX-ish user and group names (Debian's adduser default NAME_REGEX, plus domain users).
ACCOUNT = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*\$?$|^[A-Za-z0-9_.\-]+\\[A-Za-z0-9_.\- ]+$")
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIRROR_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[^\s#]*)?$")

POLICY_DEFAULTS: dict[str, Any] = {
    "software_allowlist": [],
    "department_allowlist": [],
    "windows_software_allowlist": [],
    "remove_unapproved": False,
    "exceptions": [],
    "screenlock_minutes": 5,
    "shutdown_time": "19:30",
    "admins": [],
    "login_always_allow": [],
    "shell_idle_minutes": 15,
    "ssh_client_alive_interval": 300,
    "ssh_client_alive_count_max": 3,
    "su_group": "hisops_su",
    "update_max_age_days": 7,
    "apt_mirrors": [],
}
# integer settings: (low, high) bounds
INT_RANGES: dict[str, tuple[int, int]] = {
    "screenlock_minutes": (1, 60),
    "shell_idle_minutes": (1, 480),
    "ssh_client_alive_interval": (1, 3600),
    "ssh_client_alive_count_max": (1, 10),
    "update_max_age_days": (1, 90),
}


def workstation_controls(catalog: dict[str, Any]) -> list[str]:
    """IDs of the implemented automated controls of the catalog the workstation modules check
    (areas ``MODULE_AREAS``), in catalog order."""
    return [
        cid
        for cid, entry in catalog.items()
        if isinstance(entry, dict)
        and entry.get("area") in MODULE_AREAS
        and entry.get("kind", "automated") == "automated"
        and entry.get("implemented", True) is not False
    ]


def select_controls(catalog: dict[str, Any], controls: list[str] | None, skip: list[str] | None) -> list[str]:
    """The controls to evaluate: ``controls`` (all when empty) minus ``skip``, in catalog order."""
    known = workstation_controls(catalog)
    wanted = set(controls or known)
    dropped = set(skip or [])
    return [cid for cid in known if cid in wanted and cid not in dropped]


def module_controls(catalog: dict[str, Any], mechanism: dict[str, Any], selected: list[str]) -> list[dict[str, Any]]:
    """What a workstation module is sent: per selected control its ID, severity and this
    platform's mechanism (nothing of the other controls or of the other platform). A control of
    another area than ``AREA`` is sent only when this platform's mechanism has it."""
    return [
        {"id": cid, "severity": catalog[cid].get("severity", "medium"), "mechanism": mechanism.get(cid)}
        for cid in selected
        if cid in mechanism or catalog[cid].get("area") == AREA
    ]


def parse_date(value: Any) -> datetime.date | None:
    """A YYYY-MM-DD string (or a date YAML already parsed) as a date; None when malformed."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not DATE.match(value.strip()):
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


def merged_policy(policy: dict[str, Any] | None) -> dict[str, Any]:
    """The policy with defaults for every missing key."""
    merged = dict(POLICY_DEFAULTS)
    merged.update({k: v for k, v in (policy or {}).items() if v is not None})
    return merged


def _list_problems(host: str, field: str, value: Any, pattern: re.Pattern[str], what: str) -> list[str]:
    if not isinstance(value, list):
        return ["host %s: %s must be a list, got %s" % (host, field, type(value).__name__)]
    return [
        "host %s: %s[%d] = %r is not %s" % (host, field, i, item, what)
        for i, item in enumerate(value)
        if not isinstance(item, str) or not pattern.match(item)
    ]


def _exception_problems(host: str, index: int, exc: Any, known: set[str] | None) -> list[str]:
    field = "hisops_workstation_exceptions[%d]" % index
    if not isinstance(exc, dict):
        return ["host %s: %s must be a mapping (control, approver, expires, hosts or groups)" % (host, field)]
    problems = []
    if known is not None and exc.get("control") not in known:
        problems.append(
            "host %s: %s.control = %r is not a workstation control ID (known: %s)"
            % (host, field, exc.get("control"), ", ".join(sorted(known)))
        )
    if not str(exc.get("approver") or "").strip():
        problems.append(
            "host %s: %s.approver is missing: every exception needs the person who approved it" % (host, field)
        )
    if exc.get("expires") in (None, ""):
        problems.append(
            "host %s: %s.expires is missing: every exception needs an expiry date (YYYY-MM-DD)" % (host, field)
        )
    elif parse_date(exc.get("expires")) is None:
        problems.append("host %s: %s.expires = %r is not a date (YYYY-MM-DD)" % (host, field, exc.get("expires")))
    if not exc.get("hosts") and not exc.get("groups"):
        problems.append("host %s: %s must name the hosts or groups it applies to" % (host, field))
    for key in ("hosts", "groups", "items"):
        if key in exc and not (isinstance(exc[key], list) and all(isinstance(i, str) and i for i in exc[key])):
            problems.append("host %s: %s.%s must be a list of names" % (host, field, key))
    return problems


def controls_problems(host: str, controls: Any, checks: Any = None) -> list[str]:
    """What is wrong with the ``controls`` a module is sent (id, severity, mechanism; on Linux
    the mechanism's ``check`` must be one of ``checks``)."""
    if not isinstance(controls, list):
        return ["host %s: controls must be a list of {id, severity, mechanism}" % host]
    problems = []
    for i, item in enumerate(controls):
        cid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(cid, str) or not cid:
            problems.append("host %s: controls[%d] has no id" % (host, i))
            continue
        if not isinstance(item.get("mechanism"), dict):
            problems.append(
                "host %s: %s has no mechanism data for this platform (roles/workstation_policy/vars/main/)"
                % (host, cid)
            )
        elif checks is not None and item["mechanism"].get("check") not in checks:
            problems.append(
                "host %s: %s: check %r is not one of %s"
                % (host, cid, item["mechanism"].get("check"), ", ".join(sorted(checks)))
            )
        if "severity" in item and item["severity"] not in SEVERITIES:
            problems.append("host %s: %s: severity %r is not one of %s" % (host, cid, item["severity"], SEVERITIES))
    return problems


def selection_problems(host: str, catalog: Any, controls: Any, skip_controls: Any) -> list[str]:
    """Unknown control IDs in hisops_workstation_controls / hisops_workstation_skip_controls."""
    if not isinstance(catalog, dict) or not catalog:
        return ["host %s: hisops_control_catalog is missing or empty (group_vars/all/controls.yml)" % host]
    known = set(workstation_controls(catalog))
    problems = []
    for field, value in (
        ("hisops_workstation_controls", controls),
        ("hisops_workstation_skip_controls", skip_controls),
    ):
        if value is None:
            continue
        if not isinstance(value, list):
            problems.append("host %s: %s must be a list of control IDs" % (host, field))
            continue
        problems += [
            "host %s: %s: unknown control ID %r (known: %s)" % (host, field, cid, ", ".join(sorted(known)))
            for cid in value
            if cid not in known
        ]
    return problems


def policy_problems(
    host: str, policy: Any, department: Any, connection_user: Any = "root", known: Any = None
) -> list[str]:
    """Everything wrong with the site policy of one host's workstation run, one line each.

    Each line names the host and the variable (field) so a technician can fix the data.
    ``known``: the workstation control IDs exceptions may name (not checked when None: a module
    knows only the controls it was sent). An EXPIRED exception is not a problem here: it fails
    its control on the host report.
    """
    if not isinstance(policy, dict):
        return ["host %s: hisops_workstation policy must be a mapping" % host]
    pol = merged_policy(policy)
    problems = _allowlist_problems(host, pol)
    for field in ("admins", "login_always_allow"):
        problems += _list_problems(host, "hisops_workstation_" + field, pol[field], ACCOUNT, "an account name")
    if not isinstance(pol["remove_unapproved"], bool):
        problems.append("host %s: hisops_workstation_remove_unapproved must be true or false" % host)
    for field, (low, high) in INT_RANGES.items():
        value = pol[field]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append("host %s: hisops_workstation_%s = %r must be %d..%d" % (host, field, value, low, high))
    if not isinstance(pol["su_group"], str) or not ACCOUNT.match(pol["su_group"]):
        problems.append("host %s: hisops_workstation_su_group = %r is not a group name" % (host, pol["su_group"]))
    if not isinstance(pol["shutdown_time"], str) or not TIME.match(pol["shutdown_time"]):
        problems.append(
            "host %s: hisops_workstation_shutdown_time = %r must be HH:MM (24 h)" % (host, pol["shutdown_time"])
        )
    problems += _mirror_problems(host, pol["apt_mirrors"])
    if not isinstance(pol["exceptions"], list):
        problems.append("host %s: hisops_workstation_exceptions must be a list" % host)
    else:
        for i, exc in enumerate(pol["exceptions"]):
            problems += _exception_problems(host, i, exc, None if known is None else set(known))
    if not isinstance(department, dict):
        problems.append("host %s: hisops_department is not set (the host's department group_vars)" % host)
    elif not isinstance(department.get("login_group"), str) or not ACCOUNT.match(department["login_group"] or ""):
        problems.append(
            "host %s: hisops_department.login_group is missing or not a group name: the department's staff group "
            "is needed for HIM-5.1-staff-only" % host
        )
    if not isinstance(connection_user, str) or not ACCOUNT.match(connection_user):
        problems.append("host %s: the Ansible connection user %r is not an account name" % (host, connection_user))
    return problems


def _allowlist_problems(host: str, pol: dict[str, Any]) -> list[str]:
    problems = []
    for field in ("software_allowlist", "department_allowlist"):
        problems += _list_problems(
            host, "hisops_workstation_" + field, pol[field], PACKAGE_GLOB, "a Debian package name or glob"
        )
    win = pol["windows_software_allowlist"]
    if not isinstance(win, list):
        return [*problems, "host %s: hisops_workstation_windows_software_allowlist must be a list" % host]
    return problems + [
        "host %s: hisops_workstation_windows_software_allowlist[%d] = %r is not a program name "
        "(1-200 printable characters)" % (host, i, item)
        for i, item in enumerate(win)
        if not isinstance(item, str) or not item.strip() or len(item) > 200 or not item.isprintable()
    ]


def _mirror_problems(host: str, mirrors: Any) -> list[str]:
    field = "hisops_workstation_apt_mirrors"
    if not isinstance(mirrors, list):
        return ["host %s: %s must be a list of mirror URLs" % (host, field)]
    return [
        "host %s: %s[%d] = %r is not a mirror URL (http:// or https://, host, path)" % (host, field, i, url)
        for i, url in enumerate(mirrors)
        if not isinstance(url, str) or not MIRROR_URL.match(url)
    ]


def exceptions_for(
    exceptions: list[dict[str, Any]], control_id: str, host: str, groups: list[str], today: datetime.date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The (active, expired) exceptions of one control that apply to this host."""
    active, expired = [], []
    for exc in exceptions:
        if exc.get("control") != control_id:
            continue
        if host not in (exc.get("hosts") or []) and not set(exc.get("groups") or []) & set(groups):
            continue
        expires = parse_date(exc.get("expires"))
        (active if expires is not None and expires >= today else expired).append(exc)
    return active, expired


def describe_exception(exc: dict[str, Any]) -> str:
    """One evidence line for an exception (no secrets in there: approver, date, reason)."""
    items = " for %s" % ", ".join(exc["items"]) if exc.get("items") else ""
    reason = " (%s)" % exc["reason"] if exc.get("reason") else ""
    return "exception%s approved by %s until %s%s" % (items, exc.get("approver"), exc.get("expires"), reason)


def windows_update_age(record: dict[str, Any], last_update: Any, limit: int, today: datetime.date) -> dict[str, Any]:
    """HIM-7.7-updates on Windows, completed on the controller: the PowerShell module reports the
    date of the newest successful update installation (``last_update``, YYYY-MM-DD, None when
    none is found); the control fails when it is older than ``limit`` days (no fix: Windows
    Update installs on its own schedule once the policy is set, which the module enforces)."""
    if record.get("status") in (ERROR, EXEMPT):
        return record
    installed = parse_date(last_update)
    if installed is None:
        line, too_old = "no successful Windows Update installation found in the update history", True
    else:
        age = max(0, (today - installed).days)  # a date in the future (clock wrong) counts as today
        line = "last successful Windows Update installation %s, %d day(s) ago (limit %d)" % (installed, age, limit)
        too_old = age > limit
    out = dict(record, evidence=[*(record.get("evidence") or []), line])
    if too_old:
        out["status"] = FAIL
        out["message"] = "updates not installed for more than %d day(s); %s" % (limit, record.get("message") or "")
    return out
