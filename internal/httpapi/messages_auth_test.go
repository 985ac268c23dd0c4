package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// TestMessagesAuth: a gateway key is accepted as x-api-key (how the
// Anthropic SDK and Claude Code send it) and as a bearer token; a wrong or
// missing one is Anthropic's authentication_error, before the body is read.
func TestMessagesAuth(t *testing.T) {
	h := newMessagesHarness(t, "keys:\n  - {name: team, sha256: \""+sha("sk-gw-team")+"\"}\n")
	for _, tc := range []struct {
		name   string
		opts   []option.RequestOption
		status int
	}{
		{"x-api-key", []option.RequestOption{option.WithAPIKey("sk-gw-team")}, 200},
		{"bearer", []option.RequestOption{option.WithHeader("Authorization", "Bearer sk-gw-team")}, 200},
		{"wrong key", []option.RequestOption{option.WithAPIKey("sk-gw-wrong")}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.client(tc.opts...).Messages.New(context.Background(), hello("translated"))
			if tc.status == 200 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *anthropic.Error
			if !errors.As(err, &ae) || ae.StatusCode != tc.status || ae.Type() != "authentication_error" {
				t.Fatalf("err %v", err)
			}
		})
	}
}

// TestMessagesGuardEnvelope: a refusal of the guard in front of every
// handler (keyless mode, a Host that is not loopback) is in Anthropic's
// envelope on the Messages paths, and stays OpenAI's on chat's.
func TestMessagesGuardEnvelope(t *testing.T) {
	h := newMessagesHarness(t)
	for path, anthropicShape := range map[string]bool{"/v1/messages": true, "/v1/messages/count_tokens": true, "/v1/chat/completions": false} {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(`{}`))
		req.Host = "evil.example"
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		errObj, _ := body["error"].(map[string]any)
		if resp.StatusCode != 403 || (body["type"] == "error") != anthropicShape || errObj == nil {
			t.Errorf("%s: %d %v", path, resp.StatusCode, body)
		}
		if anthropicShape && errObj["type"] != "permission_error" {
			t.Errorf("%s: type %v", path, errObj["type"])
		}
	}
}

// TestMessagesExplain: /v1/routing/explain?operation=messages plans a Messages
// body as POST /v1/messages would, without calling an upstream.
func TestMessagesExplain(t *testing.T) {
	h := newMessagesHarness(t)
	resp, body := h.post("/v1/routing/explain?operation=messages",
		[]byte(`{"model":"claude-sonnet-4-5","max_tokens":100,"system":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}]}`))
	if resp.StatusCode != 200 || !strings.Contains(string(body), "ant/claude-sonnet-4-5") || !strings.Contains(string(body), "up/m1") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	// The chat explain refuses the same body (no max_tokens check, but its
	// system field is not chat's): the api parameter is what selects.
	resp, body = h.post("/v1/routing/explain?operation=messages", []byte(`{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}`))
	if resp.StatusCode != 400 || !strings.Contains(string(body), "max_tokens") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if len(h.ant.Requests()) != 0 || h.oai.Hits("m1") != 0 {
		t.Error("explain called an upstream")
	}
}

// TestMessagesInlineRouter: an inline router in a Messages body routes it
// as in chat (its params merged into the native body by their Messages
// names), is removed before the body goes upstream, and its limits hold
// (a params max_tokens beyond the cap is refused).
func TestMessagesInlineRouter(t *testing.T) {
	h := newMessagesHarness(t)
	body := `{"model":"x","max_tokens":10,"messages":[{"role":"user","content":"hi"}],` +
		`"router":{"strategy":"fallback","targets":[{"model":"ant/claude-sonnet-4-5","params":{"max_completion_tokens":20,"presence_penalty":1}},"up/m1"]}}`
	resp, out := h.post("/v1/messages", []byte(body))
	if resp.StatusCode != 200 || resp.Header.Get("x-switchyard-router") != "inline" || resp.Header.Get("x-switchyard-target") != "ant/claude-sonnet-4-5" {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, out)
	}
	raw := string(h.ant.Requests()[0].Raw)
	if strings.Contains(raw, "router") || strings.Contains(raw, "presence_penalty") || !strings.Contains(raw, `"max_tokens":20`) {
		t.Errorf("upstream body %s", raw)
	}
	body = `{"model":"x","max_tokens":10,"messages":[{"role":"user","content":"hi"}],` +
		`"router":{"strategy":"fallback","targets":[{"model":"ant/claude-sonnet-4-5","params":{"max_tokens":99999999999}}]}}`
	resp, out = h.post("/v1/messages", []byte(body))
	if resp.StatusCode != 400 || !strings.Contains(string(out), "max_tokens") || !strings.Contains(string(out), `"type":"error"`) {
		t.Errorf("%d %s", resp.StatusCode, out)
	}
	if len(h.ant.Requests()) != 1 {
		t.Error("an out-of-range params max_tokens reached the upstream")
	}
}

// TestMessagesLimits: the gateway's own overload (server.max_in_flight) is
// Anthropic's 529 overloaded_error with Retry-After, which the Anthropic
// SDKs retry; a body over server.max_body_bytes is 413 request_too_large.
func TestMessagesLimits(t *testing.T) {
	h := newMessagesHarness(t, "server: {max_in_flight: 1, max_body_bytes: 4096}\n")
	// The body limit first: after the held request below is canceled, its
	// slot is freed when its handler returns, which the test cannot see.
	big := `{"model":"translated","max_tokens":5,"messages":[{"role":"user","content":"` + strings.Repeat("x", 5000) + `"}]}`
	resp, body := h.post("/v1/messages", []byte(big))
	if e := decodeAnthropicErr(t, body); resp.StatusCode != 413 || e.Error.Type != "request_too_large" {
		t.Errorf("%d %s", resp.StatusCode, body)
	}

	h.oai.HangStarted = make(chan struct{}, 1)
	h.oai.HangEnded = make(chan struct{}, 1)
	h.oai.Script("m1", openaifake.Fault{Kind: openaifake.Hang})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = h.client().Messages.New(ctx, hello("translated"))
	}()
	waitOrFail(t, h.oai.HangStarted, "the held request to reach the upstream")
	resp, body = h.post("/v1/messages", []byte(`{"model":"translated","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`))
	if e := decodeAnthropicErr(t, body); resp.StatusCode != 529 || e.Error.Type != "overloaded_error" || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	cancel()
	waitOrFail(t, h.oai.HangEnded, "the held request to end")
	<-done

}
