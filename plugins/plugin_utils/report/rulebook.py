"""The rulebook coverage matrix: every section and item of the rulebook, with the catalog's
controls that implement it, or how hisops serves it otherwise, or why no machine can check it.

The rulebook's structure is data (``group_vars/all/rulebook.yml``, beside the control catalog);
the controls of an item are the catalog's controls whose ``rule`` cites it, never listed twice.
``problems`` says what keeps the matrix from accounting for the whole rulebook (the README's
claim; tests/unit/report/test_rulebook.py asserts there are none).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from .catalog import CatalogError
from .model import Column, SectionResult, static_table
from .sections import Context, Section, register

RULEBOOK_FILE = "rulebook.yml"  # beside the control catalog (group_vars/all/)
RULEBOOK_VAR = "hisops_rulebook"
# How an item is accounted for, in the matrix's order of strength.
COVERAGE = ("automated", "manual", "covered", "not_automatable")
# A citation as the catalog writes it: 五.4, 八.2(6) (a section's Chinese numeral, an item, a sub-item).
CITATION = re.compile(r"^[一二三四五六七八九十]+\.\d+(\(\d+\))?$")


def rulebook_path(catalog_path: str | os.PathLike[str]) -> Path:
    """The rulebook file beside a control catalog file."""
    return Path(catalog_path).parent / RULEBOOK_FILE


def load_rulebook(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The rulebook's sections (``section``, ``title``, ``items``); [] when the file is absent."""
    file = Path(path)
    if not file.is_file():
        return []
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError("cannot read the rulebook %s: %s" % (file, exc)) from None
    sections = data.get(RULEBOOK_VAR)
    if not isinstance(sections, list):
        raise CatalogError("the rulebook %s has no list %r" % (file, RULEBOOK_VAR))
    return sections


def citations(control: dict[str, Any]) -> list[str]:
    rule = control.get("rule") or []
    return [str(r) for r in (rule if isinstance(rule, list) else [rule])]


def citing_controls(catalog: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Rulebook item -> the catalog's controls that cite it (catalog order)."""
    out: dict[str, list[str]] = {}
    for cid, control in catalog.items():
        for item in citations(control):
            out.setdefault(item, []).append(cid)
    return out


def coverage_of(item: dict[str, Any], controls: list[str], catalog: dict[str, dict[str, Any]]) -> str:
    """automated (an automated control cites it), manual (only manual controls), covered (served by
    hisops otherwise: ``covered_by``) or not_automatable (``reason``)."""
    if any(catalog[c].get("kind") == "automated" for c in controls):
        return "automated"
    if controls:
        return "manual"
    return "covered" if item.get("covered_by") else "not_automatable"


def matrix(rulebook: list[dict[str, Any]], catalog: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per rulebook item, in the rulebook's order: section, item, text (zh), en, the citing
    controls, coverage and the note (covered_by or reason, {zh, en})."""
    cited = citing_controls(catalog)
    rows = []
    for section in rulebook:
        for item in section.get("items") or []:
            controls = cited.get(str(item["id"]), [])
            rows.append(
                {
                    "section": str(section["section"]),
                    "section_title": section.get("title") or {},
                    "item": str(item["id"]),
                    "text": item.get("text", ""),
                    "en": item.get("en", ""),
                    "controls": controls,
                    "coverage": coverage_of(item, controls, catalog),
                    "note": item.get("covered_by") or item.get("reason") or {},
                }
            )
    return rows


def problems(rulebook: list[dict[str, Any]], catalog: dict[str, dict[str, Any]]) -> list[str]:
    """What keeps the matrix from accounting for the whole rulebook, one line each ([] when nothing)."""
    out: list[str] = []
    seen: set[str] = set()
    cited = citing_controls(catalog)
    for row in matrix(rulebook, catalog):
        item = row["item"]
        if item in seen:
            out.append("rulebook item %s is listed twice" % item)
        seen.add(item)
        if not CITATION.match(item) or not item.startswith(row["section"] + "."):
            out.append("rulebook item %s is not an item of section %s" % (item, row["section"]))
        if not row["text"] or not row["en"]:
            out.append("rulebook item %s has no text or no en" % item)
        note = row["note"]
        if not row["controls"] and not (note.get("zh") and note.get("en")):
            out.append("rulebook item %s: no control cites it and it has no covered_by/reason (zh and en)" % item)
        if row["controls"] and note:
            cite = ", ".join(row["controls"])
            out.append("rulebook item %s: controls %s cite it, yet it has covered_by or a reason" % (item, cite))
    for item, controls in sorted(cited.items()):
        if item not in seen:
            out.append("controls %s cite %s, which is not an item of the rulebook" % (", ".join(controls), item))
    return out


MATRIX_COLUMNS = [
    Column("section", "col.rulebook_section", "text", 22),
    Column("item", "col.rule", "text", 10),
    Column("text", "col.rule_text", "text", 50),
    Column("controls", "col.rulebook_controls", "list", 28),
    Column("coverage", "col.rulebook_coverage", "coverage", 14),
    Column("note", "col.rulebook_note", "text", 50),
]


class RulebookSection(Section):
    """The coverage matrix (制度条款覆盖矩阵): the whole rulebook, item by item."""

    key, title, order = "rulebook", "section.rulebook", 95

    def has_data(self, ctx: Context) -> bool:
        return bool(ctx.rulebook)

    def build(self, ctx: Context) -> SectionResult:
        t = ctx.t
        rows = []
        for row in matrix(ctx.rulebook, ctx.catalog):
            rows.append(
                {
                    "section": "%s %s" % (row["section"], t.pick(row["section_title"])),
                    "item": row["item"],
                    "text": row["text"] if t.lang == "zh" else row["en"],
                    "controls": ["%s %s" % (cid, ctx.control_title(cid)) for cid in row["controls"]],
                    "coverage": row["coverage"],
                    "note": t.pick(row["note"]),
                }
            )
        counts = {c: sum(1 for r in rows if r["coverage"] == c) for c in COVERAGE}
        result = SectionResult(self.key, self.title)
        result.intro = t("rulebook.intro", items=len(rows), **counts)
        result.tables = [static_table("rulebook_matrix", "table.rulebook", MATRIX_COLUMNS, rows, group_by="section")]
        return result


register(RulebookSection())
