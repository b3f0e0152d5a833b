"""Adding articles from links and files: pages and PDFs served on 127.0.0.1 by the test."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fpdf import FPDF

from index.errors import SourceError
from index.indexer.builder import build
from index.ingest.add import duplicate_of, prepare, write
from index.ingest.fetch import MAX_REDIRECTS, check_url, fetch
from index.search.engine import Engine
from index.settings import Settings
from index.text.corpus import parse_article
from tests.conftest import settings_for
from tests.fakes import FakeEmbedder
from tests.helpers import RUN_DIR, cli_env

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
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    served = Site()
    yield served
    served.stop()


@pytest.fixture
def local(corpus: Path, tmp_path: Path) -> Settings:
    return settings_for(
        corpus,
        tmp_path / "index",
        CITEBOT_ALLOW_PRIVATE_URLS="1",
        CITEBOT_FETCH_TIMEOUT="1",
        CITEBOT_MAX_DOWNLOAD_BYTES="10000",
    )


def test_add_a_page_writes_markdown_that_a_build_makes_searchable(
    local: Settings, site: Site
) -> None:
    prepared = prepare(f"{site.url}/solar", local)
    path = write(prepared, local)
    assert path.name == "caspian-wire--china-and-azerbaijan-sign-a-solar-deal--2025-05-14.md"
    text = path.read_text("utf-8")
    assert "url: https://caspian.example/solar-deal" in text and f"via: {site.url}/solar" in text
    assert "added: " in text and "Donate" not in text and "Home | World" not in text
    article = parse_article(path.read_bytes(), path.name, "x")
    assert (article.source, article.published) == ("Caspian Wire", "2025-05-14")
    assert site.requests[-1]["User-Agent"].startswith("citebot/")
    fake = FakeEmbedder()
    assert path.stem in build(local, embedder=fake).added
    engine = Engine.open(local, embedder=fake)
    try:
        assert engine.search("solar parks near Sumgayit")[0].article.id == path.stem
    finally:
        engine.close()


def test_add_a_pdf_by_link_or_file_joins_words_split_at_line_ends(
    local: Settings, site: Site, tmp_path: Path
) -> None:
    by_link = prepare(f"{site.url}/report.pdf", local).article
    (tmp_path / "report.pdf").write_bytes(REPORT)
    by_file = prepare(str(tmp_path / "report.pdf"), local)
    assert by_file.via == "report.pdf" and by_file.article.paragraphs == by_link.paragraphs
    assert by_link.title == "Rail freight between China and Azerbaijan"
    assert by_link.url == f"{site.url}/report.pdf" and by_file.article.url is None
    text = " ".join(by_link.paragraphs)
    assert "The crossing of the Caspian Sea" in text
    assert by_link.published is None and by_link.source is None  # not invented


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/gone", "answered 404"),
        ("/forbidden", "answered 403"),
        ("/broken", "answered 500"),
        ("/slow", "did not answer within 1 s"),
        ("/loop-a", "redirects in a loop"),
        ("/hop0", f"more than {MAX_REDIRECTS} redirects"),
        ("/image", "is image/png, not a page or a PDF"),
        ("/empty", "no article text found"),
        ("/huge", "over the 0.01 MB limit"),
        ("/locked.pdf", "the PDF is encrypted"),
        ("/scan.pdf", "no text layer"),
    ],
)
def test_add_bad_links_say_why_and_write_nothing(
    local: Settings, site: Site, path: str, says: str
) -> None:
    before = sorted(local.corpus_dir.iterdir())
    with pytest.raises(SourceError, match=says):
        prepare(f"{site.url}{path}", local)
    assert sorted(local.corpus_dir.iterdir()) == before


def test_add_a_redirect_is_followed(local: Settings, site: Site) -> None:
    assert prepare(f"{site.url}/moved", local).article.url == "https://caspian.example/solar-deal"


def test_add_files_of_unknown_kinds_or_missing_are_refused(
    local: Settings, tmp_path: Path
) -> None:
    (tmp_path / "notes.docx").write_bytes(b"PK")
    with pytest.raises(SourceError, match=re.escape("adds .html, .htm, .pdf, .md and .txt")):
        prepare(str(tmp_path / "notes.docx"), local)
    with pytest.raises(SourceError, match="no such file"):
        prepare(str(tmp_path / "nope.md"), local)
    with pytest.raises(SourceError, match="only http and https"):
        prepare("ftp://example.org/a.html", local)


def test_add_refuses_the_same_article_twice_by_link_or_by_text(
    local: Settings, site: Site, tmp_path: Path
) -> None:
    first = write(prepare(f"{site.url}/solar", local), local)
    again = prepare(f"{site.url}/moved", local)  # the same canonical link
    assert duplicate_of(again.article, local) == first.name
    copy = tmp_path / "copy.html"
    copy.write_text(PAGE.replace("caspian.example/solar-deal", "elsewhere.example/x"))
    assert duplicate_of(prepare(str(copy), local).article, local) == first.name  # same text


def test_add_a_failed_write_leaves_no_file(
    local: Settings, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared = prepare(f"{site.url}/solar", local)
    before = sorted(p.name for p in local.corpus_dir.iterdir())

    def full_disk(source: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("index.ingest.add.os.link", full_disk)
    with pytest.raises(OSError):
        write(prepared, local)
    assert sorted(p.name for p in local.corpus_dir.iterdir()) == before  # nor a hidden one


# -- never inward: checked without contacting anything (a mock transport, a fake resolver) --


def public_or_private(host: str) -> list[str]:
    return {"news.example": ["93.184.216.34"], "intranet.example": ["10.1.2.3"]}[host]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/a",
        "http://localhost/a",
        "http://[::1]/a",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/",
        "http://intranet.example/page",  # a name that resolves inward
    ],
)
def test_add_private_and_local_addresses_are_refused(url: str) -> None:
    resolver = public_or_private if "example" in url else (lambda host: ["127.0.0.1"])
    with pytest.raises(SourceError, match="private or local address"):
        check_url(url, allow_private=False, resolver=resolver)


def test_add_a_redirect_to_a_private_address_is_refused_at_that_hop() -> None:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://intranet.example/admin"})

    with pytest.raises(SourceError, match=re.escape("10.1.2.3, a private or local address")):
        fetch(
            "http://news.example/story",
            max_bytes=1000,
            timeout=1,
            resolver=public_or_private,
            transport=httpx.MockTransport(answer),
        )
    assert asked == ["http://news.example/story"]  # the inward hop was never requested


def test_cli_add_dry_run_writes_nothing_and_a_failure_sets_the_exit_status(
    local: Settings, site: Site
) -> None:
    before = sorted(local.corpus_dir.iterdir())
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "add",
            "--dry-run",
            f"{site.url}/solar",
            f"{site.url}/gone",
        ],
        capture_output=True,
        text=True,
        env=cli_env(local, CITEBOT_ALLOW_PRIVATE_URLS="1"),
        cwd=RUN_DIR,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and sorted(local.corpus_dir.iterdir()) == before
    assert done.stdout.startswith("would add: China and Azerbaijan sign a solar deal — Caspian")
    assert "Wire, 2025-05-14; 48 words" in done.stdout and "600 megawatts" in done.stdout
    assert "answered 404" in done.stderr
