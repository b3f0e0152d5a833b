"""Charts that read at any size: by year over long spans, the largest outlets apart and the
rest as one, colours that never repeat, Chinese drawn in a font that has it."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

from bot import charts
from bot.charts import OTHER, TOP_OUTLETS, bars, stats_png, timeline_png
from index import Timeline


def months(first_year: int, count: int) -> tuple[str, ...]:
    return tuple(f"{first_year + n // 12}-{n % 12 + 1:02d}" for n in range(count))


def corpus(outlets: int, span: int) -> Timeline:
    """``outlets`` outlets, the n-th publishing n+1 articles in each month of ``span``."""
    found = months(2010, span)
    passages = {f"Outlet {n:02d}": tuple([n + 1] * span) for n in range(outlets)}
    return Timeline(None, found, passages, tuple([1] * span), 0)


def test_charts_a_long_span_is_binned_by_year_and_counts_nothing_twice() -> None:
    found = corpus(3, 15 * 12)
    drawn = bars(found)
    assert drawn.by_year and drawn.labels == tuple(str(y) for y in range(2010, 2025))
    assert drawn.counts["Outlet 02"] == tuple([3 * 12] * 15)
    assert sum(map(sum, drawn.counts.values())) == found.total
    short = bars(corpus(3, 24))
    assert not short.by_year and short.labels == months(2010, 24)


def test_charts_show_the_largest_outlets_and_the_rest_as_other() -> None:
    found = corpus(30, 12)
    drawn = bars(found)
    assert len(drawn.counts) == TOP_OUTLETS + 1
    assert list(drawn.counts)[:2] == ["Outlet 29", "Outlet 28"]  # largest first
    assert list(drawn.counts)[-1] == OTHER
    assert sum(map(sum, drawn.counts.values())) == found.total
    few = bars(corpus(TOP_OUTLETS + 1, 12))  # one more than shown: no "other" of one
    assert OTHER not in few.counts and len(few.counts) == TOP_OUTLETS + 1


def test_charts_colours_never_repeat_in_one_chart() -> None:
    assert len(set(charts.COLOURS)) == len(charts.COLOURS) == TOP_OUTLETS
    assert charts.GREY not in charts.COLOURS


def test_charts_draw_chinese_with_a_font_that_has_it() -> None:
    assert charts._cjk_font() is not None  # mplfonts is a dependency
    found = Timeline("上合组织", ("2024-01",), {"丝路文化周刊": (2,)}, (1,), 0)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        png = timeline_png(found)
    assert png.startswith(b"\x89PNG")
    missing = [str(w.message) for w in seen if "missing from font" in str(w.message)]
    assert missing == []


@pytest.mark.parametrize("span", [1, 5, 40, 200])
def test_charts_draw_any_span_at_any_size(span: int) -> None:
    png = timeline_png(corpus(12, span))
    assert png.startswith(b"\x89PNG") and len(png) > 5_000


def axes_of(monkeypatch: pytest.MonkeyPatch, draw: Callable[[], bytes]) -> Any:
    """The axes ``draw`` drew its chart on."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    made: list[Any] = []
    real = pyplot.subplots

    def keep(*args: Any, **kwargs: Any) -> Any:
        figure, axes = real(*args, **kwargs)
        made.append(axes)
        return figure, axes

    monkeypatch.setattr(pyplot, "subplots", keep)
    draw()
    return made[0]


def test_charts_a_single_month_is_one_bar_not_the_whole_width(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = Timeline("visa", ("2024-03",), {"Azeri Observer": (3,)}, (1,), 0)
    axes = axes_of(monkeypatch, lambda: timeline_png(found))
    left, right = axes.get_xlim()
    (bar,) = axes.patches
    assert bar.get_width() / (right - left) <= 1 / charts.MIN_SLOTS
    legend = axes.get_legend()
    assert legend is not None
    anchor = legend.get_bbox_to_anchor().transformed(axes.transAxes.inverted())
    assert anchor.x0 > 1  # beside the plot, not over it


def test_charts_stats_ticks_are_whole_numbers_even_without_votes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    days = ["2026-12-05", "2026-12-06"]
    top, bottom = axes_of(monkeypatch, lambda: stats_png(days, [3, 1], [1.0, 0.5], [0, 0], [0, 0]))
    for axis in (top, bottom):
        ticks = list(axis.get_yticks())
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
