"""Hostile sources for the tests, all on 127.0.0.1: a PDF that inflates to a gigabyte, pages
that trickle a byte at a time, redirects that dawdle, feeds of thousands of entries, titles
that turn text around, pages that fail and then work. Nothing a test fetches leaves the
machine.

`NETWORK` is a ``sitecustomize`` for a `citebot` subprocess: it answers host names under
``.rebind.test`` with a public address first and 127.0.0.1 after (DNS rebinding), logs every
connection attempted, and refuses each one to an address other than the loopback before a
packet is sent.
"""

from __future__ import annotations

import functools
import io
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakebotapi import POLL
from tests.website import PAGE

GIGABYTE = 1_000_000_000
PUBLIC = "100.128.0.7"  # the rebinding name's first answer; never connected to (NETWORK)
NETWORK = """
import os, socket

_real_getaddrinfo, _real_connect = socket.getaddrinfo, socket.socket.connect
_asked = {}

def getaddrinfo(host, port, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".rebind.test"):
        _asked[host] = _asked.get(host, 0) + 1
        address = "PUBLIC" if _asked[host] == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]
    return _real_getaddrinfo(host, port, *args, **kwargs)

def connect(self, address):
    with open(os.environ["CITEBOT_TEST_CONNECTS"], "a") as log:
        log.write(f"{address[0]}\\n")
    if address[0] not in ("127.0.0.1", "::1"):
        raise ConnectionRefusedError(111, "the tests connect to the loopback only")
    return _real_connect(self, address)

socket.getaddrinfo = getaddrinfo
socket.socket.connect = connect
""".replace("PUBLIC", PUBLIC)


@functools.cache
def bomb_pdf(inflated: int = GIGABYTE) -> bytes:
    """A valid PDF of about a megabyte whose page tree sits in an object stream that inflates
    to ``inflated`` bytes: reading its pages makes pypdf give up (LimitReachedError)."""
    head, pages = b"2 0 ", b"<< /Type /Pages /Kids [] /Count 0 >>"
    packer = zlib.compressobj(9)
    block = b" " * 1_000_000
    packed = [packer.compress(head + pages)]
    packed += [packer.compress(block) for _ in range(inflated // len(block))]
    stream = b"".join(packed) + packer.flush()
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n")
    offsets: dict[int, int] = {}

    def put(number: int, body: bytes) -> None:
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    put(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    put(
        5,
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(head), len(stream))
        + stream
        + b"\nendstream",
    )
    xref = out.tell()
    rows = [(0, 0, 65535), (1, offsets[1], 0), (2, 5, 0), (0, 0, 0), (0, 0, 0)]
    rows += [(1, offsets[5], 0), (1, xref, 0)]
    table = b"".join(struct.pack(">BIH", *row) for row in rows)
    put(
        6,
        b"<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
        + table
        + b"\nendstream",
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def page(title: str, outlet: str, text: str) -> bytes:
    """An article page on the subject (China and Azerbaijan), with its title and outlet."""
    return f"""<html><head><title>{title}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{outlet}">
</head><body><article><h1>{title}</h1><p>{text} Officials in Baku and Beijing said the
agreement between Azerbaijan and China would be signed before the end of the year, and that
engineers from both countries would meet again in the spring.</p></article></body></html>
""".encode()


def feed(items: Sequence[tuple[str, str, str | None]], title: str = "Hostile wire") -> bytes:
    """An RSS feed of (guid, link, pubDate) items."""
    rows = "".join(
        f"<item><guid>{guid}</guid><title>Story {guid}</title><link>{link}</link>"
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "</item>"
        for guid, link, date in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{rows}'
        "</channel></rss>"
    ).encode()


def story_date(number: int) -> str:
    """Story ``number``'s date: a later story, a later day."""
    day = time.gmtime(1_600_000_000 + number * 86400)
    return time.strftime("%a, %d %b %Y 09:00:00 GMT", day)


Route = Callable[[BaseHTTPRequestHandler], None]


class HostileSite:
    """A web server on 127.0.0.1 serving what a test puts in ``routes`` (a path, and the
    function that answers it), and counting the requests for each path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.asked: Counter[str] = Counter()
        self.hosts: list[str] = []
        self.log: list[tuple[float, str, str]] = []  # (when, path, "start" or "end")
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                site.asked[path] += 1
                site.hosts.append(self.headers.get("Host", ""))
                site.log.append((time.monotonic(), path, "start"))
                route = site.routes.get(path) or site._prefixed(path)
                try:
                    if route is None:
                        answer(self, 404, "text/plain", b"no such page")
                    else:
                        route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    site.log.append((time.monotonic(), path, "end"))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True
        ).start()

    def _prefixed(self, path: str) -> Route | None:
        for prefix, route in self.routes.items():
            if prefix.endswith("/") and path.startswith(prefix):
                return route
        return None

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def answer(handler: BaseHTTPRequestHandler, status: int, kind: str, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def serves(status: int, kind: str, body: bytes) -> Route:
    return lambda handler: answer(handler, status, kind, body)


def trickles(kind: str, body: bytes, every: float = 0.5, until: float = 120.0) -> Route:
    """Sends ``body`` one byte every ``every`` seconds (a connection kept busy for days)."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        ends = time.monotonic() + until
        for byte in body:
            if time.monotonic() > ends:
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(every)

    return route


def dawdles(seconds: float, to: str) -> Route:
    """Redirects to ``to`` after ``seconds``."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        handler.send_response(302)
        handler.send_header("Location", to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def fails_then(times: int, then: Route) -> Route:
    """Answers 503 the first ``times`` requests, then as ``then``."""
    count = Counter[str]()

    def route(handler: BaseHTTPRequestHandler) -> None:
        count["asked"] += 1
        if count["asked"] <= times:
            answer(handler, 503, "text/plain", b"busy")
        else:
            then(handler)

    return route


def stories(handler: BaseHTTPRequestHandler) -> None:
    """/story/N: a page of its own for every N."""
    number = handler.path.rsplit("/", 1)[-1]
    answer(
        handler,
        200,
        "text/html",
        page(f"Story {number} from the corridor", "Corridor Wire", f"Story number {number}."),
    )


GOOD = PAGE.encode()
