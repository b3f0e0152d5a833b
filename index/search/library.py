"""Browsing an index version: a passage or an article by id, the sources, the newest."""

from __future__ import annotations

from index.errors import QuestionError
from index.records import Article, Hit
from index.search.shelf import Shelf, as_hit
from index.text.when import TimeFilter


class Library:
    """What a reader can open without asking a question."""

    def __init__(self, shelf: Shelf, top_k: int) -> None:
        self._shelf = shelf
        self._top_k = top_k

    def passage(self, passage_id: int) -> Hit | None:
        """A passage by id as a hit without a score (for buttons that name a passage)."""
        row = self._shelf.passages([passage_id]).get(passage_id)
        return None if row is None else as_hit(row)

    def article(self, article_id: str) -> Article | None:
        """A whole article with its paragraphs, or None if the index has no such article."""
        return self._shelf.article(article_id)

    def articles(self) -> list[Article]:
        """Every indexed article's metadata (paragraphs left out)."""
        return self._shelf.articles()

    def sources(self) -> list[Article]:
        """Every article (paragraphs left out), newest first, undated ones last."""
        return newest_first(self._shelf.articles())

    def newest(self, k: int | None = None, within: TimeFilter | None = None) -> list[Hit]:
        """The first passage of each of the ``k`` newest articles (default: the top-k
        setting; undated ones last), of those published ``within`` a range where given: the
        answer to "what's new?" or "what happened in 2024?", which name nothing to search
        for.

        Raises:
            QuestionError: ``k`` is below 1.
        """
        if k is not None and k < 1:
            raise QuestionError("ask for at least one passage")
        dated = (
            self.sources()
            if within is None
            else [a for a in self.sources() if within.allows(a.published)]
        )
        articles = dated[: k or self._top_k]
        leads = self._shelf.leads([article.id for article in articles])
        rows = self._shelf.passages(list(leads.values()))
        found = [rows[leads[a.id]] for a in articles if a.id in leads and leads[a.id] in rows]
        return [as_hit(row, 0.0, n) for n, row in enumerate(found, 1)]

    def latest(self, n: int) -> list[Article]:
        """The ``n`` newest articles, whole (undated ones only where too few are dated)."""
        return [a for a in (self.article(x.id) for x in self.sources()[:n]) if a is not None]


def newest_first(articles: list[Article]) -> list[Article]:
    dated = sorted((a for a in articles if a.published), key=lambda a: (a.published, a.id))
    return dated[::-1] + [a for a in articles if not a.published]
