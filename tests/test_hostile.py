"""One hostile source never stops the others: attacks through the real `citebot` command
against servers on 127.0.0.1 (tests/hostile.py), and the extractors fed random bytes."""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.state import BotState
from index.errors import SourceError
from index.ingest.addresses import is_public
from index.ingest.extract import extract
from index.ingest.feeds import parse_feed
from index.settings import Settings
from tests.conftest import REPO, settings_for
from tests.helpers import RUN_DIR, citebot, cli_env
from tests.hostile import (
    GOOD,
    NETWORK,
    PUBLIC,
    HostileSite,
    bomb_pdf,
    dawdles,
    fails_then,
    feed,
    page,
    serves,
    stories,
    story_date,
    trickles,
)
from tests.website import REPORT

pytestmark = pytest.mark.slow
HTML = "text/html; charset=utf-8"
TOPIC = str(REPO / "corpus" / "topic.yaml")


@pytest.fixture
def hostile() -> Iterator[HostileSite]:
    served = HostileSite()
    yield served
    served.stop()


@pytest.fixture
def local(corpus: Path, tmp_path: Path) -> Settings:
    return settings_for(corpus, tmp_path / "index", CITEBOT_TOPIC_RULE=TOPIC)


def run(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`citebot ARGS` with links to 127.0.0.1 allowed, MiniLM alone and its own state."""
    defaults = {
        "CITEBOT_ALLOW_PRIVATE_URLS": "1",
        "CITEBOT_MULTILINGUAL": "off",
        "CITEBOT_STATE_DIR": str(settings.index_dir.parent / "state"),
        "CITEBOT_FETCH_TIMEOUT": "5",
    }
    return citebot(settings, *args, **{**defaults, **env})


def indexed(settings: Settings) -> str:
    return run(settings, "sources").stdout


# -- 1. a PDF that inflates to a gigabyte, and every parser's own failure --


def test_add_goes_on_past_a_pdf_bomb_and_indexes_the_rest(local: Settings, tmp_path: Path) -> None:
    (tmp_path / "good.html").write_bytes(page("Solar parks near Sumgayit", "Caspian Wire", "A."))
    (tmp_path / "bomb.pdf").write_bytes(bomb_pdf())
    (tmp_path / "good2.html").write_bytes(page("Trains from Xi'an", "Rail Daily", "Trains."))
    done = run(local, "add", *(str(tmp_path / n) for n in ("good.html", "bomb.pdf", "good2.html")))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "bomb.pdf: the PDF unpacks to more than citebot reads" in done.stderr
    assert "added from 2 articles" in done.stdout
    listed = indexed(local)
    assert "Solar parks near Sumgayit" in listed and "Trains from Xi'an" in listed


def test_feeds_poll_records_a_bomb_as_failed_and_goes_on_to_the_next_entry_and_feed(
    local: Settings, hostile: HostileSite
) -> None:
    hostile.routes["/bomb.pdf"] = serves(200, "application/pdf", bomb_pdf())
    hostile.routes["/story/"] = stories
    hostile.routes["/a.xml"] = serves(
        200,
        "application/rss+xml",
        feed([("bomb", f"{hostile.url}/bomb.pdf", None), ("s1", f"{hostile.url}/story/1", None)]),
    )
    hostile.routes["/b.xml"] = serves(
        200, "application/rss+xml", feed([("s2", f"{hostile.url}/story/2", None)])
    )
    assert run(local, "feeds", "add", f"{hostile.url}/a.xml", "--name", "a").returncode == 0
    assert run(local, "feeds", "add", f"{hostile.url}/b.xml", "--name", "b").returncode == 0
    done = run(local, "feeds", "poll")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "failed  a: Story bomb" in done.stdout and "compression bomb" in done.stdout
    assert "added from 2 articles" in done.stdout
    log = run(local, "feeds", "log").stdout
    assert "failed  a: Story bomb (" in log and "1 of 4 tries" in log
    assert "taken   b: Story s2" in log and "taken   a: Story s1" in log
    listed = indexed(local)
    assert "Story 1 from the corridor" in listed and "Story 2 from the corridor" in listed


@pytest.mark.parametrize("kind", ["html", "pdf", "md", "txt"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_extractors_raise_only_a_source_error_on_random_and_mutated_bytes(
    kind: str, data: st.DataObject
) -> None:
    seeds = {"html": GOOD, "pdf": REPORT, "md": b"---\ntitle: A\n---\n\nText.\n", "txt": b"T\n\nx"}
    raw = data.draw(st.one_of(st.binary(max_size=2000), _mutated(seeds[kind])))
    with contextlib.suppress(SourceError):  # and nothing else
        extract(raw, kind, f"x.{kind}")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_feed_parser_raises_only_a_source_error_on_random_and_mutated_bytes(
    data: st.DataObject,
) -> None:
    seed = feed([("a", "http://127.0.0.1:9/a", story_date(3)), ("b", "http://x/b", "Monday")])
    raw = data.draw(st.one_of(st.binary(max_size=2000), _mutated(seed)))
    with contextlib.suppress(SourceError):  # and nothing else
        parse_feed(raw, "http://127.0.0.1:9/feed")


def _mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """``seed`` with bytes flipped, cut short, or a piece repeated."""

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, max(0, len(data) - 1)))
            how = draw(st.sampled_from(["flip", "cut", "repeat", "nest"]))
            if how == "flip" and data:
                data[at] = draw(st.integers(0, 255))
            elif how == "cut":
                del data[at:]
            elif how == "repeat":
                data[at:at] = data[at : at + draw(st.integers(1, 64))] * draw(st.integers(1, 50))
            else:
                data[at:at] = b"<div>" * draw(st.integers(1, 3000))
        return bytes(data)

    return mutate()


def test_a_page_nested_past_the_recursion_limit_is_that_files_error() -> None:
    deep = b"<html><body>" + b"<div>" * 200_000 + b"China and Azerbaijan" + b"</body></html>"
    with pytest.raises(SourceError, match=r"deep\.html"):
        extract(deep, "html", "deep.html")


# -- 2. one deadline for the whole fetch --


def test_add_gives_up_on_a_trickling_server_within_its_deadline(
    local: Settings, hostile: HostileSite
) -> None:
    hostile.routes["/trickle"] = trickles(HTML, GOOD)
    hostile.routes["/dawdle"] = dawdles(1.2, "/dawdle2")
    hostile.routes["/dawdle2"] = dawdles(1.2, "/good")
    hostile.routes["/good"] = serves(200, HTML, GOOD)
    started = time.monotonic()
    done = run(
        local, "add", "--no-build", f"{hostile.url}/trickle", f"{hostile.url}/dawdle",
        CITEBOT_FETCH_TIMEOUT="2",
    )  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("did not answer within 2 s") == 2  # the hops add up
    assert took < 60  # a byte every half second would have held it for minutes


def test_one_slow_feed_holds_up_no_other(local: Settings, hostile: HostileSite) -> None:
    hostile.routes["/slow.xml"] = trickles("application/rss+xml", feed([]), every=0.3)
    hostile.routes["/story/"] = stories
    hostile.routes["/fast.xml"] = serves(
        200, "application/rss+xml", feed([("s7", f"{hostile.url}/story/7", None)])
    )
    run(local, "feeds", "add", f"{hostile.url}/slow.xml", "--name", "slow")
    run(local, "feeds", "add", f"{hostile.url}/fast.xml", "--name", "fast")
    done = run(local, "feeds", "poll", "--dry-run", CITEBOT_FETCH_TIMEOUT="4")
    assert "taken   fast: Story s7 (would be added)" in done.stdout
    assert "failed  slow: the feed (" in done.stdout and "within 4 s" in done.stdout
    slow = next(t for t, path, what in hostile.log if path == "/slow.xml" and what == "start")
    story = next(t for t, path, what in hostile.log if path == "/story/7" and what == "end")
    assert story - slow < 4  # read while the slow feed was still trickling, not after it


# -- 3 and 4. never inward: DNS rebinding, and IPv6 forms that embed an IPv4 address --


def guarded(settings: Settings, tmp_path: Path, *args: str) -> tuple[str, list[str]]:
    """`citebot ARGS` as the SSRF guard runs it (no private links), on a network where
    ``.rebind.test`` names rebind and only the loopback can be reached; its error output and
    the addresses it tried to connect to."""
    folder = tmp_path / "network"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(NETWORK)
    connects = tmp_path / "connects.log"
    connects.write_text("")
    env = cli_env(
        settings,
        PYTHONPATH=f"{folder}:{REPO}",
        CITEBOT_TEST_CONNECTS=str(connects),
        CITEBOT_MULTILINGUAL="off",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "add", "--no-build", *args],
        capture_output=True, text=True, env=env, cwd=RUN_DIR, timeout=120, check=False,
    )  # fmt: skip
    return done.stderr, connects.read_text().split()


def test_a_name_that_rebinds_to_the_loopback_is_connected_only_where_it_was_checked(
    local: Settings, tmp_path: Path, hostile: HostileSite
) -> None:
    hostile.routes["/secret"] = serves(200, HTML, page("Internal", "Intranet", "Secret."))
    said, connects = guarded(local, tmp_path, f"http://evil.rebind.test:{hostile.port}/secret")
    assert hostile.asked["/secret"] == 0  # never reached the server behind the loopback
    assert connects == [PUBLIC]  # the checked address, and only it
    assert "could not be fetched" in said


@pytest.mark.parametrize(
    "host",
    [
        "[64:ff9b::7f00:1]",  # NAT64
        "[2002:7f00:1::]",  # 6to4
        "[::7f00:1]",  # IPv4-compatible
        "[::ffff:0:7f00:1]",  # IPv4-translated
        "[::ffff:7f00:1]",  # IPv4-mapped
    ],
)
def test_ipv6_forms_of_the_loopback_are_refused(
    local: Settings, tmp_path: Path, hostile: HostileSite, host: str
) -> None:
    said, connects = guarded(local, tmp_path, f"http://{host}:{hostile.port}/secret")
    assert "a private or local address" in said and connects == []


def test_embedded_ipv4_addresses_are_judged_by_what_they_embed() -> None:
    for private in ("10.0.0.1", "169.254.169.254", "192.168.1.1", "127.0.0.1", "0.0.0.0"):
        value = int(ipaddress.IPv4Address(private))
        for wrapped in (
            f"64:ff9b::{private}",
            f"::ffff:0:{private}",
            f"::{private}",
            f"::ffff:{private}",
            str(ipaddress.IPv6Address((0x2002 << 112) | (value << 80))),
        ):
            assert not is_public(wrapped), wrapped
    assert is_public("64:ff9b::8.8.8.8") and is_public("2002:808:808::1")
    assert not is_public("64:ff9b:1::a00:1") and not is_public("fe80::1")
    assert is_public("2a00:1450:4001:81b::200e") and is_public("93.184.216.34")


# -- 5. a title that slugs to nothing --


def test_articles_whose_names_slug_to_nothing_are_added_and_searchable(
    local: Settings, tmp_path: Path, hostile: HostileSite
) -> None:
    hostile.routes["/untitled"] = serves(200, HTML, page("???", "!!!", "Nothing to name."))
    (tmp_path / "underscore.md").write_text(
        "---\ntitle: _\n---\n\nChina and Azerbaijan agreed on a ferry line across the "
        "Caspian Sea from Baku, the ministry said.\n",
        encoding="utf-8",
    )
    done = run(local, "add", f"{hostile.url}/untitled", str(tmp_path / "underscore.md"))
    assert done.returncode == 0, done.stderr
    added = sorted(p.name for p in local.corpus_dir.glob("article-*.md"))
    assert len(added) == 2 and not any(p.name.startswith(".") for p in local.corpus_dir.iterdir())
    assert "added from 2 articles" in done.stdout
    asked = run(local, "ask", "ferry line across the Caspian Sea from Baku", "--json")
    assert '"title": "_"' in asked.stdout


# -- 9. text that turns the citation around --


def test_bidirectional_controls_never_reach_a_citation(
    local: Settings, hostile: HostileSite
) -> None:
    title = "Solar \u202edeal\u202c signed \u2066in\u2069 Baku\u200f"
    hostile.routes["/bidi"] = serves(200, HTML, page(title, "Caspian\u202e Wire", "Solar."))
    done = run(local, "add", f"{hostile.url}/bidi")
    assert done.returncode == 0, done.stderr
    written = next(local.corpus_dir.glob("caspian-wire--*.md")).read_text("utf-8")
    shown = [done.stdout, written, indexed(local), run(local, "ask", "solar deal Baku").stdout]
    controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    for text in shown:
        assert not set(text) & set(controls)
    assert "Solar deal signed in Baku" in shown[2]


# -- 8. two `citebot add` at once --


def test_two_adds_at_once_both_index_and_a_busy_lock_is_told_truthfully(
    local: Settings, hostile: HostileSite
) -> None:
    hostile.routes["/story/"] = stories
    first = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "add", f"{hostile.url}/story/1"],
        env=cli_env(local, CITEBOT_ALLOW_PRIVATE_URLS="1", CITEBOT_MULTILINGUAL="off"),
        cwd=RUN_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    second = run(local, "add", f"{hostile.url}/story/2")
    _, err = first.communicate(timeout=300)
    assert (first.returncode, second.returncode) == (0, 0), err + second.stderr
    listed = indexed(local)
    assert "Story 1 from the corridor" in listed and "Story 2 from the corridor" in listed

    local.index_dir.mkdir(parents=True, exist_ok=True)
    with (local.index_dir / "build.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a build that runs on
        busy = run(local, "add", "--wait", "1", f"{hostile.url}/story/3")
    assert busy.returncode == 75 and "waiting for the build that is running" in busy.stderr
    assert "1 article saved but not searchable yet" in busy.stderr
    assert len(list(local.corpus_dir.glob("corridor-wire--story-3-*.md"))) == 1
    assert "Story 3" not in indexed(local)
    assert run(local, "index", "build").returncode == 0
    assert "Story 3 from the corridor" in indexed(local)


# -- 7 and 10. a feed of thousands of entries; failed entries tried again --


def test_a_poll_takes_the_newest_entries_up_to_its_cap_and_defers_the_rest(
    local: Settings, hostile: HostileSite
) -> None:
    count = 5500
    items = [(f"s{n}", f"{hostile.url}/story/{n}", story_date(n)) for n in range(count)]
    hostile.routes["/many.xml"] = serves(200, "application/rss+xml", feed(items))
    hostile.routes["/story/"] = stories
    run(local, "feeds", "add", f"{hostile.url}/many.xml", "--name", "many")
    done = run(local, "feeds", "poll", "--dry-run")
    assert done.stdout.count("would be added") == 50
    hostile.asked.clear()
    polled = run(local, "feeds", "poll", CITEBOT_FEED_ENTRIES="3")
    assert polled.returncode == 0, polled.stderr
    fetched = sorted(p for p in hostile.asked if p.startswith("/story/"))
    assert fetched == ["/story/5497", "/story/5498", "/story/5499"]  # the newest first
    assert "5,497 entries left for later polls (at most 3 a poll, newest first)" in polled.stdout
    log = run(local, "feeds", "log").stdout
    assert "deferred many: 5,497 entries (left for later polls" in log
    again = run(local, "feeds", "poll", CITEBOT_FEED_ENTRIES="3")
    assert "taken   many: Story s5496" in again.stdout and "5,494 entries left" in again.stdout
    assert "6 taken, 0 skipped, 0 failed, 5,494 waiting" in run(local, "feeds", "list").stdout


def test_a_failed_entry_is_tried_again_later_and_given_up_after_a_bound(
    local: Settings, hostile: HostileSite
) -> None:
    hostile.routes["/flaky"] = fails_then(1, serves(200, HTML, GOOD))
    hostile.routes["/gone"] = serves(404, "text/plain", b"gone")
    hostile.routes["/f.xml"] = serves(
        200,
        "application/rss+xml",
        feed([("flaky", f"{hostile.url}/flaky", None), ("gone", f"{hostile.url}/gone", None)]),
    )
    run(local, "feeds", "add", f"{hostile.url}/f.xml", "--name", "f")
    first = run(local, "feeds", "poll")
    assert "failed  f: Story flaky" in first.stdout and "answered 503" in first.stdout
    listed = run(local, "feeds", "list").stdout
    assert "0 taken, 0 skipped, 2 failed (2 to retry)" in listed
    waiting = run(local, "feeds", "poll")  # within the hour: nothing is due
    assert hostile.asked["/flaky"] == 1 and "nothing new" in waiting.stdout
    with sqlite3.connect(local.index_dir.parent / "state" / "bot.sqlite") as db:
        db.execute("UPDATE feed_entries SET retry_at = retry_at - 3600")  # an hour passes
    for _ in range(5):  # now without a wait between tries
        run(local, "feeds", "poll", CITEBOT_FEED_RETRY="0")
    assert hostile.asked["/flaky"] == 2 and hostile.asked["/gone"] == 4  # the bound
    listed = run(local, "feeds", "list").stdout
    assert "1 taken, 0 skipped, 1 failed" in listed and "to retry" not in listed
    log = run(local, "feeds", "log").stdout
    assert "answered 404 Not Found; 4 of 4 tries, not tried again" in log
    assert "China and Azerbaijan sign a solar deal" in indexed(local)
    state = BotState.sqlite(local.index_dir.parent / "state" / "bot.sqlite")
    try:
        (found,) = state.feeds.feeds()
        assert (found.taken, found.failed, found.retrying) == (1, 1, 0)
    finally:
        state.close()
