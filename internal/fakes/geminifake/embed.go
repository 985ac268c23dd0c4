package geminifake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// DefaultDimensions is the vector length the fake answers with when a
// request gives no outputDimensionality (the real gemini-embedding-001
// answers 3072; a short vector keeps test bodies readable).
const DefaultDimensions = 8

// MaxEmbedRequests is batchEmbedContents' limit on requests per call
// ("at most 100 requests can be in one batch").
const MaxEmbedRequests = 100

// taskTypes are EmbedContentRequest.taskType's documented values.
var taskTypes = []string{"TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY",
	"CLASSIFICATION", "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY"}

// embedRequestSpec is BatchEmbedContentsRequest (v1beta): requests of
// EmbedContentRequest, each naming the model, its content and the
// optional taskType, title and outputDimensionality.
var embedRequestSpec = spec{
	"requests": {kind: kArray, spec: spec{
		"model":                {kind: kString},
		"content":              {kind: kObject, spec: contentSpec},
		"taskType":             {kind: kString},
		"title":                {kind: kString},
		"outputDimensionality": {kind: kInteger},
	}},
}

type embedRequest struct {
	Requests []struct {
		Model   string `json:"model"`
		Content *struct {
			Role  string            `json:"role"`
			Parts []json.RawMessage `json:"parts"`
		} `json:"content"`
		TaskType             string `json:"taskType"`
		Title                string `json:"title"`
		OutputDimensionality *int   `json:"outputDimensionality"`
	} `json:"requests"`
}

// ValidateEmbedBody checks a batchEmbedContents body for model (the path's
// model id) the way the API does: only documented members of their
// documented types; 1 to MaxEmbedRequests requests, each naming
// "models/<model>" (the API refuses a request whose model differs from
// the path's), with content of non-empty parts, a documented taskType, a
// title only for RETRIEVAL_DOCUMENT and a positive outputDimensionality.
func ValidateEmbedBody(model string, body []byte) error {
	if err := checkObject(body, embedRequestSpec, ""); err != nil {
		return err
	}
	var req embedRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return fmt.Errorf("body is not JSON: %v", err)
	}
	switch n := len(req.Requests); {
	case n == 0:
		return fmt.Errorf("* BatchEmbedContentsRequest.requests: must not be empty")
	case n > MaxEmbedRequests:
		return fmt.Errorf("* BatchEmbedContentsRequest.requests: at most %d requests can be in one batch", MaxEmbedRequests)
	}
	for i, r := range req.Requests {
		at := fmt.Sprintf("requests[%d]", i)
		if r.Model != "models/"+model {
			return fmt.Errorf("%s.model: %q does not match the batch's model models/%s", at, r.Model, model)
		}
		if r.Content == nil {
			return fmt.Errorf("%s.content is required", at)
		}
		if err := validateParts(r.Content.Parts); err != nil {
			return fmt.Errorf("%s.content: %v", at, err)
		}
		if r.TaskType != "" && !slices.Contains(taskTypes, r.TaskType) {
			return fmt.Errorf("%s.taskType: %q is not one of %s", at, r.TaskType, strings.Join(taskTypes, ", "))
		}
		if r.Title != "" && r.TaskType != "RETRIEVAL_DOCUMENT" {
			return fmt.Errorf("%s.title: only applicable when taskType is RETRIEVAL_DOCUMENT", at)
		}
		if d := r.OutputDimensionality; d != nil && *d < 1 {
			return fmt.Errorf("%s.outputDimensionality: must be positive, got %d", at, *d)
		}
	}
	return nil
}

// embedAnswer is the documented BatchEmbedContentsResponse for a valid
// body: {"embeddings":[{"values":[...]}]}, one per request in order, each
// Vector(i, outputDimensionality or DefaultDimensions). It has no token
// counts, as the real answer has none.
func embedAnswer(body []byte) ([]byte, error) {
	var req embedRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	type embedding struct {
		Values []float32 `json:"values"`
	}
	out := struct {
		Embeddings []embedding `json:"embeddings"`
	}{Embeddings: make([]embedding, len(req.Requests))}
	for i, r := range req.Requests {
		dims := DefaultDimensions
		if r.OutputDimensionality != nil {
			dims = *r.OutputDimensionality
		}
		out.Embeddings[i] = embedding{Values: Vector(i, dims)}
	}
	return json.Marshal(out)
}

// Vector is the fake's embedding of the i-th request of a batch.
func Vector(i, dims int) []float32 {
	v := make([]float32, dims)
	for j := range v {
		v[j] = float32(i+1) / float32(j+2)
	}
	return v
}

// EmbedTexts reads the texts a recorded batchEmbedContents body asked to
// embed, in order, for tests' assertions.
func EmbedTexts(body []byte) ([]string, error) {
	var req struct {
		Requests []struct {
			Content struct {
				Parts []struct {
					Text string `json:"text"`
				} `json:"parts"`
			} `json:"content"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(req.Requests))
	for _, r := range req.Requests {
		var sb strings.Builder
		for _, p := range r.Content.Parts {
			sb.WriteString(p.Text)
		}
		out = append(out, sb.String())
	}
	return out, nil
}

// writeEmbed answers a batchEmbedContents request with embedAnswer, or
// cuts the body half-way when the reply says so.
func writeEmbed(w http.ResponseWriter, reply Reply, status int, body []byte) error {
	data, err := embedAnswer(body)
	if err != nil {
		return err
	}
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if reply.Cut {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.WriteHeader(status)
		_, _ = w.Write(data[:len(data)/2])
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(status)
	_, _ = w.Write(data)
	return nil
}
