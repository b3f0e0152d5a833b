"""Answers per second through HTTP: one replica on SQLite, one on PostgreSQL, two on PostgreSQL.

    .venv/bin/python bench/replicas.py [--users 10] [--questions 200]

Each configuration runs real `citebot serve --webhook` processes over the real corpus; the
fake Bot API (tests/fakebotapi.py) POSTs each user's message to the replicas in turn, as
Telegram does through a reverse proxy, and the time from a message to the bot's reply is
measured. PostgreSQL is a server of this run's own (tests/pgserver.py). The first three let
each process send as fast as it can (CITEBOT_SEND_RATE=1000: the fake API has no flood
limit), to measure the bot; the last two keep Telegram's limit of about 30 messages a second
for the whole bot, which caps what any number of replicas can send. All run in one go on the
same machine, so their ratios mean more than their absolute figures; on 2 cores, two replicas
share the CPU that one had. Not a test.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bot import _load  # noqa: E402
from bench.engine import CORPUS, percentile, questions, settings_for  # noqa: E402
from index.indexer.builder import build  # noqa: E402
from index.settings import Settings  # noqa: E402
from tests.fakebotapi import TOKEN, FakeBotAPI  # noqa: E402
from tests.helpers import cli_env, free_port  # noqa: E402
from tests.pgserver import INSTALL_HINT, PgServer, find_bindir  # noqa: E402

SECRET = "bench-secret"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    bindir = find_bindir()
    if bindir is None:
        sys.exit(INSTALL_HINT)
    server = PgServer(bindir)
    server.start()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            shutil.copytree(CORPUS, work / "corpus")
            settings = settings_for(work / "corpus", work / "index")
            build(settings)
            asked = questions(args.questions)
            for name, replicas, database, send_rate in (
                ("1 replica, SQLite", 1, None, "1000"),
                ("1 replica, PostgreSQL", 1, server.new_database(), "1000"),
                ("2 replicas, PostgreSQL", 2, server.new_database(), "1000"),
                ("1 replica, SQLite, Telegram's 30 messages/s", 1, None, "30"),
                ("2 replicas, PostgreSQL, 15 messages/s each", 2, server.new_database(), "15"),
            ):
                latencies, seconds = _run(
                    settings, work, replicas, database, args.users, asked, send_rate
                )
                rows.append((name, len(latencies) / seconds, latencies))
    finally:
        server.remove()
    print(f"{args.users} users, {args.questions} questions each configuration\n")
    print("| configuration | answers/s | p50 | p95 | mean |\n|---|---|---|---|---|")
    for name, answers, latencies in rows:
        print(
            f"| {name} | {answers:.1f} | {percentile(latencies, 0.5):.0f} ms | "
            f"{percentile(latencies, 0.95):.0f} ms | {statistics.mean(latencies):.0f} ms |"
        )
    base = rows[0][1]
    print("\nanswers/s against one replica on SQLite: " + ", ".join(
        f"{name} ×{answers / base:.2f}" for name, answers, _ in rows
    ))  # fmt: skip


def _run(
    settings: Settings,
    work: Path,
    replicas: int,
    database: str | None,
    users: int,
    asked: list[str],
    send_rate: str,
) -> tuple[list[float], float]:
    api = FakeBotAPI().start()
    ports = [free_port() for _ in range(replicas)]
    processes = []
    for n, port in enumerate(ports):
        env = cli_env(
            settings,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.url,
            CITEBOT_STATE_DIR=str(work / f"state-{port}"),
            CITEBOT_LOG_LEVEL="WARNING",
            CITEBOT_RATE_LIMIT="10000",
            CITEBOT_SEND_RATE=send_rate,
            **({"CITEBOT_DATABASE_URL": database} if database else {}),
        )
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--webhook",
                 "https://bot.example.org/hook", "--port", str(port), "--secret", SECRET],
                cwd=ROOT / "tests", env=env,
            )
        )  # fmt: skip
        _wait_up(port, processes[n])
    api.deliver([f"http://127.0.0.1:{p}/hook" for p in ports], SECRET)
    try:
        return _load(api, users, asked)
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            process.wait(timeout=60)
        api.stop()


def _wait_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            sys.exit("a replica did not start")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                sys.exit("a replica did not start within 120 s")
            time.sleep(0.2)


if __name__ == "__main__":
    main()
