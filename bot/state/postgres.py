"""The state on PostgreSQL, shared by any number of replicas (``CITEBOT_DATABASE_URL``).

psycopg 3 with a connection pool that checks each connection before lending it, so a server
restart costs the next request nothing but a reconnect. Replicas agree through the database:
advisory locks keep a periodic job to one replica at a time, and ``NOTIFY citebot_index``
tells every replica that a build published a new index version.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

import psycopg
import psycopg_pool

from bot.state.database import Cursor, Database, StateError, Tx

log = logging.getLogger("citebot.state")
CHANNEL = "citebot_index"
JOB_LOCKS = 0x6A6F62  # "job": the first key of a job's advisory lock
CONNECT_SECONDS = 3
WAIT_SECONDS = 5.0  # how long a request waits for a connection from the pool
POOL_SIZE = 8


class _Tx:
    """A psycopg connection that takes the same ``?`` parameters as sqlite3."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor:
        return self._connection.execute(sql.replace("?", "%s"), params)


class PostgresDatabase(Database):
    dialect = "postgres"
    shared = True
    transient = (psycopg.OperationalError, psycopg_pool.PoolTimeout)
    errors = (psycopg.Error, psycopg_pool.PoolTimeout)

    def __init__(self, url: str, wait: float = 30.0) -> None:
        """Connect, waiting up to ``wait`` seconds for the server, and migrate.

        Raises:
            StateError: the server can't be reached, or its schema is newer than this code.
        """
        super().__init__()
        self._url = url
        self._closed = threading.Event()
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            timeout=WAIT_SECONDS,
            check=psycopg_pool.ConnectionPool.check_connection,
            kwargs={"connect_timeout": CONNECT_SECONDS, "application_name": "citebot"},
            name="citebot-state",
        )
        try:
            self._pool.open(wait=True, timeout=wait)
        except psycopg_pool.PoolTimeout:
            self._pool.close()
            raise StateError(
                f"can't reach the bot's state database ({self.describe()}) within {wait:.0f} "
                "s: is PostgreSQL running, and is CITEBOT_DATABASE_URL right?"
            ) from None
        from bot.state.schema import migrate

        try:
            migrate(self)
        except psycopg.Error as error:
            self._pool.close()
            raise StateError(f"the bot's state database can't be migrated ({error})") from None
        except StateError:
            self._pool.close()
            raise

    @contextlib.contextmanager
    def transaction(self, *, write: bool = False, timeout: float | None = None) -> Iterator[Tx]:
        with self._pool.connection(timeout=timeout) as connection, connection.transaction():
            yield _Tx(connection)

    def day(self, column: str) -> str:
        return f"to_char(to_timestamp({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

    def lock_in(self, tx: Tx, key: int) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (key,))

    @contextlib.contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        key = (JOB_LOCKS, zlib.crc32(name.encode()) - 2**31)
        try:
            connection = self._pool.getconn(timeout=WAIT_SECONDS)
        except psycopg_pool.PoolTimeout as error:
            self.failed(error)
            yield False
            return
        try:
            connection.autocommit = True
            row = connection.execute("SELECT pg_try_advisory_lock(%s, %s)", key).fetchone()
            got = bool(row and row[0])
        except psycopg.Error as error:
            self._pool.putconn(connection)
            self.failed(error)
            yield False
            return
        try:
            yield got
        finally:
            with contextlib.suppress(psycopg.Error):
                if got:
                    connection.execute("SELECT pg_advisory_unlock(%s, %s)", key)
                connection.autocommit = False
            self._pool.putconn(connection)  # a broken connection is discarded by the pool

    def announce(self, version: str) -> None:
        try:
            with self.transaction(write=True, timeout=WAIT_SECONDS) as tx:
                tx.execute("SELECT pg_notify(?, ?)", (CHANNEL, version))
        except self.errors as error:  # the others find it by their periodic check
            log.warning("could not tell the other replicas of index %s: %s", version, error)

    def listen(self, heard: Callable[[str | None], object]) -> None:
        threading.Thread(target=self._listen, args=(heard,), name="index-listener",
                         daemon=True).start()  # fmt: skip

    def _listen(self, heard: Callable[[str | None], object]) -> None:
        pause = 0.5
        while not self._closed.is_set():
            try:
                with psycopg.connect(
                    self._url, autocommit=True, connect_timeout=CONNECT_SECONDS
                ) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    pause = 0.5
                    heard(None)  # anything announced while away was missed: look now
                    while not self._closed.is_set():
                        for notice in connection.notifies(timeout=1.0):
                            heard(notice.payload)
            except psycopg.Error as error:
                log.info("listening for new index versions failed (%s); trying again", error)
                self._closed.wait(pause)
                pause = min(pause * 2, 10.0)
            except Exception:  # the callback's: logged, and listening goes on
                log.exception("handling a new index version failed")

    def close(self) -> None:
        self._closed.set()
        self._pool.close()

    def describe(self) -> str:
        """The server and database, never the user or password."""
        parts = urlsplit(self._url)
        return f"postgresql://{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
