"""citebot's engine: articles in, cited passages out. Never imports Telegram.

    from index import Engine, Settings
    engine = Engine.open(Settings.from_env())
    hits = engine.search("Who is China's ambassador to Azerbaijan?", k=3)

or simply ``index.search(question, k)`` with the settings from the environment. A library:
it prints nothing (a build reports progress through a callback; `status` returns data), and
the front ends in `bot/` own every word a person reads.
"""

from index.errors import CitebotError
from index.indexer.builder import BuildReport, Embedding, IndexStatus, Progress, build, status
from index.records import Answer, Article, ArticleRef, Hit, Passage
from index.search.engine import Engine, search
from index.settings import Settings

__all__ = [
    "Answer",
    "Article",
    "ArticleRef",
    "BuildReport",
    "CitebotError",
    "Embedding",
    "Engine",
    "Hit",
    "IndexStatus",
    "Passage",
    "Progress",
    "Settings",
    "build",
    "search",
    "status",
]
