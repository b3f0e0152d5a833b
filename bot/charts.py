"""Charts as PNG bytes, drawn headless with matplotlib (imported only when a chart is made):
sized and lettered to be read on a phone, at 2 articles or 10,000.

Text in any of the corpus's scripts: DejaVu Sans (matplotlib's own) for Latin and Cyrillic,
and for Chinese, where DejaVu has no glyph, Noto Sans CJK SC from the mplfonts package.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from index import Timeline

SIZE = (8.0, 5.0)  # inches; at DPI, 1200 x 750 pixels
DPI = 150
MAX_LABELS = 12  # labels on the x axis at most
MAX_MONTHS = 36  # a longer span is drawn a bar a year
TOP_OUTLETS = 7  # outlets drawn apart; the rest are one "other" bar
MIN_SLOTS = 8  # a chart of fewer months or years is drawn as wide as this many bars
OTHER = "other outlets"
# Paul Tol's "bright" and "muted" qualitative schemes: distinct to colour-blind eyes too;
# "other" is grey.
COLOURS = ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#882255")
GREY = "#bbbbbb"
CJK_FONT = "NotoSansCJKsc-Regular.otf"


@dataclass(frozen=True)
class Bars:
    """What a timeline chart draws: a label per bar (months, or years over a long span),
    and per outlet (the largest `TOP_OUTLETS`, then the rest together) the counts."""

    labels: tuple[str, ...]
    counts: dict[str, tuple[int, ...]]
    by_year: bool


def bars(found: Timeline) -> Bars:
    """``found`` binned to be read: by year past `MAX_MONTHS` months, and its outlets beyond
    the `TOP_OUTLETS` largest (by all they count) summed as `OTHER`."""
    by_year = len(found.months) > MAX_MONTHS
    labels = found.months
    counts = dict(found.passages)
    if by_year:
        labels = tuple(sorted({month[:4] for month in found.months}))
        slot = {year: n for n, year in enumerate(labels)}
        yearly = {}
        for outlet, monthly in counts.items():
            summed = [0] * len(labels)
            for month, count in zip(found.months, monthly, strict=True):
                summed[slot[month[:4]]] += count
            yearly[outlet] = tuple(summed)
        counts = yearly
    ranked = sorted(counts, key=lambda outlet: (-sum(counts[outlet]), outlet))
    if len(ranked) > TOP_OUTLETS + 1:
        rest = [counts[outlet] for outlet in ranked[TOP_OUTLETS:]]
        kept = {outlet: counts[outlet] for outlet in ranked[:TOP_OUTLETS]}
        kept[OTHER] = tuple(sum(column) for column in zip(*rest, strict=True))
        counts = kept
    else:
        counts = {outlet: counts[outlet] for outlet in ranked}
    return Bars(tuple(labels), counts, by_year)


@cache
def _cjk_font() -> str | None:
    """The name of the packaged CJK font, registered with matplotlib; None where mplfonts
    is not installed (Chinese is then drawn as boxes, nothing fails)."""
    from matplotlib import font_manager

    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / CJK_FONT
    if not path.is_file():
        return None
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def _pyplot() -> Any:
    import logging

    import matplotlib

    # The CJK font has no bold: titles fall back to its regular weight, said once per chart.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    cjk = _cjk_font()
    plt.rcParams.update(
        {
            "font.size": 13,
            "axes.titlesize": 16,
            "axes.titleweight": "bold",
            # a list: a glyph missing from the first is taken from the next
            "font.family": ["DejaVu Sans", *([cjk] if cjk else [])],
        }
    )
    return plt


def timeline_png(found: Timeline) -> bytes:
    """Stacked bars: per month (or year), the passages (or articles) of each outlet, the
    legend beside the plot, never over it."""
    drawn = bars(found)
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=SIZE, dpi=DPI)
    try:
        positions = list(range(len(drawn.labels)))
        bottom = [0] * len(positions)
        for n, (outlet, counts) in enumerate(drawn.counts.items()):
            colour = GREY if outlet == OTHER else COLOURS[n % len(COLOURS)]
            axes.bar(positions, counts, bottom=bottom, label=outlet[:28], color=colour, width=0.8)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        _x_labels(axes, positions, drawn.labels)
        _narrow(axes, len(positions))
        axes.set_ylabel(found.unit)
        subject = f"“{found.topic[:40]}”" if found.topic else "the whole corpus"
        axes.set_title(
            f"{found.unit.capitalize()} per {'year' if drawn.by_year else 'month'}: {subject}"
        )
        if drawn.counts:
            axes.legend(
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                fontsize=10,
                frameon=False,
                reverse=True,  # top to bottom as the bars are stacked
            )
        axes.spines[["top", "right"]].set_visible(False)
        axes.yaxis.set_major_locator(_whole_numbers())
        axes.set_ylim(0, max([1, *bottom]) * 1.05)
        figure.tight_layout()
        return _png(figure)
    finally:
        plt.close(figure)


def _x_labels(axes: Any, positions: list[int], labels: Sequence[str]) -> None:
    """At most `MAX_LABELS` labels, evenly spaced, slanted so that none collides."""
    step = max(1, -(-len(positions) // MAX_LABELS))
    axes.set_xticks(positions[::step], [labels[i] for i in positions[::step]])
    axes.tick_params(axis="x", labelrotation=45, labelsize=11)
    for label in axes.get_xticklabels():
        label.set_horizontalalignment("right")
        label.set_rotation_mode("anchor")


def _narrow(axes: Any, count: int) -> None:
    """A chart of few bars keeps their width: a single month is one bar, not a wall."""
    if count < MIN_SLOTS:
        pad = (MIN_SLOTS - count) / 2
        axes.set_xlim(-0.5 - pad, count - 0.5 + pad)


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
        # whole votes and questions: at least one either way, so no tick falls between
        bottom.set_ylim(-max([1, *down]) * 1.1, max([1, *up]) * 1.1)
        top.set_ylim(0, max([1, *asked]) * 1.1)
        bottom.yaxis.set_major_locator(_whole_numbers())
        top.yaxis.set_major_locator(_whole_numbers())
        _narrow(bottom, len(positions))
        bottom.set_ylabel("votes (up / down)")
        _x_labels(bottom, positions, [day[5:] for day in days])
        figure.tight_layout()
        return _png(figure)
    finally:
        plt.close(figure)


def _whole_numbers() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True, min_n_ticks=1)


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
