"""Words: what one is (one regex for the whole engine), which are too common to count, and
which characters are Chinese."""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")
# CJK Unified Ideographs and Extension A: what makes a text Chinese (`index.text.language`).
CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# Scripts written without spaces between words, whose characters the chunker counts as one
# word each: Chinese, Japanese kana, Korean syllables, CJK compatibility ideographs.
UNSPACED = f"\u3040-\u30ff{CJK}\uac00-\ud7af\uf900-\ufaff"

# Lucene's (and Elasticsearch's) English list, the usual default for BM25.
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)

# Words that say nothing of a paragraph's subject, for telling which neighbour a short paragraph
# belongs with (`index.text.chunker`).
SUBJECTLESS = STOPWORDS | frozenset(
    " ".join(
        (
            "from were has have had his her its she him them who what which when where how why",
            "would could should also about than your you all any can been being more most other",
            "some only over said says very just one two after before while our those",
        )
    ).split()
)
# Words of a question that say nothing of which sentence answers it (`index.text.sentences`).
QUESTION_WORDS = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its of on or "
    "the their this to was were what when where which who why will with".split()
)
# What a question opens with, in English: a question word, an auxiliary or a request.
QUESTION_OPENERS = frozenset(
    " ".join(
        (
            "what who whom whose when where which why how did does do is are was were will",
            "would can could has have had should shall may might tell show give list name",
            "explain describe find any anything",
        )
    ).split()
)
# Words a request is made of rather than its subject ("tell me about", "any news on",
# "расскажи о", "haqqında"), which keyword lookups leave out ("tell me about BYD" looks up
# BYD; `index.storage.keywords`). Azerbaijani ones with and without its own letters.
ASKING = (
    SUBJECTLESS
    | QUESTION_WORDS
    | frozenset(
        " ".join(
            (
                "tell me my i please show give find news latest info information anything",
                "something know say want need",
                "о об обо про что кто такой такая такое такие где когда как расскажи "
                "расскажите покажи новости новость последние информация и или во на по со "
                "это ли",
                "haqqında haqqinda barədə barede nədir nedir kimdir kim nə ne harada harda "
                "xəbər xeber xəbərlər xeberler xəbərləri xeberleri son məlumat melumat və ve "
                "ilə ile",
            )
        ).split()
    )
)
# The same in Chinese, written without spaces: what is left of a lookup once its names are
# read ("关于比亚迪的新闻": news about BYD; `index.text.glossary`).
# Longer ones first: "是什么" goes before "什么" can take its end.
ASKING_UNSPACED = tuple(
    "告诉我 是什么 是谁 关于 有关 新闻 消息 最新 介绍 一下 什么 请 的 和 与 及 谁 吗 呢".split()
)


def is_question(text: str) -> bool:
    """Whether ``text`` asks: it ends in a question mark, or opens with a question word or a
    request ("What did…", "Tell me…"), as a statement (a claim searched for evidence) never
    does."""
    stripped = text.strip()
    opener = next(iter(WORD.findall(stripped)), "").casefold()
    return stripped.endswith(("?", "？")) or opener in QUESTION_OPENERS


def asks_about_names(text: str, lookup: bool) -> bool:
    """Whether ``text`` is read for the names it asks about: a question (`is_question`) or,
    where it is a ``lookup`` of a few words ("Aliyev Putin"), one not ending in a full stop.
    A statement (a claim searched for evidence) is matched as a whole."""
    return is_question(text) or (lookup and not text.strip().endswith((".", "。")))
