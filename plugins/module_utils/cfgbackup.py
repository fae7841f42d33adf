# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch configuration backups on the control node, with history (rulebook 三.7).

Layout: ``<backup_dir>/<switch>/<UTC timestamp>.cfg``, e.g.
``backups/switches/sw-core-01/20261125T231502.123456Z.cfg``. The newest ``keep`` versions
are kept. A backup is written to a temporary file in the same folder, flushed to disk and
renamed into place, so a crash never leaves a half-written backup and never loses the
previous one. Files are readable by their owner only, and the switch modules write them
redacted (``switchcfg.mask_secrets``: passwords, hashes and SNMP communities become
``********``); the secrets live in Vault only, and a restore leaves a switch's secrets as
they are.

Lines a switch changes by itself (IOS's ``! NVRAM config last updated at ...`` after every
save, ``! Last configuration change at ...``, ``ntp clock-period``) are not a new version:
as Oxidized does, ``write_backup`` compares without them (``volatile``), so the history
only grows when the configuration did.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import secrets
import tempfile
from typing import Any


SUFFIX = ".cfg"
NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z\.cfg$")
SAFE_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class BackupError(Exception):
    """A backup could not be written or found."""


def switch_dir(backup_dir: str, switch: str) -> str:
    if not SAFE_HOST.match(switch):
        raise BackupError("switch name %r cannot be used as a backup folder name" % switch)
    return os.path.join(backup_dir, switch)


def list_backups(backup_dir: str, switch: str) -> list[str]:
    """Backup file names of one switch, oldest first."""
    folder = switch_dir(backup_dir, switch)
    if not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if NAME.match(n))


def _timestamp(now: datetime.datetime | None = None) -> str:
    now = now or datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y%m%dT%H%M%S.%fZ")


def read_backup(backup_dir: str, switch: str, version: str) -> tuple[str, str]:
    """(file name, text) of a backup chosen by name, ``latest``, or ``-N`` (N versions back).

    ``-1`` is the newest version, ``-2`` the one before it, and so on.
    """
    names = list_backups(backup_dir, switch)
    if not names:
        raise BackupError("switch %s has no configuration backup in %s" % (switch, backup_dir))
    if version == "latest":
        name = names[-1]
    elif re.match(r"^-\d+$", version):
        idx = int(version)
        if -idx > len(names):
            raise BackupError("switch %s has only %d backups, cannot go back %d versions" % (switch, len(names), -idx))
        name = names[idx]
    else:
        name = version if version.endswith(SUFFIX) else version + SUFFIX
        if name not in names:
            raise BackupError("switch %s has no backup %s (have: %s)" % (switch, name, ", ".join(names[-5:])))
    with open(os.path.join(switch_dir(backup_dir, switch), name), encoding="utf-8") as fh:
        return name, fh.read()


def _stable(text: str, volatile: re.Pattern[str] | None) -> str:
    """The text without the lines a switch rewrites by itself (timestamps)."""
    if volatile is None:
        return text
    return "\n".join(line for line in text.split("\n") if not volatile.match(line))


def same_version(one: str, other: str, volatile: re.Pattern[str] | None) -> bool:
    """Whether two configuration texts are the same version (volatile lines left out)."""
    return _stable(one, volatile) == _stable(other, volatile)


def write_backup(
    backup_dir: str,
    switch: str,
    text: str,
    keep: int,
    now: datetime.datetime | None = None,
    volatile: re.Pattern[str] | None = None,
) -> tuple[str, bool]:
    """Store ``text`` as the newest backup unless it equals the newest one.

    Lines matching ``volatile`` are left out of the comparison (not out of the file).
    Returns (path of the newest backup, True when a new file was written). Prunes to
    ``keep`` versions, oldest first.
    """
    if keep < 1:
        raise BackupError("backup_keep must be at least 1 (got %d)" % keep)
    folder = switch_dir(backup_dir, switch)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    names = list_backups(backup_dir, switch)
    if names:
        with open(os.path.join(folder, names[-1]), encoding="utf-8") as fh:
            if same_version(fh.read(), text, volatile):
                return os.path.join(folder, names[-1]), False
    name = _timestamp(now) + SUFFIX
    if names and name <= names[-1]:
        raise BackupError("clock went backwards: newest backup of %s is %s" % (switch, names[-1]))
    _write_private(os.path.join(folder, name), text.encode("utf-8"))
    for old in ([*names, name])[:-keep]:
        os.unlink(os.path.join(folder, old))
    return os.path.join(folder, name), True


# ------------------------------------------------------------------ secret versions -----
# Which version of each hashed secret (local-user passwords, Huawei/H3C SNMP communities)
# hisops last pushed to a switch: keyed fingerprints only (switchcfg.SecretVersions), kept
# beside the switch's backups, readable by the owner only. The key is one per backup folder.
VERSIONS_FILE = "secret-versions.json"
KEY_FILE = ".secret-version.key"


def _write_private(path: str, data: bytes) -> None:
    """Write a file readable by its owner only, atomically."""
    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def has_version_key(backup_dir: str) -> bool:
    return os.path.exists(os.path.join(backup_dir, KEY_FILE))


def version_key(backup_dir: str) -> bytes:
    """The control node's key for secret fingerprints (created on first use, 0600)."""
    path = os.path.join(backup_dir, KEY_FILE)
    if not os.path.exists(path):
        os.makedirs(backup_dir, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-key-", dir=backup_dir)  # created 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
            with contextlib.suppress(FileExistsError):  # another switch of the run made it first
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    with open(path, "rb") as fh:
        key = fh.read()
    if len(key) != 32:
        raise BackupError("the secret version key %s is damaged: remove it (every secret is then pushed once)" % path)
    return key


def read_versions(backup_dir: str, switch: str) -> dict[str, Any]:
    """The recorded secret versions of one switch ({} when none: every secret is pushed once)."""
    path = os.path.join(switch_dir(backup_dir, switch), VERSIONS_FILE)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise BackupError("cannot read %s: %s" % (path, exc)) from exc
    return data if isinstance(data, dict) else {}


def write_versions(backup_dir: str, switch: str, records: dict[str, Any]) -> None:
    path = os.path.join(switch_dir(backup_dir, switch), VERSIONS_FILE)
    _write_private(path, json.dumps(records, indent=1, sort_keys=True).encode("utf-8"))
