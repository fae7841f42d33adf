"""Charts as inline SVG (matplotlib, text kept as text so the browser's CJK font renders Chinese)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "DejaVu Sans"]
GOOD, WARN, BAD, GRID = "#2e7d32", "#f9a825", "#c62828", "#dddddd"
_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)


def _style() -> None:
    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.sans-serif": FONTS,
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.unicode_minus": False,
        }
    )


def _color(rate: float | None, target: float) -> str:
    if rate is None:
        return GRID
    return GOOD if rate >= target else WARN if rate >= target - 0.1 else BAD


def _svg(fig: plt.Figure, key: str) -> str:
    buf = io.StringIO()
    with plt.rc_context({"svg.hashsalt": "hisops-" + key}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = _PROLOG.sub("", buf.getvalue(), count=1)
    # Unique ids per chart: several SVGs live in one HTML document.
    svg = re.sub(r'id="([^"]+)"', lambda m: 'id="%s-%s"' % (key, m.group(1)), svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: "url(#%s-%s)" % (key, m.group(1)), svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: 'xlink:href="#%s-%s"' % (key, m.group(1)), svg)
    return svg.replace("<svg ", '<svg role="img" class="chart" ', 1)


def bar_chart(key: str, labels: Sequence[str], rates: Sequence[float | None], target: float = 0.95) -> str:
    """Horizontal bars of compliance rates (0..1) shown in percent, worst at the top."""
    _style()
    height = max(1.6, 0.28 * len(labels) + 0.8)
    fig, ax = plt.subplots(figsize=(8.0, height))
    values = [(r or 0.0) * 100 for r in rates]
    pos = list(range(len(labels)))[::-1]
    ax.barh(pos, values, color=[_color(r, target) for r in rates], height=0.7)
    ax.set_yticks(pos, labels=list(labels))
    ax.set_xlim(0, 100)
    ax.axvline(target * 100, color="#555555", linewidth=0.8, linestyle="--")
    ax.xaxis.grid(True, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for y, v, r in zip(pos, values, rates, strict=True):
        ax.text(min(v, 99) + 0.5, y, "—" if r is None else "%.1f" % v, va="center", fontsize=8)
    return _svg(fig, key)


def line_chart(key: str, labels: Sequence[str], rates: Sequence[float | None], target: float = 0.95) -> str:
    """Compliance rate over time (one point per run or day)."""
    _style()
    fig, ax = plt.subplots(figsize=(8.0, 2.8))
    xs = list(range(len(labels)))
    ys = [None if r is None else r * 100 for r in rates]
    ax.plot(xs, [float("nan") if y is None else y for y in ys], marker="o", markersize=3, color="#1565c0")
    ax.axhline(target * 100, color="#555555", linewidth=0.8, linestyle="--")
    low = min([y for y in ys if y is not None] or [0.0])
    ax.set_ylim(max(0.0, min(low, target * 100) - 5), 100.5)
    step = max(1, len(labels) // 12)
    ax.set_xticks(xs[::step], labels=[labels[i] for i in xs[::step]], rotation=30, ha="right")
    ax.yaxis.grid(True, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    return _svg(fig, key)
