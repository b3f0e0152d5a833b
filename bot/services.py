"""What the handlers share: the engine, the state, searches in batches, the rate limit, and
the one layer that retries a reply (429s are retried by PTB's `AIORateLimiter`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import threading
from collections.abc import Callable, Sequence
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
from bot.metrics import Live, Metrics
from bot.settings import BUILD_WAIT, BotSettings
from bot.state import BotState, FeedStore
from index import (
    Answer,
    Article,
    BuildReport,
    CitebotError,
    Engine,
    Settings,
    TimeFilter,
    build,
    clean_question,
    current_version,
)

log = logging.getLogger("citebot.bot")

SEND_ATTEMPTS = 4
YEAR_BUTTONS = 4  # years an answer offers to narrow to


@dataclass
class Services:
    """What the handlers share; kept in ``application.bot_data``."""

    settings: Settings
    bot: BotSettings
    engine: Engine
    state: BotState
    searches: asyncio.Semaphore
    metrics: Metrics = field(default_factory=Metrics)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    today: Callable[[], dt.date] = dt.date.today  # what "last year" counts from
    unbuilt: bool = False  # feed articles saved whose build failed: the next poll builds

    batcher: Batcher[Answer] = field(init=False)
    _swap_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.batcher = Batcher(lambda: self._answer_many)
        self.metrics.watch(self.live)

    @property
    def feeds(self) -> FeedStore:
        return self.state.feeds

    async def answer(self, question: str, k: int, when: TimeFilter | None = None) -> Answer:
        """The engine's answer to ``question`` (`Engine.answer`): the time it names read as
        a filter on article dates, or ``when`` given. Questions asked meanwhile share one
        batch (one narrowed by ``when`` goes alone).

        Raises:
            QuestionError: the question is empty or too long (checked before batching, so
                one bad question never fails the others).
        """
        clean_question(question, self.settings.max_question_chars)
        if when is None:
            return await self.batcher.ask(question, k)  # one batch at a time
        async with self.searches:
            return await asyncio.to_thread(
                self.engine.answer, question, k, when=when, today=self.today()
            )

    def _answer_many(self, questions: Sequence[str], k: int) -> list[Answer]:
        return self.engine.answer_many(questions, k, today=self.today())

    async def years(self) -> list[int]:
        """The years of the newest dated articles, newest first: what an answer can narrow to."""
        found = {int(a.published[:4]) for a in await self.articles() if a.published}
        return sorted(found, reverse=True)[:YEAR_BUTTONS]

    async def wait(self, user_id: int | None) -> float:
        """0 if the user may have more work done now (and counts it), else seconds to wait.

        Every path that searches or reads the corpus for a user counts: questions, inline
        queries and buttons alike; with replicas, on every replica together.
        """
        if user_id is None:
            return 0.0
        if self.state.shared:  # a round trip to the database: not on the event loop
            found = await asyncio.to_thread(self.state.limits.wait, user_id, self.bot.rate_limit)
        else:
            found = self.state.limits.wait(user_id, self.bot.rate_limit)
        if found:
            self.metrics.rate_limited.inc()
        return found

    async def articles(self) -> list[Article]:
        return await asyncio.to_thread(self.engine.articles)

    async def outlets(self) -> str:
        return html.escape(render.outlets(await self.articles()))

    async def reload(self) -> BuildReport:
        """Rebuild incrementally and swap the new index in; searches go on meanwhile. Other
        replicas are told of the new version and swap to it too (`refresh`)."""
        async with self.reload_lock:
            model, extra = self.engine.embedder, self.engine.extra
            report = await asyncio.to_thread(
                build, self.settings, embedder=model, extra=extra, wait=BUILD_WAIT
            )
            if report.changed:
                await asyncio.to_thread(self.refresh)
                await asyncio.to_thread(self.state.announce, self.engine.version.name)
            return report

    def refresh(self, announced: str | None = None) -> bool:
        """Serve the current index version if another is served now: one that a build on
        another replica, or `citebot index build`, published. Thread-safe: called by the
        listener for announcements and by the periodic check. Returns whether it swapped."""
        with self._swap_lock:
            fresh = reopened(self.engine, self.settings)
            if fresh is None:
                return False
            self.engine = fresh
        self.metrics.index_swaps.inc()
        log.info(
            "now serving index version %s (%d articles)%s",
            fresh.version.name,
            fresh.manifest.articles,
            f", announced as {announced}" if announced else "",
        )
        return True

    def live(self) -> Live:
        """What /metrics reads at each scrape."""
        engine = self.engine
        return Live(
            index_version=engine.version.name,
            index_built_at=engine.manifest.built_at,
            articles=engine.manifest.articles,
            passages=engine.manifest.passages,
            state_write_failures=self.state.failed_writes,
            state_up=self.state.writable() and self.state.db.available(),
        )


def reopened(engine: Engine, settings: Settings) -> Engine | None:
    """The current index version opened, where ``engine`` serves another (one that a build
    published since); None where it is current, or the new one can't be opened (the open
    one keeps serving, and that is logged)."""
    try:
        if current_version(settings.index_dir).name == engine.version.name:
            return None
        return Engine.open(settings, engine.embedder, engine.extra)
    except CitebotError as error:
        log.warning("could not open the new index version: %s", error)
        return None


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
