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
  Huawei and H3C) are compared by presence: the device never shows the clear text again.
  Such lines are pushed when missing and never negated (hisops never deletes a local user);
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


HASHED = "<hashed>"


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
IOS_HASHED = ((r"^username (\S+) privilege (\d+) secret .*$", r"username \1 privilege \2 secret " + HASHED),)
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
        trunk=r"^(switchport trunk allowed vlan )([\d,\-]+)$",
        trunk_style="cisco",
    ),
    "ruijie_os": VendorDiffRules(
        scope=IOS_SCOPE,
        hashed=IOS_HASHED,
        drop=IOS_DROP,
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
    }


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


def prepare(text: str, vendor: str, *, running: bool, strict: bool | None = None) -> Prepared:
    """Normalise a configuration: drop noise, keep the managed scope, mask hashed secrets.

    ``running=True``: the switch's configuration; hashed secrets are only masked.
    ``running=False``: a configuration to push; the original text of masked lines is kept.
    ``strict`` (default: not running): a top-level block outside the managed scope is an
    error (hisops could neither verify it nor roll it back); otherwise it is dropped (it
    belongs to the switch, not to hisops).
    """
    strict = (not running) if strict is None else strict
    rules = RULES[vendor]
    rx = _compiled(vendor)
    out: list[str] = []
    originals: dict[str, str] = {}
    keep = False
    child_re: Any = None
    in_banner = False
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
        if masked != line and not running:
            originals[masked.strip()] = line.strip()
        out.append(masked)
    return Prepared("\n".join(out) + "\n", originals)


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


def _drop_hashed_negations(remediation: Any, negation: str) -> None:
    for child in tuple(remediation.all_children()):
        if not child.text.startswith(negation):
            continue
        if HASHED in child.text or child.text[len(negation) :].startswith(NEVER_NEGATE):
            child.delete()
    # sections left empty by the deletion are dropped too
    for child in tuple(remediation.all_children()):
        if child.depth() == 1 and not child.children and child.text.startswith(("interface ", "aaa", "local-user ")):
            child.delete()


def _drop_double_vlan_undo(remediation: Any) -> None:
    """Huawei: ``undo vlan batch N`` deletes VLAN N with its settings; a separate ``undo vlan N`` is redundant."""
    batch = {c.text[len("undo vlan batch ") :] for c in remediation.children if c.text.startswith("undo vlan batch ")}
    for child in tuple(remediation.children):
        if child.text.startswith("undo vlan ") and child.text[len("undo vlan ") :] in batch:
            child.delete()


def _command_lines(remediation: Any, originals: dict[str, str]) -> list[str]:
    lines: list[str] = []
    for line in remediation.dump_simple(sectional_exiting=True):
        text = line.strip()
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


def target(intended: str, vendor: str, *, strict: bool = True) -> Target:
    """Prepare and parse an intended configuration for ``compute``.

    ``strict=False`` is for restoring a backup: blocks outside the managed scope are ignored.
    """
    prepared = prepare(intended, vendor, running=False, strict=strict)
    return Target(vendor, prepared, parse(prepared.text, vendor))


def compute(running: str, intended: str | Target, vendor: str, *, strict: bool = True) -> Diff:
    """The block-level difference and the commands that remedy it.

    ``intended`` is the configuration text or a ``Target`` built from it (parsed once for
    several comparisons); ``strict`` applies to text only (see ``target``).
    """
    want = intended if isinstance(intended, Target) else target(intended, vendor, strict=strict)
    if want.vendor != vendor:
        raise ConfigError("intended configuration is for %s switches, not %s" % (want.vendor, vendor))
    run_h = parse(prepare(running, vendor, running=True).text, vendor)
    remediation = run_h.config_to_get_to(want.parsed).set_order_weight()
    _drop_hashed_negations(remediation, run_h.driver.negation_prefix)
    if vendor == "huawei_vrp":
        _drop_double_vlan_undo(remediation)
    # child order inside a block follows the ordering weights (link type before VLANs)
    return Diff(_command_lines(remediation, want.prepared.originals), run_h, want.parsed)
