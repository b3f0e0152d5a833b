"""The bot end to end: message in, cited answer out, through real HTTP.

    .venv/bin/python bench/bot.py [--users 10] [--questions 200]

Starts the fake Bot API (tests/fakebotapi.py) and the real bot process over the real corpus,
then `--users` simulated users each ask their share of `--questions`, one at a time, waiting for
each answer. Prints answers per second and p50/p95 latency from the user's message to the
bot's reply. First, start-up: `make run` is launched as a user would, a question is sent at
once, and the time to its answer is measured, with the index up to date (a restart) and
with none built yet (the first run ever, which builds it). Not a test: the figures are from
one run on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import CORPUS, percentile, questions, settings_for  # noqa: E402
from index.settings import Settings  # noqa: E402
from tests.fakebotapi import TOKEN, FakeBotAPI  # noqa: E402
from tests.helpers import cli_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(CORPUS, work / "corpus")
        settings = settings_for(work / "corpus", work / "index")
        first_ever = _first_answer_s(settings, work)  # builds the index
        restart = statistics.median(_first_answer_s(settings, work) for _ in range(3))
        api = FakeBotAPI().start()
        env = _bot_env(settings, api, work, CITEBOT_RATE_LIMIT="10000")
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env)
        try:
            api.wait(lambda: any(m == "getUpdates" for m, _ in api.calls), 120)
            latencies, seconds = _load(api, args.users, questions(args.questions))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
            api.stop()
    rows = [
        ("`make run` to first answer, index current (median of 3)", f"{restart:.1f} s"),
        ("`make run` to first answer, first run ever (builds)", f"{first_ever:.1f} s"),
        ("simulated users", str(args.users)),
        ("questions answered", str(len(latencies))),
        ("answers per second", f"{len(latencies) / seconds:.1f}"),
        ("latency p50 (message to reply)", f"{percentile(latencies, 0.5):.0f} ms"),
        ("latency p95 (message to reply)", f"{percentile(latencies, 0.95):.0f} ms"),
        ("latency mean", f"{statistics.mean(latencies):.0f} ms"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value\n{'-' * (width + 20)}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def _bot_env(settings: Settings, api: FakeBotAPI, work: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process that talks to ``api`` and keeps its state in ``work``."""
    return cli_env(
        settings,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api.url,
        CITEBOT_STATE_DIR=str(work / "state"),
        CITEBOT_LOG_LEVEL="WARNING",
        **extra,
    )


def _first_answer_s(settings: Settings, work: Path) -> float:
    """Seconds from launching `make run` to the answer to a question sent right then."""
    api = FakeBotAPI().start()
    env = _bot_env(settings, api, work)
    person = {"id": 999, "is_bot": False, "first_name": "First"}
    started = time.perf_counter()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # make and the bot it starts are stopped together
    )
    try:
        sent = api.send_text(person, "Who is China's ambassador to Azerbaijan?")
        api.wait(_reply_to(api, sent), 300)
        return time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        api.stop()


def _reply_to(api: FakeBotAPI, sent: dict[str, Any]) -> Callable[[], list[dict[str, Any]]]:
    def replies() -> list[dict[str, Any]]:
        return [
            m
            for m in api.sent
            if m.get("reply_to_message_id") == sent["message_id"]
            and m["chat"]["id"] == sent["chat"]["id"]
        ]

    return replies


def _load(api: FakeBotAPI, users: int, asked: list[str]) -> tuple[list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def user(number: int) -> None:
        person = {"id": 1000 + number, "is_bot": False, "first_name": f"U{number}"}
        for question in asked[number::users]:
            started = time.perf_counter()
            sent = api.send_text(person, question)
            api.wait(_reply_to(api, sent), 120)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


if __name__ == "__main__":
    main()
