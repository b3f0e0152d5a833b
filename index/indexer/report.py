"""What a build reports: its progress while it embeds, and what it did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from index.text.corpus import Skipped

EMBED_CHUNK = 4096  # texts embedded and stored together


@dataclass(frozen=True)
class Embedding:
    """How far a build has embedded one model's texts; a front end draws it as a bar."""

    model_id: str
    passages: int
    sentences: int
    done: int  # texts embedded so far, passages and sentences together

    @property
    def total(self) -> int:
        return self.passages + self.sentences


Progress = Callable[[Embedding], None]


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    changed: bool
    full: bool
    articles: int
    passages: int
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    inserted: int = 0  # passages of added and updated articles
    embedded: int = 0
    reused: int = 0
    skipped: tuple[Skipped, ...] = ()
    duplicates: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    version: Path | None = None
