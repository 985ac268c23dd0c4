package responses

import (
	"encoding/json"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Emit sends one event: its type (the SSE event name) and its JSON data.
type Emit func(typ string, data []byte) error

// Encoder turns a translated attempt's chat chunks into the Responses
// API's semantic events, in OpenAI's documented order, numbered by
// sequence_number from 0:
//
//	response.created, response.in_progress (Begin);
//	per output item: response.output_item.added, then for a message
//	response.content_part.added, response.output_text.delta...,
//	response.output_text.done, response.content_part.done (a refusal
//	likewise with response.refusal.delta/done), and for a function call
//	response.function_call_arguments.delta..., .done; then
//	response.output_item.done;
//	response.completed, or response.incomplete when the output limit or a
//	content filter cut the answer (End);
//	after a failure: error, then response.failed (Fail).
//
// An item is closed when the next one starts, as OpenAI streams them one
// after another. One Encoder serves one attempt.
type Encoder struct {
	req   *Request
	emit  Emit
	resp  *Response
	seq   int
	items []*itemState
	calls map[int]*itemState // chat tool-call index → its item
	msg   *itemState         // the open message item, if any
	// finish is the first choice's finish reason; usage the last usage seen.
	finish string
	usage  *chat.Usage
	ended  bool
}

type itemState struct {
	idx  int // output_index
	item OutputItem
	// A message's open content part: its kind (output_text, refusal),
	// index and text so far; a function call's arguments so far.
	part    string
	partIdx int
	text    strings.Builder
	args    strings.Builder
	done    bool
}

// NewEncoder is an encoder for an answer to req, sending events to emit.
func NewEncoder(req *Request, emit Emit) *Encoder {
	return &Encoder{req: req, emit: emit, calls: map[int]*itemState{}}
}

// Response is the response object as streamed so far.
func (e *Encoder) Response() *Response { return e.resp }

// Begin sends response.created and response.in_progress for a response
// with id, answered by model, created at created (Unix seconds).
func (e *Encoder) Begin(id, model string, created int64) error {
	e.resp = e.req.Skeleton(id, model, created)
	if err := e.send("response.created", event{Response: e.resp}); err != nil {
		return err
	}
	return e.send("response.in_progress", event{Response: e.resp})
}

// Chunk sends the events for one chat chunk's first choice (Responses
// has no n): text, refusal and tool-call deltas. Its usage and finish
// reason are kept for End.
func (e *Encoder) Chunk(c *chat.Chunk) error {
	if c.Usage != nil {
		e.usage = c.Usage
	}
	if c.Model != "" && e.resp != nil {
		e.resp.Model = c.Model
	}
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue
		}
		d := ch.Delta
		if d.Content != nil && *d.Content != "" {
			if err := e.messageDelta("output_text", *d.Content); err != nil {
				return err
			}
		}
		if d.Refusal != nil && *d.Refusal != "" {
			if err := e.messageDelta("refusal", *d.Refusal); err != nil {
				return err
			}
		}
		for _, tc := range d.ToolCalls {
			if err := e.callDelta(tc); err != nil {
				return err
			}
		}
		if ch.FinishReason != nil && e.finish == "" {
			e.finish = *ch.FinishReason
		}
	}
	return nil
}

// End closes the open items and sends response.completed (or
// response.incomplete) with the whole response and its usage.
func (e *Encoder) End() error {
	// A message cut by the output limit or a filter is itself incomplete,
	// as OpenAI marks it.
	msgStatus := "completed"
	if incompleteReason(e.finish) != "" {
		msgStatus = "incomplete"
	}
	if err := e.closeAll(msgStatus); err != nil {
		return err
	}
	e.ended = true
	e.resp.Usage = FromChatUsage(e.usage)
	e.resp.Status = "completed"
	typ := "response.completed"
	if reason := incompleteReason(e.finish); reason != "" {
		e.resp.Status, typ = "incomplete", "response.incomplete"
		e.resp.IncompleteDetails = &IncompleteDetails{Reason: reason}
	}
	return e.send(typ, event{Response: e.resp})
}

// Fail ends a stream that broke after it started: an error event, then
// response.failed with the response so far (items left open are marked
// incomplete) and the error.
func (e *Encoder) Fail(code, message string) error {
	if e.ended {
		return nil
	}
	e.ended = true
	if err := e.send("error", event{Code: &code, Message: &message, Param: json.RawMessage("null")}); err != nil {
		return err
	}
	for _, it := range e.items {
		if !it.done {
			e.materialize(it, "incomplete")
		}
	}
	e.resp.Status = "failed"
	e.resp.Error = &ErrorInfo{Code: code, Message: message}
	e.resp.Usage = FromChatUsage(e.usage)
	return e.send("response.failed", event{Response: e.resp})
}

func (e *Encoder) messageDelta(kind, delta string) error {
	it := e.msg
	if it == nil {
		if err := e.closeAll("completed"); err != nil {
			return err
		}
		var err error
		if it, err = e.add(OutputItem{Type: "message", ID: NewID("msg"), Status: "in_progress", Role: "assistant", Content: []OutputPart{}}); err != nil {
			return err
		}
		e.msg = it
		it.partIdx = -1
	}
	if it.part != kind {
		if err := e.closePart(it); err != nil {
			return err
		}
		it.part, it.partIdx = kind, it.partIdx+1
		empty := ""
		p := OutputPart{Type: kind, Text: &empty, Annotations: emptyArray}
		if kind == "refusal" {
			p = OutputPart{Type: kind, Refusal: &empty}
		}
		if err := e.send("response.content_part.added", event{ItemID: it.item.ID, OutputIndex: &it.idx, ContentIndex: &it.partIdx, Part: &p}); err != nil {
			return err
		}
	}
	it.text.WriteString(delta)
	ev := event{ItemID: it.item.ID, OutputIndex: &it.idx, ContentIndex: &it.partIdx, Delta: &delta}
	typ := "response.refusal.delta"
	if kind == "output_text" {
		typ, ev.Logprobs = "response.output_text.delta", emptyArray
	}
	return e.send(typ, ev)
}

func (e *Encoder) callDelta(tc chat.ToolCallDelta) error {
	it, ok := e.calls[tc.Index]
	if !ok {
		if err := e.closeAll("completed"); err != nil {
			return err
		}
		empty := ""
		var err error
		if it, err = e.add(OutputItem{Type: "function_call", ID: NewID("fc"), Status: "in_progress", CallID: tc.ID,
			Name: tc.Function.Name, Arguments: &empty}); err != nil {
			return err
		}
		e.calls[tc.Index] = it
	}
	if tc.Function.Arguments == "" {
		return nil
	}
	it.args.WriteString(tc.Function.Arguments)
	if it.done {
		// A late fragment of a call already closed (an upstream that
		// interleaves parallel calls): kept for the final response, which
		// carries the whole arguments; its events were already sent.
		args := it.args.String()
		e.resp.Output[it.idx].Arguments = &args
		return nil
	}
	d := tc.Function.Arguments
	return e.send("response.function_call_arguments.delta", event{ItemID: it.item.ID, OutputIndex: &it.idx, Delta: &d})
}

// add opens an output item and sends response.output_item.added.
func (e *Encoder) add(item OutputItem) (*itemState, error) {
	it := &itemState{idx: len(e.items), item: item}
	e.items = append(e.items, it)
	e.resp.Output = append(e.resp.Output, item)
	return it, e.send("response.output_item.added", event{OutputIndex: &it.idx, Item: &item})
}

// closePart sends the .done events of a message's open content part.
func (e *Encoder) closePart(it *itemState) error {
	if it.part == "" {
		return nil
	}
	text := it.text.String()
	p := OutputPart{Type: it.part, Text: &text, Annotations: emptyArray}
	ev := event{ItemID: it.item.ID, OutputIndex: &it.idx, ContentIndex: &it.partIdx}
	typ := "response.output_text.done"
	if it.part == "refusal" {
		p = OutputPart{Type: "refusal", Refusal: &text}
		typ, ev.Refusal = "response.refusal.done", &text
	} else {
		ev.Text, ev.Logprobs = &text, emptyArray
	}
	it.item.Content = append(it.item.Content, p)
	it.part = ""
	it.text.Reset()
	if err := e.send(typ, ev); err != nil {
		return err
	}
	return e.send("response.content_part.done", event{ItemID: it.item.ID, OutputIndex: &it.idx, ContentIndex: &it.partIdx, Part: &p})
}

// closeAll closes every open item, in order, a message with msgStatus.
func (e *Encoder) closeAll(msgStatus string) error {
	for _, it := range e.items {
		if it.done {
			continue
		}
		if it.item.Type == "message" {
			if err := e.closePart(it); err != nil {
				return err
			}
		} else {
			args := it.args.String()
			if err := e.send("response.function_call_arguments.done", event{ItemID: it.item.ID, OutputIndex: &it.idx, Name: it.item.Name, Arguments: &args}); err != nil {
				return err
			}
		}
		status := "completed"
		if it.item.Type == "message" {
			status = msgStatus
		}
		item := e.materialize(it, status)
		if err := e.send("response.output_item.done", event{OutputIndex: &it.idx, Item: &item}); err != nil {
			return err
		}
	}
	e.msg = nil
	return nil
}

// materialize marks it done with status and writes it into the response.
func (e *Encoder) materialize(it *itemState, status string) OutputItem {
	it.done = true
	it.item.Status = status
	if it.item.Type == "function_call" {
		args := it.args.String()
		it.item.Arguments = &args
	} else if it.part != "" && status != "completed" {
		// A part cut mid-way is kept as far as it got.
		text := it.text.String()
		p := OutputPart{Type: it.part, Text: &text, Annotations: emptyArray}
		if it.part == "refusal" {
			p = OutputPart{Type: "refusal", Refusal: &text}
		}
		it.item.Content = append(it.item.Content, p)
		it.part = ""
	}
	e.resp.Output[it.idx] = it.item
	return it.item
}

// event is any streamed event's data; each type fills its own fields.
type event struct {
	Type           string          `json:"type"`
	SequenceNumber int             `json:"sequence_number"`
	Response       *Response       `json:"response,omitempty"`
	OutputIndex    *int            `json:"output_index,omitempty"`
	Item           *OutputItem     `json:"item,omitempty"`
	ItemID         string          `json:"item_id,omitempty"`
	ContentIndex   *int            `json:"content_index,omitempty"`
	Part           *OutputPart     `json:"part,omitempty"`
	Delta          *string         `json:"delta,omitempty"`
	Text           *string         `json:"text,omitempty"`
	Refusal        *string         `json:"refusal,omitempty"`
	Name           string          `json:"name,omitempty"` // function_call_arguments.done
	Arguments      *string         `json:"arguments,omitempty"`
	Logprobs       json.RawMessage `json:"logprobs,omitempty"`
	Code           *string         `json:"code,omitempty"`
	Message        *string         `json:"message,omitempty"`
	Param          json.RawMessage `json:"param,omitempty"`
}

func (e *Encoder) send(typ string, ev event) error {
	ev.Type, ev.SequenceNumber = typ, e.seq
	e.seq++
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return e.emit(typ, b)
}
