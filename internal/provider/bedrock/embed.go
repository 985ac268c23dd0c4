package bedrock

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

var _ provider.Embedder = (*Client)(nil)

const (
	// maxConcurrentCalls bounds the InvokeModel calls one embeddings
	// request makes at once (Titan takes one text per call): enough to keep
	// latency near one call's for typical batches, few enough not to trip
	// the account's requests-per-minute quota with a single request.
	maxConcurrentCalls = 8
	// cohereBatch is the most texts Cohere Embed takes in one call.
	cohereBatch = 96
	// cohereInputType is the input_type sent to Cohere: OpenAI's API has no
	// such field, and documents are what embeddings requests mostly index.
	cohereInputType = "search_document"
)

// embedFamily is an embeddings model family's request and answer format.
type embedFamily int

const (
	familyTitan embedFamily = iota + 1
	familyCohere
)

// embedModel is what the provider knows of one embeddings model.
type embedModel struct {
	family embedFamily
	// dims are the dimensions the model can answer with, the default first.
	dims []int
	// sendDims: the body takes "dimensions" and "normalize" (Titan V2).
	sendDims bool
}

// embedModelOf recognises the supported embeddings models by id prefix
// (the part after an ARN's last '/', or a base model id).
func embedModelOf(model string) (embedModel, bool) {
	if i := strings.LastIndexByte(model, '/'); i >= 0 {
		model = model[i+1:]
	}
	switch {
	case strings.HasPrefix(model, "amazon.titan-embed-text-v2"):
		return embedModel{family: familyTitan, dims: []int{1024, 512, 256}, sendDims: true}, true
	case strings.HasPrefix(model, "amazon.titan-embed-text-v1"):
		return embedModel{family: familyTitan, dims: []int{1536}}, true
	case strings.HasPrefix(model, "cohere.embed-english-v3"), strings.HasPrefix(model, "cohere.embed-multilingual-v3"):
		return embedModel{family: familyCohere, dims: []int{1024}}, true
	}
	return embedModel{}, false
}

// Embed serves an OpenAI embeddings request with InvokeModel: Titan Text
// Embeddings one text per call (several calls, at most
// maxConcurrentCalls at once), Cohere Embed up to 96 texts per call. The
// answer is OpenAI's: one {"object":"embedding","index","embedding"} per
// input in order, float arrays as Bedrock sent them or, for
// encoding_format "base64", little-endian float32 bytes base64-encoded.
func (c *Client) Embed(ctx context.Context, call *provider.EmbedCall) (*provider.EmbedResponse, error) {
	m, dims, texts, b64, perr := embedPlan(call)
	if perr != nil {
		return nil, perr
	}
	vecs := make([]json.RawMessage, len(texts))
	tokens := make([]int, len(texts))
	// ids holds each call's x-amzn-RequestId; the first call's is the
	// answer's upstream id, whatever order the calls finished in.
	var ids []string
	var err *provider.Error
	switch m.family {
	case familyTitan:
		ids = make([]string, len(texts))
		err = fanOut(ctx, len(texts), func(ctx context.Context, i int) *provider.Error {
			var perr *provider.Error
			vecs[i], tokens[i], ids[i], perr = c.titan(ctx, call.Model, m, dims, texts[i])
			return perr
		})
	case familyCohere:
		ids = make([]string, (len(texts)+cohereBatch-1)/cohereBatch)
		err = fanOut(ctx, len(ids), func(ctx context.Context, b int) *provider.Error {
			lo, hi := b*cohereBatch, min((b+1)*cohereBatch, len(texts))
			vs, n, id, perr := c.cohere(ctx, call.Model, texts[lo:hi])
			copy(vecs[lo:hi], vs)
			tokens[lo], ids[b] = n, id
			return perr
		})
	}
	if err != nil {
		return nil, err
	}
	rid := ids[0]
	data, err := embedData(vecs, dims, b64, rid)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, n := range tokens {
		total += n
	}
	return &provider.EmbedResponse{Object: "list", Data: data, Model: call.Model,
		Usage: provider.EmbedUsage{PromptTokens: total, TotalTokens: total}, UpstreamRequestID: rid}, nil
}

// embedPlan checks what the request asks against the model before
// anything is sent: the model's family, text inputs, the encoding and the
// dimensions. What another target could serve (token-id inputs, other
// dimensions, another model) is unsupported, so the loop moves on; a
// malformed request is invalid.
func embedPlan(call *provider.EmbedCall) (m embedModel, dims int, texts []string, b64 bool, perr *provider.Error) {
	unsupported := func(param, msg string) *provider.Error {
		return &provider.Error{Class: provider.ClassUnsupported, Status: http.StatusBadRequest, Type: "invalid_request_error", Param: param, Message: msg}
	}
	m, ok := embedModelOf(call.Model)
	if !ok {
		return m, 0, nil, false, unsupported("model", "bedrock: "+call.Model+" is not an embeddings model this gateway can call "+
			"(amazon.titan-embed-text-v2, amazon.titan-embed-text-v1, cohere.embed-english-v3, cohere.embed-multilingual-v3)")
	}
	r := call.Request
	in, err := r.Inputs()
	if err != nil {
		return m, 0, nil, false, &provider.Error{Class: provider.ClassInvalidRequest, Status: http.StatusBadRequest, Type: "invalid_request_error", Param: "input", Message: err.Error()}
	}
	if len(in.Tokens) > 0 {
		return m, 0, nil, false, unsupported("input", "bedrock: "+call.Model+" takes text inputs only; token-id arrays need an OpenAI embeddings target")
	}
	switch r.EncodingFormat {
	case "", "float":
	case "base64":
		b64 = true
	default:
		return m, 0, nil, false, &provider.Error{Class: provider.ClassInvalidRequest, Status: http.StatusBadRequest, Type: "invalid_request_error",
			Param: "encoding_format", Message: fmt.Sprintf("encoding_format must be \"float\" or \"base64\", got %q", r.EncodingFormat)}
	}
	dims = m.dims[0]
	if r.Dimensions != nil {
		dims = *r.Dimensions
		if !containsInt(m.dims, dims) {
			return m, 0, nil, false, unsupported("dimensions", fmt.Sprintf("bedrock: %s answers with %s dimensions, not %d", call.Model, listInts(m.dims), dims))
		}
	}
	return m, dims, in.Texts, b64, nil
}

// fanOut runs call(ctx, i) for i in [0, n), at most maxConcurrentCalls at
// a time. The first failure cancels the calls still running or waiting and
// is returned; the cancellations it causes are not.
func fanOut(ctx context.Context, n int, call func(context.Context, int) *provider.Error) *provider.Error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first *provider.Error
	)
	sem := make(chan struct{}, maxConcurrentCalls)
	started := 0
loop:
	for ; started < n; started++ {
		i := started
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			if err := call(ctx, i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if first == nil && started < n {
		// The caller went away before every call was started.
		first = provider.NetworkError(ctx, ctx.Err())
	}
	return first
}

// invoke sends one InvokeModel call with a JSON body.
func (c *Client) invoke(ctx context.Context, model string, body any) (*bedrockruntime.InvokeModelOutput, string, *provider.Error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, "", &provider.Error{Class: provider.ClassInvalidRequest, Status: http.StatusBadRequest, Message: "encode request: " + err.Error()}
	}
	out, err := c.api.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(model), Body: b,
		ContentType: aws.String("application/json"), Accept: aws.String("application/json"),
	})
	if err != nil {
		return nil, "", classify(ctx, err)
	}
	rid, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	return out, rid, nil
}

// titan embeds one text with Titan Text Embeddings.
func (c *Client) titan(ctx context.Context, model string, m embedModel, dims int, text string) (json.RawMessage, int, string, *provider.Error) {
	body := map[string]any{"inputText": text}
	if m.sendDims {
		body["dimensions"], body["normalize"] = dims, true
	}
	out, rid, perr := c.invoke(ctx, model, body)
	if perr != nil {
		return nil, 0, "", perr
	}
	var ans struct {
		Embedding json.RawMessage `json:"embedding"`
		Tokens    *int            `json:"inputTextTokenCount"`
	}
	if err := json.Unmarshal(out.Body, &ans); err != nil || len(ans.Embedding) == 0 {
		return nil, 0, rid, badEmbedding(rid, "Titan answer has no embedding")
	}
	n, _ := headerInt(out.ResultMetadata, "X-Amzn-Bedrock-Input-Token-Count")
	if ans.Tokens != nil {
		n = *ans.Tokens
	}
	return ans.Embedding, n, rid, nil
}

// cohere embeds up to 96 texts with Cohere Embed; its input token count
// is in Bedrock's X-Amzn-Bedrock-Input-Token-Count header.
func (c *Client) cohere(ctx context.Context, model string, texts []string) ([]json.RawMessage, int, string, *provider.Error) {
	body := map[string]any{"texts": texts, "input_type": cohereInputType, "embedding_types": []string{"float"}}
	out, rid, perr := c.invoke(ctx, model, body)
	if perr != nil {
		return nil, 0, "", perr
	}
	var ans struct {
		Embeddings json.RawMessage `json:"embeddings"`
	}
	if err := json.Unmarshal(out.Body, &ans); err != nil {
		return nil, 0, rid, badEmbedding(rid, "Cohere answer is not JSON")
	}
	// embedding_types asks for {"float": [[...]]}; the older answer shape
	// without it is a bare array of arrays.
	var vecs []json.RawMessage
	var byType struct {
		Float []json.RawMessage `json:"float"`
	}
	if json.Unmarshal(ans.Embeddings, &vecs) != nil {
		if json.Unmarshal(ans.Embeddings, &byType) != nil {
			return nil, 0, rid, badEmbedding(rid, "Cohere answer's embeddings are unreadable")
		}
		vecs = byType.Float
	}
	if len(vecs) != len(texts) {
		return nil, 0, rid, badEmbedding(rid, fmt.Sprintf("Cohere answered %d embeddings for %d texts", len(vecs), len(texts)))
	}
	n, _ := headerInt(out.ResultMetadata, "X-Amzn-Bedrock-Input-Token-Count")
	return vecs, n, rid, nil
}

// embedData is the OpenAI data array: each vector checked to be dims
// numbers, relayed as received or as base64 float32.
func embedData(vecs []json.RawMessage, dims int, b64 bool, rid string) (json.RawMessage, *provider.Error) {
	items := make([]provider.EmbedItem, len(vecs))
	for i, raw := range vecs {
		var fs []float64
		if err := json.Unmarshal(raw, &fs); err != nil {
			return nil, badEmbedding(rid, fmt.Sprintf("embedding %d is not an array of numbers", i))
		}
		if len(fs) != dims {
			return nil, badEmbedding(rid, fmt.Sprintf("embedding %d has %d dimensions, want %d", i, len(fs), dims))
		}
		items[i] = provider.EmbedItem{Object: "embedding", Index: i, Embedding: raw}
		if b64 {
			items[i].Embedding = provider.Float32Base64(fs)
		}
	}
	b, err := json.Marshal(items)
	if err != nil {
		return nil, badEmbedding(rid, "cannot encode the embeddings: "+err.Error())
	}
	return b, nil
}

func badEmbedding(rid, msg string) *provider.Error {
	return &provider.Error{Class: provider.ClassBadResponse, Status: http.StatusOK, RequestID: rid, Message: "bedrock: " + msg}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// listInts writes 1024, 512 or 256.
func listInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}
