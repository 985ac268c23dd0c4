package benchfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/sse"
)

func TestWantsStream(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{`{"model":"m","stream":true}`, true},
		{`{"model":"m", "stream" : true}`, true},
		{"{\"stream\":\n true}", true},
		{`{"model":"m","stream":false}`, false},
		{`{"model":"m"}`, false},
		{`{"stream_options":{"include_usage":true}}`, false},
		{`{"messages":[{"role":"user","content":"\"stream\": true"}]}`, false},
		{`{"metadata":{"k":"stream"},"stream":true}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			if got := wantsStream([]byte(tt.body)); got != tt.want {
				t.Errorf("wantsStream(%s) = %v, want %v", tt.body, got, tt.want)
			}
		})
	}
}

func do(t *testing.T, u *Upstream, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, "http://fake"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: Transport{Handler: u}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestCompletion(t *testing.T) {
	u := New(Options{})
	resp := do(t, u, http.MethodPost, "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var out chat.Response
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Choices) != 1 || out.Usage == nil || out.Usage.TotalTokens == 0 {
		t.Fatalf("unexpected completion: %+v", out)
	}
}

func TestStream(t *testing.T) {
	u := New(Options{Chunks: 5})
	resp := do(t, u, http.MethodPost, "/v1/chat/completions", `{"model":"gpt-4o-mini","stream":true,"messages":[]}`)
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	dec := sse.NewDecoder(resp.Body)
	var text strings.Builder
	var events int
	var usage, done bool
	for dec.Next() {
		events++
		data := dec.Current().Data
		if bytes.Equal(data, sse.Done) {
			done = true
			continue
		}
		var c chat.Chunk
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("event %d: %v", events, err)
		}
		if c.Usage != nil {
			usage = true
		}
		for _, ch := range c.Choices {
			if ch.Delta.Content != nil {
				text.WriteString(*ch.Delta.Content)
			}
		}
	}
	// role + 5 content + finish + usage + [DONE]
	if events != 9 || !usage || !done {
		t.Fatalf("events %d, usage %v, done %v", events, usage, done)
	}
	if got := strings.Count(text.String(), " ") + 1; got != 5 {
		t.Errorf("streamed %q: %d words, want 5", text.String(), got)
	}
}

func TestNotChat(t *testing.T) {
	u := New(Options{})
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/v1/chat/completions", http.StatusMethodNotAllowed},
		{http.MethodPost, "/v1/embeddings", http.StatusNotFound},
	} {
		resp := do(t, u, tt.method, tt.path, "")
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
	}
}
