# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the paths of a run: the project's (results, reports, backups) and the collection's own files."""

from __future__ import annotations

from typing import Any

from ..plugin_utils.project import COLLECTION_ROOT, project_path


def hisops_project_path(path: str) -> str:
    """PATH relative to the project directory (plugin_utils.project)."""
    return str(project_path(path))


def hisops_collection_path(path: str) -> str:
    """PATH inside the hisops.him collection, wherever it is installed."""
    return str(COLLECTION_ROOT / path)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"hisops_project_path": hisops_project_path, "hisops_collection_path": hisops_collection_path}
