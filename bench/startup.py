"""What a user waits for from a cold process: `citebot ask`, adding one article, `make run`.

    .venv/bin/python bench/startup.py [--runs 3]

On a copy of the real corpus with its index built: `citebot ask "…"` (wall seconds and peak
memory of the process), `citebot index build` after one new article is dropped in, and
`make run` to the bot's first answer (bench/bot.py's measurement). Medians of ``--runs``, printed
beside the figures before the query path stopped importing torch. Not a test: one run on a
shared machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bot import _first_answer_s  # noqa: E402
from bench.engine import CORPUS, settings_for  # noqa: E402
from index.settings import Settings  # noqa: E402
from tests.helpers import cli_env  # noqa: E402

# Measured with torch on the query path (issue 12; bench/bot.py for `make run`).
BEFORE = {"ask_s": 10.0, "ask_mb": 637.0, "add_s": 9.5, "run_s": 5.9}
TARGET = {"ask_s": 1.5, "ask_mb": 350.0, "add_s": 3.0, "run_s": 2.5}
ARTICLE = """---
title: Azerbaijan and China open a joint tea research centre
source: Caspian Wire
published: 2025-06-02
---

Azerbaijan and China opened a joint tea research centre in Lankaran on Monday, where botanists
from Hangzhou will breed frost-resistant tea bushes for the Caspian coast.
"""


def run(settings: Settings, *args: str) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of `citebot ARGS` in a fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT / "tests",  # no developer .env
        env=cli_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"citebot {' '.join(args)} failed")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(CORPUS, work / "corpus")
        settings = settings_for(work / "corpus", work / "index")
        run(settings, "index", "build", "--quiet")
        asks = [
            run(settings, "ask", "Who is China's ambassador to Azerbaijan?")
            for _ in range(args.runs)
        ]
        adds = []
        for _ in range(args.runs):
            (work / "corpus" / "tea.md").write_text(ARTICLE, "utf-8")
            adds.append(run(settings, "index", "build", "--quiet")[0])
            (work / "corpus" / "tea.md").unlink()
            run(settings, "index", "build", "--quiet")
        starts = [_first_answer_s(settings, work) for _ in range(args.runs)]
    now = {
        "ask_s": statistics.median(s for s, _ in asks),
        "ask_mb": statistics.median(m for _, m in asks),
        "add_s": statistics.median(adds),
        "run_s": statistics.median(starts),
    }
    labels = {
        "ask_s": "citebot ask, cold, index current (s)",
        "ask_mb": "citebot ask, peak memory (MB)",
        "add_s": "citebot index build after adding one article (s)",
        "run_s": "make run to the bot's first answer (s)",
    }
    print(f"{'':<50} {'before':>8} {'now':>8} {'target':>8} {'ratio':>7}")
    for key, label in labels.items():
        ratio = BEFORE[key] / now[key]
        print(
            f"{label:<50} {BEFORE[key]:>8.1f} {now[key]:>8.2f} {TARGET[key]:>8.1f} {ratio:>6.1f}x"
        )


if __name__ == "__main__":
    main()
