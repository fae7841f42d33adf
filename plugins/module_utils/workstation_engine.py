# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check-and-fix engine of the Linux workstation controls.

Each control is a check ``check(host, ctx) -> Finding``: what is wrong (evidence) and the
actions that would fix it. ``run_controls`` turns findings into the shared result records
(module_utils.results): in audit or check mode nothing changes and a violation is ``fail``;
when enforcing, the actions run, the control is checked again and is ``fixed`` (or ``error``
when the violation is still there). The checks are in workstation_packages, workstation_desktop,
workstation_accounts and workstation_services; workstation_linux names them.
"""

from __future__ import annotations

import datetime
import fnmatch
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from .results import ERROR, EXEMPT, FAIL, FIXED, PASS, control_result
from .workstation_host import FixError, Host
from .workstation_policy import (
    describe_exception,
    exceptions_for,
    merged_policy,
)


MANAGED = "# Managed by hisops (%s): local changes are overwritten.\n"


@dataclass
class Action:
    """One change that fixes (part of) a violation."""

    description: str
    apply: Callable[[], None]
    diff: dict[str, str] | None = None


@dataclass
class Finding:
    """What a control check found on the host."""

    evidence: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    violation: bool = False
    exempt: bool = False
    report_only: bool = False
    message: str = ""


@dataclass
class Context:
    """Everything a check needs besides the host: mechanism data and resolved policy."""

    control_id: str
    mech: dict[str, Any]
    policy: dict[str, Any]
    department: dict[str, Any]
    active_exceptions: list[dict[str, Any]]
    expired_exceptions: list[dict[str, Any]]
    connection_user: str
    clinical_24h: bool
    hostname: str
    today: datetime.date = datetime.date(1970, 1, 1)
    # keys a check adds to the module's result besides the records (shared by the run's controls)
    results: dict[str, Any] = field(default_factory=dict)


def matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def file_action(host: Host, path: str, content: str, control_id: str, mode: int = 0o644) -> Action | None:
    """An action writing ``content`` to ``path`` when it differs (None when already right)."""
    before = host.read(path)
    if before == content:
        return None
    return Action(
        description="%s %s" % ("write" if before is not None else "create", path),
        apply=lambda: host.write(path, content, mode),
        diff={"before_header": path, "after_header": path, "before": before or "", "after": content},
    )


def remove_file_action(host: Host, path: str) -> Action:
    before = host.read(path)
    return Action(
        description="remove %s" % path,
        apply=lambda: host.remove(path),
        diff={"before_header": path, "after_header": path + " (removed)", "before": before or "", "after": ""},
    )


def unfixable(finding: Finding) -> bool:
    """Evidence that no action of hisops can fix (another file overrides hisops' setting)."""
    return any("overrides" in e or "overridden" in e for e in finding.evidence)


def exempt_items(ctx: Context) -> list[str]:
    """Names (packages, files, users) that an approved exception allows for this control."""
    return [i for e in ctx.active_exceptions for i in e.get("items") or []]


def _context(
    control: dict[str, Any], args: dict[str, Any], pol: dict[str, Any], today: datetime.date, results: dict[str, Any]
) -> Context:
    cid = control["id"]
    active, expired = exceptions_for(pol["exceptions"], cid, args["host"], args.get("groups") or [], today)
    return Context(
        control_id=cid,
        mech=dict(control["mechanism"]),
        policy=pol,
        department=args["department"],
        active_exceptions=active,
        expired_exceptions=expired,
        connection_user=args.get("connection_user") or "root",
        clinical_24h=bool(args.get("clinical_24h")),
        hostname=args["host"],
        today=today,
        results=results,
    )


def run_controls(
    host: Host,
    controls: list[dict[str, Any]],
    args: dict[str, Any],
    enforce: bool,
    today: datetime.date,
    checks: dict[str, Callable[[Host, Context], Finding]],
    results: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Check (and, when ``enforce``, fix) each control ({id, severity, mechanism}, in order):
    (result records, diffs). ``checks``: the check function of each mechanism's ``check``;
    ``results``: receives what checks add to the module's result besides the records."""
    pol = merged_policy(args.get("policy"))
    records, diffs = [], []
    for control in controls:
        severity = control.get("severity") or "medium"
        try:
            ctx = _context(control, args, pol, today, {} if results is None else results)
            record, control_diffs = _run_one(host, ctx, checks[ctx.mech["check"]], severity, enforce)
        except (FixError, OSError, KeyError) as exc:
            record, control_diffs = (
                control_result(control["id"], ERROR, severity, message="%s: %s" % (type(exc).__name__, exc)),
                [],
            )
        records.append(record)
        diffs += control_diffs
    return records, diffs


def _run_one(
    host: Host, ctx: Context, check: Callable[[Host, Context], Finding], severity: str, enforce: bool
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    finding = check(host, ctx)
    whole = [e for e in ctx.active_exceptions if not e.get("items")]
    if whole and not ctx.expired_exceptions:
        # An approved exception for the whole control: report what is there, change nothing.
        evidence = [describe_exception(e) for e in whole] + finding.evidence
        return control_result(ctx.control_id, EXEMPT, severity, evidence, [], "exempt: %s" % finding.message), []
    expired = ["%s EXPIRED" % describe_exception(e) for e in ctx.expired_exceptions]
    evidence = expired + finding.evidence
    changes = [a.description for a in finding.actions]
    diffs = [a.diff for a in finding.actions if a.diff]
    if not finding.violation:
        status = FAIL if expired else (EXEMPT if finding.exempt else PASS)
        message = "%s; an exception has expired" % finding.message if expired else finding.message
        return control_result(ctx.control_id, status, severity, evidence, [], message), []
    if not enforce or not finding.actions:
        return control_result(ctx.control_id, FAIL, severity, evidence, changes, finding.message), diffs
    for action in finding.actions:
        action.apply()
    host.forget_packages()
    again = check(host, ctx)
    if again.violation and (again.actions or not again.report_only):
        return (
            control_result(
                ctx.control_id,
                ERROR,
                severity,
                evidence + again.evidence,
                changes,
                "still violated after the fix: %s" % again.message,
            ),
            diffs,
        )
    status = FAIL if expired or again.report_only else FIXED
    return control_result(ctx.control_id, status, severity, evidence, changes, finding.message), diffs
