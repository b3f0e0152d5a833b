"""The bot's state: the same behaviour on SQLite and PostgreSQL (the ``bot_state`` fixture runs
each test on both), then what only replicas sharing PostgreSQL can do, and its faults."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.state import BotState, StateError, limits, postgres, questions
from bot.state.postgres import PostgresDatabase
from bot.state.schema import LATEST
from bot.state.sqlite import SqliteDatabase
from tests.helpers import RUN_DIR
from tests.pgserver import PgServer

# -- on both databases ------------------------------------------------------------------------


def test_questions_votes_and_gaps_are_kept(bot_state: BotState) -> None:
    unanswered = bot_state.record_question(7, 70, "Kilimanjaro altitude", False, 12.0)
    voted = bot_state.record_question(7, 70, "crude oil", True, 30.0)
    bot_state.record_feedback(voted, 7, 1)
    bot_state.record_feedback(voted, 7, -1)  # a later vote replaces the earlier
    bot_state.record_feedback(voted, 8, -1)
    assert bot_state.flush(10)
    stats = bot_state.stats()
    assert (stats.questions, stats.unanswered, stats.thumbs_up, stats.thumbs_down) == (2, 1, 0, 2)
    assert stats.p95_ms == 30.0
    gaps = bot_state.gaps()
    assert [(g.question_id, g.answered, g.down_votes) for g in gaps] == [
        (voted, True, 2),
        (unanswered, False, 0),
    ]
    (day,) = bot_state.daily()
    assert (day.questions, day.answered, day.up, day.down) == (2, 0.5, 0, 2)
    assert day.day == time.strftime("%Y-%m-%d", time.gmtime())
    assert bot_state.question(voted) is not None and bot_state.failed_writes == 0


class Clock:
    """Stands in for the `time` module of `bot.state.questions`: sleeping moves it on."""

    def __init__(self) -> None:
        self.now = time.time()
        self.slept = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def test_a_question_is_found_by_another_process_and_a_forged_id_is_not(
    bot_state: BotState, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = bot_state.record_question(7, 70, "Baku <b>port</b>", True, 5.0)
    bot_state.flush(10)
    other = _reopen(bot_state)
    try:
        found = other.question(asked)  # not in this process's memory: read from the database
        assert found is not None and (found.text, found.chat_id) == ("Baku <b>port</b>", 70)
        clock = Clock()
        monkeypatch.setattr(questions, "time", clock)
        assert other.question(asked + 1) is None
        assert other.question(2**62) is None  # a forged id from the far future
        # A replica waits for a question still on its way, a few seconds at most, never
        # until the time a forged id names; one process has nothing on its way.
        fresh = questions.FRESH_MS / 1000
        assert clock.slept <= 2 * fresh + 0.2 if bot_state.shared else clock.slept == 0
    finally:
        other.close()


def test_the_rate_limit_counts_each_user_in_a_window(bot_state: BotState) -> None:
    limits = bot_state.limits
    assert [limits.wait(1, 2) for _ in range(2)] == [0, 0]
    assert 55 < limits.wait(1, 2) <= 60
    assert limits.wait(2, 2) == 0  # others are not affected


def test_previews_are_taken_once(bot_state: BotState) -> None:
    token = bot_state.previews.keep('{"x": 1}', 42)
    assert bot_state.previews.take(token) == ('{"x": 1}', 42)
    assert bot_state.previews.take(token) is None
    assert bot_state.previews.take("forged") is None


def test_a_job_takes_one_turn_an_interval(bot_state: BotState) -> None:
    with bot_state.jobs.turn("poll", every=60) as mine:
        assert mine
    with bot_state.jobs.turn("poll", every=60) as mine:
        assert not mine  # ran moments ago
    with bot_state.jobs.turn("other", every=60) as mine:
        assert mine


def test_feeds_and_subscribers_are_kept(bot_state: BotState) -> None:
    feeds = bot_state.feeds
    feeds.add("https://example.org/feed", "wire")
    with pytest.raises(Exception, match="followed already"):
        feeds.add("https://example.org/feed", None)
    assert feeds.subscribe(5) and not feeds.subscribe(5)
    assert feeds.subscribers() == [5]
    assert feeds.unsubscribe(5) and feeds.subscribers() == []
    assert feeds.remove("wire") and feeds.feeds() == []


def test_reopening_migrates_nothing_twice(bot_state: BotState) -> None:
    bot_state.record_question(1, 1, "q", True, 1.0)
    bot_state.flush(10)
    other = _reopen(bot_state)
    try:
        assert other.stats().questions == 1
    finally:
        other.close()


# -- SQLite files from before schema versions; schemas newer than the code -----------------

OLD_SCHEMA = """
CREATE TABLE questions (id INTEGER PRIMARY KEY AUTOINCREMENT, asked_at REAL NOT NULL,
    user_id INTEGER, chat_id INTEGER, text TEXT NOT NULL, answered INTEGER NOT NULL,
    latency_ms REAL NOT NULL);
CREATE TABLE feedback (question_id INTEGER NOT NULL REFERENCES questions (id),
    user_id INTEGER NOT NULL, vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    given_at REAL NOT NULL, PRIMARY KEY (question_id, user_id));
INSERT INTO questions VALUES (5, 1000.0, 1, 1, 'an old question', 0, 10.0);
"""


def test_a_state_file_from_before_versions_is_migrated_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite"
    with sqlite3.connect(path) as old:
        old.executescript(OLD_SCHEMA)
    state = BotState.sqlite(path, recover=False)
    try:
        assert state.stats().questions == 1 and state.gaps()[0].text == "an old question"
        state.feeds.subscribe(3)
        assert state.previews.take(state.previews.keep("p", 1)) == ("p", 1)
    finally:
        state.close()
    with sqlite3.connect(path) as migrated:
        assert migrated.execute("SELECT version FROM schema_version").fetchall() == [(LATEST,)]


def test_a_schema_newer_than_the_code_is_a_clear_error_and_is_left_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite"
    with sqlite3.connect(path) as newer:
        newer.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        newer.execute("INSERT INTO schema_version VALUES (?)", (LATEST + 1,))
    with pytest.raises(StateError, match=r"newer than this citebot knows.*upgrade citebot"):
        BotState.sqlite(path)  # even where a damaged file would be moved aside
    assert path.exists() and not list(tmp_path.glob("*.damaged-*"))


def test_a_failed_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite"
    with sqlite3.connect(path) as clash:  # a table in the way of migration 2
        clash.execute("CREATE TABLE jobs (something_else TEXT)")
        clash.execute("CREATE TABLE rate_events (x TEXT)")
    with pytest.raises(StateError):
        SqliteDatabase.open(path, recover=False)
    with sqlite3.connect(path) as after:
        tables = {r[0] for r in after.execute("SELECT name FROM sqlite_master")}
    assert "questions" not in tables and "schema_version" not in tables  # rolled back


def test_postgres_newer_schema_is_refused(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        admin.execute("INSERT INTO schema_version VALUES (%s)", (LATEST + 5,))
    with pytest.raises(StateError, match=f"schema version {LATEST + 5}"):
        PostgresDatabase(pg_url)


def test_an_unreachable_postgres_is_a_clear_error_without_the_password() -> None:
    url = "postgresql://citebot:hunter2@127.0.0.1:1/citebot"
    with pytest.raises(StateError, match="can't reach") as raised:
        PostgresDatabase(url, wait=1)
    assert "hunter2" not in str(raised.value)


# -- replicas sharing PostgreSQL ----------------------------------------------------------


@pytest.fixture
def replicas(pg_url: str) -> Iterator[tuple[BotState, BotState]]:
    """Two processes' worth of state over one database: two pools, two listeners."""
    one, two = BotState(PostgresDatabase(pg_url)), BotState(PostgresDatabase(pg_url))
    yield one, two
    one.close()
    two.close()


def test_replicas_share_one_rate_limit(replicas: tuple[BotState, BotState]) -> None:
    one, two = replicas
    assert one.limits.wait(9, 3) == 0 and two.limits.wait(9, 3) == 0
    assert one.limits.wait(9, 3) == 0
    assert two.limits.wait(9, 3) > 0 and one.limits.wait(9, 3) > 0


def test_replicas_counting_at_once_let_exactly_the_limit_through(
    replicas: tuple[BotState, BotState],
) -> None:
    one, two = replicas
    results: list[float] = []
    lock = threading.Lock()

    def ask(state: BotState) -> None:
        for _ in range(5):
            found = state.limits.wait(11, 6)
            with lock:
                results.append(found)

    threads = [threading.Thread(target=ask, args=(s,)) for s in (one, two, one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for r in results if r == 0) == 6 and len(results) == 20


def test_a_job_runs_on_one_replica_while_the_other_waits_its_turn(
    replicas: tuple[BotState, BotState],
) -> None:
    one, two = replicas
    with one.jobs.turn("feed-poll", every=60) as first, two.jobs.turn("feed-poll", 0) as second:
        assert first and not second  # held by the first: not even a zero interval runs
    with two.jobs.turn("feed-poll", every=60) as later:
        assert not later  # the first ran it within the interval


def test_a_preview_kept_by_one_replica_is_taken_by_the_other(
    replicas: tuple[BotState, BotState],
) -> None:
    one, two = replicas
    token = one.previews.keep("article", 1)
    assert two.previews.take(token) == ("article", 1) and one.previews.take(token) is None


def test_an_announced_index_version_reaches_the_other_replica(
    replicas: tuple[BotState, BotState],
) -> None:
    one, two = replicas
    heard: list[str | None] = []
    ready = threading.Event()

    def listener(version: str | None) -> None:
        heard.append(version)
        ready.set()

    two.listen(listener)
    assert ready.wait(10) and heard == [None]  # on connecting: look, a notice may be missed
    one.announce("20261201T000000-abcd")
    deadline = time.monotonic() + 10
    while "20261201T000000-abcd" not in heard and time.monotonic() < deadline:
        time.sleep(0.05)
    assert heard[-1] == "20261201T000000-abcd"


# -- faults: PostgreSQL stopped and started mid-run -----------------------------------------


def test_while_postgres_is_down_answers_flow_and_records_wait_for_it(
    own_server: PgServer,
) -> None:
    state = BotState(PostgresDatabase(own_server.new_database()))
    heard: list[str | None] = []
    state.listen(heard.append)
    try:
        # The listener connects in its own thread: stopped before it did, it would connect
        # only once, after the restart, and the reconnection below would go unseen.
        deadline = time.monotonic() + 30
        while not heard and time.monotonic() < deadline:
            time.sleep(0.05)
        assert heard == [None]
        before = state.record_question(1, 1, "before", True, 1.0)
        assert state.flush(10)
        own_server.stop()
        during = [state.record_question(1, 1, f"during {n}", True, 1.0) for n in range(3)]
        assert rate_check(state) == 0  # counted in memory meanwhile
        assert state.question(during[0]) is not None  # this process's own, from memory
        with pytest.raises(StateError):
            state.stats()
        assert not state.flush(1)  # the writer is waiting for the server
        deadline = time.monotonic() + 15
        while state.writable() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not state.writable()  # the writer found the server gone
        with pytest.raises(StateError, match="away"):
            state.record_feedback(before, 1, 1)  # "try again", not a vote lost
        assert rate_check(state) == 0
        own_server.start()
        assert state.flush(60)  # written once the server is back
        stats = state.stats()
        assert stats.questions == 4 and state.failed_writes == 0
        state.record_feedback(before, 1, 1)
        assert state.flush(10) and state.stats().thumbs_up == 1
        # The listener tries again at most every 10 s: a bound for a loaded machine, not a race.
        deadline = time.monotonic() + 90
        while heard.count(None) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert heard.count(None) >= 2  # the listener reconnected, and looked again
    finally:
        state.close()


def rate_check(state: BotState) -> float:
    """A rate check while the database is away: it may try the database, but gives up within
    `limits.WAIT_SECONDS` (the bound allows a loaded machine eight times that, and is far
    below the pool's own wait for a connection, which a check must never sit out)."""
    started = time.monotonic()
    found = state.limits.wait(1, 100)
    assert time.monotonic() - started < limits.WAIT_SECONDS * 8 < postgres.WAIT_SECONDS
    return found


def _reopen(state: BotState) -> BotState:
    from tests.conftest import reopen

    return reopen(state)


def test_stopping_while_postgres_is_down_counts_what_is_lost_and_returns(
    own_server: PgServer,
) -> None:
    state = BotState(PostgresDatabase(own_server.new_database()))
    state.record_question(1, 1, "written", True, 1.0)
    assert state.flush(10)
    own_server.stop()
    for n in range(5):
        state.record_question(1, 1, f"lost {n}", True, 1.0)
    closing = threading.Thread(target=state.close, kwargs={"timeout": 1})
    closing.start()
    closing.join(60)  # it gives up on the records after its timeout, not the server's
    assert not closing.is_alive()
    assert state.failed_writes == 5
    own_server.start()


def test_the_cli_reads_and_writes_the_state_on_postgres(pg_url: str, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")},
        "CITEBOT_DATABASE_URL": pg_url,
        "CITEBOT_STATE_DIR": str(tmp_path / "unused"),
        "CITEBOT_ALLOW_PRIVATE_URLS": "1",
    }

    def citebot(*args: str, **more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            capture_output=True, text=True, env={**env, **more}, cwd=RUN_DIR, check=False,
        )  # fmt: skip

    assert citebot("feeds", "add", "http://127.0.0.1:9/feed.xml", "--name", "wire").returncode == 0
    listed = citebot("feeds", "list")
    assert "wire" in listed.stdout and not (tmp_path / "unused").exists()
    state = BotState(PostgresDatabase(pg_url))
    state.record_question(1, 1, "Kilimanjaro altitude", False, 3.0)
    state.close()
    assert "unanswered  Kilimanjaro altitude" in citebot("feedback").stdout
    away = citebot("feedback", CITEBOT_DATABASE_URL="postgresql://u:pa55word@127.0.0.1:1/x")
    assert away.returncode == 1 and "Traceback" not in away.stderr
    assert "can't reach the bot's state database" in away.stderr and "pa55word" not in away.stderr


def test_old_rate_counts_are_pruned(replicas: tuple[BotState, BotState]) -> None:
    one, _ = replicas
    one.limits.window = 0.2
    one.limits.wait(1, 5)
    one.limits.wait(2, 5)
    time.sleep(0.3)
    one.limits.prune()
    with one.db.transaction() as tx:
        assert tx.execute("SELECT count(*) FROM rate_events").fetchone()[0] == 0
