# Lambda build, deploy and local invoke; included by the Makefile.
#
#   make build-GatewayFunction ARTIFACTS_DIR=dir   what `sam build` runs (BuildMethod: makefile)
#   make deploy REGION=eu-west-1                   sam build + sam deploy --config-env REGION
#   make invoke EVENT=events/chat.json             run an event through the real bootstrap under
#                                                  the Lambda Runtime Interface Emulator (no Docker)
#   make sam-invoke EVENT=events/chat.json         the same through `sam local invoke` (Docker)
#   make smoke URL=https://… KEY=sk-…              check streaming on a deployed stack (cmd/smoke)

GO           ?= go
RIE          ?= $(CURDIR)/.tools/bin/aws-lambda-rie
# LAMBDA_TAGS adds build tags to lambda.norpc (which leaves out aws-lambda-go's RPC mode, unused on
# provided.al2023). `sam build` passes the variable through from the environment
# (with --use-container: --container-env-var LAMBDA_TAGS=...); `make invoke` honours it.
LAMBDA_TAGS  ?= lambda.norpc
LAMBDA_FLAGS ?= -tags $(LAMBDA_TAGS) -trimpath -ldflags='-s -w'
# provided.al2023 on Graviton: a static arm64 binary named bootstrap.
LAMBDA_ENV   := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
ARTIFACTS_DIR ?= $(CURDIR)/.aws-sam/manual

.PHONY: build-GatewayFunction build-AggregatorFunction lambda-build deploy invoke sam-invoke smoke

build-GatewayFunction:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/gateway

build-AggregatorFunction:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/aggregator

## lambda-build: both bootstraps for linux/arm64 into bin/lambda/ (size check without SAM).
lambda-build:
	$(MAKE) build-GatewayFunction ARTIFACTS_DIR=$(CURDIR)/bin/lambda/gateway
	$(MAKE) build-AggregatorFunction ARTIFACTS_DIR=$(CURDIR)/bin/lambda/aggregator
	@ls -l bin/lambda/*/bootstrap

## deploy: one region's stack; samconfig.toml has a config-env per region.
deploy:
	@test -n "$(REGION)" || { echo "usage: make deploy REGION=us-east-1 (a config-env in samconfig.toml)"; exit 2; }
	sam build --config-env $(REGION)
	sam deploy --config-env $(REGION)

# invoke: the function is chosen from the event (schedule events go to the
# aggregator); FUNCTION=gateway|aggregator overrides. scripts/local-invoke.sh
# starts the DynamoDB emulator, creates the tables and pushes
# examples/local.yaml (plus the key the events send) first, so a fresh
# clone needs nothing else; with SWITCHYARD_CONFIG_TABLE set in the shell
# it uses the shell's tables and AWS settings instead.
FUNCTION ?= $(if $(findstring schedule,$(notdir $(EVENT))),aggregator,gateway)

invoke: $(RIE) $(DYNALITE)
	@test -n "$(EVENT)" || { echo "usage: make invoke EVENT=events/chat.json [FUNCTION=gateway|aggregator]"; exit 2; }
	@GO=$(GO) RIE=$(RIE) DYNALITE=$(DYNALITE) LAMBDA_TAGS=$(LAMBDA_TAGS) scripts/local-invoke.sh rie $(EVENT) $(FUNCTION)

sam-invoke: $(DYNALITE)
	@test -n "$(EVENT)" || { echo "usage: make sam-invoke EVENT=events/chat.json [FUNCTION=gateway|aggregator]"; exit 2; }
	@GO=$(GO) DYNALITE=$(DYNALITE) scripts/local-invoke.sh sam $(EVENT) $(FUNCTION)

## smoke: check a deployed stack from outside: streaming (TTFB, chunk gaps), a hang-up, /healthz.
smoke:
	@test -n "$(URL)" -a -n "$(KEY)" || { echo "usage: make smoke URL=https://<api>.execute-api.<region>.amazonaws.com/<stage> KEY=sk-..."; exit 2; }
	$(GO) run ./cmd/smoke -url "$(URL)" -key "$(KEY)" $(if $(MODEL),-model "$(MODEL)")
