from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.terminal import EXCERPT, Style, format_answer, format_hit
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


LONG = " ".join(f"Sentence {n} tells of the trade of {1990 + n} in Baku." for n in range(40))


def test_terminal_shows_the_sentences_around_the_one_that_answers_in_bold() -> None:
    ref = ArticleRef("a", "Trade", "Wire", "2024-01-01", None)
    start = LONG.index("Sentence 20 ")
    span = (start, LONG.index("Sentence 21 ") - 1)
    hit = Hit(1, 0.8, LONG, ref, (2, 2), 7)
    shown = format_hit(hit, Style(False), "trade in 2010", span)
    body = " ".join(line.strip() for line in shown.splitlines()[1:])
    assert body.startswith("… Sentence ") and body.endswith(" …")
    assert "Sentence 19 " in body and "Sentence 20 " in body and "Sentence 21 " in body
    assert len(body) <= EXCERPT + 10
    assert "\x01" not in shown and "\x02" not in shown
    colored = format_hit(hit, Style(True), "trade in 2010", span)
    joined = colored.replace("\n    ", " ")
    assert "\x1b[1mSentence 20 tells of the trade of 2010 in Baku.\x1b[0m" in joined
    whole = format_hit(hit, Style(False), "trade in 2010", span, full=True)
    assert "Sentence 0 " in whole and "Sentence 39 " in whole and "…" not in whole


def test_terminal_answer_of_five_long_passages_fits_a_screen() -> None:
    ref = ArticleRef("a", "Trade", "Wire", "2024-01-01", None)
    hits = tuple(Hit(n, 0.8, LONG, ref, (n, n), n) for n in range(1, 6))
    shown = format_answer(Answer("how was trade in 2010?", hits), Style(False))
    assert len(shown.splitlines()) <= 50


def test_terminal_refusal_speaks_the_question_language() -> None:
    refused = Answer("Какая погода на Луне?", refusal="below-threshold")
    shown = format_answer(refused, Style(False), lambda: "Wire & Co")
    assert "В корпусе ничего об этом не нашлось" in shown
    assert "Источники: Wire & Co." in shown  # plain text: no tag, no entity
    chinese = format_answer(Answer("月球上的天气如何？"), Style(False), lambda: "Wire")
    assert "语料库中没有找到相关内容" in chinese
