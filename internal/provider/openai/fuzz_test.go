package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider/streamtest"
)

// FuzzStream: whatever an OpenAI-compatible upstream streams, the stream
// relays only JSON chunks, and ends either with
// a classified error or cleanly, which it may only do after [DONE] or a
// finish_reason: a cut answer must never look complete.
func FuzzStream(f *testing.F) {
	recorded, _ := filepath.Glob("../../fakes/openaifake/testdata/*.sse")
	for _, path := range recorded {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2]) // cut mid-stream
	}
	f.Add([]byte("data: {\"error\":{\"message\":\"overloaded\",\"type\":\"rate_limit_error\",\"code\":429}}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		s := newStream(context.Background(), resp, time.Now)
		chunks, err := streamtest.Drain(t, s)
		finished := false
		for i, c := range chunks {
			if !json.Valid(c.Raw) {
				t.Fatalf("chunk %d relays %q, not JSON", i, c.Raw)
			}
			for _, ch := range c.Choices {
				finished = finished || ch.FinishReason != nil
			}
		}
		if err == nil && !finished && !bytes.Contains(body, []byte("[DONE]")) {
			t.Errorf("the stream ended cleanly without [DONE] or a finish_reason")
		}
	})
}

// FuzzTopLevel: on a valid JSON body, topLevel finds a key's value as
// encoding/json does (the gateway prices an answer by its usage), and
// nonEmptyArray reads what it returns without fault.
func FuzzTopLevel(f *testing.F) {
	completions, _ := filepath.Glob("../../fakes/openaifake/testdata/*.json")
	for _, path := range completions {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "usage")
		f.Add(b, "choices")
	}
	f.Add([]byte(`{"choices" : [ ] , "usage":{"a":"}"}, "model":"m\"x"}`), "model")
	f.Fuzz(func(t *testing.T, raw []byte, key string) {
		if !json.Valid(raw) {
			return // Complete checks json.Valid before it scans
		}
		got := topLevel(raw, key)
		nonEmptyArray(got)
		if got != nil && !json.Valid(got) {
			t.Fatalf("topLevel(%q, %q) = %q: not a JSON value", raw, key, got)
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return
		}
		want, ok := m[key]
		// Only a key written once, without escapes, has one right answer.
		if ok && bytes.Count(raw, []byte(`"`+key+`"`)) == 1 && !bytes.Equal(got, want) {
			t.Errorf("topLevel(%q, %q) = %q, want %q", raw, key, got, want)
		}
		if !ok && got != nil && json.Valid([]byte(`"`+key+`"`)) {
			var k string
			if json.Unmarshal([]byte(`"`+key+`"`), &k) == nil && k == key {
				t.Errorf("topLevel(%q, %q) = %q for a key the body does not have", raw, key, got)
			}
		}
	})
}
