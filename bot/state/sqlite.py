"""The state in one SQLite file: the embedded default, for a bot that runs as one process."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.state.database import Database, StateError, Tx

log = logging.getLogger("citebot.state")
BUSY_SECONDS = 2.0  # how long one statement waits for another process's lock


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=BUSY_SECONDS)
    db.execute("PRAGMA journal_mode = WAL")
    return db


class SqliteDatabase(Database):
    """Two connections: one for writes, one for reads, each used by one thread at a time."""

    dialect = "sqlite"
    shared = False
    transient = (sqlite3.OperationalError,)  # locked or busy
    errors = (sqlite3.Error,)

    def __init__(self, path: Path) -> None:
        """Raises StateError where the file is not a SQLite database or can't be opened."""
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self._writer = _connect(path)
            self._reader = _connect(path)
        except sqlite3.Error as error:
            raise StateError(
                f"the bot's state database {path} can't be used ({error}): move it aside to "
                "start a new one"
            ) from None
        self._locks = {True: threading.Lock(), False: threading.Lock()}

    @classmethod
    def open(cls, path: Path, recover: bool = True) -> SqliteDatabase:
        """Open the file, migrated. Where ``recover``, a damaged one is moved aside (kept,
        never deleted) and a new one started, so a bad file never keeps the bot from
        answering.

        Raises:
            StateError: the file is damaged (and not ``recover``), or its schema is newer
                than this code (never moved aside: it is not damaged, and a newer citebot
                reads it).
        """
        from bot.state.schema import migrate

        try:
            db = cls(path)
            try:
                migrate(db)
            except sqlite3.DatabaseError as error:
                db.close()
                raise StateError(f"the bot's state database {path} is damaged ({error})") from None
            return db
        except StateError as error:
            if not recover or "newer than" in str(error):
                raise
            aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
            for suffix in ("", "-wal", "-shm"):
                source = Path(f"{path}{suffix}")
                if source.exists():
                    source.rename(Path(f"{aside}{suffix}"))
            log.warning("%s; moved it to %s and started a new one", error, aside.name)
            db = cls(path)
            migrate(db)
            return db

    @contextlib.contextmanager
    def transaction(self, *, write: bool = False, timeout: float | None = None) -> Iterator[Tx]:
        with self._locks[write]:
            connection = self._writer if write else self._reader
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def day(self, column: str) -> str:
        return f"date({column}, 'unixepoch')"

    def lock_in(self, tx: Tx, key: int) -> None:
        """Nothing to do: a write transaction (BEGIN IMMEDIATE) holds the file's only lock."""

    def announce(self, version: str) -> None:
        """Nobody to tell: other processes on this index find it by their periodic check."""

    def listen(self, heard: Callable[[str | None], object]) -> None:
        """Nothing to hear: see `announce`."""

    def close(self) -> None:
        for write, lock in self._locks.items():
            with lock:
                (self._writer if write else self._reader).close()

    def away(self, error: Exception) -> bool:
        return False  # a local file is never away: it is locked a moment by another process

    def describe(self) -> str:
        return str(self.path)
