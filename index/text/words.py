"""Words: what one is (one regex for the whole engine), which are too common to count, and
which characters are Chinese."""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")
# CJK Unified Ideographs and Extension A: what makes a text Chinese (`index.text.language`)
# and what the chunker counts one word each.
CJK = "\u3400-\u4dbf\u4e00-\u9fff"

# Lucene's (and Elasticsearch's) English list, the usual default for BM25.
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
