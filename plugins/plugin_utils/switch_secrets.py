# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch secret versions in the results store: which version of which secret a run pushed to which switch.

The switch modules return, per switch, the hashed secrets a verified push set (``secret_versions``:
the masked line, a keyed fingerprint of the intended line, whether the stored hash was checked);
the recorder writes them here (table ``switch_secret_versions``, migration 6), beside the run that
pushed them. Never a secret: a row holds a masked line and a fingerprint, and a row whose text
still looks like it holds a secret is dropped.

Source of truth: the file ``<backup_dir>/<switch>/secret-versions.json`` (and its key
``.secret-version.key``), NOT the store. The engine decides what to push from that file and
from the switch's own stored hashes (Cisco / Ruijie), on the control node, in check mode too,
with or without a reachable store; the store is the history that audits and reports read
(when, by which run, which version). A store that cannot be written during a run loses the
history rows of that run (the recorder reports the error), never a decision: an enforce run
whose store is unwritable at its start changes nothing anyway (the recording check of
playbooks/validate_inventory.yml).
"""

from __future__ import annotations

import re
from typing import Any

TABLE = "switch_secret_versions"
RESULT_KEY = "secret_versions"  # the key of a switch module's result (module_utils/switchrun.py)
_VERSION = re.compile(r"^[0-9a-f]{8,64}$")
_MASKED = ("<hashed", "********")


def rows(host: str, result: dict[str, Any], recorded_at: str) -> list[dict[str, Any]]:
    """The rows of one switch's result (none when it pushed no secret or failed)."""
    if result.get("failed") or not isinstance(result.get(RESULT_KEY), list):
        return []
    out = []
    for item in result[RESULT_KEY]:
        if not isinstance(item, dict):
            continue
        secret, version = str(item.get("secret") or ""), str(item.get("version") or "")
        # a masked line and a fingerprint, or nothing: defence in depth against a module's bug
        if not any(m in secret for m in _MASKED) or not _VERSION.match(version):
            continue
        out.append(
            {
                "host": host,
                "secret": secret[:500],
                "version": version,
                "verified": 1 if item.get("verified") else 0,
                "recorded_at": recorded_at,
            }
        )
    return out


def history(store: Any, host: str | None = None, start: Any = None, end: Any = None) -> list[dict[str, Any]]:
    """Every recorded push of a secret version (of one switch, or all), oldest first, with its run."""
    if TABLE not in store.tables():
        return []
    records = store.records(TABLE, start, end)
    return [r for r in records if host is None or r["host"] == host]


def current(store: Any, host: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """The newest recorded version per (switch, secret): what the store says each switch last got."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in sorted(history(store, host), key=lambda r: (r["recorded_at"], r["id"])):
        latest[(row["host"], row["secret"])] = row
    return latest
