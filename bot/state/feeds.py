"""Feeds followed, what each poll took or skipped and why, and who subscribes."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.state.database import Database
from index import CitebotError, shorten

MAX_ATTEMPTS = 4  # tries of an entry that fails: the first, then three more, further apart


@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    name: str | None
    polled_at: float | None
    status: str | None
    taken: int
    skipped: int
    failed: int = 0  # entries that failed, whether or not they will be tried again
    retrying: int = 0  # of those, the ones a later poll tries again
    deferred: int = 0  # entries the last poll left for later polls (over its cap)

    @property
    def tally(self) -> str:
        """What the feed's entries came to: "3 taken, 2 skipped, 1 failed (1 to retry)"."""
        retrying = f" ({self.retrying} to retry)" if self.retrying else ""
        deferred = f", {self.deferred:,} waiting" if self.deferred else ""
        return (
            f"{self.taken} taken, {self.skipped} skipped, {self.failed} failed{retrying}{deferred}"
        )


@dataclass(frozen=True)
class Entry:
    """What a poll did with one entry of a feed."""

    link: str | None
    title: str
    outcome: str  # taken, skipped, failed
    reason: str
    file: str | None


@dataclass(frozen=True)
class Tried:
    """An entry a poll has tried: how it went, how often, and when to try it again."""

    outcome: str
    attempts: int
    retry_at: float | None  # None: never again (taken, skipped, or failed too often)

    def due(self, now: float) -> bool:
        return self.retry_at is not None and self.retry_at <= now


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
                "count(e.key) FILTER (WHERE e.outcome = 'skipped'), "
                "count(e.key) FILTER (WHERE e.outcome = 'failed'), "
                "count(e.key) FILTER (WHERE e.outcome = 'failed' AND e.retry_at IS NOT NULL), "
                "f.deferred "
                "FROM feeds f LEFT JOIN feed_entries e ON e.feed_id = f.id "
                "GROUP BY f.id, f.url, f.name, f.polled_at, f.status, f.deferred ORDER BY f.id"
            ).fetchall()
        return [Feed(*row) for row in rows]

    def log(self, limit: int = 100) -> list[tuple[float, str, str, str, str]]:
        """(when, feed, outcome, title, reason), newest first: what each entry came to, a
        failed one with its tries, and what the last poll of each feed deferred."""
        with self._db.transaction() as tx:
            rows = tx.execute(
                "SELECT e.seen_at, coalesce(f.name, f.url), e.outcome, e.title, e.reason, "
                "e.attempts, e.retry_at "
                "FROM feed_entries e JOIN feeds f ON f.id = e.feed_id "
                "ORDER BY e.seen_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
            deferring = tx.execute(
                "SELECT polled_at, coalesce(name, url), deferred FROM feeds "
                "WHERE deferred > 0 AND polled_at IS NOT NULL"
            ).fetchall()
        logged = [
            (
                float(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                _reason(str(r[4]), str(r[2]), int(r[5]), None if r[6] is None else float(r[6])),
            )
            for r in rows
        ]
        logged += [
            (float(r[0]), str(r[1]), "deferred", f"{int(r[2]):,} entries", DEFERRED)
            for r in deferring
        ]
        return sorted(logged, key=lambda row: row[0], reverse=True)[:limit]

    def tried(self, feed_id: int) -> dict[str, Tried]:
        """Every entry of the feed a poll has tried, by its key."""
        with self._db.transaction() as tx:
            rows = tx.execute(
                "SELECT key, outcome, attempts, retry_at FROM feed_entries WHERE feed_id = ?",
                (feed_id,),
            ).fetchall()
        return {
            str(r[0]): Tried(str(r[1]), int(r[2]), None if r[3] is None else float(r[3]))
            for r in rows
        }

    def taken_links(self) -> set[str]:
        """The links of every entry any feed took (the same article in two feeds)."""
        with self._db.transaction() as tx:
            rows = tx.execute(
                "SELECT DISTINCT link FROM feed_entries "
                "WHERE outcome = 'taken' AND link IS NOT NULL"
            ).fetchall()
        return {str(r[0]) for r in rows}

    def record(
        self,
        feed_id: int,
        key: str,
        entry: Entry,
        attempts: int = 1,
        retry_at: float | None = None,
    ) -> None:
        """What a poll did with an entry, on its ``attempts``-th try; a failed one is tried
        again after ``retry_at`` (a time), or never where that is None."""
        with self._db.transaction(write=True) as tx:
            tx.execute(
                "INSERT INTO feed_entries "
                "(feed_id, key, link, title, outcome, reason, file, seen_at, attempts, retry_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, key) DO UPDATE SET "
                "link = excluded.link, title = excluded.title, outcome = excluded.outcome, "
                "reason = excluded.reason, file = excluded.file, seen_at = excluded.seen_at, "
                "attempts = excluded.attempts, retry_at = excluded.retry_at",
                (feed_id, key, entry.link, entry.title, entry.outcome, entry.reason,
                 entry.file, time.time(), attempts, retry_at),
            )  # fmt: skip

    def polled(
        self,
        feed_id: int,
        status: str,
        etag: str | None,
        modified: str | None,
        deferred: int = 0,
    ) -> None:
        """The outcome of a poll of the feed, and how many entries it left for later."""
        with self._db.transaction(write=True) as tx:
            tx.execute(
                "UPDATE feeds SET polled_at = ?, status = ?, etag = ?, last_modified = ?, "
                "deferred = ? WHERE id = ?",
                (time.time(), status, etag, modified, deferred, feed_id),
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


DEFERRED = "left for later polls: a poll takes a feed's newest entries up to its cap"


def _reason(reason: str, outcome: str, attempts: int, retry_at: float | None) -> str:
    """A failed entry's reason, with its tries and when the next is due."""
    if outcome != "failed":
        return reason
    tries = f"{attempts} of {MAX_ATTEMPTS} tries"
    if retry_at is None:
        return f"{reason}; {tries}, not tried again"
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(retry_at))
    return f"{reason}; {tries}, next after {when} UTC"
