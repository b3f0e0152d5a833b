"""The real bot process adding articles: an admin's document (getFile and the download, over
HTTP from the fake Bot API) and a feed polled at a short interval, with a subscriber told."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.state import BotState
from index.indexer.builder import build
from index.models.embedder import Embedder
from tests.conftest import REPO, copy_seeds, settings_for
from tests.fakebotapi import TOKEN, FakeBotAPI
from tests.helpers import bot_process, cli_env
from tests.hostile import HostileSite, bomb_pdf, feed, serves
from tests.website import REPORT, Site

pytestmark = pytest.mark.slow

ADMIN: dict[str, Any] = {"id": 1, "is_bot": False, "first_name": "Ada"}
USER: dict[str, Any] = {"id": 2, "is_bot": False, "first_name": "Bo"}


@pytest.fixture
def running(tmp_path: Path, real_model: Embedder) -> Iterator[tuple[FakeBotAPI, Path, Site]]:
    copy_seeds(tmp_path / "corpus")
    settings = settings_for(tmp_path / "corpus", tmp_path / "index")
    build(settings, embedder=real_model)
    api, site = FakeBotAPI().start(), Site()
    env = cli_env(
        settings,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api.url,
        CITEBOT_ADMINS="1",
        CITEBOT_STATE_DIR=str(tmp_path / "state"),
        CITEBOT_MULTILINGUAL="off",  # the index was built with MiniLM alone
        CITEBOT_ALLOW_PRIVATE_URLS="1",
        CITEBOT_FEED_INTERVAL="2",
        CITEBOT_TOPIC_RULE=str(REPO / "corpus" / "topic.yaml"),
    )
    try:
        with bot_process("serve", env, tmp_path / "bot.log", api):
            yield api, tmp_path / "state" / "bot.sqlite", site
    finally:
        api.stop()
        site.stop()


def test_bot_process_adds_an_admins_document_and_a_feeds_article(
    running: tuple[FakeBotAPI, Path, Site],
) -> None:
    api, state, site = running
    api.send_text(USER, "/subscribe")
    api.wait(lambda: api.sent_to(USER["id"]))
    shared = BotState.sqlite(state)
    shared.feeds.add(f"{site.url}/feed.xml", "wire")  # the next poll, within 2 s, takes it
    shared.close()
    digest = api.wait(
        lambda: [m for m in api.sent_to(USER["id"]) if "New in the corpus" in m["text"]]
    )
    assert "China and Azerbaijan sign a solar deal" in digest[0]["text"]

    sent = api.document(ADMIN, "report.pdf", REPORT, "application/pdf")
    card = api.wait(lambda: [m for m in api.sent_to(ADMIN["id"]) if "Rail freight" in m["text"]])[
        0
    ]
    assert card.get("reply_to_message_id") == sent["message_id"]
    add = next(
        b["callback_data"]
        for row in card["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "Add"
    )
    api.press(ADMIN, card, add)
    api.wait(
        lambda: [m for m in api.sent if m.get("edited") and "searchable now" in m["text"]], 120
    )
    asked = api.send_text(
        USER, "How many days did container trains from Xi'an take to reach Baku?"
    )
    answer = api.wait(
        lambda: [
            m
            for m in api.sent_to(USER["id"])
            if m.get("reply_to_message_id") == asked["message_id"]
        ]
    )[0]
    assert "Rail freight between China and Azerbaijan" in answer["text"]


def test_bot_process_goes_on_past_a_hostile_document_and_feed_entry(
    running: tuple[FakeBotAPI, Path, Site],
) -> None:
    api, state, site = running
    hostile = HostileSite()
    try:
        hostile.routes["/bomb.pdf"] = serves(200, "application/pdf", bomb_pdf())
        hostile.routes["/feed.xml"] = serves(
            200,
            "application/rss+xml",
            feed(
                [("bomb", f"{hostile.url}/bomb.pdf", None), ("solar", f"{site.url}/solar", None)]
            ),
        )
        sent = api.document(ADMIN, "bomb.pdf", bomb_pdf(), "application/pdf")
        refused = api.wait(
            lambda: [m for m in api.sent_to(ADMIN["id"]) if "can't be added" in m["text"]]
        )[0]
        assert "compression bomb" in refused["text"]
        assert refused.get("reply_to_message_id") == sent["message_id"]
        api.send_text(USER, "/subscribe")
        shared = BotState.sqlite(state)
        shared.feeds.add(f"{hostile.url}/feed.xml", "hostile")
        digest = api.wait(
            lambda: [m for m in api.sent_to(USER["id"]) if "New in the corpus" in m["text"]], 120
        )
        assert "China and Azerbaijan sign a solar deal" in digest[0]["text"]
        logged = {row[3]: (row[2], row[4]) for row in shared.feeds.log()}
        shared.close()
        assert (
            logged["Story bomb"][0] == "failed" and "compression bomb" in logged["Story bomb"][1]
        )
    finally:
        hostile.stop()
