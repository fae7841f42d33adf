# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options shared by the Linux (ClamAV) and Windows (Defender) HIM-7.7-antivirus modules."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  enforce:
    description: Fix what is wrong (never in check mode).
    type: bool
    default: false
  severity:
    description: Severity of the control (from the catalog).
    type: str
    choices: [low, medium, high, critical]
    default: critical
attributes:
  check_mode: {support: full, description: Reports what enforcement would change; changes nothing.}
"""
