"""The test suite's own PostgreSQL servers: one left behind by a killed session is stopped
and removed by the next."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from tests.pgserver import OWNER, PgServer, reap_orphans


def test_a_server_whose_session_is_gone_is_stopped_and_removed(pg_server: PgServer) -> None:
    orphan = PgServer(pg_server.bindir)
    orphan.start()
    script = "import os; print(os.getpid())"  # a process that has ended by the time it's read
    gone = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    (orphan.root / OWNER).write_text(gone.stdout.strip())  # as if its session was killed
    try:
        assert orphan.root in reap_orphans(pg_server.bindir)
        assert not orphan.root.exists()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(orphan.admin_url, connect_timeout=2).close()
        # A live session's server is left alone: this session's own still answers.
        assert pg_server.root.exists() and pg_server.root not in reap_orphans(pg_server.bindir)
        psycopg.connect(pg_server.admin_url).close()
    finally:
        if orphan.root.exists():
            orphan.remove()
