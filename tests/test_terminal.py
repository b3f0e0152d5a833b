from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.terminal import Style, format_answer
from index.records import Answer, ArticleRef, Hit

CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_terminal_prints_no_control_character_from_the_corpus() -> None:
    ref = ArticleRef("a", "\x1b[2J\x1b[31mTitle", "Wire\x07", None, "https://x.org/\x1b]8;;")
    hit = Hit(1, 0.5, "Text \x1b[1A with \x9b escapes.", ref, (1, 1), 1, "ctx\x1b")
    plain = format_answer(Answer("q", (hit,)), Style(False))
    assert "\x1b" not in plain and "\x07" not in plain and "\x9b" not in plain
    assert "[2J[31mTitle" in plain and "Text [1A with  escapes." in plain
    colored = format_answer(Answer("q", (hit,)), Style(True))
    assert colored.count("\x1b") == 4  # ours only: bold and dim, each opened and closed


def test_terminal_numbers_hits_in_order_without_the_cosine_that_does_not_order_them() -> None:
    ref = ArticleRef("a", "T", None, None, None)
    hits = (Hit(1, 0.46, "First.", ref, (1, 1), 1), Hit(2, 0.53, "Second.", ref, (2, 2), 2))
    shown = format_answer(Answer("q", hits), Style(False))
    assert shown.index("1. T, undated, ¶1") < shown.index("2. T, undated, ¶2")
    assert "0.46" not in shown and "0.53" not in shown


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=3000), st.one_of(st.none(), st.text(max_size=500)), st.text(max_size=500))
def test_terminal_prints_any_metadata_as_plain_text(
    title: str, source: str | None, text: str
) -> None:
    ref = ArticleRef("a", title, source, None, "https://x.org/" + title[:50])
    shown = format_answer(Answer("q", (Hit(1, 0.5, text or "x", ref, (1, 1), 1),)), Style(False))
    assert not CONTROLS.search(shown)
