"""Real `Update`s through the real application, a real engine over a tiny corpus (fake model),
and the bot's HTTP calls going to the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.warnings import PTBDeprecationWarning

from bot import handlers, texts
from bot.app import build_application
from bot.services import Services
from bot.settings import BotSettings
from bot.state import BotState, MemoryLimits, StateError
from bot.state.sqlite import SqliteDatabase
from index.indexer.builder import build
from index.search.engine import Engine
from index.settings import Settings
from index.text.language import detect
from tests.conftest import reopen, settings_for, write_article
from tests.fakebotapi import BOT, TOKEN, ApiError, FakeBotAPI, dropped, parse_html, utf16
from tests.fakes import FakeEmbedder
from tests.helpers import RUN_DIR

USER: dict[str, Any] = {"id": 2, "is_bot": False, "first_name": "Bo"}
ADMIN: dict[str, Any] = {"id": 1, "is_bot": False, "first_name": "Ada"}


class Harness:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        api: FakeBotAPI,
        tmp: Path,
        state: BotState | None = None,
        **bot_env: str,
    ) -> None:
        self.api = api
        self.state = state or BotState.sqlite(tmp / "state.sqlite")
        bot = BotSettings.from_env(
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url, **bot_env}
        )
        self.app = build_application(settings, bot, engine, self.state)
        self._ids = iter(range(1000, 100000))
        self.loop = asyncio.new_event_loop()  # one loop for the app's whole life, as in serving
        self.loop.run_until_complete(self.app.initialize())

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.run_until_complete(self.app.shutdown())
        self.loop.close()
        self.state.close()

    def services(self) -> Services:
        found: Services = self.app.bot_data["services"]
        return found

    def run(self, *updates: dict[str, Any]) -> list[dict[str, Any]]:
        """Process updates one after another; return what the bot sent meanwhile."""
        mark = len(self.api.sent)

        for data in updates:
            update = Update.de_json(data, self.app.bot)
            self.loop.run_until_complete(self.app.process_update(update))
        return self.api.sent[mark:]

    def run_together(self, *updates: dict[str, Any]) -> list[dict[str, Any]]:
        """Process updates concurrently, as the bot does with updates that arrive together."""
        mark = len(self.api.sent)

        async def all_of_them() -> None:
            await asyncio.gather(
                *(self.app.process_update(Update.de_json(u, self.app.bot)) for u in updates)
            )

        self.loop.run_until_complete(all_of_them())
        return self.api.sent[mark:]

    def text(self, text: str, user: dict[str, Any] = USER, **extra: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": 0,
            "text": text,
            "from": user,
            "chat": {"id": user["id"], "type": "private"},
            **extra,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return {"update_id": next(self._ids), "message": message}

    def press(
        self, message: dict[str, Any], data: str, user: dict[str, Any] = USER
    ) -> dict[str, Any]:
        return {
            "update_id": next(self._ids),
            "callback_query": {
                "id": "cb",
                "from": user,
                "chat_instance": "1",
                "data": data,
                "message": message,
            },
        }


@pytest.fixture
def harness(corpus: Path, tmp_path: Path, bot_state: BotState) -> Iterator[Harness]:
    """The bot over a small corpus, its state on SQLite and on PostgreSQL in turn."""
    with harness_over(
        corpus, tmp_path, state=bot_state, CITEBOT_ADMINS="1", CITEBOT_RATE_LIMIT="3"
    ) as found:
        yield found


@contextlib.contextmanager
def harness_over(
    corpus: Path, tmp_path: Path, state: BotState | None = None, **env: Any
) -> Iterator[Harness]:
    """A harness over ``corpus`` as it is now, built with the fake model; ``env`` holds the
    engine's and the bot's settings."""
    api = FakeBotAPI().start()
    settings = settings_for(corpus, tmp_path / "index", **env)
    fake = FakeEmbedder()
    build(settings, embedder=fake)
    harness = Harness(settings, Engine.open(settings, embedder=fake), api, tmp_path, state, **env)
    try:
        yield harness
    finally:
        harness.close()
        api.stop()


def test_handler_answer_cards_are_valid_html_with_buttons(harness: Harness) -> None:
    (reply,) = harness.run(harness.text("crude oil exports trade"))
    assert reply["text"].startswith("1. Trade between China and Azerbaijan grew")
    assert "Example Wire, 2024-03-01, ¶1–2 · link" in reply["text"]
    assert not harness.api.rejected


def test_questions_arriving_together_are_searched_in_batches(harness: Harness) -> None:
    users = [{"id": 50 + n, "is_bot": False, "first_name": f"U{n}"} for n in range(10)]
    sent = harness.run_together(*(harness.text("crude oil exports trade", u) for u in users))
    assert sorted(m["chat"]["id"] for m in sent) == [u["id"] for u in users]
    assert all(m["text"].startswith("1. Trade between") for m in sent)
    batches = harness.services().batcher.batches
    assert sum(batches) == 10 and max(batches) > 1


def test_handler_hostile_question_is_answered_without_breaking_html(harness: Harness) -> None:
    sent = harness.run(harness.text("<b>unclosed & trade <i>"), harness.text("x" * 5000))
    assert len(sent) == 2 and not harness.api.rejected
    assert sent[1]["text"].startswith("The question is 5,000 characters long")


def test_handler_rate_limit_replies_politely(harness: Harness) -> None:
    sent = harness.run(*[harness.text("Baku trade") for _ in range(4)])
    assert sent[-1]["text"].startswith("You are asking faster than I can keep up")


def test_rate_limiter_frees_up_after_the_window() -> None:
    limiter = MemoryLimits(window=60)
    assert [limiter.wait(1, 2, now=t) for t in (0, 1)] == [0, 0]
    assert limiter.wait(1, 2, now=2) == pytest.approx(58)
    assert limiter.wait(2, 2, now=2) == 0  # other users are not affected
    assert limiter.wait(1, 2, now=60.5) == 0


def test_handler_feedback_and_unanswered_questions_are_stored(harness: Harness) -> None:
    (reply,) = harness.run(harness.text("crude oil exports trade"))
    vote = next(
        b["callback_data"]
        for row in reply["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "👎"
    )
    harness.run(harness.press(reply, vote), harness.text("Kilimanjaro altitude"))
    gaps = harness.state.gaps()
    assert [(g.text, g.answered, g.down_votes) for g in gaps] == [
        ("Kilimanjaro altitude", False, 0),
        ("crude oil exports trade", True, 1),
    ]
    stats = harness.state.stats()
    assert (stats.questions, stats.unanswered, stats.thumbs_down) == (2, 1, 1)


def test_handler_buttons_for_a_passage_gone_after_reindexing_say_so(harness: Harness) -> None:
    (reply,) = harness.run(harness.text("crude oil exports trade"))
    fake_button = {
        **reply,
        "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "c:99999"}]]},
    }
    (gone,) = harness.run(harness.press(fake_button, "c:99999"))
    assert "no longer in the corpus" in gone["text"]


def test_handler_admin_commands_refuse_and_log_strangers(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="citebot.bot"):
        sent = harness.run(harness.text("/reload"), harness.text("/stats"))
    assert all("only for the maintainers" in m["text"] for m in sent)
    assert "refused /reload from user 2" in caplog.text
    (stats,) = harness.run(harness.text("/stats", user=ADMIN))
    assert "Questions served" in stats["text"]


def test_handler_errors_get_a_polite_reply_and_a_log_line(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(question: str, k: int, when: Any = None) -> Any:
        raise RuntimeError("disk on fire")

    harness.services().answer = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        (reply,) = harness.run(harness.text("trade"))
    assert reply["text"].startswith("Sorry, something went wrong")
    assert "disk on fire" in caplog.text


def test_typing_is_shown_only_while_a_search_is_slow(harness: Harness) -> None:
    question = "Confucius Institutes teach Chinese in Baku"
    found = harness.services().engine.answer(question, handlers.PAGE)

    def actions() -> list[str]:
        return [m for m, _ in harness.api.calls if m in ("sendChatAction", "sendMessage")]

    async def at_once(question: str, k: int, when: Any = None) -> Any:
        return found

    async def until_typing(question: str, k: int, when: Any = None) -> Any:
        while "sendChatAction" not in actions():  # answers only once "typing…" was shown
            await asyncio.sleep(0.01)
        return found

    harness.services().answer = at_once  # type: ignore[method-assign]
    harness.run(harness.text(question))
    assert actions() == ["sendMessage"]
    harness.services().answer = until_typing  # type: ignore[method-assign]
    harness.run(harness.text(question))
    assert actions()[1:] == ["sendChatAction", "sendMessage"]


def test_handler_sources_lists_every_article(harness: Harness) -> None:
    (reply,) = harness.run(harness.text("/sources"))
    text, entities = parse_html(reply["html"])
    assert text.count("•") == 3
    assert "Trade between China and Azerbaijan grows — Example Wire, 2024-03-01 · link" in text
    assert any(e.get("url") == "https://example.com/trade" for e in entities)


def test_reload_keeps_the_multilingual_index(corpus: Path, tmp_path: Path) -> None:
    api = FakeBotAPI().start()
    settings = settings_for(corpus, tmp_path / "index")
    main, multilingual = FakeEmbedder(), FakeEmbedder(model_id="fake/multilingual")
    build(settings, embedder=main, extra=[multilingual])
    harness = Harness(settings, Engine.open(settings, main, [multilingual]), api, tmp_path)
    try:
        write_article(corpus, "tea.txt", "Tea in Lankaran\n\nLankaran grows tea for Baku.")
        report = harness.loop.run_until_complete(harness.services().reload())
        engine = harness.services().engine
        assert report.added == ("tea",)
        assert [m.id for m in engine.manifest.extra_models] == ["fake/multilingual"]
        assert "Lankaran" in multilingual.embedded[-1]  # the new text was embedded by both
    finally:
        harness.close()
        api.stop()


def test_handler_ask_without_a_question_shows_usage(harness: Harness) -> None:
    (reply,) = harness.run(harness.text("/ask"))
    assert reply["text"].startswith("Ask like this: /ask")


def feedback_lines(env: dict[str, str]) -> list[str]:
    """What `citebot feedback` prints, run as a user runs it, line by line."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "feedback"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=RUN_DIR,
        check=True,
    )
    return done.stdout.splitlines()


def test_feedback_command_lists_what_the_corpus_lacks(tmp_path: Path) -> None:
    env = {"CITEBOT_STATE_DIR": str(tmp_path / "cli-state")}
    state = BotState.sqlite(tmp_path / "cli-state" / "bot.sqlite")
    state.record_question(2, 2, "Kilimanjaro altitude", False, 12.0)
    voted = state.record_question(2, 2, "crude oil", True, 12.0)
    state.record_feedback(voted, 2, -1)
    state.close()
    lines = feedback_lines(env)
    assert "👎 ×1" in lines[0] and lines[0].endswith(" crude oil")  # newest first
    assert lines[1].endswith("unanswered  Kilimanjaro altitude")  # no index: no names read


def test_feedback_command_names_what_no_article_mentions(
    real_index: Settings, tmp_path: Path
) -> None:
    env = {
        "CITEBOT_STATE_DIR": str(tmp_path / "cli-state"),
        "CITEBOT_INDEX_DIR": str(real_index.index_dir),
        "CITEBOT_CORPUS_DIR": str(real_index.corpus_dir),
        "CITEBOT_MODELS_DIR": str(real_index.models_dir),
    }
    state = BotState.sqlite(tmp_path / "cli-state" / "bot.sqlite")
    for question in ("What did Aliyev say about Putin?", "Did Putin or Macron call Aliyev?"):
        state.record_question(2, 2, question, False, 12.0)
    state.record_question(2, 2, "What did Aliyev say about BYD?", False, 12.0)
    state.close()
    lines = feedback_lines(env)
    listed = {line.split("unanswered  ", 1)[-1] for line in lines[:3]}
    assert listed == {
        "What did Aliyev say about BYD?",  # BYD is mentioned
        "Did Putin or Macron call Aliyev?  (no article mentions “Putin” or “Macron”)",
        "What did Aliyev say about Putin?  (no article mentions “Putin”)",
    }
    assert lines[-1] == "names asked about that no article mentions: Putin ×2, Macron ×1"


def test_buttons_keep_working_after_a_restart(
    corpus: Path, tmp_path: Path, harness: Harness
) -> None:
    (reply,) = harness.run(harness.text("China and Azerbaijan in Baku"))
    keys = {
        b["text"]: b["callback_data"]
        for row in reply["reply_markup"]["inline_keyboard"]
        for b in row
    }
    harness.close()
    restarted = Harness(
        harness.app.bot_data["services"].settings,
        harness.services().engine,
        harness.api,
        tmp_path,
        reopen(harness.state),  # the same state database
    )
    try:
        (context,) = restarted.run(restarted.press(reply, keys["Context 1"]))
        assert "¶1" in context["text"]
        (article,) = restarted.run(restarted.press(reply, keys["Article 1"]))
        assert article["text"].startswith("Trade between China and Azerbaijan grows")
        restarted.run(restarted.press(reply, keys["👍"]))
        assert restarted.state.stats().thumbs_up == 1  # the question id survived the restart
    finally:
        restarted.close()


def test_answer_framing_speaks_the_questions_language(harness: Harness) -> None:
    (nothing,) = harness.run(harness.text("Какая самая высокая гора в Африке?"))
    assert nothing["text"].startswith("В корпусе ничего об этом не нашлось.")
    (nothing,) = harness.run(harness.text("非洲最高的山是哪座？"))
    assert nothing["text"].startswith("语料库中没有找到相关内容。")
    (nothing,) = harness.run(harness.text("Afrikanın ən hündür dağı hansıdır?"))
    assert nothing["text"].startswith("Korpusda bu barədə heç nə tapmadım.")


@pytest.mark.parametrize(
    ("code", "hello", "help_title"),
    [
        ("ru", "Здравствуйте!", "Как мной пользоваться"),
        ("az", "Salam!", "Məndən necə istifadə etməli"),
        ("zh-hans", "您好！", "使用方法"),
        ("en-GB", "Hello!", "How to use me"),
        ("pt-br", "Hello!", "How to use me"),  # a language we don't speak: English
    ],
)
def test_start_and_help_speak_the_users_language(
    harness: Harness, code: str, hello: str, help_title: str
) -> None:
    user = {**USER, "language_code": code}
    welcome, help_reply = harness.run(harness.text("/start", user), harness.text("/help", user))
    assert welcome["text"].startswith(hello)
    assert help_reply["text"].startswith(help_title)
    parse_html(welcome["text"])
    parse_html(help_reply["text"])
    buttons = [row[0] for row in welcome["reply_markup"]["inline_keyboard"]]
    assert len(buttons) == 3
    # An example pressed is asked in the language it is written in, and the framing follows.
    example = {"message_id": 9, "date": 0, "chat": {"id": 2, "type": "private"}, "text": "x"}
    replies = harness.run(harness.press(example, buttons[2]["callback_data"]))
    asked = buttons[2]["text"]
    assert asked == texts.EXAMPLES[texts.language_of(code)][2]
    words = texts.framing(detect(asked))
    said = replies[-1]["text"] + str(replies[-1].get("reply_markup", ""))
    if harness.services().engine.answer(asked).answered:  # cards, with buttons in its words
        assert words["context"].format(n=1) in said
    else:
        assert said.startswith(words["nothing_found"].split("\n\n")[0])


def test_articles_in_russian_are_indexed_and_cited_with_russian_buttons(
    corpus: Path, tmp_path: Path
) -> None:
    write_article(
        corpus,
        "ru-poezd.md",
        "---\ntitle: Поезд из Сианя прибыл в Баку\nsource: "
        "Вестник\nlanguage: ru\n---\n\nГрузовой поезд из Сианя прибыл в порт Алят "
        "через двенадцать дней пути.\n",
    )
    with harness_over(corpus, tmp_path) as russian:
        (reply,) = russian.run(russian.text("Когда поезд из Сианя прибыл в порт Алят?"))
        assert "Поезд из Сианя прибыл в Баку — Вестник, undated, ¶1" in reply["text"]
        labels = {b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row}
        assert {"Контекст 1", "Статья 1"} <= labels


def test_replies_survive_429s_and_server_errors_without_duplicates(
    harness: Harness, recwarn: pytest.WarningsRecorder
) -> None:
    harness.api.fail_next(
        "sendMessage",
        ApiError(429, "Too Many Requests: retry after 1", retry_after=1),
        ApiError(502, "Bad Gateway"),
        dropped(),
    )
    sent = harness.run(harness.text("crude oil exports trade"))
    assert len(sent) == 1 and sent[0]["text"].startswith("1. Trade between")
    assert [m for m, _ in harness.api.rejected] == ["sendMessage"] * 3
    # PTB's RetryAfter warned of its int `retry_after` on each 429, in the bot's log.
    assert not [w for w in recwarn if issubclass(w.category, PTBDeprecationWarning)]


def test_a_refused_message_is_not_retried(harness: Harness) -> None:
    harness.api.fail_next("sendMessage", ApiError(400, "Bad Request: chat not found"))
    harness.run(harness.text("crude oil exports trade"))
    attempts = [m for m, _ in harness.api.calls if m == "sendMessage"]
    assert len(attempts) == 2  # the refused answer once, then the error handler's apology


# -- hardening: what attacking the bot found ---------------------------------------------------

HUGE = "https://example.org/" + "a" * 4000
LONG_CITATION = f"""---
title: "Caviar {"T" * 4000}"
source: "{"O" * 4000}"
url: {HUGE}
---

Caviar from the Caspian sells in Shanghai for record prices this winter.
"""


def inline(harness: Harness, query: str, user: dict[str, Any] = USER) -> dict[str, Any]:
    return {
        "update_id": next(harness._ids),
        "inline_query": {
            "id": str(next(harness._ids)),
            "from": user,
            "query": query,
            "offset": "",
        },
    }


def buttons(reply: dict[str, Any]) -> dict[str, str]:
    return {
        b["text"]: b["callback_data"]
        for row in reply["reply_markup"]["inline_keyboard"]
        for b in row
    }


@pytest.fixture
def long_citation(corpus: Path, tmp_path: Path) -> Iterator[Harness]:
    write_article(corpus, "caviar.md", LONG_CITATION)
    for n in range(12):  # outlets that together run past one message
        write_article(
            corpus, f"o{n}.md", f"---\ntitle: O{n}\nsource: {n} {'Outlet ' * 80}\n---\n\nText {n}."
        )
    with harness_over(corpus, tmp_path) as harness:
        yield harness


def test_handlers_fit_a_citation_of_any_length_into_every_message(long_citation: Harness) -> None:
    harness = long_citation
    harness.run(inline(harness, "Caspian caviar Shanghai prices"))
    (answer,) = harness.api.inline_answers
    assert answer["results"] and not harness.api.rejected
    (reply,) = harness.run(harness.text("Caspian caviar Shanghai prices"))
    assert reply["text"].startswith("1. Caviar from the Caspian")
    keys = buttons(reply)
    assert "Read 1" not in keys  # no public address: no reader's button
    assert "reply_markup" not in answer["results"][0]
    harness.run(harness.press(reply, keys["Context 1"]), harness.press(reply, keys["Article 1"]))
    sent = harness.run(
        harness.text("/start"), harness.text("/sources"), harness.text("Kilimanjaro altitude")
    )
    assert len(sent) >= 3 and not harness.api.rejected
    for message in harness.api.sent:
        assert utf16(message["text"]) <= 4096
    assert "and 4 more" in sent[0]["text"]  # outlets named in /start are bounded


def test_handlers_answer_while_another_process_locks_the_state_database(
    corpus: Path, tmp_path: Path
) -> None:
    with harness_over(corpus, tmp_path, CITEBOT_RATE_LIMIT="3") as harness:
        _answers_while_locked(harness, tmp_path)


def _answers_while_locked(harness: Harness, tmp_path: Path) -> None:
    locker = sqlite3.connect(tmp_path / "state.sqlite", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # as a `citebot feedback` or a backup might
    try:
        users = [{"id": 70 + n, "is_bot": False, "first_name": f"U{n}"} for n in range(3)]
        sent = harness.run_together(*(harness.text("crude oil exports trade", u) for u in users))
        assert [m["text"][:18] for m in sent] == ["1. Trade between C"] * 3
        (reply, *_) = sent
        more = harness.run(harness.press({**reply, "from": BOT}, buttons(reply)["👍"]))
        assert (
            more == []
            and harness.api.callback_answers[-1]["text"] == "Thank you for the feedback!"
        )
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert harness.state.flush(30)
    assert harness.state.stats().questions == 3 and harness.state.stats().thumbs_up == 1
    assert harness.state.failed_writes == 0


def test_rate_limit_counts_inline_queries_and_buttons(harness: Harness) -> None:
    (reply,) = harness.run(harness.text("crude oil exports trade"))
    more = buttons(reply)["More ▸"] if "More ▸" in buttons(reply) else buttons(reply)["Context 1"]
    harness.run(inline(harness, "crude oil exports"), harness.press(reply, more))
    # three allowed a minute (CITEBOT_RATE_LIMIT=3): the question, the inline query, the press
    sent = harness.run(harness.press(reply, more))
    assert sent[-1]["text"].startswith("You are asking faster than I can keep up")
    harness.run(inline(harness, "crude oil exports"))
    assert harness.api.inline_answers[-1]["results"] == []


def test_malformed_button_data_is_ignored_quietly(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    (reply,) = harness.run(harness.text("crude oil exports trade"))
    with caplog.at_level(logging.WARNING):
        for data in ("f:x:1", "m:1", "c:zz", "nonsense", "c:" + "9" * 40):
            assert harness.run(harness.press(reply, data)) == []
    assert len(harness.api.callback_answers) == 5  # no spinner left turning
    assert "Traceback" not in caplog.text and "ERROR" not in caplog.text
    assert "ignored a button with unknown data" in caplog.text


def test_votes_count_once_per_user_and_only_in_the_chat_of_the_question(harness: Harness) -> None:
    (reply,) = harness.run(harness.text("crude oil exports trade"))
    keys = buttons(reply)
    harness.run(harness.press(reply, keys["👍"]), harness.press(reply, keys["👎"]))
    elsewhere = {**reply, "chat": {"id": 555, "type": "private"}}
    harness.run(harness.press(elsewhere, keys["👍"]), harness.press(elsewhere, "f:12345:1"))
    harness.state.flush()
    stats = harness.state.stats()
    assert (stats.thumbs_up, stats.thumbs_down) == (0, 1)  # the later vote replaced the first


def test_more_on_a_question_from_another_chat_shows_nothing_of_it(harness: Harness) -> None:
    (reply,) = harness.run(harness.text("crude oil exports trade"))
    question_id = buttons(reply)["👍"].split(":")[1]
    elsewhere = {**reply, "chat": {"id": 555, "type": "private"}}
    (gone,) = harness.run(harness.press(elsewhere, f"m:{question_id}:3"))
    assert "no longer in the corpus" in gone["text"]


def test_edited_messages_are_not_answered_or_run_again(harness: Harness) -> None:
    question = harness.text("crude oil exports trade")
    command = harness.text("/stats", user=ADMIN)
    assert len(harness.run(question, command)) == 3  # the answer; /stats, then its chart
    edits = [
        {"update_id": next(harness._ids), "edited_message": {**update["message"], "edit_date": 1}}
        for update in (question, command)
    ]
    assert harness.run(*edits) == []
    harness.state.flush()
    assert harness.state.stats().questions == 1


def test_a_button_pressed_too_long_ago_still_does_its_work(harness: Harness) -> None:
    (reply,) = harness.run(harness.text("crude oil exports trade"))
    harness.api.fail_next(
        "answerCallbackQuery",
        ApiError(400, "Bad Request: query is too old and response timeout expired"),
    )
    (context,) = harness.run(harness.press(reply, buttons(reply)["Context 1"]))
    assert "¶1" in context["text"]


def test_a_damaged_state_database_is_moved_aside_and_the_bot_starts(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StateError, match="move it aside"):
        SqliteDatabase(path)
    state = BotState.sqlite(path)
    state.record_question(1, 1, "q", True, 1.0)
    assert state.stats().questions == 1
    state.close()
    (aside,) = tmp_path.glob("bot.sqlite.damaged-*")
    assert aside.read_bytes().startswith(b"not a database")


def test_feedback_command_on_a_damaged_state_database_says_so(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "bot.sqlite").write_bytes(b"garbage" * 1000)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "feedback"],
        capture_output=True,
        text=True,
        env={**os.environ, "CITEBOT_STATE_DIR": str(tmp_path / "state")},
        cwd=RUN_DIR,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("citebot: error: the bot's state database")


def test_sources_and_more_are_bounded(corpus: Path, tmp_path: Path) -> None:
    for n in range(105):
        write_article(corpus, f"n{n:03}.md", f"---\ntitle: Note {n}\n---\n\nNote number {n}.")
    with harness_over(corpus, tmp_path) as harness:
        listed = harness.run(harness.text("/sources"))
        shown = "".join(m["text"] for m in listed)
        assert shown.count("•") == 100 and shown.endswith("… and 8 more")
        (reply,) = harness.run(harness.text("crude oil exports trade"))
        question_id = buttons(reply)["👍"].split(":")[1]
        (done,) = harness.run(harness.press(reply, f"m:{question_id}:9999"))
        assert done["text"] == texts.NO_MORE


def test_answers_read_the_questions_time_and_say_how(harness: Harness) -> None:
    (dated,) = harness.run(harness.text("crude oil exports trade in 2024"))
    assert dated["text"].startswith("Passages about 2024 first:\n\n1. Trade between")
    # No article of 2023: the article of 2024 that reports 2023 answers.
    (then,) = harness.run(harness.text("crude oil exports trade in 2023"))
    assert then["text"].startswith("Passages about 2023 first:\n\n1. Trade between")
    (russian,) = harness.run(harness.text("crude oil exports trade в 2024 году"))
    assert russian["text"].startswith("Сначала фрагменты о 2024:")
    other = {"id": 78, "is_bot": False, "first_name": "Di"}  # within the rate limit
    (news,) = harness.run(harness.text("News from 2024", other))
    assert news["text"].startswith("From articles published 2024:\n\n1. Trade between")
    (none,) = harness.run(harness.text("Что произошло в 2021 году?", other))
    assert none["text"] == "За 2021 об этом ничего не опубликовано."


def test_an_answer_offers_the_corpus_years_and_narrows_to_one(harness: Harness) -> None:
    question = "China and Azerbaijan in Baku"
    (reply,) = harness.run(harness.text(question))
    cited = harness.services().engine.answer(question, handlers.PAGE).hits
    assert [h.article.title for h in cited if h.article.title in reply["text"]] == [
        h.article.title for h in cited
    ]
    assert any(h.article.published is None for h in cited)  # undated ones answer too
    (narrowed,) = harness.run(harness.press(reply, buttons(reply)["2024"]))
    assert narrowed["text"].startswith("From articles published 2024:")
    assert "undated" not in narrowed["text"]


def test_latest_and_sources_put_the_newest_first_with_dates(harness: Harness) -> None:
    (latest,) = harness.run(harness.text("/latest 2"))
    text, _ = parse_html(latest["html"])
    assert text.startswith("Latest\n\n• Trade between China and Azerbaijan grows — Example Wire,")
    assert "2024-03-01" in text and "grew by a fifth in 2023" in text
    (listed,) = harness.run(harness.text("/sources"))
    lines = [line for line in listed["text"].splitlines() if line.startswith("•")]
    assert "2024-03-01" in lines[0] and all("undated" in line for line in lines[1:])


def test_timeline_and_stats_send_charts(harness: Harness) -> None:
    other = {"id": 77, "is_bot": False, "first_name": "Cy"}
    harness.run(harness.text("crude oil exports trade"))
    (chart,) = harness.run(harness.text("/timeline crude oil exports trade"))
    assert chart["png"].startswith(b"\x89PNG") and len(chart["png"]) > 10_000
    topic = "“crude oil exports trade”"
    assert (
        chart["text"] == f"1 passage for {topic}: first 2024-03, last 2024-03, peak 2024-03 (1)."
    )
    (whole,) = harness.run(harness.text("/timeline", other))
    assert whole["text"].startswith("1 article for the corpus: first 2024-03")
    assert "2 without a date left out" in whole["text"]
    (nothing,) = harness.run(harness.text("/timeline Kilimanjaro altitude", other))
    assert (
        nothing["text"] == "No dated passages for “Kilimanjaro altitude”." and "png" not in nothing
    )
    text, picture = harness.run(harness.text("/stats", user=ADMIN))
    assert "Questions served" in text["text"] and picture["png"].startswith(b"\x89PNG")


LONG = "---\ntitle: Ports of the Caspian\nsource: Example Wire\n---\n\n" + "\n\n".join(
    f"Paragraph {n} tells of harbour number {n} on the Caspian coast and its cranes."
    for n in range(1, 9)
)


def test_context_shows_the_cards_paragraphs_and_one_more_each_side(tmp_path: Path) -> None:
    """The button carries the paragraphs its card shows, which are more than its passage's
    own where neighbouring passages were joined into one card; a button from before spans
    (c:P) still shows its passage's own."""
    corpus = tmp_path / "corpus"
    write_article(corpus, "ports.md", LONG)
    with harness_over(corpus, tmp_path) as harness:
        (reply,) = harness.run(harness.text("harbour cranes on the Caspian coast"))
        kind, passage, first, last = buttons(reply)["Context 1"].split(":")
        assert kind == "c" and 1 <= int(first) <= int(last) <= 8

        def shown(data: str) -> list[int]:
            (message,) = harness.run(harness.press(reply, data))
            return [int(n) for n in re.findall(r"¶(\d+) ", message["text"])]

        expected = list(range(max(1, int(first) - 1), min(8, int(last) + 1) + 1))
        assert shown(buttons(reply)["Context 1"]) == expected
        assert shown(f"c:{passage}:3:6") == [2, 3, 4, 5, 6, 7]  # a joined card's span
        own = harness.services().engine.passage(int(passage))
        assert own is not None
        a, b = own.paragraphs
        assert shown(f"c:{passage}") == list(range(max(1, a - 1), min(8, b + 1) + 1))
        assert shown(f"c:{passage}:7:99") == [6, 7, 8]  # a span past the end is cut there
