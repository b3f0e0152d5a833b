"""`index/` is a library: it draws nothing and knows no front end."""

from __future__ import annotations

import ast
from pathlib import Path

import index

ENGINE = Path(index.__file__).parent
FRONT_ENDS = ("argparse", "tqdm", "telegram", "bot")


def offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
            found.append(f"{path.name}:{node.lineno}: print(")
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        line = getattr(node, "lineno", 0)
        found += [
            f"{path.name}:{line}: imports {name}"
            for name in names
            if name.split(".")[0] in FRONT_ENDS
        ]
    return found


def test_architecture_the_engine_prints_nothing_and_imports_no_front_end() -> None:
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) > 10
    assert [o for path in modules for o in offences(path)] == []


def test_architecture_the_check_catches_what_it_forbids(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import argparse\nfrom telegram.ext import Application\nprint('x')\n")
    assert offences(bad) == [
        "bad.py:1: imports argparse",
        "bad.py:2: imports telegram.ext",
        "bad.py:3: print(",
    ]
