"""Faults of the department password store (HIM-7.2), shared by the component and lab tests: a
command run with the store directory read-only (a read-only bind mount) or on a full disk (a
256 KiB tmpfs over it, filled up), in a private mount namespace (``unshare --mount``, as root):
nothing outside the command sees the mounts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SETUPS = {
    "read_only": 'mount --bind "$S" "$S"; mount -o remount,bind,ro "$S"',
    "full_disk": (
        'cp -a "$S/." "$S.saved"; mount -t tmpfs -o size=256k,mode=0700 tmpfs "$S"; cp -a "$S.saved/." "$S/"; '
        'rm -rf "$S.saved"; dd if=/dev/zero of="$S/.filler" bs=4k 2>/dev/null || true; '
        'test "$(df --output=avail "$S" | tail -1)" -eq 0'
    ),
}
# at exit, inside the namespace: the store as the command left it, seen through the mounts
KEEP_AFTER = 'trap \'mkdir "$S.after"; cp -a "$S/." "$S.after/"\' EXIT'


def in_namespace(store_dir: Path, setup: str, command: Sequence[str], keep_after: bool = False) -> list[str]:
    """``command`` run after the shell ``setup`` ($S: the store directory) in a mount namespace of its own."""
    steps = "; ".join(s for s in (setup, KEEP_AFTER if keep_after else "") if s) or ":"
    script = 'S="$1"; shift; set -e; %s\nset +e; "$@"' % steps
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(store_dir), *command]
