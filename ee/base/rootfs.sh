#!/usr/bin/env bash
# Build the root filesystem of the execution environment's base image: Debian 13 (trixie),
# whose Python 3.13 ansible-core 2.21 supports as a controller. No container registry is
# reachable, so the base is made here with debootstrap, as the lab image is (lab/image).
# Usage: rootfs.sh ROOTFS MIRROR
# The execution environment's Python is a venv on Debian's Python 3.13, /opt/ee-python: Debian
# disables ensurepip and pip for its system Python (PEP 668), ansible-builder needs both.
# Changing this folder changes the base image tag, so `python -m lab ee` rebuilds it.
set -euo pipefail
ROOTFS="$1"; MIRROR="$2"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  trixie "$ROOTFS" "$MIRROR" >"${ROOTFS}.log" 2>&1 || { tail -n 15 "${ROOTFS}.log" >&2; exit 1; }
: >"$ROOTFS/etc/machine-id"
chroot "$ROOTFS" python3 -m venv /opt/ee-python
# ansible-builder drives the package manager as `$PKGMGR install -y PKGS` and
# `$PKGMGR clean all` (dnf's syntax): this adapter gives it apt-get, with fresh lists.
cat >"$ROOTFS/usr/local/sbin/ee-apt" <<'ADAPTER'
#!/bin/sh
# apt-get behind ansible-builder's dnf-style calls (hisops execution environment).
set -e
case "$1" in
  install) shift; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -qq --no-install-recommends "$@" ;;
  clean) apt-get clean; rm -rf /var/lib/apt/lists/* ;;
  *) exec apt-get "$@" ;;
esac
ADAPTER
chmod 755 "$ROOTFS/usr/local/sbin/ee-apt"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
