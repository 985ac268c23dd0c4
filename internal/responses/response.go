package responses

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Response is a response object ("object": "response"), as a translated
// answer is written: the fields OpenAI documents, the request's settings
// echoed back.
type Response struct {
	ID                 string             `json:"id"`
	Object             string             `json:"object"`
	CreatedAt          int64              `json:"created_at"`
	Status             string             `json:"status"`
	Error              *ErrorInfo         `json:"error"`
	IncompleteDetails  *IncompleteDetails `json:"incomplete_details"`
	Instructions       *string            `json:"instructions"`
	MaxOutputTokens    *int               `json:"max_output_tokens"`
	Model              string             `json:"model"`
	Output             []OutputItem       `json:"output"`
	ParallelToolCalls  bool               `json:"parallel_tool_calls"`
	PreviousResponseID *string            `json:"previous_response_id"`
	Reasoning          *Reasoning         `json:"reasoning"`
	Store              bool               `json:"store"`
	Temperature        *float64           `json:"temperature"`
	Text               *TextConfig        `json:"text"`
	ToolChoice         json.RawMessage    `json:"tool_choice"`
	Tools              []Tool             `json:"tools"`
	TopP               *float64           `json:"top_p"`
	Truncation         string             `json:"truncation"`
	Usage              *Usage             `json:"usage"`
	User               *string            `json:"user"`
	Metadata           map[string]any     `json:"metadata"`
}

// ErrorInfo is a failed response's error.
type ErrorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// IncompleteDetails says why a response is incomplete: max_output_tokens
// or content_filter.
type IncompleteDetails struct {
	Reason string `json:"reason"`
}

// OutputItem is an output item: a message (Role, Content) or a
// function_call (CallID, Name, Arguments).
type OutputItem struct {
	Type      string       `json:"type"`
	ID        string       `json:"id"`
	Status    string       `json:"status"`
	Role      string       `json:"role,omitempty"`
	Content   []OutputPart `json:"content,omitempty"`
	CallID    string       `json:"call_id,omitempty"`
	Name      string       `json:"name,omitempty"`
	Arguments *string      `json:"arguments,omitempty"`
}

// MarshalJSON writes a message item's content even when it has none yet
// ("content": [], as response.output_item.added carries it), and a
// function call's not at all.
func (o OutputItem) MarshalJSON() ([]byte, error) {
	type alias OutputItem
	if o.Type != "message" {
		return json.Marshal(alias(o))
	}
	content := o.Content
	if content == nil {
		content = []OutputPart{}
	}
	return json.Marshal(struct {
		alias
		Content []OutputPart `json:"content"`
	}{alias(o), content})
}

// OutputPart is a message's content part: output_text or refusal.
type OutputPart struct {
	Type        string          `json:"type"`
	Text        *string         `json:"text,omitempty"`
	Refusal     *string         `json:"refusal,omitempty"`
	Annotations json.RawMessage `json:"annotations,omitempty"`
}

// Usage is a response's token accounting.
type Usage struct {
	InputTokens         int                 `json:"input_tokens"`
	InputTokensDetails  InputTokensDetails  `json:"input_tokens_details"`
	OutputTokens        int                 `json:"output_tokens"`
	OutputTokensDetails OutputTokensDetails `json:"output_tokens_details"`
	TotalTokens         int                 `json:"total_tokens"`
}

// InputTokensDetails breaks down input tokens.
type InputTokensDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

// OutputTokensDetails breaks down output tokens.
type OutputTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

// FromChatUsage is u in the Responses API's words; nil for nil.
func FromChatUsage(u *chat.Usage) *Usage {
	if u == nil {
		return nil
	}
	out := &Usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if out.TotalTokens == 0 {
		out.TotalTokens = u.PromptTokens + u.CompletionTokens
	}
	out.InputTokensDetails.CachedTokens = u.CachedTokens()
	if d := u.CompletionTokensDetails; d != nil {
		out.OutputTokensDetails.ReasoningTokens = d.ReasoningTokens
	}
	return out
}

// ChatUsage is u in chat's words, for pricing: nil for nil.
func (u *Usage) ChatUsage() *chat.Usage {
	if u == nil {
		return nil
	}
	out := &chat.Usage{PromptTokens: u.InputTokens, CompletionTokens: u.OutputTokens, TotalTokens: u.TotalTokens}
	if c := u.InputTokensDetails.CachedTokens; c > 0 {
		out.PromptTokensDetails = &chat.PromptTokensDetails{CachedTokens: c}
	}
	if rt := u.OutputTokensDetails.ReasoningTokens; rt > 0 {
		out.CompletionTokensDetails = &chat.CompletionTokensDetails{ReasoningTokens: rt}
	}
	return out
}

// NewID is a fresh id with prefix ("resp", "msg", "fc"): 24 random bytes
// in hex, as unguessable as OpenAI's.
func NewID(prefix string) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// Skeleton is the response object for r before any output: status
// in_progress, r's settings echoed, what response.created carries.
func (r *Request) Skeleton(id, model string, created int64) *Response {
	resp := &Response{ID: id, Object: "response", CreatedAt: created, Status: "in_progress", Model: model,
		Instructions: r.Instructions, MaxOutputTokens: r.MaxOutputTokens, Output: []OutputItem{},
		ParallelToolCalls: r.ParallelToolCalls == nil || *r.ParallelToolCalls, Reasoning: r.Reasoning,
		Temperature: r.Temperature, TopP: r.TopP, Text: r.Text, ToolChoice: r.ToolChoice, Tools: r.Tools,
		Truncation: "disabled", Metadata: r.Metadata}
	if resp.Model == "" {
		resp.Model = r.Model
	}
	if resp.Text == nil {
		resp.Text = &TextConfig{Format: &Format{Type: "text"}}
	}
	if len(resp.ToolChoice) == 0 {
		resp.ToolChoice = json.RawMessage(`"auto"`)
	}
	if resp.Tools == nil {
		resp.Tools = []Tool{}
	}
	if resp.Metadata == nil {
		resp.Metadata = map[string]any{}
	}
	if r.User != "" {
		resp.User = &r.User
	}
	return resp
}

// FromChat is the response object for a chat answer to r's translation:
// the first choice's text (or refusal) as a message item, then its tool
// calls as function_call items; status incomplete when the answer was cut
// by the output limit or a content filter.
func (r *Request) FromChat(c *chat.Response, id string) *Response {
	created := c.Created
	if created == 0 {
		created = time.Now().Unix()
	}
	resp := r.Skeleton(id, c.Model, created)
	resp.Status = "completed"
	resp.Usage = FromChatUsage(c.Usage)
	if len(c.Choices) == 0 {
		return resp
	}
	ch := c.Choices[0]
	m := ch.Message
	text := m.Content.String()
	if text != "" || m.Refusal != nil {
		item := OutputItem{Type: "message", ID: NewID("msg"), Status: "completed", Role: "assistant"}
		if text != "" {
			item.Content = append(item.Content, OutputPart{Type: "output_text", Text: &text, Annotations: emptyArray})
		}
		if m.Refusal != nil {
			item.Content = append(item.Content, OutputPart{Type: "refusal", Refusal: m.Refusal})
		}
		resp.Output = append(resp.Output, item)
	}
	for _, tc := range m.ToolCalls {
		args := tc.Function.Arguments
		resp.Output = append(resp.Output, OutputItem{Type: "function_call", ID: NewID("fc"), Status: "completed",
			CallID: tc.ID, Name: tc.Function.Name, Arguments: &args})
	}
	if reason := incompleteReason(ch.FinishReason); reason != "" {
		resp.Status = "incomplete"
		resp.IncompleteDetails = &IncompleteDetails{Reason: reason}
		for i := range resp.Output {
			if resp.Output[i].Type == "message" {
				resp.Output[i].Status = "incomplete" // cut, as OpenAI marks it
			}
		}
	}
	return resp
}

// incompleteReason maps a chat finish reason to the reason an incomplete
// response gives; empty for a complete answer.
func incompleteReason(finish string) string {
	switch finish {
	case "length":
		return "max_output_tokens"
	case "content_filter":
		return "content_filter"
	}
	return ""
}

var emptyArray = json.RawMessage(`[]`)
