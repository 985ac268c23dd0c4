package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/geminifake"
)

// The streaming commit rule (DESIGN §5) for every provider: a stream is
// committed to the caller at its first content-bearing chunk. A failure
// after that ends the stream with an SSE error event and no [DONE], and
// nothing else is tried; a failure before it falls back like any other,
// and the caller sees only the next target's complete stream.

// Each router names its first target and the fallback behind it.
var routerTargets = map[string][2]string{
	"cross":         {"anthropic/" + anthropicModel, "gemini/" + geminiModel},
	"gemini-first":  {"gemini/" + geminiModel, "anthropic/" + anthropicModel},
	"bedrock-first": {"bedrock/" + bedrockModel, "gemini/" + geminiModel},
}

// hitsOf counts the upstream requests a target received.
func hitsOf(t *testing.T, g *gateway, target string) int {
	t.Helper()
	switch target {
	case "anthropic/" + anthropicModel:
		return g.anthropic.Hits(anthropicModel)
	case "gemini/" + geminiModel:
		return g.gemini.Hits(geminiModel)
	case "bedrock/" + bedrockModel:
		return g.bedrock.Hits(bedrockModel)
	}
	t.Fatalf("no fake serves %s", target)
	return 0
}

// committedCase fails after its first content chunk reached the caller.
type committedCase struct {
	name, router string
	// script queues the failing reply. release, when the fake supports it,
	// holds the upstream after its content until the test closes it, so
	// the content is shown to reach the caller before the upstream fails.
	script func(g *gateway, release chan struct{})
	// partial is the content forwarded before the failure; code the error
	// class the SSE error event carries.
	partial, code string
}

var committedCases = []committedCase{
	{
		name: "gemini/error_event", router: "gemini-first",
		script: func(g *gateway, release chan struct{}) {
			r := geminifake.ErrorMidStream()
			r.Hold = release // after the first (content) event
			g.gemini.Script(geminiModel, r)
		},
		partial: "Here is the first part of a long essay", code: "server_error",
	},
	{
		name: "gemini/cut", router: "gemini-first",
		script: func(g *gateway, release chan struct{}) {
			r := geminifake.CutAfter(1)
			r.Hold = release
			g.gemini.Script(geminiModel, r)
		},
		partial: "The", code: "network",
	},
	{
		name: "bedrock/exception_event", router: "bedrock-first",
		script: func(g *gateway, release chan struct{}) {
			r := bedrockfake.ErrorMidStream()
			r.Gate = release // between "Partial answer" and the exception
			g.bedrock.Script(bedrockModel, r)
		},
		partial: "Partial answer", code: "server_error",
	},
	{
		name: "bedrock/cut", router: "bedrock-first",
		script: func(g *gateway, _ chan struct{}) {
			g.bedrock.Script(bedrockModel, bedrockfake.CutAfter(2)) // messageStart, "Bonjour"
		},
		partial: "Bonjour", code: "network",
	},
	{
		name: "anthropic/cut", router: "cross",
		script: func(g *gateway, _ chan struct{}) {
			// message_start, content_block_start, ping, "Hello"
			g.anthropic.Script(anthropicModel, anthropicfake.CutAfter(4))
		},
		partial: "Hello", code: "network",
	},
}

// TestStreamFailureAfterCommit: the caller gets the content as it
// arrives, then an error event and no [DONE]; the SDK reports an error;
// the routing headers name the failing target; no retry, no fallback.
func TestStreamFailureAfterCommit(t *testing.T) {
	for _, tc := range committedCases {
		first, next := routerTargets[tc.router][0], routerTargets[tc.router][1]
		t.Run(tc.name+"/sdk", func(t *testing.T) {
			g := newGateway(t)
			release := make(chan struct{})
			close(release)
			tc.script(g, release)
			got := g.stream(streamParams("router/"+tc.router, "Tell me a story."))
			if got.err == nil {
				t.Error("the SDK saw a clean end of a stream that failed upstream")
			}
			if c := got.acc.Choices; len(c) != 1 || c[0].Message.Content != tc.partial {
				t.Errorf("content before the failure = %+v, want %q", c, tc.partial)
			}
			checkRouted(t, got.header, tc.router, first, false)
			checkNoFallback(t, g, got.header, first, next)
		})
		t.Run(tc.name+"/wire", func(t *testing.T) {
			g := newGateway(t)
			release := make(chan struct{})
			tc.script(g, release)
			resp, events := g.postStream(t, "router/"+tc.router)
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("status %d, content type %q; want a committed 200 event stream", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			checkRouted(t, resp.Header, tc.router, first, false)

			// The content arrives while the upstream is still open.
			content := ""
			for content == "" {
				ev, err := events()
				if err != nil {
					t.Fatalf("no content reached the caller while the upstream was held open: %v", err)
				}
				content += chunkContent(t, ev)
			}
			close(release)

			var last string
			for {
				ev, err := events()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("read: %v (the gateway must end the stream with an error event, not drop it)", err)
				}
				if ev == "[DONE]" {
					t.Errorf("[DONE] sent on a failed stream")
				}
				if last != "" {
					content += chunkContent(t, last)
				}
				last = ev
			}
			if content != tc.partial {
				t.Errorf("content forwarded = %q, want %q", content, tc.partial)
			}
			var fail struct {
				Error *struct {
					Message string `json:"message"`
					Type    string `json:"type"`
					Code    string `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(last), &fail); err != nil || fail.Error == nil || fail.Error.Message == "" {
				t.Fatalf("last event = %s, want {\"error\": {...}}", last)
			}
			if fail.Error.Code != tc.code {
				t.Errorf("error event code = %q, want the failure's class %q: %s", fail.Error.Code, tc.code, last)
			}
			checkNoFallback(t, g, resp.Header, first, next)
		})
	}
}

// checkNoFallback: one attempt, at the first target, with no wait.
func checkNoFallback(t *testing.T, g *gateway, h http.Header, first, next string) {
	t.Helper()
	if got := h.Get("x-switchyard-attempts"); got != "1" {
		t.Errorf("x-switchyard-attempts = %q, want 1", got)
	}
	if f, n := hitsOf(t, g, first), hitsOf(t, g, next); f != 1 || n != 0 {
		t.Errorf("hits %s %d, %s %d; want 1 and 0: a committed stream is never retried or replaced", first, f, next, n)
	}
	if s := g.Sleeps(); len(s) != 0 {
		t.Errorf("backoff waits %v after a committed failure", s)
	}
}

// fallbackCase fails before any content reached the caller.
type fallbackCase struct {
	name, router string
	script       func(g *gateway)
	// served is the target whose complete stream the caller gets; hits
	// the requests each target received; waits checks the backoff waits.
	served   string
	fallback bool
	hits     map[string]int
	waits    func(t *testing.T, s []time.Duration)
}

// noWait: failures other than rate limits move on at once.
func noWait(t *testing.T, s []time.Duration) {
	t.Helper()
	if len(s) != 0 {
		t.Errorf("backoff waits %v, want none", s)
	}
}

// waits wants exactly these waits (a Retry-After honoured as sent).
func waits(want ...time.Duration) func(*testing.T, []time.Duration) {
	return func(t *testing.T, s []time.Duration) {
		t.Helper()
		if len(s) != len(want) {
			t.Fatalf("backoff waits %v, want %v", s, want)
		}
		for i := range s {
			if s[i] != want[i] {
				t.Errorf("backoff waits %v, want %v", s, want)
			}
		}
	}
}

// jittered wants one wait per retry, each in (0, initial<<retry].
func jittered(n int, initial time.Duration) func(*testing.T, []time.Duration) {
	return func(t *testing.T, s []time.Duration) {
		t.Helper()
		if len(s) != n {
			t.Fatalf("backoff waits %v, want %d", s, n)
		}
		for i, d := range s {
			if d <= 0 || d > initial<<i {
				t.Errorf("backoff wait %d = %v, want in (0, %v]", i, d, initial<<i)
			}
		}
	}
}

var (
	anthropicTarget = "anthropic/" + anthropicModel
	geminiTarget    = "gemini/" + geminiModel
	bedrockTarget   = "bedrock/" + bedrockModel
)

var fallbackCases = []fallbackCase{
	{
		name: "gemini/unavailable", router: "gemini-first",
		script: func(g *gateway) { g.gemini.Script(geminiModel, geminifake.Unavailable()) },
		served: anthropicTarget, fallback: true, hits: map[string]int{geminiTarget: 1, anthropicTarget: 1}, waits: noWait,
	},
	{
		name: "gemini/cut_before_content", router: "gemini-first",
		script: func(g *gateway) { g.gemini.Script(geminiModel, geminifake.CutAfter(0)) },
		served: anthropicTarget, fallback: true, hits: map[string]int{geminiTarget: 1, anthropicTarget: 1}, waits: noWait,
	},
	{
		name: "bedrock/cut_before_any_event", router: "bedrock-first",
		script: func(g *gateway) { g.bedrock.Script(bedrockModel, bedrockfake.CutAfter(0)) },
		served: geminiTarget, fallback: true, hits: map[string]int{bedrockTarget: 1, geminiTarget: 1}, waits: noWait,
	},
	{
		name: "bedrock/cut_after_message_start", router: "bedrock-first",
		script: func(g *gateway) { g.bedrock.Script(bedrockModel, bedrockfake.CutAfter(1)) },
		served: geminiTarget, fallback: true, hits: map[string]int{bedrockTarget: 1, geminiTarget: 1}, waits: noWait,
	},
	{
		name: "bedrock/service_unavailable", router: "bedrock-first",
		script: func(g *gateway) { g.bedrock.Script(bedrockModel, bedrockfake.ServiceUnavailable()) },
		served: geminiTarget, fallback: true, hits: map[string]int{bedrockTarget: 1, geminiTarget: 1}, waits: noWait,
	},
	{
		name: "anthropic/cut_after_message_start", router: "cross",
		script: func(g *gateway) { g.anthropic.Script(anthropicModel, anthropicfake.CutAfter(1)) },
		served: geminiTarget, fallback: true, hits: map[string]int{anthropicTarget: 1, geminiTarget: 1}, waits: noWait,
	},
	{
		// content_block_start (empty text) and ping carry no content.
		name: "anthropic/cut_after_ping", router: "cross",
		script: func(g *gateway) { g.anthropic.Script(anthropicModel, anthropicfake.CutAfter(3)) },
		served: geminiTarget, fallback: true, hits: map[string]int{anthropicTarget: 1, geminiTarget: 1}, waits: noWait,
	},
	{
		// A 200 whose first event after message_start is a rate_limit_error:
		// retried with jittered backoff (cross: 250ms initial), then Gemini.
		name: "anthropic/rate_limit_event_before_content", router: "cross",
		script: func(g *gateway) {
			ev := anthropicfake.Reply{StreamFile: "streams/error_rate_limit.sse"}
			g.anthropic.Script(anthropicModel, ev, ev, ev)
		},
		served: geminiTarget, fallback: true, hits: map[string]int{anthropicTarget: 3, geminiTarget: 1},
		waits: jittered(2, 250*time.Millisecond),
	},
	{
		// 429 with retry-after: 2 → waits 2s twice, then Gemini.
		name: "anthropic/rate_limited", router: "cross",
		script: func(g *gateway) {
			rl := anthropicfake.RateLimited("2")
			g.anthropic.Script(anthropicModel, rl, rl, rl)
		},
		served: geminiTarget, fallback: true, hits: map[string]int{anthropicTarget: 3, geminiTarget: 1},
		waits: waits(2*time.Second, 2*time.Second),
	},
	{
		// One 429: the retry on the same target serves; no fallback.
		name: "anthropic/rate_limited_once", router: "cross",
		script: func(g *gateway) { g.anthropic.Script(anthropicModel, anthropicfake.RateLimited("2")) },
		served: anthropicTarget, fallback: false, hits: map[string]int{anthropicTarget: 2, geminiTarget: 0},
		waits: waits(2 * time.Second),
	},
}

// full is the complete documented stream of each target.
var full = map[string]answer{
	anthropicTarget: {content: "Hello!", finish: "stop", prompt: 25, completion: 15, total: 40},
	geminiTarget:    {content: "The quick brown fox jumps over the lazy dog.", finish: "stop", prompt: 8, completion: 10, total: 18},
}

// TestStreamFailureBeforeCommit: the failed attempt leaves no trace in
// the caller's stream, which is the serving target's, complete, ending
// in [DONE]; the headers count every attempt.
func TestStreamFailureBeforeCommit(t *testing.T) {
	for _, tc := range fallbackCases {
		check := func(t *testing.T, g *gateway, h http.Header) {
			t.Helper()
			checkRouted(t, h, tc.router, tc.served, tc.fallback)
			attempts := 0
			for target, n := range tc.hits {
				attempts += n
				if got := hitsOf(t, g, target); got != n {
					t.Errorf("hits %s = %d, want %d", target, got, n)
				}
			}
			if got, want := h.Get("x-switchyard-attempts"), strconv.Itoa(attempts); got != want {
				t.Errorf("x-switchyard-attempts = %q, want %s", got, want)
			}
			tc.waits(t, g.Sleeps())
		}
		t.Run(tc.name+"/sdk", func(t *testing.T) {
			g := newGateway(t)
			tc.script(g)
			got := g.stream(streamParams("router/"+tc.router, "Hello!"))
			checkStream(t, got, full[tc.served])
			check(t, g, got.header)
		})
		t.Run(tc.name+"/wire", func(t *testing.T) {
			g := newGateway(t)
			tc.script(g)
			resp, events := g.postStream(t, "router/"+tc.router)
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var all []string
			for {
				ev, err := events()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				all = append(all, ev)
			}
			if len(all) == 0 || all[len(all)-1] != "[DONE]" {
				t.Fatalf("events %q, want a stream ending in [DONE]", all)
			}
			content := ""
			for _, ev := range all[:len(all)-1] {
				if strings.HasPrefix(ev, `{"error"`) {
					t.Errorf("error event in a stream that was served: %s", ev)
					continue
				}
				content += chunkContent(t, ev)
			}
			if want := full[tc.served].content; content != want {
				t.Errorf("content = %q, want %s's %q", content, tc.served, want)
			}
			check(t, g, resp.Header)
		})
	}
}

// postStream sends a streamed chat request over plain HTTP and returns the
// response and a reader of its SSE data payloads, one per call (io.EOF at
// a clean end, any other error when the body breaks).
func (g *gateway) postStream(t *testing.T, model string) (*http.Response, func() (string, error)) {
	t.Helper()
	body := `{"model":"` + model + `","stream":true,"messages":[{"role":"user","content":"Tell me a story."}]}`
	// Only a guard against a hang (content held back while the upstream
	// waits for the test to see it); no test waits for it to pass.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.srv.URL+"/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	return resp, func() (string, error) {
		for {
			line, err := br.ReadString('\n')
			if d, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "data: "); ok && strings.HasSuffix(line, "\n") {
				return d, nil
			}
			if err != nil {
				if errors.Is(err, io.EOF) && line != "" {
					return "", io.ErrUnexpectedEOF
				}
				return "", err
			}
		}
	}
}

// chunkContent checks ev is a chat.completion.chunk and returns its text.
func chunkContent(t *testing.T, ev string) string {
	t.Helper()
	var c openai.ChatCompletionChunk
	if err := json.Unmarshal([]byte(ev), &c); err != nil || c.Object != "chat.completion.chunk" {
		t.Errorf("event is not a chat.completion.chunk: %s", ev)
		return ""
	}
	s := ""
	for _, ch := range c.Choices {
		s += ch.Delta.Content
	}
	return s
}
