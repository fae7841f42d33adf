"""Every control accounted for: which automated controls apply to which host, and why one has no result.

The control catalog (``group_vars/all/controls.yml``) says, per automated control, the inventory
groups it applies to (``applies_to``; ``all`` = every host) and whether a task checks it yet
(``implemented: false`` while none does). The recorder writes, with every run, one scope row per
inventory host (table ``run_hosts``): its groups, whether the run's ``--limit`` included it, and
the applicable controls the run's ``--tags``/``--skip-tags`` selected for it.

A control that applies to a host and has no result is "not checked", for one of these reasons
(the first that holds):

- ``not_implemented``: no task checks the control yet;
- ``unreachable``: the host could not be reached;
- ``play_failed``: a task failed on the host, so the play did not reach the control;
- ``interrupted``: the host's last run was interrupted (SIGINT/SIGTERM, or killed and found
  abandoned) before it checked the control: the next compliance run re-audits it;
- ``filtered``: ``--limit`` left the host out, ``--tags``/``--skip-tags`` the control, or the
  host's ``hisops_workstation_controls``/``hisops_workstation_skip_controls`` (a workstation
  control deliberately left out: listed, never a fault of the run);
- ``not_run``: the host and the control were in scope but no play checked it.

The reports show these as 未检查 / not checked; they count against the compliance rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..module_utils.workstation_policy import (
    MODULE_AREAS,
    select_controls,
    workstation_controls,
)

ALL_GROUP = "all"
NOT_CHECKED = "not_checked"
NOT_IMPLEMENTED = "not_implemented"
UNREACHABLE = "unreachable"
PLAY_FAILED = "play_failed"
INTERRUPTED = "interrupted"
FILTERED = "filtered"
NOT_RUN = "not_run"
REASONS = (NOT_IMPLEMENTED, UNREACHABLE, PLAY_FAILED, INTERRUPTED, FILTERED, NOT_RUN)
# Not checked because of the run itself (a run fails when one of these is left): the others are
# the catalog's (not implemented yet) or the operator's choice (--limit, --tags).
RUN_FAULTS = (UNREACHABLE, PLAY_FAILED, NOT_RUN)
# A report cannot be green while a control of these severities went unchecked.
BLOCKING_SEVERITIES = ("critical", "high")
IGNORED_TAGS = frozenset({"all", "always", "tagged", "untagged"})
# A host's variables that leave workstation controls out (the workstation role reads them too).
SELECTION_VARS = ("hisops_workstation_controls", "hisops_workstation_skip_controls")


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple | set) else [str(value)]


def automated(catalog: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The automated controls of the catalog."""
    return {cid: c for cid, c in catalog.items() if isinstance(c, Mapping) and c.get("kind") == "automated"}


def is_implemented(control: Mapping[str, Any] | None) -> bool:
    return (control or {}).get("implemented", True) is not False


def applicable(catalog: Mapping[str, Mapping[str, Any]], groups: Iterable[str]) -> list[str]:
    """The automated controls that apply to a host in ``groups`` (sorted)."""
    member = set(groups) | {ALL_GROUP}
    return sorted(cid for cid, c in automated(catalog).items() if member & set(_as_list(c.get("applies_to"))))


def selected(control_id: str, control: Mapping[str, Any], tags: Sequence[str], skip_tags: Sequence[str]) -> bool:
    """Whether ``--tags``/``--skip-tags`` select a control (its tags: the ID in lower case and ``tags``)."""
    own = {control_id.lower(), *(t.lower() for t in _as_list(control.get("tags")))}
    wanted = {t.lower() for t in tags} - IGNORED_TAGS
    if wanted and not own & wanted:
        return False
    return not own & {t.lower() for t in skip_tags}


def scope_controls(
    catalog: Mapping[str, Mapping[str, Any]],
    groups: Iterable[str],
    tags: Sequence[str],
    skip_tags: Sequence[str],
    host_vars: Mapping[str, Any] | None = None,
) -> list[str]:
    """The controls a run selects for a host in ``groups``: by ``--tags``/``--skip-tags``, and for
    workstation controls by the host's ``hisops_workstation_controls``/``_skip_controls`` (in
    ``host_vars``), as the workstation role selects them."""
    chosen = [cid for cid in applicable(catalog, groups) if selected(cid, catalog[cid], tags, skip_tags)]
    wanted = (host_vars or {}).get("hisops_workstation_controls") or None
    skip = (host_vars or {}).get("hisops_workstation_skip_controls") or []
    if not wanted and not skip:
        return chosen
    workstation = set(workstation_controls(dict(catalog)))
    kept = set(select_controls(dict(catalog), _as_list(wanted) or None, _as_list(skip)))
    return [cid for cid in chosen if cid not in workstation or cid in kept]


def has_workstation_control(catalog: Mapping[str, Mapping[str, Any]], controls: Iterable[str]) -> bool:
    """Whether a host's selection variables can change its scope (a workstation control is in it)."""
    return any((catalog.get(cid) or {}).get("area") in MODULE_AREAS for cid in controls)


def reason(
    control: Mapping[str, Any] | None, host_status: str | None, in_scope: bool, interrupted: bool = False
) -> str:
    """Why an applicable control has no result on a host (see the module's docstring)."""
    if not is_implemented(control):
        return NOT_IMPLEMENTED
    if host_status == "unreachable":
        return UNREACHABLE
    if host_status == "failed":
        return PLAY_FAILED
    if interrupted:
        return INTERRUPTED
    if not in_scope:
        return FILTERED
    return NOT_RUN


def not_checked(
    catalog: Mapping[str, Mapping[str, Any]],
    scope: Iterable[Mapping[str, Any]],
    checked: set[tuple[str, str]],
    host_status: Mapping[str, str],
    interrupted_runs: frozenset[int] | set[int] = frozenset(),
) -> list[dict[str, Any]]:
    """Every (host, applicable control) without a result, with its reason.

    ``scope``: run_hosts rows (oldest run first: the latest row gives a host's groups and
    department); ``checked``: the (host, control) pairs with a result; ``host_status``: each
    host's outcome at its latest run (ok, failed, unreachable, skipped); ``interrupted_runs``:
    ids of the runs that were interrupted (a host whose latest scope row is of one of them).
    """
    hosts: dict[str, dict[str, Any]] = {}
    for row in scope:
        host = hosts.setdefault(str(row["host"]), {"selected": set()})
        host["groups"] = _as_list(row.get("groups"))
        host["department"] = str(row.get("department") or "")
        host["interrupted"] = row.get("run_id") in interrupted_runs
        if row.get("in_scope"):
            host["selected"].update(_as_list(row.get("controls")))
    out = []
    for name, host in sorted(hosts.items()):
        for cid in applicable(catalog, host["groups"]):
            if (name, cid) in checked:
                continue
            control = catalog.get(cid) or {}
            out.append(
                {
                    "host": name,
                    "department": host["department"],
                    "control_id": cid,
                    "severity": str(control.get("severity") or "medium"),
                    "reason": reason(control, host_status.get(name), cid in host["selected"], host["interrupted"]),
                }
            )
    return out


def blocking(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The not-checked rows of a critical or high control."""
    return [r for r in rows if r.get("severity") in BLOCKING_SEVERITIES]


def run_not_checked(store: Any, run_uuid: str, catalog: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The controls one recorded run left unchecked (``not_checked`` over that run's records alone).

    ``store``: an open ``plugin_utils.store.Store``. Raises ``LookupError`` when the run is not in it.
    """
    run = store.run(run_uuid)
    if run is None:
        raise LookupError("run %s is not in the results store %s" % (run_uuid, store.location.display))
    scope = [r for r in store.records("run_hosts", start=run["started"]) if r["run_uuid"] == run_uuid]
    checked = {(r["host"], r["control_id"]) for r in store.run_control_results(run_uuid)}
    status = {r["host"]: r["status"] for r in store.run_host_results(run_uuid)}
    return not_checked(catalog, scope, checked, status)
