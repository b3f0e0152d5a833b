"""What to watch, in Prometheus' text format: served at ``/metrics`` beside the webhook.

Each process keeps its own registry (tests run several bots in one process). Counters count
since the process started; Prometheus sums them across replicas. Nothing here holds a
secret: no token, no database address, no user's words.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector

# A *_created series beside each counter is noise here.
disable_created_metrics()  # type: ignore[no-untyped-call]
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Live:
    """What is read at each scrape rather than counted."""

    index_version: str
    index_built_at: str  # ISO 8601, as the manifest says
    articles: int
    passages: int
    state_write_failures: int
    state_up: bool


class _LiveCollector(Collector):
    def __init__(self, read: Callable[[], Live], metrics: Metrics) -> None:
        self._read = read
        self._metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | InfoMetricFamily]:
        live = self._read()
        yield InfoMetricFamily(
            "citebot_index", "The index version served", value={"version": live.index_version}
        )
        yield GaugeMetricFamily(
            "citebot_index_age_seconds", "Seconds since the served index was built",
            value=_age(live.index_built_at),
        )  # fmt: skip
        yield GaugeMetricFamily("citebot_index_articles", "Articles served", value=live.articles)
        yield GaugeMetricFamily("citebot_index_passages", "Passages served", value=live.passages)
        yield CounterMetricFamily(
            "citebot_state_write_failures", "Records of the bot's state lost (never written)",
            value=live.state_write_failures,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "citebot_state_database_up", "1 while the state database answers, 0 while away",
            value=float(live.state_up),
        )  # fmt: skip
        yield GaugeMetricFamily(
            "citebot_unanswered_ratio",
            "Share of questions since start that found no passage",
            value=self._metrics.unanswered_ratio(),
        )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.questions = Counter(
            "citebot_questions", "Questions, by whether passages were found",
            ["answered"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "citebot_answer_seconds", "From a question's arrival to its passages found",
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.rate_limited = Counter(
            "citebot_rate_limited", "Requests refused by the per-user rate limit",
            registry=self.registry,
        )  # fmt: skip
        self.feed_polls = Counter(
            "citebot_feed_polls", "Feed poll turns: ran here, left to another replica, or failed",
            ["outcome"], registry=self.registry,
        )  # fmt: skip
        self.feed_entries = Counter(
            "citebot_feed_entries", "Feed entries seen by polls, by what was done",
            ["outcome"], registry=self.registry,
        )  # fmt: skip
        self._counts = {True: 0, False: 0}
        self.index_swaps = Counter(
            "citebot_index_swaps", "New index versions swapped in", registry=self.registry
        )

    def watch(self, read: Callable[[], Live]) -> None:
        self.registry.register(_LiveCollector(read, self))

    def answered(self, found: bool, seconds: float) -> None:
        self.questions.labels(answered="yes" if found else "no").inc()
        self.latency.observe(seconds)
        self._counts[found] += 1

    def unanswered_ratio(self) -> float:
        total = self._counts[True] + self._counts[False]
        return self._counts[False] / total if total else 0.0

    def text(self) -> bytes:
        return generate_latest(self.registry)


def _age(built_at: str) -> float:
    try:
        built = dt.datetime.fromisoformat(built_at)
    except ValueError:
        return float("nan")
    if built.tzinfo is None:
        built = built.replace(tzinfo=dt.UTC)
    return max(0.0, time.time() - built.timestamp())
