package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/geminifake"
)

// TestAnthropicOverloadedFallsBackToGemini: a 529 overloaded_error is a
// server error, so the router moves to its next target at once, with no
// backoff, streamed or not.
func TestAnthropicOverloadedFallsBackToGemini(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "complete", true: "stream"}[stream], func(t *testing.T) {
			g := newGateway(t)
			g.anthropic.Script(anthropicModel, anthropicfake.Overloaded())
			var header http.Header
			var content string
			if stream {
				got := g.stream(streamParams("router/cross", "Hello!"))
				if got.err != nil {
					t.Fatalf("stream: %v", got.err)
				}
				header, content = got.header, got.acc.Choices[0].Message.Content
			} else {
				resp, raw := g.complete(userParams("router/cross", "Hello!"))
				header, content = raw.Header, resp.Choices[0].Message.Content
				costOf(t, header)
			}
			if want := map[bool]string{false: "AI learns patterns from data to make predictions or decisions.",
				true: "The quick brown fox jumps over the lazy dog."}[stream]; content != want {
				t.Errorf("content = %q, want Gemini's %q", content, want)
			}
			checkRouted(t, header, "cross", "gemini/"+geminiModel, true)
			if got := header.Get("x-switchyard-attempts"); got != "2" {
				t.Errorf("x-switchyard-attempts = %q, want 2", got)
			}
			if a, gm := g.anthropic.Hits(anthropicModel), g.gemini.Hits(geminiModel); a != 1 || gm != 1 {
				t.Errorf("hits anthropic %d gemini %d, want 1 and 1", a, gm)
			}
			if s := g.Sleeps(); len(s) != 0 {
				t.Errorf("backoff waits %v; a 5xx moves on at once", s)
			}
		})
	}
}

// TestBedrockThrottlingRetried: a ThrottlingException is a rate limit, so
// the same Bedrock target is tried again after an exponential backoff with
// jitter (recorded by the injected Sleep), and its second answer is served.
func TestBedrockThrottlingRetried(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "complete", true: "stream"}[stream], func(t *testing.T) {
			g := newGateway(t)
			g.bedrock.Script(bedrockModel, bedrockfake.Throttled())
			var header http.Header
			var content string
			if stream {
				got := g.stream(streamParams("router/bedrock-first", "Hello!"))
				if got.err != nil {
					t.Fatalf("stream: %v", got.err)
				}
				header, content = got.header, got.acc.Choices[0].Message.Content
			} else {
				resp, raw := g.complete(userParams("router/bedrock-first", "Hello!"))
				header, content = raw.Header, resp.Choices[0].Message.Content
				costOf(t, header)
			}
			if want := map[bool]string{false: "Bonjour ! La capitale de l'Italie est Rome.",
				true: "Bonjour ! La capitale est Rome."}[stream]; content != want {
				t.Errorf("content = %q, want Bedrock's %q", content, want)
			}
			checkRouted(t, header, "bedrock-first", "bedrock/"+bedrockModel, false)
			if got := header.Get("x-switchyard-attempts"); got != "2" {
				t.Errorf("x-switchyard-attempts = %q, want 2", got)
			}
			if b, gm := g.bedrock.Hits(bedrockModel), g.gemini.Hits(geminiModel); b != 2 || gm != 0 {
				t.Errorf("hits bedrock %d gemini %d, want 2 and 0", b, gm)
			}
			// One wait, within the router's initial_backoff (full jitter).
			if s := g.Sleeps(); len(s) != 1 || s[0] <= 0 || s[0] > 500*time.Millisecond {
				t.Errorf("backoff waits %v, want one in (0, 500ms]", s)
			}
		})
	}
}

// TestAnthropicErrorMidStream: once content has reached the caller the
// gateway cannot fall back; Anthropic's error event ends the stream with
// an SSE error event, never [DONE], and the SDK reports an error.
func TestAnthropicErrorMidStream(t *testing.T) {
	t.Run("sdk", func(t *testing.T) {
		g := newGateway(t)
		g.anthropic.Script(anthropicModel, anthropicfake.ErrorMidStream())
		got := g.stream(streamParams("router/cross", "Tell me a story."))
		if got.err == nil {
			t.Fatal("the SDK saw a clean end of a stream that failed upstream")
		}
		if c := got.acc.Choices; len(c) != 1 || c[0].Message.Content != "Once upon" {
			t.Errorf("content before the error = %+v, want %q", c, "Once upon")
		}
		checkRouted(t, got.header, "cross", "anthropic/"+anthropicModel, false)
		if n := g.gemini.Hits(geminiModel); n != 0 {
			t.Errorf("gemini hits = %d: a committed stream must not fall back", n)
		}
	})
	t.Run("wire", func(t *testing.T) {
		g := newGateway(t)
		g.anthropic.Script(anthropicModel, anthropicfake.ErrorMidStream())
		body := `{"model":"router/cross","stream":true,"messages":[{"role":"user","content":"Tell me a story."}]}`
		resp, err := http.Post(g.srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("status %d, content type %q; want a committed 200 event stream", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("read: %v (the gateway must end the stream cleanly with an error event)", err)
		}
		events := dataEvents(raw)
		if len(events) < 2 {
			t.Fatalf("events %q, want content then an error", events)
		}
		for _, ev := range events {
			if ev == "[DONE]" {
				t.Errorf("[DONE] sent on a failed stream:\n%s", raw)
			}
		}
		var last struct {
			Error *struct {
				Message string `json:"message"`
				Type    string `json:"type"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(events[len(events)-1]), &last); err != nil || last.Error == nil || last.Error.Message == "" {
			t.Errorf("last event = %s, want {\"error\": {...}}", events[len(events)-1])
		}
		if !strings.Contains(string(raw), "Once upon") {
			t.Errorf("content before the error was not forwarded:\n%s", raw)
		}
	})
}

// TestGeminiCutBeforeContentFallsBack: a Gemini stream whose connection
// drops after the 200 but before any content has not been committed to
// the caller, so it falls back like any failure.
func TestGeminiCutBeforeContentFallsBack(t *testing.T) {
	g := newGateway(t)
	g.gemini.Script(geminiModel, geminifake.CutAfter(0))
	got := g.stream(streamParams("router/gemini-first", "Hello!"))
	if got.err != nil {
		t.Fatalf("stream: %v", got.err)
	}
	if c := got.acc.Choices[0].Message.Content; c != "Hello!" {
		t.Errorf("content = %q, want Anthropic's %q", c, "Hello!")
	}
	if u := got.acc.Usage; u.TotalTokens != 40 {
		t.Errorf("usage %+v, want the serving target's (total 40)", u)
	}
	checkRouted(t, got.header, "gemini-first", "anthropic/"+anthropicModel, true)
	if gm, a := g.gemini.Hits(geminiModel), g.anthropic.Hits(anthropicModel); gm != 1 || a != 1 {
		t.Errorf("hits gemini %d anthropic %d, want 1 and 1", gm, a)
	}
}

// dataEvents returns the data payloads of an SSE body.
func dataEvents(body []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}
