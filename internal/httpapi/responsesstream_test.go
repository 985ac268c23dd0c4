package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// streamEvents runs a streamed request and returns its events' types,
// checking that sequence numbers count from 0 one by one.
func streamEvents(t *testing.T, client *openai.Client, params responses.ResponseNewParams, opts ...option.RequestOption) ([]responses.ResponseStreamEventUnion, error) {
	t.Helper()
	s := client.Responses.NewStreaming(context.Background(), params, opts...)
	defer s.Close()
	var evs []responses.ResponseStreamEventUnion
	for s.Next() {
		ev := s.Current()
		if ev.SequenceNumber != int64(len(evs)) {
			t.Errorf("event %d (%s) has sequence_number %d", len(evs), ev.Type, ev.SequenceNumber)
		}
		evs = append(evs, ev)
	}
	return evs, s.Err()
}

func types(evs []responses.ResponseStreamEventUnion) string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return strings.Join(out, " ")
}

// TestResponsesSDKStreamTranslatedText: a chat stream re-encoded as the
// Responses API's events, in OpenAI's order, numbered from 0; the text
// deltas add up to the answer and response.completed carries the usage.
func TestResponsesSDKStreamTranslatedText(t *testing.T) {
	g := newRespGateway(t)
	var raw *http.Response
	evs, err := streamEvents(t, g.client(), responses.ResponseNewParams{
		Model: "compat/m1", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Hello!")},
	}, option.WithResponseInto(&raw))
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	deltas := strings.Count(types(evs), "response.output_text.delta")
	want := "response.created response.in_progress response.output_item.added response.content_part.added " +
		strings.Repeat("response.output_text.delta ", deltas) +
		"response.output_text.done response.content_part.done response.output_item.done response.completed"
	if types(evs) != want || deltas == 0 {
		t.Fatalf("events:\n%s\nwant:\n%s", types(evs), want)
	}
	var text strings.Builder
	for _, ev := range evs {
		if ev.Type == "response.output_text.delta" {
			text.WriteString(ev.Delta)
		}
	}
	done := evs[len(evs)-1].AsResponseCompleted().Response
	if text.String() != done.OutputText() || text.String() == "" || done.Usage.TotalTokens == 0 || done.Status != "completed" {
		t.Errorf("text %q, completed %s", text.String(), done.RawJSON())
	}
	if raw.Header.Get("Content-Type") != "text/event-stream" || raw.Header.Get("x-switchyard-target") != "compat/m1" {
		t.Errorf("headers = %v", raw.Header)
	}
	if up := g.lastOpenAI(t); up["stream"] != true {
		t.Errorf("upstream was not streamed: %v", up)
	}
}

// TestResponsesSDKStreamTranslatedFunctionCall: streamed tool calls
// become function_call items with argument deltas.
func TestResponsesSDKStreamTranslatedFunctionCall(t *testing.T) {
	g := newRespGateway(t)
	g.oai.Script("m1", openaifake.Fault{Kind: openaifake.Tools})
	evs, err := streamEvents(t, g.client(), responses.ResponseNewParams{
		Model: "compat/m1", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Weather?")},
		Tools: []responses.ToolUnionParam{weatherTool()},
	})
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	ty := types(evs)
	for _, want := range []string{"response.output_item.added", "response.function_call_arguments.delta",
		"response.function_call_arguments.done", "response.output_item.done"} {
		if !strings.Contains(ty, want) {
			t.Fatalf("no %s in %s", want, ty)
		}
	}
	var args strings.Builder
	var doneArgs string
	for _, ev := range evs {
		switch ev.Type {
		case "response.function_call_arguments.delta":
			args.WriteString(ev.Delta)
		case "response.function_call_arguments.done":
			doneArgs = ev.Arguments
		}
	}
	final := evs[len(evs)-1].AsResponseCompleted().Response
	var call responses.ResponseOutputItemUnion
	for _, it := range final.Output {
		if it.Type == "function_call" {
			call = it
		}
	}
	if args.String() != doneArgs || doneArgs == "" || call.Arguments.OfString != doneArgs || call.CallID == "" || call.Name == "" {
		t.Errorf("deltas %q, done %q, final item %s", args.String(), doneArgs, call.RawJSON())
	}
}

// TestResponsesSDKStreamNative: a native target's events are relayed as
// received, in its order and numbering.
func TestResponsesSDKStreamNative(t *testing.T) {
	tests := []struct {
		name  string
		fault openaifake.Fault
		want  string
	}{
		{"text", openaifake.Fault{}, "response.created response.in_progress response.output_item.added response.content_part.added " +
			"response.output_text.delta response.output_text.delta response.output_text.delta response.output_text.delta " +
			"response.output_text.done response.content_part.done response.output_item.done response.completed"},
		{"function call", openaifake.Fault{Kind: openaifake.Tools}, "response.created response.in_progress response.output_item.added " +
			"response.function_call_arguments.delta response.function_call_arguments.delta response.function_call_arguments.delta " +
			"response.function_call_arguments.done response.output_item.done response.completed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newRespGateway(t)
			g.oai.Script("gpt-4.1", tc.fault)
			evs, err := streamEvents(t, g.client(), responses.ResponseNewParams{
				Model: "oa/gpt-4.1", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Hi")},
			})
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			if types(evs) != tc.want {
				t.Fatalf("events:\n%s\nwant:\n%s", types(evs), tc.want)
			}
			if u := evs[len(evs)-1].AsResponseCompleted().Response.Usage; u.TotalTokens == 0 {
				t.Errorf("usage not relayed: %+v", u)
			}
		})
	}
}

// TestResponsesFallback: a failing target falls back to a translated one,
// streamed or not: native OpenAI (503) to Anthropic, OpenAI-compatible
// (503) to Anthropic. Nothing of the failed attempt reaches the caller.
func TestResponsesFallback(t *testing.T) {
	for _, router := range []string{"native_first", "compat_first"} {
		for _, stream := range []bool{false, true} {
			t.Run(router+map[bool]string{false: "", true: "/stream"}[stream], func(t *testing.T) {
				g := newRespGateway(t)
				g.oai.Script("gpt-4.1", openaifake.Fault{Kind: openaifake.Status, Status: 503})
				g.oai.Script("m1", openaifake.Fault{Kind: openaifake.Status, Status: 503})
				params := responses.ResponseNewParams{Model: "router/" + router,
					Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Hi")}}
				var raw *http.Response
				var text string
				if stream {
					evs, err := streamEvents(t, g.client(), params, option.WithResponseInto(&raw))
					if err != nil {
						t.Fatalf("stream: %v", err)
					}
					if evs[0].Type != "response.created" || evs[len(evs)-1].Type != "response.completed" {
						t.Fatalf("events: %s", types(evs))
					}
					text = evs[len(evs)-1].AsResponseCompleted().Response.OutputText()
				} else {
					resp, err := g.client().Responses.New(context.Background(), params, option.WithResponseInto(&raw))
					if err != nil {
						t.Fatalf("call: %v", err)
					}
					text = resp.OutputText()
				}
				if text != "Hello!" {
					t.Errorf("text = %q, want Anthropic's", text)
				}
				h := raw.Header
				if h.Get("x-switchyard-target") != "ant/claude-haiku-4-5" || h.Get("x-switchyard-fallback") != "true" || h.Get("x-switchyard-attempts") != "2" {
					t.Errorf("headers = %v", h)
				}
			})
		}
	}
}

// TestResponsesFailureAfterCommit: an upstream that breaks after the
// first content ends the caller's stream with an error event, then
// response.failed carrying the error; no response.completed. Translated
// (chat stream cut) and native (an error event) alike.
func TestResponsesFailureAfterCommit(t *testing.T) {
	tests := []struct {
		name, model, upstream string
		fault                 openaifake.Fault
	}{
		{"translated", "compat/m1", "m1", openaifake.Fault{Kind: openaifake.CutStream, After: 3}},
		{"native", "oa/gpt-4.1", "gpt-4.1", openaifake.Fault{Kind: openaifake.ErrorEvent, After: 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newRespGateway(t)
			g.oai.Script(tc.upstream, tc.fault)
			evs, err := streamEvents(t, g.client(), responses.ResponseNewParams{
				Model: tc.model, Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Hi")},
			})
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			n := len(evs)
			if n < 3 || !strings.Contains(types(evs), "response.output_text.delta") || strings.Contains(types(evs), "response.completed") {
				t.Fatalf("events: %s", types(evs))
			}
			if evs[n-2].Type != "error" || evs[n-1].Type != "response.failed" {
				t.Fatalf("stream does not end with error, response.failed: %s", types(evs))
			}
			failed := evs[n-1].AsResponseFailed().Response
			if failed.Status != "failed" || failed.Error.Message == "" || evs[n-2].AsError().Message == "" {
				t.Errorf("failed response = %s", failed.RawJSON())
			}
		})
	}
}

// TestResponsesNativeStreamPriced: a native stream is priced from the
// usage of its response.completed (37 in, 11 out at 2 and 8 USD per
// million: 0.000162), not charged its worst case; a native answer's cost
// header likewise (36 in, 87 out: 0.000768).
func TestResponsesNativeStreamPriced(t *testing.T) {
	g := newRespGateway(t)
	params := responses.ResponseNewParams{Model: "router/native_first",
		Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Hi")}}
	if _, err := streamEvents(t, g.client(), params); err != nil {
		t.Fatalf("stream: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPost, g.srv.URL+"/v1/routing/explain", strings.NewReader(`{"model":"router/native_first","input":"Hi"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(plan), `"spent_usd": 0.000162`) {
		t.Errorf("spend after the stream is not its usage's price: %s", plan)
	}
	var raw *http.Response
	if _, err := g.client().Responses.New(context.Background(), params, option.WithResponseInto(&raw)); err != nil {
		t.Fatal(err)
	}
	if got := raw.Header.Get("x-switchyard-cost-usd"); got != "0.000768" {
		t.Errorf("x-switchyard-cost-usd = %s, want 0.000768", got)
	}
}
