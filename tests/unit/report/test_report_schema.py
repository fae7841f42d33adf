"""The JSON report's documented, versioned schema (docs/report-schema.json, issue 17): real reports
validate against it, a broken document does not, and the schema says what the code writes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.report.model import KINDS
from ansible_collections.hisops.him.plugins.plugin_utils.report.render_json import SCHEMA, SCHEMA_VERSION

from . import yeardata as yd
from .conftest import run_cli

pytestmark = pytest.mark.unit

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "report-schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _errors(validator: jsonschema.Draft202012Validator, doc: dict[str, Any]) -> list[str]:
    return sorted("/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in validator.iter_errors(doc))


def _consistent(doc: dict[str, Any]) -> None:
    """What a JSON Schema cannot say: every row has the table's columns, total counts the rows, and
    rates are on the 0..1 scale."""
    for section in doc["sections"]:
        for table in section["tables"]:
            keys = [c["key"] for c in table["columns"]]
            assert table["total"] == len(table["rows"]), table["key"]
            rates = [c["key"] for c in table["columns"] if c["kind"] == "rate"]
            for row in table["rows"]:
                assert set(row) == set(keys), table["key"]
                assert all(row[k] is None or 0 <= row[k] <= 1 for k in rates), (table["key"], row)


def test_the_schema_says_what_the_code_writes(validator) -> None:
    schema = validator.schema
    assert schema["properties"]["schema"]["const"] == SCHEMA
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert schema["properties"]["meta"]["properties"]["report_schema_version"]["const"] == SCHEMA_VERSION
    assert schema["$defs"]["column"]["properties"]["kind"]["enum"] == list(KINDS)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_month_report_validates(validator, known_store: str, tmp_path: Path, lang: str) -> None:
    code, files, err = run_cli("--store", known_store, "--period", "2026-11", "--lang", lang, "--format", "json",
                               "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    assert _errors(validator, doc) == []
    _consistent(doc)
    assert len(doc["sections"]) >= 8 and sum(len(s["tables"]) for s in doc["sections"]) >= 15


def test_a_year_of_daily_runs_validates(validator, tmp_path: Path) -> None:
    store, catalog = yd.write(tmp_path / "year.sqlite", yd.history())
    code, files, err = run_cli("--store", store, "--catalog", catalog, "--period", "2026", "--format", "json",
                               "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    assert _errors(validator, doc) == []
    _consistent(doc)
    assert {"trend", "fixes", "findings"} <= {t["key"] for s in doc["sections"] for t in s["tables"]}


def test_a_broken_document_does_not_validate(validator, known_store: str, tmp_path: Path) -> None:
    code, files, err = run_cli(
        "--store", known_store, "--period", "2026-11", "--format", "json", "--out", str(tmp_path)
    )
    assert code == 0, err
    good = json.loads(files[0].read_text(encoding="utf-8"))
    broken = copy.deepcopy(good)
    broken["schema_version"] = SCHEMA_VERSION + 1
    broken["meta"]["lang"] = "fr"
    table = broken["sections"][0]["tables"][0]
    del table["total"]
    table["columns"][0]["kind"] = "percent"
    table["rows"][0][table["columns"][0]["key"]] = {"nested": "object"}
    assert _errors(validator, broken) == [
        "meta/lang: 'fr' is not one of ['zh', 'en']",
        "schema_version: %d was expected" % SCHEMA_VERSION,
        "sections/0/tables/0/columns/0/kind: 'percent' is not one of %s" % list(KINDS),
        "sections/0/tables/0/rows/0/%s: {'nested': 'object'} is not valid under any of the given schemas"
        % table["columns"][0]["key"],
        "sections/0/tables/0: 'total' is a required property",
    ]
