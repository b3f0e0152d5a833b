"""Questions asked, answers given and votes: written without holding up an answer.

Writes go to a queue that one thread writes to the database. While the database can't be
reached (locked by another process, or PostgreSQL restarting), the thread keeps each record
and tries again with growing pauses, so records are written when the database is back; only
past `MAX_PENDING` waiting records are new ones dropped, each counted and logged. Question
ids are made here, not by the database, so an answer's buttons carry its id before the
question is written, and the latest questions are kept in memory, so "More" and 👍 under this
process's answers work even while the database is away.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.state.database import Database, StateError, Tx
from index import clean_text

log = logging.getLogger("citebot.state")
T = TypeVar("T")

RECENT = 10_000  # questions kept in memory
STORED_TEXT = 4000  # characters of a question kept
MAX_PENDING = 10_000  # records waiting for the database before new ones are dropped
LONGEST_PAUSE = 5.0  # between attempts at a write while the database is away
READ_SECONDS = 5.0
FRESH_MS = 3000  # a question this young may not have reached the database from its replica


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


Write = Callable[[Tx], object]


class Questions:
    """`record_question` and `record_feedback` return at once; the reads may wait for the
    database, so the bot calls them in worker threads."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._recent: OrderedDict[int, Question] = OrderedDict()
        self._queue: queue.Queue[Write | None] = queue.Queue()
        self._closing = threading.Event()
        self._stuck = threading.Event()  # set while a write waits for the database to be back
        self.failed_writes = 0  # records lost: dropped, refused, or never written
        self._thread = threading.Thread(target=self._write_loop, name="state-writer", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued (waiting at most ``timeout`` seconds); what is left is lost,
        counted and logged."""
        self._queue.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():  # the database is away: what is left is not tried
            self._closing.set()
            self._thread.join()

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
        self._put(
            lambda tx: tx.execute(
                "INSERT INTO questions "
                "(id, asked_at, user_id, chat_id, text, answered, latency_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                row,
            )
        )
        return question_id

    def record_feedback(self, question_id: int, user_id: int, vote: int) -> None:
        """Queue a vote; a user's later vote on the same question replaces the earlier.

        Raises:
            StateError: the database is away now: the user is asked to try again, rather
                than thanked for a vote that may never be written.
        """
        if not self.writable():
            raise StateError("the bot's state database is away; the vote was not taken")
        row = (question_id, user_id, vote, time.time())
        self._put(
            lambda tx: tx.execute(
                "INSERT INTO feedback (question_id, user_id, vote, given_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (question_id, user_id) "
                "DO UPDATE SET vote = excluded.vote, given_at = excluded.given_at",
                row,
            )
        )

    def writable(self) -> bool:
        """Whether records reach the database now (none is waiting for it to come back)."""
        return not self._stuck.is_set()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued write is done or dropped; False on timeout."""
        done = threading.Event()
        self._queue.put(lambda tx: done.set())
        return done.wait(timeout)

    def _put(self, write: Write) -> None:
        if self._queue.qsize() >= MAX_PENDING:
            self._count_lost(1, f"{MAX_PENDING} records are waiting for the database already")
            return
        self._queue.put(write)

    def _write_loop(self) -> None:
        left = 0
        while (write := self._queue.get()) is not None:
            if self._closing.is_set():
                left += 1
                continue
            pause = 0.25
            while True:
                try:
                    with self._db.transaction(write=True, timeout=LONGEST_PAUSE) as tx:
                        write(tx)
                    self._db.worked()
                    self._stuck.clear()
                    break
                except self._db.transient as error:  # away or busy: keep it, try again
                    self._db.failed(error)
                    if self._db.away(error):
                        self._stuck.set()
                    if self._closing.is_set():
                        self._count_lost(1, str(error))
                        break
                    self._closing.wait(pause)
                    pause = min(pause * 2, LONGEST_PAUSE)
                except Exception as error:  # anything else won't go better a second time
                    self._count_lost(1, str(error))
                    break
        if left:
            self._count_lost(left, "the database was away when the bot stopped")

    def _count_lost(self, count: int, why: str) -> None:
        with self._lock:
            before = self.failed_writes
            self.failed_writes += count
        if before == 0 or before // 1000 != self.failed_writes // 1000:  # not once a record
            log.error(
                "lost %d record(s) of the bot's state (%s); %d lost in all",
                count, why, self.failed_writes,
            )  # fmt: skip

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
        # A question asked on another replica a moment ago may still be on its way there.
        now_ms = time.time() * 1000
        deadline = min((question_id >> 12) + FRESH_MS, now_ms + FRESH_MS)  # a forged id too
        while True:
            row = self._read(
                lambda tx: tx.execute(
                    "SELECT text, chat_id FROM questions WHERE id = ?", (question_id,)
                ).fetchone()
            )
            if row is not None:
                return Question(str(row[0]), row[1])
            if not self._db.shared or time.time() * 1000 >= deadline:
                return None
            time.sleep(0.1)

    def stats(self) -> Stats:
        """Raises StateError where the database can't be read now."""
        self.flush(READ_SECONDS)

        def read(tx: Tx) -> Stats:
            total, unanswered = tx.execute(
                "SELECT count(*), count(*) FILTER (WHERE answered = 0) FROM questions"
            ).fetchone()
            latencies = [
                float(r[0])
                for r in tx.execute(
                    "SELECT latency_ms FROM questions ORDER BY latency_ms"
                ).fetchall()
            ]
            up, down = tx.execute(
                "SELECT count(*) FILTER (WHERE vote = 1), count(*) FILTER (WHERE vote = -1) "
                "FROM feedback"
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
        self.flush(READ_SECONDS)
        asked_day, given_day = self._db.day("asked_at"), self._db.day("given_at")

        def read(tx: Tx) -> list[Day]:
            asked = {
                row[0]: (int(row[1]), float(row[2]))
                for row in tx.execute(
                    f"SELECT {asked_day}, count(*), avg(answered) FROM questions GROUP BY 1"
                ).fetchall()
            }
            votes = {
                row[0]: (int(row[1]), int(row[2]))
                for row in tx.execute(
                    f"SELECT {given_day}, count(*) FILTER (WHERE vote = 1), "
                    "count(*) FILTER (WHERE vote = -1) FROM feedback GROUP BY 1"
                ).fetchall()
            }
            found = sorted(set(asked) | set(votes))[-days:]
            return [Day(d, *asked.get(d, (0, 0.0)), *votes.get(d, (0, 0))) for d in found]

        return self._read(read)

    def gaps(self, limit: int = 100) -> list[Gap]:
        """Unanswered or voted-down questions, newest first.

        Raises:
            StateError: the database can't be read now.
        """
        self.flush(READ_SECONDS)
        down = "count(*) FILTER (WHERE f.vote = -1)"
        rows = self._read(
            lambda tx: tx.execute(
                f"SELECT q.id, q.asked_at, q.text, q.answered, {down} FROM questions q "
                "LEFT JOIN feedback f ON f.question_id = q.id "
                "GROUP BY q.id, q.asked_at, q.text, q.answered "
                f"HAVING q.answered = 0 OR {down} > 0 ORDER BY q.asked_at DESC, q.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        )
        return [Gap(int(r[0]), float(r[1]), str(r[2]), bool(r[3]), int(r[4])) for r in rows]

    def _read(self, query: Callable[[Tx], T]) -> T:
        try:
            with self._db.transaction(timeout=READ_SECONDS) as tx:
                found = query(tx)
        except self._db.errors as error:
            if isinstance(error, self._db.transient):
                self._db.failed(error)
            raise StateError(f"the bot's state database can't be read now ({error})") from None
        self._db.worked()
        return found


def _percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    return float(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))])
