"""End to end: two real `citebot serve --webhook` processes sharing one PostgreSQL database
and one index directory, with the fake Bot API delivering updates to them in turn, as
Telegram does through a reverse proxy before replicas."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from index.indexer.builder import build
from index.models.embedder import Embedder
from index.settings import Settings
from tests.conftest import copy_seeds, settings_for, write_article
from tests.fakebotapi import TOKEN, FakeBotAPI
from tests.helpers import RUN_DIR, cli_env, free_port
from tests.test_bot_webhook import get

pytestmark = pytest.mark.slow

SECRET = "replica-Secret_1"
ADMIN: dict[str, Any] = {"id": 1, "is_bot": False, "first_name": "Ada"}
TRAIN = "Which train came from Turkey to China through Azerbaijan?"
TEA = """---
title: A tea research centre opens in Lankaran
source: Caspian Wire
published: 2026-11-30
---

Azerbaijan and China opened a joint tea research centre in Lankaran, where botanists from
Hangzhou will breed frost-resistant tea bushes for the Caspian coast.
"""


class Replicas:
    """Two serving processes and the fake Bot API that delivers to them."""

    def __init__(self, settings: Settings, database: str, tmp: Path) -> None:
        self.settings, self.database = settings, database
        self.api = FakeBotAPI().start()
        self.ports = [free_port(), free_port()]
        self.logs = [tmp / f"replica-{n}.log" for n in range(2)]
        self.processes: list[subprocess.Popen[bytes]] = []
        for n, port in enumerate(self.ports):
            env = cli_env(
                settings,
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_URL=self.api.url,
                CITEBOT_DATABASE_URL=database,
                CITEBOT_STATE_DIR=str(tmp / f"state-{n}"),  # unused: the state is shared
                CITEBOT_ADMINS="1",
                CITEBOT_RATE_LIMIT="3",
                CITEBOT_INDEX_CHECK="3600",  # a new index must come by announcement
                CITEBOT_WEBHOOK_SECRET=SECRET,  # shared, and out of the process list
            )
            with self.logs[n].open("w") as out:
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "bot.cli", "serve", "--webhook",
                         "https://bot.example.org/hook", "--listen", "127.0.0.1",
                         "--port", str(port)],
                        cwd=RUN_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
                    )
                )  # fmt: skip
        for n, port in enumerate(self.ports):
            self._wait_until_up(n, port)
        self.api.deliver([f"http://127.0.0.1:{p}/hook" for p in self.ports], SECRET)

    def _wait_until_up(self, n: int, port: int) -> None:
        deadline = time.monotonic() + 120
        while True:
            assert self.processes[n].poll() is None, self.logs[n].read_text()
            try:
                get(f"http://127.0.0.1:{port}/healthz")
                return
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, self.logs[n].read_text()
                time.sleep(0.2)

    def metric(self, n: int, name: str) -> str:
        text = get(f"http://127.0.0.1:{self.ports[n]}/metrics")
        return next(line for line in text.splitlines() if line.startswith(name))

    def stop(self) -> list[str]:
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.api.stop()
        return [log.read_text() for log in self.logs]


@pytest.fixture
def replicas(real_model: Embedder, pg_url: str, tmp_path: Path) -> Iterator[Replicas]:
    copy_seeds(tmp_path / "corpus")
    settings = settings_for(tmp_path / "corpus", tmp_path / "index")
    build(settings, embedder=real_model)
    running = Replicas(settings, pg_url, tmp_path)
    outputs: list[str] = []
    try:
        yield running
    finally:
        outputs = running.stop()
    for output in outputs:
        assert "Traceback" not in output, output
        assert TOKEN not in output and SECRET not in output and pg_url not in output


def user(n: int) -> dict[str, Any]:
    return {"id": 100 + n, "is_bot": False, "first_name": f"U{n}"}


def _answered(api: FakeBotAPI, asker: dict[str, Any]) -> bool:
    """Whether ``asker`` has the whole answer: its last message carries the buttons."""
    sent = api.sent_to(asker["id"])
    return bool(sent) and "reply_markup" in sent[-1]


def test_two_replicas_answer_each_update_once_and_agree(replicas: Replicas) -> None:
    api = replicas.api
    users = [user(n) for n in range(6)]
    for asker in users:
        api.send_text(asker, TRAIN)
    api.wait(lambda: all(_answered(api, u) for u in users), 120)
    assert {target for _, target in api.delivered} == {0, 1}  # both replicas took updates
    updates = [update_id for update_id, _ in api.delivered]
    assert len(updates) == len(set(updates)) == 6  # each POSTed to one replica, once
    # none lost, none twice: each user's answer is its cards, the last with the buttons
    keyboards = [sum("reply_markup" in m for m in api.sent_to(u["id"])) for u in users]
    assert keyboards == [1] * 6
    assert all("Istanbul" in api.sent_to(u["id"])[0]["text"] for u in users)

    # 👍 under an answer from one replica, pressed through each replica: it lands once.
    answer = api.sent_to(users[0]["id"])[-1]  # the last message carries the buttons
    first = next(t for u, t in api.delivered if u == 1)  # the replica that answered
    thumbs = next(
        b["callback_data"]
        for row in answer["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "👍"
    )
    for target in (1 - first, first):
        api.next_target = target
        api.press(users[0], answer, thumbs)
    api.wait(lambda: len(api.callback_answers) >= 2)
    assert [a.get("text") for a in api.callback_answers] == ["Thank you for the feedback!"] * 2
    with psycopg.connect(replicas.database) as db:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            votes = db.execute("SELECT user_id, vote FROM feedback").fetchall()
            if votes:
                break
            time.sleep(0.2)
        assert votes == [(users[0]["id"], 1)]

    more = next(
        b["callback_data"]
        for row in answer["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"].startswith("More")
    )
    api.next_target = 1 - first
    api.press(users[0], answer, more)  # it reads the question, asked on the other replica
    shown = len(api.sent_to(users[0]["id"]))
    page = api.wait(lambda: _answered(api, users[0]) and api.sent_to(users[0]["id"])[shown:])
    assert page[0]["text"].startswith("4. ")  # the next passages of the same question

    # A user's rate limit (3 a minute) holds across both replicas.
    limited = user(50)
    for _ in range(4):
        api.send_text(limited, TRAIN)
    replies = api.wait(lambda: len(api.sent_to(limited["id"])) >= 4 and api.sent_to(limited["id"]))
    assert sum("asking faster" in m["text"] for m in replies) == 1

    # /reload on one replica: it rebuilds once, and both answer from the new article.
    write_article(replicas.settings.corpus_dir, "tea.md", TEA)
    before = [replicas.metric(n, "citebot_index_info") for n in range(2)]
    api.next_target = 0
    api.send_text(ADMIN, "/reload")
    api.wait(lambda: [m for m in api.sent_to(1) if m["text"].startswith("Index updated")], 120)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        after = [replicas.metric(n, "citebot_index_info") for n in range(2)]
        if after[0] == after[1] != before[0]:
            break
        time.sleep(0.2)
    assert after[0] == after[1] != before[0], (before, after)
    assert replicas.metric(1, "citebot_index_swaps_total").endswith(" 1.0")
    metrics = get(f"http://127.0.0.1:{replicas.ports[1]}/metrics")
    assert replicas.database not in metrics and SECRET not in metrics and TOKEN not in metrics
    for target in (0, 1):
        asker = user(60 + target)
        api.next_target = target
        api.send_text(asker, "Where did Azerbaijan and China open a tea research centre?")
        (reply,) = api.wait(lambda: api.sent_to(asker["id"]), 60)  # noqa: B023 - waited here
        assert "Lankaran" in reply["text"] and "Caspian Wire" in reply["text"]
