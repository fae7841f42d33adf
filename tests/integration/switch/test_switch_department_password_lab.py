"""Department passwords (HIM-7.2) on switches: the department user is pushed by the switch engine
(backup, diff, secret versions, verification), on the test's own emulated Cisco and Huawei switches.

The store is a fresh one; the switch's stored hash is checked against the emulator's documented
stand-in hash of the password (what a real switch would verify at login).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_collections.hisops.him.plugins.plugin_utils import passwords as pw
from switchlab import ROOT, VENDORS, Lab, emulated_switches, holds_password, results

pytestmark = pytest.mark.lab

SWITCHES = ("sw-mz-01", "sw-hw-01")  # both in the lab's outpatient department
PUSH = "HIM-3.4 | ENFORCE"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """Emulated switches and a results store of this module's own: the department user it pushes
    must not reach the switches and the secret versions the other switch tests share (they start
    from an empty configuration and compare the store with their own records)."""
    tmp = tmp_path_factory.mktemp("switch-lab-passwords")
    with pytest.MonkeyPatch.context() as env, emulated_switches(tmp) as started:
        env.setenv("HISOPS_STORE", str(tmp / "store.sqlite"))
        yield started


def load(store_dir: Path) -> pw.DepartmentPasswords:
    secret = VaultSecret((ROOT / "lab" / "vault-password.txt").read_bytes().strip())
    return pw.VaultFileStore(store_dir, VaultLib([("lab", secret)]), "lab", secret).load("outpatient")


def rotate(lab: Lab, store_dir: Path, *extra: str) -> dict:
    return lab.playbook(
        "playbooks/rotate_passwords.yml",
        "-e", "hisops_password_store_dir=%s" % store_dir,
        "-e", "hisops_password_target=%s" % ":".join(SWITCHES),
        *extra,
        limit=",".join(SWITCHES),
    )  # fmt: skip


def test_department_user_rotates_through_the_switch_engine(lab: Lab, tmp_path: Path) -> None:
    lab.baseline()
    store_dir = tmp_path / "store"
    out = rotate(lab, store_dir)
    assert all(s["failures"] == 0 and s["unreachable"] == 0 for s in out["stats"].values()), out["stats"]
    record = load(store_dir)
    first = record.current["password"]
    assert record.current["version"] == 1 and record.current["hosts_done"] == sorted(SWITCHES)
    limits = pw.PasswordPolicy().for_device({"max_length": 20, "symbols": "-_.+=@"})
    assert pw.satisfies(first, limits)
    for name in SWITCHES:
        assert holds_password(VENDORS[name], lab.running(name), first), name

    again = rotate(lab, store_dir)  # the engine's secret versions: nothing to push
    assert all(not r.get("changed") for r in results(again, PUSH).values())

    out = rotate(lab, store_dir, "-e", '{"hisops_password_rotate": ["outpatient"]}')
    assert all(s["failures"] == 0 for s in out["stats"].values()), out["stats"]
    pushed = results(out, PUSH)
    assert all(r.get("changed") for r in pushed.values()), pushed
    record = load(store_dir)
    second = record.current["password"]
    assert record.current["version"] == 2 and record.history[0]["password"] == first
    for name in SWITCHES:
        running = lab.running(name)
        assert holds_password(VENDORS[name], running, second) and not holds_password(VENDORS[name], running, first)

    backups = "\n".join(p.read_text(errors="replace") for p in lab.backup_dir.rglob("*") if p.is_file())
    assert backups and "outpatient_admin" in backups
    for text in (backups, repr(out), repr(again)):
        assert first not in text and second not in text
