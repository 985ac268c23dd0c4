package engine

import (
	"strconv"

	"github.com/switchyard-llm/switchyard/internal/budget"
	"github.com/switchyard-llm/switchyard/internal/chat"
)

// budgetError is the caller's answer to a budget that refused an attempt
// (DESIGN §9): a 429 budget_exceeded that says which cost did not fit and
// how to make a request that does, and tells SDKs not to retry it
// unchanged (NoRetry → x-should-retry: false), since the same worst case
// will not fit a second later either; or a 503 when the budget could not
// be checked and rejects on store errors, which a retry may get past.
func budgetError(over *budget.Exceeded, req *chat.Request, attempts []Attempt) *Error {
	if over.StoreErr != nil {
		return &Error{Status: statusServiceUnavailable, Type: TypeUpstream, Code: "budget_unavailable",
			Message: "budget " + over.Budget.Name + " cannot be checked right now and is set to reject on store errors", Attempts: attempts}
	}
	return &Error{Status: statusTooManyRequests, Type: TypeRateLimit, Code: "budget_exceeded",
		Message: over.Why() + "; " + maxTokensHint(req), Attempts: attempts, NoRetry: true}
}

// maxTokensHint tells the caller how to lower a request's worst case: its
// output part is max_tokens (or, unset, the model's whole output limit) at
// the output price.
func maxTokensHint(req *chat.Request) string {
	if req == nil {
		return "set max_tokens to lower the worst case"
	}
	if n := req.OutputLimit(); n > 0 {
		return "a lower max_tokens (now " + strconv.Itoa(n) + ") lowers the worst case"
	}
	return "set max_tokens to lower the worst case (without it, the model's whole output limit is reserved)"
}
