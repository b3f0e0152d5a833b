"""A link or a file made into one Markdown article in the corpus folder.

`prepare` fetches or reads a source and extracts its article; `duplicate_of` finds a corpus
file with the same canonical link or the same body text (the hash a build uses); `write`
writes the article as Markdown with front matter, named so a person can find it (outlet,
title, date), atomically: a failure leaves no partial file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from index.errors import ArticleError, IndexStateError, SourceError
from index.ingest.extract import MEDIA_TYPES, extract, kind_of
from index.ingest.fetch import fetch
from index.records import Article
from index.settings import Settings
from index.storage import layout
from index.storage.catalog import Store
from index.text.corpus import content_hash, parse_article, read_bytes, scan
from index.text.sanitize import shorten

SLUG_PART = 60  # characters of each part of a file name
SLUG_BYTES = 90  # and its bytes in UTF-8


@dataclass(frozen=True)
class Prepared:
    """An article ready to be written, and where it came from."""

    article: Article
    via: str  # the URL or the original file name

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.article.paragraphs)


def prepare(source: str, settings: Settings, transport: Any = None) -> Prepared:
    """Fetch (a ``http(s)://`` link) or read (a file) ``source`` and extract its article.

    Raises:
        SourceError: it can't be fetched or read, or holds no article text.
    """
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", source):
        fetched = fetch(
            source,
            max_bytes=settings.max_download_bytes,
            timeout=settings.fetch_timeout,
            allow_private=settings.allow_private_urls,
            transport=transport,
        )
        kind = MEDIA_TYPES.get(fetched.content_type)
        if kind is None:
            raise SourceError(
                f"{shorten(source)} is {fetched.content_type or 'of no stated type'}, not a "
                "page or a PDF"
            )
        return Prepared(extract(fetched.body, kind, "page", fetched.url), source)
    path = Path(source)
    kind_of(path.name)
    if not path.is_file():
        raise SourceError(f"{shorten(source)}: no such file")
    try:
        _check_size(path.stat().st_size, path.name, settings)
        data = path.read_bytes()
    except OSError as error:  # unreadable: no permission, a folder gone meanwhile
        raise SourceError(f"{shorten(source)} can't be read ({error.strerror})") from None
    return prepare_bytes(data, path.name, settings)


def prepare_bytes(data: bytes, name: str, settings: Settings) -> Prepared:
    """The article in a file's ``data`` (a document sent to the bot, say) called ``name``.

    Raises:
        SourceError: an unknown kind of file, over the size limit, or no article text.
    """
    kind = kind_of(name)
    _check_size(len(data), name, settings)
    return Prepared(extract(data, kind, name), name)


def _check_size(size: int, name: str, settings: Settings) -> None:
    if size > settings.max_download_bytes:
        raise SourceError(
            f"{shorten(name)} is over the {settings.max_download_bytes / 1e6:g} MB limit "
            "(CITEBOT_MAX_DOWNLOAD_BYTES)"
        )


def duplicate_of(article: Article, settings: Settings) -> str | None:
    """The corpus file that already holds ``article`` (the same link or the same text).

    What the current index recorded is looked up, not read again; only files the index has
    not seen (added or changed since its build) are read: a feed poll checks each entry
    against the corpus without parsing it all.
    """
    wanted = content_hash(article)
    known = _indexed(settings)
    files, _ = scan(settings.corpus_dir)
    for file in files:
        row = known.get(file.relpath)
        if row is not None and row[0] == (file.size, file.mtime_ns):
            url, text_hash = row[1], row[2]
        else:
            try:
                data = read_bytes(file, settings.max_article_bytes)
                existing = parse_article(data, file.relpath, "")
            except ArticleError:
                continue
            url, text_hash = existing.url, content_hash(existing)
        if (article.url and url == article.url) or text_hash == wanted:
            return file.relpath
    return None


def _indexed(settings: Settings) -> dict[str, tuple[tuple[int, int], str | None, str | None]]:
    """For each file the current index holds: (size, mtime), its link and its text hash."""
    try:
        version = layout.current_version(settings.index_dir, (layout.STORE_FILE,))
        store = Store.open(version / layout.STORE_FILE)
    except IndexStateError:
        return {}
    try:
        urls = {a.id: a.url for a in store.articles()}
        return {
            row.relpath: (
                (row.size, row.mtime_ns),
                urls.get(row.article_id or ""),
                row.content_sha,
            )
            for row in store.files().values()
            if row.status == "indexed"
        }
    finally:
        store.close()


def markdown(article: Article, via: str, added: dt.date) -> str:
    """The article as corpus Markdown: front matter with what is known, then its paragraphs."""
    fields: dict[str, Any] = {
        "title": article.title,
        "source": article.source,
        "published": article.published,
        "url": article.url,
        "language": article.language,
        "authors": list(article.authors) or None,
        "added": added.isoformat(),
        "via": via,
    }
    front = yaml.safe_dump(
        {k: v for k, v in fields.items() if v}, allow_unicode=True, sort_keys=False, width=1000
    )
    return f"---\n{front}---\n\n" + "\n\n".join(article.paragraphs) + "\n"


def file_name(article: Article) -> str:
    """outlet--title--date.md, each part a slug; parts that are unknown are left out. Where
    no part is left (a page titled "???" from "!!!"), article-<its text's hash>.md: never a
    name a build would skip as hidden."""
    parts = [_slug(article.source), _slug(article.title), article.published or ""]
    stem = "--".join(p for p in parts if p) or f"article-{content_hash(article)[:12]}"
    return stem + ".md"


def write(prepared: Prepared, settings: Settings, today: dt.date | None = None) -> Path:
    """Write the article into the corpus folder under a new name; returns its path.

    The text goes to a hidden temporary file (builds skip hidden files) that is then linked
    to its name, which fails rather than overwrite: no partial and no clobbered file.
    """
    folder = settings.corpus_dir
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(prepared.article, prepared.via, today or dt.date.today())
    parse_article(text.encode("utf-8"), "check.md", "")  # what a build will read back
    temporary = folder / f".adding-{secrets.token_hex(4)}.md"
    try:
        with temporary.open("x", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        stem = file_name(prepared.article).removesuffix(".md")
        for n in range(1, 1000):
            target = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
            try:
                os.link(temporary, target)
                return target
            except FileExistsError:
                continue
        raise SourceError(f"{stem}.md: too many files of that name")
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _slug(text: str | None) -> str:
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    slug = re.sub(r"[^\w]+", "-", folded).strip("-_")[:SLUG_PART]
    # A file name holds 255 bytes: Chinese takes three a character.
    slug = slug.encode("utf-8")[:SLUG_BYTES].decode("utf-8", "ignore")
    return slug.rstrip("-_")
