# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access to a Linux workstation for the workstation checks: files (relative to ``Host.root``, so
the unit tests run the checks against a planted tree), dpkg's database, and commands.

An audit only reads files (no command), which keeps it fast; fixes write atomically and run
commands through the module's runner. Target-side code: Python 3.8+, standard library only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable


class FixError(Exception):
    """A fix could not be applied (the message is for the technician)."""


class Host:
    """File and command access to the target host, rooted at ``root``."""

    def __init__(self, runner: Callable[[list[str]], tuple[int, str, str]], root: str = "/") -> None:
        self.root = root
        self.runner = runner
        self._packages: dict[str, dict[str, str]] | None = None
        self.protected_cache: dict[str, set[str]] = {}  # protected_packages per spec, until packages change

    def path(self, path: str) -> str:
        return os.path.join(self.root, path.lstrip("/"))

    def exists(self, path: str) -> bool:
        return os.path.lexists(self.path(path))

    def read(self, path: str) -> str | None:
        try:
            with open(self.path(path), encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def listdir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(self.path(path)))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def walk_files(self, path: str) -> list[str]:
        """Every non-directory entry below ``path`` (host paths, sorted)."""
        found = []
        for dirpath, _dirs, files in os.walk(self.path(path)):
            for name in files:
                rel = os.path.relpath(os.path.join(dirpath, name), self.root)
                found.append("/" + rel)
        return sorted(found)

    def write(self, path: str, content: str, mode: int = 0o644) -> None:
        """Write atomically (temp file in the same directory, then rename)."""
        target = self.path(path)
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".hisops-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(content)
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def remove(self, path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path(path))

    def symlink(self, target: str, link: str) -> None:
        os.makedirs(os.path.dirname(self.path(link)), exist_ok=True)
        self.remove(link)
        os.symlink(target, self.path(link))

    def run(self, argv: list[str]) -> str:
        rc, out, err = self.runner(argv)
        if rc != 0:
            raise FixError("command '%s' failed (rc=%d): %s" % (" ".join(argv), rc, (err or out).strip()[-400:]))
        return out

    def mtime(self, path: str) -> float:
        try:
            return os.lstat(self.path(path)).st_mtime
        except FileNotFoundError:
            return 0.0

    # ---- dpkg -----------------------------------------------------------------------
    def packages(self) -> dict[str, dict[str, str]]:
        """Installed packages from dpkg's status file: name -> fields (Priority, Section, auto)."""
        if self._packages is None:
            self._packages = self._read_packages()
        return self._packages

    def forget_packages(self) -> None:
        self._packages = None
        self.protected_cache = {}

    def _read_packages(self) -> dict[str, dict[str, str]]:
        auto = set()
        for stanza in stanzas(self.read("/var/lib/apt/extended_states") or ""):
            if stanza.get("Auto-Installed") == "1":
                auto.add(stanza.get("Package", ""))
        installed = {}
        for stanza in stanzas(self.read("/var/lib/dpkg/status") or ""):
            status = stanza.get("Status", "").split()
            if len(status) == 3 and status[2] in ("installed", "half-configured", "unpacked"):
                name = stanza.get("Package", "")
                stanza["auto"] = "1" if name in auto else "0"
                installed[name] = stanza
        return installed

    def package_files(self, name: str, arch: str = "") -> list[str]:
        for candidate in (name, "%s:%s" % (name, arch) if arch else None):
            if candidate is None:
                continue
            text = self.read("/var/lib/dpkg/info/%s.list" % candidate)
            if text is not None:
                return [line for line in text.splitlines() if line]
        return []


def stanzas(text: str) -> list[dict[str, str]]:
    """Parse a deb822 file (dpkg status, apt extended_states) into mappings (first line of each field)."""
    out: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                out.append(current)
            current = {}
        elif not line[0].isspace() and ":" in line:
            key, _, value = line.partition(":")
            current[key] = value.strip()
    if current:
        out.append(current)
    return out
