"""Periods and labels."""

from __future__ import annotations

import datetime as dt

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.report.i18n import CATALOG, LANGS, Translator
from ansible_collections.hisops.him.plugins.plugin_utils.report.period import PeriodError, parse_period

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("spec", "start", "end", "kind", "zh"),
    [
        ("2026-11", dt.date(2026, 11, 1), dt.date(2026, 12, 1), "month", "2026年11月"),
        ("2026-12", dt.date(2026, 12, 1), dt.date(2027, 1, 1), "month", "2026年12月"),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1), "quarter", "2026年第4季度"),
        ("2026-q1", dt.date(2026, 1, 1), dt.date(2026, 4, 1), "quarter", "2026年第1季度"),
        ("2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1), "year", "2026年"),
        ("2026-10-01..2026-11-30", dt.date(2026, 10, 1), dt.date(2026, 12, 1), "range", "2026-10-01 至 2026-11-30"),
    ],
)
def test_periods(spec: str, start: dt.date, end: dt.date, kind: str, zh: str) -> None:
    p = parse_period(spec)
    assert (p.start, p.end, p.kind, p.label("zh")) == (start, end, kind, zh)
    assert "/" not in p.slug() and ".." not in p.slug()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("2026-13", "month 13"),
        ("2026-Q5", "unknown period"),
        ("last month", "unknown period"),
        ("", "unknown period"),
        ("2026-11-31..2026-12-01", "not a valid date"),
        ("2026-12-01..2026-11-01", "before the start"),
    ],
)
def test_bad_periods_say_what_is_accepted(spec: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message) as err:
        parse_period(spec)
    if "unknown" in message:
        assert "2026-Q4" in str(err.value) and "2026-10-01..2026-11-30" in str(err.value)


def test_every_label_exists_in_both_languages() -> None:
    for key, texts in CATALOG.items():
        assert len(texts) == len(LANGS) and all(t.strip() for t in texts), key
    zh, en = Translator("zh"), Translator("en")
    assert zh("section.summary") != en("section.summary")
    assert zh.value("status", "fail") == "不合格" and en.value("status", "fail") == "fail"
    assert en.pick({"zh": "门诊部", "en": ""}) == "门诊部"
    with pytest.raises(ValueError, match="unknown language"):
        Translator("fr")


@pytest.mark.parametrize(
    ("spec", "today", "expected"),
    [
        ("last-month", dt.date(2026, 1, 15), "2025-12"),
        ("this-month", dt.date(2026, 1, 15), "2026-01"),
        ("last-quarter", dt.date(2026, 2, 1), "2025-Q4"),
        ("this-quarter", dt.date(2026, 11, 30), "2026-Q4"),
        ("last-year", dt.date(2026, 3, 1), "2025"),
        ("this-year", dt.date(2026, 3, 1), "2026"),
    ],
)
def test_relative_periods_for_schedules(spec: str, today: dt.date, expected: str) -> None:
    assert parse_period(spec, today=today).spec == expected


def test_inventory_data_marked_unsafe_is_read_as_text() -> None:
    from ansible_collections.hisops.him.plugins.plugin_utils.report.catalog import _plain

    data = {"code": {"__ansible_unsafe": "it"}, "custodian": {"name": {"__ansible_unsafe": "王伟"}}, "x": [1]}
    assert _plain(data) == {"code": "it", "custodian": {"name": "王伟"}, "x": [1]}
