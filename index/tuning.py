"""The tuned numbers and switches of the query path and the chunker, from one calibration
file: what a threshold is, and where it came from, is read in one place.

The file is JSON. ``citebot calibrate FILE… --write`` rewrites its thresholds from question
files and records which files and what day (``calibrated``). Where the corpus has none
(CITEBOT_CALIBRATION, by default ``corpus/calibration.json``), the one packaged with citebot
is read: it was calibrated on the seed interviews and the question files in ``bench/``.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from index.errors import ConfigError
from index.search.fusion import Weights

PACKAGED = Path(__file__).with_name("calibration.json")

# What `off` can switch off, each measured by bench/ablation.py.
SWITCHES = frozenset(
    {
        "names-gate",  # refuse a question about a name no article mentions
        "counted-gate",  # refuse "how many X" where the first passages never name X
        "sentence-clears",  # a passage clears by one sentence near the question
        "lookup",  # a lookup of a few words clears by holding them all
        "glossary",  # names in other languages and scripts read in English
        "e5-english",  # an English passage must clear e5's threshold too
        "join",  # neighbouring passages of an article shown as one
        "merge",  # near-duplicate texts shown once
        "time",  # the time a question names favours the passages and articles of then
        "outranked",  # passages fusion ranks above one that clears may follow it
        "pinyin",  # names met across the Chinese and Latin scripts by their pinyin
    }
)


@dataclass(frozen=True)
class Chunking:
    """How articles are cut into passages (recorded in the index manifest)."""

    min_words: int = 40
    max_words: int = 160
    # Bumped when the chunker cuts differently, so the next build re-chunks every article.
    # 2: short paragraphs join the neighbour they share their subject with.
    algorithm: int = 2


@dataclass(frozen=True)
class Tuning:
    """Every tuned number of the query path, read from one file (see the module)."""

    # Thresholds: the cosine of the model a question is routed to (MiniLM for English, e5
    # for other languages), e5's beside MiniLM's for an English passage, a sentence's for
    # an English question's first passages, and a one-line answer's.
    min_score: float
    min_score_multilingual: float
    min_score_e5_english: float
    min_line_score: float
    min_line_score_multilingual: float
    sentence_clears: float  # a sentence this near clears its passage (MiniLM)
    shared_words: float  # the question's rarer words' weight in choosing the bold sentence
    line_from: int  # the passages the one-line answer is quoted from, the first ones
    sentence_depth: int  # the first passages whose sentences may clear them
    lookup_words: int  # a question of at most this many words may be a lookup; 0: none
    candidates: int  # passages each retriever proposes, at least
    range_depth: int  # candidates per passage wanted where a date range filters them
    near_duplicate: float  # shingle sets this alike (Jaccard) are one text
    joined: int  # neighbouring passages of an article one hit holds at most
    fusion: str  # "scores" (weighted) or "rrf" (rank fusion)
    retrieval: str  # "hybrid" or "dense" (the first model alone: a baseline)
    sentence_vectors: bool  # every sentence embedded at build time
    weights: dict[str, Weights]  # one_model, two_models, other_language
    # What the time a question names adds to a passage's fused score, times the weight of
    # the models' cosines: where the passage mentions it, and where its article was
    # published then.
    time_mention: float = 0.0
    time_published: float = 0.0
    # Passages each language proposes to the multilingual model, whose scores are then read
    # against each language's own (`index.search.spread`); 0: neither.
    per_language: int = 0
    # Where languages are read apart, each language's best BM25 counts as at least this
    # share of the best of all: a language the question's words barely reach gets no full
    # keyword score for it. 0: each language's best is its own.
    keyword_floor: float = 0.0
    chunking: Chunking = Chunking()
    off: frozenset[str] = frozenset()  # `SWITCHES` switched off
    calibrated: dict[str, Any] = field(default_factory=dict)  # on, questions, articles
    source: Path | None = None  # the file it was read from

    def on(self, switch: str) -> bool:
        """Whether the rule or gate ``switch`` (one of `SWITCHES`) is on."""
        return switch not in self.off

    @classmethod
    def load(cls, path: Path) -> Tuning:
        """Read a calibration file.

        Raises:
            ConfigError: unreadable, not JSON, or a value missing, unknown or out of range.
        """
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ConfigError(f"cannot read the calibration file {path}: {error}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a JSON object")
        try:
            return _checked(_parsed(data), path)
        except (TypeError, ValueError, KeyError) as error:
            raise ConfigError(f"{path}: {error}") from None

    def to_json(self) -> dict[str, Any]:
        found = asdict(self)
        del found["source"]
        found["off"] = sorted(self.off)
        return found

    def write(self, path: Path) -> None:
        """Write to ``path`` whole or not at all."""
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
            f.write(text)
        Path(f.name).replace(path)


def tuning_for(named: str, base: Path, corpus_dir: Path) -> Tuning:
    """The calibration file CITEBOT_CALIBRATION names (``named``, against ``base``), else
    the corpus's (``calibration.json`` beside its articles folder), else the packaged one.

    Raises:
        ConfigError: the named file is missing, or a file is not a calibration file.
    """
    if named:
        path = (base / named).resolve()
        if not path.is_file():
            raise ConfigError(f"CITEBOT_CALIBRATION must name a calibration file; {path} is not")
        return Tuning.load(path)
    beside = corpus_file(corpus_dir)
    return Tuning.load(beside if beside.is_file() else PACKAGED)


def corpus_file(corpus_dir: Path) -> Path:
    """A corpus's own calibration file: ``calibration.json`` beside its articles folder."""
    return corpus_dir.parent / "calibration.json"


def own_file(corpus_dir: Path, tuning: Tuning) -> Path:
    """Where a corpus's calibration is written: the file it was read from, unless that is
    the packaged one (then ``calibration.json`` beside the articles folder)."""
    if tuning.source is not None and tuning.source != PACKAGED:
        return tuning.source
    return corpus_file(corpus_dir)


def with_values(tuning: Tuning, **values: Any) -> Tuning:
    """``tuning`` with some values replaced, checked as a file's are.

    Raises:
        ConfigError: a value is unknown or out of range.
    """
    try:
        return _checked(replace(tuning, **values), tuning.source)
    except (TypeError, ValueError) as error:
        raise ConfigError(str(error)) from None


def _parsed(data: dict[str, Any]) -> Tuning:
    known = {f.name for f in fields(Tuning)} - {"source"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})")
    values = dict(data)
    values["weights"] = {k: Weights(**v) for k, v in data["weights"].items()}
    values["chunking"] = Chunking(**data.get("chunking", {}))
    values["off"] = frozenset(data.get("off", ()))
    return Tuning(**values)


def _checked(tuning: Tuning, path: Path | None) -> Tuning:
    for name in ("min_score", "min_score_multilingual", "min_score_e5_english",
                 "sentence_clears"):  # fmt: skip
        _within(name, getattr(tuning, name), -1.0, 1.0)
    for name in ("min_line_score", "min_line_score_multilingual", "shared_words"):
        _within(name, getattr(tuning, name), -1.0, 2.0)
    _within("lookup_words", tuning.lookup_words, 0, 20)
    _within("per_language", tuning.per_language, 0, 100)
    for name in ("time_mention", "time_published", "keyword_floor"):
        _within(name, getattr(tuning, name), 0.0, 1.0)
    _within("near_duplicate", tuning.near_duplicate, 0.0, 1.0)
    for name, most in (("line_from", 10), ("sentence_depth", 20), ("candidates", 1000),
                       ("range_depth", 100), ("joined", 10)):  # fmt: skip
        _within(name, getattr(tuning, name), 1, most)
    _within("chunking.min_words", tuning.chunking.min_words, 1, 1000)
    _within("chunking.max_words", tuning.chunking.max_words, 10, 2000)
    if tuning.chunking.min_words > tuning.chunking.max_words:
        raise ValueError("chunking.min_words must not be larger than chunking.max_words")
    if tuning.fusion not in ("scores", "rrf"):
        raise ValueError(f"fusion must be scores or rrf, got {tuning.fusion!r}")
    if tuning.retrieval not in ("hybrid", "dense"):
        raise ValueError(f"retrieval must be hybrid or dense, got {tuning.retrieval!r}")
    if not isinstance(tuning.sentence_vectors, bool):
        raise ValueError("sentence_vectors must be true or false")
    if set(tuning.weights) != {"one_model", "two_models", "other_language"}:
        raise ValueError("weights must give one_model, two_models and other_language")
    unknown = sorted(tuning.off - SWITCHES)
    if unknown:
        raise ValueError(
            f"off names no rule {unknown[0]!r} (rules: {', '.join(sorted(SWITCHES))})"
        )
    return replace(tuning, source=path)


def _within(name: str, value: object, low: float, high: float) -> None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    whole = isinstance(low, int) and isinstance(high, int)
    if not number or (whole and not isinstance(value, int)) or not low <= value <= high:  # type: ignore[operator]
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"{name} must be {kind} from {low} to {high}, got {value!r}")
