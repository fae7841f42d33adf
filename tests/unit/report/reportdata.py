"""A small, fully known history written through the store's API, for the report tests.

November 2026 (the period the tests report on) has two runs; October has one run that a
November report must ignore and a Q4 report must include.
"""

from __future__ import annotations

from pathlib import Path

from ansible_collections.hisops.him.plugins.plugin_utils.store import Batch, Store, open_store

DEPARTMENTS = {
    "outpatient": ("门诊部", "张丽", "MZ0101"),
    "inpatient": ("住院部", "李强", "ZY0101"),
    "it": ("信息科", "王伟", "XX0001"),
}
HOSTS = {  # host: (department, kind)
    "ws-mz-01": ("outpatient", "workstation"),
    "ws-mz-02": ("outpatient", "workstation"),
    "ws-zy-01": ("inpatient", "workstation"),
    "ws-zy-02": ("inpatient", "workstation"),
    "sw-core-01": ("it", "switch"),
    "db-01": ("it", "server"),
}
WS = ("HIM-5.4-games", "HIM-7.4-storage", "HIM-7.7-antivirus")

# (uuid, started, mode, {(host, control): status}, unreachable hosts, switch changes)
RUNS = [
    (
        "oct-1",
        "2026-10-15T02:00:00.000000Z",
        "check",
        {(h, c): "fail" for h in ("ws-mz-01", "ws-mz-02", "ws-zy-01") for c in WS},
        (),
        [],
    ),
    (
        "nov-1",
        "2026-11-03T02:00:00.000000Z",
        "check",
        {
            ("ws-mz-01", "HIM-5.4-games"): "fail",
            ("ws-mz-01", "HIM-7.4-storage"): "pass",
            ("ws-mz-01", "HIM-7.7-antivirus"): "pass",
            ("ws-mz-02", "HIM-5.4-games"): "pass",
            ("ws-mz-02", "HIM-7.4-storage"): "pass",
            ("ws-mz-02", "HIM-7.7-antivirus"): "exempt",
            ("ws-zy-01", "HIM-5.4-games"): "pass",
            ("ws-zy-01", "HIM-7.4-storage"): "pass",
            ("ws-zy-01", "HIM-7.7-antivirus"): "error",
            ("sw-core-01", "HIM-3.4-switch-config"): "fail",
            ("db-01", "HIM-8.2.6-db-backup"): "pass",
        },
        ("ws-zy-02",),
        [("ws-mz-01", "HIM-5.4 | AUDIT | games", "would remove: 2048")],  # check mode: not a change
    ),
    (
        "nov-2",
        "2026-11-20T02:00:00.000000Z",
        "enforce",
        {
            ("ws-mz-01", "HIM-5.4-games"): "fixed",
            ("ws-zy-01", "HIM-7.4-storage"): "fail",
            ("sw-core-01", "HIM-3.4-switch-config"): "fixed",
        },
        (),
        [
            ("sw-core-01", "HIM-3.4 | ENFORCE | VLANs per department", "vlan 20 name outpatient (门诊部)"),
            ("ws-mz-01", "HIM-5.4 | ENFORCE | games", "removed: 2048"),
        ],
    ),
]

EVIDENCE = {"fail": ["found: 发现问题 <b>&x</b>", "second line"], "error": ["module failed: timeout"]}


def fill(store: Store, with_assets: bool = True, with_changes: bool = True) -> None:
    for uuid, started, mode, results, unreachable, changes in RUNS:
        store.start_run(
            {
                "uuid": uuid,
                "started": started,
                "mode": mode,
                "user_name": "netcenter",
                "playbook": "compliance_audit.yml",
            }
        )
        batch = Batch(uuid)
        hosts = sorted({h for h, _ in results} | set(unreachable))
        for host in hosts:
            dept, kind = HOSTS[host]
            status = "unreachable" if host in unreachable else "ok"
            batch.hosts.append(
                {"host": host, "department": dept, "kind": kind, "status": status, "recorded_at": started}
            )
            if with_assets and host not in unreachable:
                name, custodian, staff = DEPARTMENTS[dept]
                batch.assets.append(
                    {
                        "host": host,
                        "department": dept,
                        "department_name": name,
                        "custodian": custodian,
                        "custodian_staff_id": staff,
                        "vendor": "Lenovo",
                        "product": "ThinkCentre",
                        "serial": "SN-" + host,
                        "os": "Debian",
                        "os_version": "12",
                        "cpus": 4,
                        "memory_mb": 8192,
                        "ipv4": "10.0.0.%d" % (hosts.index(host) + 1),
                        "packages_count": 400,
                        "recorded_at": started,
                    }
                )
        for (host, control), status in sorted(results.items()):
            batch.controls.append(
                {
                    "host": host,
                    "department": HOSTS[host][0],
                    "control_id": control,
                    "status": status,
                    "severity": "high",
                    "evidence": EVIDENCE.get(status, []),
                    "message": "%s on %s" % (status, host),
                    "recorded_at": started,
                }
            )
        if with_changes:
            for host, task, summary in changes:
                batch.changes.append({"host": host, "task": task, "module": "hisops_switch_config", "changed": 1,
                                      "summary": summary, "recorded_at": started})  # fmt: skip
        store.write(batch)
        store.finish_run(uuid, "ok", duration=12.5)


def make_store(path: Path | str, **kw: bool) -> str:
    store = open_store(str(path))
    try:
        fill(store, **kw)
    finally:
        store.close()
    return str(path)


def expected_latest(period: str = "2026-11") -> dict[tuple[str, str], str]:
    """The latest status per (host, control) in a period, computed here from RUNS (not the store)."""
    months = {"2026-11": ("2026-11",), "2026-Q4": ("2026-10", "2026-11", "2026-12")}[period]
    latest: dict[tuple[str, str], str] = {}
    for _uuid, started, _mode, results, _unreach, _changes in RUNS:
        if started[:7] in months:
            latest.update(results)
    return latest
