# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter for the antivirus role: validate a host's settings before any host is touched."""

from __future__ import annotations

from typing import Any

from ..module_utils.antivirus import settings_problems


def antivirus_problems(settings: Any, host: str) -> list[str]:
    return settings_problems(host, settings)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"hisops_antivirus_problems": antivirus_problems}
