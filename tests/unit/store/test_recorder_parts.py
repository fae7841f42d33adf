"""Pieces of the recorder and the HIM-7.6 audit trail: redaction, asset facts, the audit-trail action."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.callback import hisops_recorder
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

from .conftest import HERE, recorder_env

# each test carries its layer: unit, or component where it runs an Ansible command


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password = hunter2", "password = ********"),
        ("db_password: hunter2", "db_password: ********"),
        ("username admin privilege 15 secret 5 $1$abc", "username admin privilege 15 secret 5 ********"),
        ("snmp-server community public RO", "snmp-server community ******** RO"),
        (
            "local-user admin password irreversible-cipher $1a$xyz",
            "local-user admin password irreversible-cipher ********",
        ),
        ("snmp-agent community read simple Comm1", "snmp-agent community read simple ********"),
        ("snmp-agent community write cipher %^%#x%^%#", "snmp-agent community write cipher ********"),
        (" password hash $h$6$abc", " password hash ********"),
        ("postgresql://hisops:pw@db/hisops", "postgresql://hisops:********@db/hisops"),
        ("package sl installed", "package sl installed"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    out = hisops_recorder.redact(text)
    assert out == expected
    assert hisops_recorder.redact(out) == out  # idempotent: a second pass changes nothing


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # evidence that only LOOKS like a secret to a word pattern is kept as it is
        ("/etc/pam.d/gdm-password does not check /etc/security/hisops-access.conf", None),
        ("password required pam_unix.so", None),
        ("common-password: pam_pwquality missing", None),
        ("remove /etc/sudoers.d/secret-admins", None),
        # known secret fields and URL credentials are masked
        ("db_password: hunter2", "db_password: ********"),
        ("token=abc123 sent", "token=******** sent"),
        ("postgresql://hisops:pw@db/hisops", "postgresql://hisops:********@db/hisops"),
    ],
)
def test_redact_record_masks_secret_fields_not_words(text: str, expected: str | None) -> None:
    out = hisops_recorder.redact_record(text)
    assert out == (text if expected is None else expected)
    assert hisops_recorder.redact_record(out) == out


@pytest.mark.unit
def test_asset_columns_from_facts() -> None:
    facts = {
        "ansible_system_vendor": "LENOVO",
        "ansible_product_name": "ThinkCentre M720",
        "ansible_product_serial": "PC0ABCDE",
        "ansible_distribution": "Debian",
        "ansible_distribution_version": "12.5",
        "ansible_processor_vcpus": 4,
        "ansible_memtotal_mb": 7821,
        "ansible_default_ipv4": {"address": "10.1.2.3", "macaddress": "aa:bb:cc:dd:ee:ff"},
        "ansible_devices": {
            "sda": {"sectors": 500118192, "sectorsize": 512},
            "loop0": {"sectors": 100, "sectorsize": 512},
            "sr0": {"sectors": 2097151, "sectorsize": 512},
        },
    }
    cols = hisops_recorder.asset_columns(facts)
    assert cols["vendor"] == "LENOVO" and cols["serial"] == "PC0ABCDE" and cols["os_version"] == "12.5"
    assert (cols["cpus"], cols["memory_mb"], cols["ipv4"]) == (4, 7821, "10.1.2.3")
    assert (cols["disks_count"], cols["disk_total_gb"]) == (1, 256.1)
    assert hisops_recorder.asset_columns({"packages": {"bash": [{}], "sl": [{}]}}) == {"packages_count": 2}
    assert hisops_recorder.asset_columns({"ansible_product_serial": "NA"}) == {}


@pytest.mark.unit
def test_asset_columns_of_a_switch_from_network_facts() -> None:
    facts = {
        "ansible_net_vendor": "Huawei",
        "ansible_net_system": "VRP",
        "ansible_net_model": "S5735-L24T4S-A",
        "ansible_net_serialnum": "2102353169DMKB000123",
        "ansible_net_version": "V200R019C10SPC500",
        "ansible_net_mgmt_ipv4": "10.10.0.2",
        "ansible_net_hostname": "sw-hw-01",
    }
    assert hisops_recorder.asset_columns(facts) == {
        "vendor": "Huawei",
        "product": "S5735-L24T4S-A",
        "serial": "2102353169DMKB000123",
        "os": "VRP",
        "os_version": "V200R019C10SPC500",
        "ipv4": "10.10.0.2",
    }
    # a computer's own facts win over network facts of the same column
    both = hisops_recorder.asset_columns({"ansible_product_serial": "PC0ABCDE", "ansible_net_serialnum": "X"})
    assert both == {"serial": "PC0ABCDE"}


def _audit_trail(store: Path, **env: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        str(Path(recorder_env("")["PATH"].split(":")[0]) / "ansible-playbook"),
        "-i",
        str(HERE / "playbooks" / "hosts.yml"),
    ]
    return subprocess.run(
        [*cmd, str(HERE / "playbooks" / "audit_trail.yml")],
        env=recorder_env(str(store), **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.component
def test_audit_trail_passes_when_the_run_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    proc = _audit_trail(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open_store(path) as store:
        (run,) = store.runs()
        records = store.run_control_results(run["uuid"])
    assert {(r["host"], r["status"]) for r in records} == {("ws-a", "pass"), ("ws-b", "pass")}
    assert "this run is recorded as %s" % run["uuid"] in records[0]["evidence"][0]


@pytest.mark.component
def test_audit_trail_fails_when_the_recorder_is_off(tmp_path: Path) -> None:
    proc = _audit_trail(tmp_path / "results.sqlite", HISOPS_RECORDER_ENABLED="false")
    assert proc.returncode == 0
    assert proc.stdout.count("fail: runs are not recorded: enable the hisops.him.hisops_recorder callback") == 2


@pytest.mark.component
def test_each_playbook_of_a_command_is_one_run(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    book = str(HERE / "playbooks" / "audit_trail.yml")
    cmd = [str(Path(recorder_env("")["PATH"].split(":")[0]) / "ansible-playbook")]
    proc = subprocess.run(
        [*cmd, "-i", str(HERE / "playbooks" / "hosts.yml"), book, book],
        env=recorder_env(str(path)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0 and "hisops_recorder" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    with open_store(path) as store:
        runs = store.runs()
        assert [r["status"] for r in runs] == ["ok", "ok"] and runs[0]["uuid"] != runs[1]["uuid"]
        for run in runs:  # each run's audit trail names its own run
            records = store.run_control_results(run["uuid"])
            assert len(records) == 2 and all(run["uuid"] in r["evidence"][0] for r in records)
