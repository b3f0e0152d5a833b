"""From `citebot add URL`, and from an admin's **Add** in Telegram, to the article being
searchable, on a copy of the real corpus.

    .venv/bin/python bench/add.py [--runs 3]

A page is served on 127.0.0.1 (the tests' local site). `citebot add URL` fetches it, writes it
into the corpus and builds; the time is from launching the command to its end, when the new
version is published, and a cold `citebot ask` then must cite the article (target 3 s). Then
the real bot process over the fake Bot API: an admin sends the link, presses **Add** on the
preview, and a user asks; the time is from the press to the answer citing the article. Medians
of ``--runs``. Not a test: one run on a shared machine.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bot import _reply_to  # noqa: E402
from bench.engine import CORPUS, settings_for  # noqa: E402
from index.settings import Settings  # noqa: E402
from tests.fakebotapi import TOKEN, FakeBotAPI  # noqa: E402
from tests.helpers import cli_env  # noqa: E402
from tests.website import Site  # noqa: E402

ADMIN = {"id": 1, "is_bot": False, "first_name": "Ada"}
USER = {"id": 2, "is_bot": False, "first_name": "Bo"}
QUESTION = "Where will the solar parks be built?"


def _replied_twice(api: FakeBotAPI, message: dict[str, Any]) -> Callable[[], bool]:
    """Whether the bot answered ``message`` twice (/reload: "updating…", then "updated")."""
    replies = _reply_to(api, message)
    return lambda: len(replies()) >= 2


def bot_add_seconds(settings: Settings, site: Site, runs: int) -> list[float]:
    """Seconds from an admin's Add to a user's answer citing the article, per run."""
    api = FakeBotAPI().start()
    env = cli_env(
        settings,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api.url,
        CITEBOT_ADMINS="1",
        CITEBOT_ALLOW_PRIVATE_URLS="1",
        CITEBOT_RATE_LIMIT="10000",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=ROOT / "tests",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = []
    try:
        api.wait(lambda: any(m == "getUpdates" for m, _ in api.calls), 120)
        for _ in range(runs):
            sent = api.send_text(ADMIN, f"{site.url}/solar")
            card = api.wait(_reply_to(api, sent))[0]
            add = next(
                b["callback_data"]
                for row in card["reply_markup"]["inline_keyboard"]
                for b in row
                if b["text"] == "Add"
            )
            started = time.perf_counter()
            api.press(ADMIN, card, add)
            api.wait(
                lambda: [m for m in api.sent if m.get("edited") and "searchable" in m["text"]], 120
            )
            asked = api.send_text(USER, QUESTION)
            answer = api.wait(_reply_to(api, asked))[0]
            seconds.append(time.perf_counter() - started)
            assert "Caspian Wire" in answer["text"], answer["text"]
            for added in settings.corpus_dir.glob("caspian-wire--*.md"):
                added.unlink()
            api.sent.clear()
            api.wait(_replied_twice(api, api.send_text(ADMIN, "/reload")), 120)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        api.stop()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    site = Site()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(CORPUS, work / "corpus")
        settings = settings_for(work / "corpus", work / "index")
        env = cli_env(settings, CITEBOT_ALLOW_PRIVATE_URLS="1")

        def citebot(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "bot.cli", *argv],
                env=env,
                cwd=ROOT / "tests",
                capture_output=True,
                text=True,
                check=True,
            )

        citebot("index", "build", "--quiet")
        seconds = []
        for _ in range(args.runs):
            started = time.perf_counter()
            citebot("add", f"{site.url}/solar")
            seconds.append(time.perf_counter() - started)
            answer = citebot("ask", "Where will the solar parks be built?").stdout
            assert "Caspian Wire" in answer, answer
            for added in (work / "corpus").glob("caspian-wire--*.md"):
                added.unlink()
            citebot("index", "build", "--quiet")
        in_bot = bot_add_seconds(settings, site, args.runs)
    site.stop()
    median = statistics.median(seconds)
    print(f"citebot add URL to searchable: median {median:.2f} s of {args.runs} (target 3 s)")
    median = statistics.median(in_bot)
    print(f"admin's Add to the first answer citing it: median {median:.2f} s of {args.runs}")


if __name__ == "__main__":
    main()
