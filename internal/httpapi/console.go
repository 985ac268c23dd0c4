package httpapi

import (
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/console"
)

// budgetView is one budget in GET /v1/budgets.
type budgetView struct {
	Name     string  `json:"name"`
	Scope    string  `json:"scope"`
	Period   string  `json:"period"`
	LimitUSD float64 `json:"limit_usd"`
	OnExceed string  `json:"on_exceed,omitempty"`
	// SpentUSD and RemainingPct are this period's; absent for a per-user
	// budget (one counter per user) and when the counter cannot be read.
	SpentUSD     *float64 `json:"spent_usd,omitempty"`
	RemainingPct *float64 `json:"remaining_pct,omitempty"`
	PerUser      bool     `json:"per_user,omitempty"`
	// Unknown says the counter could not be read (the store failed).
	Unknown bool `json:"unknown,omitempty"`
}

// budgets serves GET /v1/budgets (admin): each configured budget's limit
// and, for those with one counter per period, this period's spend as this
// instance knows it (the figures GET /metrics exports).
func (s *Server) budgets(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	eng := s.src.Engine()
	levels := map[string]int{}
	lv := eng.BudgetLevels(r.Context())
	for i, l := range lv {
		levels[l.Name] = i
	}
	data := []budgetView{}
	for _, b := range eng.Config().Budgets {
		v := budgetView{Name: b.Name, Scope: b.Scope, Period: b.Period, LimitUSD: b.LimitUSD, OnExceed: b.OnExceed}
		i, ok := levels[b.Name]
		switch {
		case b.Scope == "user":
			v.PerUser = true
		case !ok || !lv[i].Known:
			v.Unknown = true
		default:
			spent := lv[i].SpentUSD
			left := 0.0
			if b.LimitUSD > 0 {
				left = max(0, 100*(b.LimitUSD-spent)/b.LimitUSD)
			}
			v.SpentUSD, v.RemainingPct = &spent, &left
		}
		data = append(data, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

// consolePage serves GET /console and its script and style sheet. The page
// holds no data (package console): it is served to any caller past the
// keyless guard, and reads everything through the admin APIs with the key
// the user gives it.
func (s *Server) consolePage(w http.ResponseWriter, r *http.Request) {
	console.Handler().ServeHTTP(w, r)
}

// consoleRoutes are the paths consolePage answers.
func consoleRoutes() []string { return console.Assets() }
