#!/bin/sh
# local-invoke.sh rie|sam EVENT FUNCTION: what `make invoke` and
# `make sam-invoke` run. On a fresh clone, with no AWS account or setup,
# it starts the DynamoDB emulator (dynalite, in memory), creates the three
# tables, pushes examples/local.yaml plus the caller key the events in
# events/ send (sk-switchyard-example), then invokes the function with
# EVENT: through the Lambda Runtime Interface Emulator (rie, no Docker) or
# `sam local invoke` (sam, Docker). Everything stops when it returns.
#
# With SWITCHYARD_CONFIG_TABLE already set in the environment it starts
# nothing and uses the tables (and AWS settings) of the shell instead.
#
# Knobs: DYNALITE_PORT (8000), RIE_PORT (9000), RIE_API_PORT (9001),
# SAM_NETWORK (host), SAM_DYNAMO_ENDPOINT (http://127.0.0.1:$DYNALITE_PORT),
# DYNALITE_HOST (127.0.0.1), GO, DYNALITE, RIE.
set -eu

mode=${1:?usage: local-invoke.sh rie|sam EVENT FUNCTION}
event=${2:?usage: local-invoke.sh rie|sam EVENT FUNCTION}
function=${3:-gateway}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
GO=${GO:-go}
DYNALITE=${DYNALITE:-$root/.tools/node_modules/.bin/dynalite}
RIE=${RIE:-$root/.tools/bin/aws-lambda-rie}
DYNALITE_PORT=${DYNALITE_PORT:-8000}
RIE_PORT=${RIE_PORT:-9000}
RIE_API_PORT=${RIE_API_PORT:-9001}
EVENT_KEY=sk-switchyard-example
out=bin/local
mkdir -p "$out/$function"
test -f "$event" || { echo "local-invoke: no event file $event" >&2; exit 2; }

pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

# wait_http URL: until something answers there (any status), 10 s at most.
wait_http() {
	i=0
	until curl -s -o /dev/null "$1"; do
		i=$((i + 1))
		if [ "$i" -ge 100 ]; then echo "local-invoke: nothing answers on $1" >&2; return 1; fi
		sleep 0.1
	done
}

sha256() { if command -v sha256sum >/dev/null; then sha256sum | cut -d' ' -f1; else shasum -a 256 | cut -d' ' -f1; fi; }

if [ -z "${SWITCHYARD_CONFIG_TABLE:-}" ]; then
	if curl -s -o /dev/null "http://127.0.0.1:$DYNALITE_PORT"; then
		echo "local-invoke: port $DYNALITE_PORT is taken; set DYNALITE_PORT=<free port>" >&2
		exit 1
	fi
	test -x "$DYNALITE" || { echo "local-invoke: $DYNALITE missing; run make tools" >&2; exit 1; }
	"$DYNALITE" --host "${DYNALITE_HOST:-127.0.0.1}" --port "$DYNALITE_PORT" >"$out/dynalite.log" 2>&1 &
	pids="$pids $!"
	# Throwaway credentials: nothing here may reach a real AWS account.
	unset AWS_PROFILE AWS_SESSION_TOKEN
	export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
	export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DYNALITE_PORT"
	export SWITCHYARD_CONFIG_TABLE=switchyard-config SWITCHYARD_STATE_TABLE=switchyard-state SWITCHYARD_METRICS_TABLE=switchyard-metrics
	wait_http "$AWS_ENDPOINT_URL_DYNAMODB"
	"$GO" build -o "$out/gateway-cli" ./functions/gateway
	"$out/gateway-cli" tables create >"$out/setup.log" 2>&1
	# Under Lambda a config without keys serves nothing but /healthz:
	# add the key the events send.
	{
		cat examples/local.yaml
		printf '\n# Added by scripts/local-invoke.sh: the key events/*.json send.\nkeys:\n  - {name: events, sha256: %s}\n' \
			"$(printf %s "$EVENT_KEY" | sha256)"
	} >"$out/invoke-config.yaml"
	"$out/gateway-cli" config push "$out/invoke-config.yaml" >>"$out/setup.log" 2>&1 ||
		{ cat "$out/setup.log" >&2; exit 1; }
	echo "local-invoke: dynalite on $AWS_ENDPOINT_URL_DYNAMODB with examples/local.yaml (+ the events' key)" >&2
fi

case "$mode" in
rie)
	test -x "$RIE" || { echo "local-invoke: $RIE missing; run make tools" >&2; exit 1; }
	"$GO" build -tags "${LAMBDA_TAGS:-lambda.norpc}" -o "$out/$function/bootstrap" "./functions/$function"
	"$RIE" --runtime-interface-emulator-address "127.0.0.1:$RIE_PORT" --runtime-api-address "127.0.0.1:$RIE_API_PORT" \
		"$root/$out/$function/bootstrap" >"$out/$function/rie.log" 2>&1 &
	pids="$pids $!"
	wait_http "http://127.0.0.1:$RIE_PORT/"
	# A streamed answer is a JSON prelude, eight NUL bytes, then the body.
	curl -sS -X POST --data-binary "@$event" "http://127.0.0.1:$RIE_PORT/2015-03-31/functions/function/invocations" |
		sed 's/\x00\x00\x00\x00\x00\x00\x00\x00/\n--- body ---\n/'
	echo
	echo "--- log: $out/$function/rie.log"
	;;
sam)
	command -v sam >/dev/null || { echo "local-invoke: sam (AWS SAM CLI) not installed" >&2; exit 1; }
	command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "local-invoke: sam local invoke needs a running Docker" >&2; exit 1; }
	case "$function" in aggregator) logical=AggregatorFunction ;; *) logical=GatewayFunction ;; esac
	# sam local invoke applies only variables the template declares
	# (template.yaml declares these, empty in a deployed stack).
	printf '{"Parameters": {"AWS_ENDPOINT_URL_DYNAMODB": "%s", "SWITCHYARD_CONFIG_TABLE": "%s", "SWITCHYARD_STATE_TABLE": "%s", "SWITCHYARD_METRICS_TABLE": "%s"}}\n' \
		"${SAM_DYNAMO_ENDPOINT:-$AWS_ENDPOINT_URL_DYNAMODB}" "$SWITCHYARD_CONFIG_TABLE" "$SWITCHYARD_STATE_TABLE" "$SWITCHYARD_METRICS_TABLE" >"$out/sam-env.json"
	sam build
	# Host networking lets the container reach the emulator on 127.0.0.1
	# (Docker Desktop: enable host networking, or set SAM_NETWORK=bridge,
	# DYNALITE_HOST=0.0.0.0, SAM_DYNAMO_ENDPOINT=http://host.docker.internal:$DYNALITE_PORT).
	sam local invoke "$logical" -e "$event" --env-vars "$out/sam-env.json" --docker-network "${SAM_NETWORK:-host}"
	;;
*)
	echo "local-invoke: mode must be rie or sam" >&2
	exit 2
	;;
esac
