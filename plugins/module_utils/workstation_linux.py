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
import re
import tempfile
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from .results import ERROR, EXEMPT, FAIL, FIXED, PASS, control_result
from .sudoers import (
    Account,
    Grant,
    parse_sudoers,
    read_accounts,
    read_group_table,
    unresolvable,
    user_reason,
)
from .workstation_policy import (
    describe_exception,
    exceptions_for,
    merged_policy,
)


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
    today: datetime.date = datetime.date(1970, 1, 1)


class Host:
    """File and command access to the target host, rooted at ``root``."""

    def __init__(self, runner: Callable[[list[str]], tuple[int, str, str]], root: str = "/") -> None:
        self.root = root
        self.runner = runner
        self._packages: dict[str, dict[str, str]] | None = None
        self._protected: dict[str, set[str]] = {}  # protected_packages per spec, until packages change

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
        self._protected = {}

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


def _purge_action(host: Host, names: list[str], why: str, protected: set[str] | None = None) -> Action:
    def apply() -> None:
        # apt also removes what depends on a purged package: simulate first, and refuse when
        # the host would lose a package it needs to run (the desktop, Priority required/important).
        simulated = host.run(["apt-get", "-s", "purge", "-q", *names])
        removed = {line.split()[1] for line in simulated.splitlines() if line.startswith("Remv ")}
        hit = sorted(removed & (protected if protected is not None else protected_packages(host, {})))
        if hit:
            raise FixError(
                "not purging %s: apt would also remove %s, which the host needs to run; remove by hand"
                % (", ".join(names), ", ".join(hit))
            )
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


def _apt_install(host: Host, package: str) -> None:
    """Install a package, refreshing the package lists once when the first try fails."""
    try:
        host.run(["apt-get", "install", "-y", "-q", package])
    except FixError:
        host.run(["apt-get", "update", "-q"])
        host.run(["apt-get", "install", "-y", "-q", package])
    host.forget_packages()


# ---- packages the host needs to run: never reported, never removed ----------------------
DEFAULT_PROTECT: dict[str, Any] = {
    "priorities": ["required", "important"],
    "packages": [],
    "display_manager_file": "/etc/X11/default-display-manager",
}


def _dependency_names(field_value: str) -> list[str]:
    """Package names of a Depends/Pre-Depends field (every alternative, no versions or archs)."""
    names = []
    for alternative in re.split(r"[,|]", field_value):
        name = alternative.strip().split(" ")[0].split("(")[0].split(":")[0]
        if name:
            names.append(name)
    return names


def _owner_of(host: Host, path: str) -> str | None:
    for name, fields in host.packages().items():
        if path in host.package_files(name, fields.get("Architecture", "")):
            return name
    return None


def protected_packages(host: Host, protect: dict[str, Any]) -> set[str]:
    """What the host needs to run: Essential and Priority required/important packages, the
    display manager in use, the desktop packages of the catalog, and all their dependencies."""
    spec = {**DEFAULT_PROTECT, **(protect or {})}
    key = repr(sorted(spec.items()))
    if key not in host._protected:
        host._protected[key] = _protected_closure(host, spec)
    return host._protected[key]


def _protected_closure(host: Host, spec: dict[str, Any]) -> set[str]:
    installed = host.packages()
    providers: dict[str, set[str]] = {}
    for name, fields in installed.items():
        for virtual in _dependency_names(fields.get("Provides", "")):
            providers.setdefault(virtual, set()).add(name)
    roots = {
        name
        for name, fields in installed.items()
        if fields.get("Essential") == "yes"
        or fields.get("Priority") in spec["priorities"]
        or _matches(name, list(spec["packages"]))
    }
    dm = (host.read(spec["display_manager_file"]) or "").strip()
    owner = _owner_of(host, dm) if dm else None
    if owner:
        roots.add(owner)
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        fields = installed.get(name, {})
        for dep in _dependency_names(fields.get("Depends", "")) + _dependency_names(fields.get("Pre-Depends", "")):
            todo += [dep] if dep in installed else sorted(providers.get(dep, ()))
    return seen & set(installed)


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
    protected = protected_packages(host, ctx.mech.get("protect") or {})
    finding = Finding()
    finding.evidence += ["game package installed: %s" % p for p in packages]
    needed = [p for p in packages if p in protected]
    finding.evidence += ["%s is needed by the desktop or the system: remove it by hand" % p for p in needed]
    removable = [p for p in packages if p not in protected]
    if removable:
        finding.actions.append(_purge_action(host, removable, "games", protected))
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
def installed_software(host: Host, mech: dict[str, Any], protected: set[str] | None = None) -> list[str]:
    """Packages that count as software a user runs (see the catalog's linux mechanism)."""
    skip_priorities = set(mech.get("ignore_priorities") or [])
    dirs = tuple(d.rstrip("/") + "/" for d in mech.get("program_dirs") or [])
    found = []
    for name, fields in host.packages().items():
        if fields.get("Priority") in skip_priorities or fields.get("auto") == "1" or name in (protected or ()):
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
    protected = protected_packages(host, ctx.mech.get("protect") or {})
    for name in installed_software(host, ctx.mech, protected):
        if name in games or _matches(name, allow):
            continue
        (exempted if _matches(name, exempt_items) else unapproved).append(name)
    finding = Finding()
    finding.evidence += ["not on the allowlist: %s" % n for n in unapproved]
    finding.evidence += ["allowed by exception: %s" % n for n in exempted]
    finding.violation = bool(unapproved)
    finding.exempt = bool(exempted) and not unapproved
    if unapproved and pol["remove_unapproved"]:
        finding.actions.append(_purge_action(host, unapproved, "not on the allowlist", protected))
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


# ---- polkit: rules only count when a polkit daemon that reads them is installed ---------
def polkit_finding(host: Host, mech: dict[str, Any], finding: Finding) -> None:
    """Evidence (and the install action) when nothing on the host reads polkit .rules files."""
    daemons = [d for d in mech.get("daemons") or [] if host.exists(d)]
    packages = host.packages()
    legacy = packages.get("policykit-1", {}).get("Version", "")
    if daemons and not (legacy.startswith("0.105") and "polkitd" not in packages):
        return
    if daemons:
        finding.evidence.append(
            "polkit %s reads only .pkla files: the .rules files of hisops have no effect" % legacy.split("-")[0]
        )
    else:
        finding.evidence.append("polkitd is not installed: nothing reads the polkit rules (they cannot take effect)")
    package = mech["package"]
    finding.actions.append(Action("install %s (the polkit daemon)" % package, lambda: _apt_install(host, package)))


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
    polkit_finding(host, ctx.mech["polkit"], finding)
    for name in host.listdir("/sys/module"):
        if name.replace("_", "-") in {m.replace("_", "-") for m in ctx.mech.get("modules") or []}:
            finding.evidence.append("kernel module %s is loaded (unloads at the next reboot)" % name)
    if ctx.mech.get("dconf"):
        dconf_finding(host, ctx.mech["dconf"], {}, ctx.control_id, finding)
    finding.violation = bool(finding.actions) or _unfixable(finding)
    finding.message = "USB storage allowed" if finding.violation else "USB storage blocked, no automount"
    return finding


def _unfixable(finding: Finding) -> bool:
    """Evidence that no action of hisops can fix (another file overrides hisops' setting)."""
    return any("overrides" in e or "overridden" in e for e in finding.evidence)


# ---- dconf (GNOME settings set and locked system-wide) --------------------------------
def dconf_keyfile(keys: dict[str, Any], values: dict[str, str], control_id: str) -> tuple[str, str]:
    """The keyfile and locks file contents hisops manages ({name} in values is replaced)."""
    sections: dict[str, list[str]] = {}
    locks = []
    for key, value in keys.items():
        rendered = str(value)
        for name, replacement in values.items():
            rendered = rendered.replace("{%s}" % name, replacement)
        directory, _, name = key.rpartition("/")
        sections.setdefault(directory.strip("/"), []).append("%s=%s" % (name, rendered))
        locks.append(key)
    body = "".join("\n[%s]\n%s\n" % (sec, "\n".join(lines)) for sec, lines in sections.items())
    keyfile = (MANAGED % control_id) + body.lstrip("\n")
    lockfile = (MANAGED % control_id) + "".join("%s\n" % k for k in locks)
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


def dconf_finding(host: Host, mech: dict[str, Any], values: dict[str, str], control_id: str, finding: Finding) -> None:
    """Check the dconf keys of ``mech`` (profile, db, keyfile, keys): set, locked, compiled."""
    db = mech["db"]
    db_dir = "/etc/dconf/db/%s.d" % db
    keyfile, lockfile = dconf_keyfile(mech.get("keys") or {}, values, control_id)
    profile = host.read(mech["profile"]) or ""
    actions: list[Action] = []
    if "system-db:%s" % db not in profile.split():
        finding.evidence.append("dconf profile %s does not read the system db %s" % (mech["profile"], db))
        actions.append(_file_action(host, mech["profile"], "user-db:user\nsystem-db:%s\n" % db, control_id))  # type: ignore[arg-type]
    current, locks = dconf_effective(host, db_dir)
    wanted_values = {}
    section = ""
    for line in keyfile.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            wanted_values["/%s/%s" % (section, key)] = value
    wrong = False
    for key, value in wanted_values.items():
        if current.get(key) != value:
            wrong = True
            finding.evidence.append("%s is %s, must be %s" % (key, current.get(key, "unset"), value))
        if key not in locks:
            wrong = True
            finding.evidence.append("%s is not locked: users can change it" % key)
    changed_files = [
        a
        for a in (
            _file_action(host, "%s/%s" % (db_dir, mech["keyfile"]), keyfile, control_id),
            _file_action(host, "%s/locks/%s" % (db_dir, mech["keyfile"]), lockfile, control_id),
        )
        if a
    ]
    actions += changed_files
    compiled = "/etc/dconf/db/%s" % db
    sources = [db_dir] + ["%s/%s" % (db_dir, n) for n in host.listdir(db_dir)]
    sources += ["%s/locks/%s" % (db_dir, n) for n in host.listdir(db_dir + "/locks")]
    stale = not host.exists(compiled) or any(host.mtime(s) > host.mtime(compiled) for s in sources)
    if stale and not changed_files:
        finding.evidence.append("compiled dconf database %s is older than its keyfiles" % compiled)
    if wrong and not actions and not stale:
        # Values wrong although hisops' files are right: a later keyfile overrides them.
        finding.evidence.append("another keyfile in %s overrides hisops' settings" % db_dir)
    if actions or stale:
        actions.append(Action("run dconf update", lambda: _dconf_update(host)))
    finding.actions += actions


def _dconf_update(host: Host) -> None:
    if not host.exists("/usr/bin/dconf"):
        _apt_install(host, "dconf-cli")
    host.run(["dconf", "update"])


# ---- HIM-7.1-screenlock (screen, shell and SSH sessions end or lock when idle) ---------
def tmout_content(ctx: Context) -> str:
    seconds = int(ctx.policy["shell_idle_minutes"]) * 60
    return (MANAGED % ctx.control_id) + (
        "# Shells end after %d idle minutes (rulebook 七.1); users cannot change it.\n"
        "TMOUT=%d\nreadonly TMOUT\nexport TMOUT\n" % (int(ctx.policy["shell_idle_minutes"]), seconds)
    )


def sshd_settings(ctx: Context) -> dict[str, str]:
    return {
        "clientaliveinterval": str(ctx.policy["ssh_client_alive_interval"]),
        "clientalivecountmax": str(ctx.policy["ssh_client_alive_count_max"]),
    }


def sshd_effective(host: Host, path: str, seen: set[str] | None = None) -> dict[str, tuple[str, str]]:
    """keyword (lower case) -> (value, file) as sshd reads it: the first value wins, Include
    expands in place (relative to /etc/ssh), and nothing after the first Match block counts."""
    seen = seen if seen is not None else set()
    found: dict[str, tuple[str, str]] = {}
    if path in seen:
        return found
    seen.add(path)
    for raw in (host.read(path) or "").splitlines():
        parts = raw.split("#", 1)[0].strip().replace("=", " ", 1).split(None, 1)
        if len(parts) < 2:
            continue
        keyword, value = parts[0].lower(), parts[1].strip()
        if keyword == "match":
            found.setdefault("match", ("", path))
            break
        if keyword == "include":
            for pattern in value.split():
                pattern = pattern if pattern.startswith("/") else "/etc/ssh/" + pattern
                directory, _, name = pattern.rpartition("/")
                for entry in host.listdir(directory):
                    if fnmatch.fnmatchcase(entry, name):
                        for key, val in sshd_effective(host, "%s/%s" % (directory, entry), seen).items():
                            found.setdefault(key, val)
                if "match" in found:
                    break
            continue
        found.setdefault(keyword, (value, path))
    return found


def _shell_and_ssh(host: Host, ctx: Context, finding: Finding) -> None:
    mech = ctx.mech
    profile = mech["shell_profile"]
    action = _file_action(host, profile, tmout_content(ctx), ctx.control_id)
    if action:
        finding.evidence.append("shell idle timeout (read-only TMOUT) not set: %s missing or different" % profile)
        finding.actions.append(action)
    for path in mech.get("shell_files") or []:
        files = [path] if not path.endswith("/") else ["%s%s" % (path, n) for n in host.listdir(path)]
        for name in files:
            if name == profile:
                continue
            if re.search(r"(^|[\s;])(readonly\s+|export\s+|declare\s+-\S+\s+)?TMOUT=", host.read(name) or "", re.M):
                finding.evidence.append("%s sets TMOUT too: it overrides hisops' shell timeout" % name)
    config = mech["sshd_config"]
    if not host.exists(config):
        return
    dropin = mech["sshd_dropin"]
    wanted = sshd_settings(ctx)
    content = (MANAGED % ctx.control_id) + "".join(
        "%s %s\n" % (k, wanted[k.lower()]) for k in ("ClientAliveInterval", "ClientAliveCountMax")
    )
    action = _file_action(host, dropin, content, ctx.control_id)
    if action:
        finding.evidence.append("SSH idle timeout not set: %s missing or different" % dropin)
        finding.actions += [action, Action("check and reload sshd", lambda: _reload_sshd(host, mech))]
    effective = sshd_effective(host, config)
    for key, value in wanted.items():
        have, source = effective.get(key, ("", ""))
        if have != value and not action:
            finding.evidence.append(
                "sshd %s is %s in %s, must be %s: overridden" % (key, have or "unset", source, value)
            )
        elif have != value and source and source != dropin:
            finding.evidence.append(
                "sshd %s is %s in %s, must be %s: it overrides %s" % (key, have, source, value, dropin)
            )


def _reload_sshd(host: Host, mech: dict[str, Any]) -> None:
    host.run(["sshd", "-t"])
    host.run(["systemctl", "try-reload-or-restart", mech.get("sshd_unit", "ssh.service")])


def check_screenlock(host: Host, ctx: Context) -> Finding:
    finding = Finding()
    seconds = str(int(ctx.policy["screenlock_minutes"]) * 60)
    dconf_finding(host, ctx.mech, {"seconds": seconds}, ctx.control_id, finding)
    _shell_and_ssh(host, ctx, finding)
    finding.violation = bool(finding.actions) or _unfixable(finding)
    finding.message = (
        "idle sessions not locked or ended"
        if finding.violation
        else "screen lock after %d min, locked; shells end after %d min"
        % (ctx.policy["screenlock_minutes"], ctx.policy["shell_idle_minutes"])
    )
    return finding


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
    polkit_finding(host, ctx.mech["polkit"], finding)
    finding.violation = bool(finding.actions)
    finding.message = (
        "users can change system settings" if finding.violation else "system settings need an administrator"
    )
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


class _AdminFix:
    """The actions of HIM-5.5-admins, each added once (a user can be found several ways)."""

    def __init__(self, host: Host, ctx: Context, finding: Finding) -> None:
        self.host, self.ctx, self.finding = host, ctx, finding
        self.groups = read_groups(host)
        self.done: set[tuple[str, ...]] = set()
        self.disabled: dict[str, list[tuple[int, int]]] = {}

    def _once(self, key: tuple[str, ...]) -> bool:
        if key in self.done:
            return False
        self.done.add(key)
        return True

    def leave_group(self, member: str, group: str) -> None:
        if not self._once(("leave", member, group)) or member not in self.groups.get(group, []):
            return
        members = self.groups[group]
        self.finding.actions.append(
            Action(
                "remove %s from group %s" % (member, group),
                (lambda: self.host.run(["gpasswd", "-d", member, group])),
                {
                    "before_header": "group %s" % group,
                    "after_header": "group %s" % group,
                    "before": "".join("%s\n" % m for m in members),
                    "after": "".join("%s\n" % m for m in members if m != member),
                },
            )
        )

    def own_primary_group(self, user: str, group: str) -> None:
        if not self._once(("primary", user)):
            return

        def apply() -> None:
            if user not in read_groups(self.host):
                self.host.run(["groupadd", user])
            self.host.run(["usermod", "-g", user, user])

        self.finding.actions.append(
            Action(
                "give %s its own primary group %s instead of %s" % (user, user, group),
                apply,
                {
                    "before_header": "primary group of %s" % user,
                    "after_header": "primary group of %s" % user,
                    "before": group + "\n",
                    "after": user + "\n",
                },
            )
        )

    def disable_rule(self, grant: Grant) -> None:
        if self._once(("rule", grant.path, str(grant.first_line))):
            self.disabled.setdefault(grant.path, []).append((grant.first_line, grant.last_line))

    def sudoers_actions(self) -> None:
        for path, ranges in self.disabled.items():
            before = self.host.read(path) or ""
            lines = before.splitlines(keepends=True)
            for first, last in ranges:
                for i in range(first - 1, min(last, len(lines))):
                    lines[i] = "# hisops %s: unapproved administrator: %s" % (self.ctx.control_id, lines[i])
            after = "".join(lines)
            self.finding.actions.append(
                Action(
                    "disable %d sudo rule(s) in %s" % (len(ranges), path),
                    (lambda p=path, a=after: _write_sudoers(self.host, p, a)),  # type: ignore[misc]
                    {"before_header": path, "after_header": path, "before": before, "after": after},
                )
            )


def _write_sudoers(host: Host, path: str, content: str) -> None:
    """Write a sudoers file only after visudo accepted it (a broken sudoers locks out sudo)."""
    mode = os.stat(host.path(path)).st_mode & 0o777
    staged = path + ".hisops-new"  # sudo's includedir skips names with a dot
    host.write(staged, content, mode)
    rc, out, err = host.runner(["visudo", "-c", "-q", "-f", staged])
    if rc != 0:
        host.remove(staged)
        raise FixError("visudo rejected the new %s, nothing changed: %s" % (path, (err or out).strip()[-300:]))
    os.replace(host.path(staged), host.path(path))


def _sudo_rights(host: Host, ctx: Context, fix: _AdminFix, allowed: set[str]) -> None:
    """Evidence and fixes from the effective sudo rules (sudoers + includes)."""
    sud = parse_sudoers(host.read, host.listdir, ctx.mech.get("sudoers", "/etc/sudoers"))
    table = read_group_table(host.read("/etc/group") or "")
    accounts = read_accounts(host.read("/etc/passwd") or "")
    local = {a.name for a in accounts}
    finding = fix.finding
    finding.evidence += ["sudoers: %s" % p for p in sud.problems]
    for grant in sud.grants:
        if not sud.grants_root(grant):
            continue
        how = "without a password" if sud.passwordless(grant) else "with their password"
        right = "may run %s as root %s" % (grant.command, how)
        for item in unresolvable(grant.users, sud.user_aliases):
            finding.evidence.append("members of %s (unknown on this host) %s (%s)" % (item, right, grant.where))
        # plain names in the rule that are no local account (directory users) count too
        named = [Account(n, "", "") for n in _plain_names(grant.users, sud.user_aliases) if n not in local]
        serves_approved = any(
            user_reason(grant.users, a, table, sud.user_aliases) for a in accounts + named if a.name in allowed
        )
        for account in accounts + named:
            reason = user_reason(grant.users, account, table, sud.user_aliases)
            if not reason or account.name in allowed:
                continue
            finding.evidence.append("%s %s: %s (%s)" % (account.name, right, reason, grant.where))
            group = re.search(r"(member of|primary) group (\S+)", reason)
            if group and group.group(1) == "member of":
                fix.leave_group(account.name, group.group(2))
            elif group:
                fix.own_primary_group(account.name, group.group(2))
            elif serves_approved or "ALL" in reason or unresolvable(grant.users, sud.user_aliases):
                finding.evidence.append(
                    "%s line %d also serves approved accounts or everyone: edit it by hand"
                    % (grant.path, grant.first_line)
                )
                finding.report_only = True
            else:
                fix.disable_rule(grant)


def _plain_names(items: list[str], aliases: dict[str, list[str]]) -> list[str]:
    names = []
    for item in items:
        item = item.lstrip("!").strip()
        if item in aliases:
            names += _plain_names(aliases[item], {k: v for k, v in aliases.items() if k != item})
        elif item != "ALL" and not item.startswith(("%", "#", "+")):
            names.append(item)
    return names


def su_pam_line(ctx: Context) -> str:
    return "auth required pam_wheel.so use_uid group=%s" % ctx.policy["su_group"]


def _su_restricted(host: Host, ctx: Context, fix: _AdminFix) -> None:
    """su only for the members of the approved (by default empty) group, through pam_wheel."""
    path = ctx.mech["su_pam"]
    text = host.read(path)
    if text is None:
        return
    group = ctx.policy["su_group"]
    finding = fix.finding
    if group not in fix.groups:
        finding.evidence.append("the su group %s does not exist" % group)
        finding.actions.append(Action("create group %s" % group, lambda: host.run(["groupadd", group])))
    for line in text.splitlines():
        parts = line.split()
        if (
            len(parts) >= 3
            and parts[0] == "auth"
            and parts[1] in ("required", "requisite")
            and parts[2].endswith("pam_wheel.so")
            and "group=%s" % group in parts[3:]
        ):
            return
    finding.evidence.append("su is open to every user: %s has no pam_wheel rule for group %s" % (path, group))
    lines = text.splitlines(keepends=True)
    at = next((i + 1 for i, x in enumerate(lines) if "pam_rootok.so" in x and not x.lstrip().startswith("#")), None)
    if at is None:
        at = next((i for i, x in enumerate(lines) if x.split()[:1] in (["auth"], ["@include"])), len(lines))
    lines.insert(at, "# hisops %s: su only for group %s\n%s\n" % (ctx.control_id, group, su_pam_line(ctx)))
    finding.actions.append(_file_action(host, path, "".join(lines), ctx.control_id))  # type: ignore[arg-type]


def check_admins(host: Host, ctx: Context) -> Finding:
    finding = Finding()
    fix = _AdminFix(host, ctx, finding)
    allowed = approved_admins(ctx)
    gids = {parts[0]: parts[2] for parts in (x.split(":") for x in (host.read("/etc/group") or "").splitlines())}
    for group in [*(ctx.mech.get("groups") or []), ctx.policy["su_group"]]:
        for member in fix.groups.get(group, []):
            if member not in allowed:
                finding.evidence.append("%s is in the administrators group %s" % (member, group))
                fix.leave_group(member, group)
        for account in read_accounts(host.read("/etc/passwd") or ""):
            if group in gids and account.gid == gids[group] and account.name not in allowed:
                finding.evidence.append("%s has the administrators group %s as primary group" % (account.name, group))
                fix.own_primary_group(account.name, group)
    _sudo_rights(host, ctx, fix, allowed)
    fix.sudoers_actions()
    _su_restricted(host, ctx, fix)
    problems = [e for e in finding.evidence if e.startswith("sudoers: ")]
    finding.violation = bool(finding.actions) or finding.report_only or bool(problems)
    finding.message = (
        "%d unapproved administrator right(s) or open su" % len(finding.actions)
        if finding.violation
        else "no unapproved administrators; su only for %s" % ctx.policy["su_group"]
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


def _pam_authenticates(host: Host, mech: dict[str, Any], name: str, seen: set[str]) -> bool:
    """The service's stack has an auth phase (its own lines or an included file's)."""
    if name in seen:
        return False
    seen.add(name)
    for raw in (host.read("%s/%s" % (mech["pam_dir"], name)) or "").splitlines():
        parts = raw.split("#", 1)[0].split()
        if not parts:
            continue
        if parts[0].lstrip("-") == "auth":
            return True
        if parts[0] == "@include" and len(parts) > 1 and _pam_authenticates(host, mech, parts[1], seen):
            return True
    return False


def login_services(host: Host, mech: dict[str, Any]) -> list[str]:
    """Every PAM service on the host that authenticates users for a login (found in
    /etc/pam.d, not a fixed list): all but the shared common-* stacks, files PAM ignores,
    and the catalog's non-login services (su, sudo, passwd, the display manager's greeter)."""
    skip = list(mech.get("pam_not_login") or [])
    found = []
    for name in host.listdir(mech["pam_dir"]):
        if name.startswith("common-") or "." in name or name.endswith("~") or _matches(name, skip):
            continue
        if os.path.islink(host.path("%s/%s" % (mech["pam_dir"], name))):
            # an alternatives link (gdm-smartcard): its target in pam_dir is covered itself,
            # and writing through the link would replace it with a file
            target = os.path.realpath(host.path("%s/%s" % (mech["pam_dir"], name)))
            if os.path.dirname(target) == os.path.realpath(host.path(mech["pam_dir"])):
                continue
        if os.path.isfile(host.path("%s/%s" % (mech["pam_dir"], name))) and _pam_authenticates(host, mech, name, set()):
            found.append(name)
    return found


def check_staff_only(host: Host, ctx: Context) -> Finding:
    mech = ctx.mech
    group = ctx.department["login_group"]
    finding = Finding()
    action = _file_action(host, mech["access_file"], access_content(ctx), ctx.control_id)
    if action:
        finding.evidence.append("login rules %s missing or different" % mech["access_file"])
        finding.actions.append(action)
    line = pam_line(mech)
    for service in login_services(host, mech):
        path = "%s/%s" % (mech["pam_dir"], service)
        text = host.read(path) or ""
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


# ---- HIM-7.7-updates ----------------------------------------------------------------
def periodic_content(ctx: Context) -> str:
    return (MANAGED % ctx.control_id) + (
        '// Security updates every day (rulebook 七.7).\nAPT::Periodic::Update-Package-Lists "1";\n'
        'APT::Periodic::Unattended-Upgrade "1";\n'
    )


def origins_content(ctx: Context) -> str:
    patterns = "".join('    "%s";\n' % o for o in ctx.mech.get("origins") or [])
    return (MANAGED % ctx.control_id) + "Unattended-Upgrade::Origins-Pattern {\n%s};\n" % patterns


def _apt_setting(host: Host, name: str) -> tuple[str, str]:
    """The value apt uses for ``name`` (the last of /etc/apt/apt.conf.d wins) and its file."""
    found = ("", "")
    pattern = re.compile(r'^\s*%s\s+"([^"]*)"\s*;' % re.escape(name), re.M)
    for entry in host.listdir("/etc/apt/apt.conf.d"):
        path = "/etc/apt/apt.conf.d/%s" % entry
        for match in pattern.finditer(host.read(path) or ""):
            found = (match.group(1), path)
    return found


def last_update_age(host: Host, mech: dict[str, Any], today: datetime.date) -> int | None:
    """Days since the last successful unattended upgrade (None: never)."""
    stamp = host.mtime(mech["stamp"])
    # a stamp from the future (the clock was wrong) counts as today
    return max(0, (today - datetime.date.fromtimestamp(stamp)).days) if stamp else None


def _run_upgrade(host: Host, mech: dict[str, Any]) -> None:
    """What the daily job does: refresh the lists, upgrade, stamp the success."""
    host.run(["apt-get", "update", "-q"])
    host.run(["unattended-upgrade"])
    host.write(mech["stamp"], "")


def check_updates(host: Host, ctx: Context) -> Finding:
    mech = ctx.mech
    finding = Finding()
    if mech["package"] not in host.packages():
        finding.evidence.append("%s is not installed: no automatic security updates" % mech["package"])
        finding.actions.append(Action("install %s" % mech["package"], lambda: _apt_install(host, mech["package"])))
    for path, content, what in (
        (mech["periodic_file"], periodic_content(ctx), "daily updates"),
        (mech["config_file"], origins_content(ctx), "security origins"),
    ):
        action = _file_action(host, path, content, ctx.control_id)
        if action:
            finding.evidence.append("%s not configured: %s missing or different" % (what, path))
            finding.actions.append(action)
    value, source = _apt_setting(host, "APT::Periodic::Unattended-Upgrade")
    if source and source != mech["periodic_file"] and value in ("0", ""):
        finding.evidence.append("%s sets APT::Periodic::Unattended-Upgrade %r: it overrides hisops" % (source, value))
    missing = [t for t in mech.get("timers") or [] if not host.exists("/etc/systemd/system/timers.target.wants/" + t)]
    if missing:
        finding.evidence.append("timer(s) not enabled: %s" % ", ".join(missing))
        finding.actions.append(
            Action("enable %s" % ", ".join(missing), lambda: host.run(["systemctl", "enable", "--now", *missing]))
        )
    limit = int(ctx.policy["update_max_age_days"])
    age = last_update_age(host, mech, ctx.today)
    if age is None or age > limit:
        finding.evidence.append(
            "no successful unattended upgrade recorded (%s)" % mech["stamp"]
            if age is None
            else "last successful unattended upgrade %d day(s) ago (limit %d)" % (age, limit)
        )
        finding.actions.append(Action("run unattended-upgrade now", lambda: _run_upgrade(host, mech)))
    else:
        finding.evidence.append("last successful unattended upgrade %d day(s) ago (limit %d)" % (age, limit))
    finding.violation = bool(finding.actions) or _unfixable(finding)
    finding.message = "security updates not automatic or too old" if finding.violation else "security updates current"
    return finding


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
    "updates": check_updates,
}


def _exempt_items(ctx: Context) -> list[str]:
    """Names (packages, files, users) that an approved exception allows for this control."""
    return [i for e in ctx.active_exceptions for i in e.get("items") or []]


def _linux_mech(catalog: dict[str, Any], check: str) -> dict[str, Any]:
    """The Linux mechanism data of the catalog's control with this check ({} when none)."""
    for entry in catalog.values():
        mech = (entry.get("platforms") or {}).get("linux") if isinstance(entry, dict) else None
        if isinstance(mech, dict) and mech.get("check") == check:
            return mech
    return {}


def _context(
    cid: str, catalog: dict[str, Any], args: dict[str, Any], pol: dict[str, Any], today: datetime.date
) -> Context:
    mech = dict(catalog[cid]["platforms"]["linux"])
    if mech.get("check") == "games":
        software = next(
            (c for c in catalog.values() if (c.get("platforms") or {}).get("linux", {}).get("check") == "software"),
            None,
        )
        mech.setdefault("protect", software["platforms"]["linux"].get("protect") if software else {})
    if mech.get("check") == "software":
        mech["games"] = _linux_mech(catalog, "games")
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
        today=today,
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
