"""A question read once: every later stage reads the `Query`, none the question again."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from index.errors import QuestionError
from index.search.routing import Route, Router
from index.settings import Settings
from index.storage.keywords import lookup_words
from index.text.analysis import across, terms
from index.text.glossary import Glossary
from index.text.language import as_written, detect
from index.text.sanitize import clean_text
from index.text.when import TimeFilter, names_no_subject, read_time
from index.text.words import WORD

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Query:
    """What a question asks, as every stage needs it.

    ``asked`` is the question as typed (cleaned); ``text`` what is searched: the question,
    less the time words where they are read as a filter. A time a question names is mostly
    when things happened, not when they were reported ("trade in 2018" is in an article of
    2021), so it only favours the passages that mention it and the articles of that time
    (`relevance.TimeFavour`); it holds the search to articles published then (``held``)
    only where the user asks for that: a range given (``--since``, a year button), or a
    question that names nothing but the time ("news from 2024", "What happened in 2024?").
    """

    asked: str
    text: str
    when: TimeFilter | None
    held: bool  # ``when`` is a filter on publication dates, not a preference
    years: tuple[int, ...]  # the years ``when`` spans, looked for in passages (`TimeFilter.years`)
    k: int
    language: str  # `detect` of ``text``
    written: str  # ``text`` in the script its language is written in (`as_written`)
    english: tuple[str, ...]  # the glossary's English for the names ``text`` holds
    keywords: str  # what keyword search looks for: ``text`` analysed (`terms`), ``english``
    as_read: str  # what the models embed: ``written`` and the glossary's English of it
    lookup: tuple[str, ...]  # the analysed words of a lookup ("BYD", "Zangezur corridor")
    route: Route

    @property
    def ranged(self) -> TimeFilter | None:
        """The date range the question is held to (none for "recent", which only sorts)."""
        return self.when if self.held and self.when and not self.when.recent else None

    @property
    def favoured(self) -> TimeFilter | None:
        """The time whose passages and articles come first, holding nothing back."""
        return self.when if not self.held and self.when and not self.when.recent else None

    @property
    def asks_news(self) -> bool:
        """Whether it asks only what is new ("latest news"), or what a time's articles
        report ("What happened in 2024?"): nothing to search for."""
        return (
            self.when is not None
            and (self.held or self.when.recent)
            and names_no_subject(self.text)
        )


class Reader:
    """Reads questions for one engine: its glossary, its router, its limits."""

    def __init__(self, glossary: Glossary, router: Router, settings: Settings) -> None:
        self.glossary = glossary
        self.router = router
        self._top_k = settings.top_k
        self._max_chars = settings.max_question_chars
        self._lookup = settings.tuning.lookup_words
        self._pinyin = settings.tuning.on("pinyin")

    def read(
        self,
        question: str,
        k: int | None = None,
        *,
        when: TimeFilter | None = None,
        today: dt.date | None = None,
    ) -> Query:
        """``question`` read, with the time it names where ``today`` is given (it resolves
        "last year") and ``when`` is not (then that is the filter).

        Raises:
            QuestionError: the question is empty or too long, or ``k`` is below 1.
        """
        asked = clean_question(question, self._max_chars)
        text, held = asked, when is not None
        if when is None and today is not None:
            rest, when = read_time(asked, today)
            held = when is not None and not when.recent and names_no_subject(rest)
            text = rest if held else asked  # a time favoured is part of what is asked
        years = when.years(today or dt.date.today()) if when is not None else ()
        return self._query(asked, text, when, held, years, self._k(k))

    def _k(self, k: int | None) -> int:
        limit = k if k is not None else self._top_k
        if limit < 1:
            raise QuestionError("ask for at least one passage")
        return limit

    def _query(
        self,
        asked: str,
        text: str,
        when: TimeFilter | None,
        held: bool,
        years: tuple[int, ...],
        k: int,
    ) -> Query:
        written = as_written(text)
        # The glossary reads a question in its written script (`Glossary.english`), so its
        # English is the same for ``text`` and ``written``.
        english = tuple(self.translated(text))
        language = detect(text)
        return Query(
            asked=asked,
            text=text,
            when=when,
            held=held,
            years=years,
            k=k,
            language=language,
            written=written,
            english=english,
            keywords=" ".join(
                [
                    *terms(text, language),
                    *english,
                    *(_across(text, language, english) if self._pinyin else []),
                ]
            ),
            as_read=" ".join([written, *english]),
            lookup=tuple(
                term
                for word in (lookup_words(text, self._lookup) if self._lookup else ())
                for term in terms(word, language)
            ),
            route=self.router.route(text),
        )

    def translated(self, text: str) -> list[str]:
        """The English words of the glossary's terms ``text`` names, where it is not in
        English (keyword search reads the articles' English)."""
        if not self.glossary.terms or detect(text) == "en":
            return []
        return self.glossary.english(text)


def _across(text: str, language: str, english: tuple[str, ...]) -> list[str]:
    """What ``text`` looks for in the other scripts' passages (`analysis.across`), less the
    words the glossary's English already gives: a name looked for twice would weigh twice
    ("Jinping" of 习近平)."""
    given = {word.casefold() for words in english for word in WORD.findall(words)}
    return [term for term in across(text, language) if term not in given]


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
