"""The HTML report as a browser shows it: a headless Chromium screenshot, checked for content."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from tests.unit.report.conftest import run_cli
from tests.unit.report.reportdata import make_store

pytestmark = pytest.mark.component

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(html: Path, png: Path, profile: Path, height: int = 3000) -> None:
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--user-data-dir=%s" % profile,
        "--screenshot=%s" % png,
        "--window-size=1400,%d" % height,
        html.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and png.exists(), proc.stderr[-2000:]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (./hisops setup installs it)")
def test_html_report_renders_in_chromium(tmp_path: Path) -> None:
    store = make_store(tmp_path / "results.sqlite")
    code, files, err = run_cli("--store", store, "--period", "2026-11", "--format", "html", "--out", str(tmp_path))
    assert code == 0, err
    png = tmp_path / "report.png"
    screenshot(files[0], png, tmp_path / "chromium-profile")
    assert png.stat().st_size > 50_000
    pixels = mpimg.imread(str(png))[..., :3]
    assert pixels.shape[:2] == (3000, 1400)
    # Not blank: many distinct colours; the header band is the dark blue of the report.
    colours = np.unique((pixels[::4, ::4] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50
    assert np.allclose(pixels[20, 700], np.array([0x12, 0x35, 0x5B]) / 255, atol=0.02)
    # Text is drawn: the rows under the header have dark (text) pixels among the white ones.
    body = pixels[200:1500, 30:1370].mean(axis=2)
    assert (body < 0.35).mean() > 0.005
    keep = Path(__file__).resolve().parents[3] / ".cache" / "report-screenshot.png"
    keep.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, keep)  # for a human to look at after a test run (git-ignored)
