"""Department passwords (HIM-7.2): generator policy, triggers, the vault store's atomicity and
history, the SHA-512 crypt hash, the register and its report section."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import string
from pathlib import Path

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_collections.hisops.him.plugins.plugin_utils import password_register as register
from ansible_collections.hisops.him.plugins.plugin_utils import passwords as pw
from ansible_collections.hisops.him.plugins.plugin_utils.migrations import MIGRATIONS
from ansible_collections.hisops.him.plugins.plugin_utils.report.section_passwords import department_states
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
ALICE = pw.Custodian("MZ0101", "张丽")
BOB = pw.Custodian("MZ0202", "王芳")


def make_store(directory: Path, password: bytes = b"unit-test-vault") -> pw.VaultFileStore:
    secret = VaultSecret(password)
    return pw.VaultFileStore(directory, VaultLib([("unit", secret)]), "unit", secret)


# ---------------------------------------------------------------------------- generator
def test_generated_passwords_follow_the_policy() -> None:
    policy = pw.PasswordPolicy(length=16, min_each=2)
    seen = set()
    for _ in range(300):
        password = pw.generate(policy)
        assert pw.satisfies(password, policy)
        assert not set(password) & set(pw.LOOK_ALIKES)
        seen.add(password)
    assert len(seen) == 300


def test_generator_uses_every_allowed_character_and_nothing_else() -> None:
    policy = pw.PasswordPolicy(length=64)
    chars = set("".join(pw.generate(policy) for _ in range(200)))
    allowed = set("".join(policy.alphabet(c) for c in policy.classes))
    assert chars == allowed


def test_generator_draws_from_a_csprng_by_default() -> None:
    class Recorder(secrets.SystemRandom):
        calls = 0

        def choice(self, seq):  # type: ignore[no-untyped-def]
            Recorder.calls += 1
            return super().choice(seq)

    pw.generate(pw.PasswordPolicy(length=12), rng=Recorder())
    assert Recorder.calls == 12


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"length": 4, "min_each": 2}, "hisops_password_policy.length"),
        ({"length": 4, "classes": ["lower", "upper", "digit", "symbol"], "min_each": 2}, "length"),
        ({"classes": ["lower", "emoji"]}, "hisops_password_policy.classes"),
        ({"exclude": string.digits, "classes": ["digit"]}, "hisops_password_policy.exclude"),
        ({"symbols": "a$b"}, "hisops_password_policy.symbols"),
        ({"lenght": 20}, "hisops_password_policy.lenght"),
        ({"max_age_days": "often"}, "hisops_password_policy.max_age_days"),
    ],
)
def test_an_impossible_policy_fails_naming_the_field(data: dict, field: str) -> None:
    with pytest.raises(pw.PasswordStoreError, match=field.replace(".", r"\.")):
        pw.PasswordPolicy.from_mapping(data)


def test_length_four_with_four_classes_of_two_is_refused() -> None:
    with pytest.raises(pw.PasswordStoreError, match="8 cannot hold 3 character"):
        pw.PasswordPolicy.from_mapping({"length": 8, "min_each": 3})


def test_device_limits_shorten_and_restrict_symbols() -> None:
    policy = pw.PasswordPolicy(length=30).for_device({"max_length": 16, "symbols": "-_."})
    assert policy.length == 16 and set(policy.symbols) <= set("-_.")
    assert pw.satisfies(pw.generate(policy), policy)


# ---------------------------------------------------------------------------- triggers
def record_with_current(created: dt.datetime, custodian: pw.Custodian = ALICE) -> pw.DepartmentPasswords:
    record = pw.DepartmentPasswords("outpatient")
    pw.begin_rotation(record, "x" * 20, pw.TRIGGER_INITIAL, custodian, "tester", created)
    pw.complete_rotation(record, ["ws-1"], ["ws-1"])
    return record


def test_triggers() -> None:
    policy = pw.PasswordPolicy(max_age_days=90, read_grace_hours=24)
    assert pw.rotation_trigger(pw.DepartmentPasswords("d"), ALICE, NOW, policy) == pw.TRIGGER_INITIAL
    fresh = record_with_current(NOW - dt.timedelta(days=10))
    assert pw.rotation_trigger(fresh, ALICE, NOW, policy) is None
    assert pw.rotation_trigger(fresh, BOB, NOW, policy) == pw.TRIGGER_CUSTODIAN
    assert pw.rotation_trigger(fresh, ALICE, NOW, policy, manual=True) == pw.TRIGGER_MANUAL
    old = record_with_current(NOW - dt.timedelta(days=91))
    assert pw.rotation_trigger(old, ALICE, NOW, policy) == pw.TRIGGER_MAX_AGE
    assert pw.rotation_trigger(old, ALICE, NOW - dt.timedelta(days=2), policy) is None
    fresh.reads.append({"at": pw.now_iso(NOW - dt.timedelta(hours=25)), "by": "tech", "version": 1})
    assert pw.rotation_trigger(fresh, ALICE, NOW, policy) == pw.TRIGGER_READ_OUT
    fresh.reads[0]["at"] = pw.now_iso(NOW - dt.timedelta(hours=2))
    assert pw.rotation_trigger(fresh, ALICE, NOW, policy) is None


def test_a_pending_rotation_is_resumed_not_regenerated() -> None:
    record = record_with_current(NOW - dt.timedelta(days=100))
    entry = pw.begin_rotation(record, "new-password-123456", pw.TRIGGER_MAX_AGE, ALICE, "t", NOW)
    assert pw.rotation_trigger(record, BOB, NOW, pw.PasswordPolicy(), manual=True) == pw.TRIGGER_PENDING
    with pytest.raises(pw.PasswordStoreError, match="already has a rotation in progress"):
        pw.begin_rotation(record, "other", pw.TRIGGER_MANUAL, ALICE, "t", NOW)
    assert not pw.complete_rotation(record, ["ws-1"], ["ws-1", "ws-2"])
    assert record.pending is entry and record.current["version"] == 1
    assert pw.hosts_carrying(record) == {"ws-1": 2}
    assert pw.complete_rotation(record, ["ws-2"], ["ws-1", "ws-2"])
    assert record.current["version"] == 2 and record.current["hosts_done"] == ["ws-1", "ws-2"]
    assert record.pending is None and record.history[0]["version"] == 1


def test_history_keeps_twelve_newest_first() -> None:
    record = pw.DepartmentPasswords("outpatient")
    for n in range(15):
        pw.begin_rotation(record, "password-%02d-xxxxxx" % n, pw.TRIGGER_MANUAL, ALICE, "t", NOW)
        assert pw.complete_rotation(record, ["ws-1"], ["ws-1"])
    assert record.current["version"] == 15
    assert [e["version"] for e in record.history] == list(range(14, 2, -1))
    assert len(record.history) == pw.HISTORY_KEEP


# ---------------------------------------------------------------------------- store
def test_store_round_trip_is_encrypted_and_private(tmp_path: Path) -> None:
    store = make_store(tmp_path / "store")
    record = store.load("outpatient")
    pw.begin_rotation(record, "S3cret-Password-xyz", pw.TRIGGER_INITIAL, ALICE, "t", NOW)
    store.save(record)
    path = store.path("outpatient")
    raw = path.read_bytes()
    assert raw.startswith(b"$ANSIBLE_VAULT;1.2;AES256;unit")
    assert b"S3cret" not in raw and "张丽".encode() not in raw
    assert path.stat().st_mode & 0o777 == 0o600
    again = store.load("outpatient")
    assert again.pending["password"] == "S3cret-Password-xyz" and again.revision == 1
    assert store.departments() == ["outpatient"]
    assert not list(path.parent.glob(".*.tmp-*"))


def test_a_crash_between_write_and_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    record = store.load("outpatient")
    pw.begin_rotation(record, "first-password-abcd", pw.TRIGGER_INITIAL, ALICE, "t", NOW)
    store.save(record)
    before = store.path("outpatient").read_bytes()

    def crash(src: str, dst: str) -> None:
        raise KeyboardInterrupt("killed between fsync and rename")

    record.pending["hosts_done"] = ["ws-1"]
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.save(record)
    monkeypatch.undo()
    assert store.path("outpatient").read_bytes() == before
    assert store.load("outpatient").pending["password"] == "first-password-abcd"
    assert not list(tmp_path.glob(".*.tmp-*"))  # the temporary file is removed


def test_a_file_left_half_written_by_a_kill_is_ignored(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    record = store.load("outpatient")
    pw.begin_rotation(record, "first-password-abcd", pw.TRIGGER_INITIAL, ALICE, "t", NOW)
    store.save(record)
    (tmp_path / ".outpatient.vault.tmp-999999").write_bytes(b"$ANSIBLE_VAULT;1.2;AES256;unit\n3031")
    assert store.departments() == ["outpatient"]
    again = store.load("outpatient")
    store.save(again)
    assert store.load("outpatient").revision == 2
    assert not list(tmp_path.glob(".*.tmp-*"))  # the dead writer's temporary file is removed by the next write


def test_write_failure_names_the_file_and_keeps_the_old_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    record = store.load("inpatient")
    pw.begin_rotation(record, "first-password-abcd", pw.TRIGGER_INITIAL, ALICE, "t", NOW)
    store.save(record)

    def disk_full(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(pw.PasswordStoreError, match=r"No space left on device.*nothing was changed on any host"):
        store.save(record)
    monkeypatch.undo()
    assert store.load("inpatient").revision == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"current: hunter2\n", "is not vault-encrypted"),
        (b"$ANSIBLE_VAULT;1.2;AES256;unit\n30313233\n", "does not decrypt"),
    ],
)
def test_a_damaged_file_is_refused_and_never_overwritten(tmp_path: Path, content: bytes, message: str) -> None:
    store = make_store(tmp_path)
    store.path("outpatient").write_bytes(content)
    with pytest.raises(pw.PasswordStoreError, match=message):
        store.load("outpatient")
    record = pw.DepartmentPasswords("outpatient")
    pw.begin_rotation(record, "new-password-abcdef", pw.TRIGGER_INITIAL, ALICE, "t", NOW)
    with pytest.raises(pw.PasswordStoreError, match=message):
        store.save(record)
    assert store.path("outpatient").read_bytes() == content


def test_a_wrong_vault_password_is_refused(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    record = store.load("outpatient")
    pw.begin_rotation(record, "new-password-abcdef", pw.TRIGGER_INITIAL, ALICE, "t", NOW)
    store.save(record)
    with pytest.raises(pw.PasswordStoreError, match="wrong vault password"):
        make_store(tmp_path, b"another-password").load("outpatient")


def test_a_decrypted_file_that_is_not_a_password_file_is_refused(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    store.path("outpatient").write_bytes(store.vault.encrypt("[1, 2]", secret=store.secret, vault_id="unit"))
    with pytest.raises(pw.PasswordStoreError, match="not a hisops password file"):
        store.load("outpatient")


def test_a_concurrent_change_is_detected(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    first = store.load("outpatient")
    second = store.load("outpatient")
    store.save(first)
    with pytest.raises(pw.PasswordStoreError, match="changed since it was read"):
        store.save(second)


def test_one_rotation_per_department_at_a_time(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    other = make_store(tmp_path)
    with store.lock("outpatient"):
        with pytest.raises(pw.PasswordStoreError, match="being rotated by another run"), other.lock("outpatient"):
            pass
        with other.lock("inpatient"):
            pass


def test_a_read_only_store_directory_fails_and_keeps_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    record = store.load("outpatient")
    pw.begin_rotation(record, "first-password-abcd", pw.TRIGGER_INITIAL, ALICE, "t", NOW)
    store.save(record)
    real_open = os.open

    def read_only(path: str, flags: int, *args: int) -> int:
        if flags & os.O_CREAT:  # what a read-only file system (or directory) answers, even to root
            raise OSError(30, "Read-only file system")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(pw.PasswordStoreError, match=r"could not be written.*Read-only file system"):
        store.save(record)
    monkeypatch.undo()
    assert store.load("outpatient").revision == 1


@pytest.mark.parametrize("code", ["../etc", "Out Patient", "", "a/b"])
def test_department_codes_cannot_escape_the_store(tmp_path: Path, code: str) -> None:
    with pytest.raises(pw.PasswordStoreError, match="department code"):
        make_store(tmp_path).path(code)


def test_vault_for_picks_the_configured_id() -> None:
    lab, other = VaultSecret(b"lab"), VaultSecret(b"other")
    _vault, vault_id, secret = pw.vault_for([("lab", lab), ("prod", other)])
    assert (vault_id, secret) == ("lab", lab)
    _vault, vault_id, secret = pw.vault_for([("lab", lab), ("prod", other)], "prod")
    assert (vault_id, secret) == ("prod", other)
    with pytest.raises(pw.PasswordStoreError, match="hisops_password_vault_id"):
        pw.vault_for([("lab", lab)], "example")
    with pytest.raises(pw.PasswordStoreError, match="no vault secret"):
        pw.vault_for([])


# ---------------------------------------------------------------------------- crypt hash
# Test vectors of the SHA-crypt specification (Drepper), as libxcrypt computes them.
SPEC_VECTORS = [
    ("Hello world!", "$6$saltstring", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJu"
     "esI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
    ("Hello world!", "$6$rounds=10000$saltstringsaltstring", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8"
     "QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."),
    ("This is just a test", "$6$rounds=5000$toolongsaltstring", "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5p"
     "ZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"),
]  # fmt: skip


@pytest.mark.parametrize(("password", "setting", "expected"), SPEC_VECTORS)
def test_sha512_crypt_specification_vectors(password: str, setting: str, expected: str) -> None:
    assert pw.hash_matches(password, expected)
    assert not pw.hash_matches(password + "x", expected)


def test_sha512_crypt_agrees_with_ansibles_password_hash() -> None:
    from ansible.utils.encrypt import do_encrypt

    for password in ["", "a", "Long-" * 30, "中文密码-1"]:
        for rounds in (5000, 12000):
            reference = do_encrypt(password, "sha512_crypt", rounds=rounds)
            assert pw.hash_matches(password, reference)
            assert not pw.hash_matches(password + "x", reference)
    mine = pw.crypt_hash("Hello world!", salt="saltstring")
    assert mine == SPEC_VECTORS[0][2]
    assert not pw.hash_matches("pw", "!") and not pw.hash_matches("pw", "$y$j9T$abc$def")


def test_fresh_hashes_use_fresh_salts() -> None:
    first, second = pw.crypt_hash("same"), pw.crypt_hash("same")
    assert first != second and pw.hash_matches("same", first) and pw.hash_matches("same", second)


# ---------------------------------------------------------------------------- register
def test_register_rows_never_hold_the_password(tmp_path: Path) -> None:
    record = record_with_current(NOW - dt.timedelta(days=100))
    entry = pw.begin_rotation(record, "Very-Secret-Pw-0042", pw.TRIGGER_CUSTODIAN, BOB, "tech", NOW)
    row = register.rotation_row("outpatient", "pending", entry, ["ws-1"], ["ws-2"])
    assert "Very-Secret" not in repr(row)
    assert row["previous_custodian"] == "MZ0101" and row["custodian"] == "MZ0202"
    assert row["fingerprint"] == record.fingerprint("Very-Secret-Pw-0042") != record.fingerprint("other")
    with open_store(tmp_path / "results.sqlite") as store:
        assert store.schema_version() == MIGRATIONS[-1].version
        store.start_run(
            {"uuid": "run-1", "started": "2026-11-27T10:00:00.000000Z", "mode": "enforce", "playbook": "rotate"}
        )
        assert register.write_rows(store, "run-1", [row]) == 1
        rows = store.records(register.TABLE)
        assert rows[0]["hosts_pending"] == "ws-2" and rows[0]["run_uuid"] == "run-1"
        assert register.latest_by_department(store)["outpatient"]["event"] == "pending"
        with pytest.raises(ValueError, match="unknown rotation event"):
            register.rotation_row("outpatient", "leaked", entry)


def test_report_state_per_department() -> None:
    rows = [
        {"department": "outpatient", "event": "completed", "trigger_reason": "initial", "custodian": "MZ0101",
         "hosts_pending": "", "version": 1, "recorded_at": "2026-08-01T00:00:00.000000Z"},
        {"department": "outpatient", "event": "read", "trigger_reason": "", "custodian": "MZ0101",
         "hosts_pending": "", "version": 1, "recorded_at": "2026-09-01T00:00:00.000000Z"},
        {"department": "outpatient", "event": "pending", "trigger_reason": "max_age", "custodian": "MZ0101",
         "hosts_pending": "ws-mz-02", "version": 2, "recorded_at": "2026-11-01T00:00:00.000000Z"},
    ]  # fmt: skip
    (state,) = department_states(rows, dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    assert state["version"] == 1 and state["age_days"] == 121
    assert state["event"] == "pending" and state["hosts_pending"] == "ws-mz-02"


# ---------------------------------------------------------------------------- retrieval
def test_show_is_recorded_before_the_password_is_printed(tmp_path: Path) -> None:
    import io

    from ansible_collections.hisops.him.plugins.plugin_utils import password_show

    (tmp_path / "vault-pass").write_text("unit-test-vault\n")
    store = make_store(tmp_path / "store")
    record = store.load("outpatient")
    pw.begin_rotation(record, "Shown-Password-0001", pw.TRIGGER_INITIAL, ALICE, "t", NOW)
    pw.complete_rotation(record, ["ws-1"], ["ws-1"])
    store.save(record)
    argv = ["show", "outpatient", "--store-dir", str(tmp_path / "store"), "--vault-id",
            "unit@%s" % (tmp_path / "vault-pass"), "--encrypt-vault-id", "unit"]  # fmt: skip

    (tmp_path / "not-a-store").mkdir()
    out = io.StringIO()
    assert password_show.main([*argv, "--results", str(tmp_path / "not-a-store")], out=out) == 1
    assert "Shown-Password" not in out.getvalue()  # no audit row, no password

    out = io.StringIO()
    assert password_show.main([*argv, "--results", str(tmp_path / "results.sqlite")], out=out) == 0
    assert "Shown-Password-0001" in out.getvalue() and "version 1" in out.getvalue()
    reads = store.load("outpatient").reads
    assert reads[-1]["version"] == 1 and reads[-1]["by"]
    with open_store(tmp_path / "results.sqlite") as results:
        rows = results.records(register.TABLE)
    assert [(r["department"], r["event"], r["version"]) for r in rows] == [("outpatient", "read", 1)]
    assert "Shown-Password" not in repr(rows)
    later = pw.parse_iso(reads[-1]["at"]) + dt.timedelta(hours=25)
    assert pw.rotation_trigger(store.load("outpatient"), ALICE, later, pw.PasswordPolicy()) == pw.TRIGGER_READ_OUT
