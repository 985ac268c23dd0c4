package bedrockfake

// Reply is what the fake answers one request with. The zero Reply is the
// documented text answer: converse/text.json, or stream/text.jsonl for
// ConverseStream.
type Reply struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// ErrorCode, when set, answers the way Bedrock reports an error: Status,
	// the code in X-Amzn-ErrorType and {"message": Message}.
	ErrorCode, Message string
	// File is a fixture under testdata/ sent as the body: Converse JSON, or
	// for a ConverseStream request a stream/*.jsonl script (see StreamLine)
	// encoded as an event stream. It serves both operations unless
	// StreamFile is set.
	File string
	// StreamFile, when set, serves ConverseStream (and Converse when File
	// is empty).
	StreamFile string
	// ContentType overrides application/json for a non-stream body.
	ContentType string
	// Header holds extra response headers (Retry-After).
	Header map[string]string
	// StopReason, when set, replaces the stopReason of the answer: the
	// Converse body's, or the messageStop event's of a stream script.
	StopReason string
	// Gate, when set, holds a stream at each {"gate": true} line until it
	// is closed (or the client goes away); when nil, gate lines are skipped.
	Gate chan struct{}
	// Cut drops the connection after the first After stream lines (all of
	// them when After is beyond the script), sending half a frame first.
	// A Converse request gets half its body.
	Cut   bool
	After int
	// InputTokens, when set, is the CountTokens answer; else the fake
	// counts a token per four bytes of the body (CountTokens).
	InputTokens int
}

// Text is the documented text answer.
func Text() Reply { return Reply{} }

// Tools answers with the documented tool-use examples: text, then two
// toolUse blocks (get_weather, get_order); streamed, their inputs arrive as
// contentBlockDelta fragments after a reasoning block.
func Tools() Reply {
	return Reply{File: "converse/tool_use.json", StreamFile: "stream/tool_use.jsonl"}
}

// Throttled is Bedrock's 429 ThrottlingException, without Retry-After.
func Throttled() Reply {
	return Reply{Status: 429, ErrorCode: "ThrottlingException", Message: "Too many requests, please wait before trying again."}
}

// ServiceUnavailable is Bedrock's 503 ServiceUnavailableException.
func ServiceUnavailable() Reply {
	return Reply{Status: 503, ErrorCode: "ServiceUnavailableException", Message: "Bedrock is unable to process your request."}
}

// ErrorMidStream streams messageStart and the text "Partial answer", then
// a serviceUnavailableException exception event, as Bedrock does when it
// fails after it has started answering.
func ErrorMidStream() Reply {
	return Reply{StreamFile: "stream/exception_service_unavailable.jsonl"}
}

// CutAfter sends the first n events of the text stream (n = 0: the 200 and
// headers, no event), then half a frame, then drops the connection. A
// Converse request gets half its body.
func CutAfter(n int) Reply {
	return Reply{File: "converse/text.json", StreamFile: "stream/text.jsonl", Cut: true, After: n}
}

// Stopped answers with the documented text answer (both operations), its
// stopReason replaced by reason.
func Stopped(reason string) Reply {
	return Reply{File: "converse/text.json", StreamFile: "stream/text.jsonl", StopReason: reason}
}

// ClaudeStream answers InvokeModelWithResponseStream with the script
// testdata/invoke_stream/<name>.jsonl: Anthropic events as chunks, and
// exceptions; a non-nil gate holds the stream at the script's gate line.
func ClaudeStream(name string, gate chan struct{}) Reply {
	return Reply{StreamFile: "invoke_stream/" + name + ".jsonl", Gate: gate}
}

// ClaudeMessage answers InvokeModel with testdata/invoke/<name>.json.
func ClaudeMessage(name string) Reply {
	return Reply{File: "invoke/" + name + ".json"}
}
