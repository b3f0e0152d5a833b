"""Adding articles from links and files: pages and PDFs served on 127.0.0.1 by the test."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.errors import SourceError
from index.indexer.builder import build
from index.ingest.add import duplicate_of, prepare, write
from index.ingest.fetch import MAX_REDIRECTS, check_url, fetch
from index.search.engine import Engine
from index.settings import Settings
from index.text.corpus import parse_article
from tests.conftest import REPO, settings_for
from tests.fakes import FakeEmbedder
from tests.helpers import RUN_DIR, cli_env
from tests.website import PAGE, REPORT, Site


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


def citebot_add(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "add", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=RUN_DIR,
        timeout=120,
        check=False,
    )


def test_cli_add_dry_run_writes_nothing_and_a_failure_sets_the_exit_status(
    local: Settings, site: Site
) -> None:
    before = sorted(local.corpus_dir.iterdir())
    env = cli_env(local, CITEBOT_ALLOW_PRIVATE_URLS="1")
    done = citebot_add(env, "--dry-run", f"{site.url}/solar", f"{site.url}/gone")
    assert done.returncode == 1 and sorted(local.corpus_dir.iterdir()) == before
    assert done.stdout.startswith("would add: China and Azerbaijan sign a solar deal — Caspian")
    assert "Wire, 2025-05-14; 48 words" in done.stdout and "600 megawatts" in done.stdout
    assert "answered 404" in done.stderr
    assert "glossary" not in done.stdout  # none is configured here


def test_cli_add_names_what_the_glossary_lacks(
    local: Settings, site: Site, tmp_path: Path
) -> None:
    glossary = tmp_path / "glossary.yaml"
    glossary.write_text("terms:\n  Sumgayit: [Сумгаит]\n", encoding="utf-8")
    env = cli_env(
        local,
        CITEBOT_ALLOW_PRIVATE_URLS="1",
        CITEBOT_GLOSSARY=str(glossary),
        CITEBOT_TOPIC_RULE=str(REPO / "corpus" / "topic.yaml"),  # China, Azerbaijan, Baku
    )
    done = citebot_add(env, "--dry-run", f"{site.url}/solar")
    assert "  names without a glossary entry: Hangzhou (add the ones" in done.stdout
    glossary.write_text("terms: [", encoding="utf-8")  # broken: said once, and adding goes on
    broken = citebot_add(env, "--dry-run", f"{site.url}/solar")
    assert broken.returncode == 0 and "would add: China and Azerbaijan" in broken.stdout
    assert broken.stderr.count("citebot: warning: ") == 1


def test_add_finds_duplicates_in_what_the_index_recorded_without_reading_the_corpus(
    local: Settings, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write(prepare(f"{site.url}/solar", local), local)
    build(local, embedder=FakeEmbedder())
    again = prepare(f"{site.url}/moved", local)

    def unread(data: bytes, relpath: str, article_id: str) -> Any:
        raise AssertionError(f"{relpath} was read again")

    monkeypatch.setattr("index.ingest.add.parse_article", unread)
    assert duplicate_of(again.article, local) == first.name
