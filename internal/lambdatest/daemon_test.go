package lambdatest

import (
	"bytes"
	"encoding/json"
	"net"
	"sync"
	"testing"
	"time"
)

// segment is the part of an X-Ray segment document the tests read.
type segment struct {
	Name        string                    `json:"name"`
	ID          string                    `json:"id"`
	TraceID     string                    `json:"trace_id"`
	ParentID    string                    `json:"parent_id"`
	Type        string                    `json:"type"`
	Namespace   string                    `json:"namespace"`
	Annotations map[string]any            `json:"annotations"`
	Metadata    map[string]map[string]any `json:"metadata"`
	AWS         map[string]any            `json:"aws"`
	HTTP        httpInfo                  `json:"http"`
	Error       bool                      `json:"error"`
	Fault       bool                      `json:"fault"`
	Subsegments []segment                 `json:"subsegments"`
}

// httpInfo is the http field of a (sub)segment: for an AWS SDK call, the
// status the service answered.
type httpInfo struct {
	Response struct {
		Status int `json:"status"`
	} `json:"response"`
}

// xrayDaemon is a UDP listener standing in for the X-Ray daemon: it keeps
// every segment document it receives.
type xrayDaemon struct {
	conn *net.UDPConn
	mu   sync.Mutex
	segs []segment
	raw  [][]byte
	got  chan struct{} // signalled on each packet
}

func newXRayDaemon(t testing.TB) *xrayDaemon {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	d := &xrayDaemon{conn: conn, got: make(chan struct{}, 1)}
	done := make(chan struct{})
	go d.read(done)
	t.Cleanup(func() { _ = conn.Close(); <-done })
	return d
}

func (d *xrayDaemon) Addr() string { return d.conn.LocalAddr().String() }

// read parses packets: a header line ({"format":"json","version":1}),
// a newline, then one segment or subsegment document.
func (d *xrayDaemon) read(done chan<- struct{}) {
	defer close(done)
	buf := make([]byte, 64<<10)
	for {
		n, err := d.conn.Read(buf)
		if err != nil {
			return
		}
		pkt := append([]byte(nil), buf[:n]...)
		_, doc, ok := bytes.Cut(pkt, []byte("\n"))
		var s segment
		if !ok || json.Unmarshal(doc, &s) != nil {
			continue
		}
		d.mu.Lock()
		d.segs = append(d.segs, s)
		d.raw = append(d.raw, pkt)
		d.mu.Unlock()
		select {
		case d.got <- struct{}{}:
		default:
		}
	}
}

// all returns every segment and subsegment received, nested ones included.
func (d *xrayDaemon) all() []segment {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []segment
	var walk func(ss []segment)
	walk = func(ss []segment) {
		for _, s := range ss {
			out = append(out, s)
			walk(s.Subsegments)
		}
	}
	walk(d.segs)
	return out
}

// waitFor returns the segments once match holds for them, or fails after
// a bounded wait: packets are sent as spans end, which may be just after
// the invocation's response.
func (d *xrayDaemon) waitFor(t *testing.T, what string, match func([]segment) bool) []segment {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		if segs := d.all(); match(segs) {
			return segs
		}
		select {
		case <-d.got:
		case <-deadline.C:
			d.mu.Lock()
			defer d.mu.Unlock()
			var b bytes.Buffer
			for _, r := range d.raw {
				b.Write(r)
				b.WriteByte('\n')
			}
			t.Fatalf("no %s among the X-Ray segments received:\n%s", what, b.String())
			return nil
		}
	}
}
