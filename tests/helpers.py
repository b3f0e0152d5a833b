"""Running the real `citebot` command in a subprocess."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from index.settings import Settings
from tests.fakebotapi import FakeBotAPI

REPO = Path(__file__).resolve().parent.parent
# Processes under test run here, not in the repository root, so that a developer's own .env
# (which `citebot` reads from the current directory) can't leak a token or settings into tests.
RUN_DIR = REPO / "tests"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a citebot process run with ``settings``: its paths, and its
    tuned values in a calibration file of their own beside the index."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    calibration = settings.index_dir.with_name(f"{settings.index_dir.name}-calibration.json")
    settings.tuning.write(calibration)
    env.update(
        CITEBOT_CALIBRATION=str(calibration),
        CITEBOT_CORPUS_DIR=str(settings.corpus_dir),
        CITEBOT_INDEX_DIR=str(settings.index_dir),
        CITEBOT_MODELS_DIR=str(settings.models_dir),
        CITEBOT_GLOSSARY=str(settings.glossary) if settings.glossary else "off",
        CITEBOT_TOPIC_RULE=str(settings.topic_rule),
    )
    env.update(extra)
    return env


def citebot(
    settings: Settings, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `citebot ARGS` against ``settings``' corpus and index; never raises on failure."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=cli_env(settings, **env),
        cwd=RUN_DIR,
        timeout=300,
        check=False,
    )


@contextlib.contextmanager
def bot_process(command: str, env: dict[str, str], log: Path, api: FakeBotAPI) -> Iterator[None]:
    """`citebot COMMAND` (run or serve) polling ``api``, its output in ``log``; stopped with
    Ctrl-C (SIGINT) at the end, as a person would."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", command],
            cwd=RUN_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        api.wait(lambda: any(m == "getUpdates" for m, _ in api.calls) or process.poll(), 120)
        assert process.poll() is None, log.read_text()
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
