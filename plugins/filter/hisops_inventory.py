# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that check hisops' inventory model before anything changes."""

from __future__ import annotations

import re
from typing import Any

from ..module_utils.staff_accounts import staff_login
from ..plugin_utils.inventory_model import (
    CODE,
    DEPARTMENT_GROUP,
    DEPARTMENT_PREFIX,
    department_group,
)

REQUIRED_TEXT = ("code", "name_zh", "name_en", "login_group")
CUSTODIAN_FIELDS = ("name", "staff_id", "certificate")
# A department's staff (rulebook 八.1(1): administrators register users): hisops_department.staff,
# a list of {staff_id, name, role, login}; login defaults to the staff id in lower case.
STAFF_REQUIRED = ("staff_id", "name", "role")
STAFF_FIELDS = (*STAFF_REQUIRED, "login")
STAFF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
LOGIN = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def staff_problems(staff: Any, host: str) -> list[str]:
    """Everything wrong with a department's staff list, one line each naming the host and the field."""
    if staff is None:
        return []
    if not isinstance(staff, list):
        return ["host %s: hisops_department.staff must be a list of {staff_id, name, role}" % host]
    problems: list[str] = []
    seen: dict[str, dict[str, int]] = {"staff_id": {}, "login": {}}
    for index, person in enumerate(staff):
        field = "hisops_department.staff[%d]" % index
        if not isinstance(person, dict):
            problems.append("host %s: %s must be a mapping {staff_id, name, role}" % (host, field))
            continue
        problems += [
            "host %s: %s.%s: unknown key (known: %s)" % (host, field, key, ", ".join(STAFF_FIELDS))
            for key in person
            if key not in STAFF_FIELDS
        ]
        problems += [
            "host %s: %s.%s is missing or empty" % (host, field, key)
            for key in STAFF_REQUIRED
            if not str(person.get(key) or "").strip()
        ]
        staff_id = str(person.get("staff_id") or "")
        bad_id = bool(staff_id) and not STAFF_ID.match(staff_id)
        if bad_id:
            problems.append("host %s: %s.staff_id %r: letters, digits, '-' and '_' only" % (host, field, staff_id))
        login = staff_login(person)
        if login and not LOGIN.match(login) and (person.get("login") or not bad_id):
            problems.append(
                "host %s: %s.login %r is not a Linux login name (a-z, 0-9, '_', '-', at most 32)" % (host, field, login)
            )
        for key, value in (("staff_id", staff_id), ("login", login)):
            if value and value in seen[key]:
                other = "hisops_department.staff[%d]" % seen[key][value]
                problems.append("host %s: %s.%s %r is also %s" % (host, field, key, value, other))
            elif value:
                seen[key][value] = index
    return problems


def department_problems(dept: Any, host: str, dept_groups: list[str]) -> list[str]:
    """Everything wrong with one host's department data, as one line each."""
    problems: list[str] = []
    if len(dept_groups) != 1:
        return [
            "host %s: must be in exactly one department group (%s*), is in %s"
            % (host, DEPARTMENT_PREFIX, dept_groups or "none")
        ]
    group = dept_groups[0]
    if not DEPARTMENT_GROUP.match(group):
        problems.append(
            "host %s: department group %r must be ASCII: %s then a-z, 0-9, _" % (host, group, DEPARTMENT_PREFIX)
        )
    if not isinstance(dept, dict):
        return [*problems, "host %s: hisops_department is not set for group %s (group_vars/%s)" % (host, group, group)]
    for key in REQUIRED_TEXT:
        if not isinstance(dept.get(key), str) or not dept[key].strip():
            problems.append("host %s: hisops_department.%s is missing or empty (group %s)" % (host, key, group))
    if isinstance(dept.get("code"), str) and not CODE.match(dept["code"]):
        problems.append("host %s: hisops_department.code %r must be a-z, 0-9, _" % (host, dept["code"]))
    if isinstance(dept.get("code"), str) and group != department_group(dept["code"]):
        problems.append("host %s: hisops_department.code %r does not match its group %s" % (host, dept["code"], group))
    custodian = dept.get("custodian")
    if not isinstance(custodian, dict):
        problems.append("host %s: hisops_department.custodian (person in charge, rulebook 七.2) is missing" % host)
    else:
        for key in CUSTODIAN_FIELDS:
            if not str(custodian.get(key) or "").strip():
                problems.append("host %s: hisops_department.custodian.%s is missing or empty" % (host, key))
    return problems + staff_problems(dept.get("staff"), host)


def staff_across_departments(hostvars: Any, hosts: list[str]) -> list[str]:
    """A staff id listed by two departments (a person who moved stays listed in the old one): one
    line per person, naming the departments and a host of each."""
    where: dict[str, dict[str, str]] = {}
    for host in hosts:
        dept = hostvars[host].get("hisops_department")
        if not isinstance(dept, dict) or not isinstance(dept.get("staff"), list):
            continue
        for person in dept["staff"]:
            if isinstance(person, dict) and person.get("staff_id"):
                where.setdefault(str(person["staff_id"]), {}).setdefault(str(dept.get("code")), host)
    return [
        "staff %s is listed in several departments (%s): a person who moved is listed in the new department only"
        % (staff_id, ", ".join("%s on host %s" % (code, host) for code, host in sorted(depts.items())))
        for staff_id, depts in sorted(where.items())
        if len(depts) > 1
    ]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"hisops_department_problems": department_problems}
