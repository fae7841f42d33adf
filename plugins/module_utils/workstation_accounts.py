# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux workstation checks of accounts: HIM-5.5-admins (effective sudo rights, admin groups, su)
and HIM-5.1-staff-only (pam_access on every PAM service that authenticates users)."""

from __future__ import annotations

import os
import re
from typing import Any

from .sudoers import (
    Account,
    Grant,
    parse_sudoers,
    read_accounts,
    read_group_table,
    unresolvable,
    user_reason,
)
from .workstation_engine import (
    MANAGED,
    Action,
    Context,
    Finding,
    exempt_items,
    file_action,
    matches,
)
from .workstation_host import FixError, Host


# ---- HIM-5.5-admins -----------------------------------------------------------------
def read_groups(host: Host, path: str = "/etc/group") -> dict[str, list[str]]:
    groups = {}
    for line in (host.read(path) or "").splitlines():
        parts = line.split(":")
        if len(parts) >= 4:
            groups[parts[0]] = [m for m in parts[3].split(",") if m]
    return groups


def approved_admins(ctx: Context) -> set[str]:
    return {"root", ctx.connection_user, *ctx.policy["admins"], *exempt_items(ctx)}


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
    finding.actions.append(file_action(host, path, "".join(lines), ctx.control_id))  # type: ignore[arg-type]


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
        if name.startswith("common-") or "." in name or name.endswith("~") or matches(name, skip):
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
    action = file_action(host, mech["access_file"], access_content(ctx), ctx.control_id)
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
            finding.actions.append(file_action(host, path, new, ctx.control_id))  # type: ignore[arg-type]
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
