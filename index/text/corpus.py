"""The corpus folder: which article files it holds, and each file read as an `Article`.

Markdown (``.md``) starts with YAML front matter (``title`` required; ``source``,
``published``, ``url``, ``language``, ``authors`` optional) and has one paragraph per
blank-line-separated block. Plain text (``.txt``) has its title on the first line. HTML
(``.html``) goes through trafilatura, which keeps the main text and reads the page's metadata.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from index.errors import ArticleError, CorpusError
from index.records import Article
from index.text.sanitize import clean_text, failure, preview, shorten

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_HEADING = re.compile(r"^#{1,6}\s+")
MAX_FRONT_MATTER = 20_000  # characters
_RULE = re.compile(r"^(\*{3,}|-{3,}|_{3,})$")


@dataclass(frozen=True)
class CorpusFile:
    """A candidate article file, as found on disk."""

    path: Path
    relpath: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Skipped:
    """A file a build left out, and why."""

    relpath: str
    reason: str

    def __str__(self) -> str:
        return f"{self.relpath}: {self.reason}"


def scan(corpus_dir: Path) -> tuple[list[CorpusFile], list[Skipped]]:
    """List the article files under ``corpus_dir``, sorted by path.

    Hidden files and folders are ignored; links that lead out of the folder, links to
    folders and files of other types are reported as skipped.

    Raises:
        CorpusError: the folder does not exist or is not a folder.
    """
    if not corpus_dir.exists():
        raise CorpusError(
            f"the corpus folder {corpus_dir} does not exist: create it and put articles in it, "
            "or point CITEBOT_CORPUS_DIR at the folder that holds them"
        )
    if not corpus_dir.is_dir():
        raise CorpusError(f"the corpus path {corpus_dir} is not a folder")
    root = corpus_dir.resolve()
    files: list[CorpusFile] = []
    skipped: list[Skipped] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        for name in sorted(dirnames):
            if name.startswith("."):
                dirnames.remove(name)
            elif (here / name).is_symlink():
                skipped.append(
                    Skipped(_rel(here / name, root), "a link to a folder; not followed")
                )
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            found = _candidate(here / name, root)
            if isinstance(found, Skipped):
                skipped.append(found)
            else:
                files.append(found)
    files.sort(key=lambda f: f.relpath)
    return files, skipped


def _candidate(path: Path, root: Path) -> CorpusFile | Skipped:
    relpath = _rel(path, root)
    if path.suffix.lower() not in SUFFIXES:
        return Skipped(relpath, "not an article file (citebot reads .md, .txt and .html)")
    if path.is_symlink():
        try:
            target = path.resolve()
        except (OSError, RuntimeError):  # a loop of links (RuntimeError before Python 3.13)
            return Skipped(relpath, "a link that leads in a circle")
        if not target.exists():
            return Skipped(relpath, "a broken link")
        if not target.is_relative_to(root):
            return Skipped(relpath, "a link to a file outside the corpus folder; not followed")
    try:
        stat = path.stat()
    except OSError as error:
        return Skipped(relpath, f"cannot be read ({error.strerror})")
    if not path.is_file():
        return Skipped(relpath, "not a regular file")
    return CorpusFile(path=path, relpath=relpath, size=stat.st_size, mtime_ns=stat.st_mtime_ns)


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def article_ids(relpaths: list[str]) -> dict[str, str]:
    """Give each file a readable article id, unique among ``relpaths``: its path without
    the extension, or its whole path where that would be taken twice.

    ``dup.md`` and ``dup.txt`` are both ``dup`` without their extension, so they keep it; then
    ``dup.md.txt`` can't be ``dup.md`` either. Paths are unique, so giving every contested id
    back to its files' whole paths ends with all ids unique. The same files always get the
    same ids.
    """
    ids = {p: str(PurePosixPath(p).with_suffix("")) for p in relpaths}
    while True:
        counts = Counter(ids.values())
        contested = [p for p, i in ids.items() if counts[i] > 1 and i != p]
        if not contested:
            return ids
        for path in contested:
            ids[path] = path


def digest(data: bytes) -> str:
    """The content hash used for change detection."""
    return hashlib.sha256(data).hexdigest()


def content_hash(article: Article) -> str:
    """The hash of an article's text: the same text under two names is one article."""
    return digest("\n\n".join(article.paragraphs).encode("utf-8"))


def read_bytes(file: CorpusFile, max_bytes: int) -> bytes:
    """Read a file, refusing ones over the size limit.

    Raises:
        ArticleError: too large, or unreadable.
    """
    if file.size > max_bytes:
        raise ArticleError(
            file.relpath,
            f"{file.size / 1e6:.1f} MB is over the {max_bytes / 1e6:g} MB limit for one article "
            "(CITEBOT_MAX_ARTICLE_BYTES)",
        )
    try:
        data = file.path.read_bytes()
    except OSError as error:
        raise ArticleError(file.relpath, f"cannot be read ({error.strerror})") from None
    if len(data) > max_bytes:
        raise ArticleError(file.relpath, "grew over the size limit while being read")
    return data


def parse_article(data: bytes, relpath: str, article_id: str) -> Article:
    """Turn a file's bytes into an `Article`.

    A parser's own failure on hostile input (lxml's RecursionError on a page nested a
    hundred thousand deep, a MemoryError) is this file's error too: a build skips the file,
    `citebot add` reports it, and neither stops.

    Raises:
        ArticleError: binary, not UTF-8, malformed front matter, no text, or unreadable.
    """
    try:
        return _parse_article(data, relpath, article_id)
    except ArticleError:
        raise
    except Exception as error:  # whatever a third-party parser raises on what it can't read
        raise ArticleError(relpath, f"can't be read ({failure(error)})") from None


def _parse_article(data: bytes, relpath: str, article_id: str) -> Article:
    if b"\x00" in data:
        raise ArticleError(relpath, "a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleError(
            relpath, f"not UTF-8 text (invalid byte at offset {error.start}); save it as UTF-8"
        ) from None
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    suffix = PurePosixPath(relpath).suffix.lower()
    if suffix in (".html", ".htm"):
        meta, paragraphs = _parse_html(text, relpath)
    elif suffix == ".txt":
        meta, paragraphs = _parse_text(text)
    else:
        meta, paragraphs = _parse_markdown(text, relpath)
    fields = _metadata(meta, relpath)
    if not paragraphs:
        raise ArticleError(relpath, "has no text: the article body is empty")
    return Article(id=article_id, paragraphs=tuple(paragraphs), path=relpath, **fields)


def split_paragraphs(body: str) -> list[str]:
    """Blank-line-separated blocks, each folded onto one line with single spaces."""
    paragraphs = []
    for block in _BLANK_LINES.split(body):
        lines = [_HEADING.sub("", line.strip()) for line in block.split("\n")]
        paragraph = _SPACES.sub(" ", " ".join(line for line in lines if line)).strip()
        if paragraph and not _RULE.match(paragraph):
            paragraphs.append(paragraph)
    return paragraphs


def _parse_markdown(text: str, relpath: str) -> tuple[dict[str, Any], list[str]]:
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), 0)
        if not end:
            raise ArticleError(relpath, "front matter opens with --- but is never closed by ---")
        front = "\n".join(lines[1:end])
        if len(front) > MAX_FRONT_MATTER:
            raise ArticleError(
                relpath,
                f"the front matter is {len(front):,} characters long and the limit is "
                f"{MAX_FRONT_MATTER:,}: keep it to title, source, published, url and authors",
            )
        try:
            meta = _load_front_matter(front, relpath)
        except yaml.YAMLError as error:
            raise ArticleError(
                relpath, f"malformed front matter: {_yaml_problem(error)}"
            ) from None
        except (ValueError, TypeError, OverflowError) as error:  # e.g. a date like 2024-13-45
            raise ArticleError(relpath, f"malformed front matter: {shorten(str(error))}") from None
        if not isinstance(meta, dict):
            raise ArticleError(relpath, "front matter must be `key: value` lines (YAML mapping)")
        return meta, split_paragraphs("\n".join(lines[end + 1 :]))
    paragraphs = split_paragraphs(text)
    if lines and lines[0].startswith("# "):  # a Markdown title heading stands in for front matter
        return {"title": paragraphs[0]}, paragraphs[1:]
    raise ArticleError(
        relpath, "no front matter: start the file with a --- block holding at least `title:`"
    )


def _load_front_matter(text: str, relpath: str) -> Any:
    """YAML without aliases: ``*name`` repeats a value, and nested repeats grow a few hundred
    bytes into gigabytes. Front matter never needs them."""
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
            raise ArticleError(
                relpath,
                "the front matter uses a YAML anchor or alias (&name, *name); write each "
                "value out in full",
            )
    return yaml.safe_load(text)


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = shorten(str(getattr(error, "problem", None) or error))
    # +2: the mark counts from 0 and from the line after the opening ---
    return f"{problem} (line {mark.line + 2})" if mark is not None else problem


def _parse_text(text: str) -> tuple[dict[str, Any], list[str]]:
    lines = text.strip().split("\n", 1)
    title = _SPACES.sub(" ", lines[0]).strip()
    return {"title": title}, split_paragraphs(lines[1] if len(lines) > 1 else "")


def _parse_html(text: str, relpath: str) -> tuple[dict[str, Any], list[str]]:
    import trafilatura  # imported late: lxml and friends are only needed for HTML

    document = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        # Only a date the page states; never one guessed from the file or the URL.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    page: dict[str, Any] = {}
    if document is not None:
        page = document if isinstance(document, dict) else document.as_dict()
    body = str(page.get("text") or "")
    if not body.strip():
        raise ArticleError(relpath, "no article text found in the page")
    title = str(page.get("title") or "").strip()
    paragraphs = split_paragraphs(body.replace("\n", "\n\n"))
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    authors = [a.strip() for a in str(page.get("author") or "").split(";") if a.strip()]
    meta = {
        "title": title,
        "source": page.get("sitename"),
        "published": page.get("date"),
        "url": page.get("url"),
        "language": page.get("language"),
        "authors": authors,
    }
    return {key: value for key, value in meta.items() if value}, paragraphs


def _metadata(meta: dict[str, Any], relpath: str) -> dict[str, Any]:
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ArticleError(relpath, "has no title (front matter `title:` is required)")
    return {
        "title": _SPACES.sub(" ", title).strip(),
        "source": _optional_text(meta, "source", relpath),
        "published": _published(meta.get("published"), relpath),
        "url": _url(meta.get("url"), relpath),
        "language": _optional_text(meta, "language", relpath),
        "authors": _authors(meta.get("authors", meta.get("author")), relpath),
    }


def _optional_text(meta: dict[str, Any], key: str, relpath: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ArticleError(relpath, f"`{key}` must be text, got {preview(value)}")
    return value.strip() or None


def _published(value: Any, relpath: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            pass
    raise ArticleError(
        relpath, f"`published` must be an ISO date like 2025-04-27, got {preview(value)}"
    )


def _url(value: Any, relpath: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(r"https?://\S+$", value.strip()):
        raise ArticleError(relpath, f"`url` must be an http(s) link, got {preview(value)}")
    return value.strip()


def _authors(value: Any, relpath: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if isinstance(value, list) and all(isinstance(a, str) for a in value):
        return tuple(a.strip() for a in value if a.strip())
    raise ArticleError(
        relpath, f"`authors` must be a name or a list of names, got {preview(value)}"
    )
