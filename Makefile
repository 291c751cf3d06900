# infrapipe: `make test` sets up everything on a fresh machine and runs every test;
# `make demo` runs the whole job against a local emulator (no AWS account needed).

PYTHON ?= python3
VENV := .venv
VENV_OK := $(VENV)/.installed-$(shell sha256sum requirements.txt | cut -c1-16)
# checkov in a venv of its own: it pins a boto3 that moto's cannot live beside.
CHECKOV_VENV := .venv-checkov
CHECKOV_OK := $(CHECKOV_VENV)/.installed-$(shell sha256sum requirements-checkov.txt | cut -c1-16)
CARGO ?= cargo

.PHONY: test lint rust-test python-test venv bench release demo clean

test: lint rust-test python-test

venv: $(VENV_OK) $(CHECKOV_OK)

# Pinned Python tools: cfn-lint, moto[server], pytest, boto3 (requirements.txt).
$(VENV_OK): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

# checkov (tests/checkov.rs runs it on every rendered template), pinned in requirements-checkov.txt.
$(CHECKOV_OK): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	rm -f $(CHECKOV_VENV)/.installed-*
	touch $@

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --quiet -- -D warnings

# Then the acceptance suite against moto: each step passed or skipped with why, and a summary
# line with the skip count (README.md, "Acceptance tests on a real account").
rust-test: $(VENV_OK) $(CHECKOV_OK)
	$(CARGO) test
	INFRAPIPE_ACC_ENDPOINT=moto $(CARGO) test --test acceptance -- --exact suite

python-test: $(VENV_OK)
	$(VENV)/bin/python -m pytest -q lambdas/tests

# Every benchmark; each prints its figures and its target. The moto ones need the venv.
bench: $(VENV_OK)
	bench/startup.sh
	$(CARGO) bench --bench synth
	$(CARGO) bench --bench plan
	$(CARGO) bench --bench apply
	$(CARGO) bench --bench rollout
	$(CARGO) bench --bench drift
	$(VENV)/bin/python bench/lambda_handler.py
	$(VENV)/bin/python bench/collector_fleet.py
	$(VENV)/bin/python bench/log_processor_large.py
	$(VENV)/bin/python bench/analytics.py
	bench/config_limits.sh

release:
	$(CARGO) build --release

# The main job against a local emulator (moto) on loopback: no AWS account needed.
demo: $(VENV_OK)
	$(CARGO) build --quiet
	./scripts/demo.sh

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) target
