"""Articles in every language are first class: keyword search reads each in its own language,
and a multilingual model's scores are read against each language's own."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.indexer.builder import build
from index.search.engine import Engine
from index.search.relevance import CLEARS, FOLLOWS, NOT_RELEVANT, Outranked, Scored
from index.search.retrievers import Retrievers
from index.search.spread import Spreads
from index.storage import faiss_index
from index.text.analysis import across, analysed, indexed, terms
from index.text.pinyin import marked, passage_marks
from tests.conftest import TRADE, settings_for, write_article
from tests.fakes import FakeEmbedder


@pytest.mark.parametrize(
    ("passage", "question", "language"),
    [
        ("Товарооборот Азербайджана с Китаем вырос.", "какой товарооборот с китаем?", "ru"),
        ("Azərbaycana gələn turistlərin sayı artıb.", "neçə turist gəlib?", "az"),
        ("Azərbaycana gələn turistlərin sayı artıb.", "nece turistler gelib?", "az"),
        ("阿塞拜疆白兰地出口额增长。", "白兰地出口了多少钱？", "zh"),
    ],
)
def test_a_questions_words_meet_a_passages_across_endings_and_unspaced_script(
    passage: str, question: str, language: str
) -> None:
    stored = set(analysed(passage, language).split())
    asked = terms(question, language)
    assert asked and set(asked) & stored, (asked, stored)


def test_analysis_leaves_english_to_porter_pairs_chinese_and_drops_question_words() -> None:
    assert analysed("Trade grew in 2019", "en") == "Trade grew in 2019"
    assert analysed("阿塞拜疆", "zh") == "阿塞 塞拜 拜疆"
    assert analysed("2019年", "zh") == "2019 年"
    assert terms("What was agreed?", "en") == ["agreed"]  # "what", "was": the question's
    assert "多少" not in "".join(terms("出口了多少钱？", "zh"))
    assert terms("какой был товарооборот?", "ru") == ["товарооборот"]
    assert "Huawei".casefold() in terms("Huawei Azərbaycanda nə edir?", "az")  # names stay


def _corpus(folder: Path, articles: dict[str, tuple[str, str]] | None = None) -> None:
    """One-paragraph articles, by file name: (language, text)."""
    articles = articles or {
        "en.md": ("en", "Trade between Azerbaijan and China grew by a fifth in 2023."),
        "ru.md": ("ru", "Товарооборот Азербайджана с Китаем вырос на пятую часть."),
        "zh.md": ("zh", "阿塞拜疆白兰地和葡萄酒出口额增长了两成。"),
    }
    for name, (language, text) in articles.items():
        front = f"---\ntitle: {name}\nsource: Wire\nlanguage: {language}\n---"
        write_article(folder, name, f"{front}\n\n{text}\n")


def test_keyword_search_finds_russian_and_chinese_passages_by_their_own_words(
    tmp_path: Path,
) -> None:
    _corpus(tmp_path / "corpus")
    settings = settings_for(tmp_path / "corpus", tmp_path / "index")
    fake = FakeEmbedder()
    build(settings, embedder=fake)
    # Every model embeds the passage as written, never the keyword index's analysed form.
    assert "Товарооборот Азербайджана с Китаем вырос на пятую часть." in fake.embedded
    assert "阿塞拜疆白兰地和葡萄酒出口额增长了两成。" in fake.embedded
    engine = Engine.open(settings, embedder=fake)
    for question, expected in (
        ("Каким был товарооборот с Китая?", "ru.md"),  # "Китая", "Китаем": stemmed alike
        ("白兰地出口多少？", "zh.md"),
    ):
        query = engine.read(question)
        found = engine.stages.retrievers.keywords(query, 3)
        rows = engine.stages.shelf.passages([pid for pid, _ in found])
        assert [rows[pid].article_id for pid, _ in found][:1] == [expected.removesuffix(".md")]
    engine.close()


def test_chinese_names_are_read_in_pinyin_marked_apart_from_english_words() -> None:
    stored = indexed("侯逸凡在合肥说，我们欢迎。", "zh").split()
    assert {"pyhefei", "pyyifan", "pyhouyifan"} <= set(stored)
    assert not {"women", "pywomen"} & set(stored)  # 我们 ("we"): a function word
    assert "pyhefei" in passage_marks(["合肥"])
    assert marked("Did Hou Yifan play in Hefei?") == [
        *("pyyifan", "pyhouyifan", "pyplay", "pyyifanplay", "pyhefei")  # "in": a stopword
    ]
    assert {"pyxinjiang", "pyyema", "pyxinjiangyema"} <= set(marked("what did xinjiang yema say"))
    assert "huawei" in across("华为在巴库做什么？", "zh") and "baku" in across("巴库", "zh")
    assert across("Что Хуавэй делает в Баку?", "ru") == []


def test_names_meet_across_the_chinese_and_latin_scripts_without_a_glossary(
    tmp_path: Path,
) -> None:
    articles = {
        "zh.md": ("zh", "侯逸凡在合肥的比赛中获胜。我们很高兴。"),
        "en.md": ("en", "Huawei opened an academy in Baku with women engineers."),
        "en2.md": ("en", "A chess olympiad was held in Baku with many teams."),
    }
    _corpus(tmp_path / "corpus", articles)
    settings = settings_for(tmp_path / "corpus", tmp_path / "index")
    build(settings, embedder=FakeEmbedder())
    engine = Engine.open(settings, embedder=FakeEmbedder())

    def first(question: str) -> list[str]:
        found = engine.stages.retrievers.keywords(engine.read(question), 3)
        rows = engine.stages.shelf.passages([pid for pid, _ in found])
        return [rows[pid].article_id for pid, _ in found]

    assert first("Where did Hou Yifan win?")[:1] == ["zh"]
    assert first("where did hou yifan win")[:1] == ["zh"]  # typed in lower case
    assert first("华为在巴库开办了什么？")[:1] == ["en"]
    assert "zh" not in first("How many women engineers?")  # 我们 (women) is no match
    # A name the glossary gives in English is not looked for twice in pinyin.
    assert "huawei" in engine.read("华为在巴库开办了什么？").keywords.split()
    engine.close()
    off = Engine.open(settings.tuned(off=frozenset({"pinyin"})), embedder=FakeEmbedder())
    assert "huawei" not in off.read("华为在巴库开办了什么？").keywords.split()
    assert not [w for w in off.read("Where did Hou Yifan win?").keywords.split() if "py" in w]
    off.close()
    glossary = tmp_path / "glossary.yaml"
    glossary.write_text("terms:\n  Huawei: [华为]\n", encoding="utf-8")
    engine = Engine.open(
        settings_for(tmp_path / "corpus", tmp_path / "index", CITEBOT_GLOSSARY=str(glossary)),
        embedder=FakeEmbedder(),
    )
    assert engine.read("华为在巴库开办了什么？").keywords.split().count("Huawei") == 1
    assert "huawei" not in engine.read("华为在巴库开办了什么？").keywords.split()

    # What fusion ranks above a passage that clears the threshold may follow it, whatever
    # its own cosine (a name met in another script); not where a lookup's words answer.
    query, rule = engine.read("Where did Hou Yifan win?"), Outranked()
    found = [Scored(1, 0.7, NOT_RELEVANT), Scored(2, 0.9, CLEARS), Scored(3, 0.6, NOT_RELEVANT)]
    assert [c.level for c in rule.apply(query, found)] == [FOLLOWS, CLEARS, NOT_RELEVANT]
    assert rule.apply(query, [replace(c, level=NOT_RELEVANT) for c in found]) == [
        replace(c, level=NOT_RELEVANT) for c in found
    ]
    looked = [found[0], replace(found[1], signals=(("all_words", 1.0),)), found[2]]
    assert rule.apply(query, looked) == looked
    engine.close()


class _Languages:
    """A shelf that knows only its passages' languages."""

    def __init__(self, languages: dict[int, str]) -> None:
        self._languages = languages

    def languages(self, ids: list[int] | None = None) -> dict[int, str]:
        return {pid: lang for pid, lang in self._languages.items() if ids is None or pid in ids}


def test_keyword_scores_are_read_per_language_above_a_floor() -> None:
    shelf = _Languages({1: "az", 2: "az", 3: "zh"})
    found = [(1, 60.0), (2, 30.0), (3, 2.0)]  # "2019" alone, met in a Chinese passage

    def scores(floor: float) -> dict[int, float]:
        retrievers = Retrievers(shelf, {}, None, None, per_language=10, keyword_floor=floor)  # type: ignore[arg-type]
        return retrievers._keyword_scores(found)

    assert scores(0.0) == {1: 1.0, 2: 0.5, 3: 1.0}  # each language's best is its own
    assert scores(0.25) == {1: 1.0, 2: 0.5, 3: pytest.approx(2.0 / 15.0)}


def _index(vectors: np.ndarray, ids: list[int]) -> object:
    return faiss_index.new_index(vectors.shape[1], "Flat", vectors.astype(np.float32), ids)


def _unit(rows: np.ndarray) -> np.ndarray:
    found: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return found


def test_a_passage_in_another_language_is_scored_as_far_above_its_own_as_it_stands() -> None:
    rng = np.random.default_rng(7)
    dimension, own_axis, other_axis = 16, np.eye(16)[0], np.eye(16)[1]
    # The question's language lies along one axis, the other language along another: the
    # model scores the other language's passages lower, whatever they say.
    own = _unit(own_axis + 0.3 * rng.normal(size=(40, dimension)))
    other = _unit(other_axis + 0.3 * rng.normal(size=(40, dimension)))
    question = _unit((own_axis + 0.6 * other_axis)[None, :])[0].astype(np.float32)
    answer = _unit((other_axis + 0.3 * question)[None, :])  # stands out among its own
    vectors = np.vstack([own, other, answer])
    ids = list(range(1, len(vectors) + 1))
    languages = {pid: "en" if pid <= 40 else "zh" for pid in ids}
    index = _index(vectors, ids)
    spreads = Spreads.measure(index, languages)
    raw = {pid: float(vectors[pid - 1] @ question) for pid in ids}
    adjusted = spreads.adjusted(question, raw, languages)
    best_own = max(raw[pid] for pid in ids if languages[pid] == "en")
    assert raw[81] < best_own < adjusted[81]  # below the question's language, then above it
    assert all(adjusted[pid] == raw[pid] for pid in ids if languages[pid] == "en")
    # Each language proposes its own nearest passages.
    found = faiss_index.search_among(index, question, 3, spreads.selector("zh"))
    assert found[0][0] == 81 and all(languages[pid] == "zh" for pid, _ in found)
    # One language alone: nothing to correct.
    alone = Spreads.measure(index, dict.fromkeys(ids, "en"))
    assert alone.adjusted(question, raw, languages) == raw


BUSES_RU = """---
title: Электробусы BYD в Баку
source: Пример
published: 2024-05-01
---

Первые электробусы BYD прибыли в Баку в мае. Их соберут на заводе в Гяндже, сказал министр.
"""


def test_the_english_model_reads_no_other_languages_sentences(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    write_article(folder, "buses.md", BUSES_RU)
    write_article(folder, "trade.md", TRADE)
    settings = settings_for(folder, tmp_path / "index")
    main, multilingual = FakeEmbedder(), FakeEmbedder(model_id="fake/multilingual")
    build(settings, embedder=main, extra=[multilingual])
    russian = "Их соберут на заводе в Гяндже, сказал министр."
    assert russian in multilingual.embedded  # its sentences: by the multilingual model
    assert russian not in main.embedded  # not by MiniLM, which reads English only
    assert any("Первые электробусы" in text for text in main.embedded)  # the passage: both
    english = "Exports of crude oil dominated, while imports of electric buses and solar panels"
    assert any(text.startswith(english) for text in main.embedded)
    # An English question's Russian passage gets its sentence in bold from the model that
    # read it, with nothing embedded as it is asked.
    engine = Engine.open(settings, main, [multilingual])
    before = len(main.embedded)
    found = engine.answer("BYD buses in Baku", 5)
    ids = [hit.article.id for hit in found.hits]
    assert "buses" in ids
    assert found.highlights[ids.index("buses")] is not None
    assert len(main.embedded) == before
    engine.close()
    # Without a multilingual model, MiniLM reads every sentence, as before.
    alone = FakeEmbedder()
    build(settings_for(folder, tmp_path / "alone"), embedder=alone)
    assert russian in alone.embedded
