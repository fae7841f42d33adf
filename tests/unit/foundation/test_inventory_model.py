"""The inventory model: department data checks, the lab inventory, the example hospital."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from ansible_collections.hisops.him.plugins.filter.hisops_inventory import (
    department_problems,
    staff_across_departments,
)

from lab.cli import read_inventory

# each test carries its layer: unit, or component where it runs an Ansible command
ROOT = Path(__file__).resolve().parents[3]

GOOD = {
    "code": "outpatient",
    "name_zh": "门诊部",
    "name_en": "Outpatient",
    "login_group": "mz_staff",
    "custodian": {"name": "张丽", "staff_id": "MZ0101", "certificate": "HIM-2019-0311"},
}


@pytest.mark.unit
def test_valid_department_has_no_problem() -> None:
    assert department_problems(GOOD, "ws1", ["dept_outpatient"]) == []


@pytest.mark.unit
def test_missing_custodian_field_names_host_and_field() -> None:
    bad = dict(GOOD, custodian={"name": "张丽", "staff_id": "", "certificate": "C1"})
    assert department_problems(bad, "ws1", ["dept_outpatient"]) == [
        "host ws1: hisops_department.custodian.staff_id is missing or empty"
    ]


STAFF = [
    {"staff_id": "MZ0101", "name": "张丽", "role": "护士长"},
    {"staff_id": "MZ0102", "name": "李强", "role": "医生", "login": "liqiang"},
]


@pytest.mark.unit
def test_a_valid_staff_list_has_no_problem() -> None:
    assert department_problems(dict(GOOD, staff=STAFF), "ws1", ["dept_outpatient"]) == []


@pytest.mark.unit
@pytest.mark.parametrize(
    ("staff", "problem"),
    [
        ("MZ0101", "hisops_department.staff must be a list of {staff_id, name, role}"),
        (["MZ0101"], "hisops_department.staff[0] must be a mapping {staff_id, name, role}"),
        ([{"staff_id": "MZ0101", "name": "张丽"}], "hisops_department.staff[0].role is missing or empty"),
        ([{"staff_id": "MZ0101", "name": "", "role": "医生"}], "hisops_department.staff[0].name is missing or empty"),
        (
            [{"staff_id": "MZ 01", "name": "张丽", "role": "医生"}],
            "hisops_department.staff[0].staff_id 'MZ 01': letters, digits, '-' and '_' only",
        ),
        (
            [{"staff_id": "MZ0101", "name": "张丽", "role": "医生", "login": "Zhang.Li"}],
            "hisops_department.staff[0].login 'Zhang.Li' is not a Linux login name",
        ),
        (
            [{"staff_id": "MZ0101", "name": "张丽", "role": "医生", "dept": "x"}],
            "hisops_department.staff[0].dept: unknown key (known: staff_id, name, role, login)",
        ),
        (
            [*STAFF, {"staff_id": "MZ0101", "name": "张丽", "role": "医生", "login": "zl"}],
            "hisops_department.staff[2].staff_id 'MZ0101' is also hisops_department.staff[0]",
        ),
        (
            [*STAFF, {"staff_id": "MZ0103", "name": "李强", "role": "医生", "login": "mz0101"}],
            "hisops_department.staff[2].login 'mz0101' is also hisops_department.staff[0]",
        ),
    ],
)
def test_bad_staff_data_names_host_and_field(staff: object, problem: str) -> None:
    problems = department_problems(dict(GOOD, staff=staff), "ws1", ["dept_outpatient"])
    assert len(problems) == 1 and problems[0].startswith("host ws1: " + problem), problems


@pytest.mark.unit
def test_a_person_listed_by_two_departments_is_refused() -> None:
    inpatient = dict(GOOD, code="inpatient", staff=[{"staff_id": "MZ0102", "name": "李强", "role": "医生"}])
    hostvars = {"ws1": dict(GOOD, staff=STAFF), "ws2": dict(GOOD, staff=STAFF), "ws3": inpatient, "sw": {}}
    hostvars = {h: {"hisops_department": d} for h, d in hostvars.items()}
    assert staff_across_departments(hostvars, ["ws1", "ws2", "ws3", "sw"]) == [
        "staff MZ0102 is listed in several departments (inpatient on host ws3, outpatient on host ws1): "
        "a person who moved is listed in the new department only"
    ]
    assert staff_across_departments(hostvars, ["ws1", "ws2", "sw"]) == []


@pytest.mark.unit
def test_host_in_two_departments_is_refused() -> None:
    problems = department_problems(GOOD, "ws1", ["dept_outpatient", "dept_inpatient"])
    assert problems and "exactly one department group" in problems[0]


@pytest.mark.unit
def test_code_must_match_group() -> None:
    problems = department_problems(GOOD, "ws1", ["dept_inpatient"])
    assert any("does not match its group dept_inpatient" in p for p in problems)


@pytest.mark.unit
def test_lab_inventory_ports_and_addresses_are_unique() -> None:
    hosts, switches = read_inventory()
    ports = [h.port for h in hosts] + [s.port for s in switches]
    assert len(hosts) >= 6 and len(switches) >= 3
    assert len(set(ports)) == len(ports)
    assert len({h.ip for h in hosts}) == len(hosts)


@pytest.mark.component
@pytest.mark.parametrize("inventory", ["inventory/lab", "inventory/example-hospital"])
def test_inventory_passes_validation(inventory: str) -> None:
    proc = subprocess.run(
        # the example hospital's vault (Windows password) is the site's own: give a stand-in
        [
            "ansible-playbook",
            "-i",
            inventory,
            "playbooks/validate_inventory.yml",
            "--limit",
            "departments",
            "-e",
            "vault_hisops_windows_password=stand-in",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


@pytest.mark.component
def test_bad_inventory_stops_before_change(tmp_path: Path) -> None:
    inv = tmp_path / "hosts.yml"
    inv.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "children": {
                        "departments": {
                            "children": {
                                "dept_finance": {
                                    "hosts": {"fin-01": {"ansible_connection": "local"}},
                                    "vars": {"hisops_department": dict(GOOD, code="finance", custodian={"name": "x"})},
                                },
                            }
                        }
                    }
                }
            },
            allow_unicode=True,
        )
    )
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(inv), "playbooks/validate_inventory.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "host fin-01: hisops_department.custodian.staff_id is missing or empty" in proc.stdout
