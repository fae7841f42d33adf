"""Huawei VRP (S5735-L24T4S-like) emulator for hisops' tests: the VRP dialect of ``undo_cli``."""

from __future__ import annotations

from lab.emulators.undo_cli import Dialect, UndoCliSwitchCore, expand

PORTS = tuple(expand("GigabitEthernet0/0/1-24") + expand("XGigabitEthernet0/0/1-4"))

VERSION = """Huawei Versatile Routing Platform Software
VRP (R) software, Version 5.170 (S5735 V200R019C10SPC500)
Copyright (C) 2000-2020 HUAWEI TECH CO., LTD
HUAWEI S5735-L24T4S-A Routing Switch uptime is 0 week, 0 day, 1 hour, 2 minutes"""

DIALECT = Dialect(
    vendor="huawei_vrp",
    version_text=VERSION,
    ports=PORTS,
    access_cmd="port default vlan",
    trunk_cmd="port trunk allow-pass vlan",
    paging_cmds=("screen-length 0 temporary",),
    save_cmd="save",
    save_asks=True,
    err_prefix="Error: ",
    vlan_batch=True,
    show_link_access=True,
    global_prefixes=(
        "ntp-service unicast-server ",
        "info-center loghost ",
        "snmp-agent community ",
        "snmp-agent sys-info location ",
        "snmp-agent sys-info contact ",
        "header login information ",
        "header shell information ",
    ),
    single_prefixes=("snmp-agent sys-info location ", "snmp-agent sys-info contact ", "header login information "),
    port_prefixes=("port-security ",),
    port_single=("port-security max-mac-num ", "port-security protect-action "),
    extra={
        "software": "V200R019C10SPC500",
        "serial_display": "esn",
        "serial_prefix": "2102353169",
        "serial_text": "ESN of slot 0: {serial}",
    },
)


def build(hostname: str, password: str) -> UndoCliSwitchCore:
    return UndoCliSwitchCore(DIALECT, hostname)
