# Switchyard. `make run` starts the local gateway; `make test` runs every test.
GO        ?= go
BIN       := bin
TOOLS     := $(CURDIR)/.tools
RIE       := $(TOOLS)/bin/aws-lambda-rie
DYNALITE  := $(TOOLS)/node_modules/.bin/dynalite

# The console's browser test (internal/console) drives headless Chromium:
# Debian's package, found on PATH (or set SWITCHYARD_CHROMIUM).
SWITCHYARD_CHROMIUM ?= $(or $(shell command -v chromium 2>/dev/null),/usr/bin/chromium)

export SWITCHYARD_DYNALITE := $(DYNALITE)
export SWITCHYARD_RIE := $(RIE)
export SWITCHYARD_CHROMIUM

.PHONY: run test test-short build lint bench fuzz tools chromium console-screenshot clean

run:
	$(GO) run ./functions/gateway serve --config examples/local.yaml

## tools: everything the tests start (dynalite from npm, the Lambda Runtime Interface Emulator,
## headless Chromium for the console's browser test).
tools: $(DYNALITE) $(RIE) chromium

## chromium: Debian's chromium package, installed once (apt-get needs root: CI runs as root).
chromium:
	@[ -x "$(SWITCHYARD_CHROMIUM)" ] || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } \
		|| { echo "cannot install chromium: run 'apt-get install chromium' as root, or set SWITCHYARD_CHROMIUM"; exit 1; }

## console-screenshot: regenerate docs/console.png from the console's browser test.
console-screenshot: chromium
	SWITCHYARD_CONSOLE_SCREENSHOT=1 $(GO) test -count=1 -run '^TestConsoleInBrowser$$' ./internal/console/

$(DYNALITE):
	npm install --no-audit --no-fund --prefix $(TOOLS) dynalite@4

$(RIE):
	GOBIN=$(TOOLS)/bin $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@latest

test: tools
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 15m ./...

test-short:
	$(GO) test -count=1 ./...

build:
	mkdir -p $(BIN)
	$(GO) build -o $(BIN)/gateway ./functions/gateway
	$(GO) build -o $(BIN)/aggregator ./functions/aggregator

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## fuzz: each fuzz target for FUZZTIME, one after the other (make fuzz FUZZTIME=2m). `make test`
## already runs every checked-in corpus (testdata/fuzz/); a failing input the fuzzer finds is
## written there: keep it as a seed. The default -fuzzminimizetime (60s) would let one big new
## input stall a short run; FUZZFLAGS="-parallel=1 -fuzzminimizetime=10s" on a shared machine.
FUZZTIME  ?= 20s
FUZZFLAGS ?= -fuzzminimizetime=10s
FUZZ = $(GO) test -run '^$$' -fuzztime $(FUZZTIME) $(FUZZFLAGS)

fuzz:
	$(FUZZ) -fuzz '^FuzzDecode$$' ./internal/chat/
	$(FUZZ) -fuzz '^FuzzDecode$$' ./internal/messages/
	$(FUZZ) -fuzz '^FuzzDecodeFast$$' ./internal/chat/
	$(FUZZ) -fuzz '^FuzzEncodeFast$$' ./internal/chat/
	$(FUZZ) -fuzz '^FuzzCompileEval$$' ./internal/condition/
	$(FUZZ) -fuzz '^FuzzParse$$' ./internal/config/
	$(FUZZ) -fuzz '^FuzzDecoder$$' ./internal/sse/
	$(FUZZ) -fuzz '^FuzzStream$$' ./internal/provider/openai/
	$(FUZZ) -fuzz '^FuzzTopLevel$$' ./internal/provider/openai/
	$(FUZZ) -fuzz '^FuzzChunk$$' ./internal/provider/openai/
	$(FUZZ) -fuzz '^FuzzSkimChunk$$' ./internal/provider/openai/
	$(FUZZ) -fuzz '^FuzzUsage$$' ./internal/provider/openai/
	$(FUZZ) -fuzz '^FuzzValid$$' ./internal/jsonscan/
	$(FUZZ) -fuzz '^FuzzStream$$' ./internal/provider/anthropic/
	$(FUZZ) -fuzz '^FuzzStream$$' ./internal/provider/gemini/
	$(FUZZ) -fuzz '^FuzzStream$$' ./internal/provider/bedrock/
	$(FUZZ) -fuzz '^FuzzClaudeBody$$' ./internal/provider/bedrock/
	$(FUZZ) -fuzz '^FuzzRequest$$' ./internal/lambdaapi/
	$(FUZZ) -fuzz '^FuzzEmbedInputs$$' ./internal/provider/
	$(FUZZ) -fuzz '^FuzzDecode$$' ./internal/responses/
	$(FUZZ) -fuzz '^FuzzRequestDocument$$' ./internal/trace/xray/

## bench: the in-process benchmarks, then the load generator against the gateway as deployed
## and the bare-reverse-proxy floor (docs/BENCHMARKS.md): issue 16's ratios.
LOADGEN_FLAGS ?= -floor
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...
	$(GO) run ./cmd/loadgen $(LOADGEN_FLAGS)

clean:
	rm -rf $(BIN) .aws-sam
include lambda.mk
