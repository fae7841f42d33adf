"""Department passwords (HIM-7.2): bad input fails in the prepare step, before any host is
contacted or any store file written, and the message names the field.

The playbook runs against the lab inventory, but the failing step runs on the control node only
(the plays end there): no lab host is contacted, so no lab lock is needed.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

pytestmark = pytest.mark.component

ROOT = Path(__file__).resolve().parents[2]


def rotate(store_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(
        ["ansible-playbook", "playbooks/rotate_passwords.yml", "-e", "hisops_password_store_dir=%s" % store_dir,
         *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def assert_stopped_before_any_host(proc: subprocess.CompletedProcess[str], message: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert message in out, out[-3000:]
    assert "department account carries the department password" not in out  # the apply step never ran
    assert "ESTABLISH SSH" not in out


def test_unknown_department(tmp_path: Path) -> None:
    proc = rotate(tmp_path / "store", "-e", '{"hisops_password_rotate": ["radiology"]}')
    assert_stopped_before_any_host(proc, "rotate: unknown department(s) radiology (known: inpatient, outpatient)")
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            {"length": 4, "classes": ["lower", "upper", "digit", "symbol"]},
            "hisops_password_policy.length: 4 is outside",
        ),
        ({"length": 8, "min_each": 3}, "hisops_password_policy.length: 8 cannot hold 3 character(s) of each of 4"),
        ({"exclude": "0123456789"}, "hisops_password_policy.exclude: leaves no character of class digit"),
    ],
)
def test_a_policy_that_cannot_be_satisfied(tmp_path: Path, policy: dict, message: str) -> None:
    proc = rotate(tmp_path / "store", "-e", yaml.safe_dump({"hisops_password_policy": policy}, default_flow_style=True))
    assert_stopped_before_any_host(proc, message)


def test_a_department_without_custodian(tmp_path: Path) -> None:
    inventory = tmp_path / "no-custodian.yml"
    department = {"code": "outpatient", "name_zh": "门诊部", "login_group": "mz_staff"}
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"ws-mz-02": {"hisops_department": department}}}}))
    proc = rotate(tmp_path / "store", "-i", "inventory/lab", "-i", str(inventory))
    assert_stopped_before_any_host(
        proc, "host ws-mz-02: hisops_department.custodian.staff_id is not set (department outpatient has no custodian)"
    )


def test_a_store_file_that_is_not_vault_encrypted(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / "outpatient.vault").write_text('{"current": {"password": "plain"}}\n')
    proc = rotate(store)
    assert_stopped_before_any_host(proc, "outpatient.vault is not vault-encrypted: refused")
    assert (store / "outpatient.vault").read_text() == '{"current": {"password": "plain"}}\n'
    assert not (store / "inpatient.vault").exists()  # every file is read before any is written


def test_a_store_file_of_another_vault_password(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    other = VaultSecret(b"not-the-lab-password")
    data = VaultLib([("lab", other)]).encrypt('{"format": 1}', secret=other, vault_id="lab")
    (store / "inpatient.vault").write_bytes(data)
    proc = rotate(store)
    assert_stopped_before_any_host(proc, "does not decrypt with the configured vault secrets")
    assert (store / "inpatient.vault").read_bytes() == data
