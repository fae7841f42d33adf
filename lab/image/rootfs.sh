#!/usr/bin/env bash
# Build the lab's Debian 12 root filesystem with debootstrap (recipe of the lab image).
# Usage: rootfs.sh ROOTFS MIRROR
# Changing this file (or Containerfile.db) changes the image tag, so `lab up` rebuilds.
set -euo pipefail
ROOTFS="$1"; MIRROR="$2"
debootstrap --variant=minbase \
  --include=python3,python3-apt,openssh-server,sudo,cron,systemd,systemd-sysv,dbus,iproute2,iputils-ping,procps,ca-certificates,dconf-cli,libpam-modules,kmod,less \
  bookworm "$ROOTFS" "$MIRROR" >"${ROOTFS}.log" 2>&1 || { tail -n 15 "${ROOTFS}.log" >&2; exit 1; }
# systemd in a container: no machine-id (generated at boot), no getty, no clock setters.
: >"$ROOTFS/etc/machine-id"
rm -f "$ROOTFS/var/lib/dbus/machine-id"
# poweroff.target is masked too: a policy that schedules a shutdown (rulebook 六.5) must not
# stop a lab container in the middle of a test run; the timer itself stays real.
chroot "$ROOTFS" systemctl mask getty@tty1.service systemd-timesyncd.service poweroff.target \
  systemd-udevd.service systemd-udevd-kernel.socket systemd-udevd-control.socket >/dev/null 2>&1 || true
# sshd: key-only root login for the controller; host keys are made at first boot.
sed -i 's/^#\?PermitRootLogin.*/PermitRootLogin prohibit-password/' "$ROOTFS/etc/ssh/sshd_config"
sed -i 's/^#\?UseDNS.*/UseDNS no/' "$ROOTFS/etc/ssh/sshd_config"
rm -f "$ROOTFS"/etc/ssh/ssh_host_*
mkdir -p "$ROOTFS/etc/systemd/system/ssh.service.d"
cat >"$ROOTFS/etc/systemd/system/ssh.service.d/hostkeys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
install -d -m 700 "$ROOTFS/root/.ssh"
# apt: empty lists, backdated, so that `apt: update_cache/cache_valid_time` really updates.
apt_conf="$ROOTFS/etc/apt/apt.conf.d/99hisops-lab"
echo 'APT::Install-Recommends "false";' >"$apt_conf"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
touch -d 2000-01-01 "$ROOTFS/var/lib/apt/lists"
