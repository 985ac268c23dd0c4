package main

import (
	"net/http"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/trace/xray"
)

// SampledHeader tells the caller whether X-Ray recorded this request's
// trace. x-switchyard-trace-id is the X-Ray trace id of every request,
// but X-Ray keeps only the sampled ones (its default rule: the first
// request each second, then 5%): an id with "false" here is in the logs
// and the access log, not in the X-Ray console.
const SampledHeader = "x-switchyard-trace-sampled"

// markSampled sets SampledHeader from the sampling decision Lambda hands
// the invocation (the Sampled field of its trace header). Outside Lambda,
// or with no decision in the header, it sets nothing.
func markSampled(w http.ResponseWriter, r *http.Request) {
	h, _ := r.Context().Value(xray.LambdaTraceHeaderKey).(string)
	for _, part := range strings.Split(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		if k != "Sampled" {
			continue
		}
		switch v {
		case "1":
			w.Header().Set(SampledHeader, "true")
		case "0":
			w.Header().Set(SampledHeader, "false")
		}
		return
	}
}
