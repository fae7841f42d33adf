"""hier-config remediation per vendor (module_utils/switchcfg.py), as data in cases.yml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.hisops.him.plugins.module_utils import switchcfg

pytestmark = pytest.mark.unit

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "cases.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_remediation(case: dict[str, Any]) -> None:
    diff = switchcfg.compute(case["running"], case["intended"], case["vendor"])
    assert diff.commands == case["commands"]
    assert diff.changed is bool(case["commands"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_intended_against_itself_is_no_change(case: dict[str, Any]) -> None:
    """Idempotence: when the switch already shows the intended text, nothing is pushed."""
    assert switchcfg.compute(case["intended"], case["intended"], case["vendor"]).commands == []


def test_intended_outside_the_managed_scope_is_refused() -> None:
    with pytest.raises(switchcfg.ConfigError, match="router ospf 1"):
        switchcfg.compute("", "router ospf 1\n network 10.0.0.0 0.0.0.255 area 0\n", "cisco_ios")


def test_restore_ignores_blocks_outside_the_scope() -> None:
    backup = "version 12.1\nline vty 0 4\n login\nvlan 110\n name MZ\nend\n"
    diff = switchcfg.compute("vlan 1\n", backup, "cisco_ios", strict=False)
    assert diff.commands == ["vlan 110", "name MZ", "exit"]


def test_diff_before_and_after_hide_hashed_secrets() -> None:
    diff = switchcfg.compute(
        "username a privilege 15 secret 5 $1$x\n", "username a privilege 15 secret Clear1\n", "cisco_ios"
    )
    assert "Clear1" not in diff.after and "$1$x" not in diff.before
    assert diff.before == diff.after


@pytest.mark.parametrize(
    ("text", "vlans"),
    [("10,20-22", [10, 20, 21, 22]), ("10 20 to 22", [10, 20, 21, 22]), ("5", [5]), ("3 1 2", [1, 2, 3])],
)
def test_parse_vlan_list(text: str, vlans: list[int]) -> None:
    assert switchcfg.parse_vlan_list(text) == vlans


@pytest.mark.parametrize(
    ("vlans", "style", "text"),
    [([10, 20, 21, 22], "cisco", "10,20-22"), ([10, 20, 21, 22], "vrp", "10 20 to 22"), ([1, 2], "vrp", "1 2")],
)
def test_format_vlan_list(vlans: list[int], style: str, text: str) -> None:
    assert switchcfg.format_vlan_list(vlans, style) == text


# ------------------------------------------------------------------ secret versions -----
# (vendor, the switch's stored lines with secret A, intended lines with secret {pw}, what the switch stores for B)
ROTATIONS = [
    (
        "cisco_ios",
        "username admin privilege 15 secret 5 $1$hs$AAAA\nsnmp-server community CommA RO\n",
        "username admin privilege 15 secret {pw}\nsnmp-server community Comm{pw} RO\n",
        "username admin privilege 15 secret 5 $1$hs$BBBB\nsnmp-server community CommB RO\n",
    ),
    (
        "huawei_vrp",
        "aaa\n local-user admin password irreversible-cipher $1a$AAAA$\n"
        "#\nsnmp-agent community read cipher %^%#AAAA%^%#\n",
        "aaa\n local-user admin password irreversible-cipher {pw}\nsnmp-agent community read cipher Comm{pw}\n",
        "aaa\n local-user admin password irreversible-cipher $1a$BBBB$\n"
        "#\nsnmp-agent community read cipher %^%#BBBB%^%#\n",
    ),
    (
        "h3c_comware",
        "local-user admin class manage\n password hash $h$6$AAAA\n#\nsnmp-agent community read cipher $c$3$AAAA\n",
        "local-user admin class manage\n password simple {pw}\nsnmp-agent community read simple Comm{pw}\n",
        "local-user admin class manage\n password hash $h$6$BBBB\n#\nsnmp-agent community read cipher $c$3$BBBB\n",
    ),
]


@pytest.mark.parametrize(("vendor", "stored_a", "intended", "stored_b"), ROTATIONS, ids=[r[0] for r in ROTATIONS])
def test_a_changed_secret_is_pushed_and_an_unchanged_one_is_not(
    vendor: str, stored_a: str, intended: str, stored_b: str
) -> None:
    versions = switchcfg.SecretVersions(b"k" * 32)
    want_a = switchcfg.target(intended.format(pw="A"), vendor, versions=versions)
    # nothing recorded yet: the switch's secrets are of unknown version, so they are pushed once
    first = switchcfg.compute(stored_a, want_a, vendor, versions=versions)
    assert any("secret A" in c or "cipher A" in c or "simple A" in c for c in first.commands), first.commands
    versions = switchcfg.record_pushed(versions, want_a, stored_a, stored_a, vendor)
    assert switchcfg.compute(stored_a, want_a, vendor, versions=versions).commands == []
    # the intended secret changes (the rotation): pushed, although the switch shows a hash only
    want_b = switchcfg.target(intended.format(pw="B"), vendor, versions=versions)
    rotate = switchcfg.compute(stored_a, want_b, vendor, versions=versions)
    assert any(c.endswith(" B") for c in rotate.commands), rotate.commands
    assert any(c.endswith("CommB RO") or c.endswith(" CommB") for c in rotate.commands), rotate.commands
    if vendor != "cisco_ios":  # the rotated-out community is removed by its stored text, after the new one
        undo = next(i for i, c in enumerate(rotate.commands) if c.startswith("undo snmp-agent community"))
        assert undo > next(i for i, c in enumerate(rotate.commands) if c.endswith(" CommB"))
        assert "AAAA" in rotate.commands[undo]
    else:
        assert "no snmp-server community CommA RO" in rotate.commands
    versions = switchcfg.record_pushed(versions, want_b, stored_a, stored_b, vendor)
    assert switchcfg.compute(stored_b, want_b, vendor, versions=versions).commands == []
    # someone sets the password on the switch by hand: its stored line changed, so it is pushed again
    by_hand = stored_b.replace("BBBB", "HAND")
    assert switchcfg.compute(by_hand, want_b, vendor, versions=versions).commands
    # the records hold fingerprints, never the secret or the stored hash
    text = json.dumps(versions.records)
    assert "CommB" not in text and "BBBB" not in text and " B" not in text


@pytest.mark.parametrize(
    ("vendor", "stored_a", "intended", "stored_b"), ROTATIONS[1:], ids=[r[0] for r in ROTATIONS[1:]]
)
def test_a_community_of_unknown_version_is_removed_before_the_intended_one_is_added(
    vendor: str, stored_a: str, intended: str, stored_b: str
) -> None:
    """No record yet (first run, lost backups): the switch's community may be the very one pushed.

    VRP and Comware key communities by name, so "add, then undo the old stored text" would
    remove the community just added and the verification would roll the push back. The old
    line goes first, then the intended one is added.
    """
    versions = switchcfg.SecretVersions(b"k" * 32)
    want = switchcfg.target(intended.format(pw="A"), vendor, versions=versions)
    commands = switchcfg.compute(stored_a, want, vendor, versions=versions).commands
    undo = next(i for i, c in enumerate(commands) if c.startswith("undo snmp-agent community"))
    add = next(i for i, c in enumerate(commands) if c.startswith("snmp-agent community") and c.endswith(" CommA"))
    assert undo < add, commands
    assert "AAAA" in commands[undo]


def test_placeholder_secrets_are_never_pushed() -> None:
    """A redacted backup or a masked text has no secret: its hashed lines are taken as the switch has them."""
    versions = switchcfg.SecretVersions(b"k" * 32)
    running = "snmp-agent community read cipher $c$3$AAAA\nlocal-user admin class manage\n password hash $h$6$A\n"
    redacted = switchcfg.mask_secrets(running)
    assert "AAAA" not in redacted and "$h$6$A" not in redacted
    assert switchcfg.compute(running, redacted, "h3c_comware", versions=versions).commands == []
    assert switchcfg.compute("", redacted, "h3c_comware", versions=versions).commands == []
    assert switchcfg.compute("", redacted, "h3c_comware", strict=False).commands == []


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("snmp-server community Comm1 RO", "snmp-server community ******** RO"),
        ("no snmp-server community Comm1 RO", "no snmp-server community ******** RO"),
        ("snmp-agent community read simple Comm1", "snmp-agent community read simple ********"),
        ("undo snmp-agent community read cipher %^%#x%^%#", "undo snmp-agent community read cipher ********"),
        ("username a privilege 15 secret Clear1", "username a privilege 15 secret ********"),
        (" local-user a password irreversible-cipher Clear1", " local-user a password irreversible-cipher ********"),
        (" password simple Clear1", " password simple ********"),
        (" description password rules", " description password rules"),
        ("username a privilege 15 secret <hashed:0f3a>", "username a privilege 15 secret <hashed:0f3a>"),
    ],
)
def test_mask_secrets(line: str, masked: str) -> None:
    assert switchcfg.mask_secrets(line) == masked
    assert switchcfg.mask_secrets(masked) == masked


def test_a_masked_text_as_intended_keeps_the_switch_secrets() -> None:
    """prepare()'s own output (secrets shown as <hashed>) as the intended text: nothing is removed."""
    versions = switchcfg.SecretVersions(b"k" * 32)
    running = "snmp-agent community read cipher $c$3$AAAA\nlocal-user admin class manage\n password hash $h$6$A\n"
    want = switchcfg.target(running.replace("AAAA", "BBBB"), "h3c_comware", versions=versions)
    versions = switchcfg.record_pushed(versions, want, "", running, "h3c_comware")
    masked = switchcfg.prepare(running, "h3c_comware", running=False, strict=False).text
    assert "<hashed>" in masked
    assert switchcfg.compute(running, masked, "h3c_comware", versions=versions).commands == []
