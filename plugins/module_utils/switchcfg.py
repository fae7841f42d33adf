# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Block-level switch configuration diff on hier-config, per vendor.

hier-config (PyPI ``hier-config``) parses a configuration into blocks and builds the
commands that take the running configuration to the intended one. hisops adds, per vendor:

* the managed scope: only the top-level blocks hisops renders (VLANs, physical interfaces,
  NTP, syslog, SNMP, banner, local users, AAA) are compared, so the rest of a switch's
  configuration (host name, routing, spanning tree, line vty, ...) is never negated. The
  host name is set when a switch is commissioned: changing it changes the CLI prompt that
  netmiko waits for in the middle of a push;
* VLAN list normalisation: ``vlan batch 10 20 to 22`` (Huawei) becomes one line per VLAN, and
  trunk VLAN lists (``10,20-22`` / ``10 20 to 22``) are written one canonical way, so a list
  that only changed its spelling is not a change;
* secrets a switch stores hashed or encrypted (local user passwords; SNMP communities on
  Huawei and H3C): the device never shows the clear text again, so the control node keeps,
  per switch, which VERSION of each secret it last pushed (``SecretVersions``: a keyed
  fingerprint of the intended line, never the secret) and a fingerprint of the line the
  switch stored for it. A line whose intended version differs from the recorded one, or
  whose stored text changed since (someone set it by hand), is pushed again. Where the switch
  stores a hash hisops can check (Cisco IOS / Ruijie ``secret 5/8/9``: ``ciscohash``), the
  intended secret is verified against the stored hash instead whenever no record vouches for
  it: a changed secret is always pushed, an unchanged one never, records or not. Hisops never
  deletes a local user; an SNMP community rotated out is removed by its stored text;
* ``undo`` negations that the CLI accepts (``undo description``, ``undo port link-type``)
  and ``quit`` as the section exit on Huawei VRP and H3C Comware;
* "last value wins" for commands that replace their previous value (access VLAN,
  description, link type), so a changed VLAN pushes one line, not a negation and a line.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from . import ciscohash


HASHED = "<hashed>"
# a masked secret with its version: "<hashed:0f3a...>" (intended) or "<hashed:unverified>"
HASHED_TAG = "<hashed:%s>"
UNVERIFIED = "unverified"
# an intended line whose secret is a placeholder (a redacted backup, a masked text): the
# switch's line is taken as it is, and never pushed (there is no secret to push)
AS_IS = "as-is"


@dataclass
class SecretVersions:
    """Which version of each hashed secret hisops last pushed to one switch (no secret in it).

    ``records``: line key (parent block > masked line) -> {"version": fingerprint of the
    intended line, "stored": fingerprint of the line the switch showed after the push}.
    Fingerprints are HMAC-SHA256 under a key of the control node (``key``), so a record
    cannot be used to guess a weak password offline without that key.
    """

    key: bytes
    records: dict[str, dict[str, str]] = field(default_factory=dict)

    def fingerprint(self, text: str) -> str:
        import hashlib
        import hmac

        return hmac.new(self.key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:24]

    def running_tag(self, key: str, stored_line: str) -> str:
        """The version the switch holds: the recorded one while its stored line is unchanged."""
        record = self.records.get(key)
        if record and record.get("stored") == self.fingerprint(stored_line):
            return record["version"]
        return UNVERIFIED

    def vouches(self, key: str, stored_line: str, intended_line: str) -> bool:
        """Whether a record says ``stored_line`` is the hash of ``intended_line``'s secret, checked when recorded."""
        record = self.records.get(key)
        return bool(
            record
            and record.get("verified")
            and record.get("stored") == self.fingerprint(stored_line)
            and record.get("version") == self.fingerprint(intended_line)
        )


@dataclass(frozen=True)
class VendorDiffRules:
    """The per-vendor rules hisops adds on top of hier-config."""

    scope: tuple[str, ...]
    # (regex, replacement) applied to every line before parsing: hashed secrets -> HASHED
    hashed: tuple[tuple[str, str], ...] = ()
    # lines dropped before parsing (comments, headers, volatile lines)
    drop: tuple[str, ...] = ()
    trunk: str = ""  # regex with group(1)=prefix, group(2)=VLAN list
    trunk_style: str = "cisco"  # cisco: "10,20-22" | vrp: "10 20 to 22"
    # top-level block regex -> regex of the children hisops manages in it (others are ignored)
    child_scope: tuple[tuple[str, str], ...] = ()
    # a stored hash hisops can verify: (regex of the switch's line, group "stored": what
    # ciscohash.verify takes; regex of the intended line, group "secret": the clear text)
    verify: tuple[str, str] = ()
    extra: dict[str, Any] = field(default_factory=dict)


IOS_SCOPE = (
    r"^vlan (?!1$)\d+$",
    r"^interface (Fast|Gigabit|TenGigabit)Ethernet",
    r"^ntp server ",
    r"^logging (host|server) ",
    r"^snmp-server (community|location|contact) ",
    r"^banner motd ",
    r"^username ",
    r"^aaa (new-model|authentication login|authorization exec)",
)
VRP_SCOPE = (
    r"^vlan batch ",
    r"^vlan (?!1$)\d+$",
    r"^interface (Ethernet|GigabitEthernet|XGigabitEthernet)",
    r"^ntp-service unicast-server ",
    r"^info-center loghost ",
    r"^snmp-agent community ",
    r"^snmp-agent sys-info (location|contact) ",
    r"^header (login|shell) information ",
    r"^aaa$",
)
COMWARE_SCOPE = (
    r"^vlan (?!1$)\d+$",
    r"^interface (GigabitEthernet|Ten-GigabitEthernet)",
    r"^ntp-service unicast-server ",
    r"^info-center loghost ",
    r"^snmp-agent community ",
    r"^snmp-agent sys-info (location|contact) ",
    r"^header (motd|login) ",
    r"^local-user ",
    r"^port-security enable$",
)

# Cisco IOS and Ruijie RGOS print the same hashed secrets and the same non-configuration lines.
IOS_HASHED = (
    (r"^username (\S+) privilege (\d+) secret .*$", r"username \1 privilege \2 secret " + HASHED),
    # shown in clear, but a secret all the same: compared by version, never printed
    (r"^snmp-server community \S+(.*)$", r"snmp-server community " + HASHED + r"\1"),
)
# IOS shows a local user's secret as "secret 5 $1$...", "secret 8 $8$..." or "secret 9 $9$...";
# an intended line with the secret in clear ("secret X" or "secret 0 X") is verified against it.
IOS_VERIFY = (
    r"^username \S+ privilege \d+ secret (?P<stored>[589] \S+)$",
    r"^username \S+ privilege \d+ secret (?:0 )?(?![4-9] )(?P<secret>\S.*)$",
)
# Lines that are not configuration, dropped before parsing. They include every line hier-config's
# own IOS rules (``per_line_sub``) would blank, so the driver's per-line regex pass (about a
# dozen regex substitutions per line, a third of a parse) is switched off: see build_driver.
IOS_DROP = (
    r"^Building configuration",
    r"^Current configuration",
    r"^version ",
    r"^end$",
    r"^\s*[#!]",
    r"^ntp clock-period ",
    r"^ logging event (subif-)?link-status$",
    r"^\s*ipv6 unreachables disable$",
    r"^ no ip address",
    r"^ exit-(peer-policy|peer-session|address-family)",
    r"^crypto key generate rsa general-keys",
)

RULES: dict[str, VendorDiffRules] = {
    "cisco_ios": VendorDiffRules(
        scope=IOS_SCOPE,
        hashed=IOS_HASHED,
        drop=IOS_DROP,
        verify=IOS_VERIFY,
        trunk=r"^(switchport trunk allowed vlan )([\d,\-]+)$",
        trunk_style="cisco",
    ),
    "ruijie_os": VendorDiffRules(
        scope=IOS_SCOPE,
        hashed=IOS_HASHED,
        drop=IOS_DROP,
        verify=IOS_VERIFY,
        trunk=r"^(switchport trunk allowed vlan only )([\d,\-]+)$|^(switchport trunk allowed vlan )([\d,\-]+)$",
        trunk_style="cisco",
    ),
    "huawei_vrp": VendorDiffRules(
        scope=VRP_SCOPE,
        hashed=(
            (
                r"^(\s*)local-user (\S+) password (irreversible-cipher|cipher) .*$",
                r"\1local-user \2 password " + HASHED,
            ),
            (r"^snmp-agent community (read|write) (cipher )?\S+(.*)$", r"snmp-agent community \1 " + HASHED + r"\3"),
        ),
        drop=(r"^\s*[#!]", r"^return$"),
        trunk=r"^(port trunk allow-pass vlan )([\d to]+)$",
        trunk_style="vrp",
        child_scope=((r"^aaa$", r"^local-user "),),
    ),
    "h3c_comware": VendorDiffRules(
        scope=COMWARE_SCOPE,
        hashed=(
            (r"^(\s*)password (hash|simple|cipher) .*$", r"\1password " + HASHED),
            (
                r"^snmp-agent community (read|write) (simple |cipher )?\S+(.*)$",
                r"snmp-agent community \1 " + HASHED + r"\3",
            ),
        ),
        drop=(r"^\s*#", r"^return$", r"^ ?version ", r"^!"),
        trunk=r"^(port trunk permit vlan )([\d to]+)$",
        trunk_style="vrp",
    ),
}


# What hisops prints, stores in a backup or returns instead of a secret (as Ansible's no_log does).
MASK = "********"
# The secret part of every line that holds one, whatever the vendor (and negated: no/undo).
SECRET_LINES = re.compile(
    r"(?m)^(\s*(?:no |undo )?(?:"
    r"snmp-server community |"
    r"snmp-agent community (?:(?:read|write) )?(?:(?:cipher|simple) )?|"
    r"username \S+ (?:privilege \d+ )?(?:secret|password) (?:\d )?|"
    r"enable (?:secret|password) (?:\d )?|"
    r"local-user \S+ password (?:(?:irreversible-cipher|cipher|simple) )?|"
    r"password (?:(?:hash|simple|cipher) )?"
    r"))(?!\*{8}|<hashed)(?!(?:read|write|simple|cipher|hash|irreversible-cipher|\d)\s)\S+"
)


def mask_secrets(text: str) -> str:
    """The text with every secret masked (commands, diffs, messages, backups).

    A version tag (``<hashed:...>``, a keyed fingerprint) stays: a diff then shows which
    secrets change without showing them.
    """
    return SECRET_LINES.sub(lambda m: m.group(1) + MASK, text)


class ConfigError(Exception):
    """The intended configuration cannot be compared or pushed as given."""


# ------------------------------------------------------------------ VLAN lists ---------
def parse_vlan_list(text: str) -> list[int]:
    """``10,20-22`` or ``10 20 to 22`` -> [10, 20, 21, 22] (sorted, unique)."""
    vlans: set[int] = set()
    tokens = text.replace(",", " ").split()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if "-" in tok:
            lo, hi = tok.split("-", 1)
            vlans.update(range(int(lo), int(hi) + 1))
        elif i + 2 < len(tokens) and tokens[i + 1] == "to":
            vlans.update(range(int(tok), int(tokens[i + 2]) + 1))
            i += 2
        else:
            vlans.add(int(tok))
        i += 1
    return sorted(vlans)


def _runs(vlans: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for v in sorted(set(vlans)):
        if runs and runs[-1][-1] + 1 == v:
            runs[-1].append(v)
        else:
            runs.append([v])
    return runs


def format_vlan_list(vlans: list[int], style: str) -> str:
    """Write a VLAN list the vendor's way: cisco ``10,20-22``; vrp ``10 20 to 22``."""
    parts: list[str] = []
    for run in _runs(vlans):
        if len(run) >= 3:
            parts.append("%d-%d" % (run[0], run[-1]) if style == "cisco" else "%d to %d" % (run[0], run[-1]))
        else:
            parts.extend(str(v) for v in run)
    return ("," if style == "cisco" else " ").join(parts)


# ------------------------------------------------------------------ hier-config drivers -
def _idempotent(*prefixes: str) -> Any:
    """Commands matching this lineage replace their previous value (last one wins)."""
    from hier_config.models import IdempotentCommandsRule, MatchRule

    return IdempotentCommandsRule(match_rules=tuple(MatchRule(startswith=p) for p in prefixes))


def _order(weight: int, *prefixes: str) -> Any:
    from hier_config.models import MatchRule, OrderingRule

    return OrderingRule(match_rules=tuple(MatchRule(startswith=p) for p in prefixes), weight=weight)


def _order_unverified_first(prefix: str) -> Any:
    """Order a negation of a secret line with no recorded version before everything else."""
    from hier_config.models import MatchRule, OrderingRule

    rule = MatchRule(startswith=prefix, contains="<hashed:%s>" % UNVERIFIED)
    return OrderingRule(match_rules=(rule,), weight=-200)


def _split_vlan_batch(config: Any) -> None:
    """Huawei ``vlan batch 10 20 to 22`` -> ``vlan batch 10``, ``vlan batch 20``, ..."""
    for child in tuple(config.get_children(startswith="vlan batch ")):
        for vid in parse_vlan_list(child.text[len("vlan batch ") :]):
            config.add_child("vlan batch %d" % vid, return_if_present=True)
        if not re.match(r"^vlan batch \d+$", child.text):
            child.delete()


# Negations that take no argument on VRP / Comware: "undo description", not "undo description x".
_UNDO_BARE = (
    "description ",
    "port link-type ",
    "port default vlan ",
    "port access vlan ",
    "name ",
    "sysname ",
    "port link-mode ",
    "snmp-agent sys-info location ",
    "header login information ",
    "header shell information ",
    "header motd ",
    "port-security max-mac-num ",
    "port-security max-mac-count ",
    "port-security protect-action ",
)


def build_driver(vendor: str) -> Any:
    """A hier-config driver for the vendor, with hisops' rules added."""
    from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS
    from hier_config.platforms.hp_comware5.driver import HConfigDriverHPComware5
    from hier_config.platforms.huawei_vrp.driver import HConfigDriverHuaweiVrp

    if vendor in ("cisco_ios", "ruijie_os"):

        class HisopsIOS(HConfigDriverCiscoIOS):
            def __init__(self) -> None:
                super().__init__()
                self.rules.idempotent_commands.extend(
                    [
                        _idempotent("interface ", "switchport access vlan "),
                        _idempotent("interface ", "switchport trunk allowed vlan "),
                        _idempotent("interface ", "switchport port-security maximum "),
                        _idempotent("interface ", "switchport port-security violation "),
                        _idempotent("snmp-server location "),
                        _idempotent("banner motd"),
                    ]
                )
                self.rules.ordering.extend([_order(-100, "vlan "), _order(800, "no vlan ")])
                # prepare() drops these lines already (IOS_DROP), with one compiled regex
                self.rules.per_line_sub.clear()

        return HisopsIOS()

    if vendor == "huawei_vrp":
        base: Any = HConfigDriverHuaweiVrp
    elif vendor == "h3c_comware":
        base = HConfigDriverHPComware5
    else:
        raise ConfigError("unknown switch vendor %r" % vendor)

    class HisopsUndo(base):  # type: ignore[misc,valid-type]
        """VRP / Comware: ``undo`` negation without arguments where the CLI wants it, ``quit`` exits."""

        def __init__(self) -> None:
            super().__init__()
            r = self.rules
            r.idempotent_commands.extend(
                [
                    _idempotent("interface ", "port default vlan "),
                    _idempotent("interface ", "port access vlan "),
                    _idempotent("interface ", "port link-type "),
                    _idempotent("interface ", "description "),
                    _idempotent("interface ", "port-security max-mac-num "),
                    _idempotent("interface ", "port-security max-mac-count "),
                    _idempotent("interface ", "port-security protect-action "),
                    _idempotent("vlan ", "name "),
                    _idempotent("vlan ", "description "),
                    _idempotent("sysname "),
                    _idempotent("snmp-agent sys-info location "),
                    _idempotent("header login information "),
                    _idempotent("header motd "),
                ]
            )
            r.ordering.extend(
                [
                    _order(-100, "vlan "),
                    _order(800, "undo vlan "),
                    # a rotated SNMP community: the new one first, then the old one goes
                    _order(700, "undo snmp-agent community "),
                    # ... unless nothing records which secret the old one holds: then it may be
                    # the very community being pushed (the switch keys communities by name), so
                    # it goes first and the intended one is added after it
                    _order_unverified_first("undo snmp-agent community "),
                    # the link type must be set before the VLAN commands that depend on it
                    _order(-50, "interface ", "port link-type "),
                    _order(-60, "interface ", "undo port default vlan"),
                    _order(-60, "interface ", "undo port access vlan"),
                    _order(-60, "interface ", "undo port trunk "),
                    _order(-55, "interface ", "undo port link-type"),
                ]
            )
            if vendor == "huawei_vrp":
                r.post_load_callbacks.append(_split_vlan_batch)
            # prepare() drops comment lines already (the vendor's drop rules)
            r.per_line_sub.clear()

        @property
        def negation_prefix(self) -> str:
            return "undo "

        def swap_negation(self, child: Any) -> Any:
            if child.text.startswith("undo "):
                child.text = child.text[len("undo ") :]
                return child
            text = child.text
            for prefix in _UNDO_BARE:
                if text.startswith(prefix):
                    text = prefix.strip()
                    break
            child.text = "undo " + text
            return child

        def sectional_exit(self, config: Any) -> str | None:
            return "quit" if config.children else None

    return HisopsUndo()


# ------------------------------------------------------------------ text preparation ---
@dataclass
class Prepared:
    """A configuration normalised for comparison, and the original text of hashed lines."""

    text: str
    originals: dict[str, str]
    # line key (parent > masked line) -> [(masked line, original line)] of every hashed secret
    hashed: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # keys of hashed lines with a placeholder instead of a secret (intended side)
    as_is: set[str] = field(default_factory=set)


@functools.cache
def _compiled(vendor: str) -> dict[str, Any]:
    """The vendor's patterns, compiled once per process (prepare runs for every line)."""
    rules = RULES[vendor]
    return {
        "scope": re.compile("|".join("(?:%s)" % p for p in rules.scope)),
        "drop": re.compile("|".join("(?:%s)" % p for p in rules.drop)) if rules.drop else None,
        "hashed": [(re.compile(p), r) for p, r in rules.hashed],
        "trunk": re.compile(rules.trunk) if rules.trunk else None,
        "child_scope": [(re.compile(p), re.compile(c)) for p, c in rules.child_scope],
        "verify": tuple(re.compile(p) for p in rules.verify),
    }


def hash_check(vendor: str, intended_line: str, stored_line: str) -> bool | None:
    """Whether the switch's ``stored_line`` holds a hash of ``intended_line``'s secret.

    None: nothing to verify (a vendor or hash type hisops cannot check, or an intended line
    without its secret in clear); the recorded secret versions decide then.
    """
    if intended_line == stored_line:  # shown as intended (an IOS SNMP community): that very secret
        return True
    check = _compiled(vendor)["verify"]
    if not check:
        return None
    stored, wanted = check[0].match(stored_line), check[1].match(intended_line)
    if stored is None or wanted is None:
        return None
    return ciscohash.verify(wanted.group("secret"), stored.group("stored"))


def _running_tag(
    vendor: str, versions: SecretVersions, key: str, stored_line: str, intended: list[tuple[str, str]] | None
) -> str:
    """The version of the secret a switch's hashed line holds (see ``SecretVersions``).

    A hash hisops can verify is checked against the intended secret, unless a record
    (written after such a check) vouches for this very stored line and intended line.
    """
    if intended:
        intended_line = intended[0][1]
        if versions.vouches(key, stored_line, intended_line):
            return versions.fingerprint(intended_line)
        verified = hash_check(vendor, intended_line, stored_line)
        if verified is not None:
            return versions.fingerprint(intended_line) if verified else UNVERIFIED
    return versions.running_tag(key, stored_line)


def _normalise_banner(line: str, vendor: str) -> str:
    """IOS shows a banner's delimiter as ``^C`` whatever was typed; hisops types ``#``."""
    if vendor not in ("cisco_ios", "ruijie_os"):
        return line
    if re.match(r"^banner motd \^C$", line):
        return "banner motd #"
    return "#" if line == "^C" else line


def _normalise_trunk(line: str, rules: VendorDiffRules) -> str:
    if not rules.trunk:
        return line
    stripped = line.strip()
    m = re.match(rules.trunk, stripped) if "vlan" in stripped else None
    if not m:
        return line
    groups = [g for g in m.groups() if g is not None]
    prefix, vlans = groups[0], groups[1]
    indent = line[: len(line) - len(line.lstrip())]
    return indent + prefix + format_vlan_list(parse_vlan_list(vlans), rules.trunk_style)


def _secret_key(parent: str, masked: str) -> str:
    """Where a hashed secret is: its block (if any) and its masked line (``aaa > local-user a password <hashed>``)."""
    return "%s > %s" % (parent, masked) if parent else masked


def prepare(
    text: str,
    vendor: str,
    *,
    running: bool,
    strict: bool | None = None,
    versions: SecretVersions | None = None,
    as_is: set[str] | frozenset[str] = frozenset(),
    intended: dict[str, list[tuple[str, str]]] | None = None,
) -> Prepared:
    """Normalise a configuration: drop noise, keep the managed scope, mask hashed secrets.

    ``running=True``: the switch's configuration; hashed secrets are only masked.
    ``running=False``: a configuration to push; the original text of masked lines is kept.
    ``strict`` (default: not running): a top-level block outside the managed scope is an
    error (hisops could neither verify it nor roll it back); otherwise it is dropped (it
    belongs to the switch, not to hisops).
    ``versions``: hashed secrets carry their version (see ``SecretVersions``); without it
    they are compared by presence only (a restore from a backup, which holds no clear text).
    ``as_is`` (running side): keys whose intended line is a placeholder (``AS_IS``).
    ``intended`` (running side): the intended configuration's hashed lines
    (``Prepared.hashed``), to verify a stored hash against the intended secret.
    """
    strict = (not running) if strict is None else strict
    rules = RULES[vendor]
    rx = _compiled(vendor)
    out: list[str] = []
    originals: dict[str, str] = {}
    keep = False
    child_re: Any = None
    in_banner = False
    parent = ""
    hashed: dict[str, list[tuple[str, str]]] = {}
    placeholders: set[str] = set()
    for raw in text.replace("\r\n", "\n").replace("\t", " ").split("\n"):
        line = _normalise_banner(raw.rstrip(), vendor)
        if in_banner:
            # banner text lines are kept as they are, whatever they look like
            in_banner = line != "#"
            if keep:
                out.append(line)
            continue
        if not line.strip() or (rx["drop"] is not None and rx["drop"].match(line)):
            continue
        if line == "banner motd #":
            in_banner = True
        if not line.startswith(" "):
            parent = ""
            keep = bool(rx["scope"].match(line))
            child_re = next((c for p, c in rx["child_scope"] if p.match(line)), None)
            if not keep and strict:
                raise ConfigError(
                    "intended configuration line %r is outside what hisops manages on %s switches" % (line, vendor)
                )
        elif child_re is not None and not child_re.match(line.strip()):
            continue
        if not keep:
            continue
        line = _normalise_trunk(line, rules)
        masked = line
        for pattern, repl in rx["hashed"]:
            masked = pattern.sub(repl, masked)
        # a line already masked (a placeholder) is a hashed line too
        if masked != line or (HASHED in line and any(p.search(line) for p, _r in rx["hashed"])):
            key = _secret_key(parent, masked.strip())
            placeholder = MASK in line or "<hashed" in line
            if versions is not None:
                if running:
                    tag = (
                        AS_IS
                        if key in as_is
                        else _running_tag(vendor, versions, key, line.strip(), intended.get(key) if intended else None)
                    )
                else:
                    tag = AS_IS if placeholder else versions.fingerprint(line.strip())
                masked = masked.replace(HASHED, HASHED_TAG % tag)
            if placeholder and not running:
                placeholders.add(key)
            else:
                hashed.setdefault(key, []).append((masked.strip(), line.strip()))
                if not running or versions is not None:
                    originals[masked.strip()] = line.strip()
        if not line.startswith(" "):
            parent = line
        out.append(masked)
    return Prepared("\n".join(out) + "\n", originals, hashed, placeholders)


def parse(text: str, vendor: str) -> Any:
    from hier_config import get_hconfig

    return get_hconfig(build_driver(vendor), text)


# ------------------------------------------------------------------ remediation --------
@dataclass
class Diff:
    """What it takes to get from the running to the intended configuration."""

    commands: list[str]  # CLI lines to send, in order, with section exits
    running: Any  # parsed running configuration (managed scope, normalised)
    intended: Any  # parsed intended configuration
    running_prepared: Prepared | None = None  # the running configuration as compared (hashed lines)

    @property
    def changed(self) -> bool:
        return bool(self.commands)

    @property
    def before(self) -> str:
        """The running configuration as text for a diff (built only when asked: it costs CPU)."""
        return _dump(self.running)

    @property
    def after(self) -> str:
        return _dump(self.intended)


# hisops never deletes a local user: a user it does not render is left alone.
NEVER_NEGATE = ("local-user ", "username ")


# a rotated-out SNMP community is removed by the text the switch stores it as
NEGATE_BY_STORED_TEXT = ("snmp-agent community ", "snmp-server community ")


def _drop_hashed_negations(remediation: Any, negation: str) -> None:
    """Drop negations hisops must not send: local users, and hashed lines it has no text for.

    A hashed line carrying a version (``<hashed:...>``) that is an SNMP community stays:
    ``_command_lines`` writes it with the switch's own stored text.
    """
    emptied: set[int] = set()
    for child in tuple(remediation.all_children()):
        if not child.text.startswith(negation):
            continue
        body = child.text[len(negation) :]
        versioned = "<hashed:" in body and body.startswith(NEGATE_BY_STORED_TEXT)
        if body.startswith(NEVER_NEGATE) or (("<hashed" in body) and not versioned):
            if child.parent is not remediation:
                emptied.add(id(child.parent))
            child.delete()
    # sections left empty by the deletion are dropped too (not "aaa new-model": it has no children)
    for child in tuple(remediation.children):
        if id(child) in emptied and not child.children:
            child.delete()


def _drop_unpushable(remediation: Any, originals: dict[str, str], negation: str) -> None:
    """A hashed line hisops has no secret for (a placeholder) is never sent; nor its block, left empty."""
    for child in tuple(remediation.all_children()):
        if "<hashed" in child.text and not child.text.startswith(negation) and child.text not in originals:
            parent = child.parent
            child.delete()
            if parent is not remediation and not parent.children:
                parent.delete()


def _trunk_delta(remediation: Any, running: Any, rules: VendorDiffRules, negation: str) -> None:
    """VRP / Comware: a trunk's allowed VLANs add up, so change only the VLANs that changed.

    hier-config replaces the line (``undo port trunk allow-pass vlan <all old>`` then the new
    list): every unchanged VLAN would drop off the uplink for a moment. Instead:
    ``undo ... vlan <removed>`` and ``... vlan <added>``.
    """
    if rules.trunk_style != "vrp" or not rules.trunk:
        return
    trunk = re.compile(rules.trunk)
    for section in remediation.children:
        undo = next((c for c in section.children if c.text.startswith(negation) and "vlan" in c.text), None)
        add = next((c for c in section.children if trunk.match(c.text)), None)
        if undo is None or add is None or not trunk.match(undo.text[len(negation) :]):
            continue
        prefix = trunk.match(add.text).group(1)  # type: ignore[union-attr]
        old = set(parse_vlan_list(trunk.match(undo.text[len(negation) :]).group(2)))  # type: ignore[union-attr]
        new = set(parse_vlan_list(trunk.match(add.text).group(2)))  # type: ignore[union-attr]
        current = running.get_child(equals=section.text)
        if current is not None:  # the switch's list may hold more than one line
            for line in current.children:
                m = trunk.match(line.text)
                if m:
                    old |= set(parse_vlan_list(m.group(2)))
        removed, added = sorted(old - new), sorted(new - old)
        if removed:
            undo.text = negation + prefix + format_vlan_list(removed, rules.trunk_style)
        else:
            undo.delete()
        if added:
            add.text = prefix + format_vlan_list(added, rules.trunk_style)
        else:
            add.delete()


def _drop_double_vlan_undo(remediation: Any) -> None:
    """Huawei: ``undo vlan batch N`` deletes VLAN N with its settings; a separate ``undo vlan N`` is redundant."""
    batch = {c.text[len("undo vlan batch ") :] for c in remediation.children if c.text.startswith("undo vlan batch ")}
    for child in tuple(remediation.children):
        if child.text.startswith("undo vlan ") and child.text[len("undo vlan ") :] in batch:
            child.delete()


def _command_lines(remediation: Any, originals: dict[str, str], stored: dict[str, str], negation: str) -> list[str]:
    lines: list[str] = []
    for line in remediation.dump_simple(sectional_exiting=True):
        text = line.strip()
        if text.startswith(negation) and text[len(negation) :] in stored:
            lines.append(negation + stored[text[len(negation) :]])
            continue
        # a multi-line banner is one block to hier-config, and one line per line to the CLI
        lines.extend(originals.get(text, text).split("\n"))
    return lines


def _dump(config: Any) -> str:
    return "\n".join(config.dump_simple()) + "\n"


@dataclass
class Target:
    """An intended configuration, normalised and parsed once (a run compares against it
    before the push, after it to verify, and again after a roll back)."""

    vendor: str
    prepared: Prepared
    parsed: Any


def target(intended: str, vendor: str, *, strict: bool = True, versions: SecretVersions | None = None) -> Target:
    """Prepare and parse an intended configuration for ``compute``.

    ``strict=False`` is for restoring a backup: blocks outside the managed scope are ignored.
    ``versions``: compare hashed secrets by version (see ``SecretVersions``).
    """
    prepared = prepare(intended, vendor, running=False, strict=strict, versions=versions)
    return Target(vendor, prepared, parse(prepared.text, vendor))


def compute(
    running: str,
    intended: str | Target,
    vendor: str,
    *,
    strict: bool = True,
    versions: SecretVersions | None = None,
) -> Diff:
    """The block-level difference and the commands that remedy it.

    ``intended`` is the configuration text or a ``Target`` built from it (parsed once for
    several comparisons); ``strict`` applies to text only (see ``target``).
    """
    want = intended if isinstance(intended, Target) else target(intended, vendor, strict=strict, versions=versions)
    if want.vendor != vendor:
        raise ConfigError("intended configuration is for %s switches, not %s" % (want.vendor, vendor))
    run_p = prepare(
        running, vendor, running=True, versions=versions, as_is=want.prepared.as_is, intended=want.prepared.hashed
    )
    run_h = parse(run_p.text, vendor)
    remediation = run_h.config_to_get_to(want.parsed).set_order_weight()
    negation = run_h.driver.negation_prefix
    _drop_hashed_negations(remediation, negation)
    _drop_unpushable(remediation, want.prepared.originals, negation)
    _trunk_delta(remediation, run_h, RULES[vendor], negation)
    if vendor == "huawei_vrp":
        _drop_double_vlan_undo(remediation)
    # child order inside a block follows the ordering weights (link type before VLANs)
    commands = _command_lines(remediation, want.prepared.originals, run_p.originals, negation)
    return Diff(commands, run_h, want.parsed, run_p)


def record_pushed(
    versions: SecretVersions, want: Target, before: str | Prepared | None, after: str, vendor: str
) -> SecretVersions:
    """The versions after a push: each intended hashed secret, with the line the switch stores for it.

    The stored line is the one that appeared with the push (a rotated SNMP community adds a
    line before the old one goes), else the only one there. ``before``: the running text
    before the push, or its ``Prepared`` form from ``compute`` (``Diff.running_prepared``). A secret the switch shows no
    line for, or whose stored hash is not of the intended secret (``hash_check``), is not recorded:
    the verification then reports it as not taken. A verified one is recorded as such
    (``SecretVersions.vouches``: the next comparison needs no hash computed).
    """
    if not isinstance(before, Prepared):
        before = prepare(before or "", vendor, running=True)
    seen = before.hashed
    now = prepare(after, vendor, running=True).hashed
    records: dict[str, dict[str, Any]] = {}
    for key, lines in want.prepared.hashed.items():
        stored = [original for _masked, original in now.get(key, [])]
        new = [line for line in stored if line not in {o for _m, o in seen.get(key, [])}]
        candidates = new or stored
        if len(candidates) == 1 and versions.vouches(key, candidates[0], lines[0][1]):
            records[key] = versions.records[key]  # checked when recorded, unchanged since: no hash again
            continue
        verified = hash_check(vendor, lines[0][1], candidates[0]) if len(candidates) == 1 else None
        if len(candidates) == 1 and verified is not False:
            records[key] = {
                "version": versions.fingerprint(lines[0][1]),
                "stored": versions.fingerprint(candidates[0]),
                **({"verified": True} if verified else {}),
            }
        elif key in versions.records:
            records[key] = versions.records[key]
    return SecretVersions(versions.key, records)
