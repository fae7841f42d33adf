"""The baseline means what it says (issue 12), against emulated switches of every vendor.

Each test reads the running configuration independently, with a plain netmiko session (not
hisops' own connection code), before and after hisops acts: AAA on Cisco/Ruijie, a rotated
local-user password and SNMP community checked against the hash the switch stores, a
trunk's allowed VLANs changed by their delta only, and a Comware refusal named as such.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
import uuid
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.module_utils import switchcfg
from ansible_collections.hisops.him.plugins.modules import hisops_switch_config as mod
from ansible_collections.hisops.him.plugins.plugin_utils import switch_secrets
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store
from switchlab import PASSWORD, VENDORS, Lab, results

pytestmark = pytest.mark.lab

PUSH = "HIM-3.4 | ENFORCE"
SHOW = {"cisco_ios": "show running-config", "ruijie_os": "show running-config"}


def plain_read(lab: Lab, name: str) -> str:
    """The running configuration through a plain netmiko session (independent of hisops)."""
    from netmiko import ConnectHandler

    vendor = VENDORS[name]
    device = {"cisco_ios": "cisco_ios", "ruijie_os": "ruijie_os", "huawei_vrp": "huawei", "h3c_comware": "hp_comware"}
    conn = ConnectHandler(
        device_type=device[vendor],
        host="127.0.0.1",
        port=lab.ports[name],
        username="admin",
        password=PASSWORD,
        secret=PASSWORD,
        use_keys=False,
        allow_agent=False,
    )
    try:
        if vendor == "cisco_ios":
            conn.enable()
        return conn.send_command(SHOW.get(vendor, "display current-configuration"), read_timeout=20)
    finally:
        conn.disconnect()


CISCO_B64 = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)


def holds_password(vendor: str, running: str, secret: str) -> bool:
    """Whether the switch stores a hash of ``secret`` for a local user (computed here, not by hisops).

    Cisco / Ruijie emulators store real type 9 (scrypt) / type 8 (PBKDF2-SHA256) hashes with a
    fresh salt; the Huawei / H3C emulators their documented stand-in hashes.
    """
    if vendor not in ("cisco_ios", "ruijie_os"):
        digest = hashlib.sha256(secret.encode()).hexdigest()
        stand_in = {
            "huawei_vrp": "irreversible-cipher $1a$%s$" % digest[:32],
            "h3c_comware": "password hash $h$6$" + digest[:32],
        }
        return stand_in[vendor] in running
    for kind, salt, key in re.findall(r"(?m)^username \S+ privilege \d+ secret ([89]) \$\1\$(\S{14})\$(\S+)$", running):
        if kind == "8":
            raw = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), 20000)
        else:
            raw = hashlib.scrypt(secret.encode(), salt=salt.encode(), n=16384, r=1, p=1, dklen=32)
        if base64.b64encode(raw).rstrip(b"=").translate(CISCO_B64).decode() == key:
            return True
    return False


def stored_community(vendor: str, community: str) -> str:
    if vendor in ("cisco_ios", "ruijie_os"):
        return "snmp-server community %s RO" % community
    return base64.b64encode(community.encode()).decode()


def secrets_vars(password: str, community: str) -> str:
    return json.dumps(
        {"vault_hisops_switch_netadmin_password": password, "vault_hisops_switch_snmp_community": community}
    )


def test_aaa_lines_are_pushed_and_claimed_only_when_present(lab: Lab) -> None:
    lab.baseline()
    for name in ("sw-mz-01", "sw-rj-01"):
        running = plain_read(lab, name)
        assert re.search(r"(?m)^aaa new-model$", running), running
        assert re.search(r"(?m)^aaa authentication login default local$", running), running
    out = lab.playbook("playbooks/switch_config.yml", "--check", limit="sw-mz-01,sw-rj-01")
    for name, res in results(out, PUSH).items():
        assert res["changed"] is False, (name, res["commands"])


def test_rotated_password_and_community_are_pushed_and_verified_by_hash(lab: Lab) -> None:
    """Department password rotation: a changed secret is pushed although the switch shows only a hash."""
    lab.baseline()
    new_pw, new_comm = "Rot-%s" % uuid.uuid4().hex[:12], "Com-%s" % uuid.uuid4().hex[:12]
    before = {name: plain_read(lab, name) for name in VENDORS}
    try:
        out = lab.playbook("playbooks/switch_config.yml", "-e", secrets_vars(new_pw, new_comm), limit=",".join(VENDORS))
        res = results(out, PUSH)
        for name, vendor in VENDORS.items():
            assert res[name]["changed"] is True and res[name]["verified"] is True, (name, res[name])
            after = plain_read(lab, name)
            assert holds_password(vendor, after, new_pw) and not holds_password(vendor, before[name], new_pw)
            assert stored_community(vendor, new_comm) in after
            assert len(re.findall(r"(?m)^snmp-(?:server|agent) community ", after)) == 1, after  # old one gone
            assert new_pw not in json.dumps(res[name]) and new_comm not in json.dumps(res[name])
        assert_store_has_the_pushed_versions(lab, new_pw, new_comm)
        # the same secrets again: nothing to push
        out = lab.playbook("playbooks/switch_config.yml", "-e", secrets_vars(new_pw, new_comm), limit=",".join(VENDORS))
        assert all(r["changed"] is False for r in results(out, PUSH).values())
        # Cisco / Ruijie: the stored hash decides, with no record of what was pushed (a new control node)
        for name in ("sw-mz-01", "sw-rj-01"):
            (lab.backup_dir / name / "secret-versions.json").unlink()
        cisco = "sw-mz-01,sw-rj-01"
        out = lab.playbook("playbooks/switch_config.yml", "--check", "-e", secrets_vars(new_pw, new_comm), limit=cisco)
        assert all(r["changed"] is False for r in results(out, PUSH).values()), results(out, PUSH)
        other = secrets_vars(new_pw + "-2", new_comm)
        out = lab.playbook("playbooks/switch_config.yml", "--check", "-e", other, limit=cisco)
        for name, res in results(out, PUSH).items():
            assert [c for c in res["commands"] if c.startswith("username ")], (name, res["commands"])
    finally:  # back to the inventory's secrets
        out = lab.playbook("playbooks/switch_config.yml", limit=",".join(VENDORS))
        back = results(out, PUSH)
        assert all(r.get("verified") for r in back.values()), {n: r.get("msg") for n, r in back.items()}
    for name in VENDORS:  # the same lines (a re-added community may come last; IOS hashes with a fresh salt)
        after = plain_read(lab, name)
        assert not holds_password(VENDORS[name], after, new_pw)
        assert sorted(unsalted(after).splitlines()) == sorted(unsalted(before[name]).splitlines())


def assert_store_has_the_pushed_versions(lab: Lab, *secrets: str) -> None:
    """The results store names the version each switch got, as the file beside its backups does (never the secret)."""
    store_path = Path(os.environ["HISOPS_STORE"])
    with open_store(store_path) as store:
        current = switch_secrets.current(store)
    for name in VENDORS:
        recorded = json.loads((lab.backup_dir / name / "secret-versions.json").read_text(encoding="utf-8"))
        in_store = {secret: row["version"] for (host, secret), row in current.items() if host == name}
        assert in_store and all(recorded[k]["version"] == v for k, v in in_store.items()), (name, in_store, recorded)
    stored = b"".join(p.read_bytes() for p in store_path.parent.glob(store_path.name + "*"))
    assert not any(secret.encode() in stored for secret in secrets)


def unsalted(running: str) -> str:
    return re.sub(r"(?m)^(username \S+ privilege \d+ secret [89]) \S+$", r"\1 <hash>", running)


def test_trunk_vlan_change_sends_only_the_delta(lab: Lab) -> None:
    """Huawei/H3C: the uplink keeps every unchanged VLAN (no undo of the whole list, then re-add)."""
    lab.baseline()
    moved = json.dumps({"hisops_vlans": {
        "it": {"id": 100, "name": "XXK-IT"},
        "outpatient": {"id": 130, "name": "MZ-OUTPATIENT"},
        "inpatient": {"id": 120, "name": "ZY-INPATIENT"},
    }})  # fmt: skip
    names = ("sw-hw-01", "sw-h3c-01")
    before = {name: plain_read(lab, name) for name in names}
    out = lab.playbook("playbooks/switch_config.yml", "-e", moved, limit=",".join(names))
    try:
        res = results(out, PUSH)
        for name in names:
            undo = [c for c in res[name]["commands"] if c.startswith("undo port trunk")]
            assert undo in (["undo port trunk allow-pass vlan 110"], ["undo port trunk permit vlan 110"]), undo
            after = plain_read(lab, name)
            assert re.search(r"(?m)^ port trunk (allow-pass|permit) vlan 100 120 130$", after), after
    finally:
        out = lab.playbook("playbooks/switch_config.yml", limit=",".join(names))
    assert {name: plain_read(lab, name) for name in names} == before


def test_comware_refusal_is_named_a_rejection(lab: Lab) -> None:
    """H3C refuses an access VLAN that does not exist ('% ...'): a rejected command, rolled back."""
    lab.baseline()
    name = "sw-h3c-01"
    before = plain_read(lab, name)
    intended = re.sub(r"(?m)^( port access vlan )\d+$", r"\g<1>999", lab.running(name), count=1)
    params = lab.params(name)
    params["intended_config"] = switchcfg.prepare(intended, "h3c_comware", running=False, strict=False).text
    run = mod.SwitchConfig(params)
    with pytest.raises(
        mod.SwitchConfigFailed, match=r"rejected a command \(the switch rejected port access vlan 999: % The VLAN 999"
    ):
        run.run()
    assert run.result["rolled_back"] is True
    assert plain_read(lab, name) == before


def test_switch_host_key_is_learnt_on_first_use_and_checked(lab: Lab, tmp_path: Path) -> None:
    import paramiko
    from ansible_collections.hisops.him.plugins.module_utils import netdev

    known = tmp_path / "ssh" / "known_hosts"
    for name, vendor in VENDORS.items():
        netdev.close(netdev.connect({**lab.params(name), "known_hosts": str(known)}), vendor)
    learnt = known.read_text(encoding="utf-8").splitlines()
    assert len(learnt) == len(VENDORS) and stat.S_IMODE(known.stat().st_mode) == 0o600
    for name, vendor in VENDORS.items():  # checked, not learnt again
        netdev.close(netdev.connect({**lab.params(name), "known_hosts": str(known)}), vendor)
    assert known.read_text(encoding="utf-8").splitlines() == learnt
    # the switch on the first line now presents another key (replaced, or a machine in the middle)
    host, kind, _key = learnt[0].split()
    name = next(n for n in VENDORS if host == "[127.0.0.1]:%d" % lab.ports[n])
    other = paramiko.RSAKey.generate(1024).get_base64()
    known.write_text("\n".join(["%s %s %s" % (host, kind, other), *learnt[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(netdev.HostKeyChanged, match="switch %s .*another SSH host key" % name):
        netdev.connect({**lab.params(name), "known_hosts": str(known)})


def test_a_switch_left_between_backup_and_intended_is_reported_before_the_push(lab: Lab) -> None:
    """After a killed push (or a change by hand) the next run names the switch and the backup of the earlier state."""
    from netmiko import ConnectHandler

    lab.baseline()
    name = "sw-hw-01"
    before = plain_read(lab, name)
    # half a push, as a SIGKILL would leave it: one port changed, the rest not
    conn = ConnectHandler(device_type="huawei", host="127.0.0.1", port=lab.ports[name], username="admin",
                          password=PASSWORD, use_keys=False, allow_agent=False)  # fmt: skip
    try:
        conn.send_config_set(["interface GigabitEthernet0/0/1", "description HALF-PUSHED", "quit"])
    finally:
        conn.disconnect()
    assert "HALF-PUSHED" in plain_read(lab, name)
    out = lab.playbook("playbooks/switch_config.yml", limit=name)
    res = results(out, PUSH)[name]
    assert "differs from its last backup" in res["drift"] and "description" in res["drift"], res
    assert "switch %s" % name in res["hisops_controls"][0]["message"]
    assert res["verified"] is True and plain_read(lab, name) == before
    # at the baseline again: nothing to report
    out = lab.playbook("playbooks/switch_config.yml", limit=name)
    assert "drift" not in results(out, PUSH)[name]


STOP_SCRIPT = r"""
import json, os, signal, sys
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader()  # the collection loader, configured by ansible.cfg (cwd is the project)
from ansible_collections.hisops.him.plugins.module_utils import netdev, switchrun

items = json.load(sys.stdin)
send_group = netdev._send_group
sent = []

def first_group_then_sigterm(conn, lines, timeout):
    out = send_group(conn, lines, timeout)
    sent.append(lines)
    if len(sent) == 1:
        os.kill(os.getpid(), signal.SIGTERM)  # as systemd or a technician's kill would, mid-push
    return out

netdev._send_group = first_group_then_sigterm
switchrun.stop_on_signals()
print(json.dumps(switchrun.run_parallel(items, False, False, parallel=2, processes=1)))
"""


def test_sigterm_in_the_middle_of_a_push_restores_each_started_switch(lab: Lab) -> None:
    """The fleet engine stops sending, restores each switch it had started to change, reports each one."""
    import os
    import subprocess
    import sys

    from switchlab import ROOT

    lab.baseline()
    before = {name: plain_read(lab, name) for name in VENDORS}
    items = []
    for name, vendor in VENDORS.items():
        text = switchcfg.prepare(lab.running(name), vendor, running=False, strict=False).text
        lines = [line for line in text.splitlines() if not line.startswith(" description ")]
        # a long push: every port gets a new description (several command groups per switch)
        lines = [
            x for line in lines for x in ([line, " description STOP-TEST"] if line.startswith("interface ") else [line])
        ]
        items.append({**lab.params(name), "intended_config": "\n".join(lines) + "\n"})
    proc = subprocess.run(
        [sys.executable, "-c", STOP_SCRIPT],
        input=json.dumps(items), capture_output=True, text=True, timeout=300, cwd=ROOT,
        env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    started = [n for n, r in res.items() if "middle of the push" in r.get("msg", "")]
    not_started = [n for n, r in res.items() if "not started" in r.get("msg", "")]
    assert started and not_started and sorted(started + not_started) == sorted(VENDORS), res
    for name in started:
        assert res[name]["rolled_back"] is True and res[name]["interrupted"] is True
        assert "SIGTERM" in res[name]["msg"] and "restored: yes" in res[name]["msg"]
    for name in VENDORS:  # every switch as it was, read independently
        assert plain_read(lab, name) == before[name], name
