"""English stopwords: words too common to say what a question or a paragraph is about."""

from __future__ import annotations

# Lucene's (and Elasticsearch's) English list, the usual default for BM25.
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
