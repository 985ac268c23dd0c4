package gemini

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider/oairules"
)

// thoughtSeparator joins a tool call id and the Gemini thought signature of
// that call. OpenAI clients echo tool call ids verbatim but drop unknown
// fields, so the id is the one place the signature survives the round trip
// that Gemini 3 requires (the same scheme LiteLLM uses).
const thoughtSeparator = "__thought__"

// skipSignature is the placeholder Google documents for function calls the
// model did not produce itself (history from another provider, or a client
// that lost the id): without any signature Gemini 3 answers 400.
const skipSignature = "skip_thought_signature_validator"

// toGemini translates an OpenAI chat request into a generateContent body.
// It is pure: no I/O, the request is not modified. Errors are
// *provider.Error of ClassUnsupported naming the offending field.
func toGemini(r *chat.Request) (*generateRequest, error) {
	if err := checkParameters(r); err != nil {
		return nil, err
	}
	sys, contents, err := convertMessages(r.Messages)
	if err != nil {
		return nil, err
	}
	out := &generateRequest{Contents: contents, SystemInstruction: sys}
	if out.Tools, out.ToolConfig, err = convertTools(r); err != nil {
		return nil, err
	}
	if out.GenerationConfig, err = convertGeneration(r); err != nil {
		return nil, err
	}
	if err := applyProviderParams(r, out); err != nil {
		return nil, err
	}
	return out, nil
}

// convertMessages splits system/developer messages into systemInstruction
// and the rest into user/model turns, merging consecutive turns of the same
// role (Gemini expects roles to alternate; parallel tool results must share
// one turn).
func convertMessages(msgs []chat.Message) (*content, []content, error) {
	var sys *content
	var contents []content
	toolNames := map[string]string{} // tool_call id -> function name
	for i, m := range msgs {
		at := fmt.Sprintf("messages[%d]", i)
		switch m.Role {
		case "system", "developer":
			if m.Content.HasImages() {
				return nil, nil, invalid(at+".content", "a %s message can only hold text", m.Role)
			}
			if text := m.Content.String(); text != "" {
				if sys == nil {
					sys = &content{}
				}
				sys.Parts = append(sys.Parts, part{Text: text})
			}
		case "user":
			parts, err := userParts(m.Content, at+".content")
			if err != nil {
				return nil, nil, err
			}
			contents = appendTurn(contents, "user", parts)
		case "assistant":
			parts, err := assistantParts(m, at, toolNames)
			if err != nil {
				return nil, nil, err
			}
			contents = appendTurn(contents, "model", parts)
		case "function":
			return nil, nil, invalid(at+".role", "%s", oairules.LegacyFunctionRole)
		case "tool":
			p, err := toolResultPart(m, at, toolNames)
			if err != nil {
				return nil, nil, err
			}
			contents = appendTurn(contents, "user", []part{p})
		default:
			return nil, nil, invalid(at+".role", "unknown role %q", m.Role)
		}
	}
	if len(contents) == 0 {
		return nil, nil, invalid("messages", "at least one user or assistant message with content is required")
	}
	return sys, contents, nil
}

// appendTurn adds parts as a turn of role, or to the previous turn when it
// has the same role. Empty parts add nothing: Gemini rejects empty turns.
func appendTurn(contents []content, role string, parts []part) []content {
	if len(parts) == 0 {
		return contents
	}
	if n := len(contents); n > 0 && contents[n-1].Role == role {
		contents[n-1].Parts = append(contents[n-1].Parts, parts...)
		return contents
	}
	return append(contents, content{Role: role, Parts: parts})
}

// userParts converts a user message's content. Empty text is skipped:
// Gemini answers 400 to an empty text part.
func userParts(c chat.Content, at string) ([]part, error) {
	if !c.IsParts {
		if c.Text == "" {
			return nil, nil
		}
		return []part{{Text: c.Text}}, nil
	}
	var parts []part
	for j, p := range c.Parts {
		pat := fmt.Sprintf("%s[%d]", at, j)
		switch p.Type {
		case "text":
			if p.Text != "" {
				parts = append(parts, part{Text: p.Text})
			}
		case "image_url":
			if p.ImageURL == nil {
				return nil, invalid(pat+".image_url", "is required")
			}
			ip, err := mediaPart(p.ImageURL.URL, pat+".image_url.url")
			if err != nil {
				return nil, err
			}
			parts = append(parts, ip)
		case "input_audio":
			var a struct {
				InputAudio struct {
					Data   string `json:"data"`
					Format string `json:"format"`
				} `json:"input_audio"`
			}
			if err := json.Unmarshal(p.Raw, &a); err != nil || a.InputAudio.Data == "" || a.InputAudio.Format == "" {
				return nil, invalid(pat+".input_audio", "needs data (base64) and format")
			}
			parts = append(parts, part{InlineData: &blob{MimeType: "audio/" + a.InputAudio.Format, Data: a.InputAudio.Data}})
		case "file":
			var f struct {
				File struct {
					FileData string `json:"file_data"`
				} `json:"file"`
			}
			if err := json.Unmarshal(p.Raw, &f); err != nil || f.File.FileData == "" {
				return nil, invalid(pat+".file", "only file_data (a base64 data: URL) is supported; file_id refers to OpenAI's file store")
			}
			fp, err := mediaPart(f.File.FileData, pat+".file.file_data")
			if err != nil {
				return nil, err
			}
			parts = append(parts, fp)
		default:
			return nil, invalid(pat+".type", "content part type %q is not supported by gemini", p.Type)
		}
	}
	return parts, nil
}

// mediaPart turns an image or file reference into inline bytes or a file
// reference. Gemini does not fetch arbitrary URLs, and fetching them here
// would make the gateway an open proxy with unbounded latency, so an
// http(s) URL is rejected with a message saying what to send instead.
func mediaPart(url, at string) (part, error) {
	switch {
	case strings.HasPrefix(url, "data:"):
		meta, data, ok := strings.Cut(strings.TrimPrefix(url, "data:"), ",")
		mimeType, isBase64 := strings.CutSuffix(meta, ";base64")
		if !ok || !isBase64 || mimeType == "" || data == "" {
			return part{}, invalid(at, "a data: URL must be data:<mime type>;base64,<data>")
		}
		return part{InlineData: &blob{MimeType: mimeType, Data: data}}, nil
	case strings.HasPrefix(url, "gs://"), isFilesAPIURI(url):
		return part{FileData: &fileData{MimeType: mime.TypeByExtension(path.Ext(url)), FileURI: url}}, nil
	case strings.HasPrefix(url, "http://"), strings.HasPrefix(url, "https://"):
		return part{}, invalid(at, "gemini cannot fetch http(s) URLs; send the bytes inline as a data:<mime>;base64,... URL, or a Gemini Files API or gs:// URI")
	}
	return part{}, invalid(at, "must be a data: URL, a Gemini Files API URI or a gs:// URI")
}

// isFilesAPIURI reports a file uploaded through the Gemini Files API
// (https://generativelanguage.googleapis.com/v1beta/files/<id>).
func isFilesAPIURI(url string) bool {
	rest, ok := strings.CutPrefix(url, "https://generativelanguage.googleapis.com/")
	return ok && strings.Contains(rest, "files/")
}

// assistantParts converts an assistant message: its text, then one
// functionCall part per tool call, in order.
func assistantParts(m chat.Message, at string, toolNames map[string]string) ([]part, error) {
	var parts []part
	if text := m.Content.String(); text != "" {
		parts = append(parts, part{Text: text})
	}
	firstCall, signed := -1, false
	for j, tc := range m.ToolCalls {
		tat := fmt.Sprintf("%s.tool_calls[%d]", at, j)
		if tc.Type != "" && tc.Type != "function" {
			return nil, invalid(tat+".type", "only function tool calls are supported, not %q", tc.Type)
		}
		if tc.Function.Name == "" {
			return nil, invalid(tat+".function.name", "is required")
		}
		args, err := callArgs(tc.Function.Arguments)
		if err != nil {
			return nil, invalid(tat+".function.arguments", "%v", err)
		}
		_, sig, _ := strings.Cut(tc.ID, thoughtSeparator)
		signed = signed || sig != ""
		toolNames[tc.ID] = tc.Function.Name
		if firstCall < 0 {
			firstCall = len(parts)
		}
		parts = append(parts, part{FunctionCall: &functionCall{Name: tc.Function.Name, Args: args}, ThoughtSignature: sig})
	}
	if firstCall >= 0 && !signed {
		parts[firstCall].ThoughtSignature = skipSignature
	}
	return parts, nil
}

// callArgs parses a tool call's JSON-string arguments; Gemini's args is a
// JSON object (a protobuf Struct).
func callArgs(s string) (json.RawMessage, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return json.RawMessage("{}"), nil
	}
	if !json.Valid([]byte(s)) {
		return nil, fmt.Errorf("is not valid JSON")
	}
	if s[0] != '{' {
		return nil, fmt.Errorf("must be a JSON object")
	}
	return json.RawMessage(s), nil
}

// toolResultPart converts a tool message into a functionResponse. Gemini
// matches results by function name, which OpenAI tool messages lack: it is
// looked up from the assistant tool call with the same id.
func toolResultPart(m chat.Message, at string, toolNames map[string]string) (part, error) {
	name := toolNames[m.ToolCallID]
	if name == "" {
		name = m.Name // some clients name the function on the tool message
	}
	if name == "" {
		return part{}, invalid(at+".tool_call_id", "%q does not match a tool call of an earlier assistant message", m.ToolCallID)
	}
	return part{FunctionResponse: &functionResponse{Name: name, Response: toolResponse(m.Content.String())}}, nil
}

// toolResponse is a functionResponse.response, which must be a JSON object:
// a tool result that is one is passed as it is, anything else is wrapped as
// {"result": "<text>"}.
func toolResponse(text string) json.RawMessage {
	trimmed := bytes.TrimSpace([]byte(text))
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) {
		return json.RawMessage(trimmed)
	}
	b, _ := json.Marshal(map[string]string{"result": text})
	return b
}
