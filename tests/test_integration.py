"""The real packaged model over the real corpus, answering the public questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.calibrate import calibrate
from index.evaluate import evaluate, first_hit, load_questions, normalise
from index.indexer.builder import build
from index.models.embedder import Embedder
from index.search.engine import Engine
from index.settings import Settings
from tests.conftest import (
    CALIBRATION_QUESTIONS,
    PUBLIC_QUESTIONS,
    copy_seeds,
    need_multilingual,
    settings_for,
    write_article,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_engine(real_index: Settings, real_model: Embedder, real_extra: list[Embedder]) -> Engine:
    return Engine.open(real_index, embedder=real_model, extra=real_extra)


def test_real_corpus_english_hit_at_1_and_3_meet_the_targets(real_engine: Engine) -> None:
    report = evaluate(real_engine, load_questions(PUBLIC_QUESTIONS))
    english = next(score for score in report.scores if score.group == "en")
    assert english.questions == 20
    assert english.hit_at_3 >= 0.95, report.misses
    # Fusion is tuned on SciFact's training split and our calibration questions, not on this
    # set (issue 16): 0.80 here with it, 0.90 with the rank fusion tuned on this very set,
    # 0.95 with neighbouring passages joined and the length prior.
    assert english.hit_at_1 >= 0.85, report.misses
    assert report.out_of_scope_silent == 1.0


def test_real_corpus_off_topic_questions_get_nothing(real_engine: Engine) -> None:
    for question in ("What is the tallest mountain in Africa?", "How do I bake sourdough bread?"):
        assert real_engine.search(question) == [], question


def test_real_corpus_an_office_no_article_names_gets_nothing(real_engine: Engine) -> None:
    # The articles mention Russia (where the ambassador worked) and presidents, never together.
    answer = real_engine.answer("What did Aliyev say about Russia's president?")
    assert not answer.answered and answer.unmentioned == ("Russia's president",)
    # The articles' chargé d'affaires is an envoy; Xi Jinping China's president.
    for question in ("What did China's envoy to Armenia say?", "Who is the Chinese president?"):
        assert real_engine.search(question), question


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Что Алиев сказал о Путине?", "Путине"),
        ("Əliyev Makron haqqında nə deyib?", "Makron"),
        ("Huawei在阿塞拜疆投资了多少？", "Huawei"),
    ],
)
def test_real_corpus_a_name_no_article_mentions_gets_nothing_in_any_language(
    real_engine: Engine, question: str, name: str
) -> None:
    answer = real_engine.answer(question)
    assert not answer.answered and answer.unmentioned == (name,)


def test_real_corpus_the_articles_names_count_as_mentioned_in_every_language(
    real_engine: Engine,
) -> None:
    for question in (
        "Что сказал Лю Цзяньчао в Баку?",  # the glossary, across the question's first word
        "Какие принципы Алиев связал с Движением неприсоединения?",  # with the next word
        "Konfutsi İnstitutları harada yerləşir?",
        "Что Алиев сказал о Тайване и Китае?",  # Китае: the topic rule's
        "Əliyev COP29 haqqında nə deyib?",
        "阿利耶夫在CGTN采访中说了什么？",
    ):
        assert real_engine.unmentioned(question) == (), question


def test_real_corpus_an_acronym_asked_about_is_a_name_of_its_own(real_engine: Engine) -> None:
    answer = real_engine.answer("What is the GDP of Azerbaijan?")  # not "GDP of Azerbaijan"
    assert not answer.answered and answer.unmentioned == ("GDP",)


def test_real_corpus_a_passage_about_much_else_clears_by_its_sentence(
    real_engine: Engine,
) -> None:
    # MiniLM puts the passage on cultural exchanges 0.22 from the question, below the
    # threshold; its sentence on the scholarships 0.54.
    hits = real_engine.search("How many government scholarships are offered each year?")
    assert hits and "100 each year" in hits[0].text


def test_real_corpus_a_question_is_not_searched_for_its_question_words(
    real_engine: Engine,
) -> None:
    # BM25 weighed "did" as a rare word: the passage where Aliyev says "we did it
    # unilaterally" came first.
    (first, *_) = real_engine.search("What did Aliyev say about Taiwan?")
    assert "Taiwan" in first.text


@pytest.mark.parametrize(
    ("lookup", "gold"),
    [
        ("BYD", "BYD"),  # MiniLM 0.07 against its passage
        ("COP29", "COP29"),
        ("Non-Aligned Movement", "Non-Aligned Movement"),
        ("tell me about Liu Jianchao", "Liu Jianchao"),
        ("Шуша", "Shusha"),  # names in other languages, read through the glossary
        ("比亚迪", "BYD"),
        ("Konfutsi İnstitutu", "Confucius Institutes"),
        ("Nakhichevan", "Nakhchivan"),  # a spelling the articles don't use
    ],
)
def test_real_corpus_a_lookup_of_a_name_finds_the_passages_naming_it(
    real_engine: Engine, lookup: str, gold: str
) -> None:
    hits = real_engine.search(lookup)
    assert hits and gold in hits[0].text
    assert all(gold in hit.text for hit in hits if dict(hit.signals).get("all_words"))


def test_real_corpus_a_lookup_of_what_it_never_names_gets_nothing(real_engine: Engine) -> None:
    lookups = ("football", "bitcoin price", "nuclear power", "Putin", "北京天气", "Şuşa futbol")
    for lookup in lookups:
        assert real_engine.search(lookup) == [], lookup


def test_real_corpus_a_question_near_the_subject_gets_nothing(
    real_index: Settings, real_model: Embedder, real_extra: list[Embedder]
) -> None:
    # China, but nothing the corpus says: its passages clear MiniLM's threshold (they are
    # about China); e5, where it ranks beside MiniLM, finds no passage on the subject (0.77,
    # below its 0.80), and the question gets nothing.
    need_multilingual(real_extra)
    question = "What is the population of Shanghai?"
    alone = Engine.open(real_index, embedder=real_model, extra=[])
    both = Engine.open(real_index, embedder=real_model, extra=real_extra)
    assert alone.search(question)
    assert both.answer(question).refusal == "below-threshold"
    # Every English question in scope of both our sets is answered.
    questions = load_questions(PUBLIC_QUESTIONS) + load_questions(CALIBRATION_QUESTIONS)
    for q in questions:
        if q.gold and q.lang == "en":
            assert both.search(q.question), q.question
    alone.close()
    both.close()


def test_real_corpus_russian_typed_in_latin_letters_is_read_as_russian(
    real_engine: Engine,
) -> None:
    hits = real_engine.search("Skolko institutov Konfutsiya rabotaet v Azerbaydzhane?")
    assert hits and "two Confucius Institutes" in hits[0].text


def test_real_corpus_answer_cites_the_interview(real_engine: Engine) -> None:
    hits = real_engine.search("When did China send doctors to help Azerbaijan fight the pandemic?")
    assert first_hit((hit.text for hit in hits[:1]), ("In August 2020",)) == 1
    top = hits[0]
    assert top.article.source == "Azeri Observer"
    assert top.citation.startswith("China-Azerbaijan: 2,000 Year History of Bilateral Connections")
    assert "Q.: Tell us about the work of the Chinese doctors" in top.text


def test_real_corpus_every_passage_is_verbatim_article_text(real_engine: Engine) -> None:
    for summary in real_engine.articles():
        article = real_engine.article(summary.id)
        assert article is not None
        body = normalise(" ".join(article.paragraphs))
        for hit in real_engine.rank(article.title, 50):
            if hit.article.id == article.id:
                assert normalise(hit.text) in body


def test_gold_matching_ignores_case_quotes_and_whitespace() -> None:
    assert first_hit(["a  ‘Sip   OF” Tea"], ("sip of tea",)) == 1
    assert first_hit(["nothing here", "x"], ("tea",)) is None


def test_library_search_uses_the_environment(
    real_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index
    from index.search import engine as engine_module

    monkeypatch.setenv("CITEBOT_CORPUS_DIR", str(real_index.corpus_dir))
    monkeypatch.setenv("CITEBOT_INDEX_DIR", str(real_index.index_dir))
    monkeypatch.setattr(engine_module, "_default", None)
    hits = index.search("Who is China's ambassador to Azerbaijan?", 3)
    assert any("Guo Min" in hit.text for hit in hits)
    assert all(isinstance(hit, index.Hit) for hit in hits)


MULTILINGUAL = [
    ("Кто посол Китая в Азербайджане?", "Guo Min"),
    ("Что Китай покупает у Азербайджана кроме нефти?", "plastics, chemicals and wine"),
    ("中国驻阿塞拜疆大使是谁？", "Guo Min"),
    ("阿塞拜疆什么时候对中国公民免签？", "visa requirements in 2024"),
    ("Çinin Azərbaycandakı səfiri kimdir?", "Guo Min"),
    ("Azərbaycan Çin vətəndaşları üçün vizanı nə vaxt ləğv etdi?", "visa requirements in 2024"),
    # Azerbaijani typed without its letters, as on an English keyboard
    ("Cinin Azerbaycandaki sefiri kimdir?", "Guo Min"),
    ("Azerbaycan Cin vetendaslari ucun vizani ne vaxt legv etdi?", "visa requirements in 2024"),
    # Chinese in traditional characters, as in Hong Kong and Taiwan
    ("中國駐阿塞拜疆大使是誰？", "Guo Min"),
]


@pytest.mark.parametrize(("question", "gold"), MULTILINGUAL)
def test_real_corpus_answers_russian_chinese_and_azerbaijani_questions(
    real_engine: Engine, real_extra: list[Embedder], question: str, gold: str
) -> None:
    need_multilingual(real_extra)
    hits = real_engine.search(question, 3)
    assert first_hit((hit.text for hit in hits), (gold,)) is not None


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("Çinin Azərbaycandakı səfiri kimdir?", "Guo Min"),
        ("Кто посол Китая в Азербайджане?", "Guo Min"),
        (
            "Azərbaycan Çin vətəndaşları üçün vizanı nə vaxt ləğv etdi?",
            "visa requirements in 2024",
        ),
        ("阿塞拜疆什么时候对中国公民免签？", "visa requirements in 2024"),
        ("阿塞拜疆什麼時候對中國公民免簽？", "visa requirements in 2024"),  # traditional
    ],
)
def test_real_corpus_the_glossary_puts_the_named_passage_first(
    real_engine: Engine, real_extra: list[Embedder], question: str, gold: str
) -> None:
    """e5 alone puts each second or third; the glossary's English words (ambassador, visa,
    exempt) bring keyword search in to lift it."""
    need_multilingual(real_extra)
    assert real_engine.translated(question)
    assert first_hit((hit.text for hit in real_engine.rank(question, 3)), (gold,)) == 1


@pytest.mark.parametrize(
    "question",
    [
        "Какая самая высокая гора в Африке?",
        "怎么做红烧肉？",
        "Futbol matçı neçə dəqiqə davam edir?",
        "Futbol matci nece deqiqe davam edir?",
    ],
)
def test_real_corpus_off_topic_questions_in_other_languages_get_nothing(
    real_engine: Engine, question: str
) -> None:
    assert real_engine.search(question) == []


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("When did China send doctors to help Azerbaijan fight the pandemic?", "In August 2020"),
        ("Сколько дней шёл первый поезд из Цзиньхуа в Баку?", "after 18 days"),
        # The models alone pick a sentence on Aliyev's views that never names the movement;
        # its rare words, read beside the cosine, pick the one that does (`_closeness`).
        ("What did Aliyev say about the Non Aligned Movement?", "Non-Aligned Movement"),
        ("Какие принципы Алиев связал с Движением неприсоединения?", "Bandung principles"),
    ],
)
def test_highlight_picks_the_sentence_that_answers(
    real_engine: Engine, real_extra: list[Embedder], question: str, sentence: str
) -> None:
    if not question.isascii():
        need_multilingual(real_extra)
    hits = real_engine.search(question, 3)
    spans = real_engine.highlights(question, hits)
    shown = [hit.text[s[0] : s[1]] for hit, s in zip(hits, spans, strict=True) if s]
    assert any(sentence in text for text in shown), shown


def test_default_thresholds_are_calibrated_on_our_questions_in_four_languages(
    real_engine: Engine, real_extra: list[Embedder]
) -> None:
    questions = load_questions(PUBLIC_QUESTIONS) + load_questions(CALIBRATION_QUESTIONS)
    assert {q.lang for q in questions if not q.gold} == {"en", "ru", "az", "zh"}
    found = {c.setting: c for c in calibrate(real_engine, questions)}
    expected = {"min_score"} | (
        {"min_score_multilingual", "min_score_e5_english"} if real_extra else set()
    )
    assert set(found) == expected
    for c in found.values():
        # e5 reads some of our harder Russian, Azerbaijani and Chinese questions below any
        # threshold that keeps the off-topic ones out (CHANGELOG.md).
        least = 0.8 if c.setting == "min_score_multilingual" else 0.9
        assert c.answered(c.current) >= least, c
        assert c.silent(c.current) >= 0.9, c
        assert abs(c.suggested - c.current) <= 0.05, c  # the packaged value is the calibrated one


ZH_ARTICLE = """---
title: 中阿合作建设光伏电站
source: 新华丝路
language: zh
published: 2025-05-12
---

中国能源建设集团与阿塞拜疆签署协议，将在比拉苏瓦尔建设一座装机容量为445兆瓦的光伏电站。

项目建成后，每年可减少约四十万吨二氧化碳排放，并为当地创造数百个就业岗位。
"""

AZ_ARTICLE = """---
title: Bakıda Çin mədəniyyəti günləri keçirildi
source: Bakı Xəbər
language: az
published: 2025-03-03
---

Bakıda keçirilən Çin mədəniyyəti günlərində Pekin operasının artistləri çıxış etdi və çay
mərasimi nümayiş olundu.

Tədbirə iki mindən çox tamaşaçı qatıldı, təşkilatçılar festivalın hər il
keçiriləcəyini bildirdilər.
"""


def test_articles_in_chinese_and_azerbaijani_are_indexed_and_cited(
    tmp_path: Path, real_model: Embedder, real_extra: list[Embedder]
) -> None:
    need_multilingual(real_extra)
    copy_seeds(tmp_path / "corpus")
    write_article(tmp_path / "corpus", "zh-solar.md", ZH_ARTICLE)
    write_article(tmp_path / "corpus", "az-culture.md", AZ_ARTICLE)
    settings = settings_for(tmp_path / "corpus", tmp_path / "index")
    build(settings, embedder=real_model, extra=real_extra)
    engine = Engine.open(settings, embedder=real_model, extra=real_extra)
    try:
        for question, article, sentence in [
            ("比拉苏瓦尔光伏电站的装机容量是多少？", "zh-solar", "445兆瓦"),
            ("Bakıda Çin mədəniyyəti günlərində kim çıxış etdi?", "az-culture", "Pekin operası"),
        ]:
            top = engine.search(question, 3)[0]
            assert top.article.id == article and sentence in top.text, (question, top)
        assert engine.search("比拉苏瓦尔光伏电站的装机容量是多少？")[0].citation.startswith(
            "中阿合作建设光伏电站, 新华丝路, 2025-05-12, ¶1"
        )
        # An English question reaches the Chinese article too, judged by the model that
        # reads Chinese (the English model and BM25 can't).
        hits = engine.search("How big is the solar plant China will build in Bilasuvar?", 3)
        chinese = next(hit for hit in hits if hit.article.id == "zh-solar")
        assert chinese.score >= engine.settings.tuning.min_score_multilingual
    finally:
        engine.close()
