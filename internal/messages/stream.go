package messages

import (
	"encoding/json"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Event is one SSE event of a Messages stream.
type Event struct {
	Type string
	Data []byte
}

// Encoder turns a stream of chat chunks into Anthropic's event sequence:
// message_start; for each block content_block_start, its deltas
// (text_delta, input_json_delta) and content_block_stop, with one ping
// after the first block's start as Anthropic's own streams send; then
// message_delta with the stop_reason and usage, and message_stop. One
// Encoder serves one attempt's stream.
type Encoder struct {
	model   string
	started bool
	// open is the index of the block being streamed, -1 when none.
	open     int
	openTool bool
	next     int
	// tools maps a chat tool call index to its block index.
	tools  map[int]int
	finish string
	usage  *chat.Usage
	ended  bool
	pinged bool
}

// NewEncoder starts an encoder; model is reported in message_start until
// the upstream names its own.
func NewEncoder(model string) *Encoder {
	return &Encoder{model: model, open: -1, tools: map[int]int{}}
}

// Chunk appends the events c stands for to evs.
func (e *Encoder) Chunk(evs []Event, c *chat.Chunk) []Event {
	if c.Usage != nil {
		e.usage = c.Usage
	}
	if !e.started {
		e.started = true
		model := c.Model
		if model == "" {
			model = e.model
		}
		evs = append(evs, event("message_start", map[string]any{"type": "message_start", "message": map[string]any{
			"id": MessageID(c.ID), "type": "message", "role": "assistant", "model": model, "content": []any{},
			"stop_reason": nil, "stop_sequence": nil, "usage": UsageFromChat(c.Usage)}}))
	}
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue // Messages has one answer; n is never asked for
		}
		d := ch.Delta
		if d.Content != nil && *d.Content != "" {
			evs = e.text(evs, *d.Content)
		}
		if d.Refusal != nil && *d.Refusal != "" {
			evs = e.text(evs, *d.Refusal)
		}
		for _, tc := range d.ToolCalls {
			evs = e.tool(evs, tc)
		}
		if ch.FinishReason != nil {
			e.finish = *ch.FinishReason
		}
	}
	return evs
}

func (e *Encoder) text(evs []Event, s string) []Event {
	if e.open < 0 || e.openTool {
		evs = e.closeBlock(evs)
		e.open, e.openTool = e.next, false
		e.next++
		evs = e.startBlock(evs, event("content_block_start", map[string]any{"type": "content_block_start", "index": e.open,
			"content_block": map[string]any{"type": "text", "text": ""}}))
	}
	return append(evs, event("content_block_delta", map[string]any{"type": "content_block_delta", "index": e.open,
		"delta": map[string]any{"type": "text_delta", "text": s}}))
}

func (e *Encoder) tool(evs []Event, tc chat.ToolCallDelta) []Event {
	idx, ok := e.tools[tc.Index]
	if !ok {
		evs = e.closeBlock(evs)
		idx = e.next
		e.next++
		e.tools[tc.Index] = idx
		e.open, e.openTool = idx, true
		evs = e.startBlock(evs, event("content_block_start", map[string]any{"type": "content_block_start", "index": idx,
			"content_block": map[string]any{"type": "tool_use", "id": ToolUseID(tc.ID), "name": tc.Function.Name, "input": map[string]any{}}}))
	}
	if tc.Function.Arguments == "" {
		return evs
	}
	return append(evs, event("content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
		"delta": map[string]any{"type": "input_json_delta", "partial_json": tc.Function.Arguments}}))
}

// startBlock appends a content_block_start, and after the first one the
// stream's ping (Anthropic's documented sequence: message_start,
// content_block_start, ping, content_block_delta...).
func (e *Encoder) startBlock(evs []Event, start Event) []Event {
	evs = append(evs, start)
	if !e.pinged {
		e.pinged = true
		evs = append(evs, Event{Type: "ping", Data: []byte(`{"type":"ping"}`)})
	}
	return evs
}

func (e *Encoder) closeBlock(evs []Event) []Event {
	if e.open < 0 {
		return evs
	}
	evs = append(evs, event("content_block_stop", map[string]any{"type": "content_block_stop", "index": e.open}))
	e.open = -1
	return evs
}

// End appends the events that close a stream that ended cleanly: the open
// block's stop, message_delta (stop_reason, usage) and message_stop. An
// empty answer still gets its message_start first.
func (e *Encoder) End(evs []Event) []Event {
	if e.ended {
		return evs
	}
	e.ended = true
	if !e.started {
		evs = e.Chunk(evs, &chat.Chunk{})
	}
	evs = e.closeBlock(evs)
	u := UsageFromChat(e.usage)
	evs = append(evs, event("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": StopReason(e.finish), "stop_sequence": nil}, "usage": u}))
	return append(evs, event("message_stop", map[string]any{"type": "message_stop"}))
}

// Started reports whether message_start has gone out.
func (e *Encoder) Started() bool { return e.started }

// ErrorEvent is the error event that ends a stream which failed after it
// started: {"type":"error","error":{"type","message"}}.
func ErrorEvent(typ, msg string) Event {
	return event("error", map[string]any{"type": "error", "error": map[string]string{"type": typ, "message": msg}})
}

func event(typ string, v any) Event {
	b, _ := json.Marshal(v)
	return Event{Type: typ, Data: b}
}
