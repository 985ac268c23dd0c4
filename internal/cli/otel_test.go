package cli_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP collector on 127.0.0.1: it decodes each
// ExportTraceServiceRequest and keeps the spans.
type otlpReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "want POST /v1/traces application/x-protobuf", http.StatusBadRequest)
			return
		}
		body := io.Reader(req.Body)
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(req.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		raw, _ := io.ReadAll(body)
		var msg coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(raw, &msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, rs := range msg.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				r.spans = append(r.spans, ss.Spans...)
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *otlpReceiver) received() []*tracepb.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*tracepb.Span(nil), r.spans...)
}

// attrs flattens a span's attributes: strings, ints, bools, doubles and
// string arrays (joined by ",").
func attrs(s *tracepb.Span) map[string]any {
	out := map[string]any{}
	for _, kv := range s.Attributes {
		out[kv.Key] = anyValue(kv.Value)
	}
	return out
}

func anyValue(v *commonpb.AnyValue) any {
	switch x := v.Value.(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_ArrayValue:
		var parts []string
		for _, e := range x.ArrayValue.Values {
			parts = append(parts, e.GetStringValue())
		}
		return strings.Join(parts, ",")
	}
	return nil
}

// fakeOpenAI answers 503 for model "flaky" and a priced answer for any
// other, and keeps the traceparent of each call.
type fakeOpenAI struct {
	*httptest.Server
	mu           sync.Mutex
	traceparents map[string]string // model → traceparent
}

func newFakeOpenAI(t *testing.T) *fakeOpenAI {
	t.Helper()
	f := &fakeOpenAI{traceparents: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		f.traceparents[req.Model] = r.Header.Get("traceparent")
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if req.Model == "flaky" {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":{"message":"overloaded","type":"server_error"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"`+req.Model+`-2025-01-01",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}`)
	}))
	t.Cleanup(f.Close)
	return f
}

// TestServeExportsOpenTelemetrySpans: with OTEL_EXPORTER_OTLP_ENDPOINT
// set, a request that falls back is exported over OTLP/HTTP as a server
// span, a routing span and one span per attempt, with the GenAI and
// routing attributes; the caller's traceparent is continued (its trace
// id is x-switchyard-trace-id and the trace store's key) and passed on
// to the upstream under each attempt.
func TestServeExportsOpenTelemetrySpans(t *testing.T) {
	rcv := newOTLPReceiver(t)
	up := newFakeOpenAI(t)
	serveEnv(t, "OTEL_EXPORTER_OTLP_ENDPOINT", rcv.URL, "SWITCHYARD_TRACING", "", "OTEL_SDK_DISABLED", "",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "", "OTEL_TRACES_SAMPLER", "", "OTEL_SERVICE_NAME", "", "TEST_API_KEY", "sk-test")
	cfg := writeConfig(t, `
providers:
  up: {type: openai, api_key: "env:TEST_API_KEY", base_url: "`+up.URL+`/v1"}
routers:
  smart:
    strategy: fallback
    targets: [{model: up/flaky}, {model: up/steady}]
`)
	g := startGateway(t, "serve", "--config", cfg, "--addr", "127.0.0.1:0")
	addr := g.waitListening(t)

	const callerTrace, callerSpan = "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8"
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/chat/completions",
		strings.NewReader(`{"model":"smart","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+callerTrace+"-"+callerSpan+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("x-switchyard-fallback") != "true" {
		t.Fatalf("status %d, fallback %q: %s", resp.StatusCode, resp.Header.Get("x-switchyard-fallback"), body)
	}
	if got := resp.Header.Get("x-switchyard-trace-id"); got != callerTrace {
		t.Errorf("x-switchyard-trace-id = %q, want the caller's trace %s", got, callerTrace)
	}
	if code, rec := get(t, "http://"+addr+"/v1/traces/"+callerTrace); code != http.StatusOK {
		t.Errorf("GET /v1/traces/%s = %d %s, want the request's record", callerTrace, code, rec)
	}
	// Stopping the server exports what is left.
	if code := g.stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, g.stderr.String())
	}

	spans := rcv.received()
	byName := map[string][]*tracepb.Span{}
	for _, s := range spans {
		if strings.HasPrefix(s.Name, "GET ") {
			continue // the trace lookup, a request of its own
		}
		if got := traceHex(s.TraceId); got != callerTrace {
			t.Errorf("span %q in trace %s, want the caller's %s", s.Name, got, callerTrace)
		}
		byName[s.Name] = append(byName[s.Name], s)
	}
	server, routing := one(t, byName, "POST /v1/chat/completions"), one(t, byName, "routing")
	flaky, steady := one(t, byName, "chat flaky"), one(t, byName, "chat steady")
	if server.Kind != tracepb.Span_SPAN_KIND_SERVER || traceHex(server.ParentSpanId) != callerSpan {
		t.Errorf("server span kind %v parent %s, want SERVER under the caller's %s", server.Kind, traceHex(server.ParentSpanId), callerSpan)
	}
	if string(routing.ParentSpanId) != string(server.SpanId) || string(flaky.ParentSpanId) != string(routing.SpanId) ||
		string(steady.ParentSpanId) != string(routing.SpanId) {
		t.Error("want attempts under routing under the server span")
	}
	wantAttrs(t, routing, map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.request.model": "smart", "gen_ai.provider.name": "openai",
		"switchyard.router": "smart", "switchyard.strategy": "fallback", "switchyard.fallback": true,
		"switchyard.attempts": int64(2), "switchyard.target": "up/steady", "switchyard.candidates": "up/flaky,up/steady",
	})
	if d, _ := attrs(routing)["switchyard.decisions"].(string); !strings.Contains(d, `"strategy":"fallback"`) {
		t.Errorf("switchyard.decisions = %q, want the router's decision", d)
	}
	wantAttrs(t, flaky, map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.system": "openai",
		"gen_ai.request.model": "flaky", "error.type": "server_error", "http.response.status_code": int64(503),
		"switchyard.target": "up/flaky",
	})
	if flaky.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || flaky.Kind != tracepb.Span_SPAN_KIND_CLIENT {
		t.Errorf("failed attempt: status %v kind %v, want ERROR, CLIENT", flaky.Status, flaky.Kind)
	}
	wantAttrs(t, steady, map[string]any{
		"gen_ai.request.model": "steady", "gen_ai.response.model": "steady-2025-01-01",
		"gen_ai.usage.input_tokens": int64(11), "gen_ai.usage.output_tokens": int64(7),
		"gen_ai.response.finish_reasons": "stop", "http.response.status_code": int64(200),
	})

	// Each upstream call carried the caller's trace, with its attempt's span as parent.
	up.mu.Lock()
	defer up.mu.Unlock()
	for model, span := range map[string]*tracepb.Span{"flaky": flaky, "steady": steady} {
		want := "00-" + callerTrace + "-" + traceHex(span.SpanId) + "-01"
		if got := up.traceparents[model]; got != want {
			t.Errorf("upstream %s got traceparent %q, want %q", model, got, want)
		}
	}
}

func traceHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func one(t *testing.T, byName map[string][]*tracepb.Span, name string) *tracepb.Span {
	t.Helper()
	if len(byName[name]) != 1 {
		names := []string{}
		for n := range byName {
			names = append(names, n)
		}
		t.Fatalf("%d spans named %q, want 1 (spans: %v)", len(byName[name]), name, names)
	}
	return byName[name][0]
}

func wantAttrs(t *testing.T, s *tracepb.Span, want map[string]any) {
	t.Helper()
	got := attrs(s)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("span %q: %s = %#v, want %#v", s.Name, k, got[k], v)
		}
	}
}
