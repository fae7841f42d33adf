"""The asset register's inventory data of a host: device kind, asset number, location, purchase date.

The hospital's register (资产登记表) gives them per host in the variable ``hisops_asset``: the
register inventory plugin (``hisops.him.hisops_asset_register``) sets it from the register's
rows, a hosts file or ``host_vars`` may set it by hand. The recorder writes them with the host's
asset row (store migration 14), the inventory check validates them before a run
(``playbooks/validate_inventory.yml``), the reports count devices by kind, department and
location (docs/inventory.md, docs/reports.md).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

ASSET_VAR = "hisops_asset"
# hisops_asset's field -> the column of the store's assets table
FIELDS = {"kind": "device_kind", "asset_id": "asset_id", "location": "location", "purchase_date": "purchase_date"}
STORE_COLUMNS = tuple(FIELDS.values())
REQUIRED = ("asset_id",)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def field_text(value: Any) -> str:
    """A field as text: a date (YAML reads an unquoted 2021-03-15 as one) in ISO form."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    return "" if value is None else str(value).strip()


def register_columns(asset: Any) -> dict[str, str]:
    """The store columns of a host's hisops_asset ({} when it is not a mapping)."""
    if not isinstance(asset, Mapping):
        return {}
    return {column: field_text(asset.get(name)) for name, column in FIELDS.items()}


def asset_problems(asset: Any, host: str, today: datetime.date | None = None) -> list[str]:
    """What is wrong with a host's hisops_asset, one line per field (none when the host has none)."""
    if asset is None:
        return []
    if not isinstance(asset, Mapping):
        return ["host %s: %s must be a mapping (asset_id, kind, location, purchase_date)" % (host, ASSET_VAR)]
    problems = [
        "host %s: %s.%s is missing or empty" % (host, ASSET_VAR, name)
        for name in REQUIRED
        if not field_text(asset.get(name))
    ]
    for name in FIELDS:
        value = asset.get(name)
        if value is not None and not isinstance(value, (str, int, datetime.date)):
            problems.append("host %s: %s.%s must be text, got %r" % (host, ASSET_VAR, name, value))
    date = field_text(asset.get("purchase_date"))
    if date:
        problems += _date_problems(host, date, today or datetime.date.today())
    return problems


def _date_problems(host: str, text: str, today: datetime.date) -> list[str]:
    where = "host %s: %s.purchase_date %r" % (host, ASSET_VAR, text)
    try:
        day = datetime.date.fromisoformat(text) if DATE.match(text) else None
    except ValueError:
        day = None
    if day is None:
        return [where + " is not a date (use YYYY-MM-DD)"]
    if day > today:
        return [where + " is in the future"]
    return []


def duplicate_asset_ids(hostvars: Mapping[str, Any], hosts: Iterable[str]) -> list[str]:
    """An asset number given to more than one host: one line per such host after the first."""
    seen: dict[str, str] = {}
    problems = []
    for host in hosts:
        asset = hostvars[host].get(ASSET_VAR)
        number = field_text(asset.get("asset_id")) if isinstance(asset, Mapping) else ""
        if not number:
            continue
        if number in seen:
            problems.append("host %s: %s.asset_id %r is also host %s's" % (host, ASSET_VAR, number, seen[number]))
        else:
            seen[number] = host
    return problems
