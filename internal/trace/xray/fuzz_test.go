package xray

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzRequestDocument feeds what a caller controls off Lambda (the trace
// header, method, path, user agent, forwarded-for, and a value the engine
// annotates from the request, such as a model name) through a request's
// segment and checks every document it would send: valid JSON under the
// packet limit, well-formed ids, no parent without a trace, and a parsed
// header that formats back to itself.
func FuzzRequestDocument(f *testing.F) {
	f.Add("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "POST", "/v1/chat/completions", "openai-go/1.0", "", "gpt-4o")
	f.Add(`Root=1-5759e988-bd862e3fe1be46a99427279"};Parent=x;Sampled=?`, "GET", "/\x00", "\xff\xfe", "10.0.0.1, 10.0.0.2", "\u2028")
	f.Add("Sampled=1;Root=;Parent=53995c3f42cd8ad8", strings.Repeat("X", 100), "/"+strings.Repeat("a", 3000), strings.Repeat("u", 600), strings.Repeat("f", 600), strings.Repeat("m", 1200))
	tr, err := New(Options{DaemonAddr: "127.0.0.1:9", Logger: quietLog})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header, method, path, ua, fwd, model string) {
		th := parseTraceHeader(header)
		if th.root != "" && !validTraceID(th.root) || th.parent != "" && (!validSegmentID(th.parent) || th.root == "") {
			t.Fatalf("parseTraceHeader(%q) = %+v", header, th)
		}
		if th.root != "" && parseTraceHeader(th.String()) != th {
			t.Fatalf("%+v formats as %q, which parses as %+v", th, th.String(), parseTraceHeader(th.String()))
		}
		th.decision = sampled // what a caller may ask for; the documents must hold either way
		n := tr.newSegment(DefaultService, th)
		r := &http.Request{Method: method, Host: "gw.example.com", Header: http.Header{}, URL: &url.URL{Path: path}}
		r.Header.Set("User-Agent", ua)
		if fwd != "" {
			r.Header.Set("X-Forwarded-For", fwd)
		}
		captureRequest(n, r)
		c := n.child("routing")
		(*span)(c).Annotate("model", model)
		(*span)(c).Annotate(model, len(model))
		(*span)(c).Metadata("model", model)
		c.end(nil)
		n.captureStatus(http.StatusOK, -1)
		n.tree.mu.Lock()
		n.ended = true
		docs := n.pack(nil)
		n.tree.mu.Unlock()
		if len(docs) == 0 {
			t.Fatal("nothing to send")
		}
		for _, d := range docs {
			var m map[string]any
			if len(d) > maxDoc || json.Unmarshal(d, &m) != nil {
				t.Fatalf("a %d-byte document, valid JSON %v", len(d), json.Valid(d))
			}
			id, _ := m["id"].(string)
			tid, _ := m["trace_id"].(string)
			if !validSegmentID(id) || !validTraceID(tid) {
				t.Fatalf("ids %q %q", id, tid)
			}
			if p, ok := m["parent_id"].(string); ok && !validSegmentID(p) {
				t.Fatalf("parent_id %q", p)
			}
		}
	})
}
