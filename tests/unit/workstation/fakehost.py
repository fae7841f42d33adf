"""A planted Debian host tree and a command runner that acts on it like the real commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BASE_PACKAGES = {
    "bash": {"Priority": "required", "Section": "shells", "files": ["/bin/bash"]},
    "sudo": {"Priority": "optional", "Section": "admin", "files": ["/usr/bin/sudo"]},
    "python3": {"Priority": "optional", "Section": "python", "files": ["/usr/bin/python3"]},
    "libfoo1": {"Priority": "optional", "Section": "libs", "files": ["/usr/lib/x86_64-linux-gnu/libfoo.so.1"]},
}
# the approved apt mirrors of the tests' policy; the base tree's sources name them
MIRRORS = ["http://mirror.hospital.example/debian", "http://mirror.hospital.example/debian-security"]
BASE_FILES = {
    "/etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
    "/etc/apt/sources.list": (
        "deb http://mirror.hospital.example/debian bookworm main\n"
        "deb http://mirror.hospital.example/debian-security bookworm-security main\n"
    ),
    "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    "/etc/group": "root:x:0:\nsudo:x:27:\nmz_staff:x:1500:\n",
    "/etc/pam.d/sshd": "@include common-auth\n@include common-account\n",
    "/etc/pam.d/login": "@include common-auth\n@include common-account\n",
    "/usr/bin/dconf": "#!/bin/sh\n",
    "/etc/sudoers": (
        "Defaults env_reset\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n"
    ),
    "/etc/pam.d/su": (
        "auth       sufficient pam_rootok.so\n# auth       required   pam_wheel.so\n@include common-auth\n"
    ),
    "/etc/pam.d/common-auth": "auth [success=1 default=ignore] pam_unix.so nullok\n",
    "/etc/pam.d/sudo": "@include common-auth\n@include common-account\n",
}
# what the fake "apt-get install" puts on the host
INSTALLABLE = {
    "polkitd": ["/usr/lib/polkit-1/polkitd"],
    "dconf-cli": ["/usr/bin/dconf"],
    "unattended-upgrades": ["/usr/bin/unattended-upgrade"],
}


def status_stanza(name: str, fields: dict[str, Any]) -> str:
    extra = "".join(
        "%s: %s\n" % (k, fields[k]) for k in ("Depends", "Pre-Depends", "Provides", "Essential") if k in fields
    )
    return (
        "Package: %s\nStatus: install ok installed\nPriority: %s\nSection: %s\nArchitecture: amd64\nVersion: %s\n%s\n"
        % (name, fields.get("Priority", "optional"), fields.get("Section", "misc"), fields.get("Version", "1.0"), extra)
    )


def plant(root: Path, packages: dict[str, dict[str, Any]], files: dict[str, str], auto: list[str]) -> None:
    """Write the base tree plus the case's packages and files under ``root``."""
    allpkgs = {**BASE_PACKAGES, **packages}
    write(root, "/var/lib/dpkg/status", "".join(status_stanza(n, f) for n, f in allpkgs.items()))
    for name, fields in allpkgs.items():
        write(root, "/var/lib/dpkg/info/%s.list" % name, "".join("%s\n" % f for f in fields.get("files", [])))
        for f in fields.get("files", []):
            write(root, f, "#!/bin/sh\n")
    write(root, "/var/lib/apt/extended_states", "".join("Package: %s\nAuto-Installed: 1\n\n" % a for a in auto))
    for path, content in {**BASE_FILES, **files}.items():
        write(root, path, content)


def write(root: Path, path: str, content: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content, encoding="utf-8")


class FakeRunner:
    """Runs apt-get purge, gpasswd -d, dconf update and systemctl against the planted tree."""

    def __init__(self, root: Path, fail: tuple[str, ...] = ()) -> None:
        self.root = root
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, argv: list[str]) -> tuple[int, str, str]:
        self.calls.append(argv)
        if argv[0] in self.fail:
            return 100, "", "%s: simulated failure" % argv[0]
        handler = getattr(self, "_" + argv[0].replace("-", "_"), None)
        if handler is None:
            return 127, "", "unexpected command %s" % argv
        return handler(argv[1:])

    def _apt_get(self, args: list[str]) -> tuple[int, str, str]:
        names = [a for a in args if not a.startswith("-") and a not in ("purge", "install", "update")]
        if args[0] == "-s":
            # apt removes the reverse dependencies of what it purges too
            return 0, "".join("Remv %s [1.0]\n" % n for n in sorted(self._with_dependents(set(names)))), ""
        if args[0] == "install":
            status = self.root / "var/lib/dpkg/status"
            for name in names:
                files = INSTALLABLE.get(name, [])
                status.write_text(status.read_text() + status_stanza(name, {}))
                write(self.root, "/var/lib/dpkg/info/%s.list" % name, "".join("%s\n" % f for f in files))
                for f in files:
                    write(self.root, f, "#!/bin/sh\n")
        if args[0] == "purge":
            status = (self.root / "var/lib/dpkg/status").read_text()
            stanzas = [s for s in status.split("\n\n") if s.strip()]
            kept = [s for s in stanzas if s.splitlines()[0].split(": ")[1] not in names]
            (self.root / "var/lib/dpkg/status").write_text("".join(s + "\n\n" for s in kept))
            for name in names:
                listing = self.root / ("var/lib/dpkg/info/%s.list" % name)
                for f in listing.read_text().split():
                    (self.root / f.lstrip("/")).unlink(missing_ok=True)
                listing.unlink()
        return 0, "", ""

    def _with_dependents(self, names: set[str]) -> set[str]:
        depends = {}
        for stanza in (self.root / "var/lib/dpkg/status").read_text().split("\n\n"):
            fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line)
            if "Package" in fields:
                deps = fields.get("Depends", "").replace("|", ",").split(",")
                depends[fields["Package"]] = {d.strip().split(" ")[0] for d in deps if d.strip()}
        removed = set(names)
        while True:
            more = {p for p, deps in depends.items() if deps & removed} - removed
            if not more:
                return removed
            removed |= more

    def _groupadd(self, args: list[str]) -> tuple[int, str, str]:
        path = self.root / "etc/group"
        gids = [int(line.split(":")[2]) for line in path.read_text().splitlines() if line.count(":") >= 3]
        path.write_text(path.read_text() + "%s:x:%d:\n" % (args[-1], max([*gids, 2000]) + 1))
        return 0, "", ""

    def _usermod(self, args: list[str]) -> tuple[int, str, str]:
        group, user = args[1], args[2]
        gid = next(
            line.split(":")[2]
            for line in (self.root / "etc/group").read_text().splitlines()
            if line.split(":")[0] == group
        )
        path = self.root / "etc/passwd"
        lines = []
        for line in path.read_text().splitlines():
            parts = line.split(":")
            if parts[0] == user:
                parts[3] = gid
            lines.append(":".join(parts))
        path.write_text("\n".join(lines) + "\n")
        return 0, "", ""

    def _visudo(self, args: list[str]) -> tuple[int, str, str]:
        return 0, "", ""

    def _unattended_upgrade(self, args: list[str]) -> tuple[int, str, str]:
        return 0, "", ""

    def _sshd(self, args: list[str]) -> tuple[int, str, str]:
        return 0, "", ""

    def _gpasswd(self, args: list[str]) -> tuple[int, str, str]:
        user, group = args[1], args[2]
        path = self.root / "etc/group"
        lines = []
        for line in path.read_text().splitlines():
            parts = line.split(":")
            if parts[0] == group:
                parts[3] = ",".join(m for m in parts[3].split(",") if m and m != user)
            lines.append(":".join(parts))
        path.write_text("\n".join(lines) + "\n")
        return 0, "", ""

    def _dconf(self, args: list[str]) -> tuple[int, str, str]:
        compiled = self.root / "etc/dconf/db/local"
        compiled.write_text("compiled\n")
        os.utime(compiled)
        return 0, "", ""

    def _systemctl(self, args: list[str]) -> tuple[int, str, str]:
        wants = self.root / "etc/systemd/system/timers.target.wants"
        if args[0] == "enable":
            wants.mkdir(parents=True, exist_ok=True)
            for unit in [a for a in args[1:] if not a.startswith("-")]:
                link = wants / unit
                if not link.is_symlink():
                    link.symlink_to("/etc/systemd/system/" + unit)
        elif args[0] == "disable":
            (wants / args[-1]).unlink(missing_ok=True)
        return 0, "", ""
