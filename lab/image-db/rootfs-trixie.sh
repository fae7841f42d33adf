#!/usr/bin/env bash
# Build the Debian 13 (trixie) root filesystem of the lab's database server (issue 15): the
# Debian 12 recipe (lab/image/rootfs.sh) with the suite changed, so both releases get the same
# clean-ups. Its tag follows both folders (lab/cli.py image_tag).
# Usage: rootfs-trixie.sh ROOTFS MIRROR
set -euo pipefail
recipe="$(dirname "$0")/../image/rootfs.sh"
pattern='^  bookworm "\$ROOTFS" "\$MIRROR"'
grep -q "$pattern" "$recipe" || { echo "rootfs-trixie.sh: $recipe no longer names its suite as expected" >&2; exit 1; }
sed "s/$pattern/  trixie \"\$ROOTFS\" \"\$MIRROR\"/" "$recipe" | bash -s -- "$@"
