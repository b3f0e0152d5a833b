"""Drawing a build's progress in the terminal: a line per model, then a bar."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from tqdm import tqdm

from index import Embedding


class EmbeddingBars:
    """A build's `Progress`: says what each model embeds and, on a terminal, draws a bar."""

    def __init__(self, show: bool, out: TextIO | None = None) -> None:
        self._show = show
        self._out = out or sys.stderr
        self._bar: tqdm[Any] | None = None

    def __call__(self, event: Embedding) -> None:
        if event.done == 0:
            print(
                f"embedding {event.passages} passages and {event.sentences} sentences with "
                f"{event.model_id}",
                file=self._out,
                flush=True,
            )
            self._close()
            self._bar = tqdm(
                total=event.total,
                desc="embedding",
                unit="text",
                disable=not self._show,
                file=self._out,
            )
            return
        if self._bar is not None:
            self._bar.update(event.done - self._bar.n)
            if event.done >= event.total:
                self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
