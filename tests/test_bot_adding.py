"""Admins add articles from Telegram: links and documents, a preview, Add or Cancel."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.state import BotState
from tests.conftest import REPO
from tests.fakebotapi import parse_html
from tests.test_bot_handlers import ADMIN, USER, Harness, buttons, harness_over
from tests.website import PAGE, REPORT, Site


@pytest.fixture
def bot(corpus: Path, tmp_path: Path, bot_state: BotState) -> Iterator[Harness]:
    env = {
        "CITEBOT_ADMINS": "1",
        "CITEBOT_ALLOW_PRIVATE_URLS": "1",
        "CITEBOT_MAX_DOWNLOAD_BYTES": "100000",
    }
    with harness_over(corpus, tmp_path, bot_state, **env) as harness:
        yield harness


def document(bot: Harness, name: str, data: bytes, user: dict[str, Any] = ADMIN) -> dict[str, Any]:
    file_id = f"f{len(bot.api.files)}"
    bot.api.files[file_id] = data
    update = bot.text("", user)
    message = update["message"]
    del message["text"]
    message["document"] = {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_name": name,
        "file_size": len(data),
    }
    return update


def test_an_admins_link_is_previewed_then_added_and_answered_from(
    bot: Harness, site: Site
) -> None:
    (card,) = bot.run(bot.text(f"{site.url}/solar", ADMIN))
    text, _ = parse_html(card["text"])
    assert text.startswith("China and Azerbaijan sign a solar deal\nCaspian Wire, 2025-05-14")
    assert "48 words" in text and "600 megawatts" in text and "Already" not in text
    sent = bot.run(bot.press(card, buttons(card)["Add"], ADMIN))
    edits = [m for m in sent if m.get("edited")]
    assert edits[-1]["text"].startswith("Added China and Azerbaijan sign a solar deal as")
    assert "searchable now" in edits[-1]["text"]
    added = list(bot.services().settings.corpus_dir.glob("caspian-wire--*.md"))
    assert len(added) == 1
    (answer,) = bot.run(bot.text("solar parks near Sumgayit with 600 megawatts"))
    assert "Caspian Wire" in answer["text"]  # the new index was swapped in


def test_an_added_article_names_what_the_glossary_lacks(
    corpus: Path, tmp_path: Path, bot_state: BotState, site: Site
) -> None:
    glossary = tmp_path / "glossary.yaml"
    glossary.write_text("terms:\n  Sumgayit: [Сумгаит]\n", encoding="utf-8")
    env = {
        "CITEBOT_ADMINS": "1",
        "CITEBOT_ALLOW_PRIVATE_URLS": "1",
        "CITEBOT_GLOSSARY": str(glossary),
        "CITEBOT_TOPIC_RULE": str(REPO / "corpus" / "topic.yaml"),  # China, Azerbaijan, Baku
    }
    with harness_over(corpus, tmp_path, bot_state, **env) as bot:
        (card,) = bot.run(bot.text(f"{site.url}/solar", ADMIN))
        sent = bot.run(bot.press(card, buttons(card)["Add"], ADMIN))
    added = [m for m in sent if m.get("edited")][-1]["text"]
    assert "searchable now.\nNames in it that the glossary lacks" in added
    assert ": Hangzhou. citebot glossary lists them all." in added


def test_an_admins_document_can_be_cancelled_and_nothing_is_written(bot: Harness) -> None:
    corpus = bot.services().settings.corpus_dir
    before = sorted(corpus.iterdir())
    (card,) = bot.run(document(bot, "report.pdf", REPORT))
    assert card["text"].startswith("Rail freight between China and Azerbaijan")
    sent = bot.run(bot.press(card, buttons(card)["Cancel"], ADMIN))
    assert sent[-1]["text"] == texts.CANCELLED and sorted(corpus.iterdir()) == before
    assert bot.run(bot.press(card, buttons(card)["Add"], ADMIN)) == []  # used up
    assert bot.api.callback_answers[-1]["text"] == texts.PREVIEW_GONE


def test_a_link_already_in_the_corpus_is_flagged_in_its_preview(bot: Harness, site: Site) -> None:
    (card,) = bot.run(bot.text(f"{site.url}/solar", ADMIN))
    bot.run(bot.press(card, buttons(card)["Add"], ADMIN))
    (second,) = bot.run(bot.text(f"{site.url}/moved", ADMIN))
    assert "Already in the corpus as caspian-wire--" in second["text"]


def test_links_and_documents_from_anyone_else(
    bot: Harness, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    (reply,) = bot.run(bot.text(f"{site.url}/solar", USER))
    assert reply["text"].startswith("A link is not a question")
    with caplog.at_level(logging.WARNING, logger="citebot.bot"):
        (refused,) = bot.run(document(bot, "report.pdf", REPORT, USER))
    assert refused["text"] == texts.NOT_ADMIN_DOCUMENT
    assert "refused a document from user 2" in caplog.text
    (card,) = bot.run(bot.text(f"{site.url}/solar", ADMIN))
    bot.run(bot.press(card, buttons(card)["Add"], USER))  # a forged press
    assert bot.api.callback_answers[-1]["text"] == texts.NOT_ADMIN
    assert not list(bot.services().settings.corpus_dir.glob("caspian-wire--*.md"))


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("notes.docx", b"PK\x03\x04", "citebot adds .html, .htm, .pdf, .md and .txt"),
        ("huge.html", PAGE.encode() * 200, "too big to add: the limit is 0.1 MB"),
        ("scan.pdf", b"%PDF-1.4 not really", "not a readable PDF"),
    ],
)
def test_bad_documents_say_why(bot: Harness, name: str, data: bytes, says: str) -> None:
    (reply,) = bot.run(document(bot, name, data))
    assert says in reply["text"]
