"""The `citebot` command: the engine's commands plus the Telegram bot's.

citebot run                  update the index, then the bot (with a token) or the chat
citebot serve [--webhook URL --listen HOST --port N --secret S]
citebot feedback             unanswered and voted-down questions
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from index.cli import NO_TOKEN_BANNER, build_parser, chat_command, run_parsed, update_index
from index.errors import ConfigError
from index.sanitize import clean_text
from index.settings import Settings, load_dotenv


def main(argv: Sequence[str] | None = None) -> int:
    load_dotenv(Path.cwd() / ".env")
    parser, commands = build_parser()
    commands.choices["run"].set_defaults(run=_run)
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
        "--secret", metavar="S", help="secret token Telegram sends with each webhook call"
    )
    serve_cmd.set_defaults(run=_serve)
    feedback_cmd = commands.add_parser(
        "feedback", help="questions the corpus could not answer, and 👎s"
    )
    feedback_cmd.add_argument("--limit", type=int, default=100, help="at most this many")
    feedback_cmd.set_defaults(run=_feedback)
    return run_parsed(parser, argv)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    update_index(settings)
    if settings.bot.token is None:
        args.k = None
        return chat_command(settings, args, NO_TOKEN_BANNER)
    from bot.serve import serve

    serve(settings)  # long polling
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    if settings.bot.token is None:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in the "
            "environment or in .env"
        )
    from bot.serve import serve

    serve(settings, webhook=args.webhook, listen=args.listen, port=args.port, secret=args.secret)
    return 0


def _feedback(settings: Settings, args: argparse.Namespace) -> int:
    from bot.state import BotState

    state = BotState(settings.bot.state_dir / "bot.sqlite")
    try:
        gaps = state.gaps(args.limit)
    finally:
        state.close()
    if not gaps:
        print("no unanswered or voted-down questions yet")
    for gap in gaps:
        when = datetime.fromtimestamp(gap.asked_at, UTC).strftime("%Y-%m-%d %H:%M")
        verdict = "unanswered" if not gap.answered else f"👎 ×{gap.down_votes}"
        print(f"{when}  {verdict:<11} {clean_text(gap.text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
