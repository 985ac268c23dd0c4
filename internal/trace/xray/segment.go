package xray

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"
)

// document is one segment or subsegment, in the fields of X-Ray's segment
// document schema that the gateway records
// (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html).
type document struct {
	Name        string                    `json:"name"`
	ID          string                    `json:"id"`
	TraceID     string                    `json:"trace_id,omitempty"`
	ParentID    string                    `json:"parent_id,omitempty"`
	Type        string                    `json:"type,omitempty"`
	StartTime   float64                   `json:"start_time"`
	EndTime     float64                   `json:"end_time,omitempty"`
	InProgress  bool                      `json:"in_progress,omitempty"`
	Namespace   string                    `json:"namespace,omitempty"`
	Error       bool                      `json:"error,omitempty"`
	Fault       bool                      `json:"fault,omitempty"`
	Throttle    bool                      `json:"throttle,omitempty"`
	Cause       *cause                    `json:"cause,omitempty"`
	HTTP        *httpData                 `json:"http,omitempty"`
	AWS         map[string]any            `json:"aws,omitempty"`
	Service     *serviceData              `json:"service,omitempty"`
	Annotations map[string]any            `json:"annotations,omitempty"`
	Metadata    map[string]map[string]any `json:"metadata,omitempty"`
	Subsegments []json.RawMessage         `json:"subsegments,omitempty"`
}

type cause struct {
	WorkingDirectory string      `json:"working_directory,omitempty"`
	Exceptions       []exception `json:"exceptions"`
}

type exception struct {
	ID      string `json:"id"`
	Message string `json:"message"`
	Type    string `json:"type,omitempty"`
}

type httpData struct {
	Request  *httpRequest  `json:"request,omitempty"`
	Response *httpResponse `json:"response,omitempty"`
}

type httpRequest struct {
	Method        string `json:"method,omitempty"`
	URL           string `json:"url,omitempty"`
	UserAgent     string `json:"user_agent,omitempty"`
	ClientIP      string `json:"client_ip,omitempty"`
	XForwardedFor bool   `json:"x_forwarded_for,omitempty"`
	Traced        bool   `json:"traced,omitempty"`
}

type httpResponse struct {
	Status        int   `json:"status,omitempty"`
	ContentLength int64 `json:"content_length,omitempty"`
}

type serviceData struct {
	Runtime        string `json:"runtime,omitempty"`
	RuntimeVersion string `json:"runtime_version,omitempty"`
}

// tree is one request's segment (or, under Lambda, its subsegment of the
// invocation's facade segment) and everything under it. One lock guards
// the whole tree: spans of one request rarely contend.
type tree struct {
	tracer  *Tracer
	traceID string
	sampled bool
	mu      sync.Mutex
}

// node is a segment or subsegment. Sending follows one rule: a node goes
// out when it ends, if it is a tree's root or its parent has already gone
// out and ended; otherwise it waits to be embedded in its parent's
// document. A node still open when its parent goes out is embedded as
// in_progress and sent again, complete, when it ends (X-Ray keeps the
// latest document of an id), so nothing waits on a span that outlives its
// parent and nothing is lost.
type node struct {
	tree     *tree
	parent   *node
	children []*node
	doc      document
	ended    bool
	sent     bool
	// endsRoot: this span opened its own segment (a span off any request,
	// off Lambda), which it ends with itself.
	endsRoot bool
}

func (t *Tracer) newTree(traceID string, sampled bool) *tree {
	if traceID == "" {
		traceID = newTraceID(t.now())
	}
	return &tree{tracer: t, traceID: traceID, sampled: sampled}
}

// newSegment opens a tree whose root is a segment named name: a request
// off Lambda, continuing th's trace when it has one.
func (t *Tracer) newSegment(name string, th traceHeader) *node {
	decided := th.decision
	if decided == undecided {
		decided = notSampled
		if t.sampler.sample() {
			decided = sampled
		}
	}
	tr := t.newTree(th.root, decided == sampled)
	n := &node{tree: tr}
	if tr.sampled {
		n.doc = document{Name: segmentName(name), ID: newSegmentID(), TraceID: tr.traceID, ParentID: th.parent,
			StartTime: epoch(t.now()), InProgress: true,
			AWS:     map[string]any{"xray": map[string]any{"sdk": sdkName}},
			Service: &serviceData{Runtime: "go", RuntimeVersion: runtime.Version()}}
	}
	return n
}

// newLambdaRoot opens a tree whose root is a subsegment of the invocation's
// facade segment: the segment Lambda itself records for the invocation
// (th.parent), which this process never sends.
func (t *Tracer) newLambdaRoot(name string, th traceHeader) *node {
	tr := t.newTree(th.root, th.decision == sampled)
	n := &node{tree: tr}
	if tr.sampled {
		n.doc = document{Name: clipName(name), ID: newSegmentID(), TraceID: tr.traceID, ParentID: th.parent,
			Type: "subsegment", StartTime: epoch(t.now()), InProgress: true}
	}
	return n
}

// child opens a subsegment of n.
func (n *node) child(name string) *node {
	c := &node{tree: n.tree, parent: n}
	if !n.tree.sampled {
		return c
	}
	c.doc = document{Name: clipName(name), ID: newSegmentID(), TraceID: n.tree.traceID, ParentID: n.doc.ID,
		StartTime: epoch(n.tree.tracer.now()), InProgress: true}
	n.tree.mu.Lock()
	n.children = append(n.children, c)
	n.tree.mu.Unlock()
	return c
}

// end closes n (err, if any, is its cause) and sends what the rule above
// says is ready.
func (n *node) end(err error) {
	t := n.tree
	t.mu.Lock()
	if n.ended {
		t.mu.Unlock()
		return
	}
	n.ended = true
	if !t.sampled {
		t.mu.Unlock()
		return
	}
	n.doc.EndTime, n.doc.InProgress = epoch(t.tracer.now()), false
	if err != nil {
		n.failed(err)
	}
	var out [][]byte
	if n.parent == nil || n.parent.sent && n.parent.ended {
		out = n.pack(nil)
	}
	t.mu.Unlock()
	for _, doc := range out {
		t.tracer.emitter.send(doc)
	}
}

// failed records err as n's cause. A call that got an HTTP answer is a
// fault only for a 5xx (a 4xx is the caller's error, already flagged).
func (n *node) failed(err error) {
	if r := n.doc.HTTP; r == nil || r.Response == nil || r.Response.Status == 0 || r.Response.Status >= 500 {
		n.doc.Fault = true
	}
	n.doc.Cause = &cause{WorkingDirectory: workingDir, Exceptions: []exception{{
		ID: newSegmentID(), Message: clip(err.Error(), maxErrorMessage), Type: fmt.Sprintf("%T", err)}}}
}

// markSent records that a document holding n and its subtree went out.
func (n *node) markSent() {
	n.sent = true
	for _, c := range n.children {
		c.markSent()
	}
}

// maxDoc is the largest document that fits one packet.
const maxDoc = maxPacket - len(packetHeader)

// pack appends the documents that send n: n with its subtree embedded or,
// when that exceeds a packet, each child sent on its own (X-Ray joins them
// by parent_id) and n without them. Called with the tree locked.
func (n *node) pack(out [][]byte) [][]byte {
	n.markSent()
	if n.parent != nil {
		n.doc.Type = "subsegment" // sent on its own, not inside its parent
	}
	if b := n.encode(true); b != nil && len(b) <= maxDoc {
		return append(out, b)
	}
	for _, c := range n.children {
		out = c.pack(out)
	}
	b := n.encode(false)
	if b == nil {
		return out
	}
	if len(b) > maxDoc {
		// Names, annotation values, causes and request fields are clipped;
		// what is left to be this large is metadata (or very many
		// annotations). Keep the span and say what was dropped.
		n.doc.Metadata = map[string]map[string]any{MetadataNamespace: {"dropped": fmt.Sprintf(
			"metadata: the span's document was %d bytes, over the %d a UDP packet to the daemon holds", len(b), maxDoc)}}
		if b = n.encode(false); len(b) > maxDoc {
			n.tree.tracer.emitter.failed(fmt.Errorf("span %q: a %d-byte document without its metadata, not sent", n.doc.Name, len(b)))
			return out
		}
	}
	return append(out, b)
}

// encode marshals n, with its subtree embedded when deep. Metadata that
// cannot be marshalled is dropped rather than losing the span.
func (n *node) encode(deep bool) []byte {
	d := n.doc
	if deep {
		for _, c := range n.children {
			if b := c.encode(true); b != nil {
				d.Subsegments = append(d.Subsegments, b)
			}
		}
	}
	b, err := json.Marshal(&d)
	if err != nil {
		d.Metadata = map[string]map[string]any{MetadataNamespace: {"dropped": "metadata not encodable as JSON: " + err.Error()}}
		if b, err = json.Marshal(&d); err != nil {
			// Annotations are made encodable (annotationValue), metadata
			// is gone: nothing should be left to fail. Send no document
			// rather than a broken one.
			n.tree.tracer.emitter.failed(fmt.Errorf("span %q: %w", n.doc.Name, err))
			return nil
		}
	}
	return b
}

const (
	// sdkName is the aws.xray.sdk field of the segments this package opens.
	sdkName = "switchyard (X-Ray segment emitter)"
	// maxName: X-Ray accepts names of up to 200 characters.
	maxName         = 200
	maxErrorMessage = 1024
)

var workingDir, _ = os.Getwd()

// segmentName is a segment's name: AWS_XRAY_TRACING_NAME when set (as in
// X-Ray's SDKs), else name.
func segmentName(name string) string {
	if v := os.Getenv("AWS_XRAY_TRACING_NAME"); v != "" {
		name = v
	}
	return clipName(name)
}

func clipName(s string) string { return clip(s, maxName) }

// clip shortens s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// epoch is t in the documents' unit: seconds since the epoch, fractional.
func epoch(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// newTraceID is "1-" + the start's epoch seconds in 8 hex digits + "-" +
// 96 random bits in 24 hex digits. Ids need to be unique, not secret.
func newTraceID(now time.Time) string {
	var b [35]byte
	b[0], b[1], b[10] = '1', '-', '-'
	var sec [4]byte
	s := uint32(now.Unix())
	sec[0], sec[1], sec[2], sec[3] = byte(s>>24), byte(s>>16), byte(s>>8), byte(s)
	hex.Encode(b[2:10], sec[:])
	var r [12]byte
	hi, lo := rand.Uint64(), rand.Uint32()
	for i := 0; i < 8; i++ {
		r[i] = byte(hi >> (56 - 8*i))
	}
	r[8], r[9], r[10], r[11] = byte(lo>>24), byte(lo>>16), byte(lo>>8), byte(lo)
	hex.Encode(b[11:], r[:])
	return string(b[:])
}

// newSegmentID is 64 random bits in 16 hex digits.
func newSegmentID() string {
	var b [16]byte
	var r [8]byte
	v := rand.Uint64()
	for i := range r {
		r[i] = byte(v >> (56 - 8*i))
	}
	hex.Encode(b[:], r[:])
	return string(b[:])
}
