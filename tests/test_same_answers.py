"""Every front end answers through one `Engine.answer`: the bot over Telegram (the fake Bot
API, real HTTP, the real bot process) cites the same passages as ``citebot ask --json`` for
the same questions, dated ones among them."""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.handlers import PAGE
from index.indexer.builder import build
from index.models.embedder import Embedder
from index.records import paragraph_label
from tests.conftest import GLOSSARY, copy_seeds, settings_for, write_article
from tests.fakebotapi import TOKEN, FakeBotAPI
from tests.helpers import bot_process, citebot, cli_env

pytestmark = pytest.mark.slow

USER: dict[str, Any] = {"id": 2, "is_bot": False, "first_name": "Bo"}

DATED = {
    "tea.md": """---
title: A joint tea research centre opens in Lankaran
source: Caspian Wire
published: 2025-06-02
---

Azerbaijan and China opened a joint tea research centre in Lankaran, where botanists from
Hangzhou will breed frost-resistant tea bushes for the Caspian coast.

The centre will train forty Azerbaijani agronomists a year in Chinese tea cultivation.
""",
    "rail.md": """---
title: First container train from Xi'an reaches Baku
source: Rail Gazette
published: 2023-03-14
---

The first container train from Xi'an reached the port of Alat near Baku after eleven days on
the Middle Corridor, carrying electronics and car parts bound for Europe.

Railway officials said the route could carry three hundred trains a year by 2027.
""",
    "solar.md": """---
title: Chinese firm to build a solar plant in Bilasuvar
source: Energy Desk
published: 2024-11-12
---

A Chinese company signed an agreement to build a 445 megawatt solar power plant in the
Bilasuvar district of Azerbaijan, announced at the COP29 climate conference in Baku.
""",
}

QUESTIONS = [
    "Who is China's ambassador to Azerbaijan?",
    "How many agronomists will the tea centre train?",
    "What did the railway officials say in 2023?",  # dated: its year favoured
    "What happened with the solar plant in 2019?",  # dated: nothing published then
    "News from 2023",  # held to the articles published then
    "What tea bushes will the centre opened last year breed?",  # relative to today
    "Кто посол Китая в Азербайджане?",
    "What did Aliyev say about Macron?",  # a name no article mentions: related reading
    "latest news",
]
CITED = re.compile(r"^(?P<outlet>[^—“”«»\n]+?) — (?P<details>[^\n]*?¶[\d–]+)", re.MULTILINE)


def cited(text: str) -> list[str]:
    """The card citations of a Telegram answer, as "title — outlet, date, ¶N"."""
    return [m.group(0) for m in CITED.finditer(text)]


def expected(result: dict[str, Any]) -> str:
    article = result["article"]
    details = [article["source"], article["published"] or "undated"]
    first, last = result["paragraphs"]
    label = paragraph_label((first, last))
    return f"{article['title']} — {', '.join(d for d in details if d)}, {label}"


def test_telegram_and_ask_cite_the_same_passages(
    tmp_path: Path, real_model: Embedder, real_extra: list[Embedder]
) -> None:
    corpus = tmp_path / "corpus"
    copy_seeds(corpus)
    for name, text in DATED.items():
        write_article(corpus, name, text)
    glossary = str(GLOSSARY)
    settings = settings_for(corpus, tmp_path / "index", CITEBOT_GLOSSARY=glossary)
    build(settings, embedder=real_model, extra=real_extra)

    asked = citebot(settings, "ask", "--json", "-k", str(PAGE), stdin="\n".join(QUESTIONS))
    assert asked.returncode == 0, asked.stderr
    answers = [json.loads(line) for line in asked.stdout.splitlines()]
    assert [a["question"] for a in answers] == QUESTIONS

    api = FakeBotAPI().start()
    env = cli_env(settings, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url,
                  CITEBOT_STATE_DIR=str(tmp_path / "state"))  # fmt: skip
    try:
        with bot_process("serve", env, tmp_path / "bot.log", api):
            # All at once, as users ask under load: the bot embeds them together.
            messages = [api.send_text(USER, question) for question in QUESTIONS]
            for question, answer, sent in zip(QUESTIONS, answers, messages, strict=True):
                replies = api.wait(partial(_replies, api, sent))
                text = "\n".join(reply["text"] for reply in replies)
                citations = cited(text)
                shown = answer["results"] or answer["related"]  # the answer, or related reading
                assert citations == [expected(r) for r in shown], (question, text)
                if answer["answer"]:  # the one-line answer, quoted alike
                    assert answer["answer"]["text"] in text, question
                for name in answer["unmentioned"]:
                    assert f"None of the articles mentions “{name}”" in text, question
    finally:
        api.stop()

    by_question = dict(zip(QUESTIONS, answers, strict=True))
    assert by_question[QUESTIONS[2]]["filters"]["since"] == "2023-01-01"
    assert not by_question[QUESTIONS[2]]["filters"]["held"]
    assert (
        not by_question[QUESTIONS[3]]["filters"]["held"] and by_question[QUESTIONS[3]]["results"]
    )
    assert by_question[QUESTIONS[4]]["filters"]["held"] and by_question[QUESTIONS[4]]["results"]
    assert by_question[QUESTIONS[7]]["unmentioned"] == ["Macron"]
    assert by_question[QUESTIONS[7]]["related"] and not by_question[QUESTIONS[7]]["results"]
    assert all(a["results"] for a in answers if not a["unmentioned"])


def _replies(api: FakeBotAPI, message: dict[str, Any]) -> list[dict[str, Any]]:
    """The bot's replies to ``message``, once the last one is in (it carries the buttons, or
    it says there is nothing)."""
    mine = [m for m in api.sent if m.get("reply_to_message_id") == message["message_id"]]
    done = mine and ("reply_markup" in mine[-1] or "¶" not in mine[-1]["text"])
    return mine if done else []
