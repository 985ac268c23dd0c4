package anthropicfake

// Reply is what the fake answers one request with. The zero Reply is the
// documented text answer: responses/text.json, or streams/text.sse for a
// streamed request.
type Reply struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// File is a fixture under testdata/: an .sse file is streamed event by
	// event, anything else is sent as the body. It serves both kinds of
	// request unless StreamFile is set.
	File string
	// StreamFile, when set, serves streamed requests (and non-streamed ones
	// when File is empty).
	StreamFile string
	// Header holds extra response headers (retry-after, request-id).
	Header map[string]string
	// ContentType overrides the type derived from the fixture's extension;
	// it also turns off the check that stream:true meets an .sse fixture.
	ContentType string
	// Hold, when set, pauses a streamed reply after its first event until
	// it is closed or the client goes away.
	Hold chan struct{}
	// Cut drops the connection instead of ending the response cleanly: a
	// JSON body is cut in half (after promising all of it); a stream sends
	// its first After events (all of them when After is beyond the fixture).
	Cut   bool
	After int
}

// Text is the documented text answer ("Hello!").
func Text() Reply { return Reply{} }

// Tools answers with the documented tool_use examples: two parallel tool
// calls (get_weather, get_time) when not streamed, one streamed get_weather
// call with input_json_delta fragments when streamed.
func Tools() Reply {
	return Reply{File: "responses/tool_use.json", StreamFile: "streams/tool_use.sse"}
}

// Overloaded is Anthropic's 529 overloaded_error.
func Overloaded() Reply {
	return Reply{Status: 529, File: "errors/overloaded.json"}
}

// RateLimited is Anthropic's 429 rate_limit_error with a retry-after header
// (seconds or an HTTP date; empty sends none).
func RateLimited(retryAfter string) Reply {
	r := Reply{Status: 429, File: "errors/rate_limit.json"}
	if retryAfter != "" {
		r.Header = map[string]string{"retry-after": retryAfter}
	}
	return r
}

// ErrorMidStream streams message_start and the text "Once upon", then an
// error event (overloaded_error) and no message_stop, as Anthropic does
// when it fails after it has started answering.
func ErrorMidStream() Reply {
	return Reply{StreamFile: "streams/error_overloaded.sse"}
}

// CutAfter sends the first n events of the text stream (n = 1 is
// message_start only, before any content), then drops the connection. A
// non-streamed request gets half its body.
func CutAfter(n int) Reply {
	return Reply{File: "responses/text.json", StreamFile: "streams/text.sse", Cut: true, After: n}
}
