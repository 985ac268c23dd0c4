package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/condition"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// requestVars resolves condition variables (DESIGN §4) for one request.
// Values are computed on demand, so a condition that reads only
// metadata.tier costs a map lookup.
type requestVars struct {
	ctx     context.Context
	req     *chat.Request
	headers http.Header
	caller  routing.Location
	now     time.Time
	budgets *budgets
	scope   scope
	op      string // Request.Op(): request.operation

	inputTokens int // cached estimate; -1 until computed
}

var _ condition.Vars = (*requestVars)(nil)

func (v *requestVars) Lookup(name string) (any, bool) {
	root, rest, _ := strings.Cut(name, ".")
	switch root {
	case "metadata":
		return lookupPath(v.req.Metadata, rest)
	case "user":
		if rest != "" || v.req.User == "" {
			return nil, false
		}
		return v.req.User, true
	case "headers":
		vals := v.headers.Values(rest)
		if len(vals) == 0 {
			return nil, false
		}
		return vals[0], true
	case "params":
		return v.param(rest)
	case "request":
		return v.request(rest)
	case "budget":
		bname, field, _ := strings.Cut(rest, ".")
		if field != "remaining_pct" || v.budgets == nil {
			return nil, false
		}
		pct, ok := v.budgets.remainingPct(v.ctx, bname, v.scope, v.now)
		return pct, ok
	case "geo":
		switch rest {
		case "country":
			return v.caller.Country, v.caller.Country != ""
		case "region":
			return v.caller.Region, v.caller.Region != ""
		}
	case "time":
		switch rest {
		case "hour_utc":
			return float64(v.now.UTC().Hour()), true
		case "weekday":
			return strings.ToLower(v.now.UTC().Weekday().String()), true
		}
	}
	return nil, false
}

func (v *requestVars) param(field string) (any, bool) {
	r := v.req
	switch field {
	case "model":
		return r.Model, true
	case "stream":
		return r.Stream, true
	case "temperature":
		return optFloat(r.Temperature)
	case "top_p":
		return optFloat(r.TopP)
	case "max_tokens":
		if n := r.OutputLimit(); n > 0 {
			return float64(n), true
		}
		return nil, false
	case "user":
		return r.User, r.User != ""
	case "max_completion_tokens":
		return optInt(r.MaxCompletionTokens)
	case "n":
		return optInt(r.N)
	case "seed":
		if r.Seed == nil {
			return nil, false
		}
		return float64(*r.Seed), true
	case "presence_penalty":
		return optFloat(r.PresencePenalty)
	case "frequency_penalty":
		return optFloat(r.FrequencyPenalty)
	case "parallel_tool_calls":
		if r.ParallelToolCalls == nil {
			return nil, false
		}
		return *r.ParallelToolCalls, true
	case "stop":
		if len(r.Stop) == 0 {
			return nil, false
		}
		out := make([]any, len(r.Stop))
		for i, s := range r.Stop {
			out[i] = s
		}
		return out, true
	case "response_format", "tool_choice", "tools", "stream_options":
		// Structured fields, in their JSON shape (response_format.type is
		// not a variable; $exists or $eq on the whole value are the uses).
		return jsonShape(r, field)
	}
	raw, ok := r.Extra[field]
	if !ok {
		return nil, false
	}
	var out any
	if json.Unmarshal(raw, &out) != nil {
		return nil, false
	}
	return out, true
}

func optInt(n *int) (any, bool) {
	if n == nil {
		return nil, false
	}
	return float64(*n), true
}

// jsonShape is a typed request field as condition values see JSON: maps,
// lists, strings, float64. Absent when unset.
func jsonShape(r *chat.Request, field string) (any, bool) {
	var v any
	switch field {
	case "response_format":
		if r.ResponseFormat == nil {
			return nil, false
		}
		v = r.ResponseFormat
	case "tool_choice":
		if r.ToolChoice == nil {
			return nil, false
		}
		v = r.ToolChoice
	case "tools":
		if len(r.Tools) == 0 {
			return nil, false
		}
		v = r.Tools
	case "stream_options":
		if r.StreamOptions == nil {
			return nil, false
		}
		v = r.StreamOptions
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var out any
	if json.Unmarshal(raw, &out) != nil {
		return nil, false
	}
	return out, true
}

func optFloat(f *float64) (any, bool) {
	if f == nil {
		return nil, false
	}
	return *f, true
}

func (v *requestVars) request(field string) (any, bool) {
	switch field {
	case "input_tokens":
		if v.inputTokens < 0 {
			v.inputTokens = pricing.EstimateInputTokens(v.req)
		}
		return float64(v.inputTokens), true
	case "messages":
		return float64(len(v.req.Messages)), true
	case "has_tools":
		return len(v.req.Tools) > 0, true
	case "operation":
		return opValues[v.op], true
	case "has_images":
		for _, m := range v.req.Messages {
			if m.Content.HasImages() {
				return true, true
			}
		}
		return false, true
	}
	return nil, false
}

// lookupPath follows a dotted path through nested maps.
func lookupPath(m map[string]any, path string) (any, bool) {
	if m == nil || path == "" {
		return nil, false
	}
	if v, ok := m[path]; ok {
		return v, true
	}
	head, rest, found := strings.Cut(path, ".")
	if !found {
		return nil, false
	}
	sub, ok := m[head].(map[string]any)
	if !ok {
		return nil, false
	}
	return lookupPath(sub, rest)
}
