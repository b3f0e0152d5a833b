"""A corpus of dated articles over several years and outlets: answers that depend on when."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.charts import timeline_png
from index.evaluate import evaluate, load_questions
from index.indexer.builder import build
from index.search.engine import Engine
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
