"""`citebot serve --webhook`: the real bot process receiving updates over HTTP."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.webhook import SECRET_HEADER
from index.indexer.builder import build
from index.models.embedder import Embedder
from index.settings import Settings
from tests.conftest import copy_seeds, settings_for
from tests.fakebotapi import TOKEN, FakeBotAPI
from tests.helpers import RUN_DIR, cli_env, free_port

pytestmark = pytest.mark.slow


def post(url: str, update: object, secret: str | None) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    if secret:
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except urllib.error.URLError:
            # PTB may register the webhook a moment before its server listens.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def get(url: str, retry: bool = False) -> str:
    """The body at ``url``; with ``retry``, waiting for the server to listen (PTB registers
    the webhook a moment before its server does)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return str(response.read().decode())
        except urllib.error.URLError as error:
            if not retry or isinstance(error, urllib.error.HTTPError):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def private_message(user: dict[str, Any], text: str) -> dict[str, Any]:
    chat = {"id": user["id"], "type": "private"}
    return {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "from": user, "chat": chat, "text": text},
    }


def test_webhook_mode_answers_updates_posted_with_the_secret(
    tmp_path: Path, real_model: Embedder
) -> None:
    copy_seeds(tmp_path / "corpus")
    settings = settings_for(tmp_path / "corpus", tmp_path / "index")
    build(settings, embedder=real_model)
    api = FakeBotAPI().start()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/hook-path"
    env = cli_env(
        settings,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api.url,
        CITEBOT_STATE_DIR=str(tmp_path / "state"),
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--webhook",
            hook,
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
            "--secret",
            "s3cret-Value",
        ],
        cwd=RUN_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        api.wait(lambda: api.webhook or process.poll() is not None, 120)
        assert api.webhook["url"] == hook and api.webhook["secret_token"] == "s3cret-Value"
        user = {"id": 5, "is_bot": False, "first_name": "Cy"}
        update = private_message(user, "Which train came from Turkey to China through Azerbaijan?")
        assert post(hook, update, None) == 403  # without the secret: refused
        assert post(hook, [1, 2], "s3cret-Value") == 400  # not an update: refused, no crash
        assert post(hook, update, "s3cret-Value") == 200
        reply = api.wait(lambda: api.sent_to(5))[0]
        assert "Istanbul" in reply["text"]
        metrics = get(f"http://127.0.0.1:{port}/metrics")
        assert 'citebot_questions_total{answered="yes"} 1.0' in metrics
        assert "citebot_answer_seconds_count 1.0" in metrics
        assert "citebot_state_database_up 1.0" in metrics
        assert 'citebot_index_info{version="' in metrics and "citebot_index_age_seconds" in metrics
        assert "s3cret-Value" not in metrics and TOKEN not in metrics and "Istanbul" not in metrics
        assert get(f"http://127.0.0.1:{port}/healthz") == "ok\n"
        assert status(f"http://127.0.0.1:{port}/")[0] == 404  # no public address: no site
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        api.stop()
    assert "s3cret-Value" not in output and TOKEN not in output


def serve(
    settings: Settings, tmp_path: Path, token: str, api: FakeBotAPI, *args: str, **extra: str
) -> Any:
    env = cli_env(
        settings,
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_URL=api.url,
        CITEBOT_STATE_DIR=str(tmp_path / "state"),
        CITEBOT_ADMINS="1",
        **extra,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", *args],
        cwd=RUN_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def webhook(
    settings: Settings, tmp_path: Path, *args: str, **extra: str
) -> tuple[FakeBotAPI, int, str, Any]:
    """`serve --webhook` on a free port with ``args``: the fake API, the port, the hook's
    address, the process."""
    api = FakeBotAPI().start()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/hook"
    process = serve(
        settings, tmp_path, TOKEN, api, "--webhook", hook, "--port", str(port), *args, **extra
    )
    return api, port, hook, process


def test_webhook_without_a_secret_makes_one_and_refuses_forged_updates(
    real_index: Settings, tmp_path: Path
) -> None:
    api, _, hook, process = webhook(real_index, tmp_path)
    try:
        api.wait(lambda: api.webhook or process.poll() is not None, 120)
        secret = api.webhook["secret_token"]
        assert len(secret) >= 32
        forged = private_message({"id": 1, "is_bot": False, "first_name": "Ada"}, "/stats")
        forged["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
        assert post(hook, forged, None) == 403
        assert post(hook, forged, "guessed") == 403
        assert post(hook, forged, secret) == 200
        assert "Questions served" in api.wait(lambda: api.sent_to(1))[0]["text"]
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        api.stop()
    assert "no --secret given" in output
    assert secret not in output and TOKEN not in output


def status(url: str, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


def test_webhook_with_a_public_address_serves_the_reader_beside_it(
    real_index: Settings, tmp_path: Path
) -> None:
    api, port, hook, process = webhook(
        real_index, tmp_path, CITEBOT_PUBLIC_URL="https://reader.example/citebot"
    )
    site = f"http://127.0.0.1:{port}/citebot"
    try:
        api.wait(lambda: api.webhook or process.poll() is not None, 120)
        assert get(f"http://127.0.0.1:{port}/healthz", retry=True) == "ok\n"
        code, page = status(f"{site}/?q=Which+train+came+from+Turkey+to+China")
        assert code == 200 and "Istanbul" in page
        assert 'href="/citebot/article/' in page  # its links stay under its path
        code, page = status(f"{site}/article/azeri-observer-guo-min-interview?p=1")
        assert code == 200 and "<mark>" in page
        assert status(f"{site}/static/site.css")[0] == 200
        assert status(f"{site}/article/nothing")[0] == 404
        assert status(f"{site}/", "POST")[0] == 405  # read-only
        assert status(f"http://127.0.0.1:{port}/reload")[0] == 404  # no admin on the web
        assert post(hook, private_message({"id": 1, "is_bot": False}, "/stats"), None) == 403
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        api.stop()
    assert "the reader's site" in output
    assert TOKEN not in output


def test_a_token_telegram_rejects_is_named_never_printed(
    real_index: Settings, tmp_path: Path
) -> None:
    api = FakeBotAPI().start()  # it knows TOKEN only
    other = "987654:REJECTED-token-that-must-not-leak"
    try:
        process = serve(real_index, tmp_path, other, api)
        output, _ = process.communicate(timeout=120)
    finally:
        api.stop()
    assert process.returncode == 1
    # PTB logs its failed start (redacted); the process ends with our message, not a crash.
    last = output.rstrip().splitlines()[-1]
    assert last.startswith("citebot: error: Telegram rejected TELEGRAM_BOT_TOKEN")
    assert other not in output and "987654" not in output


def huge_post(port: int, path: str, secret: str | None, length: int, send: int) -> bytes:
    """POST headers declaring a body of ``length`` bytes, then up to ``send`` bytes of it;
    what the server answers (b"" where it only closed the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n"
        head += f"{SECRET_HEADER}: {secret}\r\n" if secret else ""
        connection.sendall(f"{head}Content-Type: application/json\r\n\r\n".encode())
        with contextlib.suppress(OSError):  # the server may close while the body goes out
            for _ in range(send // 1_000_000):
                connection.sendall(b" " * 1_000_000)
        try:
            return connection.recv(200)
        except ConnectionResetError:
            return b""


def resident_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return (
        int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
        / 1024
    )


def test_webhook_reads_no_body_before_the_secret_and_none_past_its_cap(
    real_index: Settings, tmp_path: Path
) -> None:
    api, port, hook, process = webhook(real_index, tmp_path, "--secret", "s")
    try:
        api.wait(lambda: api.webhook or process.poll() is not None, 120)
        user = {"id": 5, "is_bot": False, "first_name": "Cy"}
        assert post(hook, private_message(user, "/start"), "s") == 200  # listening now
        before = resident_mb(process.pid)
        for _ in range(6):  # a stranger's 95 MB, sent in full
            said = huge_post(port, "/hook", "wrong", 95_000_000, 95_000_000)
            assert said == b"" or said.startswith(b"HTTP/1.1 403")
        refused = huge_post(port, "/hook", "wrong", 95_000_000, 0)  # answered on the headers
        assert refused.startswith(b"HTTP/1.1 403")
        oversized = huge_post(port, "/hook", "s", 5_000_000, 0)  # with the secret: too big
        assert oversized == b"" or oversized.startswith((b"HTTP/1.1 400", b"HTTP/1.1 413"))
        elsewhere = huge_post(port, "/healthz", None, 95_000_000, 0)
        assert elsewhere == b"" or elsewhere.startswith(b"HTTP/1.1 4")
        assert resident_mb(process.pid) - before < 60  # none of it was kept
        assert post(hook, private_message(user, "/start"), "s") == 200  # still serving
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
        api.stop()
