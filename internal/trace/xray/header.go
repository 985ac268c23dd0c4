package xray

import (
	"strings"
)

// TraceHeader is the HTTP header X-Ray propagates a trace in.
const TraceHeader = "X-Amzn-Trace-Id"

// LambdaTraceHeaderKey is the context key (a plain string, by convention
// between aws-lambda-go and the X-Ray SDKs) under which aws-lambda-go puts
// each invocation's trace header, from Lambda-Runtime-Trace-Id.
const LambdaTraceHeaderKey = "x-amzn-trace-id"

// decision is a trace header's sampling decision.
type decision int8

const (
	undecided decision = iota // absent, or "Sampled=?": the receiver decides
	sampled
	notSampled
)

// traceHeader is a parsed X-Amzn-Trace-Id: "Root=1-5759e988-bd862e3fe1be46a994272793;
// Parent=53995c3f42cd8ad8;Sampled=1". Fields that are not well formed are
// left empty, so a caller's header can never put arbitrary text in a
// segment document or make one the daemon rejects.
type traceHeader struct {
	root, parent string
	decision     decision
}

// parseTraceHeader reads h; unknown keys (Self=, Lineage=...) are ignored.
func parseTraceHeader(h string) traceHeader {
	var th traceHeader
	if len(h) > 1024 { // a real header is ~80 bytes
		return th
	}
	for h != "" {
		var part string
		part, h, _ = strings.Cut(h, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			if validTraceID(v) {
				th.root = v
			}
		case "Parent":
			if validSegmentID(v) {
				th.parent = v
			}
		case "Sampled":
			switch v {
			case "1":
				th.decision = sampled
			case "0":
				th.decision = notSampled
			}
		}
	}
	if th.root == "" {
		th.parent = "" // a parent in no known trace would dangle
	}
	return th
}

// String formats the header to pass downstream.
func (th traceHeader) String() string {
	s := "Root=" + th.root
	if th.parent != "" {
		s += ";Parent=" + th.parent
	}
	switch th.decision {
	case sampled:
		s += ";Sampled=1"
	case notSampled:
		s += ";Sampled=0"
	}
	return s
}

// validTraceID: "1-" + 8 hex digits (epoch seconds) + "-" + 24 hex digits.
func validTraceID(s string) bool {
	return len(s) == 35 && s[0] == '1' && s[1] == '-' && s[10] == '-' && isHex(s[2:10]) && isHex(s[11:])
}

// validSegmentID: 16 hex digits.
func validSegmentID(s string) bool { return len(s) == 16 && isHex(s) }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') { // X-Ray's ids are lower-case
			return false
		}
	}
	return true
}
