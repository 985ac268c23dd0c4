package pricing

import (
	"bytes"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// The estimate counts bytes, not tokens. On OpenAI's o200k_base tokenizer
// English prose runs about 4.7 bytes per token and code or JSON about 3;
// Anthropic's tokenizer yields more tokens for the same text. 4 sits between
// them. Counting UTF-8 bytes rather than characters keeps the estimate from
// collapsing on scripts whose characters are tokens of their own (a CJK
// character is 3 bytes, 0.75 estimated tokens; o200k spends 0.8). The
// message and request overheads are those of OpenAI's chat format.
// TestEstimateInputTokensTolerance holds the result to o200k counts of the
// samples in testdata/estimate.json.
const (
	bytesPerToken = 4

	// requestOverheadTokens primes the reply (<|start|>assistant<|message|>).
	requestOverheadTokens = 3
	// messageOverheadTokens is the role and the delimiters of one message.
	messageOverheadTokens = 4
	// nameOverheadTokens is the separator a message's name adds.
	nameOverheadTokens = 1
	// toolCallOverheadTokens frames one assistant tool call: its id, the
	// function name's framing and the argument delimiters.
	toolCallOverheadTokens = 8
	// toolsOverheadTokens is the preamble a provider adds once when a
	// request has tools; toolOverheadTokens frames each definition.
	toolsOverheadTokens = 12
	toolOverheadTokens  = 8
	// schemaOverheadTokens frames a response_format JSON schema.
	schemaOverheadTokens = 8

	// ImageTokens is the fixed estimate for one image part, whatever its
	// size: 1000 lies between OpenAI's 765 tokens for a 1024x1024 image at
	// high detail and Anthropic's ~1600 for a 1.15-megapixel image, and above
	// Gemini's flat 258. Estimating from the bytes of a base64 image would be
	// far off (a 200 KB JPEG is not 50,000 tokens) and fetching a URL to size
	// it is I/O this package must not do.
	ImageTokens = 1000
	// LowDetailImageTokens is OpenAI's flat cost of an image sent with
	// detail "low", which the caller asked for explicitly.
	LowDetailImageTokens = 85
	// maxOpaquePartTokens caps a part of an unknown type (input_audio, file),
	// counted by its JSON size: base64 attachments would otherwise be
	// estimated at a quarter of their encoded size and exhaust a budget
	// reservation the real call would never spend.
	maxOpaquePartTokens = 8192
)

// BytesPerToken is the estimator's bytes of text per token, for callers
// that size a text from a token count (an embeddings token-array input).
const BytesPerToken = bytesPerToken

// EstimateInputTokens estimates the prompt tokens of req without a
// tokenizer: text at bytesPerToken, a fixed overhead per message, tool
// definitions and calls and a response_format schema by their JSON size,
// ImageTokens per image part (LowDetailImageTokens at detail "low"). It
// reads the request in place and allocates nothing. A nil request is 0.
func EstimateInputTokens(req *chat.Request) int {
	if req == nil {
		return 0
	}
	tokens := requestOverheadTokens
	text := 0 // bytes counted at bytesPerToken, summed so rounding happens once
	for i := range req.Messages {
		m := &req.Messages[i]
		tokens += messageOverheadTokens
		if m.Name != "" {
			tokens += nameOverheadTokens
			text += len(m.Name)
		}
		t, fixed := contentSize(&m.Content)
		text += t
		tokens += fixed
		for j := range m.ToolCalls {
			f := &m.ToolCalls[j].Function
			tokens += toolCallOverheadTokens
			text += len(f.Name) + len(f.Arguments)
		}
		if m.Refusal != nil {
			text += len(*m.Refusal)
		}
	}
	if len(req.Tools) > 0 {
		tokens += toolsOverheadTokens
		for i := range req.Tools {
			f := &req.Tools[i].Function
			tokens += toolOverheadTokens
			text += len(f.Name) + len(f.Description) + compactLen(f.Parameters)
		}
	}
	if rf := req.ResponseFormat; rf != nil && rf.JSONSchema != nil {
		s := rf.JSONSchema
		tokens += schemaOverheadTokens
		text += len(s.Name) + len(s.Description) + compactLen(s.Schema)
	}
	return tokens + (text+bytesPerToken-1)/bytesPerToken
}

// contentSize returns the text bytes of c and the fixed tokens of its
// non-text parts.
func contentSize(c *chat.Content) (text, fixed int) {
	if !c.IsParts {
		return len(c.Text), 0
	}
	for i := range c.Parts {
		p := &c.Parts[i]
		switch p.Type {
		case "text":
			text += len(p.Text)
		case "image_url":
			if p.ImageURL != nil && p.ImageURL.Detail == "low" {
				fixed += LowDetailImageTokens
			} else {
				fixed += ImageTokens
			}
		default:
			fixed += min((len(p.Raw)+bytesPerToken-1)/bytesPerToken, maxOpaquePartTokens)
		}
	}
	return text, fixed
}

// compactLen is the length of a JSON document without the whitespace
// between tokens: a schema a client pretty-printed costs what the same
// schema sent compact does, since providers re-render it. Strings are
// skipped with bytes.IndexByte, so descriptions cost little to measure.
func compactLen(doc []byte) int {
	n := 0
	for i := 0; i < len(doc); i++ {
		switch doc[i] {
		case ' ', '\t', '\n', '\r':
		case '"':
			end := stringEnd(doc, i+1)
			n += end - i
			i = end - 1
		default:
			n++
		}
	}
	return n
}

// stringEnd returns the index just past the quote closing the JSON string
// whose body starts at i, or len(doc) if it is unterminated.
func stringEnd(doc []byte, i int) int {
	for {
		j := bytes.IndexByte(doc[i:], '"')
		if j < 0 {
			return len(doc)
		}
		j += i
		// The quote is escaped when an odd number of backslashes precede it.
		k := j
		for k > i && doc[k-1] == '\\' {
			k--
		}
		if (j-k)%2 == 0 {
			return j + 1
		}
		i = j + 1
	}
}
