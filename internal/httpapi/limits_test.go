package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// patientRouter waits as long as its upstream does (for requests held in
// a hanging fake), appended to the harness's routers.
const patientRouter = `
  patient:
    strategy: fallback
    targets: [{model: up/m1}]
    timeout: 10m
    attempt_timeout: 10m
`

// TestUnauthenticatedRequestRefusedBeforeItsBody: a request without a
// valid key gets its 401 while its body is still arriving (here: never
// finishes). Before, net/http read up to 256 KB of the body before sending
// the answer, so a slow body held the refused request open.
func TestUnauthenticatedRequestRefusedBeforeItsBody(t *testing.T) {
	h := newHarness(t, "keys:\n  - {name: app, sha256: \""+sha("sk-app")+"\"}\n")
	addr := strings.TrimPrefix(h.srv.URL, "http://")
	head := "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
	tests := []struct {
		name string
		raw  string
		code string
	}{
		{"no key, never-ending chunked body", head + "Transfer-Encoding: chunked\r\n\r\n9\r\n{\"model\":\r\n", "missing_api_key"},
		{"wrong key, body shorter than its length", head + "Authorization: Bearer sk-wrong\r\nContent-Length: 100000\r\n\r\n{\"model\":", "invalid_api_key"},
		{"no key, long body announced", head + "Content-Length: 9000000\r\n\r\n{", "missing_api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The connection stays open and the body unfinished until the
			// test ends: the answer must come without it.
			resp, body := rawRequest(t, addr, tt.raw)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", resp.StatusCode, body)
			}
			if e := decodeError(t, body); e.Error.Code != tt.code {
				t.Errorf("code %q, want %q", e.Error.Code, tt.code)
			}
			if !resp.Close {
				t.Error("the connection is kept open for a body nobody will read")
			}
		})
	}
}

// TestMaxInFlight: with server.max_in_flight requests in progress, the
// next one gets 503 overloaded with Retry-After, and /healthz still
// answers.
func TestMaxInFlight(t *testing.T) {
	h := newHarness(t, patientRouter+"server: {max_in_flight: 1}\n")
	h.fake.HangStarted = make(chan struct{}, 1)
	h.fake.HangEnded = make(chan struct{}, 1)
	h.fake.Script("m1", openaifake.Fault{Kind: openaifake.Hang})
	held := holdRequest(t, h, "")
	waitOrFail(t, h.fake.HangStarted, "the held request to reach the upstream")

	resp, body := h.post("/v1/chat/completions", chatBody("router/fb", false))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("status %d, Retry-After %q, want 503 and 1: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if e := decodeError(t, body); e.Error.Code != "overloaded" || !strings.Contains(e.Error.Message, "max_in_flight") {
		t.Errorf("error %+v, want overloaded naming max_in_flight", e.Error)
	}
	if r, err := http.Get(h.srv.URL + "/healthz"); err != nil || r.StatusCode != 200 {
		t.Errorf("healthz while overloaded: %v %v", r, err)
	} else {
		r.Body.Close()
	}
	held.release(t)
	waitOrFail(t, h.fake.HangEnded, "the held request to end")
}

// TestBodyMemoryBudget: request bodies held at once are bounded by
// server.max_body_memory; a body that does not fit gets 503 overloaded
// before it is read, a smaller one that fits is still served.
func TestBodyMemoryBudget(t *testing.T) {
	h := newHarness(t, patientRouter+"server: {max_body_bytes: 4096, max_body_memory: 6000}\n")
	h.fake.HangStarted = make(chan struct{}, 1)
	h.fake.HangEnded = make(chan struct{}, 1)
	h.fake.Script("m1", openaifake.Fault{Kind: openaifake.Hang})
	held := holdRequest(t, h, strings.Repeat("x", 3500)) // holds ~3.6 KB of the 6000
	waitOrFail(t, h.fake.HangStarted, "the held request to reach the upstream")

	big := chatBody("router/patient", false)
	big["messages"] = []any{map[string]any{"role": "user", "content": strings.Repeat("y", 3000)}}
	resp, body := h.post("/v1/chat/completions", big)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q, want 503 with Retry-After: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if e := decodeError(t, body); e.Error.Code != "overloaded" || !strings.Contains(e.Error.Message, "max_body_memory") {
		t.Errorf("error %+v, want overloaded naming max_body_memory", e.Error)
	}
	if resp, body := h.post("/v1/chat/completions", chatBody("router/patient", false)); resp.StatusCode != 200 {
		t.Errorf("a small body that fits: %d %s", resp.StatusCode, body)
	}
	held.release(t)
	waitOrFail(t, h.fake.HangEnded, "the held request to end")
}

// heldRequest is a chat request in progress on router/patient.
type heldRequest struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func holdRequest(t *testing.T, h *harness, content string) *heldRequest {
	t.Helper()
	if content == "" {
		content = "Hello!"
	}
	b := chatBody("router/patient", false)
	b["messages"] = []any{map[string]any{"role": "user", "content": content}}
	raw, _ := json.Marshal(b)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.srv.URL+"/v1/chat/completions", strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	held := &heldRequest{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(held.done)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	t.Cleanup(cancel)
	return held
}

func (r *heldRequest) release(t *testing.T) {
	t.Helper()
	r.cancel()
	waitOrFail(t, r.done, "the held request's caller to return")
}

// TestModelsAndMetricsScopedToKey: a key limited to some routers sees
// those routers in /v1/models and /v1/metrics, and only the targets they
// reach; "direct" adds the provider models; an unlimited key sees all.
func TestModelsAndMetricsScopedToKey(t *testing.T) {
	h := newHarness(t, `keys:
  - {name: fb-only, sha256: "`+sha("sk-fb")+`", routers: [fb]}
  - {name: fb-direct, sha256: "`+sha("sk-direct")+`", routers: [fb, direct]}
  - {name: all, sha256: "`+sha("sk-all")+`"}
`)
	var stats []store.Stats
	for _, s := range []string{"up/m1", "up/m2", "up/m3", store.RouterStatsSubject("fb"), store.RouterStatsSubject("three"),
		store.RouterStatsSubject("direct"), store.ArmStatsSubject("fb", "a"), store.ArmStatsSubject("three", "b")} {
		stats = append(stats, store.Stats{Subject: s, Window: "15m", Requests: 1})
	}
	if err := h.store.PutStats(context.Background(), stats); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		token       string
		wantModels  []string
		wantRouters []string
		wantTargets []string
		wantArms    []string
	}{
		{"sk-fb", []string{"router/fb"}, []string{"fb"}, []string{"up/m1", "up/m2"}, []string{"fb"}},
		{"sk-direct", []string{"router/fb", "up/m1", "up/m2", "up/m3"}, []string{"direct", "fb"}, []string{"up/m1", "up/m2", "up/m3"}, []string{"fb"}},
		{"sk-all", []string{"router/fb", "router/nested", "router/quick", "router/three", "up/m1", "up/m2", "up/m3"},
			[]string{"direct", "fb", "three"}, []string{"up/m1", "up/m2", "up/m3"}, []string{"fb", "three"}},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			var models struct{ Data []struct{ ID string } }
			getJSON(t, h, "/v1/models", tt.token, &models)
			var ids []string
			for _, m := range models.Data {
				ids = append(ids, m.ID)
			}
			sort.Strings(ids)
			if !slices.Equal(ids, tt.wantModels) {
				t.Errorf("models %v, want %v", ids, tt.wantModels)
			}
			var m struct {
				Targets, Routers map[string]any
				Arms             map[string]map[string]any
			}
			getJSON(t, h, "/v1/metrics", tt.token, &m)
			for what, pair := range map[string][2][]string{
				"targets": {keys(m.Targets), tt.wantTargets},
				"routers": {keys(m.Routers), tt.wantRouters},
				"arms":    {keys(m.Arms), tt.wantArms},
			} {
				if !slices.Equal(pair[0], pair[1]) {
					t.Errorf("%s %v, want %v", what, pair[0], pair[1])
				}
			}
		})
	}
}

func getJSON(t *testing.T, h *harness, path, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, body)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestChunkedBodies: a body without Content-Length is read in chunks
// within the same caps: served when it fits max_body_bytes, 413 past it.
func TestChunkedBodies(t *testing.T) {
	h := newHarness(t, "server: {max_body_bytes: 100000}\n")
	for _, tt := range []struct {
		name       string
		size       int
		wantStatus int
	}{{"small", 10, 200}, {"several chunks", 90000, 200}, {"too large", 200000, 413}} {
		t.Run(tt.name, func(t *testing.T) {
			b := chatBody("router/fb", false)
			b["messages"] = []any{map[string]any{"role": "user", "content": strings.Repeat("z", tt.size)}}
			raw, _ := json.Marshal(b)
			// A reader of unknown length: the client sends it chunked.
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/v1/chat/completions", io.MultiReader(strings.NewReader(string(raw))))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus == 200 && len(h.fake.RawRequests()) > 0 {
				last := h.fake.RawRequests()[len(h.fake.RawRequests())-1]
				if !strings.Contains(string(last), strings.Repeat("z", tt.size)) {
					t.Error("the upstream did not get the whole message")
				}
			}
		})
	}
}
