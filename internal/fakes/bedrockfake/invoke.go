package bedrockfake

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand"
	"net/http"
	"path/filepath"
	"strings"
)

// serveInvoke answers InvokeModel, InvokeModelWithResponseStream and
// CountTokens once the request passed validation and the reply is not an
// error: Claude from recorded Anthropic bodies (testdata/invoke,
// testdata/invoke_stream), embeddings computed from the texts, counts from
// the body.
func (f *Fake) serveInvoke(w http.ResponseWriter, r *http.Request, rec Request, reply Reply, status int) {
	switch rec.Op {
	case "count-tokens":
		n := reply.InputTokens
		if n == 0 {
			n = CountTokens(rec.Body)
		}
		writeJSON(w, status, "application/json", map[string]int{"inputTokens": n})
		return
	case "invoke-with-response-stream":
		file := reply.StreamFile
		if file == "" {
			file = "invoke_stream/claude_text.jsonl"
		}
		data, err := Fixture(file)
		if err != nil {
			f.t.Errorf("bedrockfake: %v", err)
			writeError(w, http.StatusInternalServerError, "InternalServerException", err.Error())
			return
		}
		lines, err := parseScript(data)
		if err != nil {
			f.t.Errorf("bedrockfake: %s: %v", file, err)
		}
		f.stream(w, r, reply, status, lines)
		return
	}
	ct := reply.ContentType
	if ct == "" {
		ct = "application/json"
	}
	if reply.File != "" {
		data, err := Fixture(reply.File)
		if err != nil {
			f.t.Errorf("bedrockfake: %v", err)
			writeError(w, http.StatusInternalServerError, "InternalServerException", err.Error())
			return
		}
		if filepath.Ext(reply.File) == ".json" && ModelFamily(rec.Model) == FamilyClaude {
			setClaudeTokenHeaders(w, data)
		}
		writeRaw(w, status, ct, data, reply.Cut)
		return
	}
	switch ModelFamily(rec.Model) {
	case FamilyClaude:
		data, _ := Fixture("invoke/claude_text.json")
		setClaudeTokenHeaders(w, data)
		writeRaw(w, status, ct, data, reply.Cut)
	case FamilyTitanEmbed:
		var b titanBody
		_ = json.Unmarshal(rec.Body, &b) // validated already
		// V2 normalizes unless told not to; V1 does not.
		dims, normalize := 1024, b.Normalize == nil || *b.Normalize
		if strings.HasPrefix(rec.Model, "amazon.titan-embed-text-v1") {
			dims, normalize = 1536, false
		} else if b.Dimensions != nil {
			dims = *b.Dimensions
		}
		vec := Vector(*b.InputText, dims, normalize)
		n := Tokens(*b.InputText)
		w.Header().Set("X-Amzn-Bedrock-Input-Token-Count", fmt.Sprint(n))
		writeJSON(w, status, ct, map[string]any{"embedding": vec, "inputTextTokenCount": n,
			"embeddingsByType": map[string]any{"float": vec}})
	case FamilyCohereEmbed:
		var b cohereBody
		_ = json.Unmarshal(rec.Body, &b)
		vecs := make([][]float64, len(b.Texts))
		n := 0
		for i, t := range b.Texts {
			vecs[i], n = Vector(t, 1024, true), n+Tokens(t)
		}
		w.Header().Set("X-Amzn-Bedrock-Input-Token-Count", fmt.Sprint(n))
		out := map[string]any{"id": "fake-" + RequestID[:8], "texts": b.Texts}
		if len(b.EmbeddingTypes) == 0 {
			out["response_type"], out["embeddings"] = "embeddings_floats", vecs
		} else {
			out["response_type"], out["embeddings"] = "embeddings_by_type", map[string]any{"float": vecs}
		}
		writeJSON(w, status, ct, out)
	}
}

// setClaudeTokenHeaders sets the token-count headers Bedrock sends with an
// InvokeModel answer, from the Anthropic body's usage.
func setClaudeTokenHeaders(w http.ResponseWriter, body []byte) {
	var m struct {
		Usage *struct {
			InputTokens  int `json:"input_tokens"`
			OutputTokens int `json:"output_tokens"`
		} `json:"usage"`
	}
	if json.Unmarshal(body, &m) == nil && m.Usage != nil {
		w.Header().Set("X-Amzn-Bedrock-Input-Token-Count", fmt.Sprint(m.Usage.InputTokens))
		w.Header().Set("X-Amzn-Bedrock-Output-Token-Count", fmt.Sprint(m.Usage.OutputTokens))
	}
}

func writeJSON(w http.ResponseWriter, status int, ct string, v any) {
	b, _ := json.Marshal(v)
	writeRaw(w, status, ct, b, false)
}

// writeRaw sends a body; cut sends half of it and drops the connection.
func writeRaw(w http.ResponseWriter, status int, ct string, data []byte, cut bool) {
	w.Header().Set("Content-Type", ct)
	if cut {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.WriteHeader(status)
		_, _ = w.Write(data[:len(data)/2])
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// Tokens is the fake's token count of an embedding input: its words.
func Tokens(text string) int {
	if n := len(strings.Fields(text)); n > 0 {
		return n
	}
	return 1
}

// CountTokens is the fake's CountTokens answer for a request body: a
// token per four bytes of the InvokeModel body it carries.
func CountTokens(countBody []byte) int {
	var ct countTokensBody
	if json.Unmarshal(countBody, &ct) != nil || ct.Input.InvokeModel == nil {
		return 0
	}
	return (len(ct.Input.InvokeModel.Body) + 3) / 4
}

// Vector is the fake's embedding of text: dims values in [-1, 1) drawn
// from a generator seeded with the text's hash, so the same text always
// gets the same vector, scaled to unit length when normalize.
func Vector(text string, dims int, normalize bool) []float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(text))
	rng := rand.New(rand.NewSource(int64(h.Sum64())))
	v := make([]float64, dims)
	var norm float64
	for i := range v {
		v[i] = float64(float32(rng.Float64()*2 - 1))
		norm += v[i] * v[i]
	}
	if normalize && norm > 0 {
		n := math.Sqrt(norm)
		for i := range v {
			// Rounded through float32 so that base64 (float32) and float
			// answers carry the same values.
			v[i] = float64(float32(v[i] / n))
		}
	}
	return v
}
