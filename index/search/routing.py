"""Which models a question goes to, and which threshold it is held to: one place decides.

English questions go to the main model and (where installed, in hybrid retrieval) the
multilingual one too; questions in other scripts go to the multilingual model alone, since the
main model only reads English. Each is held to the cosine of the model that ranks it first.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.models.embedder import Embedder
from index.settings import Settings
from index.text.language import detect


@dataclass(frozen=True)
class Route:
    """What a question gets: the model that ranks it first (``models[0]``, which also picks
    the sentence to bold), any further model whose ranking is fused, and the threshold."""

    models: tuple[Embedder, ...]
    setting: str  # the threshold's name in the calibration file
    threshold: float
    main_first: bool = True  # the main (English) model ranks it first

    @property
    def first(self) -> Embedder:
        return self.models[0]


class Router:
    def __init__(self, settings: Settings, main: Embedder, multilingual: Embedder | None) -> None:
        self._settings = settings
        self.main = main
        self.multilingual = multilingual

    def route(self, question: str) -> Route:
        settings, multilingual = self._settings, self.multilingual
        if multilingual is None:
            return Route((self.main,), "min_score", settings.tuning.min_score)
        if detect(question) != "en":
            return Route(
                (multilingual,),
                "min_score_multilingual",
                settings.tuning.min_score_multilingual,
                main_first=False,
            )
        both = settings.tuning.retrieval == "hybrid"
        models = (self.main, multilingual) if both else (self.main,)
        return Route(models, "min_score", settings.tuning.min_score)

    def models(self) -> list[Embedder]:
        """Every model a question can go to."""
        return [self.main] + ([self.multilingual] if self.multilingual else [])
