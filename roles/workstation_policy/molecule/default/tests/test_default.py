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


# ---- issue 13 ---------------------------------------------------------------------------
@pytest.mark.parametrize("user", ["clerk", "night", "gamer"])
def test_no_sudo_rights_left_for_ordinary_users(host, user: str) -> None:
    # sudo's own answer: the effective rights, whatever file or group gave them
    out = host.run("sudo -l -U %s" % user)
    assert "is not allowed to run sudo" in out.stdout, out.stdout


def test_primary_group_sudo_replaced(host) -> None:
    assert host.run("id -gn night").stdout.strip() == "night"


def test_polkit_daemon_installed_so_the_rules_count(host) -> None:
    assert host.package("polkitd").is_installed
    assert host.file("/usr/lib/polkit-1/polkitd").exists


def test_gnome_automount_off_and_locked(host) -> None:
    env = "export DCONF_PROFILE=/etc/dconf/profile/user XDG_CONFIG_HOME=/tmp/wsp-dconf-test; "
    keys = ["automount", "automount-open", "autorun-never"]
    out = host.run(env + "; ".join("dconf read /org/gnome/desktop/media-handling/" + k for k in keys)).stdout.split()
    assert out == ["false", "false", "true"]
    write = host.run(env + "dconf write /org/gnome/desktop/media-handling/automount true")
    assert write.rc != 0 and "non-writable" in write.stderr


def test_shell_timeout_is_read_only(host) -> None:
    assert host.run("bash -lc 'echo $TMOUT'").stdout.strip() == "900"
    change = host.run("bash -lc 'TMOUT=0'")
    assert change.rc != 0 and "readonly" in change.stderr


def test_sshd_effective_idle_settings(host) -> None:
    config = host.run("sshd -T").stdout.splitlines()
    assert "clientaliveinterval 300" in config and "clientalivecountmax 3" in config


def test_su_only_for_the_empty_su_group(host) -> None:
    assert host.run("getent group hisops_su").stdout.strip().split(":")[3] == ""
    active = [x.split() for x in host.file("/etc/pam.d/su").content_string.splitlines() if not x.startswith("#")]
    assert ["auth", "required", "pam_wheel.so", "use_uid", "group=hisops_su"] in active


def test_gnome_desktop_kept_and_every_gdm_service_checks_access(host) -> None:
    if host.backend.get_hostname() != "wsp-b":
        pytest.skip("the GNOME host is wsp-b")
    assert host.package("gdm3").is_installed and host.package("gnome-core").is_installed
    for service in ("gdm-password", "gdm-fingerprint", "gdm-smartcard-sssd-exclusive", "gdm-autologin"):
        assert (
            "pam_access.so accessfile=/etc/security/hisops-access.conf"
            in host.file("/etc/pam.d/" + service).content_string
        ), service
    assert "pam_access" not in host.file("/etc/pam.d/gdm-launch-environment").content_string
    # an alternatives link stays a link (its target is covered)
    assert host.file("/etc/pam.d/gdm-smartcard").is_symlink


def test_security_updates_automatic_and_recent(host) -> None:
    assert host.package("unattended-upgrades").is_installed
    config = host.run("apt-config dump APT::Periodic").stdout
    assert 'APT::Periodic::Unattended-Upgrade "1";' in config
    for timer in ("apt-daily.timer", "apt-daily-upgrade.timer"):
        assert host.run("systemctl is-enabled %s" % timer).stdout.strip() == "enabled"
    assert host.file("/var/lib/apt/periodic/unattended-upgrades-stamp").exists
    origins = host.run("apt-config dump Unattended-Upgrade::Origins-Pattern").stdout
    assert "Debian-Security" in origins


def test_apt_sources_name_only_approved_mirrors(host) -> None:
    """prepare.yml planted a source through the approved mirror with its port written out (not an
    approved URL): enforcement rewrote it to the approved mirror, and apt works from it."""
    planted = host.file("/etc/apt/sources.list.d/hisops-test-unapproved.list").content_string
    main = host.file("/etc/apt/sources.list").content_string
    assert ":80/" not in planted and ":443/" not in planted
    assert planted.split()[1].rstrip("/") == main.split()[1].rstrip("/")
    assert host.run("apt-get update -q").rc == 0
