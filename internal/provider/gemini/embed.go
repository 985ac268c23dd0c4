package gemini

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

var _ provider.Embedder = (*Client)(nil)

// maxEmbedBatch is batchEmbedContents' limit on requests per call; a
// longer input list is sent in consecutive calls of at most this many.
const maxEmbedBatch = 100

// maxEmbedResponse caps an embeddings answer (100 vectors of 3072 floats
// are about 4 MB of JSON): a broken upstream cannot exhaust memory.
const maxEmbedResponse = 32 << 20

// embedBatch is BatchEmbedContentsRequest.
type embedBatch struct {
	Requests []embedContentRequest `json:"requests"`
}

// embedContentRequest is EmbedContentRequest. model repeats the path's
// model as a resource name ("models/..."): the API refuses another.
type embedContentRequest struct {
	Model                string  `json:"model"`
	Content              content `json:"content"`
	OutputDimensionality *int    `json:"outputDimensionality,omitempty"`
}

// embedAnswer is BatchEmbedContentsResponse: one embedding per request,
// in order. It carries no token counts.
type embedAnswer struct {
	Embeddings []struct {
		Values []float64 `json:"values"`
	} `json:"embeddings"`
	Error *apiError `json:"error,omitempty"`
}

// Embed calls models/{model}:batchEmbedContents with one request per input
// text (dimensions → outputDimensionality) and answers in OpenAI's shape:
// float arrays, or with encoding_format base64 the little-endian float32
// bytes base64-encoded, as OpenAI does. Token-array inputs cannot be sent
// (Gemini embeds text only): that is an unsupported attempt, so the loop
// tries the router's next target. Gemini reports no token counts for
// embeddings: usage is the gateway's estimate, each text at
// pricing.BytesPerToken bytes a token (at least one), as the engine
// estimates prompts.
func (c *Client) Embed(ctx context.Context, call *provider.EmbedCall) (*provider.EmbedResponse, error) {
	if call == nil || call.Request == nil {
		return nil, invalid("request", "is missing")
	}
	in, err := call.Request.Inputs()
	if err != nil {
		return nil, invalid("input", "%v", err)
	}
	if len(in.Tokens) > 0 {
		return nil, invalid("input", "Gemini embeds text only; token-id arrays cannot be sent to it")
	}
	target, err := c.endpoint(call.Model, "batchEmbedContents")
	if err != nil {
		return nil, err
	}
	resource := resourceName(call.Model)
	items := make([]provider.EmbedItem, 0, len(in.Texts))
	for start := 0; start < len(in.Texts); start += maxEmbedBatch {
		texts := in.Texts[start:min(start+maxEmbedBatch, len(in.Texts))]
		vecs, err := c.embedBatch(ctx, target, resource, texts, call.Request.Dimensions)
		if err != nil {
			return nil, err
		}
		for i, v := range vecs {
			items = append(items, provider.EmbedItem{Object: "embedding", Index: start + i, Embedding: provider.EncodeVector(v, call.Request.EncodingFormat)})
		}
	}
	data, err := json.Marshal(items)
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassBadResponse, Message: "gemini: cannot encode embeddings", Err: err}
	}
	tokens := EstimateEmbedTokens(in.Texts)
	return &provider.EmbedResponse{Object: "list", Data: data, Model: call.Model,
		Usage: provider.EmbedUsage{PromptTokens: tokens, TotalTokens: tokens}}, nil
}

// embedBatch sends one batchEmbedContents call for texts and returns its
// vectors, one per text.
func (c *Client) embedBatch(ctx context.Context, target, resource string, texts []string, dims *int) ([][]float64, error) {
	batch := embedBatch{Requests: make([]embedContentRequest, len(texts))}
	for i, t := range texts {
		batch.Requests[i] = embedContentRequest{Model: resource, Content: content{Parts: []part{{Text: t}}}, OutputDimensionality: dims}
	}
	body, err := json.Marshal(batch)
	if err != nil {
		return nil, invalid("input", "cannot encode for gemini: %v", err)
	}
	resp, key, err := c.send(ctx, target, body, false)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, c.key.InvalidateOnAuth(key, errorFromResponse(resp, key, c.now()))
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxEmbedResponse+1))
	if err != nil {
		return nil, provider.NetworkError(ctx, err)
	}
	bad := func(msg string) *provider.Error {
		return &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode, Message: "gemini: " + msg}
	}
	if len(raw) > maxEmbedResponse {
		return nil, bad("batchEmbedContents response larger than 32 MiB")
	}
	var ans embedAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, bad("cannot decode batchEmbedContents response")
	}
	if ans.Error != nil {
		return nil, fromAPIError(ans.Error, 0)
	}
	if len(ans.Embeddings) != len(texts) {
		return nil, bad("batchEmbedContents answered " + strconv.Itoa(len(ans.Embeddings)) + " embeddings for " + strconv.Itoa(len(texts)) + " inputs")
	}
	out := make([][]float64, len(texts))
	for i, e := range ans.Embeddings {
		if len(e.Values) == 0 {
			return nil, bad("batchEmbedContents answered an empty embedding")
		}
		out[i] = e.Values
	}
	return out, nil
}

// resourceName is model as the request body names it: "models/<id>", or
// a tuned model's "tunedModels/<id>" as given.
func resourceName(model string) string {
	if strings.HasPrefix(model, "tunedModels/") {
		return model
	}
	return "models/" + strings.TrimPrefix(model, "models/")
}

// EstimateEmbedTokens is the input tokens Gemini's embeddings usage is
// reported as: each text at pricing.BytesPerToken bytes a token, rounded
// up, at least one (the estimator's rate for prompt text).
func EstimateEmbedTokens(texts []string) int {
	n := 0
	for _, t := range texts {
		n += max(1, (len(t)+pricing.BytesPerToken-1)/pricing.BytesPerToken)
	}
	return n
}
