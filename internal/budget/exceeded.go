package budget

import (
	"strconv"
	"strings"
)

// Why says which cost did not fit where, with exact amounts: "budget
// team-a: this request's worst-case cost on openai/gpt-4o ($0.0215) does
// not fit the $0.004 left of $1.30 for this day". The worst case is what
// the attempt reserves, not an estimate of its real cost, so a budget with
// room left can still refuse it; that is what the caller must read.
func (x *Exceeded) Why() string {
	var b strings.Builder
	b.WriteString("budget " + x.Budget.Name + ": this request's worst-case cost")
	if x.Target != "" {
		b.WriteString(" on " + x.Target)
	}
	b.WriteString(" (" + usd(x.Worst) + ")")
	limit, period := usd(x.Limit), periodPhrase(x.Budget.Period)
	switch {
	case x.Worst < 0:
		b.WriteString(" cannot be reserved")
	case x.Worst > x.Limit:
		b.WriteString(" is more than the whole budget of " + limit + " " + period)
	case x.SpentKnown:
		b.WriteString(" does not fit the " + usd(max(0, x.Limit-x.Spent)) + " left of " + limit + " " + period)
	default:
		b.WriteString(" does not fit what is left of " + limit + " " + period)
	}
	return b.String()
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
