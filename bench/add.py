"""From `citebot add URL` to the article being searchable, on a copy of the real corpus.

    .venv/bin/python bench/add.py [--runs 3]

A page is served on 127.0.0.1 (the tests' local site); `citebot add URL` fetches it, writes it
into the corpus and builds; the time is from launching the command to its end, when the new
version is published, and a cold `citebot ask` then must cite the article. Median of
``--runs``; target 3 s. Not a test: one run on a shared machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import CORPUS, settings_for  # noqa: E402
from tests.helpers import cli_env  # noqa: E402
from tests.test_add import Site  # noqa: E402


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
    site.stop()
    median = statistics.median(seconds)
    print(f"citebot add URL to searchable: median {median:.2f} s of {args.runs} (target 3 s)")


if __name__ == "__main__":
    main()
