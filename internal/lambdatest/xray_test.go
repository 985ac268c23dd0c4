package lambdatest

import (
	"testing"
)

// checkXRay checks the segments the gateway sent while serving chat.json
// (a 503 from the first target, then a fallback): one request segment in
// API Gateway's trace holding the routing decision, both attempts, and the
// AWS calls made on the way (config read, provider key).
func checkXRay(t *testing.T, d *xrayDaemon, traceRoot string) {
	routingOf := func(segs []segment) *segment {
		for i := range segs {
			s := &segs[i]
			if s.Name == "routing" && s.TraceID == traceRoot && s.Annotations["fallback"] == true {
				return s
			}
		}
		return nil
	}
	segs := d.waitFor(t, "routing subsegment of chat.json", func(segs []segment) bool { return routingOf(segs) != nil })
	routing := routingOf(segs)
	want := map[string]any{"router": "default", "strategy": "fallback", "target": "fake/gpt-4o", "attempts": 2.0, "fallback": true}
	for k, v := range want {
		if got := routing.Annotations[k]; got != v {
			t.Errorf("routing annotation %s = %#v, want %#v", k, got, v)
		}
	}
	if cost, ok := routing.Annotations["cost_usd"].(float64); !ok || cost <= 0 {
		t.Errorf("routing annotation cost_usd = %#v, want the priced answer's cost > 0", routing.Annotations["cost_usd"])
	}
	if routing.Metadata["switchyard"]["candidates"] == nil {
		t.Errorf("routing metadata %v: no candidates", routing.Metadata)
	}
	attempts := map[string]segment{}
	for _, a := range routing.Subsegments {
		if a.Name == "attempt" {
			attempts[a.Annotations["target"].(string)] = a
		}
	}
	failed, served := attempts["fake/gpt-4o-mini"], attempts["fake/gpt-4o"]
	if failed.Annotations["provider"] != "fake" || failed.Annotations["model"] != "gpt-4o-mini" ||
		failed.Annotations["status"] != 503.0 || failed.Annotations["error_class"] != "server_error" || !failed.Fault {
		t.Errorf("failed attempt %+v", failed)
	}
	if served.Annotations["status"] != 200.0 || served.Annotations["model"] != "gpt-4o" || served.Fault {
		t.Errorf("served attempt %+v", served)
	}

	// The request segment that holds it also holds the first request's
	// AWS calls: the config read and, under the first attempt, the
	// provider key.
	var req *segment
	for i := range segs {
		s := &segs[i]
		if s.Name != "switchyard" || s.TraceID != traceRoot {
			continue
		}
		for _, sub := range s.Subsegments {
			if sub.ID == routing.ID {
				req = s
			}
		}
	}
	if req == nil {
		t.Fatal("routing subsegment is not inside a switchyard request segment")
	}
	ops := map[string]bool{}
	var walk func(ss []segment)
	walk = func(ss []segment) {
		for _, sub := range ss {
			if sub.Namespace == "aws" {
				op, _ := sub.AWS["operation"].(string)
				ops[sub.Name+"."+op] = true
			}
			walk(sub.Subsegments)
		}
	}
	walk(req.Subsegments)
	for _, op := range []string{"DynamoDB.Scan", "Secrets Manager.GetSecretValue"} {
		if !ops[op] {
			t.Errorf("no %s subsegment in the request segment (have %v)", op, ops)
		}
	}
}
