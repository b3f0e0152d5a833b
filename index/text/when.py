"""Time in a question: "in 2025", "since 2023", "last year", "最新" read as dates, in English,
Russian, Azerbaijani and Chinese; and which passages mention a time.

Written by hand: the expressions are few and fixed, and they must become ranges (a year,
since, before, between) that dateparser, which reads single dates, does not give. Relative
expressions resolve against ``today``, which tests inject.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from index.text.lexicon import LANGUAGES, lexicon

_YEAR = r"((?:19|20)\d{2})"
_AFTER_YEAR = r"(?:\s*(?:год[ау]?|г\.|-?(?:c|ç)?[iıuü]?\s*il[dl]?[əi]?n?\w*|年))?"
# A number that counts years ("2,000 years of history", "2000 лет") is no date.
_NOT_A_DATE = re.compile(r"^\s*(?:years?|year-old|лет|il\b|年的)", re.IGNORECASE)

_RANGE = re.compile(
    rf"(?:between|from|между|с|от)?\s*{_YEAR}{_AFTER_YEAR}\s*(?:-|–|—|\bto\b|\band\b|\bи\b|\bпо\b|"
    rf"\bдо\b|\bvə\b|[至到])\s*{_YEAR}{_AFTER_YEAR}(?:\s*(?:arasında|illərdə|годах|годы))?",
    re.IGNORECASE,
)
_SINCE = [
    re.compile(rf"\bsince\s+{_YEAR}", re.IGNORECASE),
    re.compile(rf"\bfrom\s+{_YEAR}\s+on(?:wards?)?\b", re.IGNORECASE),
    re.compile(rf"(?:начиная\s+)?\bс\s+{_YEAR}{_AFTER_YEAR}", re.IGNORECASE),
    re.compile(
        rf"{_YEAR}{_AFTER_YEAR}\s*(?:-?(?:d[əa]n|ci ild[əa]n|c[iıuü] ild[əa]n)\s+)?bəri",
        re.IGNORECASE,
    ),
    re.compile(rf"{_YEAR}\s*年?\s*(?:以来|至今)"),
]
_AFTER = [
    re.compile(rf"\bafter\s+{_YEAR}", re.IGNORECASE),
    re.compile(rf"\bпосле\s+{_YEAR}{_AFTER_YEAR}", re.IGNORECASE),
    re.compile(rf"{_YEAR}\S*\s+sonra", re.IGNORECASE),
    re.compile(rf"{_YEAR}\s*年?\s*(?:以后|之后|后)"),
]
_BEFORE = [
    re.compile(rf"\bbefore\s+{_YEAR}", re.IGNORECASE),
    re.compile(rf"\bдо\s+{_YEAR}{_AFTER_YEAR}", re.IGNORECASE),
    re.compile(rf"{_YEAR}\S*\s+(?:qədər|əvvəl)", re.IGNORECASE),
    re.compile(rf"{_YEAR}\s*年?\s*(?:以前|之前|前)"),
]
_UNTIL = [re.compile(rf"\b(?:until|up to|through)\s+{_YEAR}", re.IGNORECASE)]
_YEAR_ALONE = re.compile(
    rf"(?:\b(?:in|from|of)\s+|\bв\s+|\bза\s+)?{_YEAR}{_AFTER_YEAR}", re.IGNORECASE
)
# The time words of each language, from its lexicon file: what names a time relative to
# today, what asks for what is new, and what else a request for news is made of ("what's the
# latest news?", "что нового?", "son xəbərlər nədir?", "有什么最新消息？": nothing to search for).
_LEXICONS = [lexicon(code) for code in LANGUAGES]
_KINDS = ("last year", "this year", "last month", "this month")
_RELATIVE: list[tuple[re.Pattern[str], str]] = [
    (re.compile("|".join(x.relative_times[kind] for x in _LEXICONS), re.IGNORECASE), kind)
    for kind in _KINDS
]
_SINCE_WORD = re.compile(r"(?:\bsince|начиная с|\bс)\s*$", re.IGNORECASE)
_RECENT = re.compile("|".join(x.recent for x in _LEXICONS), re.IGNORECASE)
_NEWS_REQUEST = re.compile("|".join(x.news_request for x in _LEXICONS), re.IGNORECASE)

# A word for "new" whole ("последние", not "последн" and "ие"); a Chinese one as it is.
_RECENT_WORD = re.compile(
    rf"(?:{_RECENT.pattern})[A-Za-z\u00c0-\u024f\u0259\u0400-\u04ff]*", re.IGNORECASE
)


def asks_for_news(question: str) -> bool:
    """Whether ``question`` asks only for what is new ("latest news", "что нового?",
    "最新消息"), naming no subject to search for: its answer is the newest articles."""
    return bool(_RECENT.search(question)) and names_no_subject(question)


def names_no_subject(text: str) -> bool:
    """Whether ``text`` is made of request words alone ("What happened?", "news",
    "что произошло?", "有什么新闻"): what is left of "What happened in 2024?" once its time
    is read, which asks for what the articles of that time report."""
    rest = _NEWS_REQUEST.sub(" ", _RECENT_WORD.sub(" ", text))
    return re.search(r"[^\W\d_]", rest) is None


MENTIONED_YEARS = 12  # a range over more years than this is too wide to look for by its years


def mentioning(years: tuple[int, ...]) -> re.Pattern[str] | None:
    """What finds any of ``years`` written in a text, in any language's form ("in 2019",
    "2019-cu ildə", "в 2019 году", "2019年"), never inside a longer number."""
    if not years:
        return None
    return re.compile(rf"(?<![\d.,])(?:{'|'.join(map(str, years))})(?![\d]|[.,]\d)")


@dataclass(frozen=True)
class TimeFilter:
    """A time a question names, as a range of dates; ``recent``: newest first, no range.
    Whether it holds the search to articles of those dates or only favours the passages of
    that time is the question's reading (`index.search.query.Query.held`)."""

    since: dt.date | None = None
    until: dt.date | None = None
    recent: bool = False

    def years(self, today: dt.date) -> tuple[int, ...]:
        """The years the range spans (an open end: up to ``today``'s year), or none where
        it is open at the start or spans more than `MENTIONED_YEARS`."""
        if self.since is None or self.recent:
            return ()
        last = (self.until or today).year
        if last - self.since.year >= MENTIONED_YEARS:
            return ()
        return tuple(range(self.since.year, last + 1))

    def allows(self, published: str | None) -> bool:
        """Whether an article of that date (ISO, or None) is in range (undated: never,
        when there is a range)."""
        if self.since is None and self.until is None:
            return True
        if not published:
            return False
        day = dt.date.fromisoformat(published[:10])
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )

    @property
    def span(self) -> str:
        """The range as a reader sees it: 2025, 2023-05, 2023 –, – 2020, 2019 – 2021."""
        since = _shown(self.since, start=True)
        until = _shown(self.until, start=False)
        if self.since and self.until:
            whole_month = self.since.day == 1 and (self.until + dt.timedelta(days=1)).day == 1
            if whole_month and self.since.strftime("%Y%m") == self.until.strftime("%Y%m"):
                return f"{self.since:%Y-%m}"
            return since if since == until else f"{since} – {until}"
        return f"{since} –" if self.since else f"– {until}" if self.until else ""

    def to_json(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "recent": self.recent,
        }


def read_time(question: str, today: dt.date) -> tuple[str, TimeFilter | None]:
    """The question without its time expression, and the filter it asks for (None: none)."""
    found = _first_range(question, today)
    if found is not None:
        (start, end), time_filter = found
        return _without(question, start, end), time_filter
    match = _RECENT.search(question)
    if match:
        return question, TimeFilter(recent=True)
    return question, None


def _first_range(question: str, today: dt.date) -> tuple[tuple[int, int], TimeFilter] | None:
    match = _RANGE.search(question)
    if match:
        first, last = sorted((int(match.group(1)), int(match.group(2))))
        return match.span(), TimeFilter(dt.date(first, 1, 1), dt.date(last, 12, 31))
    bounds: list[tuple[list[re.Pattern[str]], Callable[[int], TimeFilter]]] = [
        (_SINCE, lambda y: TimeFilter(since=dt.date(y, 1, 1))),
        (_AFTER, lambda y: TimeFilter(since=dt.date(y + 1, 1, 1))),
        (_BEFORE, lambda y: TimeFilter(until=dt.date(y - 1, 12, 31))),
        (_UNTIL, lambda y: TimeFilter(until=dt.date(y, 12, 31))),
    ]
    for patterns, make in bounds:
        for pattern in patterns:
            match = pattern.search(question)
            if match:
                return match.span(), make(int(match.group(1)))
    for pattern, kind in _RELATIVE:
        match = pattern.search(question)
        if match:
            found = _relative(kind, today)
            since = _SINCE_WORD.search(question[: match.start()])
            if since:  # "since last year": from its start on
                return (since.start(), match.end()), TimeFilter(since=found.since)
            return match.span(), found
    for match in _YEAR_ALONE.finditer(question):
        if (
            not _NOT_A_DATE.match(question[match.end() :])
            and 1990 <= int(match.group(1)) <= today.year + 1
        ):
            year = int(match.group(1))
            return match.span(), TimeFilter(dt.date(year, 1, 1), dt.date(year, 12, 31))
    return None


def _relative(kind: str, today: dt.date) -> TimeFilter:
    if kind == "last year":
        return TimeFilter(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
    if kind == "this year":
        return TimeFilter(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    first = today.replace(day=1)
    if kind == "last month":
        first = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return TimeFilter(first, following - dt.timedelta(days=1))


def _without(question: str, start: int, end: int) -> str:
    rest = re.sub(r"\s+", " ", question[:start] + " " + question[end:]).strip(" ,")
    rest = re.sub(r"\s+([?!.,;:？])", r"\1", rest)
    return rest if re.search(r"\w", rest) else question


def _shown(day: dt.date | None, start: bool) -> str:
    """A year where the date is its first (or last) day, else the whole date."""
    if day is None:
        return ""
    edge = (1, 1) if start else (12, 31)
    return str(day.year) if (day.month, day.day) == edge else day.isoformat()
