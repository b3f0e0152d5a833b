"""Feeds: which ones are followed, what each poll took or skipped and why, who subscribes.

Kept with the bot's state (``bot.sqlite``), in tables of their own. A poll fetches each feed
with a conditional GET, takes each entry it has not seen (by the entry's id within the feed,
and by link across feeds and the corpus), fetches the page, keeps it only when it is on topic
(`index.ingest.topic`), writes it into the corpus, and leaves the build to the caller: one
build per batch. Runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import CitebotError, SourceError
from index.ingest.add import Prepared, duplicate_of, prepare, write
from index.ingest.feeds import parse_feed
from index.ingest.fetch import fetch
from index.ingest.topic import TopicRule
from index.settings import Settings
from index.text.sanitize import shorten

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL UNIQUE,
    name TEXT,
    etag TEXT,
    last_modified TEXT,
    polled_at REAL,
    status TEXT
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    link TEXT,
    title TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('taken', 'skipped', 'failed')),
    reason TEXT NOT NULL,
    file TEXT,
    seen_at REAL NOT NULL,
    PRIMARY KEY (feed_id, key)
);
CREATE INDEX IF NOT EXISTS feed_entries_by_link ON feed_entries (link);
CREATE TABLE IF NOT EXISTS subscribers (
    chat_id INTEGER PRIMARY KEY,
    since REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    name: str | None
    polled_at: float | None
    status: str | None
    taken: int
    skipped: int


@dataclass(frozen=True)
class Outcome:
    """What a poll did with one entry (or with a whole feed, where ``title`` is empty)."""

    feed: str
    title: str
    link: str | None
    outcome: str  # taken, skipped, failed
    reason: str
    file: str | None = None
    prepared: Prepared | None = None


class FeedStore:
    """The feed tables of the bot's state database; safe from several threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def add(self, url: str, name: str | None) -> None:
        """Raises CitebotError where the feed is followed already."""
        with self._lock:
            try:
                self._db.execute("INSERT INTO feeds (url, name) VALUES (?, ?)", (url, name))
            except sqlite3.IntegrityError:
                raise CitebotError(f"{shorten(url)} is followed already") from None

    def remove(self, url_or_name: str) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM feeds WHERE url = ? OR name = ?", (url_or_name, url_or_name)
            )
        return cursor.rowcount > 0

    def feeds(self) -> list[Feed]:
        with self._lock:
            rows = self._db.execute(
                "SELECT f.id, f.url, f.name, f.polled_at, f.status, "
                "coalesce(sum(e.outcome = 'taken'), 0), coalesce(sum(e.outcome != 'taken'), 0) "
                "FROM feeds f LEFT JOIN feed_entries e ON e.feed_id = f.id GROUP BY f.id "
                "ORDER BY f.id"
            ).fetchall()
        return [Feed(*row) for row in rows]

    def log(self, limit: int = 100) -> list[tuple[float, str, str, str, str]]:
        """(when, feed, outcome, title, reason), newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT e.seen_at, coalesce(f.name, f.url), e.outcome, e.title, e.reason "
                "FROM feed_entries e JOIN feeds f ON f.id = e.feed_id "
                "ORDER BY e.seen_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [(float(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]

    def seen(self, feed_id: int, key: str, link: str | None) -> bool:
        with self._lock:
            found = self._db.execute(
                "SELECT 1 FROM feed_entries WHERE (feed_id = ? AND key = ?) "
                "OR (link IS NOT NULL AND link = ? AND outcome = 'taken')",
                (feed_id, key, link),
            ).fetchone()
        return found is not None

    def record(self, feed_id: int, key: str, outcome: Outcome) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO feed_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    feed_id,
                    key,
                    outcome.link,
                    outcome.title,
                    outcome.outcome,
                    outcome.reason,
                    outcome.file,
                    time.time(),
                ),
            )

    def polled(self, feed_id: int, status: str, etag: str | None, modified: str | None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE feeds SET polled_at = ?, status = ?, etag = ?, last_modified = ? "
                "WHERE id = ?",
                (time.time(), status, etag, modified, feed_id),
            )

    def validators(self, feed_id: int) -> tuple[str | None, str | None]:
        with self._lock:
            row = self._db.execute(
                "SELECT etag, last_modified FROM feeds WHERE id = ?", (feed_id,)
            ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def subscribe(self, chat_id: int) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO subscribers VALUES (?, ?)", (chat_id, time.time())
            )
        return cursor.rowcount > 0

    def unsubscribe(self, chat_id: int) -> bool:
        with self._lock:
            cursor = self._db.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,))
        return cursor.rowcount > 0

    def subscribers(self) -> list[int]:
        with self._lock:
            return [int(r[0]) for r in self._db.execute("SELECT chat_id FROM subscribers")]


def poll(
    store: FeedStore,
    settings: Settings,
    rule: TopicRule,
    *,
    dry_run: bool = False,
    transport: Any = None,
) -> list[Outcome]:
    """Poll every feed once; write what is new and on topic into the corpus (unless
    ``dry_run``). The caller builds the index once afterwards."""
    outcomes: list[Outcome] = []
    for feed in store.feeds():
        outcomes += _poll_feed(store, settings, rule, feed, dry_run, transport)
    return outcomes


def _poll_feed(
    store: FeedStore,
    settings: Settings,
    rule: TopicRule,
    feed: Feed,
    dry_run: bool,
    transport: Any,
) -> list[Outcome]:
    label = feed.name or feed.url
    etag, modified = store.validators(feed.id)
    try:
        fetched = fetch(
            feed.url,
            max_bytes=settings.max_download_bytes,
            timeout=settings.fetch_timeout,
            allow_private=settings.allow_private_urls,
            transport=transport,
            etag=None if dry_run else etag,
            last_modified=None if dry_run else modified,
        )
        if fetched.status == 304:
            if not dry_run:
                store.polled(feed.id, "not modified", etag, modified)
            return []
        entries = parse_feed(fetched.body, feed.url)
    except SourceError as error:
        if not dry_run:
            store.polled(feed.id, f"failed: {error}", etag, modified)
        return [Outcome(label, "", feed.url, "failed", str(error))]
    outcomes = []
    for entry in entries:
        if store.seen(feed.id, entry.key, entry.link):
            continue
        outcome = _take(entry.title, entry.link, entry.published, label, settings, rule, dry_run)
        outcomes.append(outcome)
        if not dry_run:
            store.record(feed.id, entry.key, outcome)
    if not dry_run:
        store.polled(feed.id, f"ok: {len(entries)} entries", fetched.etag, fetched.last_modified)
    return outcomes


def _take(
    title: str,
    link: str | None,
    published: str | None,
    label: str,
    settings: Settings,
    rule: TopicRule,
    dry_run: bool,
) -> Outcome:
    def said(outcome: str, reason: str, **more: Any) -> Outcome:
        return Outcome(label, title or (link or ""), link, outcome, reason, **more)

    if not link:
        return said("skipped", "the entry has no link")
    try:
        prepared = prepare(link, settings)
    except SourceError as error:
        return said("failed", str(error))
    article = prepared.article
    if published and not article.published:  # the feed's date where the page gives none
        article = dataclasses.replace(article, published=published)
        prepared = Prepared(article, prepared.via)
    missing = rule.missing(article)
    if missing:
        return said("skipped", f"off topic: mentions no {' and no '.join(missing)}")
    existing = duplicate_of(article, settings)
    if existing is not None:
        return said("skipped", f"already in the corpus as {existing}")
    if dry_run:
        return said("taken", "would be added", prepared=prepared)
    path = write(prepared, settings, dt.date.today())
    return said("taken", "added", file=path.name, prepared=prepared)
