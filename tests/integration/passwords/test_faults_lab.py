"""Department passwords (HIM-7.2) on the lab: faults during rotations lose no password.

After every fault, each lab workstation's department account carries a password the store still
holds (checked on the host by its own crypt against /etc/shadow), a rotation in progress keeps
its password until it completes (never regenerated), and the next clean run completes every
rotation. Faults: the run killed with SIGKILL once the store is written (before every host
changed), during the host step, or at a random moment; a host unreachable; the store directory
read-only; the store on a full disk; a wrong vault password. The random test injects at least
20 of them in a random order at random moments (seed printed; ``HISOPS_FAULT_SEED`` replays one).

Run under `flock /tmp/hisops-lab.lock`. The department accounts are removed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.password_faults import SETUPS, in_namespace

from .pwlab import DEPARTMENTS, HOSTS, ROOT, podman, recap, remove_accounts, store

pytestmark = pytest.mark.lab

KINDS = ("kill_after_store", "kill_during_apply", "kill_random", "unreachable", "read_only", "full_disk", "wrong_vault")
FAULTS_PER_KIND = 3  # 7 kinds x 3 = 21 faults
APPLY_TASK = "department account carries the department password"
OUTPUTS: list[str] = []
SEEN: set[str] = set()  # every password the store held during the tests (for the search at the end)
# the host's own check: which of the candidates (stdin, JSON) is the account's password, -1 none
CARRIED = (
    "import crypt, json, sys\n"
    "user = sys.argv[1]\n"
    "entry = next((l.split(':')[1] for l in open('/etc/shadow') if l.split(':')[0] == user), '')\n"
    "candidates = json.load(sys.stdin)\n"
    "print(next((i for i, p in enumerate(candidates) if entry and crypt.crypt(p, entry) == entry), -1))\n"
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    remove_accounts()
    directory = tmp_path_factory.mktemp("password-faults")
    (directory / "store").mkdir(mode=0o700)
    yield directory
    remove_accounts()


def start(directory: Path, *extra: str, wrap: str = "", env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The rotation playbook in a process group of its own (so that a SIGKILL takes its forks too),
    its output in ``run.log``."""
    command = [
        "ansible-playbook", "playbooks/rotate_passwords.yml",
        "-e", "hisops_password_store_dir=%s" % (directory / "store"), *extra,
    ]  # fmt: skip
    if wrap:
        command = in_namespace(directory / "store", SETUPS[wrap], command)
    environment = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **(env or {}))
    with (directory / "run.log").open("w", encoding="utf-8") as log:
        return subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )


def finish(directory: Path, proc: subprocess.Popen[str], kill_when: Any = None, timeout: int = 300) -> int:
    """Wait for the run; SIGKILL its process group as soon as ``kill_when()`` holds. Returns the exit
    code (-9 when killed)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if kill_when is not None and kill_when():
            with contextlib.suppress(ProcessLookupError):  # it may have ended just now
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
            break
        assert time.monotonic() < deadline, "rotation run did not end in %d s" % timeout
        time.sleep(0.02)
    OUTPUTS.append((directory / "run.log").read_text(encoding="utf-8", errors="replace"))
    return proc.returncode


def rotate(directory: Path, *extra: str) -> tuple[int, str]:
    rc = finish(directory, start(directory, *extra))
    return rc, OUTPUTS[-1]


def store_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (directory / "store").glob("*.vault")}


def carried(host: str, account: str, entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The entry whose password the account carries on the host (the host's own crypt), or None."""
    candidates = json.dumps([e["password"] for e in entries])
    proc = podman(
        "exec", "-i", "hisops-lab-" + host, "python3", "-W", "ignore", "-c", CARRIED, account, stdin=candidates
    )
    assert proc.returncode == 0, proc.stderr
    index = int(proc.stdout.strip())
    return entries[index] if index >= 0 else None


def state(directory: Path) -> dict[str, dict[str, Any]]:
    """Per department: the store's record, and the version each host carries. Fails when a host
    carries no password the store holds (a lost password)."""
    out = {}
    for department, hosts in DEPARTMENTS.items():
        record = store(directory / "store").load(department)
        entries = record.known_passwords()
        SEEN.update(e["password"] for e in entries)
        versions = {}
        for host in hosts:
            entry = carried(host, department + "_admin", entries)
            assert entry is not None, "%s: %s_admin carries no password the store holds (LOST)" % (host, department)
            versions[host] = entry["version"]
        out[department] = {"record": record, "hosts": versions}
    return out


def assert_pending_kept(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> None:
    """A rotation in progress keeps its password until it completes: never regenerated, never dropped."""
    for department, was in before.items():
        pending = was["record"].pending
        if pending:
            now = after[department]["record"]
            kept = [e for e in (now.pending, now.current) if e and e["fingerprint"] == pending["fingerprint"]]
            assert kept, "%s: the pending version %d was replaced before it completed" % (
                department,
                pending["version"],
            )


def assert_complete(directory: Path, expect_version: dict[str, int] | None = None) -> dict[str, dict[str, Any]]:
    now = state(directory)
    for department, item in now.items():
        record = item["record"]
        assert record.pending is None, "%s: rotation still pending" % department
        assert set(item["hosts"].values()) == {record.current["version"]}, (department, item["hosts"])
        if expect_version:
            assert record.current["version"] == expect_version[department]
    return now


def changed(directory: Path, before: dict[str, bytes]) -> Any:
    return lambda: store_files(directory) != before


def logged(directory: Path, text: str, delay: float) -> Any:
    """True ``delay`` seconds after ``text`` appeared in the run's output."""
    seen: list[float] = []

    def check() -> bool:
        if not seen and text in (directory / "run.log").read_text(encoding="utf-8", errors="replace"):
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] >= delay

    return check


def after(seconds: float) -> Any:
    at = time.monotonic() + seconds
    return lambda: time.monotonic() >= at


def request(department: str) -> list[str]:
    return ["-e", json.dumps({"hisops_password_rotate": [department]})]


def test_first_setup(lab: Path) -> None:
    rc, out = rotate(lab)
    assert rc == 0, out[-3000:]
    assert_complete(lab, {d: 1 for d in DEPARTMENTS})


def test_sigkill_after_the_store_is_written_before_every_host_changed(lab: Path) -> None:
    before = state(lab)
    files = store_files(lab)
    rc = finish(lab, start(lab, *request("outpatient")), kill_when=changed(lab, files))
    assert rc == -signal.SIGKILL, OUTPUTS[-1][-3000:]
    now = state(lab)  # every host carries a password the store holds
    pending = now["outpatient"]["record"].pending
    assert pending and pending["version"] == 2 and pending["hosts_done"] == []
    assert now["outpatient"]["record"].current["version"] == 1
    assert set(now["outpatient"]["hosts"].values()) <= {1, 2}
    assert now["inpatient"]["record"].pending is None  # not requested, not due
    assert_pending_kept(before, now)

    started = time.monotonic()
    rc, out = rotate(lab)  # no request: the pending rotation is resumed with the SAME password
    assert rc == 0, out[-3000:]
    done = assert_complete(lab, {"outpatient": 2, "inpatient": 1})
    assert done["outpatient"]["record"].current["fingerprint"] == pending["fingerprint"]
    (lab / "run-seconds").write_text("%.1f" % (time.monotonic() - started))


def inject(lab: Path, kind: str, rng: random.Random, run_seconds: float) -> str:
    """One fault on a run that requests a rotation of a random department; what happened."""
    department = rng.choice(sorted(DEPARTMENTS))
    extra = request(department)
    if kind == "kill_after_store":
        written = changed(lab, store_files(lab))  # the store as it is before the run starts
        rc = finish(lab, start(lab, *extra), kill_when=written)
    elif kind == "kill_during_apply":
        rc = finish(lab, start(lab, *extra), kill_when=logged(lab, APPLY_TASK, rng.uniform(0.0, 3.0)))
    elif kind == "kill_random":
        rc = finish(lab, start(lab, *extra), kill_when=after(rng.uniform(0.5, run_seconds)))
    elif kind == "unreachable":
        host = rng.choice(HOSTS)
        broken = lab / "broken.yml"
        broken.write_text(yaml.safe_dump({"all": {"hosts": {host: {"ansible_port": 1}}}}), encoding="utf-8")
        rc = finish(lab, start(lab, "-i", "inventory/lab", "-i", str(broken), *extra))
        # never green, whether or not the host's department had something due
        assert rc != 0 and "%s" % host in OUTPUTS[-1], OUTPUTS[-1][-3000:]
        department = "%s, %s unreachable" % (department, host)
    elif kind == "wrong_vault":
        wrong = lab / "wrong-vault-password.txt"
        wrong.write_text("not-the-lab-vault-password\n", encoding="utf-8")
        rc = finish(lab, start(lab, *extra, env={"ANSIBLE_VAULT_IDENTITY_LIST": "lab@%s" % wrong}))
        assert rc != 0 and "does not decrypt with the configured vault secrets" in OUTPUTS[-1], OUTPUTS[-1][-3000:]
    else:  # read_only, full_disk: the store write fails (prepare, or finalize of a resumed rotation)
        rc = finish(lab, start(lab, *extra, wrap=kind))
        why = "Read-only file system" if kind == "read_only" else "No space left on device"
        assert rc != 0 and why in OUTPUTS[-1], OUTPUTS[-1][-3000:]
    return "%s (%s): exit %s" % (kind, department, rc)


def test_random_faults_lose_no_password(lab: Path) -> None:
    seed = int(os.environ.get("HISOPS_FAULT_SEED") or random.SystemRandom().randrange(1 << 30))
    rng = random.Random(seed)
    run_seconds = float((lab / "run-seconds").read_text())
    faults = [k for k in KINDS for _each in range(FAULTS_PER_KIND)]
    rng.shuffle(faults)
    print("fault seed %d, a clean run took %.1f s" % (seed, run_seconds))
    before = state(lab)
    versions_seen = {d: {i["record"].current["version"]} for d, i in before.items()}
    split = 0
    for number, kind in enumerate(faults, 1):
        what = inject(lab, kind, rng, run_seconds)
        now = state(lab)  # fails on a lost password
        assert_pending_kept(before, now)
        for department, item in now.items():
            versions_seen[department] |= set(item["hosts"].values())
            split += len(set(item["hosts"].values())) > 1  # hosts of a department on two versions
        print("fault %2d %s; hosts carry %s" % (number, what, {d: i["hosts"] for d, i in now.items()}))
        before = now
    rc, out = rotate(lab)  # the next clean run completes every rotation
    assert rc == 0, out[-3000:]
    final = assert_complete(lab)
    assert recap(out) and all(s["failed"] == 0 for s in recap(out).values()), out[-3000:]
    print(
        "after %d faults (%d left a department's hosts on two versions): versions %s; 0 passwords lost"
        % (len(faults), split, {d: i["hosts"] for d, i in final.items()})
    )
    assert len(faults) >= 20
    # the faults did interrupt rotations: some host carried a pending version at some point
    assert any(len(v) > 1 for v in versions_seen.values()), versions_seen


def test_no_password_in_any_output_of_the_faulted_runs(lab: Path) -> None:
    state(lab)
    assert len(OUTPUTS) >= 23 and len(SEEN) >= 3
    text = "\n".join(OUTPUTS)
    for password in SEEN:
        assert password not in text, "a password is in the output of a faulted run"
