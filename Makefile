# Sesame: `make dev` runs the whole system locally, `make test` checks everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: dev test lint typecheck unit chromium bench package deploy clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml verify/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip<26.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e ./verify
	touch $(STAMP)

dev: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m devstack

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) chromium
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP)
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

# Deploy one stage (STAGE=dev|prod): the Chalice app and every supporting
# resource in one CloudFormation stack. Needs AWS credentials; see README.
STAGE ?= dev
REGION ?= $(or $(AWS_DEFAULT_REGION),eu-west-1)
BUCKET ?=

package: $(STAMP)
	rm -rf build/$(STAGE) && mkdir -p build/$(STAGE)
	$(BIN)/python -m infra.template $(STAGE) build/$(STAGE)/merge.json
	AWS_DEFAULT_REGION=$(REGION) $(BIN)/chalice package --stage $(STAGE) \
	  --merge-template build/$(STAGE)/merge.json build/$(STAGE)/out
	$(BIN)/python -m infra.bytecode build/$(STAGE)/out/deployment.zip
	$(BIN)/cfn-lint build/$(STAGE)/out/sam.json

deploy: package
	@test -n "$(BUCKET)" || { echo "BUCKET=<artifact bucket> is required"; exit 2; }
	aws cloudformation package --region $(REGION) --template-file build/$(STAGE)/out/sam.json \
	  --s3-bucket $(BUCKET) --output-template-file build/$(STAGE)/out/packaged.json
	aws cloudformation deploy --region $(REGION) --stack-name sesame-$(STAGE) \
	  --template-file build/$(STAGE)/out/packaged.json --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache artifacts
