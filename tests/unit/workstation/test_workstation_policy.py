"""Controller-side validation and the policy helpers, as data (cases_policy.yml)."""

from __future__ import annotations

import copy
import datetime
import re
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

from .data import CATALOG, MECHANISM

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
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
    "HIM-7.7-antivirus",
]


# the site's antivirus settings (group_vars/all/antivirus.yml; the mirror as the lab's inventory sets it)
ANTIVIRUS = {
    **yaml.safe_load((ROOT / "group_vars/all/antivirus.yml").read_text(encoding="utf-8")),
    "hisops_antivirus_mirror_url": "http://10.89.210.31",
}
ANTIVIRUS = {k.removeprefix("hisops_antivirus_"): v for k, v in ANTIVIRUS.items()}


def site_policy() -> dict[str, Any]:
    """The policy the role builds from group_vars/all/workstation_policy.yml."""
    return {key.removeprefix("hisops_workstation_"): value for key, value in SITE.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_validation_case(name: str) -> None:
    from ansible_collections.hisops.him.plugins.filter.hisops_workstation import host_problems  # plugins/filter

    case = CASES[name]
    mechanism = copy.deepcopy(MECHANISM)
    if "mechanism_drop" in case:
        cid, platform = case["mechanism_drop"]
        del mechanism[platform][cid]
    policy = {**site_policy(), **(case.get("policy") or {})}
    hostvars = {
        "hisops_control_catalog": CATALOG,
        "hisops_department": case.get("department", DEPARTMENT),
        "hisops_workstation_controls": case.get("controls"),
        "hisops_workstation_skip_controls": case.get("skip_controls"),
        "hisops_workstation_platform": case.get("platform", "linux"),
        "ansible_user": case.get("connection_user", "root"),
        **{"hisops_workstation_" + k: v for k, v in policy.items()},
        **{"hisops_antivirus_" + k: v for k, v in {**ANTIVIRUS, **(case.get("antivirus") or {})}.items()},
    }
    problems = host_problems(hostvars, "ws-mz-01", mechanism)
    expected = case.get("problems") or []
    assert bool(problems) == bool(expected), problems
    for needle in expected:
        assert any(needle in p for p in problems), (needle, problems)
    assert all(p.startswith("host ws-mz-01: ") for p in problems)


def test_the_site_policy_is_valid_on_both_platforms() -> None:
    from ansible_collections.hisops.him.plugins.module_utils.workstation_policy import (
        controls_problems,
        module_controls,
    )

    assert policy_problems("ws-mz-01", site_policy(), DEPARTMENT, "root", WORKSTATION_IDS) == []
    for platform in ("linux", "windows"):
        sent = module_controls(CATALOG, MECHANISM[platform], WORKSTATION_IDS)
        assert controls_problems("ws-mz-01", sent) == []
        # the antivirus area on Linux only (Windows Defender is the antivirus role's)
        assert ("HIM-7.7-antivirus" in [c["id"] for c in sent]) == (platform == "linux")


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
    ("tagged", "controls", "skip", "expected"),
    [
        (WORKSTATION_IDS, [], [], WORKSTATION_IDS),
        (["HIM-5.4-games"], [], [], ["HIM-5.4-games"]),
        (WORKSTATION_IDS, [], ["HIM-6.5-power"], [c for c in WORKSTATION_IDS if c != "HIM-6.5-power"]),
        ([], [], [], []),
        (["HIM-6.5-power"], ["HIM-5.4-games"], [], []),
        (["HIM-7.7-updates", "HIM-5.4-games"], [], [], ["HIM-5.4-games", "HIM-7.7-updates"]),
    ],
)
def test_selected_controls(tagged, controls, skip, expected) -> None:  # type: ignore[no-untyped-def]
    from ansible_collections.hisops.him.plugins.filter.hisops_workstation import selected_controls  # plugins/filter

    sent = selected_controls(CATALOG, MECHANISM["linux"], tagged, controls, skip)
    assert [c["id"] for c in sent] == expected
    for control in sent:
        assert control == {
            "id": control["id"],
            "severity": CATALOG[control["id"]]["severity"],
            "mechanism": MECHANISM["linux"][control["id"]],
        }


def test_a_planned_control_is_never_sent() -> None:
    from ansible_collections.hisops.him.plugins.filter.hisops_workstation import selected_controls  # plugins/filter

    catalog = copy.deepcopy(CATALOG)
    catalog["HIM-6.5-power"]["implemented"] = False
    sent = selected_controls(catalog, MECHANISM["linux"], WORKSTATION_IDS)
    assert "HIM-6.5-power" not in [c["id"] for c in sent]


def test_all_hosts_problems_dispatches_windows_hosts_and_names_each_host() -> None:
    from ansible_collections.hisops.him.plugins.filter.hisops_workstation import (  # plugins/filter
        all_hosts_problems,
        host_platform,
    )

    base = {"hisops_control_catalog": CATALOG, "hisops_department": DEPARTMENT}
    hostvars = {
        "ws-lin": {**base, "group_names": ["workstations_linux"], "hisops_antivirus_mirror_url": "http://nc-01"},
        "ws-win": {
            **base,
            "ansible_connection": "winrm",
            "hisops_workstation_windows_software_allowlist": ["", "7-Zip*"],
        },
        "ws-bad": {**base, "hisops_department": {"code": "x"}, "group_names": ["workstations_windows"]},
    }
    assert [host_platform(hostvars[h]) for h in hostvars] == ["linux", "windows", "windows"]
    problems = all_hosts_problems(hostvars, list(hostvars), MECHANISM)
    assert [p.split(":")[0] for p in problems] == ["host ws-win", "host ws-bad"]
    assert "hisops_workstation_windows_software_allowlist[0]" in problems[0]
    assert "hisops_department.login_group is missing" in problems[1]


def test_the_role_sends_the_antivirus_settings_the_area_reads() -> None:
    from ansible_collections.hisops.him.plugins.module_utils.workstation_antivirus import POLICY_KEY, SETTINGS_KEYS

    selection = yaml.safe_load((ROOT / "roles/workstation_policy/vars/main/selection.yml").read_text(encoding="utf-8"))
    # one template for the whole policy mapping: its antivirus mapping, one key per setting, in order
    template = selection["hisops_workstation_policy_data"]
    antivirus = template.split("'%s': {" % POLICY_KEY, 1)[1].split("}", 1)[0]
    sent = re.findall(r"'(\w+)': hisops_antivirus_(\w+) \| default\(none\)", antivirus)
    assert [key for key, _ in sent] == list(SETTINGS_KEYS)
    assert all(key == variable for key, variable in sent)


def test_an_antivirus_variable_that_cannot_be_templated_here_is_left_to_the_module() -> None:
    """hostvars[host] cannot template a variable that refers to hostvars (the lab's mirror URL):
    Ansible gives an Undefined marker. That variable is checked by the module on its host; the
    others are still checked here."""
    from ansible_collections.hisops.him.plugins.filter.hisops_workstation import host_problems
    from jinja2 import Undefined

    hostvars = {
        "hisops_control_catalog": CATALOG,
        "hisops_department": DEPARTMENT,
        "hisops_workstation_platform": "linux",
        **{"hisops_workstation_" + k: v for k, v in site_policy().items()},
        "hisops_antivirus_mirror_url": Undefined(name="hostvars"),
        "hisops_antivirus_max_age_hours": 0,
    }
    problems = host_problems(hostvars, "ws-mz-01", MECHANISM)
    assert problems == ["host ws-mz-01: hisops_antivirus_max_age_hours = 0 must be a number above 0"]
