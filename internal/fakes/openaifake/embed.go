package openaifake

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
)

// DefaultDimensions is the vector length the fake answers with when the
// request gives no dimensions.
const DefaultDimensions = 8

// embed answers POST /v1/embeddings in OpenAI's documented shape:
// {"object":"list","data":[{"object":"embedding","index":i,"embedding":…}],
// "model":…,"usage":{"prompt_tokens":n,"total_tokens":n}}, the vectors as
// float arrays or, with encoding_format base64, as base64 of little-endian
// float32s. Vectors are a function of (input index, position), so a test
// can check them; usage counts a text at 4 bytes a token (at least one)
// and a token array by its length. Status, Reset and Malformed faults
// apply as for chat.
func (f *Fake) embed(w http.ResponseWriter, r *http.Request) {
	if f.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+f.APIKey {
		openAIError(w, 401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key")
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	var req struct {
		Model          string          `json:"model"`
		Input          json.RawMessage `json:"input"`
		Dimensions     *int            `json:"dimensions"`
		EncodingFormat string          `json:"encoding_format"`
	}
	if json.Unmarshal(raw, &body) != nil || json.Unmarshal(raw, &req) != nil {
		openAIError(w, 400, "We could not parse the JSON body of your request.", "invalid_request_error", "")
		return
	}
	if req.Model == "" {
		openAIError(w, 400, "you must provide a model parameter", "invalid_request_error", "")
		return
	}
	tokens, ok := inputTokens(req.Input)
	if !ok {
		openAIError(w, 400, "'input' is a required property", "invalid_request_error", "")
		return
	}
	fault, answered := f.begin(w, r, req.Model, body, raw)
	if answered {
		return
	}
	switch fault.Kind {
	case Malformed:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object": "list", "data": [`)
		return
	}
	dims := DefaultDimensions
	if req.Dimensions != nil {
		dims = *req.Dimensions
	}
	type item struct {
		Object    string `json:"object"`
		Index     int    `json:"index"`
		Embedding any    `json:"embedding"`
	}
	data := make([]item, len(tokens))
	total := 0
	for i, n := range tokens {
		total += n
		vec := Vector(i, dims)
		var emb any = vec
		if req.EncodingFormat == "base64" {
			buf := make([]byte, 4*len(vec))
			for j, v := range vec {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(v))
			}
			emb = base64.StdEncoding.EncodeToString(buf)
		}
		data[i] = item{Object: "embedding", Index: i, Embedding: emb}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": total, "total_tokens": total}})
}

// Vector is the fake's embedding of the input at index i.
func Vector(i, dims int) []float32 {
	v := make([]float32, dims)
	for j := range v {
		v[j] = float32(i+1) / float32(j+2)
	}
	return v
}

// inputTokens is each input's token count, or false for a missing or
// empty input.
func inputTokens(raw json.RawMessage) ([]int, bool) {
	var s string
	var ss []string
	var ts []int
	var tss [][]int
	texts := func(in []string) []int {
		out := make([]int, len(in))
		for i, t := range in {
			out[i] = max(1, (len(t)+3)/4)
		}
		return out
	}
	switch {
	case json.Unmarshal(raw, &s) == nil && s != "":
		return texts([]string{s}), true
	case json.Unmarshal(raw, &ss) == nil && len(ss) > 0:
		return texts(ss), true
	case json.Unmarshal(raw, &ts) == nil && len(ts) > 0:
		return []int{len(ts)}, true
	case json.Unmarshal(raw, &tss) == nil && len(tss) > 0:
		out := make([]int, len(tss))
		for i, t := range tss {
			out[i] = len(t)
		}
		return out, true
	}
	return nil, false
}
