"""Where the results store is: the ``HISOPS_STORE`` setting turned into a ``Location``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .base import StoreError

ENV_VAR = "HISOPS_STORE"
PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_PATH = PROJECT_ROOT / "results" / "hisops.sqlite"


@dataclass(frozen=True)
class Location:
    """Where the store is: kind ``sqlite`` (target = file path) or ``postgresql`` (target = DSN)."""

    kind: str
    target: str

    @property
    def display(self) -> str:
        """The location for messages and reports, without a password."""
        if self.kind == "sqlite":
            return self.target
        parts = urlsplit(self.target)
        if parts.password:
            netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
            return urlunsplit(parts._replace(netloc=netloc))
        return self.target


def resolve_location(location: str | os.PathLike[str] | None = None) -> Location:
    """Turn the store setting (argument, else $HISOPS_STORE, else the default) into a Location."""
    raw = str(location) if location not in (None, "") else os.environ.get(ENV_VAR, "")
    if not raw:
        return Location("sqlite", str(DEFAULT_PATH))
    if "://" in raw:
        scheme = raw.split("://", 1)[0].lower()
        if scheme in ("postgresql", "postgres"):
            return Location("postgresql", raw)
        if scheme == "sqlite":
            rest = raw.split("://", 1)[1]
            path = rest[1:] if rest.startswith("/") else rest  # sqlite:///rel, sqlite:////abs
            if not path:
                raise StoreError("results store %r has no file path: use sqlite:///PATH" % raw)
            return Location("sqlite", str(_project_path(path)))
        raise StoreError(
            "unknown results store scheme %r in %s: use a file path, sqlite:///PATH or postgresql://USER@HOST/DB"
            % (scheme + "://", ENV_VAR)
        )
    return Location("sqlite", str(_project_path(raw)))


def _project_path(raw: str) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path
