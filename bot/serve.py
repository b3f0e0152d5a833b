"""Starting the bot process: logging, the engine (warm), the state store, polling or webhook."""

from __future__ import annotations

import logging
import re
import secrets as random
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken

from bot.app import build_application
from bot.logs import setup_logging
from bot.settings import BotSettings
from bot.state import BotState
from index.errors import ConfigError
from index.search.engine import Engine
from index.settings import Settings

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
    setup_logging(bot.log_level, [token, secret])
    if made:
        log.info("no --secret given: the webhook checks one made for this run")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise ConfigError("--secret must be 1-256 characters: letters, digits, _ and -")
    engine = Engine.open(settings)
    engine.warm_up()
    state = BotState.open_or_recover(bot.state_dir / "bot.sqlite")
    application = build_application(settings, bot, engine, state)
    log.info(
        "serving %d articles, %d passages (%s)",
        engine.manifest.articles,
        engine.manifest.passages,
        f"webhook {webhook}" if webhook else "long polling",
    )
    try:
        if webhook:
            application.run_webhook(
                listen=listen,
                port=port,
                url_path=urlparse(webhook).path.lstrip("/"),
                webhook_url=webhook,
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
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
        application.bot_data["services"].feeds.close()
        state.close()
