package bedrockfake

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// StreamLine is one line of a testdata/stream/*.jsonl or
// testdata/invoke_stream/*.jsonl script: an event, an InvokeModel chunk, an
// exception, a gate (wait for Reply.Gate), or a cut connection (half a
// frame, then the connection drops).
type StreamLine struct {
	Event string `json:"event"`
	// Chunk is an InvokeModelWithResponseStream payload (for Claude, an
	// Anthropic event), sent as a "chunk" event whose {"bytes"} member
	// holds it base64-encoded, as Bedrock does.
	Chunk     json.RawMessage `json:"chunk"`
	Exception string          `json:"exception"`
	Payload   json.RawMessage `json:"payload"`
	Gate      bool            `json:"gate"`
	Cut       bool            `json:"cut"`
}

func parseScript(data []byte) ([]StreamLine, error) {
	var lines []StreamLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l StreamLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return lines, fmt.Errorf("line %d: %w", len(lines)+1, err)
		}
		lines = append(lines, l)
	}
	return lines, sc.Err()
}

// stream answers ConverseStream or InvokeModelWithResponseStream with a script encoded in the AWS
// event-stream binary framing, flushing every message.
func (f *Fake) stream(w http.ResponseWriter, r *http.Request, reply Reply, status int, lines []StreamLine) {
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.WriteHeader(status)
	flusher := w.(http.Flusher)
	flusher.Flush()
	enc := eventstream.NewEncoder()
	for i, l := range lines {
		if reply.Cut && i == reply.After {
			l = StreamLine{Cut: true}
		}
		var frame bytes.Buffer
		switch {
		case l.Gate:
			if reply.Gate == nil {
				continue
			}
			flusher.Flush()
			select {
			case <-reply.Gate:
			case <-r.Context().Done():
				return
			}
			continue
		case l.Cut:
			// Half a frame, then the connection drops.
			_ = enc.Encode(&frame, eventMessage("contentBlockDelta", []byte(`{"contentBlockIndex":0,"delta":{"text":"never arrives"}}`)))
			_, _ = w.Write(frame.Bytes()[:frame.Len()/2])
			flusher.Flush()
			panic(http.ErrAbortHandler)
		case len(l.Chunk) > 0:
			var compact bytes.Buffer
			if err := json.Compact(&compact, l.Chunk); err != nil {
				f.t.Errorf("bedrockfake: chunk: %v", err)
			}
			payload, _ := json.Marshal(struct {
				Bytes []byte `json:"bytes"`
			}{compact.Bytes()})
			_ = enc.Encode(&frame, eventMessage("chunk", payload))
		case l.Exception != "":
			var msg eventstream.Message
			msg.Headers.Set(":exception-type", eventstream.StringValue(l.Exception))
			msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
			msg.Headers.Set(":message-type", eventstream.StringValue("exception"))
			msg.Payload = l.Payload
			_ = enc.Encode(&frame, msg)
		default:
			payload := l.Payload
			if l.Event == "messageStop" && reply.StopReason != "" {
				var err error
				if payload, err = withStopReason(payload, reply.StopReason); err != nil {
					f.t.Errorf("bedrockfake: messageStop: %v", err)
				}
			}
			_ = enc.Encode(&frame, eventMessage(l.Event, payload))
		}
		_, _ = w.Write(frame.Bytes())
		flusher.Flush()
	}
	if reply.Cut {
		panic(http.ErrAbortHandler)
	}
}

func eventMessage(typ string, payload []byte) eventstream.Message {
	var msg eventstream.Message
	msg.Headers.Set(":event-type", eventstream.StringValue(typ))
	msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
	msg.Headers.Set(":message-type", eventstream.StringValue("event"))
	msg.Payload = payload
	return msg
}

// withStopReason rewrites the stopReason of a Converse body or a
// messageStop payload.
func withStopReason(payload []byte, reason string) ([]byte, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(payload, &obj); err != nil {
		return payload, err
	}
	obj["stopReason"], _ = json.Marshal(reason)
	return json.Marshal(obj)
}
