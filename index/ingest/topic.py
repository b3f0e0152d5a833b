"""Which articles are about the relationship: a rule a maintainer reads and changes.

The rule is a YAML file (`corpus/topic.yaml` by default, `CITEBOT_TOPIC_RULE`): groups of
names, and an article is on topic when its title and text mention at least one name of every
group. A name matches at the start of a word, case-insensitively, so "Азербайдж" matches every
case ending of Азербайджан; names in Chinese match anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from index.records import Article
from index.text.names import load_name_lists
from index.text.words import CJK

_CJK = re.compile(f"[{CJK}]")


@dataclass(frozen=True)
class TopicRule:
    groups: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path) -> TopicRule:
        """Raises ConfigError where the file is missing or not a rule."""
        groups = load_name_lists(path, "all_of", "the topic rule", "groups of names")
        return cls({group: tuple(names) for group, names in groups.items()})

    def missing(self, article: Article) -> list[str]:
        """The groups ``article`` mentions no name of (empty: it is on topic)."""
        text = " ".join((article.title, *article.paragraphs))
        return [
            group
            for group, names in self.groups.items()
            if not any(_mentions(text, n) for n in names)
        ]


def _mentions(text: str, name: str) -> bool:
    if _CJK.search(name):
        return name in text
    return re.search(rf"(?<!\w){re.escape(name)}", text, re.IGNORECASE) is not None
