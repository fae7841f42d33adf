"""H3C Comware 7 (S5130S-28S-like) emulator for hisops' tests: the Comware dialect of ``undo_cli``."""

from __future__ import annotations

from lab.emulators.undo_cli import Dialect, UndoCliSwitchCore, expand

PORTS = tuple(expand("GigabitEthernet1/0/1-24") + expand("Ten-GigabitEthernet1/0/25-28"))

VERSION = """H3C Comware Software, Version 7.1.070, Release 6126P20
Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.
H3C S5130S-28S-EI uptime is 0 weeks, 0 days, 1 hour, 2 minutes"""

DIALECT = Dialect(
    vendor="h3c_comware",
    version_text=VERSION,
    ports=PORTS,
    access_cmd="port access vlan",
    trunk_cmd="port trunk permit vlan",
    paging_cmds=("screen-length disable",),
    save_cmd="save force",
    save_asks=False,
    err_prefix="% ",
    vlan_batch=False,
    show_link_access=False,
    global_prefixes=(
        "ntp-service unicast-server ",
        "info-center loghost ",
        "snmp-agent community ",
        "snmp-agent sys-info location ",
        "snmp-agent sys-info contact ",
        "header motd ",
        "header login ",
        "port-security enable",
    ),
    single_prefixes=("snmp-agent sys-info location ", "snmp-agent sys-info contact ", "header motd ", "header login "),
    port_prefixes=("port-security ",),
    port_single=("port-security max-mac-count ",),
    extra={
        "software": "7.1.070, Release 6126P20",
        "serial_display": "device manuinfo",
        "serial_prefix": "219801A2YK",
        "serial_text": (
            "Slot 1 CPU 0:\nDEVICE_NAME          : S5130S-28S-EI\nDEVICE_SERIAL_NUMBER : {serial}\n"
            "MAC_ADDRESS          : 0CDA-41B5-8E60\nMANUFACTURING_DATE   : 2021-03-12\nVENDOR_NAME          : H3C"
        ),
    },
)


def build(hostname: str, password: str) -> UndoCliSwitchCore:
    return UndoCliSwitchCore(DIALECT, hostname)
