"""The rulebook coverage matrix (issue 17): every section and item of the rulebook appears in the
report with the controls that cite it, how the reports serve it, or why it is not automatable; the
README's claim that the whole rulebook is accounted for holds."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.project import project_path
from ansible_collections.hisops.him.plugins.plugin_utils.report import rulebook as rb
from ansible_collections.hisops.him.plugins.plugin_utils.report.catalog import DEFAULT_CATALOG, load_catalog

from .conftest import run_cli

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
# Cited by no control (issue 17): each must say why no machine checks it.
UNCITED = ("五.6", "五.7", "五.9", "六.3", "七.8", "七.12")
SECTIONS = ("一", "二", "三", "四", "五", "六", "七", "八")


@pytest.fixture(scope="module")
def book() -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    path = project_path(DEFAULT_CATALOG)
    return rb.load_rulebook(rb.rulebook_path(path)), load_catalog(path)


def test_the_whole_rulebook_is_accounted_for_as_the_readme_says(book) -> None:
    rules, catalog = book
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "the whole rulebook is accounted for" in readme
    assert rb.problems(rules, catalog) == []
    assert [s["section"] for s in rules] == list(SECTIONS)
    rows = rb.matrix(rules, catalog)
    # 7 + 6 + 7 + 7 + 10 + 6 + 12 items, and 八.1(1)-(4), 八.2(1)-(8), 八.3(1)
    assert len(rows) == 68
    counts = {c: sum(1 for r in rows if r["coverage"] == c) for c in rb.COVERAGE}
    assert counts == {"automated": 22, "manual": 11, "covered": 8, "not_automatable": 27}
    by_item = {r["item"]: r for r in rows}
    for item in UNCITED:
        assert by_item[item]["controls"] == [] and by_item[item]["coverage"] == "not_automatable", item
        assert by_item[item]["note"]["zh"] and by_item[item]["note"]["en"], item
    assert by_item["五.4"]["controls"] == ["HIM-5.4-games", "HIM-7.4-storage"]
    assert by_item["四.3"]["coverage"] == "covered"


def test_problems_name_an_unaccounted_item_and_a_citation_outside_the_rulebook(book) -> None:
    rules, catalog = book
    broken = json.loads(json.dumps(rules))
    five = next(s for s in broken if s["section"] == "五")
    six = next(i for i in five["items"] if i["id"] == "五.6")
    del six["reason"]
    five["items"].append(dict(six))  # listed twice
    catalog = catalog | {"HIM-9.9-x": {"rule": ["九.1"], "kind": "automated", "title": {"zh": "x", "en": "x"}}}
    assert rb.problems(broken, catalog) == [
        "rulebook item 五.6: no control cites it and it has no covered_by/reason (zh and en)",
        "rulebook item 五.6 is listed twice",
        "rulebook item 五.6: no control cites it and it has no covered_by/reason (zh and en)",
        "controls HIM-9.9-x cite 九.1, which is not an item of the rulebook",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_shows_every_item_of_the_rulebook(known_store: str, book, tmp_path: Path, lang: str) -> None:
    rules, catalog = book
    code, files, err = run_cli("--store", known_store, "--period", "2026-11", "--lang", lang,
                               "--format", "json,html", "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    doc = json.loads(next(p for p in files if p.suffix == ".json").read_text(encoding="utf-8"))
    section = next(s for s in doc["sections"] if s["key"] == "rulebook")
    table = next(t for t in section["tables"] if t["key"] == "rulebook_matrix")
    items = [i["id"] for s in rules for i in s["items"]]
    assert [r["item"] for r in table["rows"]] == items
    row = next(r for r in table["rows"] if r["item"] == "七.12")
    assert row["controls"] == [] and row["coverage"] == "not_automatable"
    five_four = next(r for r in table["rows"] if r["item"] == "五.4")
    title = catalog["HIM-5.4-games"]["title"][lang]
    assert five_four["controls"][0] == "HIM-5.4-games " + title
    html = next(p for p in files if p.suffix == ".html").read_text(encoding="utf-8")
    if lang == "zh":
        assert row["text"] == "本制度适用于院内计算机管理系统及部分科室的网络系统。"
        intro = "全部 68 条：自动检查 22 条，人工检查 11 条，由报告提供 8 条，无法自动检查 27 条"
    else:
        assert row["text"].startswith("These rules apply")
        intro = "All 68 items of the rulebook: 22 checked automatically, 11 checked by people, 8 served by the reports"
    assert intro in html
    for item in items:
        assert re.search(r">\s*%s\s*<" % re.escape(item), html), item
