package geminifake

// Reply is what the fake answers one request with. The zero Reply is the
// documented text answer: responses/text.json, or streams/text.sse for
// streamGenerateContent.
type Reply struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// File is a fixture under testdata/: an .sse file is streamed event by
	// event, anything else is sent as the body. It serves both methods
	// unless StreamFile is set.
	File string
	// StreamFile, when set, serves streamGenerateContent (and
	// generateContent when File is empty).
	StreamFile string
	// Header holds extra response headers (Retry-After).
	Header map[string]string
	// Hold, when set, pauses a stream after its first event until it is
	// closed or the client goes away.
	Hold chan struct{}
	// Cut drops the connection: a stream after its first After events (all
	// of them when After is beyond the fixture), a JSON body after half.
	Cut   bool
	After int
}

// Text is the documented text answer.
func Text() Reply { return Reply{} }

// Tools answers with the documented function-calling examples: two
// functionCall parts (the first with a thought signature).
func Tools() Reply {
	return Reply{File: "responses/function_call.json", StreamFile: "streams/function_call.sse"}
}

// ResourceExhausted is Gemini's 429 RESOURCE_EXHAUSTED quota error, whose
// RetryInfo asks for a 32s delay.
func ResourceExhausted() Reply {
	return Reply{Status: 429, File: "errors/rate_limit.json"}
}

// Unavailable is Gemini's 503 UNAVAILABLE ("The model is overloaded").
func Unavailable() Reply {
	return Reply{Status: 503, File: "errors/overloaded.json"}
}

// ErrorMidStream streams one text event, then an error object (503
// UNAVAILABLE) as the next data event, as Gemini does when it fails after
// it has started answering.
func ErrorMidStream() Reply {
	return Reply{StreamFile: "streams/error_midstream.sse"}
}

// CutAfter sends the first n events of the text stream (n = 0: the 200
// and headers, no content), then drops the connection. A generateContent
// request gets half its body.
func CutAfter(n int) Reply {
	return Reply{File: "responses/text.json", StreamFile: "streams/text.sse", Cut: true, After: n}
}
