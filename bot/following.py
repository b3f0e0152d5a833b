"""Feeds in the bot: polled by PTB's JobQueue, built once per batch and swapped in live, and a
digest for subscribers; `/feeds` for admins, `/subscribe` and `/unsubscribe` for anyone."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import AsyncIterator

from telegram import Bot, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot import render, texts
from bot.feeds import Outcome, poll
from bot.handlers import admin_message
from bot.services import Services, send, services
from index import CitebotError, TopicRule

log = logging.getLogger("citebot.bot")
DIGEST_ITEMS = 10  # articles named in one digest message


async def poll_feeds(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The repeating job: poll every feed, build once, tell subscribers; on one replica at a
    time, and once an interval across replicas, so nothing is announced twice."""
    shared = services(context)
    async with _turn(shared, "feed-poll", shared.bot.feed_interval) as mine:
        if not mine:
            shared.metrics.feed_polls.labels(outcome="elsewhere").inc()
            return
        await poll_and_announce(shared, context.bot)


@contextlib.asynccontextmanager
async def _turn(shared: Services, name: str, every: float) -> AsyncIterator[bool]:
    """`Jobs.turn`, whose lock waits on the database, taken and freed in worker threads."""
    turn = shared.state.jobs.turn(name, every)
    mine = await asyncio.to_thread(turn.__enter__)
    try:
        yield mine
    finally:
        await asyncio.to_thread(turn.__exit__, None, None, None)


async def poll_and_announce(shared: Services, bot: Bot) -> list[Outcome]:
    """Poll (in a worker thread), rebuild and swap the index if anything was taken, then send
    each subscriber one message about the new articles. Nothing happens without feeds."""
    try:
        if not await asyncio.to_thread(shared.feeds.feeds):
            return []
        rule = TopicRule.load(shared.settings.topic_rule)
        outcomes = await asyncio.to_thread(poll, shared.feeds, shared.settings, rule)
    except Exception as error:
        if not isinstance(error, (CitebotError, *shared.state.db.errors)):
            raise
        log.warning("the feed poll failed: %s", error)
        shared.metrics.feed_polls.labels(outcome="failed").inc()
        return []
    shared.metrics.feed_polls.labels(outcome="ran").inc()
    for outcome in outcomes:
        shared.metrics.feed_entries.labels(outcome=outcome.outcome).inc()
    taken = [o for o in outcomes if o.outcome == "taken"]
    failed = sum(1 for o in outcomes if o.outcome == "failed")
    log.info(
        "feed poll: %d taken, %d failed, %d skipped or deferred",
        len(taken),
        failed,
        len(outcomes) - len(taken) - failed,
    )
    if taken or shared.unbuilt:
        try:
            await shared.reload()
        except CitebotError as error:  # the articles are saved: the next poll builds again
            log.warning("the build after a feed poll failed: %s", error)
            shared.unbuilt = True
            return outcomes
        shared.unbuilt = False
    if taken:
        await _announce(shared, bot, taken)
    return outcomes


async def _announce(shared: Services, bot: Bot, taken: list[Outcome]) -> None:
    messages = digest(taken)
    for chat_id in await asyncio.to_thread(shared.feeds.subscribers):
        try:
            for text in messages:
                await bot.send_message(chat_id, text)
        except Forbidden:  # blocked the bot, or left: not retried forever
            await asyncio.to_thread(shared.feeds.unsubscribe, chat_id)
            log.info("unsubscribed chat %s, which no longer takes our messages", chat_id)
        except TelegramError as error:
            log.warning("could not send a digest to chat %s: %s", chat_id, error)


def digest(taken: list[Outcome]) -> list[str]:
    """What subscribers get about new articles: title, outlet, date, link and first sentence
    each, in as few messages as fit (one, mostly)."""
    blocks = [texts.DIGEST.format(count=len(taken))]
    blocks += [render.latest_item(o.prepared.article) for o in taken[:DIGEST_ITEMS] if o.prepared]
    if len(taken) > DIGEST_ITEMS:
        blocks.append(f"… and {len(taken) - DIGEST_ITEMS} more: /latest")
    return render.pack(blocks)


async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The followed feeds with their last poll and counts (admins only)."""
    message = await admin_message(update, context, "feeds")
    if message is None:
        return
    found = await asyncio.to_thread(services(context).feeds.feeds)
    lines = [
        f"• {html.escape(render.clip(f.name or f.url, 100))}: {f.tally}; "
        f"{html.escape(render.clip(f.status or 'never polled', 200))}"
        for f in found
    ]
    await send(message, "\n".join(["<b>Feeds</b>", *lines]) if lines else texts.NO_FEEDS)


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Get a message whenever new articles are added from the feeds."""
    message = update.effective_message
    if message is not None:
        await asyncio.to_thread(services(context).feeds.subscribe, message.chat_id)
        await send(message, texts.SUBSCRIBED)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop those messages."""
    message = update.effective_message
    if message is not None:
        await asyncio.to_thread(services(context).feeds.unsubscribe, message.chat_id)
        await send(message, texts.UNSUBSCRIBED)
