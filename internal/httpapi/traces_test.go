package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/tracestore"
)

// TestTraceHeaderNamesAFallbackTrace: the id in x-switchyard-trace-id
// looks up the request's trace, which shows both attempts of a fallback
// (the first with its class, status and reason), the plan and its
// decision, the budget held, and the outcome; the request's JSON log line
// carries the same id.
func TestTraceHeaderNamesAFallbackTrace(t *testing.T) {
	o := newObserved(t, "")
	o.fake.Script("m1", openaiStatus(500))
	resp, body := o.post("/v1/chat/completions", chatBody("router/fb", false))
	if resp.StatusCode != 200 {
		t.Fatalf("chat: %d %s", resp.StatusCode, body)
	}
	id := resp.Header.Get("x-switchyard-trace-id")
	if id == "" {
		t.Fatal("no x-switchyard-trace-id")
	}
	rec := o.trace(id)
	if rec.TraceID != id || rec.Router != "fb" || rec.Strategy != "fallback" || rec.Status != 200 ||
		rec.Target != "up/m2" || !rec.Fallback || rec.RequestID != resp.Header.Get("x-request-id") {
		t.Errorf("trace outcome: %+v", rec)
	}
	if len(rec.Attempts) != 2 {
		t.Fatalf("attempts: %+v", rec.Attempts)
	}
	a1, a2 := rec.Attempts[0], rec.Attempts[1]
	if a1.Target != "up/m1" || a1.Status != 500 || a1.Class != "server_error" || a1.Reason == "" {
		t.Errorf("first attempt: %+v", a1)
	}
	if a2.Target != "up/m2" || a2.Status != 200 || a2.Class != "" || a2.Reason != "" {
		t.Errorf("second attempt: %+v", a2)
	}
	if a2.StartMs < a1.StartMs || a1.BudgetHeldUSD <= 0 || a2.BudgetHeldUSD <= 0 {
		t.Errorf("attempt timing or budget hold: %+v %+v", a1, a2)
	}
	if strings.Contains(fmt.Sprint(rec), "sk-upstream-secret") || strings.Contains(fmt.Sprint(rec), "Hello!") {
		t.Errorf("trace holds a credential or the prompt: %+v", rec)
	}
	if got := candidateKeys(rec); got != "up/m1,up/m2" {
		t.Errorf("candidates %s", got)
	}
	if len(rec.Decisions) != 1 || rec.Decisions[0].Router != "fb" || strings.Join(rec.Decisions[0].Order, ",") != "up/m1,up/m2" {
		t.Errorf("decisions: %+v", rec.Decisions)
	}
	if want, _ := strconv.ParseFloat(resp.Header.Get("x-switchyard-cost-usd"), 64); want <= 0 || math.Abs(rec.CostUSD-want) > 1e-12 {
		t.Errorf("cost %v, header says %v", rec.CostUSD, want)
	}
	if line := logLine(t, o.Logs(), resp.Header.Get("x-request-id")); line["trace_id"] != id {
		t.Errorf("log line trace_id %v, want %s: %v", line["trace_id"], id, line)
	}
}

// TestTraceOfStreamsAndFailures: a streamed request and a request every
// target failed are traced too, under the ids their responses named, and
// the failure's log line names its trace.
func TestTraceOfStreamsAndFailures(t *testing.T) {
	o := newObserved(t, "")
	resp, body := o.post("/v1/chat/completions", chatBody("router/fb", true))
	if resp.StatusCode != 200 {
		t.Fatalf("stream: %d %s", resp.StatusCode, body)
	}
	rec := o.trace(resp.Header.Get("x-switchyard-trace-id"))
	if !rec.Stream || rec.Status != 200 || rec.Target != "up/m1" || len(rec.Attempts) != 1 {
		t.Errorf("stream trace: %+v", rec)
	}

	o.fake.Script("m1", openaiStatus(500))
	o.fake.Script("m2", openaiStatus(500))
	resp, body = o.post("/v1/chat/completions", chatBody("router/three", false))
	if resp.StatusCode < 500 {
		t.Fatalf("want a failure: %d %s", resp.StatusCode, body)
	}
	id := resp.Header.Get("x-switchyard-trace-id")
	rec = o.trace(id)
	if rec.Status != resp.StatusCode || rec.ErrorCode == "" || rec.Error == "" || len(rec.Attempts) != 2 || rec.Target != "" {
		t.Errorf("failure trace: %+v", rec)
	}
	if line := logLine(t, o.Logs(), resp.Header.Get("x-request-id")); line["trace_id"] != id {
		t.Errorf("failure log line trace_id %v, want %s", line["trace_id"], id)
	}
}

// TestTraceShowsBudgetRefusalAndCooldownSkip: a request a budget refuses
// is traced with the refusal and no attempt; a target set aside because it
// cools down is listed as skipped, and not tried.
func TestTraceShowsBudgetRefusalAndCooldownSkip(t *testing.T) {
	o := newObserved(t, "")
	resp, body := o.post("/v1/chat/completions", chatBody("router/capped", false))
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("capped: %d %s", resp.StatusCode, body)
	}
	rec := o.trace(resp.Header.Get("x-switchyard-trace-id"))
	if rec.Status != 429 || rec.ErrorCode != "budget_exceeded" || !strings.Contains(rec.Error, "capped-daily") || len(rec.Attempts) != 0 {
		t.Errorf("budget refusal trace: %+v", rec)
	}

	o.fake.Script("m1", openaiStatus(401)) // a credential failure cools m1 down at once
	if resp, body := o.post("/v1/chat/completions", chatBody("router/fb", false)); resp.StatusCode != 200 {
		t.Fatalf("first: %d %s", resp.StatusCode, body)
	}
	resp, body = o.post("/v1/chat/completions", chatBody("router/fb", false))
	if resp.StatusCode != 200 {
		t.Fatalf("second: %d %s", resp.StatusCode, body)
	}
	rec = o.trace(resp.Header.Get("x-switchyard-trace-id"))
	if len(rec.Skipped) != 1 || rec.Skipped[0].Target != "up/m1" || rec.Skipped[0].Reason != "cooling down" {
		t.Errorf("skipped: %+v", rec.Skipped)
	}
	if len(rec.Attempts) != 1 || rec.Attempts[0].Target != "up/m2" || candidateKeys(rec) != "up/m2" {
		t.Errorf("attempts %+v candidates %s", rec.Attempts, candidateKeys(rec))
	}
}

// TestTraceListFiltersNewestFirst drives /v1/traces' filters and limit.
func TestTraceListFiltersNewestFirst(t *testing.T) {
	o := newObserved(t, "")
	var ids []string
	send := func(model string) {
		resp, _ := o.post("/v1/chat/completions", chatBody(model, false))
		ids = append(ids, resp.Header.Get("x-switchyard-trace-id"))
	}
	send("router/fb")     // 0: ok on up/m1
	send("up/m2")         // 1: direct, ok on up/m2
	send("router/capped") // 2: 429
	o.fake.Script("m1", openaiStatus(500))
	send("router/fb") // 3: fallback to up/m2
	send("router/fb") // 4: ok on up/m1
	tests := []struct {
		query string
		want  []int
	}{
		{"", []int{4, 3, 2, 1, 0}},
		{"?limit=2", []int{4, 3}},
		{"?router=fb", []int{4, 3, 0}},
		{"?target=up/m2", []int{3, 1}},
		{"?target=up/m1", []int{4, 3, 0}}, // 2 was planned on up/m1 but never tried it
		{"?status=429", []int{2}},
		{"?status=4xx", []int{2}},
		{"?status=error", []int{2}},
		{"?status=ok&router=fb&limit=1", []int{4}},
		{"?router=direct", []int{1}},
		{"?router=nope", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, got, body := o.list(tt.query)
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			var want, have []string
			for _, i := range tt.want {
				want = append(want, ids[i])
			}
			for _, s := range got {
				have = append(have, s.TraceID)
			}
			if strings.Join(have, " ") != strings.Join(want, " ") {
				t.Errorf("got %v, want %v", have, want)
			}
		})
	}
	for _, q := range []string{"?limit=0", "?limit=-1", "?limit=x", "?status=teapot", "?status=7xx"} {
		if code, _, body := o.list(q); code != 400 {
			t.Errorf("%s: %d %s, want 400", q, code, body)
		}
	}
	code, body := o.get("/v1/traces/1-00000000-000000000000000000000000")
	if code != 404 || !strings.Contains(string(body), "trace_not_found") {
		t.Errorf("unknown id: %d %s", code, body)
	}
}

// TestObservabilityEndpointsNeedAdmin: /v1/traces, /v1/traces/{id} and
// /metrics answer an admin key, refuse a caller key (403) and no key
// (401); a keyless gateway serves them to loopback callers only.
func TestObservabilityEndpointsNeedAdmin(t *testing.T) {
	keys := `
keys:
  - {name: team, sha256: "` + sha("sk-team") + `"}
admin_keys:
  - {name: ops, sha256: "` + sha("sk-ops") + `"}
`
	o := newObserved(t, keys)
	resp, body := o.post("/v1/chat/completions", chatBody("router/fb", false), "Authorization", "Bearer sk-team")
	if resp.StatusCode != 200 {
		t.Fatalf("chat: %d %s", resp.StatusCode, body)
	}
	id := resp.Header.Get("x-switchyard-trace-id")
	for _, path := range []string{"/v1/traces", "/v1/traces/" + id, "/metrics"} {
		t.Run(path, func(t *testing.T) {
			for _, c := range []struct {
				auth string
				want int
			}{{"", 401}, {"Bearer sk-team", 403}, {"Bearer sk-wrong", 401}, {"Bearer sk-ops", 200}} {
				code, body := o.get(path, "Authorization", c.auth)
				if code != c.want {
					t.Errorf("auth %q: %d, want %d: %s", c.auth, code, c.want, body)
				}
			}
		})
	}

	keyless := newObserved(t, "")
	resp, _ = keyless.post("/v1/chat/completions", chatBody("router/fb", false))
	id = resp.Header.Get("x-switchyard-trace-id")
	h := keyless.srv.Config.Handler
	for _, path := range []string{"/v1/traces", "/v1/traces/" + id, "/metrics"} {
		for _, c := range []struct {
			remote, host string
			want         int
		}{
			{"127.0.0.1:5000", "localhost:8080", 200},
			{"192.0.2.7:5000", "localhost:8080", 401},    // not a loopback peer
			{"127.0.0.1:5000", "evil.example:8080", 403}, // DNS rebinding
		} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.RemoteAddr, req.Host = c.remote, c.host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Errorf("keyless %s from %s to %s: %d, want %d: %s", path, c.remote, c.host, rec.Code, c.want, rec.Body)
			}
		}
	}
}

// TestTraceStoreStaysBounded: past its capacity the store keeps the
// newest records only, and an evicted id is a 404.
func TestTraceStoreStaysBounded(t *testing.T) {
	small := tracestore.New(3)
	o2 := newObservedStore(t, "", small)
	var ids []string
	for i := 0; i < 5; i++ {
		resp, _ := o2.post("/v1/chat/completions", chatBody("router/fb", false))
		ids = append(ids, resp.Header.Get("x-switchyard-trace-id"))
	}
	if small.Len() != 3 || small.Bytes() > 3*tracestore.MaxRecordBytes {
		t.Fatalf("store holds %d records, %d bytes", small.Len(), small.Bytes())
	}
	if code, _ := o2.get("/v1/traces/" + ids[0]); code != 404 {
		t.Errorf("evicted trace: %d, want 404", code)
	}
	_, got, _ := o2.list("?limit=100")
	if len(got) != 3 || got[0].TraceID != ids[4] || got[2].TraceID != ids[2] {
		t.Errorf("list after eviction: %+v", got)
	}
}

func candidateKeys(rec tracestore.Record) string {
	var out []string
	for _, c := range rec.Candidates {
		out = append(out, c.Target)
	}
	return strings.Join(out, ",")
}

// logLine finds the request log line of request rid.
func logLine(t *testing.T, logs, rid string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["request_id"] == rid {
			return m
		}
	}
	t.Fatalf("no request log line for %s in:\n%s", rid, logs)
	return nil
}
