package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestStreamVerdict(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	sse := "text/event-stream"
	tests := []struct {
		name string
		t    timing
		want string // "" passes; else a substring of the failure
	}{
		{"streamed", timing{Status: 200, ContentType: sse, Done: true, Chunks: ms(300, 350, 400, 900, 1500)}, ""},
		{"buffered: one burst at the end", timing{Status: 200, ContentType: sse, Done: true, Chunks: ms(1500, 1500, 1501, 1502)}, "one burst"},
		{"cut before [DONE]", timing{Status: 200, ContentType: sse, Chunks: ms(100, 200, 300)}, "no [DONE]"},
		{"too short to judge", timing{Status: 200, ContentType: sse, Done: true, Chunks: ms(100, 200)}, "2 content chunks"},
		{"error status", timing{Status: 502, ContentType: "application/json", Body: `{"message": "Internal server error"}`}, "status 502"},
		{"JSON instead of a stream", timing{Status: 200, ContentType: "application/json"}, "not text/event-stream"},
		{"transport error", timing{Status: 200, ContentType: sse, Done: true, Chunks: ms(1, 50, 100), Err: fmt.Errorf("unexpected EOF")}, "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := streamVerdict(tt.t)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("failed: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("verdict %v, want a failure mentioning %q", err, tt.want)
			}
		})
	}
}

func TestChunkGaps(t *testing.T) {
	g := chunkGaps([]time.Duration{100, 110, 130, 160, 560})
	if g.p50 != 20 || g.max != 400 {
		t.Errorf("gaps %+v, want p50 20 max 400", g)
	}
}

// fakeGateway streams OpenAI chunks. Its second streamed request pauses
// after two chunks until the caller hangs up, and reports the hang-up.
type fakeGateway struct {
	streams atomic.Int32
	hungUp  chan struct{}
	plain   atomic.Int32
	broken  bool // answer streams as one JSON body (a buffering proxy)
}

func (f *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/prod/healthz" {
		w.WriteHeader(200)
		return
	}
	if r.URL.Path != "/prod/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-smoke" {
		http.Error(w, `{"error":{"message":"no"}}`, 401)
		return
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(r.Body)
	w.Header().Set("x-request-id", "req-"+fmt.Sprint(f.streams.Load()+f.plain.Load()))
	if !strings.Contains(buf.String(), `"stream":true`) {
		f.plain.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"choices":[{"message":{"content":"OK"}}]}`)
		return
	}
	if f.broken {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(502)
		fmt.Fprint(w, `{"message": "Internal server error"}`)
		return
	}
	n := f.streams.Add(1)
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	fmt.Fprint(w, "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(w, "data: {\"choices\":[{\"delta\":{\"content\":\"%d\\n\"}}]}\n\n", i)
		fl.Flush()
		if n == 2 && i == 2 {
			<-r.Context().Done()
			close(f.hungUp)
			return
		}
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}

// tick is a clock that advances 50 ms per reading, so the timings the
// checks judge do not depend on this machine's speed.
func tick() func() time.Time {
	var mu sync.Mutex
	t := time.Unix(1700000000, 0)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(50 * time.Millisecond)
		return t
	}
}

func TestRun(t *testing.T) {
	t.Run("healthy gateway passes; the hang-up reaches it", func(t *testing.T) {
		f := &fakeGateway{hungUp: make(chan struct{})}
		srv := httptest.NewServer(f)
		defer srv.Close()
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"-url", srv.URL + "/prod/", "-key", "sk-smoke"}, &out, &errOut, tick())
		if code != 0 {
			t.Fatalf("exit %d:\n%s%s", code, out.String(), errOut.String())
		}
		<-f.hungUp // the gateway saw the caller leave mid-stream
		for _, want := range []string{"PASS healthz", "PASS stream", "chunks=6", "gap_p50=50ms", "PASS disconnect", "hung up after 2 chunks", "request_id=req-"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, out.String())
			}
		}
		if f.plain.Load() != 1 {
			t.Errorf("%d requests after the hang-up, want 1", f.plain.Load())
		}
	})
	t.Run("a gateway that fails streams fails the run", func(t *testing.T) {
		srv := httptest.NewServer(&fakeGateway{broken: true, hungUp: make(chan struct{})})
		defer srv.Close()
		var out bytes.Buffer
		if code := run(context.Background(), []string{"-url", srv.URL + "/prod", "-key", "sk-smoke"}, &out, &out, tick()); code != 1 {
			t.Fatalf("exit %d, want 1:\n%s", code, out.String())
		}
		if !strings.Contains(out.String(), "FAIL stream") || !strings.Contains(out.String(), "status 502") || !strings.Contains(out.String(), "FAIL disconnect") {
			t.Errorf("report:\n%s", out.String())
		}
	})
	t.Run("usage", func(t *testing.T) {
		var out bytes.Buffer
		if code := run(context.Background(), nil, &out, &out, tick()); code != 2 || !strings.Contains(out.String(), "usage") {
			t.Errorf("exit %d: %s", code, out.String())
		}
	})
}
