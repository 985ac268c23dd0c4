package engine

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// scriptedEvents is an upstream EventStream that sends its events, then
// ends with err.
type scriptedEvents struct {
	events []provider.Event
	err    error
	i      int
}

func (s *scriptedEvents) Next() bool {
	if s.i >= len(s.events) {
		return false
	}
	s.i++
	return true
}
func (s *scriptedEvents) Event() provider.Event { return s.events[s.i-1] }
func (s *scriptedEvents) Err() error {
	if s.i < len(s.events) {
		return nil
	}
	return s.err
}
func (s *scriptedEvents) Close() error { return nil }

// deltaCodec: "delta" events are content; "usage" events carry usage.
type deltaCodec struct{}

func (deltaCodec) Content(ev provider.Event) bool { return ev.Type == "delta" }
func (deltaCodec) Facts(ev provider.Event, f *StreamFacts) {
	if ev.Type == "usage" {
		f.Usage = &chat.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}
	}
}

type eventLog struct {
	committed *Result
	events    []string
	failed    *Error
	done      bool
}

func (w *eventLog) Commit(res *Result) error { w.committed = res; return nil }
func (w *eventLog) Event(ev provider.Event, _ bool) error {
	w.events = append(w.events, ev.Type+":"+string(ev.Data))
	return nil
}
func (w *eventLog) Flush() error    { return nil }
func (w *eventLog) Fail(err *Error) { w.failed = err }
func (w *eventLog) Done()           { w.done = true }

// TestRelayNative: a native stream is relayed as received under the
// chat stream's commit rule. Events before the first content event are
// held, so an upstream failing before it falls back with nothing sent;
// after it, a failure ends the stream with the writer's Fail and no Done.
func TestRelayNative(t *testing.T) {
	ev := func(typ, data string) provider.Event { return provider.Event{Type: typ, Data: []byte(data)} }
	broken := &provider.Error{Class: provider.ClassServer, Status: 500, Message: "overloaded"}
	for _, tc := range []struct {
		name       string
		upstreams  map[string]*scriptedEvents
		wantTarget string
		wantEvents string
		wantFail   bool
	}{
		{
			name: "held events go out with the first content",
			upstreams: map[string]*scriptedEvents{
				"m/a": {events: []provider.Event{ev("start", "1"), ev("delta", "2"), ev("usage", "3"), ev("stop", "4")}},
			},
			wantTarget: "m/a", wantEvents: "start:1 delta:2 usage:3 stop:4",
		},
		{
			name: "a failure before content falls back with nothing sent",
			upstreams: map[string]*scriptedEvents{
				"m/a": {events: []provider.Event{ev("start", "a")}, err: broken},
				"m/b": {events: []provider.Event{ev("start", "b"), ev("delta", "b"), ev("stop", "b")}},
			},
			wantTarget: "m/b", wantEvents: "start:b delta:b stop:b",
		},
		{
			name: "a failure after commit ends the stream with Fail",
			upstreams: map[string]*scriptedEvents{
				"m/a": {events: []provider.Event{ev("start", "a"), ev("delta", "a")}, err: broken},
				"m/b": {events: []provider.Event{ev("delta", "b")}},
			},
			wantTarget: "m/a", wantEvents: "start:a delta:a", wantFail: true,
		},
		{
			name: "an answer with no content is relayed whole",
			upstreams: map[string]*scriptedEvents{
				"m/a": {events: []provider.Event{ev("start", "a"), ev("stop", "a")}},
			},
			wantTarget: "m/a", wantEvents: "start:a stop:a",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte("providers:\n  m: {type: mock}\nrouters:\n  r: {strategy: fallback, targets: [{model: m/a}, {model: m/b}]}\n"))
			if err != nil {
				t.Fatal(err)
			}
			e, err := New(cfg, Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(e.Close)
			w := &eventLog{}
			r := &Request{Operation: OpMessages, ID: "t", Headers: http.Header{},
				Chat: &chat.Request{Model: "router/r", Stream: true, Messages: []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}}}
			res, rerr := e.serve(context.Background(), r, func(ctx context.Context, ru *run, att attempt) attemptOut {
				up := tc.upstreams[att.cand.Key]
				if up == nil {
					return attemptOut{err: errors.New("no upstream for " + att.cand.Key)}
				}
				return e.relayNative(ctx, ru, att, func(context.Context) (provider.EventStream, error) { return up, nil }, deltaCodec{}, w)
			})
			if rerr != nil {
				t.Fatalf("error %+v", rerr)
			}
			if res.Target != tc.wantTarget || w.committed == nil || w.committed.Target != tc.wantTarget {
				t.Fatalf("served by %q (committed %+v), want %q", res.Target, w.committed, tc.wantTarget)
			}
			if got := strings.Join(w.events, " "); got != tc.wantEvents {
				t.Errorf("relayed %q, want %q", got, tc.wantEvents)
			}
			if tc.wantFail != (w.failed != nil) || tc.wantFail == w.done {
				t.Errorf("failed %+v done %v, want failed %v", w.failed, w.done, tc.wantFail)
			}
		})
	}
}

// TestRelayNativeSettlesFinalUsageOnly: a native Messages stream is
// charged by its final usage (message_delta); one that breaks after it
// started, before that, is charged its whole reservation, as a chat
// stream cut before its usage chunk is. message_start's counts (the
// input and one output token) must not settle it: a caller could read a
// long answer, drop the connection before the end, and pay for one token.
func TestRelayNativeSettlesFinalUsageOnly(t *testing.T) {
	ev := func(typ, data string) provider.Event { return provider.Event{Type: typ, Data: []byte(data)} }
	start := ev("message_start", `{"type":"message_start","message":{"model":"a","usage":{"input_tokens":10,"output_tokens":1}}}`)
	block := ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
	delta := ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`)
	end := ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}`)
	stop := ev("message_stop", `{"type":"message_stop"}`)
	broken := &provider.Error{Class: provider.ClassNetwork, Message: "connection reset"}
	for _, tc := range []struct {
		name     string
		up       *scriptedEvents
		min, max float64
	}{
		{"whole stream: its final usage", &scriptedEvents{events: []provider.Event{start, block, delta, end, stop}}, 2e-5, 2e-5},
		{"cut after content: the reservation", &scriptedEvents{events: []provider.Event{start, block, delta}, err: broken}, 0.19, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte("providers:\n  m: {type: mock}\nmodels:\n  m/a: {input_per_mtok: 1, output_per_mtok: 2}\nrouters:\n  r: {strategy: fallback, targets: [{model: m/a}]}\n"))
			if err != nil {
				t.Fatal(err)
			}
			e, err := New(cfg, Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(e.Close)
			r := &Request{Operation: OpMessages, ID: "t", Headers: http.Header{},
				Chat: &chat.Request{Model: "router/r", Stream: true, MaxTokens: chat.Ptr(100000), Messages: []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}}}
			res, rerr := e.serve(context.Background(), r, func(ctx context.Context, ru *run, att attempt) attemptOut {
				return e.relayNative(ctx, ru, att, func(context.Context) (provider.EventStream, error) { return tc.up, nil }, messagesCodec{}, &eventLog{})
			})
			if rerr != nil {
				t.Fatalf("error %+v", rerr)
			}
			if res.CostUSD < tc.min-1e-12 || res.CostUSD > tc.max+1e-12 {
				t.Errorf("charged %v USD, want %v..%v", res.CostUSD, tc.min, tc.max)
			}
		})
	}
}
