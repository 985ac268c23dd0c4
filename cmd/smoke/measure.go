package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/sse"
)

// timing is what a client saw of one streamed answer, as offsets from
// sending the request.
type timing struct {
	Status      int
	ContentType string
	RequestID   string
	Headers     time.Duration   // response headers arrived (time to first byte)
	Chunks      []time.Duration // each data event with content
	Done        bool            // the [DONE] event arrived
	End         time.Duration   // the body ended
	Err         error           // a transport error mid-body
	Body        string          // the body, when it is not a stream
}

// client sends chat requests to one gateway.
type client struct {
	base  string // …/v1's parent: https://host/stage
	key   string
	model string
	http  *http.Client
	now   func() time.Time
}

func (c *client) request(ctx context.Context, stream bool, prompt string) (*http.Request, error) {
	body, _ := json.Marshal(map[string]any{"model": c.model, "stream": stream,
		"messages": []any{map[string]any{"role": "user", "content": prompt}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.base, "/")+"/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	return req, nil
}

// stream sends a streamed request and times its events. If stopAfter > 0
// it hangs up after that many content chunks, as a caller that goes away.
func (c *client) stream(ctx context.Context, prompt string, stopAfter int) timing {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var t timing
	req, err := c.request(ctx, true, prompt)
	if err != nil {
		t.Err = err
		return t
	}
	start := c.now()
	resp, err := c.http.Do(req)
	if err != nil {
		t.Err = err
		return t
	}
	defer resp.Body.Close()
	t.Headers = c.now().Sub(start)
	t.Status, t.ContentType, t.RequestID = resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("x-request-id")
	if !strings.HasPrefix(t.ContentType, "text/event-stream") {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		t.Body, t.End = string(b), c.now().Sub(start)
		return t
	}
	dec := sse.NewDecoder(bufio.NewReader(resp.Body))
	for dec.Next() {
		data := dec.Current().Data
		if bytes.Equal(bytes.TrimSpace(data), []byte("[DONE]")) {
			t.Done = true
			continue
		}
		if hasContent(data) {
			t.Chunks = append(t.Chunks, c.now().Sub(start))
			if stopAfter > 0 && len(t.Chunks) >= stopAfter {
				cancel() // hang up: the transport closes the connection
				break
			}
		}
	}
	t.End = c.now().Sub(start)
	if stopAfter == 0 {
		t.Err = dec.Err()
	}
	return t
}

// plain sends a non-streamed request and returns its status and request id.
func (c *client) plain(ctx context.Context, prompt string) (int, string, error) {
	req, err := c.request(ctx, false, prompt)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("x-request-id"), nil
}

// healthz returns the status of GET /healthz.
func (c *client) healthz(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.base, "/")+"/healthz", nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// hasContent reports whether an OpenAI chunk carries text (or a tool call):
// the role-only first chunk and the usage-only last one do not count.
func hasContent(data []byte) bool {
	var ch struct {
		Choices []struct {
			Delta struct {
				Content   string `json:"content"`
				ToolCalls []any  `json:"tool_calls"`
			} `json:"delta"`
		} `json:"choices"`
	}
	if json.Unmarshal(data, &ch) != nil {
		return false
	}
	for _, c := range ch.Choices {
		if c.Delta.Content != "" || len(c.Delta.ToolCalls) > 0 {
			return true
		}
	}
	return false
}

func (t timing) String() string {
	return fmt.Sprintf("status=%d ttfb=%s first_token=%s chunks=%d total=%s", t.Status, ms(t.Headers), ms(first(t.Chunks)), len(t.Chunks), ms(t.End))
}

func first(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[0]
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }
