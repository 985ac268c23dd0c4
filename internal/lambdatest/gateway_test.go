package lambdatest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// traceRoot is the trace API Gateway started for an event, as it passes it
// in the X-Amzn-Trace-Id header: x-switchyard-trace-id must report it and
// the X-Ray segments must belong to it. (In the cloud Lambda also hands
// the function this trace with the invocation; the emulator does not, so
// here the gateway continues the header's trace, as it does off Lambda.)
func traceRoot(t *testing.T, event []byte) string {
	t.Helper()
	var ev struct{ Headers map[string]string }
	if err := json.Unmarshal(event, &ev); err != nil {
		t.Fatal(err)
	}
	for _, part := range strings.Split(ev.Headers["X-Amzn-Trace-Id"], ";") {
		if root, ok := strings.CutPrefix(part, "Root="); ok {
			return root
		}
	}
	t.Fatalf("event has no X-Amzn-Trace-Id root: %s", event)
	return ""
}

// eventCase is what the gateway must answer to one file of events/.
type eventCase struct {
	status  int
	headers map[string]string // exact values
	traced  bool              // x-switchyard-trace-id is the event's trace
	check   func(t *testing.T, s streamed)
}

var gatewayEvents = map[string]eventCase{
	"chat.json": {
		// The first upstream call fails (scripted 503): the router falls back.
		status: 200, traced: true,
		headers: map[string]string{"content-type": "application/json", "x-request-id": "c0a8e2f1-6d1b-4c3e-9f2a-000000000001",
			"x-switchyard-router": "default", "x-switchyard-target": "fake/gpt-4o", "x-switchyard-attempts": "2",
			"x-switchyard-fallback": "true"},
		check: func(t *testing.T, s streamed) {
			var v struct {
				Object  string
				Choices []struct{ Message struct{ Content string } }
			}
			if err := json.Unmarshal([]byte(s.Body), &v); err != nil || v.Object != "chat.completion" || len(v.Choices) != 1 ||
				v.Choices[0].Message.Content != "Hello! How can I assist you today?" {
				t.Errorf("body %s (%v)", s.Body, err)
			}
			if s.Headers["x-switchyard-cost-usd"] == "" {
				t.Error("no x-switchyard-cost-usd")
			}
		},
	},
	"chat-stream.json": {
		status: 200, traced: true,
		headers: map[string]string{"content-type": "text/event-stream", "cache-control": "no-cache",
			"x-request-id": "c0a8e2f1-6d1b-4c3e-9f2a-000000000002", "x-switchyard-router": "default",
			"x-switchyard-target": "fake/gpt-4o-mini", "x-switchyard-attempts": "1", "x-switchyard-fallback": "false",
		},
		check: func(t *testing.T, s streamed) {
			data := sseData(t, s.Body)
			if len(data) < 3 || data[len(data)-1] != "[DONE]" {
				t.Fatalf("SSE data lines %q: want chunks then [DONE]", data)
			}
			var text strings.Builder
			for _, d := range data[:len(data)-1] {
				var c struct {
					Object  string
					Choices []struct{ Delta struct{ Content string } }
				}
				if err := json.Unmarshal([]byte(d), &c); err != nil || c.Object != "chat.completion.chunk" {
					t.Fatalf("chunk %q: %v", d, err)
				}
				for _, ch := range c.Choices {
					text.WriteString(ch.Delta.Content)
				}
			}
			if text.String() != "Hello! How can I help?" {
				t.Errorf("streamed text %q", text.String())
			}
			if _, ok := s.Headers["connection"]; ok {
				t.Error("hop-by-hop Connection header passed to API Gateway")
			}
		},
	},
	"chat-base64.json": {
		// API Gateway base64-encodes bodies whose Content-Type is one of the
		// API's binary media types; the adapter must decode it. Not decoded,
		// the body would be base64 text and answered 400 invalid_json.
		status: 200, traced: true,
		headers: map[string]string{"content-type": "application/json", "x-request-id": "c0a8e2f1-6d1b-4c3e-9f2a-000000000007",
			"x-switchyard-router": "default", "x-switchyard-target": "fake/gpt-4o-mini", "x-switchyard-attempts": "1",
			"x-switchyard-fallback": "false"},
		check: func(t *testing.T, s streamed) {
			var v struct {
				Object  string
				Choices []struct{ Message struct{ Content string } }
			}
			if err := json.Unmarshal([]byte(s.Body), &v); err != nil || v.Object != "chat.completion" || len(v.Choices) != 1 {
				t.Errorf("body %s (%v)", s.Body, err)
			}
		},
	},
	"messages-stream.json": {
		// Claude Code's shape (x-api-key, cache_control on the system block,
		// stream) through API Gateway to an OpenAI-compatible target: the
		// Messages API translated, Anthropic's event sequence on the stream.
		status: 200, traced: true,
		headers: map[string]string{"content-type": "text/event-stream", "x-request-id": "c0a8e2f1-6d1b-4c3e-9f2a-000000000008",
			"x-switchyard-router": "default", "x-switchyard-target": "fake/gpt-4o-mini", "x-switchyard-attempts": "1"},
		check: func(t *testing.T, s streamed) {
			var names []string
			var text strings.Builder
			sc := bufio.NewScanner(strings.NewReader(s.Body))
			for sc.Scan() {
				if n, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
					names = append(names, n)
				}
				if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					var ev struct {
						Type  string
						Delta struct{ Type, Text string }
					}
					if err := json.Unmarshal([]byte(d), &ev); err != nil {
						t.Fatalf("event data %q: %v", d, err)
					}
					if ev.Type == "content_block_delta" && ev.Delta.Type == "text_delta" {
						text.WriteString(ev.Delta.Text)
					}
				}
			}
			if len(names) < 5 || names[0] != "message_start" || names[1] != "content_block_start" || names[2] != "ping" ||
				names[len(names)-2] != "message_delta" || names[len(names)-1] != "message_stop" {
				t.Errorf("event sequence %v", names)
			}
			if text.String() != "Hello! How can I help?" {
				t.Errorf("streamed text %q", text.String())
			}
		},
	},
	"responses.json": {
		// The OpenAI Responses API through API Gateway, translated for an
		// OpenAI-compatible target.
		status: 200, traced: true,
		headers: map[string]string{"content-type": "application/json", "x-request-id": "c0a8e2f1-6d1b-4c3e-9f2a-000000000009",
			"x-switchyard-router": "default", "x-switchyard-target": "fake/gpt-4o-mini", "x-switchyard-attempts": "1"},
		check: func(t *testing.T, s streamed) {
			var v struct {
				Object, Status string
				Output         []struct {
					Type    string
					Content []struct{ Type, Text string }
				}
			}
			if err := json.Unmarshal([]byte(s.Body), &v); err != nil || v.Object != "response" || v.Status != "completed" ||
				len(v.Output) != 1 || len(v.Output[0].Content) != 1 || v.Output[0].Content[0].Text == "" {
				t.Errorf("body %s (%v)", s.Body, err)
			}
		},
	},
	"models.json": {
		status:  200,
		headers: map[string]string{"content-type": "application/json"},
		check: func(t *testing.T, s streamed) {
			var v struct {
				Object string
				Data   []struct{ ID string }
			}
			_ = json.Unmarshal([]byte(s.Body), &v)
			var ids []string
			for _, m := range v.Data {
				ids = append(ids, m.ID)
			}
			sort.Strings(ids)
			if v.Object != "list" || strings.Join(ids, ",") != "fake/gpt-4o,fake/gpt-4o-mini,router/default" {
				t.Errorf("models %v in %s", ids, s.Body)
			}
		},
	},
	"explain.json": {
		status:  200,
		headers: map[string]string{"content-type": "application/json"},
		check: func(t *testing.T, s streamed) {
			var plan struct {
				Router, Strategy string
				Candidates       []struct{ Target string }
			}
			_ = json.Unmarshal([]byte(s.Body), &plan)
			if plan.Router != "default" || plan.Strategy != "fallback" || len(plan.Candidates) != 2 ||
				plan.Candidates[0].Target != "fake/gpt-4o-mini" {
				t.Errorf("plan %s", s.Body)
			}
		},
	},
	"malformed.json": {
		status:  400,
		headers: map[string]string{"content-type": "application/json", "x-request-id": "c0a8e2f1-6d1b-4c3e-9f2a-000000000005"},
		check:   wantError("invalid_request_error", "invalid_json"),
	},
	"unauthenticated.json": {
		status:  401,
		headers: map[string]string{"content-type": "application/json"},
		check:   wantError("authentication_error", "missing_api_key"),
	},
}

func wantError(typ, code string) func(t *testing.T, s streamed) {
	return func(t *testing.T, s streamed) {
		var v struct {
			Error struct{ Type, Code, Message string }
		}
		if err := json.Unmarshal([]byte(s.Body), &v); err != nil || v.Error.Type != typ || v.Error.Code != code || v.Error.Message == "" {
			t.Errorf("error body %s, want type %s code %s", s.Body, typ, code)
		}
	}
}

// sseData returns the data: payloads of an SSE body, in order.
func sseData(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLambdaDeployment runs both functions as Lambda would: every event
// of events/ through the gateway, then the schedule event through the
// aggregator, then GET /v1/metrics to see the aggregated stats.
func TestLambdaDeployment(t *testing.T) {
	d := newDeployment(t)
	daemon := newXRayDaemon(t)
	env := append(d.env, "AWS_XRAY_DAEMON_ADDRESS="+daemon.Addr())
	gw := startRIE(t, bootstrap(t, "./functions/gateway"), env...)
	// The aggregator keeps building the shared-state digest until 5 s
	// before its deadline (functions/aggregator): a short timeout keeps
	// that loop from taking most of the test's time (55 s at 60 s).
	agg := startRIE(t, bootstrap(t, "./functions/aggregator"), append(slices.Clip(env), "AWS_LAMBDA_FUNCTION_TIMEOUT=8")...)

	files, err := filepath.Glob(filepath.Join(repoRoot(t), "events", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("events/: %v %v", files, err)
	}
	for _, f := range files {
		if name := filepath.Base(f); name != "schedule.json" {
			if _, ok := gatewayEvents[name]; !ok {
				t.Errorf("events/%s has no expectations in gatewayEvents", name)
			}
		}
	}

	d.Upstream.Script("gpt-4o-mini", openaifake.Fault{Kind: openaifake.Status, Status: 503})
	for _, name := range []string{"chat.json", "chat-stream.json", "chat-base64.json", "messages-stream.json", "responses.json", "models.json", "explain.json", "malformed.json", "unauthenticated.json"} {
		tc := gatewayEvents[name]
		t.Run("gateway/"+name, func(t *testing.T) {
			event := readEvent(t, name)
			s := parseStreamed(t, gw.invoke(t, event))
			if got, want := s.Headers["x-switchyard-trace-id"], traceRoot(t, event); tc.traced && got != want {
				t.Errorf("x-switchyard-trace-id = %q, want the event's trace %q", got, want)
			}
			if s.StatusCode != tc.status {
				t.Errorf("status %d, want %d; body %s", s.StatusCode, tc.status, s.Body)
			}
			for k, want := range tc.headers {
				if got := s.Headers[k]; got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}

	t.Run("base64 body reached the provider decoded", func(t *testing.T) {
		// The event's body decodes to UTF-8 JSON with this message; the
		// provider must receive it byte for byte.
		const want = "Grüß dich — say hello."
		var got []string
		for _, req := range d.Upstream.Requests() {
			msgs, _ := req["messages"].([]any)
			if len(msgs) > 0 {
				last, _ := msgs[len(msgs)-1].(map[string]any)
				got = append(got, fmt.Sprint(last["content"]))
			}
		}
		if !slices.Contains(got, want) {
			t.Errorf("provider received user messages %q, want one to be %q", got, want)
		}
	})

	t.Run("provider key from Secrets Manager, fetched once", func(t *testing.T) {
		for i, h := range d.Upstream.Headers() {
			if got := h.Get("Authorization"); got != "Bearer "+providerKey {
				t.Errorf("upstream request %d: Authorization %q", i, got)
			}
		}
		if n := d.Secrets.Calls(); n != 1 {
			t.Errorf("GetSecretValue called %d times, want 1 per container", n)
		}
	})

	t.Run("X-Ray segments", func(t *testing.T) { checkXRay(t, daemon, traceRoot(t, readEvent(t, "chat.json"))) })

	t.Run("EMF metric lines", func(t *testing.T) {
		var lines []map[string]any
		for _, l := range strings.Split(gw.logs.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["_aws"] != nil {
				lines = append(lines, m)
			}
		}
		// chat: a failed attempt then a served fallback; stream, base64,
		// messages and responses: one attempt each.
		if len(lines) != 6 {
			t.Fatalf("%d EMF lines, want 6:\n%s", len(lines), gw.logs.String())
		}
		if lines[1]["Target"] != "fake/gpt-4o" || lines[1]["Fallbacks"] != 1.0 || lines[0]["AttemptErrors"] != 1.0 {
			t.Errorf("EMF lines %v", lines)
		}
	})

	t.Run("aggregator/schedule.json", func(t *testing.T) {
		ctx := context.Background()
		if before, err := d.Store.LoadStats(ctx); err != nil || len(before) != 0 {
			t.Fatalf("stats before the aggregator: %v %v", before, err)
		}
		var sum struct{ Stats, Subjects int }
		raw := agg.invoke(t, readEvent(t, "schedule.json"))
		if err := json.Unmarshal(raw, &sum); err != nil || sum.Subjects != 4 || sum.Stats != 16 {
			t.Fatalf("aggregator answered %s (%v); want 4 subjects (2 targets, their provider, the router) x 4 windows", raw, err)
		}
		stats, err := d.Store.LoadStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]store.Stats{}
		for _, s := range stats {
			if s.Window == "15m" {
				got[s.Subject] = s
			}
		}
		if s := got["fake/gpt-4o-mini"]; s.Requests != 5 || s.Successes != 4 {
			t.Errorf("fake/gpt-4o-mini: %+v, want 5 attempts, 4 successes", s)
		}
		if s := got["router/default"]; s.Requests != 5 || s.Fallbacks != 1 {
			t.Errorf("router/default: %+v, want 5 requests (3 chat, 1 messages, 1 responses), 1 fallback", s)
		}
	})

	t.Run("gateway/GET /v1/metrics after aggregation", func(t *testing.T) {
		var ev map[string]any
		_ = json.Unmarshal(readEvent(t, "models.json"), &ev)
		ev["path"] = "/v1/metrics"
		ev["queryStringParameters"] = map[string]string{"window": "15m"}
		ev["multiValueQueryStringParameters"] = map[string][]string{"window": {"15m"}}
		payload, _ := json.Marshal(ev)
		s := parseStreamed(t, gw.invoke(t, payload))
		var m struct {
			Window  string
			Routers map[string]struct {
				Requests  int64
				Fallbacks int64
			}
			Providers map[string]struct {
				Requests  int64
				Fallbacks int64
			}
		}
		// The provider counts attempts: 5 on gpt-4o-mini, 1 fallback to gpt-4o.
		if err := json.Unmarshal([]byte(s.Body), &m); err != nil || s.StatusCode != 200 || m.Window != "15m" ||
			m.Routers["default"].Requests != 5 || m.Routers["default"].Fallbacks != 1 ||
			m.Providers["fake"].Requests != 6 || m.Providers["fake"].Fallbacks != 1 {
			t.Errorf("metrics %d %s (%v)", s.StatusCode, s.Body, err)
		}
	})
}
