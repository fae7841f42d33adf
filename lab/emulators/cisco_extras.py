"""Management commands for fake-switches' Cisco model, so hisops' full baseline can be pushed to it.

fake-switches models VLANs and interfaces but rejects (or silently drops) NTP, syslog,
SNMP, banner, local users, AAA and port security. This patch stores those lines as a real
IOS switch shows them (``username ... secret 9 <hash>``: IOS never shows a secret again; a real
scrypt hash with a fresh salt each time, as IOS XE stores it, or a type 8 PBKDF2 hash on the
Ruijie model, so hisops' hash verification is exercised against hashes it did not make)
and prints IOS's own error for unknown commands (``% Invalid input detected at '^' marker.``).
Imported by ``lab.switches`` before any switch starts.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any

from fake_switches.cisco import cisco_core
from fake_switches.cisco.command_processor import enabled
from fake_switches.cisco.command_processor.config import ConfigCommandProcessor
from fake_switches.cisco.command_processor.config_interface import ConfigInterfaceCommandProcessor

from lab.emulators.undo_cli import store_line

GLOBAL_PREFIXES = (
    "ntp server ",
    "logging host ",
    "logging server ",
    "snmp-server community ",
    "snmp-server location ",
    "snmp-server contact ",
    "banner motd ",
    "username ",
    "aaa new-model",
    "aaa authentication login ",
)
# Commands that replace their previous value instead of adding a line.
SINGLE = ("snmp-server location ", "snmp-server contact ", "banner motd ")
PORT_SECURITY = "switchport port-security"


def _extras(obj: Any) -> list[str]:
    if not hasattr(obj, "hisops_extra"):
        obj.hisops_extra = []
    return obj.hisops_extra


# Cisco's hash alphabet, in the order that replaces standard base64's
_CISCO_B64 = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)


def _hash(secret: str, kind: str) -> str:
    """``9 $9$<salt>$<scrypt>`` (IOS XE's default) or ``8 $8$<salt>$<PBKDF2-SHA256>``, fresh salt."""
    salt = base64.b64encode(secrets.token_bytes(12)).translate(_CISCO_B64)[:14]
    if kind == "8":
        key = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, 20000)
    else:
        key = hashlib.scrypt(secret.encode(), salt=salt, n=16384, r=1, p=1, dklen=32)
    text = base64.b64encode(key).rstrip(b"=").translate(_CISCO_B64)
    return "%s $%s$%s$%s" % (kind, kind, salt.decode(), text.decode())


def _global_line(body: str, kind: str) -> str:
    m = re.match(r"^username (\S+) privilege (\d+) secret (?:0 )?(\S+)$", body)
    if m:
        return "username %s privilege %s secret %s" % (m.group(1), m.group(2), _hash(m.group(3), kind))
    return body


def _remove(lines: list[str], body: str) -> None:
    if body.startswith("username "):
        user = body.split()[1]
        lines[:] = [x for x in lines if not x.startswith("username %s " % user)]
    else:
        lines[:] = [x for x in lines if not (x == body or x.startswith(body + " ") or x.startswith(body))]


_config_parse = ConfigCommandProcessor.parse_and_execute_command
_interface_parse = ConfigInterfaceCommandProcessor.parse_and_execute_command


def _banner(self: Any, delimiter: str, collected: list[str], line: str) -> None:
    """Lines of a multi-line ``banner motd <c>`` until the delimiter line."""
    if line.strip() == delimiter:
        text = "\n".join(collected)
        lines = _extras(self.switch_configuration)
        store_line(lines, "banner motd ^C\n%s\n^C" % text, SINGLE)
        return
    self.continue_to(lambda nxt: _banner(self, delimiter, [*collected, line], nxt))


def _config_parse_and_execute(self: Any, line: str) -> bool:
    text = line.strip()
    negate = text.startswith("no ")
    body = text[3:] if negate else text
    m = re.match(r"^banner motd (\S)$", body)
    if m and not negate:
        self.write_line("Enter TEXT message.  End with the character '%s'." % m.group(1))
        self.continue_to(lambda nxt: _banner(self, m.group(1), [], nxt))
        return True
    if body.startswith(GLOBAL_PREFIXES) or body in ("aaa new-model",):
        lines = _extras(self.switch_configuration)
        if negate:
            _remove(lines, body)
        else:
            if body.startswith("username "):  # IOS keeps one line per user: a new secret replaces the old
                _remove(lines, body)
            kind = getattr(self.switch_configuration, "hisops_secret_type", "9")
            store_line(lines, _global_line(body, kind), SINGLE)
        return True
    return _config_parse(self, line)


def _interface_parse_and_execute(self: Any, line: str) -> bool:
    text = line.strip()
    negate = text.startswith("no ")
    body = text[3:] if negate else text
    if body.startswith(PORT_SECURITY):
        lines = _extras(self.port)
        if negate:
            _remove(lines, body)
        elif re.match(r"^switchport port-security( maximum \d+| violation (protect|restrict|shutdown))?$", body):
            store_line(lines, body, ("switchport port-security maximum ", "switchport port-security violation "))
        else:
            self.write_line("% Invalid input detected at '^' marker.")
        return True
    return _interface_parse(self, line)


_build_running_interface = enabled.build_running_interface


def _running_interface(port: Any) -> list[str]:
    return _build_running_interface(port) + [" " + x for x in getattr(port, "hisops_extra", [])]


def _show_run(self: Any) -> None:
    cfg = self.switch_configuration
    data = ["version 12.1", "!", "hostname %s" % cfg.name, "!", "!"]
    for vlan in cfg.vlans:
        data += [*enabled.build_running_vlan(vlan), "!"]
    for interface in cfg.get_physical_ports() + cfg.get_vlan_ports():
        data += [*_running_interface(interface), "!"]
    data += [*list(getattr(cfg, "hisops_extra", [])), "!", "end", ""]
    self.write_line("Building configuration...")
    self.write_line("")
    self.write_line("Current configuration : %i bytes" % (len("\n".join(data)) + 1))
    for line in data:
        self.write_line(line)


_do_show = enabled.EnabledCommandProcessor.do_show


def _show(self: Any, *args: str) -> None:
    """``show interfaces status`` and ``show logging`` (missing from fake-switches)."""
    if args[:2] == ("interfaces", "status"):
        self.write_line("Port      Name               Status       Vlan       Duplex  Speed Type")
        for port in self.switch_configuration.get_physical_ports():
            status = "disabled" if port.shutdown else "connected"
            vlan = "trunk" if port.mode == "trunk" else str(port.access_vlan or 1)
            self.write_line(
                "%-9s %-18s %-12s %-10s a-full  a-100 10/100BaseTX"
                % (port.name, (port.description or "")[:18], status, vlan)
            )
    elif args[:1] == ("logging",):
        self.write_line("Syslog logging: enabled (0 messages dropped)")
        self.write_line("Log Buffer (4096 bytes):")
        self.write_line("%SYS-5-CONFIG_I: Configured from console by admin on vty0")
    else:
        _do_show(self, *args)


def _unknown(self: Any, line: str) -> None:
    self.command_processor.terminal_controller.write("% Invalid input detected at '^' marker.\n\n")


def install() -> None:
    """Patch fake-switches' Cisco model (idempotent)."""
    ConfigCommandProcessor.parse_and_execute_command = _config_parse_and_execute
    ConfigInterfaceCommandProcessor.parse_and_execute_command = _interface_parse_and_execute
    enabled.EnabledCommandProcessor.show_run = _show_run
    enabled.EnabledCommandProcessor.do_show = _show
    cisco_core.CiscoShellSession.handle_unknown_command = _unknown
