"""Where the bot's state lives: a SQLite file (one process) or PostgreSQL (any number of
replicas). Both speak the same portable SQL, written with ``?`` for parameters; a
`Database` adds what only it can do: its transactions, which errors are worth retrying, a
lock that one replica at a time can hold, and word to the other replicas of a new index.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from index import CitebotError

log = logging.getLogger("citebot.state")
DOWN_SECONDS = 5.0  # after a failure to reach the database, how long not to try on the hot path


class StateError(CitebotError):
    """The bot's state database can't be used now (or at all, where the message says so)."""


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Tx(Protocol):
    """A connection inside one transaction."""

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor: ...


class Database(ABC):
    """One state database; safe to use from several threads."""

    dialect: str
    shared: bool  # whether other processes see the same state (replicas)
    transient: tuple[type[Exception], ...]  # errors a later attempt may not meet
    errors: tuple[type[Exception], ...]  # every error of the driver

    def __init__(self) -> None:
        self._down_until = 0.0
        self._down_lock = threading.Lock()

    @abstractmethod
    def transaction(
        self, *, write: bool = False, timeout: float | None = None
    ) -> contextlib.AbstractContextManager[Tx]:
        """A connection in a transaction, committed when the block ends without an error.

        Raises:
            The driver's errors; `transient` ones mean "try again later".
        """

    @abstractmethod
    def day(self, column: str) -> str:
        """SQL for the UTC day (YYYY-MM-DD) of a column holding seconds since 1970."""

    @abstractmethod
    def lock_in(self, tx: Tx, key: int) -> None:
        """Hold a lock on ``key`` until ``tx`` ends (PostgreSQL; SQLite's writes are serial)."""

    @contextlib.contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """True inside the block if this process is the only one holding ``name`` (a job's
        lock), else False; the lock is freed at the block's end, or when the process dies."""
        yield True

    @abstractmethod
    def announce(self, version: str) -> None:
        """Tell every replica that index ``version`` is current (PostgreSQL NOTIFY)."""

    @abstractmethod
    def listen(self, heard: Callable[[str | None], object]) -> None:
        """Call ``heard`` (in another thread) with each version announced by any replica, and
        with None whenever a notice may have been missed (after reconnecting)."""

    @abstractmethod
    def close(self) -> None: ...

    def away(self, error: Exception) -> bool:
        """Whether a `transient` error means the database can't be reached (rather than
        being busy a moment)."""
        return True

    def describe(self) -> str:
        """Where the state is, for logs: never a password."""
        return self.dialect

    # -- a short memory of failures, so the hot path does not wait on a database that is down

    def available(self) -> bool:
        with self._down_lock:
            return time.monotonic() >= self._down_until

    def failed(self, error: Exception) -> None:
        with self._down_lock:
            first = time.monotonic() >= self._down_until
            self._down_until = time.monotonic() + DOWN_SECONDS
        if first:
            log.warning("the bot's state database (%s) can't be reached: %s", self.describe(),
                        error)  # fmt: skip

    def worked(self) -> None:
        with self._down_lock:
            if self._down_until:
                log.info("the bot's state database (%s) is back", self.describe())
            self._down_until = 0.0
