"""Remediation text per control (issue 17): every control of the catalog says what to do about a
finding, in Chinese and English, and the reports show it beside the top failing controls and the
manual controls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.report.catalog import load_catalog

from .conftest import run_cli

pytestmark = pytest.mark.unit


def test_every_control_has_a_remediation_in_both_languages() -> None:
    catalog = load_catalog()
    missing = [cid for cid, c in catalog.items() if not all((c.get("remediation") or {}).get(x) for x in ("zh", "en"))]
    assert catalog and missing == []
    # the manual ones say what people do, never a playbook
    assert all("playbooks/" not in c["remediation"]["en"] for c in catalog.values() if c["kind"] == "manual")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_shows_each_controls_remediation(known_store: str, tmp_path: Path, lang: str) -> None:
    catalog = load_catalog()
    code, files, err = run_cli("--store", known_store, "--period", "2026-11", "--lang", lang, "--format", "json",
                               "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    tables = {t["key"]: t for s in doc["sections"] for t in s["tables"]}
    top = {r["control_id"]: r["remediation"] for r in tables["top_failing"]["rows"]}
    assert set(top) == {"HIM-7.4-storage", "HIM-7.7-antivirus"}
    assert top == {cid: catalog[cid]["remediation"][lang] for cid in top}
    manual = {r["control_id"]: r["remediation"] for r in tables["manual_controls"]["rows"]}
    assert manual and manual == {cid: catalog[cid]["remediation"][lang] for cid in manual}


def test_every_automated_control_has_a_finding_message_in_both_languages() -> None:
    catalog = load_catalog()
    automated = {cid: c for cid, c in catalog.items() if c["kind"] == "automated"}
    missing = [cid for cid, c in automated.items() if not all((c.get("finding") or {}).get(x) for x in ("zh", "en"))]
    assert automated and missing == []
    # the Chinese message is Chinese (the check's English output is what it replaces)
    assert all(not c["finding"]["zh"].isascii() for c in automated.values())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_finding_has_a_translated_line_beside_the_verbatim_output(known_store: str, tmp_path: Path,
                                                                       lang: str) -> None:  # fmt: skip
    catalog = load_catalog()
    code, files, err = run_cli("--store", known_store, "--period", "2026-11", "--lang", lang, "--format", "json",
                               "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    findings = next(t for s in doc["sections"] for t in s["tables"] if t["key"] == "findings")["rows"]
    lines = {(r["host"], r["control_id"], r["status"]): (r["finding"], r["message"]) for r in findings}
    fail = {"zh": "不合格：", "en": "fail: "}[lang] + catalog["HIM-7.4-storage"]["finding"][lang]
    error = {"zh": "错误：检查本身出错，无法判断是否合规",
             "en": "error: the check itself failed: compliance unknown"}[lang]  # fmt: skip
    assert lines == {
        ("ws-zy-01", "HIM-7.4-storage", "fail"): (fail, "fail on ws-zy-01"),
        ("ws-zy-01", "HIM-7.7-antivirus", "error"): (error, "error on ws-zy-01"),
    }
