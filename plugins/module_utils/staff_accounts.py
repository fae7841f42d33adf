# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Staff accounts of a department on a Linux workstation (rulebook 八.1(1), HIM-8.1.1-staff-accounts).

The inventory lists each department's staff (``hisops_department.staff``). On every Linux
workstation of the department each listed person has an account in the department's
``login_group``, created with a first password that must be changed at first login; an account
hisops created for a person who is no longer listed (left, or moved to another department) is
disabled: locked, expired and given a shell that refuses logins, never deleted, home kept.

hisops marks the accounts it manages in their GECOS field (``hisops-staff <staff id> <code>``),
which ordinary users cannot change (Debian's ``CHFN_RESTRICT``): that is how a run knows, once
a person has left the list, that the account was a staff account. Human accounts (UID in
``min_uid``..``max_uid``) that are neither listed, nor the department account, nor approved,
nor marked are *unexplained*: reported, never changed.

``plan`` is pure (the host's passwd/shadow/group text in, steps out), so the unit tests run it on
data; ``apply`` runs the steps through a command runner. Target-side code: Python 3.8+, standard
library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MARK = "hisops-staff"
# Key of the module result holding what changed, one {event, login, staff_id} per account: the
# recorder writes it to the results store's staff_account_events (plugin_utils.staff_register).
EVENTS_KEY = "hisops_staff_events"
NOLOGIN_SHELLS = ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false")
NOBODY_UID = 65534
# Expiry day written when an account is disabled: 1970-01-02, long past.
EXPIRED_DAY = 1

CREATE, ENABLE, ADOPT, JOIN, DISABLE = "create", "enable", "adopt", "join", "disable"
KINDS = (CREATE, ENABLE, ADOPT, JOIN, DISABLE)
NEEDS_PASSWORD = (CREATE, ENABLE)


def staff_login(person: dict[str, Any]) -> str:
    """The Linux login of a staff entry: ``login`` when set, else the staff id in lower case."""
    return str(person["login"]) if person.get("login") else str(person.get("staff_id") or "").lower()


def marker(staff_id: str, department: str) -> str:
    """The GECOS field of a staff account hisops manages."""
    return "%s %s %s" % (MARK, staff_id, department)


def parse_marker(gecos: str) -> tuple[str, str] | None:
    """(staff id, department) of a hisops staff account's GECOS field; None for any other account."""
    parts = gecos.split(",")[0].split()
    if len(parts) == 3 and parts[0] == MARK:
        return parts[1], parts[2]
    return None


@dataclass(frozen=True)
class Account:
    login: str
    uid: int
    gid: int
    gecos: str
    home: str
    shell: str


@dataclass(frozen=True)
class Shadow:
    hash: str = ""
    lastchg: str = ""
    expire: str = ""


@dataclass
class HostAccounts:
    """What the host's /etc/passwd, /etc/shadow and /etc/group say."""

    accounts: dict[str, Account]
    shadow: dict[str, Shadow]
    members: dict[str, list[str]]

    @classmethod
    def parse(cls, passwd: str, shadow: str, group: str) -> HostAccounts:
        accounts = {}
        for line in passwd.splitlines():
            parts = line.split(":")
            if len(parts) >= 7 and parts[2].isdigit() and parts[3].isdigit():
                accounts[parts[0]] = Account(parts[0], int(parts[2]), int(parts[3]), parts[4], parts[5], parts[6])
        shadows = {}
        for line in shadow.splitlines():
            parts = line.split(":")
            if len(parts) >= 8:
                shadows[parts[0]] = Shadow(parts[1], parts[2], parts[7])
        members = {}
        for line in group.splitlines():
            parts = line.split(":")
            if len(parts) >= 4:
                members[parts[0]] = [m for m in parts[3].split(",") if m]
        return cls(accounts, shadows, members)


@dataclass(frozen=True)
class Settings:
    """The department's data and the site's choices (the module's options)."""

    department: str
    login_group: str
    admin_account: str
    allowed: tuple[str, ...] = ()
    shell: str = "/bin/bash"
    nologin_shell: str = "/usr/sbin/nologin"
    min_uid: int = 1000
    max_uid: int = 60000


@dataclass(frozen=True)
class Person:
    login: str
    staff_id: str


def listed_people(department: dict[str, Any]) -> list[Person] | None:
    """The people of ``hisops_department.staff`` (validated by playbooks/validate_inventory.yml);
    None when the department has no ``staff`` key: its accounts are not managed (only audited)."""
    if department.get("staff") is None:
        return None
    return [Person(staff_login(p), str(p["staff_id"])) for p in department["staff"]]


@dataclass(frozen=True)
class Step:
    """One change to one account."""

    kind: str
    login: str
    staff_id: str
    before: str
    after: str

    def describe(self, settings: Settings) -> str:
        texts = {
            CREATE: "create %s (%s) in group %s, first password to change at first login",
            ENABLE: "enable %s (%s) again in group %s, first password to change at first login",
            ADOPT: "mark %s (%s) as the staff account of the person (group %s; password kept)",
            JOIN: "add %s (%s) to group %s",
            DISABLE: "disable %s (%s): no longer listed in this department; locked, expired, shell nologin, home kept",
        }
        values = (
            (self.login, self.staff_id) if self.kind == DISABLE else (self.login, self.staff_id, settings.login_group)
        )
        return texts[self.kind] % values


@dataclass
class Plan:
    create_group: bool = False
    steps: list[Step] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)

    def logins(self, *kinds: str) -> list[str]:
        return [s.login for s in self.steps if s.kind in kinds]

    @property
    def changes(self) -> bool:
        return self.create_group or bool(self.steps)


def is_human(account: Account, settings: Settings) -> bool:
    return settings.min_uid <= account.uid <= settings.max_uid and account.uid != NOBODY_UID


def is_disabled(account: Account, shadow: Shadow, settings: Settings, today: int) -> bool:
    """Locked, expired and without a login shell: what ``disable`` leaves."""
    expired = shadow.expire.isdigit() and int(shadow.expire) <= today
    nologin = account.shell in (settings.nologin_shell, *NOLOGIN_SHELLS)
    return shadow.hash.startswith("!") and expired and nologin


def is_usable(account: Account, shadow: Shadow, settings: Settings, today: int) -> bool:
    """Not locked, not expired, a login shell: a listed person can log in with it."""
    expired = shadow.expire.isdigit() and int(shadow.expire) <= today
    nologin = account.shell in (settings.nologin_shell, *NOLOGIN_SHELLS)
    return not shadow.hash.startswith("!") and not expired and not nologin


def state_text(account: Account | None, shadow: Shadow, settings: Settings, members: list[str], today: int) -> str:
    """One line describing an account for the diff (never a hash)."""
    if account is None:
        return "absent"
    mark = parse_marker(account.gecos)
    who = mark[0] if mark else "not marked"
    if is_disabled(account, shadow, settings, today):
        state = "disabled"
    elif is_usable(account, shadow, settings, today):
        state = "active"
    else:
        state = "partly disabled"
    group = "in %s" % settings.login_group if account.login in members else "not in %s" % settings.login_group
    must = ", must change password" if shadow.lastchg == "0" else ""
    return "%s, %s, %s, shell %s%s" % (who, state, group, account.shell, must)


def plan(people: list[Person] | None, host: HostAccounts, settings: Settings, today: int) -> Plan:
    """What to create, enable, adopt, add to the group and disable; what to report.

    ``people`` None (the department lists no staff): nothing is created or disabled; accounts
    hisops marked are left as they are; the other human accounts are still reported."""
    managed = people is not None
    people = people or []
    result = Plan(create_group=managed and settings.login_group not in host.members)
    members = host.members.get(settings.login_group, [])
    listed = {p.login: p for p in people}
    after_active = "%%s, active, in %s, shell %s, must change password" % (settings.login_group, settings.shell)
    for person in people:
        account = host.accounts.get(person.login)
        shadow = host.shadow.get(person.login, Shadow())
        before = state_text(account, shadow, settings, members, today)
        if account is None:
            result.steps.append(Step(CREATE, person.login, person.staff_id, before, after_active % person.staff_id))
            continue
        mark = parse_marker(account.gecos)
        if not is_human(account, settings):
            result.conflicts.append(
                "%s is a system account (uid %d) on this host: give staff %s another login in the inventory"
                % (person.login, account.uid, person.staff_id)
            )
        elif mark and mark[0] != person.staff_id:
            result.conflicts.append(
                "%s on this host is the account of staff %s (%s), the inventory gives it to %s: give %s another login"
                % (person.login, mark[0], mark[1], person.staff_id, person.staff_id)
            )
        elif mark and not is_usable(account, shadow, settings, today):
            result.steps.append(Step(ENABLE, person.login, person.staff_id, before, after_active % person.staff_id))
        elif not mark or mark[1] != settings.department:
            after = state_text(account, shadow, settings, [*members, person.login], today).replace(
                "not marked", person.staff_id
            )
            result.steps.append(Step(ADOPT, person.login, person.staff_id, before, after))
        elif person.login not in members:
            after = state_text(account, shadow, settings, [*members, person.login], today)
            result.steps.append(Step(JOIN, person.login, person.staff_id, before, after))
        else:
            result.active.append(person.login)
    for login, account in sorted(host.accounts.items()):
        if login in listed or not is_human(account, settings):
            continue
        shadow = host.shadow.get(login, Shadow())
        mark = parse_marker(account.gecos)
        if mark and is_disabled(account, shadow, settings, today):
            result.disabled.append(login)
        elif mark and not managed:
            continue  # a staff account hisops made, in a department that lists no staff: left as it is
        elif mark:
            before = state_text(account, shadow, settings, members, today)
            after = "%s, disabled, shell %s, home %s kept" % (mark[0], settings.nologin_shell, account.home)
            result.steps.append(Step(DISABLE, login, mark[0], before, after))
        elif login != settings.admin_account and login not in settings.allowed:
            result.unexplained.append(
                "%s (uid %d, shell %s): in no staff list of department %s, not the department account, not approved"
                % (login, account.uid, account.shell, settings.department)
            )
    return result


def diff(result: Plan, settings: Settings, host_name: str) -> dict[str, str]:
    header = "staff accounts of %s on %s" % (settings.department, host_name)
    before = "".join("%s: %s\n" % (s.login, s.before) for s in result.steps)
    after = "".join("%s: %s\n" % (s.login, s.after) for s in result.steps)
    if result.create_group:
        before = "group %s: absent\n" % settings.login_group + before
        after = "group %s: present\n" % settings.login_group + after
    return {"before_header": header, "after_header": header, "before": before, "after": after}


class StaffError(Exception):
    """A step failed (the message names the command and the account)."""


def run(
    runner: Callable[[list[str], str | None], tuple[int, str, str]], argv: list[str], data: str | None = None
) -> None:
    rc, out, err = runner(argv, data)
    if rc != 0:
        # argv never holds a password or hash: those go through stdin (chpasswd -e)
        raise StaffError("'%s' failed (rc=%d): %s" % (" ".join(argv), rc, (err or out).strip()[-300:]))


def set_first_password(
    runner: Callable[[list[str], str | None], tuple[int, str, str]], login: str, crypt_hash: str
) -> None:
    """The first password (a crypt hash, through stdin) to be changed at first login (chage -d 0)."""
    run(runner, ["chpasswd", "-e"], "%s:%s" % (login, crypt_hash))  # the runner ends the line
    run(runner, ["chage", "-d", "0", login])


def apply_step(
    runner: Callable[[list[str], str | None], tuple[int, str, str]],
    step: Step,
    settings: Settings,
    hashes: dict[str, str],
) -> None:
    mark = marker(step.staff_id, settings.department)
    group = settings.login_group
    if step.kind in NEEDS_PASSWORD and not hashes.get(step.login):
        raise StaffError("no first password for %s (%s): run the staff prepare step" % (step.login, step.staff_id))
    if step.kind == CREATE:
        shell = settings.shell
        run(runner, ["useradd", "--create-home", "--shell", shell, "--comment", mark, "--groups", group, step.login])
        set_first_password(runner, step.login, hashes[step.login])
    elif step.kind == ENABLE:
        run(runner, ["usermod", "--expiredate", "", "--shell", settings.shell, "--comment", mark, step.login])
        run(runner, ["usermod", "--append", "--groups", group, step.login])
        set_first_password(runner, step.login, hashes[step.login])
    elif step.kind in (ADOPT, JOIN):
        run(runner, ["usermod", "--comment", mark, "--append", "--groups", group, step.login])
    elif step.kind == DISABLE:
        expire = str(EXPIRED_DAY)
        run(runner, ["usermod", "--lock", "--expiredate", expire, "--shell", settings.nologin_shell, step.login])


def apply(
    runner: Callable[[list[str], str | None], tuple[int, str, str]],
    result: Plan,
    settings: Settings,
    hashes: dict[str, str],
) -> list[tuple[Step, str]]:
    """Run every step; (step, error) for each that failed (the others are still applied)."""
    if result.create_group:
        run(runner, ["groupadd", settings.login_group])
    failed = []
    for step in result.steps:
        try:
            apply_step(runner, step, settings, hashes)
        except StaffError as exc:
            failed.append((step, str(exc)))
    return failed
