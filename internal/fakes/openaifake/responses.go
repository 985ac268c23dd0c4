package openaifake

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The Responses API answers, from OpenAI's API reference examples: a text
// answer and a function call, each as a response object and as its event
// stream.
var (
	//go:embed testdata/responses.json
	responsesBody []byte
	//go:embed testdata/responses_tools.json
	responsesToolsBody []byte
	//go:embed testdata/responses_stream.sse
	responsesStreamBody []byte
	//go:embed testdata/responses_tools_stream.sse
	responsesToolsStreamBody []byte
)

// responses answers POST /v1/responses as OpenAI documents it, after
// checking the request as OpenAI would: a model, an input (a string or a
// non-empty array of items), no field OpenAI does not know among the
// gateway's own (router, extra: the gateway must strip them), stream a
// boolean. Faults apply as for chat: Status, Reset, Hang, Malformed,
// Tools (a function call), and on a stream CutStream (After events then
// a cut), ErrorEvent (After events then an error event) and NoDone (the
// stream ends without response.completed).
func (f *Fake) responses(w http.ResponseWriter, r *http.Request) {
	if f.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+f.APIKey {
		openAIError(w, 401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key")
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		openAIError(w, 400, "We could not parse the JSON body of your request.", "invalid_request_error", "")
		return
	}
	model, _ := body["model"].(string)
	if model == "" {
		openAIError(w, 400, "Missing required parameter: 'model'.", "invalid_request_error", "missing_required_parameter")
		return
	}
	switch in := body["input"].(type) {
	case string:
	case []any:
		if len(in) == 0 {
			openAIError(w, 400, "Invalid 'input': empty array.", "invalid_request_error", "empty_array")
			return
		}
	default:
		openAIError(w, 400, "Missing required parameter: 'input'.", "invalid_request_error", "missing_required_parameter")
		return
	}
	for _, k := range []string{"router", "extra"} {
		if _, ok := body[k]; ok {
			openAIError(w, 400, fmt.Sprintf("Unknown parameter: '%s'.", k), "invalid_request_error", "unknown_parameter")
			return
		}
	}
	stream, isBool := body["stream"].(bool)
	if _, ok := body["stream"]; ok && !isBool {
		openAIError(w, 400, "Invalid type for 'stream': expected a boolean.", "invalid_request_error", "invalid_type")
		return
	}
	fault, answered := f.begin(w, r, model, body, raw)
	if answered {
		return
	}
	switch fault.Kind {
	case Malformed:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": "resp_broken", "object": "response", "output": [`)
		return
	}
	answer, events := responsesBody, responsesStreamBody
	if fault.Kind == Tools {
		answer, events = responsesToolsBody, responsesToolsStreamBody
	}
	if !stream {
		w.Header().Set("Content-Type", "application/json")
		w.Write(withModel(answer, model))
		return
	}
	f.responsesStream(r.Context(), w, fault, withModel(events, model))
}

// withModel puts the requested model where the examples name theirs.
func withModel(b []byte, model string) []byte {
	m, _ := json.Marshal(model)
	return bytes.ReplaceAll(b, []byte(`"gpt-4.1-2025-04-14"`), m)
}

// namedEvents splits a recorded stream into its events, each with its
// "event:" line.
func namedEvents(body []byte) []string {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func (f *Fake) responsesStream(ctx context.Context, w http.ResponseWriter, fault Fault, body []byte) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	evs := namedEvents(body)
	for i, ev := range evs {
		if i == fault.After {
			switch fault.Kind {
			case CutStream:
				fl.Flush()
				hijackClose(w)
				return
			case ErrorEvent:
				fmt.Fprintf(w, "event: error\ndata: {\"type\":\"error\",\"sequence_number\":%d,\"code\":\"server_error\",\"message\":\"The server had an error while processing your request.\",\"param\":null}\n\n", i)
				fl.Flush()
				return
			case Pause:
				select {
				case <-fault.Release:
				case <-ctx.Done():
					f.mu.Lock()
					f.canceled++
					f.mu.Unlock()
					if f.HangEnded != nil {
						f.HangEnded <- struct{}{}
					}
					return
				}
			}
		}
		if fault.Kind == NoDone && strings.HasPrefix(ev, "event: response.completed") {
			return
		}
		io.WriteString(w, ev+"\n")
		fl.Flush()
	}
}
