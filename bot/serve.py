"""Starting the bot process: logging, the engine (warm), the state store, polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets as random
from urllib.parse import urlparse, urlsplit

from telegram import Update
from telegram.error import InvalidToken

from bot.app import build_application
from bot.logs import setup_logging
from bot.services import Services
from bot.settings import BotSettings
from bot.state import open_state
from bot.web.site import AddressLimit, Site
from bot.webhook import run_webhook
from index import ConfigError, Engine, Settings

log = logging.getLogger("citebot.bot")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as a webhook secret


def serve(
    settings: Settings,
    bot: BotSettings,
    *,
    webhook: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
    secret: str | None = None,
) -> None:
    """Run the bot until interrupted.

    A webhook always checks a secret: Telegram sends it with every update, and a request
    without it is refused, so nobody can post forged updates (an admin's /reload, say) to
    the webhook's address. Without ``secret``, one is made for this run.

    Raises:
        ConfigError: the secret is malformed, or Telegram rejected the token.
    """
    token = bot.token.reveal() if bot.token else ""
    made = bool(webhook) and secret is None
    if made:
        secret = random.token_urlsafe(32)
    setup_logging(bot.log_level, [token, secret, *_passwords(bot)])
    if made:
        log.info("no --secret given: the webhook checks one made for this run")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise ConfigError("--secret must be 1-256 characters: letters, digits, _ and -")
    engine = Engine.open(settings)
    engine.warm_up()
    url = bot.database_url.reveal() if bot.database_url else None
    state = open_state(url, bot.state_dir)
    application = build_application(settings, bot, engine, state)
    if bot.public_url and not webhook:
        log.info("CITEBOT_PUBLIC_URL is set: serve the reader there with `citebot web`")
    log.info(
        "serving %d articles, %d passages (%s; state in %s)",
        engine.manifest.articles,
        engine.manifest.passages,
        f"webhook {webhook}" if webhook else "long polling",
        state.db.describe(),
    )
    try:
        if webhook:
            asyncio.run(
                run_webhook(
                    application,
                    listen=listen,
                    port=port,
                    path=urlparse(webhook).path,
                    url=webhook,
                    secret=secret or "",
                    metrics=application.bot_data["services"].metrics,
                    site=_site(application.bot_data["services"]),
                )
            )
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        # PTB's message quotes the token; ours names the setting.
        raise ConfigError(
            "Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather (/token) and set "
            "it again in the environment or in .env"
        ) from None
    finally:
        state.close()


def _site(shared: Services) -> Site | None:
    """The reader's site beside the webhook, where it has a public address; it answers as
    the bot does (its batches, its engine as swapped)."""
    public = shared.bot.public_url
    if public is None:
        return None
    return Site(
        engine=lambda: shared.engine,
        answer=shared.answer,
        max_question_chars=shared.settings.max_question_chars,
        limit=AddressLimit(shared.bot.web_rate_limit),
        root=urlsplit(public).path,
    )


def _passwords(bot: BotSettings) -> list[str]:
    """What of the database's address must never reach a log: its password, and the whole
    address (which holds it)."""
    if bot.database_url is None:
        return []
    url = bot.database_url.reveal()
    password = urlsplit(url).password
    return [url, password] if password else [url]
