#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation of the PowerShell module hisops_antivirus_windows.ps1 (as Windows modules do).
from __future__ import annotations

DOCUMENTATION = r"""
---
module: hisops_antivirus_windows
short_description: Check and enforce HIM-7.7-antivirus with Microsoft Defender on Windows 10/11
description:
  - Reads C(Get-MpComputerStatus), C(Get-MpPreference) and C(Get-MpThreatDetection) in one round trip and
    returns the C(HIM-7.7-antivirus) record under C(hisops_controls). Evidence, the engine and product
    versions, the signature version, last update and age in hours, the service, antivirus and real-time
    protection flags, the last quick or full scan and unhandled detections.
  - The control fails when Defender or real-time protection is off, a preference of O(mechanism) differs,
    the signature source is not only the hospital's (C(SignatureFallbackOrder) = the file share or WSUS), the
    signatures are older than O(max_age_hours), no scan ran within O(scan_max_age_hours), or a detection
    was not handled.
  - With O(enforce=true) it sets the preferences and the source (C(Set-MpPreference)), updates when stale
    (C(Update-MpSignature -UpdateSource)), runs a quick scan when the last one is too old, and checks again.
version_added: "0.2.0"
author: hisops contributors (@hisops)
extends_documentation_fragment: [hisops.him.hisops_antivirus]
options:
  mechanism:
    description:
      - The Windows mechanism of the control (role antivirus, C(hisops_antivirus_windows_mechanism)),
        C(preferences) (Set-MpPreference names and values)
        and C(update_sources) (C(share) and C(wsus) mapped to Defender's source names).
    type: dict
    required: true
  update_source:
    description: Where signatures come from, C(share) (a UNC file share the mirror fills) or C(wsus).
    type: str
    choices: [share, wsus]
    default: share
  share:
    description: The UNC path of the signature share (required with O(update_source=share)).
    type: str
    default: ""
  max_age_hours:
    description: Signatures older than this fail the control.
    type: float
    default: 48
  scan_max_age_hours:
    description: No quick or full scan within this many hours fails the control.
    type: float
    default: 26
attributes:
  diff_mode: {support: partial, description: Shows the Defender preferences that would be set.}
notes:
  - Tested here by syntax and data only (no Windows host and no PowerShell in the lab); see
    docs/windows-acceptance.md for the acceptance on a real host.
  - This file holds the documentation; the module is hisops_antivirus_windows.ps1.
"""

EXAMPLES = r"""
- name: HIM-7.7 | AUDIT+ENFORCE | Defender running and current from the hospital's share
  hisops.him.hisops_antivirus_windows:
    mechanism: "{{ hisops_antivirus_windows_mechanism }}"
    update_source: share
    share: '\\nc-01\defender'
    max_age_hours: 48
    enforce: true
"""

RETURN = r"""
hisops_controls:
  description: The C(HIM-7.7-antivirus) record (see module_utils/results.py).
  returned: always
  type: list
  elements: dict
  sample:
    - id: HIM-7.7-antivirus
      status: fail
      severity: critical
      evidence: ["RealTimeProtectionEnabled: False", "signature age: 60.5 h, limit 48 h"]
      changes: ["Set-MpPreference -DisableRealtimeMonitoring False", "Update-MpSignature -UpdateSource FileShares"]
      message: "RealTimeProtectionEnabled is off; signatures 60.5 h old"
antivirus:
  description:
    - The facts of the verdict, in the shape of the Linux audit's (M(hisops.him.hisops_antivirus)), which
      the run recorder stores in the results store for the report's antivirus section.
    - C(protection_on) is true only when the service, the antivirus and real-time protection are all on.
    - C(detections) are those since the last scan began (found by it or by real-time protection since),
      so that a report counts each detection once; C(quarantined) is how many of them Defender handled.
    - C(last_scan.end) is the end of the newest quick or full scan, in seconds since the epoch.
  returned: when Defender could be read
  type: dict
  sample:
    engine: Defender 1.1.24090.11
    protection_on: false
    signature_age_hours: 60.5
    max_age_hours: 48.0
    signature_version: 1.419.262.0
    last_scan: {end: 1795989600}
    detections: ["file:_C:\\Users\\zhang\\Downloads\\eicar.com: threat 2147519003"]
    quarantined: 1
"""
