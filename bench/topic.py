"""The feed topic rule (corpus/topic.yaml) on the labelled set the tests build.

    .venv/bin/python bench/topic.py

Prints precision and recall, and every article the rule gets wrong.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.ingest.topic import TopicRule  # noqa: E402
from index.records import Article  # noqa: E402
from tests.topic_set import LABELLED  # noqa: E402


def scores(rule: TopicRule) -> tuple[float, float, list[str]]:
    """Precision, recall, and the titles the rule gets wrong."""
    found = {title: not rule.missing(Article("", title, (text,))) for title, text, _ in LABELLED}
    relevant = {title for title, _, on in LABELLED if on}
    taken = {title for title, on in found.items() if on}
    precision = len(taken & relevant) / len(taken) if taken else 0.0
    recall = len(taken & relevant) / len(relevant)
    return precision, recall, sorted(taken ^ relevant)


def main() -> None:
    precision, recall, wrong = scores(TopicRule.load(ROOT / "corpus" / "topic.yaml"))
    print(f"{len(LABELLED)} articles: precision {precision:.3f}, recall {recall:.3f}")
    for title in wrong:
        print(f"  wrong: {title}")


if __name__ == "__main__":
    main()
