"""Feeds: polled from a web server the tests run on 127.0.0.1, entries taken or skipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.topic import scores
from bot.feeds import poll
from bot.state import BotState, FeedStore
from index.errors import CitebotError, ConfigError
from index.ingest.topic import TopicRule
from index.settings import Settings
from tests.conftest import REPO, settings_for
from tests.helpers import RUN_DIR, cli_env
from tests.website import Site

RULE = TopicRule.load(REPO / "corpus" / "topic.yaml")


@pytest.fixture
def local(corpus: Path, tmp_path: Path) -> Settings:
    return settings_for(
        corpus, tmp_path / "index", CITEBOT_ALLOW_PRIVATE_URLS="1", CITEBOT_FETCH_TIMEOUT="2"
    )


@pytest.fixture
def store(bot_state: BotState) -> FeedStore:
    """The feed tables, on SQLite and on PostgreSQL in turn."""
    return bot_state.feeds


def test_feeds_poll_takes_new_articles_on_topic_and_says_why_it_skips_the_rest(
    local: Settings, site: Site, store: FeedStore
) -> None:
    store.add(f"{site.url}/feed.xml", "wire")
    outcomes = poll(store, local, RULE)
    said = {o.title: (o.outcome, o.reason) for o in outcomes}
    assert said["China and Azerbaijan sign a solar deal"] == ("taken", "added")
    assert said["Rain in Tbilisi"][0] == "skipped" and "off topic" in said["Rain in Tbilisi"][1]
    assert said["A note without a link"] == ("skipped", "the entry has no link")
    assert (
        said["A story that went away"][0] == "failed"
        and "404" in said["A story that went away"][1]
    )
    written = list(local.corpus_dir.glob("caspian-wire--*.md"))
    assert len(written) == 1 and "published: '2025-05-14'" in written[0].read_text()
    assert poll(store, local, RULE) == []  # the feed answers 304: nothing new, nothing fetched
    (feed,) = store.feeds()
    assert (feed.taken, feed.skipped, feed.failed, feed.status) == (1, 2, 1, "not modified")
    assert feed.retrying == 1  # the page that went away is tried again later
    assert [row[2] for row in store.log()].count("taken") == 1


def test_feeds_the_same_article_in_two_feeds_is_taken_once(
    local: Settings, site: Site, store: FeedStore
) -> None:
    store.add(f"{site.url}/feed.xml", "wire")
    store.add(f"{site.url}/atom.xml", "other")
    outcomes = poll(store, local, RULE)
    taken = [o for o in outcomes if o.outcome == "taken"]
    assert len(taken) == 1
    again = next(o for o in outcomes if o.feed == "other")
    assert again.outcome == "skipped" and "already in the corpus" in again.reason


@pytest.mark.parametrize(
    ("path", "says"), [("/bad-feed", "not an RSS or Atom feed"), ("/empty-feed", "feed is empty")]
)
def test_feeds_malformed_or_empty_feeds_are_reported(
    local: Settings, site: Site, store: FeedStore, path: str, says: str
) -> None:
    store.add(f"{site.url}{path}", None)
    (outcome,) = poll(store, local, RULE)
    assert outcome.outcome == "failed" and says in outcome.reason
    assert says in (store.feeds()[0].status or "")


def test_feeds_dry_run_writes_and_remembers_nothing(
    local: Settings, site: Site, store: FeedStore
) -> None:
    store.add(f"{site.url}/feed.xml", "wire")
    before = sorted(local.corpus_dir.iterdir())
    outcomes = poll(store, local, RULE, dry_run=True)
    assert any(o.reason == "would be added" for o in outcomes)
    assert sorted(local.corpus_dir.iterdir()) == before and store.log() == []


def test_feeds_are_added_once_and_removed_by_name(store: FeedStore) -> None:
    store.add("https://example.org/feed", "ex")
    with pytest.raises(CitebotError, match="followed already"):
        store.add("https://example.org/feed", "again")
    assert store.remove("ex") and not store.remove("ex") and store.feeds() == []


def test_topic_rule_precision_and_recall_on_the_labelled_set() -> None:
    precision, recall, wrong = scores(RULE)
    assert precision >= 0.9 and recall >= 0.9, wrong


def test_topic_rule_that_is_not_a_rule_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "rule.yaml").write_text("names: [China]\n")
    with pytest.raises(ConfigError, match="all_of"):
        TopicRule.load(tmp_path / "rule.yaml")


def test_cli_feeds_poll_then_log(local: Settings, site: Site, tmp_path: Path) -> None:
    glossary = tmp_path / "glossary.yaml"
    glossary.write_text("terms:\n  Sumgayit: [Сумгаит]\n", encoding="utf-8")
    env = cli_env(
        local,
        CITEBOT_ALLOW_PRIVATE_URLS="1",
        CITEBOT_STATE_DIR=str(tmp_path / "s"),
        CITEBOT_TOPIC_RULE=str(REPO / "corpus" / "topic.yaml"),
        CITEBOT_GLOSSARY=str(glossary),
    )

    def citebot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=RUN_DIR,
            timeout=120,
            check=False,
        )

    assert citebot("feeds", "add", f"{site.url}/feed.xml", "--name", "wire").returncode == 0
    dry = citebot("feeds", "poll", "--dry-run")
    assert "taken   wire: China and Azerbaijan sign a solar deal (would be added)" in dry.stdout
    assert "  names without a glossary entry: Hangzhou (add the ones" in dry.stdout  # as add does
    listed = citebot("feeds", "list").stdout
    assert "wire" in listed and "never polled" in listed
    assert citebot("feeds", "remove", "wire").returncode == 0
    assert "no feeds yet" in citebot("feeds", "list").stdout
