package engine

import (
	"encoding/json"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/trace"
)

// annotateOperation names the API the request came in by on its span
// (Request.Op): X-Ray indexes it as the operation annotation, OpenTelemetry
// as gen_ai.operation.name ("chat" or "embeddings", the conventions'
// values) and switchyard.operation (all four).
func annotateOperation(span trace.Span, ru *run) {
	span.Annotate("operation", ru.req.opValue())
}

// annotateAnswer puts what the upstream answered on the attempt's span:
// tokens, model and finish reasons (OpenTelemetry maps them to gen_ai.*,
// X-Ray indexes the numbers and keeps the reasons as metadata).
func annotateAnswer(span trace.Span, out attemptOut) {
	if out.usage != nil {
		span.Annotate("input_tokens", out.usage.PromptTokens)
		span.Annotate("output_tokens", out.usage.CompletionTokens)
	}
	if out.model != "" {
		span.Annotate("response_model", out.model)
	}
	finish := out.finish
	if len(finish) == 0 && recording(span) {
		for _, c := range out.choices {
			finish = append(finish, c.FinishReason)
		}
		if len(finish) == 0 && len(out.raw) > 0 {
			finish = rawFinishReasons(out.raw)
		}
	}
	if len(finish) > 0 {
		span.Metadata("finish_reasons", finish)
	}
}

// recording reports whether span keeps what it is given (a span that
// cannot tell is assumed to): detail that costs work to build (a relayed
// body's finish reasons, the decisions) is built only then.
func recording(span trace.Span) bool {
	r, ok := span.(interface{ Recording() bool })
	return !ok || r.Recording()
}

// rawFinishReasons reads the finish reasons of a relayed chat completion
// (the provider reads only what routing needs from it).
func rawFinishReasons(raw []byte) []string {
	var body struct {
		Choices []struct {
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	if json.Unmarshal(raw, &body) != nil {
		return nil
	}
	out := make([]string, 0, len(body.Choices))
	for _, c := range body.Choices {
		out = append(out, c.FinishReason)
	}
	return out
}

// annotateOutcome puts on the request's span what the trace store keeps
// of the decision: who served it, the targets passed over (cooling down,
// half-open), each attempt's budget hold and each router's reasons.
func (e *Engine) annotateOutcome(span trace.Span, ru *run, res *Result) {
	if !recording(span) {
		return
	}
	if prov, _, ok := strings.Cut(res.Target, "/"); ok {
		span.Annotate("provider", prov)
		span.Annotate("provider_type", e.cfg.Providers[prov].Type)
	}
	if skipped := traceSkipped(ru); len(skipped) > 0 {
		span.Annotate("skipped", len(skipped))
		span.Metadata("skips", skipped)
	}
	var holds []map[string]any
	for _, a := range res.Attempts {
		if a.HeldMicros > 0 {
			holds = append(holds, map[string]any{"target": a.Target, "held_usd": float64(a.HeldMicros) / 1e6})
		}
	}
	if len(holds) > 0 {
		span.Metadata("budget_holds", holds)
	}
	if ru.rerouted {
		span.Annotate("rerouted_to", ru.scope.router)
	}
	if len(ru.decisions) > 0 {
		span.Metadata("decisions", traceDecisions(ru.decisions))
	}
}
