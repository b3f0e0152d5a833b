"""The webhook's HTTP server: Telegram's updates on the webhook's path, checked against the
secret, and beside them ``/metrics`` (Prometheus), ``/healthz`` (for a reverse proxy) and,
where it has a public address, the reader's site (`bot.web.site`).

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
from bot.web.site import Missing, Site, handlers

log = logging.getLogger("citebot.bot")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; nothing on this server takes more than this body
# (the reverse proxy in front should refuse it first: docs/deployment.md).
MAX_UPDATE_BYTES = 1_000_000
BODY_SECONDS = 30.0  # to send a whole body, after its headers
IDLE_SECONDS = 120.0  # a kept-alive connection with no request
App = Any  # telegram.ext.Application, with all its type parameters


@tornado.web.stream_request_body
class _Updates(tornado.web.RequestHandler):
    """Telegram's updates. The secret is checked on the headers, before any of the body is
    read, and the body is read only up to `MAX_UPDATE_BYTES`: a stranger's POST costs no
    memory, and neither does an oversized one."""

    def initialize(self, bot_application: App, secret: str) -> None:
        self.bot_application = bot_application
        self.secret = secret
        self.body = bytearray()

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("refused an update without the webhook's secret")
            raise tornado.web.HTTPError(403)  # answered, and the connection closed unread

    def data_received(self, chunk: bytes) -> None:
        if not self._finished:  # the server caps the body at MAX_UPDATE_BYTES
            self.body += chunk

    async def post(self) -> None:
        try:
            update = Update.de_json(json.loads(self.body), self.bot_application.bot)
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


def web_app(
    path: str, application: App, secret: str, metrics: Metrics, site: Site | None = None
) -> tornado.web.Application:
    """The webhook's routes first (the site's never shadow them), then the site's."""
    routes: list[Any] = [
        (rf"/{path.strip('/')}/?", _Updates, {"bot_application": application, "secret": secret}),
        (r"/metrics", _Metrics, {"metrics": metrics}),
        (r"/healthz", _Health),
    ]
    settings: dict[str, Any] = {"log_function": lambda handler: None}  # no access log
    if site is not None:
        routes += handlers(site)
        settings.update(default_handler_class=Missing, default_handler_args={"site": site})
    return tornado.web.Application(routes, **settings)


async def run_webhook(
    application: App,
    *,
    listen: str,
    port: int,
    path: str,
    url: str,
    secret: str,
    metrics: Metrics,
    site: Site | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM: initialise the bot (Telegram checks the token), register
    the webhook, take updates (and serve ``site`` beside them), then stop in order."""
    stop = stop_signal()
    async with application:  # initialize, and shutdown at the end
        if application.post_init is not None:
            await application.post_init(application)
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        server = HTTPServer(
            web_app(path, application, secret, metrics, site),
            xheaders=True,
            max_body_size=MAX_UPDATE_BYTES,  # on every path, before any handler runs
            body_timeout=BODY_SECONDS,
            idle_connection_timeout=IDLE_SECONDS,
        )
        server.listen(port, listen)
        log.info(
            "listening on %s:%d (webhook, /metrics, /healthz%s)",
            listen,
            port,
            ", the reader's site" if site else "",
        )
        try:
            await stop.wait()
        finally:
            await shut(server)
            await application.stop()


def stop_signal() -> asyncio.Event:
    """An event SIGINT or SIGTERM sets: a server runs until it is set."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    return stop


async def shut(server: HTTPServer) -> None:
    """Take no more connections, and close the open ones within 5 seconds."""
    server.stop()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(server.close_all_connections(), 5)
