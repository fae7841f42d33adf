"""Verify the workstation policy on the hosts themselves (not by reading the module's answer)."""

from __future__ import annotations

import pytest

SSH = "ssh -i /root/.ssh/wsp_test -o BatchMode=yes -o StrictHostKeyChecking=no -o ConnectTimeout=5 {}@127.0.0.1 true"


def test_game_package_removed_and_pinned_out(host) -> None:
    assert not host.package("sl").is_installed
    assert not host.file("/usr/games/sl").exists
    # the package is in the apt lists (prepare updated them) but pinned out
    policy = host.run("apt-cache policy sl").stdout
    assert "Candidate: (none)" in policy and "-1" in policy


def test_game_desktop_entry_removed(host) -> None:
    assert not host.file("/usr/share/applications/hisops-test-mines.desktop").exists
    out = host.run("grep -rls '^Categories=.*Game' /usr/share/applications /usr/local/share/applications")
    assert out.stdout.strip() == ""


def test_unapproved_software_kept_unless_department_opted_in(host) -> None:
    opted_in = host.backend.get_hostname() == "wsp-b"
    assert host.package("tree").is_installed is not opted_in


def test_usb_storage_cannot_load(host) -> None:
    # the effective kmod configuration (kmod spells module names with _)
    config = host.run("modprobe --showconfig").stdout.splitlines()
    for line in ("blacklist usb_storage", "install usb_storage /bin/false", "blacklist uas", "install uas /bin/false"):
        assert line in config


def test_screen_lock_value_and_lock_in_compiled_db(host) -> None:
    env = "export DCONF_PROFILE=/etc/dconf/profile/user XDG_CONFIG_HOME=/tmp/wsp-dconf-test; "
    out = host.run(
        env + "dconf read /org/gnome/desktop/screensaver/lock-enabled; dconf read /org/gnome/desktop/session/idle-delay"
    ).stdout.split()
    # the value from hisops' keyfile wins over the site's planted one
    assert out == ["true", "uint32", "300"]
    # and a user cannot change it: dconf refuses to write a locked key
    write = host.run(env + "dconf write /org/gnome/desktop/screensaver/lock-enabled false")
    assert write.rc != 0 and "non-writable" in write.stderr


def test_settings_polkit_rule(host) -> None:
    rule = host.file("/etc/polkit-1/rules.d/49-hisops-settings.rules")
    assert rule.exists and rule.mode == 0o644
    assert "polkit.Result.NO" in rule.content_string


def test_gamer_is_no_longer_an_administrator(host) -> None:
    assert "sudo" not in host.user("gamer").groups
    members = host.run("getent group sudo").stdout.strip().split(":")[3]
    assert "gamer" not in members.split(",")


@pytest.mark.parametrize(("user", "allowed"), [("nurse", True), ("gamer", False)])
def test_login_limited_to_the_department(host, user: str, allowed: bool) -> None:
    rc = host.run(SSH.format(user)).rc
    assert (rc == 0) is allowed


def test_shutdown_timer_only_on_office_pc(host) -> None:
    clinical = host.backend.get_hostname() == "wsp-b"
    timer = host.file("/etc/systemd/system/hisops-shutdown.timer")
    if clinical:
        assert not timer.exists
    else:
        assert "OnCalendar=*-*-* 19:30:00" in timer.content_string
        assert host.run("systemctl is-enabled hisops-shutdown.timer").stdout.strip() == "enabled"
        assert host.run("systemctl is-active hisops-shutdown.timer").stdout.strip() == "active"
