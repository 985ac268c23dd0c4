# Lambda build, deploy and local invoke; included by the Makefile.
#
#   make build-GatewayFunction ARTIFACTS_DIR=dir   what `sam build` runs (BuildMethod: makefile)
#   make deploy REGION=eu-west-1                   sam build + sam deploy --config-env REGION
#   make invoke EVENT=events/chat.json             run an event through the real bootstrap under
#                                                  the Lambda Runtime Interface Emulator (no Docker)
#   make sam-invoke EVENT=events/chat.json         the same through `sam local invoke` (Docker)

GO           ?= go
RIE          ?= $(CURDIR)/.tools/bin/aws-lambda-rie
LAMBDA_FLAGS ?= -tags lambda.norpc -trimpath -ldflags='-s -w'
# provided.al2023 on Graviton: a static arm64 binary named bootstrap.
LAMBDA_ENV   := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
ARTIFACTS_DIR ?= $(CURDIR)/.aws-sam/manual

.PHONY: build-GatewayFunction build-AggregatorFunction lambda-build deploy invoke sam-invoke

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
# aggregator); FUNCTION=gateway|aggregator overrides. The process gets this
# shell's environment: SWITCHYARD_*_TABLE, AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION...
FUNCTION ?= $(if $(findstring schedule,$(notdir $(EVENT))),aggregator,gateway)
RIE_PORT ?= 9000
RIE_API_PORT ?= 9001

invoke: $(RIE)
	@test -n "$(EVENT)" || { echo "usage: make invoke EVENT=events/chat.json [FUNCTION=gateway|aggregator]"; exit 2; }
	@mkdir -p bin/local/$(FUNCTION)
	$(GO) build -tags lambda.norpc -o bin/local/$(FUNCTION)/bootstrap ./functions/$(FUNCTION)
	@set -e; \
	$(RIE) --runtime-interface-emulator-address 127.0.0.1:$(RIE_PORT) --runtime-api-address 127.0.0.1:$(RIE_API_PORT) \
		$(CURDIR)/bin/local/$(FUNCTION)/bootstrap >bin/local/$(FUNCTION)/rie.log 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null' EXIT; \
	for i in $$(seq 100); do curl -s -o /dev/null http://127.0.0.1:$(RIE_PORT)/ && break; sleep 0.1; done; \
	curl -sS -X POST --data-binary @$(EVENT) http://127.0.0.1:$(RIE_PORT)/2015-03-31/functions/function/invocations \
		| sed 's/\x00\x00\x00\x00\x00\x00\x00\x00/\n--- body ---\n/'; \
	echo; echo "--- log: bin/local/$(FUNCTION)/rie.log"

sam-invoke:
	@test -n "$(EVENT)" || { echo "usage: make sam-invoke EVENT=events/chat.json"; exit 2; }
	sam build
	sam local invoke $(if $(findstring aggregator,$(FUNCTION)),AggregatorFunction,GatewayFunction) -e $(EVENT)
