package provider

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Embedder is a provider that can embed text (POST /v1/embeddings). It is
// a capability checked by type assertion: a target whose provider is not
// an Embedder fails its attempt as unsupported, and the loop moves on.
type Embedder interface {
	// Embed sends one embeddings request. Errors are *Error.
	Embed(ctx context.Context, call *EmbedCall) (*EmbedResponse, error)
}

// EmbedRequest is an OpenAI embeddings request body.
type EmbedRequest struct {
	Model string `json:"model"`
	// Input is a string, an array of strings, an array of token ids or an
	// array of such arrays, kept as received (Inputs reads it).
	Input          json.RawMessage `json:"input"`
	Dimensions     *int            `json:"dimensions,omitempty"`
	EncodingFormat string          `json:"encoding_format,omitempty"`
	User           string          `json:"user,omitempty"`
}

// MaxEmbedInputs bounds the inputs of one embeddings request (OpenAI's
// limit: 2,048).
const MaxEmbedInputs = 2048

// EmbedInputs is an embeddings input read into its two forms: texts, or
// token arrays (one per input).
type EmbedInputs struct {
	Texts  []string
	Tokens [][]int
}

// Len is the number of inputs (one vector each).
func (in EmbedInputs) Len() int { return len(in.Texts) + len(in.Tokens) }

// Inputs reads r.Input in the four shapes OpenAI accepts. An empty input,
// an empty string or token array, or another shape is an error that says
// which.
func (r *EmbedRequest) Inputs() (EmbedInputs, error) {
	var in EmbedInputs
	raw := r.Input
	if len(raw) == 0 || string(raw) == "null" {
		return in, errors.New("input is required")
	}
	var (
		s   string
		ss  []string
		ts  []int
		tss [][]int
	)
	switch {
	case json.Unmarshal(raw, &s) == nil:
		in.Texts = []string{s}
	case json.Unmarshal(raw, &ss) == nil:
		in.Texts = ss
	case json.Unmarshal(raw, &ts) == nil:
		in.Tokens = [][]int{ts}
	case json.Unmarshal(raw, &tss) == nil:
		in.Tokens = tss
	default:
		return in, errors.New("input must be a string, an array of strings, an array of token ids or an array of token id arrays")
	}
	if in.Len() == 0 {
		return in, errors.New("input must not be empty")
	}
	if n := in.Len(); n > MaxEmbedInputs {
		// OpenAI's own limit. Providers that embed one text per call
		// (Bedrock Titan) fan out per input: without a bound a 10 MiB body
		// of short strings is millions of upstream calls.
		return in, fmt.Errorf("input has %d items; at most %d are allowed per request", n, MaxEmbedInputs)
	}
	for i, t := range in.Texts {
		if t == "" {
			return in, fmt.Errorf("input[%d] must not be an empty string", i)
		}
	}
	for i, t := range in.Tokens {
		if len(t) == 0 {
			return in, fmt.Errorf("input[%d] must not be an empty token array", i)
		}
	}
	return in, nil
}

// EmbedCall is one embeddings attempt's input.
type EmbedCall struct {
	// Model is the upstream model id (the part after "provider/").
	Model string
	// Request is the caller's request; providers must not modify it.
	Request *EmbedRequest
	// RequestID is the gateway's request id.
	RequestID string
}

// EmbedResponse is an OpenAI embeddings answer.
type EmbedResponse struct {
	Object string `json:"object"`
	// Data is the embeddings list as the upstream (or the translating
	// adapter) wrote it: float arrays or base64 strings, relayed as is.
	Data  json.RawMessage `json:"data"`
	Model string          `json:"model"`
	Usage EmbedUsage      `json:"usage"`
	// UpstreamRequestID is the upstream's id for the request, if any.
	UpstreamRequestID string `json:"-"`
}

// EmbedUsage is an embeddings answer's token count.
type EmbedUsage struct {
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

// EmbedItem is one entry of OpenAI's embeddings data, for providers that
// build the data array themselves (those whose API is not OpenAI's).
type EmbedItem struct {
	Object    string `json:"object"` // "embedding"
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"` // the floats, or a base64 string (EncodeVector)
}

// EncodeVector is v as OpenAI's embedding field for encoding_format
// format: the floats, or for "base64" their little-endian float32 bytes
// in standard base64, as OpenAI sends them.
func EncodeVector(v []float64, format string) any {
	if format != "base64" {
		return v
	}
	return Float32Base64(v)
}

// Float32Base64 is OpenAI's base64 encoding of a vector: its values as
// little-endian float32, base64 (standard alphabet, padded).
func Float32Base64(v []float64) string {
	buf := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(f)))
	}
	return base64.StdEncoding.EncodeToString(buf)
}
