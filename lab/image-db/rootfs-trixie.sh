#!/usr/bin/env bash
# Build a Debian 13 (trixie) root filesystem with debootstrap for the lab's database server
# (issue 15). The same clean-ups as lab/image/rootfs.sh (Debian 12), for trixie; when the lead
# merges both into one script with a suite argument, the lab image tag changes once.
# Usage: rootfs-trixie.sh ROOTFS MIRROR
set -euo pipefail
ROOTFS="$1"; MIRROR="$2"
debootstrap --variant=minbase \
  --include=python3,python3-apt,openssh-server,sudo,cron,systemd,systemd-sysv,dbus,iproute2,iputils-ping,procps,ca-certificates,kmod,less \
  trixie "$ROOTFS" "$MIRROR" >"${ROOTFS}.log" 2>&1 || { tail -n 15 "${ROOTFS}.log" >&2; exit 1; }
: >"$ROOTFS/etc/machine-id"
rm -f "$ROOTFS/var/lib/dbus/machine-id"
chroot "$ROOTFS" systemctl mask getty@tty1.service systemd-timesyncd.service poweroff.target \
  systemd-udevd.service systemd-udevd-kernel.socket systemd-udevd-control.socket >/dev/null 2>&1 || true
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
echo 'APT::Install-Recommends "false";' >"$ROOTFS/etc/apt/apt.conf.d/99hisops-lab"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
touch -d 2000-01-01 "$ROOTFS/var/lib/apt/lists"
