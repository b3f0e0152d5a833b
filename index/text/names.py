"""Lists of names a maintainer keeps in YAML (the topic rule, the glossary): read and checked
in one place, so both say alike what is wrong with a file."""

from __future__ import annotations

from pathlib import Path

import yaml

from index.errors import ConfigError


def load_name_lists(path: Path, key: str, what: str, shape: str) -> dict[str, list[str]]:
    """The mapping under ``key`` in the YAML file ``path``: each entry a non-empty list of
    non-empty names.

    Raises:
        ConfigError: the file can't be read, or is not of that shape; the message calls it
            ``what`` and describes the ``shape`` expected.
    """
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{what} {path} can't be read ({error})") from None
    found = data.get(key) if isinstance(data, dict) else None
    if (
        not isinstance(found, dict)
        or not found
        or not all(
            isinstance(name, str)
            and name.strip()
            and isinstance(names, list)
            and names
            and all(isinstance(n, str) and n.strip() for n in names)
            for name, names in found.items()
        )
    ):
        raise ConfigError(f"{what} {path} must hold `{key}:` with {shape} (see docs/corpus.md)")
    return {name: list(names) for name, names in found.items()}
