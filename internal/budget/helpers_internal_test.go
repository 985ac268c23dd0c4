package budget

import (
	"log/slog"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// newBudgets is a ledger of cfg's budgets with the default options.
func newBudgets(cfg *config.Config, st store.Budgets, log *slog.Logger, now func() time.Time) *Ledger {
	return New(cfg, st, log, now, Options{})
}
