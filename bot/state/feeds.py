"""Feeds followed, what each poll took or skipped and why, and who subscribes."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.state.database import Database
from index.errors import CitebotError
from index.text.sanitize import shorten


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
class Entry:
    """What a poll did with one entry of a feed."""

    link: str | None
    title: str
    outcome: str  # taken, skipped, failed
    reason: str
    file: str | None


class FeedStore:
    """The feed tables of the bot's state database; safe from several threads.

    Raises:
        The database's errors, where it can't be reached (callers run in worker threads and
        report them).
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, url: str, name: str | None) -> None:
        """Raises CitebotError where the feed is followed already."""
        with self._db.transaction(write=True) as tx:
            added = tx.execute(
                "INSERT INTO feeds (url, name) VALUES (?, ?) ON CONFLICT (url) DO NOTHING",
                (url, name),
            ).rowcount
        if not added:
            raise CitebotError(f"{shorten(url)} is followed already")

    def remove(self, url_or_name: str) -> bool:
        with self._db.transaction(write=True) as tx:
            tx.execute(
                "DELETE FROM feed_entries WHERE feed_id IN "
                "(SELECT id FROM feeds WHERE url = ? OR name = ?)",
                (url_or_name, url_or_name),
            )
            removed = tx.execute(
                "DELETE FROM feeds WHERE url = ? OR name = ?", (url_or_name, url_or_name)
            ).rowcount
        return removed > 0

    def feeds(self) -> list[Feed]:
        with self._db.transaction() as tx:
            rows = tx.execute(
                "SELECT f.id, f.url, f.name, f.polled_at, f.status, "
                "count(e.key) FILTER (WHERE e.outcome = 'taken'), "
                "count(e.key) FILTER (WHERE e.outcome != 'taken') "
                "FROM feeds f LEFT JOIN feed_entries e ON e.feed_id = f.id "
                "GROUP BY f.id, f.url, f.name, f.polled_at, f.status ORDER BY f.id"
            ).fetchall()
        return [Feed(*row) for row in rows]

    def log(self, limit: int = 100) -> list[tuple[float, str, str, str, str]]:
        """(when, feed, outcome, title, reason), newest first."""
        with self._db.transaction() as tx:
            rows = tx.execute(
                "SELECT e.seen_at, coalesce(f.name, f.url), e.outcome, e.title, e.reason "
                "FROM feed_entries e JOIN feeds f ON f.id = e.feed_id "
                "ORDER BY e.seen_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [(float(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]

    def seen(self, feed_id: int, key: str, link: str | None) -> bool:
        with self._db.transaction() as tx:
            found = tx.execute(
                "SELECT 1 FROM feed_entries WHERE (feed_id = ? AND key = ?) "
                "OR (link IS NOT NULL AND link = ? AND outcome = 'taken')",
                (feed_id, key, link),
            ).fetchone()
        return found is not None

    def record(self, feed_id: int, key: str, entry: Entry) -> None:
        with self._db.transaction(write=True) as tx:
            tx.execute(
                "INSERT INTO feed_entries "
                "(feed_id, key, link, title, outcome, reason, file, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, key) DO UPDATE SET "
                "link = excluded.link, title = excluded.title, outcome = excluded.outcome, "
                "reason = excluded.reason, file = excluded.file, seen_at = excluded.seen_at",
                (feed_id, key, entry.link, entry.title, entry.outcome, entry.reason,
                 entry.file, time.time()),
            )  # fmt: skip

    def polled(self, feed_id: int, status: str, etag: str | None, modified: str | None) -> None:
        with self._db.transaction(write=True) as tx:
            tx.execute(
                "UPDATE feeds SET polled_at = ?, status = ?, etag = ?, last_modified = ? "
                "WHERE id = ?",
                (time.time(), status, etag, modified, feed_id),
            )

    def validators(self, feed_id: int) -> tuple[str | None, str | None]:
        with self._db.transaction() as tx:
            row = tx.execute(
                "SELECT etag, last_modified FROM feeds WHERE id = ?", (feed_id,)
            ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def subscribe(self, chat_id: int) -> bool:
        with self._db.transaction(write=True) as tx:
            return (
                tx.execute(
                    "INSERT INTO subscribers (chat_id, since) VALUES (?, ?) "
                    "ON CONFLICT (chat_id) DO NOTHING",
                    (chat_id, time.time()),
                ).rowcount
                > 0
            )

    def unsubscribe(self, chat_id: int) -> bool:
        with self._db.transaction(write=True) as tx:
            return tx.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,)).rowcount > 0

    def subscribers(self) -> list[int]:
        with self._db.transaction() as tx:
            return [int(r[0]) for r in tx.execute("SELECT chat_id FROM subscribers").fetchall()]
