# frontlens: `make demo` runs the main job on the bundled sample, `make test` runs the tests.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= out/demo.db
FL := $(BIN)/frontlens --db sqlite:///$(DEMO_DB)

.PHONY: install demo test lint typecheck bench eval train web fuzz clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

demo: install
	@mkdir -p $(dir $(DEMO_DB)) && rm -rf $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).evidence
	$(FL) ingest sample
	@echo "--- ingesting the same sample again stores nothing new:"
	$(FL) ingest sample
	@echo "--- every original is kept by SHA-256 (out/demo.db.evidence); re-hash them all:"
	$(FL) evidence verify
	$(FL) extract
	$(FL) stats
	$(FL) sources --limit 8
	@echo "--- control events (each with its supporting sentence):"
	$(FL) records control --limit 8
	@echo "--- equipment losses:"
	$(FL) records equipment --limit 5
	@echo "--- statements:"
	$(FL) records statements --limit 4
	$(FL) fuse
	@echo "--- the picture on 12 September 2022 (controller, since, Admiralty grade):"
	$(FL) picture --as-of 2022-09-12
	$(FL) contradictions --limit 5
	$(FL) mapdiff --from 2022-09-06 --to 2022-09-12 --top 10
	$(FL) brief --from 2022-09-06 --to 2022-09-14 --md out/brief.md --html out/brief.html
	$(FL) export --format geojson -o out/events.geojson
	$(FL) export --format acled -o out/events_acled.csv
	$(FL) export --format ledger -o out/equipment_ledger.csv
	$(FL) export --format jsonl -o out/records.jsonl
	@echo "--- reports written: out/brief.md out/brief.html out/events.geojson out/events_acled.csv out/equipment_ledger.csv out/records.jsonl"

test: install
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check src tests bench scripts

# mypy over src ([tool.mypy] in pyproject.toml); scripts/test.sh runs it too
typecheck: install
	$(BIN)/mypy src

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/pending.py
	$(BIN)/python bench/writes.py
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dask]'
	$(BIN)/python bench/dask_extract.py

eval: install
	@mkdir -p out
	$(BIN)/frontlens eval ../shared/data/news/dev.jsonl --json out/eval_dev.json --md out/eval_dev.md
	$(BIN)/frontlens eval ../shared/data/news/dev_ukru.jsonl --json out/eval_ukru.json --md out/eval_ukru.md
	$(BIN)/frontlens eval-geoparse ../shared/data/geoparse/GeoWebNews/GWN.xml --json out/eval_gwn.json > /dev/null
	$(BIN)/frontlens eval corpus/test.jsonl --json out/eval_corpus_test.json --md out/eval_corpus_test.md
	$(BIN)/frontlens eval corpus/test.jsonl --rules-only --json out/eval_corpus_test_rules.json > /dev/null
	$(BIN)/frontlens eval corpus/test_round2.jsonl --json out/eval_corpus_test_round2.json > /dev/null
	$(BIN)/frontlens eval-picture ../shared/data/news/dev.jsonl ../shared/data/news/dev_ukru.jsonl corpus/train.jsonl corpus/dev.jsonl corpus/test.jsonl corpus/test_round2.jsonl --month 2022-09 --maps ../shared/data/control/deepstate --json out/picture_2022-09.json

# Rebuild the decision models (src/frontlens/data/models) from corpus/train.jsonl, choosing on
# corpus/dev.jsonl; deterministic. scikit-learn is needed here only, not at run time.
train: install
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[train]'
	$(BIN)/python scripts/train.py

# The built dashboard is committed (src/frontlens/serve/static), so serving needs no Node;
# this rebuilds it from web/ with npm (Leaflet, world-atlas) after a change to web/src.
web: install
	bash scripts/build_web.sh

# The long hostile-input run (issue 11; the tests run a bounded part of it): >= 10,000 ingest
# fuzz inputs plus giant ones, 10 SIGKILL trials per command, the API fuzz at 300 cases per
# operation. Prints the figures the README quotes and writes out/fuzz/summary.json.
fuzz: install
	$(BIN)/python scripts/fuzz.py

clean:
	rm -rf $(VENV) out build *.egg-info src/*.egg-info .pytest_cache .ruff_cache
