"""Report periods: a month (2026-11), a quarter (2026-Q4), a year (2026) or dates (2026-10-01..2026-11-30)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")

PERIOD_HELP = (
    "a month (2026-11), a quarter (2026-Q4), a year (2026), dates (2026-10-01..2026-11-30, both included) "
    "or, for schedules, last-month, this-month, last-quarter, this-quarter, last-year, this-year"
)
RELATIVE = ("last-month", "this-month", "last-quarter", "this-quarter", "last-year", "this-year")


class PeriodError(ValueError):
    """The period given on the command line cannot be understood."""


@dataclass(frozen=True)
class Period:
    """A half-open interval of days [start, end) with the text it was given as."""

    spec: str
    kind: str  # month | quarter | year | range
    start: dt.date
    end: dt.date  # exclusive

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def start_ts(self) -> str:
        """The first instant of the period, as the store writes timestamps (ISO 8601, UTC)."""
        return self.start.isoformat() + "T00:00:00"

    def end_ts(self) -> str:
        """The first instant after the period."""
        return self.end.isoformat() + "T00:00:00"

    def slug(self) -> str:
        """A file-name-safe form: 2026-11, 2026-Q4, 2026, 2026-10-01_2026-11-30."""
        return self.spec.replace("..", "_").replace("q", "Q")

    def previous(self) -> Period:
        """The period just before this one, of the same kind and length (环比)."""
        if self.kind == "month":
            start = _add_months(self.start, -1)
            return Period("%04d-%02d" % (start.year, start.month), "month", start, self.start)
        if self.kind == "quarter":
            start = _add_months(self.start, -3)
            return Period("%04d-Q%d" % (start.year, (start.month - 1) // 3 + 1), "quarter", start, self.start)
        if self.kind == "year":
            year = self.start.year - 1
            return Period("%04d" % year, "year", dt.date(year, 1, 1), self.start)
        start = self.start - dt.timedelta(days=self.days)
        return Period("%s..%s" % (start, self.start - dt.timedelta(days=1)), "range", start, self.start)

    def year_before(self) -> Period | None:
        """The same period a year earlier (同比); None for a year (its previous period is that)."""
        if self.kind == "year":
            return None
        start, end = _year_earlier(self.start), _year_earlier(self.end)
        if self.kind == "month":
            return Period("%04d-%02d" % (start.year, start.month), "month", start, end)
        if self.kind == "quarter":
            return Period("%04d-Q%d" % (start.year, (start.month - 1) // 3 + 1), "quarter", start, end)
        return Period("%s..%s" % (start, end - dt.timedelta(days=1)), "range", start, end)

    def label(self, lang: str) -> str:
        s, e = self.start, self.last_day
        if lang == "zh":
            if self.kind == "month":
                return "%d年%d月" % (s.year, s.month)
            if self.kind == "quarter":
                return "%d年第%d季度" % (s.year, (s.month - 1) // 3 + 1)
            if self.kind == "year":
                return "%d年" % s.year
            return "%s 至 %s" % (s.isoformat(), e.isoformat())
        if self.kind == "month":
            return s.strftime("%B %Y")
        if self.kind == "quarter":
            return "Q%d %d" % ((s.month - 1) // 3 + 1, s.year)
        if self.kind == "year":
            return str(s.year)
        return "%s to %s" % (s.isoformat(), e.isoformat())


def _date(text: str, spec: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise PeriodError("period %r: %r is not a valid date (YYYY-MM-DD)" % (spec, text)) from exc


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _year_earlier(day: dt.date) -> dt.date:
    """The same day a year earlier (29 February: the 28th)."""
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _relative(text: str, today: dt.date) -> str:
    """A relative period (last-month, ...) as the absolute one it means today."""
    which, unit = text.split("-", 1)
    back = 1 if which == "last" else 0
    if unit == "month":
        day = _add_months(today.replace(day=1), -back)
        return "%04d-%02d" % (day.year, day.month)
    if unit == "quarter":
        day = _add_months(dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), -3 * back)
        return "%04d-Q%d" % (day.year, (day.month - 1) // 3 + 1)
    return "%04d" % (today.year - back)


def parse_period(spec: str, today: dt.date | None = None) -> Period:
    """Parse a period; anything else is a PeriodError that says what is accepted."""
    text = (spec or "").strip()
    if text.lower() in RELATIVE:
        text = _relative(text.lower(), today or dt.date.today())
    if m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError("period %r: month %d is not 1-12" % (spec, month))
        start = dt.date(year, month, 1)
        return Period("%04d-%02d" % (year, month), "month", start, _add_months(start, 1))
    if m := _QUARTER.match(text):
        year, quarter = int(m.group(1)), int(m.group(2))
        start = dt.date(year, 3 * (quarter - 1) + 1, 1)
        return Period("%04d-Q%d" % (year, quarter), "quarter", start, _add_months(start, 3))
    if m := _YEAR.match(text):
        year = int(m.group(1))
        return Period("%04d" % year, "year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    if m := _RANGE.match(text):
        start, last = _date(m.group(1), spec), _date(m.group(2), spec)
        if last < start:
            raise PeriodError("period %r: the end %s is before the start %s" % (spec, last, start))
        return Period(text, "range", start, last + dt.timedelta(days=1))
    raise PeriodError("unknown period %r: use %s" % (spec, PERIOD_HELP))
