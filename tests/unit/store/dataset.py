"""A small deterministic history for query tests: 3 runs over two days, 4 hosts, 3 controls."""

from __future__ import annotations

from ansible_collections.hisops.him.plugins.plugin_utils.store import Batch, Store

HOSTS = {"ws-mz-01": "outpatient", "ws-mz-02": "outpatient", "ws-zy-01": "inpatient", "sw-zy-01": "inpatient"}
CONTROLS = ("HIM-5.4-games", "HIM-7.1-screenlock", "HIM-3.4-switch-config")

# (uuid, started, mode, {(host, control): status}) -- hosts/controls not listed are absent from the run
RUNS = [
    (
        "run-1",
        "2026-10-31T23:30:00.000000Z",  # the last day of October in UTC
        "check",
        {
            ("ws-mz-01", "HIM-5.4-games"): "fail",
            ("ws-mz-02", "HIM-5.4-games"): "pass",
            ("ws-zy-01", "HIM-5.4-games"): "fail",
            ("ws-mz-01", "HIM-7.1-screenlock"): "fail",
            ("sw-zy-01", "HIM-3.4-switch-config"): "fail",
        },
    ),
    (
        "run-2",
        "2026-11-02T02:00:00.000000Z",
        "enforce",
        {
            ("ws-mz-01", "HIM-5.4-games"): "fixed",
            ("ws-zy-01", "HIM-5.4-games"): "fixed",
            ("ws-mz-01", "HIM-7.1-screenlock"): "error",
            ("sw-zy-01", "HIM-3.4-switch-config"): "fixed",
        },
    ),
    (
        "run-3",
        "2026-11-02T08:00:00.000000Z",
        "check",
        {
            ("ws-mz-01", "HIM-5.4-games"): "pass",
            ("ws-mz-01", "HIM-7.1-screenlock"): "fail",
            ("ws-mz-02", "HIM-7.1-screenlock"): "exempt",
        },
    ),
]


def fill(store: Store) -> None:
    """Write RUNS (with host outcomes, changes on the switch and assets) into ``store``."""
    for uuid, started, mode, results in RUNS:
        store.start_run({"uuid": uuid, "started": started, "mode": mode, "user_name": "tester", "playbook": "p.yml"})
        hosts = sorted({h for h, _ in results})
        batch = Batch(uuid)
        for host in hosts:
            failing = any(s in ("fail", "error") for (h, _), s in results.items() if h == host)
            batch.hosts.append(
                {
                    "host": host,
                    "department": HOSTS[host],
                    "kind": "switch" if host.startswith("sw-") else "workstation",
                    "status": "failed" if failing and mode == "enforce" else "ok",
                    "ok": 3,
                    "recorded_at": started,
                }
            )
            batch.assets.append(
                {
                    "host": host,
                    "department": HOSTS[host],
                    "serial": "SN-%s-%s" % (host, uuid),
                    "memory_mb": 4096,
                    "disk_total_gb": 128.5,
                    "facts": {"os": "Debian", "run": uuid},
                    "recorded_at": started,
                }
            )
        for (host, control), status in sorted(results.items()):
            batch.controls.append(
                {
                    "host": host,
                    "department": HOSTS[host],
                    "control_id": control,
                    "status": status,
                    "severity": "high",
                    "evidence": ["%s on %s in %s" % (control, host, uuid)],
                    "changes": ["fix %s" % control] if status == "fixed" else [],
                    "message": "中文 message",
                    "task": "%s | AUDIT" % control,
                    "recorded_at": started,
                }
            )
            if status == "fixed":
                batch.changes.append(
                    {
                        "host": host,
                        "task": control,
                        "module": "m",
                        "changed": 1,
                        "summary": "+ x",
                        "recorded_at": started,
                    }
                )
        store.write(batch)
        store.finish_run(uuid, "ok", ended=started, duration=10.0, stats={h: {"ok": 3} for h in hosts})
