package httpapi_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
)

// claudeCodeBeta is the anthropic-beta Claude Code sends.
const claudeCodeBeta = "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14"

// TestClaudeCodeFixtures replays Claude Code's request shapes (testdata/
// messages) through the gateway, as Claude Code sends them (x-api-key,
// anthropic-version, anthropic-beta, ?beta=true), to a native target and,
// with Anthropic overloaded, to a translated one. Native: the fake (which
// validates bodies as the API does) gets the caller's body with only the
// model changed, and the beta header. Translated: an Anthropic-shaped
// answer, streamed as Anthropic's event sequence.
func TestClaudeCodeFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/messages/claude_code_*.json")
	if len(files) < 4 {
		t.Fatalf("fixtures: %v", files)
	}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var top map[string]any
		if err := json.Unmarshal(body, &top); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		model, _ := top["model"].(string)
		stream, _ := top["stream"].(bool)
		count := strings.Contains(file, "count_tokens")
		path := "/v1/messages?beta=true"
		if count {
			path = "/v1/messages/count_tokens?beta=true"
		}
		for _, native := range []bool{true, false} {
			name := filepath.Base(file) + map[bool]string{true: "/native", false: "/translated"}[native]
			t.Run(name, func(t *testing.T) {
				h := newMessagesHarness(t)
				upstream := map[string]string{"claude-sonnet-4-5": "claude-sonnet-4-5", "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022"}[model]
				if !native {
					h.ant.Script(upstream, anthropicfake.Overloaded())
				}
				resp, out := h.post(path, body, "x-api-key", "sk-ant-whatever", "anthropic-version", "2023-06-01", "anthropic-beta", claudeCodeBeta)
				if resp.StatusCode != 200 {
					t.Fatalf("%d %s", resp.StatusCode, out)
				}
				wantTarget := "ant/" + upstream
				if !native {
					wantTarget = map[string]string{"claude-sonnet-4-5": "up/m1", "claude-3-5-haiku-latest": "up/m2"}[model]
				}
				if got := resp.Header.Get("x-switchyard-target"); got != wantTarget {
					t.Errorf("target %q, want %q", got, wantTarget)
				}
				switch {
				case count:
					var n struct {
						InputTokens int `json:"input_tokens"`
					}
					if json.Unmarshal(out, &n) != nil || n.InputTokens <= 0 {
						t.Errorf("count answer %s", out)
					}
				case stream:
					evs := eventTypes(out)
					if len(evs) < 5 || evs[0] != "message_start" || evs[len(evs)-1] != "message_stop" || evs[len(evs)-2] != "message_delta" {
						t.Errorf("event sequence %v", evs)
					}
				default:
					var m struct {
						Type    string           `json:"type"`
						Content []map[string]any `json:"content"`
					}
					if json.Unmarshal(out, &m) != nil || m.Type != "message" || len(m.Content) == 0 {
						t.Errorf("answer %s", out)
					}
				}
				reqs := h.ant.Requests()
				if len(reqs) != 1 {
					t.Fatalf("anthropic got %d requests", len(reqs))
				}
				if got := reqs[0].Header.Get("anthropic-beta"); got != claudeCodeBeta {
					t.Errorf("anthropic-beta upstream %q", got)
				}
				if got, want := normalized(t, reqs[0].Raw, ""), normalized(t, body, upstream); got != want {
					t.Errorf("native body changed beyond the model:\n got %s\nwant %s", got, want)
				}
				if native {
					return
				}
				if count {
					if h.oai.Hits("m1") != 0 {
						t.Error("count_tokens called the chat upstream")
					}
					return
				}
				raws := h.oai.RawRequests()
				if len(raws) != 1 {
					t.Fatalf("chat upstream got %d requests", len(raws))
				}
				if strings.Contains(string(raws[0]), "cache_control") || strings.Contains(string(raws[0]), `"thinking"`) {
					t.Errorf("Anthropic-only fields sent to a chat upstream: %s", raws[0])
				}
				if strings.Contains(file, "tool_result") && !bytes.Contains(raws[0], []byte(`"role":"tool"`)) {
					t.Errorf("tool_result not translated to a tool message: %s", raws[0])
				}
			})
		}
	}
}

// normalized re-encodes a JSON body (sorted keys), with model set when
// model is not empty.
func normalized(t *testing.T, raw []byte, model string) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if model != "" {
		v["model"] = model
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// eventTypes are the event names of an SSE body.
func eventTypes(body []byte) []string {
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		if t, ok := strings.CutPrefix(line, "event: "); ok {
			out = append(out, t)
		}
	}
	return out
}
