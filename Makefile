# Two commands do everything: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Unit tests plus the integration tests that load the packaged model, in as many processes as
# there are cores (at most 4): most of the suite's time is waiting on servers and processes.
PYTEST_ARGS ?=
WORKERS ?= auto --maxprocesses 4

.PHONY: setup run test check lint format typecheck eval bench bench-onnx clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	# torch first and pinned: the CPU build; an unpinned torch pulls gigabytes of CUDA.
	$(BIN)/python -m pip install torch==2.13.0
	# The multilingual model's wheel is x86_64 Linux only; elsewhere the extra installs nothing
	# and citebot runs with the English model alone.
	$(BIN)/python -m pip install -e '.[dev,multilingual]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/citebot run

test: $(STAMP)
	$(BIN)/python -m pytest -n $(WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Our own questions in four languages, off-topic ones among them (bench/ holds more files).
eval: $(STAMP)
	$(BIN)/citebot index build
	$(BIN)/citebot eval bench/questions.jsonl

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/bot.py

# MiniLM on the ONNX backend (int8, the default) against torch: speed and SciFact quality.
bench-onnx: $(STAMP)
	$(BIN)/python bench/onnx_backend.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
