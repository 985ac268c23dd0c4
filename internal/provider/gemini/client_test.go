package gemini

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

func TestComplete(t *testing.T) {
	const created = `"created":1748779200`
	tests := []struct {
		fixture string
		want    string // the chat.Response as JSON
	}{
		{fixture: "text.json", want: `{"id":"mYt2aMv2L4-ZvdIPxrGe4QQ","object":"chat.completion",` + created + `,"model":"gemini-2.5-flash",
			"choices":[{"index":0,"message":{"role":"assistant","content":"AI learns patterns from data to make predictions or decisions."},"finish_reason":"stop"}],
			"usage":{"prompt_tokens":8,"completion_tokens":412,"total_tokens":420,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":400}}}`},
		{fixture: "thoughts.json", want: `{"id":"Y2tXaPrcBo2ZvdIP2MiA6Qo","object":"chat.completion",` + created + `,"model":"gemini-2.5-pro",
			"choices":[{"index":0,"message":{"role":"assistant","content":"2 + 2 = 4."},"finish_reason":"stop"}],
			"usage":{"prompt_tokens":9,"completion_tokens":104,"total_tokens":113,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":97}}}`},
		{fixture: "function_call.json", want: `{"id":"3Ct2aKbPEo-ZvdIPwoi2uQU","object":"chat.completion",` + created + `,"model":"gemini-3-pro-preview",
			"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
				{"id":"call_0__thought__CiQBcsjafBNq3f0kpT2ZBJo9FkK8ykXx6u5zqU/0NJ2CgQ==","type":"function","function":{"name":"get_current_weather","arguments":"{\"location\":\"Boston, MA\"}"}},
				{"id":"call_1","type":"function","function":{"name":"get_current_time","arguments":"{\"timezone\":\"America/New_York\"}"}}]},
				"finish_reason":"tool_calls"}],
			"usage":{"prompt_tokens":62,"completion_tokens":31,"total_tokens":93,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`},
		{fixture: "candidates.json", want: `{"id":"c2b7aKq5M4a8vdIP4YqS8Qw","object":"chat.completion",` + created + `,"model":"gemini-2.0-flash",
			"choices":[{"index":0,"message":{"role":"assistant","content":"The lighthouse keeper counted the ships."},"finish_reason":"stop"},
				{"index":1,"message":{"role":"assistant","content":"Once upon a time, a robot learned to paint."},"finish_reason":"length"}],
			"usage":{"prompt_tokens":10,"completion_tokens":30,"total_tokens":40,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`},
		{fixture: "logprobs.json", want: `{"id":"L1p2aOyTFY-ZvdIPlIqo8Qs","object":"chat.completion",` + created + `,"model":"gemini-2.0-flash",
			"choices":[{"index":0,"message":{"role":"assistant","content":"Paris."},"finish_reason":"stop","logprobs":{"content":[
				{"token":"Paris","logprob":-0.2,"bytes":[80,97,114,105,115],"top_logprobs":[{"token":"Paris","logprob":-0.2,"bytes":[80,97,114,105,115]},{"token":"Lyon","logprob":-1.9,"bytes":[76,121,111,110]}]},
				{"token":".","logprob":-0.02,"bytes":[46],"top_logprobs":[{"token":".","logprob":-0.02,"bytes":[46]}]}],"refusal":null}}],
			"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`},
		{fixture: "safety.json", want: `{"id":"*","object":"chat.completion",` + created + `,"model":"gemini-2.0-flash",
			"choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"content_filter"}],
			"usage":{"prompt_tokens":11,"completion_tokens":0,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`},
		{fixture: "prompt_blocked.json", want: `{"id":"*","object":"chat.completion",` + created + `,"model":"gemini-2.0-flash",
			"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"The prompt was blocked by Gemini (blockReason SAFETY)."},"finish_reason":"content_filter"}],
			"usage":{"prompt_tokens":15,"completion_tokens":0,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f := newFake(t, replyJSON(http.StatusOK, "responses/"+tt.fixture, nil))
			resp, err := newTestClient(t, f.URL, nil).Complete(context.Background(), &provider.Call{Model: "gemini-2.5-flash", Request: userRequest("hi")})
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			assertJSON(t, resp, tt.want)
			reqs := f.Requests()
			if len(reqs) != 1 || reqs[0].Model != "gemini-2.5-flash" || reqs[0].Method != "generateContent" {
				t.Errorf("upstream saw %+v, want one generateContent call for gemini-2.5-flash", reqs)
			}
		})
	}
}

// TestCompleteToolCallRoundTrip: the tool call ids Gemini's answer turns
// into come back on the next turn as the functionCall's thought signature,
// which Gemini 3 requires.
func TestCompleteToolCallRoundTrip(t *testing.T) {
	f := newFake(t, replyJSON(http.StatusOK, "responses/function_call.json", nil))
	c := newTestClient(t, f.URL, nil)
	req := userRequest("weather in Boston and time in NYC?")
	resp, err := c.Complete(context.Background(), &provider.Call{Model: "gemini-3-pro-preview", Request: req})
	if err != nil {
		t.Fatal(err)
	}
	next := req.Clone()
	next.Messages = append(next.Messages, resp.Choices[0].Message)
	for _, tc := range resp.Choices[0].Message.ToolCalls {
		next.Messages = append(next.Messages, chat.Message{Role: "tool", ToolCallID: tc.ID, Content: chat.TextContent("ok")})
	}
	if _, err := c.Complete(context.Background(), &provider.Call{Model: "gemini-3-pro-preview", Request: next}); err != nil {
		t.Fatal(err)
	}
	var body generateRequest
	if err := json.Unmarshal(f.Requests()[1].Body, &body); err != nil {
		t.Fatal(err)
	}
	model := body.Contents[1]
	if model.Role != "model" || len(model.Parts) != 2 {
		t.Fatalf("second turn = %+v, want the model's two calls", model)
	}
	if got := model.Parts[0].ThoughtSignature; got != "CiQBcsjafBNq3f0kpT2ZBJo9FkK8ykXx6u5zqU/0NJ2CgQ==" {
		t.Errorf("thought signature sent back = %q", got)
	}
	results := body.Contents[2].Parts
	if len(results) != 2 || results[0].FunctionResponse.Name != "get_current_weather" || results[1].FunctionResponse.Name != "get_current_time" {
		t.Errorf("function responses = %+v", results)
	}
}

func TestCompleteGeminiCallID(t *testing.T) {
	f := newFake(t, replyJSON(http.StatusOK, "responses/function_call_id.json", nil))
	resp, err := newTestClient(t, f.URL, nil).Complete(context.Background(), &provider.Call{Model: "gemini-2.5-flash", Request: userRequest("book it")})
	if err != nil {
		t.Fatal(err)
	}
	tc := resp.Choices[0].Message.ToolCalls
	if len(tc) != 1 || tc[0].ID != "fc_7c2b1a" {
		t.Fatalf("tool calls = %+v, want Gemini's id fc_7c2b1a", tc)
	}
	if !strings.HasPrefix(resp.ID, "chatcmpl-") {
		t.Errorf("id = %q, want a generated chatcmpl- id when responseId is absent", resp.ID)
	}
}

func TestCompleteBadResponse(t *testing.T) {
	for _, fixture := range []string{"empty.json", "truncated.json"} {
		t.Run(fixture, func(t *testing.T) {
			f := newFake(t, replyJSON(http.StatusOK, "responses/"+fixture, nil))
			_, err := newTestClient(t, f.URL, nil).Complete(context.Background(), &provider.Call{Model: "gemini-2.5-flash", Request: userRequest("hi")})
			if c := provider.ClassOf(err); c != provider.ClassBadResponse {
				t.Errorf("class = %s (%v), want bad_response", c, err)
			}
		})
	}
}

func TestRequestWire(t *testing.T) {
	tests := []struct {
		name, base, model, wantModel string
	}{
		{name: "bare model", base: "", model: "gemini-2.5-flash", wantModel: "gemini-2.5-flash"},
		{name: "models/ prefix", base: "", model: "models/gemini-2.0-flash", wantModel: "gemini-2.0-flash"},
		{name: "tuned model", base: "", model: "tunedModels/my-tune-42", wantModel: "my-tune-42"},
		{name: "base_url with version", base: "/v1beta/", model: "gemini-2.5-pro", wantModel: "gemini-2.5-pro"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, replyJSON(http.StatusOK, "responses/text.json", nil))
			c := newTestClient(t, f.URL+tt.base, map[string]string{"x-goog-user-project": "team-a"})
			if _, err := c.Complete(context.Background(), &provider.Call{Model: tt.model, Request: userRequest("hi")}); err != nil {
				t.Fatal(err)
			}
			got := f.Requests()[0]
			if got.Model != tt.wantModel {
				t.Errorf("model in path = %q, want %q", got.Model, tt.wantModel)
			}
			if got.Header.Get("x-goog-user-project") != "team-a" {
				t.Errorf("configured header not sent")
			}
		})
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, base := range []string{"generativelanguage.googleapis.com", "ftp://host", "https://host/?key=abc", "://"} {
		t.Run(base, func(t *testing.T) {
			_, err := New(config.Provider{Type: "gemini", BaseURL: base}, provider.Env{Name: "g"})
			if err == nil {
				t.Fatalf("New accepted base_url %q", base)
			}
			if strings.Contains(err.Error(), "abc") {
				t.Errorf("error repeats the query string: %v", err)
			}
		})
	}
}

func TestRegistered(t *testing.T) {
	p, err := provider.New(config.Provider{Type: "gemini"}, provider.Env{Name: "gemini"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(*Client); !ok {
		t.Errorf("provider.New(type gemini) = %T", p)
	}
}

func TestTransportFailures(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	live := newFake(t, replyJSON(http.StatusOK, "responses/text.json", nil))

	tests := []struct {
		name   string
		client func() *Client
		ctx    context.Context
		want   provider.Class
	}{
		{name: "connection refused", client: func() *Client { return newTestClient(t, deadURL, nil) }, ctx: context.Background(), want: provider.ClassNetwork},
		{name: "caller canceled", client: func() *Client { return newTestClient(t, live.URL, nil) }, ctx: canceled, want: provider.ClassCanceled},
		{name: "unresolvable key", client: func() *Client {
			p, _ := New(config.Provider{Type: "gemini", APIKey: "env:MISSING", BaseURL: live.URL}, provider.Env{Secrets: staticSecrets{}})
			return p.(*Client)
		}, ctx: context.Background(), want: provider.ClassAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, stream := range []bool{false, true} {
				var err error
				call := &provider.Call{Model: "gemini-2.5-flash", Request: userRequest("hi")}
				if stream {
					_, err = tt.client().Stream(tt.ctx, call)
				} else {
					_, err = tt.client().Complete(tt.ctx, call)
				}
				if c := provider.ClassOf(err); c != tt.want {
					t.Errorf("stream=%v: class = %s (%v), want %s", stream, c, err, tt.want)
				}
				mustNotLeakKey(t, err)
			}
		})
	}
	if n := len(live.Requests()); n != 0 {
		t.Errorf("upstream received %d requests, want none", n)
	}
}

// assertJSON compares v's JSON with want; "id":"*" in want matches any id.
func assertJSON(t *testing.T, v any, want string) {
	t.Helper()
	gotB, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var got, exp map[string]any
	if err := json.Unmarshal(gotB, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if exp["id"] == "*" {
		if id, _ := got["id"].(string); !strings.HasPrefix(id, "chatcmpl-") {
			t.Errorf("id = %q, want a chatcmpl- id", id)
		}
		exp["id"] = got["id"]
	}
	if !reflect.DeepEqual(got, exp) {
		wantB, _ := json.Marshal(exp)
		t.Errorf("got  %s\nwant %s", gotB, wantB)
	}
}
