"""What the handlers share: the engine, the state, searches in batches, the rate limit, and
the one layer that retries a reply (429s are retried by PTB's `AIORateLimiter`)."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import html
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    CallbackQuery,
    Message,
)
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    ContextTypes,
)

from bot import render
from bot.batch import Batcher
from bot.feeds import FeedStore
from bot.settings import BotSettings
from bot.state import BotState
from index.indexer.builder import BuildReport, build
from index.ingest.add import Prepared
from index.records import Article, Hit
from index.search.engine import Engine, clean_question
from index.settings import Settings
from index.text.when import TimeFilter, read_time

log = logging.getLogger("citebot.bot")

SEND_ATTEMPTS = 4
YEAR_BUTTONS = 4  # years an answer offers to narrow to
KEEP_SECONDS = 3600  # how long an admin's preview waits for Add
KEEP_AT_MOST = 50


@dataclass(frozen=True)
class Pending:
    prepared: Prepared
    admin: int
    made: float


class Previews:
    """Articles an admin was shown and may add, by token; bounded in number and age."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Pending] = OrderedDict()

    def keep(self, prepared: Prepared, admin: int) -> str:
        token = secrets.token_hex(8)
        self._items[token] = Pending(prepared, admin, time.monotonic())
        while len(self._items) > KEEP_AT_MOST:
            self._items.popitem(last=False)
        return token

    def take(self, token: str) -> Pending | None:
        found = self._items.pop(token, None)
        if found is None or time.monotonic() - found.made > KEEP_SECONDS:
            return None
        return found


@dataclass(frozen=True)
class Found:
    """An answer's passages, the dates it was narrowed to, and whether that left nothing
    (then ``hits`` are from any date)."""

    hits: list[Hit]
    when: TimeFilter | None
    widened: bool


@dataclass
class Services:
    """What the handlers share; kept in ``application.bot_data``."""

    settings: Settings
    bot: BotSettings
    engine: Engine
    state: BotState
    searches: asyncio.Semaphore
    limiter: RateLimiter
    feeds: FeedStore
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    previews: Previews = field(default_factory=lambda: Previews())
    today: Callable[[], dt.date] = dt.date.today  # what "last year" counts from

    batcher: Batcher = field(init=False)

    def __post_init__(self) -> None:
        self.batcher = Batcher(lambda: self.engine.search_many)

    async def search(self, question: str, k: int) -> list[Hit]:
        """The passages answering ``question``; questions asked meanwhile share one batch.

        Raises:
            QuestionError: the question is empty or too long (checked before batching, so
                one bad question never fails the others).
        """
        clean_question(question, self.settings.max_question_chars)
        return await self.batcher.search(question, k)  # one batch at a time

    async def find(self, question: str, k: int, when: TimeFilter | None = None) -> Found:
        """The passages for ``question`` with the time it names read as a filter on article
        dates (or ``when``, given); a range that leaves nothing widens to any date.

        Raises:
            QuestionError: as `search`.
        """
        rest = clean_question(question, self.settings.max_question_chars)
        if when is None:
            rest, when = read_time(rest, self.today())
        if when is None:
            return Found(await self.search(question, k), None, False)
        async with self.searches:
            hits = await asyncio.to_thread(self.engine.search, rest, k, when)
        if not hits and not when.recent:
            return Found(await self.search(rest, k), when, True)
        return Found(hits, when, False)

    async def years(self) -> list[int]:
        """The years of the newest dated articles, newest first: what an answer can narrow to."""
        found = {int(a.published[:4]) for a in await self.articles() if a.published}
        return sorted(found, reverse=True)[:YEAR_BUTTONS]

    async def highlights(self, question: str, hits: list[Hit]) -> list[tuple[int, int] | None]:
        async with self.searches:
            return await asyncio.to_thread(self.engine.highlights, question, hits)

    def wait(self, user_id: int | None) -> float:
        """0 if the user may have more work done now (and counts it), else seconds to wait.

        Every path that searches or reads the corpus for a user counts: questions, inline
        queries and buttons alike.
        """
        return self.limiter.wait(user_id) if user_id is not None else 0.0

    async def articles(self) -> list[Article]:
        return await asyncio.to_thread(self.engine.articles)

    async def outlets(self) -> str:
        return html.escape(render.outlets(await self.articles()))

    async def reload(self) -> BuildReport:
        """Rebuild incrementally and swap the new index in; searches go on meanwhile."""
        async with self.reload_lock:
            model, extra = self.engine.embedder, self.engine.extra
            report = await asyncio.to_thread(build, self.settings, embedder=model, extra=extra)
            if report.changed:
                self.engine = await asyncio.to_thread(Engine.open, self.settings, model, extra)
            return report


class RateLimiter:
    """At most ``limit`` questions per user in any 60 seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._asked: dict[int, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )

    def wait(self, user_id: int, now: float | None = None) -> float:
        """0 if the user may ask now (and counts the question), else seconds to wait."""
        moment = time.monotonic() if now is None else now
        asked = self._asked[user_id]
        while asked and moment - asked[0] >= self.window:
            asked.popleft()
        if len(asked) >= self.limit:
            return self.window - (moment - asked[0])
        asked.append(moment)
        return 0.0


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    found: Services = context.application.bot_data["services"]
    return found


async def send(message: Message, text: str, **kwargs: Any) -> Message:
    """Reply, retrying network failures with backoff. A 429 is retried by PTB's
    `AIORateLimiter` after the time Telegram asks for; a refused request (BadRequest,
    Forbidden) is not retried: sending it again can't help.
    """
    for attempt in range(SEND_ATTEMPTS - 1):
        try:
            return await message.reply_text(text, **kwargs)
        except BadRequest:  # a NetworkError in PTB's hierarchy, but final
            raise
        except (NetworkError, TimedOut):
            await asyncio.sleep(0.5 * 2**attempt)
    return await message.reply_text(text, **kwargs)


async def acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Stop a button's spinner. Telegram refuses once the press is old (after a restart,
    say); what the button does is still done."""
    try:
        await query.answer(text)
    except TelegramError as error:
        log.info("could not answer a button press: %s", error)
