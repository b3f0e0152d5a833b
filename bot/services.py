"""What the handlers share: the engine, the state, searches in batches, the rate limit, and
the one layer that retries a reply (429s are retried by PTB's `AIORateLimiter`)."""

from __future__ import annotations

import asyncio
import collections
import html
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    Message,
)
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import (
    ContextTypes,
)

from bot import render
from bot.batch import Batcher
from bot.settings import BotSettings
from bot.state import BotState
from index.indexer.builder import BuildReport, build
from index.records import Article, Hit
from index.search.engine import Engine, clean_question
from index.settings import Settings

log = logging.getLogger("citebot.bot")

SEND_ATTEMPTS = 4


@dataclass
class Services:
    """What the handlers share; kept in ``application.bot_data``."""

    settings: Settings
    bot: BotSettings
    engine: Engine
    state: BotState
    searches: asyncio.Semaphore
    limiter: RateLimiter
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

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
