"""A stateful switch CLI in the Huawei VRP / H3C Comware family ("system-view", "undo", "quit").

A test fixture: it follows the vendors' documented CLI closely enough for hisops' switch
modules (and netmiko's huawei / hp_comware drivers) to work against it over real SSH:

* user view ``<name>``; ``system-view`` -> ``[name]``; ``vlan 10`` -> ``[name-vlan10]``;
  ``interface GigabitEthernet0/0/1`` -> ``[name-GigabitEthernet0/0/1]``; ``quit`` goes up
  one view, ``return`` back to the user view;
* ``vlan batch 10 20 to 22`` (Huawei), ``vlan N`` with ``name`` / ``description``, ``undo vlan``;
* per interface: ``description``, ``port link-type access|trunk``, the access VLAN
  (``port default vlan`` on Huawei, ``port access vlan`` on Comware; the VLAN must exist),
  the trunk list (``port trunk allow-pass vlan`` / ``port trunk permit vlan``, additive;
  ``undo`` removes the listed VLANs), ``shutdown`` / ``undo shutdown``, port security;
* NTP, syslog host, SNMP (communities shown encrypted), login banner, local users
  (passwords shown hashed), as the vendors show them;
* ``display current-configuration`` / ``saved-configuration`` / ``version`` /
  ``interface brief`` / ``logbuffer``, and the serial number: ``display esn`` (Huawei) or
  ``display device manuinfo`` (Comware); paging off with ``screen-length``;
  ``save`` with a ``[Y/N]`` question (Huawei) or ``save force`` (Comware);
* errors as the vendors print them, e.g. ``Error: Unrecognized command found at '^' position.``

The dialect (``Dialect``) holds everything that differs between the two vendors.
Served over SSH by fake-switches' Twisted transport (``SwitchSshService``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Dialect:
    vendor: str
    version_text: str
    ports: tuple[str, ...]
    access_cmd: str  # "port default vlan" | "port access vlan"
    trunk_cmd: str  # "port trunk allow-pass vlan" | "port trunk permit vlan"
    paging_cmds: tuple[str, ...]
    save_cmd: str  # "save" (asks [Y/N]) | "save force"
    save_asks: bool
    err_prefix: str  # "Error: " | "% "
    vlan_batch: bool
    show_link_access: bool  # Huawei shows "port link-type access"; Comware's default is access
    global_prefixes: tuple[str, ...]
    single_prefixes: tuple[str, ...]
    port_prefixes: tuple[str, ...]
    port_single: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)


def expand(spec: str) -> list[str]:
    """``GigabitEthernet0/0/1-24`` -> the 24 names."""
    prefix, _, rng = spec.rpartition("/")
    lo, _, hi = rng.partition("-")
    return ["%s/%d" % (prefix, n) for n in range(int(lo), int(hi or lo) + 1)]


def parse_vlans(tokens: list[str]) -> list[int] | None:
    vlans: list[int] = []
    i = 0
    try:
        while i < len(tokens):
            if i + 2 < len(tokens) and tokens[i + 1] == "to":
                vlans += list(range(int(tokens[i]), int(tokens[i + 2]) + 1))
                i += 3
            else:
                vlans.append(int(tokens[i]))
                i += 1
    except ValueError:
        return None
    if not vlans or any(v < 1 or v > 4094 for v in vlans):
        return None
    return vlans


def store_line(lines: list[str], line: str, single: tuple[str, ...]) -> None:
    """Add a configuration line; a line starting with one of ``single`` replaces its earlier value."""
    for prefix in single:
        if line.startswith(prefix):
            lines[:] = [x for x in lines if not x.startswith(prefix)]
    if line not in lines:
        lines.append(line)


def vlan_text(vlans: list[int]) -> str:
    runs: list[list[int]] = []
    for v in sorted(set(vlans)):
        if runs and runs[-1][-1] + 1 == v:
            runs[-1].append(v)
        else:
            runs.append([v])
    parts: list[str] = []
    for run in runs:
        parts += ["%d to %d" % (run[0], run[-1])] if len(run) >= 3 else [str(v) for v in run]
    return " ".join(parts)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:32]


@dataclass
class Port:
    name: str
    description: str = ""
    link_type: str = ""
    access_vlan: int = 0
    trunk: set[int] = field(default_factory=set)
    shutdown: bool = False
    extra: list[str] = field(default_factory=list)


class SwitchState:
    """The configuration of one emulated switch (shared by its SSH sessions)."""

    def __init__(self, dialect: Dialect, name: str) -> None:
        self.d = dialect
        self.name = name  # fake-switches' transport logs switch_configuration.name
        self.vlans: dict[int, list[str]] = {1: []}
        self.ports: dict[str, Port] = {p: Port(p) for p in dialect.ports}
        self.globals: list[str] = []
        self.aaa: list[str] = []
        self.users: dict[str, list[str]] = {}
        self.saved = ""
        self.saves = 0
        # one serial number per switch, stable across restarts: vendor prefix + 10 characters of the name's hash
        self.serial = dialect.extra.get("serial_prefix", "") + hashlib.sha1(name.encode()).hexdigest()[:10].upper()
        self.log: list[str] = ["%s %%%%01SHELL/5/LOGIN: admin logged in" % name]
        self.saved = self.render()

    # ------------------------------------------------------------ rendering ------------
    def render(self) -> str:
        d = self.d
        out = ["!Software Version %s" % d.extra.get("software", "V1"), "#", "sysname %s" % self.name, "#"]
        if d.vlan_batch and len(self.vlans) > 1:
            out += ["vlan batch %s" % vlan_text([v for v in self.vlans if v != 1]), "#"]
        for vid in sorted(self.vlans):
            if self.vlans[vid] or not d.vlan_batch:
                out += ["vlan %d" % vid] + [" " + x for x in self.vlans[vid]] + ["#"]
        if self.aaa:
            out += ["aaa"] + [" " + x for x in self.aaa] + ["#"]
        for user in sorted(self.users):
            out += ["local-user %s class manage" % user] + [" " + x for x in self.users[user]] + ["#"]
        for port in self.ports.values():
            out += ["interface %s" % port.name] + [" " + x for x in self._port_lines(port)] + ["#"]
        if self.globals:
            out += [*self.globals, "#"]
        out += ["return"]
        return "\n".join(out) + "\n"

    def _port_lines(self, p: Port) -> list[str]:
        d = self.d
        lines: list[str] = []
        if p.description:
            lines.append("description %s" % p.description)
        if p.link_type and (p.link_type != "access" or d.show_link_access):
            lines.append("port link-type %s" % p.link_type)
        if p.access_vlan:
            lines.append("%s %d" % (d.access_cmd, p.access_vlan))
        if p.trunk:
            lines.append("%s %s" % (d.trunk_cmd, vlan_text(sorted(p.trunk))))
        lines += p.extra
        if p.shutdown:
            lines.append("shutdown")
        return lines

    def interface_brief(self) -> str:
        rows = ["Interface                     PHY     Protocol  Description"]
        for p in self.ports.values():
            rows.append(
                "%-29s %-7s %-9s %s"
                % (p.name, "*down" if p.shutdown else "up", "down" if p.shutdown else "up", p.description)
            )
        return "\n".join(rows) + "\n"


class Session:
    """One SSH session: the view stack and the command parser."""

    def __init__(self, state: SwitchState, write: Any, logger: logging.Logger) -> None:
        self.s = state
        self.d = state.d
        self.write = write
        self.logger = logger
        self.views: list[tuple[str, Any]] = [("user", None)]
        self.pending: Any = None  # a question waiting for its answer ([Y/N])
        # what fake-switches' SSH shell reads from its session
        self.command_processor = self
        self.sub_processor = None
        self.replace_input = False
        self.is_done = False
        self.write(self.prompt())

    # ------------------------------------------------------------ prompt ---------------
    def prompt(self) -> str:
        kind, arg = self.views[-1]
        name = self.s.name
        if kind == "user":
            return "<%s>" % name
        if kind == "system":
            return "[%s]" % name
        if kind == "vlan":
            return "[%s-vlan%d]" % (name, arg)
        if kind == "interface":
            return "[%s-%s]" % (name, arg)
        if kind == "luser":
            return "[%s-luser-manage-%s]" % (name, arg)
        return "[%s-%s]" % (name, kind)

    def say(self, text: str) -> None:
        self.write(text + "\n")

    def error(self, kind: str, line: str = "") -> None:
        if kind in ("unrecognized", "wrong", "incomplete"):
            pos = len(self.prompt()) + max(len(line) - len(line.lstrip()), 0)
            self.say(" " * pos + "^")
        texts = {
            "unrecognized": "Unrecognized command found at '^' position.",
            "wrong": "Wrong parameter found at '^' position.",
            "incomplete": "Incomplete command found at '^' position.",
        }
        self.say(self.d.err_prefix + texts.get(kind, kind))

    # ------------------------------------------------------------ input ----------------
    def receive(self, line: str) -> bool:
        text = line.strip()
        if self.pending is not None:
            handler, self.pending = self.pending, None
            handler(text)
        elif text:
            self.dispatch(text)
        if self.is_done:
            return False
        if self.pending is None:
            self.write(self.prompt())
        return True

    def dispatch(self, text: str) -> None:
        words = text.split()
        if self._any_view(text, words):
            return
        kind = self.views[-1][0]
        handler = getattr(self, "view_" + kind)
        if handler(text, words) is not False:
            return
        if kind not in ("user", "system"):
            # a system-view command typed in a sub-view runs in the system view, which it leaves you in
            saved = self.views
            self.views = [v for v in saved if v[0] in ("user", "system")]
            if self.view_system(text, words) is not False:
                return
            self.views = saved
        self.error("unrecognized", text)

    def _any_view(self, text: str, words: list[str]) -> bool:
        s, d = self.s, self.d
        if text == "quit":
            self.views.pop()
            if not self.views:
                self.is_done = True
            return True
        if text == "return":
            self.views = [("user", None)]
            return True
        if text in d.paging_cmds:
            return True
        if words[0] == "display":
            what = " ".join(words[1:])
            if what == "current-configuration":
                self.write(s.render())
            elif what == "saved-configuration":
                self.write(s.saved)
            elif what == "version":
                self.say(d.version_text.format(name=s.name))
            elif what == "interface brief":
                self.write(s.interface_brief())
            elif what == "logbuffer":
                self.write("\n".join(s.log) + "\n")
            elif what == d.extra.get("serial_display"):
                self.write(d.extra["serial_text"].format(name=s.name, serial=s.serial) + "\n")
            else:
                self.error("unrecognized", text)
            return True
        if text == d.save_cmd or (text == "save" and d.save_asks):
            if d.save_asks:
                self.write("Warning: The current configuration will be written to the device. Continue? [Y/N]:")
                self.pending = self._save_answer
            else:
                self._do_save()
            return True
        return False

    def _save_answer(self, answer: str) -> None:
        if answer.lower() in ("y", "yes"):
            self._do_save()
        else:
            self.say("Info: Save operation was cancelled.")

    def _do_save(self) -> None:
        self.s.saved = self.s.render()
        self.s.saves += 1
        self.s.log.append("%s %%%%01CFG/4/CONFIG_SAVE: configuration saved" % self.s.name)
        if self.d.save_asks:
            self.say("Now saving the current configuration to the slot 0.")
            self.say("Info: Save the configuration successfully.")
        else:
            self.say("Validating file. Please wait...")
            self.say("Saved the current configuration to mainboard device successfully.")

    # ------------------------------------------------------------ views ----------------
    def view_user(self, text: str, words: list[str]) -> bool:
        if text == "system-view":
            self.say("Enter system view, return user view with return command.")
            self.views.append(("system", None))
            return True
        return False

    def view_system(self, text: str, words: list[str]) -> bool:
        s, d = self.s, self.d
        undo = words[0] == "undo"
        body = words[1:] if undo else words
        if not body:
            self.error("incomplete", text)
            return True
        head = body[0]
        if head == "sysname" and not undo and len(body) == 2:
            s.name = body[1]
            return True
        if head == "vlan":
            return self._vlan_cmd(text, body, undo)
        if head == "interface":
            name = "".join(body[1:])
            if name not in s.ports:
                self.error("wrong", text)
            elif not undo:
                self.views.append(("interface", name))
            return True
        if head == "aaa" and len(body) == 1 and d.vendor == "huawei_vrp" and not undo:
            self.views.append(("aaa", None))
            return True
        if head == "local-user" and d.vendor == "h3c_comware" and len(body) >= 2:
            if undo:
                s.users.pop(body[1], None)
            elif body[2:] == ["class", "manage"]:
                s.users.setdefault(body[1], [])
                self.views.append(("luser", body[1]))
            else:
                self.error("incomplete", text)
            return True
        rest = " ".join(body)
        if rest.startswith(d.global_prefixes) or rest in d.global_prefixes:
            if undo:
                s.globals[:] = [
                    g for g in s.globals if not (g == rest or g.startswith(rest + " ") or g.startswith(rest))
                ]
            else:
                store_line(s.globals, self._global_line(rest), d.single_prefixes)
            return True
        return False

    def _global_line(self, rest: str) -> str:
        words = rest.split()
        if rest.startswith("snmp-agent community ") and len(words) >= 4:
            # shown encrypted, as the switches do: the community is never printed again
            mode = words[2]
            secret = words[4] if len(words) >= 5 and words[3] in ("cipher", "simple") else words[3]
            enc = base64.b64encode(secret.encode()).decode()
            if self.d.vendor == "huawei_vrp":
                return "snmp-agent community %s cipher %%^%%#%s%%^%%#" % (mode, enc)
            return "snmp-agent community %s cipher $c$3$%s" % (mode, enc)
        return rest

    def _vlan_cmd(self, text: str, body: list[str], undo: bool) -> bool:
        s, d = self.s, self.d
        if len(body) >= 2 and body[1] == "batch":
            if not d.vlan_batch:
                return False
            vlans = parse_vlans(body[2:])
            if vlans is None:
                self.error("wrong", text)
                return True
            for vid in vlans:
                if undo:
                    self._remove_vlan(vid)
                else:
                    s.vlans.setdefault(vid, [])
            return True
        vlans = parse_vlans(body[1:])
        if vlans is None or (len(vlans) != 1 and not undo):
            self.error("wrong", text)
            return True
        if undo:
            for vid in vlans:
                self._remove_vlan(vid)
            return True
        s.vlans.setdefault(vlans[0], [])
        self.views.append(("vlan", vlans[0]))
        return True

    def _remove_vlan(self, vid: int) -> None:
        if vid == 1:
            return
        self.s.vlans.pop(vid, None)
        for p in self.s.ports.values():
            if p.access_vlan == vid:
                p.access_vlan = 0
            p.trunk.discard(vid)

    def view_vlan(self, text: str, words: list[str]) -> bool:
        lines = self.s.vlans[self.views[-1][1]]
        undo = words[0] == "undo"
        body = words[1:] if undo else words
        if body and body[0] in ("name", "description"):
            lines[:] = [x for x in lines if not x.startswith(body[0] + " ")]
            if not undo:
                if len(body) < 2:
                    self.error("incomplete", text)
                    return True
                lines.append(" ".join(body))
                lines.sort(key=lambda x: 0 if x.startswith("name") else 1)
            return True
        return False

    def view_interface(self, text: str, words: list[str]) -> bool:
        p = self.s.ports[self.views[-1][1]]
        d = self.d
        undo = words[0] == "undo"
        body = words[1:] if undo else words
        rest = " ".join(body)
        if not body:
            return False
        if body[0] == "description":
            if undo:
                p.description = ""
            elif len(body) < 2:
                self.error("incomplete", text)
            else:
                p.description = " ".join(body[1:])
            return True
        if body[0] == "shutdown" and len(body) == 1:
            p.shutdown = not undo
            return True
        if body[:2] == ["port", "link-type"]:
            return self._link_type(p, body, undo, text)
        if rest.startswith(d.access_cmd):
            return self._access(p, body, undo, text)
        if rest.startswith(d.trunk_cmd):
            vlans = parse_vlans(rest[len(d.trunk_cmd) :].split())
            if vlans is None:
                self.error("wrong", text)
            elif p.link_type != "trunk":
                self.say(d.err_prefix + "Please configure the link-type of the port to trunk first.")
            elif undo:
                p.trunk.difference_update(vlans)
            else:
                p.trunk.update(vlans)
            return True
        if rest.startswith(d.port_prefixes):
            if undo:
                p.extra[:] = [x for x in p.extra if not x.startswith(rest)]
            else:
                store_line(p.extra, rest, d.port_single)
            return True
        return False

    def _link_type(self, p: Port, body: list[str], undo: bool, text: str) -> bool:
        d = self.d
        if undo:
            new = "access" if d.vendor == "h3c_comware" else ""
        elif len(body) == 3 and body[2] in ("access", "trunk", "hybrid"):
            new = body[2]
        else:
            self.error("wrong", text)
            return True
        current = p.link_type or ("access" if d.vendor == "h3c_comware" else "")
        if new != current and (p.trunk or (p.access_vlan and d.vendor == "huawei_vrp")):
            # the vendors refuse to change the link type of a port that still carries VLANs
            self.say(d.err_prefix + "Please renew the default configurations.")
            return True
        p.link_type = new
        return True

    def _access(self, p: Port, body: list[str], undo: bool, text: str) -> bool:
        d = self.d
        if undo:
            p.access_vlan = 0
            return True
        vlans = parse_vlans(body[3:])
        if vlans is None or len(vlans) != 1:
            self.error("wrong", text)
        elif (p.link_type or ("access" if d.vendor == "h3c_comware" else "")) != "access":
            self.say(d.err_prefix + "Please configure the link-type of the port to access first.")
        elif vlans[0] not in self.s.vlans:
            self.say(d.err_prefix + "The VLAN %d does not exist." % vlans[0])
        else:
            p.access_vlan = vlans[0]
        return True

    def view_aaa(self, text: str, words: list[str]) -> bool:
        s = self.s
        undo = words[0] == "undo"
        body = words[1:] if undo else words
        if len(body) < 2 or body[0] != "local-user":
            return False
        user = body[1]
        if undo:
            s.aaa[:] = [x for x in s.aaa if not x.startswith("local-user %s " % user)]
            return True
        rest = body[2:]
        if rest[:1] == ["password"] and len(rest) == 3 and rest[1] in ("irreversible-cipher", "cipher"):
            line = "local-user %s password irreversible-cipher $1a$%s$" % (user, _hash(rest[2]))
            key = "local-user %s password " % user
        elif rest[:2] == ["privilege", "level"] and len(rest) == 3:
            line, key = "local-user %s privilege level %s" % (user, rest[2]), "local-user %s privilege " % user
        elif rest[:1] == ["service-type"] and len(rest) >= 2:
            line, key = "local-user %s %s" % (user, " ".join(rest)), "local-user %s service-type " % user
        else:
            self.error("wrong", text)
            return True
        store_line(s.aaa, line, (key,))
        return True

    def view_luser(self, text: str, words: list[str]) -> bool:
        lines = self.s.users[self.views[-1][1]]
        undo = words[0] == "undo"
        body = words[1:] if undo else words
        if body[:1] == ["password"]:
            lines[:] = [x for x in lines if not x.startswith("password ")]
            if not undo:
                if len(body) != 3 or body[1] not in ("simple", "hash", "cipher"):
                    self.error("wrong", text)
                    return True
                lines.insert(0, "password hash $h$6$%s" % _hash(body[2]))
            return True
        if body[:1] in (["service-type"], ["authorization-attribute"]):
            rest = " ".join(body)
            if undo:
                lines[:] = [x for x in lines if not x.startswith(rest)]
            else:
                store_line(lines, rest, ())
            return True
        return False


class UndoCliSwitchCore:
    """A switch core for fake-switches' SSH transport (``SwitchSshService``)."""

    def __init__(self, dialect: Dialect, hostname: str) -> None:
        self.state = SwitchState(dialect, hostname)
        self.switch_configuration = self.state  # the transport logs switch_configuration.name
        self.sessions = 0

    def launch(self, protocol: str, terminal_controller: Any) -> Session:
        self.sessions += 1
        logger = logging.getLogger("hisops.lab.%s.%d" % (self.state.name, self.sessions))
        return Session(self.state, terminal_controller.write, logger)

    @staticmethod
    def get_netconf_protocol() -> None:
        return None
