"""The `citebot` command: a thin layer over the engine and the bot.

    citebot index build|status   the index
    citebot ask|chat|eval|calibrate
    citebot run                  update the index, then the bot (with a token) or the chat
    citebot serve [--webhook URL --listen HOST --port N --secret S]
    citebot web [--listen HOST:PORT]   the reader's web site
    citebot feedback             unanswered and voted-down questions

Heavy libraries (faiss, the models, Telegram) load only inside the commands that need them,
so `citebot --help` answers at once. Every `CitebotError` becomes a one-line message and a
non-zero exit.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from bot.settings import BUILD_WAIT, BotSettings
from bot.texts import either
from index import (
    MAX_K,
    CitebotError,
    ConfigError,
    IndexStateError,
    QuestionError,
    Settings,
    SourceError,
    load_dotenv,
)

if TYPE_CHECKING:
    from bot.state import BotState
    from index import Article, BuildReport, Name, Prepared, TimeFilter
from index import clean_text, shorten

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # as a shell reports a command ended by SIGPIPE
# `add` and `feeds poll` saved articles, but another build held the index past --wait: they
# are in the corpus and the next build indexes them (sysexits' EX_TEMPFAIL: try the build later)
EXIT_NOT_INDEXED = 75
# Set on Ctrl-C. Python drops a KeyboardInterrupt raised while a finalizer runs (it only
# prints "Exception ignored"), and loading torch runs many; a build checks this before it
# publishes, so a Ctrl-C is never lost.
INTERRUPTED = threading.Event()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command, turning errors into messages and exit codes."""
    load_dotenv(Path.cwd() / ".env")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    INTERRUPTED.clear()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupt)
    try:
        settings, bot = Settings.from_env(), BotSettings.from_env()  # the whole environment
        code = int(args.run(settings, bot, args))
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return code
    except CitebotError as error:
        print(f"citebot: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("\ncitebot: interrupted; the index being served is untouched", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `citebot eval … | head`: the reader has all it wants
        _quiet_stdout()
        return EXIT_BROKEN_PIPE


def _quiet_stdout() -> None:
    """Point standard output at the null device, so that Python's flush at exit finds no
    closed pipe to complain about (Python's documentation on SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _interrupt(signum: int, frame: FrameType | None) -> None:
    INTERRUPTED.set()
    raise KeyboardInterrupt


def build_parser() -> argparse.ArgumentParser:
    """The parser with every command."""
    parser = argparse.ArgumentParser(
        prog="citebot",
        description="Cited answers about Azerbaijan–China relations from a news corpus.",
        epilog="Settings come from CITEBOT_* environment variables and the calibration file; "
        "see docs/configuration.md.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    index_cmd = commands.add_parser("index", help="build or inspect the index")
    index_sub = index_cmd.add_subparsers(title="index commands", metavar="ACTION", required=True)
    build_cmd = index_sub.add_parser("build", help="bring the index up to date with the corpus")
    build_cmd.add_argument("--full", action="store_true", help="re-embed everything from scratch")
    build_cmd.add_argument(
        "--strict", action="store_true", help="fail when any corpus file had to be skipped"
    )
    build_cmd.add_argument("--quiet", action="store_true", help="no progress bar")
    build_cmd.set_defaults(run=_build)
    status_cmd = index_sub.add_parser("status", help="what the index holds and if it is stale")
    status_cmd.add_argument("--json", action="store_true", help="print one JSON object")
    status_cmd.set_defaults(run=_status)

    ask_cmd = commands.add_parser("ask", help="print cited passages answering a question")
    ask_cmd.add_argument(
        "question", nargs="?", help="the question; without it, one per stdin line"
    )
    ask_cmd.add_argument("-k", type=_positive, default=None, help="how many passages at most")
    ask_cmd.add_argument("--json", action="store_true", help="one JSON object per question")
    ask_cmd.add_argument(
        "--full",
        action="store_true",
        help="whole passages (default: the sentences around the one that answers)",
    )
    ask_cmd.add_argument(
        "--since", type=_since, metavar="DATE", help="only articles published from DATE on"
    )
    ask_cmd.add_argument(
        "--until", type=_until, metavar="DATE", help="only articles published up to DATE"
    )
    ask_cmd.set_defaults(run=_ask)

    latest_cmd = commands.add_parser("latest", help="the newest articles")
    latest_cmd.add_argument("n", nargs="?", type=_positive, default=5, help="how many (5)")
    latest_cmd.set_defaults(run=_latest)
    sources_cmd = commands.add_parser("sources", help="every article, newest first")
    sources_cmd.set_defaults(run=_sources)
    glossary_cmd = commands.add_parser(
        "glossary", help="names in the articles that the glossary has no entry for"
    )
    glossary_cmd.set_defaults(run=_glossary)
    timeline_cmd = commands.add_parser("timeline", help="a topic's passages per month, charted")
    timeline_cmd.add_argument("topic", nargs="?", help="what to chart (default: every article)")
    timeline_cmd.add_argument("--png", type=Path, metavar="FILE", help="write the chart here")
    timeline_cmd.set_defaults(run=_timeline)

    chat_cmd = commands.add_parser("chat", help="an interactive chat in the terminal")
    chat_cmd.add_argument("-k", type=_positive, default=None, help="passages per answer")
    chat_cmd.set_defaults(run=chat_command)

    run_cmd = commands.add_parser(
        "run", help="update the index, then start the bot (with a token) or the chat (make run)"
    )
    run_cmd.set_defaults(run=_run)

    eval_cmd = commands.add_parser("eval", help="hit@k and MRR on a question file")
    eval_cmd.add_argument("file", type=Path, help="JSON lines: id, lang, question, gold")
    eval_cmd.add_argument("--json", action="store_true", help="print one JSON object")
    eval_cmd.set_defaults(run=_eval)

    calibrate_cmd = commands.add_parser(
        "calibrate", help="suggest relevance thresholds from in-scope and off-topic questions"
    )
    calibrate_cmd.add_argument(
        "files", type=Path, nargs="+", help="JSON lines as for eval; empty gold = off-topic"
    )
    calibrate_cmd.add_argument(
        "--write",
        action="store_true",
        help="write the suggested thresholds into the calibration file",
    )
    calibrate_cmd.set_defaults(run=_calibrate)

    add_cmd = commands.add_parser(
        "add", help="add articles from links or files (.html, .pdf, .md, .txt), then build"
    )
    add_cmd.add_argument("sources", nargs="+", metavar="SOURCE", help="an http(s) link or a file")
    add_cmd.add_argument(
        "--dry-run", action="store_true", help="show what would be added; write nothing"
    )
    add_cmd.add_argument("--no-build", action="store_true", help="write the files; no build")
    _wait_option(add_cmd)
    add_cmd.set_defaults(run=_add)

    feeds_cmd = commands.add_parser("feeds", help="follow RSS and Atom feeds")
    feeds_sub = feeds_cmd.add_subparsers(title="feed commands", metavar="ACTION", required=True)
    feed_add = feeds_sub.add_parser("add", help="follow a feed")
    feed_add.add_argument("url", help="the feed's http(s) link")
    feed_add.add_argument("--name", help="a short name for the feed")
    feed_add.set_defaults(run=_feeds_add)
    feeds_sub.add_parser("list", help="the feeds, their last poll and counts").set_defaults(
        run=_feeds_list
    )
    feed_remove = feeds_sub.add_parser("remove", help="stop following a feed")
    feed_remove.add_argument("feed", help="its link or name")
    feed_remove.set_defaults(run=_feeds_remove)
    feed_poll = feeds_sub.add_parser("poll", help="take new articles on topic, then build")
    feed_poll.add_argument("--dry-run", action="store_true", help="show, write nothing")
    _wait_option(feed_poll)
    feed_poll.set_defaults(run=_feeds_poll)
    feed_log = feeds_sub.add_parser("log", help="what polls took or skipped, and why")
    feed_log.add_argument("--limit", type=int, default=50, help="at most this many")
    feed_log.set_defaults(run=_feeds_log)

    serve_cmd = commands.add_parser("serve", help="run the Telegram bot (long polling or webhook)")
    serve_cmd.add_argument("--webhook", metavar="URL", help="public HTTPS URL Telegram calls")
    serve_cmd.add_argument(
        "--listen",
        default="127.0.0.1",
        metavar="HOST",
        help="address to listen on with --webhook (default 127.0.0.1)",
    )
    serve_cmd.add_argument(
        "--port",
        type=int,
        default=8443,
        metavar="N",
        help="port to listen on with --webhook (default 8443)",
    )
    serve_cmd.add_argument(
        "--secret",
        metavar="S",
        help="secret token Telegram sends with each webhook call (default: "
        "$CITEBOT_WEBHOOK_SECRET; replicas must share one)",
    )
    serve_cmd.set_defaults(run=_serve)
    web_cmd = commands.add_parser("web", help="serve the reader's web site")
    web_cmd.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        type=_address,
        metavar="HOST:PORT",
        help="address to listen on (default 127.0.0.1:8080)",
    )
    web_cmd.set_defaults(run=_web)
    feedback_cmd = commands.add_parser(
        "feedback", help="questions the corpus could not answer, and 👎s"
    )
    feedback_cmd.add_argument("--limit", type=int, default=100, help="at most this many")
    feedback_cmd.set_defaults(run=_feedback)
    return parser


def _wait_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--wait",
        type=float,
        default=BUILD_WAIT,
        metavar="SECONDS",
        help=f"how long to wait for a build that is running (default {BUILD_WAIT:g}); the "
        f"articles are saved either way, and exit status {EXIT_NOT_INDEXED} says they are "
        "not searchable yet",
    )


def _positive(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_K:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_K}")
    return int(text)


def _build(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.progress import EmbeddingBars
    from bot.terminal import format_build
    from index import build

    bars = EmbeddingBars(show=not args.quiet and sys.stderr.isatty())
    report = build(settings, full=args.full, progress=bars, stop=INTERRUPTED)
    print(format_build(report), file=sys.stderr)
    if args.strict and report.skipped:
        print(f"citebot: error: {len(report.skipped)} file(s) skipped (--strict)", file=sys.stderr)
        return EXIT_ERROR
    return 0


def _status(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.terminal import describe_multilingual, format_table
    from index import status

    try:
        found = status(settings)
    except IndexStateError as error:
        if not args.json:
            raise
        print(json.dumps({"built": False, "error": str(error)}))
        return EXIT_ERROR
    if args.json:
        shown = {**asdict(found), "multilingual": describe_multilingual(found)}
        shown["calibration"] = str(settings.tuning.source)
        print(json.dumps({"built": True, **shown}, ensure_ascii=False))
        return 0
    stale = (
        f"yes: {found.pending_changes} new or changed, {found.pending_removals} removed; "
        "run `citebot index build`"
        if found.corpus_changed
        else "no"
    )
    print(
        format_table(
            [
                ("index", found.index_dir),
                ("corpus", found.corpus_dir),
                ("calibration", _calibration(settings)),
                ("articles", f"{found.articles} ({found.undated} undated)"),
                ("passages", found.passages),
                ("model", found.model_id),
                ("index type", found.index_type),
                ("multilingual", describe_multilingual(found)),
                ("built", found.built_at),
                ("built by", f"citebot {found.code_version}"),
                ("corpus changed since", stale),
                ("skipped files", len(found.skipped)),
            ]
        )
    )
    for skipped in found.skipped:
        print(f"  {skipped}")
    return 0


def _calibration(settings: Settings) -> str:
    """The calibration file in use, and where its thresholds came from."""
    found = settings.tuning.calibrated
    origin = ", ".join(str(q) for q in found.get("questions", []))
    when = f"calibrated {found['on']} on {origin}" if found.get("on") else "not calibrated"
    return f"{settings.tuning.source} ({when})"


def _since(text: str) -> dt.date:
    """A date (2025-05-14), or a year: its first day."""
    return _date(text, first=True)


def _until(text: str) -> dt.date:
    """A date (2025-05-14), or a year: its last day."""
    return _date(text, first=False)


def _date(text: str, first: bool) -> dt.date:
    try:
        if text.isdigit() and len(text) == 4:
            return dt.date(int(text), 1, 1) if first else dt.date(int(text), 12, 31)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a date like 2025-05-14, or a year") from None


def _when(args: argparse.Namespace) -> TimeFilter | None:
    """--since and --until as a filter (None: the question's own time is read)."""
    from index import TimeFilter

    if args.since is None and args.until is None:
        return None
    return TimeFilter(args.since, args.until)


def _latest(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.terminal import format_latest
    from index import Engine

    print(format_latest(Engine.open(settings).latest(args.n)))
    return 0


def _timeline(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.terminal import timeline_summary
    from index import Engine

    found = Engine.open(settings).timeline(args.topic)
    print(timeline_summary(found))
    if args.png is not None and found.months:
        from bot.charts import timeline_png

        args.png.write_bytes(timeline_png(found))
        print(f"chart written to {args.png}")
    elif args.png is not None:  # asked for a chart and got none: a script must see it
        print(f"citebot: no chart written to {args.png}: nothing dated to chart", file=sys.stderr)
        return EXIT_ERROR
    return 0


def _glossary(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.terminal import format_unglossed
    from index import Engine, lacking

    engine = Engine.open(settings)
    articles = [a for a in (engine.article(x.id) for x in engine.sources()) if a is not None]
    print(
        format_unglossed(
            lacking(articles, engine.glossary, settings.topic_rule), settings.glossary
        )
    )
    return 0


def _sources(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.terminal import format_sources
    from index import Engine

    print(format_sources(Engine.open(settings).sources()))
    return 0


def _ask(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.render import outlets
    from bot.terminal import Style, format_answer
    from index import Answer, Engine

    engine = Engine.open(settings)
    style = Style(sys.stdout.isatty())

    def shown(answer: Answer) -> str:
        named = lambda: outlets(engine.articles())  # noqa: E731 - only where it is said
        return format_answer(answer, style, named, full=args.full)

    if args.question is not None:
        answer = engine.answer(args.question, args.k, when=_when(args))
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else shown(answer))
        return 0
    failed = 0
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")  # a bad byte spoils one question, not the run
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = engine.answer(line, args.k, when=_when(args))
        except QuestionError as error:
            failed += 1
            if args.json:
                print(
                    json.dumps(
                        {**Answer(line.strip()).to_json(), "error": str(error)}, ensure_ascii=False
                    ),
                    flush=True,
                )
            else:
                print(f"citebot: error: {error}", file=sys.stderr)
            continue
        print(
            json.dumps(answer.to_json(), ensure_ascii=False)
            if args.json
            else f"» {answer.question}\n{shown(answer)}\n",
            flush=True,
        )
    return EXIT_ERROR if failed else 0


def chat_command(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    return _chat(settings, args.k)


def _chat(settings: Settings, k: int | None, banner: str = "") -> int:
    from bot.chat import chat
    from bot.terminal import Style
    from index import Engine

    engine = Engine.open(settings)
    chat(
        engine,
        k=k or settings.top_k,
        out=sys.stdout,
        style=Style(sys.stdout.isatty()),
        banner=banner,
    )
    return 0


NO_TOKEN_BANNER = (
    "No Telegram bot token configured: this is the terminal chat. To run the Telegram bot, "
    "set TELEGRAM_BOT_TOKEN in the environment or in .env (see README, 'The Telegram bot')."
)


def update_index(settings: Settings) -> None:
    """Bring the index up to date before serving, reporting what changed on stderr."""
    from bot.terminal import format_build

    print(format_build(_build_now(settings)), file=sys.stderr)


def _build_now(settings: Settings, wait: float = 0.0) -> BuildReport:
    """An incremental build with a progress bar on a terminal; Ctrl-C stops it. Waits up to
    ``wait`` seconds for a build that is running, and says so."""
    from bot.progress import EmbeddingBars
    from index import BuildInProgress, build

    bars = EmbeddingBars(sys.stderr.isatty())
    try:
        return build(settings, progress=bars, stop=INTERRUPTED)
    except BuildInProgress:
        if wait <= 0:
            raise
    print(f"waiting for the build that is running (at most {wait:g} s)…", file=sys.stderr)
    return build(settings, progress=bars, stop=INTERRUPTED, wait=wait)


def _run(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    update_index(settings)
    if bot.token is None:
        return _chat(settings, None, NO_TOKEN_BANNER)
    from bot.serve import serve

    serve(settings, bot)  # long polling
    return 0


def _add(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.terminal import format_draft
    from index import duplicate_of, prepare, write

    failed, written = 0, []
    gaps = _name_gaps(settings)
    for source in args.sources:
        try:
            prepared = prepare(source, settings)
            existing = duplicate_of(prepared.article, settings)
            if existing is not None:
                raise SourceError(f"{shorten(source)} is already in the corpus as {existing}")
            if args.dry_run:
                print(format_draft(prepared, "would add"))
            else:
                path = write(prepared, settings)
                written.append(prepared)
                print(format_draft(prepared, f"added {path.name}"))
        except (SourceError, OSError) as error:  # this source's failure: the rest go on
            failed += 1
            print(f"citebot: error: {_failure(source, error)}", file=sys.stderr)
            continue
        _print_gaps(gaps, prepared.article)
    code = _build_added(settings, written, args.wait) if written and not args.no_build else 0
    return EXIT_ERROR if failed else code


def _failure(source: str, error: Exception) -> str:
    if isinstance(error, OSError):  # writing into the corpus folder: a full disk, say
        return f"{shorten(source)} could not be saved ({error.strerror or error})"
    return str(error)


def _name_gaps(settings: Settings) -> Callable[[Article], list[Name]] | None:
    """What names an article brings that the glossary lacks; None where no glossary is set,
    or it or the topic rule can't be read (said once: adding needs neither)."""
    from index import Glossary, subject_names, unglossed

    if settings.glossary is None:
        return None
    try:
        glossary = Glossary.load(settings.glossary)
        subject = subject_names(settings.topic_rule)
    except ConfigError as error:
        print(f"citebot: warning: {error}", file=sys.stderr)
        return None
    return lambda article: unglossed([article], glossary, subject)


def _print_gaps(gaps: Callable[[Article], list[Name]] | None, article: Article) -> None:
    """Say the names ``article`` brings that the glossary lacks, if any (`_name_gaps`)."""
    from bot.terminal import format_lacking

    lacking = gaps(article) if gaps else []
    if lacking:
        print(format_lacking(lacking))


def _build_added(settings: Settings, written: list[Prepared], wait: float) -> int:
    """Build (waiting up to ``wait`` seconds for a build that is running), then say how many
    passages the new articles brought and a question to try. Returns the exit status: 0, or
    `EXIT_NOT_INDEXED` where another build held the index all that time."""
    from bot.terminal import plural
    from index import BuildInProgress

    try:
        passages = _build_now(settings, wait).inserted
    except BuildInProgress as error:
        print(
            f"citebot: {plural(len(written), 'article')} saved but not searchable yet: {error} "
            f"(waited {wait:g} s); `citebot index build` indexes them once it is done",
            file=sys.stderr,
        )
        return EXIT_NOT_INDEXED
    title = written[0].article.title
    print(
        f"{plural(passages, 'passage')} added from {plural(len(written), 'article')}; "
        f'try: citebot ask "{clean_text(title)}"'
    )
    return 0


@contextlib.contextmanager
def _state(bot: BotSettings) -> Iterator[BotState]:
    """The bot's state (SQLite or PostgreSQL, as the bot's), closed after the command."""
    from bot.state import StateError, open_state

    url = bot.database_url.reveal() if bot.database_url else None
    state = open_state(url, bot.state_dir, recover=False, wait=5.0)
    try:
        yield state
    except state.db.errors as error:
        raise StateError(f"the bot's state database failed: {error}") from None
    finally:
        state.close()


def _feeds_add(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from index import check_url

    check_url(args.url, allow_private=settings.allow_private_urls)
    with _state(bot) as state:
        state.feeds.add(args.url, args.name)
    print(f"following {args.name or args.url}; `citebot feeds poll` takes what is new")
    return 0


def _feeds_list(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.terminal import format_feeds

    with _state(bot) as state:
        print(format_feeds(state.feeds.feeds()))
    return 0


def _feeds_remove(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    with _state(bot) as state:
        removed = state.feeds.remove(args.feed)
    if not removed:
        raise CitebotError(f"no feed {shorten(args.feed)}: `citebot feeds list` shows them")
    print(f"no longer following {args.feed}")
    return 0


def _feeds_poll(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.feeds import poll
    from bot.terminal import format_outcome
    from index import TopicRule

    rule = TopicRule.load(settings.topic_rule)
    with _state(bot) as state:
        outcomes = poll(state.feeds, settings, rule, dry_run=args.dry_run)
    gaps = _name_gaps(settings) if any(o.prepared for o in outcomes) else None
    for outcome in outcomes:
        print(format_outcome(outcome))
        if outcome.prepared:
            _print_gaps(gaps, outcome.prepared.article)
    taken = [o.prepared for o in outcomes if o.outcome == "taken" and o.prepared]
    if not outcomes:
        print("nothing new")
    code = _build_added(settings, taken, args.wait) if taken and not args.dry_run else 0
    failed = any(o.outcome == "failed" and not o.title for o in outcomes)
    return EXIT_ERROR if failed else code


def _feeds_log(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    with _state(bot) as state:
        entries = state.feeds.log(args.limit)
    for when, feed, outcome, title, reason in entries:
        stamp = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M")
        print(clean_text(f"{stamp}  {outcome:<7} {feed}: {title} ({reason})"))
    return 0


def _serve(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    if bot.token is None:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in the "
            "environment or in .env"
        )
    from bot.serve import serve

    serve(
        settings,
        bot,
        webhook=args.webhook,
        listen=args.listen,
        port=args.port,
        secret=args.secret or (bot.webhook_secret.reveal() if bot.webhook_secret else None),
    )
    return 0


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError("must be HOST:PORT, such as 127.0.0.1:8080")
    return host.strip("[]"), int(port)


def _web(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.logs import setup_logging
    from bot.web.serve import run_site
    from index import Engine

    setup_logging(bot.log_level, [])
    engine = Engine.open(settings)
    engine.warm_up()
    host, port = args.listen
    asyncio.run(run_site(settings, bot, engine, host, port))
    return 0


def _feedback(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    with _state(bot) as state:
        gaps = state.gaps(args.limit)
    if not gaps:
        print("no unanswered or voted-down questions yet")
        return 0
    lacking = _unmentioned(settings, [gap.text for gap in gaps if not gap.answered])
    for gap in gaps:
        when = datetime.fromtimestamp(gap.asked_at, UTC).strftime("%Y-%m-%d %H:%M")
        verdict = "unanswered" if not gap.answered else f"👎 ×{gap.down_votes}"
        names = lacking.get(gap.text, ()) if not gap.answered else ()
        why = f"  (no article mentions {either(names, 'or')})" if names else ""
        print(f"{when}  {verdict:<11} {clean_text(gap.text)}{clean_text(why)}")
    asked = Counter(name for gap in gaps if not gap.answered for name in lacking.get(gap.text, ()))
    if asked:
        counted = ", ".join(f"{clean_text(name)} ×{n}" for name, n in asked.most_common())
        print(f"\nnames asked about that no article mentions: {counted}")
    return 0


def _unmentioned(settings: Settings, questions: list[str]) -> dict[str, tuple[str, ...]]:
    """For each question, the names it asks about that no article of the index mentions
    (`Engine.unmentioned`: no model is loaded for it); none where there is no index."""
    from index import Engine

    try:
        engine = Engine.open(settings)
    except CitebotError:
        return {}
    found: dict[str, tuple[str, ...]] = {}
    try:
        for question in questions:
            with contextlib.suppress(QuestionError):
                found[question] = engine.unmentioned(question)
    finally:
        engine.close()
    return found


def _eval(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.terminal import format_eval
    from index import Engine, evaluate, load_questions

    questions = load_questions(args.file)
    report = evaluate(Engine.open(settings), questions)
    if args.json:
        print(json.dumps(asdict(report), ensure_ascii=False))
    else:
        print(format_eval(report))
    return 0


def _calibrate(settings: Settings, bot: BotSettings, args: argparse.Namespace) -> int:
    from bot.terminal import format_calibration
    from index import Engine, calibrate, calibrated, load_questions, own_file

    questions = [q for path in args.files for q in load_questions(path)]
    engine = Engine.open(settings)
    found = calibrate(engine, questions)
    print(format_calibration(found))
    if args.write:
        path = own_file(settings.corpus_dir, settings.tuning)
        files = [str(p) for p in args.files]
        articles = engine.manifest.articles
        calibrated(settings.tuning, found, files, articles, dt.date.today()).write(path)
        print(f"wrote the suggested thresholds to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
