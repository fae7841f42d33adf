"""Controller-side validation and the policy helpers, as data (cases_policy.yml)."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.hisops.him.plugins.module_utils.workstation_policy import (
    exceptions_for,
    parse_date,
    policy_problems,
    select_controls,
    workstation_controls,
)

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
CATALOG = yaml.safe_load((ROOT / "group_vars/all/controls.yml").read_text(encoding="utf-8"))["hisops_control_catalog"]
SITE = yaml.safe_load((ROOT / "group_vars/all/workstation_policy.yml").read_text(encoding="utf-8"))
CASES = yaml.safe_load(Path(__file__).with_name("cases_policy.yml").read_text(encoding="utf-8"))
DEPARTMENT = {"code": "outpatient", "name_zh": "门诊部", "login_group": "mz_staff"}
WORKSTATION_IDS = [
    "HIM-5.4-games",
    "HIM-7.4-software",
    "HIM-7.4-storage",
    "HIM-7.1-screenlock",
    "HIM-7.1-settings",
    "HIM-5.5-admins",
    "HIM-5.1-staff-only",
    "HIM-6.5-power",
    "HIM-7.7-updates",
]


def site_policy() -> dict[str, Any]:
    """The policy the role builds from group_vars/all/workstation_policy.yml."""
    return {key.removeprefix("hisops_workstation_"): value for key, value in SITE.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_validation_case(name: str) -> None:
    case = CASES[name]
    catalog = copy.deepcopy(CATALOG)
    if "catalog_drop_platform" in case:
        cid, platform = case["catalog_drop_platform"]
        del catalog[cid]["platforms"][platform]
    policy = {**site_policy(), **(case.get("policy") or {})}
    problems = policy_problems(
        "ws-mz-01",
        catalog,
        policy,
        case.get("department", DEPARTMENT),
        case.get("controls"),
        case.get("skip_controls"),
        case.get("platform", "linux"),
        case.get("connection_user", "root"),
    )
    expected = case.get("problems") or []
    assert bool(problems) == bool(expected), problems
    for needle in expected:
        assert any(needle in p for p in problems), (needle, problems)
    assert all(p.startswith("host ws-mz-01: ") for p in problems)


def test_the_site_policy_is_valid_on_both_platforms() -> None:
    for platform in ("linux", "windows"):
        assert policy_problems("ws-mz-01", CATALOG, site_policy(), DEPARTMENT, None, None, platform) == []


def test_workstation_controls_are_the_issue_ids_in_catalog_order() -> None:
    assert workstation_controls(CATALOG) == WORKSTATION_IDS


@pytest.mark.parametrize(
    ("controls", "skip", "expected"),
    [
        (None, None, WORKSTATION_IDS),
        (["HIM-6.5-power", "HIM-5.4-games"], None, ["HIM-5.4-games", "HIM-6.5-power"]),
        (
            None,
            ["HIM-6.5-power", "HIM-7.4-software"],
            [c for c in WORKSTATION_IDS if c not in ("HIM-6.5-power", "HIM-7.4-software")],
        ),
        (["HIM-5.4-games"], ["HIM-5.4-games"], []),
    ],
)
def test_select_controls(controls: list[str] | None, skip: list[str] | None, expected: list[str]) -> None:
    assert select_controls(CATALOG, controls, skip) == expected


def test_exceptions_for_scopes_by_host_and_group_and_expiry() -> None:
    today = datetime.date(2026, 11, 25)
    excs = [
        {"control": "HIM-7.4-storage", "hosts": ["ws-a"], "approver": "x", "expires": "2026-11-25"},
        {"control": "HIM-7.4-storage", "groups": ["dept_lab"], "approver": "x", "expires": "2026-11-24"},
        {"control": "HIM-7.4-storage", "hosts": ["ws-b"], "approver": "x", "expires": "2099-01-01"},
        {"control": "HIM-5.4-games", "hosts": ["ws-a"], "approver": "x", "expires": "2099-01-01"},
    ]
    active, expired = exceptions_for(excs, "HIM-7.4-storage", "ws-a", ["dept_lab"], today)
    assert active == [excs[0]]  # valid through its expiry day
    assert expired == [excs[1]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027-06-30", datetime.date(2027, 6, 30)),
        (datetime.date(2027, 1, 2), datetime.date(2027, 1, 2)),
        ("2027-13-01", None),
        ("30.06.2027", None),
        (None, None),
    ],
)
def test_parse_date(value: Any, expected: datetime.date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("controls", "skip", "run_tags", "skip_tags", "expected"),
    [
        ([], [], ["all"], [], {"run": True, "controls": [], "skip_controls": []}),
        ([], [], ["him-5.4-games"], [], {"run": True, "controls": ["HIM-5.4-games"], "skip_controls": []}),
        (
            [],
            ["HIM-6.5-power"],
            ["all"],
            ["him-7.4-storage"],
            {"run": True, "controls": [], "skip_controls": ["HIM-6.5-power", "HIM-7.4-storage"]},
        ),
        ([], [], ["some_other_role"], [], {"run": False, "controls": [], "skip_controls": []}),
        (["HIM-5.4-games"], [], ["him-6.5-power"], [], {"run": False, "controls": [], "skip_controls": []}),
        ([], [], ["workstation_policy"], [], {"run": True, "controls": [], "skip_controls": []}),
    ],
)
def test_tag_selection(controls, skip, run_tags, skip_tags, expected) -> None:  # type: ignore[no-untyped-def]
    from ansible_collections.hisops.him.plugins.filter.hisops_workstation import tag_selection  # plugins/filter

    assert tag_selection(CATALOG, controls, skip, run_tags, skip_tags) == expected


def test_all_hosts_problems_dispatches_windows_hosts_and_names_each_host() -> None:
    from ansible_collections.hisops.him.plugins.filter.hisops_workstation import (  # plugins/filter
        all_hosts_problems,
        host_platform,
    )

    base = {"hisops_control_catalog": CATALOG, "hisops_department": DEPARTMENT}
    hostvars = {
        "ws-lin": {**base, "group_names": ["workstations_linux"]},
        "ws-win": {
            **base,
            "ansible_connection": "winrm",
            "hisops_workstation_windows_software_allowlist": ["", "7-Zip*"],
        },
        "ws-bad": {**base, "hisops_department": {"code": "x"}, "group_names": ["workstations_windows"]},
    }
    assert [host_platform(hostvars[h]) for h in hostvars] == ["linux", "windows", "windows"]
    problems = all_hosts_problems(hostvars, list(hostvars))
    assert [p.split(":")[0] for p in problems] == ["host ws-win", "host ws-bad"]
    assert "hisops_workstation_windows_software_allowlist[0]" in problems[0]
    assert "hisops_department.login_group is missing" in problems[1]
