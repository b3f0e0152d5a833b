"""A multilingual model scores a passage in the question's own language higher than one in
another language that answers as well: e5 gives a Chinese question 0.87 to Chinese passages
on other subjects and 0.80 to the English passage that answers it. So each language's
passages are scored against their own kind: a question's cosines to a language's passages
centre on ``q · mean`` and spread by ``sqrt(q · covariance · q)`` (exactly, over every
passage of the language, from its vectors' mean and covariance), and a passage's cosine is
read as how far above its language's centre it stands, then put on the scale of English
passages, which the thresholds are calibrated on (`Spreads.adjusted`). An English passage
keeps its cosine; one in another language gets the cosine it would have were it as far
above the English passages. So a Chinese question's Chinese passages no longer all clear the
threshold because they are Chinese.

Each language also proposes its own best passages (`Spreads.selector`), so that a question
draws candidates from articles of every language, not only from its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.storage import faiss_index

# A language of n passages takes n / (n + k) of its mean (k = 5) and of its covariance
# (k = 50) from its own vectors and the rest from the whole index's (shrinkage): a few
# passages tell their subjects more than how the model reads their language, and give no
# covariance to trust in 384 dimensions. Chosen on the realistic corpus (bench/realistic.py):
# the covariance's pays 4 at hit@1, the mean's nothing there and guards a new language.
SHRINK = (5, 50)
CHUNK = 4096  # vectors read from the index at a time
# The language whose passages' cosines the thresholds are calibrated on (the seed interviews
# and our question files are English): a question's cosines to every language are put on it.
SCALE = "en"


@dataclass(frozen=True)
class Spread:
    """How one language's passage vectors lie: their mean, their covariance, their ids."""

    mean: Any  # (dimension,)
    covariance: Any  # (dimension, dimension)
    ids: Any  # int64 passage ids

    def centre(self, vector: Any) -> float:
        return float(vector @ self.mean)

    def width(self, vector: Any) -> float:
        return math.sqrt(max(float(vector @ self.covariance @ vector), 1e-8))


class Spreads:
    """Each language's `Spread` in one model's vector index."""

    def __init__(self, spreads: Mapping[str, Spread]) -> None:
        self._spreads = dict(spreads)
        self._selectors: dict[str, Any] = {}
        # Where there are no English passages, the largest language's scale is the one.
        self._largest = max(
            self._spreads, key=lambda lang: len(self._spreads[lang].ids), default=""
        )

    @classmethod
    def measure(
        cls, index: Any, languages: Mapping[int, str], shrink: tuple[int, int] = SHRINK
    ) -> Spreads:
        """The spreads of ``index``'s vectors, grouped by their passages' ``languages``
        (passages not in it, such as removed ones, left out); the index read once, a block
        at a time."""
        ids = faiss_index.ids(index)
        labels = np.asarray([languages.get(int(pid), "") for pid in ids])
        sums: dict[str, tuple[Any, Any, int]] = {}
        start = 0
        for block in faiss_index.blocks(index, CHUNK):
            part = labels[start : start + len(block)]
            start += len(block)
            for lang in set(part.tolist()) - {""}:
                rows = block[part == lang].astype(np.float64)
                total, second, n = sums.get(lang, (0.0, 0.0, 0))
                sums[lang] = (total + rows.sum(axis=0), second + rows.T @ rows, n + len(rows))
        if not sums:
            return cls({})
        count = sum(n for _, _, n in sums.values())
        overall_mean = sum(total for total, _, _ in sums.values()) / count
        overall_second = sum(second for _, second, _ in sums.values()) / count
        overall = overall_second - np.outer(overall_mean, overall_mean)
        spreads = {}
        for lang, (total, second, n) in sums.items():
            own = total / n
            weight = n / (n + shrink[0])
            mean = weight * own + (1 - weight) * overall_mean
            weight = n / (n + shrink[1])
            covariance = weight * (second / n - np.outer(own, own)) + (1 - weight) * overall
            spreads[lang] = Spread(
                mean.astype(np.float32), covariance.astype(np.float32), ids[labels == lang]
            )
        return cls(spreads)

    @property
    def languages(self) -> list[str]:
        return sorted(self._spreads)

    def selector(self, lang: str) -> Any:
        """A FAISS selector of ``lang``'s passages (made once)."""
        if lang not in self._selectors:
            self._selectors[lang] = faiss_index.selector(self._spreads[lang].ids)
        return self._selectors[lang]

    def adjusted(
        self, vector: Any, scores: Mapping[int, float], languages: Mapping[int, str]
    ) -> dict[int, float]:
        """``scores`` (cosines of ``vector`` to passages) on the scale the thresholds are
        calibrated on, English passages' (`SCALE`; the largest language where there are
        none): each passage's standing above its own language's centre, in its spread, as a
        cosine among English passages."""
        found = dict(scores)
        by_language: dict[str, list[int]] = {}
        for pid in scores:
            by_language.setdefault(languages.get(pid, ""), []).append(pid)
        for lang, pids in by_language.items():
            values = self.rescaled(vector, np.asarray([scores[pid] for pid in pids]), lang)
            found.update(zip(pids, values.tolist(), strict=True))
        return found

    def rescaled(self, vector: Any, cosines: Any, language: str) -> Any:
        """``cosines`` of ``vector`` to texts in ``language`` on English passages' scale
        (`adjusted`); as they are where there is one language, or none of ``language``."""
        spread = self._spreads.get(language)
        reference = self._spreads.get(SCALE) or self._spreads.get(self._largest)
        if len(self._spreads) < 2 or spread is None or reference is None or spread is reference:
            return cosines
        scale = reference.width(vector) / spread.width(vector)
        return reference.centre(vector) + (cosines - spread.centre(vector)) * scale
