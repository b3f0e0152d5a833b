"""`citebot web`: the reader's site alone, on its own address, following new index versions
as the bot does."""

from __future__ import annotations

import asyncio
import logging

from tornado.httpserver import HTTPServer
from tornado.ioloop import PeriodicCallback

from bot.services import reopened
from bot.settings import BotSettings
from bot.web.site import AddressLimit, Site, answer_alone, application
from bot.webhook import shut, stop_signal
from index import Engine, Settings

log = logging.getLogger("citebot.web")
MAX_REQUEST_BYTES = 64_000  # a page's address and headers; no request has a body
IDLE_SECONDS = 120.0


class Served:
    """The engine the site serves, swapped for the current index version when one is
    published (`reopened`)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self._settings = settings

    def __call__(self) -> Engine:
        return self.engine

    async def follow(self) -> None:
        fresh = await asyncio.to_thread(reopened, self.engine, self._settings)
        if fresh is not None:
            self.engine = fresh
            log.info("now serving index version %s", fresh.version.name)


def site_alone(settings: Settings, bot: BotSettings, served: Served) -> Site:
    searches = asyncio.Semaphore(bot.max_concurrent)
    return Site(
        engine=served,
        answer=answer_alone(served, searches),
        max_question_chars=settings.max_question_chars,
        limit=AddressLimit(bot.web_rate_limit),
    )


async def run_site(
    settings: Settings, bot: BotSettings, engine: Engine, host: str, port: int
) -> None:
    """Serve until SIGINT or SIGTERM."""
    stop = stop_signal()
    served = Served(engine, settings)
    server = HTTPServer(
        application(site_alone(settings, bot, served)),
        max_body_size=MAX_REQUEST_BYTES,
        max_header_size=MAX_REQUEST_BYTES,
        idle_connection_timeout=IDLE_SECONDS,
    )
    server.listen(port, host)
    check = PeriodicCallback(served.follow, bot.index_check * 1000)
    check.start()
    log.info("the reader is at http://%s:%d/", host, port)
    try:
        await stop.wait()
    finally:
        check.stop()
        await shut(server)
