package openai

import (
	"encoding/json"

	"context"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

var _ provider.Embedder = (*Client)(nil)

// Embed sends POST {base}/embeddings and relays the answer's data.
func (c *Client) Embed(ctx context.Context, call *provider.EmbedCall) (*provider.EmbedResponse, error) {
	r := *call.Request
	r.Model = call.Model
	body, err := json.Marshal(&r)
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: 400, Message: "encode request: " + err.Error()}
	}
	resp, err := c.post(ctx, "/embeddings", body, call.RequestID, false)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, rid, err := readAnswer(ctx, resp)
	if err != nil {
		return nil, err
	}
	var out provider.EmbedResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode,
			Message: "upstream returned malformed embeddings JSON", RequestID: rid}
	}
	if !nonEmptyArray(out.Data) {
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode,
			Message: "upstream embeddings response has no data", RequestID: rid}
	}
	out.Object = "list"
	out.UpstreamRequestID = rid
	return &out, nil
}
