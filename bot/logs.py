"""Logging for the bot process, with every secret blotted out of every byte it writes.

The Bot API puts the token in every URL, so a library that logs a URL, or an exception that
quotes one (PTB's `InvalidToken` does), would otherwise leak it. Two layers: a logging
filter redacts each record, and the process's stdout and stderr are wrapped so that what
bypasses logging (a traceback Python prints, a warning, a thread's crash) is redacted too.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable
from typing import Any, TextIO

REDACTED = "[REDACTED]"
_secrets: set[str] = set()
_lock = threading.Lock()


def protect(secrets: Iterable[str | None]) -> None:
    """Redact ``secrets`` from every log record and from everything written to stdout and
    stderr from now on."""
    with _lock:
        _secrets.update(s for s in secrets if s)
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is not None and not isinstance(stream, RedactingStream):
                setattr(sys, name, RedactingStream(stream))


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class RedactingStream:
    """A text stream that redacts secrets from what passes through it.

    A secret split across two writes would slip through, so a partial line is held back
    until its end arrives (or the stream is flushed).
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        head, newline, tail = self._pending.rpartition("\n")
        if newline:
            self._stream.write(redact(head + newline))
            self._pending = tail
        if len(self._pending) > 65536:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(redact(self._pending))
            self._pending = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, ...
        return getattr(self._stream, name)


class RedactSecrets(logging.Filter):
    """Replaces secrets in messages, arguments and tracebacks before any handler writes them."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        with _lock:
            _secrets.update(s for s in secrets if s)

    def redact(self, text: str) -> str:
        return redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def setup_logging(level: str, secrets: Iterable[str | None]) -> None:
    """Log to stderr at ``level``; HTTP client chatter (URLs with the token) only as warnings."""
    protect(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
