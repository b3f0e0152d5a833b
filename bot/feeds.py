"""Feeds: which ones are followed, what each poll took or skipped and why, who subscribes.

Kept with the bot's state (`bot.state.FeedStore`). A poll reads every feed at once, each in
a worker thread of its own, so a slow or hostile feed holds up only itself: each feed is
fetched with a conditional GET, and of the entries it has not tried (by the entry's id within
the feed, and by link across feeds) the newest `Settings.feed_entries` are fetched within the
feed's time budget; the rest wait for later polls. Then, one feed after the other, each page
is kept only when it is on topic (`index.ingest.topic`) and new to the corpus, and written
into it. An entry that fails, whatever the failure, is recorded as failed with its reason and
tried again on later polls, further apart each time, `MAX_ATTEMPTS` times in all. The build is
left to the caller: one build per batch. Runs in worker threads, never on the event loop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bot.state import Entry, Feed, FeedStore
from bot.state.feeds import MAX_ATTEMPTS, Tried
from index import (
    CitebotError,
    FeedEntry,
    Prepared,
    Settings,
    SourceError,
    TopicRule,
    duplicate_of,
    failure,
    fetch,
    parse_feed,
    prepare,
    write,
)

WORKERS = 8  # feeds read at once
BUDGET = 6  # a feed's time in one poll, in fetch timeouts; entries not reached by then wait


@dataclass(frozen=True)
class Outcome:
    """What a poll did with one entry (or with a whole feed, where ``title`` is empty)."""

    feed: str
    title: str
    link: str | None
    outcome: str  # taken, skipped, failed; for a whole feed also deferred
    reason: str
    file: str | None = None
    prepared: Prepared | None = None

    def entry(self) -> Entry:
        return Entry(self.link, self.title, self.outcome, self.reason, self.file)


@dataclass(frozen=True)
class _Fetched:
    """One entry as read in a feed's worker: its page's article, or why there is none."""

    entry: FeedEntry
    attempt: int
    prepared: Prepared | None = None
    failed: str | None = None  # the reason, where the page could not be had


@dataclass(frozen=True)
class _Read:
    """A feed as its worker read it."""

    feed: Feed
    fetched: list[_Fetched]
    status: str
    etag: str | None
    modified: str | None
    deferred: int = 0
    failed: str | None = None  # why the feed itself could not be read

    @classmethod
    def failure(cls, feed: Feed, reason: str, etag: str | None, modified: str | None) -> _Read:
        return cls(feed, [], f"failed: {reason}", etag, modified, failed=reason)


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
    feeds = store.feeds()
    if not feeds:
        return []
    job = _Poll(store, settings, store.taken_links(), dry_run, transport)
    with ThreadPoolExecutor(min(WORKERS, len(feeds)), thread_name_prefix="feed") as pool:
        reads = list(pool.map(lambda feed: _read_safely(job, feed), feeds))
    outcomes: list[Outcome] = []
    for read in reads:
        outcomes += _settle(store, settings, rule, read, dry_run)
    return outcomes


@dataclass(frozen=True)
class _Poll:
    """What every feed's worker reads with."""

    store: FeedStore
    settings: Settings
    taken: set[str]  # links any feed took before
    dry_run: bool
    transport: Any


def _read_safely(job: _Poll, feed: Feed) -> _Read:
    """`_read`, where any failure is the feed's own: the other feeds go on."""
    try:
        return _read(job, feed)
    except Exception as error:  # a database or parser failure: this feed's, not the poll's
        return _Read.failure(feed, _said(error), None, None)


def _said(error: Exception) -> str:
    return str(error) if isinstance(error, CitebotError) else failure(error)


def _read(job: _Poll, feed: Feed) -> _Read:
    store, settings, transport, dry_run = job.store, job.settings, job.transport, job.dry_run
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
            return _Read(feed, [], "not modified", etag, modified)
        entries = parse_feed(fetched.body, feed.url)
    except SourceError as error:
        return _Read.failure(feed, str(error), etag, modified)
    due = _due(entries, store.tried(feed.id), job.taken, time.time())
    ends = time.monotonic() + BUDGET * settings.fetch_timeout
    read: list[_Fetched] = []
    for entry, attempt in due[: settings.feed_entries]:
        if time.monotonic() >= ends:
            break
        read.append(_fetch_entry(entry, attempt, settings, transport))
    deferred = len(due) - len(read)  # over the cap, or not reached within the budget
    status = f"ok: {len(entries)} entries" + (
        f"; {deferred:,} left for later polls" if deferred else ""
    )
    return _Read(feed, read, status, fetched.etag, fetched.last_modified, deferred)


def _due(
    entries: list[FeedEntry], tried: dict[str, Tried], taken: set[str], now: float
) -> list[tuple[FeedEntry, int]]:
    """The entries to try now, newest first (undated ones in the feed's order, after the
    dated), each with the number of its try: never tried, or failed and due again."""
    due = []
    for entry in sorted(entries, key=lambda e: e.published or "", reverse=True):
        before = tried.get(entry.key)
        if before is not None and not before.due(now):
            continue
        if entry.link is not None and entry.link in taken:
            continue
        due.append((entry, before.attempts + 1 if before else 1))
    return due


def _fetch_entry(entry: FeedEntry, attempt: int, settings: Settings, transport: Any) -> _Fetched:
    if not entry.link:
        return _Fetched(entry, attempt)
    try:
        return _Fetched(entry, attempt, prepared=prepare(entry.link, settings, transport))
    except CitebotError as error:
        return _Fetched(entry, attempt, failed=str(error))
    except Exception as error:  # whatever else reading this page raised is its failure alone
        return _Fetched(entry, attempt, failed=f"can't be read ({failure(error)})")


def _settle(
    store: FeedStore, settings: Settings, rule: TopicRule, read: _Read, dry_run: bool
) -> list[Outcome]:
    """Take, skip or fail each entry a feed's worker read, record it, and the feed's poll."""
    label = read.feed.name or read.feed.url
    outcomes = []
    if read.failed is not None:
        outcomes.append(Outcome(label, "", read.feed.url, "failed", read.failed))
    for item in read.fetched:
        try:
            outcome = _take(item, label, settings, rule, dry_run)
        except Exception as error:  # writing failed (a full disk): this entry's failure
            outcome = Outcome(label, item.entry.title, item.entry.link, "failed", _said(error))
        outcomes.append(outcome)
        if not dry_run:
            store.record(
                read.feed.id,
                item.entry.key,
                outcome.entry(),
                item.attempt,
                _retry_at(outcome, item.attempt, settings),
            )
    if read.deferred:
        outcomes.append(
            Outcome(
                label,
                "",
                read.feed.url,
                "deferred",
                f"{read.deferred:,} entries left for later polls (at most "
                f"{settings.feed_entries} a poll, newest first)",
            )
        )
    if not dry_run:
        store.polled(read.feed.id, read.status, read.etag, read.modified, read.deferred)
    return outcomes


def _retry_at(outcome: Outcome, attempt: int, settings: Settings) -> float | None:
    """When a failed entry is tried again: after ``feed_retry`` seconds, twice as long after
    each failure, until `MAX_ATTEMPTS`; never for what did not fail."""
    if outcome.outcome != "failed" or attempt >= MAX_ATTEMPTS:
        return None
    return time.time() + settings.feed_retry * float(2 ** (attempt - 1))


def _take(
    item: _Fetched, label: str, settings: Settings, rule: TopicRule, dry_run: bool
) -> Outcome:
    title, link = item.entry.title, item.entry.link

    def said(outcome: str, reason: str, **more: Any) -> Outcome:
        return Outcome(label, title or (link or ""), link, outcome, reason, **more)

    if not link:
        return said("skipped", "the entry has no link")
    if item.prepared is None:
        return said("failed", item.failed or "not fetched")
    prepared = item.prepared
    article = prepared.article
    published = item.entry.published
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
