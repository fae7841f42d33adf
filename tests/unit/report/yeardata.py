"""A year of daily compliance runs written through the store's API, and an oracle that recomputes
every figure of the period statistics from the generated records in plain Python.

The oracle shares with the reports only the DEFINITION of the trend (``plugin_utils.store.trend``:
which runs are headline runs, which bucket a time falls in, the rate of counts) and which controls
apply to a host (``plugin_utils.coverage.applicable``); it counts from its own list of records,
never from the store or the report's SQL.

History (times at 12:00 UTC, the same calendar day in any time zone from UTC-11 to UTC+11):

- December 2025: a weekly full run (the previous period of January and of the year, and the
  same period last year of December 2026);
- 2026: a full check run every day; every 7th day also an enforce run that fixes some findings;
  every 10th day also a subset run (``--limit dept_b``); on 2026-06-15 an interrupted run;
- 8 hosts in 2 departments, 4 automated controls that apply to every host (``C-4`` not
  implemented: never recorded); now and then a host is unreachable (no records) or a control not
  recorded (``not_checked``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ansible_collections.hisops.him.plugins.plugin_utils import coverage
from ansible_collections.hisops.him.plugins.plugin_utils.migrations import MIGRATIONS, Migration
from ansible_collections.hisops.him.plugins.plugin_utils.store import Batch, open_store, trend

HOSTS = {"pc-a-%d" % i: "dept_a" for i in range(1, 5)} | {"pc-b-%d" % i: "dept_b" for i in range(1, 5)}
CONTROLS = ("C-1", "C-2", "C-3", "C-4")
CATALOG = {
    cid: {
        "title": {"zh": "控制项 " + cid, "en": "Control " + cid},
        "rule": ["五.%d" % (i + 1)],
        "severity": "high" if i < 2 else "medium",
        "kind": "automated",
        "applies_to": ["all"],
        **({"implemented": False} if cid == "C-4" else {}),
    }
    for i, cid in enumerate(CONTROLS)
} | {"M-1": {"title": {"zh": "人工", "en": "Manual"}, "rule": ["八.1"], "severity": "low", "kind": "manual"}}
COMPLIANT = ("pass", "fixed", "exempt")


@dataclass
class Run:
    id: int
    uuid: str
    started: str
    mode: str
    status: str = "ok"
    limit_expr: str = ""
    records: list[tuple[str, str, str]] = field(default_factory=list)  # (host, control, status), in order
    scope: list[str] = field(default_factory=list)  # hosts of run_hosts

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "uuid": self.uuid, "started": self.started, "mode": self.mode,
                "status": self.status, "limit_expr": self.limit_expr, "tags": ""}  # fmt: skip


def history(seed: int = 17) -> list[Run]:
    """The runs, oldest first (ids as the store numbers them: 1, 2, ...)."""
    rnd = random.Random(seed)
    state = {(h, c): "pass" for h in HOSTS for c in CONTROLS[:3]}
    runs: list[Run] = []

    def add(day: dt.date, hour: int, mode: str, hosts: Iterable[str], **kw: Any) -> Run:
        run = Run(len(runs) + 1, "r-%04d" % (len(runs) + 1), "%sT%02d:00:00.000000Z" % (day, hour), mode, **kw)
        for host in hosts:
            run.scope.append(host)
            if rnd.random() < 0.01:
                continue  # unreachable: no records
            for control in CONTROLS[:3]:
                failing = state[(host, control)] in ("fail", "error")
                if mode == "enforce":
                    status = "fixed" if failing and rnd.random() < 0.7 else state[(host, control)]
                    state[(host, control)] = "pass" if status == "fixed" else status
                    run.records.append((host, control, status))
                    continue
                if not failing and rnd.random() < 0.04:
                    state[(host, control)] = rnd.choice(("fail", "fail", "error"))
                elif failing and rnd.random() < 0.08:
                    state[(host, control)] = "pass"  # fixed by hand
                if rnd.random() < 0.01:
                    continue  # not recorded: not checked
                status = "exempt" if (host, control) == ("pc-b-4", "C-3") else state[(host, control)]
                run.records.append((host, control, status))
        runs.append(run)
        return run

    day = dt.date(2025, 12, 3)
    while day < dt.date(2026, 1, 1):
        add(day, 12, "check", HOSTS)
        day += dt.timedelta(days=7)
    day = dt.date(2026, 1, 1)
    while day < dt.date(2027, 1, 1):
        add(day, 11, "check", HOSTS)
        n = day.timetuple().tm_yday
        if n % 7 == 0:
            add(day, 12, "enforce", HOSTS)
        if n % 10 == 0:
            add(day, 13, "check", [h for h, d in HOSTS.items() if d == "dept_b"], limit_expr="dept_b")
        if day == dt.date(2026, 6, 15):
            add(day, 14, "check", list(HOSTS)[:2], status="interrupted")
        day += dt.timedelta(days=1)
    return runs


def write(path: Path, runs: list[Run]) -> tuple[str, str]:
    """The store and the catalog file (in the store's folder)."""
    return fill(str(path), runs), write_catalog(path.parent)


def write_catalog(folder: Path) -> str:
    catalog = folder / "catalog.yml"
    catalog.write_text(yaml.safe_dump({"hisops_control_catalog": CATALOG}, allow_unicode=True), encoding="utf-8")
    return str(catalog)


def fill(location: str, runs: list[Run], migrations: tuple[Migration, ...] = MIGRATIONS) -> str:
    """Write the runs into the store at ``location`` (a file or a postgresql:// DSN), at the schema
    ``migrations`` give (an older store: without the later migrations)."""
    with open_store(location, migrations=migrations) as store:
        for run in runs:
            store.start_run({"uuid": run.uuid, "started": run.started, "mode": run.mode, "limit_expr": run.limit_expr})
            batch = Batch(run.uuid)
            recorded = {h for h, _c, _s in run.records}
            for host in run.scope:
                status = "ok" if host in recorded else "unreachable"
                batch.hosts.append({"host": host, "department": HOSTS[host], "kind": "workstation",
                                    "status": status, "recorded_at": run.started})  # fmt: skip
            batch.extra["run_hosts"] = [
                {"host": h, "department": HOSTS[h], "kind": "workstation", "groups": ["all", HOSTS[h]],
                 "in_scope": 1, "controls": list(CONTROLS), "recorded_at": run.started}
                for h in run.scope
            ]  # fmt: skip
            batch.controls = [
                {"host": h, "department": HOSTS[h], "control_id": c, "status": s,
                 "severity": CATALOG[c]["severity"], "recorded_at": run.started}
                for h, c, s in run.records
            ]  # fmt: skip
            store.write(batch)
            store.finish_run(run.uuid, run.status)
    return location


# ------------------------------------------------------------------------------------ the oracle
def in_period(run: Run, start: dt.date, end: dt.date) -> bool:
    return start <= trend.local(run.started).date() < end


def run_cells(run: Run) -> dict[tuple[str, str], dict[str, int]]:
    """(department, control) -> status counts of one run, with the controls due and not recorded."""
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for host, control, status in run.records:
        cell = cells.setdefault((HOSTS[host], control), {})
        cell[status] = cell.get(status, 0) + 1
    for host in run.scope:
        for control in coverage.applicable(CATALOG, ["all", HOSTS[host]]):
            cell = cells.setdefault((HOSTS[host], control), {})
            cell["due"] = cell.get("due", 0) + 1
    for cell in cells.values():
        missing = cell.pop("due", 0) - sum(cell.values())
        if missing > 0:
            cell["not_checked"] = missing
    return cells


def rate(counts: dict[str, int]) -> float | None:
    total = sum(counts.values())
    return round(sum(counts.get(s, 0) for s in COMPLIANT) / total, 4) if total else None


def add(acc: dict[str, int], counts: dict[str, int]) -> None:
    for status, n in counts.items():
        acc[status] = acc.get(status, 0) + n


def pooled(runs: list[Run], start: dt.date, end: dt.date, by: str, key: str = "") -> dict[str, dict[str, int]]:
    """Counts of the headline runs of [start, end) per bucket (and department or control when ``key``)."""
    out: dict[str, dict[str, int]] = {}
    for run in runs:
        if not in_period(run, start, end) or not trend.is_headline(run.row()) or not run.records:
            continue
        bucket = trend.bucket(run.started, by)
        for (dept, control), counts in run_cells(run).items():
            name = bucket + ("|" + (dept if key == "department" else control) if key else "")
            add(out.setdefault(name, {}), counts)
    return out


def headline_count(runs: list[Run], start: dt.date, end: dt.date) -> int:
    return sum(1 for r in runs if in_period(r, start, end) and trend.is_headline(r.row()) and r.records)


def end_state(runs: list[Run], start: dt.date, end: dt.date) -> dict[tuple[str, str], str]:
    """Each due (host, control) with its latest status in the period (not_checked when none), a pass
    that was fixed in the period counted as fixed."""
    latest: dict[tuple[str, str], str] = {}
    hosts: set[str] = set()
    for run in runs:
        if in_period(run, start, end):
            hosts.update(run.scope)
            for host, control, status in run.records:
                latest[(host, control)] = status
    fixed = {(f["host"], f["control_id"]) for f in fixes(runs, start, end)}
    out = {}
    for host in hosts:
        for control in coverage.applicable(CATALOG, ["all", HOSTS[host]]):
            status = latest.get((host, control), "not_checked")
            out[(host, control)] = "fixed" if status == "pass" and (host, control) in fixed else status
    return out


def fixes(runs: list[Run], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Fix events of the period: 'fixed' in a run of the period (enforced), or a 'pass' in a run of the
    period right after a fail/error recorded in the period or in the last run before it (by hand)."""
    period_ids = {r.id for r in runs if in_period(r, start, end)}
    before = [r.id for r in runs if trend.local(r.started).date() < start]
    candidates = period_ids | set(before[-1:])
    previous: dict[tuple[str, str], tuple[int, str]] = {}
    out = []
    for run in runs:
        for host, control, status in run.records:
            prev = previous.get((host, control))
            if run.id in period_ids and status == "fixed":
                out.append({"host": host, "control_id": control, "run": run.id, "how": "enforced"})
            elif run.id in period_ids and status == "pass" and prev and prev[1] in ("fail", "error") \
                    and prev[0] in candidates:  # fmt: skip
                out.append({"host": host, "control_id": control, "run": run.id, "how": "by_hand"})
            previous[(host, control)] = (run.id, status)
    return out


def findings(runs: list[Run], start: dt.date, end: dt.date) -> dict[tuple[str, str], dict[str, Any]]:
    """Latest fail/error per (host, control) in the period: its failing streak over all history."""
    latest_run: dict[tuple[str, str], int] = {}
    for run in runs:
        if in_period(run, start, end):
            for host, control, _status in run.records:
                latest_run[(host, control)] = run.id
    out = {}
    for pair, last in latest_run.items():
        seq = [(r, s) for r in runs if r.id <= last for h, c, s in r.records if (h, c) == pair]
        if seq[-1][1] not in ("fail", "error"):
            continue
        streak: list[Run] = []
        for run, status in reversed(seq):
            if status not in ("fail", "error"):
                break
            streak.append(run)
        first = streak[-1]
        out[pair] = {
            "streak": len({r.id for r in streak}),
            "first_seen": first.started,
            "since": "new" if trend.local(first.started).date() >= start else "carried",
        }
    return out
