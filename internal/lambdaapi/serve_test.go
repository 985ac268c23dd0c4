package lambdaapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// prelude is the JSON head of an API Gateway streaming response.
type prelude struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
}

// readAll reads resp as the Lambda runtime sends it (prelude, eight NUL
// bytes, body) and splits it.
func readAll(t *testing.T, resp *events.APIGatewayProxyStreamingResponse) (prelude, string) {
	t.Helper()
	raw, err := io.ReadAll(resp)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	_ = resp.Close()
	head, body, ok := bytes.Cut(raw, make([]byte, 8))
	if !ok {
		t.Fatalf("no 8-NUL separator in %q", raw)
	}
	var p prelude
	if err := json.Unmarshal(head, &p); err != nil {
		t.Fatalf("prelude %q: %v", head, err)
	}
	return p, string(body)
}

// quiet drops the panic reports of tests that panic on purpose.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func jsonHasErrorCode(body, code string) bool {
	var v struct {
		Error struct{ Code string } `json:"error"`
	}
	return json.Unmarshal([]byte(body), &v) == nil && v.Error.Code == code
}

func chatEvent() events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/v1/chat/completions", Body: `{}`,
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "rid-1", Identity: events.APIGatewayRequestIdentity{SourceIP: "198.51.100.1"}}}
}

func TestServeWholeResponses(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		handler    http.HandlerFunc
		wantStatus int
		wantSingle map[string]string
		wantMulti  map[string][]string
		wantBody   string
	}{{
		name: "JSON answer with repeated and hop-by-hop headers",
		handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Add("Vary", "Accept")
			w.Header().Add("Vary", "Authorization")
			w.Header().Set("Connection", "keep-alive")
			w.Header().Set("X-Switchyard-Router", "fb")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"ok":true}`)
			w.Header().Set("X-Too-Late", "1") // after WriteHeader: not sent, as with net/http
		},
		wantStatus: http.StatusCreated,
		wantSingle: map[string]string{"content-type": "application/json", "x-switchyard-router": "fb"},
		wantMulti:  map[string][]string{"vary": {"Accept", "Authorization"}},
		wantBody:   `{"ok":true}`,
	}, {
		name:       "nothing written is a 200 with no body",
		handler:    func(http.ResponseWriter, *http.Request) {},
		wantStatus: http.StatusOK,
	}, {
		name:       "first write sends 200 and a sniffed content type",
		handler:    func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>hi</html>") },
		wantStatus: http.StatusOK,
		wantSingle: map[string]string{"content-type": "text/html; charset=utf-8"},
		wantBody:   "<html>hi</html>",
	}, {
		name:   "request seen by the handler",
		method: http.MethodPost,
		handler: func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "%s %s %s %s %s", r.Method, r.URL.Path, r.RemoteAddr, r.Header.Get("X-Request-Id"), b)
		},
		wantStatus: http.StatusOK,
		wantSingle: map[string]string{"content-type": "text/plain"},
		wantBody:   "POST /v1/chat/completions 198.51.100.1:0 rid-1 {}",
	}, {
		name:   "HEAD has no body",
		method: http.MethodHead,
		handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "dropped")
		},
		wantStatus: http.StatusOK,
		wantSingle: map[string]string{"content-type": "text/plain"},
	}, {
		name: "panic before headers is a 500",
		handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Half-Done", "1")
			panic("boom")
		},
		wantStatus: http.StatusInternalServerError,
		wantSingle: map[string]string{"content-type": "application/json"},
		wantBody:   `{"error":{"message":"internal error","type":"server_error","code":"internal_error","param":null}}` + "\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := chatEvent()
			if tt.method != "" {
				ev.HTTPMethod = tt.method
			}
			a := &Adapter{Handler: tt.handler, Logger: quiet}
			resp, err := a.Serve(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			p, body := readAll(t, resp)
			if p.StatusCode != tt.wantStatus || !reflect.DeepEqual(p.Headers, tt.wantSingle) ||
				!reflect.DeepEqual(p.MultiValueHeaders, tt.wantMulti) || body != tt.wantBody {
				t.Errorf("got %d %v %v %q\nwant %d %v %v %q", p.StatusCode, p.Headers, p.MultiValueHeaders, body,
					tt.wantStatus, tt.wantSingle, tt.wantMulti, tt.wantBody)
			}
		})
	}
}

// TestServeStreamsChunks proves that each flushed SSE event reaches the
// reader while the handler is still running: the handler sends event i+1
// only after the test has read event i.
func TestServeStreamsChunks(t *testing.T) {
	const nEvents = 3
	next := make(chan struct{})
	finished := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(finished)
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		for i := 0; i < nEvents; i++ {
			// Written in pieces, as an SSE encoder does: only Flush sends.
			fmt.Fprint(w, "data: ")
			fmt.Fprintf(w, `{"i":%d}`, i)
			fmt.Fprint(w, "\n\n")
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush: %v", err)
				return
			}
			select {
			case <-next:
			case <-r.Context().Done():
				t.Errorf("request context ended: %v", r.Context().Err())
				return
			}
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	})
	resp, err := (&Adapter{Handler: h}).Serve(context.Background(), chatEvent())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-finished:
		t.Fatal("handler finished before Serve returned")
	default:
	}
	if resp.StatusCode != 200 || resp.Headers["content-type"] != "text/event-stream" {
		t.Fatalf("head %d %v", resp.StatusCode, resp.Headers)
	}
	rd := bufio.NewReader(resp)
	if _, err := rd.ReadString(0); err != nil { // the prelude JSON ...
		t.Fatal(err)
	}
	if _, err := rd.Discard(7); err != nil { // ... and the rest of the 8 NULs
		t.Fatal(err)
	}
	for i := 0; i < nEvents; i++ {
		ev, err := readEvent(rd)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if want := fmt.Sprintf(`data: {"i":%d}`, i); ev != want {
			t.Fatalf("event %d = %q, want %q", i, ev, want)
		}
		select {
		case <-finished:
			t.Fatalf("handler finished before event %d was read", i)
		default:
		}
		next <- struct{}{}
	}
	if ev, err := readEvent(rd); err != nil || ev != "data: [DONE]" {
		t.Fatalf("last event %q, %v", ev, err)
	}
	if _, err := rd.ReadByte(); err != io.EOF {
		t.Fatalf("after [DONE]: %v, want EOF", err)
	}
	<-finished
	_ = resp.Close()
}

func readEvent(rd *bufio.Reader) (string, error) {
	var lines []string
	for {
		l, err := rd.ReadString('\n')
		if err != nil {
			return strings.Join(lines, "\n"), err
		}
		l = strings.TrimSuffix(l, "\n")
		if l == "" {
			return strings.Join(lines, "\n"), nil
		}
		lines = append(lines, l)
	}
}

// TestServeClientGone closes the body mid-stream, as the runtime does when
// the caller disconnects: the handler's context is cancelled and its
// writes fail.
func TestServeClientGone(t *testing.T) {
	result := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // an upstream call would be aborted here
		_, _ = fmt.Fprint(w, "data: late\n\n")
		result <- http.NewResponseController(w).Flush()
	})
	resp, err := (&Adapter{Handler: h}).Serve(context.Background(), chatEvent())
	if err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(resp)
	if _, err := rd.ReadString('\n'); err != nil { // prelude, NULs and the first line
		t.Fatal(err)
	}
	if err := resp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-result; !errors.Is(err, ErrClientGone) {
		t.Fatalf("flush after close = %v, want ErrClientGone", err)
	}
}

// TestServeNoHeadersBeforeDeadline: the invocation ends while the handler
// is still deciding; Serve reports it and the handler's context ends.
func TestServeNoHeadersBeforeDeadline(t *testing.T) {
	handlerCtx := make(chan error, 1)
	served := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		handlerCtx <- r.Context().Err()
		// Still deciding when Serve looks: returning now would make the
		// implicit empty 200 ready, racing the ended invocation.
		<-served
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	resp, err := (&Adapter{Handler: h}).Serve(ctx, chatEvent())
	close(served)
	if err == nil || !errors.Is(err, context.Canceled) || resp != nil {
		t.Fatalf("Serve = %v, %v; want context.Canceled", resp, err)
	}
	if err := <-handlerCtx; err == nil {
		t.Fatal("handler context not cancelled")
	}
}

// TestServePanicAfterHeaders: a stream that breaks must not look complete.
func TestServePanicAfterHeaders(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "data: partial\n\n")
		w.(http.Flusher).Flush()
		panic("upstream state corrupt")
	})
	resp, err := (&Adapter{Handler: h, Logger: quiet}).Serve(context.Background(), chatEvent())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp)
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("read = %q, %v; want a panic error", raw, err)
	}
	if !strings.HasSuffix(string(raw), "data: partial\n\n") {
		t.Fatalf("body before the error = %q", raw)
	}
}

// TestCloseWaitsForHandler: closing the body gives a handler that is
// winding down time to finish before Lambda may freeze the process.
func TestCloseWaitsForHandler(t *testing.T) {
	release := make(chan struct{})
	var returned bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		<-r.Context().Done()
		<-release
		returned = true
	})
	resp, err := (&Adapter{Handler: h, CloseWait: time.Minute}).Serve(context.Background(), chatEvent())
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() { _ = resp.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while the handler was running")
	case release <- struct{}{}:
	}
	<-closed
	if !returned {
		t.Fatal("Close returned before the handler")
	}
}
