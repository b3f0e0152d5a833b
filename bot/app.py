"""The Telegram bot: every handler registered in `build_application`, which takes its
dependencies as arguments (so tests pass a real engine over a tiny corpus)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from telegram import (
    BotCommand,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import adding, following, handlers
from bot.services import Services, services
from bot.settings import BotSettings
from bot.state import BotState
from index import CitebotError, Engine, Settings


async def _upkeep(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Now and then: a new index version published elsewhere, and old rate-limit counts."""
    shared = services(context)
    await asyncio.to_thread(shared.refresh)
    await asyncio.to_thread(shared.state.limits.prune)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    shared: Services = application.bot_data["services"]
    shared.state.listen(shared.refresh)  # announcements of new versions, from any replica
    await application.bot.set_my_commands(
        [
            BotCommand("start", "what I know, with examples"),
            BotCommand("ask", "ask a question (in groups)"),
            BotCommand("sources", "every article I quote from"),
            BotCommand("latest", "the newest articles"),
            BotCommand("timeline", "a topic over time, charted"),
            BotCommand("help", "how to ask"),
            BotCommand("about", "what I am"),
            BotCommand("subscribe", "a message when new articles arrive"),
            BotCommand("unsubscribe", "no more of those"),
        ]
    )


def build_application(
    settings: Settings, bot: BotSettings, engine: Engine, state: BotState
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, with every handler registered; dependencies come in as arguments."""
    if bot.token is None:
        raise CitebotError("TELEGRAM_BOT_TOKEN is not set")
    # PTB's own RetryAfter reads its `retry_after` as an int, deprecated, on every 429 (a
    # warning in the log each time) unless times are opted in as timedelta. citebot reads
    # none: its rate limiter and retries are PTB's.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(bot.token.reveal())
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                do_quote=True,  # every reply points at what it answers, in groups above all
            )
        )
        .rate_limiter(AIORateLimiter(overall_max_rate=bot.send_rate, max_retries=3))
        .concurrent_updates(bot.max_concurrent * 4)
        .post_init(_post_init)
    )
    if bot.api_url:
        builder = builder.base_url(f"{bot.api_url}/bot").base_file_url(f"{bot.api_url}/file/bot")
    application = builder.build()
    shared = Services(
        settings=settings,
        bot=bot,
        engine=engine,
        state=state,
        searches=asyncio.Semaphore(bot.max_concurrent),
    )
    application.bot_data["services"] = shared
    if application.job_queue is not None:  # PTB's job-queue extra
        application.job_queue.run_repeating(
            following.poll_feeds, interval=bot.feed_interval, first=bot.feed_interval
        )
        # A new index version published elsewhere (another replica's build, or `citebot
        # index build`) is looked for now and then, besides the announcements heard.
        application.job_queue.run_repeating(
            _upkeep, interval=bot.index_check, first=bot.index_check
        )
    # New messages only: an edited message is not answered, recorded or run again (a
    # question edited into another is asked anew by sending it).
    new = filters.UpdateType.MESSAGE
    for name, handler in (
        ("start", handlers.start),
        ("help", handlers.help_command),
        ("about", handlers.about),
        ("sources", handlers.sources),
        ("latest", handlers.latest),
        ("timeline", handlers.timeline),
        ("ask", handlers.ask_command),
        ("reload", handlers.reload),
        ("stats", handlers.stats),
        ("feeds", following.feeds),
        ("subscribe", following.subscribe),
        ("unsubscribe", following.unsubscribe),
    ):
        application.add_handler(CommandHandler(name, handler, filters=new))
    text = new & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & text, handlers.ask_private))
    application.add_handler(MessageHandler(filters.ChatType.GROUPS & text, handlers.group_message))
    documents = filters.ChatType.PRIVATE & new & filters.Document.ALL
    application.add_handler(MessageHandler(documents, adding.document))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    application.add_error_handler(handlers.error_handler)
    return application
