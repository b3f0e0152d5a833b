"""The webhook's HTTP server: Telegram's updates on the webhook's path, checked against the
secret, and beside them ``/metrics`` (Prometheus) and ``/healthz`` (for a reverse proxy).

PTB's own webhook server serves the updates alone, so citebot runs this one (tornado, as
PTB's is) and feeds the updates to the application's queue, as PTB's does.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from typing import Any

import tornado.web
from telegram import Update
from tornado.httpserver import HTTPServer

from bot.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger("citebot.bot")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
App = Any  # telegram.ext.Application, with all its type parameters


class _Updates(tornado.web.RequestHandler):
    def initialize(self, bot_application: App, secret: str) -> None:
        self.bot_application = bot_application
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("refused an update without the webhook's secret")
            raise tornado.web.HTTPError(403)
        try:
            update = Update.de_json(json.loads(self.request.body), self.bot_application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):  # not an update
            raise tornado.web.HTTPError(400) from None
        await self.bot_application.update_queue.put(update)
        self.set_status(200)

    def log_exception(self, *args: Any) -> None:  # refusals are logged above, without detail
        pass


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE)
        self.write(self.metrics.text())


class _Health(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("ok\n")


def web_app(path: str, application: App, secret: str, metrics: Metrics) -> tornado.web.Application:
    return tornado.web.Application(
        [
            (
                rf"/{path.strip('/')}/?",
                _Updates,
                {"bot_application": application, "secret": secret},
            ),
            (r"/metrics", _Metrics, {"metrics": metrics}),
            (r"/healthz", _Health),
        ],
        log_function=lambda handler: None,  # no access log: paths and addresses stay private
    )


async def run_webhook(
    application: App,
    *,
    listen: str,
    port: int,
    path: str,
    url: str,
    secret: str,
    metrics: Metrics,
) -> None:
    """Serve until SIGINT or SIGTERM: initialise the bot (Telegram checks the token), register
    the webhook, take updates, then stop in order."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    async with application:  # initialize, and shutdown at the end
        if application.post_init is not None:
            await application.post_init(application)
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        server = HTTPServer(web_app(path, application, secret, metrics), xheaders=True)
        server.listen(port, listen)
        log.info("listening on %s:%d (webhook, /metrics, /healthz)", listen, port)
        try:
            await stop.wait()
        finally:
            server.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.close_all_connections(), 5)
            await application.stop()
