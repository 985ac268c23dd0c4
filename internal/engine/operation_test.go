package engine_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/condition"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/trace"
	"github.com/switchyard-llm/switchyard/internal/tracestore"
)

// operationConfig sends embeddings to one branch of a conditional router
// and everything else to the default.
const operationConfig = `
providers:
  m: {type: mock, reply: "Once upon a time."}
  e: {type: mock}
models:
  e/vec: {input_per_mtok: 1, output_per_mtok: 0, dimensions: 2}
routers:
  any:
    strategy: conditional
    routes:
      - {name: vectors, when: {request.operation: embeddings}, targets: [e/vec]}
      - {name: anthropic-clients, when: {request.operation: {$in: [messages, responses]}}, targets: [m/native]}
    default: [m/chat]
`

// vecProvider embeds every input as [1, 2] and answers chat too.
type vecProvider struct{ noopChat }

func (vecProvider) Embed(_ context.Context, call *provider.EmbedCall) (*provider.EmbedResponse, error) {
	return &provider.EmbedResponse{Object: "list", Model: call.Model, Data: json.RawMessage(`[{"object":"embedding","index":0,"embedding":[1,2]}]`),
		Usage: provider.EmbedUsage{PromptTokens: 3, TotalTokens: 3}}, nil
}

type noopChat struct{}

func (noopChat) Complete(context.Context, *provider.Call) (*chat.Response, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no chat here"}
}

func (noopChat) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no chat here"}
}

// opSinks collects what the engine reports per request.
type opSinks struct {
	traces *tracestore.Store
	spans  *trace.Recorder
	ops    []string // MetricSink.Request's operation, in order
}

func (s *opSinks) Sample(store.Sample) {}
func (s *opSinks) Cooldown(string)     {}
func (s *opSinks) Request(_, op string, _ int, _ time.Duration, _ bool) {
	s.ops = append(s.ops, op)
}

func operationEngine(t *testing.T) (*engine.Engine, *opSinks) {
	t.Helper()
	cfg, err := config.Parse([]byte(operationConfig))
	if err != nil {
		t.Fatal(err)
	}
	s := &opSinks{traces: tracestore.New(0), spans: &trace.Recorder{}}
	mock, err := provider.New(cfg.Providers["m"], provider.Env{Name: "m"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(cfg, engine.Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 7,
		Tracer: s.spans, Traces: s.traces, Metrics: s, Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
		Providers: map[string]provider.Provider{"e": vecProvider{}, "m": mock}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e, s
}

// TestConditionalRoutesByOperation: one router serves every API; its
// request.operation route sends embeddings to the embedding model and
// Messages/Responses requests to theirs, chat to the default, and each
// request's metrics, trace record and spans carry its operation.
func TestConditionalRoutesByOperation(t *testing.T) {
	e, s := operationEngine(t)
	ctx := context.Background()

	emb := &engine.Request{ID: "e1", Headers: http.Header{}, TraceID: "trace-embeddings",
		Embed: &provider.EmbedRequest{Model: "router/any", Input: json.RawMessage(`"hello"`)}}
	res, err := e.Embed(ctx, emb)
	if err != nil {
		t.Fatalf("embeddings: %v", err)
	}
	if res.Target != "e/vec" || res.Arm != "vectors" {
		t.Errorf("embeddings served by %s (arm %q), want e/vec by the vectors route", res.Target, res.Arm)
	}

	chatReq := req("router/any", "", 10)
	chatReq.TraceID = "trace-chat"
	res, err = e.Complete(ctx, chatReq)
	if err != nil {
		t.Fatalf("chat: %v", err)
	}
	if res.Target != "m/chat" {
		t.Errorf("chat served by %s, want the default m/chat", res.Target)
	}

	msgs := req("router/any", "", 10)
	msgs.Operation, msgs.TraceID = engine.OpMessages, "trace-messages"
	res, err = e.Complete(ctx, msgs)
	if err != nil {
		t.Fatalf("messages: %v", err)
	}
	if res.Target != "m/native" {
		t.Errorf("a Messages request served by %s, want m/native", res.Target)
	}

	if want := []string{"embeddings", "chat", "messages"}; !slices.Equal(s.ops, want) {
		t.Errorf("metric operations %v, want %v", s.ops, want)
	}
	for _, op := range []string{"embeddings", "chat", "messages"} {
		recs := s.traces.List(tracestore.Filter{Operation: op}, 10)
		if len(recs) != 1 || recs[0].Operation != op {
			t.Errorf("traces of operation %s: %d records", op, len(recs))
		}
	}
	var embedSpans int
	for _, sp := range s.spans.Spans() {
		if sp.Annotations["operation"] == nil {
			t.Errorf("span %s has no operation annotation", sp.Name)
		}
		if sp.Annotations["operation"] == "embeddings" {
			embedSpans++
		}
	}
	if embedSpans != 2 {
		t.Errorf("%d spans annotated embeddings, want the routing span and its attempt", embedSpans)
	}
}

// TestOperationsMatchConditions: the engine's operations are the values
// the condition compiler accepts for request.operation.
func TestOperationsMatchConditions(t *testing.T) {
	if !slices.Equal(engine.Operations, condition.Operations) {
		t.Errorf("engine.Operations %v, condition.Operations %v", engine.Operations, condition.Operations)
	}
	if got := (&engine.Request{}).Op(); got != engine.OpChat {
		t.Errorf("an empty Operation is %q, want chat", got)
	}
}
