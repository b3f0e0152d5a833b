"""A question about a name no article mentions is answered with nothing, and says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.terminal import Style, format_answer
from index.errors import ConfigError
from index.indexer.builder import build
from index.search.engine import Engine
from index.storage import layout
from index.storage.catalog import Store
from index.text.foreign_names import asked_foreign_names
from index.text.glossary import Glossary
from index.text.proper_names import Office, asked_names, asked_offices
from tests.conftest import settings_for, write_article
from tests.fakes import FakeEmbedder

MACRON = "What did officials in Baku say about Macron and trade with China?"
NAMED = "What did officials in Baku say about trade with China?"


def engine_over(corpus: Path, tmp_path: Path, **env: Any) -> Engine:
    settings = settings_for(corpus, tmp_path / "index", **env)
    fake = FakeEmbedder()
    build(settings, embedder=fake)
    return Engine.open(settings, embedder=fake)


def test_the_names_a_question_asks_about() -> None:
    assert asked_names("What did President Macron say about 5G?") == ["Macron", "5G"]
    assert asked_names("Did the Prime Minister of Japan meet Xi Jinping?") == [
        "Japan",
        "Xi Jinping",
    ]
    # The word a sentence opens with is a name only where it can be nothing else.
    assert asked_names("Nuclear plants in Azerbaijan?") == ["Azerbaijan"]
    assert asked_names("BYD buses in Baku?") == ["BYD", "Baku"]
    # Months, weekdays, titles and figures with an ending are no names.
    assert asked_names("What did the Minister say on Monday in April about the 2020s?") == []
    assert asked_names("What grew in Q1, and in H2?") == []
    assert asked_names("tell me about COP29 and the iPhone") == ["COP29", "iPhone"]
    # "of" joins the words of a name, but not an acronym to what follows: that is asked about.
    assert asked_names("What did the Bank of China say?") == ["Bank of China"]
    assert asked_names("What is the GDP of Azerbaijan?") == ["GDP", "Azerbaijan"]
    # A statement (a claim searched for evidence) asks about no name; a lookup of a few
    # words does, unless it ends as a sentence does.
    assert asked_names("Cell determination occurs in Passeriformes.") == []
    assert asked_names("Aliyev Putin") == [] and asked_names("Aliyev Putin", lookup=True) == [
        "Putin"
    ]
    assert asked_names("Tirasemtiv targets Cardiac muscle.", lookup=True) == []


def test_the_names_a_question_in_another_language_asks_about() -> None:
    def names(question: str, language: str, lookup: bool = False) -> list[str]:
        return [name.text for name in asked_foreign_names(question, language, lookup)]

    assert names("Что Алиев сказал о Путине?", "ru") == ["Алиев", "Путине"]
    # A sentence's first word is read only where it is an acronym; titles are no names.
    assert names("Путин приедет в Баку?", "ru") == ["Баку"]
    assert names("ЕС и Китай: о чём договорились?", "ru") == ["ЕС", "Китай"]
    assert names("Что сказал Президент Алиев?", "ru") == ["Алиев"]
    assert names("Что сказали о Путине, Макроне?", "ru") == ["Путине", "Макроне"]
    assert names("Əliyev Makron’un haqqında nə deyib?", "az") == ["Makron’un"]
    assert names("Huawei在阿塞拜疆投资了多少？", "zh") == ["Huawei"]  # Latin letters only
    assert names("阿利耶夫对普京说了什么？", "zh") == []
    # A statement names nothing asked about; a lookup of a few words does.
    assert names("Путин приехал в Баку к Алиеву.", "ru") == []
    assert names("Лю Цзяньчао", "ru") == [] and names("Лю Цзяньчао", "ru", lookup=True) == [
        "Цзяньчао"
    ]
    (putin,) = asked_foreign_names("Что сказали о Путиным?", "ru")
    assert putin.english == ("Putinym", "Putin")  # as typed, and without its case ending
    (makron,) = asked_foreign_names("Əliyev Makron’un haqqında nə deyib?", "az")
    assert makron.english == ("Makron",) and makron.before == "Əliyev"
    (movement,) = asked_foreign_names("Что сказано о Движением неприсоединения?", "ru")
    assert movement.after == "неприсоединения"
    (dative,) = asked_foreign_names("Qatar Gəncəyə gedibmi?", "az")
    assert dative.english == ("Ganjaya", "Ganja")  # without its "-yə"
    (short,) = asked_foreign_names("Что сказано об Индии?", "ru")
    assert short.english == ("Indii",)  # "Indi" would be the start of "individual"


def test_the_glossary_knows_a_name_of_several_words_across_them() -> None:
    glossary = Glossary(
        (
            ("Liu Jianchao", ("Лю Цзяньчао",)),
            ("Aliyev", ("Əliyev*",)),
            ("Non-Aligned Movement", ("Движени* неприсоедин*", "Неприсоедин*")),
            ("trade", ("торгов*",)),
        )
    )
    assert glossary.joins("Лю", "Цзяньчао")
    assert not glossary.joins("Əliyev", "Putin")  # a form, but of the first word alone
    (liu,) = asked_foreign_names("Лю Цзяньчао", "ru", lookup=True)
    (putin,) = asked_foreign_names("Əliyev Putin haqqında nə deyib?", "az")
    (movement,) = asked_foreign_names("Что сказано о Движением неприсоединения?", "ru")
    assert liu.glossed(glossary) and movement.glossed(glossary)
    assert not putin.glossed(glossary)
    # The words after a name count where one form spans them and the name, not apart.
    (who,) = asked_foreign_names("Что говорит Всемирная организация здравоохранения?", "ru")
    assert who.after == "организация здравоохранения" and not who.glossed(glossary)
    assert who.glossed(Glossary((("WHO", ("Всемирн* организаци* здравоохранени*",)),)))
    (putin_and_trade,) = asked_foreign_names("Что сказано о Путине и торговле?", "ru")
    assert putin_and_trade.after == "и торговле" and not putin_and_trade.glossed(glossary)


def test_a_question_in_another_language_about_a_name_no_article_mentions(
    corpus: Path, tmp_path: Path
) -> None:
    glossary = tmp_path / "glossary.yaml"
    glossary.write_text("terms:\n  Confucius Institutes: [Конфуци*]\n", encoding="utf-8")
    topic = tmp_path / "topic.yaml"
    topic.write_text("all_of:\n  china: [China, Кита]\n", encoding="utf-8")
    rules = {"CITEBOT_GLOSSARY": str(glossary), "CITEBOT_TOPIC_RULE": str(topic)}
    engine = engine_over(corpus, tmp_path / "with", **rules)
    assert engine.unmentioned("Что сказали в Баку о Макроне?") == ("Макроне",)
    assert engine.unmentioned("Əliyev Makron’un haqqında nə deyib?") == ("Makron’un",)
    assert engine.unmentioned("Huawei在巴库做什么？") == ("Huawei",)
    assert engine.unmentioned("Что ЕС сказал о торговле?") == ("ЕС",)
    # Mentioned: in English letters ("Baku"; "Alyat" and "Alata" a letter from "Alat"),
    # by the glossary, by the topic rule (a stem), or by the outlet.
    for question in (
        "Поезд дошёл до Баку?",
        "Поезд шёл через Алят и Казахстан?",
        "Что преподают Институты Конфуция?",
        "Что сказал Китай о торговле?",
        "Что пишет Example Wire?",
        "Qatar Ələtə çatıbmı?",
    ):
        assert engine.unmentioned(question) == (), question
    answer = engine.answer("Что сказали в Баку о Макроне?")
    assert not answer.answered and answer.unmentioned == ("Макроне",)
    # Without the topic rule (or the glossary), "Китай" would be a name no article mentions:
    # names in other scripts are left to the thresholds.
    lacking = (
        {"CITEBOT_GLOSSARY": str(glossary), "CITEBOT_TOPIC_RULE": str(tmp_path / "none")},
        {"CITEBOT_GLOSSARY": "off", "CITEBOT_TOPIC_RULE": str(topic)},
    )
    for n, bare in enumerate(lacking):
        engine = engine_over(corpus, tmp_path / f"bare{n}", **bare)
        assert engine.unmentioned("Что сказали в Баку о Макроне?") == ()
        assert engine.unmentioned("What did officials in Baku say about Macron?") == ("Macron",)


def test_the_offices_a_question_asks_about_without_naming_who_holds_them() -> None:
    assert asked_offices("What did Aliyev say about Russia's president?") == [
        Office("Russia's president", "Russia", "president")
    ]
    assert asked_offices("Did the president of the Russian Federation call?") == [
        Office("president of the Russian Federation", "Russian Federation", "president")
    ]
    assert asked_offices("What did the Turkish foreign minister say?") == [
        Office("Turkish foreign minister", "Turkish", "minister")
    ]
    assert asked_offices("What did Armenia’s deputy prime minister say?") == [
        Office("Armenia’s deputy prime minister", "Armenia", "minister")
    ]
    # Where the holder is named, the name is what is asked about (`asked_names`).
    assert asked_offices("What did Chinese President Xi Jinping say?") == []
    assert asked_offices("Did Russia's president Putin call?") == []
    # A sentence's first word is no name; a lowercase word before a title is none either.
    assert asked_offices("Nuclear minister?") == []
    assert asked_offices("What did Aliyev say about presidents?") == []
    # Statements are searched as a whole, as for names.
    assert asked_offices("Russia's president met Aliyev.") == []
    assert asked_offices("Russia's president", lookup=True) == [
        Office("Russia's president", "Russia", "president")
    ]


def test_the_articles_mention_a_name_by_a_word_its_start_or_a_misspelling(
    corpus: Path, tmp_path: Path
) -> None:
    engine = engine_over(corpus, tmp_path)
    keywords = Store.open(engine.version / layout.STORE_FILE).keywords
    assert keywords.mentions("Kazakhstan") and keywords.mentions("Xi'an")
    assert keywords.mentions("Kazakstan")  # one letter off
    assert keywords.mentions("Confucious")  # one letter too many
    assert keywords.mentions("Middle Corridors")  # one word of it
    assert keywords.mentions("Alat")
    assert keywords.mentions("Conf")  # a word it starts
    assert keywords.mentions("MCR")  # an acronym: "Middle Corridor route"
    assert not keywords.mentions("XCR") and not keywords.mentions("MC")  # two letters: no
    assert not keywords.mentions("Macron") and not keywords.mentions("Uzbekistan")
    assert not keywords.mentions("Bakx")  # too short to be taken for a misspelling of Baku
    assert keywords.mentions("U.S.") and keywords.mentions("2024")  # letters, figures: nothing


def test_a_question_about_a_name_no_article_mentions_is_answered_with_nothing(
    corpus: Path, tmp_path: Path
) -> None:
    engine = engine_over(corpus, tmp_path)
    assert engine.search(NAMED)  # the same question without the name is answered
    assert engine.search(MACRON) == []
    assert [list(a.hits) for a in engine.answer_many([NAMED, MACRON, NAMED])] == [
        engine.search(NAMED),
        [],
        engine.search(NAMED),
    ]
    answer = engine.answer(MACRON + " in 2023")
    assert not answer.answered and answer.unmentioned == ("Macron",)
    data = json.loads(json.dumps(answer.to_json()))
    assert data["unmentioned"] == ["Macron"] and data["results"] == []
    # The rest of the question is covered: the closest passages, as related reading only.
    assert data["refusal"] == "unmentioned" and not data["answered"]
    assert 1 <= len(data["related"]) <= 3 and len(answer.related) == len(data["related"])
    assert data["related"][0]["text"] == answer.related[0].text
    assert all(r["highlight"] for r in data["related"])
    shown = format_answer(answer, Style(color=False))
    assert " ".join(shown.split("\n\n")[0].split()) == (
        "None of the articles mentions “Macron”. The articles cover the rest of the question, "
        "but none answers it. Related reading:"
    )
    assert shown.split("\n\n")[1].startswith("1. ")
    assert answer.related[0].article.title in shown
    off_topic = engine.answer("What is a good recipe for chocolate chip cookies?")
    assert off_topic.refusal == "below-threshold" and off_topic.related == ()
    assert json.loads(json.dumps(off_topic.to_json()))["related"] == []
    assert engine.answer(NAMED).unmentioned == ()
    assert engine.rank(MACRON, 3)  # evaluation still ranks it


def test_what_counts_as_mentioned(corpus: Path, tmp_path: Path) -> None:
    write_article(
        corpus,
        "bylined.md",
        "---\ntitle: Rail news\nsource: Caspian Courier\nauthors: [Leyla Mammadova]\n---\n\n"
        "Freight trains crossed the Caspian Sea.\n",
    )
    engine = engine_over(corpus, tmp_path)
    assert engine.unmentioned("What did the Caspian Courier say about trains?") == ()
    assert engine.unmentioned("What did Mammadova write about freight?") == ()  # an author
    assert engine.unmentioned("Did trains cross Kazakstan?") == ()  # a misspelling
    assert engine.unmentioned("Did trains cross Uzbekistan and Kazakstan?") == ("Uzbekistan",)
    # A statement is searched as a whole: a name in it may be spelled another way.
    assert engine.unmentioned("Trade with Macron grew by a fifth.") == ()
    assert engine.unmentioned("freight Macron") == ("Macron",)  # a lookup
    assert engine.unmentioned("Caspian freight trains crossed the sea with Macron") == ()
    # Without a glossary, the corpus's own names are known in no other script: a question
    # in one is left to the thresholds (`test_a_question_in_another_language_about_a_name…`).
    assert engine.unmentioned("Что сказал Макрон о торговле?") == ()


def test_an_office_no_article_names_is_answered_with_nothing(corpus: Path, tmp_path: Path) -> None:
    write_article(
        corpus,
        "visit.md",
        "---\ntitle: Visit\n---\n\nThe Kazakh president visited Baku to talk about freight "
        "trains.\n\nThe new railway line carries freight and passengers both ways. It "
        "crosses Russia too.\n",
    )
    glossary = tmp_path / "glossary.yaml"
    glossary.write_text("terms:\n  Kazakhstan: [Qazaqstan]\n", encoding="utf-8")
    engine = engine_over(corpus, tmp_path, CITEBOT_GLOSSARY=str(glossary))
    keywords = Store.open(engine.version / layout.STORE_FILE).keywords
    assert keywords.near(["Kazakhstan"], "president")  # "Kazakh" is of Kazakhstan's family
    assert keywords.near(["Uzbekistan", "Kazakhstan"], "presidents")
    assert not keywords.near(["Russia"], "president")  # both are there, but apart
    assert engine.unmentioned("Did the president of Kazakhstan visit Baku?") == ()
    assert engine.unmentioned("Did Qazaqstan's president visit Baku?") == ()  # as the glossary
    # An office is named by its title or one of its kind: a president is a head of state.
    assert engine.unmentioned("Did the Kazakh emir visit Baku?") == ()
    assert engine.unmentioned("Did the Kazakh ambassador visit Baku?") == ("Kazakh ambassador",)
    assert "charge" in Office("China's envoy", "China", "envoy").named_by  # chargé d'affaires
    assert engine.unmentioned("Did Russia's president talk about freight trains?") == (
        "Russia's president",
    )
    assert engine.search("Did Russia's president talk about freight trains?") == []
    assert engine.search("Did the Kazakh president talk about freight trains?")
    # An office of a name no article mentions is not named again.
    assert engine.unmentioned("Did France's president talk about trains?") == ("France",)


def test_the_glossary_reads_a_variant_as_the_name_the_articles_use(
    corpus: Path, tmp_path: Path
) -> None:
    glossary = tmp_path / "glossary.yaml"
    glossary.write_text("terms:\n  Kazakhstan: [Qazaqstan]\n", encoding="utf-8")
    engine = engine_over(corpus, tmp_path, CITEBOT_GLOSSARY=str(glossary))
    assert engine.unmentioned("Did the train cross Qazaqstan?") == ()
    assert engine.search("Did the train from Xi'an cross Qazaqstan?")
    assert engine.glossary.knows("kazakhstan") and not engine.glossary.knows("Uzbekistan")


def test_where_a_passage_found_is_in_another_language_it_may_name_it_in_its_script(
    corpus: Path, tmp_path: Path
) -> None:
    question = "What did officials in Baku say about Bilasuvar and trade with China?"
    english = engine_over(corpus, tmp_path / "english")
    assert english.unmentioned(question) == ("Bilasuvar",) and english.search(question) == []
    write_article(
        corpus,
        "ru.md",
        "---\ntitle: Торговля\n---\n\nOfficials in Baku: trade with China. Чиновники "
        "сказали, что солнечная станция в Билясуваре будет построена китайской компанией.\n",
    )
    mixed = engine_over(corpus, tmp_path / "mixed")
    hits = mixed.search(question)
    assert any(hit.article.id == "ru" for hit in hits)  # which may name it "Билясувар"


def test_the_rule_can_be_switched_off(corpus: Path, tmp_path: Path) -> None:
    engine = engine_over(corpus, tmp_path, off=frozenset({"names-gate"}))
    assert engine.unmentioned(MACRON) == () and engine.search(MACRON)
    answer = engine.answer(MACRON)
    assert answer.answered and answer.unmentioned == ()
    with pytest.raises(ConfigError, match="off names no rule 'names'"):
        engine_over(corpus, tmp_path / "bad", off=frozenset({"names"}))


def test_the_bot_names_what_no_article_mentions(corpus: Path, tmp_path: Path) -> None:
    from tests.test_bot_handlers import harness_over

    glossary, topic = tmp_path / "glossary.yaml", tmp_path / "topic.yaml"
    glossary.write_text("terms:\n  Baku: [Баку]\n", encoding="utf-8")
    topic.write_text("all_of:\n  china: [China, Кита]\n", encoding="utf-8")
    rules = {"CITEBOT_GLOSSARY": str(glossary), "CITEBOT_TOPIC_RULE": str(topic)}
    with harness_over(corpus, tmp_path, None, **rules) as bot:
        (reply,) = bot.run(bot.text("What did officials say about Macron or Putin?"))
        assert reply["text"].startswith(
            "None of the articles mentions “Macron” or “Putin”. I found nothing in the corpus"
        )
        # In the question's language. The rest of it is covered: related reading, said to be
        # no answer, without "more".
        (reply,) = bot.run(bot.text("Что чиновники в Баку сказали о Макроне?"))
        assert reply["text"].startswith(
            "Ни одна статья не упоминает «Макроне». Статьи касаются остального в вопросе, но "
            "ни одна на него не отвечает. Близкие материалы:\n\n"
        )
        assert "Confucius Institutes in Baku" in reply["text"]
        buttons = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
        assert "Статья 1" in buttons and "Ещё ▸" not in buttons
        assert not bot.api.rejected


def test_a_question_of_many_names_costs_a_bounded_number_of_lookups(
    corpus: Path, tmp_path: Path
) -> None:
    from index.search.mentions import NAMES_READ

    engine = engine_over(corpus, tmp_path)
    many = "Did " + ", ".join(f"Zorgon{n}x" for n in range(40)) + " and Macron meet in Baku?"
    missing = engine.unmentioned(many)
    assert len(missing) == NAMES_READ and missing[0] == "Zorgon0x"
    assert engine.search(many) == []
