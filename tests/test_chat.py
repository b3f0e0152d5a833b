from __future__ import annotations

import io
from collections.abc import Callable

from bot.chat import chat
from bot.terminal import Style
from index.search.engine import Engine


def scripted(*lines: str) -> Callable[[str], str]:
    queue = list(lines)

    def read(prompt: str) -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return read


def run_chat(engine: Engine, *lines: str, k: int = 1) -> str:
    out = io.StringIO()
    chat(engine, k=k, read=scripted(*lines), out=out, style=Style(False), banner="hello")
    return out.getvalue()


def test_chat_answers_with_citations_and_pages_with_more(engine: Engine) -> None:
    text = run_chat(engine, "China and Azerbaijan in Baku", "/more", "/more", "/more", "/quit")
    assert text.startswith("hello\ncitebot — 3 articles, 3 passages.")
    assert "1. Trade between China and Azerbaijan grows, Example Wire" in text
    assert "2. " in text  # /more continues the numbering
    assert "no more relevant passages" in text


def test_chat_says_plainly_when_nothing_is_relevant(engine: Engine) -> None:
    said = run_chat(engine, "Kilimanjaro altitude")
    assert "I found nothing in the corpus on that." in said
    assert "Sources: Example Wire." in said  # the outlets it does quote
    russian = run_chat(engine, "Какая высота у Килиманджаро?")
    assert "В корпусе ничего об этом не нашлось" in russian
    assert "Источники: Example Wire." in russian


def test_chat_full_prints_a_passage_whole(engine: Engine) -> None:
    text = run_chat(engine, "/full 1", "China and Azerbaijan in Baku", "/full 1", "/full 7")
    assert "usage: /full N, with N a passage shown (none yet)" in text
    assert text.count("1. Trade between China and Azerbaijan grows") == 2
    assert "usage: /full N, with N a passage shown (1)" in text


def test_chat_commands_and_bad_input(engine: Engine) -> None:
    text = run_chat(engine, "/help", "/k 0", "/k 2", "/more", "/sources", "/nope", "x" * 5000)
    assert "/more" in text and "usage: /k N" in text and "showing 2 passages" in text
    assert "ask a question first" in text
    assert "- A new freight train reaches Baku — Example Wire" in text
    assert "unknown command /nope" in text
    assert "the limit is 1,000" in text


def test_chat_reads_the_time_a_question_names_as_citebot_ask_does(engine: Engine) -> None:
    text = run_chat(engine, "What's new?", "/more", k=2)
    assert "Newest first" in text
    # The newest article's first passage, then an undated one; /more goes on to the third.
    assert text.index("1. Trade between China and Azerbaijan grows") < text.index("2. ")
    assert "3. " in text
    ranged = run_chat(engine, "electric buses and solar panels in 2023", "news from 2019")
    assert "Passages about 2023 first:\n1. Trade between China" in ranged
    assert "Nothing published 2019 on that." in ranged
