package httpapi_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStreamFlushesBeforeAStall: the gateway writes a burst of chunks that
// arrived together with one flush, but never holds a chunk back while the
// upstream stalls: not behind half an event (a TCP segment can end
// mid-event), and not behind the usage chunk it asked for on the caller's
// behalf and does not send. The caller must see the content before the
// upstream goes on.
func TestStreamFlushesBeforeAStall(t *testing.T) {
	const chunk = `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m1","choices":[{"index":0,"delta":{"content":"hello"},"finish_reason":null}]}`
	const usage = `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m1","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`
	const finish = `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
	cases := []struct {
		name string
		// burst is what the upstream sends in one write before it stalls;
		// after it the rest of the stream.
		burst, after string
	}{
		{"half an event buffered", "data: " + chunk + "\n\ndata: " + finish[:30], finish[30:] + "\n\ndata: [DONE]\n\n"},
		{"a dropped usage chunk last", "data: " + chunk + "\n\ndata: " + finish + "\n\ndata: " + usage + "\n\n", "data: [DONE]\n\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			release := make(chan struct{})
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, c.burst)
				w.(http.Flusher).Flush()
				<-release
				fmt.Fprint(w, c.after)
			}))
			defer up.Close()
			defer close(release) // also when the test fails first
			h := newHarnessConfig(t, `
providers:
  up: {type: openai-compatible, base_url: `+up.URL+`/v1}
routers:
  r: {strategy: fallback, targets: [{model: up/m1}]}
`)
			raw, _ := json.Marshal(chatBody("router/r", true))
			got := make(chan string, 1)
			go func() {
				// The headers go out with the first chunk: the request
				// itself waits for it.
				resp, err := http.Post(h.srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(string(raw)))
				if err != nil {
					got <- ""
					return
				}
				defer resp.Body.Close()
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					if strings.Contains(sc.Text(), `"content":"hello"`) {
						got <- sc.Text()
						return
					}
				}
				got <- ""
			}()
			// Only a hang fails here: the upstream waits for release.
			select {
			case line := <-got:
				if line == "" {
					t.Fatal("the stream ended without the content chunk")
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the content chunk was held back while the upstream stalled")
			}
		})
	}
}
