"""What the bot remembers across restarts: questions asked, answers given, feedback.

Writes never hold up an answer: they go to a queue that one thread writes to SQLite, retrying
while another process holds the database's lock, and a write that still fails is logged and
counted, never shown to a user. Question ids are made here, not by SQLite, so an answer's
buttons carry its id before the question is written, and the latest questions are kept in
memory, so "More" and 👍 work even while the database is busy.
"""

from __future__ import annotations

import logging
import queue
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from index.errors import CitebotError
from index.text.sanitize import clean_text

log = logging.getLogger("citebot.state")
T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at REAL NOT NULL,
    user_id INTEGER,
    chat_id INTEGER,
    text TEXT NOT NULL,
    answered INTEGER NOT NULL,
    latency_ms REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    question_id INTEGER NOT NULL REFERENCES questions (id),
    user_id INTEGER NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    given_at REAL NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
"""
BUSY_SECONDS = 2.0  # how long one statement waits for another process's lock
RETRIES = (0.5, 1, 2, 4, 8)  # pauses between attempts at a write before it is dropped
RECENT = 10_000  # questions kept in memory
STORED_TEXT = 4000  # characters of a question kept


class StateError(CitebotError):
    """The bot's state database can't be read."""


@dataclass(frozen=True)
class Question:
    """A question as the bot recorded it: its text, and the chat it was asked in."""

    text: str
    chat_id: int | None


@dataclass(frozen=True)
class Stats:
    questions: int
    unanswered: int
    p50_ms: float
    p95_ms: float
    thumbs_up: int
    thumbs_down: int


@dataclass(frozen=True)
class Day:
    day: str  # YYYY-MM-DD
    questions: int
    answered: float  # share
    up: int
    down: int


@dataclass(frozen=True)
class Gap:
    """A question the corpus could not answer, or whose answer was voted down."""

    question_id: int
    asked_at: float
    text: str
    answered: bool
    down_votes: int


def new_question_id() -> int:
    """A fresh id, ordered by time: milliseconds since 1970 and 12 random bits (below 2**53,
    so any JSON reader keeps it exact)."""
    return (time.time_ns() // 1_000_000) << 12 | secrets.randbits(12)


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to a readable state database.

    Raises:
        StateError: the file is not a SQLite database, or can't be opened.
    """
    try:
        db = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=BUSY_SECONDS
        )
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript(SCHEMA)
    except sqlite3.Error as error:
        raise StateError(
            f"the bot's state database {path} can't be used ({error}): move it aside to "
            "start a new one"
        ) from None
    return db


class BotState:
    """A small SQLite database, safe to use from the event loop and worker threads.

    `record_question` and `record_feedback` return at once; the other methods read the
    database and may wait for its lock, so the bot calls them in worker threads.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._reader = _connect(path)
        self._writer = _connect(path)
        self._lock = threading.Lock()  # the reader connection's
        self._recent: OrderedDict[int, Question] = OrderedDict()
        self._queue: queue.Queue[Callable[[sqlite3.Connection], object] | None] = queue.Queue()
        self.failed_writes = 0
        self._thread = threading.Thread(target=self._write_loop, name="state-writer", daemon=True)
        self._thread.start()

    @classmethod
    def open_or_recover(cls, path: Path) -> BotState:
        """Open the state database; a damaged one is moved aside (kept, never deleted) and a
        new one started, so a bad file never keeps the bot from answering."""
        try:
            return cls(path)
        except StateError as error:
            aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
            for suffix in ("", "-wal", "-shm"):
                source = Path(f"{path}{suffix}")
                if source.exists():
                    source.rename(Path(f"{aside}{suffix}"))
            log.warning("%s; moved it to %s and started a new one", error, aside.name)
            return cls(path)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued (waiting at most ``timeout`` seconds), then close."""
        self._queue.put(None)
        self._thread.join(timeout)
        with self._lock:
            self._reader.close()

    # -- writes: queued, never waited for ----------------------------------------------------

    def record_question(
        self, user_id: int | None, chat_id: int | None, text: str, answered: bool, ms: float
    ) -> int:
        """Queue a question's record; returns its id at once."""
        question_id = new_question_id()
        text = clean_text(text[:STORED_TEXT])
        with self._lock:
            self._recent[question_id] = Question(text, chat_id)
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        row = (question_id, time.time(), user_id, chat_id, text, int(answered), ms)
        self._queue.put(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO questions "
                "(id, asked_at, user_id, chat_id, text, answered, latency_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        )
        return question_id

    def record_feedback(self, question_id: int, user_id: int, vote: int) -> None:
        """Queue a vote; a user's later vote on the same question replaces the earlier."""
        row = (question_id, user_id, vote, time.time())
        self._queue.put(
            lambda db: db.execute("INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?)", row)
        )

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued write is done or dropped; False on timeout."""
        done = threading.Event()
        self._queue.put(lambda db: done.set())
        return done.wait(timeout)

    def _write_loop(self) -> None:
        while (write := self._queue.get()) is not None:
            for pause in (*RETRIES, None):
                try:
                    write(self._writer)
                    break
                except sqlite3.OperationalError as error:  # locked or busy: try again
                    if pause is None:
                        self._lost(error)
                    else:
                        time.sleep(pause)
                except Exception as error:  # anything else won't go better a second time
                    self._lost(error)
                    break
        self._writer.close()

    def _lost(self, error: Exception) -> None:
        self.failed_writes += 1
        log.error("could not write the bot's state (%s); the record is lost", error)

    # -- reads: may wait for the database ----------------------------------------------------

    def question(self, question_id: int) -> Question | None:
        """A recorded question, or None where there is no such question.

        Raises:
            StateError: the database can't be read now.
        """
        with self._lock:
            found = self._recent.get(question_id)
        if found is not None:
            return found
        row = self._read(
            lambda db: db.execute(
                "SELECT text, chat_id FROM questions WHERE id = ?", (question_id,)
            ).fetchone()
        )
        return None if row is None else Question(str(row[0]), row[1])

    def stats(self) -> Stats:
        """Raises StateError where the database can't be read now."""
        self.flush(BUSY_SECONDS)

        def read(db: sqlite3.Connection) -> Stats:
            total, unanswered = db.execute(
                "SELECT count(*), coalesce(sum(answered = 0), 0) FROM questions"
            ).fetchone()
            latencies = [
                r[0] for r in db.execute("SELECT latency_ms FROM questions ORDER BY latency_ms")
            ]
            up, down = db.execute(
                "SELECT coalesce(sum(vote = 1), 0), coalesce(sum(vote = -1), 0) FROM feedback"
            ).fetchone()
            return Stats(
                int(total),
                int(unanswered),
                _percentile(latencies, 0.5),
                _percentile(latencies, 0.95),
                int(up),
                int(down),
            )

        return self._read(read)

    def daily(self, days: int = 30) -> list[Day]:
        """Questions, the answered share and votes per day (UTC), for the last ``days`` days
        that saw any, oldest first.

        Raises:
            StateError: the database can't be read now.
        """
        self.flush(BUSY_SECONDS)

        def read(db: sqlite3.Connection) -> list[Day]:
            asked = {
                row[0]: (int(row[1]), float(row[2]))
                for row in db.execute(
                    "SELECT date(asked_at, 'unixepoch'), count(*), avg(answered) FROM questions "
                    "GROUP BY 1"
                )
            }
            votes = {
                row[0]: (int(row[1]), int(row[2]))
                for row in db.execute(
                    "SELECT date(given_at, 'unixepoch'), coalesce(sum(vote = 1), 0), "
                    "coalesce(sum(vote = -1), 0) FROM feedback GROUP BY 1"
                )
            }
            found = sorted(set(asked) | set(votes))[-days:]
            return [Day(d, *asked.get(d, (0, 0.0)), *votes.get(d, (0, 0))) for d in found]

        return self._read(read)

    def gaps(self, limit: int = 100) -> list[Gap]:
        """Unanswered or voted-down questions, newest first.

        Raises:
            StateError: the database can't be read now.
        """
        self.flush(BUSY_SECONDS)
        rows = self._read(
            lambda db: db.execute(
                "SELECT q.id, q.asked_at, q.text, q.answered, "
                "coalesce(sum(f.vote = -1), 0) AS down FROM questions q "
                "LEFT JOIN feedback f ON f.question_id = q.id GROUP BY q.id "
                "HAVING q.answered = 0 OR down > 0 ORDER BY q.asked_at DESC, q.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        )
        return [Gap(r[0], r[1], r[2], bool(r[3]), int(r[4])) for r in rows]

    def _read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        try:
            with self._lock:
                return query(self._reader)
        except sqlite3.Error as error:
            raise StateError(f"the bot's state database can't be read now ({error})") from None


def _percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    return float(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))])
