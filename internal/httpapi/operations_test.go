package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

const operationsConfig = `
providers:
  up: {type: openai-compatible, base_url: FAKE, api_key: env:FAKE_UPSTREAM_API_KEY}
  chatonly: {type: anthropic, base_url: "http://127.0.0.1:1", api_key: env:FAKE_UPSTREAM_API_KEY} # cannot embed
models:
  chatonly/e0: {dimensions: 256}
  up/e1: {input_per_mtok: 1000, output_per_mtok: 0, dimensions: 256}
  up/e2: {input_per_mtok: 1000, output_per_mtok: 0}
  up/chat: {input_per_mtok: 1, output_per_mtok: 2}
routers:
  emb:
    strategy: fallback
    targets: [{model: chatonly/e0}, {model: up/e1}, {model: up/e2, params: {dimensions: 256}}]
  talk: {strategy: fallback, targets: [{model: up/chat}]}
  any:
    strategy: conditional
    routes:
      - {name: vectors, when: {request.operation: embeddings}, targets: [up/e1]}
    default: [up/chat]
`

// TestRouterRoutesByOperation: one router serves chat and embeddings; its
// request.operation route sends the embeddings request to the embedding
// model and the chat request to the default.
func TestRouterRoutesByOperation(t *testing.T) {
	h := newHarnessConfig(t, operationsConfig)
	resp, body := h.post("/v1/embeddings", map[string]any{"model": "router/any", "input": "hello"})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("x-switchyard-target") != "up/e1" {
		t.Fatalf("embeddings: %d target %q %s, want 200 from up/e1", resp.StatusCode, resp.Header.Get("x-switchyard-target"), body)
	}
	resp, body = h.post("/v1/chat/completions", chatBody("router/any", false))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("x-switchyard-target") != "up/chat" {
		t.Fatalf("chat: %d target %q %s, want 200 from up/chat", resp.StatusCode, resp.Header.Get("x-switchyard-target"), body)
	}
	reqs := h.fake.Requests()
	if len(reqs) != 2 || reqs[0]["model"] != "e1" || reqs[0]["input"] != "hello" || reqs[1]["model"] != "chat" {
		t.Errorf("upstream saw %v", reqs)
	}
}

// TestModelsListOperations: each /v1/models entry says which APIs it
// serves: an embedding model or a router of them embeddings only, a chat
// model or router the chat-shaped three, a router reaching both all four.
func TestModelsListOperations(t *testing.T) {
	h := newHarnessConfig(t, operationsConfig)
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/v1/models", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var list struct {
		Data []struct {
			ID         string   `json:"id"`
			Operations []string `json:"operations"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	got := map[string]string{}
	for _, d := range list.Data {
		got[d.ID] = strings.Join(d.Operations, ",")
	}
	const chat, all = "chat,messages,responses", "chat,embeddings,messages,responses"
	want := map[string]string{"router/emb": "embeddings", "router/talk": chat, "router/any": all,
		"up/e1": "embeddings", "chatonly/e0": "embeddings", "up/chat": chat, "up/e2": chat}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s operations %q, want %q", id, got[id], w)
		}
	}
}

// TestExplainEmbeddings: explain reads an embeddings body when told its
// operation, and reports the embedding plan: the candidates in order with
// the dimensions each would answer with, the one that cannot embed, the
// input-only cost; a bad body or operation is a 400 naming the field.
func TestExplainEmbeddings(t *testing.T) {
	h := newHarnessConfig(t, operationsConfig)
	type planView struct {
		Operation  string `json:"operation"`
		Router     string `json:"router"`
		Candidates []struct {
			Target      string   `json:"target"`
			Dimensions  int      `json:"dimensions"`
			Unsupported string   `json:"unsupported"`
			Cost        *float64 `json:"estimated_cost_usd"`
		} `json:"candidates"`
		Embedding *struct {
			Inputs     int  `json:"inputs"`
			Dimensions *int `json:"dimensions"`
		} `json:"embedding"`
	}
	explain := func(body map[string]any) planView {
		t.Helper()
		resp, raw := h.post("/v1/routing/explain?operation=embeddings", body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("explain: %d %s", resp.StatusCode, raw)
		}
		var plan planView
		if err := json.Unmarshal(raw, &plan); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if plan.Operation != "embeddings" || plan.Router != "emb" || plan.Embedding == nil {
			t.Fatalf("plan %s", raw)
		}
		return plan
	}
	candidates := func(p planView) []string {
		var got []string
		for _, c := range p.Candidates {
			got = append(got, fmt.Sprintf("%s:%d:%v", c.Target, c.Dimensions, c.Unsupported != ""))
		}
		return got
	}

	plan := explain(map[string]any{"model": "router/emb", "input": []string{strings.Repeat("x", 400), "abcd"}})
	if plan.Embedding.Inputs != 2 || plan.Embedding.Dimensions != nil {
		t.Errorf("embedding %+v, want 2 inputs and no dimensions asked", plan.Embedding)
	}
	// The Anthropic provider cannot embed: listed, marked, passed over.
	if got, want := candidates(plan), []string{"chatonly/e0:256:true", "up/e1:256:false", "up/e2:256:false"}; !slices.Equal(got, want) {
		t.Errorf("candidates %v, want %v", got, want)
	}
	// 401 bytes of text at 4 bytes a token, plus the estimator's overhead,
	// at $1000/Mtok input and nothing for output: about $0.1.
	if c := plan.Candidates[1].Cost; c == nil || *c < 0.1 || *c > 0.12 {
		t.Errorf("up/e1 estimated cost %v, want the input alone at $1000/Mtok (about $0.1)", c)
	}
	// The caller's dimensions apply where no target's params.dimensions wins.
	plan = explain(map[string]any{"model": "router/emb", "input": "x", "dimensions": 512})
	if got, want := candidates(plan), []string{"chatonly/e0:512:true", "up/e1:512:false", "up/e2:256:false"}; !slices.Equal(got, want) {
		t.Errorf("with dimensions 512: candidates %v, want %v", got, want)
	}
	if len(h.fake.Requests()) != 0 {
		t.Error("explain called the upstream")
	}

	for _, tc := range []struct {
		path, body, code, param string
	}{
		{"/v1/routing/explain?operation=embeddings", `{"model":"router/emb","input":[]}`, "invalid_input", "input"},
		{"/v1/routing/explain?operation=embeddings", `{"model":"router/emb","messages":[{"role":"user","content":"hi"}]}`, "invalid_input", "input"},
		{"/v1/routing/explain?operation=completions", `{"model":"router/emb","input":"x"}`, "invalid_operation", "operation"},
	} {
		resp, body := h.post(tc.path, tc.body)
		var env errorEnvelope
		_ = json.Unmarshal(body, &env)
		if resp.StatusCode != http.StatusBadRequest || env.Error.Code != tc.code || env.Error.Param == nil || *env.Error.Param != tc.param {
			t.Errorf("%s %s: %d %s, want 400 %s naming %s", tc.path, tc.body, resp.StatusCode, body, tc.code, tc.param)
		}
	}
}

// TestOperationInMetricsAndTraces: /metrics counts requests per
// operation, and /v1/traces lists and filters them by it.
func TestOperationInMetricsAndTraces(t *testing.T) {
	o := newObserved(t, "")
	mustStatus(t, o, "router/fb", false, 200)
	if resp, body := o.post("/v1/embeddings", map[string]any{"model": "router/fb", "input": "hello"}); resp.StatusCode != 200 {
		t.Fatalf("embeddings: %d %s", resp.StatusCode, body)
	}
	if resp, body := o.post("/v1/embeddings", map[string]any{"model": "router/fb", "input": []string{"a", "b"}}); resp.StatusCode != 200 {
		t.Fatalf("embeddings: %d %s", resp.StatusCode, body)
	}

	fams := o.scrape()
	for _, tt := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"switchyard_requests_total", []string{"router=fb", "operation=chat", "code=2xx"}, 1},
		{"switchyard_requests_total", []string{"router=fb", "operation=embeddings", "code=2xx"}, 2},
		{"switchyard_request_duration_seconds", []string{"router=fb", "operation=embeddings"}, 2},
		// Attempt-level families are per operation too.
		{"switchyard_attempts_total", []string{"router=fb", "operation=chat", "target=up/m1", "outcome=success"}, 1},
		{"switchyard_attempts_total", []string{"router=fb", "operation=embeddings", "target=up/m1", "outcome=success"}, 2},
		{"switchyard_attempt_duration_seconds", []string{"router=fb", "operation=embeddings", "target=up/m1"}, 2},
	} {
		if got := value(series(fams, tt.name, tt.labels...)); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}

	list := func(query string) (int, []string) {
		status, body := o.get("/v1/traces" + query)
		var l struct {
			Data []struct {
				Operation string `json:"operation"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &l)
		var ops []string
		for _, d := range l.Data {
			ops = append(ops, d.Operation)
		}
		return status, ops
	}
	if status, ops := list(""); status != 200 || !slices.Equal(ops, []string{"embeddings", "embeddings", "chat"}) {
		t.Errorf("all traces: %d %v, want the three newest first", status, ops)
	}
	if status, ops := list("?operation=embeddings"); status != 200 || !slices.Equal(ops, []string{"embeddings", "embeddings"}) {
		t.Errorf("operation=embeddings: %d %v", status, ops)
	}
	if status, ops := list("?operation=chat&router=fb"); status != 200 || !slices.Equal(ops, []string{"chat"}) {
		t.Errorf("operation=chat: %d %v", status, ops)
	}
	if status, body := o.get("/v1/traces?operation=embedding"); status != http.StatusBadRequest || !strings.Contains(string(body), "invalid_operation") {
		t.Errorf("operation=embedding: %d %s, want 400 invalid_operation", status, body)
	}
}
