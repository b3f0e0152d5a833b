"""Feeds: which ones are followed, what each poll took or skipped and why, who subscribes.

Kept with the bot's state (`bot.state.FeedStore`). A poll fetches each feed
with a conditional GET, takes each entry it has not seen (by the entry's id within the feed,
and by link across feeds and the corpus), fetches the page, keeps it only when it is on topic
(`index.ingest.topic`), writes it into the corpus, and leaves the build to the caller: one
build per batch. Runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.state import Entry, Feed, FeedStore
from index.errors import SourceError
from index.ingest.add import Prepared, duplicate_of, prepare, write
from index.ingest.feeds import parse_feed
from index.ingest.fetch import fetch
from index.ingest.topic import TopicRule
from index.settings import Settings


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

    def entry(self) -> Entry:
        return Entry(self.link, self.title, self.outcome, self.reason, self.file)


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
            store.record(feed.id, entry.key, outcome.entry())
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
