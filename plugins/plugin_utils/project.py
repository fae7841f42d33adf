"""The project directory: where a run's relative paths (results store, reports, backups,
evidence, the control catalog in group_vars) are, whether the collection is this repository
or an installed artifact (another control node, an execution environment, AWX).

It is the directory of the project's Ansible configuration (``ANSIBLE_CONFIG``, else an
``ansible.cfg`` in the current directory: the one Ansible resolves ansible.cfg's own relative
paths from), else the current directory (AWX and ansible-runner start jobs in the project).
Never the collection's own directory: an installed collection is shared and may be read-only.
"""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_ENV = "ANSIBLE_CONFIG"
COLLECTION_ROOT = Path(__file__).resolve().parents[2]


def project_dir() -> Path:
    """The project directory (see the module's documentation)."""
    configured = os.environ.get(CONFIG_ENV, "")
    if configured:
        config = Path(configured).expanduser()
        return (config if config.is_dir() else config.parent).resolve()
    return Path.cwd().resolve()


def project_path(path: str | os.PathLike[str]) -> Path:
    """A path relative to the project directory (an absolute path is kept)."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else project_dir() / path


def project_relative(path: str) -> str:
    """A path relative to the project directory when it is inside it (no machine paths in
    reports); an inline host list (``a,b``) or a path elsewhere is kept."""
    if not path or "," in path:
        return path
    try:
        return str(Path(path).resolve().relative_to(project_dir()))
    except ValueError:
        return path
