# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How hisops switch modules reach a switch (netmiko on the control node)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  host:
    description: Address of the switch.
    type: str
    required: true
  port:
    description: SSH port.
    type: int
    default: 22
  vendor:
    description: Switch operating system.
    type: str
    required: true
    choices:
    - cisco_ios
    - h3c_comware
    - huawei_vrp
    - ruijie_os
  username:
    description: Login user.
    type: str
    required: true
  password:
    description: Login password (keep it in Ansible Vault).
    type: str
    required: true
  secret:
    description: Enable secret (Cisco IOS, Ruijie).
    type: str
    default: ''
  conn_timeout:
    description: Seconds to wait for the SSH connection.
    type: float
    default: 10
  command_timeout:
    description: Seconds to wait for a command's output.
    type: float
    default: 30
  known_hosts:
    description:
      - Known-hosts file (OpenSSH format) of the switches' SSH host keys. A switch's key is
        learnt the first time and checked on every later connection; a changed key fails
        with an error naming the switch.
      - Empty turns host-key checking off (not recommended).
    type: path
    default: ''
"""
