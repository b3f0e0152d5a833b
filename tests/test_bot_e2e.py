"""The real bot process against the fake Bot API over real HTTP, played by test users."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.indexer.builder import build
from index.models.embedder import Embedder
from index.search.engine import Engine
from index.settings import Settings
from index.text.corpus import parse_article
from tests.conftest import (
    GLOSSARY,
    PUBLIC_QUESTIONS,
    SEEDS,
    copy_seeds,
    settings_for,
    write_article,
)
from tests.fakebotapi import BOT, TOKEN, ApiError, FakeBotAPI, dropped, parse_html, utf16
from tests.helpers import bot_process, cli_env

pytestmark = pytest.mark.slow

ADMIN: dict[str, Any] = {"id": 1, "is_bot": False, "first_name": "Ada"}
USER: dict[str, Any] = {"id": 2, "is_bot": False, "first_name": "Bo"}
GROUP: dict[str, Any] = {"id": -100, "type": "group", "title": "Newsroom"}
NEW_ARTICLE = """---
title: Azerbaijan and China open a joint tea research centre
source: Caspian Wire
published: 2025-06-02
url: https://caspian.example/tea-centre
---

Azerbaijan and China opened a joint tea research centre in Lankaran on Monday, where botanists
from Hangzhou will breed frost-resistant tea bushes for the Caspian coast.
"""


class World:
    """The bot process and what it serves. Tests share it and some add articles, so what a
    test expects of the corpus it reads from the corpus as it is then (`articles`,
    `engine`), whatever ran before."""

    def __init__(self, api: FakeBotAPI, settings: Settings, log: Path, model: Embedder) -> None:
        self.api = api
        self.settings = settings
        self.log = log
        self.model = model

    def articles(self) -> int:
        return len(list(self.settings.corpus_dir.glob("*.md")))

    def engine(self) -> Engine:
        """The index version the bot serves now, opened apart from it."""
        return Engine.open(self.settings, embedder=self.model)

    def ask(self, user: dict[str, Any], text: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Send ``text``; return the bot's replies to it once the last one carries buttons."""
        sent = self.api.send_text(user, text, **kwargs)
        return self.replies(sent)

    def replies(self, message: dict[str, Any], count: int = 1) -> list[dict[str, Any]]:
        def found() -> list[dict[str, Any]]:
            mine = [
                m
                for m in self.api.sent
                if m.get("reply_to_message_id") == message["message_id"]
                and m["chat"]["id"] == message["chat"]["id"]
            ]
            return mine if len(mine) >= count else []

        return list(self.api.wait(found))

    def after(self, mark: int, chat_id: int, count: int = 1) -> list[dict[str, Any]]:
        """The bot's messages to ``chat_id`` sent after ``mark`` messages in all."""

        def found() -> list[dict[str, Any]]:
            new = [m for m in self.api.sent[mark:] if m["chat"]["id"] == chat_id]
            return new if len(new) >= count else []

        return list(self.api.wait(found))


PUBLIC_URL = "https://reader.example/citebot"  # never fetched: only put in buttons


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Each button's text, and what it sends or opens."""
    return {
        b["text"]: b.get("callback_data") or b.get("url") or b["web_app"]["url"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, real_model: Embedder) -> Iterator[World]:
    root = tmp_path_factory.mktemp("bot")
    copy_seeds(root / "corpus")
    glossary = str(GLOSSARY)  # as deployed
    settings = settings_for(
        root / "corpus", root / "index", CITEBOT_GLOSSARY=glossary, min_score=0.3
    )
    build(settings, embedder=real_model)
    api = FakeBotAPI().start()
    log = root / "bot.log"
    env = cli_env(
        settings,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api.url,
        CITEBOT_ADMINS="1",
        CITEBOT_STATE_DIR=str(root / "state"),
        CITEBOT_LOG_LEVEL="DEBUG",
        CITEBOT_PUBLIC_URL=PUBLIC_URL,
    )
    try:
        with bot_process("run", env, log, api):  # as `make run`: update the index, serve
            yield World(api, settings, log, real_model)
    finally:
        api.stop()


def test_bot_start_welcomes_with_corpus_facts_and_examples(world: World) -> None:
    (welcome,) = world.ask(USER, "/start")
    outlets = sorted({a.source for a in world.engine().articles() if a.source})
    assert f"{world.articles()} news articles ({', '.join(outlets)}" in welcome["text"]
    assert {"Azeri Observer", "OC Media"} <= set(outlets)
    examples = buttons(welcome)
    assert len(examples) == 3
    mark = len(world.api.sent)
    world.api.press(USER, welcome, next(iter(examples.values())))
    (answer,) = world.after(mark, USER["id"])
    assert "Guo Min" in answer["text"]


def test_bot_answers_with_cited_evidence_cards(world: World) -> None:
    (answer,) = world.ask(
        USER, "When did China send doctors to help Azerbaijan fight the pandemic?"
    )
    text = answer["text"]
    # The one-line answer first, quoted from the first card, then the cards.
    assert text.startswith("“In August 2020, the Chinese government sent a team of medical")
    line, cards = text.split("\n\n1. ", 1)
    assert "” — Azeri Observer, 2021-05-05, ¶" in line and "\n" not in line
    assert "In August 2020" in cards
    title = "China-Azerbaijan: 2,000 Year History of Bilateral Connections"
    assert f"{title} — Azeri Observer, 2021-05-05, ¶" in text
    bold = [
        text[e["offset"] : e["offset"] + e["length"]]
        for e in answer["entities"]
        if e["type"] == "bold"
    ]
    assert any("August 2020" in b for b in bold)  # the answering sentence is in bold
    assert {"More ▸", "Context 1", "Article 1", "👍", "👎"} <= set(buttons(answer))


def test_bot_buttons_more_context_article_and_feedback(world: World) -> None:
    (answer,) = world.ask(USER, "What does China buy from Azerbaijan?")
    keys = buttons(answer)
    mark = len(world.api.sent)
    world.api.press(USER, answer, keys["More ▸"])
    (more,) = world.after(mark, USER["id"])
    assert more["text"].startswith("4. ")

    # Context: the first card's paragraphs and one more each side, in as many messages as
    # that takes (a card can join neighbouring passages).
    _, _, first, last = keys["Context 1"].split(":")
    mark = len(world.api.sent)
    world.api.press(USER, answer, keys["Context 1"])
    (opening,) = world.after(mark, USER["id"])[:1]
    title = opening["text"].split("\n")[0]  # each page opens with the article's title
    (article,) = [
        a
        for a in (parse_article(p.read_bytes(), p.name, p.stem) for p in SEEDS)
        if a.title == title
    ]
    wanted = range(max(1, int(first) - 1), min(len(article.paragraphs), int(last) + 1) + 1)

    def shown() -> list[int]:
        texts = [m["text"] for m in world.api.sent[mark:] if m["chat"]["id"] == USER["id"]]
        return [int(n) for n in re.findall(r"¶(\d+) ", "\n".join(texts))]

    assert world.api.wait(lambda: wanted[-1] in shown())
    assert shown() == list(wanted) and len(wanted) >= 2

    mark = len(world.api.sent)
    world.api.press(USER, answer, keys["Article 1"])
    pages = world.after(mark, USER["id"], count=2)
    assert all(utf16(page["text"]) <= 4096 for page in pages)
    assert "¶1 " in pages[0]["text"]

    world.api.press(USER, answer, keys["👍"])
    world.api.wait(
        lambda: any("Thank you" in a.get("text", "") for a in world.api.callback_answers)
    )


def test_bot_answers_a_lookup_and_a_request_for_news(world: World) -> None:
    (lookup,) = world.ask(USER, "BYD")  # a name alone: too thin for any cosine
    assert "China’s BYD" in lookup["text"]
    (shusha,) = world.ask(USER, "Шуша")  # in Russian: the glossary reads it as Shusha
    assert "Shusha" in shusha["text"]
    (news,) = world.ask(USER, "Что нового?")  # "what's new?": the newest articles
    assert news["text"].startswith("Сначала новые:")
    newest = world.engine().newest(3)
    assert [h.article.title for h in newest if h.article.title in news["text"]] == [
        h.article.title for h in newest
    ]


def test_bot_says_plainly_when_nothing_is_relevant(world: World) -> None:
    (reply,) = world.ask(USER, "How do I change a flat bicycle tyre?")
    assert reply["text"].startswith("I found nothing in the corpus on that.")
    assert "Azeri Observer" in reply["text"]


def test_bot_in_groups_answers_only_when_addressed(world: World) -> None:
    ignored = world.api.send_text(USER, "When did Aliyev speak to Xinhua?", chat=GROUP)
    (answer,) = world.ask(USER, f"@{BOT['username']} When did Aliyev speak to Xinhua?", chat=GROUP)
    assert "Xinhua" in answer["text"]
    (by_command,) = world.ask(USER, "/ask What did Aliyev and the reporter drink?", chat=GROUP)
    assert "tea" in by_command["text"]
    (by_reply,) = world.ask(USER, "Which principles did Aliyev name?", chat=GROUP, reply_to=answer)
    assert "¶" in by_reply["text"]
    assert not [m for m in world.api.sent if m.get("reply_to_message_id") == ignored["message_id"]]


def test_bot_read_button_opens_the_passage_in_the_reader(world: World) -> None:
    question = "Which Chinese visa can Azerbaijani citizens apply for again?"
    (private,) = world.ask(USER, question)
    read = {b["text"]: b for row in private["reply_markup"]["inline_keyboard"] for b in row}[
        "Read 1"
    ]
    # In a private chat, inside Telegram (a Web App), at the first card's passage: at its
    # paragraph that holds the sentence in bold.
    url = read["web_app"]["url"]
    card = private["text"].split("\n\n1. ", 1)[1]
    cited = re.search(r"¶(\d+)(?:–(\d+))?", card)
    opened = re.fullmatch(
        re.escape(f"{PUBLIC_URL}/article/azeri-observer-guo-min-interview") + r"\?p=(\d+)#p\1",
        url,
    )
    assert cited is not None and opened is not None
    paragraph = int(opened.group(1))
    assert int(cited.group(1)) <= paragraph <= int(cited.group(2) or cited.group(1))
    engine = world.engine()
    article = engine.article("azeri-observer-guo-min-interview")
    engine.close()
    assert article is not None
    bold = [
        private["text"][e["offset"] : e["offset"] + e["length"]]
        for e in private["entities"]
        if e["type"] == "bold" and e["offset"] > private["text"].index("\n\n1. ")
    ]
    assert bold[1] in article.paragraphs[paragraph - 1]  # [0] is the card's number
    # In a group, Telegram allows no Web App button: a link.
    (grouped,) = world.ask(USER, f"/ask {question}", chat=GROUP)
    assert buttons(grouped)["Read 1"].startswith(f"{PUBLIC_URL}/article/")
    assert all("web_app" not in b for r in grouped["reply_markup"]["inline_keyboard"] for b in r)
    # Russian framing, Russian button
    (russian,) = world.ask(
        USER, "Какую китайскую визу снова смогут получать граждане Азербайджана?"
    )
    assert "Читать 1" in buttons(russian)


def test_bot_inline_mode_offers_cited_excerpts(world: World) -> None:
    query_id = world.api.inline(USER, "Chinese electric buses in Azerbaijan")
    answer = world.api.wait(
        lambda: next(
            (a for a in world.api.inline_answers if a["inline_query_id"] == query_id), None
        )
    )
    results = answer["results"]
    assert 1 <= len(results) <= 10
    posted, _ = parse_html(results[0]["input_message_content"]["message_text"])
    assert posted.startswith("«") and "— " in posted and "¶" in posted
    (read,) = results[0]["reply_markup"]["inline_keyboard"][0]
    assert read["url"].startswith(f"{PUBLIC_URL}/article/")  # a link: no Web App inline


def test_bot_admin_commands_refuse_others_and_reload_for_admins(world: World) -> None:
    (refusal,) = world.ask(USER, "/reload")
    assert "only for the maintainers" in refusal["text"]
    (refusal,) = world.ask(USER, "/stats")
    assert "only for the maintainers" in refusal["text"]
    write_article(world.settings.corpus_dir, "caspian-tea-centre.md", NEW_ARTICLE)
    done = world.replies(world.api.send_text(ADMIN, "/reload"), count=2)
    assert "Updating the index" in done[0]["text"]
    assert "Index updated" in done[-1]["text"] and "1 added" in done[-1]["text"]
    (answer,) = world.ask(USER, "Where did Azerbaijan and China open a tea research centre?")
    assert "Lankaran" in answer["text"] and "Caspian Wire" in answer["text"]
    (stats,) = world.ask(ADMIN, "/stats")
    assert "Questions served" in stats["text"]
    assert f"{world.articles()} articles" in stats["text"]


SILK_ARTICLE = """---
title: Baku hosts a Silk Road silk weaving exhibition
source: Caspian Wire
published: 2025-07-01
---

Weavers from Suzhou and Shaki showed silk carpets side by side at an exhibition in Baku, where
the two towns agreed to exchange apprentices every summer.
"""


def test_reload_while_ten_users_keep_asking_loses_and_breaks_nothing(world: World) -> None:
    questions = [json.loads(line)["question"] for line in PUBLIC_QUESTIONS.open()][:10]
    users = [{"id": 100 + n, "is_bot": False, "first_name": f"U{n}"} for n in range(10)]
    asked = [world.api.send_text(user, questions[n]) for n, user in enumerate(users)]
    write_article(world.settings.corpus_dir, "silk-exhibition.md", SILK_ARTICLE)
    reload = world.api.send_text(ADMIN, "/reload")
    for round_ in range(4):  # the users keep asking while the index is rebuilt and swapped
        asked += [
            world.api.send_text(user, questions[(n + round_ + 1) % 10])
            for n, user in enumerate(users)
        ]
    done = world.replies(reload, count=2)
    assert "Index updated" in done[-1]["text"] and "1 added" in done[-1]["text"]
    for message in asked:
        world.replies(message)  # every question is answered...
    assert world.api.received_once()  # ...each received once, so answered once:
    for message in asked:
        replies = [
            m
            for m in world.api.sent
            if m.get("reply_to_message_id") == message["message_id"]
            and m["chat"]["id"] == message["chat"]["id"]
        ]
        # ...exactly once: one answer, its cards in a message or two, the last with buttons
        ends = [m for m in replies if "reply_markup" in m or "¶" not in m["text"]]
        assert len(ends) == 1 and ends[0] is replies[-1], replies
        assert all("went wrong" not in m["text"] for m in replies)
    (answer,) = world.ask(USER, "Which towns showed silk carpets at the exhibition in Baku?")
    assert "Suzhou" in answer["text"]


def test_polling_survives_api_faults_without_losing_or_repeating_updates(world: World) -> None:
    world.api.fail_next(
        "getUpdates",
        ApiError(500, "Internal Server Error"),
        ApiError(429, "Too Many Requests: retry after 1", retry_after=1),
        dropped(),
        ApiError(502, "Bad Gateway"),
    )
    users: list[dict[str, Any]] = [
        {"id": 200 + n, "is_bot": False, "first_name": f"F{n}"} for n in range(3)
    ]
    asked = []
    for user in users:
        asked.append(world.api.send_text(user, "Who is China's ambassador to Azerbaijan?"))
        time.sleep(0.5)  # spread over the failing polls
    for message in asked:
        (answer,) = world.replies(message)
        assert "Guo Min" in answer["text"]
    assert world.api.received_once()  # none received twice, so none answered twice
    for user in users:
        assert len(world.api.sent_to(user["id"])) == 1
    assert len([m for m, _ in world.api.rejected if m == "getUpdates"]) == 4


def test_bot_never_logs_the_token(world: World) -> None:
    text = world.log.read_text()
    assert "refused /reload from user 2" in text
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
