"""citebot's engine: articles in, cited passages out. Never imports Telegram.

    from index import Engine, Settings
    engine = Engine.open(Settings.from_env())
    answer = engine.answer("Who is China's ambassador to Azerbaijan?", k=3)

A library: it prints nothing (a build reports progress through a callback; `status` returns
data), and the front ends in `bot/` own every word a person reads. They use only what this
module exports: its public API.
"""

from index.calibrate import Calibration, calibrate, calibrated
from index.errors import (
    BuildInProgress,
    CitebotError,
    ConfigError,
    EvalFileError,
    IndexStateError,
    QuestionError,
    SourceError,
)
from index.evaluate import EvalReport, evaluate, load_questions
from index.indexer.builder import BuildReport, Embedding, IndexStatus, Progress, build, status
from index.ingest.add import Prepared, duplicate_of, prepare, prepare_bytes, write
from index.ingest.feeds import Entry as FeedEntry
from index.ingest.feeds import parse_feed
from index.ingest.fetch import check_url, fetch
from index.ingest.topic import TopicRule
from index.records import UNDATED, Answer, Article, ArticleRef, Hit, Line, Passage, paragraph_label
from index.search.engine import Engine, search
from index.search.query import clean_question
from index.search.timeline import Timeline
from index.settings import MAX_K, EnvReader, Settings, load_dotenv
from index.storage.layout import current_version
from index.text.glossary import Glossary
from index.text.language import detect
from index.text.proper_names import Name, lacking, subject_names, unglossed
from index.text.sanitize import clean_text, failure, preview, shorten
from index.text.sentences import best_sentence, first_sentence, passage_sentences
from index.text.when import TimeFilter
from index.tuning import Tuning, own_file

__all__ = [
    "MAX_K",
    "UNDATED",
    "Answer",
    "Article",
    "ArticleRef",
    "BuildInProgress",
    "BuildReport",
    "Calibration",
    "CitebotError",
    "ConfigError",
    "Embedding",
    "Engine",
    "EnvReader",
    "EvalFileError",
    "EvalReport",
    "FeedEntry",
    "Glossary",
    "Hit",
    "IndexStateError",
    "IndexStatus",
    "Line",
    "Name",
    "Passage",
    "Prepared",
    "Progress",
    "QuestionError",
    "Settings",
    "SourceError",
    "TimeFilter",
    "Timeline",
    "TopicRule",
    "Tuning",
    "best_sentence",
    "build",
    "calibrate",
    "calibrated",
    "check_url",
    "clean_question",
    "clean_text",
    "current_version",
    "detect",
    "duplicate_of",
    "evaluate",
    "failure",
    "fetch",
    "first_sentence",
    "lacking",
    "load_dotenv",
    "load_questions",
    "own_file",
    "paragraph_label",
    "parse_feed",
    "passage_sentences",
    "prepare",
    "prepare_bytes",
    "preview",
    "search",
    "shorten",
    "status",
    "subject_names",
    "unglossed",
    "write",
]
