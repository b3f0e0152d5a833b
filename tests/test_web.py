"""The reader's web site over real HTTP: pages, escaping, headers, 404s, limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from bot.web import pages
from bot.web.site import AddressLimit, client_address
from index.indexer.builder import build
from index.records import ArticleRef, Hit
from index.search.engine import Engine
from tests.conftest import settings_for, write_article
from tests.fakes import FakeEmbedder
from tests.webreader import Reader

HOSTILE = """---
title: "<script>alert('title')</script> Trade & </i>buses"
source: "<b>Wire</b>"
published: 2024-05-02
url: 'https://example.com/a?b=1&c="><script>alert(2)</script>'
---

Electric buses from China reach Baku <img src=x onerror=alert(1)> as trade grows.

The second paragraph speaks of solar panels and </mark> tags.
"""


@pytest.fixture
def reader(engine: Engine) -> Iterator[Reader]:
    with Reader(engine) as served:
        yield served


@pytest.fixture
def hostile(tmp_path: Path, fake: FakeEmbedder) -> Iterator[Reader]:
    folder = tmp_path / "hostile"
    write_article(folder, "hostile.md", HOSTILE)
    settings = settings_for(folder, tmp_path / "hostile-index")
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    with Reader(engine) as served:
        yield served
    engine.close()


def get(reader: Reader, path: str, **headers: str) -> httpx.Response:
    return httpx.get(reader.url + path, headers=headers, timeout=30)


def test_web_search_page_answers_with_cited_cards_and_a_link_to_read_each(
    reader: Reader,
) -> None:
    page = get(reader, "/?q=How+much+did+trade+between+China+and+Azerbaijan+grow%3F")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<ol class="cards">' in page.text
    first = page.text.index('<li class="card"')
    assert "<b>" in page.text[first:]  # the best sentence in bold
    assert "Trade between China and Azerbaijan grows" in page.text[first:]
    assert "Example Wire" in page.text and "2024-03-01" in page.text
    read = re.search(r'class="read" href="([^"]+)"', page.text)
    assert read is not None
    assert read.group(1) == "/article/trade?p=1#p1"


def test_web_cites_what_the_engine_answers_in_its_order(reader: Reader, engine: Engine) -> None:
    question = "Which train reached the port of Alat?"
    page = get(reader, "/?q=" + question.replace(" ", "+")).text
    cited = re.findall(r"<cite>([^<]+)</cite>", page)
    assert cited and cited == [hit.article.title for hit in engine.answer(question, 3).hits]


def test_web_article_page_marks_the_cited_paragraph_and_says_what_it_is(
    reader: Reader,
) -> None:
    page = get(reader, "/article/trade?p=2")
    assert page.status_code == 200
    assert '<article class="reader" lang="en">' in page.text
    marked = re.findall(r"<p id=\"p(\d+)\" class=\"para[^\"]*\">.*?<mark>", page.text)
    assert marked == ["2"]
    assert "<h1>Trade between China and Azerbaijan grows</h1>" in page.text
    assert "Example Wire" in page.text and "2024-03-01" in page.text
    assert 'href="https://example.com/trade"' in page.text
    whole = get(reader, "/article/trade")  # no paragraph asked: nothing marked
    assert whole.status_code == 200 and "<mark>" not in whole.text


@pytest.mark.parametrize(
    "path",
    [
        "/article/nothing-by-that-name",
        "/article/trade?p=3",
        "/article/trade?p=0",
        "/article/trade?p=2-1",
        "/article/trade?p=x",
        "/article/trade?p=%C2%B2",
        "/article/..%2F..%2Fetc%2Fpasswd",
        "/reload",
        "/static/../site.py",
        "/admin",
    ],
)
def test_web_unknown_articles_paragraphs_and_paths_get_a_plain_404_page(
    reader: Reader, path: str
) -> None:
    page = get(reader, path)
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text
    assert "Traceback" not in page.text


def test_web_answers_head_as_get_without_a_body(reader: Reader) -> None:
    for path in ("/", "/article/trade?p=1", "/timeline"):
        response = httpx.head(reader.url + path, timeout=30)
        assert response.status_code == 200, path
        assert response.content == b""
    assert httpx.head(reader.url + "/article/none", timeout=30).status_code == 404


def test_web_is_read_only(reader: Reader) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = httpx.request(method, reader.url + "/", timeout=30)
        assert response.status_code == 405, method
        assert "read-only" in response.text


def test_web_sends_a_content_security_policy_that_lets_in_only_its_own_files(
    reader: Reader,
) -> None:
    for path in ("/", "/article/trade?p=1", "/timeline", "/static/site.css", "/nowhere"):
        policy = get(reader, path).headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page = get(reader, "/?q=trade").text
    assets = re.findall(r'src="([^"]*)"', page) + re.findall(r'<link[^>]+href="([^"]*)"', page)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets)


def test_web_escapes_what_the_corpus_holds(hostile: Reader) -> None:
    answer = get(hostile, "/?q=electric+buses+in+Baku").text
    article = get(hostile, "/article/hostile?p=1").text
    for page in (answer, article):
        assert "<script>" not in page
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
        assert 'href="https://example.com/a?b=1&amp;c=&#34;&gt;&lt;script&gt;' in page
        assert page.count("<mark>") == page.count("</mark>")
    assert "&lt;/mark&gt;" in get(hostile, "/article/hostile?p=2").text


def test_web_escapes_the_question_and_bounds_its_length(reader: Reader) -> None:
    page = get(reader, "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E+trade")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)" in page.text
    long = get(reader, "/?q=" + "trade+" * 400)
    assert long.status_code == 400
    assert "the limit is 1,000" in long.text


def test_web_refusal_speaks_the_question_language(reader: Reader) -> None:
    page = get(reader, "/?q=" + "Какова+погода+на+Луне+сегодня%3F")
    assert page.status_code == 200
    assert '<section class="answer" lang="ru">' in page.text
    assert "В корпусе ничего об этом не нашлось" in page.text
    assert '<li class="card"' not in page.text


def test_web_timeline_page_shows_the_chart_it_links(reader: Reader) -> None:
    page = get(reader, "/timeline")
    assert page.status_code == 200
    chart = re.search(r'<img class="chart" src="([^"]+)"', page.text)
    assert chart is not None
    png = get(reader, chart.group(1).replace("&amp;", "&"))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert png.headers["content-type"] == "image/png"


def test_web_limits_requests_per_address(engine: Engine) -> None:
    with Reader(engine, per_minute=3) as served:
        codes = [get(served, "/").status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        refused = get(served, "/")
        assert int(refused.headers["retry-after"]) >= 1
        assert "Too many requests" in refused.text


def test_address_limit_forgets_a_minute_later() -> None:
    now = [0.0]
    limit = AddressLimit(2, clock=lambda: now[0])
    assert [limit.wait("a"), limit.wait("a"), limit.wait("b")] == [0.0, 0.0, 0.0]
    assert limit.wait("a") == pytest.approx(60.0)
    now[0] = 30.0
    assert limit.wait("a") == pytest.approx(30.0)
    now[0] = 60.5
    assert limit.wait("a") == 0.0


def test_client_address_trusts_a_proxy_only_on_a_private_network() -> None:
    def request(peer: str, **headers: str) -> SimpleNamespace:
        return SimpleNamespace(remote_ip=peer, headers=headers)

    assert client_address(request("127.0.0.1", **{"X-Real-IP": "203.0.113.9"})) == "203.0.113.9"
    forwarded = {"X-Forwarded-For": "1.2.3.4, 203.0.113.9"}
    assert client_address(request("10.0.0.2", **forwarded)) == "203.0.113.9"
    # straight from the internet: a header naming another address changes nothing
    assert client_address(request("8.8.4.4", **{"X-Real-IP": "1.1.1.1"})) == "8.8.4.4"
    assert client_address(request("127.0.0.1")) == "127.0.0.1"


def test_read_links_quote_the_article_id_and_open_at_the_paragraph() -> None:
    assert pages.read_link("", "feeds/a b", 3) == "/article/feeds%2Fa%20b?p=3#p3"
    assert pages.read_link("/reader", "x", 2) == "/reader/article/x?p=2#p2"


def test_read_opens_at_the_paragraph_that_holds_the_sentence_in_bold() -> None:
    ref = ArticleRef("a", "T", None, None, None)
    hit = Hit(1, 0.5, "First one.\n\nSecond one.\n\nThird one.", ref, (4, 6), 1)
    assert pages.paragraph_of(hit, None) == 4
    assert pages.paragraph_of(hit, (0, 10)) == 4
    assert pages.paragraph_of(hit, (hit.text.index("Third"), len(hit.text))) == 6


def test_web_article_marks_a_range_and_opens_at_its_first(reader: Reader) -> None:
    page = get(reader, "/article/trade?p=1-2").text
    assert '<p id="p1" class="para focus">' in page and page.count("<mark>") == 2


def test_paragraphs_asked_reads_one_or_a_range_the_article_has() -> None:
    assert pages.paragraphs_asked("2", 5) == (2, 2)
    assert pages.paragraphs_asked("2-4", 5) == (2, 4)
    for given in ("0", "6", "4-2", "2-", "-2", "a", "1" * 40, "2-9", "²", "1-²", " 2"):
        assert pages.paragraphs_asked(given, 5) is None, given


def test_web_speaks_the_question_language_else_the_browsers(reader: Reader) -> None:
    russian = get(reader, "/?q=Какой+поезд+дошёл+до+порта+Алят%3F").text
    assert '<html lang="ru">' in russian and ">Спросить</button>" in russian
    english = get(reader, "/?q=Which+train+reached+Alat%3F", **{"Accept-Language": "ru"}).text
    assert '<html lang="en">' in english and ">Read in the article</a>" in english
    article = get(reader, "/article/trade?p=1", **{"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh">' in article.text and ">原文</a>" in article.text
    assert '<article class="reader" lang="en">' in article.text  # the article's own
    assert article.headers["content-language"] == "zh"
    missing = get(reader, "/article/none", **{"Accept-Language": "az,en;q=0.5"})
    assert missing.status_code == 404 and "<h1>Tapılmadı</h1>" in missing.text
    other = get(reader, "/", **{"Accept-Language": "de-DE,fr;q=0.8"})
    assert '<html lang="en">' in other.text  # none of ours: English
    chinese = get(reader, "/timeline?topic=贸易").text
    assert '<html lang="zh">' in chinese and "“贸易”" in chinese
