# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A switch's identity for the equipment register (rulebook 八.1(4)): model, serial, software.

Parsed from the text the vendors print (read-only commands):

* Cisco IOS ``show version``: ``Cisco IOS Software, ... Version 15.0(2)SE11, ...``,
  ``Model number : WS-C2960-24TT-L`` (or ``cisco WS-C2960-24TT-L (...) processor``),
  ``System serial number : FOC1530X2F7`` (or ``Processor board ID ...``);
* Ruijie RGOS ``show version``: ``System description : Ruijie ... (S2928G-E) By Ruijie
  Networks``, ``System software version : S29_RGOS 11.0(5)B1``, ``System serial number :
  G1LQ10Q000172``; lines in the IOS form are understood too;
* Huawei VRP ``display version``: ``VRP (R) software, Version 5.170 (S5735 V200R019C10SPC500)``,
  ``HUAWEI S5735-L24T4S-A Routing Switch uptime is ...``; serial from ``display esn``:
  ``ESN of slot 0: 2102353169DMKB000123`` (or ``ESN of master: ...``);
* H3C Comware ``display version``: ``H3C Comware Software, Version 7.1.070, Release 6126P20``,
  ``H3C S5130S-28S-EI uptime is ...``; serial from ``display device manuinfo``:
  ``DEVICE_SERIAL_NUMBER : 219801A2YK8193Q00069``.

The facts use Ansible's network fact names (``ansible_net_model``, ``ansible_net_serialnum``,
``ansible_net_version``, ``ansible_net_system``, ``ansible_net_hostname``, as ``ios_facts``
returns them), plus ``ansible_net_vendor`` (the manufacturer). A value the text does not show
is left out, never guessed.
"""

from __future__ import annotations

import re
from typing import Any

# vendor -> (manufacturer, operating system); the commands are in netdev.PROFILES
IDENTITY: dict[str, tuple[str, str]] = {
    "cisco_ios": ("Cisco", "IOS"),
    "ruijie_os": ("Ruijie", "RGOS"),
    "huawei_vrp": ("Huawei", "VRP"),
    "h3c_comware": ("H3C", "Comware"),
}

# (fact, regex with one group), first match wins, per vendor
_PATTERNS: dict[str, tuple[tuple[str, str], ...]] = {
    "cisco_ios": (
        ("version", r"Cisco IOS.*?Version ([^,\s]+)"),
        ("model", r"^Model [Nn]umber\s*:\s*(\S+)"),
        ("model", r"^[Cc]isco (\S+) \(.*\) (?:processor|with )"),  # "Cisco IOSv (revision 1.0) with"
        ("serial", r"^System [Ss]erial [Nn]umber\s*:\s*(\S+)"),
        ("serial", r"^Processor board ID ([^,\s]+)"),  # "FHK102KKKKK, with hardware revision 0000"
    ),
    "ruijie_os": (
        ("version", r"^System software version\s*:\s*(.+?)\s*$"),
        ("version", r"Version ([^,\s]+)"),
        ("model", r"^System description\s*:.*\((\S+?)\)"),
        ("model", r"^Model [Nn]umber\s*:\s*(\S+)"),
        ("serial", r"^System [Ss]erial [Nn]umber\s*:\s*(\S+)"),
    ),
    "huawei_vrp": (
        # "(S5735 V200R019C10SPC500)", "(ATN 910C-B V300R003C10SPC500)": the product version
        ("version", r"VRP \(R\) software, Version \S+ \((?:[^()]* )?(V\d\S*)\)"),
        ("version", r"VRP \(R\) software, Version (\S+)"),
        # "HUAWEI S5735-L24T4S-A Routing Switch uptime is", "Huawei AR6280 Router uptime is",
        # "HUAWEI ATN 910C-B uptime is", "Quidway S7706 Terabit Routing Switch uptime is" (older brand)
        ("model", r"^(?i:HUAWEI|Quidway) (.+?)(?: (?:Terabit )?Routing Switch| Router)? uptime is"),
        ("serial", r"^ESN of (?:slot \d+|master)\s*:\s*(\S+)"),
    ),
    "h3c_comware": (
        ("version", r"Comware Software, Version ([^,]+, Release \S+)"),
        ("version", r"Comware Software, Version ([^,\s]+)"),
        ("model", r"^H3C (\S+) uptime is"),
        # from the chassis's (or first board's) block of "display device manuinfo": see _manuinfo
        ("model", r"^\s*DEVICE_NAME\s*:\s*(\S.*?)\s*$"),
        ("serial", r"^\s*DEVICE_SERIAL_NUMBER\s*:\s*(\S+)"),
    ),
}

_PROMPT_DECORATION = re.compile(r"^[<\[]|[>\]#]\s*$")


def hostname(prompt: str) -> str:
    """``sw-core-01#`` / ``<sw-hw-01>`` -> the switch's host name."""
    return _PROMPT_DECORATION.sub("", prompt.strip()).strip()


_MANUINFO_FIELD = re.compile(r"^\s*[A-Z][A-Z_]+\s*:")


def _manuinfo(text: str) -> str:
    """The device's own block of Comware's ``display device manuinfo``.

    The output is a block per part (``Chassis self``, ``Slot 1``, ``Fan 1``, ``Power 1``). A
    chassis switch describes itself under ``Chassis self`` (which may say only that it cannot:
    then nothing is taken, a board's serial is not the switch's); a box switch under its first
    slot.
    """
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if _MANUINFO_FIELD.match(line):
            if not blocks:  # a device of one part may print its fields without a header
                blocks.append(("", []))
            blocks[-1][1].append(line)
        elif line.strip():
            blocks.append((line.strip().rstrip(":"), []))
    for header, fields in blocks:
        if header == "Chassis self":
            return "\n".join(fields)
    return next(("\n".join(fields) for _header, fields in blocks if fields), "")


def parse(vendor: str, version_text: str, serial_text: str = "") -> dict[str, str]:
    """{"model", "serial", "version"} found in the vendor's output (missing ones left out)."""
    if vendor == "h3c_comware":
        serial_text = _manuinfo(serial_text)
    text = "%s\n%s" % (version_text, serial_text)
    found: dict[str, str] = {}
    for fact, pattern in _PATTERNS[vendor]:
        if fact in found:
            continue
        m = re.search(pattern, text, re.M)
        if m:
            found[fact] = m.group(1).strip()
    return found


def facts(vendor: str, prompt: str, version_text: str, serial_text: str = "", address: str = "") -> dict[str, Any]:
    """Ansible network facts of a switch (see the module doc)."""
    manufacturer, system = IDENTITY[vendor]
    parsed = parse(vendor, version_text, serial_text)
    out: dict[str, Any] = {
        "ansible_net_vendor": manufacturer,
        "ansible_net_system": system,
        "ansible_net_hostname": hostname(prompt),
    }
    for fact, name in (
        ("model", "ansible_net_model"),
        ("serial", "ansible_net_serialnum"),
        ("version", "ansible_net_version"),
    ):
        if parsed.get(fact):
            out[name] = parsed[fact]
    if address and re.match(r"^\d{1,3}(\.\d{1,3}){3}$", address):
        out["ansible_net_mgmt_ipv4"] = address
    return out
