package bedrock

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

const (
	titanV2 = "amazon.titan-embed-text-v2:0"
	titanV1 = "amazon.titan-embed-text-v1"
	cohereE = "cohere.embed-english-v3"
	cohereM = "cohere.embed-multilingual-v3"
)

func embedCall(model, input string, dims *int, format string) *provider.EmbedCall {
	return &provider.EmbedCall{Model: model, RequestID: "req-1",
		Request: &provider.EmbedRequest{Model: "bedrock/" + model, Input: json.RawMessage(input), Dimensions: dims, EncodingFormat: format}}
}

type embedItem struct {
	Object    string          `json:"object"`
	Index     int             `json:"index"`
	Embedding json.RawMessage `json:"embedding"`
}

// vectorOf reads one answer item as float32s, from a float array or base64.
func vectorOf(t *testing.T, it embedItem, b64 bool) []float32 {
	t.Helper()
	if b64 {
		var s string
		if err := json.Unmarshal(it.Embedding, &s); err != nil {
			t.Fatalf("embedding %d is not a base64 string: %s", it.Index, it.Embedding)
		}
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw)%4 != 0 {
			t.Fatalf("embedding %d: bad base64 (%v)", it.Index, err)
		}
		v := make([]float32, len(raw)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return v
	}
	var fs []float64
	if err := json.Unmarshal(it.Embedding, &fs); err != nil {
		t.Fatalf("embedding %d is not a float array: %s", it.Index, it.Embedding)
	}
	v := make([]float32, len(fs))
	for i, f := range fs {
		v[i] = float32(f)
	}
	return v
}

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("document number %d", i)
	}
	return out
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestEmbed: each model family answers in OpenAI's shape, one vector per
// input in input order, of the requested size, equal to what Bedrock
// computed for that text (as floats or base64 float32), with the input
// tokens Bedrock counted; Titan takes one call per text, Cohere up to 96
// texts per call.
func TestEmbed(t *testing.T) {
	d256, d1024 := 256, 1024
	tests := []struct {
		name      string
		model     string
		inputs    []string
		dims      *int
		format    string
		wantDims  int
		wantCalls int
		normalize bool
	}{
		{"titan v2 one string", titanV2, []string{"The capital of Italy is Rome."}, nil, "", 1024, 1, true},
		{"titan v2 several, 256 dims, base64", titanV2, texts(11), &d256, "base64", 256, 11, true},
		{"titan v1", titanV1, texts(2), nil, "float", 1536, 2, false},
		{"cohere one batch", cohereE, texts(3), &d1024, "", 1024, 1, true},
		{"cohere 200 texts in three batches, base64", cohereM, texts(200), nil, "base64", 1024, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c := newTestClient(t, f, provider.Env{})
			input := jsonOf(tt.inputs)
			if len(tt.inputs) == 1 {
				input = jsonOf(tt.inputs[0])
			}
			resp, err := c.Embed(context.Background(), embedCall(tt.model, input, tt.dims, tt.format))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(f.Requests()); got != tt.wantCalls {
				t.Errorf("%d InvokeModel calls, want %d", got, tt.wantCalls)
			}
			var items []embedItem
			if err := json.Unmarshal(resp.Data, &items); err != nil {
				t.Fatal(err)
			}
			if len(items) != len(tt.inputs) {
				t.Fatalf("%d embeddings for %d inputs", len(items), len(tt.inputs))
			}
			wantTokens := 0
			for i, it := range items {
				if it.Object != "embedding" || it.Index != i {
					t.Errorf("item %d: object %q index %d", i, it.Object, it.Index)
				}
				got := vectorOf(t, it, tt.format == "base64")
				for j, w := range bedrockfake.Vector(tt.inputs[i], tt.wantDims, tt.normalize) {
					if j >= len(got) || got[j] != float32(w) {
						t.Fatalf("item %d is not the vector of input %d (dims %d, want %d)", i, i, len(got), tt.wantDims)
					}
				}
				wantTokens += bedrockfake.Tokens(tt.inputs[i])
			}
			if resp.Object != "list" || resp.Model != tt.model || resp.UpstreamRequestID != fakeRequestID {
				t.Errorf("object %q model %q request id %q", resp.Object, resp.Model, resp.UpstreamRequestID)
			}
			if resp.Usage.PromptTokens != wantTokens || resp.Usage.TotalTokens != wantTokens {
				t.Errorf("usage %+v, want %d prompt and total tokens", resp.Usage, wantTokens)
			}
		})
	}
}

// TestEmbedBodies: what each family is sent.
func TestEmbedBodies(t *testing.T) {
	d512 := 512
	t.Run("titan v2", func(t *testing.T) {
		f := newFake(t)
		c := newTestClient(t, f, provider.Env{})
		if _, err := c.Embed(context.Background(), embedCall(titanV2, `"hello world"`, &d512, "")); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"inputText": "hello world", "dimensions": float64(512), "normalize": true}
		if got := sentBody(t, f); !reflect.DeepEqual(got, want) {
			t.Errorf("sent %v, want %v", got, want)
		}
	})
	t.Run("cohere", func(t *testing.T) {
		f := newFake(t)
		c := newTestClient(t, f, provider.Env{})
		if _, err := c.Embed(context.Background(), embedCall(cohereE, `["a b","c"]`, nil, "")); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"texts": []any{"a b", "c"}, "input_type": "search_document", "embedding_types": []any{"float"}}
		if got := sentBody(t, f); !reflect.DeepEqual(got, want) {
			t.Errorf("sent %v, want %v", got, want)
		}
	})
	t.Run("cohere batches keep order", func(t *testing.T) {
		f := newFake(t)
		c := newTestClient(t, f, provider.Env{})
		in := texts(97)
		if _, err := c.Embed(context.Background(), embedCall(cohereE, jsonOf(in), nil, "")); err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for _, r := range f.Requests() {
			var b struct{ Texts []string }
			_ = json.Unmarshal(r.Body, &b)
			sizes = append(sizes, len(b.Texts))
		}
		sort.Ints(sizes)
		if !reflect.DeepEqual(sizes, []int{1, 96}) {
			t.Errorf("batch sizes %v, want 96 and 1", sizes)
		}
	})
}

// TestEmbedErrors: each failure with its class, and whether anything was
// sent upstream.
func TestEmbedErrors(t *testing.T) {
	d1536, d512 := 1536, 512
	tests := []struct {
		name      string
		call      *provider.EmbedCall
		reply     bedrockfake.Reply
		want      provider.Class
		wantSent  bool
		wantParam string
	}{
		{"token ids", embedCall(titanV2, `[1,2,3]`, nil, ""), bedrockfake.Reply{}, provider.ClassUnsupported, false, "input"},
		{"arrays of token ids", embedCall(cohereE, `[[1,2],[3]]`, nil, ""), bedrockfake.Reply{}, provider.ClassUnsupported, false, "input"},
		{"titan v2 with 1536 dims", embedCall(titanV2, `"x"`, &d1536, ""), bedrockfake.Reply{}, provider.ClassUnsupported, false, "dimensions"},
		{"cohere with 512 dims", embedCall(cohereE, `"x"`, &d512, ""), bedrockfake.Reply{}, provider.ClassUnsupported, false, "dimensions"},
		{"titan v1 with 512 dims", embedCall(titanV1, `"x"`, &d512, ""), bedrockfake.Reply{}, provider.ClassUnsupported, false, "dimensions"},
		{"not an embeddings model", embedCall("amazon.nova-pro-v1:0", `"x"`, nil, ""), bedrockfake.Reply{}, provider.ClassUnsupported, false, "model"},
		{"unknown encoding", embedCall(titanV2, `"x"`, nil, "int8"), bedrockfake.Reply{}, provider.ClassInvalidRequest, false, "encoding_format"},
		{"empty input", embedCall(titanV2, `[]`, nil, ""), bedrockfake.Reply{}, provider.ClassInvalidRequest, false, "input"},
		{"throttled", embedCall(titanV2, `"x"`, nil, ""), bedrockfake.Throttled(), provider.ClassRateLimit, true, ""},
		{"cohere validation", embedCall(cohereE, `"x"`, nil, ""), apiError(400, "ValidationException", "Malformed input request: texts too long", nil), provider.ClassInvalidRequest, true, ""},
		{"titan answer without embedding", embedCall(titanV2, `"x"`, nil, ""), bedrockfake.Reply{File: "invoke/not_a_message.json"}, provider.ClassBadResponse, true, ""},
		{"cohere answer without embeddings", embedCall(cohereE, `"x"`, nil, ""), bedrockfake.Reply{File: "invoke/claude_text.json"}, provider.ClassBadResponse, true, ""},
		{"cut", embedCall(titanV2, `"x"`, nil, ""), bedrockfake.Reply{File: "invoke/claude_text.json", Cut: true}, provider.ClassNetwork, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.SetReply(tt.reply)
			c := newTestClient(t, f, provider.Env{})
			_, err := c.Embed(context.Background(), tt.call)
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Class != tt.want {
				t.Fatalf("err = %v, want class %s", err, tt.want)
			}
			if sent := len(f.Requests()) > 0; sent != tt.wantSent {
				t.Errorf("sent upstream = %v, want %v", sent, tt.wantSent)
			}
			if pe.Param != tt.wantParam {
				t.Errorf("param %q, want %q", pe.Param, tt.wantParam)
			}
			if !tt.wantSent && pe.Status != 400 {
				t.Errorf("status %d, want 400 for a request refused before sending", pe.Status)
			}
		})
	}
}

// TestEmbedWrongSize: a vector of another size than asked is a bad
// response, not a silent mix of vector spaces.
func TestEmbedWrongSize(t *testing.T) {
	vecs := []json.RawMessage{json.RawMessage(`[0.1,0.2]`)}
	_, err := embedData(vecs, 3, false, "rid")
	if err == nil || err.Class != provider.ClassBadResponse {
		t.Fatalf("err = %v, want %s", err, provider.ClassBadResponse)
	}
}

// TestEmbedOneFailureFailsAll: Titan's calls run concurrently, but one
// throttled text fails the request with that class (not a cancellation
// of its siblings), and the calls never exceed maxConcurrentCalls at once.
func TestEmbedOneFailureFailsAll(t *testing.T) {
	f := newFake(t)
	c := newTestClient(t, f, provider.Env{})
	// The model's 5th call is throttled; the others get the default.
	f.Script(titanV2, bedrockfake.Reply{}, bedrockfake.Reply{}, bedrockfake.Reply{}, bedrockfake.Reply{}, bedrockfake.Throttled())
	_, err := c.Embed(context.Background(), embedCall(titanV2, jsonOf(texts(20)), nil, ""))
	if provider.ClassOf(err) != provider.ClassRateLimit {
		t.Fatalf("err = %v, want %s", err, provider.ClassRateLimit)
	}
}

func TestFanOutBound(t *testing.T) {
	var mu sync.Mutex
	running, peak := 0, 0
	release := make(chan struct{})
	started := make(chan struct{}, 100)
	done := make(chan *provider.Error)
	go func() {
		done <- fanOut(context.Background(), 30, func(ctx context.Context, i int) *provider.Error {
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			started <- struct{}{}
			<-release
			mu.Lock()
			running--
			mu.Unlock()
			return nil
		})
	}()
	for i := 0; i < maxConcurrentCalls; i++ {
		<-started
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if peak != maxConcurrentCalls {
		t.Errorf("peak concurrency %d, want %d", peak, maxConcurrentCalls)
	}
}

func TestFanOutCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Every call honours its context, as the SDK's do.
	err := fanOut(ctx, 50, func(ctx context.Context, i int) *provider.Error {
		if ctx.Err() != nil {
			return provider.NetworkError(ctx, ctx.Err())
		}
		return nil
	})
	if provider.ClassOf(err) != provider.ClassCanceled {
		t.Errorf("err = %v after the caller went away, want %s", err, provider.ClassCanceled)
	}
}
