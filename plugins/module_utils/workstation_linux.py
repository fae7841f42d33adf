# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check and fix the workstation controls on a Debian-family Linux host.

One ``Host`` object reads the host state (files only: dpkg's database, /etc/group, dconf
keyfiles, ...; an audit runs no command at all, which keeps it fast) and applies fixes
through a command runner and atomic file writes. Every path is taken relative to
``Host.root`` so the unit tests run the same code against a planted directory tree.

Each control is a function ``check_<name>(host, ctx) -> Finding``: what is wrong
(evidence) and the actions that would fix it. ``run_controls`` turns findings into the
shared result records (``hisops.results``): in audit or check mode nothing changes and a
violation is ``fail``; when enforcing, the actions run, the control is checked again and
is ``fixed`` (or ``error`` when the violation is still there).
"""

from __future__ import annotations

import configparser
import contextlib
import datetime
import fnmatch
import os
import tempfile
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from ansible_collections.hisops.him.plugins.module_utils.results import ERROR, EXEMPT, FAIL, FIXED, PASS, control_result
from ansible_collections.hisops.him.plugins.module_utils.workstation_policy import (
    describe_exception,
    exceptions_for,
    merged_policy,
)


Runner = Callable[[list[str]], tuple[int, str, str]]
MANAGED = "# Managed by hisops (%s): local changes are overwritten.\n"
APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}


class FixError(Exception):
    """A fix could not be applied (the message is for the technician)."""


@dataclass
class Action:
    """One change that fixes (part of) a violation."""

    description: str
    apply: Callable[[], None]
    diff: dict[str, str] | None = None


@dataclass
class Finding:
    """What a control check found on the host."""

    evidence: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    violation: bool = False
    exempt: bool = False
    report_only: bool = False
    message: str = ""


@dataclass
class Context:
    """Everything a check needs besides the host: mechanism data and resolved policy."""

    control_id: str
    mech: dict[str, Any]
    policy: dict[str, Any]
    department: dict[str, Any]
    active_exceptions: list[dict[str, Any]]
    expired_exceptions: list[dict[str, Any]]
    connection_user: str
    clinical_24h: bool
    hostname: str


class Host:
    """File and command access to the target host, rooted at ``root``."""

    def __init__(self, runner: Runner, root: str = "/") -> None:
        self.root = root
        self.runner = runner
        self._packages: dict[str, dict[str, str]] | None = None

    def path(self, path: str) -> str:
        return os.path.join(self.root, path.lstrip("/"))

    def exists(self, path: str) -> bool:
        return os.path.lexists(self.path(path))

    def read(self, path: str) -> str | None:
        try:
            with open(self.path(path), encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def listdir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(self.path(path)))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def walk_files(self, path: str) -> list[str]:
        """Every non-directory entry below ``path`` (host paths, sorted)."""
        found = []
        for dirpath, _dirs, files in os.walk(self.path(path)):
            for name in files:
                rel = os.path.relpath(os.path.join(dirpath, name), self.root)
                found.append("/" + rel)
        return sorted(found)

    def write(self, path: str, content: str, mode: int = 0o644) -> None:
        """Write atomically (temp file in the same directory, then rename)."""
        target = self.path(path)
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".hisops-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(content)
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def remove(self, path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path(path))

    def symlink(self, target: str, link: str) -> None:
        os.makedirs(os.path.dirname(self.path(link)), exist_ok=True)
        self.remove(link)
        os.symlink(target, self.path(link))

    def run(self, argv: list[str]) -> str:
        rc, out, err = self.runner(argv)
        if rc != 0:
            raise FixError("command '%s' failed (rc=%d): %s" % (" ".join(argv), rc, (err or out).strip()[-400:]))
        return out

    def mtime(self, path: str) -> float:
        try:
            return os.lstat(self.path(path)).st_mtime
        except FileNotFoundError:
            return 0.0

    # ---- dpkg -----------------------------------------------------------------------
    def packages(self) -> dict[str, dict[str, str]]:
        """Installed packages from dpkg's status file: name -> fields (Priority, Section, auto)."""
        if self._packages is None:
            self._packages = self._read_packages()
        return self._packages

    def forget_packages(self) -> None:
        self._packages = None

    def _read_packages(self) -> dict[str, dict[str, str]]:
        auto = set()
        for stanza in _stanzas(self.read("/var/lib/apt/extended_states") or ""):
            if stanza.get("Auto-Installed") == "1":
                auto.add(stanza.get("Package", ""))
        installed = {}
        for stanza in _stanzas(self.read("/var/lib/dpkg/status") or ""):
            status = stanza.get("Status", "").split()
            if len(status) == 3 and status[2] in ("installed", "half-configured", "unpacked"):
                name = stanza.get("Package", "")
                stanza["auto"] = "1" if name in auto else "0"
                installed[name] = stanza
        return installed

    def package_files(self, name: str, arch: str = "") -> list[str]:
        for candidate in (name, "%s:%s" % (name, arch) if arch else None):
            if candidate is None:
                continue
            text = self.read("/var/lib/dpkg/info/%s.list" % candidate)
            if text is not None:
                return [line for line in text.splitlines() if line]
        return []


def _stanzas(text: str) -> list[dict[str, str]]:
    """Parse a deb822 file (dpkg status, apt extended_states) into mappings (first line of each field)."""
    out: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                out.append(current)
            current = {}
        elif not line[0].isspace() and ":" in line:
            key, _, value = line.partition(":")
            current[key] = value.strip()
    if current:
        out.append(current)
    return out


def _matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _file_action(host: Host, path: str, content: str, control_id: str, mode: int = 0o644) -> Action | None:
    """An action writing ``content`` to ``path`` when it differs (None when already right)."""
    before = host.read(path)
    if before == content:
        return None
    return Action(
        description="%s %s" % ("write" if before is not None else "create", path),
        apply=lambda: host.write(path, content, mode),
        diff={"before_header": path, "after_header": path, "before": before or "", "after": content},
    )


def _remove_file_action(host: Host, path: str) -> Action:
    before = host.read(path)
    return Action(
        description="remove %s" % path,
        apply=lambda: host.remove(path),
        diff={"before_header": path, "after_header": path + " (removed)", "before": before or "", "after": ""},
    )


def _purge_action(host: Host, names: list[str], why: str) -> Action:
    def apply() -> None:
        host.run(["apt-get", "purge", "-y", "-q", "--allow-change-held-packages", *names])
        host.forget_packages()

    listing = "".join("%s\n" % n for n in names)
    return Action(
        description="purge packages (%s): %s" % (why, ", ".join(names)),
        apply=apply,
        diff={
            "before_header": "installed packages",
            "after_header": "installed packages",
            "before": listing,
            "after": "",
        },
    )


# ---- HIM-5.4-games ------------------------------------------------------------------
def _desktop_categories(text: str) -> list[str]:
    for line in text.splitlines():
        if line.startswith("Categories="):
            return [c for c in line.split("=", 1)[1].strip().split(";") if c]
    return []


def game_packages(host: Host, mech: dict[str, Any], exempt_items: list[str]) -> list[str]:
    blocked = list(mech.get("packages") or [])
    sections = set(mech.get("sections") or [])
    found = []
    for name, fields in host.packages().items():
        section = fields.get("Section", "").split("/")[-1]
        if (_matches(name, blocked) or section in sections) and not _matches(name, exempt_items):
            found.append(name)
    return sorted(found)


def game_files(host: Host, mech: dict[str, Any], exempt_items: list[str]) -> list[str]:
    """.desktop entries in a game category, and anything under the games directories."""
    categories = set(mech.get("desktop_categories") or ["Game"])
    found = []
    for directory in mech.get("desktop_dirs") or []:
        for name in host.listdir(directory):
            path = "%s/%s" % (directory.rstrip("/"), name)
            if name.endswith(".desktop") and categories & set(_desktop_categories(host.read(path) or "")):
                found.append(path)
    for directory in mech.get("game_dirs") or []:
        found += host.walk_files(directory)
    return sorted(p for p in found if not _matches(os.path.basename(p), exempt_items))


def pin_content(mech: dict[str, Any], control_id: str) -> str:
    names = " ".join(sorted(mech.get("packages") or []))
    return (MANAGED % control_id) + (
        "Explanation: %s: game software is not allowed (rulebook 五.4)\n"
        "Package: %s\nPin: version *\nPin-Priority: -1\n" % (control_id, names)
    )


def check_games(host: Host, ctx: Context) -> Finding:
    items = _exempt_items(ctx)
    packages = game_packages(host, ctx.mech, items)
    finding = Finding()
    finding.evidence += ["game package installed: %s" % p for p in packages]
    if packages:
        finding.actions.append(_purge_action(host, packages, "games"))
    owned = {f for p in packages for f in host.package_files(p)}
    files = game_files(host, ctx.mech, items)
    finding.evidence += ["game file: %s" % f for f in files]
    finding.actions += [_remove_file_action(host, f) for f in files if f not in owned]
    pin = _file_action(host, ctx.mech["pin_file"], pin_content(ctx.mech, ctx.control_id), ctx.control_id)
    if pin:
        finding.evidence.append("reinstalling games is not blocked: %s missing or different" % ctx.mech["pin_file"])
        finding.actions.append(pin)
    finding.violation = bool(finding.evidence)
    if packages or files:
        finding.message = "%d game package(s), %d game file(s) found" % (len(packages), len(files))
    elif finding.violation:
        finding.message = "no game software, but reinstalling games is not blocked"
    else:
        finding.message = "no game software; reinstalling is blocked"
    return finding


# ---- HIM-7.4-software ---------------------------------------------------------------
def installed_software(host: Host, mech: dict[str, Any]) -> list[str]:
    """Packages that count as software a user runs (see the catalog's linux mechanism)."""
    skip_priorities = set(mech.get("ignore_priorities") or [])
    dirs = tuple(d.rstrip("/") + "/" for d in mech.get("program_dirs") or [])
    found = []
    for name, fields in host.packages().items():
        if fields.get("Priority") in skip_priorities or fields.get("auto") == "1":
            continue
        arch = fields.get("Architecture", "")
        files = host.package_files(name, arch)
        if any(f.startswith(dirs) and "/" not in f[len(_prefix(f, dirs)) :] for f in files):
            found.append(name)
    return sorted(found)


def _prefix(path: str, dirs: tuple[str, ...]) -> str:
    return next(d for d in dirs if path.startswith(d))


def check_software(host: Host, ctx: Context) -> Finding:
    pol = ctx.policy
    allow = list(pol["software_allowlist"]) + list(pol["department_allowlist"])
    exempt_items = _exempt_items(ctx)
    games_mech = ctx.mech.get("games") or {}
    games = set(game_packages(host, games_mech, [])) if games_mech else set()
    unapproved, exempted = [], []
    for name in installed_software(host, ctx.mech):
        if name in games or _matches(name, allow):
            continue
        (exempted if _matches(name, exempt_items) else unapproved).append(name)
    finding = Finding()
    finding.evidence += ["not on the allowlist: %s" % n for n in unapproved]
    finding.evidence += ["allowed by exception: %s" % n for n in exempted]
    finding.violation = bool(unapproved)
    finding.exempt = bool(exempted) and not unapproved
    if unapproved and pol["remove_unapproved"]:
        finding.actions.append(_purge_action(host, unapproved, "not on the allowlist"))
    elif unapproved:
        finding.report_only = True
    finding.message = (
        "%d package(s) outside the allowlist%s"
        % (
            len(unapproved),
            "" if pol["remove_unapproved"] else " (report only: removal not enabled for the department)",
        )
        if unapproved
        else "all installed software is on the allowlist"
    )
    return finding


# ---- HIM-7.4-storage ----------------------------------------------------------------
def modprobe_content(mech: dict[str, Any], control_id: str) -> str:
    lines = [MANAGED % control_id]
    for module in mech.get("modules") or []:
        lines.append("blacklist %s\ninstall %s /bin/false\n" % (module, module))
    return "".join(lines)


def polkit_deny_content(control_id: str, actions: list[str], admin_group: str, what: str) -> str:
    prefixes = ",\n".join('    "%s"' % a for a in actions)
    return (
        "// Managed by hisops (%s): %s\n"
        "polkit.addRule(function(action, subject) {\n"
        "  var denied = [\n%s\n  ];\n"
        "  for (var i = 0; i < denied.length; i++) {\n"
        '    if (action.id.indexOf(denied[i]) === 0 && !subject.isInGroup("%s")) {\n'
        "      return polkit.Result.NO;\n"
        "    }\n"
        "  }\n"
        "});\n" % (control_id, what, prefixes, admin_group)
    )


def check_storage(host: Host, ctx: Context) -> Finding:
    finding = Finding()
    wanted = [
        (ctx.mech["modprobe_file"], modprobe_content(ctx.mech, ctx.control_id), "USB storage kernel modules"),
        (
            ctx.mech["polkit_file"],
            polkit_deny_content(
                ctx.control_id, ctx.mech.get("polkit_actions") or [], ctx.mech["admin_group"], "no mounting"
            ),
            "mounting by ordinary users (udisks)",
        ),
    ]
    for path, content, what in wanted:
        action = _file_action(host, path, content, ctx.control_id)
        if action:
            finding.evidence.append("%s not blocked: %s missing or different" % (what, path))
            finding.actions.append(action)
    for name in host.listdir("/sys/module"):
        if name.replace("_", "-") in {m.replace("_", "-") for m in ctx.mech.get("modules") or []}:
            finding.evidence.append("kernel module %s is loaded (unloads at the next reboot)" % name)
    finding.violation = bool(finding.actions)
    finding.message = "USB storage allowed" if finding.violation else "USB storage blocked"
    return finding


# ---- HIM-7.1-screenlock -------------------------------------------------------------
def dconf_keyfile(ctx: Context) -> tuple[str, str]:
    """The keyfile and locks file contents hisops manages."""
    seconds = int(ctx.policy["screenlock_minutes"]) * 60
    sections: dict[str, list[str]] = {}
    locks = []
    for key, value in (ctx.mech.get("keys") or {}).items():
        rendered = str(value).replace("{seconds}", str(seconds))
        directory, _, name = key.rpartition("/")
        sections.setdefault(directory.strip("/"), []).append("%s=%s" % (name, rendered))
        locks.append(key)
    body = "".join("\n[%s]\n%s\n" % (sec, "\n".join(lines)) for sec, lines in sections.items())
    keyfile = (MANAGED % ctx.control_id) + body.lstrip("\n")
    lockfile = (MANAGED % ctx.control_id) + "".join("%s\n" % k for k in locks)
    return keyfile, lockfile


def dconf_effective(host: Host, db_dir: str) -> tuple[dict[str, str], set[str]]:
    """Values the system db would hold (later keyfiles win) and the locked keys."""
    values: dict[str, str] = {}
    for name in host.listdir(db_dir):
        path = "%s/%s" % (db_dir, name)
        if name.startswith(".") or not os.path.isfile(host.path(path)):
            continue
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read_string(host.read(path) or "")
        except configparser.Error:
            continue
        for section in parser.sections():
            for key, value in parser.items(section):
                values["/%s/%s" % (section.strip("/"), key)] = value.strip()
    locks: set[str] = set()
    for name in host.listdir(db_dir + "/locks"):
        for line in (host.read("%s/locks/%s" % (db_dir, name)) or "").splitlines():
            if line.strip() and not line.startswith("#"):
                locks.add(line.strip())
    return values, locks


def check_screenlock(host: Host, ctx: Context) -> Finding:
    mech = ctx.mech
    db = mech["db"]
    db_dir = "/etc/dconf/db/%s.d" % db
    keyfile, lockfile = dconf_keyfile(ctx)
    finding = Finding()
    profile = host.read(mech["profile"]) or ""
    if "system-db:%s" % db not in profile.split():
        finding.evidence.append("dconf profile %s does not read the system db %s" % (mech["profile"], db))
        finding.actions.append(
            _file_action(host, mech["profile"], "user-db:user\nsystem-db:%s\n" % db, ctx.control_id)  # type: ignore[arg-type]
        )
    values, locks = dconf_effective(host, db_dir)
    wanted_values = {}
    for line in keyfile.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            wanted_values["/%s/%s" % (section, key)] = value
    for key, value in wanted_values.items():
        if values.get(key) != value:
            finding.evidence.append("%s is %s, must be %s" % (key, values.get(key, "unset"), value))
        if key not in locks:
            finding.evidence.append("%s is not locked: users can change it" % key)
    changed_files = [
        a
        for a in (
            _file_action(host, "%s/%s" % (db_dir, mech["keyfile"]), keyfile, ctx.control_id),
            _file_action(host, "%s/locks/%s" % (db_dir, mech["keyfile"]), lockfile, ctx.control_id),
        )
        if a
    ]
    finding.actions += changed_files
    compiled = "/etc/dconf/db/%s" % db
    sources = [db_dir] + ["%s/%s" % (db_dir, n) for n in host.listdir(db_dir)]
    sources += ["%s/locks/%s" % (db_dir, n) for n in host.listdir(db_dir + "/locks")]
    stale = not host.exists(compiled) or any(host.mtime(s) > host.mtime(compiled) for s in sources)
    if stale and not changed_files:
        finding.evidence.append("compiled dconf database %s is older than its keyfiles" % compiled)
    if finding.evidence and not finding.actions and not stale:
        # Values wrong although hisops' files are right: a later keyfile overrides them.
        finding.evidence.append("another keyfile in %s overrides hisops' settings" % db_dir)
    if finding.actions or stale:
        finding.actions.append(Action("run dconf update", lambda: _dconf_update(host)))
    finding.violation = bool(finding.evidence)
    finding.message = (
        "screen lock not enforced"
        if finding.violation
        else "screen lock after %d min, locked" % ctx.policy["screenlock_minutes"]
    )
    return finding


def _dconf_update(host: Host) -> None:
    if not host.exists("/usr/bin/dconf"):
        try:
            host.run(["apt-get", "install", "-y", "-q", "dconf-cli"])
        except FixError:
            host.run(["apt-get", "update", "-q"])
            host.run(["apt-get", "install", "-y", "-q", "dconf-cli"])
    host.run(["dconf", "update"])


# ---- HIM-7.1-settings ---------------------------------------------------------------
def check_settings(host: Host, ctx: Context) -> Finding:
    content = polkit_deny_content(
        ctx.control_id, ctx.mech.get("polkit_actions") or [], ctx.mech["admin_group"], "no system settings changes"
    )
    finding = Finding()
    action = _file_action(host, ctx.mech["polkit_file"], content, ctx.control_id)
    if action:
        finding.evidence.append("system settings not protected: %s missing or different" % ctx.mech["polkit_file"])
        finding.actions.append(action)
    finding.violation = bool(action)
    finding.message = "users can change system settings" if action else "system settings need an administrator"
    return finding


# ---- HIM-5.5-admins -----------------------------------------------------------------
def read_groups(host: Host, path: str = "/etc/group") -> dict[str, list[str]]:
    groups = {}
    for line in (host.read(path) or "").splitlines():
        parts = line.split(":")
        if len(parts) >= 4:
            groups[parts[0]] = [m for m in parts[3].split(",") if m]
    return groups


def approved_admins(ctx: Context) -> set[str]:
    return {"root", ctx.connection_user, *ctx.policy["admins"], *_exempt_items(ctx)}


def check_admins(host: Host, ctx: Context) -> Finding:
    groups = read_groups(host)
    allowed = approved_admins(ctx)
    finding = Finding()
    for group in ctx.mech.get("groups") or []:
        for member in groups.get(group, []):
            if member in allowed:
                continue
            finding.evidence.append("%s is in the administrators group %s" % (member, group))
            finding.actions.append(
                Action(
                    "remove %s from group %s" % (member, group),
                    (lambda m=member, g=group: host.run(["gpasswd", "-d", m, g])),  # type: ignore[misc]
                    {
                        "before_header": "group %s" % group,
                        "after_header": "group %s" % group,
                        "before": "".join("%s\n" % m for m in groups[group]),
                        "after": "".join("%s\n" % m for m in groups[group] if m != member),
                    },
                )
            )
    finding.violation = bool(finding.actions)
    finding.message = (
        "%d unapproved administrator membership(s)" % len(finding.actions)
        if finding.violation
        else "no unapproved administrators"
    )
    return finding


# ---- HIM-5.1-staff-only -------------------------------------------------------------
def access_content(ctx: Context) -> str:
    allowed = ["root", ctx.connection_user, *ctx.policy["login_always_allow"]]
    unique = list(dict.fromkeys(a for a in allowed if a))
    lines = [MANAGED % ctx.control_id, "# Login limited to the department's staff (rulebook 五.1).\n"]
    lines += ["+:%s:ALL\n" % a for a in unique]
    lines.append("+:(%s):ALL\n" % ctx.department["login_group"])
    lines.append("-:ALL:ALL\n")
    return "".join(lines)


def pam_line(mech: dict[str, Any]) -> str:
    return "account required pam_access.so accessfile=%s" % mech["access_file"]


def login_users(host: Host, mech: dict[str, Any]) -> list[str]:
    """Accounts that can log in (UID >= min_uid and a real shell)."""
    nologin = set(mech.get("nologin_shells") or [])
    users = []
    for line in (host.read("/etc/passwd") or "").splitlines():
        parts = line.split(":")
        real = len(parts) >= 7 and parts[2].isdigit() and int(mech.get("min_uid", 1000)) <= int(parts[2]) != 65534
        if real and parts[6] not in nologin:
            users.append(parts[0])
    return users


def check_staff_only(host: Host, ctx: Context) -> Finding:
    mech = ctx.mech
    group = ctx.department["login_group"]
    finding = Finding()
    action = _file_action(host, mech["access_file"], access_content(ctx), ctx.control_id)
    if action:
        finding.evidence.append("login rules %s missing or different" % mech["access_file"])
        finding.actions.append(action)
    line = pam_line(mech)
    for service in mech.get("pam_services") or []:
        path = "/etc/pam.d/%s" % service
        text = host.read(path)
        if text is None:
            continue
        if line not in [x.strip() for x in text.splitlines()]:
            finding.evidence.append("%s does not check %s" % (path, mech["access_file"]))
            new = (
                text + ("" if text.endswith("\n") or not text else "\n") + "# hisops %s\n%s\n" % (ctx.control_id, line)
            )
            finding.actions.append(_file_action(host, path, new, ctx.control_id))  # type: ignore[arg-type]
    groups = read_groups(host)
    if group not in groups:
        finding.evidence.append(
            "login group %s does not exist on the host: only the always-allowed accounts can log in" % group
        )
    members = set(groups.get(group, []))
    primary = _primary_members(host, group)
    allowed = {"root", ctx.connection_user, *ctx.policy["login_always_allow"]}
    outsiders = [u for u in login_users(host, mech) if u not in members and u not in primary and u not in allowed]
    verb = "denied login" if not finding.actions else "can log in"
    finding.evidence += ["%s is not in %s: %s" % (u, group, verb) for u in outsiders]
    finding.violation = bool(finding.actions)
    finding.message = (
        "login not limited to %s" % group
        if finding.violation
        else "login limited to %s (+ %d always allowed)" % (group, len(allowed))
    )
    return finding


def _primary_members(host: Host, group: str) -> set[str]:
    gid = None
    for line in (host.read("/etc/group") or "").splitlines():
        parts = line.split(":")
        if parts[0] == group and len(parts) >= 3:
            gid = parts[2]
    users = set()
    for line in (host.read("/etc/passwd") or "").splitlines():
        parts = line.split(":")
        if gid is not None and len(parts) >= 4 and parts[3] == gid:
            users.add(parts[0])
    return users


# ---- HIM-6.5-power ------------------------------------------------------------------
def power_units(ctx: Context) -> dict[str, str]:
    mech = ctx.mech
    head = MANAGED % ctx.control_id
    timer = head + (
        "[Unit]\nDescription=hisops %s: after-hours shutdown at %s (rulebook 六.5)\n\n"
        "[Timer]\nOnCalendar=*-*-* %s:00\nPersistent=false\n\n[Install]\nWantedBy=timers.target\n"
        % (ctx.control_id, ctx.policy["shutdown_time"], ctx.policy["shutdown_time"])
    )
    service = head + (
        "[Unit]\nDescription=hisops %s: after-hours shutdown\n\n[Service]\nType=oneshot\nExecStart=%s\n"
        % (ctx.control_id, mech["command"])
    )
    return {
        mech["unit_dir"] + "/" + mech["unit"] + ".timer": timer,
        mech["unit_dir"] + "/" + mech["unit"] + ".service": service,
    }


def check_power(host: Host, ctx: Context) -> Finding:
    mech = ctx.mech
    wants = "%s/timers.target.wants/%s.timer" % (mech["unit_dir"], mech["unit"])
    finding = Finding()
    units = power_units(ctx)
    if ctx.clinical_24h:
        present = [p for p in [*units, wants] if host.exists(p)]
        finding.evidence.append("24-hour clinical station (hisops_clinical_24h): no after-hours shutdown")
        if present:
            finding.evidence += ["shutdown unit present: %s" % p for p in present]
            finding.actions.append(Action("stop the shutdown timer", lambda: _systemctl(host, "disable", mech["unit"])))
            finding.actions += [_remove_file_action(host, p) for p in units if host.exists(p)]
            finding.actions.append(Action("reload systemd", lambda: _systemctl(host, "daemon-reload")))
            finding.violation = True
            finding.message = "a 24-hour clinical station has an after-hours shutdown"
        else:
            finding.exempt = True
            finding.message = "24-hour clinical station: after-hours shutdown does not apply"
        return finding
    written = [a for a in (_file_action(host, p, c, ctx.control_id) for p, c in units.items()) if a]
    if written:
        finding.evidence.append("shutdown timer missing or different")
        finding.actions += written
        finding.actions.append(Action("reload systemd", lambda: _systemctl(host, "daemon-reload")))
    if written or not host.exists(wants):
        if not host.exists(wants):
            finding.evidence.append("shutdown timer not enabled")
        finding.actions.append(
            Action("enable and start %s.timer" % mech["unit"], lambda: _systemctl(host, "enable", mech["unit"]))
        )
    finding.violation = bool(finding.actions)
    finding.message = "no after-hours shutdown" if finding.violation else "shutdown at %s" % ctx.policy["shutdown_time"]
    return finding


def _systemctl(host: Host, verb: str, unit: str = "") -> None:
    if verb == "daemon-reload":
        host.run(["systemctl", "daemon-reload"])
    elif verb == "enable":
        host.run(["systemctl", "enable", "--now", unit + ".timer"])
    else:
        rc, _out, _err = host.runner(["systemctl", "disable", "--now", unit + ".timer"])
        if rc not in (0, 1, 5):  # 1/5: the unit is already unknown
            raise FixError("could not disable %s.timer (rc=%d)" % (unit, rc))


CHECKS: dict[str, Callable[[Host, Context], Finding]] = {
    "games": check_games,
    "software": check_software,
    "storage": check_storage,
    "screenlock": check_screenlock,
    "settings": check_settings,
    "admins": check_admins,
    "staff_only": check_staff_only,
    "power": check_power,
}


def _exempt_items(ctx: Context) -> list[str]:
    """Names (packages, files, users) that an approved exception allows for this control."""
    return [i for e in ctx.active_exceptions for i in e.get("items") or []]


def _context(
    cid: str, catalog: dict[str, Any], args: dict[str, Any], pol: dict[str, Any], today: datetime.date
) -> Context:
    mech = dict(catalog[cid]["platforms"]["linux"])
    if mech.get("check") == "software":
        games = next(
            (c for c in catalog.values() if (c.get("platforms") or {}).get("linux", {}).get("check") == "games"), None
        )
        mech["games"] = games["platforms"]["linux"] if games else {}
    active, expired = exceptions_for(pol["exceptions"], cid, args["host"], args.get("groups") or [], today)
    return Context(
        control_id=cid,
        mech=mech,
        policy=pol,
        department=args["department"],
        active_exceptions=active,
        expired_exceptions=expired,
        connection_user=args.get("connection_user") or "root",
        clinical_24h=bool(args.get("clinical_24h")),
        hostname=args["host"],
    )


def run_controls(
    host: Host, catalog: dict[str, Any], selected: list[str], args: dict[str, Any], enforce: bool, today: datetime.date
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Check (and, when ``enforce``, fix) each selected control: (result records, diffs)."""
    pol = merged_policy(args.get("policy"))
    records, diffs = [], []
    for cid in selected:
        entry = catalog[cid]
        severity = entry.get("severity", "medium")
        try:
            ctx = _context(cid, catalog, args, pol, today)
            check = CHECKS[ctx.mech["check"]]
            record, control_diffs = _run_one(host, ctx, check, severity, enforce)
        except (FixError, OSError, KeyError) as exc:
            record, control_diffs = (
                control_result(cid, ERROR, severity, message="%s: %s" % (type(exc).__name__, exc)),
                [],
            )
        records.append(record)
        diffs += control_diffs
    return records, diffs


def _run_one(
    host: Host, ctx: Context, check: Callable[[Host, Context], Finding], severity: str, enforce: bool
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    finding = check(host, ctx)
    whole = [e for e in ctx.active_exceptions if not e.get("items")]
    if whole and not ctx.expired_exceptions:
        # An approved exception for the whole control: report what is there, change nothing.
        evidence = [describe_exception(e) for e in whole] + finding.evidence
        return control_result(ctx.control_id, EXEMPT, severity, evidence, [], "exempt: %s" % finding.message), []
    expired = ["%s EXPIRED" % describe_exception(e) for e in ctx.expired_exceptions]
    evidence = expired + finding.evidence
    changes = [a.description for a in finding.actions]
    diffs = [a.diff for a in finding.actions if a.diff]
    if not finding.violation:
        status = FAIL if expired else (EXEMPT if finding.exempt else PASS)
        message = "%s; an exception has expired" % finding.message if expired else finding.message
        return control_result(ctx.control_id, status, severity, evidence, [], message), []
    if not enforce or not finding.actions:
        return control_result(ctx.control_id, FAIL, severity, evidence, changes, finding.message), diffs
    for action in finding.actions:
        action.apply()
    host.forget_packages()
    again = check(host, ctx)
    if again.violation and (again.actions or not again.report_only):
        return (
            control_result(
                ctx.control_id,
                ERROR,
                severity,
                evidence + again.evidence,
                changes,
                "still violated after the fix: %s" % again.message,
            ),
            diffs,
        )
    status = FAIL if expired or again.report_only else FIXED
    return control_result(ctx.control_id, status, severity, evidence, changes, finding.message), diffs
