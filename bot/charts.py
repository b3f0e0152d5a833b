"""Charts as PNG bytes, drawn headless with matplotlib (imported only when a chart is made):
sized and lettered to be read on a phone."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from index import Timeline

SIZE = (8.0, 5.0)  # inches; at DPI, 1200 x 750 pixels
DPI = 150
MAX_LABELS = 12  # month labels on the x axis at most


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 13, "axes.titlesize": 16, "axes.titleweight": "bold"})
    return plt


def timeline_png(found: Timeline) -> bytes:
    """Stacked bars: per month, the passages (or articles) of each outlet."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=SIZE, dpi=DPI)
    try:
        positions = list(range(len(found.months)))
        bottom = [0] * len(found.months)
        for outlet, counts in found.passages.items():
            axes.bar(positions, counts, bottom=bottom, label=outlet[:30])
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        step = max(1, len(positions) // MAX_LABELS + (len(positions) % MAX_LABELS > 0))
        axes.set_xticks(positions[::step], [found.months[i] for i in positions[::step]])
        axes.tick_params(axis="x", labelrotation=45)
        axes.set_ylabel(found.unit)
        subject = f"“{found.topic[:40]}”" if found.topic else "the whole corpus"
        axes.set_title(f"{found.unit.capitalize()} per month: {subject}")
        if found.passages:
            axes.legend(loc="upper left", fontsize=11, frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        axes.yaxis.set_major_locator(_whole_numbers())
        figure.tight_layout()
        return _png(figure)
    finally:
        plt.close(figure)


def stats_png(
    days: Sequence[str],
    asked: Sequence[int],
    answered: Sequence[float],
    up: Sequence[int],
    down: Sequence[int],
) -> bytes:
    """Questions per day (bars), the answered share (line), and votes up and down per day."""
    plt = _pyplot()
    figure, (top, bottom) = plt.subplots(2, 1, figsize=SIZE, dpi=DPI, sharex=True)
    try:
        positions = list(range(len(days)))
        top.bar(positions, asked, color="#4477aa", label="questions")
        share = top.twinx()
        share.plot(
            positions, [a * 100 for a in answered], color="#ee6677", marker="o", label="answered %"
        )
        share.set_ylim(0, 105)
        share.set_ylabel("answered %")
        top.set_ylabel("questions")
        top.set_title("Questions per day")
        bottom.bar(positions, up, color="#228833", label="thumbs up")
        bottom.bar(positions, [-d for d in down], color="#cc3311", label="thumbs down")
        bottom.axhline(0, color="black", linewidth=0.8)
        bottom.yaxis.set_major_locator(_whole_numbers())
        top.yaxis.set_major_locator(_whole_numbers())
        bottom.set_ylabel("votes (up / down)")
        step = max(1, len(positions) // MAX_LABELS + (len(positions) % MAX_LABELS > 0))
        bottom.set_xticks(positions[::step], [days[i][5:] for i in positions[::step]])
        bottom.tick_params(axis="x", labelrotation=45)
        figure.tight_layout()
        return _png(figure)
    finally:
        plt.close(figure)


def _whole_numbers() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
