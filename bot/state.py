"""What the bot remembers across restarts: questions asked, answers given, feedback."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Stats:
    questions: int
    unanswered: int
    p50_ms: float
    p95_ms: float
    thumbs_up: int
    thumbs_down: int


@dataclass(frozen=True)
class Gap:
    """A question the corpus could not answer, or whose answer was voted down."""

    question_id: int
    asked_at: float
    text: str
    answered: bool
    down_votes: int


class BotState:
    """A small SQLite database, safe to use from the event loop and worker threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def record_question(
        self, user_id: int | None, chat_id: int | None, text: str, answered: bool, ms: float
    ) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO questions (asked_at, user_id, chat_id, text, answered, latency_ms) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), user_id, chat_id, text, int(answered), ms),
            )
            return int(cursor.lastrowid or 0)

    def question(self, question_id: int) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT text FROM questions WHERE id = ?", (question_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def record_feedback(self, question_id: int, user_id: int, vote: int) -> bool:
        """Store a vote (a user's later vote replaces the earlier); False if no such question."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)).fetchone():
                self._db.execute(
                    "INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?)",
                    (question_id, user_id, vote, time.time()),
                )
                return True
            return False

    def stats(self) -> Stats:
        with self._lock:
            total, unanswered = self._db.execute(
                "SELECT count(*), coalesce(sum(answered = 0), 0) FROM questions"
            ).fetchone()
            latencies = [
                r[0]
                for r in self._db.execute("SELECT latency_ms FROM questions ORDER BY latency_ms")
            ]
            up, down = self._db.execute(
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

    def gaps(self, limit: int = 100) -> list[Gap]:
        """Unanswered or voted-down questions, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT q.id, q.asked_at, q.text, q.answered, "
                "coalesce(sum(f.vote = -1), 0) AS down FROM questions q "
                "LEFT JOIN feedback f ON f.question_id = q.id GROUP BY q.id "
                "HAVING q.answered = 0 OR down > 0 ORDER BY q.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [Gap(r[0], r[1], r[2], bool(r[3]), int(r[4])) for r in rows]


def _percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    return float(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))])
