"""How a topic (or the whole corpus) moved over time: relevant articles and passages per
month, by outlet. Data only; `bot/charts.py` draws it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from index.records import Article, Hit

UNKNOWN_OUTLET = "other"


@dataclass(frozen=True)
class Timeline:
    """Months (YYYY-MM, every month from the first to the last), and per outlet the number of
    relevant passages (for a topic) or articles (for the whole corpus) in each month;
    ``articles`` counts the articles behind them per month."""

    topic: str | None
    months: tuple[str, ...]
    passages: dict[str, tuple[int, ...]]  # outlet -> passages (or articles) per month
    articles: tuple[int, ...]
    undated: int  # what was left out of the months for want of a date

    @property
    def unit(self) -> str:
        return "articles" if self.topic is None else "passages"

    @property
    def total(self) -> int:
        return sum(sum(counts) for counts in self.passages.values())

    @property
    def first(self) -> str | None:
        return next((m for m, n in zip(self.months, self._per_month(), strict=True) if n), None)

    @property
    def last(self) -> str | None:
        found = [m for m, n in zip(self.months, self._per_month(), strict=True) if n]
        return found[-1] if found else None

    @property
    def peak(self) -> tuple[str, int] | None:
        counts = self._per_month()
        if not counts or not max(counts):
            return None
        best = max(range(len(counts)), key=lambda i: (counts[i], i))
        return self.months[best], counts[best]

    def _per_month(self) -> list[int]:
        return (
            [sum(col) for col in zip(*self.passages.values(), strict=True)]
            if self.passages
            else []
        )


def timeline(topic: str | None, hits: list[Hit], articles: list[Article]) -> Timeline:
    """The timeline of ``hits`` (a topic's relevant passages), or, without a topic, of the
    ``articles`` of the whole corpus."""
    if topic is None:
        dated = [(a.published, a.source, a.id) for a in articles]
    else:
        dated = [(h.article.published, h.article.source, h.article.id) for h in hits]
    undated = sum(1 for published, _, _ in dated if not published)
    known = [(p[:7], s or UNKNOWN_OUTLET, i) for p, s, i in dated if p]
    if not known:
        return Timeline(topic, (), {}, (), undated)
    months = _months(min(m for m, _, _ in known), max(m for m, _, _ in known))
    index = {m: n for n, m in enumerate(months)}
    by_outlet: dict[str, list[int]] = {}
    for month, outlet, _ in known:
        by_outlet.setdefault(outlet, [0] * len(months))[index[month]] += 1
    article_months = Counter(month for month, _, _ in {(m, "", i) for m, _, i in known})
    return Timeline(
        topic,
        tuple(months),
        {outlet: tuple(counts) for outlet, counts in sorted(by_outlet.items())},
        tuple(article_months.get(m, 0) for m in months),
        undated,
    )


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found
