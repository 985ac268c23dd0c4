package budget

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// A budget's spend is counted per period on one counter item per subject
// (the whole scope, or each user of a per-user budget), whose store key
// names the budget, the subject and the period.

// Scope is who a request is charged to.
type Scope struct {
	Router string
	Key    string // key name, "" without auth
	User   string
}

// counterKey is the store key of budget b's counter for sc in the period
// containing now ("" when b does not cover sc), and when the counter expires.
func counterKey(b config.Budget, sc Scope, now time.Time) (string, time.Time, bool) {
	subject := ""
	kind, arg, _ := strings.Cut(b.Scope, ":")
	switch {
	case b.Scope == "global":
	case b.Scope == "user":
		if sc.User == "" {
			return "", time.Time{}, false
		}
		subject = "#u=" + sc.User
	case kind == "router":
		if arg != sc.Router {
			return "", time.Time{}, false
		}
	case kind == "key":
		if arg != sc.Key {
			return "", time.Time{}, false
		}
	default:
		return "", time.Time{}, false
	}
	period, end := periodOf(b.Period, now.UTC())
	// Counters outlive their period a while so spend stays inspectable.
	return b.Name + subject + "#" + period, end.Add(35 * 24 * time.Hour), true
}

// OwnCounter is the store key of budget b's counter for sc in the period
// containing now, regardless of whether b covers sc (user-scoped budgets:
// the user's counter); false for a user budget without a user.
func OwnCounter(b config.Budget, sc Scope, now time.Time) (string, bool) {
	subject := ""
	if b.Scope == "user" {
		if sc.User == "" {
			return "", false
		}
		subject = "#u=" + sc.User
	}
	period, _ := periodOf(b.Period, now.UTC())
	return b.Name + subject + "#" + period, true
}

// periodOf names the period containing t and returns its end.
func periodOf(p string, t time.Time) (string, time.Time) {
	switch p {
	case "hour":
		start := t.Truncate(time.Hour)
		return start.Format("2006-01-02T15"), start.Add(time.Hour)
	case "day":
		start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return start.Format("2006-01-02"), start.AddDate(0, 0, 1)
	case "week":
		y, w := t.ISOWeek()
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		start := time.Date(t.Year(), t.Month(), t.Day()-wd, 0, 0, 0, 0, time.UTC)
		return fmt.Sprintf("%d-W%02d", y, w), start.AddDate(0, 0, 7)
	case "month":
		start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start.Format("2006-01"), start.AddDate(0, 1, 0)
	default: // total
		return "total", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
}
