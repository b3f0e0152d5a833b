from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.errors import ArticleError, CorpusError
from index.records import Article
from index.text.corpus import CorpusFile, article_ids, parse_article, read_bytes, scan
from tests.conftest import copy_seeds, write_article


def parse(text: str | bytes, name: str = "a.md") -> Article:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_article(data, name, "a")


def test_parse_markdown_reads_front_matter_and_paragraphs() -> None:
    text = (
        "---\ntitle: Big  news\nsource: Wire\npublished: 2025-04-27\nurl: https://x.org/a\n"
        "language: en\nauthors: [Ann, Bo]\n---\n\nFirst line\ncontinues here.\n\n\n"
        "## A heading\n\nSecond   paragraph.\n"
    )
    article = parse(text)
    assert article == parse(text)  # deterministic
    assert article.title == "Big news"
    assert article.source == "Wire"
    assert article.published == "2025-04-27"
    assert article.authors == ("Ann", "Bo")
    assert article.paragraphs == (
        "First line continues here.",
        "A heading",
        "Second paragraph.",
    )


def test_parse_text_file_takes_the_first_line_as_title() -> None:
    article = parse_article(b"The title\n\nBody one.\n\nBody two.", "a.txt", "a")
    assert (article.title, article.paragraphs, article.source) == (
        "The title",
        ("Body one.", "Body two."),
        None,
    )


def test_parse_html_keeps_main_text_and_page_metadata() -> None:
    html = (
        "<html><head><title>Rail link opens - Caspian Times</title>"
        '<meta property="og:site_name" content="Caspian Times">'
        '<meta property="article:published_time" content="2024-05-02">'
        '<link rel="canonical" href="https://caspian.example/rail"></head><body>'
        "<nav>Home | World | Sport</nav><article><h1>Rail link opens</h1>"
        "<p>The first freight train from Xi'an arrived in Baku after eighteen days, officials "
        "said, opening a new route for Chinese goods bound for Europe.</p>"
        "<p>Azerbaijan expects transit volumes to double within three years as more trains "
        "use the Middle Corridor across the Caspian Sea.</p></article>"
        "<footer>Copyright Caspian Times</footer></body></html>"
    )
    article = parse_article(html.encode(), "rail.html", "rail")
    assert article.title == "Rail link opens"
    assert article.source == "Caspian Times"
    assert article.published == "2024-05-02"
    assert article.url == "https://caspian.example/rail"
    assert article.paragraphs[0].startswith("The first freight train")
    assert not any("Home | World" in p or "Copyright" in p for p in article.paragraphs)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("---\ntitle: [unclosed\n---\nBody.", "malformed front matter"),
        ("---\ntitle: x\nBody without end", "never closed"),
        ("---\n- a list\n---\nBody.", "key: value"),
        ("---\nsource: Wire\n---\nBody.", "has no title"),
        ("---\ntitle: T\npublished: last spring\n---\nBody.", "ISO date"),
        ("---\ntitle: T\nurl: ftp://x\n---\nBody.", "http"),
        ("---\ntitle: T\n---\n\n   \n\t\n", "no text"),
        ("Just some text without front matter.", "no front matter"),
        (b"\xff\xfe\x00\x01binary\x00", "binary"),
        (b"caf\xe9 au lait", "not UTF-8"),
        ("", "no front matter"),
    ],
)
def test_parse_bad_article_says_why(data: str | bytes, reason: str) -> None:
    with pytest.raises(ArticleError, match=reason):
        parse(data)


def test_parse_markdown_heading_stands_in_for_front_matter() -> None:
    article = parse("# A title\n\nThe body.")
    assert (article.title, article.paragraphs) == ("A title", ("The body.",))


def test_read_bytes_refuses_a_file_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as handle:  # 50 MB, sparse: cheap to make
        handle.truncate(50_000_000)
    file = CorpusFile(path, "huge.md", 50_000_000, 0)
    with pytest.raises(ArticleError, match=r"50\.0 MB is over the 5 MB limit"):
        read_bytes(file, 5_000_000)


def test_scan_lists_articles_and_reports_what_it_skips(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    write_article(folder, "b.md", "x")
    write_article(folder, "sub/a.txt", "x")
    write_article(folder, ".hidden.md", "x")
    write_article(folder, "notes.docx", "x")
    write_article(tmp_path, "outside.md", "secret")
    (folder / "link.md").symlink_to(tmp_path / "outside.md")
    files, skipped = scan(folder)
    assert [f.relpath for f in files] == ["b.md", "sub/a.txt"]
    reasons = {s.relpath: s.reason for s in skipped}
    assert "outside the corpus folder" in reasons["link.md"]
    assert "not an article file" in reasons["notes.docx"]


def test_scan_missing_folder_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"does not exist.*CITEBOT_CORPUS_DIR"):
        scan(tmp_path / "nope")


def test_article_ids_keep_extension_only_when_stems_collide() -> None:
    ids = article_ids(["a.md", "a.txt", "sub/b.html"])
    assert ids == {"a.md": "a.md", "a.txt": "a.txt", "sub/b.html": "sub/b"}


def test_seed_articles_keep_text_and_drop_chrome(tmp_path: Path) -> None:
    files, skipped = scan(copy_seeds(tmp_path / "corpus"))
    assert skipped == []
    articles = {f.relpath: parse_article(f.path.read_bytes(), f.relpath, f.relpath) for f in files}
    oc = articles["oc-media-aliyev-cgtn-interview.md"]
    assert oc.source == "OC Media"
    # Its link is known; its day is not (the seeds' notes), so it is not invented.
    assert oc.published is None
    assert (
        oc.url
        == "https://oc-media.org/aliyev-says-relations-with-china-are-excellent-in-cgtn-interview"
    )
    observer = articles["azeri-observer-guo-min-interview.md"]
    assert observer.published == "2021-05-05" and observer.url and "2021/05/05" in observer.url
    body = "\n".join(oc.paragraphs)
    for chrome in (
        "Media logo",
        "Rely on OC Media",
        "Become a member",
        "Related Articles",
        "Most Popular",
        "Editor",
        "Official photo",
    ):
        assert chrome not in body
    assert oc.paragraphs[13].startswith("Aliyev then spoke about Chinese investments")
    interview = articles["azeri-observer-guo-min-interview.md"]
    assert interview.source == "Azeri Observer"
    assert "Guo Min" in interview.paragraphs[0]


def test_article_ids_are_unique_whatever_the_names() -> None:
    names = ["dup.md", "dup.txt", "dup.md.txt", "dup.md.txt.html", "x/y.md", "x/y.md.txt", "x.md"]
    ids = article_ids(names)
    assert len(set(ids.values())) == len(names)
    assert ids["dup.md.txt"] == "dup.md.txt" and ids["x.md"] == "x"
    assert article_ids(list(reversed(names))) == ids  # the same files, the same ids


@given(st.lists(st.from_regex(r"[ab]{1,2}(\.md|\.txt|\.html){1,3}", fullmatch=True), unique=True))
def test_article_ids_never_collide(names: list[str]) -> None:
    assert len(set(article_ids(names).values())) == len(names)


def test_parse_front_matter_with_yaml_aliases_is_refused_without_expanding() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    data = f"---\ntitle: Bomb\n{bomb}source: *i\n---\n\nBody.\n"
    with pytest.raises(ArticleError, match="anchor or alias") as raised:
        parse(data)
    assert len(str(raised.value)) < 300


def test_parse_error_messages_quote_a_bounded_part_of_a_bad_value() -> None:
    with pytest.raises(ArticleError) as raised:
        parse("---\ntitle: T\nurl: " + "x" * 10_000 + "\n---\n\nBody.\n")
    assert "10,000 characters" in str(raised.value) and len(str(raised.value)) < 300
    with pytest.raises(ArticleError) as raised:
        parse("---\ntitle: T\nsource: [" + "1, " * 3_000 + "1]\n---\n\nBody.\n")
    assert "a list of 3001 items" in str(raised.value)
    with pytest.raises(ArticleError, match="front matter is 60,0"):
        parse("---\ntitle: T\nnote: " + "x" * 60_000 + "\n---\n\nBody.\n")


def test_parse_drops_control_characters_from_text_and_metadata() -> None:
    article = parse("---\ntitle: '\x1b[31mRed\x1b[0m title\x07'\n---\n\nBo\x1bdy text.\n")
    assert article.title == "[31mRed[0m title"
    assert article.paragraphs == ("Body text.",)
