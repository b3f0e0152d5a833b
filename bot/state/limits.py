"""How many questions a user asked in the last minute.

In one process (SQLite) the count is kept in memory. With replicas (PostgreSQL) it is kept in
the database, so a user's questions count across replicas; while the database is away, each
replica counts in memory again, so answers never wait for it.
"""

from __future__ import annotations

import collections
import time

from bot.state.database import Database, Tx

RATE_LOCKS = 0x72617465  # "rate": added to a user's id, the key of their advisory lock
WAIT_SECONDS = 0.5  # a rate check never waits longer than this for a connection


class MemoryLimits:
    """At most ``limit`` questions per user in any ``window`` seconds, in this process."""

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self._asked: dict[int, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )

    def wait(self, user_id: int, limit: int, now: float | None = None) -> float:
        """0 if the user may ask now (and counts the question), else seconds to wait."""
        moment = time.monotonic() if now is None else now
        asked = self._asked[user_id]
        while asked and moment - asked[0] >= self.window:
            asked.popleft()
        if len(asked) >= limit:
            return self.window - (moment - asked[0])
        asked.append(moment)
        return 0.0


class RateLimits:
    """The rate limit over a state database: shared where the database is."""

    def __init__(self, db: Database, window: float = 60.0) -> None:
        self._db = db
        self.window = window
        self._memory = MemoryLimits(window)

    def wait(self, user_id: int, limit: int) -> float:
        """0 if the user may ask now (and counts it), else seconds to wait. Blocks for a
        database round trip where the state is shared: call it in a worker thread."""
        if not self._db.shared or not self._db.available():
            return self._memory.wait(user_id, limit)
        try:
            with self._db.transaction(write=True, timeout=WAIT_SECONDS) as tx:
                found = self._count(tx, user_id, limit)
        except self._db.errors as error:
            self._db.failed(error)
            return self._memory.wait(user_id, limit)
        self._db.worked()
        return found

    def prune(self) -> None:
        """Forget counts older than the window, of users who did not come back (each user's
        own are pruned when they ask); called now and then."""
        if self._db.shared and self._db.available():
            try:
                with self._db.transaction(write=True, timeout=WAIT_SECONDS) as tx:
                    tx.execute(
                        "DELETE FROM rate_events WHERE at <= ?", (time.time() - self.window,)
                    )
            except self._db.errors as error:
                self._db.failed(error)

    def _count(self, tx: Tx, user_id: int, limit: int) -> float:
        self._db.lock_in(tx, RATE_LOCKS + user_id)  # one replica at a time counts for a user
        now = time.time()
        tx.execute(
            "DELETE FROM rate_events WHERE user_id = ? AND at <= ?", (user_id, now - self.window)
        )
        count, first = tx.execute(
            "SELECT count(*), min(at) FROM rate_events WHERE user_id = ?", (user_id,)
        ).fetchone()
        if int(count) >= limit:
            return float(self.window - (now - float(first)))
        tx.execute("INSERT INTO rate_events (user_id, at) VALUES (?, ?)", (user_id, now))
        return 0.0
