"""Switch configuration against emulated switches over real SSH (Cisco, Ruijie, Huawei VRP, H3C Comware).

The tests run in order on the same switches: first push from empty, idempotence, check mode,
a changed department VLAN, a rejected command rolled back, backups and restore.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.module_utils import cfgbackup, switchcfg
from ansible_collections.hisops.him.plugins.modules import hisops_switch_config as mod
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store
from switchlab import UNREACHABLE, VENDORS, Lab, results

pytestmark = pytest.mark.lab

PUSH = "HIM-3.4 | ENFORCE"
VLAN_130 = re.compile(r"\b130\b")
FLEET = "HIM-3.4 | ENFORCE | 交换机配置符合基线 / all switches at once"
MOVED_VLANS = json.dumps(
    {
        "hisops_vlans": {
            "it": {"id": 100, "name": "XXK-IT"},
            "outpatient": {"id": 130, "name": "MZ-OUTPATIENT"},
            "inpatient": {"id": 120, "name": "ZY-INPATIENT"},
        }
    }
)


def controls(result: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in result["hisops_controls"]}


def test_first_push_from_empty_and_unreachable_switch_reported(lab: Lab) -> None:
    empty = {name: lab.running(name) for name in VENDORS}
    out = lab.playbook("playbooks/switch_config.yml", limit=",".join([*VENDORS, UNREACHABLE]))
    stats, res = out["stats"], results(out, PUSH)
    for name in VENDORS:
        assert stats[name]["failures"] == 0 and stats[name]["unreachable"] == 0, res[name].get("msg")
        assert res[name]["changed"] is True and res[name]["saved"] is True and res[name]["verified"] is True
        assert controls(res[name]) == {"HIM-3.4-switch-config": "fixed", "HIM-3.7-switch-backup": "pass"}
        assert lab.running(name) != empty[name]
        # the backup taken before the push is the empty switch
        first = cfgbackup.list_backups(str(lab.backup_dir), name)[0]
        assert cfgbackup.read_backup(str(lab.backup_dir), name, first)[1] == empty[name]
    # the module runs on the control node: Ansible counts it failed; the result says unreachable
    assert stats[UNREACHABLE]["failures"] == 1 and res[UNREACHABLE]["unreachable"] is True
    assert "did not answer SSH" in res[UNREACHABLE]["msg"] or "cannot reach" in res[UNREACHABLE]["msg"]
    assert res[UNREACHABLE]["hisops_controls"][0]["status"] == "error"
    lab.at_baseline = True
    # secrets never appear in the output
    text = json.dumps(out)
    for secret in ("hisops-lab-ro", "hisops-lab-netadmin"):
        assert secret not in text


def test_second_run_changes_nothing(lab: Lab) -> None:
    lab.baseline()
    out = lab.playbook("playbooks/switch_config.yml")
    res = results(out, PUSH)
    for name in VENDORS:
        assert res[name]["changed"] is False and res[name]["commands"] == [] and res[name]["saved"] is False
        assert controls(res[name])["HIM-3.4-switch-config"] == "pass"


def test_check_mode_reports_and_leaves_running_config_byte_identical(lab: Lab) -> None:
    lab.baseline()
    before = {name: lab.running(name) for name in VENDORS}
    backups = {name: cfgbackup.list_backups(str(lab.backup_dir), name) for name in VENDORS}
    out = lab.playbook("playbooks/switch_config.yml", "--check", "--diff", "-e", MOVED_VLANS)
    res = results(out, PUSH)
    for name in VENDORS:
        assert res[name]["changed"] is True
        # VLAN 130 as a word: a masked secret's hash (<hashed:...>) may hold the digits 130
        assert any(VLAN_130.search(c) for c in res[name]["commands"])
        assert VLAN_130.search(res[name]["diff"]["after"]) and not VLAN_130.search(res[name]["diff"]["before"])
        assert controls(res[name])["HIM-3.4-switch-config"] == "fail"
        assert lab.running(name) == before[name]
        assert cfgbackup.list_backups(str(lab.backup_dir), name) == backups[name]


def test_changed_department_vlan_pushes_only_that_change(lab: Lab) -> None:
    lab.baseline()
    out = lab.playbook("playbooks/switch_config.yml", "-e", MOVED_VLANS, limit="sw-mz-01,sw-hw-01,sw-h3c-01")
    res = results(out, PUSH)
    assert res["sw-mz-01"]["commands"] == [
        "vlan 130",
        "name MZ-OUTPATIENT",
        "exit",
        "interface FastEthernet0/1",
        "switchport access vlan 130",
        "exit",
        "interface FastEthernet0/2",
        "switchport access vlan 130",
        "exit",
        "interface GigabitEthernet0/1",
        "switchport trunk allowed vlan 100,120,130",
        "exit",
        "no vlan 110",
    ]
    assert res["sw-hw-01"]["commands"] == [
        "vlan 130",
        "name MZ-OUTPATIENT",
        "quit",
        "vlan batch 130",
        "interface GigabitEthernet0/0/1",
        "port default vlan 130",
        "quit",
        "interface GigabitEthernet0/0/2",
        "port default vlan 130",
        "quit",
        "interface XGigabitEthernet0/0/1",
        # only the delta: VLANs 100 and 120 never leave the uplink
        "undo port trunk allow-pass vlan 110",
        "port trunk allow-pass vlan 130",
        "quit",
        "undo vlan batch 110",
    ]
    # sw-h3c-01 serves the inpatient department only: its access ports stay as they are
    assert res["sw-h3c-01"]["commands"] == [
        "vlan 130",
        "name MZ-OUTPATIENT",
        "quit",
        "interface Ten-GigabitEthernet1/0/25",
        "undo port trunk permit vlan 110",
        "port trunk permit vlan 130",
        "quit",
        "undo vlan 110",
    ]
    for name in ("sw-mz-01", "sw-hw-01", "sw-h3c-01"):
        assert res[name]["verified"] is True and res[name]["saved"] is True
    # and back to the plan of the inventory
    out = lab.playbook("playbooks/switch_config.yml", limit="sw-mz-01,sw-hw-01,sw-h3c-01")
    assert all(r["verified"] for r in results(out, PUSH).values())


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        (
            "sw-mz-01",
            ("interface FastEthernet0/1", " description MZ-101 ws-mz-01 outpatient"),
            ("interface FastEthernet0/2", " hisops-injected-bad-command"),
        ),
        (
            "sw-hw-01",
            ("interface GigabitEthernet0/0/1", " description MZ-201 mz-pc-201 outpatient"),
            ("interface GigabitEthernet0/0/2", " port hisops-injected-bad-command"),
        ),
        (
            "sw-h3c-01",
            ("interface GigabitEthernet1/0/1", " description ZY-4F-01 zy-pc-401 inpatient"),
            ("interface GigabitEthernet1/0/2", " port hisops-injected-bad-command"),
        ),
    ],
)
def test_rejected_command_mid_push_rolls_back(lab: Lab, name: str, good: tuple[str, str], bad: tuple[str, str]) -> None:
    lab.baseline()
    before = lab.running(name)
    vendor = VENDORS[name]
    intended = before.replace(good[0] + "\n" + good[1], good[0] + "\n description CHANGED-BEFORE-FAILURE")
    intended = intended.replace(bad[0] + "\n", bad[0] + "\n" + bad[1] + "\n")
    intended = switchcfg.prepare(intended, vendor, running=False, strict=False).text
    params = lab.params(name)
    params["intended_config"] = intended
    run = mod.SwitchConfig(params)
    with pytest.raises(mod.SwitchConfigFailed, match="rejected a command"):
        run.run()
    assert run.result["rolled_back"] is True and run.result["saved"] is False
    assert run.result["commands"].index(good[0]) < run.result["commands"].index(bad[0])  # the change was pushed first
    assert lab.running(name) == before


def test_failed_verification_rolls_back(lab: Lab) -> None:
    """The switch takes a command silently but does not apply it: the read-back catches it."""
    lab.baseline()
    name = "sw-mz-01"
    before = lab.running(name)
    intended = before.replace(
        "interface FastEthernet0/1\n description MZ-101 ws-mz-01 outpatient",
        "interface FastEthernet0/1\n description CHANGED\n switchport hisops-silently-ignored",
    )
    params = lab.params(name)
    params["intended_config"] = switchcfg.prepare(intended, "cisco_ios", running=False, strict=False).text
    run = mod.SwitchConfig(params)
    with pytest.raises(mod.SwitchConfigFailed, match=r"still differs .*hisops-silently-ignored"):
        run.run()
    assert run.result["rolled_back"] is True and run.result["verified"] is False
    assert lab.running(name) == before


def test_backups_accumulate_and_an_earlier_one_restores(lab: Lab) -> None:
    lab.baseline()
    name = "sw-rj-01"
    out = lab.playbook("playbooks/switch_config.yml", "-e", MOVED_VLANS, limit=name)
    assert results(out, PUSH)[name]["changed"] is True
    names = cfgbackup.list_backups(str(lab.backup_dir), name)
    assert len(names) == 3  # empty switch, baseline, moved VLAN
    baseline = names[1]
    out = lab.playbook("playbooks/switch_config.yml", "-e", "hisops_switch_action=list", limit=name)
    assert results(out, "HIM-3.7 | ENFORCE")[name]["backups"] == names
    out = lab.playbook(
        "playbooks/switch_config.yml",
        "-e",
        "hisops_switch_action=restore",
        "-e",
        "hisops_switch_restore_version=%s" % baseline,
        limit=name,
    )
    res = results(out, "HIM-3.7 | ENFORCE")[name]
    assert res["restored_from"] == baseline and res["changed"] is True and res["verified"] is True
    restored = cfgbackup.read_backup(str(lab.backup_dir), name, baseline)[1]
    assert switchcfg.compute(lab.running(name), restored, "ruijie_os", strict=False).commands == []
    assert len(cfgbackup.list_backups(str(lab.backup_dir), name)) == 4


def test_bad_input_fails_before_any_switch_is_touched(lab: Lab) -> None:
    before = {name: lab.running(name) for name in VENDORS}
    bad = json.dumps(
        {
            "hisops_vlans": {
                "it": {"id": 100, "name": "XXK-IT"},
                "outpatient": {"id": 4095, "name": "MZ"},
                "inpatient": {"id": 100, "name": "ZY"},
            }
        }
    )
    out = lab.playbook("playbooks/switch_config.yml", "-e", bad)
    # the whole inventory is validated on the control node before any host is touched
    res = results(out, "Validate | every host's data")
    msgs = " ".join(r.get("msg", "") for r in res.values())
    assert "switch sw-mz-01: hisops_vlans.outpatient.id 4095 is not a VLAN id (1-4094)" in msgs
    assert "duplicate VLAN id" in msgs
    assert all(out["stats"].get(name, {}).get("changed", 0) == 0 for name in VENDORS)
    assert {name: lab.running(name) for name in VENDORS} == before


def test_parallel_mode_one_task_for_all_switches(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """hisops_switch_parallel: every switch from one task (two worker processes, threads in each),
    no per-host task; an unreachable one fails alone and each switch is recorded under its name."""
    lab.baseline()
    monkeypatch.setenv("HISOPS_STORE", str(tmp_path / "store.sqlite"))
    before = {name: lab.running(name) for name in VENDORS}
    backups = {name: cfgbackup.list_backups(str(lab.backup_dir), name) for name in VENDORS}
    out = lab.playbook(
        "playbooks/switch_config.yml", "--check", "--diff", "-e", MOVED_VLANS, "-e", "hisops_switch_parallel=8",
        "-e", "hisops_switch_processes=2", limit=",".join([*VENDORS, UNREACHABLE]),
    )  # fmt: skip
    # the whole-inventory validation play comes first; in the switch play, no per-host task after it
    play = next(p for p in out["plays"] if p["play"]["name"].startswith("Switch configuration"))
    assert FLEET in [t["task"]["name"] for t in play["tasks"]][-1]
    fleet = next(iter(results(out, FLEET).values()))
    per_switch = fleet["switches"]
    assert sorted(per_switch) == sorted([*VENDORS, UNREACHABLE])
    for name in VENDORS:
        assert per_switch[name]["changed"] is True and per_switch[name]["failed"] is False
        assert any(VLAN_130.search(c) for c in per_switch[name]["commands"])
        assert VLAN_130.search(per_switch[name]["diff"]["after"])
        assert lab.running(name) == before[name]  # check mode: nothing sent, nothing stored
        assert cfgbackup.list_backups(str(lab.backup_dir), name) == backups[name]
    assert per_switch[UNREACHABLE]["failed"] is True and per_switch[UNREACHABLE]["unreachable"] is True
    assert fleet["failed"] is True and fleet["failed_switches"] == [UNREACHABLE]  # the run fails, naming it
    # the results store has each switch under its own name (the recorder reads the per-switch results)
    with open_store(str(tmp_path / "store.sqlite")) as store:
        run = store.runs()[-1]
        hosts = {h["host"]: h["status"] for h in store.run_host_results(run["uuid"])}
        recorded = {(c["host"], c["control_id"]): c["status"] for c in store.run_control_results(run["uuid"])}
    assert hosts == {**dict.fromkeys(VENDORS, "ok"), UNREACHABLE: "unreachable"}
    assert recorded[("sw-hw-01", "HIM-3.4-switch-config")] == "fail"  # check mode, differs
    assert recorded[(UNREACHABLE, "HIM-3.4-switch-config")] == "error"
    # and a real parallel run at the baseline changes nothing
    out = lab.playbook("playbooks/switch_config.yml", "-e", "hisops_switch_parallel=8", limit=",".join(VENDORS))
    per_switch = next(iter(results(out, FLEET).values()))["switches"]
    assert all(r["changed"] is False and r["commands"] == [] for r in per_switch.values())


def test_parallel_mode_lists_every_switchs_problems_before_any_push(lab: Lab) -> None:
    """Every switch's problems in one list, naming switch and field, and no switch is touched (no
    push, no backup): bad switch data is stopped by the whole-inventory check that comes first;
    what only the role's argument spec knows (a timeout that is not a number) by the fleet task."""
    lab.baseline()
    before = {name: lab.running(name) for name in VENDORS}
    backups = {name: cfgbackup.list_backups(str(lab.backup_dir), name) for name in VENDORS}
    bad_port = json.dumps({"hisops_switch_uplinks": [{"port": "GigabitEthernet9/9", "description": "x"}]})
    out = lab.playbook("playbooks/switch_config.yml", "-e", bad_port, "-e", "hisops_switch_parallel=8")
    check = next(iter(results(out, "Validate | every host's data").values()))
    assert check["failed"] is True
    for name in VENDORS:
        assert any(
            p.startswith("switch %s: hisops_switch_uplinks[0].port 'GigabitEthernet9/9'" % name)
            for p in check["problems"]
        ), check["problems"]
    assert not any(FLEET in t["task"]["name"] for play in out["plays"] for t in play["tasks"])

    out = lab.playbook(
        "playbooks/switch_config.yml", "-e", "hisops_switch_parallel=8", "-e", "hisops_switch_conn_timeout=fast"
    )
    fleet = next(iter(results(out, FLEET).values()))
    assert fleet["failed"] is True and "switches" not in fleet
    problems = fleet["problems"]
    for name in VENDORS:  # every switch's problems, each naming the switch and the field
        assert any(p.startswith("switch %s: " % name) and "hisops_switch_conn_timeout" in p for p in problems)
    assert all(p in fleet["msg"] for p in problems)
    assert {name: lab.running(name) for name in VENDORS} == before
    assert {name: cfgbackup.list_backups(str(lab.backup_dir), name) for name in VENDORS} == backups


def test_switch_identity_for_the_equipment_register(lab: Lab) -> None:
    """Model, serial number and software version of every vendor's switch, read-only."""
    from ansible_collections.hisops.him.plugins.module_utils import netdev
    from ansible_collections.hisops.him.plugins.modules import hisops_switch_facts

    manufacturer = {"cisco_ios": "Cisco", "ruijie_os": "Ruijie", "huawei_vrp": "Huawei", "h3c_comware": "H3C"}
    before = {name: lab.running(name) for name in VENDORS}
    for name, vendor in VENDORS.items():
        conn = netdev.connect(lab.params(name))
        try:
            facts = hisops_switch_facts.read(conn, vendor, "127.0.0.1", evidence=False)["ansible_facts"]
        finally:
            netdev.close(conn, vendor)
        assert facts["ansible_net_vendor"] == manufacturer[vendor] and facts["ansible_net_hostname"] == name
        assert facts["ansible_net_model"] and facts["ansible_net_serialnum"] and facts["ansible_net_version"], facts
        assert facts["ansible_net_mgmt_ipv4"] == "127.0.0.1"
    assert {name: lab.running(name) for name in VENDORS} == before  # nothing changed


def test_wrong_enable_secret_and_unprivileged_push_are_refusals_not_timeouts(lab: Lab) -> None:
    """Refusals are named as such at once (a timeout would name a switch that stopped answering)."""
    from ansible_collections.hisops.him.plugins.module_utils import netdev

    params = {**lab.params("sw-mz-01"), "secret": "not-the-secret", "command_timeout": 120.0}
    with pytest.raises(netdev.SwitchConnectionError, match="refused privileged mode: check hisops_switch_secret"):
        netdev.connect(params)
    before = lab.running("sw-mz-01")
    conn = netdev.connect({**params, "secret": ""})  # logged in, not privileged
    try:
        with pytest.raises(netdev.SwitchCommandError, match="refused configuration mode"):
            netdev.push(conn, ["vlan 99", "name NEVER"], "cisco_ios")
    finally:
        netdev.close(conn, "cisco_ios")
    assert lab.running("sw-mz-01") == before


def test_parallel_mode_ctrl_c_mid_push_leaves_no_switch_half_pushed(lab: Lab) -> None:
    """Ctrl-C (SIGINT to ansible-playbook) while the fleet task pushes: Ansible passes the signal to its
    worker's process group, the engine's process stops and restores each switch it was changing.
    Every switch ends as it was or at the intended configuration, never in between (independent reads)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from switchlab import ROOT

    cisco = ["sw-mz-01", "sw-rj-01"]
    # a long push: 40 more VLANs (three commands each, and the uplinks' trunk lists), valid for every
    # switch of the inventory (the whole-inventory check reads every switch, not only --limit)
    vlans = json.loads(MOVED_VLANS)["hisops_vlans"] | {
        "extra%02d" % i: {"id": 2000 + i, "name": "STOP-TEST-%02d" % i} for i in range(1, 41)
    }
    long_push = json.dumps({"hisops_vlans": vlans})
    lab.baseline()
    before = {name: lab.running(name) for name in cisco}
    # without an earlier backup, each switch's backup file is written right before its push (a
    # configuration equal to the last backup writes none): the moment to press Ctrl-C
    for name in cisco:
        for old in cfgbackup.list_backups(str(lab.backup_dir), name):
            (lab.backup_dir / name / old).unlink()
    backups = dict.fromkeys(cisco, 0)
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
    cmd = [
        str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(ROOT / "inventory" / "lab"),
        "-i", str(lab.inventory), "--limit", ",".join(cisco), "-e", "hisops_switch_backup_dir=%s" % lab.backup_dir,
        "-e", "hisops_switch_known_hosts=%s" % (lab.tmp / "known_hosts"), "-e", "hisops_switch_parallel=8",
        "-e", long_push, "playbooks/switch_config.yml",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        # the push starts right after each switch's backup of this run is written
        while not any(len(cfgbackup.list_backups(str(lab.backup_dir), n)) > backups[n] for n in cisco):
            assert proc.poll() is None and time.monotonic() < deadline, "the push never started"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0 and "PLAY RECAP" not in out, out[-2000:]
    # the engine's process finishes its restore on its own (its worker is gone): wait until it is still
    last: dict[str, str] = {}
    while (now := {name: lab.running(name) for name in cisco}) != last:
        assert time.monotonic() < deadline + 60, "the switches kept changing after the run was stopped"
        last = now
        time.sleep(1.0)
    at_intended = lab.playbook("playbooks/switch_config.yml", "--check", "-e", long_push, limit=",".join(cisco))
    pending = results(at_intended, "HIM-3.4 | ENFORCE")
    try:
        for name in cisco:
            now = lab.running(name)
            assert now == before[name] or pending[name]["changed"] is False, (name, pending[name]["commands"][:5])
    finally:  # back to the inventory's baseline
        out_back = lab.playbook("playbooks/switch_config.yml", limit=",".join(cisco))
        assert all(s["failures"] == 0 for s in out_back["stats"].values()), out_back["stats"]
