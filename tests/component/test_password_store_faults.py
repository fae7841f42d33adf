"""Department passwords (HIM-7.2), faults of the password store: nothing is lost.

Real processes on real files, nothing of the store mocked:

- a writer process killed with SIGKILL at fixed points of a store write (the temporary file about
  to be created; written and fsynced but not renamed; renamed but the directory not fsynced), and
  at random moments of a busy rotation loop (at least 24 kills, at least 3 of them inside a write,
  the temporary file written and not renamed): the department's file is always
  whole, it still holds every password a host may carry (the last current and pending ones the
  writer reported saved), and the next write succeeds and removes the dead writer's leftovers;
- the rotation playbook (``ansible-playbook``) with a read-only store directory (a read-only bind
  mount), a full disk (a 256 KiB tmpfs over the store directory, filled up) and a wrong vault
  password: it stops in the prepare step, before any host is contacted, with a message naming
  the store file, and the store file is byte for byte what it was.

Mounts are made in a private mount namespace of the test's own process (``unshare --mount``, as
root): nothing outside the test sees them. The playbook runs against the lab inventory but stops
on the control node (as tests/component/test_password_bad_input.py): no lab lock is needed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_collections.hisops.him.plugins.plugin_utils import passwords as pw

from tests.password_faults import SETUPS, in_namespace

pytestmark = pytest.mark.component

ROOT = Path(__file__).resolve().parents[2]
LAB_SECRET_FILE = ROOT / "lab" / "vault-password.txt"
LAB_SECRET = VaultSecret(LAB_SECRET_FILE.read_bytes().strip())
DEPARTMENT = "outpatient"
HOSTS = ["ws-mz-01", "ws-mz-02"]
RANDOM_KILLS = 24
MID_WRITE_KILLS = 3
MAX_KILLS = 150

# The writer: rotations of one department on a real store, forever, reporting after every save
# (revision, fingerprints of current and pending: never a password). With a kill point, the
# process SIGKILLs itself when the store write reaches it (a Python audit hook, no mock).
WRITER = r"""
import datetime as dt, json, os, signal, sys
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader()
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_collections.hisops.him.plugins.plugin_utils import passwords as pw

from tests.password_faults import SETUPS, in_namespace

directory, secret_file, kill_at, saves = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
secret = VaultSecret(open(secret_file, "rb").read().strip())
store = pw.VaultFileStore(directory, VaultLib([("lab", secret)]), "lab", secret)
target = str(store.path("outpatient"))

def hook(event, args):
    point = (
        "tmp-open" if event == "open" and ".outpatient.vault.tmp-" in str(args[0])
        else "rename" if event == "os.rename" and str(args[1]) == target
        else "dir-fsync" if event == "open" and str(args[0]) == directory
        else ""
    )
    if point and point == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(hook)
print("ready", flush=True)
policy = pw.PasswordPolicy()
for _save in range(saves):
    with store.lock("outpatient"):
        record = store.load("outpatient")
        if record.pending:
            pw.complete_rotation(record, ["ws-mz-01", "ws-mz-02"], ["ws-mz-01", "ws-mz-02"])
        else:
            pw.begin_rotation(record, pw.generate(policy), "manual", pw.Custodian("MZ0101"), "fault-test",
                              dt.datetime.now(dt.UTC))
        store.save(record)
    print(json.dumps({"revision": record.revision,
                      "current": (record.current or {}).get("fingerprint"),
                      "pending": (record.pending or {}).get("fingerprint")}), flush=True)
"""


def lab_store(directory: Path, secret: VaultSecret = LAB_SECRET) -> pw.VaultFileStore:
    return pw.VaultFileStore(directory, VaultLib([("lab", secret)]), "lab", secret)


def seeded_store(
    directory: Path, pending: bool = True, department: str = DEPARTMENT, custodian: str = "MZ0101"
) -> pw.VaultFileStore:
    """A store whose department has a current password and (``pending``) a rotation in progress."""
    store = lab_store(directory)
    record = store.load(department)
    now = dt.datetime.now(dt.UTC)  # the playbook's clock: not due by age
    pw.begin_rotation(record, pw.generate(pw.PasswordPolicy()), "initial", pw.Custodian(custodian), "t", now)
    pw.complete_rotation(record, HOSTS, HOSTS)
    if pending:
        pw.begin_rotation(record, pw.generate(pw.PasswordPolicy()), "manual", pw.Custodian(custodian), "t", now)
    store.save(record)
    return store


def fingerprints(record: pw.DepartmentPasswords) -> set[str]:
    """Fingerprints of the entries, each recomputed from the password itself (a damaged one fails)."""
    out = set()
    for entry in record.known_passwords():
        assert record.fingerprint(entry["password"]) == entry["fingerprint"], "entry %d damaged" % entry["version"]
        out.add(entry["fingerprint"])
    return out


def leftovers(directory: Path) -> list[Path]:
    return sorted(directory.glob(".%s.vault.tmp-*" % DEPARTMENT))


def writer(directory: Path, kill_at: str = "", saves: int = 1_000_000) -> subprocess.Popen[str]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), str(LAB_SECRET_FILE), kill_at, str(saves)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def reports(proc: subprocess.Popen[str]) -> list[dict[str, Any]]:
    """What a finished (killed) writer reported saved, in order."""
    out, _err = proc.communicate(timeout=60)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("kill_at", ["tmp-open", "rename", "dir-fsync"])
def test_sigkill_at_each_point_of_a_store_write_loses_nothing(tmp_path: Path, kill_at: str) -> None:
    store = seeded_store(tmp_path)
    before = store.load(DEPARTMENT)
    held = fingerprints(before)  # current (on the hosts not switched) and pending (on those switched)
    proc = writer(tmp_path, kill_at)
    assert reports(proc) == [] and proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    after = store.load(DEPARTMENT)  # whole: it decrypts and parses
    assert held <= fingerprints(after), "a password a host may carry is gone"
    if kill_at == "dir-fsync":  # killed after the rename: the completed rotation is in place
        assert after.revision == before.revision + 1 and after.pending is None
    else:  # killed before the rename: the old content
        assert after.revision == before.revision and after.pending == before.pending
    # killed as the temporary file was being created: none; written and fsynced, not renamed: left
    assert len(leftovers(tmp_path)) == (1 if kill_at == "rename" else 0)
    assert [r["revision"] for r in reports(writer(tmp_path, saves=1))] == [after.revision + 1]  # the next write
    assert leftovers(tmp_path) == []  # ... removed what the killed writer left
    assert held <= fingerprints(store.load(DEPARTMENT))


def test_random_sigkills_of_a_rotating_writer_lose_no_password(tmp_path: Path) -> None:
    """At least 20 SIGKILLs at random moments of a writer that rotates as fast as it can."""
    store = seeded_store(tmp_path)
    rng = random.Random()
    record = store.load(DEPARTMENT)
    last = {
        "revision": record.revision,
        "current": record.current["fingerprint"],
        "pending": record.pending["fingerprint"],
    }
    mid_write = saves = kills = 0
    # at least RANDOM_KILLS kills, and on until MID_WRITE_KILLS of them landed inside a store write
    while kills < RANDOM_KILLS or (mid_write < MID_WRITE_KILLS and kills < MAX_KILLS):
        kills += 1
        proc = writer(tmp_path)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        saved = reports(proc)
        assert proc.returncode == -signal.SIGKILL
        if saved:
            saves += len(saved)
            last = saved[-1]
        mid_write += any(p.name.endswith("-%d" % proc.pid) for p in leftovers(tmp_path))  # this writer's
        after = store.load(DEPARTMENT)  # whole after every kill
        # the save in flight when killed either did not happen or happened entirely
        assert after.revision in (last["revision"], last["revision"] + 1), (after.revision, last)
        held = {f for f in (last["current"], last["pending"]) if f}
        assert held <= fingerprints(after), "kill %d lost a password a host may carry" % kills
    print("random kills: %d, of which %d mid-write (temporary file left); %d saves" % (kills, mid_write, saves))
    assert saves > kills  # the kills landed in a writer that was really rotating
    assert mid_write >= MID_WRITE_KILLS  # ... and some inside a store write (temporary file written, not renamed)
    assert reports(writer(tmp_path, saves=1))  # the next write succeeds
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------------------- the playbook
def rotate(store_dir: Path, setup: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The rotation playbook (outpatient on request), in a private mount namespace after ``setup``."""
    command = [
        "ansible-playbook", "playbooks/rotate_passwords.yml", "-e", "hisops_password_store_dir=%s" % store_dir,
        "-e", '{"hisops_password_rotate": ["outpatient"]}',
    ]  # fmt: skip
    return subprocess.run(
        in_namespace(store_dir, setup, command, keep_after=True),
        cwd=ROOT, env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **(env or {})),
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        pytest.fail("these fault tests mount file systems in a private mount namespace: run them as root")
    directory = tmp_path / "store"
    directory.mkdir(mode=0o700)
    seeded_store(directory, pending=False)
    seeded_store(directory, pending=False, department="inpatient", custodian="ZY0207")  # only the requested one rotates
    return directory


def vault_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if ".vault" in p.name}


def assert_refused_untouched(proc: subprocess.CompletedProcess[str], store_dir: Path, before: dict, why: str) -> None:
    """The run failed in the prepare step naming the store, no host was contacted, and the store as
    the run left it (seen inside the namespace) is byte for byte what it was, with no leftover."""
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert "password file %s/" % store_dir in out or "password store %s" % store_dir in out, out[-3000:]
    assert why in out, out[-3000:]
    assert "department account carries the department password" not in out  # the apply step never ran
    assert "ESTABLISH SSH" not in out
    assert vault_files(Path("%s.after" % store_dir)) == before
    assert vault_files(store_dir) == before
    store = lab_store(store_dir)
    for entry in (e for d in store.departments() for e in store.load(d).known_passwords()):
        assert entry["password"] not in out, "a password is in the output"


def test_read_only_store_directory_stops_before_any_host(store_dir: Path) -> None:
    before = vault_files(store_dir)
    proc = rotate(store_dir, SETUPS["read_only"])
    assert_refused_untouched(proc, store_dir, before, "Read-only file system")


def test_full_disk_stops_before_any_host(store_dir: Path) -> None:
    before = vault_files(store_dir)
    proc = rotate(store_dir, SETUPS["full_disk"])
    assert_refused_untouched(proc, store_dir, before, "could not be written (No space left on device)")
    assert "nothing was changed on any host" in proc.stdout


def test_wrong_vault_password_stops_before_any_host(store_dir: Path, tmp_path: Path) -> None:
    before = vault_files(store_dir)
    wrong = tmp_path / "wrong-vault-password.txt"
    wrong.write_text("not-the-lab-vault-password\n", encoding="utf-8")
    proc = rotate(store_dir, env={"ANSIBLE_VAULT_IDENTITY_LIST": "lab@%s" % wrong})
    assert_refused_untouched(proc, store_dir, before, "does not decrypt with the configured vault secrets")
