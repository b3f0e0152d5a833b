"""The reader's web site: tornado handlers for the search page, the article page and the
timeline, mounted alone (`citebot web`) or beside the webhook (`citebot serve --webhook`
with a public address).

Read-only: GET and HEAD only, no admin command, no state written. Every page is built by
Jinja2 with everything escaped, sent with a Content-Security-Policy that lets in nothing
but the site's own files, and counted against a per-address rate limit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import ipaddress
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlencode

import tornado.web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot import charts, render
from bot.web import pages, words
from index import Answer, Engine, QuestionError, Timeline, detect, paragraph_label

log = logging.getLogger("citebot.web")
T = TypeVar("T")

STATIC = Path(__file__).parent / "static"
PAGE = 3  # cards a page shows first, as an answer in Telegram does; "More" adds as many
MAX_CARDS = 15
KEPT = 32  # timelines (and their charts) kept, per index version and topic
TRACKED = 10_000  # addresses the rate limit remembers at most (the oldest are forgotten)
# Nothing but the site's own files; Telegram's web client may frame the Mini App.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self' https://web.telegram.org"
)


class AddressLimit:
    """At most ``per_minute`` requests from one address in any minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def wait(self, address: str) -> float:
        """0 where a request from ``address`` may be served now (and counts it), else the
        seconds until one may."""
        now = self._clock()
        times = self._seen.pop(address, None) or deque()
        while times and times[0] <= now - 60.0:
            times.popleft()
        self._seen[address] = times
        while len(self._seen) > TRACKED:
            self._seen.popitem(last=False)
        if len(times) >= self.per_minute:
            return times[0] + 60.0 - now
        times.append(now)
        return 0.0


@dataclass
class Site:
    """What the pages read: the engine serving now (it is swapped when a new index version
    is published), how a question is answered (the bot's batches, or a thread of its own),
    where the site is mounted (``root``, a path such as "" or "/reader") and its limits."""

    engine: Callable[[], Engine]
    answer: Callable[[str, int], Awaitable[Answer]]
    max_question_chars: int
    limit: AddressLimit
    root: str = ""
    templates: Environment = field(init=False)
    _timelines: OrderedDict[tuple[str, str], Timeline] = field(
        init=False, default_factory=OrderedDict
    )
    _charts: OrderedDict[tuple[str, str], bytes] = field(init=False, default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self.root = self.root.rstrip("/")
        self.templates = Environment(
            loader=PackageLoader("bot.web"),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,
        )

    async def timeline(self, topic: str) -> Timeline:
        """The timeline of ``topic`` (empty: the whole corpus), read once per index version
        for the page and its chart alike."""
        engine = self.engine()
        return await _kept(
            self._timelines, (engine.version.name, topic), engine.timeline, topic or None
        )

    async def chart(self, topic: str) -> bytes:
        """The timeline chart of ``topic`` as PNG, drawn once per index version."""
        found = await self.timeline(topic)
        key = (self.engine().version.name, topic)
        return await _kept(self._charts, key, charts.timeline_png, found)


async def _kept(
    cache: OrderedDict[tuple[str, str], T],
    key: tuple[str, str],
    make: Callable[..., T],
    *args: Any,
) -> T:
    """``cache[key]``, made in a thread by ``make(*args)`` the first time; the `KEPT` newest
    kept."""
    if key not in cache:
        cache[key] = await asyncio.to_thread(make, *args)
        while len(cache) > KEPT:
            cache.popitem(last=False)
    return cache[key]


class _Page(tornado.web.RequestHandler):
    """What every page shares: its headers, the rate limit, and the error page."""

    site: Site
    retry_after = 60

    def initialize(self, site: Site) -> None:
        self.site = site

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-cache")

    def prepare(self) -> None:
        wait = self.site.limit.wait(client_address(self.request))
        if wait:
            self.retry_after = max(1, round(wait))
            raise tornado.web.HTTPError(429)

    async def head(self, *args: str) -> None:
        """What GET sends, without its body (tornado sends none to a HEAD)."""
        get = getattr(self, "get", None)
        if get is None:
            raise tornado.web.HTTPError(405)
        await get(*args)

    def topic(self) -> str:
        """The timeline's topic as asked, spaces folded, bounded as a question is."""
        return " ".join(self.get_argument("topic", "").split())[: self.site.max_question_chars]

    def speaks(self, question: str | None = None) -> str:
        """The pages' language (`words.chosen`): the question's, else the browser's."""
        asked = detect(question) if question else None
        return words.chosen(asked, self.request.headers.get("Accept-Language", ""))

    def page(self, template: str, ui: str = "", **values: object) -> None:
        """``template`` rendered in ``ui``, the pages' language (else as `speaks` reads it)."""
        ui = ui or self.speaks()
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Language", ui)
        found = self.site.templates.get_template(template)
        context = {"root": self.site.root, "lang": ui, "w": words.WORDS[ui], **values}
        self.finish(found.render(context))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        ui = self.speaks()
        heading, text = words.error(ui, status_code)
        if status_code == 429:
            self.set_header("Retry-After", str(self.retry_after))
        self.page("message.html", ui, heading=heading, text=text)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            log.error("a page failed: %s", value, exc_info=(typ, value, tb))


class _Search(_Page):
    async def get(self) -> None:
        question = self.get_argument("q", "").strip()
        if not question:
            self.page(
                "search.html",
                self.speaks(),
                question="",
                page=None,
                error=None,
                max_chars=self.site.max_question_chars,
            )
            return
        try:
            n = min(MAX_CARDS, max(PAGE, int(self.get_argument("n", str(PAGE)))))
        except ValueError:
            n = PAGE
        try:
            found = await self.site.answer(question, n)  # checks the question
        except QuestionError as error:
            self.set_status(400)
            self.page(
                "search.html",
                self.speaks(question),
                question=question[: self.site.max_question_chars],
                page=None,
                error=str(error).capitalize(),
                max_chars=self.site.max_question_chars,
            )
            return
        outlets = ""  # named only where nothing answers
        if not found.hits:
            articles = await asyncio.to_thread(self.site.engine().articles)
            outlets = html.escape(render.outlets(articles))
        more = n + PAGE if len(found.hits) == n and n < MAX_CARDS else None
        answer = pages.answer_page(self.site.root, question, found, outlets, more)
        self.page(
            "search.html",
            answer.lang,
            question=question,
            page=answer,
            error=None,
            max_chars=self.site.max_question_chars,
        )


class _Article(_Page):
    async def get(self, quoted: str) -> None:
        article = await asyncio.to_thread(self.site.engine().article, unquote(quoted))
        if article is None or not article.paragraphs:
            raise tornado.web.HTTPError(404)
        given = self.get_argument("p", "")
        marked = pages.paragraphs_asked(given, len(article.paragraphs)) if given else None
        if given and marked is None:
            raise tornado.web.HTTPError(404)
        shown = pages.article_page(article, marked)
        cited = paragraph_label(marked) if marked else ""
        self.page("article.html", article=shown, cited=cited)


class _Timeline(_Page):
    async def get(self) -> None:
        topic = self.topic()
        found = await self.site.timeline(topic)
        ui = self.speaks(topic or None)
        said = words.WORDS[ui]
        subject = f"“{topic}”" if topic else said["whole_corpus"]
        unit = said[found.unit]
        if found.total:
            summary = said["counted"].format(
                total=found.total, unit=unit, subject=subject, first=found.first, last=found.last
            )
            if found.undated:
                summary += "; " + said["undated"].format(undated=found.undated)
            summary += "."
        else:
            summary = said["none_dated"].format(unit=unit, subject=subject)
        chart = f"{self.site.root}/timeline.png?{urlencode({'topic': topic})}"
        self.page(
            "timeline.html",
            ui,
            topic=topic,
            summary=summary,
            chart=chart if found.total else None,
            max_chars=self.site.max_question_chars,
        )


class _TimelineChart(_Page):
    async def get(self) -> None:
        png = await self.site.chart(self.topic())
        self.set_header("Content-Type", "image/png")
        self.set_header("Cache-Control", "max-age=300")
        self.finish(png)


class _Static(tornado.web.StaticFileHandler):
    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", CSP)


class Missing(_Page):
    def prepare(self) -> None:
        super().prepare()
        raise tornado.web.HTTPError(404)


def handlers(site: Site) -> list[Any]:
    """The site's routes, under ``site.root``: to serve alone or beside the webhook's."""
    root, args = site.root, {"site": site}
    return [
        (rf"{root}/", _Search, args),
        *([(rf"{root}", _Search, args)] if root else []),
        (rf"{root}/article/([^/?#]+)", _Article, args),
        (rf"{root}/timeline", _Timeline, args),
        (rf"{root}/timeline\.png", _TimelineChart, args),
        (rf"{root}/static/(site\.css|theme\.js)", _Static, {"path": str(STATIC)}),
    ]


def application(site: Site) -> tornado.web.Application:
    """The site alone: every other path is a plain 404 page."""
    return tornado.web.Application(
        handlers(site),
        default_handler_class=Missing,
        default_handler_args={"site": site},
        log_function=lambda handler: None,  # no access log: questions and addresses stay private
    )


def client_address(request: Any) -> str:
    """The address a request came from. Behind a reverse proxy on this machine or a private
    network, the one it names (X-Real-IP, else the last X-Forwarded-For); never where the
    request came straight from the internet, which could name any address it liked."""
    peer = str(request.remote_ip or "")
    try:
        trusted = ipaddress.ip_address(peer).is_private
    except ValueError:
        return peer
    if trusted:
        headers = request.headers
        named = str(headers.get("X-Real-IP") or headers.get("X-Forwarded-For", "").split(",")[-1])
        if named.strip():
            return named.strip()
    return peer


def answer_alone(
    engine: Callable[[], Engine], searches: asyncio.Semaphore
) -> Callable[[str, int], Awaitable[Answer]]:
    """How the site alone answers: the engine in a thread, so many searches at once."""

    async def answer(question: str, k: int) -> Answer:
        async with searches:
            return await asyncio.to_thread(engine().answer, question, k, today=dt.date.today())

    return answer
