"""All settings, read from the environment in one place.

Paths are resolved against the current directory, so a copy of the corpus and an index
elsewhere can be used without touching the repository.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

from index.errors import ConfigError

T = TypeVar("T")

MODELS = ("minilm",)


@dataclass(frozen=True)
class ChunkerSettings:
    """How articles are cut into passages (recorded in the index manifest)."""

    min_words: int = 40
    max_words: int = 160


@dataclass(frozen=True)
class Settings:
    """Everything citebot can be configured with; see README for the variables."""

    corpus_dir: Path
    index_dir: Path
    model: str = "minilm"
    index_type: str = "Flat"
    top_k: int = 5
    min_score: float = 0.3
    chunker: ChunkerSettings = ChunkerSettings()
    max_article_bytes: int = 5_000_000
    max_question_chars: int = 1000
    batch_size: int = 32

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
        reader = _Reader(env)
        chunker = ChunkerSettings(
            min_words=reader.integer("CITEBOT_MIN_WORDS", 40, 1, 1000),
            max_words=reader.integer("CITEBOT_MAX_WORDS", 160, 10, 2000),
        )
        if chunker.min_words > chunker.max_words:
            raise ConfigError("CITEBOT_MIN_WORDS must not be larger than CITEBOT_MAX_WORDS")
        model = env.get("CITEBOT_MODEL", "minilm").strip().lower()
        if model not in MODELS:
            raise ConfigError(f"CITEBOT_MODEL must be one of {', '.join(MODELS)}, got {model!r}")
        return cls(
            corpus_dir=(base / env.get("CITEBOT_CORPUS_DIR", "corpus/articles")).resolve(),
            index_dir=(base / env.get("CITEBOT_INDEX_DIR", "var/index")).resolve(),
            model=model,
            index_type=env.get("CITEBOT_INDEX_TYPE", "Flat").strip() or "Flat",
            top_k=reader.integer("CITEBOT_TOP_K", 5, 1, 50),
            min_score=reader.number("CITEBOT_MIN_SCORE", 0.3, -1.0, 1.0),
            chunker=chunker,
            max_article_bytes=reader.integer(
                "CITEBOT_MAX_ARTICLE_BYTES", 5_000_000, 1_000, 1_000_000_000
            ),
            max_question_chars=reader.integer("CITEBOT_MAX_QUESTION_CHARS", 1000, 10, 100_000),
            batch_size=reader.integer("CITEBOT_BATCH_SIZE", 32, 1, 4096),
        )

    def describe(self) -> dict[str, str]:
        """The settings as strings, for `citebot index status`."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}


class _Reader:
    """Parses typed values out of the environment with messages that name the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        return self._bounded(name, default, low, high, int, "a whole number")

    def number(self, name: str, default: float, low: float, high: float) -> float:
        return self._bounded(name, default, low, high, float, "a number")

    def _bounded(
        self, name: str, default: T, low: T, high: T, parse: Callable[[str], T], kind: str
    ) -> T:
        raw = self._env.get(name, "").strip()
        if not raw:
            return default
        try:
            value = parse(raw)
        except ValueError:
            raise ConfigError(f"{name} must be {kind} from {low} to {high}, got {raw!r}") from None
        if not low <= value <= high:  # type: ignore[operator]
            raise ConfigError(f"{name} must be {kind} from {low} to {high}, got {raw!r}")
        return value
