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


BOT = ENGINE.parent / "bot"
MODULE_LINES = 400
FUNCTION_LINES = 60


def too_long(path: Path) -> list[str]:
    """Where a module of the engine is over MODULE_LINES lines or a function of it over
    FUNCTION_LINES (docstring included): past that, it no longer reads in one sitting."""
    text = path.read_text("utf-8")
    found = (
        [f"{path.name}: {text.count(chr(10))} lines"] if text.count("\n") > MODULE_LINES else []
    )
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > FUNCTION_LINES:
                found.append(f"{path.name}:{node.lineno}: {node.name} is {length} lines")
    return found


def private_imports(path: Path) -> list[str]:
    """Where a front end imports from inside the engine rather than its public API."""
    return [
        f"{path.name}:{node.lineno}: {node.module or ''}"
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path)))
        if isinstance(node, ast.ImportFrom)
        and node.level == 0
        and (node.module or "").startswith("index.")
    ] + [
        f"{path.name}:{node.lineno}: import {alias.name}"
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path)))
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.startswith("index")
    ]


def test_architecture_every_engine_module_and_function_reads_in_one_sitting() -> None:
    assert [o for path in sorted(ENGINE.rglob("*.py")) for o in too_long(path)] == []


def test_architecture_front_ends_use_only_the_engines_public_api() -> None:
    modules = sorted(BOT.rglob("*.py"))
    assert len(modules) > 10
    assert [o for path in modules for o in private_imports(path)] == []


def test_architecture_the_size_and_import_checks_catch_what_they_forbid(tmp_path: Path) -> None:
    long = tmp_path / "long.py"
    long.write_text("def f() -> None:\n" + "    x = 1\n" * 60 + "\n" * 340)
    assert too_long(long) == ["long.py: 401 lines", "long.py:1: f is 61 lines"]
    bad = tmp_path / "front.py"
    bad.write_text("from index import Engine\nfrom index.search.engine import Engine\n")
    assert private_imports(bad) == ["front.py:2: index.search.engine"]
