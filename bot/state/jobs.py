"""Periodic jobs that must run once across replicas: feed polls and their digests.

A job runs where this process holds its lock (PostgreSQL's advisory lock; in one process,
always) and nobody ran it within half its interval (the ``jobs`` table), so replicas whose
timers fire at different moments still poll, and announce, once an interval.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from bot.state.database import Database


class Jobs:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextlib.contextmanager
    def turn(self, name: str, every: float) -> Iterator[bool]:
        """True inside the block where this process should run job ``name`` now; False
        where another replica runs it or ran it lately, or the database is away."""
        with self._db.exclusive(name) as held:
            yield held and self._claim(name, every)

    def _claim(self, name: str, every: float) -> bool:
        now = time.time()
        try:
            with self._db.transaction(write=True) as tx:
                tx.execute(
                    "INSERT INTO jobs (name, last_run) VALUES (?, 0) "
                    "ON CONFLICT (name) DO NOTHING",
                    (name,),
                )
                claimed = tx.execute(
                    "UPDATE jobs SET last_run = ? WHERE name = ? AND last_run <= ?",
                    (now, name, now - every / 2),
                ).rowcount
        except self._db.errors as error:
            self._db.failed(error)
            return False
        return claimed == 1
