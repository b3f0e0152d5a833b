"""Two bots in one test process over one PostgreSQL database and one index, as two replicas:
the feed poll runs once between them, a new index reaches the other, and a database that
goes away mid-run never stops the answers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot import following
from bot.state import BotState, limits, postgres
from bot.state.postgres import PostgresDatabase
from index.indexer.builder import build
from index.search.engine import Engine
from tests.conftest import settings_for, write_article
from tests.fakebotapi import BOT, FakeBotAPI
from tests.fakes import FakeEmbedder
from tests.helpers import REPO
from tests.pgserver import PgServer
from tests.test_bot_handlers import USER, Harness, buttons, harness_over
from tests.website import Site

ENV = {
    "CITEBOT_ADMINS": "1",
    "CITEBOT_ALLOW_PRIVATE_URLS": "1",
    "CITEBOT_TOPIC_RULE": str(REPO / "corpus" / "topic.yaml"),
    "CITEBOT_RATE_LIMIT": "50",
}


def two_bots(corpus: Path, tmp_path: Path, url: str) -> tuple[Harness, Harness, FakeBotAPI]:
    api = FakeBotAPI().start()
    settings = settings_for(corpus, tmp_path / "index", **ENV)
    fake = FakeEmbedder()
    build(settings, embedder=fake)
    bots = [
        Harness(
            settings,
            Engine.open(settings, embedder=fake),
            api,
            tmp_path,
            BotState(PostgresDatabase(url)),
            **ENV,
        )
        for _ in range(2)
    ]
    return bots[0], bots[1], api


@pytest.fixture
def replicas(corpus: Path, tmp_path: Path, pg_url: str) -> Iterator[tuple[Harness, Harness]]:
    one, two, api = two_bots(corpus, tmp_path, pg_url)
    yield one, two
    one.close()
    two.close()
    api.stop()


def run_job(bot: Harness) -> None:
    """The feed poll job as PTB's JobQueue runs it, on the bot's own event loop."""
    context: Any = SimpleNamespace(application=bot.app, bot=bot.app.bot)
    bot.loop.run_until_complete(following.poll_feeds(context))


def metric(bot: Harness, line: str) -> bool:
    return line in bot.services().metrics.text().decode()


def test_the_feed_poll_runs_on_one_replica_and_announces_once(
    replicas: tuple[Harness, Harness], site: Site
) -> None:
    one, two = replicas
    one.run(one.text("/subscribe", USER))
    two.services().feeds.add(f"{site.url}/feed.xml", "wire")
    threads = [threading.Thread(target=run_job, args=(bot,)) for bot in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    digests = [m for m in one.api.sent_to(USER["id"]) if "New in the corpus" in m["text"]]
    assert len(digests) == 1
    ran = [metric(bot, 'citebot_feed_polls_total{outcome="ran"} 1.0') for bot in replicas]
    elsewhere = [
        metric(bot, 'citebot_feed_polls_total{outcome="elsewhere"} 1.0') for bot in replicas
    ]
    assert sorted(ran) == [False, True] and sorted(elsewhere) == [False, True]
    poller, other = (one, two) if ran[0] else (two, one)
    # The other replica serves the new article once it looks (an announcement, or the check).
    assert other.services().refresh()
    assert other.services().engine.version == poller.services().engine.version
    (answer,) = other.run(other.text("solar parks near Sumgayit 600 megawatts"))
    assert "Caspian Wire" in answer["text"]
    assert not other.services().refresh()  # nothing newer: nothing swapped


def test_a_reload_on_one_replica_is_heard_by_the_other(
    replicas: tuple[Harness, Harness], corpus: Path
) -> None:
    one, two = replicas
    heard = threading.Event()
    shared = two.services()

    def listener(version: str | None) -> None:
        if shared.refresh(version):
            heard.set()

    two.services().state.listen(listener)
    write_article(corpus, "tea.txt", "Tea in Lankaran\n\nLankaran grows tea for Baku.")
    (_, reloaded) = one.run(one.text("/reload", {"id": 1, "is_bot": False, "first_name": "A"}))
    assert reloaded["text"].startswith("Index updated")
    assert heard.wait(10)
    (answer,) = two.run(two.text("Lankaran tea"))
    assert "Lankaran grows tea" in answer["text"]


def test_answers_flow_while_postgres_is_down_and_votes_ask_to_try_again(
    corpus: Path, tmp_path: Path, own_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two, api = two_bots(corpus, tmp_path, own_server.new_database())
    checks: list[float] = []  # how long each rate check took
    counted = one.state.limits.wait

    def timed(user_id: int, limit: int) -> float:
        started = time.monotonic()
        try:
            return counted(user_id, limit)
        finally:
            checks.append(time.monotonic() - started)

    try:
        one.run(one.text("crude oil exports trade"))
        own_server.stop()
        monkeypatch.setattr(one.state.limits, "wait", timed)
        answers = [one.run(one.text("crude oil exports trade"))[0] for _ in range(3)]
        assert all(a["text"].startswith("1. Trade between") for a in answers)
        # The rate limit gives up on the database within its own short wait, each time, not
        # the pool's (a loaded machine is allowed eight times it).
        assert len(checks) == 3
        assert max(checks) < limits.WAIT_SECONDS * 8 < postgres.WAIT_SECONDS
        deadline = time.monotonic() + 20
        while one.state.writable() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not one.state.writable()
        one.run(one.press({**answers[0], "from": BOT}, buttons(answers[0])["👍"]))
        assert api.callback_answers[-1]["text"].startswith("Sorry, I couldn't record that")
        assert metric(one, "citebot_state_database_up 0.0")
        own_server.start()
        assert one.state.flush(60)
        assert metric(one, "citebot_state_database_up 1.0")
        one.run(one.press({**answers[0], "from": BOT}, buttons(answers[0])["👍"]))
        assert api.callback_answers[-1]["text"] == "Thank you for the feedback!"
        assert one.state.flush(10)
        stats = two.state.stats()  # the other replica reads what this one wrote
        assert (stats.questions, stats.thumbs_up) == (4, 1)
        assert one.state.failed_writes == 0
    finally:
        one.close()
        two.close()
        api.stop()


def test_the_periodic_check_swaps_in_a_version_built_elsewhere(
    corpus: Path, tmp_path: Path
) -> None:
    """`citebot index build` run beside the bot (or a missed announcement): the bot's own
    look at `current`, a JobQueue job, finds the new version."""
    env = {**ENV, "CITEBOT_INDEX_CHECK": "1"}
    with harness_over(corpus, tmp_path, None, **env) as bot:
        bot.loop.run_until_complete(bot.app.start())
        try:
            write_article(corpus, "tea.txt", "Tea in Lankaran\n\nLankaran grows tea for Baku.")
            settings = bot.services().settings
            build(settings, embedder=bot.services().engine.embedder)  # as the CLI would
            deadline = time.monotonic() + 20
            while "Lankaran" not in str(bot.services().engine.articles()):
                assert time.monotonic() < deadline
                bot.loop.run_until_complete(asyncio.sleep(0.2))
        finally:
            bot.loop.run_until_complete(bot.app.stop())
        (answer,) = bot.run(bot.text("Lankaran tea"))
        assert "Lankaran grows tea" in answer["text"]
