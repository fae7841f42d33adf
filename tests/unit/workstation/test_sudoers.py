"""The sudoers reader (plugins/module_utils/sudoers.py): sudo's own reading rules."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.him.plugins.module_utils.sudoers import (
    Account,
    logical_lines,
    parse_sudoers,
    read_group_table,
    unresolvable,
    user_reason,
)

pytestmark = pytest.mark.unit

GROUPS = read_group_table("root:x:0:\nsudo:x:27:alice\nwheel:x:10:\ndevs:x:1700:bob\n")
ALICE = Account("alice", "1001", "1001")
BOB = Account("bob", "1002", "1002")
NIGHT = Account("night", "1004", "27")


def tree(files: dict[str, str]):
    dirs: dict[str, list[str]] = {}
    for path in files:
        head, _, name = path.rpartition("/")
        dirs.setdefault(head, []).append(name)
    return files.get, lambda d: sorted(dirs.get(d.rstrip("/"), []))


def test_continuation_and_comments() -> None:
    text = "# comment\nalice ALL=(ALL) \\\n  NOPASSWD: ALL # trailing\n#1001 ALL=(#0) ALL\n"
    assert logical_lines(text) == [(2, 3, "alice ALL=(ALL)    NOPASSWD: ALL"), (4, 4, "#1001 ALL=(#0) ALL")]


def test_includes_follow_sudo_rules() -> None:
    read, listdir = tree(
        {
            "/etc/sudoers": "@includedir /etc/sudoers.d\n#include extra\n",
            "/etc/sudoers.d/10-ok": "alice ALL=(ALL) ALL\n",
            "/etc/sudoers.d/old.dpkg-dist": "bob ALL=(ALL) ALL\n",
            "/etc/sudoers.d/backup~": "bob ALL=(ALL) ALL\n",
            "/etc/extra": "carol ALL=(ALL) NOPASSWD: ALL\n",
        }
    )
    sud = parse_sudoers(read, listdir)
    assert sud.files == ["/etc/sudoers", "/etc/sudoers.d/10-ok", "/etc/extra"]
    assert [(g.users, g.where) for g in sud.grants] == [
        (["alice"], "/etc/sudoers.d/10-ok line 1"),
        (["carol"], "/etc/extra line 1"),
    ]


def test_runas_and_tags_carry_over_and_group_only_runas_is_not_root() -> None:
    read, listdir = tree(
        {
            "/etc/sudoers": "Runas_Alias OP = root\n"
            "alice ALL = (OP) NOPASSWD: /bin/a, /bin/b, PASSWD: /bin/c, (postgres) /bin/d\n"
            "bob ALL = (:adm) /bin/e : web1 = /bin/f\n"
        }
    )
    sud = parse_sudoers(read, listdir)
    got = [(g.command, sud.grants_root(g), sud.passwordless(g)) for g in sud.grants]
    assert got == [
        ("/bin/a", True, True),
        ("/bin/b", True, True),
        ("/bin/c", True, False),
        ("/bin/d", False, False),
        ("/bin/e", False, False),
        ("/bin/f", True, False),
    ]


def test_defaults_not_authenticate_makes_every_rule_passwordless() -> None:
    read, listdir = tree({"/etc/sudoers": "Defaults !authenticate\nalice ALL=(ALL) ALL\n"})
    sud = parse_sudoers(read, listdir)
    assert sud.passwordless(sud.grants[0])


def test_include_loop_and_missing_include_are_problems() -> None:
    read, listdir = tree({"/etc/sudoers": "@include /etc/sudoers\n@include /etc/nothere\n"})
    assert parse_sudoers(read, listdir).problems == [
        "/etc/sudoers: include loop",
        "/etc/nothere is included but missing",
    ]


@pytest.mark.parametrize(
    ("items", "account", "reason"),
    [
        (["%sudo"], ALICE, "member of group sudo"),
        (["%sudo"], NIGHT, "primary group sudo"),
        (["%#27"], NIGHT, "primary group sudo"),
        (["#1002"], BOB, "uid 1002"),
        (["ALL", "!bob"], BOB, None),
        (["ALL", "!bob"], ALICE, "every user (ALL)"),
        (["!alice", "ALICES"], ALICE, "User_Alias ALICES, named"),
        (["%devs"], ALICE, None),
    ],
)
def test_user_lists(items: list[str], account: Account, reason: str | None) -> None:
    assert user_reason(items, account, GROUPS, {"ALICES": ["alice"]}) == reason


def test_netgroups_and_non_unix_groups_cannot_be_resolved() -> None:
    assert unresolvable(["+admins", "OPS"], {"OPS": ["%:domain admins", "bob"]}) == ["%:domain admins", "+admins"]
