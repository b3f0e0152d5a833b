"""Starting the bot process: logging, the engine (warm), the state store, polling or webhook."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from telegram import Update

from bot.app import build_application
from bot.logs import setup_logging
from bot.state import BotState
from index.engine import Engine
from index.settings import Settings

log = logging.getLogger("citebot.bot")


def serve(
    settings: Settings,
    *,
    webhook: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
    secret: str | None = None,
) -> None:
    """Run the bot until interrupted."""
    token = settings.bot.token.reveal() if settings.bot.token else ""
    setup_logging(settings.bot.log_level, [token, secret or ""])
    engine = Engine.open(settings)
    engine.warm_up()
    state = BotState(settings.bot.state_dir / "bot.sqlite")
    application = build_application(settings, engine, state)
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
    finally:
        state.close()
