"""The one-line answer above the passages: a sentence of the first passage, quoted verbatim,
only where it clears its own threshold, never an interviewer's question."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.render import answer_line
from bot.terminal import Style, format_answer
from index.indexer.builder import build
from index.records import Answer
from index.search.engine import Engine
from index.search.present import _closeness
from index.text.answers import asks, gives, shared, wanted, words
from index.text.language import as_written
from index.tuning import PACKAGED, Tuning
from tests.conftest import settings_for, write_article
from tests.fakebotapi import parse_html
from tests.fakes import FakeEmbedder

SENTENCE_CLEARS = Tuning.load(PACKAGED).sentence_clears

INTERVIEW = """---
title: The ambassador on trade
source: Azeri Observer
published: 2021-05-01
url: https://observer.example/interview
---

Q.: How did trade between China and Azerbaijan change in 2020?

A.: Trade between China and Azerbaijan rose by a tenth in 2020, the ambassador said.
"""


def engine_over(corpus: Path, tmp_path: Path, **env: Any) -> Engine:
    settings = settings_for(corpus, tmp_path / "index", **{"min_words": 1, **env})
    fake = FakeEmbedder()
    build(settings, embedder=fake)
    return Engine.open(settings, embedder=fake)


def test_the_line_is_a_sentence_of_the_first_passage_and_in_the_json(
    corpus: Path, tmp_path: Path
) -> None:
    engine = engine_over(corpus, tmp_path, min_line_score=0.1)
    answer = engine.answer("Exports of crude oil dominated")
    assert answer.line is not None and answer.line.hit == answer.hits[0]
    assert answer.line.text == "Exports of crude oil dominated, while imports of electric " \
        "buses and solar panels rose sharply."  # fmt: skip
    data: dict[str, Any] = json.loads(json.dumps(answer.to_json()))
    assert data["answer"]["text"] == answer.line.text and data["answer"]["rank"] == 1
    assert data["answer"]["citation"] == (
        "Trade between China and Azerbaijan grows, Example Wire, 2024-03-01, ¶2, "
        "https://example.com/trade"
    )
    assert data["answer"]["paragraph"] == 2
    printed = format_answer(answer, Style(color=False))
    assert printed.startswith("“Exports of crude oil dominated") and "Example Wire" in printed


def test_below_its_threshold_there_is_no_line(corpus: Path, tmp_path: Path) -> None:
    engine = engine_over(corpus, tmp_path, min_line_score=0.99)
    answer = engine.answer("crude oil exports and solar panels")
    assert answer.hits and answer.line is None
    assert answer.to_json()["answer"] is None
    assert format_answer(answer, Style(color=False)).startswith("1. ")


def test_an_interviewers_question_is_never_the_answer(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_article(corpus, "interview.md", INTERVIEW)
    engine = engine_over(corpus, tmp_path, min_line_score=0.1, min_words=40)
    answer = engine.answer("How did trade between China and Azerbaijan change in 2020?")
    assert answer.line is not None
    assert answer.line.text.startswith("Trade between China and Azerbaijan rose")  # no "A.:"
    assert asks("Q.: How did trade change?") and asks("Why «this»?”") and asks("为什么？")
    assert not asks("Trade rose.") and not asks("A.: Yes.")


GROWTH = """---
title: Freight through Azerbaijan
source: Example Wire
published: 2021-01-10
---

The reporter then asked the ambassador how freight trains between China and Azerbaijan
grew during the pandemic.

Freight trains between China and Azerbaijan grew strongly during the pandemic, the
ambassador said. Freight trains between China and Azerbaijan grew by 64% in 2020.
"""


def test_a_reporters_question_and_a_sentence_without_the_figure_asked_for_are_not_the_line(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    write_article(corpus, "growth.md", GROWTH)
    engine = engine_over(corpus, tmp_path, min_line_score=0.1, min_words=40)
    # Without the rule, each question below quotes the reporter's question: it shares the
    # most words with them.
    closest = "Freight trains between China and Azerbaijan grew strongly during the pandemic"
    line = engine.answer(
        "Did freight trains between China and Azerbaijan grow during the pandemic?"
    ).line
    assert line is not None and line.text.startswith(closest)
    figure = "Freight trains between China and Azerbaijan grew by 64% in 2020."
    how_fast = "How fast did freight trains between China and Azerbaijan grow during the pandemic?"
    line = engine.answer(how_fast).line
    assert line is not None and line.text == figure
    # Russian typed in Latin letters is read as Russian: "skolko" asks for an amount.
    assert wanted(as_written("Skolko poezdov proshlo cherez Azerbaydzhan?")) == "amount"
    # The bold sentence of a card is chosen alike.
    for question, bold in (
        ("Did freight trains between China and Azerbaijan grow during the pandemic?", closest),
        (how_fast, figure),
    ):
        hits = engine.search(question)
        (span, *_) = engine.highlights(question, hits)
        assert span is not None and hits[0].text[span[0] : span[1]].startswith(bold)


def test_what_a_question_asks_for_and_what_a_sentence_gives() -> None:
    amounts = [
        "How many buses a year?",
        "Сколько автобусов?",
        "Neçə avtobus?",
        "多少辆巴士？",
        "What share of imports is oil?",
        "Nə qədər enerji?",
    ]
    times = [
        "When did Aliyev visit Beijing?",
        "А когда он был в Пекине?",
        "Əliyev nə vaxt Pekinə gedib?",
        "他什么时候访问北京？",
        "In which year? What year?",
        "On which day did it land?",
    ]
    weekdays = [
        "On which days will it fly?",
        "По каким дням летает рейс?",
        "Reyslər hansı günlərdə olacaq?",
        "航班星期几飞？",
    ]
    people = [
        "Who is the ambassador?",
        "кто возглавлял делегацию?",
        "Kiminlə görüşüb?",
        "谁是大使？",
    ]
    anything = [
        "What did he say when he landed?",
        "Что сказал Алиев, когда приехал?",
        "阿塞拜疆有很多大学吗？",
        "Why visas?",
    ]
    assert [wanted(q) for q in amounts] == ["amount"] * len(amounts)
    assert [wanted(q) for q in times] == ["time"] * len(times)
    assert [wanted(q) for q in people] == ["person"] * len(people)
    assert [wanted(q) for q in weekdays] == ["weekdays"] * len(weekdays)
    # A timetable is told by weekdays, not by a date.
    assert gives("It flies twice a week, on Wednesdays and Sundays.", "weekdays")
    assert gives("Рейсы выполняются по средам и воскресеньям.", "weekdays")
    assert gives("Рейс летает по средам.", "weekdays") and gives("В среду.", "weekdays")
    assert not gives("Это было в середине марта.", "weekdays")
    assert gives("Reyslər çərşənbə və bazar günü olacaq.", "weekdays")
    assert gives("航班每周三和周日执飞。", "weekdays")
    assert not gives("Flights were suspended until March 29, 2020.", "weekdays")
    assert [wanted(q) for q in anything] == [None] * len(anything)
    assert gives("It grew by 64%.", "amount") and gives("Five hundred buses.", "amount")
    assert gives("Вдвое больше.", "amount") and gives("在2020年增长两成。", "amount")
    assert not gives("在2020年增长。", "amount")  # a year, not an amount
    assert not gives("It survived COVID-19 and the G20.", "amount")
    assert not gives("Trade rose sharply.", "amount") and gives("Trade rose sharply.", None)
    assert gives("He will visit later this year.", "time") and gives("On 22 April.", "time")
    assert not gives("He praised the ties.", "time")
    # "Who" is answered by a person's name: a title before it, or two capitalised words
    # that name no place, organisation or date.
    assert gives("It was signed by Deputy Prime Minister Ali Ahmadov.", "person")
    assert gives("The Chinese Ambassador to Baku, Ms. Guo Min, said so.", "person")
    assert gives("the Chinese Communist Party Liu Jianchao’s visit", "person")
    assert gives("Шахин Мустафаев встретился с министром.", "person")
    assert not gives("They signed it at the Cabinet of Ministers in Baku on Wednesday.", "person")
    assert not gives(
        "The ministry signed with China Gezhouba Group Overseas Investment.", "person"
    )
    assert not gives("It was set up by the Embassy of the People's Republic of China.", "person")
    assert not gives("It is part of China National Machinery Industry Corporation.", "person")
    # A year is a time, not an amount; "one of" counts nothing.
    assert not gives("The university admitted its second intake of majors in 2023.", "amount")
    assert not gives("One of the projects was the fifth edition.", "amount")
    assert gives("In 2019, 30 students took part.", "amount")
    assert gives("2023年有13人参加。", "amount") and gives("It fell 16.2% in 2020.", "amount")


def test_a_question_a_reporter_is_told_to_have_asked_restates() -> None:
    assert asks("The reporter then asked Aliyev what he would tell his late father.")
    assert asks("The interviewer then asked Aliyev about his rapport with Xi.")
    assert asks("Журналист затем спросил Алиева о чае.")
    # Told together with what was answered, or opening on "Asked…", it answers.
    assert not asks("Asked what the partnership would bring, Aliyev praised the ties.")
    assert not asks("When asked about tea, Aliyev laughed and said he loved it.")
    assert not asks("The reporter asked about tea and Aliyev said he loved it.")
    assert not asks("Aliyev praised the ties.")


def test_the_line_is_quoted_in_html_that_survives_anything(corpus: Path, tmp_path: Path) -> None:
    engine = engine_over(corpus, tmp_path, min_line_score=0.1)
    answer: Answer = engine.answer("Exports of crude oil dominated")
    assert answer.line is not None
    hostile = type(answer.line)("<b>x & y</b> " * 200, 0.9, answer.line.hit, 2)
    for line in (answer.line, hostile):
        text, entities = parse_html(answer_line(line))
        assert text.startswith("“") and "Example Wire, 2024-03-01, ¶2" in text
        assert any(e.get("url") == "https://example.com/trade" for e in entities)
        assert len(text) < 1000


def test_telegram_shows_the_line_above_the_cards(corpus: Path, tmp_path: Path) -> None:
    from tests.test_bot_handlers import harness_over

    with harness_over(corpus, tmp_path, None, min_line_score=0.1) as bot:
        (reply,) = bot.run(bot.text("Exports of crude oil dominated"))
        assert reply["text"].startswith("“Exports of crude oil dominated, while imports")
        assert "— Example Wire, 2024-03-01, ¶2 · link\n\n1. " in reply["text"]
        assert not bot.api.rejected


def test_a_refused_question_says_why_and_ranking_for_evaluation_is_not_refused(
    corpus: Path, tmp_path: Path
) -> None:
    question = "crude oil exports and solar panels"
    shut = engine_over(corpus, tmp_path, min_score=0.99, lookup_words=0, sentence_vectors=False)
    refused = shut.answer(question)
    assert refused.hits == () and refused.refusal == "below-threshold"
    assert refused.to_json()["refusal"] == "below-threshold"
    assert shut.answer_many([question]) == [refused]
    assert shut.rank(question, 3)


CULTURE_AND_MORE = """---
title: Cultural exchanges
---

Cultural groups, art troupes, museums, theatres, orchestras, film festivals and academic
seminars carried on through exchange visits, performances, heritage protection and
translation programmes. Government scholarships rose to one hundred each year. Universities
opened language departments, libraries swapped manuscripts, and composers toured.
"""


def test_a_passage_about_much_else_clears_by_the_sentence_asked_for(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    write_article(corpus, "culture.md", CULTURE_AND_MORE)
    question = "How many government scholarships each year?"
    strict = {"min_score": 0.45, "lookup_words": 0}
    engine = engine_over(corpus, tmp_path / "with", **strict)
    (passage,) = engine.rank(question, 1)
    assert passage.score < 0.45  # the passage's own cosine would not answer
    best = engine.pipeline.sentences(engine.read(question)).best([passage])
    assert best is not None and best >= SENTENCE_CLEARS  # its sentence on scholarships does
    (hit,) = engine.search(question)
    assert hit.passage_id == passage.passage_id
    assert engine.search("How many orchestras toured abroad?") == []  # none comes so near
    without = engine_over(corpus, tmp_path / "without", sentence_vectors=False, **strict)
    assert without.search(question) == []  # no sentences kept: the passage's cosine alone


def test_the_words_a_sentence_shares_with_the_question_weigh_by_rarity() -> None:
    found = words("Does Azerbaijan support the One China policy?")  # Snowball's stems
    assert {"azerbaijan", "support", "one", "china", "polici"} <= set(found)
    assert "the" not in found and found["polici"] == "policy"  # the form it first takes
    assert set(words("It supported policies; supports them")) == {"support", "polici", "them"}
    rare = {"azerbaijan": 0.5, "support": 2.0, "one": 3.0, "china": 0.5}
    assert shared(rare, "We strongly support the One China policy.") == 5.5 / 6
    assert shared(rare, "Azerbaijan and China are partners.") == 1 / 6
    assert shared(rare, "Nothing in common.") == 0.0 and shared({}, "Anything") == 0.0


def test_a_sentence_holding_the_questions_rarer_words_wins_where_cosines_are_near() -> None:
    rare = {"azerbaijan": 0.5, "china": 0.5, "bandung": 4.0, "principl": 3.0}
    sentences = ["Azerbaijan and China agree.", "He praised the Bandung principles."]
    near = _closeness([0.60, 0.55], sentences, rare, 0.15)
    assert near[1] > near[0]  # 0.55 + 0.15 * 7/8 against 0.60 + 0.15 * 1/8
    far = _closeness([0.80, 0.55], sentences, rare, 0.15)
    assert far[0] > far[1]  # the cosine still rules where it is clearly better
