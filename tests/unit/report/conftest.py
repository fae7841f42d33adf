"""Fixtures of the report tests: a store with known data, and the report CLI run in-process."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import lxml.html
import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.store import open_store

from .reportdata import make_store


@pytest.fixture(scope="session")
def known_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_store(tmp_path_factory.mktemp("store") / "results.sqlite")


def run_cli(*args: str) -> tuple[int, list[Path], str]:
    """Run ``hisops-report`` in-process: (exit code, files written, stderr)."""
    from ansible_collections.hisops.him.plugins.plugin_utils.report.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, [Path(p) for p in out.getvalue().split()], err.getvalue()


def month_report(store: Path, out: Path, lang: str) -> tuple[str, dict]:
    """The November 2026 report of STORE in LANG, written under OUT: (its HTML text, its JSON)."""
    code, files, err = run_cli(
        "--store", str(store), "--period", "2026-11", "--lang", lang, "--format", "html,json", "--out", str(out)
    )  # fmt: skip
    assert code == 0, err
    html = next(p for p in files if p.suffix == ".html").read_text(encoding="utf-8")
    return html, json.loads(next(p for p in files if p.suffix == ".json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def zh_report(known_store: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The November 2026 report in every format, in Chinese."""
    out = tmp_path_factory.mktemp("zh")
    code, files, err = run_cli("--store", known_store, "--period", "2026-11", "--format", "html,xlsx,csv,json",
                               "--out", str(out))  # fmt: skip
    assert code == 0, err
    return {("csv" if p.is_dir() else p.suffix[1:]): p for p in files}


def sections_of_a_run_without_records(tmp_path: Path) -> list[str]:
    """The section ids of the November 2026 HTML report of a store with one run and no other record."""
    with open_store(tmp_path / "e.sqlite") as store:
        store.start_run({"uuid": "r-1", "started": "2026-11-10T01:00:00.000000Z", "mode": "check"})
    code, files, err = run_cli(
        "--store", str(tmp_path / "e.sqlite"), "--period", "2026-11", "--format", "html", "--out", str(tmp_path)
    )
    assert code == 0, err
    doc = lxml.html.fromstring(files[0].read_text(encoding="utf-8"))
    return [s.get("id") for s in doc.iter("section")]
