# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory plugin: the hospital's asset register (资产登记表, CSV or XLSX) as Ansible inventory."""

from __future__ import annotations

DOCUMENTATION = r"""
name: hisops_asset_register
short_description: Read the hospital's asset register (CSV or XLSX with Chinese headers) as inventory
description:
  - Reads the asset register the hospital keeps (资产登记表), a CSV or XLSX file whose
    header row has Chinese column names, and turns every row into a host.
  - Column names are mapped to fields by O(columns). The fields C(hostname) (the inventory
    name), C(department) and C(asset_id) are required by default (O(required_fields));
    a register without one of those columns is rejected with an error naming the column.
  - Each host is put in its department group C(dept_<code>) (child of C(departments)); the
    register's Chinese department name is turned into the code by O(departments). A host is
    also put in the groups that O(kinds) maps its device type (类型) to.
  - Host variables - C(ansible_host) from the IP address column, and C(hisops_asset), a
    mapping with every other mapped field (asset_id, serial, model, kind, location,
    purchase_date, custodian, department, ...) plus C(source) (file and line).
  - A malformed row (missing required value, unknown department, bad IP address, bad
    date, bad host name, duplicate host name or asset number) is reported with its line
    number (CSV line, or XLSX sheet row). With O(strict=false) it is skipped with a warning;
    with O(strict=true) the whole inventory fails (O(strict) also makes
    O(compose)/O(groups)/O(keyed_groups) errors fatal, as in every constructed plugin).
  - The configuration file name must end in C(.hisops_assets.yml) or C(.hisops_assets.yaml).
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; makes the file a hisops asset register configuration.
    required: true
    choices: [hisops.him.hisops_asset_register]
    type: str
  path:
    description:
      - The register file, C(.csv) or C(.xlsx). A relative path is relative to the
        configuration file's directory.
    required: true
    type: str
  sheet:
    description: XLSX only - the worksheet to read (default the first one).
    type: str
  encoding:
    description:
      - CSV only - the file's text encoding. C(utf-8-sig) reads UTF-8 with or without a BOM;
        registers saved by older Excel versions in China are often C(gb18030).
    type: str
    default: utf-8-sig
  header_row:
    description: The line (CSV) or row (XLSX) holding the column names, counted from 1.
    type: int
    default: 1
  columns:
    description:
      - Maps the register's column names to fields. Columns not listed are ignored.
      - Special fields - C(hostname) becomes the inventory host name, C(ansible_host) the
        address Ansible connects to, C(department) chooses the department group, C(kind)
        the kind groups (O(kinds)), C(purchase_date) is normalised to YYYY-MM-DD.
    type: dict
    default:
      资产编号: asset_id
      设备名称: hostname
      IP地址: ansible_host
      使用科室: department
      责任人: custodian
      序列号: serial
      型号: model
      类型: kind
      位置: location
      购置日期: purchase_date
  required_fields:
    description: Fields every row must have a value for; their columns must exist.
    type: list
    elements: str
    default: [asset_id, hostname, department]
  departments:
    description:
      - Maps the register's department names (usually Chinese) to department codes; the
        host goes into group C(dept_<code>). A value that is already a valid code
        (a-z, 0-9, _) and appears among the mapping's codes is accepted as is.
    type: dict
    default: {}
  kinds:
    description:
      - Maps the register's device type values to one group name or a list of group names.
      - A type not in the mapping adds no group (the row is not malformed).
    type: dict
    default:
      Windows工作站: workstations_windows
      Linux工作站: workstations_linux
      国产系统工作站: workstations_linux
      服务器: servers
      数据库服务器: db_servers
      交换机: switches
  group_parents:
    description:
      - "Parent groups for the groups this plugin creates, for example
        C({workstations_linux: [workstations, linux_hosts]})."
      - Department groups always get the parent C(departments).
    type: dict
    default:
      workstations_windows: [workstations]
      workstations_linux: [workstations, linux_hosts]
      db_servers: [linux_hosts]
"""

EXAMPLES = r"""
# inventory/example-register/hospital.hisops_assets.yml
plugin: hisops.him.hisops_asset_register
path: asset-register.xlsx
strict: false
departments:
  门诊部: outpatient
  住院部: inpatient
  信息科: it
keyed_groups:
  - key: hisops_asset.location | regex_replace('[^A-Za-z0-9]', '')
    prefix: site
compose:
  hisops_asset_age_years: (now().year - (hisops_asset.purchase_date | default('1970-01-01'))[:4] | int)

# ansible-inventory -i inventory/example-register/hospital.hisops_assets.yml --graph
"""

import csv
import datetime
import ipaddress
import os
import re
from typing import Any
from collections.abc import Iterator

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ..plugin_utils.inventory_model import (
    CODE,
    DEPARTMENTS_GROUP,
    department_group,
)

CONFIG_SUFFIXES = (".hisops_assets.yml", ".hisops_assets.yaml")
HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")
GROUP = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
SPECIAL_FIELDS = ("hostname", "ansible_host")


class RowError(ValueError):
    """One malformed row of the register."""


def read_rows(path: str, sheet: str | None, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    """Yield (line number, cells) for every row of a CSV or XLSX file, header row included."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".csv":
        yield from _read_csv(path, encoding)
    elif ext in (".xlsx", ".xlsm"):
        yield from _read_xlsx(path, sheet)
    else:
        raise AnsibleParserError("asset register %s: unsupported file type %r (use .csv or .xlsx)" % (path, ext))


def _read_csv(path: str, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    try:
        with open(path, newline="", encoding=encoding) as handle:
            reader = csv.reader(handle)
            line = 1
            for row in reader:
                yield line, row
                line = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise AnsibleParserError(
            "asset register %s is not %s text (%s): set 'encoding' (e.g. gb18030) in the plugin configuration"
            % (path, encoding, exc.reason)
        ) from exc


def _read_xlsx(path: str, sheet: str | None) -> Iterator[tuple[int, list[Any]]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a pinned dependency
        raise AnsibleParserError("reading an XLSX asset register needs openpyxl (pip install openpyxl)") from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise AnsibleParserError("asset register %s cannot be read as XLSX: %s" % (path, exc)) from exc
    try:
        if sheet and sheet not in book.sheetnames:
            raise AnsibleParserError(
                "asset register %s has no sheet %r (sheets: %s)" % (path, sheet, ", ".join(book.sheetnames))
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        book.close()


def cell_text(value: Any) -> str:
    """A cell as stripped text ('' for empty); whole floats from Excel lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def normalise_date(value: Any) -> str:
    """An ISO date from a register cell (Excel date, 2021-03-15, 2021/3/15, 2021年3月15日)."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return cell_text(value)
    text = cell_text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise RowError("purchase_date %r is not a date (use YYYY-MM-DD)" % text)


class RegisterParser:
    """Turns register rows into host records, collecting malformed rows with their line numbers."""

    def __init__(
        self,
        path: str,
        columns: dict[str, str],
        required: list[str],
        departments: dict[str, str],
        unit: str = "line",
    ) -> None:
        self.path = path
        self.columns = {str(k).strip(): str(v) for k, v in columns.items()}
        self.required = list(required)
        self.departments = {str(k).strip(): str(v) for k, v in departments.items()}
        self.codes = set(self.departments.values())
        self.unit = unit
        self.errors: list[str] = []
        self._seen_hosts: dict[str, int] = {}
        self._seen_assets: dict[str, int] = {}

    def header(self, cells: list[Any], line: int) -> dict[int, str]:
        """Map cell positions to fields; a required field's column missing is an error."""
        index: dict[int, str] = {}
        for pos, cell in enumerate(cells):
            name = cell_text(cell)
            if name in self.columns:
                index[pos] = self.columns[name]
        found = set(index.values())
        missing = [f for f in self.required if f not in found]
        if missing:
            wanted = {v: k for k, v in self.columns.items()}
            names = ", ".join("%s (%s)" % (wanted.get(f, "?"), f) for f in missing)
            raise AnsibleParserError(
                "asset register %s: required column(s) missing in the header (%s %d): %s; "
                "found columns: %s. Fix the register or the 'columns' mapping of the plugin configuration."
                % (self.path, self.unit, line, names, ", ".join(cell_text(c) for c in cells if cell_text(c)) or "none")
            )
        return index

    def row(self, cells: list[Any], index: dict[int, str], line: int) -> dict[str, Any] | None:
        """One host record, or None when the row is empty or malformed (error recorded)."""
        raw = {field: cells[pos] if pos < len(cells) else None for pos, field in index.items()}
        if all(cell_text(v) == "" for v in raw.values()):
            return None
        try:
            return self._record(raw, line)
        except RowError as exc:
            self.errors.append("%s %s %d: %s" % (self.path, self.unit, line, exc))
            return None

    def _record(self, raw: dict[str, Any], line: int) -> dict[str, Any]:
        missing = [f for f in self.required if cell_text(raw.get(f)) == ""]
        if missing:
            raise RowError("required value(s) empty: %s" % ", ".join(missing))
        rec: dict[str, Any] = {}
        for field, value in raw.items():
            if field == "purchase_date" and cell_text(value):
                rec[field] = normalise_date(value)
            else:
                rec[field] = cell_text(value)
        hostname = rec.get("hostname", "")
        if hostname and not HOSTNAME.match(hostname):
            raise RowError("host name %r has characters Ansible cannot use (letters, digits, . _ -)" % hostname)
        if rec.get("ansible_host"):
            try:
                ipaddress.ip_address(rec["ansible_host"])
            except ValueError as exc:
                raise RowError("IP address %r is not valid" % rec["ansible_host"]) from exc
        if rec.get("department"):
            rec["department_name"] = rec["department"]
            rec["department"] = self._department_code(rec["department"])
        self._check_unique(rec, line)
        return rec

    def _department_code(self, name: str) -> str:
        if name in self.departments:
            return self.departments[name]
        if name in self.codes and CODE.match(name):
            return name
        known = ", ".join(sorted(self.departments)) or "none configured"
        raise RowError("department %r is not in the plugin's 'departments' mapping (known: %s)" % (name, known))

    def _check_unique(self, rec: dict[str, Any], line: int) -> None:
        for field, seen in (("hostname", self._seen_hosts), ("asset_id", self._seen_assets)):
            value = rec.get(field)
            if not value:
                continue
            if value in seen:
                raise RowError("duplicate %s %r (first on %s %d)" % (field, value, self.unit, seen[value]))
            seen[value] = line


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "hisops.him.hisops_asset_register"

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith(CONFIG_SUFFIXES)

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        register = self._register_path(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        records = None
        if use_cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                records = None
        if records is None:
            records = self._load(register)
            if self.get_option("cache"):
                self._cache[cache_key] = records
        for rec in records:
            self._add_host(rec)

    def _register_path(self, config_path: str) -> str:
        register = os.path.expanduser(str(self.get_option("path")))
        if not os.path.isabs(register):
            register = os.path.join(os.path.dirname(os.path.abspath(config_path)), register)
        if not os.path.isfile(register):
            raise AnsibleParserError(
                "asset register file %s does not exist (option 'path' of %s)" % (register, config_path)
            )
        return register

    def _load(self, register: str) -> list[dict[str, Any]]:
        unit = "line" if register.lower().endswith(".csv") else "row"
        parser = RegisterParser(
            os.path.basename(register),
            self.get_option("columns"),
            self.get_option("required_fields"),
            self.get_option("departments"),
            unit=unit,
        )
        header_row = int(self.get_option("header_row"))
        index: dict[int, str] | None = None
        records: list[dict[str, Any]] = []
        for line, cells in read_rows(register, self.get_option("sheet"), self.get_option("encoding")):
            if line < header_row:
                continue
            if index is None:
                index = parser.header(cells, line)
                continue
            rec = parser.row(cells, index, line)
            if rec is not None:
                rec["source"] = "%s:%d" % (os.path.basename(register), line)
                records.append(rec)
        if index is None:
            raise AnsibleParserError(
                "asset register %s is empty (no header row at %s %d)" % (register, unit, header_row)
            )
        self._report(parser.errors)
        return records

    def _report(self, errors: list[str]) -> None:
        if not errors:
            return
        if self.get_option("strict"):
            raise AnsibleParserError("asset register has %d malformed row(s):\n%s" % (len(errors), "\n".join(errors)))
        for err in errors:
            self.display.warning("asset register: skipped malformed row: %s" % err)

    def _add_host(self, rec: dict[str, Any]) -> None:
        hostname = rec["hostname"]
        self.inventory.add_host(hostname)
        if rec.get("ansible_host"):
            self.inventory.set_variable(hostname, "ansible_host", rec["ansible_host"])
        asset = {k: v for k, v in rec.items() if k not in SPECIAL_FIELDS}
        self.inventory.set_variable(hostname, "hisops_asset", asset)
        if rec.get("department"):
            self._add_to_group(hostname, department_group(rec["department"]), [DEPARTMENTS_GROUP])
        for group in self._kind_groups(rec.get("kind", "")):
            self._add_to_group(hostname, group, self.get_option("group_parents").get(group, []))
        strict = self.get_option("strict")
        hostvars = self.inventory.get_host(hostname).get_vars()
        self._set_composite_vars(self.get_option("compose"), hostvars, hostname, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, hostname, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, hostname, strict=strict)

    def _kind_groups(self, kind: str) -> list[str]:
        groups = self.get_option("kinds").get(kind, []) if kind else []
        groups = [groups] if isinstance(groups, str) else list(groups)
        for group in groups:
            if not GROUP.match(str(group)):
                raise AnsibleParserError(
                    "option 'kinds': group name %r for type %r is not a valid group" % (group, kind)
                )
        return groups

    def _add_to_group(self, host: str, group: str, parents: list[str]) -> None:
        self.inventory.add_group(group)
        self.inventory.add_child(group, host)
        for parent in parents:
            self.inventory.add_group(parent)
            self.inventory.add_child(parent, group)
