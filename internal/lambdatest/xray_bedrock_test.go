package lambdatest

import (
	"math"
	"strconv"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

const (
	// bedrockModel has the dots and colon of a real Bedrock model id.
	bedrockModel  = "anthropic.claude-haiku-4-5-20251001-v1:0"
	bedrockTarget = "bedrock/" + bedrockModel
	// bedrockService is the name internal/trace/xray gives an AWS call's
	// subsegment: the client's ServiceID, as the X-Ray SDK's instrumentor did.
	bedrockService = "Bedrock Runtime"
	// Prices of bedrockTarget in the pushed config, USD per million tokens.
	bedrockIn, bedrockOut = 3.0, 15.0
)

// withBedrock makes router default fall back from the OpenAI fake to
// Bedrock, priced in the config, and points the function's Bedrock Runtime
// client at f the way a deployment overrides an SDK endpoint
// (AWS_ENDPOINT_URL_BEDROCK_RUNTIME; the stored config names no endpoint),
// with the credentials f checks the SigV4 signature against.
func withBedrock(f *bedrockfake.Fake) func(*deployment, map[string]any) {
	return func(d *deployment, doc map[string]any) {
		doc["providers"].(map[string]any)["bedrock"] = map[string]any{"type": "bedrock", "region": bedrockfake.Region}
		doc["models"].(map[string]any)[bedrockTarget] = map[string]any{"input_per_mtok": bedrockIn, "output_per_mtok": bedrockOut}
		doc["routers"].(map[string]any)["default"] = map[string]any{"strategy": "fallback", "targets": []any{
			map[string]any{"model": upstreamName + "/gpt-4o-mini"},
			map[string]any{"model": bedrockTarget},
		}}
		// os/exec keeps the last value of a repeated key: these win over baseEnv's.
		d.env = append(d.env, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME="+f.URL,
			"AWS_ACCESS_KEY_ID="+bedrockfake.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+bedrockfake.SecretAccessKey)
	}
}

// TestLambdaXRayBedrock: a request the router sends to Bedrock (after the
// first target's 503) shows in X-Ray with the Bedrock Runtime call as an
// AWS subsegment of the attempt that made it — for Converse and for
// ConverseStream — and the routing subsegment carries the request's cost.
func TestLambdaXRayBedrock(t *testing.T) {
	bf := bedrockfake.New(t)
	d := newDeployment(t, withBedrock(bf))
	daemon := newXRayDaemon(t)
	gw := startRIE(t, bootstrap(t, "./functions/gateway"), append(d.env, "AWS_XRAY_DAEMON_ADDRESS="+daemon.Addr())...)
	unavailable := openaifake.Fault{Kind: openaifake.Status, Status: 503}
	d.Upstream.Script("gpt-4o-mini", unavailable, unavailable)

	for i, tc := range []struct {
		event, op string
		tokensIn  float64 // usage in bedrockfake's recorded answer
		tokensOut float64
	}{
		{"chat.json", "Converse", 30, 14},             // testdata/converse/text.json
		{"chat-stream.json", "ConverseStream", 30, 9}, // testdata/stream/text.jsonl
	} {
		t.Run(tc.event, func(t *testing.T) {
			event := readEvent(t, tc.event)
			root := traceRoot(t, event)
			s := invokeOK(t, gw, tc.event)
			if s.Headers["x-switchyard-target"] != bedrockTarget || s.Headers["x-switchyard-fallback"] != "true" {
				t.Fatalf("target %q fallback %q, want %s after a fallback; body %s",
					s.Headers["x-switchyard-target"], s.Headers["x-switchyard-fallback"], bedrockTarget, s.Body)
			}
			if n := bf.Hits(bedrockModel); n != i+1 {
				t.Fatalf("Bedrock fake served %d requests, want %d", n, i+1)
			}
			wantCost := (tc.tokensIn*bedrockIn + tc.tokensOut*bedrockOut) / 1e6
			if tc.op == "Converse" { // a stream's headers go out before its usage is known
				h := s.Headers["x-switchyard-cost-usd"]
				if got, err := strconv.ParseFloat(h, 64); err != nil || math.Abs(got-wantCost) > 1e-12 {
					t.Errorf("x-switchyard-cost-usd = %q, want %v", h, wantCost)
				}
			}
			sub := checkBedrockXRay(t, daemon, root, tc.op, wantCost)
			// The call carried the subsegment's trace header to Bedrock, so
			// the service's own segment joins this trace under it.
			want := "Root=" + root + ";Parent=" + sub.ID + ";Sampled=1"
			if got := bf.Requests()[i].Header.Get("X-Amzn-Trace-Id"); got != want {
				t.Errorf("Bedrock received X-Amzn-Trace-Id %q, want %q", got, want)
			}
		})
	}
}

// checkBedrockXRay checks the routing subsegment of trace root: served by
// Bedrock after a fallback, with its cost, and holding two attempts of
// which only the Bedrock one holds the AWS subsegment of the Bedrock
// Runtime call op, which it returns.
func checkBedrockXRay(t *testing.T, d *xrayDaemon, root, op string, wantCost float64) segment {
	t.Helper()
	// childrenOf finds p's subsegments called name: those sent inside p
	// (whose parent_id the SDK sets to the request segment's id, not p's:
	// nesting alone says where they belong) and those it streams as
	// documents of their own, which name p as their parent.
	childrenOf := func(segs []segment, p segment, name string) []segment {
		var out []segment
		for _, s := range p.Subsegments {
			if s.Name == name {
				out = append(out, s)
			}
		}
		for _, s := range segs {
			if s.Type == "subsegment" && s.TraceID == p.TraceID && s.ParentID == p.ID && s.Name == name {
				out = append(out, s)
			}
		}
		return out
	}
	routingOf := func(segs []segment) (segment, bool) {
		for _, s := range segs {
			if s.Name == "routing" && s.TraceID == root && s.Annotations["target"] == bedrockTarget {
				return s, true
			}
		}
		return segment{}, false
	}
	// The attempts and the call they made, once all have been received.
	attemptsOf := func(segs []segment) (served, failed segment, calls []segment, ok bool) {
		routing, ok := routingOf(segs)
		if !ok {
			return served, failed, nil, false
		}
		for _, a := range childrenOf(segs, routing, "attempt") {
			switch a.Annotations["target"] {
			case bedrockTarget:
				served = a
			case upstreamName + "/gpt-4o-mini":
				failed = a
			}
		}
		if served.ID == "" || failed.ID == "" {
			return served, failed, nil, false
		}
		calls = childrenOf(segs, served, bedrockService)
		return served, failed, calls, len(calls) > 0
	}
	segs := d.waitFor(t, "Bedrock attempt with a "+bedrockService+" subsegment in trace "+root,
		func(segs []segment) bool { _, _, _, ok := attemptsOf(segs); return ok })
	routing, _ := routingOf(segs)
	served, _, calls, _ := attemptsOf(segs)

	want := map[string]any{"router": "default", "strategy": "fallback", "attempts": 2.0, "fallback": true}
	for k, v := range want {
		if got := routing.Annotations[k]; got != v {
			t.Errorf("routing annotation %s = %#v, want %#v", k, got, v)
		}
	}
	if got, ok := routing.Annotations["cost_usd"].(float64); !ok || math.Abs(got-wantCost) > 1e-12 {
		t.Errorf("routing annotation cost_usd = %#v, want %v (the served target's tokens at its configured price)",
			routing.Annotations["cost_usd"], wantCost)
	}
	if served.Annotations["provider"] != "bedrock" || served.Annotations["model"] != bedrockModel ||
		served.Annotations["status"] != 200.0 || served.Fault || served.Error {
		t.Errorf("Bedrock attempt %+v", served)
	}

	if len(calls) != 1 {
		t.Fatalf("%d %s subsegments under the Bedrock attempt, want 1: %+v", len(calls), bedrockService, calls)
	}
	call := calls[0]
	if call.Namespace != "aws" || call.AWS["operation"] != op || call.AWS["region"] != bedrockfake.Region ||
		call.AWS["request_id"] != bedrockfake.RequestID || call.HTTP.Response.Status != 200 || call.Fault || call.Error {
		t.Errorf("%s subsegment: namespace %q aws %v http status %d fault %v error %v; want namespace aws, "+
			"operation %s, region %s, request_id %s, status 200", bedrockService, call.Namespace, call.AWS,
			call.HTTP.Response.Status, call.Fault, call.Error, op, bedrockfake.Region, bedrockfake.RequestID)
	}

	// Nowhere else in the trace: not under the attempt that failed, nor
	// under routing or the request directly.
	n := 0
	for _, s := range segs {
		if s.TraceID == root && s.Name == bedrockService {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d %s subsegments in trace %s, want the attempt's 1", n, bedrockService, root)
	}
	return call
}
