"""The recorder writes the inventory's asset register data with a host's asset row and what became of
each change: a task in check mode (check_mode: true inside an enforce run) is recorded as 'check', not
as a change (issue 17). A real ansible-playbook run on the controller itself."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.component
ROOT = Path(__file__).resolve().parents[3]
INVENTORY = """\
all:
  children:
    dept_it:
      hosts:
        ws-t:
          ansible_connection: local
          ansible_python_interpreter: "{{ ansible_playbook_python }}"
          hisops_asset: {asset_id: T-1, kind: Linux工作站, location: 机房, purchase_date: 2020-01-02}
"""
PLAYBOOK = """\
- name: Changes and check mode
  hosts: all
  gather_facts: false
  tasks:
    - name: Facts, as a task (the project's fact cache makes smart gathering skip them)
      ansible.builtin.setup:
        gather_subset: [min, hardware]
    - name: A change
      ansible.builtin.debug: {msg: changed}
      changed_when: true
    - name: What check mode would change
      ansible.builtin.debug: {msg: would}
      changed_when: true
      check_mode: true
"""


def test_register_data_and_change_outcomes_are_recorded(tmp_path: Path) -> None:
    (tmp_path / "hosts.yml").write_text(INVENTORY, encoding="utf-8")
    (tmp_path / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    store = tmp_path / "results.sqlite"
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), HISOPS_STORE=str(store), ANSIBLE_NOCOLOR="1")
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "hosts.yml"),
           str(tmp_path / "play.yml")]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with sqlite3.connect(store) as conn:
        changes = conn.execute("SELECT task, outcome FROM changes ORDER BY id").fetchall()
        assets = conn.execute("SELECT host, device_kind, asset_id, location, purchase_date FROM assets").fetchall()
    assert changes == [("A change", "changed"), ("What check mode would change", "check")]
    assert assets == [("ws-t", "Linux工作站", "T-1", "机房", "2020-01-02")]


def test_the_inventory_check_names_host_and_field_of_bad_register_data(tmp_path: Path) -> None:
    bad = INVENTORY.replace("purchase_date: 2020-01-02", "purchase_date: '2020-13-02'") + (
        "        ws-u: {ansible_connection: local, hisops_asset: {asset_id: T-1}}\n"
    )
    (tmp_path / "hosts.yml").write_text(bad, encoding="utf-8")
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), HISOPS_STORE=str(tmp_path / "s.sqlite"),
               ANSIBLE_NOCOLOR="1")  # fmt: skip
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "hosts.yml"),
           str(ROOT / "playbooks" / "validate_inventory.yml")]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)
    out = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 2, out[-3000:]
    assert "host ws-t: hisops_asset.purchase_date '2020-13-02' is not a date (use YYYY-MM-DD)" in out
    assert "host ws-u: hisops_asset.asset_id 'T-1' is also host ws-t's" in out
