"""Files the operator writes per period, which the report reads: the written analysis (rulebook
四.6) and the records of the manual controls' checks.

Both are in ONE folder, ``ANALYSIS_DIR``: ``--analysis-dir``, else ``$HISOPS_ANALYSIS_DIR``, else
``analysis/`` in the project directory.

- ``<period>.<lang>.md`` (else ``<period>.md`` or ``.txt``): the analysis, paragraphs separated by
  an empty line, included as written (``2026-Q4.zh.md``);
- ``<period>.manual.yml``: the manual checks of the period, a list of ``{control, date, checker,
  result (pass | fail | exempt), note}``; the report shows, per manual control of the catalog,
  its last check of the period, or 未检查 / not checked.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import yaml

from ..store import PROJECT_ROOT

from .catalog import CatalogError
from .period import Period

ANALYSIS_ENV = "HISOPS_ANALYSIS_DIR"
DEFAULT_ANALYSIS_DIR = PROJECT_ROOT / "analysis"
ANALYSIS_SUFFIXES = (".md", ".txt")
MANUAL_SUFFIX = ".manual.yml"
MANUAL_RESULTS = ("pass", "fail", "exempt")


def analysis_dir(option: str | None = None) -> Path:
    """Where the written analyses are: the option, else $HISOPS_ANALYSIS_DIR, else analysis/."""
    return Path(option or os.environ.get(ANALYSIS_ENV) or DEFAULT_ANALYSIS_DIR)


def analysis_files(folder: Path, period: Period, lang: str) -> list[Path]:
    """The files the analysis of a period may be in, the first found wins."""
    slug = period.slug()
    return [folder / (slug + "." + lang + suffix) for suffix in ANALYSIS_SUFFIXES] + [
        folder / (slug + suffix) for suffix in ANALYSIS_SUFFIXES
    ]


def read_analysis(folder: Path, period: Period, lang: str) -> tuple[Path, list[str]]:
    """(the file, its paragraphs); no paragraphs when there is no file (the path to write then)."""
    candidates = analysis_files(folder, period, lang)
    for path in candidates:
        if path.is_file():
            text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
            return path, [p.strip() for p in text.split("\n\n") if p.strip()]
    return candidates[-2], []


def read_manual_checks(folder: Path, period: Period) -> dict[str, dict[str, Any]]:
    """The last check of each manual control recorded for the period (control ID -> record)."""
    path = folder / (period.slug() + MANUAL_SUFFIX)
    if not path.is_file():
        return {}
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise CatalogError("%s is not valid YAML: %s" % (path, str(exc).splitlines()[0])) from None
    if not isinstance(entries, list):
        raise CatalogError("%s: expected a list of {control, date, checker, result, note}" % path)
    out: dict[str, dict[str, Any]] = {}
    for n, entry in enumerate(entries, start=1):
        record = _manual_record(path, n, entry)
        current = out.get(record["control_id"])
        if current is None or record["checked_on"] >= current["checked_on"]:
            out[record["control_id"]] = record
    return out


def _manual_record(path: Path, n: int, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict) or not entry.get("control"):
        raise CatalogError("%s, entry %d: needs at least control, date, checker and result" % (path, n))
    result = str(entry.get("result") or "")
    if result not in MANUAL_RESULTS:
        raise CatalogError("%s, entry %d: result %r is not one of %s" % (path, n, result, ", ".join(MANUAL_RESULTS)))
    try:
        day = entry["date"] if isinstance(entry.get("date"), dt.date) else dt.date.fromisoformat(str(entry["date"]))
    except (KeyError, ValueError):
        raise CatalogError("%s, entry %d: date must be YYYY-MM-DD" % (path, n)) from None
    return {
        "control_id": str(entry["control"]),
        "checked_on": day.isoformat(),
        "checker": str(entry.get("checker") or ""),
        "result": result,
        "note": str(entry.get("note") or ""),
    }
