package engine

import (
	"strconv"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// budgetError is the caller's answer to a budget that refused an attempt
// (DESIGN §9): a 429 budget_exceeded that says which cost did not fit and
// how to make a request that does, and tells SDKs not to retry it
// unchanged (NoRetry → x-should-retry: false), since the same worst case
// will not fit a second later either; or a 503 when the budget could not
// be checked and rejects on store errors, which a retry may get past.
func budgetError(over *exceeded, req *chat.Request, attempts []Attempt) *Error {
	if over.storeErr != nil {
		return &Error{Status: statusServiceUnavailable, Type: TypeUpstream, Code: "budget_unavailable",
			Message: "budget " + over.budget.Name + " cannot be checked right now and is set to reject on store errors", Attempts: attempts}
	}
	return &Error{Status: statusTooManyRequests, Type: TypeRateLimit, Code: "budget_exceeded",
		Message: over.why() + "; " + maxTokensHint(req), Attempts: attempts, NoRetry: true}
}

// why says which cost did not fit where, with exact amounts: "budget
// team-a: this request's worst-case cost on openai/gpt-4o ($0.0215) does
// not fit the $0.004 left of $1.30 for this day". The worst case is what
// the attempt reserves, not an estimate of its real cost, so a budget with
// room left can still refuse it; that is what the caller must read.
func (x *exceeded) why() string {
	var b strings.Builder
	b.WriteString("budget " + x.budget.Name + ": this request's worst-case cost")
	if x.target != "" {
		b.WriteString(" on " + x.target)
	}
	b.WriteString(" (" + usd(x.worst) + ")")
	limit, period := usd(x.limit), periodPhrase(x.budget.Period)
	switch {
	case x.worst < 0:
		b.WriteString(" cannot be reserved")
	case x.worst > x.limit:
		b.WriteString(" is more than the whole budget of " + limit + " " + period)
	case x.spentKnown:
		b.WriteString(" does not fit the " + usd(max(0, x.limit-x.spent)) + " left of " + limit + " " + period)
	default:
		b.WriteString(" does not fit what is left of " + limit + " " + period)
	}
	return b.String()
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

// periodPhrase names a budget period in a sentence.
func periodPhrase(p string) string {
	switch p {
	case "hour", "day", "week", "month":
		return "for this " + p
	}
	return "in total"
}

// usd prints micro-USD exactly, with at least two decimals and no
// trailing zeros past them: 21500 → "$0.0215", 1300000 → "$1.30".
func usd(micros int64) string {
	sign := ""
	u := uint64(micros)
	if micros < 0 {
		sign, u = "-", uint64(-(micros+1))+1 // MinInt64 has no positive
	}
	frac := strconv.FormatUint(u%1_000_000+1_000_000, 10)[1:] // six digits
	frac = strings.TrimRight(frac, "0")
	for len(frac) < 2 {
		frac += "0"
	}
	return sign + "$" + strconv.FormatUint(u/1_000_000, 10) + "." + frac
}
