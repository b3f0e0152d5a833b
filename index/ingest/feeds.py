"""RSS and Atom feeds read into entries: parsed by feedparser from bytes that `fetch` got
(feedparser has no timeout of its own, so it never fetches anything itself)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from index.errors import SourceError
from index.text.sanitize import clean_text, failure, shorten


@dataclass(frozen=True)
class Entry:
    """One feed item: a key that names it within its feed, its link, title and date."""

    key: str
    link: str | None
    title: str
    published: str | None  # ISO date, where the feed gives one


def parse_feed(data: bytes, url: str) -> list[Entry]:
    """The entries of an RSS or Atom document, in the feed's order.

    Whatever the parser raises on hostile bytes is the feed's `SourceError`.

    Raises:
        SourceError: empty, not a feed, or unreadable.
    """
    try:
        return _parse_feed(data, url)
    except SourceError:
        raise
    except Exception as error:  # feedparser's or the XML parser's own failure
        raise SourceError(f"{shorten(url)}: the feed can't be read ({failure(error)})") from None


def _parse_feed(data: bytes, url: str) -> list[Entry]:
    import feedparser  # imported late: only polling reads feeds

    if not data.strip():
        raise SourceError(f"{shorten(url)}: the feed is empty")
    parsed = feedparser.parse(data)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise SourceError(f"{shorten(url)} is not an RSS or Atom feed ({shorten(str(problem))})")
    entries = []
    for item in parsed.entries:
        given = str(item.get("link") or "")
        link = given if given.startswith(("http://", "https://")) else None  # a guid is no link
        key = str(item.get("id") or link or item.get("title") or "")
        if not key:
            continue
        stamp = item.get("published_parsed") or item.get("updated_parsed")
        published = dt.date(*stamp[:3]).isoformat() if stamp else None
        title = clean_text(str(item.get("title") or "")).strip()
        entries.append(Entry(key[:2000], link, title[:500], published))
    return entries
