"""A corpus of dated articles over several years and outlets: answers that depend on when."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bot.charts import timeline_png
from index.evaluate import evaluate, load_questions
from index.indexer.builder import build
from index.search.engine import Engine
from index.search.relevance import CLEARS, Scored, TimeFavour
from index.storage.catalog import StoredPassage
from index.tuning import PACKAGED, Tuning, with_values
from tests.conftest import settings_for, write_article
from tests.fakes import FakeEmbedder

ARTICLES = {
    "2019-gas.md": ("Gas Daily", "2019-04-02", "Azerbaijan and China discussed gas supplies."),
    "2021-gas.md": ("Caspian Wire", "2021-06-10", "Azerbaijan and China signed a gas memo."),
    "2023-gas.md": ("Gas Daily", "2023-09-15", "Azerbaijan and China opened a gas office."),
    "2025-gas.md": ("Caspian Wire", "2025-02-20", "Azerbaijan and China agreed gas prices."),
}


@pytest.fixture
def dated(tmp_path: Path) -> Iterator[Engine]:
    folder = tmp_path / "corpus"
    for name, (source, published, text) in ARTICLES.items():
        front = (
            f"---\ntitle: Gas news {published[:4]}\nsource: {source}\npublished: {published}\n---"
        )
        write_article(folder, name, f"{front}\n\n{text}\n")
    settings = settings_for(folder, tmp_path / "index")
    fake = FakeEmbedder()
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    yield engine
    engine.close()


def test_dated_questions_find_the_article_of_their_time(dated: Engine, tmp_path: Path) -> None:
    rows = [
        (
            "en",
            "What did Azerbaijan and China do on gas in 2021?",
            ["signed a gas memo"],
            {"since": "2021-01-01", "until": "2021-12-31"},
        ),
        (
            "ru",
            "Azerbaijan China gas в 2023 году",
            ["opened a gas office"],
            {"since": "2023-01-01", "until": "2023-12-31"},
        ),
        (
            "zh",
            "Azerbaijan China gas 2019年",
            ["discussed gas supplies"],
            {"since": "2019-01-01", "until": "2019-12-31"},
        ),
        (
            "az",
            "Azerbaijan China gas keçən il",
            ["agreed gas prices"],
            {"since": "2025-01-01", "until": "2025-12-31"},
        ),
        ("en", "latest on Azerbaijan China gas", ["agreed gas prices"], {"recent": True}),
        (
            "en",
            "Azerbaijan China gas before 2020",
            ["discussed gas supplies"],
            {"until": "2019-12-31"},
        ),
    ]
    path = tmp_path / "dated.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": n,
                    "lang": lang,
                    "question": q,
                    "gold": gold,
                    "today": "2026-03-01",
                    "filter": f,
                }
            )
            for n, (lang, q, gold, f) in enumerate(rows)
        ),
        "utf-8",
    )
    report = evaluate(dated, load_questions(path))
    assert (report.dated, report.dated_right) == (6, 6)
    everything = next(s for s in report.scores if s.group == "all")
    assert everything.hit_at_1 == 1.0, report.misses


def test_a_year_asked_about_finds_a_later_article_that_reports_it(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    later = "In 2018 trade between Azerbaijan and China reached 1.3 billion dollars."
    for name, published, text in (
        ("2018-visit.md", "2018-05-02", "Azerbaijan and China discussed a visit to Baku."),
        ("2021-trade.md", "2021-03-01", later),
    ):
        front = f"---\ntitle: News {published[:4]}\nsource: Wire\npublished: {published}\n---"
        write_article(folder, name, f"{front}\n\n{text}\n")
    settings = settings_for(folder, tmp_path / "index")
    fake = FakeEmbedder()
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    today = dt.date(2026, 3, 1)
    found = engine.answer("What was trade between Azerbaijan and China in 2018?", today=today)
    assert not found.held and found.hits[0].text == later  # not held to articles of 2018
    assert dict(found.hits[0].signals)["time"] > 0  # it mentions the year
    # Without the year's favour, the same passages, none removed.
    off = Engine.open(settings.tuned(off=frozenset({"time"})), embedder=fake)
    plain = off.answer("What was trade between Azerbaijan and China in 2018?", today=today)
    assert {h.text for h in plain.hits} == {h.text for h in found.hits}
    assert all("time" not in dict(h.signals) for h in plain.hits)
    off.close()
    engine.close()


def test_timeline_counts_a_topics_passages_per_month_by_outlet(dated: Engine) -> None:
    found = dated.timeline("Azerbaijan and China gas")
    assert (found.months[0], found.months[-1], len(found.months)) == ("2019-04", "2025-02", 71)
    assert sorted(found.passages) == ["Caspian Wire", "Gas Daily"]
    gas_daily = found.passages["Gas Daily"]
    assert gas_daily[found.months.index("2023-09")] == 1 and sum(gas_daily) == 2
    assert (found.first, found.last, found.total) == ("2019-04", "2025-02", 4)
    whole = dated.timeline()
    assert whole.unit == "articles" and sum(whole.articles) == 4
    png = timeline_png(found)
    assert png.startswith(b"\x89PNG") and png[16:24] == (1200).to_bytes(4, "big") + (750).to_bytes(
        4, "big"
    )


class _Shelf:
    """The passages `TimeFavour` reads, by id."""

    def __init__(self, rows: dict[int, tuple[str, str | None]]) -> None:
        self._rows = {
            pid: StoredPassage(pid, f"a{pid}", 0, 1, 1, text, None, "t", None, published, None)
            for pid, (text, published) in rows.items()
        }

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        return {pid: self._rows[pid] for pid in ids if pid in self._rows}


def test_time_favour_moves_up_what_mentions_the_time_or_was_published_then(
    dated: Engine,
) -> None:
    shelf = _Shelf(
        {
            1: ("Trade grew by a fifth, the ministry said.", "2019-03-01"),  # published then
            2: ("Trade grew by a fifth.", "2024-01-01"),  # neither
            3: ("In 2019 trade grew by a fifth.", "2024-01-01"),  # mentions it
            4: ("Trade grew in 2019, 20190 tonnes.", "2019-05-01"),  # both
        }
    )
    tuning = with_values(Tuning.load(PACKAGED), time_mention=0.05, time_published=0.02)
    favour = TimeFavour(shelf, tuning)  # type: ignore[arg-type]
    found = [Scored(pid, 0.5, CLEARS, (("fused", 1.0),)) for pid in (2, 1, 3, 4)]
    query = dated.read("How did trade grow in 2019?", today=dt.date(2026, 3, 1))
    assert query.favoured is not None and query.years == (2019,)
    moved = favour.apply(query, found)
    assert [c.passage_id for c in moved] == [4, 3, 1, 2]
    assert {c.passage_id: dict(c.signals).get("time", 0.0) > 0 for c in moved} == {
        4: True,
        3: True,
        1: True,
        2: False,
    }
    # Read as a filter ("What happened in 2019?"), or naming no time: nothing moves.
    for question in ("What happened in 2019?", "How did trade grow?"):
        assert favour.apply(dated.read(question, today=dt.date(2026, 3, 1)), found) == found
