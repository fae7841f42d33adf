# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Effective sudo rights from sudoers, read the way sudo reads it (no command run).

``parse_sudoers`` follows ``@include``/``#include`` and ``@includedir``/``#includedir``
(a directory's files in lexical order, skipping names with a dot or ending in ``~`` as sudo
does), joins continued lines, keeps ``User_Alias`` and ``Runas_Alias`` definitions and turns
every user specification into one ``Grant`` per command (runas list and tags carry over
from one command to the next, as in sudo). ``user_reason`` resolves the user lists against
the host's accounts (names, ``#uid``, ``%group``/``%#gid`` with supplementary AND primary
members, aliases, ``ALL``, negation: the last match wins).

Only the Python standard library; ``read`` and ``listdir`` are the caller's file access
(rooted at the host tree in tests).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from collections.abc import Callable

TAGS = {
    "NOPASSWD",
    "PASSWD",
    "NOEXEC",
    "EXEC",
    "SETENV",
    "NOSETENV",
    "LOG_INPUT",
    "NOLOG_INPUT",
    "LOG_OUTPUT",
    "NOLOG_OUTPUT",
    "MAIL",
    "NOMAIL",
    "FOLLOW",
    "NOFOLLOW",
    "INTERCEPT",
    "NOINTERCEPT",
}
OPTION = re.compile(r"^(ROLE|TYPE|CWD|CHROOT|NOTBEFORE|NOTAFTER|TIMEOUT|APPARMOR_PROFILE|PRIVS|LIMITPRIVS)=\S+\s*")
ALIAS = re.compile(r"^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s+(.*)$")
INCLUDE = re.compile(r"^[@#](include|includedir)\s+(.+)$")
# a further "Host_List = Cmnd_Spec_List" group after ":" in one user specification
HOST_GROUP = re.compile(r"\s*:\s*(?=[A-Za-z0-9_.,!+%\s-]+=)")
ROOT_NAMES = {"ALL", "root", "#0"}
MAX_DEPTH = 128


@dataclass
class Grant:
    """One command of one user specification."""

    path: str
    first_line: int  # physical lines of the (continued) logical line, 1-based, inclusive
    last_line: int
    users: list[str]
    runas_users: list[str] | None  # None: no runas spec, i.e. root
    command: str
    nopasswd: bool

    @property
    def where(self) -> str:
        return "%s line %d" % (self.path, self.first_line)


@dataclass
class Sudoers:
    grants: list[Grant] = field(default_factory=list)
    user_aliases: dict[str, list[str]] = field(default_factory=dict)
    runas_aliases: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    no_authenticate: bool = False  # "Defaults !authenticate": nobody types a password

    def grants_root(self, grant: Grant) -> bool:
        if grant.runas_users is None:
            return True
        return bool(_expand(grant.runas_users, self.runas_aliases) & ROOT_NAMES)

    def passwordless(self, grant: Grant) -> bool:
        return grant.nopasswd or self.no_authenticate


def logical_lines(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, text without comment) of each logical line."""
    out = []
    buf, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buf:
            start = number
        if raw.endswith("\\"):
            buf += raw[:-1] + " "
            continue
        buf += raw
        stripped = _strip_comment(buf).strip()
        if stripped:
            out.append((start, number, stripped))
        buf = ""
    if buf.strip():
        out.append((start, start, _strip_comment(buf).strip()))
    return out


def _strip_comment(line: str) -> str:
    if re.match(r"^\s*#include(dir)?\s", line):
        return line
    for i, char in enumerate(line):
        if char != "#":
            continue
        follows = line[i + 1 : i + 2]
        before = line[i - 1 : i] if i else " "
        # "#1000" is a uid (user list, runas list), not a comment
        if follows.isdigit() and before in " \t,(!:=":
            continue
        if before in " \t" or i == 0:
            return line[:i]
    return line


def parse_sudoers(
    read: Callable[[str], str | None], listdir: Callable[[str], list[str]], path: str = "/etc/sudoers"
) -> Sudoers:
    result = Sudoers()
    _parse_file(read, listdir, path, result, 0)
    return result


def _parse_file(
    read: Callable[[str], str | None], listdir: Callable[[str], list[str]], path: str, result: Sudoers, depth: int
) -> None:
    if depth > MAX_DEPTH or path in result.files:
        result.problems.append("%s: include loop" % path)
        return
    text = read(path)
    if text is None:
        if depth:
            result.problems.append("%s is included but missing" % path)
        return
    result.files.append(path)
    for first, last, line in logical_lines(text):
        inc = INCLUDE.match(line)
        if inc:
            target = inc.group(2).strip().strip('"')
            if not target.startswith("/"):
                target = os.path.join(os.path.dirname(path), target)
            if inc.group(1) == "includedir":
                for name in listdir(target):
                    if "." not in name and not name.endswith("~"):
                        _parse_file(read, listdir, "%s/%s" % (target.rstrip("/"), name), result, depth + 1)
            else:
                _parse_file(read, listdir, target, result, depth + 1)
            continue
        alias = ALIAS.match(line)
        if alias:
            _parse_aliases(alias.group(1), alias.group(2), result)
            continue
        if line.startswith("Defaults"):
            _parse_defaults(line, result)
            continue
        if "=" not in line:
            result.problems.append("%s line %d: not understood: %s" % (path, first, line))
            continue
        result.grants += _parse_spec(path, first, last, line)


def _parse_aliases(kind: str, text: str, result: Sudoers) -> None:
    target = {"User_Alias": result.user_aliases, "Runas_Alias": result.runas_aliases}.get(kind)
    if target is None:
        return
    for definition in text.split(":"):
        name, _, items = definition.partition("=")
        if name.strip():
            target[name.strip()] = _split_list(items)


def _parse_defaults(line: str, result: Sudoers) -> None:
    head, _, params = line.partition(" ")
    if head == "Defaults" and "!authenticate" in [p.strip() for p in params.split(",")]:
        result.no_authenticate = True


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _parse_spec(path: str, first: int, last: int, line: str) -> list[Grant]:
    left, _, rest = line.partition("=")
    parts = re.sub(r"\s*,\s*", ",", left.strip()).split()
    users = _split_list(parts[0]) if parts else []
    grants = []
    for index, group in enumerate(HOST_GROUP.split(rest)):
        specs = group if index == 0 else group.partition("=")[2]
        runas: list[str] | None = None
        nopasswd = False
        for spec in _split_commands(specs):
            spec = spec.strip()
            if spec.startswith("("):
                inner, _, spec = spec[1:].partition(")")
                run_users = inner.partition(":")[0]
                # "(:group)" runs as the invoking user: no other user
                runas = _split_list(run_users) if run_users.strip() or ":" not in inner else []
                spec = spec.strip()
            while True:
                spec = OPTION.sub("", spec)
                tag, colon, remainder = spec.partition(":")
                if colon and tag.strip() in TAGS:
                    if tag.strip() in ("NOPASSWD", "PASSWD"):
                        nopasswd = tag.strip() == "NOPASSWD"
                    spec = remainder.strip()
                    continue
                break
            if spec and not spec.startswith("!"):
                grants.append(Grant(path, first, last, users, runas, spec, nopasswd))
    return grants


def _split_commands(text: str) -> list[str]:
    """Split a command spec list on commas outside parentheses (a runas list has commas)."""
    out, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            out.append(current)
            current = ""
        else:
            current += char
    out.append(current)
    return [c for c in out if c.strip()]


def _expand(items: list[str], aliases: dict[str, list[str]], depth: int = 0) -> set:
    out = set()
    for item in items:
        if item in aliases and depth < MAX_DEPTH:
            out |= _expand(aliases[item], aliases, depth + 1)
        else:
            out.add(item)
    return out


@dataclass
class Account:
    name: str
    uid: str
    gid: str


def read_accounts(passwd: str) -> list[Account]:
    out = []
    for line in passwd.splitlines():
        parts = line.split(":")
        if len(parts) >= 4:
            out.append(Account(parts[0], parts[2], parts[3]))
    return out


def read_group_table(group: str) -> dict[str, tuple[str, list[str]]]:
    """group name -> (gid, supplementary members)."""
    out = {}
    for line in group.splitlines():
        parts = line.split(":")
        if len(parts) >= 4:
            out[parts[0]] = (parts[2], [m for m in parts[3].split(",") if m])
    return out


def _item_matches(item: str, account: Account, groups: dict[str, tuple[str, list[str]]]) -> str | None:
    """How ``item`` (no alias, no negation) matches the account: a reason, or None."""
    if item == "ALL":
        return "every user (ALL)"
    if item.startswith("%"):
        spec = item[1:]
        if spec.startswith("#"):
            name = next((g for g, (gid, _m) in groups.items() if gid == spec[1:]), spec)
        else:
            name = spec.lstrip(":")
        gid, members = groups.get(name, ("", []))
        if account.name in members:
            return "member of group %s" % name
        if gid and gid == account.gid:
            return "primary group %s" % name
        return None
    if item.startswith("#"):
        return "uid %s" % item[1:] if item[1:] == account.uid else None
    return "named" if item == account.name else None


def user_reason(
    items: list[str], account: Account, groups: dict[str, tuple[str, list[str]]], aliases: dict[str, list[str]]
) -> str | None:
    """Why the user list matches the account (None: it does not). The last match wins."""
    reason: str | None = None
    for raw in items:
        negated = raw.startswith("!")
        item = raw.lstrip("!").strip()
        if item in aliases:
            found = user_reason(aliases[item], account, groups, {k: v for k, v in aliases.items() if k != item})
            found = "User_Alias %s, %s" % (item, found) if found else None
        else:
            found = _item_matches(item, account, groups)
        if found:
            reason = None if negated else found
    return reason


def unresolvable(items: list[str], aliases: dict[str, list[str]]) -> list[str]:
    """Netgroups and non-Unix groups: members unknown on the host (a finding, never a pass)."""
    return sorted(i for i in _expand(items, aliases) if i.lstrip("!").startswith(("+", "%:")))
