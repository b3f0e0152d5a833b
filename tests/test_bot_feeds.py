"""Feeds in the bot: a poll takes new articles, swaps the index in, tells subscribers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.following import poll_and_announce
from bot.state import BotState
from tests.conftest import REPO
from tests.fakebotapi import parse_html
from tests.test_bot_handlers import ADMIN, USER, Harness, harness_over
from tests.website import Site


@pytest.fixture
def bot(corpus: Path, tmp_path: Path, bot_state: BotState) -> Iterator[Harness]:
    env = {
        "CITEBOT_ADMINS": "1",
        "CITEBOT_ALLOW_PRIVATE_URLS": "1",
        "CITEBOT_TOPIC_RULE": str(REPO / "corpus" / "topic.yaml"),
    }
    with harness_over(corpus, tmp_path, bot_state, **env) as harness:
        yield harness


def poll(bot: Harness) -> list[Any]:
    return bot.loop.run_until_complete(poll_and_announce(bot.services(), bot.app.bot))


def test_a_poll_adds_what_is_new_and_tells_subscribers_once(bot: Harness, site: Site) -> None:
    assert poll(bot) == []  # no feeds: nothing is fetched
    quitter = {"id": 3, "is_bot": False, "first_name": "Quit"}
    bot.run(bot.text("/subscribe", USER), bot.text("/subscribe", quitter))
    bot.api.blocked.add(3)
    bot.services().feeds.add(f"{site.url}/feed.xml", "wire")
    outcomes = poll(bot)
    assert [o.outcome for o in outcomes].count("taken") == 1
    (digest,) = [m for m in bot.api.sent if m["chat"]["id"] == USER["id"]][-1:]
    text, entities = parse_html(digest["html"])
    assert text.startswith("New in the corpus (1):")
    assert "China and Azerbaijan sign a solar deal — Caspian Wire, 2025-05-14" in text
    assert "signed an agreement in Baku on Wednesday" in text
    assert any(e.get("url") == "https://caspian.example/solar-deal" for e in entities), entities
    assert bot.services().feeds.subscribers() == [USER["id"]]  # the blocked one is dropped
    (answer,) = bot.run(bot.text("solar parks near Sumgayit 600 megawatts"))
    assert "Caspian Wire" in answer["text"]  # swapped in live
    sent = len(bot.api.sent)
    assert poll(bot) == [] and len(bot.api.sent) == sent  # 304: nothing new, nothing sent


def test_feeds_command_is_for_admins_and_subscribing_can_be_undone(
    bot: Harness, site: Site
) -> None:
    bot.services().feeds.add(f"{site.url}/feed.xml", "wire")
    (refused,) = bot.run(bot.text("/feeds", USER))
    assert refused["text"] == texts.NOT_ADMIN
    (listed,) = bot.run(bot.text("/feeds", ADMIN))
    assert "wire: 0 taken, 0 skipped, 0 failed; never polled" in listed["text"]
    bot.run(bot.text("/subscribe", USER), bot.text("/unsubscribe", USER))
    assert bot.services().feeds.subscribers() == []


def test_a_digest_of_many_long_articles_fits_telegram(tmp_path: Path) -> None:
    from bot.feeds import Outcome
    from bot.following import digest
    from bot.render import LIMIT, size
    from index.ingest.add import Prepared
    from index.records import Article

    article = Article("", "T" * 3000, ("A first sentence. " * 200,), "O" * 500, "2025-01-01")
    taken = [Outcome("f", "t", "l", "taken", "added", None, Prepared(article, "v"))] * 15
    messages = digest(taken)
    assert all(size(m) <= LIMIT for m in messages)  # every field is clipped
    assert all(parse_html(m) for m in messages) and messages[-1].endswith("5 more: /latest")
