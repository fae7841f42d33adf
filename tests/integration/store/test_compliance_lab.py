"""A compliance run on the lab, directly and through ansible-runner (AWX's executor), is recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[3]
PLAYBOOK = "playbooks/compliance_audit.yml"


def lab_hosts() -> dict[str, str]:
    """Every host of the lab inventory and its department code (from its dept_ group)."""
    data = yaml.safe_load((ROOT / "inventory" / "lab" / "hosts.yml").read_text())
    out: dict[str, str] = {}
    for group, body in data["all"]["children"]["departments"]["children"].items():
        for host in body["hosts"]:
            out[host] = group.removeprefix("dept_")
    return out


EXTRA_INVENTORY = """
all:
  children:
    dept_outpatient:
      hosts:
        ws-gone:     # nothing listens on its port: unreachable
          ansible_host: 127.0.0.1
          ansible_port: %(closed_port)d
        ws-broken:   # a real lab host whose Python is missing: every module fails
          ansible_host: 127.0.0.1
          ansible_port: 22211
          ansible_python_interpreter: /nonexistent/python3
    workstations_linux:
      hosts:
        ws-gone:
        ws-broken:
"""


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the socket is


def test_compliance_run_records_every_lab_host(tmp_path: Path) -> None:
    store_path = tmp_path / "results.sqlite"
    extra = tmp_path / "extra.yml"
    extra.write_text(EXTRA_INVENTORY % {"closed_port": _closed_port()})
    env = dict(os.environ, HISOPS_STORE=str(store_path), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        ["ansible-playbook", "-i", "inventory/lab", "-i", str(extra), PLAYBOOK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode in (0, 2, 4), proc.stdout[-3000:] + proc.stderr[-3000:]
    expected = lab_hosts() | {"ws-gone": "outpatient", "ws-broken": "outpatient"}
    with open_store(store_path) as store:
        (run,) = store.runs()
        # a failing and an unreachable host make the run "failed", but it went through every host
        assert (run["status"], run["mode"], run["playbook"]) == ("failed", "check", PLAYBOOK)
        hosts = {h["host"]: h for h in store.run_host_results(run["uuid"])}
        assert {h: r["department"] for h, r in hosts.items()} == expected
        assert {h for h, r in hosts.items() if r["kind"] == "switch"} == {h for h in expected if h.startswith("sw-")}
        assert hosts["ws-gone"]["status"] == "unreachable" and hosts["ws-gone"]["unreachable"] > 0
        assert hosts["ws-broken"]["status"] == "failed" and hosts["ws-broken"]["message"]
        lab = lab_hosts()
        assert all(hosts[h]["status"] == "ok" for h in lab)
        # every host has its HIM-7.6 record, the failing and the unreachable one too; every
        # recorded control is an automated control of the catalog; hosts of one kind were
        # audited for the same controls (whatever control roles the playbook imports)
        catalog = yaml.safe_load((ROOT / "group_vars" / "all" / "controls.yml").read_text())["hisops_control_catalog"]
        by_host: dict[str, dict[str, str]] = {}
        for rec in store.run_control_results(run["uuid"]):
            by_host.setdefault(rec["host"], {})[rec["control_id"]] = rec["status"]
        assert set(by_host) == set(expected)
        assert all(controls["HIM-7.6-audit-trail"] == "pass" for controls in by_host.values())
        recorded = {cid for controls in by_host.values() for cid in controls}
        assert all(catalog[cid]["kind"] == "automated" for cid in recorded), recorded - set(catalog)
        db_servers = set(yaml.safe_load((ROOT / "inventory" / "lab" / "hosts.yml").read_text())["all"]["children"]
                         ["db_servers"]["hosts"])  # fmt: skip
        for kind in ("workstation", "switch", "server"):
            for databases in (True, False):  # database servers also have HIM-8.2.6 (issue 15)
                audited = {
                    frozenset(by_host[h]) for h in lab if hosts[h]["kind"] == kind and (h in db_servers) == databases
                }
                assert len(audited) <= 1, (kind, audited)
        assets = {a["host"]: a for a in store.assets()}
        linux = {h for h in lab if not h.startswith("sw-")}
        assert set(assets) == set(lab)  # computers and switches
        for host in linux:
            asset = assets[host]
            assert asset["os"] == "Debian" and asset["packages_count"] > 100 and asset["memory_mb"] > 0
            assert asset["department"] == lab[host] and asset["custodian"]  # joined with the inventory
        assert assets["ws-mz-01"]["ipv4"] == "10.89.210.11" and assets["ws-mz-01"]["department_name"] == "门诊部"
        # the asset register's data from the inventory (host_vars/ws-mz-01.yml; ws-mz-02 has none)
        register = ("device_kind", "asset_id", "location", "purchase_date")
        assert [assets["ws-mz-01"][c] for c in register] == ["Linux工作站", "HIS-PC-2021-0101", "门诊楼1层 MZ-101",
                                                             "2021-03-15"]  # fmt: skip
        assert [assets["ws-mz-02"][c] for c in register] == ["", "", "", ""]
        # switches: identity read over SSH (hisops_switch_facts), joined with the inventory too
        for host in set(lab) - linux:
            asset = assets[host]
            assert asset["vendor"] in ("Cisco", "Ruijie", "Huawei", "H3C") and asset["department"] == lab[host]
            assert asset["product"] and asset["serial"] and asset["os_version"], asset
        huawei = assets["sw-hw-01"]
        assert (huawei["vendor"], huawei["os"], huawei["product"]) == ("Huawei", "VRP", "S5735-L24T4S-A")
        assert huawei["serial"].startswith("2102353169") and huawei["os_version"] == "V200R019C10SPC500"
        assert assets["sw-h3c-01"]["serial"].startswith("219801A2YK") and assets["sw-h3c-01"]["os"] == "Comware"
        by_dept = {d["department"]: d["total"] for d in store.compliance_by_department()}
        assert by_dept == {
            d: sum(len(by_host[h]) for h, v in expected.items() if v == d) for d in set(expected.values())
        }


def test_compliance_run_through_ansible_runner(tmp_path: Path) -> None:
    import ansible_runner

    store_path = tmp_path / "results.sqlite"
    (tmp_path / "runner").mkdir()
    runner = ansible_runner.run(
        private_data_dir=str(tmp_path / "runner"),
        project_dir=str(ROOT),
        playbook=PLAYBOOK,
        inventory=str(ROOT / "inventory" / "lab"),
        limit="dept_outpatient",
        envvars={"HISOPS_STORE": str(store_path), "HISOPS_RUN_USER": "ansible-runner-test"},
        quiet=True,
    )
    assert (runner.status, runner.rc) == ("successful", 0)
    # runner kept its artifacts: the job's events and stdout
    artifacts = Path(runner.config.artifact_dir)
    assert (artifacts / "stdout").is_file() and any((artifacts / "job_events").iterdir())
    with open_store(store_path) as store:
        (run,) = store.runs()
        assert (run["status"], run["user_name"], run["limit_expr"]) == ("ok", "ansible-runner-test", "dept_outpatient")
        hosts = {h["host"] for h in store.run_host_results(run["uuid"])}
        outpatient = {h for h, d in lab_hosts().items() if d == "outpatient"}
        assert hosts == outpatient
        trail = {
            c["host"]: c["status"]
            for c in store.run_control_results(run["uuid"])
            if c["control_id"] == "HIM-7.6-audit-trail"
        }
        assert trail == dict.fromkeys(outpatient, "pass")
