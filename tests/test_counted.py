"""A "how many" question is answered only by passages that name what it counts; else it is
refused, and they are offered as related reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.terminal import Style, format_answer
from index.indexer.builder import build
from index.search.engine import Engine
from index.search.gates import UNCOUNTED
from index.text.counted import Counted, counted, names
from tests.conftest import settings_for, write_article
from tests.fakes import FakeEmbedder

VISIT = """---
title: Defence ministers meet in Beijing
source: Example Wire
published: 2018-05-02
---

In April 2018 the Azerbaijani defence minister visited China, and after talks in Beijing
the two ministers signed a document on military assistance and training cooperation.
"""

CADETS = """---
title: Cadets head to China
source: Example Wire
published: 2019-09-01
---

Forty Azerbaijani officers left for China to study at military academies under the
assistance document the two defence ministers signed in Beijing.
"""


@pytest.mark.parametrize(
    ("question", "language", "thing"),
    [
        ("How many Azerbaijani officers went to China?", "en", Counted("en", "offic")),
        ("how many barrels of oil did they produce?", "en", Counted("en", "barrel")),
        ("How many did they sign?", "en", None),  # a count of nothing named
        ("How much did Huawei spend?", "en", None),
        ("сколько пассажиров перевезла China Southern?", "ru", Counted("ru", "пассажир")),
        ("Сколько всего правовых документов подписано?", "ru", Counted("ru", "документ")),
        ("Сколько стоит обучение?", "ru", None),  # a verb: the price of nothing counted
        ("Azərbaycana neçə çinli turist gəlib?", "az", Counted("az", "turist")),
        ("湖州师范学院每年给阿塞拜疆学生多少个奖学金名额？", "zh", Counted("zh", "奖学")),
        ("2018年有多少中国游客到访阿塞拜疆？", "zh", Counted("zh", "游客")),
        ("出口涨了多少？", "zh", None),
        ("What did the ministers sign?", "en", None),
    ],
)
def test_the_thing_a_question_counts(question: str, language: str, thing: Counted | None) -> None:
    assert counted(question, language) == thing


def test_a_text_names_the_thing_counted_in_any_of_its_forms() -> None:
    assert names("Forty officers left.", Counted("en", "offic"))
    assert names("One officer left.", Counted("en", "offic"))
    assert not names("The official visit ended.", Counted("en", "offic"))
    assert names("перевезла миллион пассажиров", Counted("ru", "пассажир"))
    assert names("44 798 Çin turistləri gəlib", Counted("az", "turist"))
    assert names("设立了10个奖学金名额", Counted("zh", "奖学"))
    assert not names("the minister visited China", Counted("en", "offic"))


def engine_over(tmp_path: Path, *articles: tuple[str, str], **env: str) -> Engine:
    folder = tmp_path / "corpus"
    for name, text in articles:
        write_article(folder, name, text)
    settings = settings_for(folder, tmp_path / "index", **env)
    fake = FakeEmbedder()
    build(settings, embedder=fake)
    return Engine.open(settings, embedder=fake)


QUESTION = "How many Azerbaijani officers went to China under the military assistance document?"


def test_a_count_no_passage_gives_is_refused_with_related_reading(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, ("visit.md", VISIT))
    found = engine.answer(QUESTION, 3)
    assert not found.answered and found.refusal == UNCOUNTED
    assert [hit.article.title for hit in found.related] == ["Defence ministers meet in Beijing"]
    assert json.loads(json.dumps(found.to_json()))["refusal"] == "uncounted"
    shown = format_answer(found, Style(False))
    assert "none gives the number asked. Related reading:" in shown
    assert "Defence ministers meet in Beijing" in shown
    russian = engine.answer("Сколько азербайджанских офицеров поехали в Китай учиться?", 3)
    assert russian.refusal != UNCOUNTED  # English passages: not judged in Russian words
    engine.close()


def test_a_count_a_passage_gives_is_answered(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, ("visit.md", VISIT), ("cadets.md", CADETS))
    found = engine.answer(QUESTION, 3)
    assert found.answered
    assert "Cadets head to China" in [hit.article.title for hit in found.hits]
    engine.close()


def test_the_counted_gate_can_be_switched_off(tmp_path: Path) -> None:
    engine = engine_over(tmp_path, ("visit.md", VISIT))
    off = Engine.open(engine.settings.tuned(off=frozenset({"counted-gate"})), engine.embedder)
    assert off.answer(QUESTION, 3).answered
    off.close()
    engine.close()
