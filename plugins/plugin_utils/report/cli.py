"""Command line: hisops-report --store ... --period 2026-11 --format html,xlsx --lang zh --out DIR"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..stale_runs import MAX_AGE_ENV
from ..store import ENV_VAR, StoreError, resolve_location

from .build import Options, open_report
from .catalog import CatalogError
from .i18n import LANGS, Translator
from .model import Report
from .period import PERIOD_HELP, PeriodError, parse_period
from .render_csv import render_csv
from .render_html import render_html
from .render_json import render_json
from .render_xlsx import render_xlsx
from .source import ReportSourceError, damaged_message

FORMATS = ("html", "xlsx", "csv", "json")
DEBUG_ENV = "HISOPS_DEBUG"  # set: an unexpected error shows its traceback


class UsageError(Exception):
    """Bad command-line input, said in one line."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="hisops-report",
        description="Write the compliance report of a period from the hisops results store.",
    )
    ap.add_argument("--store", help="results store: a SQLite file or postgresql:// DSN (default $%s)" % ENV_VAR)
    ap.add_argument("--period", required=True, help=PERIOD_HELP)
    ap.add_argument("--format", default="html,xlsx", help="comma-separated: %s (default html,xlsx)" % ",".join(FORMATS))
    ap.add_argument("--lang", default="zh", choices=LANGS, help="report language (default zh)")
    ap.add_argument("--out", default="reports", help="directory for the report files (default reports/)")
    ap.add_argument("--catalog", help="control catalog (default group_vars/all/controls.yml)")
    ap.add_argument("--inventory", help="inventory for department names in English (ansible-inventory --list)")
    ap.add_argument("--html-rows", type=int, default=500, help="rows of each detail table in the HTML (default 500)")
    ap.add_argument(
        "--xlsx-rows", type=int, default=10000, help="rows of the findings sheet (default 10000; CSV/JSON have all)"
    )
    ap.add_argument("--target", type=float, default=0.95, help="target compliance rate 0..1 for colours (0.95)")
    ap.add_argument(
        "--stale-run-hours",
        type=float,
        help="mark runs of other controllers still 'running' after this many hours as interrupted "
        "(default $%s, else 24; 0: never; runs of this controller: as soon as their process is gone)" % MAX_AGE_ENV,
    )
    ap.add_argument(
        "--analysis-dir",
        help="folder of the written analyses, one file per period, e.g. 2026-Q4.zh.md "
        "(default $HISOPS_ANALYSIS_DIR, else analysis/ in the project)",
    )
    return ap.parse_args(argv)


def _formats(text: str) -> list[str]:
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UsageError(
            "unknown --format %s: use a comma-separated list of %s" % (",".join(unknown) or "''", ", ".join(FORMATS))
        )
    return list(dict.fromkeys(wanted))


def _out_dir(path: str) -> Path:
    out = Path(path)
    try:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".hisops-write-test-", delete=True)  # noqa: SIM115
        probe.close()
    except OSError as exc:
        raise UsageError(
            "cannot write reports to %s: %s (give a writable --out directory)" % (out, exc.strerror)
        ) from None
    return out


def _base_name(out: Path, period_slug: str, lang: str, formats: list[str]) -> str:
    """A name no earlier report uses: reports are never overwritten."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = "hisops-report_%s_%s_%s" % (period_slug, lang, stamp)
    candidate, n = base, 2
    while any((out / _target_name(candidate, f)).exists() for f in formats):
        candidate, n = "%s-%d" % (base, n), n + 1
    return candidate


def _target_name(base: str, fmt: str) -> str:
    return base + "_csv" if fmt == "csv" else "%s.%s" % (base, fmt)


def _publish(tmp: Path, final: Path) -> None:
    """Move a finished file/dir into place without ever replacing an existing report."""
    if tmp.is_dir():
        if final.exists():
            raise UsageError("%s already exists: not overwriting an earlier report" % final)
        tmp.rename(final)
        return
    try:
        os.link(tmp, final)
    except FileExistsError:
        raise UsageError("%s already exists: not overwriting an earlier report" % final) from None
    finally:
        tmp.unlink(missing_ok=True)


def _owner_only(path: Path) -> None:
    """A report names departments' custodians and staff: readable by its owner only."""
    if path.is_dir():
        path.chmod(0o700)
        for child in path.iterdir():
            child.chmod(0o600)
    else:
        path.chmod(0o600)


def write_report(report: Report, t: Translator, out: Path, base: str, formats: list[str]) -> list[Path]:
    renderers: dict[str, tuple[str, Callable[..., Any]]] = {
        "html": ("w", render_html),
        "xlsx": ("wb", render_xlsx),
        "json": ("w", render_json),
    }
    written = []
    for fmt in formats:
        final = out / _target_name(base, fmt)
        tmp = out / (".tmp-" + final.name)
        try:
            if fmt == "csv":
                render_csv(report, tmp, t)
            else:
                mode, render = renderers[fmt]
                kwargs = {"encoding": "utf-8"} if mode == "w" else {}
                with open(tmp, mode, **kwargs) as fh:
                    render(report, fh, t)
            _owner_only(tmp)
            _publish(tmp, final)
        finally:
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            elif tmp.exists():
                tmp.unlink()
        written.append(final)
    return written


def _store_display(store: str | None) -> str:
    try:
        return resolve_location(store).display
    except StoreError:
        return str(store)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        period = parse_period(args.period)
        formats = _formats(args.format)
        if not 0 < args.target <= 1:
            raise UsageError("--target %s is not a compliance rate between 0 and 1 (e.g. 0.95)" % args.target)
        out = _out_dir(args.out)
        opts = Options(
            store=args.store,
            period=period,
            lang=args.lang,
            catalog=args.catalog,
            inventory=args.inventory,
            html_rows=max(0, args.html_rows),
            xlsx_rows=max(0, args.xlsx_rows),
            target=args.target,
            stale_run_hours=args.stale_run_hours,
            analysis_dir=args.analysis_dir,
        )
        with open_report(opts) as (report, t):
            base = _base_name(out, period.slug(), args.lang, formats)
            written = write_report(report, t, out, base, formats)
    except (PeriodError, UsageError, ReportSourceError, StoreError, CatalogError) as exc:
        print("hisops report: error: %s" % exc, file=sys.stderr)
        return 2
    except Exception as exc:  # a damaged store found while reading, a bug: one line, never a traceback
        if os.environ.get(DEBUG_ENV):
            raise
        damaged = damaged_message(exc, args.store)
        if damaged:
            print("hisops report: error: %s" % damaged, file=sys.stderr)
            return 2
        first = (str(exc).strip().splitlines() or [""])[0]
        print(
            "hisops report: error: the report could not be written: %s: %s (results store %s; set %s=1 for the "
            "details)" % (type(exc).__name__, first, _store_display(args.store), DEBUG_ENV),
            file=sys.stderr,
        )
        return 2
    for path in written:
        print(path)
    return 0
