"""An interactive terminal chat over the engine."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.render import outlets
from bot.terminal import Style, format_answer, format_hit
from index import MAX_K, Engine, Hit, QuestionError

HELP = """Ask about Azerbaijan–China relations; answers are quoted passages with their sources.
  /more      the next passages for the last question
  /full N    passage N of the last answer, whole
  /k N       show N passages per answer (now {k})
  /sources   the articles in the corpus
  /help      this text
  /quit      leave (Ctrl-D works too)"""

PROMPT = "ask› "


def chat(
    engine: Engine,
    *,
    k: int,
    read: Callable[[str], str] = input,
    out: TextIO,
    style: Style,
    banner: str = "",
) -> None:
    """Answer questions until /quit or end of input."""
    session = _Session(engine, k, out, style)
    if banner:
        session.say(banner)
    session.say(
        f"citebot — {engine.manifest.articles} articles, {engine.manifest.passages} "
        "passages. Type /help for commands."
    )
    with _history():
        while True:
            try:
                line = read(PROMPT).strip()
            except (EOFError, KeyboardInterrupt):
                session.say("")
                return
            if line in ("/quit", "/exit", "/q", "exit", "quit"):
                return
            if line:
                session.handle(line)


class _Session:
    def __init__(self, engine: Engine, k: int, out: TextIO, style: Style) -> None:
        self.engine = engine
        self.k = k
        self.out = out
        self.style = style
        self.last_question: str | None = None
        self.shown = 0
        self.hits: dict[int, Hit] = {}  # what the last answers showed, by number

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def handle(self, line: str) -> None:
        command, _, argument = line.partition(" ")
        if command == "/help":
            self.say(HELP.format(k=self.k))
        elif command == "/k":
            self.set_k(argument)
        elif command == "/more":
            self.more()
        elif command == "/full":
            self.full(argument)
        elif command == "/sources":
            self.sources()
        elif command.startswith("/"):
            self.say(f"unknown command {command}; /help lists them")
        else:
            self.ask(line)

    def ask(self, question: str) -> None:
        """Answered as `citebot ask` answers: the time it names ("in 2020", "latest") read."""
        try:
            answer = self.engine.answer(question, self.k)
        except QuestionError as error:
            self.say(str(error))
            return
        self.last_question, self.shown = question, len(answer.hits)
        self.hits = {hit.rank: hit for hit in (*answer.hits, *answer.related)}
        self.say(format_answer(answer, self.style, self._outlets))

    def more(self) -> None:
        if self.last_question is None:
            self.say("ask a question first")
            return
        answer = self.engine.answer(self.last_question, self.shown + self.k)
        hits = answer.hits[self.shown :]
        if not hits:
            self.say("no more relevant passages for that question")
            return
        self.say(format_answer(replace(answer, hits=hits, line=None), self.style))
        self.hits.update((hit.rank, hit) for hit in hits)
        self.shown += len(hits)

    def full(self, argument: str) -> None:
        hit = self.hits.get(int(argument)) if argument.strip().isdigit() else None
        if hit is None:
            shown = ", ".join(map(str, sorted(self.hits))) or "none yet"
            self.say(f"usage: /full N, with N a passage shown ({shown})")
            return
        self.say(format_hit(hit, self.style, full=True))

    def _outlets(self) -> str:
        return outlets(self.engine.articles())

    def set_k(self, argument: str) -> None:
        if argument.strip().isdigit() and 1 <= int(argument) <= MAX_K:
            self.k = int(argument)
            self.say(f"showing {self.k} passages per answer")
        else:
            self.say(f"usage: /k N, with N from 1 to {MAX_K}")

    def sources(self) -> None:
        for article in self.engine.articles():
            details = ", ".join(x for x in (article.source, article.published, article.url) if x)
            self.say(f"- {article.title}" + (f" — {details}" if details else ""))


@contextlib.contextmanager
def _history() -> Iterator[None]:
    """Arrow-key history across sessions where readline is available."""
    try:
        import readline
    except ImportError:
        yield
        return
    path = Path.home() / ".citebot_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            readline.set_history_length(1000)
            readline.write_history_file(path)
