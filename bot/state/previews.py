"""Articles an admin was shown and may add, by token: in the database, so Add works on
whichever replica the press reaches, and after a restart. Bounded in number and age."""

from __future__ import annotations

import secrets
import time

from bot.state.database import Database

KEEP_SECONDS = 3600  # how long a preview waits for Add
KEEP_AT_MOST = 50


class Previews:
    def __init__(self, db: Database) -> None:
        self._db = db

    def keep(self, payload: str, admin: int) -> str:
        """Keep ``payload`` for ``admin``; returns its token."""
        token = secrets.token_hex(8)
        now = time.time()
        with self._db.transaction(write=True) as tx:
            tx.execute(
                "INSERT INTO previews (token, admin, made, payload) VALUES (?, ?, ?, ?)",
                (token, admin, now, payload),
            )
            tx.execute("DELETE FROM previews WHERE made < ?", (now - KEEP_SECONDS,))
            tx.execute(
                "DELETE FROM previews WHERE token NOT IN "
                "(SELECT token FROM previews ORDER BY made DESC LIMIT ?)",
                (KEEP_AT_MOST,),
            )
        return token

    def take(self, token: str) -> tuple[str, int] | None:
        """The payload and admin kept under ``token``, once; None where gone or too old."""
        with self._db.transaction(write=True) as tx:
            row = tx.execute(
                "DELETE FROM previews WHERE token = ? RETURNING payload, admin, made", (token,)
            ).fetchone()
        if row is None or time.time() - float(row[2]) > KEEP_SECONDS:
            return None
        return str(row[0]), int(row[1])
