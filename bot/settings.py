"""The Telegram front end's settings, read from the environment; the engine never reads them.

`citebot` reads them beside the engine's `index.settings.Settings`, with the same reader, so a
bad value is named the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from index import ConfigError, EnvReader, preview

# Seconds a build started by the bot or by `citebot add` and `feeds poll` waits for another
# that is running (a `citebot add` on the same index, a replica's /reload) to finish.
BUILD_WAIT = 600.0


class Secret:
    """A value that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class BotSettings:
    """The Telegram front end's settings; the engine never reads them."""

    token: Secret | None = None
    api_url: str | None = None  # a self-hosted (or, in tests, fake) Bot API server
    admins: frozenset[int] = frozenset()
    rate_limit: int = 20  # questions per user per minute
    max_concurrent: int = 4  # searches running at once
    state_dir: Path = Path("var/state")
    log_level: str = "INFO"
    feed_interval: float = 1800.0  # seconds between feed polls (CITEBOT_FEED_INTERVAL)
    # PostgreSQL for the state, shared by replicas; None: SQLite in state_dir
    database_url: Secret | None = None
    index_check: float = 30.0  # seconds between looks for a new index version
    # Messages a second this process sends at most: Telegram allows a bot about 30 in all, so
    # N replicas take 30/N each (CITEBOT_SEND_RATE)
    send_rate: float = 30.0
    webhook_secret: Secret | None = None  # CITEBOT_WEBHOOK_SECRET, where --secret is not given
    # Where the reader's site is seen from outside (https), mounted beside the webhook; each
    # card then gets a "Read" button. None: no site beside the bot (CITEBOT_PUBLIC_URL).
    public_url: str | None = None
    web_rate_limit: int = 60  # the site's requests per address per minute

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> BotSettings:
        """Read the bot's settings from ``environ`` (default: the process environment).

        Raises:
            ConfigError: a variable is set to something unusable; the message names it.
        """
        env = os.environ if environ is None else environ
        base = Path.cwd() if cwd is None else cwd
        reader = EnvReader(env)
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if token and not re.fullmatch(r"\d+:[\w-]+", token):
            raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters)")
        api_url = env.get("TELEGRAM_API_URL", "").strip().rstrip("/") or None
        if api_url and not re.match(r"https?://", api_url):
            raise ConfigError(
                f"TELEGRAM_API_URL must be an http(s) address, got {preview(api_url)}"
            )
        admins = env.get("CITEBOT_ADMINS", "").replace(";", ",")
        if not re.fullmatch(r"[\d,\s]*", admins):
            raise ConfigError("CITEBOT_ADMINS must be Telegram user ids separated by commas")
        level = env.get("CITEBOT_LOG_LEVEL", cls.log_level).strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(
                f"CITEBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {preview(level)}"
            )
        database_url = env.get("CITEBOT_DATABASE_URL", "").strip()
        if database_url and not re.match(r"postgres(ql)?://", database_url):
            raise ConfigError(
                "CITEBOT_DATABASE_URL must be a PostgreSQL address (postgresql://user@host/db); "
                "leave it unset to keep the state in SQLite"
            )
        public_url = env.get("CITEBOT_PUBLIC_URL", "").strip().rstrip("/") or None
        if public_url and not re.fullmatch(r"https://[^\s/?#]+(/[^\s?#]*)?", public_url):
            raise ConfigError(
                "CITEBOT_PUBLIC_URL must be the https address the site is seen at "
                f"(https://example.org or https://example.org/reader), got {preview(public_url)}"
            )
        return cls(
            token=Secret(token) if token else None,
            public_url=public_url,
            web_rate_limit=reader.integer(
                "CITEBOT_WEB_RATE_LIMIT", cls.web_rate_limit, 1, 100_000
            ),
            database_url=Secret(database_url) if database_url else None,
            webhook_secret=Secret(secret)
            if (secret := env.get("CITEBOT_WEBHOOK_SECRET", "").strip())
            else None,
            send_rate=reader.number("CITEBOT_SEND_RATE", cls.send_rate, 0.1, 10_000.0),
            index_check=reader.number("CITEBOT_INDEX_CHECK", cls.index_check, 1.0, 3600.0),
            api_url=api_url,
            admins=frozenset(int(a) for a in admins.split(",") if a.strip()),
            rate_limit=reader.integer("CITEBOT_RATE_LIMIT", cls.rate_limit, 1, 10_000),
            max_concurrent=reader.integer("CITEBOT_MAX_CONCURRENT", cls.max_concurrent, 1, 64),
            state_dir=(base / env.get("CITEBOT_STATE_DIR", str(cls.state_dir))).resolve(),
            log_level=level,
            feed_interval=reader.number("CITEBOT_FEED_INTERVAL", cls.feed_interval, 1.0, 86400.0),
        )
