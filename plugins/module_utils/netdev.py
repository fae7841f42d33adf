# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch connections for hisops modules (netmiko on the control node).

Every switch module takes the same connection options (CONNECTION_SPEC) and opens the
device through ``connect()``, which maps hisops vendor names to netmiko drivers and turns
netmiko's exceptions into one-line messages a technician can act on.

Per vendor, ``PROFILES`` holds what the modules need to know about the CLI: the command
that prints the running configuration, how to save, and the text a switch prints when it
rejects a command.

No 2-second waits
-----------------
netmiko's ``huawei*`` and ``ruijie_os`` drivers call ``check_config_mode`` without a read
pattern, so netmiko reads until the channel has been silent for 2 s, on every config-mode
check (about 8.8 s per ``send_config_set`` whatever the switch's speed). The drivers below
(``FastHuaweiSSH``, ``FastRuijieSSH``) supply the prompt pattern, so netmiko returns as soon
as the prompt arrives. netmiko's ``hp_comware`` driver turns command verification off, so
with an error pattern it waits 2 s of silence after EVERY command (15 s for 7 commands);
``FastComwareSSH`` turns it back on. ``connect()`` always uses these drivers.

No probes for a known state
---------------------------
Before most operations netmiko sends a bare RETURN and reads the prompt back, to learn a
state hisops already knows: the prompt before every ``send_command``, config mode before
and after entering and leaving it, enable mode before and after ``enable``, config mode
again at logout. That was 10 of the 23 round trips of a typical run. ``show()``,
``push()``, ``save()``, ``close()`` and the Cisco enable step in ``connect()`` instead send
the command and read until the prompt they expect at the END of the output (a regex
anchored on the base prompt), then check it. On a real switch every round trip is tens of
milliseconds; with 50 switches on one control node it is also CPU on both ends.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any
import contextlib


# hisops vendor name -> netmiko device_type
VENDORS: dict[str, str] = {
    "cisco_ios": "cisco_ios",
    "ruijie_os": "ruijie_os",
    "huawei_vrp": "huawei",
    "h3c_comware": "hp_comware",
}

# What a switch prints when it refuses a command (any vendor): Cisco/Ruijie "% Invalid
# input", "% Incomplete command", "% Ambiguous command"; Huawei "Error: ..."; Comware
# "% Unrecognized command", "% Wrong parameter", and a refusal of a valid command for what it
# would do ("% The VLAN 999 does not exist."): Comware starts every refusal with "% " at the
# start of the line, so any such line that is not a warning is one; fake-switches' "No such command".
ERROR_PATTERN = (
    r"(% ?Invalid input|% ?Incomplete command|% ?Ambiguous command|% ?Unrecognized command|"
    r"% ?Wrong parameter|% ?Too many parameters|Error:|Unrecognized command|No such command|Command rejected|"
    r"^\s*% (?!Warning))"
)


@dataclass(frozen=True)
class VendorProfile:
    """What the switch modules need to know about one vendor's CLI."""

    device_type: str
    show_running: str
    save_command: str
    save_confirm: bool
    interface_status: str
    logs: str
    show_version: str
    # the command that shows the serial number, when show_version does not
    show_serial: str | None = None
    # lines of the running configuration the switch rewrites by itself (not a change)
    volatile: re.Pattern[str] | None = None
    config_enter: str = "configure terminal"
    config_exit: str = "end"  # back to the privileged / user view from any depth
    logout: str = "exit"


# IOS rewrites these on every change or save (Oxidized drops the same lines)
IOS_VOLATILE = re.compile(
    r"^(! (Last configuration change|No configuration change since last restart|NVRAM config last updated)|"
    r"ntp clock-period )"
)

_IOS_LIKE: dict[str, Any] = {
    "show_running": "show running-config",
    "save_confirm": False,
    "interface_status": "show interfaces status",
    "logs": "show logging",
    "show_version": "show version",
    "volatile": IOS_VOLATILE,
}
_UNDO_CLI: dict[str, Any] = {
    "show_running": "display current-configuration",
    "interface_status": "display interface brief",
    "logs": "display logbuffer",
    "show_version": "display version",
    "config_enter": "system-view",
    "config_exit": "return",
    "logout": "quit",
}

PROFILES: dict[str, VendorProfile] = {
    "cisco_ios": VendorProfile(device_type="cisco_ios", save_command="write memory", **_IOS_LIKE),
    "ruijie_os": VendorProfile(device_type="ruijie_os", save_command="write", **_IOS_LIKE),
    "huawei_vrp": VendorProfile(
        device_type="huawei",
        save_command="save",
        save_confirm=True,
        show_serial="display esn",
        volatile=re.compile(r"^!Last configuration was (updated|saved) at "),
        **_UNDO_CLI,
    ),
    "h3c_comware": VendorProfile(
        device_type="hp_comware",
        save_command="save force",
        save_confirm=False,
        show_serial="display device manuinfo",
        **_UNDO_CLI,
    ),
}

CONNECTION_SPEC: dict[str, Any] = {
    "host": {"type": "str", "required": True},
    "port": {"type": "int", "default": 22},
    "vendor": {"type": "str", "required": True, "choices": sorted(VENDORS)},
    "username": {"type": "str", "required": True},
    "password": {"type": "str", "required": True, "no_log": True},
    "secret": {"type": "str", "default": "", "no_log": True},
    "conn_timeout": {"type": "float", "default": 10.0},
    "command_timeout": {"type": "float", "default": 30.0},
    "known_hosts": {"type": "path", "default": ""},
}


class SwitchConnectionError(Exception):
    """The switch could not be reached or refused the login."""


class HostKeyChanged(SwitchConnectionError):
    """The switch presented another SSH host key than the one learnt the first time."""


# ------------------------------------------------------------------ host keys ------------
# A switch's SSH host key is learnt the first time hisops connects to it (trust on first
# use) into the project's known-hosts file (``known_hosts``, OpenSSH format, 0600) and
# checked on every later connection: a changed key stops the run for that switch with an
# error naming it. Switches of one run connect in parallel threads and processes, so the
# file is re-read and appended to under an exclusive lock.
def _tofu_policy(path: str) -> Any:
    import fcntl

    import paramiko

    class LearnOnFirstUse(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
            os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "r+", encoding="utf-8") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                known = paramiko.HostKeys()
                with contextlib.suppress(OSError):
                    known.load(path)  # another switch's connection may have learnt it meanwhile
                entry = known.lookup(hostname) or {}
                if key.get_name() in entry:
                    if entry[key.get_name()] != key:
                        raise paramiko.BadHostKeyException(hostname, key, entry[key.get_name()])
                    return
                fh.write("%s %s %s\n" % (hostname, key.get_name(), key.get_base64()))
                fh.flush()
                os.fsync(fh.fileno())
            client.get_host_keys().add(hostname, key.get_name(), key)

    return LearnOnFirstUse()


def _with_known_hosts(cls: Any, path: str) -> Any:
    """The driver class, loading and learning host keys in ``path`` (see above)."""

    class KnownHosts(cls):  # type: ignore[misc,valid-type]
        def _build_ssh_client(self) -> Any:
            client = super()._build_ssh_client()
            if os.path.isfile(path):
                client.load_host_keys(path)
            client.set_missing_host_key_policy(_tofu_policy(path))
            return client

    return KnownHosts


class SwitchCommandError(Exception):
    """The switch rejected a command."""


class PushInterrupted(SwitchCommandError):
    """The run was told to stop (SIGINT/SIGTERM) between two groups of a push."""


def _fast_driver_classes() -> dict[str, Any]:
    """netmiko driver classes per vendor, with the 2-second waits removed (see module doc)."""
    from netmiko.cisco.cisco_ios import CiscoIosSSH
    from netmiko.hp.hp_comware import HPComwareSSH
    from netmiko.huawei.huawei import HuaweiSSH
    from netmiko.ruijie.ruijie_os import RuijieOSSSH

    class FastHuaweiSSH(HuaweiSSH):
        """HuaweiSSH that reads until the prompt instead of 2 s of silence."""

        def check_config_mode(
            self, check_string: str = "]", pattern: str = r"[>\]]", force_regex: bool = False
        ) -> bool:
            self.write_channel(self.RETURN)
            output = self.read_until_pattern(pattern=pattern)
            return check_string in output.strip().splitlines()[-1] if output.strip() else False

    class FastRuijieSSH(RuijieOSSSH):
        """RuijieOSSSH that reads until the prompt instead of 2 s of silence."""

        def check_config_mode(
            self, check_string: str = ")#", pattern: str = r"[>#]", force_regex: bool = False
        ) -> bool:
            return super().check_config_mode(check_string=check_string, pattern=pattern, force_regex=force_regex)

    class FastComwareSSH(HPComwareSSH):
        """HPComwareSSH that verifies each command's echo instead of waiting 2 s of silence per command.

        netmiko turns command verification off for Comware (long lines may wrap on a narrow
        terminal); with an error pattern it then reads until 2 s of silence after every
        command. hisops' lines are short (descriptions are checked to be at most 80
        characters), so verification is turned back on.
        """

        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("global_cmd_verify", True)
            super().__init__(**kwargs)

    return {
        "cisco_ios": CiscoIosSSH,
        "ruijie_os": FastRuijieSSH,
        "huawei_vrp": FastHuaweiSSH,
        "h3c_comware": FastComwareSSH,
    }


def driver_class(vendor: str) -> Any:
    """The netmiko driver class hisops uses for a vendor."""
    return _fast_driver_classes()[vendor]


def connection_params(params: dict[str, Any]) -> dict[str, Any]:
    """netmiko connection arguments from module parameters (no secrets logged)."""
    return {
        "device_type": VENDORS[params["vendor"]],
        "host": params["host"],
        "port": params["port"],
        "username": params["username"],
        "password": params["password"],
        "secret": params.get("secret") or "",
        "conn_timeout": params["conn_timeout"],
        "auth_timeout": params["conn_timeout"],
        "banner_timeout": params["conn_timeout"],
        "timeout": params["command_timeout"],
        "read_timeout_override": params["command_timeout"],
        "fast_cli": True,
        "use_keys": False,
        "allow_agent": False,
        "ssh_strict": False,
        "system_host_keys": False,
    }


def connect(params: dict[str, Any]) -> Any:
    """Open a netmiko session, entering privileged mode when a secret is given."""
    try:
        from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
    except ImportError as exc:  # pragma: no cover - depends on the controller's venv
        raise SwitchConnectionError(
            "netmiko is not installed on the control node: run ./hisops setup (%s)" % exc
        ) from exc
    from netmiko.exceptions import ReadTimeout

    where = "%s:%s" % (params["host"], params["port"])
    known_hosts = params.get("known_hosts") or ""
    cls = driver_class(params["vendor"])
    if known_hosts:
        cls = _with_known_hosts(cls, known_hosts)
    try:
        conn = cls(**connection_params(params))
        conn.hisops_in_config = False
        if params.get("secret") and params["vendor"] == "cisco_ios":
            _enable(conn, where)
        return conn
    except ReadTimeout:
        raise SwitchConnectionError(
            "switch %s accepted the login but stopped answering (after %ss)" % (where, params["command_timeout"])
        ) from None
    except NetmikoAuthenticationException:
        raise SwitchConnectionError(
            "login to switch %s refused: check hisops_switch_username and the vaulted password" % where
        ) from None
    except NetmikoTimeoutException as exc:
        if "does not match" in str(exc):
            raise HostKeyChanged(
                "switch %s (%s) presented another SSH host key than the one recorded in %s: the switch was "
                "replaced or someone is in the middle. Check it; if it was replaced on purpose, remove its line "
                "from that file and run again" % (params.get("name") or where, where, known_hosts)
            ) from None
        raise SwitchConnectionError(
            "switch %s did not answer SSH within %ss: check it is on and reachable" % (where, params["conn_timeout"])
        ) from None
    except (OSError, EOFError) as exc:
        raise SwitchConnectionError("cannot reach switch %s: %s" % (where, exc)) from exc


def _prompt(conn: Any, terminator: str = r"[#>\]]") -> str:
    """Regex of a prompt at the start of a line (use with ``re.M``).

    ``sw1#``, ``sw1(config-if)#``, ``<sw1>``, ``[sw1-vlan10]``.
    """
    return r"^[<\[]?%s[^\n]*?%s" % (re.escape(conn.base_prompt), terminator)


def _prompt_at_end(conn: Any, terminator: str = r"[#>\]]") -> str:
    """Regex of the switch's prompt as the LAST line of the output.

    Anchored at the start of a line (use with ``re.M``) and at the end of the text read so
    far, so a configuration line that mentions the host name never ends a read early.
    """
    return _prompt(conn, terminator) + r"\s*\Z"


# IOS: privileged "sw1#" (not "sw1(config)#"); VRP/Comware: user view "<sw1>"
_EXEC_END = r"(?<!\))[#>]"
_CONFIG_END = r"(?:\)#|\])"


def _enable(conn: Any, where: str) -> None:
    """Cisco privileged mode in one or two round trips (netmiko's enable() takes four).

    A wrong secret makes IOS print ``% Access denied`` and the ``>`` prompt, or ask for the
    password again: either is a refusal, reported at once (not after the command timeout).
    """
    prompt_or_password = _prompt_at_end(conn) + r"|(?i:ssword:?\s*\Z)"
    conn.write_channel("enable" + conn.RETURN)
    output = _read_until(conn, prompt_or_password)
    if re.search(r"(?i)ssword", output):
        conn.write_channel(conn.secret + conn.RETURN)
        output = _read_until(conn, prompt_or_password)
    if not re.search(_prompt_at_end(conn, "#"), output, re.M):
        raise SwitchConnectionError(
            "switch %s refused privileged mode: check hisops_switch_secret (the enable secret)" % where
        )


def _read_until(conn: Any, pattern: str) -> str:
    """Read until ``pattern`` (multi-line mode) or the command timeout."""
    return conn.read_until_pattern(pattern=pattern, re_flags=re.M, read_timeout=conn.timeout)


def show(conn: Any, command: str) -> str:
    """Output of a read-only command (prompt and command echo stripped), in one round trip."""
    return conn.send_command(command, expect_string="(?m)" + _prompt_at_end(conn), read_timeout=conn.timeout)


def close(conn: Any, vendor: str) -> None:
    """Log out (frees the switch's vty line at once) and close the SSH session; never raises."""
    with contextlib.suppress(Exception):
        if conn.hisops_in_config:
            _leave_config(conn, vendor)
        conn.write_channel(PROFILES[vendor].logout + conn.RETURN)
    with contextlib.suppress(Exception):
        conn.paramiko_cleanup()


def _enter_config(conn: Any, vendor: str) -> str:
    """Enter configuration mode; a switch that answers with another prompt refused it."""
    conn.write_channel(PROFILES[vendor].config_enter + conn.RETURN)
    output = _read_until(conn, _prompt_at_end(conn))
    if not re.search(_prompt_at_end(conn, _CONFIG_END), output, re.M):
        raise SwitchCommandError(
            "the switch refused configuration mode (%s): check the login's privilege level and "
            "hisops_switch_secret" % (output.strip().splitlines() or ["no answer"])[-1]
        )
    conn.hisops_in_config = True
    return output


def _leave_config(conn: Any, vendor: str) -> str:
    conn.write_channel(PROFILES[vendor].config_exit + conn.RETURN)
    output = _read_until(conn, _prompt_at_end(conn, _EXEC_END))
    conn.hisops_in_config = False
    return output


def rejected(output: str) -> str | None:
    """The first error line a switch printed in ``output`` (None when every command was accepted)."""
    for line in output.splitlines():
        if re.search(ERROR_PATTERN, line):
            return line.strip()
    return None


def running_config(conn: Any, vendor: str) -> str:
    """The switch's running configuration as text (prompt and command echo stripped)."""
    text = show(conn, PROFILES[vendor].show_running)
    return text.replace("\r\n", "\n").replace("\r", "\n")


BANNER_START = re.compile(r"^banner \S+ (\S)$")


def _chunks(commands: list[str]) -> list[tuple[str, list[str]]]:
    """Split commands into plain runs and multi-line banners (``banner motd #`` ... ``#``)."""
    chunks: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(commands):
        m = BANNER_START.match(commands[i])
        if m:
            end = i + 1
            while end < len(commands) and commands[end].strip() != m.group(1):
                end += 1
            chunks.append(("banner", commands[i : end + 1]))
            i = end + 1
        else:
            if not chunks or chunks[-1][0] != "plain":
                chunks.append(("plain", []))
            chunks[-1][1].append(commands[i])
            i += 1
    return chunks


def _send_banner(conn: Any, lines: list[str]) -> str:
    """A banner shows no prompt until its closing delimiter: send it whole, then wait for the prompt."""
    for line in lines:
        conn.write_channel(line + conn.RETURN)
    return _read_until(conn, _prompt_at_end(conn, r"[#\]]"))


# Commands sent to a switch in one write. A switch answers each line with its output and a
# new prompt; hisops waits for the prompts of the whole group instead of for each line (one
# read loop per group instead of two per command: ~40x fewer polls, which is what matters
# with 50 switches on 2 cores). Small groups keep a slow switch's input buffer from
# overflowing, as with pasting into a console.
PIPELINE = 20


def _send_group(conn: Any, lines: list[str], timeout: float) -> str:
    """Send lines at once and read until the switch has answered each of them with a prompt."""
    prompt = re.compile(_prompt(conn), re.M)
    conn.write_channel("".join(line + conn.RETURN for line in lines))
    output = ""
    deadline = time.monotonic() + timeout
    while True:
        output += conn.read_channel()
        # one prompt per line answered; the prompt after the last line has no echo after it
        if len(prompt.findall(output)) >= len(lines) and re.search(r"[#>\]]\s*$", output):
            return output
        if time.monotonic() > deadline:
            raise SwitchCommandError(
                "the switch stopped answering during the push (after %r): %s"
                % (lines[-1], output.strip().splitlines()[-1:] or "no output")
            )
        time.sleep(0.01)


def _first_rejection(output: str, lines: list[str]) -> str | None:
    """'command: error' for the first line the switch rejected in a group's output."""
    last_command = ""
    for text in output.splitlines():
        problem = rejected(text)
        if problem:
            return "%s: %s" % (last_command or "?", problem)
        for line in lines:
            if line and text.rstrip().endswith(line):
                last_command = line
    return None


def push(conn: Any, commands: list[str], vendor: str, stop: Callable[[], bool] | None = None) -> str:
    """Send configuration commands in groups, stopping after the first group with a rejected command.

    Raises SwitchCommandError naming the rejected command (or the one after which the
    switch stopped answering); the caller rolls back. ``stop()`` is asked before each
    group: when true, PushInterrupted is raised (the caller rolls back).
    """
    from netmiko.exceptions import ReadTimeout

    if not commands:
        return ""
    try:
        output = _enter_config(conn, vendor)
    except ReadTimeout as exc:
        raise SwitchCommandError("the switch did not enter configuration mode: %s" % str(exc).splitlines()[0]) from exc
    try:
        for kind, lines in _chunks(commands):
            groups = [lines[i : i + PIPELINE] for i in range(0, len(lines), PIPELINE)] if kind == "plain" else [lines]
            for group in groups:
                if stop is not None and stop():
                    raise PushInterrupted("the run was stopped before %r" % group[0])
                text = _send_group(conn, group, conn.timeout) if kind == "plain" else _send_banner(conn, group)
                output += text
                problem = _first_rejection(text, group)
                if problem:
                    raise SwitchCommandError("the switch rejected %s" % problem)
    except ReadTimeout as exc:
        raise SwitchCommandError("the switch stopped answering during the push: %s" % str(exc).splitlines()[0]) from exc
    finally:
        with contextlib.suppress(ReadTimeout, OSError):
            output += _leave_config(conn, vendor)
    return output


def save(conn: Any, vendor: str) -> str:
    """Write the running configuration to the switch's start-up configuration."""
    profile = PROFILES[vendor]
    if profile.save_confirm:
        output = conn.save_config(cmd=profile.save_command, confirm=True, confirm_response="y")
    else:
        output = show(conn, profile.save_command)
    problem = rejected(output)
    if problem:
        raise SwitchCommandError("saving the configuration failed: %s" % problem)
    return output
