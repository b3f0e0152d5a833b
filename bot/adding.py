"""Admins add articles from Telegram: a link or a document, a preview card, then Add.

The preview is kept with the bot's state for an hour under a random token that the card's
buttons carry, so Add works on whichever replica the press reaches, and after a restart.
**Add** writes the article into the corpus, rebuilds the index in a worker thread while the
bot keeps answering, swaps it in and edits the card to say what was added. Anyone else's link
gets a polite word that a link is not a question; anyone else's document is refused and the
attempt logged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import json
import logging
import re

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import FileSizeLimit
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import callbacks, render, texts
from bot.callbacks import Preview
from bot.services import Services, acknowledge, send, services
from index import (
    Article,
    CitebotError,
    ConfigError,
    Name,
    Prepared,
    SourceError,
    duplicate_of,
    lacking,
    prepare,
    prepare_bytes,
    write,
)

log = logging.getLogger("citebot.bot")

_LINK = re.compile(r"https?://\S+")
LACKING_SHOWN = 8  # names the glossary lacks, named when an article is added


def only_a_link(text: str) -> str | None:
    """The link, where a message is one link and nothing else."""
    stripped = text.strip()
    return stripped if _LINK.fullmatch(stripped) else None


def pack(prepared: Prepared) -> str:
    """A preview as text for the state database."""
    return json.dumps({"via": prepared.via, "article": dataclasses.asdict(prepared.article)})


def unpack(text: str) -> Prepared:
    data = json.loads(text)
    article = data["article"]
    for name in ("paragraphs", "authors"):
        article[name] = tuple(article[name])
    return Prepared(Article(**article), data["via"])


def is_admin(shared: Services, update: Update) -> bool:
    user = update.effective_user
    return user is not None and user.id in shared.bot.admins


async def link(update: Update, context: ContextTypes.DEFAULT_TYPE, url: str) -> None:
    """An admin's link: fetch it and show what would be added. Anyone else: it is no question."""
    message = update.effective_message
    if message is None:
        return
    shared = services(context)
    if not is_admin(shared, update):
        user = update.effective_user
        await send(message, texts.framing(user.language_code if user else None)["link"])
        return
    try:
        prepared = await asyncio.to_thread(prepare, url, shared.settings)
    except SourceError as error:
        await send(message, texts.ADD_FAILED.format(error=html.escape(str(error))))
        return
    await _preview(message, shared, prepared, update)


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin's document (HTML, PDF, Markdown, text): show what would be added."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    shared = services(context)
    if not is_admin(shared, update):
        user = update.effective_user
        log.warning("refused a document from user %s", user.id if user else "unknown")
        await send(message, texts.NOT_ADMIN_DOCUMENT)
        return
    sent = message.document
    name = sent.file_name or "document"
    limit = min(int(FileSizeLimit.FILESIZE_DOWNLOAD), shared.settings.max_download_bytes)
    if (sent.file_size or 0) > limit:
        await send(message, texts.TOO_BIG.format(limit=limit / 1e6))
        return
    try:
        data = bytes(await (await sent.get_file()).download_as_bytearray())
        prepared = await asyncio.to_thread(prepare_bytes, data, name, shared.settings)
    except SourceError as error:
        await send(message, texts.ADD_FAILED.format(error=html.escape(str(error))))
        return
    except TelegramError as error:
        log.warning("could not download a document: %s", error)
        await send(message, texts.ADD_FAILED.format(error=html.escape(str(error))))
        return
    await _preview(message, shared, prepared, update)


async def _preview(message: Message, shared: Services, prepared: Prepared, update: Update) -> None:
    existing = await asyncio.to_thread(duplicate_of, prepared.article, shared.settings)
    user = update.effective_user
    try:
        token = await asyncio.to_thread(
            shared.state.previews.keep, pack(prepared), user.id if user else 0
        )
    except shared.state.db.errors as error:
        log.warning("could not keep a preview: %s", error)
        await send(message, texts.ERROR)
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Add", callback_data=callbacks.encode(Preview(token, True))),
                InlineKeyboardButton(
                    "Cancel", callback_data=callbacks.encode(Preview(token, False))
                ),
            ]
        ]
    )
    await send(message, render.preview_card(prepared, existing), reply_markup=keyboard)


async def pressed(query: CallbackQuery, shared: Services, button: Preview) -> None:
    """Add or Cancel under a preview card (admins only, and only the admin who asked)."""
    if query.from_user.id not in shared.bot.admins:
        log.warning("refused Add from user %s", query.from_user.id)
        await acknowledge(query, texts.NOT_ADMIN)
        return
    try:
        kept = await asyncio.to_thread(shared.state.previews.take, button.token)
    except shared.state.db.errors as error:
        log.warning("could not read a preview: %s", error)
        await acknowledge(query, texts.ERROR)
        return
    if kept is None:
        await acknowledge(query, texts.PREVIEW_GONE)
        return
    prepared = unpack(kept[0])
    await acknowledge(query)
    if not button.add:
        await _edit(query, texts.CANCELLED)
        return
    title = html.escape(render.clip(prepared.article.title, render.TITLE_LIMIT))
    await _edit(query, texts.ADDING.format(title=title))
    try:
        path = await asyncio.to_thread(write, prepared, shared.settings)
    except (CitebotError, OSError) as error:
        log.warning("adding an article failed: %s", error)
        await _edit(query, texts.ADD_FAILED.format(error=html.escape(str(error))))
        return
    file = html.escape(path.name)
    try:
        report = await shared.reload()
    except CitebotError as error:  # saved all the same: the next build indexes it
        log.warning("the build after adding %s failed: %s", path.name, error)
        said = html.escape(str(error))
        await _edit(query, texts.ADDED_NOT_INDEXED.format(title=title, file=file, error=said))
        return
    added = texts.ADDED.format(title=title, file=file, passages=report.inserted)
    lacking = await asyncio.to_thread(_names_lacking, shared, prepared.article)
    if lacking:
        names = html.escape(", ".join(name.text for name in lacking[:LACKING_SHOWN]))
        added += texts.NAMES_LACKING.format(names=names)
    await _edit(query, added)


def _names_lacking(shared: Services, article: Article) -> list[Name]:
    """The names ``article`` brings that the glossary lacks, for the admin who added it
    (none where no glossary is used, or the topic rule can't be read)."""
    if shared.settings.glossary is None:
        return []
    try:
        return lacking([article], shared.engine.glossary, shared.settings.topic_rule)
    except ConfigError as error:
        log.warning("could not read the topic rule: %s", error)
        return []


async def _edit(query: CallbackQuery, text: str) -> None:
    try:
        await query.edit_message_text(text)
    except TelegramError as error:  # the card is gone or unchanged: say it anew
        log.info("could not edit the preview card: %s", error)
        if isinstance(query.message, Message):
            await send(query.message, text)
