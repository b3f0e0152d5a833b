"""A PostgreSQL server of the test session's own, in a temporary directory.

Started from the server binaries on the machine (`initdb`, `pg_ctl`), never one already
running: on a free port on 127.0.0.1, trusting local connections, with fsync off. PostgreSQL
refuses to run as root, so as root (CI) the server runs as the ``postgres`` user.

A test session killed outright (SIGKILL, a CI timeout) can't stop its server: each server's
folder names the process that made it, and the next session stops and removes those whose
process is gone (`reap_orphans`).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.helpers import free_port

SEARCHED = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/usr/pgsql-*/bin")
PREFIX = "citebot-pg-"
OWNER = "owner.pid"  # in a server's folder: the process (a test session) it belongs to
INSTALL_HINT = (
    "no PostgreSQL server binaries (initdb, pg_ctl) were found: install them "
    "(Debian: apt install postgresql) or put their folder on PATH"
)


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or where Debian and others put them."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    for pattern in SEARCHED:
        for folder in sorted(Path("/").glob(pattern.lstrip("/")), reverse=True):  # newest first
            if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
                return folder
    return None


class PgServer:
    """One server: `start`, `stop` (fast shutdown, to test faults), `new_database`."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        (self.root / OWNER).write_text(str(os.getpid()))
        self.data = self.root / "data"
        self.port = free_port()
        self._as = _as_postgres()
        self._databases = 0
        if self._as:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def new_database(self) -> str:
        """A fresh, empty database's URL."""
        self._databases += 1
        name = f"citebot_{os.getpid()}_{self._databases}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.admin_url, autocommit=True) as admin:
                    admin.execute(f'CREATE DATABASE "{name}"')
                return self.url(name)
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as, str(self.bindir / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root, check=False)
        if done.returncode != 0:
            log = self.root / "log"
            more = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}\n{more}")


def reap_orphans(bindir: Path) -> list[Path]:
    """Stop (immediately) and remove the servers whose test session no longer runs; their
    folders, as they were."""
    reaped = []
    for root in sorted(Path(tempfile.gettempdir()).glob(f"{PREFIX}*")):
        try:
            owner = int((root / OWNER).read_text())
        except (OSError, ValueError):
            continue  # not one of ours, or still being made
        if _alive(owner):
            continue
        if (root / "data" / "postmaster.pid").exists():
            pg_ctl = [*_as_postgres(), str(bindir / "pg_ctl"), "-D", str(root / "data")]
            stop = [*pg_ctl, "-m", "immediate", "-w", "stop"]
            subprocess.run(stop, capture_output=True, cwd=root, check=False)
        shutil.rmtree(root, ignore_errors=True)
        reaped.append(root)
    return reaped


def _as_postgres() -> list[str]:
    """What runs a server program as the ``postgres`` user when we are root (PostgreSQL
    won't run as root); nothing otherwise."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
