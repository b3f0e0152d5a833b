"""SQL over long lists of values, in bounded chunks (SQLite limits bound parameters)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

_IN_CHUNK = 500  # SQLite limits the number of bound parameters in one statement


def select_in(
    db: sqlite3.Connection, sql: str, values: Sequence[Any], fixed: int = 0
) -> list[Any]:
    """Run ``sql``, whose ``{marks}`` is an IN list, over ``values`` in bounded chunks.

    The first ``fixed`` values are parameters that come before the list, in every chunk.
    """
    rows: list[Any] = []
    for cursor in _chunks(db, sql, values, fixed):
        rows.extend(cursor)
    return rows


def run_in(db: sqlite3.Connection, sql: str, values: Sequence[Any], fixed: int = 0) -> int:
    """`select_in` for a statement that changes rows; returns how many it changed."""
    return sum(cursor.rowcount for cursor in _chunks(db, sql, values, fixed))


def _chunks(
    db: sqlite3.Connection, sql: str, values: Sequence[Any], fixed: int
) -> Iterator[sqlite3.Cursor]:
    head, values = list(values[:fixed]), list(values[fixed:])
    for start in range(0, len(values), _IN_CHUNK):
        chunk = values[start : start + _IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        yield db.execute(sql.format(marks=marks), head + chunk)
