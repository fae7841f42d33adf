# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux workstation checks about packages: what the host needs to run (never reported, never
removed), HIM-5.4-games and HIM-7.4-software, and the apt actions they share."""

from __future__ import annotations

import os
import re
from typing import Any

from .workstation_engine import (
    MANAGED,
    Action,
    Context,
    Finding,
    exempt_items,
    file_action,
    matches,
    remove_file_action,
)
from .workstation_host import FixError, Host


def purge_action(host: Host, names: list[str], why: str, protected: set[str] | None = None) -> Action:
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


def apt_install(host: Host, package: str) -> None:
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
    if key not in host.protected_cache:
        host.protected_cache[key] = _protected_closure(host, spec)
    return host.protected_cache[key]


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
        or matches(name, list(spec["packages"]))
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


def game_packages(host: Host, mech: dict[str, Any], allowed: list[str]) -> list[str]:
    blocked = list(mech.get("packages") or [])
    sections = set(mech.get("sections") or [])
    found = []
    for name, fields in host.packages().items():
        section = fields.get("Section", "").split("/")[-1]
        if (matches(name, blocked) or section in sections) and not matches(name, allowed):
            found.append(name)
    return sorted(found)


def game_files(host: Host, mech: dict[str, Any], allowed: list[str]) -> list[str]:
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
    return sorted(p for p in found if not matches(os.path.basename(p), allowed))


def pin_content(mech: dict[str, Any], control_id: str) -> str:
    names = " ".join(sorted(mech.get("packages") or []))
    return (MANAGED % control_id) + (
        "Explanation: %s: game software is not allowed (rulebook 五.4)\n"
        "Package: %s\nPin: version *\nPin-Priority: -1\n" % (control_id, names)
    )


def check_games(host: Host, ctx: Context) -> Finding:
    items = exempt_items(ctx)
    packages = game_packages(host, ctx.mech, items)
    protected = protected_packages(host, ctx.mech.get("protect") or {})
    finding = Finding()
    finding.evidence += ["game package installed: %s" % p for p in packages]
    needed = [p for p in packages if p in protected]
    finding.evidence += ["%s is needed by the desktop or the system: remove it by hand" % p for p in needed]
    removable = [p for p in packages if p not in protected]
    if removable:
        finding.actions.append(purge_action(host, removable, "games", protected))
    owned = {f for p in packages for f in host.package_files(p)}
    files = game_files(host, ctx.mech, items)
    finding.evidence += ["game file: %s" % f for f in files]
    finding.actions += [remove_file_action(host, f) for f in files if f not in owned]
    pin = file_action(host, ctx.mech["pin_file"], pin_content(ctx.mech, ctx.control_id), ctx.control_id)
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
    exempted_items = exempt_items(ctx)
    games_mech = ctx.mech.get("games") or {}
    games = set(game_packages(host, games_mech, [])) if games_mech else set()
    unapproved, exempted = [], []
    protected = protected_packages(host, ctx.mech.get("protect") or {})
    for name in installed_software(host, ctx.mech, protected):
        if name in games or matches(name, allow):
            continue
        (exempted if matches(name, exempted_items) else unapproved).append(name)
    finding = Finding()
    finding.evidence += ["not on the allowlist: %s" % n for n in unapproved]
    finding.evidence += ["allowed by exception: %s" % n for n in exempted]
    finding.violation = bool(unapproved)
    finding.exempt = bool(exempted) and not unapproved
    if unapproved and pol["remove_unapproved"]:
        finding.actions.append(purge_action(host, unapproved, "not on the allowlist", protected))
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
