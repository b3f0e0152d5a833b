"""What the bot remembers: one interface (`BotState`) over a SQLite file or PostgreSQL.

`open_state` picks the database: ``CITEBOT_DATABASE_URL`` (PostgreSQL, shared by replicas) or
the SQLite file in ``CITEBOT_STATE_DIR`` (one process, the default). Everything above this
package sees the same methods either way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.state.database import Database, StateError
from bot.state.feeds import Entry, Feed, FeedStore
from bot.state.jobs import Jobs
from bot.state.limits import MemoryLimits, RateLimits
from bot.state.previews import Previews
from bot.state.questions import Day, Gap, Question, Questions, Stats, new_question_id
from bot.state.sqlite import SqliteDatabase

__all__ = [
    "BotState",
    "Day",
    "Entry",
    "Feed",
    "FeedStore",
    "Gap",
    "MemoryLimits",
    "Question",
    "StateError",
    "Stats",
    "new_question_id",
    "open_state",
]

STATE_FILE = "bot.sqlite"


class BotState(Questions):
    """Questions and votes (its own methods), and beside them: ``feeds``, ``previews``,
    ``jobs``, ``limits``, and word of new index versions."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.db = db
        self._closed = False
        self.feeds = FeedStore(db)
        self.previews = Previews(db)
        self.jobs = Jobs(db)
        self.limits = RateLimits(db)

    @classmethod
    def sqlite(cls, path: Path, recover: bool = True) -> BotState:
        """The state in a SQLite file; where ``recover``, a damaged file is moved aside and a
        new one started.

        Raises:
            StateError: as `SqliteDatabase.open`.
        """
        return cls(SqliteDatabase.open(path, recover))

    @property
    def shared(self) -> bool:
        """Whether other processes (replicas) share this state."""
        return self.db.shared

    def announce(self, version: str) -> None:
        self.db.announce(version)

    def listen(self, heard: Callable[[str | None], object]) -> None:
        self.db.listen(heard)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then close; closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        super().close(timeout)
        self.db.close()


def open_state(
    database_url: str | None, state_dir: Path, recover: bool = True, wait: float = 30.0
) -> BotState:
    """The bot's state: on PostgreSQL where ``database_url`` is set, else in SQLite (a
    damaged file moved aside where ``recover``: the bot does, a command reading it doesn't).
    PostgreSQL is waited for ``wait`` seconds (a server still starting).

    Raises:
        StateError: PostgreSQL can't be reached, or a schema is newer than this citebot.
    """
    if database_url:
        from bot.state.postgres import PostgresDatabase  # psycopg only where it is used

        return BotState(PostgresDatabase(database_url, wait))
    return BotState.sqlite(state_dir / STATE_FILE, recover)
