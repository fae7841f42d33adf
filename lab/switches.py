"""Emulated switches for the lab and the tests: many switches in ONE Twisted reactor.

Cisco models come from fake-switches (a third-party emulator). Its known defects are
worked around here, in the launcher, never in the project's switch code:

1. the command-line launcher stores the enable password as bytes, so ``enable`` never
   matches on Python 3: switches are built here with a ``str`` password;
2. config mode has no ``end`` command, so netmiko cannot leave config mode: ``do_end``
   is added to the Cisco config command processor;
3. some show commands hang the session: the project only uses ``show running-config``,
   ``show version`` and ``show vlan`` against it;
4. management commands (NTP, syslog, SNMP, banner, users, AAA, port security) are added
   by ``lab.emulators.cisco_extras``;
5. every echoed character went out in its own SSH packet (a real switch echoes a line sent
   at once in one packet): terminal output is coalesced per reactor turn, which cuts the
   client's and the emulator's CPU per command several times (matters with 50 switches on 2 cores).

Huawei VRP and H3C Comware switches are hisops' own emulators (``lab.emulators``).

Run: ``python -m lab.switches --spec FILE`` where FILE is a JSON list of
``{"name", "port", "model", "vendor"}``; or ``--count N --base-port P`` for benchmarks.
Every switch listens on 127.0.0.1 only. Login: user ``admin``, password and enable
secret from ``HISOPS_LAB_SWITCH_PASSWORD`` (default ``hisops-lab``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
from collections.abc import Callable
from typing import Any

from fake_switches.cisco.command_processor.config import ConfigCommandProcessor
from fake_switches.switch_factory import SwitchFactory
from fake_switches.terminal.ssh import SwitchSSHShell
from fake_switches.transports.ssh_service import SwitchSshService
from twisted.internet import reactor

from lab.emulators import cisco_extras, h3c_comware, huawei_vrp

DEFAULT_PASSWORD = "hisops-lab"
USER = "admin"


def _do_end(self: ConfigCommandProcessor) -> None:
    """``end`` leaves configuration mode (missing from fake-switches)."""
    self.is_done = True


ConfigCommandProcessor.do_end = _do_end  # type: ignore[attr-defined]
# NTP, syslog, SNMP, banner, users, AAA, port security; IOS's "% Invalid input" error.
cisco_extras.install()

_shell_connection_made = SwitchSSHShell.connectionMade


def _coalescing_connection_made(self: SwitchSSHShell) -> None:
    """Buffer terminal writes and send them in one packet per reactor turn (order kept)."""
    raw_write = self.terminal.write
    pending: list[bytes] = []

    def flush() -> None:
        if pending:
            data = b"".join(pending)
            pending.clear()
            raw_write(data)

    def write(data: bytes) -> None:
        pending.append(data)
        if len(pending) == 1:
            reactor.callLater(0, flush)

    self.terminal.write = write
    _shell_connection_made(self)


SwitchSSHShell.connectionMade = _coalescing_connection_made  # type: ignore[method-assign]

# Extra switch models (e.g. the project's Huawei VRP / H3C Comware emulators) register a
# factory here: name -> callable(hostname, password) returning a switch core.
EXTRA_MODELS: dict[str, Callable[[str, str], Any]] = {
    "huawei_s5735_l24t4s": huawei_vrp.build,
    "h3c_s5130_28s": h3c_comware.build,
    # Ruijie RGOS is IOS-like: fake-switches' Cisco model, driven by netmiko's ruijie_os driver.
    "ruijie_s2928g": lambda hostname, password: _ruijie(hostname, password),
}


def _ruijie(hostname: str, password: str) -> Any:
    core = SwitchFactory().get("cisco_2960_24TT_L", hostname=hostname, password=password)
    core.switch_configuration.hisops_secret_type = "8"  # local users' secrets as type 8 hashes (cisco_extras)
    return core


def build_core(model: str, hostname: str, password: str) -> Any:
    if model in EXTRA_MODELS:
        return EXTRA_MODELS[model](hostname, password)
    return SwitchFactory().get(model, hostname=hostname, password=password)


def serve(specs: list[dict[str, Any]], password: str) -> None:
    for spec in specs:
        core = build_core(spec["model"], spec["name"], password)
        SwitchSshService(
            ip="127.0.0.1", port=int(spec["port"]), switch_core=core, users={USER: password.encode()}
        ).hook_to_reactor(reactor)
        logging.info("%s (%s) on 127.0.0.1:%s", spec["name"], spec["model"], spec["port"])
    signal.signal(signal.SIGTERM, lambda *_: reactor.callFromThread(reactor.stop))
    reactor.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="hisops emulated switches")
    parser.add_argument("--spec", help="JSON file: list of {name, port, model}")
    parser.add_argument("--count", type=int, default=0, help="start N generic switches (benchmarks)")
    parser.add_argument("--base-port", type=int, default=23000)
    parser.add_argument("--model", default="cisco_2960_24TT_L")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    specs: list[dict[str, Any]] = []
    if args.spec:
        with open(args.spec, encoding="utf-8") as fh:
            specs = json.load(fh)
    specs += [{"name": "bench-sw-%03d" % i, "port": args.base_port + i, "model": args.model} for i in range(args.count)]
    if not specs:
        parser.error("nothing to start: give --spec or --count")
    serve(specs, os.environ.get("HISOPS_LAB_SWITCH_PASSWORD", DEFAULT_PASSWORD))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
