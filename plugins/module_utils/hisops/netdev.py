# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch connections for hisops modules (netmiko on the control node).

Every switch module takes the same connection options (CONNECTION_SPEC) and opens the
device through ``connect()``, which maps hisops vendor names to netmiko device types and
turns netmiko's exceptions into one-line messages a technician can act on.
"""

from __future__ import annotations

from typing import Any


# hisops vendor name -> netmiko device_type
VENDORS: dict[str, str] = {
    "cisco_ios": "cisco_ios",
    "ruijie_os": "ruijie_os",
    "huawei_vrp": "huawei",
    "h3c_comware": "hp_comware",
}

# Commands that show the software version, per vendor.
SHOW_VERSION: dict[str, str] = {
    "cisco_ios": "show version",
    "ruijie_os": "show version",
    "huawei_vrp": "display version",
    "h3c_comware": "display version",
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
}


class SwitchConnectionError(Exception):
    """The switch could not be reached or refused the login."""


def connection_params(params: dict[str, Any]) -> dict[str, Any]:
    """netmiko ConnectHandler arguments from module parameters (no secrets logged)."""
    return {
        "device_type": VENDORS[params["vendor"]],
        "host": params["host"],
        "port": params["port"],
        "username": params["username"],
        "password": params["password"],
        "secret": params.get("secret") or "",
        "conn_timeout": params["conn_timeout"],
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
        from netmiko import ConnectHandler
        from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
    except ImportError as exc:  # pragma: no cover - depends on the controller's venv
        raise SwitchConnectionError(
            "netmiko is not installed on the control node: run ./hisops setup (%s)" % exc
        ) from exc
    where = "%s:%s" % (params["host"], params["port"])
    try:
        conn = ConnectHandler(**connection_params(params))
        if params.get("secret") and params["vendor"] in ("cisco_ios", "ruijie_os"):
            conn.enable()
        return conn
    except NetmikoAuthenticationException:
        raise SwitchConnectionError(
            "login to switch %s refused: check hisops_switch_username and the vaulted password" % where
        ) from None
    except NetmikoTimeoutException:
        raise SwitchConnectionError(
            "switch %s did not answer SSH within %ss: check it is on and reachable" % (where, params["conn_timeout"])
        ) from None
    except (OSError, EOFError) as exc:
        raise SwitchConnectionError("cannot reach switch %s: %s" % (where, exc)) from exc
