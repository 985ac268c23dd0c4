package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// TestStreamingCommitRule checks DESIGN §5's streaming rule: fall back
// before the first content chunk; after it, an SSE error event and no [DONE].
func TestStreamingCommitRule(t *testing.T) {
	tests := []struct {
		name         string
		m1           []openaifake.Fault
		includeUsage bool
		wantTarget   string
		wantFallback string
		wantHits2    int
		wantText     string
		wantDone     bool
		wantError    bool
		wantUsage    bool
	}{
		{name: "whole stream, usage chunk dropped when not asked for",
			wantTarget: "up/m1", wantFallback: "false", wantText: "Hello! How can I help?", wantDone: true},
		{name: "include_usage forwards the usage chunk", includeUsage: true,
			wantTarget: "up/m1", wantFallback: "false", wantText: "Hello! How can I help?", wantDone: true, wantUsage: true},
		{name: "cut before the first content chunk falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.CutStream, After: 1}},
			wantTarget: "up/m2", wantFallback: "true", wantHits2: 1, wantText: "Hello! How can I help?", wantDone: true},
		{name: "503 on open falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.Status, Status: 503}},
			wantTarget: "up/m2", wantFallback: "true", wantHits2: 1, wantText: "Hello! How can I help?", wantDone: true},
		{name: "cut after content ends with an SSE error event and no [DONE]",
			m1:         []openaifake.Fault{{Kind: openaifake.CutStream, After: 3}},
			wantTarget: "up/m1", wantFallback: "false", wantText: "Hello!", wantError: true},
		{name: "an upstream error event after content is relayed as an SSE error",
			m1:         []openaifake.Fault{{Kind: openaifake.ErrorEvent, After: 2}},
			wantTarget: "up/m1", wantFallback: "false", wantText: "Hello", wantError: true},
		{name: "a finished stream without [DONE] still ends cleanly",
			m1:         []openaifake.Fault{{Kind: openaifake.NoDone}},
			wantTarget: "up/m1", wantFallback: "false", wantText: "Hello! How can I help?", wantDone: true},
		{name: "a stream that ends before finishing is an error, not a silent truncation",
			m1:         []openaifake.Fault{{Kind: openaifake.NoDoneNoFinish}},
			wantTarget: "up/m1", wantFallback: "false", wantText: "Hello! How can I help?", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.fake.Script("m1", tt.m1...)
			body := chatBody("router/fb", true)
			if tt.includeUsage {
				body["stream_options"] = map[string]any{"include_usage": true}
			}
			resp, raw := h.post("/v1/chat/completions", body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, raw)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("content-type %q", ct)
			}
			if got := resp.Header.Get("x-switchyard-target"); got != tt.wantTarget {
				t.Errorf("target %q, want %q", got, tt.wantTarget)
			}
			if got := resp.Header.Get("x-switchyard-fallback"); got != tt.wantFallback {
				t.Errorf("fallback %q, want %q", got, tt.wantFallback)
			}
			if got := h.fake.Hits("m2"); got != tt.wantHits2 {
				t.Errorf("m2 hits %d, want %d", got, tt.wantHits2)
			}
			events := sseEvents(raw)
			var text strings.Builder
			sawDone, sawError, sawUsage := false, false, false
			for i, ev := range events {
				if ev == "[DONE]" {
					sawDone = true
					if i != len(events)-1 {
						t.Errorf("[DONE] is not last")
					}
					continue
				}
				var c struct {
					Choices []struct {
						Delta struct {
							Content string `json:"content"`
						} `json:"delta"`
					} `json:"choices"`
					Usage *struct {
						TotalTokens int `json:"total_tokens"`
					} `json:"usage"`
					Error *struct {
						Message string `json:"message"`
						Type    string `json:"type"`
					} `json:"error"`
				}
				if err := json.Unmarshal([]byte(ev), &c); err != nil {
					t.Fatalf("event %d is not JSON: %s", i, ev)
				}
				if c.Error != nil {
					sawError = true
					if i != len(events)-1 {
						t.Errorf("error event is not last")
					}
					continue
				}
				if c.Usage != nil {
					sawUsage = true
				}
				for _, ch := range c.Choices {
					text.WriteString(ch.Delta.Content)
				}
			}
			if text.String() != tt.wantText {
				t.Errorf("text %q, want %q", text.String(), tt.wantText)
			}
			if sawDone != tt.wantDone || sawError != tt.wantError {
				t.Errorf("done=%v error=%v, want done=%v error=%v; events %q", sawDone, sawError, tt.wantDone, tt.wantError, events)
			}
			if sawDone && sawError {
				t.Error("[DONE] after an error event")
			}
			if sawUsage != tt.wantUsage {
				t.Errorf("usage chunk present=%v, want %v", sawUsage, tt.wantUsage)
			}
		})
	}
}

// TestStreamForwardsChunksAsTheyArrive reads the first content chunk while
// the upstream is still holding the rest of the stream back.
func TestStreamForwardsChunksAsTheyArrive(t *testing.T) {
	h := newHarness(t, "")
	release := make(chan struct{})
	h.fake.Script("m1", openaifake.Fault{Kind: openaifake.Pause, After: 3, Release: release})
	raw, _ := json.Marshal(chatBody("router/fb", true))
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/v1/chat/completions", strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 4096)
	var got strings.Builder
	for !strings.Contains(got.String(), `"content":"!"`) {
		n, err := resp.Body.Read(buf)
		if err != nil {
			t.Fatalf("read before release: %v (got %q)", err, got.String())
		}
		got.Write(buf[:n])
	}
	close(release) // only now may the upstream finish
	rest := make([]byte, 0, 4096)
	for {
		n, err := resp.Body.Read(buf)
		rest = append(rest, buf[:n]...)
		if err != nil {
			break
		}
	}
	if !strings.Contains(string(rest), "[DONE]") {
		t.Errorf("stream did not finish after release: %q", rest)
	}
}

// TestClientDisconnectCancelsUpstream: a caller that goes away mid-request
// cancels the upstream call.
// TestClientDisconnectCancelsUpstream: a caller that goes away stops the
// upstream call, before the stream commits (the upstream has not answered
// yet) and after (mid-stream). The router has no timeout that would end
// the upstream call on its own, so only the caller's cancellation can.
func TestClientDisconnectCancelsUpstream(t *testing.T) {
	const patient = `
  patient:
    strategy: fallback
    targets: [{model: up/m1}]
    timeout: 10m
    attempt_timeout: 10m
`
	cases := []struct {
		name  string
		fault openaifake.Fault
		// readFirst: wait for the first content chunk before hanging up.
		readFirst bool
	}{
		{"before the first chunk", openaifake.Fault{Kind: openaifake.Hang}, false},
		{"after the first chunk", openaifake.Fault{Kind: openaifake.Pause, After: 3, Release: make(chan struct{})}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, patient)
			h.fake.HangStarted = make(chan struct{}, 1)
			h.fake.HangEnded = make(chan struct{}, 1)
			h.fake.Script("m1", c.fault)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			raw, _ := json.Marshal(chatBody("router/patient", true))
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.srv.URL+"/v1/chat/completions", strings.NewReader(string(raw)))
			req.Header.Set("Content-Type", "application/json")
			gotFirst := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				defer resp.Body.Close()
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					if strings.Contains(sc.Text(), `"content"`) {
						close(gotFirst)
						break
					}
				}
				io.Copy(io.Discard, resp.Body)
			}()
			if c.readFirst {
				waitOrFail(t, gotFirst, "the first content chunk")
			} else {
				waitOrFail(t, h.fake.HangStarted, "the upstream call")
			}
			cancel()
			waitOrFail(t, h.fake.HangEnded, "the upstream call to be canceled")
			<-done
			if h.fake.Canceled() != 1 {
				t.Errorf("upstream cancellations = %d, want 1", h.fake.Canceled())
			}
		})
	}
}

// waitOrFail waits for ch; the guard only turns a hang into a failure.
func waitOrFail[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("gave up waiting for %s", what)
	}
}
