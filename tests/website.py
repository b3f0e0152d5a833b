"""A small web site for the tests, on 127.0.0.1: pages, PDFs, feeds, redirects and failures.
Nothing a test fetches leaves the machine."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fpdf import FPDF

from tests.fakebotapi import POLL

PAGE = """<html><head><title>China and Azerbaijan sign a solar deal | Caspian Wire</title>
<meta property="og:title" content="China and Azerbaijan sign a solar deal">
<meta property="og:site_name" content="Caspian Wire">
<meta property="article:published_time" content="2025-05-14">
<link rel="canonical" href="https://caspian.example/solar-deal">
</head><body><nav>Home | World | Sport</nav><article><h1>China and Azerbaijan sign a solar
deal</h1><p>Azerbaijan and China signed an agreement in Baku on Wednesday to build three
solar parks near Sumgayit, with a combined capacity of 600 megawatts.</p><p>Chinese
companies will supply the panels, and Azerbaijani engineers will be trained in Hangzhou
before the parks open in 2027, the energy ministry said.</p></article>
<footer>Donate to keep us independent.</footer></body></html>"""


def pdf(title: str | None, text: str, *, password: str | None = None) -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=12)
    if title:
        document.set_title(title)
    if text:
        document.multi_cell(0, 8, text)
    if password:
        document.set_encryption(owner_password=password, user_password=password)
    return bytes(document.output())


REPORT = pdf(
    "Rail freight between China and Azerbaijan",
    "Container trains from Xi'an reached Baku in eleven days this spring. The cross-\n"
    "ing of the Caspian Sea took two of them.\n\nFreight volumes doubled since 2023.",
)
ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/solar": (200, "text/html; charset=utf-8", PAGE.encode()),
    "/report.pdf": (200, "application/pdf", REPORT),
    "/locked.pdf": (200, "application/pdf", pdf("Locked", "Secret text.", password="x")),
    "/scan.pdf": (200, "application/pdf", pdf(None, "")),
    "/gone": (404, "text/html", b"not here"),
    "/forbidden": (403, "text/html", b"members only"),
    "/broken": (500, "text/html", b"oops"),
    "/image": (200, "image/png", b"\x89PNG...."),
    "/empty": (200, "text/html", b"<html><body></body></html>"),
    "/huge": (200, "text/html", b"<p>" + b"x" * 20_000 + b"</p>"),
    "/weather": (
        200,
        "text/html",
        b"<html><head><title>Rain in Tbilisi</title></head><body><article><h1>Rain in "
        b"Tbilisi</h1><p>Heavy rain fell over Tbilisi on Monday, and the river rose by a metre "
        b"in the city centre, forecasters in Georgia said.</p></article></body></html>",
    ),
    "/bad-feed": (200, "text/html", b"<html><body><p>not a feed</p></body></html>"),
    "/empty-feed": (200, "application/rss+xml", b""),
}
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Caspian Wire</title>
<item><guid>solar-1</guid><title>China and Azerbaijan sign a solar deal</title>
<link>{site}/solar</link><pubDate>Wed, 14 May 2025 09:00:00 GMT</pubDate></item>
<item><guid>weather-1</guid><title>Rain in Tbilisi</title><link>{site}/weather</link></item>
<item><guid>nolink-1</guid><title>A note without a link</title></item>
<item><guid>gone-1</guid><title>A story that went away</title><link>{site}/gone</link></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Other outlet</title><id>urn:other</id><updated>2025-05-14T10:00:00Z</updated>
<entry><id>urn:other:1</id><title>Solar deal signed</title><link href="{site}/moved"/>
<updated>2025-05-14T10:00:00Z</updated></entry></feed>"""


class Site:
    """A small web server on 127.0.0.1 for the tests; nothing leaves the machine."""

    def __init__(self) -> None:
        routes, site = ROUTES, self
        self.requests: list[dict[str, str]] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                site.requests.append(dict(self.headers))
                if self.path == "/slow":
                    time.sleep(2)
                redirects = {"/moved": "/solar", "/loop-a": "/loop-b", "/loop-b": "/loop-a"}
                feeds = {"/feed.xml": FEED, "/atom.xml": ATOM}
                if self.path in feeds:
                    self._feed(feeds[self.path].format(site=site.url))
                elif self.path.startswith("/hop"):
                    step = int(self.path.removeprefix("/hop") or 0)
                    self._redirect(f"/hop{step + 1}")
                elif self.path in redirects:
                    self._redirect(redirects[self.path])
                else:
                    status, kind, body = routes.get(self.path, (404, "text/plain", b"no"))
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def _feed(self, text: str) -> None:
                if self.headers.get("If-None-Match") == '"v1"':  # a conditional GET
                    self.send_response(304)
                    self.end_headers()
                    return
                body = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _redirect(self, to: str) -> None:
                self.send_response(302)
                self.send_header("Location", to)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True
        ).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
