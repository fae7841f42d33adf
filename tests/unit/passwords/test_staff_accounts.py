"""Staff accounts (HIM-8.1.1, rulebook 八.1(1)): what to create, enable, mark, disable and report from
the inventory's staff list and a host's passwd/shadow/group; applying it on a simulated host until
nothing is left to do; the first passwords' store; the register in the results store."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_collections.hisops.him.plugins.module_utils import staff_accounts as sa
from ansible_collections.hisops.him.plugins.modules import hisops_staff_accounts as staff_module
from ansible_collections.hisops.him.plugins.plugin_utils import passwords as pw
from ansible_collections.hisops.him.plugins.plugin_utils import staff_register
from ansible_collections.hisops.him.plugins.plugin_utils.migrations import MIGRATIONS
from ansible_collections.hisops.him.plugins.plugin_utils.recording import RunRecording
from ansible_collections.hisops.him.plugins.plugin_utils.staff_passwords import StaffPasswordStore
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store
from ansible_collections.hisops.him.plugins.plugin_utils.store.writer import Batch

pytestmark = pytest.mark.unit

TODAY = 20_000  # days since 1970-01-01 (2024-10-04)
SETTINGS = sa.Settings(department="outpatient", login_group="mz_staff", admin_account="outpatient_admin")
DEPARTMENT = {
    "code": "outpatient",
    "login_group": "mz_staff",
    "staff": [
        {"staff_id": "MZ0101", "name": "张丽", "role": "护士长"},
        {"staff_id": "MZ0102", "name": "李强", "role": "医生", "login": "liqiang"},
    ],
}
BASE_PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
sshd:x:105:65534::/run/sshd:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
outpatient_admin:x:1000:1000::/home/outpatient_admin:/bin/bash
"""
BASE_SHADOW = """root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
sshd:!:19000::::::
nobody:*:19000:0:99999:7:::
outpatient_admin:$6$salt$hash:19000:0:99999:7:::
"""
BASE_GROUP = """root:x:0:
sudo:x:27:outpatient_admin
outpatient_admin:x:1000:
"""


class FakeHost:
    """/etc/passwd, /etc/shadow and /etc/group in memory, changed by the commands the module runs
    (useradd, usermod, groupadd, chpasswd -e, chage -d 0) as the shadow tools would."""

    def __init__(self, passwd: str = BASE_PASSWD, shadow: str = BASE_SHADOW, group: str = BASE_GROUP) -> None:
        self.passwd = [line.split(":") for line in passwd.splitlines()]
        self.shadow = [line.split(":") for line in shadow.splitlines()]
        self.group = [line.split(":") for line in group.splitlines()]
        self.commands: list[str] = []
        self.stdin: list[str] = []
        self.homes: set[str] = {"/home/outpatient_admin"}

    def accounts(self) -> sa.HostAccounts:
        text = ["\n".join(":".join(r) for r in rows) for rows in (self.passwd, self.shadow, self.group)]
        return sa.HostAccounts.parse(*text)

    def row(self, table: list[list[str]], name: str) -> list[str]:
        return next(r for r in table if r[0] == name)

    def join(self, login: str, group: str) -> None:
        row = self.row(self.group, group)
        members = [m for m in row[3].split(",") if m]
        row[3] = ",".join([*members, login] if login not in members else members)

    def __call__(self, argv: list[str], data: str | None) -> tuple[int, str, str]:
        self.commands.append(shlex.join(argv))
        if data is not None:
            self.stdin.append(data)
        opts = options(argv[1:-1])
        name = argv[-1]
        if argv[0] == "groupadd":
            self.group.append([name, "x", str(2000 + len(self.group)), ""])
        elif argv[0] == "useradd":
            uid = str(1001 + len(self.passwd))
            self.passwd.append([name, "x", uid, uid, opts["--comment"], "/home/" + name, opts["--shell"]])
            self.shadow.append([name, "!", str(TODAY), "0", "99999", "7", "", "", ""])
            self.group.append([name, "x", uid, ""])
            self.join(name, opts["--groups"])
            self.homes.add("/home/" + name)
        elif argv[0] == "usermod":
            prow, srow = self.row(self.passwd, name), self.row(self.shadow, name)
            prow[4] = opts.get("--comment", prow[4])
            prow[6] = opts.get("--shell", prow[6])
            srow[7] = opts.get("--expiredate", srow[7])
            if "--lock" in argv and not srow[1].startswith("!"):
                srow[1] = "!" + srow[1]
            if "--groups" in opts:
                self.join(name, opts["--groups"])
        elif argv[0] == "chpasswd":
            login, _sep, crypt = (data or "").strip().partition(":")
            self.row(self.shadow, login)[1] = crypt
        elif argv[0] == "chage":
            self.row(self.shadow, name)[2] = argv[2]
        else:
            return 1, "", "unknown command"
        return 0, "", ""


def options(args: list[str]) -> dict[str, str]:
    """--name value pairs of a shadow tool's command line (flags without a value map to "")."""
    out, rest = {}, list(args)
    while rest:
        name = rest.pop(0)
        out[name] = "" if name in ("--create-home", "--lock", "--append", "-e") else rest.pop(0)
    return out


def kinds(plan: sa.Plan) -> list[tuple[str, str]]:
    return [(s.kind, s.login) for s in plan.steps]


def test_listed_people_take_their_login_or_their_staff_id_in_lower_case() -> None:
    assert sa.listed_people(DEPARTMENT) == [sa.Person("mz0101", "MZ0101"), sa.Person("liqiang", "MZ0102")]
    assert sa.listed_people({"code": "x", "login_group": "g", "staff": []}) == []
    assert sa.listed_people({"code": "x", "login_group": "g"}) is None  # no staff key: not managed


def test_a_department_without_a_staff_list_is_audited_not_managed() -> None:
    marked = "liqiang:x:1001:1001:hisops-staff MZ0102 outpatient:/home/liqiang:/bin/bash\n"
    guest = "guest:x:1002:1002::/home/guest:/bin/bash\n"
    host = FakeHost(BASE_PASSWD + marked + guest, BASE_SHADOW + "liqiang:$6$x$y:19000:0:99999:7:::\n", BASE_GROUP)
    plan = sa.plan(None, host.accounts(), SETTINGS, TODAY)
    assert not plan.changes  # no group created, nothing disabled
    assert [u.split()[0] for u in plan.unexplained] == ["guest"]
    assert kinds(sa.plan([], host.accounts(), SETTINGS, TODAY)) == [("disable", "liqiang")]  # staff: [] is a list


def test_a_new_department_gets_its_group_and_every_listed_account() -> None:
    plan = sa.plan(sa.listed_people(DEPARTMENT), FakeHost().accounts(), SETTINGS, TODAY)
    assert plan.create_group
    assert kinds(plan) == [("create", "mz0101"), ("create", "liqiang")]
    assert plan.logins(*sa.NEEDS_PASSWORD) == ["mz0101", "liqiang"]
    assert plan.unexplained == [] and plan.conflicts == []  # root, system accounts, nobody, the admin: explained
    diff = sa.diff(plan, SETTINGS, "ws-1")
    assert "mz0101: absent" in diff["before"] and "group mz_staff: absent" in diff["before"]
    assert "mz0101: MZ0101, active, in mz_staff, shell /bin/bash, must change password" in diff["after"]


def test_enforce_then_nothing_left_first_password_through_stdin_and_to_change() -> None:
    host = FakeHost()
    people = sa.listed_people(DEPARTMENT)
    hashes = {"mz0101": pw.crypt_hash("First-Pw-0101"), "liqiang": pw.crypt_hash("First-Pw-0102")}
    plan = sa.plan(people, host.accounts(), SETTINGS, TODAY)
    assert sa.apply(host, plan, SETTINGS, hashes) == []
    again = sa.plan(people, host.accounts(), SETTINGS, TODAY)
    assert not again.changes and again.active == ["mz0101", "liqiang"]
    accounts = host.accounts()
    assert accounts.members["mz_staff"] == ["mz0101", "liqiang"]
    assert accounts.accounts["liqiang"].gecos == "hisops-staff MZ0102 outpatient"
    assert accounts.shadow["liqiang"].lastchg == "0"  # chage -d 0: must change at first login
    assert pw.hash_matches("First-Pw-0102", accounts.shadow["liqiang"].hash)
    # the hash never on a command line (visible in ps), only on chpasswd's stdin
    assert not any("$6$" in c for c in host.commands)
    assert host.stdin == ["mz0101:%s" % hashes["mz0101"], "liqiang:%s" % hashes["liqiang"]]


def test_a_person_who_leaves_is_disabled_never_deleted_and_stays_explained() -> None:
    host = FakeHost()
    people = sa.listed_people(DEPARTMENT)
    sa.apply(
        host, sa.plan(people, host.accounts(), SETTINGS, TODAY), SETTINGS, {"mz0101": "$6$a$b", "liqiang": "$6$c$d"}
    )
    remaining = people[:1]
    plan = sa.plan(remaining, host.accounts(), SETTINGS, TODAY)
    assert kinds(plan) == [("disable", "liqiang")]
    assert "home /home/liqiang kept" in plan.steps[0].after
    assert sa.apply(host, plan, SETTINGS, {}) == []
    assert ["userdel" in c for c in host.commands].count(True) == 0
    account, shadow = host.accounts().accounts["liqiang"], host.accounts().shadow["liqiang"]
    assert shadow.hash.startswith("!") and shadow.expire == "1" and account.shell == "/usr/sbin/nologin"
    assert "/home/liqiang" in host.homes
    again = sa.plan(remaining, host.accounts(), SETTINGS, TODAY)
    assert not again.changes and again.disabled == ["liqiang"] and again.unexplained == []


def test_a_person_listed_again_is_enabled_with_a_new_first_password() -> None:
    host = FakeHost()
    people = sa.listed_people(DEPARTMENT)
    sa.apply(
        host, sa.plan(people, host.accounts(), SETTINGS, TODAY), SETTINGS, {"mz0101": "$6$a$b", "liqiang": "$6$c$d"}
    )
    sa.apply(host, sa.plan(people[:1], host.accounts(), SETTINGS, TODAY), SETTINGS, {})
    plan = sa.plan(people, host.accounts(), SETTINGS, TODAY)
    assert kinds(plan) == [("enable", "liqiang")]
    assert sa.apply(host, plan, SETTINGS, {}) and host.accounts().shadow["liqiang"].hash.startswith("!")  # no hash
    assert sa.apply(host, plan, SETTINGS, {"liqiang": "$6$e$f"}) == []
    shadow = host.accounts().shadow["liqiang"]
    assert (shadow.hash, shadow.expire, shadow.lastchg) == ("$6$e$f", "", "0")
    assert not sa.plan(people, host.accounts(), SETTINGS, TODAY).changes


def test_a_person_who_moved_is_disabled_in_the_old_department() -> None:
    moved = "liqiang:x:1001:1001:hisops-staff MZ0102 inpatient:/home/liqiang:/bin/bash\n"
    host = FakeHost(BASE_PASSWD + moved, BASE_SHADOW + "liqiang:$6$x$y:19000:0:99999:7:::\n", BASE_GROUP)
    plan = sa.plan(sa.listed_people(DEPARTMENT)[:1], host.accounts(), SETTINGS, TODAY)
    assert ("disable", "liqiang") in kinds(plan)


def test_unexplained_accounts_are_reported_never_changed() -> None:
    extra = (
        "guest:x:1005:1005::/home/guest:/bin/bash\n"
        "backup2:x:999:999::/var/backups:/bin/sh\n"  # system range: not a person
        "ansible:x:1006:1006::/home/ansible:/bin/bash\n"
    )
    host = FakeHost(BASE_PASSWD + extra, BASE_SHADOW, BASE_GROUP + "mz_staff:x:2000:\n")
    settings = sa.Settings("outpatient", "mz_staff", "outpatient_admin", allowed=("ansible",))
    plan = sa.plan([], host.accounts(), settings, TODAY)
    assert not plan.changes
    assert len(plan.unexplained) == 1 and plan.unexplained[0].startswith("guest (uid 1005")


def test_hand_made_account_of_a_listed_person_is_marked_and_its_password_kept() -> None:
    hand = "mz0101:x:1001:1001:Zhang Li:/home/mz0101:/bin/bash\n"
    host = FakeHost(BASE_PASSWD + hand, BASE_SHADOW + "mz0101:$6$own$pw:19000:0:99999:7:::\n", BASE_GROUP)
    people = sa.listed_people(DEPARTMENT)[:1]
    plan = sa.plan(people, host.accounts(), SETTINGS, TODAY)
    assert kinds(plan) == [("adopt", "mz0101")] and plan.logins(*sa.NEEDS_PASSWORD) == []
    assert sa.apply(host, plan, SETTINGS, {}) == []
    assert host.accounts().shadow["mz0101"].hash == "$6$own$pw"
    assert not sa.plan(people, host.accounts(), SETTINGS, TODAY).changes


def test_a_login_of_another_person_or_a_system_account_is_a_conflict() -> None:
    other = "liqiang:x:1001:1001:hisops-staff MZ0999 outpatient:/home/liqiang:/bin/bash\nmz0101:x:998:998::/:/bin/sh\n"
    host = FakeHost(BASE_PASSWD + other, BASE_SHADOW + "liqiang:$6$x$y:19000:0:99999:7:::\n", BASE_GROUP)
    plan = sa.plan(sa.listed_people(DEPARTMENT), host.accounts(), SETTINGS, TODAY)
    assert [s for s in plan.steps if s.kind != "join"] == []
    assert len(plan.conflicts) == 2
    assert "staff MZ0999" in plan.conflicts[1] and "system account (uid 998)" in plan.conflicts[0]


def test_a_failed_command_is_reported_and_the_others_still_run() -> None:
    host = FakeHost()

    def failing(argv: list[str], data: str | None) -> tuple[int, str, str]:
        if argv[0] == "chpasswd":
            return 1, "", "chpasswd: PAM authentication failure"
        return host(argv, data)

    plan = sa.plan(sa.listed_people(DEPARTMENT), host.accounts(), SETTINGS, TODAY)
    failed = sa.apply(failing, plan, SETTINGS, {"mz0101": "$6$a$b", "liqiang": "$6$c$d"})
    assert [s.login for s, _e in failed] == ["mz0101", "liqiang"]
    assert "'chpasswd -e' failed (rc=1)" in failed[0][1] and "$6$" not in failed[0][1]
    # the accounts exist, locked: the next run enables them with their first password
    assert kinds(sa.plan(sa.listed_people(DEPARTMENT), host.accounts(), SETTINGS, TODAY)) == [
        ("enable", "mz0101"),
        ("enable", "liqiang"),
    ]


# ---------------------------------------------------------------------------- first passwords
def make_store(directory: Path, password: bytes = b"unit-test-vault") -> StaffPasswordStore:
    secret = VaultSecret(password)
    return StaffPasswordStore(directory, VaultLib([("unit", secret)]), "unit", secret)


def test_first_passwords_generated_once_per_person_encrypted_beside_the_department_files(tmp_path: Path) -> None:
    import datetime as dt

    store = make_store(tmp_path)
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    record = store.load("outpatient")
    policy = pw.PasswordPolicy()
    assert record.ensure("liqiang", "MZ0102", policy, "tech", now)
    first = record.password("liqiang", "MZ0102")
    assert first and pw.satisfies(first, policy)
    store.save(record)
    assert (tmp_path / "staff" / "outpatient.vault").is_file()
    assert first.encode() not in (tmp_path / "staff" / "outpatient.vault").read_bytes()
    assert pw.VaultFileStore(tmp_path, store.vault, "unit", store.secret).departments() == []  # not a department file
    loaded = store.load("outpatient")
    assert not loaded.ensure("liqiang", "MZ0102", policy, "tech", now)  # kept: the custodian may have handed it over
    assert loaded.password("liqiang", "MZ0102") == first
    assert loaded.password("liqiang", "MZ0999") is None  # the login given to another person: not this password
    assert loaded.ensure("liqiang", "MZ0999", policy, "tech", now) and loaded.password("liqiang", "MZ0999") != first
    with pytest.raises(pw.PasswordStoreError, match="does not decrypt"):
        make_store(tmp_path, b"wrong").load("outpatient")
    (tmp_path / "staff" / "inpatient.vault").write_text('{"format": 1}')
    with pytest.raises(pw.PasswordStoreError, match="not vault-encrypted"):
        store.load("inpatient")


# ---------------------------------------------------------------------------- register
def test_the_recorder_puts_account_changes_in_the_register(tmp_path: Path) -> None:
    rec = RunRecording("u-1")
    events = [{"event": "create", "login": "liqiang", "staff_id": "MZ0102"}, {"event": "bogus", "login": "x"}]
    data = {sa.EVENTS_KEY: events, "changed": True}
    rec.record_result("ws-mz-01", ["dept_outpatient", "workstations_linux"], data, "ok", ("t", "m"), True, dict)
    (row,) = rec.take_batch().extra[staff_register.TABLE]
    assert list(row) == list(staff_register.COLUMNS)
    assert (row["host"], row["department"], row["login"], row["event"]) == (
        "ws-mz-01",
        "outpatient",
        "liqiang",
        "create",
    )
    with open_store(tmp_path / "s.sqlite") as store:
        assert store.schema_version() == MIGRATIONS[-1].version
        store.start_run({"uuid": "u-1", "started": "2026-11-28T00:00:00.000000Z", "mode": "enforce"})
        store.write(Batch("u-1", extra={staff_register.TABLE: [row]}))
        (stored,) = staff_register.account_history(store, "liqiang")
    assert (stored["staff_id"], stored["event"], stored["run_uuid"]) == ("MZ0102", "create", "u-1")
    assert staff_register.store_rows("h", "d", "not a list", "now") == []


# ---------------------------------------------------------------------------- the module's main()
class FakeModule:
    """What StaffAccounts uses of AnsibleModule: params, check mode, diff, run_command, fail_json."""

    def __init__(self, host: FakeHost, check_mode: bool = False, **params: object) -> None:
        self.params = {k: v["default"] for k, v in staff_module.ARGUMENT_SPEC.items()}
        self.params |= {"state": "enforce", "department": DEPARTMENT, "today": "2024-10-04"} | params
        self.check_mode, self._diff, self.host = check_mode, True, host

    def run_command(self, argv: list[str], data: str | None = None, **_kw: object) -> tuple[int, str, str]:
        return self.host(argv, data)

    def fail_json(self, **kw: object) -> None:
        raise AssertionError(kw)


def module_run(host: FakeHost, check_mode: bool = False, **params: object) -> dict:
    class OnFakeHost(staff_module.StaffAccounts):
        def host(self) -> sa.HostAccounts:
            return host.accounts()

    return OnFakeHost(FakeModule(host, check_mode, **params)).main()  # type: ignore[arg-type]


def test_module_check_mode_diff_enforce_and_second_run() -> None:
    host = FakeHost(BASE_PASSWD + "guest:x:1005:1005::/home/guest:/bin/bash\n")
    hashes = {"mz0101": "$6$a$b", "liqiang": "$6$c$d"}
    checked = module_run(host, check_mode=True)
    assert checked["changed"] is True and host.commands == []
    assert "mz0101: absent" in checked["diff"]["before"] and checked["need_password"] == ["mz0101", "liqiang"]
    (record,) = checked["hisops_controls"]
    assert record["status"] == "fail" and "unexplained account: guest (uid 1005" in record["evidence"][1]
    missing = module_run(host, first_passwords={})  # no first password: no account is made
    assert missing["failed"] and missing["hisops_controls"][0]["status"] == "error"
    assert "no first password for mz0101" in missing["msg"] and "mz0101" not in host.accounts().accounts
    done = module_run(host, first_passwords=hashes)
    assert done["changed"] and done["hisops_controls"][0]["status"] == "fail"  # guest still unexplained
    assert [e["event"] for e in done[sa.EVENTS_KEY]] == ["create", "create"]
    again = module_run(host, first_passwords=hashes)
    assert again["changed"] is False and again[sa.EVENTS_KEY] == [] and "diff" not in again
    host.passwd = [r for r in host.passwd if r[0] != "guest"]
    assert module_run(host, state="audit")["hisops_controls"][0]["status"] == "pass"
