"""One rooted hierarchy for everything that can go wrong in citebot.

    CitebotError                  base: the CLI prints it, the bot answers politely
    ├── ConfigError               a setting in the environment is malformed
    ├── CorpusError               the corpus folder is missing or has no usable article
    │   └── ArticleError          one file can't become an article (a build skips it)
    ├── IndexStateError           the built index can't be used
    │   ├── IndexNotBuilt         there is no index yet
    │   ├── IndexCorrupt          files are missing or damaged
    │   ├── IndexIncompatible     built with another model or an older format
    │   ├── BuildInProgress       another build holds the lock
    │   └── BuildFailed           a build could not write (disk full, I/O error)
    ├── QuestionError             the question is empty or too long
    ├── SourceError               a link or a file can't be added to the corpus
    └── EvalFileError             an evaluation file is malformed

Every message says what happened and, where there is one, what to do about it.
"""

from __future__ import annotations

REBUILD_HINT = "bring it up to date with `citebot index build`"


class CitebotError(Exception):
    """Base of all citebot errors; the message is meant for a person."""


class ConfigError(CitebotError):
    """A setting read from the environment is malformed."""


class CorpusError(CitebotError):
    """The corpus folder is missing, empty or holds no usable article."""


class ArticleError(CorpusError):
    """One corpus file cannot be turned into an article."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexStateError(CitebotError):
    """The built index cannot be used."""


class IndexNotBuilt(IndexStateError):
    """No index has been built yet."""


class IndexCorrupt(IndexStateError):
    """The index directory is damaged or half-deleted."""


class IndexIncompatible(IndexStateError):
    """The index was built with another model or an older format."""


class BuildInProgress(IndexStateError):
    """Another build holds the index lock."""


class BuildFailed(IndexStateError):
    """A build could not write its new version; the previous one keeps serving."""


class QuestionError(CitebotError):
    """The question cannot be asked as it is."""


class SourceError(CitebotError):
    """A link or a file can't be added to the corpus (the message says why)."""


class EvalFileError(CitebotError):
    """An evaluation file is malformed."""
