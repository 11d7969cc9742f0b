# Sesame: `make dev` runs the whole system locally, `make test` checks everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed
# The deploy toolchain runs on Python 3.12, the Lambda runtime (docs/deploying.md).
DEPLOY_VENV   := .venv-deploy
DEPLOY_STAMP  := $(DEPLOY_VENV)/.installed
ifndef DEPLOY_PYTHON  # found once per make run
DEPLOY_PYTHON := $(shell for p in python3.12 "$$(pyenv prefix 3.12 2>/dev/null)/bin/python"; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12); print(sys.executable)' 2>/dev/null && break; done)
endif

.PHONY: dev test lint typecheck unit chromium bench deploy-env package resources check rehearse clean dist

# uv installs the locks (pinned in requirements-dev.txt, bootstrapped with pip): both venvs in about
# 20 s, where pip took 51 s side by side. pip stays in each venv (chalice runs it to build the zip).
UV := $(shell grep -m1 '^uv==' requirements-dev.txt)
UV_INSTALL = pip install --quiet --compile-bytecode --python

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml verify/pyproject.toml tools/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$(UV)"
	$(BIN)/uv $(UV_INSTALL) $(BIN)/python "pip<26.3" -r requirements-dev.txt
	$(BIN)/uv $(UV_INSTALL) $(BIN)/python --no-deps -e ./verify -e ./tools
	touch $(STAMP)

$(DEPLOY_STAMP): requirements.txt requirements-deploy.txt
	@test -n "$(DEPLOY_PYTHON)" || { echo "Deploys need Python 3.12 (the Lambda runtime): apt-get install \
	python3.12, or pyenv install 3.12, or make DEPLOY_PYTHON=/path/to/python3.12"; exit 1; }
	test -x $(DEPLOY_VENV)/bin/python || $(DEPLOY_PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "$(UV)"
	$(DEPLOY_VENV)/bin/uv $(UV_INSTALL) $(DEPLOY_VENV)/bin/python "pip<26.3" -r requirements-deploy.txt
	touch $(DEPLOY_STAMP)

deploy-env: $(DEPLOY_STAMP)

dev: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m devstack

# The browser tests' Chromium: Debian's headless shell (tests/frontend/conftest.py says why).
chromium:
	@command -v chromium-headless-shell >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium-headless-shell for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  chromium-headless-shell >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Four workers (pytest-xdist), each with its own embedded AWS, API server and Chromium: most of a
# test's time is waiting (HTTP, triggers, the browser), so four beat two on a 2-core machine. Tests
# are handed out one at a time (--maxschedchunk 1), the longest first (tests/conftest.py: FIRST).
unit: $(STAMP) $(DEPLOY_STAMP) chromium
	$(BIN)/pytest -n 4 --maxschedchunk 1

# Side by side: the two virtualenvs install together, then ruff and mypy (8 s on a fresh clone) run
# while the tests start (their few lines may land among the test dots). Any of them failing fails the run.
test:
	$(MAKE) --no-print-directory -j4 lint typecheck unit

bench: $(STAMP) $(DEPLOY_STAMP)
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

# Deploying (docs/deploying.md). Code: `chalice deploy --stage <stage>`.
# Resources (pool, table, key, alarms, ...): `make resources STAGE=<stage>`.
STAGE ?= dev
REGION ?= $(or $(AWS_DEFAULT_REGION),eu-west-1)

resources: $(STAMP)
	AWS_DEFAULT_REGION=$(REGION) $(BIN)/python -m infra.resources $(STAGE)

# A live stage read back from AWS (never written): each setting ✔, or ✗ with its fix.
check: $(STAMP)
	AWS_DEFAULT_REGION=$(REGION) $(BIN)/python -m infra.doctor $(STAGE)

# The whole deploy of STAGE, rehearsed offline on the embedded AWS, then checked.
rehearse: $(STAMP) $(DEPLOY_STAMP)
	$(BIN)/python -m devstack.rehearse $(STAGE)

# The zip chalice deploy uploads, and the resource template (for the benchmarks and a look).
package: $(STAMP) $(DEPLOY_STAMP)
	rm -rf build/$(STAGE) && mkdir -p build/$(STAGE)
	AWS_DEFAULT_REGION=$(REGION) $(DEPLOY_VENV)/bin/chalice package --stage $(STAGE) build/$(STAGE)/out
	$(BIN)/python -m infra.template $(STAGE) build/$(STAGE)/resources.json
	$(BIN)/cfn-lint build/$(STAGE)/resources.json

# The verifier library as a wheel, for services that install it (verify/README.md).
dist: $(STAMP)
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir dist ./verify
	rm -rf verify/build
	@ls dist/sesame_verify-*-py3-none-any.whl

clean:
	rm -rf $(VENV) $(DEPLOY_VENV) .mypy_cache .ruff_cache .pytest_cache artifacts dist
